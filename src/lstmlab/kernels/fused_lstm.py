"""The fused LSTM: a few GEMMs and one element-wise pass per step, over the whole sequence in
one call, with the backward pass written out by hand (backpropagation through time, Werbos 1990).

It computes exactly ``reference.lstm_reference`` (the cell's equations, ``cells.lstm.lstm_step``)
for every ``LSTMOptions``, over the same packed layout, and tests prove the two equal
(``tests/kernels/test_fused_lstm.py``). Per layer and direction, with z the gate
pre-activations (G·H of them per row), s the sigmoid activations (FGR), m = o ⊙ tanh(c):

Forward, per step t (n = batch_sizes[t] rows)
    z_t = W_ih·x_t + W_hh·h_{t-1} [+ R·s_{t-1}]          GEMMs, on the step's rows only
    f, i, g, o, c_t, m_t from z_t + b                     one fused element-wise pass
    h_t = m_t, or W_hr·m_t with a projection (Sak et al. 2014)
Backward, per step, latest first
    dz_t, dc_{t-1} from dh_t, dc_t [, ds_t]               one fused element-wise pass
    dh_{t-1} = W_hhᵀ·dz_t [ds_{t-1} = Rᵀ·dz_t], dx_t = W_ihᵀ·dz_t
    dW_ih += dz_t·x_tᵀ, dW_hh += dz_t·h_{t-1}ᵀ, db += Σ dz_t, peephole grads += Σ dz ⊙ c
    and after the loop dW_hr = Σ dh_t·m_tᵀ and dR = Σ dz_t·s_{t-1}ᵀ (one GEMM each).

On CPU in float32/float64 both loops run in C++ (``csrc/lstm.cpp``: one OpenMP team for the
whole sequence, each thread owning a chunk of hidden units, see there). Anywhere else (CUDA,
bf16, or when the extension is not built) they run here in torch operations (``_forward_torch``,
``_backward_torch``): the same algorithm and the same hand-written backward, with the input
products and the weight gradients as single GEMMs over all steps.

Internal layout. The hidden units are split into chunks [j0, j1) (one per thread); the rows of
W_ih, W_hh and b are permuted so that chunk c holds rows G·j0 + k·(j1 − j0) + (j − j0) for gate k
of unit j, with the gates in the order (sigmoid gates i, f, o that have weights), g. A thread's
GEMMs then write one contiguous block of gate rows and its element-wise pass reads exactly
those; the sigmoid gates first make FGR's s_{t-1} one block per chunk. Weight rows are permuted
on the way in and their gradients back on the way out; nothing outside this module sees it.

Gates returned with ``return_gates=True`` are detached: the fused path differentiates the
outputs and the final states only (``h`` is the output itself, also detached in the table).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from lstmlab.cells.lstm import LSTMWeights
from lstmlab.cells.options import LSTMOptions
from lstmlab.kernels import recompute, reference
from lstmlab.kernels.packing import check_batch_sizes

__all__ = ["lstm_fused", "flags_of", "chunk_bounds"]

# Bits of the ``flags`` argument of the C++ ops; the same numbers are in csrc/lstm.cpp.
HAS_I, HAS_F, HAS_O, COUPLED, G_ACT, H_ACT, PEEP, FGR = (1 << k for k in range(8))

#: Per-step multiply-adds of the recurrent product (B·G·H·P) below which one thread runs the
#: sequence: a team and a barrier per step cost more than they save on tiny problems (B=32, H=64
#: gains from two threads; the test sizes do not).
PARALLEL_MIN_MACS = 1 << 17
#: Chunk boundaries are multiples of this many units: one AVX-512 register of floats.
CHUNK_ALIGN = 16


def flags_of(opts: LSTMOptions) -> int:
    """The option bits the C++ kernel reads (projection is told by the presence of W_hr)."""
    bits = [
        (opts.input_gate and not opts.coupled, HAS_I),
        (opts.forget_gate, HAS_F),
        (opts.output_gate, HAS_O),
        (opts.coupled, COUPLED),
        (opts.input_activation, G_ACT),
        (opts.output_activation, H_ACT),
        (opts.peephole, PEEP),
        (opts.gate_recurrence, FGR),
    ]
    return sum(bit for on, bit in bits if on)


def chunk_bounds(H: int, parts: int) -> list[int]:
    """Split H units into at most ``parts`` chunks with boundaries on CHUNK_ALIGN: [0, …, H]."""
    parts = max(1, min(parts, H // CHUNK_ALIGN))
    if parts == 1:
        return [0, H]
    step = -(-H // parts)  # ceil
    step = -(-step // CHUNK_ALIGN) * CHUNK_ALIGN
    return sorted({min(H, k * step) for k in range(parts)} | {H})


@dataclass(frozen=True)
class _Layout:
    """Where each gate of each unit lives in the kernel's columns (see the module docstring)."""

    order: tuple[str, ...]  # internal gate order: sigmoid gates, then "g"
    H: int
    chunks: tuple[int, ...]  # unit boundaries [0, …, H]
    perm: Tensor  # (G·H,) internal column → row of the torch-ordered weights
    inv: Tensor  # (G·H,) inverse of perm
    sig_cols: Tensor  # (S·H,) internal columns of the sigmoid gates, chunked-sig order
    sperm: Tensor  # (S·H,) chunked-sig index → row of the FGR matrix R (gate-major)
    sinv: Tensor  # (S·H,) inverse of sperm

    @staticmethod
    def make(opts: LSTMOptions, H: int, chunks: Sequence[int], device: torch.device) -> _Layout:
        order = (*opts.sigmoid_gates, "g")
        G = len(order)
        torch_row = {k: opts.gates.index(k) for k in order}
        perm, sig_cols, sperm = [], [], []
        for j0, j1 in itertools.pairwise(chunks):
            for k_int, k in enumerate(order):
                perm += [torch_row[k] * H + j for j in range(j0, j1)]
                if k != "g":
                    sig_cols += [G * j0 + k_int * (j1 - j0) + (j - j0) for j in range(j0, j1)]
                    sperm += [k_int * H + j for j in range(j0, j1)]

        def index(v: list[int]) -> Tensor:
            return torch.tensor(v, dtype=torch.long, device=device)

        def inverse(v: list[int]) -> Tensor:
            return torch.argsort(index(v))

        return _Layout(
            order,
            H,
            tuple(chunks),
            index(perm),
            inverse(perm),
            index(sig_cols),
            index(sperm),
            inverse(sperm),
        )


