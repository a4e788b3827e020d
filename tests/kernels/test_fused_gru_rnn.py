"""The fused GRU / RNN kernels equal the reference recurrence, and lstmlab.GRU/RNN equal torch.nn.

Each check with the ``rule`` fixture runs twice, through the dispatch: as on this machine (the C++
kernels) and as on a CUDA one (torch's op for plain calls, else the reference).
"""

from __future__ import annotations

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence

import lstmlab
from lstmlab.kernels import (
    build,
    fused_gru_rnn,
    gru_sequence,
    reference,
    rnn_sequence,
    select,
    team,
)
from lstmlab.kernels.reference import Call

from .helpers import gru_kernel, rnn_kernel

GRU_FORMS = ("after", "before")  # reset_after=True / False
PHIS = ("tanh", "relu")
LAYOUTS = {
    "full": [4, 4, 4, 4, 4],  # every sequence of length 5
    "packed": [5, 4, 4, 2, 1, 1],  # lengths 6, 4, 3, 3, 1: sequences end and (in reverse) join
}
TOL = {torch.float64: 1e-10, torch.float32: 1e-5}


def _close(got, want, tol, what=""):
    """Max error within tol of the tensor's scale (gradients are sums over many rows)."""
    assert got.shape == want.shape, f"{what}: expected shape {tuple(want.shape)}, got {got.shape}"
    scale = want.abs().max().clamp_min(1.0)
    err = (got - want).abs().max()
    assert err <= tol * scale, f"{what}: max error {err:.3g} > {tol:.0e} · {scale:.3g}"


def _weights(rows, I, H, bias, dtype, gen):
    """W_ih, W_hh, b_ih, b_hh ~ U(−1/√H, 1/√H) as torch.nn initialises them."""

    def p(*shape):
        u = torch.rand(*shape, generator=gen, dtype=dtype) * 2 - 1
        return (u / H**0.5).requires_grad_()

    return [p(rows, I), p(rows, H), p(rows) if bias else None, p(rows) if bias else None]


def _run(fn, x, batch_sizes, h0, weights, arg, reverse, use=("out", "h")):
    """Outputs, final state, gates and the gradients of a random linear loss of them."""
    out, h, gates = fn(Call(x, batch_sizes, (h0,), weights, reverse, True), arg)
    gen = torch.Generator().manual_seed(7)
    loss = 0
    if "sum" in use:  # dL/d out arrives broadcast, strides (0, 0)
        loss = out.sum() + h.sum()
    if "out" in use:
        loss = loss + (out * torch.randn(out.shape, generator=gen, dtype=out.dtype)).sum()
    if "h" in use:
        loss = loss + (h * torch.randn(h.shape, generator=gen, dtype=h.dtype)).sum()
    inputs = [x, h0, *(w for w in weights if w is not None)]
    grads = torch.autograd.grad(loss, inputs)
    return (
        {"out": out, "h_n": h}
        | {f"gate {k}": v for k, v in gates.items()}
        | {f"grad {i}": g for i, g in enumerate(grads)}
    )


