"""minGRU and minLSTM over a packed sequence, in their two modes (tested equal):

- ``min_sequential``: the cell's step function one step at a time (``reference.recurrence``),
  autograd through the loop — the reference, like every other cell's.
- ``min_scan``: every step at once. The gates read x_t only, so the per-step coefficients of
  h_t = a_t ⊙ h_{t-1} + b_t come from one matrix product over all N rows, and ``log_scan``
  (Heinsen 2023) does the recurrence. This is these cells' fused path: a few whole-sequence
  tensor ops whose backward autograd derives, so no C++ kernel of their own.

Both take a ``reference.Call`` (state (h0,), weights (W_ih, b_ih)) and ``cell`` = "min_gru" or
"min_lstm", and return out (N, H), the final h (B, H) and, when asked, the gates as (N, H)
tensors: z, h_tilde, h (minGRU) or the normalised f, i, then h_tilde, h (minLSTM).
"""

from __future__ import annotations

from functools import partial

from torch import Tensor

from lstmlab.cells.minimal import (
    min_gru_gates,
    min_gru_log_coefficients,
    min_gru_step,
    min_lstm_gates,
    min_lstm_log_coefficients,
    min_lstm_step,
)
from lstmlab.kernels.reference import Call, gate_table, h_recurrence
from lstmlab.kernels.scan import Schedule, log_scan

__all__ = ["CELLS", "min_sequential", "min_scan"]

#: cell name → (step, gates, log coefficients, names of the gates returned before h)
CELLS = {
    "min_gru": (min_gru_step, min_gru_gates, min_gru_log_coefficients, ("z", "h_tilde")),
    "min_lstm": (min_lstm_step, min_lstm_gates, min_lstm_log_coefficients, ("f", "i", "h_tilde")),
}


def min_sequential(call: Call, cell: str) -> tuple[Tensor, Tensor, dict[str, Tensor] | None]:
    x, batch_sizes, (h0,), weights, reverse, return_gates = call
    step, _, _, names = CELLS[cell]
    records, out, h = h_recurrence(partial(step, *weights), x, batch_sizes, h0, reverse)
    if not return_gates:
        return out, h, None
    return out, h, gate_table(records, names) | {"h": out}


def min_scan(call: Call, cell: str) -> tuple[Tensor, Tensor, dict[str, Tensor] | None]:
    x, batch_sizes, (h0,), weights, reverse, return_gates = call
    _, gates_fn, coefficients, names = CELLS[cell]
    grid = Schedule(batch_sizes)
    log_a, log_b = coefficients(*weights, x)  # 2 × (N, H)
    log_a, log_b = grid.pad(log_a), grid.pad(log_b)  # 2 × (T, B, H)
    if reverse:
        log_a, log_b = grid.reverse(log_a), grid.reverse(log_b)
    h = log_scan(log_a, log_b, h0)  # (T, B, H)
    h_n = grid.last(h)  # (B, H)
    if reverse:
        h = grid.reverse(h)
    out = grid.unpad(h)  # (N, H)
    if not return_gates:
        return out, h_n, None
    gates = dict(zip(names, gates_fn(*weights, x), strict=True))  # each (N, H)
    return out, h_n, gates | {"h": out}
