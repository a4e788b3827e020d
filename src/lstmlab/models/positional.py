"""Sinusoidal positional encoding (Vaswani et al. 2017, §3.5)."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

__all__ = ["SinusoidalPositions"]


class SinusoidalPositions(nn.Module):
    """Adds PE(t, 2k) = sin(t / 10000^{2k/d}), PE(t, 2k+1) = cos(t / 10000^{2k/d}) to x.

    Computed for the length at hand, so any sequence length works and nothing is stored.
    """

    def __init__(self, d_model: int) -> None:
        super().__init__()
        self.d_model = d_model

    def forward(self, x: Tensor) -> Tensor:
        B, T, D = x.shape  # batch, steps, d_model
        t = torch.arange(T, dtype=torch.float32, device=x.device).unsqueeze(1)  # (T, 1)
        k = torch.arange(0, D, 2, dtype=torch.float32, device=x.device)  # (⌈D/2⌉,)
        angle = t * torch.exp(-math.log(10000.0) * k / D)  # (T, ⌈D/2⌉)
        pe = torch.zeros(T, D, dtype=x.dtype, device=x.device)  # (T, D)
        pe[:, 0::2] = torch.sin(angle)
        pe[:, 1::2] = torch.cos(angle[:, : D // 2])
        return x + pe  # (B, T, D)
