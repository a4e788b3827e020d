"""minGRU and minLSTM (Feng et al. 2024, "Were RNNs All We Needed?", §3): the GRU and the LSTM
with gates and candidate that read x_t only. Then h_t = a_t ⊙ h_{t-1} + b_t is a linear
recurrence whose coefficients a_t, b_t are known for every step before the first one is run, so
a scan computes all h_t at once (``lstmlab.kernels.scan``); the step functions here are the
sequential mode it is tested against.

The candidate goes through g (Feng et al. 2024, appendix B.3, the log-space version):

    g(x) = x + 0.5 (x ≥ 0),  σ(x) (x < 0)

continuous (0.5 at 0), increasing and positive, so h̃_t > 0 and log h̃_t exists. The paper's
plain version (h̃_t = Linear_h(x_t)) is not offered: it cannot run in log space, and one cell
must compute the same thing in both modes.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "g",
    "log_g",
    "MinGRUStep",
    "min_gru_gates",
    "min_gru_step",
    "min_gru_log_coefficients",
    "MinLSTMStep",
    "min_lstm_gates",
    "min_lstm_step",
    "min_lstm_log_coefficients",
]


def g(x: Tensor) -> Tensor:
    """g(x) = x + 0.5 for x ≥ 0, σ(x) for x < 0 (Feng et al. 2024, appendix B.3)."""
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def log_g(x: Tensor) -> Tensor:
    """log g(x), without forming g: log(x + 0.5) for x ≥ 0, −softplus(−x) = log σ(x) for x < 0.
    (relu keeps the unused branch finite, so its gradient is 0, not NaN.)"""
    return torch.where(x >= 0, torch.log(torch.relu(x) + 0.5), -F.softplus(-x))


# -- minGRU -----------------------------------------------------------------------------------


class MinGRUStep(NamedTuple):
    z: Tensor
    h_tilde: Tensor
    h: Tensor


def min_gru_gates(weight_ih: Tensor, bias_ih: Tensor | None, x: Tensor) -> tuple[Tensor, Tensor]:
    """z = σ(Linear_z(x)), h̃ = g(Linear_h(x)); weight_ih (2H, I) has rows z, h̃; x (..., I)."""
    k_z, k_h = F.linear(x, weight_ih, bias_ih).chunk(2, dim=-1)  # 2 × (..., H)
    return torch.sigmoid(k_z), g(k_h)


def min_gru_step(weight_ih: Tensor, bias_ih: Tensor | None, x: Tensor, h: Tensor) -> MinGRUStep:
    """One minGRU step (Feng et al. 2024, §3.1):

    z = σ(Linear_z(x))
    h̃ = g(Linear_h(x))
    h' = (1 − z) ⊙ h + z ⊙ h̃
    """
    z, h_tilde = min_gru_gates(weight_ih, bias_ih, x)
    h = (1 - z) * h + z * h_tilde
    return MinGRUStep(z=z, h_tilde=h_tilde, h=h)


def min_gru_log_coefficients(
    weight_ih: Tensor, bias_ih: Tensor | None, x: Tensor
) -> tuple[Tensor, Tensor]:
    """The minGRU step as h' = a ⊙ h + b, in logs (both are > 0), for x (..., I):

    log a = log(1 − z) = −softplus(k_z)
    log b = log z + log h̃ = −softplus(−k_z) + log g(k_h)
    """
    k_z, k_h = F.linear(x, weight_ih, bias_ih).chunk(2, dim=-1)  # 2 × (..., H)
    log_a = -F.softplus(k_z)
    log_b = -F.softplus(-k_z) + log_g(k_h)
    return log_a, log_b


# -- minLSTM ----------------------------------------------------------------------------------


class MinLSTMStep(NamedTuple):
    f: Tensor  # the normalised f' (what multiplies h_{t-1})
    i: Tensor  # the normalised i' (what multiplies h̃_t); f + i = 1
    h_tilde: Tensor
    h: Tensor


def min_lstm_gates(
    weight_ih: Tensor, bias_ih: Tensor | None, x: Tensor
) -> tuple[Tensor, Tensor, Tensor]:
    """f' = f/(f + i), i' = i/(f + i) with f = σ(Linear_f(x)), i = σ(Linear_i(x)), and
    h̃ = g(Linear_h(x)); weight_ih (3H, I) has rows f, i, h̃; x (..., I)."""
    k_f, k_i, k_h = F.linear(x, weight_ih, bias_ih).chunk(3, dim=-1)  # 3 × (..., H)
    f, i = torch.sigmoid(k_f), torch.sigmoid(k_i)
    return f / (f + i), i / (f + i), g(k_h)


def min_lstm_step(weight_ih: Tensor, bias_ih: Tensor | None, x: Tensor, h: Tensor) -> MinLSTMStep:
    """One minLSTM step (Feng et al. 2024, §3.2):

    f = σ(Linear_f(x)),  i = σ(Linear_i(x))
    f' = f / (f + i),    i' = i / (f + i)
    h̃ = g(Linear_h(x))
    h' = f' ⊙ h + i' ⊙ h̃
    """
    f, i, h_tilde = min_lstm_gates(weight_ih, bias_ih, x)
    h = f * h + i * h_tilde
    return MinLSTMStep(f=f, i=i, h_tilde=h_tilde, h=h)


def min_lstm_log_coefficients(
    weight_ih: Tensor, bias_ih: Tensor | None, x: Tensor
) -> tuple[Tensor, Tensor]:
    """The minLSTM step as h' = a ⊙ h + b, in logs, for x (..., I). With
    d = log i − log f = softplus(−k_f) − softplus(−k_i):

    log a = log f' = −log(1 + i/f) = −softplus(d)
    log b = log i' + log h̃ = −softplus(−d) + log g(k_h)
    """
    k_f, k_i, k_h = F.linear(x, weight_ih, bias_ih).chunk(3, dim=-1)  # 3 × (..., H)
    d = F.softplus(-k_f) - F.softplus(-k_i)
    log_a = -F.softplus(d)
    log_b = -F.softplus(-d) + log_g(k_h)
    return log_a, log_b
