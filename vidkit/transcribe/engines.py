"""Speech engines behind one small interface: audio samples in, timed segments out.

faster-whisper (CTranslate2) is the default: int8 on CPU is several times faster than
PyTorch Whisper at the same accuracy. openai-whisper is optional for comparison.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any, Protocol

import numpy as np

from vidkit.errors import BadInputError
from vidkit.transcribe.models import ResolvedModel, resolve_faster_whisper, resolve_openai_whisper
from vidkit.transcript import Segment, Word

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class DecodeOptions:
    """Decoding parameters, recorded verbatim in the transcript's provenance."""

    language: str | None = None
    beam_size: int = 5
    vad: bool = True
    hotwords: str | None = None
    condition_on_previous_text: bool = False
    hallucination_silence_threshold: float | None = 2.0
    compression_ratio_threshold: float = 2.4
    log_prob_threshold: float = -1.0
    no_speech_threshold: float = 0.6
    word_timestamps: bool = True


@dataclass(frozen=True)
class EngineResult:
    language: str
    segments: list[Segment]  # flags not yet set
    engine: str
    engine_version: str
    device: str
    compute_type: str
    parameters: dict[str, Any]


class Engine(Protocol):
    model: ResolvedModel

    def transcribe(self, audio: np.ndarray, options: DecodeOptions,
                   on_progress: Callable[[float], None] | None = None) -> EngineResult: ...


def _cpu_threads(threads: int) -> int:
    return threads if threads > 0 else (os.cpu_count() or 1)


class FasterWhisperEngine:
    name = "faster-whisper"

    def __init__(self, model_spec: str, device: str = "auto", compute_type: str = "auto",
                 threads: int = 0):
        self.model = resolve_faster_whisper(model_spec)
        self.device = _faster_whisper_device(device)
        self.compute_type = compute_type if compute_type != "auto" else (
            "float16" if self.device == "cuda" else "int8")
        self.threads = _cpu_threads(threads)

    def transcribe(self, audio, options, on_progress=None):
        model = _load_faster_whisper(self.model.path, self.device, self.compute_type, self.threads)
        language = options.language or ("en" if self.model.english_only else None)
        params = dict(
            language=language,
            beam_size=options.beam_size,
            vad_filter=options.vad,
            hotwords=options.hotwords or None,
            condition_on_previous_text=options.condition_on_previous_text,
            hallucination_silence_threshold=options.hallucination_silence_threshold,
            compression_ratio_threshold=options.compression_ratio_threshold,
            log_prob_threshold=options.log_prob_threshold,
            no_speech_threshold=options.no_speech_threshold,
            word_timestamps=options.word_timestamps,
        )
        raw_segments, info = model.transcribe(audio, **params)
        segments = list(_collect(raw_segments, on_progress, info.language))
        return EngineResult(info.language, segments, self.name, metadata.version("faster-whisper"),
                            self.device, self.compute_type, {**params, "cpu_threads": self.threads})


# Languages Whisper splits into words by character, not by spaces: no word "continues" another.
UNSPACED = frozenset({"zh", "ja", "th", "lo", "my", "yue"})


def make_words(raw: Iterable[tuple[float, float, str, float]], language: str | None) -> tuple[Word, ...]:
    """Words from Whisper's (start, end, text, probability), text with its leading space.

    Whisper starts a word at a space or a punctuation token, so "1.0" arrives as " 1" + ".0"
    and "15%" as " 15" + "%": a piece without a leading space continues the word before it,
    and is joined to it (times from both, the lower probability), so no caption or preview
    reads "1 .0"."""
    words: list[Word] = []
    for start, end, text, probability in raw:
        if not text.strip():
            continue
        if words and _is_closing(text) and _is_closing(words[-1].text[-1:]):
            continue  # ". . . ." after a sentence: the decoder idling on the context, not speech
        if words and language not in UNSPACED and (not text[:1].isspace() or _is_closing(text)):
            last = words[-1]
            words[-1] = Word(last.start, round(max(last.end, end), 3), last.text + text.strip(),
                             min(last.probability, round(probability, 4)))
            continue
        words.append(Word(round(start, 3), round(end, 3), text.strip(), round(probability, 4)))
    return tuple(words)


_CLOSING = set(".,!?;:…%)]}")


def _is_closing(text: str) -> bool:
    """Punctuation that belongs to the word before it."""
    stripped = text.strip()
    return bool(stripped) and all(c in _CLOSING for c in stripped)


_IDLE_DOTS = re.compile(r"(?<=[.!?,;:…])(?:\s+[.!?…])+")


def clean_text(text: str) -> str:
    """Segment text without the runs of lone dots the decoder sometimes adds after a sentence."""
    return _IDLE_DOTS.sub("", text).strip()


