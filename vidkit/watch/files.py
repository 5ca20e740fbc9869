"""Which files in a watched folder are recordings, and when one is ready to take.

Recordings arrive by copying off the CAREN PC, often over SMB, so a file is seen long before
it is whole. It is taken only when it is *stable*: its size and mtime held still for
`watch.settle_seconds`, and then the container opens, has a duration, and its last second
decodes (a copy that stopped half-way has a header that promises more than is there). A file
that never opens is not waited for forever: after three settle periods without a change it
is bad input.
"""

from __future__ import annotations

import fnmatch
import os
import time
from dataclasses import dataclass
from pathlib import Path

from vidkit.errors import BadInputError

MEDIA_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".mkv", ".avi", ".mts", ".m2ts", ".ts", ".mpg", ".mpeg",
                            ".webm", ".wmv", ".mxf", ".3gp"})
# Names copy tools and editors give files they are still writing, and lock files.
TEMPORARY = ("*.part", "*.tmp", "*.temp", "*.crdownload", "*.partial", "*.download", "~$*", "*~", ".*")
SPECIAL_FOLDERS = ("done", "failed", ".vidkit")  # the watcher's own, inside the watched folder
BAD_AFTER_SETTLES = 3  # a file that never opens is bad input after this many quiet settle periods
# Beside a recording, `<stem>.subjects.txt`: the pseudonymous ids of the people in it, one per
# line (for the consent gate; `vidkit run --subject` on the command line).
SUBJECTS_SUFFIX = ".subjects.txt"


def is_candidate(path: Path) -> bool:
    """A media file name that is not a temporary or hidden one, nor named as vidkit names its
    outputs (session.publish.mp4, session.clip01.mp4, ...: never taken for a new recording, if
    an output folder is pointed back at the watched one)."""
    from vidkit.artifacts import source_stem

    name = path.name
    if any(fnmatch.fnmatchcase(name.lower(), pattern) for pattern in TEMPORARY):
        return False
    return path.suffix.lower() in MEDIA_SUFFIXES and source_stem(path) == path.stem


def candidates(folder: Path, *, recursive: bool, skip: tuple[Path, ...] = ()) -> list[Path]:
    """Media files in `folder` (and below, if `recursive`), never inside done/, failed/, .vidkit/,
    hidden folders or `skip` (the output folder, when it is inside the watched one)."""
    found: list[Path] = []
    skipped = {p.resolve() for p in skip}
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if recursive and not d.startswith(".")
                         and not (here == folder and d in SPECIAL_FOLDERS)
                         and (here / d).resolve() not in skipped)
        found += [here / f for f in sorted(files) if is_candidate(here / f)]
    return found


@dataclass
class Seen:
    size: int
    mtime_ns: int
    since: float  # when this size and mtime were first seen (monotonic seconds)


class Settler:
    """Tracks files until their size and mtime have held still for `settle` seconds."""

    def __init__(self, settle: float, clock=time.monotonic):
        self.settle, self.clock = settle, clock
        self.seen: dict[Path, Seen] = {}

    def observe(self, path: Path) -> Seen | None:
        """Note the file's size and mtime now; None if it is gone."""
        try:
            stat = path.stat()
        except OSError:
            self.seen.pop(path, None)
            return None
        now = self.clock()
        known = self.seen.get(path)
        if known is None or (known.size, known.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
            known = self.seen[path] = Seen(stat.st_size, stat.st_mtime_ns, now)
        return known

    def quiet_for(self, path: Path) -> float:
        """Seconds the file has been unchanged (0 if not seen yet)."""
        known = self.seen.get(path)
        return self.clock() - known.since if known is not None else 0.0

    def stable(self, path: Path) -> bool:
        known = self.observe(path)
        return known is not None and known.size > 0 and self.clock() - known.since >= self.settle

    def forget(self, path: Path) -> None:
        self.seen.pop(path, None)

    def unsettled(self) -> int:
        return sum(1 for path in self.seen if self.quiet_for(path) < self.settle)


def subjects_file(path: Path) -> Path:
    return path.with_name(path.stem + SUBJECTS_SUFFIX)


def subjects_beside(path: Path) -> tuple[str, ...]:
    """The subject ids in the recording's `<stem>.subjects.txt` (blank lines and # comments
    skipped); none without one. The ids are checked like --subject's where they are used."""
    try:
        text = subjects_file(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return ()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"{subjects_file(path).name} is not readable: {exc}") from None
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(line for line in lines if line)


def readable(path: Path) -> tuple[float, int]:
    """(duration seconds, size bytes) of a recording that opens, has a duration and whose last
    second decodes; BadInputError with the reason otherwise."""
    from vidkit.media import probe

    info = probe(path)
    if not info.duration or info.duration <= 0:
        raise BadInputError(f"{path.name} has no readable duration")
    stream = "video" if info.video is not None else "audio"
    if not _end_decodes(path, stream, info.duration):
        raise BadInputError(f"{path.name} is truncated: its header says {info.duration:.1f} s but the end does "
                            "not decode (an interrupted copy?)")
    return info.duration, path.stat().st_size


def _end_decodes(path: Path, kind: str, duration: float) -> bool:
    """Whether a frame within the stream's last second decodes (the stream's own duration when
    the header gives one). Not merely "some frame after a seek near the end": a short copy cut
    at half-way still has frames after `duration - 2`."""
    import av

    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            stream = container.streams.video[0] if kind == "video" else container.streams.audio[0]
            origin = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
            end = float(stream.duration * stream.time_base) if stream.duration else duration
            container.seek(int((origin + max(0.0, end - 2.0)) / stream.time_base), stream=stream, backward=True)
            last = None
            for frame in container.decode(stream):
                if frame.time is not None:
                    last = frame.time - origin
            return last is not None and last >= end - 1.0
    except (av.error.FFmpegError, IndexError, ValueError):
        return False
