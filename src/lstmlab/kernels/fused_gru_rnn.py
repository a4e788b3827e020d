"""Fused GRU and Elman RNN over packed sequences, with hand-derived backward passes.

``gru_fused`` and ``rnn_fused`` have the signatures and results of ``reference.gru_reference``
and ``reference.rnn_reference`` (tests/kernels/test_fused_gru_rnn.py proves them equal). Each is an
``autograd.Function`` whose forward and backward call ``torch.ops.lstmlab.{gru,rnn}_{forward,
backward}``, the C++ of ``csrc/gru.cpp`` and ``csrc/rnn.cpp`` (CPU, float32 and float64: the
calls ``kernels.select`` gives them).

The algorithm (see ``csrc/gru.cpp`` for the per-kernel equations): one GEMM for the input
products of all steps; per step one recurrent GEMM on the active rows (two for reset_after=False,
the second on r ⊙ h_{t-1}) and one fused element-wise pass. Saved for backward: the gates
G (N, 4H), rows [r, z, n, W_hn·h_{t-1} + b_hn] (reset_after) or [r, z, n, r ⊙ h_{t-1}], written
over the input products in place, and the outputs. Backward is BPTT derived by hand from the
cell equations: per step one element-wise pass and the GEMM(s) giving dh_{t-1}; after the loop
one GEMM each for dX, dW_ih and dW_hh over all rows, and column sums for the biases.

Gates read-out: ``gates["h"]`` is the output itself; r, z, n are detached (no gradient flows
through them) — they are a view of what backward keeps, not part of the differentiable result.
"""

from __future__ import annotations

import torch
from torch import Tensor

from lstmlab.kernels import recompute, reference, team
from lstmlab.kernels.function import positional
from lstmlab.kernels.packing import check_batch_sizes

__all__ = ["gru_fused", "rnn_fused"]


def _needs_graph(*tensors: Tensor | None) -> bool:
    return torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors)


def _chunks(h0: Tensor, w_hh: Tensor, batch_sizes: list[int]) -> list[int]:
    """The threads' unit chunks (``team.unit_chunks``) of a call: per step B · W_hh's products."""
    return team.unit_chunks(h0.shape[1], batch_sizes[0] * w_hh.numel())


# -- public functions ------------------------------------------------------------------------------
def gru_fused(
    call: reference.Call, reset_after: bool = True, *, graph_gates: bool = False
) -> tuple[Tensor, Tensor, dict[str, Tensor] | None]:
    """state (h0 (B, H),), weights (W_ih (3H, I), W_hh (3H, H), b_ih, b_hh (3H,)) → out (N, H),
    h_n (B, H), gates {"r", "z", "n", "h"} (N, H) or None: r, z, n detached, or in the autograd
    graph with ``graph_gates`` (what the layers ask for)."""
    x, batch_sizes, (h0,), weights, reverse, return_gates = call
    w_ih, w_hh, b_ih, b_hh = weights
    bs = check_batch_sizes(batch_sizes, x.shape[0], h0.shape[0])
    needs_graph = _needs_graph(x, h0, *weights)
    save = return_gates or needs_graph
    graph = graph_gates and return_gates and needs_graph
    chunks = _chunks(h0, w_hh, bs)
    args = (bs, chunks, reset_after, reverse, save, graph)
    out, h, gates = _GRU.apply(x, h0, w_ih, w_hh, b_ih, b_hh, *args)
    if not return_gates:
        return out, h, None
    H = h.shape[1]
    r, z, n = (gates[:, k * H : (k + 1) * H] for k in range(3))  # (N, H) views of (N, 4H)
    return out, h, {"r": r, "z": z, "n": n, "h": out}


def rnn_fused(
    call: reference.Call, nonlinearity: str = "tanh"
) -> tuple[Tensor, Tensor, dict[str, Tensor] | None]:
    """state (h0 (B, H),), weights (W_ih (H, I), W_hh (H, H), b_ih, b_hh (H,)) → out (N, H),
    h_n (B, H), {"h": out} or None."""
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity: expected 'tanh' or 'relu', got {nonlinearity!r}")
    x, batch_sizes, (h0,), (w_ih, w_hh, b_ih, b_hh), reverse, return_gates = call
    relu = nonlinearity == "relu"
    bs = check_batch_sizes(batch_sizes, x.shape[0], h0.shape[0])
    out, h = _RNN.apply(x, h0, w_ih, w_hh, b_ih, b_hh, bs, _chunks(h0, w_hh, bs), relu, reverse)
    return out, h, ({"h": out} if return_gates else None)


