"""Benchmark: glossary terms spelled as in the glossary, before and after (issue 9, point 4).

Baseline: the glossary's terms as a comma list in the decoder's context (vidkit before this
change). New: the terms, then the glossary's example sentences (vidkit.transcribe.glossary).
Both through vidkit's faster-whisper engine with the embedded tiny.en, the same decoding
options, on the same generated speech (tests/support/glossary_set.py), in one run:

- tuned set: 14 sentences x 4 eSpeak voices, clean and with treadmill noise at 12 dB SNR;
- held-out set: 2 voices and 6 sentences the example was not written against (other names,
  other uses of the terms), clean and noisy;
- real speech: the JFK fixture (../shared/fixtures), when present.

Prints, per method: term spelling (occurrences spelled as in the glossary / spoken), CAREN
alone, "Karen" kept, WER (normalised), real-time factor.

    python bench/glossary.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.glossary_set import glossary_set, karen_hits, term_hits, wer  # noqa: E402
from vidkit.transcribe.engines import DecodeOptions, FasterWhisperEngine  # noqa: E402
from vidkit.transcribe.glossary import read_glossary  # noqa: E402

HELD_OUT_VOICES = (("en-gb-scotland", 155), ("en+m3", 165))
HELD_OUT_SENTENCES = (
    ("Karin, please hold the rail while the Caren platform moves.",
     "Karin, please hold the rail while the CAREN platform moves."),
    ("Karen and her husband watched the session from the door.",
     "Karen and her husband watched the session from the door."),
    ("Our Caren lab has a new harness since last week.",
     "Our CAREN lab has a new harness since last week."),
    ("Sarah, your step length is much better than on Monday.",
     "Sarah, your step length is much better than on Monday."),
    ("This is the Caren, a treadmill inside a moving room.",
     "This is the CAREN, a treadmill inside a moving room."),
    ("Thank you, Karen, that was a good session.",
     "Thank you, Karen, that was a good session."),
)
FIXTURES = REPO.parent / "shared" / "fixtures"
JFK = ("And so my fellow Americans, ask not what your country can do for you, "
       "ask what you can do for your country.")


def run(engine, items, context: str | None) -> tuple[list[str], float]:
    options = DecodeOptions(language="en", hotwords=context)
    started = time.perf_counter()
    hypotheses = [" ".join(s.text for s in engine.transcribe(item.audio, options).segments) for item in items]
    return hypotheses, time.perf_counter() - started


def score(items, hypotheses, terms, seconds: float | None = None) -> dict:
    right = spoken = caren = caren_said = karen = karen_said = 0
    for item, hyp in zip(items, hypotheses):
        r, s = term_hits(item.reference, hyp, terms)
        right, spoken = right + r, spoken + s
        r, s = term_hits(item.reference, hyp, ["CAREN"])
        caren, caren_said = caren + r, caren_said + s
        r, s = karen_hits(item.reference, hyp)
        karen, karen_said = karen + r, karen_said + s
    audio = sum(len(i.audio) for i in items) / 16000
    return {"terms": f"{right}/{spoken}", "term_rate": round(right / spoken, 3) if spoken else None,
            "caren": f"{caren}/{caren_said}", "karen": f"{karen}/{karen_said}",
            "wer": round(wer([i.reference for i in items], hypotheses), 4),
            "rtf": round(seconds / audio, 3) if seconds is not None else None}


def main() -> None:
    glossary = read_glossary("rehab")
    terms = list(glossary.terms)
    methods = {"baseline (terms list)": ", ".join(terms), "new (terms + examples)": glossary.decoder_context()}
    engine = FasterWhisperEngine("", threads=2)
    sets = {"tuned": glossary_set(),
            "held-out": glossary_set(voices=HELD_OUT_VOICES, sentences=HELD_OUT_SENTENCES)}
    results: dict = {}
    for set_name, items in sets.items():
        print(f"{set_name}: {len(items)} utterances, {sum(len(i.audio) for i in items) / 16000:.0f} s of speech",
              flush=True)
        for method, context in methods.items():
            hyps, seconds = run(engine, items, context)
            row = score(items, hyps, terms, seconds)
            for noisy in (False, True):
                part = [(i, h) for i, h in zip(items, hyps) if i.noisy == noisy]
                row["noisy" if noisy else "clean"] = score([i for i, _ in part], [h for _, h in part], terms)
            results.setdefault(set_name, {})[method] = row
            print(f"  {method:<24} terms {row['terms']} ({row['term_rate']:.1%}), CAREN {row['caren']}, "
                  f"Karen {row['karen']}, WER {row['wer']:.1%}, RTF {row['rtf']}  "
                  f"[clean {row['clean']['term_rate']:.1%} / noisy {row['noisy']['term_rate']:.1%}]", flush=True)
    jfk = FIXTURES / "jfk.flac"
    if jfk.is_file():
        from vidkit.media.audio import load_audio

        audio = load_audio(jfk, 16000)
        for method, context in methods.items():
            text = " ".join(s.text for s in engine.transcribe(audio, DecodeOptions(language="en", hotwords=context)).segments)
            results.setdefault("jfk", {})[method] = round(wer([JFK], [text]), 4)
            print(f"  jfk (real speech) {method:<24} WER {results['jfk'][method]:.1%}", flush=True)
    else:
        print(f"  jfk fixture not found at {jfk}: real-speech check skipped")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
