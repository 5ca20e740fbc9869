"""The steps every command and preset is made of. Each wraps one library call (the stage
functions in this package) over the job's context and returns a typed result; `parameters`
says what changes its outputs, so a run with the same ones can be skipped."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vidkit.pipeline.job import OK, WAITING, Context, Step, StepResult
from vidkit.pipeline.summaries import (BlurSummary, CaptionSummary, ClipSummary, DescribeSummary,
                                       QueuedClip, QueueSummary, RedactSummary, TranscribeSummary, candidates_table,
                                       qc_tables)


def _roster_id(ctx: Context) -> str | None:
    return ctx.privacy.roster_sha256 if ctx.privacy is not None else None


def _sections(ctx: Context, *names: str) -> dict[str, Any]:
    return {name: ctx.settings.section(name) for name in names}


@dataclass
class TranscribeStep(Step):
    input: Path
    name = "transcribe"
    needs = ()

    def parameters(self, ctx: Context) -> dict[str, Any]:
        return {"input": ctx.source(self.input).sha256, "roster": _roster_id(ctx), **_sections(ctx, "transcribe")}

    def run(self, ctx: Context) -> StepResult:
        from vidkit.pipeline.steps import transcribe_job

        made = transcribe_job(self.input, ctx.settings, ctx.reporter, ctx.out, overwrite=ctx.overwrite,
                              engines=ctx.engines)
        return StepResult(self.name, made.outputs, TranscribeSummary.from_dict(made.summary))


@dataclass
class CaptionStep(Step):
    input: Path
    transcript: Path | None = None
    burn: bool = False
    name = "caption"

    def parameters(self, ctx: Context) -> dict[str, Any]:
        return {"input": ctx.source(self.input).sha256, "roster": _roster_id(ctx), "burn": self.burn,
                "transcript": str(self.transcript) if self.transcript else None,
                **_sections(ctx, "transcribe", "captions", "burn")}

    def run(self, ctx: Context) -> StepResult:
        from vidkit.pipeline.steps import caption_job

        made = caption_job(self.input, ctx.settings, ctx.reporter, out=ctx.out, transcript_path=self.transcript,
                           burn=self.burn, overwrite=ctx.overwrite, engines=ctx.engines)
        assert made.captions is not None
        return StepResult(self.name, made.outputs, CaptionSummary.from_dict(made.summary),
                          tables=qc_tables(made.captions.qc))


@dataclass
class RedactStep(Step):
    transcript: Path
    media: Path | None = None
    name = "redact"

    def parameters(self, ctx: Context) -> dict[str, Any]:
        return {"transcript": str(self.transcript), "media": ctx.source(self.media).sha256 if self.media else None,
                "roster": _roster_id(ctx), **_sections(ctx, "privacy")}

    def run(self, ctx: Context) -> StepResult:
        from vidkit.pipeline.redact_job import redact_job

        made = redact_job(self.transcript, ctx.settings, ctx.reporter, media=self.media, out=ctx.out,
                          overwrite=ctx.overwrite)
        return StepResult(self.name, made.outputs, RedactSummary.from_dict(made.summary))


@dataclass
class BlurStep(Step):
    input: Path
    keep_tracks: tuple[int, ...] = ()
    regions: tuple[str, ...] = ()
    review: bool = False
    transcript: Path | None = None
    name = "blur"

    def parameters(self, ctx: Context) -> dict[str, Any]:
        return {"input": ctx.source(self.input).sha256, "roster": _roster_id(ctx), "keep": list(self.keep_tracks),
                "regions": list(self.regions), "review": self.review, **_sections(ctx, "blur", "burn")}

    def run(self, ctx: Context) -> StepResult:
        from vidkit.pipeline.blur_job import blur_job

        made = blur_job(self.input, ctx.settings, ctx.reporter, out=ctx.out, keep_tracks=self.keep_tracks,
                        regions=self.regions, review=self.review, transcript_path=self.transcript,
                        overwrite=ctx.overwrite, detectors=ctx.detectors, engines=ctx.engines)
        return StepResult(self.name, made.outputs, BlurSummary.from_dict(made.summary))


@dataclass
class ClipStep(Step):
    input: Path
    request: Any  # vidkit.pipeline.clip_select.ClipRequest
    name = "clip"
    needs = ("transcribe",)  # and the render's face scan, which Context.faces waits for

    def parameters(self, ctx: Context) -> dict[str, Any]:
        return {"input": ctx.source(self.input).sha256, "roster": _roster_id(ctx), "request": repr(self.request),
                **_sections(ctx, "clip", "blur", "burn", "captions", "clinic")}

    def run(self, ctx: Context) -> StepResult:
        from vidkit.pipeline.clip_job import clip_job

        made = clip_job(self.input, ctx.settings, ctx.reporter, self.request, out=ctx.out, overwrite=ctx.overwrite,
                        scans=ctx.faces, detectors=ctx.detectors, engines=ctx.engines)
        tables = [candidates_table(made.candidates)] if made.candidates else []
        return StepResult(self.name, made.outputs, ClipSummary.from_dict(made.summary), tables=tables)

    @staticmethod
    def videos(result: StepResult) -> list[Path]:
        """The clip videos a clip step made, in order."""
        return [path for key, path in sorted(result.outputs.items()) if key.endswith(".video")]


@dataclass
class DescribeStep(Step):
    clip: Path | None = None  # None: every clip the last clip step made
    template: str | None = None
    llm: str | None = None
    subjects: tuple[str, ...] = ()
    title: str | None = None
    name = "describe"

    def targets(self, ctx: Context) -> list[Path]:
        if self.clip is not None:
            return [self.clip]
        clipped = ctx.result("clip")
        return ClipStep.videos(clipped) if clipped is not None else []

    def run(self, ctx: Context) -> StepResult:
        from vidkit.describe import describe_clip

        outputs: dict[str, Path] = {}
        summary = None
        for number, target in enumerate(self.targets(ctx), 1):
            made = describe_clip(target, ctx.settings, template=self.template, llm_url=self.llm,
                                 subjects=self.subjects, title=self.title,
                                 out_dir=ctx.out if self.clip is not None else None)
            key = "upload" if self.clip is not None else f"clip{number:02d}.upload"
            outputs[key] = made.outputs["upload"]
            summary = DescribeSummary.from_dict(made.summary)
        return StepResult(self.name, outputs, summary, verdict=OK)


@dataclass
class PublishStep(Step):
    """Upload a described clip (or, with `dry_run`, say exactly what would be sent). Without a
    clip: every upload.json the last describe step wrote. `queue` (a preset's publish step):
    a dry run whose only refusal is a missing consent waits for it; any other refusal stops
    the job; all gates passing leaves the clip queued for `vidkit publish`."""

    clip: Path | None = None
    options: Any = None  # vidkit.publish.job.PublishOptions
    dry_run: bool = False
    queue: bool = False
    name = "publish"
    always_run = True  # consent and quota change between runs

    def run(self, ctx: Context) -> StepResult:
        from vidkit.publish.job import PublishOptions

        options = self.options or PublishOptions()
        if self.clip is not None:
            targets = [self.clip]
        else:
            described = ctx.result("describe")
            targets = [p for _, p in sorted(described.outputs.items())] if described else []
        if not self.queue:
            assert len(targets) == 1
            outcome = self._one(targets[0], ctx, options)
            return StepResult(self.name, dict(outcome.outputs), outcome, extra=outcome.extra())
        return self._queue(targets, ctx, options)

    def _one(self, target: Path, ctx: Context, options):
        from vidkit.publish.job import dry_run_job, publish_job

        if self.dry_run:
            return dry_run_job(target, ctx.settings, options)
        return publish_job(target, ctx.settings, ctx.reporter, options)

    def _queue(self, targets: list[Path], ctx: Context, options) -> StepResult:
        from vidkit.publish.errors import GateRefused

        clips, waiting = [], False
        for target in targets:
            outcome = self._one(target, ctx, options)
            video = target.name.removesuffix(".upload.json")
            refused = [g for g in outcome.gates if not g.ok] if self.dry_run else []
            if self.dry_run:
                if any(g.name != "consent" for g in refused):
                    first = next(g for g in refused if g.name != "consent")
                    raise GateRefused(f"{video}: {first.name} gate: {first.detail}")
                state = "waiting for consent" if refused else "queued"
                waiting = waiting or bool(refused)
                how = (f"record it with `vidkit consent add --subject ID`, then `vidkit publish {video}.mp4`"
                       if refused else f"send it with `vidkit publish {video}.mp4` (private)")
            else:
                state, how = "published", str(outcome.outputs.get("video", ""))
            clips.append(QueuedClip(video, state, how, outcome))
        return StepResult(self.name, {}, QueueSummary(clips), verdict=WAITING if waiting else OK)
