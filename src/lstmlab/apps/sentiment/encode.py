"""Sentences → padded index tensors, the model's input."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from lstmlab.apps.sentiment.vocab import Vocabulary, tokenize

__all__ = ["encode_texts", "pad"]


def encode_texts(vocab: Vocabulary, texts: Sequence[str], max_len: int) -> list[list[int]]:
    """Each text as at most ``max_len`` token indices (never empty: a text without tokens becomes
    one unknown token, so every sentence has a length >= 1)."""
    return [vocab.encode(tokenize(t)[:max_len]) or [1] for t in texts]


def pad(seqs: Sequence[Sequence[int]]) -> tuple[Tensor, Tensor]:
    """Index lists → tokens (B, T_max) padded with 0, lengths (B,)."""
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
    tokens = torch.zeros(len(seqs), int(lengths.max()), dtype=torch.long)
    for b, s in enumerate(seqs):
        tokens[b, : len(s)] = torch.tensor(s, dtype=torch.long)
    return tokens, lengths
