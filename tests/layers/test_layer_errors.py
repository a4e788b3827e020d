"""Bad input fails early with a ValueError or TypeError that names the argument and says what was
expected and what came (STYLE.md, convention 6)."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

import lstmlab

T, B, I, H = 5, 3, 2, 4


@pytest.fixture
def lstm():
    return lstmlab.LSTM(I, H)


def x(*shape, dtype=torch.float32):
    return torch.randn(*shape).to(dtype)


# -- the input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(I,), (T, B, I, 1), (1, T, B, I, 1)])
@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_wrong_rank(kind, shape):
    layer = getattr(lstmlab, kind)(I, H)
    with pytest.raises(ValueError, match=r"^input: expected a 3-D batched .* got shape"):
        layer(torch.randn(shape))


def test_wrong_rank_names_batch_first_layout():
    layer = lstmlab.LSTM(I, H, batch_first=True)
    with pytest.raises(ValueError, match=r"expected a 3-D batched tensor \(B, T, 2\)"):
        layer(torch.randn(I))


@pytest.mark.parametrize("shape", [(T, B, I + 1), (T, I + 1)])
def test_wrong_feature_size(lstm, shape):
    with pytest.raises(ValueError, match=r"^input: expected 2 features \(input_size\).* got shape"):
        lstm(torch.randn(shape))


def test_wrong_feature_size_packed(lstm):
    packed = pack_padded_sequence(x(T, B, I + 1), [T, 2, 1])
    with pytest.raises(ValueError, match=r"^input: expected packed data of shape \(N, 2\), got"):
        lstm(packed)


def test_empty_input(lstm):
    with pytest.raises(ValueError, match=r"^input: expected at least one step .* got shape"):
        lstm(x(0, B, I))


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.bool])
def test_integer_input(lstm, dtype):
    with pytest.raises(TypeError, match=rf"^input: expected a floating-point .* got dtype {dtype}"):
        lstm(torch.ones(T, B, I, dtype=dtype))


def test_float64_input_into_float32_layer(lstm):
    with pytest.raises(
        TypeError, match=r"^input: expected dtype torch.float32 .* got torch.float64"
    ):
        lstm(x(T, B, I, dtype=torch.float64))


def test_not_a_tensor(lstm):
    with pytest.raises(TypeError, match=r"^input: expected a torch.Tensor, got list"):
        lstm([[1.0, 2.0]])


# -- the initial state ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("h0", "c0", "match"),
    [
        (
            (1, B + 1, H),
            (1, B, H),
            r"^hx\[0\] \(h_0\): expected shape \(1, 3, 4\), got \(1, 4, 4\)",
        ),
        (
            (1, B, H),
            (1, B, H + 1),
            r"^hx\[1\] \(c_0\): expected shape \(1, 3, 4\), got \(1, 3, 5\)",
        ),
        ((2, B, H), (1, B, H), r"^hx\[0\] \(h_0\): expected shape \(1, 3, 4\), got \(2, 3, 4\)"),
        ((B, H), (B, H), r"^hx\[0\] \(h_0\): expected shape \(1, 3, 4\), got \(3, 4\)"),
    ],
)
def test_lstm_hx_of_wrong_shape_or_batch(lstm, h0, c0, match):
    with pytest.raises(ValueError, match=match):
        lstm(x(T, B, I), (torch.zeros(h0), torch.zeros(c0)))


def test_lstm_hx_with_projection_expects_proj_size():
    layer = lstmlab.LSTM(I, H, proj_size=2)
    with pytest.raises(ValueError, match=r"^hx\[0\] \(h_0\): expected shape \(1, 3, 2\), got"):
        layer(x(T, B, I), (torch.zeros(1, B, H), torch.zeros(1, B, H)))


def test_lstm_hx_unbatched_expects_no_batch_axis(lstm):
    with pytest.raises(ValueError, match=r"^hx\[0\] \(h_0\): expected shape \(1, 4\), got"):
        lstm(x(T, I), (torch.zeros(1, 1, H), torch.zeros(1, 1, H)))


def test_lstm_hx_packed_batch(lstm):
    packed = pack_padded_sequence(x(T, B, I), [T, 3, 1])
    with pytest.raises(ValueError, match=r"^hx\[0\] \(h_0\): expected shape \(1, 3, 4\)"):
        lstm(packed, (torch.zeros(1, 2, H), torch.zeros(1, 2, H)))


@pytest.mark.parametrize("hx", [torch.zeros(1, B, H), (torch.zeros(1, B, H),)])
def test_lstm_hx_not_a_pair(lstm, hx):
    with pytest.raises(TypeError, match=r"^hx: expected a tuple of 2 tensors \(h, c\), got"):
        lstm(x(T, B, I), hx)


@pytest.mark.parametrize("kind", ["GRU", "RNN"])
def test_gru_rnn_hx_of_wrong_shape(kind):
    layer = getattr(lstmlab, kind)(I, H, num_layers=2)
    with pytest.raises(ValueError, match=r"^hx: expected shape \(2, 3, 4\), got \(1, 3, 4\)"):
        layer(x(T, B, I), torch.zeros(1, B, H))
    with pytest.raises(TypeError, match=r"^hx: expected a torch.Tensor, got tuple"):
        layer(x(T, B, I), (torch.zeros(2, B, H),))


def test_hx_dtype(lstm):
    h = torch.zeros(1, B, H, dtype=torch.float64)
    with pytest.raises(TypeError, match=r"^hx\[0\] \(h_0\): expected dtype torch.float32"):
        lstm(x(T, B, I), (h, h.float()))


# -- lengths ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lengths", "error", "match"),
    [
        ([T, 0, 1], ValueError, r"^lengths: expected every length in \[1, 5\] .* got 0 at index 1"),
        ([T, T + 1, 1], ValueError, r"^lengths: expected every length in \[1, 5\] .* got 6"),
        ([-1, 2, 1], ValueError, r"^lengths: expected every length in \[1, 5\] .* got -1"),
        ([T, 2], ValueError, r"^lengths: expected 3 lengths .* got shape \(2,\)"),
        ([T, 2, 1, 1], ValueError, r"^lengths: expected 3 lengths .* got shape \(4,\)"),
        ([5.0, 2.0, 1.0], TypeError, r"^lengths: expected a sequence of ints, got"),
        ([5, True, 1], TypeError, r"^lengths: expected a sequence of ints, got"),
        (torch.tensor([5.0, 2.0, 1.0]), TypeError, r"^lengths: expected integers, got .*float32"),
        (torch.tensor([[5, 2, 1]]), ValueError, r"^lengths: expected 3 lengths .* got shape"),
    ],
    ids=str,
)
def test_bad_lengths(lstm, lengths, error, match):
    with pytest.raises(error, match=match):
        lstm(x(T, B, I), lengths=lengths)


def test_lengths_with_packed_sequence(lstm):
    packed = pack_padded_sequence(x(T, B, I), [T, 3, 1])
    with pytest.raises(ValueError, match=r"^lengths: expected None for a PackedSequence .* got"):
        lstm(packed, lengths=[T, 3, 1])


def test_lengths_with_unbatched_input(lstm):
    with pytest.raises(ValueError, match=r"^lengths: expected None for unbatched input, got"):
        lstm(x(T, I), lengths=[T])


# -- the constructor ----------------------------------------------------------------------------


def test_unknown_variant_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"^variant: expected one of 'vanilla', .*got 'gru'") as e:
        lstmlab.LSTM(I, H, variant="gru")
    for name in lstmlab.VARIANTS:
        assert repr(name) in str(e.value)


def test_variant_of_wrong_type():
    with pytest.raises(TypeError, match=r"^variant: expected a name or LSTMOptions, got int"):
        lstmlab.LSTM(I, H, variant=3)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_unknown_backend(kind):
    with pytest.raises(ValueError, match=r"^backend: expected one of \('auto', .* got 'cuda'"):
        getattr(lstmlab, kind)(I, H, backend="cuda")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"hidden_size": 0}, ValueError, r"^hidden_size: expected an int >= 1, got 0"),
        ({"hidden_size": 4.0}, TypeError, r"^hidden_size: expected an int >= 1, got float"),
        ({"input_size": 0}, ValueError, r"^input_size: expected an int >= 1, got 0"),
        ({"num_layers": 0}, ValueError, r"^num_layers: expected an int >= 1, got 0"),
        ({"proj_size": H}, ValueError, r"^proj_size: expected 0 or a size < hidden_size=4, got 4"),
        ({"proj_size": 9}, ValueError, r"^proj_size: expected 0 or a size < hidden_size=4, got 9"),
        ({"proj_size": -1}, ValueError, r"^proj_size: expected an int >= 0, got -1"),
        ({"dropout": 1.5}, ValueError, r"^dropout: expected a float in \[0, 1\], got 1.5"),
        ({"dropout": -0.1}, ValueError, r"^dropout: expected a float in \[0, 1\], got -0.1"),
        ({"dropout": "0.5"}, TypeError, r"^dropout: expected a float in \[0, 1\], got str"),
        ({"bidirectional": 1}, TypeError, r"^bidirectional: expected a bool, got int 1"),
        ({"batch_first": None}, TypeError, r"^batch_first: expected a bool, got NoneType"),
        ({"bias": "yes"}, TypeError, r"^bias: expected a bool, got str"),
        (
            {"forget_bias": 1.0, "chrono": 10},
            ValueError,
            r"^forget_bias, chrono: expected at most one of them, got forget_bias=1.0, chrono=10",
        ),
        (
            {"chrono": 2},
            ValueError,
            r"^chrono: expected the longest expected lag T_max >= 3, got 2",
        ),
        (
            {"forget_bias": 1.0, "bias": False},
            ValueError,
            r"^bias: forget_bias and chrono set gate biases; expected bias=True, got False",
        ),
        (
            {"forget_bias": 1.0, "variant": "nfg"},
            ValueError,
            r"^forget_bias: expected a variant with a forget gate, got gates \('i', 'g', 'o'\)",
        ),
        (
            {"chrono": 10, "variant": "nfg"},
            ValueError,
            r"^chrono: expected a variant with a forget gate, got gates",
        ),
    ],
    ids=str,
)
def test_bad_lstm_constructor_arguments(kwargs, error, match):
    args = {"input_size": I, "hidden_size": H} | kwargs
    with pytest.raises(error, match=match):
        lstmlab.LSTM(**args)


def test_bad_gru_and_rnn_constructor_arguments():
    with pytest.raises(ValueError, match=r"^nonlinearity: expected one of \('tanh', 'relu'\), got"):
        lstmlab.RNN(I, H, nonlinearity="sigmoid")
    with pytest.raises(TypeError, match=r"^reset_after: expected a bool, got int 0"):
        lstmlab.GRU(I, H, reset_after=0)
    with pytest.raises(ValueError, match=r"^hidden_size: expected an int >= 1, got 0"):
        lstmlab.GRU(I, 0)


def test_coupled_without_forget_gate():
    match = r"^coupled: expected input_gate=True and forget_gate=True .* got input_gate=True, "
    with pytest.raises(ValueError, match=match + "forget_gate=False"):
        lstmlab.LSTMOptions(coupled=True, forget_gate=False)
    with pytest.raises(ValueError, match=r"^coupled: expected .* got input_gate=False"):
        lstmlab.LSTMOptions(coupled=True, input_gate=False)


# -- interop ------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", [v for v in lstmlab.VARIANTS if v not in ("vanilla", "np")])
def test_to_torch_on_a_non_vanilla_variant(variant):
    layer = lstmlab.LSTM(I, H, variant=variant)
    with pytest.raises(
        ValueError, match=rf"^variant: LSTM has no such option; expected .* got variant={variant!r}"
    ):
        layer.to_torch()


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lstmlab.LSTM, nn.GRU(I, H)),
        (lstmlab.GRU, nn.LSTM(I, H)),
        (lstmlab.RNN, nn.GRU(I, H)),
        (lstmlab.LSTM, nn.LSTMCell(I, H)),
        (lstmlab.LSTM, lstmlab.LSTM(I, H)),
    ],
    ids=str,
)
def test_from_torch_with_the_wrong_class(ours, theirs):
    expected = ours.torch_class.__name__
    with pytest.raises(
        TypeError,
        match=rf"^module: expected a torch\.nn\..*{expected}, got {type(theirs).__name__}",
    ):
        ours.from_torch(theirs)
