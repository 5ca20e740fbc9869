"""The glossary: the clinic's own words, and how they are put in front of the decoder.

A glossary file has one term per line (`#` starts a comment) and, optionally, example
sentences on lines starting with `>`. Whisper has no vocabulary to extend; what it has is a
"previous text" slot that it continues from. A bare list of terms there ("CAREN, gait, ...")
helps little: tiny.en still writes "the Caron lab" and "the current system" and, reading a
list, drops capitals and punctuation. A term used in a sentence, next to a word that sounds
the same but is spelled otherwise ("Karen ... in the CAREN lab"), lets the decoder's own
language model choose the spelling from context: the system after "the", the person's name
where a name goes. Nothing is replaced after decoding.

The context (terms, then the sentences) is passed as faster-whisper's `hotwords`, which is
put in that slot for every 30 s window; an `initial_prompt` would reach only the first window
once `condition_on_previous_text` is off (vidkit's default, against runaway hallucinations).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from vidkit.errors import BadInputError
from vidkit.resources import templates_dir

# Whisper keeps at most 223 tokens of previous text; a long context also slows every window
# and pulls harder towards its own words. ~600 characters is ~130 tokens of English.
MAX_CONTEXT_CHARS = 600
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@dataclass(frozen=True)
class Glossary:
    terms: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()  # sentences using the terms in context

    def decoder_context(self) -> str | None:
        """The text put before every window: the terms as a sentence, then the examples;
        None without terms. Cut at a sentence boundary to stay within MAX_CONTEXT_CHARS."""
        if not self.terms:
            return None
        parts = [", ".join(self.terms) + "."]
        parts += [e if e.endswith((".", "!", "?")) else e + "." for e in self.examples]
        context = parts[0]
        for part in parts[1:]:
            if len(context) + 1 + len(part) > MAX_CONTEXT_CHARS:
                break
            context += " " + part
        return context[:MAX_CONTEXT_CHARS]

    def echo_words(self) -> tuple[str, ...]:
        """Words the context could make the decoder "hear" in near-silence: the terms and the
        capitalised words (names) of the examples."""
        names = [w for e in self.examples for w in _WORD.findall(e)[1:] if w[:1].isupper()]
        return tuple(dict.fromkeys([*self.terms, *names]))


def read_glossary(spec: str) -> Glossary:
    """A built-in glossary by name ('rehab') or a file; '' for none."""
    if not spec:
        return Glossary()
    path = Path(spec).expanduser()
    if not path.is_file():
        builtin = templates_dir() / "glossary" / f"{spec}.txt"
        if not builtin.is_file():
            raise BadInputError(f"glossary not found: {spec} (a file, or a built-in name like 'rehab')")
        path = builtin
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise BadInputError(f"glossary {path} is not UTF-8 text") from None
    terms, examples = [], []
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if text.startswith(">"):
            if text[1:].strip():
                examples.append(text[1:].strip())
        elif text:
            terms.append(text)
    return Glossary(tuple(terms), tuple(examples))


def load_glossary(spec: str) -> list[str]:
    """The terms of a glossary (see read_glossary)."""
    return list(read_glossary(spec).terms)
