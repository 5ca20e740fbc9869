"""The words of a publishable output: what was redacted, and a second listen.

Every video a person may publish (a clip, a blurred recording) carries a `words` block in its
record: whether names and identifying numbers were redacted, with which roster (its sha256,
never its names), how many, whether the audio was bleeped, which transcript the captions came
from, and the result of the second listen — the rendered audio transcribed again with the same
model and searched with the same rules. That listen is the audio counterpart of the second
face detector: a name the first transcription missed or a bleep that did not cover a word is
heard here, and the output fails (`verified: false`) instead of being published.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from vidkit.privacy.roster import Roster

NO_AUDIO = "no audio stream"  # the note of an output with nothing to listen to


@dataclass(frozen=True)
class Heard:
    """Something the second listen still heard: its kind (name, phone, ...) and output time;
    never the words themselves."""

    kind: str
    start: float
    end: float


@dataclass
class WordsRecord:
    redacted: bool  # a roster (and the identifying-number rules) ran over the words
    roster_sha256: str | None = None
    counts: dict[str, int] = field(default_factory=dict)  # kind -> items redacted
    audio_bleeped: bool = False  # redacted speech in the audio was bleeped or muted
    transcript_sha256: str | None = None  # the (redacted) transcript written beside the output
    clear_transcript: str | None = None  # the private store key of the clear transcript
    verified: bool | None = None  # the second listen heard nothing; None: not checked (see note)
    note: str = ""
    heard: list[Heard] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["heard"] = [asdict(h) for h in self.heard]
        return data

    @classmethod
    def from_dict(cls, data: Any) -> WordsRecord | None:
        """The record's `words` block, or None when it is missing or malformed."""
        if not isinstance(data, dict) or not isinstance(data.get("redacted"), bool):
            return None
        heard = [Heard(str(h.get("kind")), float(h.get("start", 0)), float(h.get("end", 0)))
                 for h in data.get("heard") or [] if isinstance(h, dict)]
        counts = data.get("counts") if isinstance(data.get("counts"), dict) else {}
        verified = data.get("verified")
        return cls(redacted=data["redacted"], roster_sha256=data.get("roster_sha256"), counts=dict(counts),
                   audio_bleeped=bool(data.get("audio_bleeped")), transcript_sha256=data.get("transcript_sha256"),
                   clear_transcript=data.get("clear_transcript"),
                   verified=verified if isinstance(verified, bool) else None,
                   note=str(data.get("note") or ""), heard=heard)


def unredacted() -> WordsRecord:
    return WordsRecord(redacted=False, note="no roster: names said were not redacted")


def listen_again(video: Path, roster: Roster, transcribe_section: dict[str, Any],
                 progress: Callable[[float, float], None] | None = None,
                 engines: Any = None) -> tuple[bool | None, list[Heard], str]:
    """(verified, what was heard, note): `video`'s audio transcribed again (word times) and
    searched for roster names and identifying numbers. None when there is no audio."""
    from vidkit.media import probe
    from vidkit.privacy.redact import redact_transcript
    from vidkit.transcribe import TranscribeOptions, transcribe_file

    if probe(video).audio is None:
        return None, [], NO_AUDIO
    options = TranscribeOptions.from_settings(transcribe_section)
    heard_words = transcribe_file(video, options,
                                  (lambda stage, done, total: progress(done, total)) if progress else None, engines)
    _, items = redact_transcript(heard_words, roster)
    heard = [Heard(item.kind, round(item.start, 3), round(item.end, 3)) for item in items]
    return not heard, heard, ""


def heard_message(what: str, heard: list[Heard]) -> str:
    first = heard[0]
    kinds = sorted({h.kind for h in heard})
    return (f"{what}: the second listen still hears {len(heard)} redacted item(s) ({', '.join(kinds)}; first at "
            f"{first.start:.2f} s of the output): its record says words verified: false; check the roster "
            f"and the bleeps, and make it again")
