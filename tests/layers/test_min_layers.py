"""lstmlab.MinGRU / MinLSTM: torch.nn's conventions (stacking, directions, batch_first, unbatched,
initial and final state, packed and padded input, gates), both modes equal, bad input refused."""

from __future__ import annotations

import inspect
import io
import re

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import lstmlab

LAYERS = [lstmlab.MinGRU, lstmlab.MinLSTM]
dt = torch.float64


def _pair(cls, **kw):
    torch.manual_seed(0)
    scan = cls(3, 5, dtype=dt, **kw)
    seq = cls(3, 5, dtype=dt, backend="reference", **kw)
    seq.load_state_dict(scan.state_dict())
    return scan, seq


@pytest.mark.parametrize("cls", LAYERS)
def test_stacked_bidirectional_scan_equals_sequential_with_gradients(cls):
    scan, seq = _pair(cls, num_layers=2, bidirectional=True)
    x = torch.randn(9, 4, 3, dtype=dt, requires_grad=True)
    h0 = torch.randn(4, 4, 5, dtype=dt)
    grads = []
    for m in (scan, seq):
        out, h_n = m(x, h0, lengths=[9, 4, 7, 1])
        assert out.shape == (9, 4, 10) and h_n.shape == (4, 4, 5)
        loss = (out * torch.linspace(-1, 1, out.numel(), dtype=dt).view_as(out)).sum() + h_n.sum()
        grads.append(torch.autograd.grad(loss, [x, *m.parameters()]))
        grads[-1] = (out, h_n, *grads[-1])
    for a, b in zip(*grads, strict=True):
        assert torch.allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cls", LAYERS)
def test_batch_first_unbatched_and_packed_agree(cls):
    scan, _ = _pair(cls)
    x = torch.randn(6, 2, 3, dtype=dt)
    out, h = scan(x)
    first = cls(3, 5, batch_first=True, dtype=dt)
    first.load_state_dict(scan.state_dict())
    y_bf, h_bf = first(x.transpose(0, 1))
    assert torch.allclose(y_bf.transpose(0, 1), out) and torch.allclose(h_bf, h)
    y1, h1 = scan(x[:, 1])  # unbatched (T, I)
    assert torch.allclose(y1, out[:, 1]) and torch.allclose(h1, h[:, 1])
    packed = pack_padded_sequence(x, [6, 3], enforce_sorted=False)
    y_p, h_p = scan(packed)
    y_l, h_l = scan(x, lengths=[6, 3])
    assert torch.allclose(pad_packed_sequence(y_p, total_length=6)[0], y_l)
    assert torch.allclose(h_p, h_l)
    assert torch.allclose(h_l[:, 1], scan(x[:3, 1])[1])  # state at its own last step
    assert (y_l[3:, 1] == 0).all()


@pytest.mark.parametrize("cls", LAYERS)
def test_state_carries_across_chunks(cls):
    scan, _ = _pair(cls)
    x = torch.randn(10, 2, 3, dtype=dt)
    out, h = scan(x)
    a, h_a = scan(x[:4])
    b, h_b = scan(x[4:], h_a)
    assert torch.allclose(torch.cat([a, b]), out) and torch.allclose(h_b, h)


def test_gates_are_the_equations():
    layer, _ = _pair(lstmlab.MinLSTM)
    x = torch.randn(7, 2, 3, dtype=dt)
    out, h_n, gates = layer(x, return_gates=True)
    assert set(gates) == {"f", "i", "h_tilde", "h"}
    assert all(v.shape == (7, 2, 5) for v in gates.values())
    assert torch.allclose(gates["f"] + gates["i"], torch.ones(7, 2, 5, dtype=dt))
    assert (gates["h_tilde"] > 0).all() and torch.allclose(gates["h"], out)
    h = torch.zeros(2, 5, dtype=dt)
    for t in range(7):
        h = gates["f"][t] * h + gates["i"][t] * gates["h_tilde"][t]
    assert torch.allclose(h, h_n[0])
    gru, _ = _pair(lstmlab.MinGRU, num_layers=2)
    _, _, gates = gru(x, return_gates=True)
    assert set(gates) == {"z", "h_tilde", "h"} and gates["z"].shape == (2, 7, 2, 5)


def test_chrono_and_forget_bias_set_the_gate_biases():
    torch.manual_seed(0)
    m = lstmlab.MinLSTM(3, 64, chrono=100)
    b = m.bias_ih_l0.detach()
    assert torch.allclose(b[:64], -b[64:128])  # f + i = 1
    u = torch.exp(b[:64])
    assert u.min() >= 1 and u.max() <= 99
    g = lstmlab.MinGRU(3, 64, chrono=100)
    one_minus_z = torch.sigmoid(-g.bias_ih_l0.detach()[:64])  # retention with x = 0
    assert one_minus_z.min() >= 0.5 and one_minus_z.max() <= 99 / 100 + 1e-6
    m = lstmlab.MinLSTM(3, 4, forget_bias=1.0)
    assert torch.equal(m.bias_ih_l0.detach()[:4], torch.ones(4))


@pytest.mark.parametrize("cls", LAYERS)
def test_bad_arguments_name_themselves(cls):
    m = cls(3, 5)
    with pytest.raises(ValueError, match=r"hx: expected shape \(1, 2, 5\), got \(1, 3, 5\)"):
        m(torch.randn(4, 2, 3), torch.zeros(1, 3, 5))
    with pytest.raises(ValueError, match="input: expected 3 features"):
        m(torch.randn(4, 2, 7))
    with pytest.raises(TypeError, match="input: expected dtype torch.float32"):
        m(torch.randn(4, 2, 3, dtype=dt))
    with pytest.raises(ValueError, match="lengths: expected every length in"):
        m(torch.randn(4, 2, 3), lengths=[5, 1])
    with pytest.raises(ValueError, match="chrono: expected the longest expected lag"):
        cls(3, 5, chrono=2)
    with pytest.raises(TypeError, match="hidden_size: expected an int"):
        cls(3, 5.0)
    with pytest.raises(ValueError, match="backend: expected one of"):
        cls(3, 5, backend="cuda")
    with pytest.raises(TypeError, match="module: .* no torch.nn counterpart"):
        cls.from_torch(torch.nn.GRU(3, 5))
    with pytest.raises(ValueError, match="torch.nn has no such layer"):
        m.to_torch()
    with pytest.raises(ValueError, match="forget_bias, chrono: expected at most one"):
        lstmlab.MinLSTM(3, 5, forget_bias=1.0, chrono=10)


@pytest.mark.parametrize("cls", LAYERS)
def test_weights_and_whole_model_round_trip(cls):
    m = cls(3, 5, num_layers=2, bidirectional=True)
    names = {"weight_ih_l0", "bias_ih_l0", "weight_ih_l1_reverse", "bias_ih_l1_reverse"}
    assert names <= set(m.state_dict())
    rows = 2 if cls is lstmlab.MinGRU else 3
    assert m.weight_ih_l1.shape == (rows * 5, 10)
    buf = io.BytesIO()
    torch.save(m, buf)
    buf.seek(0)
    back = torch.load(buf)  # weights_only=True: lstmlab allowlists its layers
    x = torch.randn(4, 2, 3)
    assert torch.equal(back(x)[0], m(x)[0])


@pytest.mark.parametrize("cls", LAYERS)
def test_every_constructor_option_is_documented(cls):
    doc = inspect.getdoc(cls)
    options = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    assert not [p for p in options if not re.search(rf"\b{p}\b", doc)]
    for p in ("lengths", "return_gates", "h_t ="):
        assert p in doc
