"""Text as batches: parallel streams for truncated BPTT, and scored windows for evaluation.

Training (Zaremba et al. 2014, §4): the training text is cut into B equal streams, one per batch
row, and step s reads the next ``bptt`` characters of every stream, so the state at the end of
step s is the right initial state for step s + 1 (the loop carries it, detached). After the last
chunk the streams start over and the state is reset.

Evaluation: every character of a split after its first is predicted exactly once. A recurrent
model reads the split as ``rows`` streams, each preceded by ``warmup`` characters of the text
before it that set up its state but are not scored; a model with a fixed context (the
Transformer) reads windows that overlap by half, scoring only their second halves.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = ["StreamBatch", "TrainStreams", "ScoredRows", "recurrent_rows", "context_windows"]


@dataclass(frozen=True)
class StreamBatch:
    x: Tensor  # (B, T) input ids
    y: Tensor  # (B, T) next-character ids
    reset: bool  # the first chunk of a pass: start from a zero state


class TrainStreams:
    """B streams over ``ids``; ``batch(step)`` is chunk ``step mod chunks`` of every stream."""

    def __init__(self, ids: Tensor, batch_size: int, bptt: int) -> None:
        length = len(ids) // batch_size
        self.chunks = (length - 1) // bptt
        if self.chunks < 1:
            raise ValueError(
                f"training text: expected at least {batch_size} streams × {bptt + 1} = "
                f"{batch_size * (bptt + 1)} characters (batch size × (span + 1)), got {len(ids)}"
            )
        self.data = ids[: batch_size * length].view(batch_size, length)  # (B, L)
        self.bptt = bptt

    def batch(self, step: int) -> StreamBatch:
        k = step % self.chunks
        a = k * self.bptt
        return StreamBatch(
            self.data[:, a : a + self.bptt], self.data[:, a + 1 : a + 1 + self.bptt], k == 0
        )


@dataclass(frozen=True)
class ScoredRows:
    x: Tensor  # (R, L) input ids (padded with 0)
    y: Tensor  # (R, L) targets
    scored: Tensor  # (R, L) bool: this target counts (each target of the split exactly once)


def recurrent_rows(ids: Tensor, rows: int, warmup: int) -> ScoredRows:
    """Targets 1..M−1 of ``ids`` cut into ``rows`` consecutive ranges; row r also reads up to
    ``warmup`` earlier characters, unscored, so its state is warm when scoring starts."""
    M = len(ids)
    if M < 2:
        raise ValueError(f"ids: expected at least 2 characters to score, got {M}")
    per_row = -(-(M - 1) // rows)  # ceil
    pieces = []
    for r in range(rows):
        lo, hi = r * per_row + 1, min((r + 1) * per_row, M - 1)  # targets lo..hi
        if lo > hi:
            break
        a = max(0, lo - 1 - warmup)  # first input position
        x, y = ids[a:hi], ids[a + 1 : hi + 1]
        scored = torch.arange(a + 1, hi + 1) >= lo
        pieces.append((x, y, scored))
    L = max(len(p[0]) for p in pieces)
    X = torch.zeros(len(pieces), L, dtype=torch.long)
    Y = torch.zeros_like(X)
    S = torch.zeros(len(pieces), L, dtype=torch.bool)
    for r, (x, y, s) in enumerate(pieces):  # padding at the end: the state never reads it
        X[r, : len(x)], Y[r, : len(y)], S[r, : len(s)] = x, y, s
    return ScoredRows(X, Y, S)


def context_windows(ids: Tensor, context: int) -> ScoredRows:
    """Windows of ``context`` inputs with stride context/2 covering targets 1..M−1: each
    target is scored once, in the window where it has at least context/2 characters before it
    (or all of them, near the start)."""
    M = len(ids)
    if M < 2:
        raise ValueError(f"ids: expected at least 2 characters to score, got {M}")
    stride = max(1, context // 2)
    starts = list(range(0, max(M - 1 - context, 0) + 1, stride))
    if starts[-1] + context < M - 1:
        starts.append(M - 1 - context)
    X = torch.zeros(len(starts), context, dtype=torch.long)
    Y = torch.zeros_like(X)
    S = torch.zeros(len(starts), context, dtype=torch.bool)
    done = 0  # targets 1..done are scored already
    for w, a in enumerate(starts):
        n = min(context, M - 1 - a)
        X[w, :n], Y[w, :n] = ids[a : a + n], ids[a + 1 : a + 1 + n]
        targets = torch.arange(a + 1, a + 1 + n)
        S[w, :n] = targets > done
        done = a + n
    return ScoredRows(X, Y, S)
