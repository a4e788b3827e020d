"""Fused GRU and Elman RNN over packed sequences, with hand-derived backward passes.

``gru_fused`` and ``rnn_fused`` have the signatures and results of ``reference.gru_reference``
and ``reference.rnn_reference`` (tests/kernels/test_fused_gru_rnn.py proves them equal). Each is an
``autograd.Function`` whose forward and backward call four kernels:

- ``torch.ops.lstmlab.{gru,rnn}_{forward,backward}``, the C++ of ``csrc/gru_rnn.cpp``, for CPU
  float32 and float64;
- ``TorchKernels``, their pure-PyTorch twin (same algorithm, same hand-written backward, torch ops
  instead of fused loops), for every other device and dtype — this is the path CUDA takes.

The algorithm (see ``csrc/gru_rnn.cpp`` for the per-kernel equations): one GEMM for the input
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

from collections.abc import Sequence
from itertools import accumulate

import torch
import torch.nn.functional as F
from torch import Tensor

from lstmlab.kernels import build, recompute, reference
from lstmlab.kernels.packing import check_batch_sizes

__all__ = ["gru_fused", "rnn_fused", "TorchKernels"]

Weights = Sequence[Tensor | None]  # W_ih, W_hh, b_ih or None, b_hh or None


def _native(x: Tensor, *tensors: Tensor | None) -> bool:
    """True when the C++ kernels take this call: CPU, float32 or float64 throughout, built."""
    return (
        x.device.type == "cpu"
        and x.dtype in (torch.float32, torch.float64)
        and all(t is None or (t.device == x.device and t.dtype == x.dtype) for t in tensors)
        and build.available()
    )


def _kernels(x: Tensor, *tensors: Tensor | None):
    return torch.ops.lstmlab if _native(x, *tensors) else TorchKernels


def _zeros_if_none(grad: Tensor | None, like: Tensor) -> Tensor:
    """The gradient of an output the loss did not use is None (materialize_grads off)."""
    return torch.zeros_like(like) if grad is None else grad


def _needs_graph(*tensors: Tensor | None) -> bool:
    return torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors)


# -- public functions ------------------------------------------------------------------------------
def gru_fused(
    x: Tensor,
    batch_sizes: Sequence[int],
    h0: Tensor,
    weights: Weights,
    reset_after: bool = True,
    reverse: bool = False,
    return_gates: bool = False,
) -> tuple[Tensor, Tensor, dict[str, Tensor] | None]:
    """x (N, I) packed, h0 (B, H), weights (W_ih (3H, I), W_hh (3H, H), b_ih, b_hh (3H,))
    → out (N, H), h_n (B, H), gates {"r", "z", "n", "h"} (N, H) or None."""
    w_ih, w_hh, b_ih, b_hh = weights
    bs = check_batch_sizes(batch_sizes, x.shape[0], h0.shape[0])
    save = return_gates or _needs_graph(x, h0, *weights)
    out, h, gates = _GRU.apply(x, h0, w_ih, w_hh, b_ih, b_hh, bs, reset_after, reverse, save)
    if not return_gates:
        return out, h, None
    H = h.shape[1]
    r, z, n = (gates[:, k * H : (k + 1) * H] for k in range(3))  # (N, H) views of (N, 4H)
    return out, h, {"r": r, "z": z, "n": n, "h": out}


def rnn_fused(
    x: Tensor,
    batch_sizes: Sequence[int],
    h0: Tensor,
    weights: Weights,
    nonlinearity: str = "tanh",
    reverse: bool = False,
    return_gates: bool = False,
) -> tuple[Tensor, Tensor, dict[str, Tensor] | None]:
    """x (N, I) packed, h0 (B, H), weights (W_ih (H, I), W_hh (H, H), b_ih, b_hh (H,))
    → out (N, H), h_n (B, H), {"h": out} or None."""
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity: expected 'tanh' or 'relu', got {nonlinearity!r}")
    w_ih, w_hh, b_ih, b_hh = weights
    relu = nonlinearity == "relu"
    bs = check_batch_sizes(batch_sizes, x.shape[0], h0.shape[0])
    out, h = _RNN.apply(x, h0, w_ih, w_hh, b_ih, b_hh, bs, relu, reverse)
    return out, h, ({"h": out} if return_gates else None)


# -- autograd ------------------------------------------------------------------------------------
class _GRU(torch.autograd.Function):
    """The fused GRU. Every input the backward reads is saved with ``save_for_backward`` (so an
    in-place change before the backward raises, as in torch.nn); under ``create_graph=True`` the
    backward is ``recompute.vjp`` through the reference recurrence (exact second derivatives)."""

    @staticmethod
    def forward(x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, reset_after, reverse, save):
        kernels = _kernels(x, h0, w_ih, w_hh, b_ih, b_hh)
        return kernels.gru_forward(
            x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, reset_after, reverse, save
        )  # (N, H), (B, H), (N, 4H) or empty

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, reset_after, reverse, _ = inputs
        out, _, gates = output
        ctx.mark_non_differentiable(gates)
        ctx.set_materialize_grads(False)  # no (N, 4H) zeros for the gates' gradient
        ctx.save_for_backward(x, h0, w_ih, w_hh, b_ih, b_hh, out, gates)
        ctx.kernels = _kernels(x, h0, w_ih, w_hh, b_ih, b_hh)
        ctx.args = (batch_sizes, reset_after, reverse)

    @staticmethod
    def backward(ctx, d_out, d_h, _d_gates):
        x, h0, w_ih, w_hh, b_ih, b_hh, out, gates = ctx.saved_tensors
        need = ctx.needs_input_grad
        batch_sizes, reset_after, reverse = ctx.args
        if recompute.wants_graph(x, h0, w_ih, w_hh, b_ih, b_hh, d_out, d_h):
            grads = recompute.vjp(
                lambda x, h0, *w: reference.gru_reference(
                    x, batch_sizes, h0, w, reset_after, reverse
                )[:2],
                [x, h0, w_ih, w_hh, b_ih, b_hh],
                need[:6],
                [d_out, d_h],
            )
            return (*grads, *([None] * 4))
        d_out, d_h = _zeros_if_none(d_out, out), _zeros_if_none(d_h, h0)
        dx, dh0, dw_ih, dw_hh, db_ih, db_hh = ctx.kernels.gru_backward(
            d_out, d_h, x, h0, w_ih, w_hh, out, gates, *ctx.args, need[0], any(need[2:6])
        )
        return (
            dx if need[0] else None,
            dh0 if need[1] else None,
            dw_ih if need[2] else None,
            dw_hh if need[3] else None,
            db_ih if need[4] else None,
            db_hh if need[5] else None,
            *([None] * 4),
        )


class _RNN(torch.autograd.Function):
    """The fused Elman RNN; saved inputs and double backward as ``_GRU``."""

    @staticmethod
    def forward(x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, relu, reverse):
        kernels = _kernels(x, h0, w_ih, w_hh, b_ih, b_hh)
        return kernels.rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, relu, reverse)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, relu, reverse = inputs
        out, _ = output
        ctx.save_for_backward(x, h0, w_ih, w_hh, b_ih, b_hh, out)
        ctx.kernels = _kernels(x, h0, w_ih, w_hh, b_ih, b_hh)
        ctx.args = (batch_sizes, relu, reverse)

    @staticmethod
    def backward(ctx, d_out, d_h):
        x, h0, w_ih, w_hh, b_ih, b_hh, out = ctx.saved_tensors
        need = ctx.needs_input_grad
        batch_sizes, relu, reverse = ctx.args
        if recompute.wants_graph(x, h0, w_ih, w_hh, b_ih, b_hh, d_out, d_h):
            nonlinearity = "relu" if relu else "tanh"
            grads = recompute.vjp(
                lambda x, h0, *w: reference.rnn_reference(
                    x, batch_sizes, h0, w, nonlinearity, reverse
                )[:2],
                [x, h0, w_ih, w_hh, b_ih, b_hh],
                need[:6],
                [d_out, d_h],
            )
            return (*grads, *([None] * 3))
        dx, dh0, dw_ih, dw_hh, db = ctx.kernels.rnn_backward(
            d_out, d_h, x, h0, w_ih, w_hh, out, *ctx.args, need[0], any(need[2:6])
        )
        # db_ih = db_hh; each parameter gets its own tensor (autograd may keep it as .grad).
        return (
            dx if need[0] else None,
            dh0 if need[1] else None,
            dw_ih if need[2] else None,
            dw_hh if need[3] else None,
            db if need[4] else None,
            db.clone() if need[5] else None,
            *([None] * 3),
        )


# -- the pure-PyTorch twin of csrc/gru_rnn.cpp ---------------------------------------------------
class _Steps:
    """The packed layout: step t's rows are [off[t], off[t] + n[t]); ``order`` is the order
    the steps run in (T-1 … 0 in reverse)."""

    def __init__(self, batch_sizes: list[int], reverse: bool) -> None:
        self.n = batch_sizes
        self.off = [0, *accumulate(batch_sizes)]
        self.T = len(batch_sizes)
        self.reverse = reverse
        self.order = range(self.T - 1, -1, -1) if reverse else range(self.T)

    def rows(self, t: int) -> slice:
        return slice(self.off[t], self.off[t + 1])

    def prev(self, t: int, out: Tensor, h0: Tensor) -> Tensor:
        """h_{t-1} of step t's rows (n_t, H): the previous step's output rows, or h0 for rows
        whose sequence starts here."""
        n = self.n[t]
        before = t + 1 if self.reverse else t - 1
        if not 0 <= before < self.T:
            return h0[:n]
        m = min(n, self.n[before])  # rows continuing from the step before
        o = out[self.off[before] : self.off[before] + m]
        return o if m == n else torch.cat([o, h0[m:n]])

    def final(self, out: Tensor) -> Tensor:
        """Each row's state after its last step, (B, H)."""
        if self.reverse:
            return out[: self.n[0]].clone()
        ends = [self.n[t] - (self.n[t + 1] if t + 1 < self.T else 0) for t in range(self.T)]
        return torch.cat(
            [out[self.off[t + 1] - k : self.off[t + 1]] for t, k in reversed(list(enumerate(ends)))]
        )


