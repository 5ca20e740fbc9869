import numpy as np

from tests.support.speech import synthesize, synthesize_script, write_wav


def test_synthesize_short_sentence():
    audio = synthesize("Keep walking on the treadmill.", sample_rate=16000)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert np.all(np.abs(audio) <= 1.0)
    assert 0.8 < len(audio) / 16000 < 4.0  # five words at ~155 wpm
    assert np.sqrt(np.mean(audio**2)) > 0.02  # clearly not silence


def test_synthesize_script_places_utterances(tmp_path):
    track, spans = synthesize_script([(0.5, "Good morning."), (0.6, "Step longer.")], 5.0)
    assert len(track) == 5 * 16000
    (s1, e1), (s2, e2) = spans
    assert s1 == 0.5 and s1 < e1 <= s2 < e2 <= 5.0  # the overlapping line was pushed back
    assert np.max(np.abs(track[: int(0.45 * 16000)])) == 0.0  # silence before the first line
    write_wav(tmp_path / "t.wav", track, 16000)
    assert (tmp_path / "t.wav").stat().st_size == 44 + 2 * len(track)
