"""Second derivatives through the fused kernels: ``gradgradcheck`` in float64 for every cell (LSTM
and its variants, GRU with both reset placements, RNN tanh/relu, packed and reversed input), and
Hessian-vector products and a gradient penalty equal to torch.nn's on the same weights.

The fused backward is hand-written and not itself differentiable; under ``create_graph=True`` it
differentiates the reference recurrence instead (``kernels.recompute``). Before that, every
second derivative through the fused path was silently zero."""

from __future__ import annotations

import pytest
import torch
from torch.func import functional_call
from torch.nn.utils.rnn import pack_padded_sequence

import lstmlab
from lstmlab.cells.lstm import LSTMWeights, lstm_shapes
from lstmlab.cells.options import VARIANTS
from lstmlab.kernels import build, fused_gru_rnn, fused_lstm
from lstmlab.kernels.reference import Call

from .helpers import lstm_kernel

pytestmark = pytest.mark.skipif(not build.load(), reason="the fused kernels could not be built")

DTYPE = torch.float64
PACKED = [3, 2, 1]  # lengths 3, 2, 1: rows leave early (forward) or join late (reverse)


def _leaves(gen, *shapes):
    return [
        (torch.randn(s, generator=gen, dtype=DTYPE) * 0.5).requires_grad_() if s else None
        for s in shapes
    ]


@pytest.mark.parametrize(
    "variant, P, reverse",
    [("vanilla", 0, False), ("vanilla", 1, True), ("peephole", 0, True), ("cifg", 0, False),
     ("fgr", 0, True), ("nfg", 0, False), ("niaf", 0, False), ("noaf", 0, True)],
)  # fmt: skip
def test_lstm_gradgradcheck(variant, P, reverse):
    gen = torch.Generator().manual_seed(0)
    opts, (I, H) = VARIANTS[variant], (2, 2)
    shapes = lstm_shapes(opts, I, H, P, True)
    names = list(shapes)
    x, h0, c0 = _leaves(gen, (sum(PACKED), I), (3, P or H), (3, H))
    params = _leaves(gen, *shapes.values())

    def f(x, h0, c0, *params):
        w = LSTMWeights(**dict(zip(names, params, strict=True)))
        out, h, c, _ = fused_lstm.lstm_fused(Call(x, PACKED, (h0, c0), w, reverse), opts)
        return out, h, c

    assert torch.autograd.gradgradcheck(f, (x, h0, c0, *params), fast_mode=True)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("reverse", [False, True])
def test_gru_gradgradcheck(reset_after, reverse):
    gen = torch.Generator().manual_seed(1)
    I, H = 2, 2
    x, h0, *w = _leaves(gen, (sum(PACKED), I), (3, H), (3 * H, I), (3 * H, H), (3 * H,), (3 * H,))

    def f(x, h0, *w):
        out, h, _ = fused_gru_rnn.gru_fused(Call(x, PACKED, (h0,), w, reverse), reset_after)
        return out, h

    assert torch.autograd.gradgradcheck(f, (x, h0, *w), fast_mode=True)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("reverse", [False, True])
def test_rnn_gradgradcheck(nonlinearity, reverse):
    gen = torch.Generator().manual_seed(2)
    I, H = 2, 3
    x, h0, *w = _leaves(gen, (sum(PACKED), I), (3, H), (H, I), (H, H), (H,), (H,))

    def f(x, h0, *w):
        out, h, _ = fused_gru_rnn.rnn_fused(Call(x, PACKED, (h0,), w, reverse), nonlinearity)
        return out, h

    assert torch.autograd.gradgradcheck(f, (x, h0, *w), fast_mode=True)


