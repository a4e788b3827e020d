"""lstmlab.LSTM/GRU/RNN compute exactly torch.nn.LSTM/GRU/RNN for every option they share:
outputs, final states and the gradients w.r.t. the input, the initial states and every parameter.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

import lstmlab

from .helpers import (
    MODES,
    TOL,
    B,
    H,
    I,
    T,
    assert_same,
    forward_backward,
    make_hx,
    make_input,
    twins,
)

KINDS = ("LSTM", "GRU", "RNN")


# (batch_first, mode): unbatched input has no batch axis to put first.
FEEDS = [(bf, m) for bf in (False, True) for m in MODES if not (bf and m == "unbatched")]


@pytest.mark.parametrize(("batch_first", "mode"), FEEDS, ids=lambda v: str(v))
@pytest.mark.parametrize(
    ("num_layers", "bidirectional"), [(1, False), (1, True), (2, True)], ids=["L1", "L1bi", "L2bi"]
)
@pytest.mark.parametrize("kind", KINDS)
def test_same_as_torch_float64(kind, num_layers, bidirectional, batch_first, mode, backend):
    dtype = torch.float64
    kw = {"num_layers": num_layers, "bidirectional": bidirectional, "batch_first": batch_first}
    theirs, ours = twins(kind, dtype, backend, **kw)
    x = make_input(mode, batch_first, dtype)
    hx = make_hx(theirs, mode, dtype)
    expected = forward_backward(theirs, x, mode, hx, batch_first)
    got = forward_backward(ours, x, mode, hx, batch_first)
    assert_same(got, expected, dtype)


# Options that only some layers have, each tried with the richest stacking and both precisions.
OPTIONS = [
    ("LSTM", {"proj_size": 2}),
    ("LSTM", {"proj_size": 3, "bias": False}),
    ("LSTM", {"bias": False}),
    ("GRU", {"bias": False}),
    ("RNN", {"bias": False}),
    ("RNN", {"nonlinearity": "relu"}),
    ("RNN", {"nonlinearity": "relu", "bias": False}),
]


@pytest.mark.parametrize("mode", ["padded", "packed_unsorted", "lengths"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize(("kind", "options"), OPTIONS, ids=lambda v: str(v))
def test_options_same_as_torch(kind, options, dtype, mode, backend):
    batch_first = mode == "lengths"  # one batch-first mode is enough here
    kw = {"num_layers": 2, "bidirectional": True, "batch_first": batch_first, **options}
    theirs, ours = twins(kind, dtype, backend, **kw)
    x = make_input(mode, batch_first, dtype)
    hx = make_hx(theirs, mode, dtype)
    assert_same(
        forward_backward(ours, x, mode, hx, batch_first),
        forward_backward(theirs, x, mode, hx, batch_first),
        dtype,
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_float32_and_zero_initial_state_same_as_torch(kind, mode, backend):
    """hx=None means zeros, as in torch.nn; float32 agrees to float32 rounding."""
    dtype = torch.float32
    theirs, ours = twins(kind, dtype, backend, num_layers=2, bidirectional=True)
    x = make_input(mode, False, dtype)
    assert_same(
        forward_backward(ours, x, mode, None, False),
        forward_backward(theirs, x, mode, None, False),
        dtype,
    )


@pytest.mark.parametrize(
    ("kind", "options"),
    [("LSTM", {}), ("LSTM", {"proj_size": 2}), ("GRU", {}), ("RNN", {"nonlinearity": "relu"})],
    ids=lambda v: str(v),
)
def test_from_torch_and_to_torch(kind, options, backend):
    dtype = torch.float64
    theirs = getattr(nn, kind)(
        I, H, num_layers=2, bidirectional=True, batch_first=True, dtype=dtype, **options
    )
    ours = getattr(lstmlab, kind).from_torch(theirs, backend=backend)
    assert type(ours) is getattr(lstmlab, kind)
    assert ours.backend == backend
    for attr in ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert ours.bidirectional and ours.proj_size == theirs.proj_size
    if kind == "RNN":
        assert ours.nonlinearity == theirs.nonlinearity
    assert list(ours.state_dict()) == list(theirs.state_dict())

    back = ours.to_torch()
    assert type(back) is type(theirs)
    assert repr(back) == repr(theirs)
    for k, v in theirs.state_dict().items():
        assert torch.equal(back.state_dict()[k], v), k
        assert back.state_dict()[k].data_ptr() != v.data_ptr()  # a copy, not shared storage

    x = make_input("packed_unsorted", True, dtype)
    hx = make_hx(theirs, "packed_unsorted", dtype)
    expected = forward_backward(theirs, x, "packed_unsorted", hx, True)
    assert_same(forward_backward(ours, x, "packed_unsorted", hx, True), expected, dtype)
    assert_same(forward_backward(back, x, "packed_unsorted", hx, True), expected, dtype)


def test_variant_np_and_default_options_convert_to_torch():
    """ "np" (Greff's no-peephole LSTM) is torch.nn.LSTM's maths, so it converts too."""
    for variant in ("np", "VANILLA", lstmlab.LSTMOptions()):
        ours = lstmlab.LSTM(I, H, variant=variant, dtype=torch.float64)
        x = torch.randn(T, B, I, dtype=torch.float64)
        torch.testing.assert_close(ours.to_torch()(x)[0], ours(x)[0], **TOL[torch.float64])


@pytest.mark.parametrize("forget_bias", [None, 1.0])
def test_forget_bias_layer_still_converts_to_torch(forget_bias):
    """forget_bias and chrono only initialise; the maths stays torch.nn.LSTM's."""
    ours = lstmlab.LSTM(I, H, forget_bias=forget_bias, chrono=None if forget_bias else 8)
    assert torch.equal(ours.to_torch().bias_ih_l0, ours.bias_ih_l0)


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("LSTM", {}),
        ("LSTM", {"proj_size": 2, "num_layers": 2, "bidirectional": True}),
        ("LSTM", {"bias": False, "num_layers": 3}),
        ("GRU", {"num_layers": 2, "bidirectional": True}),
        ("GRU", {"bias": False}),
        ("RNN", {"num_layers": 2, "bidirectional": True, "nonlinearity": "relu"}),
    ],
    ids=lambda v: str(v),
)
def test_same_seed_same_initial_weights_as_torch(kind, options):
    """The init draws the same U(−1/√H, 1/√H) in torch.nn's parameter order."""
    torch.manual_seed(1234)
    theirs = getattr(nn, kind)(I, H, **options)
    rng_after_theirs = torch.get_rng_state()
    torch.manual_seed(1234)
    ours = getattr(lstmlab, kind)(I, H, **options)
    expected, got = theirs.state_dict(), ours.state_dict()
    assert list(got) == list(expected)
    for k in expected:
        assert torch.equal(got[k], expected[k]), k
    # the same number of draws, so whatever is built next is the same too
    assert torch.equal(torch.get_rng_state(), rng_after_theirs)


