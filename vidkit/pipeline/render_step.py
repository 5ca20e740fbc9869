"""`vidkit render` as a step of the job model (vidkit.pipeline.job): a command of its own, and
the publishable video of a preset run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vidkit.faces.masking import faces_window
from vidkit.pipeline.job import Context, Step, StepResult
from vidkit.pipeline.summaries import _Fields, redaction_line


@dataclass
class RenderSummary(_Fields):
    frames: int
    duration: float
    size: list[int]
    captions: int
    burned_captions: bool
    branding: bool
    intro_seconds: float
    privacy: dict[str, Any]
    words: dict[str, Any]

    def lines(self) -> list[tuple[str, Any]]:
        checked = "verified" if self.privacy.get("verified") else "not verified (verification off)"
        rows: list[tuple[str, Any]] = [
            ("video", f"{self.duration:.2f} s, {self.frames} frames, {self.size[0]}x{self.size[1]}"),
            ("faces", f"{self.privacy.get('tracks', 0)} track(s) masked, {checked}"),
            ("captions", f"{self.captions} cues" + (", burned in" if self.burned_captions else ""))]
        if self.words.get("redacted"):
            heard = "none heard again" if self.words.get("verified") else "not listened to again"
            rows.append(("redacted", f"{redaction_line(self.words.get('counts') or {})}; {heard}"))
        if self.branding:
            rows.append(("branding", f"cards and logo (intro {self.intro_seconds:.2f} s)"))
        return rows


@dataclass
class RenderStep(Step):
    input: Path
    captions: bool = True  # burned into the picture (the SRT/VTT are written either way)
    title: str | None = None  # on the intro card
    name = "render"
    needs = ("transcribe",)

    def parameters(self, ctx: Context) -> dict[str, Any]:
        return {"input": ctx.source(self.input).sha256, "captions": self.captions, "title": self.title,
                "roster": ctx.privacy.roster_sha256 if ctx.privacy is not None else None,
                **{name: ctx.settings.section(name) for name in ("clip", "blur", "burn", "captions", "clinic")}}

    def prepare(self, ctx: Context) -> None:
        """Start the face scan of the whole recording in the background: it needs no words, so
        in a preset it runs while the transcribe step listens (vidkit.faces.masking.FaceScans)."""
        from vidkit.pipeline.blur_job import blur_options
        from vidkit.pipeline.render_job import LABEL, whole_schedule

        info = ctx.source(self.input).info
        if info.video is None:
            return  # render_job says why, in its step
        schedule = whole_schedule(info)
        options = blur_options(ctx.settings, (), ())
        start, end = faces_window(info, schedule, options)
        progress = ctx.reporter.stage(f"{LABEL}: finding faces", min(end, info.duration) - start)
        ctx.faces.start(info, schedule, ctx.detectors, options, lambda done: progress(done))

    def run(self, ctx: Context) -> StepResult:
        from vidkit.pipeline.render_job import render_job

        made = render_job(self.input, ctx.settings, ctx.reporter, ctx.out, captions=self.captions, title=self.title,
                          overwrite=ctx.overwrite, scans=ctx.faces, detectors=ctx.detectors, engines=ctx.engines)
        return StepResult(self.name, made.outputs, RenderSummary.from_dict(made.summary))
