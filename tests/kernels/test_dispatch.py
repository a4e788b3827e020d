"""The one dispatch rule (``kernels.select``), decision by decision, and torch's own op — the
kernel the rule picks for a plain call on CUDA — computing lstmlab's function with lstmlab's
weights (``torch._VF.lstm/gru/rnn_*`` run on CPU too): values and every gradient, float64, packed
uneven batches, both directions, with and without bias and projection."""

from __future__ import annotations

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence

import lstmlab
from lstmlab import kernels
from lstmlab.cells.lstm import LSTMWeights, lstm_shapes
from lstmlab.cells.options import LSTMOptions
from lstmlab.kernels import reference, select, torch_op
from lstmlab.kernels.reference import Call

DT = torch.float64
PACKED = [3, 2, 2, 1]  # lengths 4, 3, 1
FULL = [3, 3, 3, 3]


@pytest.mark.parametrize(
    ("device", "dtype", "backend", "plain", "built", "expected"),
    [
        ("cpu", torch.float32, "auto", True, True, "fused"),
        ("cpu", torch.float64, "auto", False, True, "fused"),  # variants and gates: still fused
        ("cpu", torch.float32, "auto", True, False, "reference"),  # no compiler: same results
        ("cpu", torch.bfloat16, "auto", True, True, "reference"),
        ("cpu", torch.float16, "auto", False, True, "reference"),
        ("cuda", torch.float32, "auto", True, True, "torch"),
        ("cuda", torch.float16, "auto", True, False, "torch"),  # no compiler needed on CUDA
        ("cuda", torch.bfloat16, "fused", True, True, "torch"),
        ("cuda", torch.float32, "auto", False, True, "reference"),  # a variant or gates
        ("cuda", torch.float32, "reference", True, True, "reference"),
        ("cpu", torch.float32, "reference", True, True, "reference"),
        ("mps", torch.float32, "auto", True, True, "reference"),
    ],
)
def test_the_rule(device, dtype, backend, plain, built, expected):
    assert select(device, dtype, backend=backend, plain=plain, built=built) == expected


@pytest.mark.parametrize(
    ("device", "dtype", "plain", "built", "match"),
    [
        ("cpu", torch.float32, True, False, "the fused kernels are unavailable"),
        ("cpu", torch.bfloat16, True, True, "no fused kernel .* got cpu torch.bfloat16;"),
        ("cuda", torch.float32, False, True, "no fused kernel .* got cuda torch.float32 with"),
    ],
)
def test_fused_refuses_what_would_fall_to_the_reference(device, dtype, plain, built, match):
    with pytest.raises(RuntimeError, match=rf"^backend: 'fused' was asked for but {match}"):
        select(device, dtype, backend="fused", plain=plain, built=built)


def test_unknown_backend():
    with pytest.raises(ValueError, match=r"^backend: expected one of .*, got 'cudnn'"):
        select("cpu", torch.float32, backend="cudnn")


def _leaves(gen, *shapes):
    return [torch.randn(s, generator=gen, dtype=DT).requires_grad_() for s in shapes]