def _collect(raw_segments: Iterator[Any], on_progress, language: str | None) -> Iterator[Segment]:
    # faster-whisper yields lazily: progress follows the decoder, not a guess.
    for n, seg in enumerate(raw_segments):
        words = make_words(((w.start, w.end, w.word, w.probability) for w in (seg.words or ())), language)
        yield Segment(n, round(seg.start, 3), round(seg.end, 3), clean_text(seg.text), words,
                      round(seg.avg_logprob, 4), round(seg.compression_ratio, 4),
                      round(seg.no_speech_prob, 4))
        if on_progress is not None:
            on_progress(seg.end)


def _faster_whisper_device(device: str) -> str:
    if device not in ("auto", "cpu", "cuda"):
        raise BadInputError(f"unknown device {device!r}; use auto, cpu or cuda")
    if device != "auto":
        return device
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


@functools.lru_cache(maxsize=2)
def _load_faster_whisper(path: str, device: str, compute_type: str, threads: int):
    # Cached so watch mode and batch runs load the weights once per process.
    from faster_whisper import WhisperModel

    return WhisperModel(path, device=device, compute_type=compute_type, cpu_threads=threads)


class OpenAIWhisperEngine:
    """openai-whisper (PyTorch), installed with `pip install 'vidkit[openai-whisper]'`."""

    name = "openai-whisper"

    def __init__(self, model_spec: str, device: str = "auto", compute_type: str = "auto",
                 threads: int = 0):
        try:
            import torch
            import whisper  # noqa: F401
        except ImportError:
            raise BadInputError(
                "the openai-whisper engine is not installed; run: pip install 'vidkit[openai-whisper]'"
            ) from None
        self.model = resolve_openai_whisper(model_spec)
        self.device = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
        self.compute_type = "float16" if self.device == "cuda" and compute_type in ("auto", "float16") else "float32"
        self.threads = _cpu_threads(threads)

    def transcribe(self, audio, options, on_progress=None):
        import torch
        import whisper

        torch.set_num_threads(self.threads)
        model = whisper.load_model(self.model.path, device=self.device)
        english_only = not model.is_multilingual
        language = options.language or ("en" if english_only else None)
        params = dict(
            language=language,
            beam_size=options.beam_size,
            # openai-whisper has no hotwords; the glossary becomes the initial prompt.
            initial_prompt=options.hotwords or None,
            condition_on_previous_text=options.condition_on_previous_text,
            hallucination_silence_threshold=options.hallucination_silence_threshold,
            compression_ratio_threshold=options.compression_ratio_threshold,
            logprob_threshold=options.log_prob_threshold,
            no_speech_threshold=options.no_speech_threshold,
            word_timestamps=options.word_timestamps,
            fp16=self.compute_type == "float16",
        )
        result = model.transcribe(audio, verbose=None, **params)
        segments = []
        for n, seg in enumerate(result["segments"]):
            words = make_words(((w["start"], w["end"], w["word"], float(w["probability"]))
                                for w in seg.get("words", ())), result.get("language") or language)
            segments.append(Segment(n, round(seg["start"], 3), round(seg["end"], 3),
                                    clean_text(seg["text"]), words, round(seg["avg_logprob"], 4),
                                    round(seg["compression_ratio"], 4), round(seg["no_speech_prob"], 4)))
            if on_progress is not None:
                on_progress(seg["end"])
        params["vad"] = "not supported by this engine"
        return EngineResult(result.get("language") or language or "", segments, self.name,
                            metadata.version("openai-whisper"), self.device, self.compute_type,
                            {k: v for k, v in params.items()})


ENGINES = {"faster-whisper": FasterWhisperEngine, "openai-whisper": OpenAIWhisperEngine}


class Engines:
    """Makes speech engines by name: the job context's source of engines (`Context.engines`),
    so a caller or a test hands its own table instead of patching a module. Without a table
    it reads ENGINES when asked."""

    def __init__(self, table: dict[str, Any] | None = None):
        self._table = table

    @property
    def table(self) -> dict[str, Any]:
        return ENGINES if self._table is None else self._table

    def make(self, name: str, model: str, device: str = "auto", compute_type: str = "auto",
             threads: int = 0) -> Engine:
        if name not in self.table:
            raise BadInputError(f"unknown engine {name!r}; use {' or '.join(self.table)}")
        return self.table[name](model, device, compute_type, threads)


def make_engine(name: str, model: str, device: str = "auto", compute_type: str = "auto",
                threads: int = 0) -> Engine:
    return Engines().make(name, model, device, compute_type, threads)


def options_dict(options: DecodeOptions) -> dict[str, Any]:
    return asdict(options)
