"""Which recording a transcript, or a file already in the output folder, came from.

Outputs are named `<input stem><suffix>`, so two different recordings called session.mp4 in
two folders, processed into one output folder, would share every file name; and a transcript
found by its name may be another recording's. vidkit's records name their recording by sha256
(never by file name): a transcript's `provenance.input_sha256`, the `input_sha256` of
`.privacy.json`, `.redaction.json` and `.captions-qc.json`, `source.sha256` of `.clips.json`
and `.clipNN.clip.json`, a clip's own `.clip.json` (`source.sha256`, `video_sha256`) and
`.upload.json` (`video_sha256`). A file that names no recording (made by another tool or an
older vidkit) proves nothing and is left alone.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from vidkit.artifacts import stem_outputs
from vidkit.errors import BadInputError
from vidkit.hashing import file_sha256

log = logging.getLogger(__name__)

_SHA = re.compile(r"^[0-9a-f]{64}$")
_CLIP = re.compile(r"^\.clip\d+\.")  # `<stem>.clip01.mp4`, `.clip01.clip.json`, ...: clips of the stem
_CLIP_RECORD = re.compile(r"^\.clip\d+\.clip\.json$")
# What vidkit writes as `<stem><suffix>` (besides the clips): replaced as a whole by --overwrite.
OUTPUT_SUFFIXES = stem_outputs()


def _sha(value: Any) -> str:
    return value if isinstance(value, str) and _SHA.match(value) else ""


def _read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in `path`; None when it is missing or unreadable."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _source(record: dict[str, Any]) -> str:
    source = record.get("source")
    return _sha(source.get("sha256")) if isinstance(source, dict) else ""


def recorded_sha(provenance: dict[str, Any]) -> str:
    """The recording a transcript was made from: `input_sha256`, else the recording in its
    private store key (a redacted transcript); "" when it does not say."""
    from vidkit.privacy.transcript_store import KEY_FIELD

    sha = _sha(provenance.get("input_sha256"))
    if not sha and isinstance(provenance.get(KEY_FIELD), str):
        sha = _sha(provenance[KEY_FIELD].split(".", 1)[0])
    return sha


def clip_record_of(transcript_path: Path) -> Path:
    """The clip record written beside a clip's transcript: X.clip01(.redacted).transcript.json
    -> X.clip01.clip.json; for `vidkit render`'s, X.publish.transcript.json -> X.publish.json."""
    name = Path(transcript_path).name
    base = name[: -len(".transcript.json")] if name.endswith(".transcript.json") else Path(name).stem
    base = base.removesuffix(".redacted")
    return Path(transcript_path).with_name(base + (".json" if base.endswith(".publish") else ".clip.json"))


def transcript_problem(provenance: dict[str, Any], transcript_path: Path, input_path: Path) -> str | None:
    """Why the transcript at `transcript_path` is not the one of `input_path`, as words that
    follow "<transcript file> is ", or None.

    None too when the transcript names no recording: then only its length can be checked.
    A clip's transcript is an excerpt naming the source recording; its clip record (beside
    it) ties it to the clip: the record's `source.sha256` must be the transcript's recording
    and its `video_sha256` the input's."""
    recorded = recorded_sha(provenance)
    if not recorded:
        return None
    sha, name = file_sha256(input_path), Path(input_path).name
    if not provenance.get("excerpt"):
        return None if recorded == sha else f"the transcript of another recording, not of {name}"
    if recorded == sha:
        return f"the transcript of a clip of {name} (its times start at the clip), not of the whole recording"
    record_path = clip_record_of(transcript_path)
    record = _read_json(record_path)
    if record is None:
        return (f"a clip's transcript whose clip record {record_path.name} is missing or unreadable, "
                f"so it cannot be tied to {name}")
    video = _sha(record.get("video_sha256"))
    if (_source(record) or recorded) != recorded or (video or sha) != sha:
        return f"the transcript of another clip, not of {name}"
    return None


def refuse_other_transcript(provenance: dict[str, Any], transcript_path: Path, input_path: Path, fix: str) -> None:
    """BadInputError (one line) when the transcript is another recording's; `fix` says what to do."""
    problem = transcript_problem(provenance, transcript_path, input_path)
    if problem:
        raise BadInputError(f"{Path(transcript_path).name} is {problem}: {fix}")


