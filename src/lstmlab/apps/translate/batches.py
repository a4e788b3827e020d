"""Sentence pairs as padded id tensors, and the vocabularies they are read with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from lstmlab.apps.translate.pairs import Pair
from lstmlab.apps.translate.tokens import BOS, EOS, PAD, Vocab, tokenize

__all__ = ["Batch", "Vocabs", "make_batch", "source_batch"]


@dataclass(frozen=True)
class Vocabs:
    src: Vocab
    tgt: Vocab

    @classmethod
    def build(cls, train: Sequence[Pair]) -> Vocabs:
        """Every word of the training pairs; a word seen only in val or test reads as <unk>."""
        return cls(
            Vocab.build(tokenize(p.en) for p in train), Vocab.build(tokenize(p.fr) for p in train)
        )

    def to_dict(self) -> dict[str, list[str]]:
        return {"src": self.src.itos, "tgt": self.tgt.itos}

    @classmethod
    def from_dict(cls, d: dict[str, list[str]]) -> Vocabs:
        return cls(Vocab(d["src"]), Vocab(d["tgt"]))


@dataclass(frozen=True)
class Batch:
    src: Tensor  # (B, S) source ids, padded with PAD
    src_len: Tensor  # (B,)
    tgt_in: Tensor  # (B, T) <s> y_1 … y_n, padded
    tgt_out: Tensor  # (B, T) y_1 … y_n </s>, padded: what each step must predict


def _pad(rows: Sequence[Sequence[int]]) -> Tensor:
    out = torch.full((len(rows), max(map(len, rows))), PAD, dtype=torch.long)
    for b, r in enumerate(rows):
        out[b, : len(r)] = torch.tensor(r, dtype=torch.long)
    return out


def source_batch(sources: Sequence[Sequence[str]], vocab: Vocab) -> tuple[Tensor, Tensor]:
    ids = [vocab.encode(s) for s in sources]
    return _pad(ids), torch.tensor([len(i) for i in ids])


def make_batch(pairs: Sequence[Pair], vocabs: Vocabs) -> Batch:
    src, src_len = source_batch([tokenize(p.en) for p in pairs], vocabs.src)
    tgt = [vocabs.tgt.encode(tokenize(p.fr)) for p in pairs]
    return Batch(src, src_len, _pad([[BOS, *t] for t in tgt]), _pad([[*t, EOS] for t in tgt]))
