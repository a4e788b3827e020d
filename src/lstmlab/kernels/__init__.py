"""Sequence kernels: the reference recurrence, lstmlab's fused kernels and torch's own op, behind
one dispatch.

All kernels take one ``reference.Call``: sequences in the packed layout described in
``reference`` (rows (N, I), a non-increasing ``batch_sizes`` list, one layer and one direction),
the initial state, the weights, the direction and whether the gates are read out, with the cell's
own options beside it; they return the outputs (N, ·), the final states and, when asked, the
per-step gates as (N, H) tensors. The functions below are their public face: each checks the
layout, builds the call and hands it to the kernel the rule below picks.

Which kernel runs a call is decided by ``select`` alone, with one rule (README "Speed"):

1. ``backend="reference"`` → the reference recurrence (the cells step by step, autograd
   through the loop);
2. ``backend="auto"``, CPU, float32, a vanilla LSTM without projection or ``return_gates`` on
   sequences of one length, batch below ``ONEDNN_MAX_BATCH`` (32) → torch's own op, which is
   oneDNN's fused LSTM primitive there: at such batches it is faster than lstmlab's kernel,
   whose per-step products have one column per sequence (at the word_language_model sizes,
   B = 10 and 20, lstmlab's kernel measured 0.63–0.80 of torch.nn's speed: README "Speed");
3. CPU, float32 or float64 → lstmlab's fused C++ kernel (every LSTM variant, GRU, RNN, sLSTM;
   the gate read-out);
4. CUDA, and the call is plain torch.nn maths (vanilla LSTM with or without projection, GRU with
   reset_after=True, RNN; no ``return_gates``) → torch's own op (cuDNN) with the same weights;
5. anything else (bf16/fp16 on CPU, a variant or the gate read-out on CUDA) → the reference.

When torch's op serves a layer of several layers (rules 2 and 4), the layer makes one call of it
for the whole stack, as torch.nn does (``stack_sequence``); dropout between layers is then the
op's, which draws the same masks as the layer's own ``F.dropout`` between layers. The commonest
call, a full batch tensor with no state, asks ``choose`` first and goes to the op straight from
the tensor (``torch_op.stack`` without ``batch_sizes``), without the packed rows of the
general path.

If the C++ kernel cannot be built, rule 3 falls to the reference with a warning (the same
results, slower); ``backend="fused"`` turns every fall to the reference into an error instead,
and on CPU always runs lstmlab's own kernel (rule 2 does not apply).
For minGRU and minLSTM the fused path is the log-space parallel scan (``minimal.min_scan``):
whole-sequence torch ops, nothing to build, so "auto" and "fused" always take it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import torch
from torch import Tensor

from lstmlab.cells.lstm import LSTMWeights
from lstmlab.cells.options import VARIANTS, LSTMOptions
from lstmlab.cells.slstm import SLSTMWeights
from lstmlab.kernels import (
    build,
    fused_gru_rnn,
    fused_lstm,
    fused_slstm,
    minimal,
    reference,
    torch_op,
)
from lstmlab.kernels.packing import check_batch_sizes, one_length

__all__ = [
    "BACKENDS",
    "lstm_sequence",
    "gru_sequence",
    "hidden_sequence",
    "rnn_sequence",
    "slstm_sequence",
    "min_sequence",
    "check_backend",
    "check_batch_sizes",
    "onednn_batch",
    "select",
    "choose",
    "stack_sequence",
]

BACKENDS = ("auto", "fused", "reference")
#: The dtypes of lstmlab's fused C++ kernels (CPU only).
FUSED_DTYPES = (torch.float32, torch.float64)
#: Rule 2: below this batch a plain float32 LSTM on CPU runs oneDNN's LSTM primitive.
ONEDNN_MAX_BATCH = 32


def check_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"backend: expected one of {BACKENDS}, got {backend!r}")
    return backend


def select(
    device: torch.device | str,
    dtype: torch.dtype,
    *,
    backend: str = "auto",
    plain: bool = False,
    built: bool | None = None,
    onednn_batch: int | None = None,
) -> str:
    """The kernel for a call: "fused" (lstmlab's C++), "torch" (torch's own op) or "reference".

    ``plain``: the call is torch.nn's maths with no lstmlab-only option, so torch's op computes
    it. ``built``: whether the C++ kernel is available (default: build or load it now, only when
    rule 3 needs it). ``onednn_batch``: the batch of a call that oneDNN's LSTM primitive can run
    (see ``onednn_batch``), else None. The rule is the module docstring's; this function is all
    of it."""
    check_backend(backend)
    device = torch.device(device)
    if backend == "reference":
        return "reference"
    if (
        backend == "auto"
        and device.type == "cpu"
        and dtype == torch.float32
        and onednn_batch is not None
        and onednn_batch < ONEDNN_MAX_BATCH
    ):
        return "torch"
    if device.type == "cpu" and dtype in FUSED_DTYPES:
        if built if built is not None else build.available():
            return "fused"
        why = f"the fused kernels are unavailable ({build.failure()})"
        fix = ", or run `lstmlab build`"
    elif device.type == "cuda" and plain:
        return "torch"
    else:
        why = (
            "no fused kernel serves the call: lstmlab's take CPU float32/float64, torch's op "
            f"the plain torch.nn calls on CUDA; got {device.type} {dtype}"
            + ("" if plain else " with an lstmlab-only option")
        )
        fix = ""
    if backend == "fused":
        raise RuntimeError(
            f"backend: 'fused' was asked for but {why}; use backend='auto' or 'reference'{fix}"
        )
    return "reference"


def onednn_batch(batch_sizes: Sequence[int]) -> int | None:
    """The batch of a vanilla LSTM call (no projection) that torch's CPU op runs through
    oneDNN's fused LSTM primitive: every sequence of one length (torch passes the dense tensor
    to oneDNN, not a packed batch) and oneDNN enabled in torch; else None."""
    if not (torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled):
        return None
    return batch_sizes[0] if one_length(batch_sizes) else None


def choose(
    mode: str, x: Tensor, batch_sizes: Sequence[int], plain: bool, projected: bool, backend: str
) -> str:
    """``select`` for a call of torch.nn's ``mode`` ("LSTM", "GRU", "RNN_TANH", "RNN_RELU", or
    one of lstmlab's cells) on rows x: ``plain``, the call is torch.nn's maths with no
    lstmlab-only option; ``projected``, an LSTM with ``proj_size`` (oneDNN's has none)."""
    lstm = mode == "LSTM" and plain and not projected
    batch = onednn_batch(batch_sizes) if lstm else None
    return select(x.device, x.dtype, backend=backend, plain=plain, onednn_batch=batch)


def stack_sequence(
    mode: str,
    x: Tensor,
    batch_sizes: Sequence[int],
    states: Sequence[Tensor],
    weights: Sequence[dict[str, Tensor | None]],
    *,
    bidirectional: bool,
    dropout: float = 0.0,
    plain: bool,
    projected: bool = False,
    backend: str = "auto",
) -> tuple[Tensor, list[Tensor]] | None:
    """A whole stack of layers in one call of torch's op, as torch.nn makes it, when ``choose``
    sends the call there (rules 2 and 4): x (N, I) packed, ``states`` (L·D, B, ·) in the layer's
    ``state_names`` order, ``weights`` each layer's and direction's parameters by name,
    layer-major; ``dropout`` on the outputs of every layer but the last (training) → out
    (N, D·P) and the final states (L·D, B, ·). None when another kernel serves
    the call: the layer then runs its layers one by one (``lstm_sequence`` …). One call instead
    of one per layer and direction saves the work around each call, lstmlab's and the op's
    (README "Speed", word_language_model sizes)."""
    if not plain:  # torch's op does not compute it
        return None
    batch_sizes = check_batch_sizes(batch_sizes, x.shape[0], states[0].shape[1])
    if choose(mode, x, batch_sizes, plain, projected, backend) != "torch":
        return None
    flat = [tuple(w.get(k) for k in torch_op.WEIGHT_NAMES) for w in weights]
    return torch_op.stack(mode, x, batch_sizes, states, flat, bidirectional, dropout)


def _call(x: Tensor, batch_sizes, state, weights, reverse: bool, return_gates: bool):
    """The kernels' ``reference.Call``, its ``batch_sizes`` checked against x and the state."""
    batch_sizes = check_batch_sizes(batch_sizes, x.shape[0], state[0].shape[0])
    return reference.Call(x, batch_sizes, tuple(state), weights, reverse, return_gates)


def _layer(
    mode: str,
    call: reference.Call,
    option: Any,
    kernels: tuple[Callable[..., tuple], Callable[..., tuple]],
    plain: bool,
    projected: bool,
    backend: str,
    kernel: str | None = None,
) -> tuple:
    """One layer and direction of a cell of torch.nn's family ``mode`` on the kernel ``choose``
    picks: torch's op (``plain`` maths without the gate read-out, and the rule sends it there),
    else ``kernels`` (fused, reference), each called as ``kernel(call, option)``, ``option``
    the cell's own (``LSTMOptions``, ``reset_after``, ``nonlinearity``). ``kernel``: ``choose``'s
    pick for this call when the caller has asked it already (a layer asks once for its whole
    stack: every layer's call has the same device, dtype and batch sizes). Returns out, the
    final states, then the gates (None from torch's op)."""
    plain = plain and not call.return_gates
    if kernel is None:
        kernel = choose(mode, call.x, call.batch_sizes, plain, projected, backend)
    if kernel == "torch":
        return (*torch_op.layer(mode, call), None)
    fused, slow = kernels
    return (fused if kernel == "fused" else slow)(call, option)


# Each cell's kernels for ``_layer``: (fused, reference).
_LSTM_KERNELS = (partial(fused_lstm.lstm_fused, graph_gates=True), reference.lstm_reference)
_GRU_KERNELS = (partial(fused_gru_rnn.gru_fused, graph_gates=True), reference.gru_reference)
_RNN_KERNELS = (fused_gru_rnn.rnn_fused, reference.rnn_reference)


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
    s0: Tensor | None = None,
    kernel: str | None = None,
) -> tuple:
    """x (N, I) packed, h0 (B, P), c0 (B, H) → out (N, P), h (B, P), c (B, H), gates (N, H),
    the gates in the autograd graph on every kernel. FGR: ``s0`` (B, S·H) the previous sigmoid
    activations at the start (zeros if None); when given, s_n (B, S·H) is returned fifth.
    ``kernel``: ``choose``'s pick, when the caller has asked it (see ``_layer``)."""
    state = (h0, c0) if s0 is None else (h0, c0, s0)
    call = _call(x, batch_sizes, state, w, reverse, return_gates)
    plain, projected = opts == VARIANTS["vanilla"], w.weight_hr is not None
    return _layer("LSTM", call, opts, _LSTM_KERNELS, plain, projected, backend, kernel)


