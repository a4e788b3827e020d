"""The parallel scan of a linear recurrence h_t = a_t ⊙ h_{t-1} + b_t with a_t, b_t > 0, in log
space (Heinsen 2023, "Efficient parallelization of a ubiquitous sequential computation"):

    a*_t = Σ_{s ≤ t} log a_s
    log h_t = a*_t + log Σ_{s ≤ t} exp(log b_s − a*_s)        (h_0 = 0)

— a cumulative sum and a ``logcumsumexp``, each one vectorised call over all T steps. Heinsen
puts log h_0 in front of the values, which needs h_0 > 0; the recurrence is linear, so here h_0's
share exp(a*_t) ⊙ h_0 is added apart and h_0 may have any sign (a state carried from a previous
chunk, or a user's). Autograd differentiates the few ops; no hand-written backward is needed.

``Schedule`` moves packed rows (N, ·) — the layout of every kernel, see ``reference`` — to the
padded (T, B, ·) grid the scan runs on, and back.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = ["log_scan", "Schedule"]


def log_scan(log_a: Tensor, log_b: Tensor, h0: Tensor) -> Tensor:
    """h_t = a_t ⊙ h_{t-1} + b_t for t = 1..T at once. log_a, log_b (T, B, H), h0 (B, H) →
    h (T, B, H)."""
    a_star = torch.cumsum(log_a, dim=0)  # (T, B, H): log Π_{s ≤ t} a_s
    h = torch.exp(a_star + torch.logcumsumexp(log_b - a_star, dim=0))  # (T, B, H), from h_0 = 0
    return h + torch.exp(a_star) * h0


class Schedule:
    """Packed rows ↔ the padded (T, B, ·) grid, for a non-increasing ``batch_sizes``.

    Padded cells get log a = log b = 0 (a = b = 1: finite, so no NaN reaches a gradient); they
    come after each sequence's end, and the scan is causal, so they change nothing that is read.
    """

    def __init__(self, batch_sizes: Sequence[int]) -> None:
        self.T, self.B = len(batch_sizes), batch_sizes[0]
        self.full = all(n == self.B for n in batch_sizes)
        if not self.full:
            sizes = torch.tensor(list(batch_sizes), dtype=torch.int64)
            valid = torch.arange(self.B) < sizes[:, None]  # (T, B)
            self.rows = valid.flatten().nonzero().squeeze(1)  # (N,): packed row → t·B + b
            self.lengths = valid.sum(0)  # (B,)

    def pad(self, data: Tensor) -> Tensor:
        """(N, F) packed → (T, B, F), zeros after each end."""
        if self.full:
            return data.view(self.T, self.B, -1)
        grid = data.new_zeros(self.T * self.B, data.shape[-1])
        return grid.index_copy(0, self.rows.to(data.device), data).view(self.T, self.B, -1)

    def unpad(self, grid: Tensor) -> Tensor:
        """(T, B, F) → (N, F) packed."""
        flat = grid.reshape(self.T * self.B, -1)
        return flat if self.full else flat.index_select(0, self.rows.to(grid.device))

    def reverse(self, grid: Tensor) -> Tensor:
        """Each sequence reversed within its own length (its own inverse); padding stays."""
        if self.full:
            return grid.flip(0)
        t = torch.arange(self.T)[:, None]  # (T, 1)
        L = self.lengths[None, :]  # (1, B)
        src = torch.where(t < L, L - 1 - t, t).to(grid.device)  # (T, B)
        return grid.gather(0, src[..., None].expand_as(grid))

    def last(self, grid: Tensor) -> Tensor:
        """(T, B, F) → (B, F): each sequence's value at its last step."""
        if self.full:
            return grid[-1]
        return grid[(self.lengths - 1).to(grid.device), torch.arange(self.B, device=grid.device)]