@dataclass(frozen=True)
class _Step:
    """One step of the schedule, in processing order (reversed time for ``reverse``)."""

    off: int  # first packed row of the step
    n: int  # rows of the step (batch_sizes[t])
    off_prev: int  # first packed row of the step processed before (−1 for the first)
    m: int  # rows 0..m continue from that step; rows m..n start from (h0, c0)


def _schedule(batch_sizes: Sequence[int], reverse: bool) -> list[_Step]:
    offsets = [0, *itertools.accumulate(batch_sizes)]
    ts = range(len(batch_sizes) - 1, -1, -1) if reverse else range(len(batch_sizes))
    steps, prev = [], None
    for t in ts:
        n = batch_sizes[t]
        m = 0 if prev is None else min(batch_sizes[prev], n)
        steps.append(_Step(offsets[t], n, -1 if prev is None else offsets[prev], m))
        prev = t
    return steps


def _prev_index(steps: list[_Step], N: int, device: torch.device) -> Tensor:
    """(N,) for each packed row, the row holding its previous state in ``cat([rows, init])``:
    the same sequence's row at the step processed before, or N + r when row r starts there."""
    idx = [0] * N
    for s in steps:
        idx[s.off : s.off + s.n] = [s.off_prev + r for r in range(s.m)] + [
            N + r for r in range(s.m, s.n)
        ]
    return torch.tensor(idx, dtype=torch.long, device=device)


