"""Cells as modules, drop-in for torch.nn.LSTMCell/GRUCell/RNNCell: one step, parameters named
``weight_ih, weight_hh, bias_ih, bias_hh`` (+ ``weight_hr, weight_peep, weight_gr``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import torch
from torch import Tensor, nn

from lstmlab.cells.gru import gru_shapes, gru_step
from lstmlab.cells.init import check_bias_init, lstm_biases_, uniform_
from lstmlab.cells.lstm import LSTMWeights, lstm_shapes, lstm_step, sigmoid_state
from lstmlab.cells.options import (
    LSTMOptions,
    options_from_state,
    options_to_state,
    resolve_variant,
)
from lstmlab.cells.rnn import check_nonlinearity, rnn_shapes, rnn_step
from lstmlab.checks import check_flag, check_int, check_proj_size, check_shape, check_tensor

__all__ = ["LSTMCell", "GRUCell", "RNNCell"]


class _Cell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, shapes: dict, device, dtype) -> None:
        super().__init__()
        self.input_size = check_int("input_size", input_size, 1)
        self.hidden_size = check_int("hidden_size", hidden_size, 1)
        for name, shape in shapes.items():
            self.register_parameter(
                name, nn.Parameter(torch.empty(shape, device=device, dtype=dtype))
            )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        uniform_(list(self.parameters()), self.hidden_size)

    def _input(self, x: Tensor) -> tuple[Tensor, bool]:
        check_tensor("input", x, self.weight_ih)
        if x.dim() not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"input: expected shape (B, {self.input_size}) or "
                f"({self.input_size},), got {tuple(x.shape)}"
            )
        return (x, True) if x.dim() == 2 else (x.unsqueeze(0), False)

    def _state(self, name: str, s: Tensor | None, batch: int, size: int, batched: bool) -> Tensor:
        if s is None:
            return self.weight_ih.new_zeros(batch, size)
        check_tensor(name, s, self.weight_ih)
        check_shape(name, s, (batch, size) if batched else (size,))
        return s if batched else s.unsqueeze(0)

    def _weight(self, name: str) -> Tensor | None:
        return getattr(self, name, None)

    def _h_step(self, input: Tensor, hx: Tensor | None, step: Callable[..., Any]) -> Tensor:
        """One step of a cell whose state is h alone: ``step(W_ih, W_hh, b_ih, b_hh, x, h)``."""
        x, batched = self._input(input)
        h = self._state("hx", hx, x.shape[0], self.hidden_size, batched)
        w = (self.weight_ih, self.weight_hh, self._weight("bias_ih"), self._weight("bias_hh"))
        h = step(*w, x, h).h
        return h if batched else h.squeeze(0)


class LSTMCell(_Cell):
    """One LSTM step with every option of the family (see ``lstmlab.LSTM`` for the equations and
    the variant names). ``cell(x, (h, c)) -> (h', c')`` like torch.nn.LSTMCell; with gate
    recurrence (FGR) the state is ``(h, c, s)``, s = the previous [i, f, o] (zeros if omitted)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device=None,
        dtype=None,
        *,
        proj_size: int = 0,
        variant: str | LSTMOptions = "vanilla",
        forget_bias: float | None = None,
        chrono: int | None = None,
    ) -> None:
        self.options = resolve_variant(variant)
        self.proj_size = check_proj_size(proj_size, check_int("hidden_size", hidden_size, 1))
        check_bias_init(forget_bias, chrono, bias)
        self.forget_bias, self.chrono = forget_bias, chrono
        shapes = lstm_shapes(
            self.options, input_size, hidden_size, proj_size, check_flag("bias", bias)
        )
        super().__init__(input_size, hidden_size, shapes, device, dtype)

    # A pickled cell holds only plain types, so torch.load(weights_only=True) can read it.
    def __getstate__(self) -> dict:
        return options_to_state(super().__getstate__())

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(options_from_state(state))

    def reset_parameters(self) -> None:
        super().reset_parameters()
        w = self.weights()
        lstm_biases_(
            w.bias_ih, w.bias_hh, self.options, self.hidden_size, self.forget_bias, self.chrono
        )

    def weights(self) -> LSTMWeights:
        return LSTMWeights(*(self._weight(k) for k in LSTMWeights._fields))

    def forward(self, input: Tensor, hx: tuple[Tensor, ...] | None = None) -> tuple[Tensor, ...]:
        x, batched = self._input(input)
        opts, B, H = self.options, x.shape[0], self.hidden_size
        S = len(opts.sigmoid_gates) * H if opts.gate_recurrence else 0
        if hx is not None and not isinstance(hx, tuple | list):
            raise TypeError(
                f"hx: expected a tuple (h, c){' or (h, c, s)' if S else ''}, "
                f"got {type(hx).__name__}"
            )
        hx = tuple(hx) if hx is not None else (None, None)
        if len(hx) not in (2, 3) or (len(hx) == 3 and not opts.gate_recurrence):
            raise ValueError(
                f"hx: expected (h, c){' or (h, c, s)' if S else ''}, got a tuple of {len(hx)}"
            )
        h = self._state("hx[0] (h)", hx[0], B, self.proj_size or H, batched)
        c = self._state("hx[1] (c)", hx[1], B, H, batched)
        s = self._state("hx[2] (s)", hx[2] if len(hx) == 3 else None, B, S, batched)
        y = lstm_step(opts, self.weights(), x, h, c, s)
        out = (y.h, y.c, sigmoid_state(opts, y)) if opts.gate_recurrence else (y.h, y.c)
        return out if batched else tuple(t.squeeze(0) for t in out)


class GRUCell(_Cell):
    """One GRU step, drop-in for torch.nn.GRUCell; ``reset_after=False`` is Cho et al.'s form."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device=None,
        dtype=None,
        *,
        reset_after: bool = True,
    ) -> None:
        shapes = gru_shapes(input_size, hidden_size, check_flag("bias", bias))
        self.reset_after = check_flag("reset_after", reset_after)
        super().__init__(input_size, hidden_size, shapes, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._h_step(input, hx, partial(gru_step, reset_after=self.reset_after))


class RNNCell(_Cell):
    """One Elman RNN step, drop-in for torch.nn.RNNCell."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device=None,
        dtype=None,
    ) -> None:
        self.nonlinearity = check_nonlinearity(nonlinearity)
        shapes = rnn_shapes(input_size, hidden_size, check_flag("bias", bias))
        super().__init__(input_size, hidden_size, shapes, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._h_step(input, hx, partial(rnn_step, nonlinearity=self.nonlinearity))