LAYERS = {
    "LSTM": lambda: lstmlab.LSTM(3, 4, 2, bidirectional=True, backend="fused", dtype=DTYPE),
    "LSTM-proj": lambda: lstmlab.LSTM(3, 4, proj_size=2, backend="fused", dtype=DTYPE),
    "GRU": lambda: lstmlab.GRU(3, 4, 2, backend="fused", dtype=DTYPE),
    "RNN-tanh": lambda: lstmlab.RNN(3, 4, bidirectional=True, backend="fused", dtype=DTYPE),
    "RNN-relu": lambda: lstmlab.RNN(3, 4, nonlinearity="relu", backend="fused", dtype=DTYPE),
}


def _pair(name):
    torch.manual_seed(0)
    ours = LAYERS[name]()
    return ours, ours.to_torch()


def _outputs(layer, x, packed, params=None):
    """Output rows and final states of ``layer`` (with ``params`` in place of its own)."""
    inp = pack_padded_sequence(x, [5, 3, 2], enforce_sorted=False) if packed else x
    y, s = functional_call(layer, params or dict(layer.named_parameters()), (inp,))
    y = y.data if packed else y
    return [y, *(s if isinstance(s, tuple) else (s,))]


def _loss(layer, x, packed, params=None):
    return sum((t**2).sum() for t in _outputs(layer, x, packed, params))


@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize("name", list(LAYERS))
def test_hvp_equals_torch(name, packed):
    """Hessian-vector products in the input and in the weights equal torch.nn's."""
    ours, theirs = _pair(name)
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(5, 3, 3, generator=gen, dtype=DTYPE)  # (T, B, I)
    v = torch.randn(x.shape, generator=gen, dtype=DTYPE)
    names, params = zip(*ours.named_parameters(), strict=True)
    vw = tuple(torch.randn(p.shape, generator=gen, dtype=DTYPE) for p in params)
    w = tuple(p.detach() for p in params)
    results = []
    for layer in (ours, theirs):
        _, hv_x = torch.autograd.functional.hvp(lambda x, m=layer: _loss(m, x, packed), x, v)
        _, hv_w = torch.autograd.functional.hvp(
            lambda *w, m=layer: _loss(m, x, packed, dict(zip(names, w, strict=True))), w, vw
        )
        results.append([hv_x, *hv_w])
    assert results[1][0].abs().max() > 1e-3  # a zero Hessian would not pass by accident
    for got, want in zip(*results, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN-tanh"])
def test_gradient_penalty_equals_torch(name):
    """A gradient penalty ‖∂L/∂x‖² (WGAN-GP, input-gradient regularisers) trains the weights as
    torch.nn's: its gradient w.r.t. every parameter is the same."""
    ours, theirs = _pair(name)
    x0 = torch.randn(4, 3, 3, generator=torch.Generator().manual_seed(5), dtype=DTYPE)
    results = []
    for layer in (ours, theirs):
        x = x0.clone().requires_grad_()
        loss = sum(t.tanh().sum() for t in _outputs(layer, x, packed=False))
        (gx,) = torch.autograd.grad(loss, x, create_graph=True)
        penalty = (gx**2).sum()
        results.append(torch.autograd.grad(penalty, list(layer.parameters())))
    for got, want in zip(*results, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-11)


def test_first_derivatives_agree_with_and_without_graph(rule):
    """create_graph=True takes the recomputed backward; its first derivatives equal the fused
    backward's (under the CUDA rule the call is the reference's, which must agree too)."""
    opts = VARIANTS["fgr"]
    gen = torch.Generator().manual_seed(6)
    shapes = lstm_shapes(opts, 2, 3, 0, True)
    x, h0, c0 = _leaves(gen, (sum(PACKED), 2), (3, 3), (3, 3))
    w = LSTMWeights(**dict(zip(shapes, _leaves(gen, *shapes.values()), strict=True)))
    leaves = [x, h0, c0, *(p for p in w if p is not None)]
    grads = []
    for create_graph in (False, True):
        out, h, c, _ = lstm_kernel(Call(x, PACKED, (h0, c0), w, True), opts)
        loss = (out**2).sum() + h.sum() + (c**3).sum()
        grads.append(torch.autograd.grad(loss, leaves, create_graph=create_graph))
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
        assert b.requires_grad and not a.requires_grad
