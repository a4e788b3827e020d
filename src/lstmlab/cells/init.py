"""Initialisation of recurrent parameters.

The default is torch.nn's: every parameter ~ U(−1/√H, 1/√H), so a layer built with the same seed
as its torch.nn twin starts from the same weights. Two LSTM-specific options act on the gate
biases (the effective bias is b_ih + b_hh; we set b_ih and zero b_hh on the rows we touch).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from lstmlab.cells.options import LSTMOptions
from lstmlab.checks import ArgumentError

__all__ = [
    "uniform_",
    "forget_bias_",
    "chrono_",
    "check_bias_init",
    "check_chrono",
    "check_forget_bias",
    "lstm_biases_",
]


@torch.no_grad()
def uniform_(params: list[Tensor], hidden_size: int) -> None:
    """torch.nn.LSTM/GRU/RNN's initialisation: U(−1/√H, 1/√H) for every parameter."""
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for p in params:
        p.uniform_(-bound, bound)


def _finite(name: str, value: object, expected: str) -> float:
    """A real number that is not NaN or ±Inf (a NaN bias would silently poison every step)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name}: expected {expected}, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name}: expected {expected}, got {value}")
    return float(value)


def _rows(opts: LSTMOptions, gate: str, H: int) -> slice:
    k = opts.gates.index(gate)
    return slice(k * H, (k + 1) * H)


@torch.no_grad()
def forget_bias_(bias_ih: Tensor, bias_hh: Tensor, opts: LSTMOptions, H: int, value: float) -> None:
    """b_f = value. Jozefowicz et al. 2015 (§2.2) recommend 1: the cell starts by remembering."""
    value = _finite("forget_bias", value, "a finite number")
    if "f" not in opts.gates:
        raise ValueError(
            f"forget_bias: expected a variant with a forget gate, got gates {opts.gates}"
        )
    bias_ih[_rows(opts, "f", H)] = value
    bias_hh[_rows(opts, "f", H)] = 0.0


@torch.no_grad()
def chrono_(
    bias_ih: Tensor,
    bias_hh: Tensor,
    opts: LSTMOptions,
    H: int,
    t_max: int,
    generator: torch.Generator | None = None,
) -> None:
    """Chrono initialisation (Tallec & Ollivier 2018, §4): b_f ~ log U(1, T_max − 1), b_i = −b_f.

    The forget gate then keeps information for a characteristic time spread over [1, T_max].
    """
    check_chrono(t_max)
    if "f" not in opts.gates:
        raise ValueError(f"chrono: expected a variant with a forget gate, got gates {opts.gates}")
    u = torch.rand(H, generator=generator, dtype=torch.float64) * (t_max - 2) + 1  # U(1, T_max−1)
    b_f = torch.log(u).to(bias_ih)
    bias_ih[_rows(opts, "f", H)] = b_f
    bias_hh[_rows(opts, "f", H)] = 0.0
    if "i" in opts.gates:
        bias_ih[_rows(opts, "i", H)] = -b_f
        bias_hh[_rows(opts, "i", H)] = 0.0


def check_chrono(t_max: object) -> float:
    """Chrono initialisation's T_max (the longest expected lag): a finite number >= 3."""
    if _finite("chrono", t_max, "the longest expected lag T_max, a finite number >= 3") < 3:
        raise ValueError(f"chrono: expected the longest expected lag T_max >= 3, got {t_max}")
    return float(t_max)


def check_bias_init(forget_bias: float | None, chrono: int | None, bias: bool) -> None:
    """The LSTM's gate-bias options (cell and layer): at most one of them, and biases to set."""
    if forget_bias is not None and chrono is not None:
        raise ArgumentError(
            f"forget_bias, chrono: expected at most one of them, got "
            f"forget_bias={forget_bias}, chrono={chrono}",
            "forget_bias",
        )
    if (forget_bias is not None or chrono is not None) and not bias:
        raise ArgumentError(
            "bias: forget_bias and chrono set gate biases; expected bias=True, got False", "bias"
        )


def lstm_biases_(
    bias_ih: Tensor | None,
    bias_hh: Tensor | None,
    opts: LSTMOptions,
    H: int,
    forget_bias: float | None,
    chrono: int | None,
) -> None:
    """The LSTM's gate biases after ``uniform_``, for one layer and direction (or one cell):
    ``forget_bias_`` or ``chrono_`` when asked (``check_bias_init`` allows at most one)."""
    if forget_bias is not None:
        forget_bias_(bias_ih, bias_hh, opts, H, forget_bias)
    if chrono is not None:
        chrono_(bias_ih, bias_hh, opts, H, chrono)


def check_forget_bias(forget_bias: object, bias: bool) -> float | None:
    """A forget-gate bias option of a cell with one forget bias (sLSTM, mLSTM): None, or a
    finite number for a layer that has biases."""
    if forget_bias is None:
        return None
    value = _finite("forget_bias", forget_bias, "a finite number or None")
    if not bias:
        raise ArgumentError("bias: forget_bias sets a bias; expected bias=True, got False", "bias")
    return value
