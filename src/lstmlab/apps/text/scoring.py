"""Bits per character of a model on a text: every character after the first, predicted once."""

from __future__ import annotations

import math

import torch
from torch import Tensor
from torch.nn import functional as F

from lstmlab.apps.text.model import CharModel
from lstmlab.apps.text.streams import ScoredRows, context_windows, recurrent_rows

__all__ = ["score", "bits_per_char", "unigram_bits_per_char"]


@torch.no_grad()
def score(
    model: CharModel, ids: Tensor, *, rows: int, warmup: int, context: int, chunk: int = 1024
) -> tuple[float, int]:
    """(Σ −ln p over the scored targets, their number) for the text ``ids``.

    A recurrent model reads ``rows`` streams chunk by chunk, carrying its state (the evaluation
    side of truncated BPTT); a Transformer reads overlapping windows of ``context``."""
    if model.recurrent:
        data = recurrent_rows(ids, rows, warmup)
        return _stream_nll(model, data, chunk)
    data = context_windows(ids, context)
    return _window_nll(model, data, max(1, 8192 // context))


def _stream_nll(model: CharModel, data: ScoredRows, chunk: int) -> tuple[float, int]:
    total, state = 0.0, None
    for a in range(0, data.x.shape[1], chunk):
        logits, state = model(data.x[:, a : a + chunk], state)  # (R, k, V)
        total += _masked_nll(logits, data.y[:, a : a + chunk], data.scored[:, a : a + chunk])
    return total, int(data.scored.sum())


def _window_nll(model: CharModel, data: ScoredRows, batch: int) -> tuple[float, int]:
    total = 0.0
    for a in range(0, data.x.shape[0], batch):
        logits, _ = model(data.x[a : a + batch])  # (b, context, V)
        total += _masked_nll(logits, data.y[a : a + batch], data.scored[a : a + batch])
    return total, int(data.scored.sum())


def _masked_nll(logits: Tensor, y: Tensor, scored: Tensor) -> float:
    nll = F.cross_entropy(logits.transpose(1, 2), y, reduction="none")  # (B, k)
    return float(nll[scored].double().sum())


def bits_per_char(nll_nats: float, count: int) -> float:
    return nll_nats / count / math.log(2)


def unigram_bits_per_char(train: Tensor, ids: Tensor, vocab_size: int) -> float:
    """The trivial baseline: character frequencies of the training text (add-one smoothed),
    scored on targets 1.. of ``ids`` like the models."""
    counts = torch.bincount(train, minlength=vocab_size).double() + 1
    p = counts / counts.sum()
    return float(-torch.log2(p[ids[1:]]).mean())