def _compare(kind, form, batch_sizes, reverse, bias, dtype, I=3, H=5, use=("out", "h")):
    gen = torch.Generator().manual_seed(0)
    B, N = batch_sizes[0], sum(batch_sizes)
    x = torch.randn(N, I, generator=gen, dtype=dtype, requires_grad=True)  # (N, I) packed
    h0 = torch.randn(B, H, generator=gen, dtype=dtype, requires_grad=True)  # (B, H)
    if kind == "gru":
        w = _weights(3 * H, I, H, bias, dtype, gen)
        args = (form == "after", reverse)
        want = _run(reference.gru_reference, x, batch_sizes, h0, w, *args, use=use)
        got = _run(gru_kernel, x, batch_sizes, h0, w, *args, use=use)
    else:
        w = _weights(H, I, H, bias, dtype, gen)
        want = _run(reference.rnn_reference, x, batch_sizes, h0, w, form, reverse, use=use)
        got = _run(rnn_kernel, x, batch_sizes, h0, w, form, reverse, use=use)
    assert got.keys() == want.keys()
    for k in want:
        _close(got[k], want[k], TOL[dtype], k)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("reverse", [False, True], ids=["fwd", "rev"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("form", GRU_FORMS)
def test_gru_equals_reference(rule, form, bias, reverse, layout, dtype):
    _compare("gru", form, LAYOUTS[layout], reverse, bias, dtype)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("reverse", [False, True], ids=["fwd", "rev"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("phi", PHIS)
def test_rnn_equals_reference(rule, phi, bias, reverse, layout, dtype):
    _compare("rnn", phi, LAYOUTS[layout], reverse, bias, dtype)


@pytest.mark.parametrize("use", [("out",), ("h",), ("sum",)], ids=["out-only", "h-only", "sum"])
@pytest.mark.parametrize("kind,form", [("gru", "after"), ("gru", "before"), ("rnn", "tanh")])
def test_other_output_gradients(rule, kind, form, use):
    """A loss of only the outputs or only h_n (the other's gradient arrives as None), or
    out.sum() + h.sum() (the gradient arrives broadcast)."""
    _compare(kind, form, LAYOUTS["packed"], False, True, torch.float64, use=use)


@pytest.mark.parametrize("kind,form", [("gru", "after"), ("gru", "before"), ("rnn", "tanh")])
def test_multithreaded_step_equals_reference(rule, kind, form):
    """Steps of 64 × 300 elements: the element-wise passes run on several threads."""
    _compare(kind, form, [64, 64, 40], True, True, torch.float32, I=4, H=300)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("kind,form", [("gru", "after"), ("gru", "before"), ("rnn", "relu")])
def test_threaded_chunks(kind, form, dtype, monkeypatch):
    """H = 48 over two threads in uneven chunks (32 + 16 units, ``team.unit_chunks``), as the
    LSTM's test_threaded_chunks: each thread's columns of every product, the barriers."""
    monkeypatch.setattr(team, "PARALLEL_MIN_MACS", 0)
    threads = torch.get_num_threads()  # other tests (the training loop) may have set 1
    torch.set_num_threads(2)
    try:
        assert team.unit_chunks(48, 1) == [0, 32, 48]
        for batch_sizes, reverse in [([4, 4, 4], False), (LAYOUTS["packed"], True)]:
            _compare(kind, form, batch_sizes, reverse, True, dtype, I=3, H=48)
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize(
    "batch_sizes",
    [[16] * 100, [16] * 60 + [12] * 30 + [5] * 30],
    ids=["full", "packed"],
)
@pytest.mark.parametrize("reverse", [False, True], ids=["fwd", "rev"])
@pytest.mark.parametrize("form", GRU_FORMS)
def test_gru_backward_in_several_blocks_equals_reference(form, reverse, batch_sizes):
    """H = 256 in float64: the backward's 8 MiB block holds 1024 rows (reset_after) or 1365,
    fewer than these 1600 or 1470, so the products after each block, and the rows that pair
    with h0 or with the output one step away, are checked across a block boundary."""
    _compare("gru", form, batch_sizes, reverse, True, torch.float64, I=3, H=256)


@pytest.mark.parametrize(
    "batch_sizes", [[16] * 300, [16] * 200 + [12] * 80 + [5] * 80], ids=["full", "packed"]
)
@pytest.mark.parametrize("reverse", [False, True], ids=["fwd", "rev"])
def test_rnn_backward_in_several_blocks_equals_reference(reverse, batch_sizes):
    """H = 256 in float64: the RNN's 8 MiB block holds 4096 rows, fewer than 4800 or 4560."""
    _compare("rnn", "tanh", batch_sizes, reverse, True, torch.float64, I=3, H=256)


@pytest.mark.parametrize(
    "kind,form", [("gru", "after"), ("gru", "before"), ("rnn", "tanh"), ("rnn", "relu")]
)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_gradcheck(rule, kind, form, layout):
    batch_sizes = {"full": [3, 3, 3], "packed": [3, 2, 2, 1]}[layout]
    gen = torch.Generator().manual_seed(1)
    I, H, B, N = 2, 3, batch_sizes[0], sum(batch_sizes)
    x = torch.randn(N, I, generator=gen, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(B, H, generator=gen, dtype=torch.float64, requires_grad=True)
    rows = 3 * H if kind == "gru" else H
    w = _weights(rows, I, H, True, torch.float64, gen)
    fn = gru_kernel if kind == "gru" else rnn_kernel
    arg = form == "after" if kind == "gru" else form

    def f(x, h0, *w):
        out, h, _ = fn(Call(x, batch_sizes, (h0,), list(w), layout == "packed"), arg)
        return out, h

    assert torch.autograd.gradcheck(f, (x, h0, *w))


@pytest.mark.parametrize("make", ["gru", "gru-before", "rnn-relu"])
def test_gradcheck_through_layer(rule, make):
    torch.manual_seed(2)
    kw = {"num_layers": 2, "bidirectional": True, "backend": "fused", "dtype": torch.float64}
    layer = {
        "gru": lambda: lstmlab.GRU(2, 3, **kw),
        "gru-before": lambda: lstmlab.GRU(2, 3, reset_after=False, **kw),
        "rnn-relu": lambda: lstmlab.RNN(2, 3, nonlinearity="relu", **kw),
    }[make]()
    x = torch.randn(4, 3, 2, dtype=torch.float64, requires_grad=True)  # (T, B, I)
    h0 = torch.randn(4, 3, 3, dtype=torch.float64, requires_grad=True)  # (L·D, B, H)
    params = list(layer.parameters())

    def f(x, h0, *_params):
        y, h = layer(x, h0, lengths=[4, 2, 3])
        return y, h

    assert torch.autograd.gradcheck(f, (x, h0, *params), fast_mode=True)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("packed", [False, True], ids=["tensor", "packed"])
@pytest.mark.parametrize("make", ["gru", "rnn-tanh", "rnn-relu"])
def test_layer_equals_torch_nn(rule, make, packed, dtype):
    torch.manual_seed(3)
    kw = {"num_layers": 2, "bidirectional": True, "dtype": dtype}
    if make == "gru":
        theirs = torch.nn.GRU(4, 6, **kw)
        ours = lstmlab.GRU(4, 6, backend="fused", **kw)
    else:
        phi = make.split("-")[1]
        theirs = torch.nn.RNN(4, 6, nonlinearity=phi, **kw)
        ours = lstmlab.RNN(4, 6, nonlinearity=phi, backend="fused", **kw)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(5, 3, 4, dtype=dtype)  # (T, B, I)
    h0 = torch.randn(4, 3, 6, dtype=dtype)  # (L·D, B, H)
    lengths = torch.tensor([3, 5, 2])

    def run(m):
        xi, hi = x.clone().requires_grad_(), h0.clone().requires_grad_()
        inp = pack_padded_sequence(xi, lengths, enforce_sorted=False) if packed else xi
        y, h = m(inp, hi)
        y = y.data if packed else y
        gen = torch.Generator().manual_seed(4)
        loss = (y * torch.randn(y.shape, generator=gen, dtype=dtype)).sum() + (h**2).sum()
        m.zero_grad()
        loss.backward()
        return {"y": y, "h_n": h, "dx": xi.grad, "dh0": hi.grad} | {
            k: p.grad for k, p in m.named_parameters()
        }

    want, got = run(theirs), run(ours)
    for k in want:
        _close(got[k], want[k], TOL[dtype] * 10, k)


def test_gates_are_detached_but_h_is_the_output():
    assert build.load(), "the fused C++ kernels did not build (see the warning)"
    x = torch.randn(6, 2, requires_grad=True)
    w = _weights(9, 2, 3, True, torch.float32, torch.Generator().manual_seed(5))
    call = Call(x, [3, 2, 1], (torch.zeros(3, 3),), w, return_gates=True)
    out, _, gates = fused_gru_rnn.gru_fused(call)
    assert set(gates) == {"r", "z", "n", "h"}
    assert not any(gates[k].requires_grad for k in "rzn")
    assert gates["h"] is out and out.requires_grad


def test_cpu_float32_takes_the_cpp_kernels():
    assert build.load()
    assert select("cpu", torch.float32, plain=True) == "fused"
    assert select("cpu", torch.bfloat16, plain=True) == "reference"


@pytest.mark.parametrize("kind", ["gru", "rnn"])
def test_bfloat16_takes_the_reference(kind):
    """Dtypes the C++ does not take run the reference recurrence (through the dispatch)."""
    gen = torch.Generator().manual_seed(6)
    x = torch.randn(6, 2, generator=gen)
    h0 = torch.randn(3, 3, generator=gen)
    w = [t.detach() for t in _weights(9 if kind == "gru" else 3, 2, 3, True, torch.float32, gen)]
    fn = {"gru": gru_sequence, "rnn": rnn_sequence}[kind]
    ref = {"gru": reference.gru_reference, "rnn": reference.rnn_reference}[kind]
    want, _, _ = ref(Call(x, [3, 2, 1], (h0,), w))
    low = [x.bfloat16(), [3, 2, 1], h0.bfloat16(), [t.bfloat16() for t in w]]
    got, _, _ = fn(*low)
    assert got.dtype == torch.bfloat16
    _close(got.float(), want, 5e-2, "out")
