"""Checkpointed BPTT gives the same values and gradients with less saved activation memory;
truncated BPTT carries the state but cuts the gradient."""

import pytest
import torch

import lstmlab
from lstmlab.layers.long_sequences import checkpointed, saved_activation_bytes, truncated_bptt


@pytest.mark.parametrize(
    "cls,kw",
    [
        (lstmlab.LSTM, {"variant": "peephole"}),
        (lstmlab.GRU, {}),
        (lstmlab.LSTM, {"num_layers": 2, "batch_first": True}),
    ],
)
def test_checkpointed_equals_full(cls, kw):
    torch.manual_seed(0)
    layer = cls(3, 5, **kw).double()
    x = (
        torch.randn(4, 23, 3, dtype=torch.double)
        if kw.get("batch_first")
        else torch.randn(23, 4, 3, dtype=torch.double)
    )
    x.requires_grad_()
    y, s = layer(x)
    yc, sc = checkpointed(layer, x, chunk=5)
    torch.testing.assert_close(yc, y)
    h, hc = (s[0], sc[0]) if isinstance(s, tuple) else (s, sc)
    torch.testing.assert_close(hc, h)
    g = torch.autograd.grad((y.sum() + h.sum()), [x, *layer.parameters()])
    gc = torch.autograd.grad((yc.sum() + hc.sum()), [x, *layer.parameters()])
    for a, b in zip(g, gc, strict=True):
        torch.testing.assert_close(b, a)


def test_checkpointed_saves_less_activation_memory():
    torch.manual_seed(0)
    layer = lstmlab.LSTM(8, 32)
    x = torch.randn(400, 4, 8, requires_grad=True)
    full = saved_activation_bytes(lambda: layer(x)[0][-1].sum())
    ckpt = saved_activation_bytes(lambda: checkpointed(layer, x, chunk=20)[0][-1].sum())
    # √T chunks of 20 steps: the boundary states only, far below the O(T) activations.
    assert ckpt < full / 5, (ckpt, full)


def test_truncated_bptt_carries_state_and_cuts_gradient():
    torch.manual_seed(0)
    layer = lstmlab.LSTM(2, 4)
    x = torch.randn(12, 3, 2, requires_grad=True)
    y_full, (h_full, _) = layer(x)
    pieces = list(truncated_bptt(layer, x, chunk=5))
    assert [p[0].shape[0] for p in pieces] == [5, 5, 2]
    torch.testing.assert_close(torch.cat([p[0] for p in pieces]), y_full)
    torch.testing.assert_close(pieces[-1][1][0], h_full)
    (g,) = torch.autograd.grad(pieces[-1][0].sum(), x)
    assert g[:10].abs().sum() == 0 and g[10:].abs().sum() > 0


def test_bad_input():
    with pytest.raises(ValueError, match="bidirectional"):
        checkpointed(lstmlab.LSTM(2, 3, bidirectional=True), torch.randn(4, 1, 2))
    with pytest.raises(ValueError, match="input: checkpointed expects a batched 3-D tensor"):
        checkpointed(lstmlab.LSTM(2, 3), torch.randn(4, 2))
    with pytest.raises(ValueError, match="chunk"):
        next(truncated_bptt(lstmlab.LSTM(2, 3), torch.randn(4, 1, 2), chunk=0))
