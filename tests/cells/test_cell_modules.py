"""The cell modules: drop-in for torch.nn.LSTMCell/GRUCell/RNNCell (same numbers, gradients and
initial weights), a float64 gradcheck of every variant, agreement with the layers, bad input."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.func import functional_call

import lstmlab

B, I, H, STEPS = 3, 2, 4, 3
TOL = {
    torch.float32: {"rtol": 1e-4, "atol": 1e-5},
    torch.float64: {"rtol": 1e-10, "atol": 1e-12},
}

CELLS = [
    ("LSTMCell", {}),
    ("LSTMCell", {"bias": False}),
    ("GRUCell", {}),
    ("GRUCell", {"bias": False}),
    ("RNNCell", {}),
    ("RNNCell", {"nonlinearity": "relu"}),
    ("RNNCell", {"nonlinearity": "relu", "bias": False}),
]


def probe(t):
    g = torch.Generator().manual_seed(t.numel())
    return (t * torch.randn(t.shape, generator=g, dtype=t.dtype)).sum()


def unroll(cell, xs, state):
    """Step the cell over xs (STEPS, [B,] I), feeding the state back; returns every output."""
    outs = []
    for x in xs:
        state = cell(x, state)
        outs.append(state[0] if isinstance(state, tuple) else state)
    return torch.stack(outs), state


def outputs_and_grads(cell, xs, hx):
    y, state = unroll(cell, xs, hx)
    states = state if isinstance(state, tuple) else (state,)
    loss = probe(y) + sum(probe(s) for s in states)
    leaves = [xs, *(hx if isinstance(hx, tuple) else (() if hx is None else (hx,)))]
    names, params = zip(*cell.named_parameters(), strict=True)
    grads = torch.autograd.grad(loss, [*leaves, *params])
    return [y, *states, *grads], names


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("with_hx", [True, False], ids=["hx", "no_hx"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize(("kind", "options"), CELLS, ids=str)
def test_same_as_torch_cell(kind, options, dtype, with_hx, batched):
    theirs = getattr(nn, kind)(I, H, dtype=dtype, **options)
    ours = getattr(lstmlab, kind)(I, H, dtype=dtype, **options)
    ours.load_state_dict(theirs.state_dict())
    batch = (B,) if batched else ()
    g = torch.Generator().manual_seed(0)
    xs = torch.randn(STEPS, *batch, I, generator=g, dtype=dtype).requires_grad_()
    hx = None
    if with_hx:
        n = 2 if kind == "LSTMCell" else 1
        hx = tuple(
            torch.randn(*batch, H, generator=g, dtype=dtype).requires_grad_() for _ in range(n)
        )
        hx = hx if n == 2 else hx[0]
    expected, names = outputs_and_grads(theirs, xs, hx)
    got, our_names = outputs_and_grads(ours, xs, hx)
    assert our_names == names
    for a, b in zip(got, expected, strict=True):
        assert a.shape == b.shape
        torch.testing.assert_close(a, b, **TOL[dtype])


@pytest.mark.parametrize(("kind", "options"), CELLS, ids=str)
def test_same_seed_same_initial_weights_as_torch_cell(kind, options):
    torch.manual_seed(99)
    theirs = getattr(nn, kind)(I, H, **options)
    torch.manual_seed(99)
    ours = getattr(lstmlab, kind)(I, H, **options)
    expected, got = theirs.state_dict(), ours.state_dict()
    assert list(got) == list(expected)
    assert all(torch.equal(got[k], expected[k]) for k in expected)


@pytest.mark.parametrize("variant", lstmlab.VARIANTS)
def test_lstm_cell_parameters_follow_the_variant(variant):
    opts = lstmlab.VARIANTS[variant]
    cell = lstmlab.LSTMCell(I, H, variant=variant, proj_size=2)
    shapes = {k: tuple(v.shape) for k, v in cell.named_parameters()}
    assert shapes == lstmlab.cells.lstm_shapes(opts, I, H, proj_size=2)
    assert all(p.abs().max() <= 1 / math.sqrt(H) for p in cell.parameters())


# -- gradcheck ----------------------------------------------------------------------------------


def gradcheck_cell(cell, state_sizes):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(B, I, generator=g, dtype=torch.float64)
    state = [torch.randn(B, n, generator=g, dtype=torch.float64) for n in state_sizes]
    names, params = zip(*cell.named_parameters(), strict=True)
    n = len(state)

    def fn(x, *rest):
        hx = tuple(rest[:n]) if isinstance(cell, lstmlab.LSTMCell) else rest[0]
        out = functional_call(cell, dict(zip(names, rest[n:], strict=True)), (x, hx))
        return out if isinstance(out, tuple) else (out,)

    inputs = [t.detach().clone().requires_grad_() for t in (x, *state, *params)]
    assert torch.autograd.gradcheck(fn, inputs)


@pytest.mark.parametrize("proj_size", [0, 2])
@pytest.mark.parametrize("variant", lstmlab.VARIANTS)
def test_lstm_cell_gradcheck(variant, proj_size):
    cell = lstmlab.LSTMCell(I, H, variant=variant, proj_size=proj_size, dtype=torch.float64)
    sizes = [proj_size or H, H]
    if cell.options.gate_recurrence:  # FGR carries s, the previous sigmoid gates
        sizes.append(len(cell.options.sigmoid_gates) * H)
    gradcheck_cell(cell, sizes)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_cell_gradcheck(reset_after):
    gradcheck_cell(lstmlab.GRUCell(I, H, reset_after=reset_after, dtype=torch.float64), [H])


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_cell_gradcheck(nonlinearity):
    gradcheck_cell(lstmlab.RNNCell(I, H, nonlinearity=nonlinearity, dtype=torch.float64), [H])


# -- the cells and the layers compute the same steps ---------------------------------------------


def layer_twin(cell, layer_cls, **options):
    layer = layer_cls(I, H, dtype=torch.float64, backend="reference", **options)
    layer.load_state_dict({f"{k}_l0": v for k, v in cell.state_dict().items()})
    return layer


@pytest.mark.parametrize("variant", lstmlab.VARIANTS)
def test_lstm_cell_steps_equal_the_layer(variant):
    cell = lstmlab.LSTMCell(I, H, variant=variant, proj_size=2, dtype=torch.float64)
    layer = layer_twin(cell, lstmlab.LSTM, variant=variant, proj_size=2)
    xs = torch.randn(STEPS, B, I, dtype=torch.float64)
    h0, c0 = torch.randn(B, 2, dtype=torch.float64), torch.randn(B, H, dtype=torch.float64)
    y, state = unroll(cell, xs, (h0, c0))  # FGR: s starts at zero in both
    y_layer, (h_n, c_n) = layer(xs, (h0[None], c0[None]))
    torch.testing.assert_close(y, y_layer, **TOL[torch.float64])
    torch.testing.assert_close(state[0], h_n[0], **TOL[torch.float64])
    torch.testing.assert_close(state[1], c_n[0], **TOL[torch.float64])


def test_fgr_cell_state_is_the_previous_sigmoid_gates():
    cell = lstmlab.LSTMCell(I, H, variant="fgr", dtype=torch.float64)
    layer = layer_twin(cell, lstmlab.LSTM, variant="fgr")
    x = torch.randn(1, B, I, dtype=torch.float64)
    _, _, gates = layer(x, return_gates=True)
    h, c, s = cell(x[0])
    torch.testing.assert_close(s, torch.cat([gates[k][0] for k in "ifo"], dim=-1), rtol=0, atol=0)
    unbatched = cell(x[0, 0], (h[0], c[0], s[0]))
    assert [t.shape for t in unbatched] == [(H,), (H,), (3 * H,)]


@pytest.mark.parametrize(
    ("cell", "layer_cls", "options"),
    [
        (lstmlab.GRUCell(I, H, reset_after=False, dtype=torch.float64), lstmlab.GRU, {}),
        (lstmlab.RNNCell(I, H, nonlinearity="relu", dtype=torch.float64), lstmlab.RNN, {}),
    ],
    ids=["gru_cho", "rnn_relu"],
)
def test_gru_and_rnn_cells_step_like_the_layers(cell, layer_cls, options):
    extra = {"reset_after": False} if layer_cls is lstmlab.GRU else {"nonlinearity": "relu"}
    layer = layer_twin(cell, layer_cls, **extra, **options)
    xs = torch.randn(STEPS, B, I, dtype=torch.float64)
    y, _ = unroll(cell, xs, None)
    torch.testing.assert_close(y, layer(xs)[0], **TOL[torch.float64])


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cell_input_errors(kind):
    cell = getattr(lstmlab, kind)(I, H)
    with pytest.raises(
        ValueError, match=r"^input: expected shape \(B, 2\) or \(2,\), got \(3, 5\)"
    ):
        cell(torch.randn(B, 5))
    with pytest.raises(ValueError, match=r"^input: expected shape .* got \(1, 3, 2\)"):
        cell(torch.randn(1, B, I))
    with pytest.raises(
        TypeError, match=r"^input: expected a floating-point .* got dtype torch.int64"
    ):
        cell(torch.ones(B, I, dtype=torch.int64))
    with pytest.raises(
        TypeError, match=r"^input: expected dtype torch.float32 .* got torch.float64"
    ):
        cell(torch.randn(B, I, dtype=torch.float64))


@pytest.mark.parametrize("kind", ["GRUCell", "RNNCell"])
def test_gru_rnn_cell_hx_errors(kind):
    cell = getattr(lstmlab, kind)(I, H)
    with pytest.raises(ValueError, match=r"^hx: expected shape \(3, 4\), got \(2, 4\)"):
        cell(torch.randn(B, I), torch.zeros(2, H))
    with pytest.raises(ValueError, match=r"^hx: expected shape \(4,\), got \(1, 4\)"):
        cell(torch.randn(I), torch.zeros(1, H))


def test_lstm_cell_hx_errors():
    cell = lstmlab.LSTMCell(I, H)
    x, h = torch.randn(B, I), torch.zeros(B, H)
    with pytest.raises(ValueError, match=r"^hx\[0\] \(h\): expected shape \(3, 4\), got \(2, 4\)"):
        cell(x, (torch.zeros(2, H), h))
    with pytest.raises(ValueError, match=r"^hx\[1\] \(c\): expected shape \(3, 4\), got \(3, 5\)"):
        cell(x, (h, torch.zeros(B, 5)))
    with pytest.raises(TypeError, match=r"^hx: expected a tuple \(h, c\), got Tensor"):
        cell(x, h)
    with pytest.raises(ValueError, match=r"^hx: expected \(h, c\), got a tuple of 3"):
        cell(x, (h, h, h))
    with pytest.raises(ValueError, match=r"^hx: expected \(h, c\), got a tuple of 1"):
        cell(x, (h,))
    fgr = lstmlab.LSTMCell(I, H, variant="fgr")
    with pytest.raises(ValueError, match=r"^hx\[2\] \(s\): expected shape \(3, 12\), got \(3, 4\)"):
        fgr(x, (h, h, h))


@pytest.mark.parametrize(
    ("cls", "kwargs", "error", "match"),
    [
        (lstmlab.LSTMCell, {"hidden_size": 0}, ValueError, r"^hidden_size: expected an int >= 1"),
        (lstmlab.GRUCell, {"input_size": 0}, ValueError, r"^input_size: expected an int >= 1"),
        (lstmlab.LSTMCell, {"variant": "foo"}, ValueError, r"^variant: expected one of 'vanilla'"),
        (lstmlab.LSTMCell, {"proj_size": H}, ValueError, r"^proj_size: expected 0 or a size < "),
        (
            lstmlab.LSTMCell,
            {"forget_bias": 1.0, "chrono": 5},
            ValueError,
            r"^forget_bias, chrono: expected at most one of them, got",
        ),
        (
            lstmlab.LSTMCell,
            {"forget_bias": 1.0, "bias": False},
            ValueError,
            r"^bias: forget_bias and chrono set gate biases; expected bias=True, got False",
        ),
        (lstmlab.LSTMCell, {"chrono": 1}, ValueError, r"^chrono: expected .* T_max >= 3, got 1"),
        (lstmlab.RNNCell, {"nonlinearity": "sigmoid"}, ValueError, r"^nonlinearity: expected"),
        (lstmlab.GRUCell, {"reset_after": "no"}, TypeError, r"^reset_after: expected a bool"),
        (lstmlab.RNNCell, {"bias": 1}, TypeError, r"^bias: expected a bool, got int 1"),
    ],
    ids=str,
)
def test_cell_constructor_errors(cls, kwargs, error, match):
    with pytest.raises(error, match=match):
        cls(**({"input_size": I, "hidden_size": H} | kwargs))


# -- initialisation -----------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["vanilla", "peephole", "cifg", "nig", "fgr"])
def test_cell_forget_bias_and_chrono(variant):
    opts = lstmlab.VARIANTS[variant]
    f = opts.gates.index("f")
    cell = lstmlab.LSTMCell(I, H, variant=variant, forget_bias=1.0)
    assert torch.equal(cell.bias_ih[f * H : (f + 1) * H], torch.ones(H))
    assert torch.equal(cell.bias_hh[f * H : (f + 1) * H], torch.zeros(H))
    cell = lstmlab.LSTMCell(I, H, variant=variant, chrono=10)
    b_f = cell.bias_ih[f * H : (f + 1) * H]
    assert b_f.min() >= 0 and b_f.max() <= math.log(9)
    if "i" in opts.gates:
        i = opts.gates.index("i")
        assert torch.equal(cell.bias_ih[i * H : (i + 1) * H], -b_f)
