"""The fused LSTM equals the reference recurrence: outputs, final states, gates and every gradient,
for every variant and option (bias, projection, packed uneven lengths, reverse), in float64 to
1e-10 and float32 to ~1e-6; its hand-written backward passes float64 gradcheck; and through the
public layer it equals torch.nn.LSTM. Tests with the ``rule`` fixture run through the dispatch
as on this machine (the C++ ops) and as on a CUDA one (torch's op or the reference)."""

from __future__ import annotations

import itertools
from functools import partial

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence

import lstmlab
from lstmlab.cells.lstm import LSTMWeights, lstm_shapes
from lstmlab.cells.options import VARIANTS, LSTMOptions
from lstmlab.kernels import build, fused_lstm, reference, select, team
from lstmlab.kernels.reference import Call

from .helpers import lstm_kernel

pytestmark = pytest.mark.skipif(not build.load(), reason="the fused kernels could not be built")

FULL = (3, [3, 3, 3, 3])  # (B, batch_sizes): three sequences of four steps
PACKED = (3, [3, 2, 2, 1])  # lengths 4, 3, 1: rows leave early (forward) or join late (reverse)
TOL = {torch.float64: 1e-10, torch.float32: 3e-6}  # relative to each tensor's largest entry


def make(variant, I, H, P=0, bias=True, B=3, batch_sizes=(3, 3, 3, 3), dtype=torch.float64):
    """Weights, packed input and initial states, all leaves, from a fixed seed."""
    g = torch.Generator().manual_seed(0)
    opts = VARIANTS[variant] if isinstance(variant, str) else variant

    def rand(*shape, scale=1.0):
        t = torch.randn(shape, generator=g, dtype=torch.float64) * scale
        return t.to(dtype).requires_grad_()

    shapes = lstm_shapes(opts, I, H, P, bias)
    w = LSTMWeights(**{k: rand(*s, scale=0.5) for k, s in shapes.items()})
    x = rand(sum(batch_sizes), I)  # (N, I)
    h0, c0 = rand(B, P or H), rand(B, H)
    return opts, w, x, h0, c0


def run(fn, opts, w, x, h0, c0, batch_sizes, reverse):
    """Outputs, final states, gates and the gradients of a random linear loss of all three."""
    out, h, c, gates = fn(Call(x, list(batch_sizes), (h0, c0), w, reverse, True), opts)
    g = torch.Generator().manual_seed(1)
    loss = sum(
        (t * torch.randn(t.shape, generator=g, dtype=torch.float64).to(t.dtype)).sum()
        for t in (out, h, c)
    )
    leaves = [x, h0, c0, *(p for p in w if p is not None)]
    grads = torch.autograd.grad(loss, leaves)
    names = ["x", "h0", "c0", *(k for k, p in w._asdict().items() if p is not None)]
    return (
        {"out": out, "h_n": h, "c_n": c}
        | {f"gate {k}": v for k, v in gates.items()}
        | {f"d{k}": v for k, v in zip(names, grads, strict=True)}
    )


def assert_same(ours: dict, theirs: dict, tol: float) -> None:
    assert ours.keys() == theirs.keys()
    for k, want in theirs.items():
        got = ours[k].to(want.dtype)
        scale = want.abs().max().clamp_min(1.0 if want.numel() == 0 else 1e-30)
        err = ((got - want).abs().max() / scale).item() if want.numel() else 0.0
        assert err <= tol, f"{k}: relative error {err:.2e} > {tol:.0e}"


