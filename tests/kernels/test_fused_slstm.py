"""The fused sLSTM kernel (csrc/slstm.cpp) equals the reference recurrence, values and gradients.

The reference is the cell's equations step by step with autograd (``reference.slstm_reference``);
the fused kernel's backward is derived by hand, so besides the equality with the reference's
autograd there is a float64 ``gradcheck`` of the fused function itself, and a second derivative
(which re-runs the reference, ``kernels.recompute``).
"""

from __future__ import annotations

import pytest
import torch

import lstmlab
from lstmlab.cells.slstm import SLSTMWeights, slstm_shapes
from lstmlab.kernels import build, fused_slstm, reference, slstm_sequence
from lstmlab.kernels.reference import Call

LAYOUTS = {
    "full": [3, 3, 3, 3, 3],  # every sequence of length 5
    "packed": [4, 3, 3, 1, 1],  # lengths 5, 3, 3, 1: rows leave early (forward), join (reverse)
}
TOL = {torch.float64: {"rtol": 1e-10, "atol": 1e-12}, torch.float32: {"rtol": 1e-4, "atol": 1e-5}}
I, H = 3, 8


@pytest.fixture(autouse=True, scope="module")
def kernels_built():
    assert build.load(), "the fused C++ kernels did not build (see the warning)"


def _weights(gen, heads, dtype, bias=True) -> SLSTMWeights:
    shapes = slstm_shapes(I, H, heads, bias)
    w = {k: (torch.randn(s, generator=gen, dtype=dtype) * 0.6).requires_grad_() for k, s in
         shapes.items()}  # fmt: skip
    return SLSTMWeights(**w)


def _state(gen, B, dtype, kind):
    """(h, c, n, m): zeros (an empty memory, the default), or a random non-empty memory."""
    if kind == "zero":
        s = [torch.zeros(B, H, dtype=dtype) for _ in range(4)]
    else:
        r = [torch.randn(B, H, generator=gen, dtype=dtype) for _ in range(4)]
        s = [r[0], r[1], r[2].abs() + 0.5, r[3]]  # n > 0
    return [t.requires_grad_() for t in s]


def _run(fn, x, bs, state, w, forget_gate, reverse):
    """Outputs, final state, gates, and the gradients of a loss using out, h, c and n."""
    out, final, gates = fn(Call(x, bs, state, w, reverse, True), forget_gate)
    gen = torch.Generator().manual_seed(7)
    loss = (out * torch.randn(out.shape, generator=gen, dtype=out.dtype)).sum()
    for s in final[:3]:
        loss = loss + (s * torch.randn(s.shape, generator=gen, dtype=s.dtype)).sum()
    inputs = [x, *state, *(p for p in w if p is not None)]
    grads = torch.autograd.grad(loss, inputs, allow_unused=True)
    return out, final, gates, grads


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("heads", [1, 2, 4])
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("forget_gate", ["sigmoid", "exp"])
@pytest.mark.parametrize("init", ["zero", "random"])
def test_fused_equals_reference(dtype, heads, layout, reverse, forget_gate, init):
    gen = torch.Generator().manual_seed(heads)
    bs = LAYOUTS[layout]
    x = torch.randn(sum(bs), I, generator=gen, dtype=dtype).requires_grad_()
    state, w = _state(gen, bs[0], dtype, init), _weights(gen, heads, dtype)
    ref = _run(reference.slstm_reference, x, bs, state, w, forget_gate, reverse)
    fused = _run(fused_slstm.slstm_fused, x, bs, state, w, forget_gate, reverse)
    tol = TOL[dtype]
    torch.testing.assert_close(fused[0], ref[0], **tol)
    for name, got, want in zip("hcnm", fused[1], ref[1], strict=True):
        torch.testing.assert_close(got, want, **tol, msg=lambda m, name=name: f"{name}_n: {m}")
    for name, got in fused[2].items():
        torch.testing.assert_close(got, ref[2][name].detach(), **tol, msg=lambda m, k=name: k + m)
        assert not got.requires_grad, f"gates[{name!r}]: the fused kernel's gates are detached"
    names = ["x", "h0", "c0", "n0", "m0", "weight_ih", "weight_hh", "bias"]
    for name, got, want in zip(names, fused[3], ref[3], strict=True):
        if want is None:  # the reference's graph does not reach it (m0 of an empty memory)
            assert got is None or not got.any(), f"d{name}: expected no gradient"
            continue
        torch.testing.assert_close(got, want, **tol, msg=lambda m, name=name: f"d{name}: {m}")


