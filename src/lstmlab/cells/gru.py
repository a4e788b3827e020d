"""The GRU cell (Cho et al. 2014), in both placements of the reset gate."""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["GRUStep", "gru_step", "gru_shapes"]


class GRUStep(NamedTuple):
    r: Tensor
    z: Tensor
    n: Tensor
    h: Tensor


def gru_shapes(input_size: int, hidden_size: int, bias: bool = True) -> dict[str, tuple[int, ...]]:
    """Shapes of the parameters of one layer and direction (rows r, z, n, as torch.nn.GRU)."""
    H = hidden_size
    shapes = {"weight_ih": (3 * H, input_size), "weight_hh": (3 * H, H)}
    return shapes | ({"bias_ih": (3 * H,), "bias_hh": (3 * H,)} if bias else {})


def gru_step(
    weight_ih: Tensor,  # (3H, I), rows r, z, n as in torch.nn.GRU
    weight_hh: Tensor,  # (3H, H)
    bias_ih: Tensor | None,
    bias_hh: Tensor | None,
    x: Tensor,  # (B, I)
    h: Tensor,  # (B, H)
    reset_after: bool = True,
) -> GRUStep:
    """One GRU step:

    r = σ(W_ir·x + b_ir + W_hr·h + b_hr)
    z = σ(W_iz·x + b_iz + W_hz·h + b_hz)
    n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn))     reset_after=True (torch, cuDNN)
    n = tanh(W_in·x + b_in + W_hn·(r ⊙ h) + b_hn)     reset_after=False (Cho et al. 2014)
    h' = (1 − z) ⊙ n + z ⊙ h
    """
    a_r, a_z, a_n = F.linear(x, weight_ih, bias_ih).chunk(3, dim=-1)  # 3 × (B, H)
    W_hr, W_hz, W_hn = weight_hh.chunk(3)
    b_hr, b_hz, b_hn = bias_hh.chunk(3) if bias_hh is not None else (None, None, None)
    r = torch.sigmoid(a_r + F.linear(h, W_hr, b_hr))
    z = torch.sigmoid(a_z + F.linear(h, W_hz, b_hz))
    if reset_after:
        n = torch.tanh(a_n + r * F.linear(h, W_hn, b_hn))
    else:
        n = torch.tanh(a_n + F.linear(r * h, W_hn, b_hn))
    h = (h - n) * z + n  # = (1 − z) ⊙ n + z ⊙ h, in torch.nn's order (its ±inf/NaN gradients)
    return GRUStep(r=r, z=z, n=n, h=h)
