"""The fused sLSTM: ``reference.slstm_reference`` in one C++ call per direction and pass, with
the backward pass derived by hand (``csrc/slstm.cpp`` holds the kernels and the derivation).

It computes exactly the reference recurrence (the cell's equations, ``cells.slstm.slstm_step``),
and ``tests/kernels/test_fused_slstm.py`` proves the two equal, values and gradients. CPU,
float32 and float64 only (``supports``); the dispatch in ``kernels/__init__.py`` sends every
other call to the reference.

Gradients are those of the reference's autograd: the stabiliser m' carries none (the state
(c, n, m) stands for c·e^m, n·e^m, and h does not depend on m'), so the final m is returned
non-differentiable, and the initial m_0 receives its gradient through the first step's f'.
Gates returned with ``return_gates=True`` are detached (``h`` is the output itself), as for the
fused LSTM; under ``create_graph=True`` the backward re-runs the reference (``recompute``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from lstmlab.cells.slstm import SLSTMWeights
from lstmlab.kernels import build, recompute, reference
from lstmlab.kernels.function import positional
from lstmlab.kernels.packing import check_batch_sizes

__all__ = ["slstm_fused", "supports"]

#: Slots of a head's block in the saved gates (csrc/slstm.cpp): i', f', z, o, then two that
#: only the backward reads.
SLOTS = 6


def supports(x: Tensor, state: Sequence[Tensor], w: SLSTMWeights) -> bool:
    """True when the C++ kernel takes this call: CPU, float32 or float64 throughout."""
    tensors = [*state, *(t for t in w if t is not None)]
    return (
        x.device.type == "cpu"
        and x.dtype in (torch.float32, torch.float64)
        and all(t.device == x.device and t.dtype == x.dtype for t in tensors)
    )


def slstm_fused(
    call: reference.Call, forget_gate: str = "sigmoid"
) -> tuple[Tensor, tuple[Tensor, ...], dict[str, Tensor] | None]:
    """state (h, c, n, m) each (B, H), weights ``SLSTMWeights`` → out (N, H), final
    (h, c, n, m), gates (N, H) detached, or None."""
    x, batch_sizes, state, w, reverse, return_gates = call
    if forget_gate not in ("sigmoid", "exp"):
        raise ValueError(f"forget_gate: expected 'sigmoid' or 'exp', got {forget_gate!r}")
    if not build.available():
        raise RuntimeError(f"the fused kernels are unavailable: {build.failure()}")
    if not supports(x, state, w):
        raise ValueError(
            f"x: expected CPU float32 or float64 with the state and weights alike, got "
            f"{x.device.type} {x.dtype}"
        )
    h0, c0, n0, m0 = state
    bs = check_batch_sizes(batch_sizes, x.shape[0], h0.shape[0])
    save = return_gates or recompute.wants_graph(x, *state, *w)
    exp_forget = forget_gate == "exp"
    out, h, c, n, m, G, C, Nn, M = _SLSTM.apply(
        x, h0, c0, n0, m0, *w, bs, exp_forget, reverse, save
    )
    if not return_gates:
        return out, (h, c, n, m), None
    N, H = out.shape
    heads = H // w.weight_hh.shape[1]
    slots = G.view(N, heads, SLOTS, H // heads)  # (N, heads, slot, d)
    gates = {k: slots[:, :, q].reshape(N, H) for q, k in enumerate("ifzo")}
    gates.update(c=C, n=Nn, m=M, h=out.detach())
    return out, (h, c, n, m), gates


class _SLSTM(torch.autograd.Function):
    """The fused sLSTM. Every input the backward reads is saved with ``save_for_backward`` (an
    in-place change before the backward raises, as in torch.nn)."""

    @staticmethod
    @positional
    def forward(*inputs):
        x, h0, c0, n0, m0, w_ih, w_hh, bias, batch_sizes, exp_forget, reverse, save = inputs
        return torch.ops.lstmlab.slstm_forward(
            x, h0, c0, n0, m0, w_ih, w_hh, bias, batch_sizes, exp_forget, reverse, save
        )  # out (N, H), h, c, n, m (B, H), G (N, 6H), C, Nn, M (N, H) or empty

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, h0, c0, n0, m0, w_ih, w_hh, bias, batch_sizes, exp_forget, reverse, _ = inputs
        out, _, _, _, m, G, C, Nn, M = output
        ctx.mark_non_differentiable(m, G, C, Nn, M)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(x, h0, c0, n0, m0, w_ih, w_hh, bias, out, G, C, Nn)
        ctx.args = (batch_sizes, exp_forget, reverse)

    @staticmethod
    def backward(ctx, d_out, d_h, d_c, d_n, *_):
        x, h0, c0, n0, m0, w_ih, w_hh, bias, out, G, C, Nn = ctx.saved_tensors
        need = ctx.needs_input_grad
        batch_sizes, exp_forget, reverse = ctx.args
        if d_out is None and d_h is None and d_c is None and d_n is None:
            return (None,) * 12
        if recompute.wants_graph(x, h0, c0, n0, m0, w_ih, w_hh, bias, d_out, d_h, d_c, d_n):
            forget_gate = "exp" if exp_forget else "sigmoid"

            def run(x, h0, c0, n0, m0, *w):
                call = reference.Call(x, batch_sizes, (h0, c0, n0, m0), SLSTMWeights(*w), reverse)
                out, (h, c, n, _), _ = reference.slstm_reference(call, forget_gate)
                return out, h, c, n

            grads = recompute.vjp(
                run, [x, h0, c0, n0, m0, w_ih, w_hh, bias], need[:8], [d_out, d_h, d_c, d_n]
            )
            return (*grads, *([None] * 4))
        d_out = recompute.zeros_if_none(d_out, out)
        d_h, d_c, d_n = (recompute.zeros_if_none(g, h0) for g in (d_h, d_c, d_n))
        dx, dh0, dc0, dn0, dm0, dw_ih, dw_hh, db = torch.ops.lstmlab.slstm_backward(
            d_out, d_h, d_c, d_n, x, h0, c0, n0, w_ih, w_hh, out, G, C, Nn, batch_sizes,
            exp_forget, reverse, need[0], any(need[5:8]),
        )  # fmt: skip
        grads = (dx, dh0, dc0, dn0, dm0, dw_ih, dw_hh, db)
        return (*recompute.asked(need, grads), *([None] * 4))