def input_identity(input_path: Path) -> set[str]:
    """The sha256s that name `input_path` in records: its own, and for a clip from vidkit clip
    (its `.clip.json` beside it says so) its source recording's too, which the clip's
    transcript and redaction report name."""
    sha = file_sha256(input_path)
    names = {sha}
    record = _read_json(Path(input_path).with_name(Path(input_path).stem + ".clip.json"))
    if record is not None and _sha(record.get("video_sha256")) == sha and _source(record):
        names.add(_source(record))
    return names


def transcript_identity(provenance: dict[str, Any], transcript_path: Path) -> set[str]:
    """The sha256s that name a transcript's recording: the one it records and, for a clip's
    excerpt whose clip record agrees, the clip's."""
    recorded = recorded_sha(provenance)
    if not recorded:
        return set()
    names = {recorded}
    if provenance.get("excerpt"):
        record = _read_json(clip_record_of(transcript_path)) or {}
        if _source(record) == recorded and _sha(record.get("video_sha256")):
            names.add(record["video_sha256"])
    return names


def _named(path: Path, rest: str) -> set[str]:
    """The recordings the record `path` (`<stem><rest>`) names; empty when it is no record."""
    if rest not in (".transcript.json", ".redacted.transcript.json", ".privacy.json", ".redaction.json",
                    ".captions-qc.json", ".clips.json", ".clip.json", ".upload.json", ".publish.json",
                    ".publish.transcript.json") \
            and not _CLIP_RECORD.match(rest):
        return set()
    data = _read_json(path)
    if data is None:
        return set()
    if rest.endswith(".transcript.json"):
        provenance = data.get("provenance")
        return transcript_identity(provenance, path) if isinstance(provenance, dict) else set()
    names = {_sha(data.get("input_sha256")), _source(data)}
    if rest in (".clip.json", ".upload.json", ".publish.json"):
        names.add(_sha(data.get("video_sha256")))
    return names - {""}


def check_stem_outputs(input_path: Path, out_dir: Path | None, *, overwrite: bool, keep: Iterable[Path | None] = (),
                       stem: str | None = None, identity: Callable[[], set[str]] | None = None) -> list[Path]:
    """Before a job writes `<stem>...` into its output folder (`out_dir`, else beside the
    input): when the records of that stem there say they came from another recording, refuse
    with one line, or with `overwrite` delete that stem's outputs there first (so no file of
    the other recording stays mixed in with the new ones). Re-running the same recording is
    the normal case and passes. Returns the files deleted.

    `stem` defaults to the input's; `identity` (the sha256s naming the input, computed only
    when a record needs comparing) to `input_identity(input_path)`. `keep`: files the user
    gave (a --transcript, a --from list), never counted or deleted."""
    stem = stem or Path(input_path).stem
    folder = Path(out_dir) if out_dir else Path(input_path).parent
    if not folder.is_dir():
        return []
    kept = {Path(p).resolve() for p in (input_path, *keep) if p is not None}
    files = sorted(p for p in folder.iterdir()
                   if p.name.startswith(stem + ".") and p.resolve() not in kept and p.is_file())
    records = [(p, names) for p in files if (names := _named(p, p.name[len(stem):]))]
    if not records:
        return []
    ours = identity() if identity is not None else input_identity(input_path)
    if not ours:  # the input names no recording (a transcript from another tool): nothing to compare
        return []
    others = [p.name for p, names in records if not names & ours]
    if not others:
        return []
    if not overwrite:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise BadInputError(
            f"{folder} already holds outputs of another recording also named {stem!r} ({shown}): "
            "write to another folder with -o, delete them, or give --overwrite to replace them")
    stale = [p for p in files if p.name[len(stem):] in OUTPUT_SUFFIXES or _CLIP.match(p.name[len(stem):])]
    for path in stale:
        path.unlink(missing_ok=True)
    log.info("--overwrite: removed %d file(s) of another recording named %r from %s", len(stale), stem, folder)
    return stale
