"""Tokens and the vocabulary (built from the training split only).

The tokeniser is deliberately simple: lower-case, then words (letters, digits and ``_``, with
inner apostrophes kept: "don't", "film's") and single punctuation marks. It needs nothing but
``re``, and ``predict`` applies exactly the same rule to the user's sentence.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

__all__ = ["tokenize", "Vocabulary", "PAD", "UNK"]

_TOKEN = re.compile(r"\w+(?:'\w+)*|[^\w\s]")
PAD, UNK = "<pad>", "<unk>"


def tokenize(text: str) -> list[str]:
    """``"It's not GOOD."`` → ``["it's", "not", "good", "."]``."""
    return _TOKEN.findall(text.lower())


class Vocabulary:
    """Token ↔ index; 0 is padding, 1 every token not seen often enough in training."""

    def __init__(self, tokens: Sequence[str]) -> None:
        if list(tokens[:2]) != [PAD, UNK]:
            raise ValueError(f"tokens: expected to start with {PAD!r}, {UNK!r}, got {tokens[:2]}")
        self.tokens = list(tokens)
        self.index = {t: i for i, t in enumerate(self.tokens)}
        if len(self.index) != len(self.tokens):
            raise ValueError("tokens: expected no duplicates")

    @classmethod
    def build(cls, texts: Iterable[str], min_count: int) -> Vocabulary:
        """Tokens seen at least ``min_count`` times in ``texts``, most frequent first."""
        if min_count < 1:
            raise ValueError(f"min_count: expected an int >= 1, got {min_count}")
        counts = Counter(t for text in texts for t in tokenize(text))
        kept = sorted(
            (t for t, n in counts.items() if n >= min_count), key=lambda t: (-counts[t], t)
        )
        return cls([PAD, UNK, *kept])

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens: Sequence[str]) -> list[int]:
        return [self.index.get(t, 1) for t in tokens]