def test_dropout_matches_torch_in_train_and_eval():
    """Dropout acts between layers only; with the same seed it even draws torch's masks."""
    dtype = torch.float64
    theirs, ours = twins("LSTM", dtype, "reference", num_layers=3, dropout=0.5)
    x = torch.randn(T, B, I, dtype=dtype)
    for train in (True, False):
        theirs.train(train)
        ours.train(train)
        torch.manual_seed(5)
        expected = theirs(x)
        torch.manual_seed(5)
        got = ours(x)
        torch.testing.assert_close(got[0], expected[0], **TOL[dtype])
        torch.testing.assert_close(got[1], expected[1], **TOL[dtype])
    assert not torch.equal(ours.train()(x)[0], ours.eval()(x)[0])  # dropout did something


def test_flatten_parameters_is_a_harmless_no_op():
    ours = lstmlab.LSTM(I, H)
    before = {k: v.clone() for k, v in ours.state_dict().items()}
    ours.flatten_parameters()
    assert all(torch.equal(before[k], v) for k, v in ours.state_dict().items())


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("LSTM", {}),
        ("LSTM", {"proj_size": 2, "num_layers": 2, "bias": False, "batch_first": True}),
        ("GRU", {"bidirectional": True, "dropout": 0.5, "num_layers": 2}),
        ("RNN", {}),
    ],
    ids=str,
)
def test_repr_reads_like_torch(kind, options):
    theirs = getattr(nn, kind)(I, H, **options)
    assert repr(getattr(lstmlab, kind)(I, H, **options)) == repr(theirs)
