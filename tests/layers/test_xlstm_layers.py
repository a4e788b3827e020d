"""``lstmlab.SLSTM`` and ``lstmlab.MLSTM``: torch.nn's layer conventions (shapes, batch_first,
unbatched input, stacking, both directions, states in and out, padding, gates), gradients, and
errors that name the argument."""

from __future__ import annotations

import io

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence

import lstmlab

T, B, I, H = 9, 3, 5, 8


def make(kind: str, **kw):
    torch.manual_seed(0)
    if kind == "slstm":
        return lstmlab.SLSTM(I, H, num_heads=2, backend="reference", **kw).double()
    return lstmlab.MLSTM(I, H, num_heads=2, chunk_size=4, **kw).double()


KINDS = ["slstm", "mlstm"]
STATE_SHAPES = {"slstm": [H, H, H, H], "mlstm": [H * 4, H, 2]}  # mLSTM: C flat, n, m (d = 4)


@pytest.mark.parametrize("kind", KINDS)
def test_shapes_batch_first_unbatched_and_stacked_bidirectional(kind):
    layer = make(kind, num_layers=2, bidirectional=True, batch_first=True)
    x = torch.randn(B, T, I, dtype=torch.float64)
    out, state = layer(x)
    assert out.shape == (B, T, 2 * H)
    assert [tuple(s.shape) for s in state] == [(4, B, n) for n in STATE_SHAPES[kind]]
    single, state1 = layer(x[1])  # unbatched (T, I)
    torch.testing.assert_close(single, out[1])
    for s, s1 in zip(state, state1, strict=True):
        torch.testing.assert_close(s1, s[:, 1])


@pytest.mark.parametrize("kind", KINDS)
def test_state_out_then_in_continues_the_sequence(kind):
    layer = make(kind, num_layers=2)
    x = torch.randn(T, B, I, dtype=torch.float64)
    whole, final = layer(x)
    first, mid = layer(x[:4])
    second, final2 = layer(x[4:], mid)
    torch.testing.assert_close(torch.cat([first, second]), whole)
    for a, b in zip(final, final2, strict=True):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("kind", KINDS)
def test_reverse_direction_reads_the_sequence_backwards(kind):
    bi = make(kind, bidirectional=True)
    uni = make(kind)
    uni.load_state_dict({k.replace("_reverse", ""): v for k, v in bi.state_dict().items()
                         if k.endswith("_reverse")})  # fmt: skip
    x = torch.randn(T, B, I, dtype=torch.float64)
    out, _ = bi(x)
    back, _ = uni(x.flip(0))
    torch.testing.assert_close(out[..., H:], back.flip(0))


@pytest.mark.parametrize("kind", KINDS)
def test_padded_batch_takes_each_final_state_at_its_own_length(kind):
    layer = make(kind)
    x = torch.randn(T, B, I, dtype=torch.float64)
    lengths = [9, 4, 6]
    out, state = layer(x, lengths=lengths)
    packed_out, packed_state = layer(pack_padded_sequence(x, lengths, enforce_sorted=False))
    for j, n in enumerate(lengths):
        alone, s_alone = layer(x[:n, j : j + 1])
        torch.testing.assert_close(out[:n, j : j + 1], alone)
        assert (out[n:, j] == 0).all()
        for s, s1, sp in zip(state, s_alone, packed_state, strict=True):
            torch.testing.assert_close(s[:, j], s1[:, 0])
            torch.testing.assert_close(sp[:, j], s1[:, 0])


@pytest.mark.parametrize("form", ["chunkwise", "parallel", "recurrent"])
def test_mlstm_forms_give_the_same_layer(form):
    layer = make("mlstm", num_layers=2, bidirectional=True)
    x = torch.randn(T, B, I, dtype=torch.float64)
    ref, ref_state = layer(x)
    layer.form = form
    out, state = layer(x)
    torch.testing.assert_close(out, ref)
    for a, b in zip(state, ref_state, strict=True):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("kind", KINDS)
def test_gradcheck(kind):
    layer = make(kind, num_layers=2)
    x = torch.randn(4, 2, I, dtype=torch.float64, requires_grad=True)
    params = list(layer.parameters())

    def f(x, *ps):
        sd = dict(zip((n for n, _ in layer.named_parameters()), ps, strict=True))
        return torch.func.functional_call(layer, sd, (x,))[0]

    # fast_mode: random directions instead of every entry (the full Jacobian takes minutes).
    assert torch.autograd.gradcheck(f, (x, *params), fast_mode=True)


