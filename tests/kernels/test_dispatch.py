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
    got = torch_op.lstm_torch(x, batch_sizes, h0, c0, w, reverse)
    want = reference.lstm_reference(x, batch_sizes, h0, c0, w, opts, reverse)[:3]
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
        got = torch_op.gru_torch(x, batch_sizes, h0, w, reverse)
        want = reference.gru_reference(x, batch_sizes, h0, w, True, reverse)[:2]
    else:
        phi = kind.split("_")[1]
        got = torch_op.rnn_torch(x, batch_sizes, h0, w, phi, reverse)
        want = reference.rnn_reference(x, batch_sizes, h0, w, phi, reverse)[:2]
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