def _final_index(steps: list[_Step], B: int) -> list[int]:
    """(B,) the packed row of each sequence's last processed step (its final state)."""
    last = [0] * B
    for s in steps:
        last[: s.n] = range(s.off, s.off + s.n)
    return last


# -------------------------------------------------------------------------------------------------
# The two recurrent loops in torch operations: the fallback for other devices and dtypes, with
# the same arguments and results as torch.ops.lstmlab.lstm_forward / lstm_backward. They use the
# one-chunk layout (gate blocks of H columns, sigmoid gates first), so R needs no permutation.


def _prev_rows(buf: Tensor, init: Tensor, s: _Step) -> Tensor:
    """The previous state of the step's rows: (n, F) from ``buf`` rows and/or ``init``."""
    if s.m == s.n:
        return buf[s.off_prev : s.off_prev + s.n]
    if s.m == 0:
        return init[: s.n]
    return torch.cat([buf[s.off_prev : s.off_prev + s.m], init[s.m : s.n]])


def _unpack_flags(flags: int) -> tuple[tuple[str, ...], bool, bool, bool, bool, bool]:
    order = tuple(k for k, bit in (("i", HAS_I), ("f", HAS_F), ("o", HAS_O)) if flags & bit)
    return (
        (*order, "g"),
        bool(flags & COUPLED),
        bool(flags & G_ACT),
        bool(flags & H_ACT),
        bool(flags & PEEP),
        bool(flags & FGR),
    )


