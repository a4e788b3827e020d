"""Characters ↔ ids: the model's alphabet, saved with the run so ``predict`` needs no corpus."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

import numpy as np
import torch
from torch import Tensor

__all__ = ["Vocabulary"]


class Vocabulary:
    """The sorted characters of a corpus; id k is ``chars[k]``."""

    def __init__(self, chars: Iterable[str]) -> None:
        self.chars = sorted(set(chars))
        if not self.chars or any(len(c) != 1 for c in self.chars):
            raise ValueError(f"chars: expected single characters, got {self.chars[:10]!r}")
        self.index = {c: k for k, c in enumerate(self.chars)}
        self._codes = np.array([ord(c) for c in self.chars], dtype=np.uint32)  # sorted

    @classmethod
    def of(cls, *texts: str) -> Vocabulary:
        return cls(set().union(*(set(t) for t in texts)))

    def __len__(self) -> int:
        return len(self.chars)

    def unknown(self, text: str) -> list[str]:
        """The characters of ``text`` outside the alphabet, in order of first appearance."""
        if set(text) <= self.index.keys():
            return []
        return list(dict.fromkeys(c for c in text if c not in self.index))

    def encode(self, text: str, name: str = "text") -> Tensor:
        """``text`` as ids (int64); a ValueError naming every character never seen."""
        unknown = self.unknown(text)
        if unknown:
            shown = ", ".join(f"{c!r} ({_describe(c)})" for c in unknown[:10])
            more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
            raise ValueError(
                f"{name}: expected characters the model saw in training, got {len(unknown)} it "
                f"never saw: {shown}{more}"
            )
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        return torch.from_numpy(np.searchsorted(self._codes, codes).astype(np.int64))

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.chars[int(k)] for k in ids)

    def to_json(self) -> dict[str, str]:
        return {"chars": "".join(self.chars)}

    @classmethod
    def from_json(cls, d: dict[str, str]) -> Vocabulary:
        return cls(d["chars"])


def _describe(c: str) -> str:
    return f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed')}"