def test_slstm_gates_are_the_equations_of_the_output():
    layer = make("slstm")
    x = torch.randn(T, B, I, dtype=torch.float64)
    out, _, g = layer(x, return_gates=True)
    torch.testing.assert_close(g["h"], out)
    torch.testing.assert_close(g["h"], g["o"] * g["c"] / g["n"])
    torch.testing.assert_close(g["n"][1:], g["f"][1:] * g["n"][:-1] + g["i"][1:])
    assert (g["i"] <= 1).all() and (g["f"] <= 1).all()  # stabilised: exp(≤ 0)


def test_mlstm_gates():
    layer = make("mlstm")
    x = torch.randn(T, B, I, dtype=torch.float64)
    out, _, g = layer(x, return_gates=True)
    torch.testing.assert_close(g["h"], out)
    assert g["log_i"].shape == g["log_f"].shape == (T, B, 2) and (g["log_f"] < 0).all()


def test_slstm_default_forget_bias_is_the_authors_powerlaw():
    layer = lstmlab.SLSTM(I, 8, num_heads=2)
    b_f = layer.bias_l0[8:16]
    torch.testing.assert_close(b_f[:4], torch.tensor([5.0, 5 - 12 * (1 / 3) ** 0.3,
                                                      5 - 12 * (2 / 3) ** 0.3, -7.0]))  # fmt: skip
    torch.testing.assert_close(b_f[4:], b_f[:4])
    assert (layer.bias_l0[:8] == 0).all()
    assert (lstmlab.SLSTM(I, 8, forget_bias=1.5).bias_l0[8:16] == 1.5).all()


@pytest.mark.parametrize("kind", KINDS)
def test_whole_layer_pickles_under_weights_only(kind):
    layer = make(kind, num_layers=2)
    buf = io.BytesIO()
    torch.save(layer, buf)
    buf.seek(0)
    loaded = torch.load(buf)  # weights_only=True by default
    x = torch.randn(T, B, I, dtype=torch.float64)
    torch.testing.assert_close(loaded(x)[0], layer(x)[0])


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (
            lambda: lstmlab.SLSTM(4, 6, num_heads=4),
            ValueError,
            "num_heads: expected a divisor of hidden_size=6, got 4",
        ),  # noqa: E501
        (
            lambda: lstmlab.SLSTM(4, 6, num_heads=0),
            ValueError,
            "num_heads: expected an int >= 1, got 0",
        ),  # noqa: E501
        (
            lambda: lstmlab.SLSTM(4, 6, forget_gate="tanh"),
            ValueError,
            "forget_gate: expected one of ('sigmoid', 'exp'), got 'tanh'",
        ),  # noqa: E501
        (lambda: lstmlab.SLSTM(4, 6, forget_bias=float("nan")), ValueError, "forget_bias"),
        (
            lambda: lstmlab.MLSTM(4, 6, form="fast"),
            ValueError,
            "form: expected one of ('chunkwise', 'parallel', 'recurrent'), got 'fast'",
        ),  # noqa: E501
        (
            lambda: lstmlab.MLSTM(4, 6, chunk_size=0),
            ValueError,
            "chunk_size: expected an int >= 1, got 0",
        ),  # noqa: E501
        (
            lambda: lstmlab.MLSTM(4, 6, num_heads=4),
            ValueError,
            "num_heads: expected a divisor of hidden_size=6, got 4",
        ),  # noqa: E501
        (
            lambda: lstmlab.SLSTM.from_torch(torch.nn.LSTM(4, 6)),
            TypeError,
            "module: lstmlab.SLSTM has no torch.nn counterpart",
        ),  # noqa: E501
        (lambda: lstmlab.MLSTM(4, 6).to_torch(), TypeError, "has no torch.nn counterpart"),
    ],
)
def test_bad_arguments_name_themselves(build, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        build()


@pytest.mark.parametrize("kind", KINDS)
def test_bad_inputs_name_the_argument(kind):
    layer = make(kind)
    x = torch.randn(T, B, I, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"input: expected 5 features \(input_size\)"):
        layer(torch.randn(T, B, I + 1, dtype=torch.float64))
    with pytest.raises(TypeError, match=r"input: expected dtype torch.float64"):
        layer(x.float())
    _, state = layer(x)
    bad = (state[0], state[1][:, :2], state[2]) + tuple(state[3:])
    with pytest.raises(ValueError, match=r"hx\[1\] \((c|n)_0\): expected shape"):
        layer(x, bad)
    with pytest.raises(TypeError, match=r"hx: expected a tuple of"):
        layer(x, state[0])
