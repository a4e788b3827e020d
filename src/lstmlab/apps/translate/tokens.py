"""Words and their ids: one tokenizer for both languages, one vocabulary per side."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

__all__ = ["PAD", "BOS", "EOS", "UNK", "SPECIALS", "tokenize", "detokenize", "Vocab"]

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")

# A word is a run of letters/digits; every other visible character is a token of its own, so
# "quatre-vingt-onze" is quatre - vingt - onze and the model sees the parts French composes.
_TOKEN = re.compile(r"\w+|[^\w\s]")
_NO_SPACE_BEFORE = re.compile(r" ([-,.;:!?)’'])")
_NO_SPACE_AFTER = re.compile(r"([-(’']) ")


def tokenize(text: str) -> list[str]:
    """Lower-cased words and punctuation marks of ``text``."""
    return _TOKEN.findall(text.lower())


def detokenize(tokens: Sequence[str]) -> str:
    """Readable text from tokens: "quatre - vingt - onze" → "quatre-vingt-onze"."""
    return _NO_SPACE_AFTER.sub(r"\1", _NO_SPACE_BEFORE.sub(r"\1", " ".join(tokens)))


class Vocab:
    """Token ↔ id for one side; ids 0–3 are ``SPECIALS``, the rest sorted by frequency."""

    def __init__(self, tokens: Sequence[str]) -> None:
        self.itos: list[str] = [*SPECIALS, *(t for t in tokens if t not in SPECIALS)]
        self.stoi: dict[str, int] = {t: i for i, t in enumerate(self.itos)}

    @classmethod
    def build(cls, sentences: Iterable[Sequence[str]], min_count: int = 1) -> Vocab:
        counts = Counter(t for s in sentences for t in s)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return cls([t for t, n in ranked if n >= min_count])

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def encode(self, tokens: Sequence[str]) -> list[int]:
        return [self.stoi.get(t, UNK) for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens up to the first </s>, without <s> and <pad>."""
        out = []
        for i in ids:
            if i == EOS:
                break
            if i not in (PAD, BOS):
                out.append(self.itos[i])
        return out

    def unknown(self, tokens: Sequence[str]) -> list[str]:
        """The tokens this vocabulary does not know, in order, each once."""
        return list(dict.fromkeys(t for t in tokens if t not in self.stoi))