CASES = list(itertools.product([FULL, PACKED], [0, 2], [True, False], [False, True]))


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_equals_reference_float64(variant, rule):
    for (B, bs), P, bias, reverse in CASES:
        opts, w, x, h0, c0 = make(variant, 3, 4, P, bias, B, bs)
        want = run(reference.lstm_reference, opts, w, x, h0, c0, bs, reverse)
        got = run(lstm_kernel, opts, w, x, h0, c0, bs, reverse)
        assert_same(got, want, TOL[torch.float64])


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_equals_reference_float32(variant):
    """float32 against the float64 truth: the polynomial exp/tanh cost no accuracy."""
    for (B, bs), P, reverse in itertools.product([FULL, PACKED], [0, 3], [False, True]):
        opts, w, x, h0, c0 = make(variant, 5, 16, P, True, B, bs)
        want = run(reference.lstm_reference, opts, w, x, h0, c0, bs, reverse)
        cast = [t.detach().float().requires_grad_() for t in (x, h0, c0)]
        w32 = LSTMWeights(
            *(p.detach().float().requires_grad_() if p is not None else None for p in w)
        )
        got = run(fused_lstm.lstm_fused, opts, w32, *cast, bs, reverse)
        assert_same(got, want, TOL[torch.float32])


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_threaded_chunks(variant, dtype, monkeypatch):
    """H = 48 split over two threads in uneven chunks (32 + 16 units): each thread's GEMM on its
    own columns, FGR's cross-chunk products, the barriers, and the per-chunk peephole sums."""
    monkeypatch.setattr(team, "PARALLEL_MIN_MACS", 0)
    threads = torch.get_num_threads()  # other tests (the training loop) may have set 1
    torch.set_num_threads(2)
    try:
        _check_threaded_chunks(variant, dtype)
    finally:
        torch.set_num_threads(threads)


def _check_threaded_chunks(variant, dtype):
    assert team.chunk_bounds(48, 2) == [0, 32, 48]
    for (B, bs), P, reverse in [(FULL, 0, False), (PACKED, 5, True), (PACKED, 0, False)]:
        opts, w, x, h0, c0 = make(variant, 5, 48, P, True, B, bs)
        want = run(reference.lstm_reference, opts, w, x, h0, c0, bs, reverse)
        if dtype == torch.float32:
            x, h0, c0 = (t.detach().float().requires_grad_() for t in (x, h0, c0))
            w = LSTMWeights(
                *(p.detach().float().requires_grad_() if p is not None else None for p in w)
            )
        got = run(fused_lstm.lstm_fused, opts, w, x, h0, c0, bs, reverse)
        assert_same(got, want, TOL[dtype])


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_gradcheck(variant):
    """Finite differences agree with the hand-written backward (B=3, T=4, I=3, H=2)."""
    for (B, bs), P, reverse in [(FULL, 0, False), (PACKED, 1, True), (PACKED, 0, False)]:
        opts, w, x, h0, c0 = make(variant, 3, 2, P, True, B, bs)
        names = [k for k, p in w._asdict().items() if p is not None]

        def f(x, h0, c0, *params, opts=opts, names=names, bs=bs, reverse=reverse):
            weights = LSTMWeights(**dict(zip(names, params, strict=True)))
            out, h, c, _ = fused_lstm.lstm_fused(Call(x, bs, (h0, c0), weights, reverse), opts)
            return out, h, c

        params = [p for p in w if p is not None]
        assert torch.autograd.gradcheck(f, (x, h0, c0, *params), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("variant", ["vanilla", "peephole", "cifg", "fgr"])
def test_gradcheck_through_layer(variant):
    torch.manual_seed(0)
    layer = lstmlab.LSTM(3, 2, 2, bidirectional=True, proj_size=1, variant=variant,
                         backend="fused", dtype=torch.float64)  # fmt: skip
    x = torch.randn(4, 3, 3, dtype=torch.float64, requires_grad=True)  # (T, B, I)
    lengths = torch.tensor([4, 1, 3])

    def f(x, *params):
        names = [k for k, _ in layer.named_parameters()]
        out, (h, c) = torch.func.functional_call(
            layer, dict(zip(names, params, strict=True)), (x,), {"lengths": lengths}
        )
        return out, h, c

    assert torch.autograd.gradcheck(f, (x, *layer.parameters()), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"num_layers": 2},
        {"bidirectional": True},
        {"proj_size": 3},
        {"num_layers": 2, "bidirectional": True, "proj_size": 2, "bias": False},
    ],
)
@pytest.mark.parametrize("packed", [False, True])
def test_layer_equals_torch(kwargs, packed, dtype):
    """lstmlab.LSTM(backend="fused") with torch.nn.LSTM's state dict computes torch.nn.LSTM."""
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(5, 20, dtype=dtype, **kwargs)
    ours = lstmlab.LSTM(5, 20, dtype=dtype, backend="fused", **kwargs)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(6, 4, 5, dtype=dtype)  # (T, B, I)
    results = []
    for layer in (theirs, ours):
        xi = x.clone().requires_grad_()
        inp = pack_padded_sequence(xi, [6, 5, 5, 2], enforce_sorted=True) if packed else xi
        out, (h, c) = layer(inp)
        data = out.data if packed else out
        loss = (data**2).sum() + (h * 1.5).sum() + c.sum()
        grads = torch.autograd.grad(loss, [xi, *layer.parameters()])
        results.append([data, h, c, *grads])
    tol = {"rtol": 1e-10, "atol": 1e-12} if dtype == torch.float64 else {"rtol": 1e-4, "atol": 1e-5}
    for want, got in zip(*results, strict=True):
        torch.testing.assert_close(got, want, **tol)


