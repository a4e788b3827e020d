"""``return_gates=True``: the layout of the per-step gates, zeros past each length, the same
output and state as the plain call, and the GRU's gates against its equations."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence

import lstmlab

DTYPE = torch.float64
EXACT = {"rtol": 0, "atol": 0}
TOL = {"rtol": 1e-10, "atol": 1e-12}
T, B, I, H = 5, 3, 2, 4
LENGTHS = [3, 5, 1]

GATE_NAMES = {"LSTM": set("figoch"), "GRU": set("rznh"), "RNN": {"h"}}


def make(kind, backend, **options):
    torch.manual_seed(0)
    return getattr(lstmlab, kind)(I, H, dtype=DTYPE, backend=backend, **options)


def assert_same_result(plain, with_gates):
    """The first two results of a return_gates call equal the plain call's."""
    y0, s0 = plain
    y1, s1 = with_gates[:2]
    if isinstance(y0, torch.nn.utils.rnn.PackedSequence):
        y0, y1 = y0.data, y1.data
    torch.testing.assert_close(y1, y0, **EXACT)
    for a, b in zip(
        s1 if isinstance(s1, tuple) else (s1,), s0 if isinstance(s0, tuple) else (s0,), strict=True
    ):
        torch.testing.assert_close(a, b, **EXACT)


@pytest.mark.parametrize("kind", GATE_NAMES)
def test_one_layer_layout(kind, backend):
    layer = make(kind, backend)
    x = torch.randn(T, B, I, dtype=DTYPE)
    result = layer(x, return_gates=True)
    assert len(result) == 3
    assert_same_result(layer(x), result)
    gates = result[2]
    assert set(gates) == GATE_NAMES[kind]
    for k, v in gates.items():
        assert v.shape == (T, B, H), k
    torch.testing.assert_close(gates["h"], result[0], **EXACT)


@pytest.mark.parametrize("kind", GATE_NAMES)
def test_batch_first_and_unbatched_follow_the_output(kind, backend):
    layer = make(kind, backend, batch_first=True)
    x = torch.randn(B, T, I, dtype=DTYPE)
    y, _, gates = layer(x, return_gates=True)
    assert all(v.shape == (B, T, H) for v in gates.values())
    torch.testing.assert_close(gates["h"], y, **EXACT)
    y, _, gates = layer(x[0], return_gates=True)  # unbatched (T, I)
    assert all(v.shape == (T, H) for v in gates.values())
    torch.testing.assert_close(gates["h"], y, **EXACT)


@pytest.mark.parametrize("kind", GATE_NAMES)
@pytest.mark.parametrize("batch_first", [False, True])
def test_stacked_layout_is_indexed_like_h_n(kind, batch_first, backend):
    """(L·D, T, B, H), entry k = layer·D + direction, like h_n."""
    L, D = 2, 2
    layer = make(kind, backend, num_layers=L, bidirectional=True, batch_first=batch_first)
    x = torch.randn((B, T, I) if batch_first else (T, B, I), dtype=DTYPE)
    result = layer(x, return_gates=True)
    assert_same_result(layer(x), result)
    y, state, gates = result
    h_n = state[0] if isinstance(state, tuple) else state
    for v in gates.values():
        assert v.shape == ((L * D, B, T, H) if batch_first else (L * D, T, B, H))
    h = gates["h"] if not batch_first else gates["h"].transpose(1, 2)  # (L·D, T, B, H)
    for k in range(L * D):
        last = 0 if k % 2 else -1  # the reverse direction ends at t = 0
        torch.testing.assert_close(h[k, last], h_n[k], **EXACT)
    y = y if not batch_first else y.transpose(0, 1)
    torch.testing.assert_close(torch.cat([h[2], h[3]], dim=-1), y, **EXACT)  # last layer


def test_unbatched_stacked_layout(backend):
    layer = make("LSTM", backend, num_layers=2)
    _, _, gates = layer(torch.randn(T, I, dtype=DTYPE), return_gates=True)
    assert all(v.shape == (2, T, H) for v in gates.values())


def test_projection_gives_h_with_proj_size_features(backend):
    layer = make("LSTM", backend, proj_size=2, bidirectional=True)
    _, _, gates = layer(torch.randn(T, B, I, dtype=DTYPE), return_gates=True)
    assert gates["h"].shape == (2, T, B, 2)
    assert gates["c"].shape == (2, T, B, H)


PADDED_CASES = [("LSTM", v) for v in ("vanilla", "nig", "cifg", "fgr")] + [("GRU", ""), ("RNN", "")]


