"""Offline speech synthesis for tests and sample assets.

Drives the eSpeak NG shared library bundled in the ``espeakng-loader`` wheel
through ctypes, so tests can produce real speech without network access or a
system-wide espeak install.
"""

from __future__ import annotations

import ctypes
import threading
import wave
from pathlib import Path

import numpy as np

__all__ = ["synthesize", "synthesize_script", "write_wav"]

# Constants from espeak-ng/speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_ESPEAK_CHARS_UTF8 = 1
_ESPEAK_RATE = 1
_EE_OK = 0

_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)

# eSpeak keeps global state, so one initialisation per process and one
# synthesis at a time.
_lock = threading.Lock()
_engine: dict = {}
_chunks: list[np.ndarray] = []


@_SynthCallback
def _collect(wav, numsamples, events):  # called from inside espeak_Synth
    if numsamples > 0 and wav:
        _chunks.append(np.ctypeslib.as_array(wav, shape=(numsamples,)).copy())
    return 0  # 0 = continue synthesis


def _init() -> tuple[ctypes.CDLL, int]:
    """Load and initialise libespeak-ng once; caller must hold ``_lock``."""
    if "lib" not in _engine:
        import espeakng_loader

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.restype = ctypes.c_int

        data = espeakng_loader.get_data_path().encode()
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
        if rate <= 0:
            raise RuntimeError(f"espeak_Initialize failed ({rate})")
        lib.espeak_SetSynthCallback(_collect)
        _engine.update(lib=lib, rate=rate)
    return _engine["lib"], _engine["rate"]


def resample(samples: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Band-limited resampling via the FFT (clips are short, so this is cheap)."""
    if src_rate == dst_rate or len(samples) == 0:
        return samples.astype(np.float32, copy=True)
    n_out = max(1, round(len(samples) * dst_rate / src_rate))
    spec = np.fft.rfft(samples.astype(np.float64))
    keep = min(len(spec), n_out // 2 + 1)
    out_spec = np.zeros(n_out // 2 + 1, dtype=complex)
    out_spec[:keep] = spec[:keep]
    out = np.fft.irfft(out_spec, n_out) * (n_out / len(samples))
    return out.astype(np.float32)


def synthesize(
    text: str, *, rate_wpm: int = 155, voice: str = "en-us", sample_rate: int = 16000
) -> np.ndarray:
    """Speak ``text`` and return float32 mono samples in [-1, 1] at ``sample_rate``.

    eSpeak carries waveform state from one call to the next, so the samples vary
    slightly with what was spoken before; the same sequence of calls in a fresh
    process is reproducible.
    """
    raw = text.encode("utf-8") + b"\0"
    with _lock:
        lib, native_rate = _init()
        if lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
            raise ValueError(f"unknown eSpeak voice: {voice!r}")
        lib.espeak_SetParameter(_ESPEAK_RATE, int(rate_wpm), 0)
        _chunks.clear()
        err = lib.espeak_Synth(raw, len(raw), 0, _POS_CHARACTER, 0, _ESPEAK_CHARS_UTF8, None, None)
        lib.espeak_Synchronize()
        pcm = np.concatenate(_chunks) if _chunks else np.zeros(0, np.int16)
        _chunks.clear()
    if err != _EE_OK:
        raise RuntimeError(f"espeak_Synth failed ({err})")
    audio = resample(pcm.astype(np.float32) / 32768.0, native_rate, sample_rate)
    return np.clip(audio, -1.0, 1.0)


def _voiced_span(samples: np.ndarray, sample_rate: int, threshold: float = 0.01) -> tuple[int, int]:
    """Index range holding the audible part (eSpeak pads with silence)."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if len(loud) == 0:
        return 0, 0
    pad = int(0.02 * sample_rate)  # keep soft onsets/decays
    return max(0, loud[0] - pad), min(len(samples), loud[-1] + pad)


def synthesize_script(
    lines: list[tuple[float, str]] | list[tuple[float, str, int]],
    total: float,
    sample_rate: int = 16000,
    **synth_kwargs,
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Lay utterances out on a silent track of ``total`` seconds.

    Each item is ``(start_seconds, text)`` or ``(start_seconds, text, rate_wpm)``.
    An utterance that would overlap the previous one is pushed back so speech
    never overlaps; the returned spans are the real (start, end) in seconds.
    """
    track = np.zeros(int(round(total * sample_rate)), dtype=np.float32)
    spans: list[tuple[float, float]] = []
    cursor = 0
    for item in lines:
        start, text = item[0], item[1]
        kwargs = dict(synth_kwargs)
        if len(item) > 2:
            kwargs["rate_wpm"] = item[2]
        speech = synthesize(text, sample_rate=sample_rate, **kwargs)
        lo, hi = _voiced_span(speech, sample_rate)
        speech = speech[lo:hi]
        begin = max(int(round(start * sample_rate)), cursor)
        end = begin + len(speech)
        if end > len(track):
            raise ValueError(f"utterance {text[:30]!r} ends at {end / sample_rate:.2f}s > total {total}s")
        track[begin:end] += speech
        spans.append((begin / sample_rate, end / sample_rate))
        cursor = end + int(0.15 * sample_rate)
    return track, spans


def write_wav(path: str | Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write float samples in [-1, 1] as 16-bit mono PCM."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())
