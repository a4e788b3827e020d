"""Two contracts of the layers, on every kernel (the fused C++ LSTM and GRU, the RNN, and the
reference recurrence):

- the gates of ``return_gates=True`` are in the autograd graph like the output: a loss of the
  gates gets the reference recurrence's gradient, and under no_grad they are plain tensors;
- FGR's previous-gate state s is part of the state: the returned (h_n, c_n) carries ``.s``,
  and hx takes it back (or (h_0, c_0, s_0); (h_0, c_0) alone starts s at 0), so a sequence
  cut into two calls equals one call over it (values, and gradients when the state is not
  detached between the calls); float64 gradcheck of the fused path with s_0 in and s_n out.
"""

from __future__ import annotations

import pickle

import pytest
import torch

import lstmlab
from lstmlab.layers import truncated_bptt

DT = torch.float64
TOL = {"rtol": 1e-10, "atol": 1e-12}
T, B, I, H = 6, 3, 2, 4
BACKENDS = ("fused", "reference")

LAYERS = {
    "LSTM": lambda **kw: lstmlab.LSTM(I, H, **kw),
    "LSTM-peephole-proj": lambda **kw: lstmlab.LSTM(I, H, proj_size=2, variant="peephole", **kw),
    "LSTM-cifg": lambda **kw: lstmlab.LSTM(I, H, variant="cifg", **kw),
    "LSTM-fgr": lambda **kw: lstmlab.LSTM(I, H, variant="fgr", **kw),
    "GRU": lambda **kw: lstmlab.GRU(I, H, **kw),
    "GRU-cho": lambda **kw: lstmlab.GRU(I, H, reset_after=False, **kw),
    "RNN": lambda **kw: lstmlab.RNN(I, H, nonlinearity="relu", **kw),
}


def pair(name: str, backend: str, **kw):
    """The layer on ``backend`` and its twin on the reference, with the same weights."""
    torch.manual_seed(0)
    ours = LAYERS[name](dtype=DT, backend=backend, num_layers=2, bidirectional=True, **kw)
    ref = LAYERS[name](dtype=DT, backend="reference", num_layers=2, bidirectional=True, **kw)
    ref.load_state_dict(ours.state_dict())
    return ours, ref


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", list(LAYERS))
def test_gates_are_in_the_graph_with_the_references_gradient(name, backend):
    ours, ref = pair(name, backend)
    x = torch.randn(T, B, I, dtype=DT)
    grads = []
    for layer in (ours, ref):
        xi = x.clone().requires_grad_()
        _, _, gates = layer(xi, lengths=[T, 2, T - 1], return_gates=True)
        assert all(g.requires_grad for g in gates.values()), name
        gen = torch.Generator().manual_seed(1)
        loss = sum(
            (g * torch.randn(g.shape, generator=gen, dtype=DT)).sum() for g in gates.values()
        )
        grads.append(torch.autograd.grad(loss, [xi, *layer.parameters()]))
    for got, want in zip(*grads, strict=True):
        torch.testing.assert_close(got, want, **TOL)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_gates_under_no_grad_are_plain_tensors(name, backend):
    ours, _ = pair(name, backend)
    with torch.no_grad():
        _, _, gates = ours(torch.randn(T, B, I, dtype=DT), return_gates=True)
    assert not any(g.requires_grad for g in gates.values())