# -- autograd ------------------------------------------------------------------------------------
class _GRU(torch.autograd.Function):
    """The fused GRU. Every input the backward reads is saved with ``save_for_backward`` (so an
    in-place change before the backward raises, as in torch.nn); under ``create_graph=True`` the
    backward is ``recompute.vjp`` through the reference recurrence (exact second derivatives)."""

    @staticmethod
    @positional
    def forward(*inputs):
        x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, chunks, reset_after, reverse, save, _ = inputs
        return torch.ops.lstmlab.gru_forward(
            x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, chunks, reset_after, reverse, save
        )  # (N, H), (B, H), (N, 4H) or empty

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, chunks, reset_after, reverse, _, graph = inputs
        out, _, gates = output
        if not graph:
            ctx.mark_non_differentiable(gates)
        ctx.set_materialize_grads(False)  # no (N, 4H) zeros for the gates' gradient
        ctx.save_for_backward(x, h0, w_ih, w_hh, b_ih, b_hh, out, gates)
        ctx.args = (batch_sizes, chunks, reset_after, reverse)

    @staticmethod
    def backward(ctx, d_out, d_h, d_gates):
        x, h0, w_ih, w_hh, b_ih, b_hh, out, gates = ctx.saved_tensors
        need = ctx.needs_input_grad
        batch_sizes, _, reset_after, reverse = ctx.args
        if d_gates is not None or recompute.wants_graph(x, h0, w_ih, w_hh, b_ih, b_hh, d_out, d_h):
            # A loss of the gates (only r, z, n reach the user), or a recorded backward: the
            # reference's vector-Jacobian product, exact and differentiable.
            def run(x, h0, *w):
                call = reference.Call(x, batch_sizes, (h0,), w, reverse, True)
                out, h, g = reference.gru_reference(call, reset_after)
                return out, h, torch.cat([g["r"], g["z"], g["n"]], dim=1)  # (N, 3H)

            H = h0.shape[1]
            d_rzn = d_gates[:, : 3 * H] if d_gates is not None else None
            grads = recompute.vjp(
                run, [x, h0, w_ih, w_hh, b_ih, b_hh], need[:6], [d_out, d_h, d_rzn]
            )
            return (*grads, *([None] * 6))
        d_out, d_h = recompute.zeros_if_none(d_out, out), recompute.zeros_if_none(d_h, h0)
        dx, dh0, dw_ih, dw_hh, db_ih, db_hh = torch.ops.lstmlab.gru_backward(
            d_out, d_h, x, h0, w_ih, w_hh, out, gates, *ctx.args, need[0], any(need[2:6])
        )
        grads = (dx, dh0, dw_ih, dw_hh, db_ih, db_hh)
        return (*recompute.asked(need, grads), *([None] * 6))


class _RNN(torch.autograd.Function):
    """The fused Elman RNN; saved inputs and double backward as ``_GRU``."""

    @staticmethod
    @positional
    def forward(*inputs):
        x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, chunks, relu, reverse = inputs
        return torch.ops.lstmlab.rnn_forward(
            x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, chunks, relu, reverse
        )

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, chunks, relu, reverse = inputs
        out, _ = output
        ctx.save_for_backward(x, h0, w_ih, w_hh, b_ih, b_hh, out)
        ctx.args = (batch_sizes, chunks, relu, reverse)

    @staticmethod
    def backward(ctx, d_out, d_h):
        x, h0, w_ih, w_hh, b_ih, b_hh, out = ctx.saved_tensors
        need = ctx.needs_input_grad
        batch_sizes, _, relu, reverse = ctx.args
        if recompute.wants_graph(x, h0, w_ih, w_hh, b_ih, b_hh, d_out, d_h):
            nonlinearity = "relu" if relu else "tanh"
            grads = recompute.vjp(
                lambda x, h0, *w: reference.rnn_reference(
                    reference.Call(x, batch_sizes, (h0,), w, reverse), nonlinearity
                )[:2],
                [x, h0, w_ih, w_hh, b_ih, b_hh],
                need[:6],
                [d_out, d_h],
            )
            return (*grads, *([None] * 4))
        dx, dh0, dw_ih, dw_hh, db = torch.ops.lstmlab.rnn_backward(
            d_out, d_h, x, h0, w_ih, w_hh, out, *ctx.args, need[0], any(need[2:6])
        )
        # db_ih = db_hh; each parameter gets its own tensor (autograd may keep it as .grad).
        db_hh = db.clone() if need[5] else None
        grads = (dx, dh0, dw_ih, dw_hh, db, db_hh)
        return (*recompute.asked(need, grads), *([None] * 4))
