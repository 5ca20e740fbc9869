"""Transcribe one file: probe, extract audio, decode, flag, and record provenance."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import vidkit
from vidkit.errors import BadInputError
from vidkit.media import probe
from vidkit.media.audio import SAMPLE_RATE, load_audio
from vidkit.transcribe.engines import DecodeOptions, Engines, options_dict
from vidkit.transcribe.glossary import read_glossary
from vidkit.hashing import file_sha256
from vidkit.transcribe.quality import segment_flags
from vidkit.transcript import Transcript

# on_progress(stage, done, total): stage is "audio" or "speech", done/total in seconds.
Progress = Callable[[str, float, float], None]


@dataclass(frozen=True)
class TranscribeOptions:
    engine: str = "faster-whisper"
    model: str = ""
    device: str = "auto"
    compute_type: str = "auto"
    threads: int = 0
    glossary: str = "rehab"
    decode: DecodeOptions = DecodeOptions()

    @classmethod
    def from_settings(cls, section: dict[str, Any]) -> TranscribeOptions:
        decode = DecodeOptions(
            language=section["language"] or None,
            beam_size=section["beam_size"],
            vad=section["vad"],
            condition_on_previous_text=section["condition_on_previous_text"],
            hallucination_silence_threshold=section["hallucination_silence_threshold"] or None,
            compression_ratio_threshold=section["compression_ratio_threshold"],
            log_prob_threshold=section["log_prob_threshold"],
            no_speech_threshold=section["no_speech_threshold"],
        )
        return cls(section["engine"], section["model"], section["device"], section["compute_type"],
                   section["threads"], section["glossary"], decode)


def transcribe_file(path: Path, options: TranscribeOptions, on_progress: Progress | None = None,
                    engines: Engines | None = None) -> Transcript:
    """Transcribe the first audio stream of `path` (audio or video) into a Transcript;
    `engines`: where the engine comes from (the registry by default)."""
    path = Path(path)
    info = probe(path)
    if info.audio is None:
        raise BadInputError(f"{path.name} has no audio stream, so there is nothing to transcribe")
    glossary = read_glossary(options.glossary)
    terms = list(glossary.terms)
    decode = replace(options.decode, hotwords=glossary.decoder_context())
    engine = (engines or Engines()).make(options.engine, options.model, options.device, options.compute_type,
                                         options.threads)

    def audio_progress(done: float) -> None:
        if on_progress:
            on_progress("audio", done, info.duration)

    audio = load_audio(path, SAMPLE_RATE, audio_progress)
    audio_seconds = len(audio) / SAMPLE_RATE
    if on_progress:
        on_progress("audio", info.duration, info.duration)

    def speech_progress(done: float) -> None:
        if on_progress:
            on_progress("speech", done, audio_seconds)

    result = engine.transcribe(audio, decode, speech_progress)
    if on_progress:
        on_progress("speech", audio_seconds, audio_seconds)
    segments = tuple(
        replace(seg, flags=segment_flags(
            seg.text, avg_logprob=seg.avg_logprob, no_speech_prob=seg.no_speech_prob,
            compression_ratio_value=seg.compression_ratio or None,
            compression_ratio_threshold=decode.compression_ratio_threshold,
            log_prob_threshold=decode.log_prob_threshold,
            no_speech_threshold=decode.no_speech_threshold, glossary=glossary.echo_words()))
        for seg in result.segments
    )
    provenance = {
        "vidkit_version": vidkit.__version__,
        "processed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        # The input is named by its hash, never its file name: names can identify a patient.
        "input_sha256": file_sha256(path),
        "audio_seconds": round(audio_seconds, 3),
        "engine": result.engine,
        "engine_version": result.engine_version,
        "model": {"name": engine.model.name, "source": engine.model.source,
                  "sha256": engine.model.sha256},
        "device": result.device,
        "compute_type": result.compute_type,
        "decoding": {**options_dict(decode), **result.parameters},
        "glossary": terms,
        # Exactly what the decoder was given before every window (also decoding.hotwords).
        "glossary_context": decode.hotwords,
    }
    return Transcript(result.language, round(info.duration or audio_seconds, 3), segments, provenance)
