"""The transcript model: the value every later stage reads.

Times are seconds from the start of the input. A Transcript round-trips through JSON
(`<stem>.transcript.json`) so later stages and people can re-run from it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = "vidkit.transcript/1"


# Segments flagged with these (vidkit.transcribe.quality) are kept in the transcript but left
# out of captions, clip selection and descriptions: likely invented words.
CAPTION_SKIP_FLAGS = frozenset({"glossary-echo", "likely-no-speech"})


@dataclass(frozen=True)
class Word:
    """One recognised word; `text` keeps Whisper's leading space convention stripped."""

    start: float
    end: float
    text: str
    probability: float = 1.0


@dataclass(frozen=True)
class Segment:
    """A decoder segment with its words and quality flags (e.g. "repeated-ngram")."""

    id: int
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    compression_ratio: float = 0.0
    no_speech_prob: float = 0.0
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Transcript:
    language: str
    duration: float
    segments: tuple[Segment, ...]
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]

    def caption_words(self, skip_flags: frozenset[str]) -> list[Word]:
        """Words of the segments that are not flagged as likely invented."""
        return [w for s in self.segments if not skip_flags & set(s.flags) for w in s.words]

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "language": self.language,
            "duration": self.duration,
            "text": self.text,
            "segments": [asdict(s) for s in self.segments],
            "provenance": self.provenance,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        if data.get("schema") != SCHEMA:
            raise ValueError(f"schema is {data.get('schema')!r}, expected {SCHEMA!r}")
        segments = tuple(
            Segment(
                id=s["id"],
                start=s["start"],
                end=s["end"],
                text=s["text"],
                words=tuple(Word(**w) for w in s.get("words", ())),
                avg_logprob=s.get("avg_logprob", 0.0),
                compression_ratio=s.get("compression_ratio", 0.0),
                no_speech_prob=s.get("no_speech_prob", 0.0),
                flags=tuple(s.get("flags", ())),
            )
            for s in data["segments"]
        )
        return cls(data["language"], data["duration"], segments, data.get("provenance", {}))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


def load_transcript(path: Path) -> Transcript:
    """Read a `.transcript.json`; raises BadInputError with a clear message when it is not one."""
    from vidkit.errors import BadInputError

    try:
        return Transcript.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise BadInputError(f"transcript not found: {path}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise BadInputError(f"{path} is not a vidkit transcript ({detail})") from None