def test_final_m_is_not_differentiable():
    """m' is computed without gradient (the reference's no_grad); the fused op says so."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(6, I, generator=gen, dtype=torch.float64)
    w = _weights(gen, 2, torch.float64)
    state = _state(gen, 2, x.dtype, "zero")
    _, (_, _, _, m), _ = fused_slstm.slstm_fused(Call(x, [2, 2, 2], state, w))
    assert not m.requires_grad


@pytest.mark.parametrize("heads", [1, 2])
@pytest.mark.parametrize("forget_gate", ["sigmoid", "exp"])
@pytest.mark.parametrize("reverse", [False, True])
def test_gradcheck_of_the_hand_written_backward(heads, forget_gate, reverse):
    """float64 finite differences of the fused function itself. Differentiated: the output and
    the final h, which do not depend on the choice of the stabiliser m (c and n, in stabilised
    units, do: a finite difference sees m move, the analytic gradient holds it, as the
    reference does; their gradients are tested equal to the reference's above)."""
    gen = torch.Generator().manual_seed(3)
    bs = [3, 2, 2, 1]
    x = torch.randn(sum(bs), I, generator=gen, dtype=torch.float64).requires_grad_()
    state, w = _state(gen, 3, torch.float64, "random"), _weights(gen, heads, torch.float64)

    def f(x, h0, c0, n0, m0, w_ih, w_hh, b):
        st, ws = (h0, c0, n0, m0), SLSTMWeights(w_ih, w_hh, b)
        out, (h, *_), _ = fused_slstm.slstm_fused(Call(x, bs, st, ws, reverse), forget_gate)
        return out, h

    assert torch.autograd.gradcheck(f, (x, *state, *w), eps=1e-6, atol=1e-7, fast_mode=True)


def test_gradcheck_from_an_empty_memory():
    """The default initial state (n = 0: m' = ĩ, and f' = 1 outside the clamp's gradient)."""
    gen = torch.Generator().manual_seed(4)
    bs = [2, 2, 1]
    x = torch.randn(sum(bs), I, generator=gen, dtype=torch.float64).requires_grad_()
    w = _weights(gen, 2, torch.float64)
    zeros = [torch.zeros(2, H, dtype=torch.float64) for _ in range(4)]

    def f(x, w_ih, w_hh, b):
        out, (h, *_), _ = fused_slstm.slstm_fused(Call(x, bs, zeros, SLSTMWeights(w_ih, w_hh, b)))
        return out, h

    assert torch.autograd.gradcheck(f, (x, *w), eps=1e-6, atol=1e-7, fast_mode=True)


def test_second_derivative_equals_the_reference():
    gen = torch.Generator().manual_seed(5)
    bs = [2, 2, 1]
    x = torch.randn(sum(bs), I, generator=gen, dtype=torch.float64).requires_grad_()
    state, w = _state(gen, 2, torch.float64, "random"), _weights(gen, 2, torch.float64)
    results = []
    for fn in (reference.slstm_reference, fused_slstm.slstm_fused):
        out, _, _ = fn(Call(x, bs, state, w))
        (gx,) = torch.autograd.grad((out**2).sum(), [x], create_graph=True)
        results.append(torch.autograd.grad(gx.pow(2).sum(), [x, w.weight_hh]))
    for got, want in zip(results[1], results[0], strict=True):
        torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("heads", [1, 4])
def test_layer_fused_equals_reference(dtype, heads):
    """lstmlab.SLSTM: two layers, bidirectional, batch_first, an initial state, padded lengths."""
    torch.manual_seed(heads)
    kw = {"num_layers": 2, "bidirectional": True, "batch_first": True, "num_heads": heads}
    ref = lstmlab.SLSTM(I, H, backend="reference", dtype=dtype, **kw)
    fused = lstmlab.SLSTM(I, H, backend="fused", dtype=dtype, **kw)
    fused.load_state_dict(ref.state_dict())
    x = torch.randn(3, 6, I, dtype=dtype)
    hx = [torch.randn(4, 3, H, dtype=dtype) for _ in range(4)]
    hx[2] = hx[2].abs() + 0.5
    lengths = torch.tensor([6, 2, 4])
    results = []
    for layer in (ref, fused):
        xi = x.clone().requires_grad_()
        out, (h, c, n, m) = layer(xi, hx, lengths=lengths)
        loss = (out * torch.linspace(-1, 1, out.numel(), dtype=dtype).view_as(out)).sum()
        loss = loss + h.pow(2).sum() + c.sum()
        layer.zero_grad()
        loss.backward()
        results.append([out, h, c, n, m, xi.grad, *(p.grad for p in layer.parameters())])
    for got, want in zip(results[1], results[0], strict=True):
        torch.testing.assert_close(got, want, **TOL[dtype])


def test_dispatch_takes_the_fused_kernel_for_cpu_float(monkeypatch):
    calls = []
    real = fused_slstm.slstm_fused
    monkeypatch.setattr(fused_slstm, "slstm_fused", lambda *a: calls.append(1) or real(*a))
    layer = lstmlab.SLSTM(I, H, num_heads=2)
    layer(torch.randn(4, 2, I))
    assert calls, "backend='auto' on CPU float32 should run the fused sLSTM"
    layer.to(torch.bfloat16)(torch.randn(4, 2, I, dtype=torch.bfloat16))  # the reference
    assert len(calls) == 1


# -- bad input ---------------------------------------------------------------------------------
def test_fused_backend_refuses_what_it_cannot_run():
    layer = lstmlab.SLSTM(I, H, backend="fused", dtype=torch.bfloat16)
    with pytest.raises(RuntimeError, match=r"backend: 'fused'.*CPU float32/float64.*bfloat16"):
        layer(torch.randn(4, 2, I, dtype=torch.bfloat16))


def test_mixed_dtypes_are_refused_by_name():
    gen = torch.Generator().manual_seed(0)
    w = _weights(gen, 2, torch.float64)
    state = _state(gen, 2, torch.float32, "zero")
    with pytest.raises(ValueError, match="x: expected CPU float32 or float64"):
        fused_slstm.slstm_fused(Call(torch.randn(4, I, dtype=torch.float64), [2, 2], state, w))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda a: a.update(w_hh=torch.randn(4 * H, 3)), r"weight_hh: expected \(4H, d\) with d"),
        (lambda a: a.update(w_ih=torch.randn(4 * H, I + 1)), r"weight_ih: expected \(4H, I\)"),
        (lambda a: a.update(bias=torch.randn(H)), r"bias: expected \(4H,\)"),
        (lambda a: a.update(n0=torch.zeros(3, H)), "state: expected h, c, n, m of one shape"),
        (lambda a: a.update(batch_sizes=[2, 1, 2]), "batch_sizes: expected a non-increasing"),
        (lambda a: a.update(batch_sizes=[2, 2]), r"x: expected sum\(batch_sizes\)"),
    ],
)
def test_the_op_checks_its_arguments(change, message):
    """The op is public as torch.ops.lstmlab.slstm_forward: direct calls are checked too."""
    args = {
        "x": torch.randn(5, I), "h0": torch.zeros(2, H), "c0": torch.zeros(2, H),
        "n0": torch.zeros(2, H), "m0": torch.zeros(2, H), "w_ih": torch.randn(4 * H, I),
        "w_hh": torch.randn(4 * H, 4), "bias": None, "batch_sizes": [2, 2, 1],
        "exp_forget": False, "reverse": False, "save": False,
    }  # fmt: skip
    change(args)
    with pytest.raises(RuntimeError, match=message):
        torch.ops.lstmlab.slstm_forward(*args.values())


def test_dispatch_checks_batch_sizes_before_the_kernel():
    state = [torch.zeros(2, H) for _ in range(4)]
    w = SLSTMWeights(torch.randn(4 * H, I), torch.randn(4 * H, H), None)
    with pytest.raises(ValueError, match="batch_sizes: expected a non-increasing"):
        slstm_sequence(torch.randn(5, I), [1, 2, 2], state, w, backend="fused")
