"""torch.compile of a model holding every lstmlab layer equals eager, default and
fullgraph=True, forward and backward, and after a change of shape (a recompile). The fused ops
have fake kernels (``kernels.fake``) whose shapes ``torch.library.opcheck`` checks against the
real ops. Before, GRU/RNN failed on the first call and fullgraph failed for all three."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import lstmlab
from lstmlab.kernels import build

DTYPE = torch.float64


class Stack(nn.Module):
    """One of each: LSTM with projection, bidirectional peephole LSTM, GRU (reset before),
    bidirectional relu RNN."""

    def __init__(self, backend: str) -> None:
        super().__init__()
        kw = {"backend": backend, "dtype": DTYPE}
        self.a = lstmlab.LSTM(3, 4, proj_size=2, **kw)
        self.p = lstmlab.LSTM(2, 4, variant="peephole", bidirectional=True, **kw)
        self.g = lstmlab.GRU(8, 4, reset_after=False, **kw)
        self.r = lstmlab.RNN(4, 3, nonlinearity="relu", bidirectional=True, **kw)

    def forward(self, x):
        y, (h, c) = self.a(x)
        y, _ = self.p(y)
        y, hg = self.g(y)
        y, hr = self.r(y)
        return y, h, c, hg, hr


def _results(fn, model, x):
    x = x.clone().requires_grad_()
    outs = fn(x)
    weights = [torch.linspace(-1, 1, o.numel(), dtype=DTYPE).view_as(o) for o in outs]
    loss = sum((o * w).sum() for o, w in zip(outs, weights, strict=True))
    return [*outs, *torch.autograd.grad(loss, [x, *model.parameters()])]


@pytest.mark.skipif(not build.available(), reason="the fused kernels could not be built")
@pytest.mark.parametrize("fullgraph", [False, True])
def test_compiled_fused_equals_eager(fullgraph):
    torch.manual_seed(0)
    model = Stack("fused")
    compiled = torch.compile(model, fullgraph=fullgraph)
    for T, B in [(4, 2), (6, 3)]:  # the second shape recompiles
        x = torch.randn(T, B, 3, dtype=DTYPE)
        for got, want in zip(_results(compiled, model, x), _results(model, model, x), strict=True):
            torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fullgraph", [False, True])
def test_compiled_reference_equals_eager(fullgraph):
    """The reference loop compiles too (unrolled per step, so kept tiny here)."""
    torch.manual_seed(0)
    model = lstmlab.GRU(2, 3, backend="reference", dtype=DTYPE)
    compiled = torch.compile(model, fullgraph=fullgraph)
    x = torch.randn(2, 2, 2, dtype=DTYPE)
    got = _results(compiled, model, x)
    want = _results(model, model, x)
    for a, b in zip(got, want, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def _op_cases():
    g = torch.Generator().manual_seed(0)

    def r(*shape):
        return torch.randn(shape, generator=g, dtype=DTYPE)

    bs = [3, 2, 1]
    x, h0, H = r(6, 2), r(3, 4), 4
    ops = torch.ops.lstmlab
    cases = []
    for save in (False, True):
        cases.append((ops.gru_forward, (x, h0, r(12, 2), r(12, 4), r(12), None, bs, [0, H], True,
                                        False, save)))  # fmt: skip
    out, hn, gates = ops.gru_forward(
        x, h0, r(12, 2), r(12, 4), None, None, bs, [0, H], False, True, True
    )
    for need in (False, True):
        cases.append((ops.gru_backward, (r(6, 4), r(3, 4), x, h0, r(12, 2), r(12, 4), out, gates,
                                         bs, [0, H], False, True, need, need)))  # fmt: skip
    cases.append((ops.rnn_forward, (x, h0, r(4, 2), r(4, 4), None, r(4), bs, [0, H], False, True)))
    out, _ = ops.rnn_forward(x, h0, r(4, 2), r(4, 4), None, None, bs, [0, H], True, False)
    for need in (False, True):
        cases.append((ops.rnn_backward, (r(6, 4), r(3, 4), x, h0, r(4, 2), r(4, 4), out, bs,
                                         [0, H], True, False, need, need)))  # fmt: skip
    # LSTM with peepholes (flags: i, f, o, g activation, h activation, peephole) and projection.
    flags = 0b1110111
    # w_ih, w_hh (P=2), b_ih, b_hh, the rows' permutation, w_hr, peep, gr
    w = (r(16, 2), r(16, 2), r(16), r(16), torch.randperm(16), r(2, H), r(3, H), None)
    h0p = r(3, 2)
    for save in (False, True):
        cases.append((ops.lstm_forward, (x, h0p, h0, *w, None, bs, [0, H], flags, False, save)))
    cases.append((ops.lstm_forward, (x, None, None, *w, None, bs, [0, H], flags, False, True)))
    out, AT, CT, MT, _, _ = ops.lstm_forward(x, h0p, h0, *w, None, bs, [0, H], flags, False, True)
    for need in (False, True):
        cases.append((ops.lstm_backward, (x, out, h0p, AT, CT, h0, *w[:2], w[4], w[5], w[6], None,
                                          r(6, 2), r(3, 2), r(3, 4), None, bs, [0, H], flags,
                                          False, need, need)))  # fmt: skip
    cases.append((ops.lstm_backward, (x, out, None, AT, CT, None, *w[:2], None, w[5], w[6], None,
                                      r(6, 2), None, None, None, bs, [0, H], flags, False, True,
                                      False)))  # fmt: skip
    # sLSTM, two heads of 2 units (H = 4), packed, with and without the saved gates.
    st = [r(3, H), r(3, H), r(3, H).abs(), r(3, H)]
    ws = (r(16, 2), r(16, 2), r(16))
    for save in (False, True):
        cases.append((ops.slstm_forward, (x, *st, *ws, bs, False, True, save)))
    out, _, _, _, _, G, C, Nn, _ = ops.slstm_forward(x, *st, *ws, bs, True, False, True)
    for need in (False, True):
        cases.append((ops.slstm_backward, (r(6, H), r(3, H), r(3, H), r(3, H), x, st[0], st[1],
                                           st[2], ws[0], ws[1], out, G, C, Nn, bs, True, False,
                                           need, need)))  # fmt: skip
    return cases


@pytest.mark.skipif(not build.available(), reason="the fused kernels could not be built")
def test_fake_kernels_match_the_ops():
    for op, args in _op_cases():
        torch.library.opcheck(op, args, test_utils=("test_schema", "test_faketensor"))
