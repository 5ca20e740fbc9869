"""One call per user-facing job: read inputs, run stages, write outputs, return what was made.

The CLI only parses flags and prints; everything it reports comes from these results.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidkit import artifacts
from vidkit.captions.run import CaptionResult, caption, parse_formats
from vidkit.config import Settings
from vidkit.console import Reporter
from vidkit.errors import BadInputError
from vidkit.media import MediaInfo, probe
from vidkit.media.output import output_path, write_text
from vidkit.origin import check_stem_outputs, refuse_other_transcript, transcript_problem
from vidkit.privacy.transcript_store import KEY_FIELD, key_sha256, load_clear, save_clear, store_key
from vidkit.transcribe import TranscribeOptions, transcribe_file
from vidkit.hashing import file_sha256
from vidkit.transcript import Transcript, load_transcript

log = logging.getLogger(__name__)

TRANSCRIPT_SUFFIX = artifacts.TRANSCRIPT
TRANSCRIPT_FORMATS = ("txt", "srt", "vtt")
# The [transcribe] settings that choose the words (device, compute type and threads only change
# the speed): a stored transcript made with other values is not handed out for these.
WORD_SETTINGS = ("engine", "model", "language", "beam_size", "vad", "condition_on_previous_text",
                 "hallucination_silence_threshold", "compression_ratio_threshold", "log_prob_threshold",
                 "no_speech_threshold")


@dataclass
class JobResult:
    outputs: dict[str, Path] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    transcript: Transcript | None = None
    captions: CaptionResult | None = None


def resolve_out_dir(settings: Settings, out: Path | None) -> Path | None:
    """-o/--out, else [output] dir, else None (next to the input)."""
    if out is not None:
        return out
    configured = settings.get("output", "dir")
    return Path(configured).expanduser() if configured else None


def transcribe_job(input_path: Path, settings: Settings, reporter: Reporter,
                   out: Path | None = None, *, overwrite: bool = False, engines: Any = None) -> JobResult:
    """`vidkit transcribe`: writes `<stem>.transcript.json` and any extra formats.

    With a roster (`[privacy] roster`), the files written are redacted and the clear transcript
    goes to the private store only; `result.transcript` is the clear one, for the caller.
    `overwrite`: outputs of another recording with the same name in the folder are replaced
    (else refused; see `check_stem_outputs`)."""
    out_dir = resolve_out_dir(settings, out)
    formats = [f.strip().lower() for f in settings.get("transcribe", "formats") if f.strip()]
    bad = [f for f in formats if f not in TRANSCRIPT_FORMATS]
    if bad:
        raise BadInputError(f"unknown transcript format {bad[0]!r}; use {', '.join(TRANSCRIPT_FORMATS)}")
    roster = _roster(settings, input_path)  # a bad roster fails before minutes of work
    info = probe(input_path)
    check_stem_outputs(input_path, out_dir, overwrite=overwrite)
    options = TranscribeOptions.from_settings(settings.section("transcribe"))
    started = time.perf_counter()
    labels = {"audio": "Reading audio", "speech": "Transcribing"}
    transcript = transcribe_file(input_path, options,
                                 lambda stage, done, total: reporter.update(labels[stage], done, total), engines)
    elapsed = time.perf_counter() - started
    shown = transcript
    if roster is not None:
        key = transcription_key(transcript.provenance["input_sha256"], settings)
        transcript = save_clear(transcript, key, settings.get("privacy", "private_dir"))
        shown = redact_for_output(transcript, roster)
    result = JobResult(transcript=transcript)
    result.outputs.update(write_transcript_files(input_path, out_dir, shown, formats, info, settings))
    result.summary = transcript_summary(shown, elapsed)
    if roster is not None:
        result.summary["redaction"] = shown.provenance["redaction"]["counts"]
    return result


def write_transcript_files(input_path: Path, out_dir: Path | None, transcript: Transcript,
                           formats: list[str], info: MediaInfo, settings: Settings) -> dict[str, Path]:
    """`<stem>.transcript.json` and the extra formats (txt, srt, vtt) of `transcript`."""
    outputs = {"transcript": write_text(output_path(input_path, out_dir, TRANSCRIPT_SUFFIX), transcript.to_json())}
    if "txt" in formats:
        lines = [s.text.strip() for s in transcript.segments if s.text.strip()]
        outputs["txt"] = write_text(output_path(input_path, out_dir, artifacts.TEXT), "\n".join(lines) + "\n")
    sidecars = [f for f in formats if f in ("srt", "vtt")]
    if sidecars:
        captions = caption(info, transcript, settings.section("captions"), out_dir=out_dir, formats=sidecars)
        outputs.update({k: v for k, v in captions.outputs.items() if k in sidecars})
    return outputs


def _roster(settings: Settings, input_path: Path):
    """The roster when one is set (flag or `[privacy] roster`), read and checked; else None."""
    if not settings.get("privacy", "roster"):
        return None
    from vidkit.privacy.options import privacy_options
    from vidkit.privacy.patterns import check_language

    roster = privacy_options(settings, [(input_path, "the recording's file name")]).roster
    if settings.get("transcribe", "language"):  # refused before minutes of transcription, not after
        check_language(settings.get("transcribe", "language"))
    return roster


def redact_for_output(transcript: Transcript, roster) -> Transcript:
    """What may be written beside the outputs: names and identifying numbers replaced. It
    keeps the store key of `transcript` (provenance), so the clear words can be found again."""
    from vidkit.privacy.redact import redact_transcript

    return redact_transcript(transcript, roster)[0]


def is_redacted(transcript: Transcript) -> bool:
    """A transcript vidkit redacted: its words of names are gone, so it can place no bleep."""
    return "redaction" in transcript.provenance


def transcription_key(sha256: str, settings: Settings) -> str:
    """The private store's key for the transcript of the recording with this sha256 made with
    the current [transcribe] settings (the glossary by its content, not its name)."""
    from vidkit.transcribe.glossary import read_glossary

    section = settings.section("transcribe")
    parameters = {name: section[name] for name in WORD_SETTINGS}
    parameters["glossary"] = read_glossary(section["glossary"]).decoder_context()
    return store_key(sha256, parameters)


def _store_pointer(transcript: Transcript) -> str:
    """The store key a (redacted) transcript names; a bare sha256 from an earlier vidkit."""
    return str(transcript.provenance.get(KEY_FIELD) or transcript.provenance.get("input_sha256") or "")


def stored_clear(redacted: Transcript, settings: Settings) -> Transcript | None:
    """The clear transcript `redacted` was made from, from the private store (for a clip's
    transcript, the same excerpt of it); None when it is not there (deleted, or made on
    another machine)."""
    try:
        clear = load_clear(_store_pointer(redacted), settings.get("privacy", "private_dir"))
    except ValueError:  # no usable key: not a transcript vidkit redacted from the store
        return None
    excerpt = redacted.provenance.get("excerpt")
    if clear is None or not excerpt:
        return clear
    from vidkit.clips.excerpt import transcript_excerpt
    from vidkit.clips.silence import SpanMap

    spans = tuple(tuple(span) for span in excerpt.get("kept_spans") or ())
    if spans:  # --trim-silence: the kept spans played back to back
        return SpanMap(spans, excerpt["source_start"], excerpt["source_end"]).retime_transcript(clear)
    return transcript_excerpt(clear, excerpt["source_start"], excerpt["source_end"])


def _own_key(sha256: str, transcript: Transcript) -> str:
    """A store key for a clear transcript vidkit did not make in this run (found, or given):
    by its content, since the settings it was made with are not known."""
    provenance = {k: v for k, v in transcript.provenance.items() if k != KEY_FIELD}
    return store_key(sha256, {"transcript": Transcript(transcript.language, transcript.duration,
                                                       transcript.segments, provenance).to_json()})


def transcript_summary(transcript: Transcript, elapsed: float) -> dict[str, Any]:
    flagged = [s for s in transcript.segments if s.flags]
    audio = transcript.provenance.get("audio_seconds") or transcript.duration
    return {
        "language": transcript.language,
        "duration": transcript.duration,
        "segments": len(transcript.segments),
        "words": len(transcript.words),
        "flagged_segments": [
            {"id": s.id, "start": s.start, "end": s.end, "flags": list(s.flags)} for s in flagged
        ],
        "model": transcript.provenance.get("model", {}).get("name"),
        "seconds": round(elapsed, 2),
        "real_time_factor": round(elapsed / audio, 3) if audio else None,
    }


def find_output(input_path: Path, out_dir: Path | None, suffix: str) -> Path | None:
    """An existing `<stem><suffix>` for this input: in the output folder, else beside the input."""
    for folder in (out_dir, Path(input_path).parent):
        if folder is not None:
            candidate = output_path(input_path, folder, suffix)
            if candidate.is_file():
                return candidate
    return None


def find_transcript(input_path: Path, out_dir: Path | None) -> Path | None:
    return find_output(input_path, out_dir, TRANSCRIPT_SUFFIX)


def usable_transcript(path: Path, info: MediaInfo, *, given: bool) -> Transcript | None:
    """The transcript at `path` when it is the one of `info`'s recording. Another recording's
    (its recorded sha256 differs) is refused when given (--transcript). One only found by its
    name is stale (say the recording was replaced by another of the same name): it is passed
    over with a warning and None says "transcribe anew"; the new one goes to the output folder,
    where `check_stem_outputs` has already refused or replaced another recording's files. One
    that names no recording (from another tool) is checked by its length only."""
    transcript = load_transcript(path)
    if given:
        refuse_other_transcript(transcript.provenance, path, info.path,
                                f"give the right one with --transcript, or leave --transcript out to let "
                                f"vidkit transcribe {info.path.name}")
    elif problem := transcript_problem(transcript.provenance, path, info.path):
        log.warning("%s is %s: passed over, transcribing anew", Path(path).name, problem)
        return None
    check_transcript_fits(transcript, info)
    return transcript


def obtain_transcript(input_path: Path, info: MediaInfo, settings: Settings, reporter: Reporter,
                      out: Path | None, transcript_path: Path | None, engines: Any = None) -> JobResult:
    """The given transcript, else `<stem>.transcript.json` if present, else a new transcription.

    With a roster the transcript returned is the clear one (redaction needs the words of names)
    while the output folder only ever gets a redacted copy: see `_private_transcript`."""
    if settings.get("privacy", "roster"):
        return _private_transcript(input_path, info, settings, reporter, out, transcript_path, engines)
    result = JobResult()
    given = transcript_path is not None
    transcript_path = transcript_path or find_transcript(input_path, resolve_out_dir(settings, out))
    if transcript_path is not None:
        result.transcript = usable_transcript(transcript_path, info, given=given)
    if result.transcript is None:
        made = transcribe_job(input_path, settings, reporter, out, engines=engines)
        result.transcript = made.transcript
        result.outputs.update(made.outputs)
        result.summary["transcription"] = made.summary
    return result


def _private_transcript(input_path: Path, info: MediaInfo, settings: Settings, reporter: Reporter,
                       out: Path | None, transcript_path: Path | None, engines: Any = None) -> JobResult:
    """The clear transcript for a roster run, while the output folder's `<stem>.transcript.json`
    is only ever a redacted one:

    - given (`--transcript`): a clear one is used (when it lies in the output folder it is moved
      to the private store and replaced by its redaction); a redacted one is swapped for the
      clear one it names in the store, or refused;
    - found in the output folder or beside the input: the same, except that one of another
      recording, or a redacted one whose clear words are gone, is passed over (one of another
      recording given is refused: `usable_transcript`);
    - else the store's transcript of this recording made with the current settings;
    - else a new transcription."""
    result = JobResult()
    roster = _roster(settings, input_path)
    private_dir = settings.get("privacy", "private_dir")
    target = output_path(input_path, resolve_out_dir(settings, out), TRANSCRIPT_SUFFIX)
    sha256 = file_sha256(input_path)
    path = transcript_path or find_transcript(input_path, resolve_out_dir(settings, out))
    clear = None
    in_place = False  # the output folder already holds the redaction of `clear`
    candidate = usable_transcript(path, info, given=transcript_path is not None) if path is not None else None
    if candidate is not None:
        if not is_redacted(candidate):
            clear = candidate
            if transcript_path is None or _same_file(path, target):
                clear = save_clear(candidate, _own_key(sha256, candidate), private_dir)
        elif transcript_path is not None or key_sha256(_store_pointer(candidate)) == sha256:
            clear = stored_clear(candidate, settings)
            if clear is None and transcript_path is not None:
                raise BadInputError(
                    f"{Path(transcript_path).name} is a redacted transcript: with a roster vidkit needs the "
                    "clear one, kept in the private store, and it is not there (deleted, or made on another "
                    "machine); run without --transcript to transcribe again")
            if clear is not None:
                check_transcript_fits(clear, info)
            in_place = clear is not None and _same_file(path, target)
    if clear is None:
        clear = load_clear(transcription_key(sha256, settings), private_dir)
    if clear is None:
        made = transcribe_job(input_path, settings, reporter, out, engines=engines)  # stores the clear one itself
        result.transcript = made.transcript
        result.outputs.update(made.outputs)
        result.summary["transcription"] = made.summary
        return result
    if not in_place and (transcript_path is None or _same_file(transcript_path, target)):
        result.outputs["transcript"] = write_text(target, redact_for_output(clear, roster).to_json())
    result.transcript = clear
    return result


def _same_file(a: Path, b: Path) -> bool:
    return Path(a).resolve() == Path(b).resolve()


def caption_job(input_path: Path, settings: Settings, reporter: Reporter, *,
                out: Path | None = None, transcript_path: Path | None = None,
                burn: bool = False, overwrite: bool = False, engines: Any = None) -> JobResult:
    """`vidkit caption`: cues from a transcript (made first if there is none), sidecars, QC, burn-in."""
    out_dir = resolve_out_dir(settings, out)
    info = probe(input_path)
    if burn and info.video is None:
        raise BadInputError(f"{info.path.name} is audio only: --burn needs a video to draw on")
    formats = parse_formats(settings.get("captions", "formats"))
    # Lazy: redact_job imports this module. The roster is read first so a bad one fails fast.
    from vidkit.pipeline.caption_redaction import caption_privacy, redact_for_captions
    privacy = caption_privacy(settings, input_path)
    check_stem_outputs(input_path, out_dir, overwrite=overwrite, keep=(transcript_path,))
    result = obtain_transcript(input_path, info, settings, reporter, out, transcript_path, engines)
    transcript = result.transcript
    assert transcript is not None
    redaction = None
    if privacy is not None:  # names never reach a cue, a sidecar or the burned picture
        redaction = redact_for_captions(input_path, info, transcript, privacy, out_dir, burn=burn)
        transcript = redaction.transcript
        result.outputs["redaction"] = redaction.report
        result.summary["redaction"] = redaction.summary
    captions = caption(info, transcript, settings.section("captions"), out_dir=out_dir,
                       formats=formats, burn=burn, burn_settings=settings.section("burn"),
                       on_burn_progress=reporter.stage("Burning captions", info.duration),
                       audio_filter=redaction.audio_filter if redaction else None)
    result.captions = captions
    result.outputs.update(captions.outputs)
    result.summary["qc"] = captions.qc.to_dict().get("summary", {})
    return result


def check_transcript_fits(transcript: Transcript, info: MediaInfo) -> None:
    # A transcript of another recording would put captions at wrong times: refuse it.
    words = transcript.words
    if words and info.duration and words[-1].end > info.duration + 1.0:
        raise BadInputError(
            f"the transcript runs to {words[-1].end:.1f} s but {info.path.name} lasts "
            f"{info.duration:.1f} s: is it the transcript of another file?"
        )