def _forward_torch(
    x, h0, c0, w_ih, w_hh, bias, w_hr, w_peep, w_gr, batch_sizes, chunks, flags, reverse, save
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    order, coupled, g_act, h_act, peep, fgr = _unpack_flags(flags)
    N, (B, P), H = x.shape[0], h0.shape, c0.shape[1]
    Z = x @ w_ih.t()  # (N, G·H): the input products of every step at once
    S = len(order) - 1
    col = {k: slice(q * H, (q + 1) * H) for q, k in enumerate(order)}
    p = dict(zip(order[:S], w_peep, strict=True)) if peep else {}
    out = Z.new_empty(N, P)
    C = Z.new_empty(N, H)  # (N, H) c_t; kept whole here even without ``save``
    M = Z.new_empty(N, H) if w_hr is not None else Z.new_empty(0)
    if bias is not None:
        Z += bias  # (N, G·H)
    steps = _schedule(batch_sizes, reverse)
    for s in steps:
        rows = slice(s.off, s.off + s.n)
        c_prev = _prev_rows(C, c0, s)  # (n, H)
        z = torch.addmm(Z[rows], _prev_rows(out, h0, s), w_hh.t())  # (n, G·H)
        if fgr and s.m:
            z[: s.m, : S * H] += Z[s.off_prev : s.off_prev + s.m, : S * H] @ w_gr.t()
        if fgr and s.m < s.n:  # rows that start: R·s_{-1}, s_{-1} = 0 (NaN where R is not finite)
            z[s.m :, : S * H] += z.new_zeros(s.n - s.m, S * H) @ w_gr.t()

        def pre(k: str, c_: Tensor, z=z) -> Tensor:
            return z[:, col[k]] + p[k] * c_ if k in p else z[:, col[k]]

        a = {k: torch.sigmoid(pre(k, c_prev)) for k in ("i", "f") if k in col}
        if coupled:
            a["i"] = 1 - a["f"]
        a["g"] = torch.tanh(z[:, col["g"]]) if g_act else z[:, col["g"]]
        c = a["i"] * a["g"] if "i" in a else a["g"]
        c = c + (a["f"] * c_prev if "f" in a else c_prev)
        if "o" in col:
            a["o"] = torch.sigmoid(pre("o", c))
        m = torch.tanh(c) if h_act else c
        m = a["o"] * m if "o" in a else m
        for k in order:
            Z[rows, col[k]] = a[k]
        C[rows] = c
        if w_hr is not None:
            M[rows] = m
            out[rows] = m @ w_hr.t()
        else:
            out[rows] = m
    last = torch.tensor(_final_index(steps, B), device=Z.device)
    # Feature-major views, as the C++ op returns them: A (G·H, N), C (H, N), M (H, N).
    return out, Z.t(), C.t(), M.t(), out[last], C[last]


def _backward_torch(
    x, out, h0, AT, CT, c0, w_ih, w_hh, w_hr, w_peep, w_gr, d_out, d_hn, d_cn, batch_sizes,
    chunks, flags, reverse, need_dx, keep_dz,
) -> list[Tensor]:  # fmt: skip
    order, coupled, g_act, h_act, peep, fgr = _unpack_flags(flags)
    A, C = AT.t(), CT.t()  # (N, G·H), (N, H)
    N, (B, H), P = A.shape[0], c0.shape, w_hh.shape[1]
    S = len(order) - 1
    col = {k: slice(q * H, (q + 1) * H) for q, k in enumerate(order)}
    p = dict(zip(order[:S], w_peep, strict=True)) if peep else {}
    dZ = torch.empty_like(A)  # (N, G·H)
    dH = A.new_empty(N, P) if w_hr is not None else A.new_empty(0)
    dh_rec = d_hn.clone() if d_hn is not None else A.new_zeros(B, P)  # (B, P)
    dc_rec = d_cn.clone() if d_cn is not None else A.new_zeros(B, H)  # (B, H)
    ds_rec = A.new_zeros(B, S * H)  # (B, S·H), FGR only
    dpeep = A.new_zeros(S, H) if peep else A.new_empty(0)
    steps = _schedule(batch_sizes, reverse)
    for s in reversed(steps):
        rows = slice(s.off, s.off + s.n)
        dh = dh_rec[: s.n] + d_out[rows] if d_out is not None else dh_rec[: s.n]  # (n, P)
        if w_hr is not None:
            dH[rows] = dh
            dh = dh @ w_hr  # (n, H)
        a = {k: A[rows, col[k]] for k in order}
        if coupled:
            a["i"] = 1 - a["f"]
        c, c_prev = C[rows], _prev_rows(C, c0, s)
        ds = {k: ds_rec[: s.n, col[k]] for k in order[:S]} if fgr else {}
        th = torch.tanh(c) if h_act else c
        dz = {}
        dc = dc_rec[: s.n] + (dh * a["o"] if "o" in a else dh) * ((1 - th * th) if h_act else 1)
        if "o" in a:
            dz["o"] = (dh * th + ds.get("o", 0)) * (1 - a["o"]) * a["o"]
            if "o" in p:
                dc = dc + dz["o"] * p["o"]
        di = dc * a["g"]
        if "f" in col:
            df = dc * c_prev + ds.get("f", 0) - (di if coupled else 0)
            dz["f"] = df * (1 - a["f"]) * a["f"]
        if "i" in col:
            dz["i"] = (di + ds.get("i", 0)) * (1 - a["i"]) * a["i"]
        dg = dc * a["i"] if "i" in a else dc
        dz["g"] = dg * (1 - a["g"] * a["g"]) if g_act else dg
        dc_prev = dc * a["f"] if "f" in a else dc
        for k in ("i", "f"):
            if k in p:
                dc_prev = dc_prev + dz[k] * p[k]
        for q, k in enumerate(order[:S]):
            if k in p:
                dpeep[q] += (dz[k] * (c if k == "o" else c_prev)).sum(0)
        dZ[rows] = torch.cat([dz[k] for k in order], dim=1)
        dc_rec[: s.n] = dc_prev
        dh_rec[: s.n] = dZ[rows] @ w_hh
        if fgr and s.m:
            ds_rec[: s.m] = dZ[s.off : s.off + s.m, : S * H] @ w_gr
    # The products over all steps at once (the C++ op accumulates them step by step).
    dx = dZ @ w_ih if need_dx else dZ.new_empty(0)  # (N, I)
    h_prev = torch.cat([out, h0]).index_select(0, _prev_index(steps, N, x.device))  # (N, P)
    empty = dZ.new_empty(0)
    return [dx, dZ.t() @ x, dZ.t() @ h_prev, dZ.sum(0), dh_rec, dc_rec, dpeep,
            dZ.t() if keep_dz else empty, dH.t() if w_hr is not None else empty]  # fmt: skip


def _loops(cpp: bool):
    if cpp:
        return torch.ops.lstmlab.lstm_forward, torch.ops.lstmlab.lstm_backward
    return _forward_torch, _backward_torch


def _use_cpp(x: Tensor) -> bool:
    """The C++ loops serve CPU float32/float64 when the extension is built."""
    if x.device.type != "cpu" or x.dtype not in (torch.float32, torch.float64):
        return False
    from lstmlab.kernels import build

    return build.available()


# -------------------------------------------------------------------------------------------------
# Both halves around the loops: weight permutation, the input GEMM, and the GEMMs over all steps.


@dataclass
class _Saved:
    """What the forward hands to the backward besides tensors."""

    lay: _Layout
    steps: list[_Step]
    batch_sizes: list[int]
    flags: int
    reverse: bool
    cpp: bool


def _plan(x: Tensor, h0: Tensor, c0: Tensor, opts: LSTMOptions, batch_sizes, cpp) -> _Layout:
    """The column layout: one chunk of units per thread when a step is worth splitting."""
    H, P, G = c0.shape[1], h0.shape[1], len(opts.gates)
    parts = 1
    if cpp and batch_sizes[0] * G * H * P >= PARALLEL_MIN_MACS:
        parts = torch.get_num_threads()
    # torch.compile traces the layout's construction into constants (it ignores lru_cache).
    make = _Layout.make if torch.compiler.is_compiling() else _layout
    return make(opts, H, tuple(chunk_bounds(H, parts)), x.device)


def _forward(x, h0, c0, w: LSTMWeights, opts, batch_sizes, reverse, cpp, lay: _Layout, save):
    """The whole forward; returns out, h_n, c_n, the feature-major A (G·H, N), C (H, N) and
    M (H, N) (empty unless saved), and the weights in the internal layout."""
    flags = flags_of(opts)
    w_ih = w.weight_ih.index_select(0, lay.perm)  # (G·H, I), internal rows
    w_hh = w.weight_hh.index_select(0, lay.perm)  # (G·H, P)
    w_gr = None
    if opts.gate_recurrence:
        w_gr = w.weight_gr.index_select(0, lay.sperm).index_select(1, lay.sperm)  # (S·H, S·H)
    b = None
    if w.bias_ih is not None:
        b = (w.bias_ih + w.bias_hh).index_select(0, lay.perm)  # (G·H,), added in the loop
    forward_loop, _ = _loops(cpp)
    out, AT, CT, MT, h_n, c_n = forward_loop(
        x, h0, c0, w_ih, w_hh, b, w.weight_hr, w.weight_peep, w_gr, batch_sizes, lay.chunks,
        flags, reverse, save,
    )  # fmt: skip
    return out, h_n, c_n, AT, CT, MT, (w_ih, w_hh, w_gr)


@functools.lru_cache(maxsize=64)
def _layout(opts: LSTMOptions, H: int, chunks: tuple[int, ...], device: torch.device) -> _Layout:
    return _Layout.make(opts, H, chunks, device)


def _prev_product(d: Tensor, rows: Tensor, init: Tensor, info: _Saved) -> Tensor:
    """Σ_t d_tᵀ·prev_t over all steps, prev_t the previous state of step t's rows (from ``rows``
    at the step before, or ``init``). d (N, K) → (K, F). Full batches need no gather."""
    bs, N, B = info.batch_sizes, d.shape[0], init.shape[0]
    if all(b == B for b in bs):
        if N == B:
            return d.t() @ init
        first, rest = (slice(N - B, N), slice(0, N - B)) if info.reverse else (
            slice(0, B), slice(B, N)
        )  # fmt: skip
        shifted = slice(B, N) if info.reverse else slice(0, N - B)
        return torch.addmm(d[first].t() @ init, d[rest].t(), rows[shifted])
    prev = torch.cat([rows, init]).index_select(0, _prev_index(info.steps, N, d.device))
    return d.t() @ prev


class _LSTMFunction(torch.autograd.Function):
    """The fused forward and its hand-written backward (BPTT, Werbos 1990). Saved for the
    backward: the gate activations A (G·H, N), the cell states C (H, N), the outputs, m_t with a
    projection (M (H, N)), and the inputs themselves (``save_for_backward`` checks their versions,
    so a weight changed in place before the backward raises as it does in torch.nn); c_{t-1} and
    h_{t-1} are read back from C and the outputs. Forward and ``setup_context`` are apart, as
    ``torch.func`` needs. Under ``create_graph=True`` the backward is ``recompute.vjp`` through
    the reference recurrence, so second derivatives are exact."""

    @staticmethod
    def forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, w_peep, w_gr, opts, bs, rev, cpp, lay):
        w = LSTMWeights(w_ih, w_hh, b_ih, b_hh, w_hr, w_peep, w_gr)
        out, h_n, c_n, AT, CT, MT, _ = _forward(x, h0, c0, w, opts, bs, rev, cpp, lay, save=True)
        return out, h_n, c_n, AT, CT, MT

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, h0, c0, *weights, opts, bs, rev, cpp, lay = inputs
        out, _, _, AT, CT, MT = output
        ctx.info = _Saved(lay, _schedule(bs, rev), bs, flags_of(opts), rev, cpp)
        ctx.opts = opts
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(x, h0, c0, *weights, AT, CT, out, MT)
        ctx.mark_non_differentiable(AT, CT, MT)

    @staticmethod
    def backward(ctx, d_out, d_hn, d_cn, _dA, _dC, _dM):
        x, h0, c0, *w, AT, CT, out, MT = ctx.saved_tensors
        info: _Saved = ctx.info
        need = ctx.needs_input_grad
        if recompute.wants_graph(x, h0, c0, *w, d_out, d_hn, d_cn):
            grads = recompute.vjp(
                lambda x, h0, c0, *w: reference.lstm_reference(
                    x, info.batch_sizes, h0, c0, LSTMWeights(*w), ctx.opts, info.reverse
                )[:3],
                [x, h0, c0, *w],
                need[:10],
                [d_out, d_hn, d_cn],
            )
            return (*grads, *[None] * 5)
        with torch.no_grad():
            return (*_backward(info, need, x, h0, c0, LSTMWeights(*w), AT, CT, out, MT,
                               d_out, d_hn, d_cn), *[None] * 5)  # fmt: skip