def test_inference_path_equals_training_path():
    """Without autograd (no saved activations, c kept as an (H, B) state) the results agree."""
    for variant, (B, bs), P, reverse in itertools.product(
        ["vanilla", "fgr", "noaf"], [FULL, PACKED], [0, 2], [False, True]
    ):
        opts, w, x, h0, c0 = make(variant, 3, 4, P, True, B, bs)
        with torch.no_grad():
            plain = fused_lstm.lstm_fused(Call(x, bs, (h0, c0), w, reverse), opts)
            gates = fused_lstm.lstm_fused(Call(x, bs, (h0, c0), w, reverse, True), opts)
        trained = fused_lstm.lstm_fused(Call(x, bs, (h0, c0), w, reverse), opts)
        for a, b, c in zip(plain[:3], gates[:3], trained[:3], strict=True):
            # Equal up to rounding: the two modes give the GEMMs different leading dimensions.
            torch.testing.assert_close(a, c, rtol=1e-14, atol=1e-15)
            torch.testing.assert_close(b, c, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("variant", ["vanilla", "peephole", "cifg"])
@pytest.mark.parametrize("P", [0, 2])
def test_ops_take_torch_rows_and_absent_states(variant, P):
    """The ops take W_ih, W_hh, b_ih, b_hh in torch's rows with the layout's ``perm`` and give
    their gradients back in torch's rows (b_ih's and b_hh's alike); absent h0, c0 are zeros:
    the same numbers as the weights permuted by hand, zero states given, and the inverse rows."""
    opts, w, x, _, _ = make(variant, 3, 4, P, True, *PACKED)
    B, bs = PACKED
    h0, c0 = x.new_zeros(B, P or 4), x.new_zeros(B, 4)
    lay = fused_lstm._plan(x, h0, c0, opts, bs)
    flags, ops = fused_lstm.flags_of(opts), torch.ops.lstmlab
    extra = (w.weight_hr, w.weight_peep, None, None, bs, lay.chunks, flags, False, True)
    with torch.no_grad():
        given = ops.lstm_forward(x, h0, c0, w.weight_ih, w.weight_hh, w.bias_ih, w.bias_hh,
                                 lay.perm, *extra)  # fmt: skip
        p = lay.perm
        by_hand = ops.lstm_forward(x, h0, c0, w.weight_ih[p], w.weight_hh[p],
                                   (w.bias_ih + w.bias_hh)[p], None, None, *extra)  # fmt: skip
        absent = ops.lstm_forward(x, None, None, w.weight_ih, w.weight_hh, w.bias_ih, w.bias_hh,
                                  lay.perm, *extra)  # fmt: skip
        for a, b, c in zip(given, by_hand, absent, strict=True):
            assert torch.equal(a, b) and torch.equal(a, c)
        out, AT, CT, _, _, _ = given
        g = torch.Generator().manual_seed(3)
        d_out = torch.randn(out.shape, generator=g, dtype=out.dtype)
        tail = (d_out, None, None, None, bs, lay.chunks, flags, False, True, False)
        grads = ops.lstm_backward(x, out, h0, AT, CT, c0, w.weight_ih, w.weight_hh, lay.perm,
                                  w.weight_hr, w.weight_peep, None, *tail)  # fmt: skip
        internal = ops.lstm_backward(x, out, h0, AT, CT, c0, w.weight_ih[p], w.weight_hh[p],
                                     None, w.weight_hr, w.weight_peep, None, *tail)  # fmt: skip
        none = ops.lstm_backward(x, out, None, AT, CT, None, w.weight_ih, w.weight_hh, lay.perm,
                                 w.weight_hr, w.weight_peep, None, *tail)  # fmt: skip
    for k in range(1, 5):  # dW_ih, dW_hh, db_ih, db_hh: torch rows = internal rows put back
        assert torch.equal(grads[k][p], internal[k])
    assert torch.equal(grads[3], grads[4]) and grads[3].data_ptr() != grads[4].data_ptr()
    for a, b in zip(grads, none, strict=True):
        assert torch.equal(a, b)


def test_only_final_state_gradient():
    """A loss of h_n alone (no gradient for the outputs, c_n or the gates) still flows."""
    opts, w, x, h0, c0 = make("peephole", 3, 4, 0, True, *PACKED)
    for fn in (reference.lstm_reference, fused_lstm.lstm_fused):
        _, h, _, _ = fn(Call(x, PACKED[1], (h0, c0), w, False, False), opts)
        grads = torch.autograd.grad(h.sum(), [x, c0, w.weight_hh])
        if fn is reference.lstm_reference:
            want = grads
    for a, b in zip(grads, want, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_dispatch_and_custom_options():
    """The dispatch reaches lstm_fused, and a custom LSTMOptions combination works too."""
    opts = LSTMOptions(peephole=True, output_activation=False, gate_recurrence=True, coupled=True)
    _, w, x, h0, c0 = make(opts, 3, 4, 0, True, *PACKED)
    want = run(reference.lstm_reference, opts, w, x, h0, c0, PACKED[1], True)
    got = run(lstm_kernel, opts, w, x, h0, c0, PACKED[1], True)
    assert_same(got, want, TOL[torch.float64])


def test_gates_are_detached_outputs_are_not():
    opts, w, x, h0, c0 = make("vanilla", 3, 4)
    out, h, c, gates = fused_lstm.lstm_fused(Call(x, [3] * 4, (h0, c0), w, False, True), opts)
    assert out.requires_grad and h.requires_grad and c.requires_grad
    assert not any(g.requires_grad for g in gates.values())


def test_bad_batch_sizes():
    opts, w, x, h0, c0 = make("vanilla", 3, 4)
    with pytest.raises(ValueError, match="batch_sizes: expected a non-increasing list"):
        fused_lstm.lstm_fused(Call(x, [3, 3, 2, 4], (h0, c0), w), opts)
    with pytest.raises(ValueError, match="summing to the 12 rows"):
        fused_lstm.lstm_fused(Call(x, [3, 3, 3], (h0, c0), w), opts)


def test_other_dtypes_take_the_reference():
    """bfloat16 on CPU has no fused kernel: the dispatch runs the reference, forward and
    backward."""
    assert select("cpu", torch.bfloat16) == "reference"
    opts, w, x, h0, c0 = make("fgr", 3, 4, 2, True, *PACKED, dtype=torch.bfloat16)
    want = run(reference.lstm_reference, opts, w, x, h0, c0, PACKED[1], True)
    got = run(partial(lstm_kernel, backend="auto"), opts, w, x, h0, c0, PACKED[1], True)
    assert_same(got, want, 5e-2)
