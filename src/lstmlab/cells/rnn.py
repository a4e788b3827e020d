"""The plain (Elman) RNN cell."""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["RNNStep", "rnn_step", "NONLINEARITIES"]

NONLINEARITIES = ("tanh", "relu")


class RNNStep(NamedTuple):
    h: Tensor


def rnn_step(
    weight_ih: Tensor,  # (H, I)
    weight_hh: Tensor,  # (H, H)
    bias_ih: Tensor | None,
    bias_hh: Tensor | None,
    x: Tensor,  # (B, I)
    h: Tensor,  # (B, H)
    nonlinearity: str = "tanh",
) -> RNNStep:
    """h' = φ(W_ih·x + b_ih + W_hh·h + b_hh), φ = tanh or relu."""
    a = F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh)
    return RNNStep(h=torch.tanh(a) if nonlinearity == "tanh" else torch.relu(a))