def _assert_same_with_gradients(got, want, leaves):
    gen = torch.Generator().manual_seed(9)
    cotangents = [torch.randn(t.shape, generator=gen, dtype=DT) for t in want]
    g_got = torch.autograd.grad(got, leaves, cotangents)
    g_want = torch.autograd.grad(want, leaves, cotangents)
    for a, b in zip([*got, *g_got], [*want, *g_want], strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("batch_sizes", [FULL, PACKED], ids=["full", "packed"])
@pytest.mark.parametrize("reverse", [False, True], ids=["fwd", "rev"])
@pytest.mark.parametrize(("P", "bias"), [(0, True), (2, True), (0, False), (2, False)])
def test_torch_lstm_op_equals_reference(batch_sizes, reverse, P, bias):
    gen = torch.Generator().manual_seed(0)
    opts = LSTMOptions()
    shapes = lstm_shapes(opts, 3, 4, P, bias)
    w = LSTMWeights(**dict(zip(shapes, _leaves(gen, *shapes.values()), strict=True)))
    x, h0, c0 = _leaves(gen, (sum(batch_sizes), 3), (3, P or 4), (3, 4))
    leaves = [x, h0, c0, *(p for p in w if p is not None)]
    got = torch_op.layer("LSTM", Call(x, batch_sizes, (h0, c0), w, reverse))
    want = reference.lstm_reference(Call(x, batch_sizes, (h0, c0), w, reverse), opts)[:3]
    _assert_same_with_gradients(got, want, leaves)


@pytest.mark.parametrize("batch_sizes", [FULL, PACKED], ids=["full", "packed"])
@pytest.mark.parametrize("reverse", [False, True], ids=["fwd", "rev"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kind", ["gru", "rnn_tanh", "rnn_relu"])
def test_torch_gru_rnn_ops_equal_reference(kind, batch_sizes, reverse, bias):
    gen = torch.Generator().manual_seed(1)
    rows = 3 * 4 if kind == "gru" else 4
    w = _leaves(gen, (rows, 3), (rows, 4), (rows,), (rows,))
    w = w if bias else [*w[:2], None, None]
    x, h0 = _leaves(gen, (sum(batch_sizes), 3), (3, 4))
    leaves = [x, h0, *(p for p in w if p is not None)]
    if kind == "gru":
        got = torch_op.layer("GRU", Call(x, batch_sizes, (h0,), w, reverse))
        want = reference.gru_reference(Call(x, batch_sizes, (h0,), w, reverse), True)[:2]
    else:
        phi = kind.split("_")[1]
        got = torch_op.layer(f"RNN_{phi.upper()}", Call(x, batch_sizes, (h0,), w, reverse))
        want = reference.rnn_reference(Call(x, batch_sizes, (h0,), w, reverse), phi)[:2]
    _assert_same_with_gradients(got, want, leaves)


@pytest.fixture
def as_on_cuda(monkeypatch):
    """The dispatch told that the device is CUDA (the tensors stay on CPU); records its picks."""
    real, picks = select, []

    def pick(device, dtype, **kw):
        picks.append(real("cuda", dtype, **kw))
        return picks[-1]

    monkeypatch.setattr(kernels, "select", pick)
    return picks


@pytest.mark.parametrize(
    ("theirs_cls", "ours_cls", "kw"),
    [
        (torch.nn.LSTM, lstmlab.LSTM, {"proj_size": 2}),
        (torch.nn.GRU, lstmlab.GRU, {}),
        (torch.nn.RNN, lstmlab.RNN, {"nonlinearity": "relu"}),
    ],
)
def test_plain_layers_on_cuda_take_torchs_op(theirs_cls, ours_cls, kw, as_on_cuda):
    torch.manual_seed(0)
    theirs = theirs_cls(3, 4, num_layers=2, bidirectional=True, dtype=DT, **kw)
    ours = ours_cls.from_torch(theirs)
    x = torch.randn(5, 3, 3, dtype=DT)
    results = []
    for layer in (theirs, ours):
        xi = x.clone().requires_grad_()
        out, state = layer(pack_padded_sequence(xi, [5, 2, 4], enforce_sorted=False))
        state = state if isinstance(state, tuple) else (state,)
        loss = (out.data**2).sum() + sum(s.sum() for s in state)
        results.append([out.data, *state, *torch.autograd.grad(loss, [xi, *layer.parameters()])])
    assert as_on_cuda and set(as_on_cuda) == {"torch"}
    for got, want in zip(*results, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


def test_variants_and_gates_on_cuda_take_the_reference(as_on_cuda):
    x = torch.randn(4, 2, 3)
    lstmlab.LSTM(3, 4, variant="cifg")(x)
    lstmlab.GRU(3, 4, reset_after=False)(x)
    lstmlab.LSTM(3, 4)(x, return_gates=True)
    assert as_on_cuda == ["reference"] * 3


@pytest.mark.parametrize(
    ("dtype", "backend", "batch", "expected"),
    [
        (torch.float32, "auto", 10, "torch"),  # rule 2: oneDNN's LSTM primitive
        (torch.float32, "auto", 31, "torch"),
        (torch.float32, "auto", 32, "fused"),  # from ONEDNN_MAX_BATCH on: lstmlab's kernel
        (torch.float32, "auto", None, "fused"),  # uneven lengths, a variant, a projection
        (torch.float64, "auto", 10, "fused"),  # oneDNN's LSTM is float32
        (torch.float32, "fused", 10, "fused"),  # "fused" on CPU: always lstmlab's own kernel
        (torch.float32, "reference", 10, "reference"),
    ],
)
def test_the_onednn_rule(dtype, backend, batch, expected):
    assert kernels.ONEDNN_MAX_BATCH == 32
    got = select("cpu", dtype, backend=backend, plain=True, built=True, onednn_batch=batch)
    assert got == expected


def test_onednn_batch_needs_one_length_and_onednn():
    assert kernels.onednn_batch([5, 5, 5]) == 5
    assert kernels.onednn_batch([5, 4, 4]) is None  # torch packs it: no oneDNN
    with torch.backends.mkldnn.flags(enabled=False):
        assert kernels.onednn_batch([5, 5, 5]) is None


@pytest.fixture
def picks(monkeypatch):
    """Records the dispatch's picks on CPU."""
    real, seen = select, []

    def pick(device, dtype, **kw):
        seen.append(real(device, dtype, **kw))
        return seen[-1]

    monkeypatch.setattr(kernels, "select", pick)
    return seen


@pytest.mark.parametrize(
    ("kw", "call", "expected"),
    [
        ({}, {}, "torch"),
        ({"proj_size": 3}, {}, "fused"),
        ({"variant": "peephole"}, {}, "fused"),
        ({}, {"return_gates": True}, "fused"),
        ({}, {"lengths": [6, 4, 6, 2]}, "fused"),
    ],
)
def test_cpu_layers_pick_onednn_only_for_plain_small_dense_calls(kw, call, expected, picks):
    """A full batch with no state asks the dispatch once for the whole stack, any variant: torch's
    op runs both layers in one call, or every layer runs on the kernel picked. Any other call
    (lengths, gates) asks once per layer, after once for the stack (``stack_sequence``) when
    the maths is torch.nn's."""
    plain = "variant" not in kw and "return_gates" not in call
    asks = 1 if not call else 2 + plain
    lstmlab.LSTM(3, 5, 2, **kw)(torch.randn(6, 4, 3), **call)
    assert picks == (["torch"] if expected == "torch" else [expected] * asks)
    picks.clear()
    if "lengths" in call:
        call = {**call, "lengths": call["lengths"] * 8}
    lstmlab.LSTM(3, 5, 2, **kw)(torch.randn(6, 32, 3), **call)
    assert picks == ["fused"] * asks


@pytest.mark.parametrize("bidirectional", [False, True])
def test_onednn_path_equals_the_fused_kernel(bidirectional, picks):
    """Rule 2's op and lstmlab's kernel: the same values and gradients (float32 rounding),
    double backward included (a Hessian-vector product through both)."""
    torch.manual_seed(0)
    auto = lstmlab.LSTM(3, 5, 2, bidirectional=bidirectional)
    fused = lstmlab.LSTM(3, 5, 2, bidirectional=bidirectional, backend="fused")
    fused.load_state_dict(auto.state_dict())
    x = torch.randn(7, 4, 3)
    v = torch.randn(7, 4, 3)
    results = []
    for layer in (auto, fused):
        xi = x.clone().requires_grad_()
        h0 = torch.randn(2 * (1 + bidirectional), 4, 5, generator=torch.Generator().manual_seed(1))
        out, (h, c) = layer(xi, (h0, torch.zeros_like(h0)))
        loss = (out**2).sum() + h.sum() + (c**2).sum()
        grads = torch.autograd.grad(loss, [xi, *layer.parameters()], create_graph=True)
        (hvp,) = torch.autograd.grad((grads[0] * v).sum(), [xi])
        results.append([out, h, c, *grads, hvp])
    # one call of torch's op for the whole stack; the fused layer asks once more per layer
    assert picks == ["torch"] + ["fused"] * (1 + 2 * (1 + bidirectional))
    for got, want in zip(*results, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(("dropout", "training"), [(0.0, True), (0.5, False), (0.0, False)])
def test_a_plain_stack_is_one_call_of_torchs_op_as_in_torch_nn(dropout, training, picks):
    """Rule 2 for a stack: lstmlab makes torch.nn.LSTM's one call (all layers, both directions),
    so the results are torch.nn's to the bit, gradients included."""
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(3, 5, 3, dropout=dropout, bidirectional=True).train(training)
    ours = lstmlab.LSTM.from_torch(theirs).train(training)
    x = torch.randn(7, 4, 3)
    h0 = torch.randn(6, 4, 5)
    results = []
    for layer in (theirs, ours):
        xi = x.clone().requires_grad_()
        out, (h, c) = layer(xi, (h0, torch.zeros_like(h0)))
        loss = (out**2).sum() + h.sum() + (c**2).sum()
        results.append([out, h, c, *torch.autograd.grad(loss, [xi, *layer.parameters()])])
    assert picks == ["torch"]
    for got, want in zip(*results, strict=True):
        assert torch.equal(got, want)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_a_full_batch_without_state_is_torch_nn_s_call(
    batch_first, bidirectional, picks, monkeypatch
):
    """The commonest call (a tensor, no hx, no lengths, no gates) skips the general path's
    packed rows (``stack_sequence``) and goes to torch's op as torch.nn calls it: torch.nn's
    results to the bit, gradients included, after one pick of the dispatch; and the general
    path's (hx given)."""
    general = []
    real = kernels.stack_sequence
    monkeypatch.setattr(
        kernels, "stack_sequence", lambda *a, **k: general.append(1) or real(*a, **k)
    )
    torch.manual_seed(0)
    kw = {"batch_first": batch_first, "bidirectional": bidirectional}
    theirs = torch.nn.LSTM(3, 5, 2, **kw)
    ours = lstmlab.LSTM.from_torch(theirs)
    x = torch.randn(4, 7, 3) if batch_first else torch.randn(7, 4, 3)
    zeros = torch.zeros(2 * (1 + bidirectional), 4, 5)
    results = []
    for layer, hx in ((theirs, None), (ours, None), (ours, (zeros, zeros))):
        picks.clear()
        xi = x.clone().requires_grad_()
        out, (h, c) = layer(xi, hx)
        loss = (out**2).sum() + h.sum() + (c**2).sum()
        results.append([out, h, c, *torch.autograd.grad(loss, [xi, *layer.parameters()])])
        assert picks == ([] if layer is theirs else ["torch"])
    assert general == [1]  # the call with hx only
    for got, want in zip(results[1], results[0], strict=True):
        assert torch.equal(got, want)
    for got, want in zip(results[2], results[0], strict=True):
        assert torch.equal(got, want)


def test_a_full_batch_reads_the_weights_of_the_call(picks):
    """That path reads each weight when it is called: a reassigned parameter and a
    parametrised one (torch.nn.utils.parametrize) give what the general path gives."""
    torch.manual_seed(0)
    layer = lstmlab.LSTM(3, 5, 2)
    x = torch.randn(6, 4, 3)
    zeros = torch.zeros(2, 4, 5)
    before = layer(x)[0]
    layer.weight_hh_l0 = torch.nn.Parameter(torch.randn(20, 5))
    torch.nn.utils.parametrize.register_parametrization(layer, "weight_ih_l1", _Double())
    out, (h, c) = layer(x)
    want_out, (want_h, want_c) = layer(x, (zeros, zeros))
    assert not torch.equal(out, before)
    assert torch.equal(out, want_out) and torch.equal(h, want_h) and torch.equal(c, want_c)
    assert set(picks) == {"torch"}


class _Double(torch.nn.Module):
    def forward(self, w):
        return 2 * w


def test_dropout_in_a_stack_draws_torch_nn_masks(picks):
    """Dropout between layers in training: torch's op draws it in the one call, the same masks
    as torch.nn.LSTM's (the same seed) and as lstmlab's own layer-by-layer path."""
    theirs = torch.nn.LSTM(3, 5, 3, dropout=0.5)
    ours = lstmlab.LSTM.from_torch(theirs)
    fused = lstmlab.LSTM.from_torch(theirs, backend="fused")
    x = torch.randn(6, 4, 3)
    outs = []
    for layer in (theirs, ours, fused):
        torch.manual_seed(1)
        outs.append(layer(x)[0])
    assert picks[0] == "torch" and set(picks[1:]) == {"fused"}
    assert torch.equal(outs[1], outs[0])
    torch.testing.assert_close(outs[2], outs[0], rtol=1e-5, atol=1e-6)
    with torch.no_grad():  # training mode without a gradient: still dropout, as in torch.nn
        torch.manual_seed(2)
        want = theirs(x)[0]
        torch.manual_seed(2)
        assert torch.equal(ours(x)[0], want)
