"""Why a publish stopped, each mapped to the CLI's exit codes (2: refused input, 1: failed)."""

from __future__ import annotations

from vidkit.errors import BadInputError, ProcessingError


class GateRefused(BadInputError):
    """A privacy or consent gate refused the clip (exit code 2); nothing was sent."""


class QuotaRefused(ProcessingError):
    """Today's quota (local count or YouTube's answer) is spent; the upload is queued (exit 1)."""


class UploadQueued(ProcessingError):
    """YouTube refused for now (quotaExceeded, uploadLimitExceeded); a later run retries (exit 1)."""


class AuthExpired(ProcessingError):
    """The stored authorisation no longer works: run `vidkit auth` again (exit 1)."""


class NotAuthorised(ProcessingError):
    """No token stored yet (exit 1)."""


class UploadFailed(ProcessingError):
    """YouTube or the network failed after every retry (exit 1); a re-run resumes."""
