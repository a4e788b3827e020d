"""Sequence kernels: the reference recurrence and the fused one, behind one dispatch.

All kernels take sequences in the packed layout described in ``reference`` (rows (N, I), a
non-increasing ``batch_sizes`` list, one layer and one direction) and return the outputs (N, ·),
the final states and, when asked, the per-step gates as (N, H) tensors.

``backend``: "auto" (fused when it is built and supports the call, else reference), "fused"
(raise if it cannot be used) or "reference" (the cells step by step, autograd through the loop).
For minGRU and minLSTM the fused path is the log-space parallel scan (``minimal.min_scan``):
whole-sequence torch ops, nothing to build, so "auto" and "fused" always take it.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor

from lstmlab.cells.lstm import LSTMWeights
from lstmlab.cells.options import LSTMOptions
from lstmlab.cells.slstm import SLSTMWeights
from lstmlab.kernels import build, fused_gru_rnn, fused_lstm, fused_slstm, minimal, reference
from lstmlab.kernels.packing import check_batch_sizes

__all__ = [
    "BACKENDS",
    "lstm_sequence",
    "gru_sequence",
    "rnn_sequence",
    "slstm_sequence",
    "min_sequence",
    "check_backend",
    "check_batch_sizes",
]

BACKENDS = ("auto", "fused", "reference")


def check_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"backend: expected one of {BACKENDS}, got {backend!r}")
    return backend


def _fused(backend: str, fn):
    """The fused function ``fn`` when the call should use it, else None."""
    if backend == "reference":
        return None
    if build.available():
        return fn
    if backend == "fused":
        raise RuntimeError(
            f"backend: 'fused' was asked for but the fused kernels are unavailable "
            f"({build.failure()}); use backend='auto' or 'reference', or run `lstmlab build`"
        )
    return None


def lstm_sequence(
    x: Tensor,
    batch_sizes: Sequence[int],
    h0: Tensor,
    c0: Tensor,
    w: LSTMWeights,
    opts: LSTMOptions,
    *,
    reverse: bool = False,
    return_gates: bool = False,
    backend: str = "auto",
) -> tuple[Tensor, Tensor, Tensor, dict[str, Tensor] | None]:
    """x (N, I) packed, h0 (B, P), c0 (B, H) → out (N, P), h (B, P), c (B, H), gates (N, H)."""
    batch_sizes = check_batch_sizes(batch_sizes, x.shape[0], h0.shape[0])
    fused = _fused(backend, fused_lstm.lstm_fused)
    if fused is not None:
        return fused(x, batch_sizes, h0, c0, w, opts, reverse, return_gates)
    return reference.lstm_reference(x, batch_sizes, h0, c0, w, opts, reverse, return_gates)


def gru_sequence(
    x: Tensor,
    batch_sizes: Sequence[int],
    h0: Tensor,
    weights: Sequence[Tensor | None],
    reset_after: bool = True,
    *,
    reverse: bool = False,
    return_gates: bool = False,
    backend: str = "auto",
) -> tuple[Tensor, Tensor, dict[str, Tensor] | None]:
    """x (N, I), h0 (B, H), weights (W_ih, W_hh, b_ih, b_hh) → out (N, H), h (B, H), gates."""
    batch_sizes = check_batch_sizes(batch_sizes, x.shape[0], h0.shape[0])
    fused = _fused(backend, fused_gru_rnn.gru_fused)
    if fused is not None:
        return fused(x, batch_sizes, h0, weights, reset_after, reverse, return_gates)
    return reference.gru_reference(x, batch_sizes, h0, weights, reset_after, reverse, return_gates)


def rnn_sequence(
    x: Tensor,
    batch_sizes: Sequence[int],
    h0: Tensor,
    weights: Sequence[Tensor | None],
    nonlinearity: str = "tanh",
    *,
    reverse: bool = False,
    return_gates: bool = False,
    backend: str = "auto",
) -> tuple[Tensor, Tensor, dict[str, Tensor] | None]:
    """x (N, I), h0 (B, H), weights (W_ih, W_hh, b_ih, b_hh) → out (N, H), h (B, H), gates."""
    batch_sizes = check_batch_sizes(batch_sizes, x.shape[0], h0.shape[0])
    fused = _fused(backend, fused_gru_rnn.rnn_fused)
    if fused is not None:
        return fused(x, batch_sizes, h0, weights, nonlinearity, reverse, return_gates)
    return reference.rnn_reference(x, batch_sizes, h0, weights, nonlinearity, reverse, return_gates)


def min_sequence(
    cell: str,
    x: Tensor,
    batch_sizes: Sequence[int],
    h0: Tensor,
    weights: Sequence[Tensor | None],
    *,
    reverse: bool = False,
    return_gates: bool = False,
    backend: str = "auto",
) -> tuple[Tensor, Tensor, dict[str, Tensor] | None]:
    """cell "min_gru" / "min_lstm": x (N, I), h0 (B, H), weights (W_ih, b_ih) → out (N, H),
    h (B, H), gates. "reference" runs the steps one by one, "auto"/"fused" the parallel scan."""
    batch_sizes = check_batch_sizes(batch_sizes, x.shape[0], h0.shape[0])
    run = minimal.min_sequential if backend == "reference" else minimal.min_scan
    return run(cell, x, batch_sizes, h0, weights, reverse, return_gates)


def slstm_sequence(
    x: Tensor,
    batch_sizes: Sequence[int],
    state: tuple[Tensor, Tensor, Tensor, Tensor],
    w: SLSTMWeights,
    forget_gate: str = "sigmoid",
    *,
    reverse: bool = False,
    return_gates: bool = False,
    backend: str = "auto",
) -> tuple[Tensor, tuple[Tensor, ...], dict[str, Tensor] | None]:
    """x (N, I), state (h, c, n, m) each (B, H) → out (N, H), final (h, c, n, m), gates (N, H)."""
    batch_sizes = check_batch_sizes(batch_sizes, x.shape[0], state[0].shape[0])
    fused = _fused(backend, fused_slstm.slstm_fused)
    if fused is not None and fused_slstm.supports(x, state, w):
        return fused(x, batch_sizes, state, w, forget_gate, reverse, return_gates)
    if backend == "fused":
        raise RuntimeError(
            f"backend: 'fused' was asked for but the fused sLSTM takes CPU float32/float64 only, "
            f"got {x.device.type} {x.dtype}; use backend='auto' or 'reference'"
        )
    return reference.slstm_reference(x, batch_sizes, state, w, forget_gate, reverse, return_gates)