@pytest.mark.parametrize("backend", BACKENDS)
def test_fgr_state_is_returned_and_accepted(backend):
    layer, _ = pair("LSTM-fgr", backend)
    x = torch.randn(T, B, I, dtype=DT)
    out, state = layer(x)
    (h, c), s = state, state.s  # unpacks as torch.nn.LSTM's (h_n, c_n)
    assert h.shape == c.shape == (4, B, H) and s.shape == (4, B, 3 * H)
    torch.testing.assert_close(layer(x, state)[0], layer(x, (h, c, s))[0], rtol=0, atol=0)
    torch.testing.assert_close(layer(x, (h, c))[0], layer(x, (h, c, torch.zeros_like(s)))[0])
    assert not torch.allclose(layer(x, (h, c))[0], layer(x, (h, c, s))[0])
    with pytest.raises(TypeError, match=r"^hx: expected a tuple of 3 tensors \(h, c, s\) or 2"):
        layer(x, (h,))
    with pytest.raises(ValueError, match=r"^hx\[2\] \(s_0\): expected shape \(4, 3, 12\)"):
        layer(x, (h, c, s[..., :4]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_fgr_s_is_the_last_steps_sigmoid_gates(backend):
    layer = lstmlab.LSTM(I, H, variant="fgr", dtype=DT, backend=backend)
    x = torch.randn(T, B, I, dtype=DT)
    _, state, gates = layer(x, lengths=[T, 2, 5], return_gates=True)
    s = state.s
    for b, n in enumerate([T, 2, 5]):
        want = torch.cat([gates[k][n - 1, b] for k in "ifo"])
        torch.testing.assert_close(s[0, b], want, rtol=0, atol=0)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["LSTM-fgr", "LSTM"])
def test_two_calls_equal_one_call(name, backend):
    """Truncated BPTT over FGR continues exactly: the outputs of two calls, the second starting
    from the first's state, are those of one call; with the state kept in the graph, so are the
    gradients. ``truncated_bptt`` (which detaches at the cut) gives the same outputs."""
    torch.manual_seed(0)
    layer = LAYERS[name](dtype=DT, backend=backend, num_layers=2)
    x = torch.randn(T, B, I, dtype=DT, requires_grad=True)
    whole, state = layer(x)
    first, mid = layer(x[:4])
    second, end = layer(x[4:], mid)
    torch.testing.assert_close(torch.cat([first, second]), whole, **TOL)
    end, state = layer.state_tensors(end), layer.state_tensors(state)
    assert len(state) == (3 if name == "LSTM-fgr" else 2)
    for got, want in zip(end, state, strict=True):
        torch.testing.assert_close(got, want, **TOL)
    params = [x, *layer.parameters()]
    g_whole = torch.autograd.grad(whole.square().sum() + sum(s.sum() for s in state), params)
    loss = torch.cat([first, second]).square().sum() + sum(s.sum() for s in end)
    for got, want in zip(torch.autograd.grad(loss, params), g_whole, strict=True):
        torch.testing.assert_close(got, want, **TOL)
    chunks = [out for out, _ in truncated_bptt(layer, x, 4)]
    torch.testing.assert_close(torch.cat(chunks), whole, **TOL)


def test_carried_state_pickles_and_detaches_with_its_s():
    layer = lstmlab.LSTM(I, H, variant="fgr", dtype=DT)
    _, state = layer(torch.randn(T, B, I, dtype=DT))
    back = pickle.loads(pickle.dumps(state))
    assert len(back) == 2 and torch.equal(back.s, state.s) and torch.equal(back[0], state[0])
    chunks = list(truncated_bptt(layer, torch.randn(2, B, I, dtype=DT), 1))
    assert chunks[-1][1].s.requires_grad  # the state a chunk returns is in its graph


def test_fgr_gradcheck_with_state_in_and_out():
    """float64 gradcheck of the fused FGR path with s_0 given and s_n used by the loss."""
    torch.manual_seed(0)
    layer = lstmlab.LSTM(I, 3, variant="fgr", bidirectional=True, dtype=DT, backend="fused")
    x = torch.randn(4, 2, I, dtype=DT, requires_grad=True)
    hx = [torch.randn(2, 2, k, dtype=DT, requires_grad=True) for k in (3, 3, 9)]
    names = [k for k, _ in layer.named_parameters()]

    def f(x, h0, c0, s0, *params):
        out, state = torch.func.functional_call(
            layer, dict(zip(names, params, strict=True)), (x, (h0, c0, s0)), {"lengths": [4, 2]}
        )
        return out, *state, state.s

    assert torch.autograd.gradcheck(f, (x, *hx, *layer.parameters()), eps=1e-6, atol=1e-7)