class TorchKernels:
    """``torch.ops.lstmlab.{gru,rnn}_{forward,backward}`` in torch ops: same arguments, results
    and algorithm as csrc/gru_rnn.cpp, for devices and dtypes the C++ does not take."""

    @staticmethod
    def gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, reset_after, reverse, save):
        s, H = _Steps(batch_sizes, reverse), h0.shape[1]
        a = F.linear(x, w_ih, b_ih)  # (N, 3H)
        b_hn = None
        if b_hh is not None:
            a[:, : 2 * H] += b_hh[: 2 * H]  # the hidden biases of r, z add to the input ones
            b_hn = b_hh[2 * H :]
        out = x.new_empty(x.shape[0], H)  # (N, H)
        gates = x.new_empty(x.shape[0] if save else 0, 4 * H)  # [r, z, n, hn | r ⊙ h_{t-1}]
        for t in s.order:
            rows, hp = s.rows(t), s.prev(t, out, h0)  # hp (n, H)
            a_r, a_z, a_n = a[rows].chunk(3, 1)
            if reset_after:
                g_r, g_z, g_n = (hp @ w_hh.T).chunk(3, 1)
                fourth = g_n if b_hn is None else g_n + b_hn  # hn
            else:
                g_r, g_z = (hp @ w_hh[: 2 * H].T).chunk(2, 1)
            r, z = torch.sigmoid(a_r + g_r), torch.sigmoid(a_z + g_z)
            if reset_after:
                n = torch.tanh(a_n + r * fourth)
            else:
                fourth = r * hp  # rh
                n = torch.tanh(a_n + F.linear(fourth, w_hh[2 * H :], b_hn))
            out[rows] = n + z * (hp - n)
            if save:
                gates[rows] = torch.cat([r, z, n, fourth], 1)
        return out, s.final(out), gates

    @staticmethod
    def gru_backward(
        d_out, d_h, x, h0, w_ih, w_hh, out, gates, batch_sizes, reset_after, reverse, need_x, need_w
    ):
        s, H = _Steps(batch_sizes, reverse), h0.shape[1]
        hp_all = torch.cat([s.prev(t, out, h0) for t in range(s.T)])  # (N, H)
        carry = d_h.clone()  # dL/dh of the state, (B, H)
        d = x.new_empty(x.shape[0], (4 if reset_after else 3) * H)  # per-row pre-act grads
        # reset_after: W' = [W_hn; W_hr; W_hz] matches d's columns [dhn, da_r, da_z]
        w_p = torch.cat([w_hh[2 * H :], w_hh[: 2 * H]]) if reset_after else None
        for t in reversed(s.order):
            rows, n_t = s.rows(t), s.n[t]
            dh, hp = d_out[rows] + carry[:n_t], hp_all[rows]
            r, z, n, fourth = gates[rows].chunk(4, 1)
            # dh·(1 − z) as torch's autograd sums it for (h − n)·z + n (they differ at dh = ±inf)
            da_n = (dh - dh * z) * (1 - n * n)
            da_z = dh * (hp - n) * (1 - z) * z
            if reset_after:
                d[rows] = torch.cat([da_n * r, da_n * fourth * (1 - r) * r, da_z, da_n], 1)
                carry[:n_t] = dh * z + d[rows, : 3 * H] @ w_p
            else:
                drh = da_n @ w_hh[2 * H :]  # the gradient reaching r ⊙ h_{t-1}
                d[rows] = torch.cat([drh * hp * (1 - r) * r, da_z, da_n], 1)
                carry[:n_t] = dh * z + drh * r + d[rows, : 2 * H] @ w_hh[: 2 * H]
        d_in = d[:, H:] if reset_after else d  # (N, 3H), rows r, z, n of W_ih
        dx = d_in @ w_ih if need_x else None
        if not need_w:
            return dx, carry, None, None, None, None
        dw_ih = d_in.T @ x
        if reset_after:  # d[:, :3H] is the gradient of h_{t-1}·[W_hn; W_hr; W_hz]ᵀ
            dw_p = d[:, : 3 * H].T @ hp_all
            dw_hh = torch.cat([dw_p[H:], dw_p[:H]])
        else:
            dw_hh = torch.cat([d[:, : 2 * H].T @ hp_all, d[:, 2 * H :].T @ gates[:, 3 * H :]])
        colsum = d.sum(0)
        db_ih = colsum[H:] if reset_after else colsum
        db_hh = torch.cat([colsum[H : 3 * H], colsum[:H]]) if reset_after else colsum.clone()
        return dx, carry, dw_ih, dw_hh, db_ih, db_hh

    @staticmethod
    def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, relu, reverse):
        s = _Steps(batch_sizes, reverse)
        out = F.linear(x, w_ih, b_ih)  # (N, H): a_t, becoming h_t step by step
        if b_hh is not None:
            out += b_hh
        act = torch.relu if relu else torch.tanh
        for t in s.order:
            rows = s.rows(t)
            out[rows] = act(out[rows] + s.prev(t, out, h0) @ w_hh.T)
        return out, s.final(out)

    @staticmethod
    def rnn_backward(
        d_out, d_h, x, h0, w_ih, w_hh, out, batch_sizes, relu, reverse, need_x, need_w
    ):
        s = _Steps(batch_sizes, reverse)
        carry = d_h.clone()  # (B, H)
        d = torch.empty_like(out)  # da of every row, (N, H)
        for t in reversed(s.order):
            rows, n_t = s.rows(t), s.n[t]
            dh, h = d_out[rows] + carry[:n_t], out[rows]
            # relu' as torch's threshold_backward: 0 where h ≤ 0, else 1 (also at h = NaN)
            d[rows] = dh.masked_fill(h <= 0, 0) if relu else dh * (1 - h * h)
            carry[:n_t] = d[rows] @ w_hh
        dx = d @ w_ih if need_x else None
        if not need_w:
            return dx, carry, None, None, None
        hp_all = torch.cat([s.prev(t, out, h0) for t in range(s.T)])  # (N, H)
        return dx, carry, d.T @ x, d.T @ hp_all, d.sum(0)
