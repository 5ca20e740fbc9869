"""The bleep filter: ranges, padding, merging, and what ffmpeg makes of it (exact outside)."""

from __future__ import annotations

import subprocess
import wave
from types import SimpleNamespace

import numpy as np
import pytest

from tests.conftest import ffmpeg
from vidkit.media.ffmpeg import find_ffmpeg
from vidkit.privacy.bleep import RANGES_PER_FILTER, audio_ranges, bleep_filter


def item(start: float, end: float) -> SimpleNamespace:
    return SimpleNamespace(audio_start=start, audio_end=end)


def test_ranges_padded_clipped_and_merged():
    items = [item(5.0, 6.0), item(0.05, 0.5), item(6.2, 7.0), item(9.9, 12.0)]
    assert audio_ranges(items, duration=10.0, padding=0.15) == [
        (0.0, 0.65), (4.85, 7.15), (9.75, 10.0)]
    assert audio_ranges(items, duration=0, padding=0)[-1] == (9.9, 12.0)  # unknown duration: no clip
    with pytest.raises(ValueError):
        audio_ranges(items, 10.0, padding=-1)


def test_nothing_to_redact_is_no_filter():
    assert bleep_filter([], 10.0) is None
    with pytest.raises(ValueError, match="bleep, mute"):
        bleep_filter([item(1, 2)], 10.0, mode="beep")


def test_many_ranges_are_split_over_short_expressions():
    items = [item(i * 2.0, i * 2.0 + 0.5) for i in range(500)]
    chain = bleep_filter(items, 1000.0, "mute", padding=0.1)
    filters = chain.split(",volume=")
    assert len(filters) == 1 + -(-500 // RANGES_PER_FILTER)
    assert max(len(f) for f in filters) < 2000


def _read_pcm(path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        rate = w.getframerate()
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64) / 32768, rate


def _spectrum_share(samples: np.ndarray, rate: int, low: float, high: float) -> float:
    power = np.abs(np.fft.rfft(samples * np.hanning(len(samples)))) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    return power[(freqs >= low) & (freqs <= high)].sum() / power.sum()


@pytest.mark.parametrize("mode", ["mute", "bleep"])
def test_ffmpeg_changes_only_the_ranges(tmp_path, mode):
    """300 ranges on 60 s of noise: inside silent or a 1 kHz tone, outside bit-for-bit the same."""
    rate = 16000
    source = tmp_path / "in.wav"
    rng = np.random.default_rng(1)
    noise = (rng.normal(0, 0.1, rate * 60) * 32767).astype("<i2")
    with wave.open(str(source), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate), w.writeframes(noise.tobytes())
    items = [item(0.1 + i * 0.2, 0.15 + i * 0.2) for i in range(300)]  # 50 ms every 200 ms
    chain = bleep_filter(items, 60.0, mode, padding=0.02)
    target = tmp_path / "out.wav"
    ffmpeg("-i", str(source), "-af", chain, "-c:a", "pcm_s16le", str(target))
    before, _ = _read_pcm(source)
    after, _ = _read_pcm(target)
    assert len(after) == len(before)
    ranges = audio_ranges(items, 60.0, 0.02)
    inside = np.zeros(len(before), bool)
    for start, end in ranges:
        inside[int(start * rate):int(np.ceil(end * rate))] = True
    changed = after != before
    # Whole frames switch, so a few ms around each range may change too, never more.
    near = np.zeros(len(before), bool)
    for start, end in ranges:
        near[max(0, int((start - 0.1) * rate)):int((end + 0.05) * rate)] = True
    assert not changed[~near].any()
    assert changed[inside].mean() > 0.99
    first = after[int(ranges[0][0] * rate):int(ranges[0][1] * rate)]
    if mode == "mute":
        assert np.abs(after[inside]).max() == 0
    else:
        assert _spectrum_share(first, rate, 950, 1050) > 0.95
        assert 0.15 < np.sqrt(np.mean(first ** 2)) < 0.2  # 0.25 peak: moderate, not loud


def test_bleep_keeps_channels_and_rate(tmp_path):
    stereo = tmp_path / "stereo.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:sample_rate=44100:duration=3", "-ac", "2",
           "-c:a", "aac", str(stereo))
    out = tmp_path / "out.m4a"
    ffmpeg("-i", str(stereo), "-af", bleep_filter([item(1.0, 1.5)], 3.0), "-c:a", "aac", str(out))
    probe = subprocess.run([find_ffmpeg(), "-hide_banner", "-i", str(out)], capture_output=True, text=True)
    assert "44100 Hz, stereo" in probe.stderr
