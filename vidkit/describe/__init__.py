"""`vidkit describe`: YouTube title, description, tags, chapters and status for a clip,
validated as YouTube would, written to `<clip>.upload.json` for `vidkit publish`."""

from vidkit.describe.describe import UPLOAD_SCHEMA, DescribeResult, describe_clip
from vidkit.describe.validate import validate_metadata

__all__ = ["UPLOAD_SCHEMA", "DescribeResult", "describe_clip", "validate_metadata"]