def hidden_sequence(
    cell: str,
    x: Tensor,
    batch_sizes: Sequence[int],
    h0: Tensor,
    weights: Sequence[Tensor | None],
    option: bool | str,
    *,
    reverse: bool = False,
    return_gates: bool = False,
    backend: str = "auto",
    kernel: str | None = None,
) -> tuple[Tensor, Tensor, dict[str, Tensor] | None]:
    """A cell whose state is h alone, ``cell`` "gru" (``option``: reset_after) or "rnn"
    (``option``: the nonlinearity, "tanh" or "relu"): x (N, I), h0 (B, H), weights (W_ih, W_hh,
    b_ih, b_hh) → out (N, H), h (B, H), gates. ``kernel``: as ``lstm_sequence``'s."""
    call = _call(x, batch_sizes, (h0,), weights, reverse, return_gates)
    if cell == "gru":
        return _layer("GRU", call, option, _GRU_KERNELS, bool(option), False, backend, kernel)
    mode = f"RNN_{str(option).upper()}"
    return _layer(mode, call, option, _RNN_KERNELS, True, False, backend, kernel)


def gru_sequence(x, batch_sizes, h0, weights, reset_after: bool = True, **how) -> tuple:
    """``hidden_sequence("gru", ...)``; ``reset_after=False`` is Cho et al.'s form."""
    return hidden_sequence("gru", x, batch_sizes, h0, weights, reset_after, **how)


def rnn_sequence(x, batch_sizes, h0, weights, nonlinearity: str = "tanh", **how) -> tuple:
    """``hidden_sequence("rnn", ...)``, the Elman RNN with tanh or relu."""
    return hidden_sequence("rnn", x, batch_sizes, h0, weights, nonlinearity, **how)


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
    run = minimal.min_sequential if backend == "reference" else minimal.min_scan
    return run(_call(x, batch_sizes, (h0,), weights, reverse, return_gates), cell)


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
    call = _call(x, batch_sizes, state, w, reverse, return_gates)
    kernel = select(x.device, x.dtype, backend=backend)  # torch has no sLSTM op
    if kernel == "fused" and fused_slstm.supports(x, state, w):
        return fused_slstm.slstm_fused(call, forget_gate)
    return reference.slstm_reference(call, forget_gate)
