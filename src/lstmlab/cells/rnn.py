"""The plain (Elman) RNN cell."""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from lstmlab.checks import ArgumentError

__all__ = ["RNNStep", "rnn_step", "rnn_shapes", "check_nonlinearity", "NONLINEARITIES"]

NONLINEARITIES = ("tanh", "relu")


class RNNStep(NamedTuple):
    h: Tensor


def check_nonlinearity(nonlinearity: object) -> str:
    if nonlinearity not in NONLINEARITIES:
        raise ArgumentError(
            f"nonlinearity: expected one of {NONLINEARITIES}, got {nonlinearity!r}",
            "nonlinearity",
        )
    return nonlinearity  # type: ignore[return-value]


def rnn_shapes(input_size: int, hidden_size: int, bias: bool = True) -> dict[str, tuple[int, ...]]:
    """Shapes of the parameters of one layer and direction (as torch.nn.RNN)."""
    H = hidden_size
    shapes = {"weight_ih": (H, input_size), "weight_hh": (H, H)}
    return shapes | ({"bias_ih": (H,), "bias_hh": (H,)} if bias else {})


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
