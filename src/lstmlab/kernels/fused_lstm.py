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

Both loops run in C++ (``csrc/lstm.cpp``: one OpenMP team for the whole sequence, each thread
owning a chunk of hidden units, see there), on CPU in float32/float64; ``kernels.select`` sends
every other call elsewhere (torch's own op or the reference recurrence).

Internal layout. The hidden units are split into chunks [j0, j1) (one per thread); the rows of
W_ih, W_hh and b are permuted so that chunk c holds rows G·j0 + k·(j1 − j0) + (j − j0) for gate k
of unit j, with the gates in the order (sigmoid gates i, f, o that have weights), g. A thread's
GEMMs then write one contiguous block of gate rows and its element-wise pass reads exactly
those; the sigmoid gates first make FGR's s_{t-1} one block per chunk. The C++ ops
permute the weight rows on the way in and their gradients back on the way out (given ``perm``);
nothing outside this module sees the internal layout.

Gates returned with ``return_gates=True`` are detached here, unless ``graph_gates`` (what the
layers ask for: ``RecurrentBase.forward`` states the contract) keeps them in the autograd graph;
a loss that uses them then gets its gradient from the reference recurrence (``recompute.vjp``).
FGR's s_{t-1} can start from a given s0 and end as s_n, so truncated BPTT over FGR continues
where the previous call stopped.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from lstmlab.cells.lstm import LSTMWeights
from lstmlab.cells.options import LSTMOptions
from lstmlab.kernels import recompute, reference, team
from lstmlab.kernels.function import positional
from lstmlab.kernels.packing import (
    Step,
    check_batch_sizes,
    final_index,
    prev_index,
    schedule,
)

__all__ = ["lstm_fused", "flags_of"]

# Bits of the ``flags`` argument of the C++ ops; the same numbers are in csrc/lstm.cpp.
HAS_I, HAS_F, HAS_O, COUPLED, G_ACT, H_ACT, PEEP, FGR = (1 << k for k in range(8))


@functools.lru_cache(maxsize=64)
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


# -------------------------------------------------------------------------------------------------
# Both halves around the loops: weight permutation, the input GEMM, and the GEMMs over all steps.


@dataclass
class _Saved:
    """What the forward hands to the backward besides tensors."""

    lay: _Layout
    batch_sizes: list[int]
    flags: int
    reverse: bool

    @functools.cached_property
    def steps(self) -> list[Step]:
        """The schedule, built when a backward needs it (FGR over sequences of unequal length):
        T Python objects, tens of µs a call."""
        return schedule(self.batch_sizes, self.reverse)


def _plan(x: Tensor, h0: Tensor, c0: Tensor, opts: LSTMOptions, batch_sizes) -> _Layout:
    """The column layout: one chunk of units per thread when a step is worth splitting."""
    H, P, G = c0.shape[1], h0.shape[1], len(opts.gates)
    chunks = tuple(team.unit_chunks(H, batch_sizes[0] * G * H * P))
    # torch.compile traces the layout's construction into constants (it ignores lru_cache).
    make = _Layout.make if torch.compiler.is_compiling() else _layout
    return make(opts, H, chunks, x.device)


def _forward(x, h0, c0, s0, w: LSTMWeights, opts, batch_sizes, reverse, lay: _Layout, save):
    """The whole forward; returns out, h_n, c_n, FGR's s_n (B, S·H) (empty without FGR), the
    feature-major A (G·H, N), C (H, N) and M (H, N) (empty unless saved; FGR always saves A)."""
    flags = flags_of(opts)
    w_gr = s0_int = None
    if opts.gate_recurrence:
        w_gr = w.weight_gr.index_select(0, lay.sperm).index_select(1, lay.sperm)  # (S·H, S·H)
        s0_int = s0.index_select(1, lay.sperm) if s0 is not None else None  # (B, S·H)
    save = save or opts.gate_recurrence  # s_n is read from A
    # The op takes W_ih, W_hh, b_ih, b_hh in torch's rows and permutes them by lay.perm.
    out, AT, CT, MT, h_n, c_n = torch.ops.lstmlab.lstm_forward(
        x, h0, c0, w.weight_ih, w.weight_hh, w.bias_ih, w.bias_hh, lay.perm, w.weight_hr,
        w.weight_peep, w_gr, s0_int, batch_sizes, lay.chunks, flags, reverse, save,
    )  # fmt: skip
    s_n = AT.new_empty(0)
    if opts.gate_recurrence:
        last = torch.tensor(final_index(schedule(batch_sizes, reverse), h0.shape[0]))
        s_int = AT.index_select(0, lay.sig_cols).index_select(1, last.to(AT.device)).t()
        s_n = s_int.index_select(1, lay.sinv)  # (B, S·H), torch's order [i, f, o]
    return out, h_n, c_n, s_n, AT, CT, MT


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
    prev = torch.cat([rows, init]).index_select(0, prev_index(info.steps, N, d.device))
    return d.t() @ prev


class _LSTMFunction(torch.autograd.Function):
    """The fused forward and its hand-written backward (BPTT, Werbos 1990). Saved for the
    backward: the gate activations A (G·H, N), the cell states C (H, N), the outputs, m_t with a
    projection (M (H, N)), and the inputs themselves (``save_for_backward`` checks their versions,
    so a weight changed in place before the backward raises as it does in torch.nn); c_{t-1} and
    h_{t-1} are read back from C and the outputs. Forward and ``setup_context`` are apart, as
    ``torch.func`` needs. Under ``create_graph=True``, or when a loss uses the gates (A, C are
    differentiable outputs with ``graph_gates``), the backward is ``recompute.vjp`` through the
    reference recurrence: exact, and paid only then."""

    @staticmethod
    @positional
    def forward(*inputs):
        x, h0, c0, s0, w_ih, w_hh, b_ih, b_hh, w_hr, w_peep, w_gr, opts, bs, rev, lay, _ = inputs
        w = LSTMWeights(w_ih, w_hh, b_ih, b_hh, w_hr, w_peep, w_gr)
        return _forward(x, h0, c0, s0, w, opts, bs, rev, lay, save=True)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, h0, c0, s0, *weights, opts, bs, rev, lay, graph_gates = inputs
        out, _, _, s_n, AT, CT, MT = output
        ctx.info = _Saved(lay, bs, flags_of(opts), rev)
        ctx.opts = opts
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(x, h0, c0, s0, *weights, AT, CT, out, MT)
        fixed = [MT, *(() if graph_gates else (AT, CT)), *(() if opts.gate_recurrence else (s_n,))]
        ctx.mark_non_differentiable(*fixed)  # one call: a second one replaces the first

    @staticmethod
    def backward(ctx, d_out, d_hn, d_cn, d_sn, d_A, d_C, _dM):
        x, h0, c0, s0, *w, AT, CT, out, MT = ctx.saved_tensors
        info: _Saved = ctx.info
        need = ctx.needs_input_grad
        inputs, grads = [x, h0, c0, s0, *w], [d_out, d_hn, d_cn, d_sn, d_A, d_C]
        if d_A is not None or d_C is not None or recompute.wants_graph(*inputs, *grads):
            fn = functools.partial(_reference_outputs, ctx.opts, info)
            return (*recompute.vjp(fn, inputs, need[:11], grads), *[None] * 5)
        with torch.no_grad():
            return (*_backward(info, need, x, h0, c0, s0, LSTMWeights(*w), AT, CT, out, MT,
                               d_out, d_hn, d_cn, d_sn), *[None] * 5)  # fmt: skip


def _reference_outputs(opts: LSTMOptions, info: _Saved, x, h0, c0, s0, *w) -> tuple:
    """The Function's differentiable outputs computed by the reference recurrence: out, h_n,
    c_n, s_n and the gates as A (G·H, N) in the internal rows and C (H, N)."""
    fgr = opts.gate_recurrence
    state = (h0, c0, s0 if s0 is not None else _zero_s(c0, opts)) if fgr else (h0, c0)
    call = reference.Call(x, info.batch_sizes, state, LSTMWeights(*w), info.reverse, True)
    out, h, c, g, *s_n = reference.lstm_reference(call, opts)
    A = torch.cat([g[k] for k in opts.gates], dim=1).t().index_select(0, info.lay.perm)
    return out, h, c, (s_n[0] if fgr else out.new_empty(0)), A, g["c"].t()


def _zero_s(c0: Tensor, opts: LSTMOptions) -> Tensor:
    return c0.new_zeros(c0.shape[0], len(opts.sigmoid_gates) * c0.shape[1])  # (B, S·H)


def _backward(
    info: _Saved, need, x, h0, c0, s0, w: LSTMWeights, AT, CT, out, MT, d_out, d_hn, d_cn, d_sn
):
    """The hand-written backward: gradients of x, h0, c0, s0 and the seven weights (None for
    what is not needed)."""
    lay = info.lay
    w_gr = s0_int = d_sn_int = None
    if w.weight_gr is not None:
        w_gr = w.weight_gr.index_select(0, lay.sperm).index_select(1, lay.sperm)  # (S·H, S·H)
        s0_int = s0.index_select(1, lay.sperm) if s0 is not None else None  # (B, S·H)
        d_sn_int = d_sn.index_select(1, lay.sperm) if d_sn is not None else None
    w_hr, w_peep = w.weight_hr, w.weight_peep
    fgr = w_gr is not None and need[10]
    # The op permutes W_ih, W_hh by lay.perm and returns their gradients (and b_ih's and b_hh's,
    # one value twice: they enter as their sum) in torch's rows; dZT stays in the internal rows.
    grads = torch.ops.lstmlab.lstm_backward(
        x, out, h0, AT, CT, c0, w.weight_ih, w.weight_hh, lay.perm, w_hr, w_peep, w_gr, d_out,
        d_hn, d_cn, d_sn_int, info.batch_sizes, lay.chunks, info.flags, info.reverse, need[0], fgr,
    )  # fmt: skip
    dx, dw_ih, dw_hh, db_ih, db_hh, dh0, dc0, dpeep, dZT, dHT, ds0 = grads
    dw_hr = dHT @ MT.t() if w_hr is not None and need[8] else None  # (P, H)
    dw_gr = None
    if fgr:
        # dR = Σ dz_sig ⊗ s_prev, s_prev the previous step's sigmoid activations (s0 at a row's
        # first step): the same "previous rows" product as dW_hh, with s0 as init.
        s_rows = AT.index_select(0, lay.sig_cols).t()  # (N, S·H), chunked-sig order
        dz_sig = dZT.index_select(0, lay.sig_cols).t()
        init = s0_int if s0_int is not None else s_rows.new_zeros(h0.shape[0], s_rows.shape[1])
        dw_gr = _prev_product(dz_sig, s_rows, init, info)
        dw_gr = dw_gr.index_select(0, lay.sinv).index_select(1, lay.sinv)  # (S·H, S·H)
    d_s0 = ds0.index_select(1, lay.sinv) if w_gr is not None and need[3] else None
    d_peep = dpeep if w_peep is not None and need[9] else None
    return (dx if need[0] else None, dh0 if need[1] else None, dc0 if need[2] else None, d_s0,
            dw_ih if need[4] else None, dw_hh if need[5] else None, db_ih if need[6] else None,
            db_hh if need[7] else None, dw_hr, d_peep, dw_gr)  # fmt: skip


def _gate_table(
    AT: Tensor, CT: Tensor, out: Tensor, lay: _Layout, opts: LSTMOptions, graph: bool
) -> dict[str, Tensor]:
    """The reference's gate read-out, (N, H) each, from the internal rows of A (G·H, N); with
    ``graph`` they stay in the autograd graph (A, C are then differentiable outputs)."""
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
    return table | {"c": C, "h": out if graph else out.detach()}


def lstm_fused(call: reference.Call, opts: LSTMOptions, *, graph_gates: bool = False) -> tuple:
    """``reference.lstm_reference``, fused: x (N, I) packed, state (h0 (B, P), c0 (B, H)[, s0])
    → out (N, P), h_n (B, P), c_n (B, H) and, with ``return_gates``, the gates (N, H) each:
    detached, or part of the autograd graph with ``graph_gates`` (what the layers ask for). FGR:
    with s0 (B, S·H) in the state, the previous sigmoid activations at the start (zeros
    otherwise), s_n (B, S·H) is returned fifth."""
    x, batch_sizes, (h0, c0, *given), w, reverse, return_gates = call
    bs = check_batch_sizes(batch_sizes, x.shape[0], h0.shape[0])
    h0, c0 = h0.contiguous(), c0.contiguous()
    carry = bool(given) and opts.gate_recurrence
    s0 = given[0].contiguous() if carry else None
    lay = _plan(x, h0, c0, opts, bs)
    tensors = (x, h0, c0, s0, *w)
    needs_grad = torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors)
    graph = needs_grad and graph_gates
    if needs_grad:
        out, h_n, c_n, s_n, A, C, _ = _LSTMFunction.apply(
            x, h0, c0, s0, *w, opts, bs, reverse, lay, graph
        )
    else:
        with torch.no_grad() if torch.is_grad_enabled() else contextlib.nullcontext():
            out, h_n, c_n, s_n, A, C, _ = _forward(
                x, h0, c0, s0, w, opts, bs, reverse, lay, save=return_gates
            )
    gates = _gate_table(A, C, out, lay, opts, graph) if return_gates else None
    return (out, h_n, c_n, gates, s_n) if carry else (out, h_n, c_n, gates)