@pytest.mark.parametrize(("kind", "variant"), PADDED_CASES)
@pytest.mark.parametrize("how", ["lengths", "packed"])
def test_zeros_past_each_length(kind, variant, how, backend):
    options = {"variant": variant} if variant else {}
    layer = make(kind, backend, bidirectional=True, batch_first=True, **options)
    x = torch.randn(B, T, I, dtype=DTYPE)
    if how == "lengths":
        plain, result = layer(x, lengths=LENGTHS), layer(x, lengths=LENGTHS, return_gates=True)
    else:
        packed = pack_padded_sequence(x, LENGTHS, batch_first=True, enforce_sorted=False)
        plain, result = layer(packed), layer(packed, return_gates=True)
    assert_same_result(plain, result)
    for k, v in result[2].items():
        assert v.shape == (2, B, T, H), k
        for b, n in enumerate(LENGTHS):
            assert torch.equal(v[:, b, n:], torch.zeros_like(v[:, b, n:])), (k, b)
            assert v[:, b, :n].abs().min() > 0, (k, b)  # the real steps are there
    if kind == "LSTM" and variant == "nig":
        for b, n in enumerate(LENGTHS):
            assert torch.equal(result[2]["i"][:, b, :n], torch.ones(2, n, H, dtype=DTYPE))


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_gates_follow_the_equations(reset_after, backend):
    layer = make("GRU", backend, reset_after=reset_after)
    x, h0 = torch.randn(T, B, I, dtype=DTYPE), torch.randn(1, B, H, dtype=DTYPE)
    y, _, gates = layer(x, h0, return_gates=True)
    h_prev = torch.cat([h0, gates["h"][:-1]])  # (T, B, H)
    a_r, a_z, a_n = F.linear(x, layer.weight_ih_l0, layer.bias_ih_l0).chunk(3, dim=-1)
    W_hr, W_hz, W_hn = layer.weight_hh_l0.chunk(3)
    b_hr, b_hz, b_hn = layer.bias_hh_l0.chunk(3)
    r = torch.sigmoid(a_r + F.linear(h_prev, W_hr, b_hr))
    z = torch.sigmoid(a_z + F.linear(h_prev, W_hz, b_hz))
    if reset_after:  # torch.nn.GRU and cuDNN
        n = torch.tanh(a_n + r * F.linear(h_prev, W_hn, b_hn))
    else:  # Cho et al. 2014
        n = torch.tanh(a_n + F.linear(r * h_prev, W_hn, b_hn))
    for k, v in {"r": r, "z": z, "n": n, "h": (1 - z) * n + z * h_prev}.items():
        torch.testing.assert_close(gates[k], v, **TOL)
    torch.testing.assert_close(y, gates["h"], **EXACT)


def test_gru_reset_after_false_differs_from_torch():
    """Cho et al.'s placement is a different function, so it neither equals nor converts."""
    torch.manual_seed(0)
    ours = lstmlab.GRU(I, H, reset_after=False, dtype=DTYPE)
    twin = lstmlab.GRU(I, H, dtype=DTYPE)
    twin.load_state_dict(ours.state_dict())
    x = torch.randn(T, B, I, dtype=DTYPE)
    assert not torch.allclose(ours(x)[0], twin(x)[0])
    with pytest.raises(ValueError, match=r"reset_after: GRU has no such option; expected .* got"):
        ours.to_torch()


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_gates_follow_the_equation(nonlinearity, backend):
    layer = make("RNN", backend, nonlinearity=nonlinearity)
    x, h0 = torch.randn(T, B, I, dtype=DTYPE), torch.randn(1, B, H, dtype=DTYPE)
    _, _, gates = layer(x, h0, return_gates=True)
    h_prev = torch.cat([h0, gates["h"][:-1]])
    a = F.linear(x, layer.weight_ih_l0, layer.bias_ih_l0)
    a = a + F.linear(h_prev, layer.weight_hh_l0, layer.bias_hh_l0)
    phi = torch.tanh if nonlinearity == "tanh" else torch.relu
    torch.testing.assert_close(gates["h"], phi(a), **TOL)


def test_reference_gates_carry_gradients():
    """On the reference loop the read-out is part of the graph (e.g. for a gate penalty)."""
    layer = make("LSTM", "reference", variant="peephole")
    _, _, gates = layer(torch.randn(T, B, I, dtype=DTYPE), return_gates=True)
    gates["f"].sum().backward()
    assert layer.weight_peep_l0.grad is not None and layer.weight_peep_l0.grad.abs().sum() > 0


@pytest.mark.parametrize("kind", GATE_NAMES)
def test_gates_are_differentiable_or_detached_never_wrong(kind, backend):
    """The fused kernels return detached gates (documented in kernels/fused_*.py); a backend
    that does attach them to the graph must give the reference loop's gradients."""
    ref = make(kind, "reference")
    layer = make(kind, backend)
    x = torch.randn(T, B, I, dtype=DTYPE)
    gates = layer(x, return_gates=True)[2]
    k = {"LSTM": "f", "GRU": "z", "RNN": "h"}[kind]
    if not gates[k].requires_grad:
        return
    expected = torch.autograd.grad(ref(x, return_gates=True)[2][k].sum(), ref.weight_hh_l0)
    got = torch.autograd.grad(gates[k].sum(), layer.weight_hh_l0)
    torch.testing.assert_close(got, expected, **TOL)
