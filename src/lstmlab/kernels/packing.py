"""The packed layout every kernel reads, and its one validity check.

Rows of step t are ``x[offset_t : offset_t + batch_sizes[t]]`` (see ``reference``). A layout is
valid when ``batch_sizes`` starts at the batch size, never increases, has no zero (every step
updates at least one sequence, as ``pack_padded_sequence`` makes it), and covers exactly the rows
of x. Checked once, in the dispatch (``kernels.lstm_sequence`` and friends), for every backend:
a hand-built ``PackedSequence`` that breaks it would otherwise read rows that are not there.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from torch import Tensor

__all__ = ["check_batch_sizes"]


def check_batch_sizes(batch_sizes: Sequence[int] | Tensor, rows: int, batch: int) -> list[int]:
    """``batch_sizes`` as a list of ints, or a ValueError naming what is wrong with it."""
    bs = [int(b) for b in batch_sizes]
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
