"""The forecaster: an LSTM reads the history, a small network per horizon step reads its state
and what is known about that step, and outputs quantiles.

This is the direct multi-horizon quantile design of Wen et al. (2017, "A Multi-Horizon Quantile
Recurrent Forecaster", MQ-RNN): one encoder state, one local MLP shared by all horizon steps
(told apart by a learned step embedding), all quantiles at once, trained with the pinball loss.

For horizon step k the median is the seasonal naive value (one period ago, normalised) plus a
learned correction; the other quantiles are the median ± cumulative softplus offsets, so the
quantiles never cross.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from lstmlab.layers import LSTM

__all__ = ["Forecaster"]


class Forecaster(nn.Module):
    """(history (B, W, F), future (B, H, Fu)) → quantiles (B, H, Q) in normalised units.

    ``future[..., naive_index]`` must be the seasonal naive forecast the median corrects.
    ``levels`` are the quantile levels, increasing, with 0.5 among them.
    """

    def __init__(
        self,
        *,
        n_inputs: int,
        n_future: int,
        horizon: int,
        levels: tuple[float, ...],
        naive_index: int,
        hidden: int = 64,
        layers: int = 1,
        variant: str = "vanilla",
        dropout: float = 0.0,
        mlp: int = 64,
        step_embedding: int = 16,
    ) -> None:
        super().__init__()
        if 0.5 not in levels or list(levels) != sorted(levels):
            raise ValueError(f"levels: expected increasing quantile levels with 0.5, got {levels}")
        self.levels, self.median = tuple(levels), levels.index(0.5)
        self.naive_index = naive_index
        self.encoder = LSTM(
            n_inputs, hidden, num_layers=layers, batch_first=True, variant=variant,
            dropout=dropout if layers > 1 else 0.0,
        )  # fmt: skip
        self.step = nn.Embedding(horizon, step_embedding)
        self.head = nn.Sequential(
            nn.Linear(hidden + n_future + step_embedding, mlp),
            nn.ReLU(),
            nn.Linear(mlp, mlp),
            nn.ReLU(),
            nn.Linear(mlp, len(levels)),
        )

    def forward(self, history: Tensor, future: Tensor) -> Tensor:
        B, H, _ = future.shape
        _, (h_n, _) = self.encoder(history)  # h_n: (L, B, hidden)
        context = h_n[-1][:, None, :].expand(B, H, -1)  # (B, H, hidden)
        steps = self.step.weight[None].expand(B, H, -1)  # (B, H, E)
        out = self.head(torch.cat([context, future, steps], dim=-1))  # (B, H, Q)
        median = future[..., self.naive_index] + out[..., self.median]  # (B, H)
        j = self.median
        below = torch.cumsum(F.softplus(out[..., :j].flip(-1)), -1).flip(-1)  # (B, H, j)
        above = torch.cumsum(F.softplus(out[..., j + 1 :]), -1)  # (B, H, Q - j - 1)
        m = median[..., None]
        return torch.cat([m - below, m, m + above], dim=-1)  # (B, H, Q), increasing
