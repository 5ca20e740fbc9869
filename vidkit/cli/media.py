"""The media commands: transcribe, caption, redact, blur, clip, describe."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from vidkit.cli.base import (Debug, Engine, Glossary, Input, Json, Model, Out, Quiet, RosterFile, _run,
                             _settings, _split, app)
from vidkit.console import Reporter

# Outputs are named after the input's file name: another recording's of the same name in the
# output folder are refused unless this is given (vidkit.origin.check_stem_outputs).
Overwrite = Annotated[bool, typer.Option(
    "--overwrite", help="Replace the outputs of another recording with the same file name found in the "
                        "output folder (all of that name's outputs there are deleted first; default: refuse).")]


@app.command()
def transcribe(
    input: Input,
    model: Model = None,
    engine: Engine = None,
    language: Annotated[Optional[str], typer.Option(help="Spoken language code (en, nl, de, ...); default: detect.")] = None,
    glossary: Glossary = None,
    format: Annotated[Optional[str], typer.Option("--format", "-f", help="Extra outputs, comma-separated: txt,srt,vtt.")] = None,
    device: Annotated[Optional[str], typer.Option(help="auto, cpu or cuda.")] = None,
    beam_size: Annotated[Optional[int], typer.Option(min=1, max=20, help="Beam width (1 = greedy, fastest).")] = None,
    vad: Annotated[Optional[bool], typer.Option("--vad/--no-vad", help="Skip silence with voice activity detection.")] = None,
    threads: Annotated[Optional[int], typer.Option(min=0, help="CPU threads (0 = all cores).")] = None,
    roster: RosterFile = None, overwrite: Overwrite = False,
    out: Out = None, json_out: Json = False, quiet: Quiet = False, debug: Debug = False,
) -> None:
    """Transcribe speech to [bold]<stem>.transcript.json[/] (words with times and confidence).

    With --roster (or privacy.roster), the files written are redacted (\\[name], \\[redacted]) and
    the clear transcript is kept only in the private store (see privacy.private_dir).

    Example: [cyan]vidkit transcribe session.mp4 --format txt,srt -o out/[/]
    """
    from vidkit.pipeline.job import Context, run_job
    from vidkit.pipeline.job_steps import TranscribeStep

    def job(reporter: Reporter) -> dict[str, Any]:
        settings = _settings(transcribe=dict(model=model, engine=engine, language=language, glossary=glossary,
                                             formats=_split(format), device=device, beam_size=beam_size,
                                             vad=vad, threads=threads),
                             privacy=dict(roster=str(roster) if roster else None))
        ctx = Context(settings, reporter, out=out, overwrite=overwrite)
        return run_job("transcribe", ctx, [TranscribeStep(input)]).payload()

    _run(job, json_out=json_out, quiet=quiet, debug=debug)


@app.command()
def caption(
    input: Input,
    transcript: Annotated[Optional[Path], typer.Option(help="Use this transcript (default: <stem>.transcript.json if present, else transcribe first).", dir_okay=False)] = None,
    style: Annotated[Optional[str], typer.Option(help="Caption style: standard, shorts, or a .toml path.")] = None,
    format: Annotated[Optional[str], typer.Option("--format", "-f", help="Sidecars, comma-separated: srt,vtt,ass.")] = None,
    burn: Annotated[bool, typer.Option("--burn", help="Also render the captions into <stem>.captioned.mp4. "
                                       "Faces are shown as they are, not masked: for a video to publish use "
                                       "'vidkit render INPUT' (faces masked and verified, captions burned, one encode).")] = False,
    max_cps: Annotated[Optional[float], typer.Option(min=5, max=40, help="Reading speed limit, characters/second (17 for children).")] = None,
    max_line_chars: Annotated[Optional[int], typer.Option(min=10, max=80, help="Characters per line.")] = None,
    model: Model = None,
    glossary: Glossary = None,
    roster: RosterFile = None, overwrite: Overwrite = False,
    out: Out = None, json_out: Json = False, quiet: Quiet = False, debug: Debug = False,
) -> None:
    """Make captions to professional rules: SRT/VTT for YouTube, ASS, a QC report, and with --burn a captioned video.

    With --roster, names and identifying numbers become \\[name]/\\[redacted] in every caption and
    are bleeped in the burned video's audio; <stem>.redaction.json says how many and where.

    --burn renders faces as they are. The publishable full-length video, faces masked and
    verified and captions burned in one encode, is [cyan]vidkit render INPUT[/] (add --roster
    to bleep names).

    Example: [cyan]vidkit caption session.mp4 --burn --style standard -o out/[/]
    """
    from vidkit.pipeline.job import Context, run_job
    from vidkit.pipeline.job_steps import CaptionStep

    def job(reporter: Reporter) -> dict[str, Any]:
        settings = _settings(
            transcribe=dict(model=model, glossary=glossary),
            captions=dict(style=style, formats=_split(format), max_cps=max_cps, max_line_chars=max_line_chars),
            privacy=dict(roster=str(roster) if roster else None))
        ctx = Context(settings, reporter, out=out, overwrite=overwrite)
        return run_job("caption", ctx, [CaptionStep(input, transcript, burn)]).payload()

    _run(job, json_out=json_out, quiet=quiet, debug=debug)


@app.command()
def redact(
    transcript: Annotated[Path, typer.Argument(help="A <stem>.transcript.json from vidkit transcribe.", dir_okay=False, show_default=False)],
    roster: RosterFile = None,
    media: Annotated[Optional[Path], typer.Option(help="Also write <stem>.redacted.mp4/.m4a/.wav: this recording with the items bleeped (video copied).", dir_okay=False)] = None,
    audio: Annotated[Optional[str], typer.Option(help="bleep (a 1 kHz tone) or mute.")] = None,
    padding: Annotated[Optional[float], typer.Option(min=0, max=5, help="Seconds silenced before and after each item.")] = None,
    overwrite: Overwrite = False,
    out: Out = None, json_out: Json = False, quiet: Quiet = False, debug: Debug = False,
) -> None:
    """Redact roster names (\\[name]) and phone numbers, dates of birth, record numbers (\\[redacted]).

    Writes [bold]<stem>.redacted.transcript.json[/] and the report [bold]<stem>.redaction.json[/]
    (counts and times, never the text); with --media, the recording with those words bleeped.
    Example: [cyan]vidkit redact out/session.transcript.json --roster roster.txt --media session.mp4[/]
    """
    from vidkit.pipeline.job import Context, run_job
    from vidkit.pipeline.job_steps import RedactStep

    def job(reporter: Reporter) -> dict[str, Any]:
        settings = _settings(privacy=dict(roster=str(roster) if roster else None, audio=audio, padding=padding))
        ctx = Context(settings, reporter, out=out, overwrite=overwrite)
        return run_job("redact", ctx, [RedactStep(transcript, media)]).payload()

    _run(job, json_out=json_out, quiet=quiet, debug=debug)


@app.command()
def blur(
    input: Input,
    mode: Annotated[Optional[str], typer.Option(help="solid (default), pixelate (few big cells) or blur (strong; reversible by machine).")] = None,
    keep_track: Annotated[Optional[list[int]], typer.Option("--keep-track", help="Leave this track unmasked (a consenting person; see --review). Repeatable.")] = None,
    region: Annotated[Optional[list[str]], typer.Option("--region", help="Always mask x,y,w,h[@start-end] (pixels, seconds), e.g. a monitor. Repeatable.")] = None,
    review: Annotated[bool, typer.Option("--review", help="Also write <stem>.review.png: one anonymised thumbnail per track.")] = False,
    verify: Annotated[Optional[bool], typer.Option("--verify/--no-verify", help="Scan the output with a second detector (default on).")] = None,
    detect_size: Annotated[Optional[int], typer.Option(min=160, max=4096, help="Longer side of the frames the detectors see, pixels.")] = None,
    roster: RosterFile = None,
    transcript: Annotated[Optional[Path], typer.Option(help="With --roster: the transcript to find names in (default: <stem>.transcript.json, else transcribe).", dir_okay=False)] = None,
    overwrite: Overwrite = False,
    out: Out = None, json_out: Json = False, quiet: Quiet = False, debug: Debug = False,
) -> None:
    """Mask every face: [bold]<stem>.blurred.mp4[/] and the audit [bold]<stem>.privacy.json[/].

    Faces are tracked across frames, gaps filled and tracks extended 0.5 s both ways; the output
    is scanned by a second detector and anything it finds is masked too. Exit code 1 when faces
    remain (the report says where; publishing refuses unverified output). With --roster, names
    and identifying numbers are also bleeped in the audio.
    Example: [cyan]vidkit blur session.mp4 --review -o out/[/]
    """
    from vidkit.pipeline.job import Context, run_job
    from vidkit.pipeline.job_steps import BlurStep

    def job(reporter: Reporter) -> dict[str, Any]:
        settings = _settings(blur=dict(mode=mode, verify=verify, detect_size=detect_size),
                             privacy=dict(roster=str(roster) if roster else None))
        ctx = Context(settings, reporter, out=out, overwrite=overwrite)
        step = BlurStep(input, tuple(keep_track or ()), tuple(region or ()), review, transcript)
        return run_job("blur", ctx, [step]).payload()

    _run(job, json_out=json_out, quiet=quiet, debug=debug)


@app.command()
def clip(
    input: Input,
    range_: Annotated[Optional[list[str]], typer.Option("--range", help="START-END in seconds (12.5-40) or timecodes (00:01:02.5-00:01:30). Repeatable; ranges may overlap.", show_default=False)] = None,
    ranges: Annotated[Optional[Path], typer.Option("--ranges", dir_okay=False, help='A file of ranges: JSON [{"start": 12.5, "end": 40}, ...] or CSV with a start,end header.', show_default=False)] = None,
    find: Annotated[Optional[list[str]], typer.Option("--find", help="Clip where this phrase is said (fuzzy), whole sentences plus padding. Repeatable.", show_default=False)] = None,
    auto: Annotated[Optional[int], typer.Option("--auto", min=1, max=50, help="Rank candidate clips from the transcript, write <stem>.clips.json and make the best N.", show_default=False)] = None,
    from_: Annotated[Optional[Path], typer.Option("--from", dir_okay=False, help="Make the clips listed in a (hand-edited) <stem>.clips.json.", show_default=False)] = None,
    aspect: Annotated[Optional[str], typer.Option("--aspect", help="Reframe to 9:16 (Shorts, 1080x1920, at most 180 s), 1:1, 4:5 or 16:9, following the people in the frame.", show_default=False)] = None,
    blur_: Annotated[Optional[bool], typer.Option("--blur/--no-blur", help="Mask and verify faces in every clip (default on).", show_default=False)] = None,
    burn: Annotated[Optional[bool], typer.Option("--burn/--no-burn", help="Burn captions into the picture (Shorts get large word-by-word captions).", show_default=False)] = None,
    trim_silence: Annotated[bool, typer.Option("--trim-silence", help="Cut pauses longer than clip.min_pause seconds out of each clip; captions follow.")] = False,
    branding: Annotated[Optional[str], typer.Option("--branding", help="Intro/outro cards and logo: a name in templates/branding (default) or a .toml file.", show_default=False)] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="Title text for the thumbnail and the intro card.", show_default=False)] = None,
    thumbnail: Annotated[Optional[bool], typer.Option("--thumbnail/--no-thumbnail", help="Write <clip>.jpg, taken from the masked clip (default on).", show_default=False)] = None,
    subject: Annotated[Optional[list[str]], typer.Option("--subject", help="Pseudonymous id of a person in the clips (e.g. P-0042), recorded in .clip.json for the consent check at publishing. Repeatable.", show_default=False)] = None,
    export: Annotated[Optional[list[str]], typer.Option("--export", help="Also write the ranges as an editor timeline: edl or fcpxml. Repeatable.", show_default=False)] = None,
    plan: Annotated[bool, typer.Option("--plan", help="Only choose the clips (and write clips.json / exports); render nothing.")] = False,
    fast: Annotated[bool, typer.Option("--fast", help="Cut at the keyframe before START by stream copy (instant, no re-encode, faces NOT masked: needs --no-blur); says where each clip really starts.")] = False,
    roster: RosterFile = None, overwrite: Overwrite = False,
    out: Out = None, json_out: Json = False, quiet: Quiet = False, debug: Debug = False,
) -> None:
    """Make clips: [bold]<stem>.clip01.mp4[/], ... with re-timed SRT/VTT, a transcript excerpt, a thumbnail and [bold].clip.json[/].

    Cuts are frame-accurate: a clip starts on the frame at START, its timestamps start at 0 and
    the audio is cut to the same frames. Faces are masked and the clip is verified by a second
    detector (exit code 1 if a face remains). Each clip is decoded once and encoded once, with
    the masking, reframing, captions and branding in that single pass. Captions come from
    <stem>.transcript.json (made when a step needs one).
    Examples: [cyan]vidkit clip session.mp4 --range 00:01:02.5-00:01:30 -o out/[/]
              [cyan]vidkit clip session.mp4 --auto 3 --aspect 9:16 --burn -o out/[/]
    """
    from vidkit.pipeline.clip_select import ClipRequest
    from vidkit.pipeline.job import Context, run_job
    from vidkit.pipeline.job_steps import ClipStep

    def job(reporter: Reporter) -> dict[str, Any]:
        settings = _settings(clip=dict(aspect=aspect, blur=blur_, burn=burn, branding=branding, thumbnail=thumbnail),
                             privacy=dict(roster=str(roster) if roster else None))
        request = ClipRequest(ranges=tuple(range_ or ()), ranges_file=ranges, find=tuple(find or ()), auto=auto,
                              from_file=from_, fast=fast, trim_silence=trim_silence, plan_only=plan,
                              export=tuple(e.lower() for e in export or ()), title=title,
                              subjects=tuple(subject or ()))
        ctx = Context(settings, reporter, out=out, overwrite=overwrite)
        return run_job("clip", ctx, [ClipStep(input, request)]).payload()

    _run(job, json_out=json_out, quiet=quiet, debug=debug)


@app.command()
def describe(
    clip: Annotated[Path, typer.Argument(help="A clip from vidkit clip (or any video with a <stem>.transcript.json beside it).", dir_okay=False, show_default=False)],
    template: Annotated[Optional[str], typer.Option(help="Description template: default, short, education (templates/descriptions) or a .j2 file. Default: short for a Short, else default.", show_default=False)] = None,
    llm: Annotated[Optional[str], typer.Option("--llm", metavar="URL", help="Ask an OpenAI-compatible server (e.g. http://127.0.0.1:8080) for the title and summary; the transcript is redacted first. Falls back to the offline summary.", show_default=False)] = None,
    subject: Annotated[Optional[list[str]], typer.Option("--subject", help="Pseudonymous id of a person in the clip (e.g. P017), for the consent check at publishing. Repeatable.", show_default=False)] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="The video title (default: from the template, the key terms or --llm; never the file name).", show_default=False)] = None,
    roster: RosterFile = None,
    out: Out = None, json_out: Json = False, quiet: Quiet = False, debug: Debug = False,
) -> None:
    """Write [bold]<clip>.upload.json[/]: YouTube title, description, tags, chapters and private status.

    Offline by default: an extractive summary of the (redacted) transcript, key terms and
    hashtags from the glossary, chapters when YouTube would accept them, and the clinic's
    disclaimer from vidkit.toml \\[clinic]. Checked as YouTube checks it before anything is sent;
    what was fixed is listed.
    Example: [cyan]vidkit describe out/session.clip01.mp4 --template education --subject P017[/]
    """
    from vidkit.pipeline.job import Context, run_job
    from vidkit.pipeline.job_steps import DescribeStep

    def job(reporter: Reporter) -> dict[str, Any]:
        settings = _settings(privacy=dict(roster=str(roster) if roster else None))
        ctx = Context(settings, reporter, out=out)
        step = DescribeStep(clip, template=template, llm=llm, subjects=tuple(subject or ()), title=title)
        return run_job("describe", ctx, [step]).payload()

    _run(job, json_out=json_out, quiet=quiet, debug=debug)


