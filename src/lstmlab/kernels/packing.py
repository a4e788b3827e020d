"""The packed layout every kernel reads: its one validity check and its one schedule.

Rows of step t are ``x[offset_t : offset_t + batch_sizes[t]]`` (see ``reference``). A layout is
valid when ``batch_sizes`` starts at the batch size, never increases, has no zero (every step
updates at least one sequence, as ``pack_padded_sequence`` makes it), and covers exactly the rows
of x. Checked once, in the dispatch (``kernels.lstm_sequence`` and friends), for every backend:
a hand-built ``PackedSequence`` that breaks it would otherwise read rows that are not there.

``schedule`` is the order the steps run in and where each step's previous state lives; the
reference recurrence, the fused wrappers and the torch-op path read it from here, and the C++
kernels from its twin ``csrc/schedule.h`` (the same ``Step`` fields).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import Tensor

__all__ = [
    "check_batch_sizes",
    "one_length",
    "Step",
    "schedule",
    "prev_index",
    "final_index",
    "time_reversal",
]


def one_length(batch_sizes: Sequence[int]) -> bool:
    """Every sequence has the same length: the packed rows are a dense (T, B, ·) tensor
    (``Packed::uniform`` in ``csrc/schedule.h``)."""
    if isinstance(batch_sizes, list):  # the usual case, counted in C
        return not batch_sizes or batch_sizes.count(batch_sizes[0]) == len(batch_sizes)
    return all(n == batch_sizes[0] for n in batch_sizes)


def check_batch_sizes(batch_sizes: Sequence[int] | Tensor, rows: int, batch: int) -> list[int]:
    """``batch_sizes`` as a list of ints, or a ValueError naming what is wrong with it."""
    bs = list(map(int, batch_sizes))
    if bs and batch >= 1 and bs.count(batch) == len(bs) and batch * len(bs) == rows:
        return bs  # one length, the usual case: valid (the checks below, counted in C)
    problem = None
    if not bs:
        problem = "it is empty"
    elif bs[0] != batch:
        problem = f"it starts at {bs[0]}"
    elif min(bs) < 1:
        problem = f"entry {next(t for t, b in enumerate(bs) if b < 1)} is {min(bs)}"
    elif any(a < b for a, b in itertools.pairwise(bs)):
        t = next(t for t, (a, b) in enumerate(itertools.pairwise(bs)) if a < b)
        problem = f"it increases from {bs[t]} to {bs[t + 1]} at entry {t + 1}"
    elif sum(bs) != rows:
        problem = f"it sums to {sum(bs)}"
    if problem is not None:
        raise ValueError(
            f"batch_sizes: expected a non-increasing list of positive ints starting at the batch "
            f"size {batch} and summing to the {rows} rows of x, got {bs} ({problem})"
        )
    return bs


class Step(NamedTuple):
    """One step of the schedule, in processing order (reversed time for ``reverse``)."""

    t: int  # the time step
    off: int  # first packed row of the step
    n: int  # rows of the step (batch_sizes[t])
    off_prev: int  # first packed row of the step processed before (−1 for the first)
    m: int  # rows 0..m continue from that step; rows m..n start from the initial state


def schedule(batch_sizes: Sequence[int], reverse: bool = False) -> list[Step]:
    """Every step in processing order. In reverse, a row joins when its sequence starts."""
    offsets = [0, *itertools.accumulate(batch_sizes)]
    ts = range(len(batch_sizes) - 1, -1, -1) if reverse else range(len(batch_sizes))
    steps, prev = [], None
    for t in ts:
        n = batch_sizes[t]
        m = 0 if prev is None else min(batch_sizes[prev], n)
        steps.append(Step(t, offsets[t], n, -1 if prev is None else offsets[prev], m))
        prev = t
    return steps


def prev_index(steps: list[Step], N: int, device: torch.device) -> Tensor:
    """(N,) for each packed row, the row holding its previous state in ``cat([rows, init])``:
    the same sequence's row at the step processed before, or N + r when row r starts there."""
    idx = [0] * N
    for s in steps:
        idx[s.off : s.off + s.n] = [s.off_prev + r for r in range(s.m)] + [
            N + r for r in range(s.m, s.n)
        ]
    return torch.tensor(idx, dtype=torch.long, device=device)


def final_index(steps: list[Step], B: int) -> list[int]:
    """(B,) the packed row of each sequence's last processed step (its final state)."""
    last = [0] * B
    for s in steps:
        last[: s.n] = range(s.off, s.off + s.n)
    return last


def time_reversal(batch_sizes: Sequence[int], device: torch.device) -> Tensor:
    """(N,) the row permutation that reverses every sequence within its own length: row (t, b)
    ↔ row (L_b − 1 − t, b). The same ``batch_sizes`` describe the result, and the permutation is
    its own inverse, so a forward-only kernel runs a reverse direction as
    ``kernel(x[p])[p]``."""
    bs = torch.tensor(list(batch_sizes), dtype=torch.long)  # (T,)
    offsets = torch.cumsum(bs, 0) - bs  # (T,)
    t = torch.repeat_interleave(torch.arange(len(bs)), bs)  # (N,) each row's step
    b = torch.arange(int(bs.sum())) - offsets[t]  # (N,) each row's sequence
    lengths = (bs[None, :] > torch.arange(int(bs[0]))[:, None]).sum(1)  # (B,)
    return (offsets[lengths[b] - 1 - t] + b).to(device)