def _backward(info: _Saved, need, x, h0, c0, w: LSTMWeights, AT, CT, out, MT, d_out, d_hn, d_cn):
    """The hand-written backward: gradients of x, h0, c0 and the seven weights (None for what
    is not needed)."""
    lay = info.lay
    w_ih = w.weight_ih.index_select(0, lay.perm)  # (G·H, I), internal rows
    w_hh = w.weight_hh.index_select(0, lay.perm)  # (G·H, P)
    w_gr = None
    if w.weight_gr is not None:
        w_gr = w.weight_gr.index_select(0, lay.sperm).index_select(1, lay.sperm)  # (S·H, S·H)
    w_hr, w_peep = w.weight_hr, w.weight_peep
    fgr = w_gr is not None and need[9]
    _, backward_loop = _loops(info.cpp)
    dx, dw_ih, dw_hh, db, dh0, dc0, dpeep, dZT, dHT = backward_loop(
        x, out, h0, AT, CT, c0, w_ih, w_hh, w_hr, w_peep, w_gr, d_out, d_hn, d_cn,
        info.batch_sizes, lay.chunks, info.flags, info.reverse, need[0], fgr,
    )  # fmt: skip
    # Rows back from the internal layout to torch's gate order.
    dw_ih = dw_ih.index_select(0, lay.inv)  # (G·H, I)
    dw_hh = dw_hh.index_select(0, lay.inv)  # (G·H, P)
    db = db.index_select(0, lay.inv) if need[5] or need[6] else None  # (G·H,)
    dw_hr = dHT @ MT.t() if w_hr is not None and need[7] else None  # (P, H)
    dw_gr = None
    if fgr:
        # dR = Σ dz_sig ⊗ s_prev, s_prev the previous step's sigmoid activations (0 at a
        # row's first step): the same "previous rows" product as dW_hh, with zeros as init.
        s_rows = AT.index_select(0, lay.sig_cols).t()  # (N, S·H), chunked-sig order
        dz_sig = dZT.index_select(0, lay.sig_cols).t()
        zero = s_rows.new_zeros(h0.shape[0], s_rows.shape[1])
        dw_gr = _prev_product(dz_sig, s_rows, zero, info)
        dw_gr = dw_gr.index_select(0, lay.sinv).index_select(1, lay.sinv)  # (S·H, S·H)
    d_peep = dpeep if w_peep is not None and need[8] else None
    # b_ih and b_hh enter as their sum: each gets its own tensor (autograd may keep it as .grad).
    db_hh = db.clone() if db is not None and need[6] else None
    return (dx if need[0] else None, dh0 if need[1] else None, dc0 if need[2] else None,
            dw_ih if need[3] else None, dw_hh if need[4] else None, db if need[5] else None,
            db_hh, dw_hr, d_peep, dw_gr)  # fmt: skip


