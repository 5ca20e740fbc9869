"""Typed summaries of the steps: each prints itself as terminal lines and as the `--json`
summary object (the keys the commands have always printed)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar

from rich.markup import escape
from rich.table import Table

from vidkit.pipeline.job import Summary
from vidkit.publish.outcome import AlreadyPublished, DryRun, Published

_QC_ROWS = 8  # the terminal shows the first few; the QC JSON has them all

_REDACTED_KINDS = {"name": ("name", "names"), "email": ("e-mail address", "e-mail addresses"),
                   "phone": ("phone number", "phone numbers"),
                   "date_of_birth": ("date of birth", "dates of birth"),
                   "record_number": ("record number", "record numbers")}


def redaction_line(counts: dict[str, int]) -> str:
    parts = [f"{n} {_REDACTED_KINDS.get(kind, (kind, kind))[n != 1]}" for kind, n in counts.items() if n]
    return ", ".join(parts) or "nothing found"


def _warn(label: str) -> str:
    return f"[yellow]{label}[/]"  # keys are vidkit's own words, printed as markup


class _Fields(Summary):
    """A dataclass summary whose JSON is its fields; OPTIONAL ones are left out while None."""

    OPTIONAL: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"{cls.__name__}: unknown summary fields {sorted(unknown)}")
        return cls(**data)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)  # type: ignore[call-overload]
        return {k: v for k, v in data.items() if not (k in self.OPTIONAL and v is None)}


@dataclass
class TranscribeSummary(_Fields):
    language: str
    duration: float
    segments: int
    words: int
    flagged_segments: list[dict[str, Any]]
    model: str | None
    seconds: float
    real_time_factor: float | None
    redaction: dict[str, int] | None = None
    OPTIONAL: ClassVar[tuple[str, ...]] = ("redaction",)

    def lines(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [("language", self.language), ("words", self.words),
                                       ("speed", f"{self.seconds} s, {self.real_time_factor}x real time")]
        if self.redaction is not None:
            rows.append(("redacted", redaction_line(self.redaction)))
        if self.flagged_segments:
            rows.append((_warn("check"), ", ".join(f"{s['start']:.1f}-{s['end']:.1f}s ({'/'.join(s['flags'])})"
                                                  for s in self.flagged_segments)))
        return rows


@dataclass
class CaptionSummary(_Fields):
    qc: dict[str, Any]
    redaction: dict[str, Any] | None = None
    transcription: dict[str, Any] | None = None
    OPTIONAL: ClassVar[tuple[str, ...]] = ("redaction", "transcription")

    def lines(self) -> list[tuple[str, Any]]:
        qc = self.qc
        rows: list[tuple[str, Any]] = [
            ("cues", qc["cues"]),
            ("rule breaks", f"{qc['unforced_violations']} avoidable, "
                            f"{qc['violations'] - qc['unforced_violations']} forced by the speech"),
            ("low-confidence words", qc["low_probability_words"])]
        if self.redaction is not None:
            rows.append(("redacted", redaction_line(self.redaction["counts"])))
        return rows


@dataclass
class RedactSummary(_Fields):
    counts: dict[str, int]
    items: int
    audio: str | None

    def lines(self) -> list[tuple[str, Any]]:
        return [("redacted", redaction_line(self.counts))]


@dataclass
class BlurSummary(_Fields):
    tracks: int
    frames: int
    verified: bool | None
    verification_rounds: int
    faces_left: int
    words_verified: bool | None = None

    def lines(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [("face tracks", self.tracks), ("frames", self.frames),
                                       ("verified", "yes" if self.verified else "no (verification off)")]
        if self.words_verified is not None:
            rows.append(("names heard again", "none" if self.words_verified else "some (see the report)"))
        return rows


@dataclass
class ClipSummary(_Fields):
    clips: list[dict[str, Any]]
    transcript: bool
    privacy_report: bool | None = None
    planned: list[dict[str, float]] | None = None
    OPTIONAL: ClassVar[tuple[str, ...]] = ("privacy_report", "planned")

    def lines(self) -> list[tuple[str, Any]]:
        from vidkit.clips.ranges import format_timecode

        rows: list[tuple[str, Any]] = []
        for c in self.clips:
            actual = c["actual"]
            text = (f"{format_timecode(actual['start'])}-{format_timecode(actual['end'])}, "
                    f"{actual['duration']:.2f} s, {c['frames']} frames, {c['captions']} captions")
            if c["aspect"]:
                text += f", {c['aspect']}"
            if c["privacy"]["masked"]:
                text += ", faces masked and verified" if c["privacy"]["verified"] else ", faces masked"
            if c["mode"] == "fast":
                early = c["requested"]["start"] - actual["start"]
                text += f" (fast: starts at the keyframe {early:.3f} s before {format_timecode(c['requested']['start'])})"
            rows.append((f"clip {c['index']:02d}", text))
        if not self.transcript:
            rows.append(("captions", "none: no <stem>.transcript.json (run vidkit transcribe first)"))
        return rows


@dataclass
class DescribeSummary(_Fields):
    title: str
    tags: list[str]
    hashtags: list[str]
    chapters: list[str]
    chapters_note: str | None
    fixes: list[str]
    template: str
    summary_source: str
    subjects: list[str]
    short: bool
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [
            ("title", self.title), ("tags", ", ".join(self.tags) or "none"),
            ("chapters", "; ".join(self.chapters) if self.chapters else f"none: {self.chapters_note}"),
            ("template", f"{self.template} ({self.summary_source} summary)")]
        rows += [(_warn("fixed"), fix) for fix in self.fixes]
        rows += [(_warn("warning"), w) for w in self.warnings]
        return rows


# A publish step's summary is what the run did (vidkit.publish.outcome): the publish package
# sits below the job layer, so its outcomes are Summaries by registration, not by import.
for _outcome in (Published, AlreadyPublished, DryRun):
    Summary.register(_outcome)


@dataclass
class QueuedClip:
    """One clip of a preset's publish step: its state and what to do next."""

    clip: str  # the clip's file name without .mp4
    state: str  # queued | waiting for consent | published
    how: str  # the command that sends it, or the video's address
    outcome: Published | AlreadyPublished | DryRun


