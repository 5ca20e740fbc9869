"""`vidkit run INPUT... --preset NAME`: a preset's steps over each input, recorded in the
store so that a re-run skips what is done and re-does what changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidkit.config import Settings
from vidkit.console import Reporter
from vidkit.errors import BadInputError, ProcessingError
from vidkit.pipeline.job import Context, JobResult, Step, run_job
from vidkit.pipeline.presets import Preset
from vidkit.scrub import one_line


@dataclass(frozen=True)
class RunOptions:
    """Flags of `vidkit run` that override the preset's step options."""

    auto: int | None = None
    title: str | None = None
    subjects: tuple[str, ...] = ()
    template: str | None = None
    upload: bool | None = None
    captions: bool | None = None
    ledger: Path | None = None
    store: Path | None = None
    force: bool = False
    overwrite: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def steps_for(preset: Preset, input_path: Path, options: RunOptions) -> list[Step]:
    from vidkit.pipeline.clip_select import ClipRequest
    from vidkit.pipeline.job_steps import CaptionStep, ClipStep, DescribeStep, PublishStep, TranscribeStep
    from vidkit.pipeline.render_step import RenderStep
    from vidkit.publish.job import PublishOptions

    made: list[Step] = []
    for name in preset.steps:
        if name == "transcribe":
            made.append(TranscribeStep(input_path))
        elif name == "caption":
            made.append(CaptionStep(input_path, None, burn=preset.option("caption", "burn", False)))
        elif name == "render":
            captions = options.captions if options.captions is not None else preset.option("render", "captions", True)
            made.append(RenderStep(input_path, captions, options.title or preset.option("clip", "title")))
        elif name == "clip":
            auto = options.auto or preset.option("clip", "auto", 3)
            made.append(ClipStep(input_path, ClipRequest(auto=auto, title=options.title or preset.option("clip", "title"),
                                                         trim_silence=preset.option("clip", "trim_silence", False),
                                                         subjects=options.subjects)))
        elif name == "describe":
            made.append(DescribeStep(None, template=options.template or preset.option("describe", "template"),
                                     subjects=options.subjects))
        elif name == "publish":
            upload = options.upload if options.upload is not None else preset.option("publish", "upload", False)
            made.append(PublishStep(None, PublishOptions(subjects=options.subjects, ledger=options.ledger),
                                    dry_run=not upload, queue=True))
    return made


def check_preset(preset: Preset, settings: Settings) -> None:
    """Refused before any work: a preset that describes or publishes needs a roster (describe
    refuses to write a description without one, and the name gate would refuse every clip: both
    at the end, after minutes of rendering)."""
    if not settings.get("privacy", "roster"):
        if preset.publishes:
            raise BadInputError(f"preset {preset.name} ends in publishing, which needs a roster: give --roster FILE "
                                "(one person per line) or set privacy.roster in the user vidkit.toml")
        if "describe" in preset.steps:
            raise BadInputError(f"preset {preset.name} writes descriptions, which need a roster (names in them must "
                                "be redacted): give --roster FILE or set privacy.roster in the user vidkit.toml")
    if settings.get("privacy", "roster"):
        from vidkit.privacy.options import privacy_options

        privacy_options(settings)  # a bad roster fails now, not after the first step


def run_preset(inputs: list[Path], preset: Preset, settings: Settings, reporter: Reporter, out: Path | None,
               options: RunOptions) -> list[JobResult]:
    from vidkit.store import JobStore, open_store

    if not inputs:
        raise BadInputError("give one or more recordings to run the preset on (or --list-presets)")
    check_preset(preset, settings)
    contexts = [Context(settings, reporter, out=out, overwrite=options.overwrite) for _ in inputs]
    # Every input probed and hashed before the first step: an unreadable one is refused up front.
    sources = [ctx.source(path) for ctx, path in zip(contexts, inputs)]
    results: list[JobResult] = []
    failures: list[tuple[Path, Exception]] = []
    with open_store(options.store) as store:
        jobs = JobStore(store)
        for ctx, path, source in zip(contexts, inputs, sources):
            if len(inputs) > 1:
                reporter.say(f"{path.name}: preset {preset.name}")
            try:
                results.append(run_job(f"run {preset.name}", ctx, steps_for(preset, path, options), jobs=jobs,
                                       source_sha256=source.sha256, force=options.force, overlap=True))
            except Exception as exc:
                if len(inputs) == 1:
                    raise
                # One recording failing does not stop the others (as `vidkit watch` and the
                # cluster run): each says so, and the run ends with the failures counted. Roster
                # names are hidden from these lines as from every message (the steps' keys read
                # the roster first: vidkit.privacy.options installs the hider).
                failures.append((path, exc))
                reporter.say(f"{path.name}: failed: {one_line(exc)}")
    if failures:
        path, exc = failures[0]
        error = BadInputError if all(isinstance(e, BadInputError) for _, e in failures) else ProcessingError
        raise error(f"{len(failures)} of {len(inputs)} recordings failed; {path.name}: {one_line(exc)}")
    return results


def run_payload(results: list[JobResult], preset: Preset) -> dict[str, Any]:
    """One JSON object for every input: outputs named `<step>.<output>` (and the input's stem
    first when there are several)."""
    outputs: dict[str, Path] = {}
    lines: list[tuple[str, Any]] = []
    tables: list[Any] = []
    jobs = []
    for job in results:
        prefix = f"{_stem(job)}." if len(results) > 1 else ""
        for result in job.results:
            for key, path in result.outputs.items():
                outputs[f"{prefix}{result.step}.{key}"] = path
            if result.summary is not None:
                lines += [(f"{prefix}{result.step}: {label}" if not str(label).startswith("[") else label, value)
                          for label, value in result.summary.lines()]
            tables += result.tables
        jobs.append({"steps": [{"step": r.step, "verdict": r.verdict, "seconds": round(r.seconds, 2),
                                "summary": r.summary.to_json() if r.summary else None} for r in job.results]})
    return {"command": "run", "preset": preset.name, "outputs": outputs, "summary": {"jobs": jobs},
            "summary_lines": lines, "_tables": tables}


def _stem(job: JobResult) -> str:
    for result in job.results:
        for path in result.outputs.values():
            if isinstance(path, Path):
                return path.name.split(".")[0]
    return "input"