def _gate_table(
    AT: Tensor, CT: Tensor, out: Tensor, lay: _Layout, opts: LSTMOptions
) -> dict[str, Tensor]:
    """The reference's gate read-out, (N, H) each, from the internal rows of A (G·H, N)."""
    H = lay.H
    table = {}
    for k in ("f", "i", "g", "o"):
        if k in opts.gates:
            q = opts.gates.index(k)
            table[k] = AT.index_select(0, lay.inv[q * H : (q + 1) * H]).t().contiguous()
    if opts.coupled:
        table["i"] = 1 - table["f"]
    C = CT.t().contiguous()  # (N, H)
    for k in ("f", "i", "o"):
        table.setdefault(k, torch.ones_like(C))
    table = {k: table[k] for k in ("f", "i", "g", "o")}
    return table | {"c": C, "h": out.detach()}


def lstm_fused(
    x: Tensor,
    batch_sizes: Sequence[int],
    h0: Tensor,
    c0: Tensor,
    w: LSTMWeights,
    opts: LSTMOptions,
    reverse: bool = False,
    return_gates: bool = False,
) -> tuple[Tensor, Tensor, Tensor, dict[str, Tensor] | None]:
    """``reference.lstm_reference``, fused: x (N, I) packed, h0 (B, P), c0 (B, H) → out (N, P),
    h_n (B, P), c_n (B, H) and, with ``return_gates``, the detached gates (N, H) each."""
    bs = check_batch_sizes(batch_sizes, x.shape[0], h0.shape[0])
    cpp = _use_cpp(x)
    h0, c0 = h0.contiguous(), c0.contiguous()
    lay = _plan(x, h0, c0, opts, bs, cpp)
    tensors = (x, h0, c0, *w)
    needs_grad = torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors)
    if needs_grad:
        out, h_n, c_n, A, C, _ = _LSTMFunction.apply(x, h0, c0, *w, opts, bs, reverse, cpp, lay)
    else:
        with torch.no_grad():
            out, h_n, c_n, A, C, _, _ = _forward(
                x, h0, c0, w, opts, bs, reverse, cpp, lay, save=return_gates
            )
    gates = _gate_table(A, C, out, lay, opts) if return_gates else None
    return out, h_n, c_n, gates
