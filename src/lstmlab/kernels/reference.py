"""The reference recurrence: the cells' step functions applied one step at a time, autograd
through the loop. Short and obvious on purpose; the fused kernel is tested against it.

Sequences arrive in the packed layout of ``torch.nn.utils.rnn.PackedSequence``: ``x`` is (N, I),
the rows of step t are ``x[offset_t : offset_t + batch_sizes[t]]``, and the batch is sorted by
decreasing length, so step t updates the first ``batch_sizes[t]`` rows of the state and the others
keep theirs. A full (T, B, I) batch is the case ``batch_sizes = [B] * T``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from functools import partial
from typing import Any, NamedTuple

import torch
from torch import Tensor

from lstmlab.cells.gru import gru_step
from lstmlab.cells.lstm import lstm_step, sigmoid_state
from lstmlab.cells.options import LSTMOptions
from lstmlab.cells.rnn import rnn_step
from lstmlab.cells.slstm import slstm_step
from lstmlab.kernels.packing import schedule

__all__ = [
    "Call",
    "recurrence",
    "h_recurrence",
    "gate_table",
    "StepHook",
    "stepwise",
    "lstm_reference",
    "gru_reference",
    "rnn_reference",
    "slstm_reference",
]

State = tuple[Tensor, ...]


class Call(NamedTuple):
    """One kernel call, as every kernel takes it whatever the cell (the reference functions here,
    the fused ones, ``minimal``'s; the dispatch in ``kernels`` builds it): one layer and one
    direction over the packed rows x (N, I) with their ``batch_sizes``, from the initial
    ``state`` with the cell's ``weights``, and whether the gates are read out. The state's rows
    are (B, ·) each: (h0, c0), or FGR's (h0, c0, s0), and ``LSTMWeights`` for the LSTM; (h0,)
    and (W_ih, W_hh, b_ih, b_hh) for GRU and RNN; (h0,) and (W_ih, b_ih) for minGRU and
    minLSTM; (h, c, n, m) and ``SLSTMWeights`` for the sLSTM. The cell's own options
    (``LSTMOptions``, ``reset_after``, ``nonlinearity``, ``forget_gate``, the minimal ``cell``)
    come beside it."""

    x: Tensor
    batch_sizes: Sequence[int]
    state: State
    weights: Sequence[Tensor | None]
    reverse: bool = False
    return_gates: bool = False


#: Called after every step with (t, the step's new state rows): the very tensors the next step
#: and the output read, so their ``.grad`` is the total derivative (``lstmlab.diagnostics``).
StepHook = Callable[[int, State], None]

_STEP_HOOK: ContextVar[StepHook | None] = ContextVar("lstmlab_step_hook", default=None)


@contextlib.contextmanager
def stepwise(hook: StepHook) -> Iterator[None]:
    """Give ``hook`` to every reference recurrence run inside the block (a layer's forward
    reaches ``recurrence`` through its kernel function without a hook argument of its own)."""
    token = _STEP_HOOK.set(hook)
    try:
        yield
    finally:
        _STEP_HOOK.reset(token)


def recurrence(
    step: Callable[[Tensor, State], tuple[State, tuple]],
    x: Tensor,
    batch_sizes: Sequence[int],
    state: State,
    reverse: bool = False,
    hook: StepHook | None = None,
) -> tuple[list[tuple], State]:
    """Run ``step`` over the packed sequence; returns the per-step records (in t order) and the
    final state. In reverse, a row joins when its sequence starts, from its initial state.
    ``hook`` (else the one of an enclosing ``stepwise``) sees every step's new state rows."""
    hook = hook if hook is not None else _STEP_HOOK.get()
    records: list[tuple] = [()] * len(batch_sizes)
    # One split, not a slice per step: a slice's backward writes a gradient the size of all of
    # x, so T slices cost O(T²) in backward; split's backward concatenates the step gradients.
    xs = torch.split(x, [int(n) for n in batch_sizes])
    for s in schedule(batch_sizes, reverse):
        new, records[s.t] = step(xs[s.t], tuple(v[: s.n] for v in state))
        if hook is not None:
            hook(s.t, new)
        state = tuple(torch.cat([a, v[s.n :]]) for a, v in zip(new, state, strict=True))
    return records, state


def h_recurrence(
    step: Callable[[Tensor, Tensor], Any],
    x: Tensor,
    batch_sizes: Sequence[int],
    h0: Tensor,
    reverse: bool = False,
) -> tuple[list[Any], Tensor, Tensor]:
    """``recurrence`` for a cell whose state is h alone (GRU, RNN, minGRU, minLSTM):
    ``step(x_t, h)`` returns a record with ``.h``. Returns the records, the output (N, H) and
    the final h (B, H)."""

    def h_step(x_t: Tensor, st: State) -> tuple[State, Any]:
        y = step(x_t, st[0])
        return (y.h,), y

    records, (h,) = recurrence(h_step, x, batch_sizes, (h0,), reverse)
    return records, torch.cat([r.h for r in records]), h  # (N, H), (B, H)


def gate_table(records: list[Any], names: Iterable[str]) -> dict[str, Tensor]:
    """Stack each named quantity of the records into (N, H); a constant gate (1.0) is filled."""

    def col(r: Any, k: str) -> Tensor:
        v = getattr(r, k)
        return v if isinstance(v, Tensor) else torch.full_like(r.c, v)

    return {k: torch.cat([col(r, k) for r in records]) for k in names}


def lstm_reference(call: Call, opts: LSTMOptions) -> tuple:
    """state (h0 (B, P), c0 (B, H)[, s0 (B, S·H)]), weights ``LSTMWeights`` → out (N, P), h_n,
    c_n, gates. FGR: s0 the previous sigmoid activations at the start (zeros if not in the
    state); when given, s_n is returned fifth."""
    x, batch_sizes, (h0, c0, *given), w, reverse, return_gates = call
    S, H = len(opts.sigmoid_gates), c0.shape[-1]
    carry = bool(given) and opts.gate_recurrence
    s0 = given[0] if carry else c0.new_zeros(c0.shape[0], S * H if opts.gate_recurrence else 0)

    def step(x_t: Tensor, st: State) -> tuple[State, tuple]:
        h, c, s = st
        y = lstm_step(opts, w, x_t, h, c, s if opts.gate_recurrence else None)
        return (y.h, y.c, sigmoid_state(opts, y) if opts.gate_recurrence else s), y

    records, (h, c, s) = recurrence(step, x, batch_sizes, (h0, c0, s0), reverse)
    out = torch.cat([r.h for r in records])  # (N, P)
    gates = gate_table(records, "figoch") if return_gates else None
    return (out, h, c, gates, s) if carry else (out, h, c, gates)


def gru_reference(
    call: Call, reset_after: bool = True
) -> tuple[Tensor, Tensor, dict[str, Tensor] | None]:
    """state (h0 (B, H),) → out (N, H), h_n (B, H), gates."""
    x, batch_sizes, (h0,), weights, reverse, return_gates = call
    step = partial(gru_step, *weights, reset_after=reset_after)  # step(x_t, h)
    records, out, h = h_recurrence(step, x, batch_sizes, h0, reverse)
    return out, h, (gate_table(records, "rznh") if return_gates else None)


def rnn_reference(
    call: Call, nonlinearity: str = "tanh"
) -> tuple[Tensor, Tensor, dict[str, Tensor] | None]:
    """state (h0 (B, H),) → out (N, H), h_n (B, H), {"h": out}."""
    x, batch_sizes, (h0,), weights, reverse, return_gates = call
    step = partial(rnn_step, *weights, nonlinearity=nonlinearity)  # step(x_t, h)
    _, out, h = h_recurrence(step, x, batch_sizes, h0, reverse)
    return out, h, ({"h": out} if return_gates else None)


def slstm_reference(
    call: Call, forget_gate: str = "sigmoid"
) -> tuple[Tensor, State, dict[str, Tensor] | None]:
    """state (h, c, n, m) each (B, H), weights ``SLSTMWeights`` → out (N, H), final
    (h, c, n, m), gates."""
    x, batch_sizes, state, w, reverse, return_gates = call

    def step(x_t: Tensor, st: State) -> tuple[State, tuple]:
        y = slstm_step(w, x_t, *st, forget_gate=forget_gate)
        return (y.h, y.c, y.n, y.m), y

    records, final = recurrence(step, x, batch_sizes, state, reverse)
    out = torch.cat([r.h for r in records])  # (N, H)
    return out, final, (gate_table(records, "ifzocnmh") if return_gates else None)