@dataclass
class QueueSummary(Summary):
    """A preset's publish step: every described clip checked (a dry run) or sent."""

    clips: list[QueuedClip]

    def lines(self) -> list[tuple[str, Any]]:
        return [(f"publish {c.clip}", f"{c.state}: {c.how}") for c in self.clips]

    def to_json(self) -> dict[str, Any]:
        return {"clips": [{"clip": c.clip, "state": c.state,
                           # the gates of a dry run; a sent clip's are in its summary
                           "gates": [g.to_dict() for g in c.outcome.gates] if isinstance(c.outcome, DryRun) else None,
                           "summary": c.outcome.to_json()} for c in self.clips]}


def qc_tables(qc) -> list[Table]:
    """Short tables of rule breaks and unsure words, for a person to check by ear."""
    tables = []
    if qc.violations:
        table = Table("cue", "rule", "value", "limit", "why", title="Caption rule breaks", title_justify="left")
        for v in qc.violations[:_QC_ROWS]:
            why = ("[dim]forced:[/] " if v.forced else "[red]avoidable:[/] ") + escape(v.reason)
            table.add_row(str(v.cue_index + 1), v.rule, f"{v.value:.2f}", f"{v.limit:.2f}", why)
        if len(qc.violations) > _QC_ROWS:
            table.caption = f"{len(qc.violations) - _QC_ROWS} more in the QC report"
        tables.append(table)
    if qc.low_probability_words:
        table = Table("time", "word", "confidence", title="Words to check", title_justify="left")
        for w in qc.low_probability_words[:_QC_ROWS]:
            # escape: a redacted "[name]" is not Rich markup
            table.add_row(f"{int(w.start // 60)}:{w.start % 60:05.2f}", escape(w.text), f"{w.probability:.0%}")
        if len(qc.low_probability_words) > _QC_ROWS:
            table.caption = f"{len(qc.low_probability_words) - _QC_ROWS} more in the QC report"
        tables.append(table)
    return tables


def candidates_table(candidates) -> Table:
    from vidkit.clips.ranges import format_timecode

    table = Table("#", "range", "score", "why", "starts with", title="Ranked clip candidates")
    for number, c in enumerate(candidates, 1):
        table.add_row(str(number), f"{format_timecode(c.start)}-{format_timecode(c.end)}", f"{c.score:.2f}",
                      escape("; ".join(c.reasons)), escape(c.text))
    return table
