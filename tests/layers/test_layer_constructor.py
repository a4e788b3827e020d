"""Every layer's constructor takes torch.nn's arguments in torch.nn's positional order (that of
its torch.nn twin: torch.nn.GRU's for the layers without one), then its own keyword-only options;
a positional call builds the same layer as the keyword call, and a wrong call names what is
wrong."""

from __future__ import annotations

import inspect
import typing

import pytest
import torch
from torch import nn

import lstmlab

#: Each layer, the torch.nn class whose positional arguments it takes, and its own options.
LAYERS = {
    lstmlab.LSTM: (nn.LSTM, ["variant", "forget_bias", "chrono", "backend"]),
    lstmlab.GRU: (nn.GRU, ["reset_after", "backend"]),
    lstmlab.RNN: (nn.RNN, ["backend"]),
    lstmlab.SLSTM: (nn.GRU, ["num_heads", "forget_gate", "forget_bias", "backend"]),
    lstmlab.MLSTM: (nn.GRU, ["num_heads", "form", "chunk_size", "forget_bias"]),
    lstmlab.MinGRU: (nn.GRU, ["chrono", "backend"]),
    lstmlab.MinLSTM: (nn.GRU, ["forget_bias", "chrono", "backend"]),
}

#: A value other than torch.nn's default for each of its arguments.
NOT_DEFAULT = {
    "input_size": 3,
    "hidden_size": 6,
    "num_layers": 2,
    "nonlinearity": "relu",
    "bias": False,
    "batch_first": True,
    "dropout": 0.25,
    "bidirectional": True,
    "proj_size": 2,
    "device": "cpu",
    "dtype": torch.float64,
}


def parameters(cls) -> list[inspect.Parameter]:
    return [p for p in inspect.signature(cls.__init__).parameters.values() if p.name != "self"]


def torch_parameters(torch_class) -> list[inspect.Parameter]:
    """torch.nn's positional arguments, from the typed overload it declares them in."""
    typed, *_ = typing.get_overloads(torch_class.__init__)
    return [p for p in inspect.signature(typed).parameters.values() if p.name != "self"]


@pytest.mark.parametrize("cls", LAYERS, ids=lambda c: c.__name__)
def test_signature_is_torch_nn_then_own_options(cls):
    torch_class, own = LAYERS[cls]
    ours, theirs = parameters(cls), torch_parameters(torch_class)
    positional = [p for p in ours if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert [p.name for p in positional] == [p.name for p in theirs]
    assert [p.default for p in positional] == [p.default for p in theirs]
    assert [p.name for p in ours[len(positional) :]] == own
    assert all(p.kind is p.KEYWORD_ONLY for p in ours[len(positional) :])
    assert all(p.annotation is not p.empty for p in ours)
    assert inspect.signature(cls).parameters.keys() == {p.name: p for p in ours}.keys()


@pytest.mark.parametrize("cls", LAYERS, ids=lambda c: c.__name__)
def test_positional_call_builds_the_keyword_layer(cls):
    names = [p.name for p in torch_parameters(LAYERS[cls][0])]
    values = [NOT_DEFAULT[n] for n in names]
    torch.manual_seed(0)
    by_position = cls(*values)
    torch.manual_seed(0)
    by_name = cls(**dict(zip(names, values, strict=True)))
    assert repr(by_position) == repr(by_name)
    for name in names:
        if name not in ("device", "dtype"):
            assert getattr(by_position, name) == NOT_DEFAULT[name], name
    assert by_position.weight_ih_l0.dtype == torch.float64
    mine, theirs = by_position.state_dict(), by_name.state_dict()
    assert mine.keys() == theirs.keys()
    assert all(torch.equal(mine[k], theirs[k]) for k in mine)


@pytest.mark.parametrize("cls", [lstmlab.LSTM, lstmlab.GRU, lstmlab.RNN], ids=lambda c: c.__name__)
def test_torch_nn_positional_call_means_the_same(cls):
    torch_class = LAYERS[cls][0]
    # Up to device and dtype: torch.nn.GRU/RNN pass their positional arguments on to RNNBase,
    # whose proj_size comes before device, so torch.nn takes a positional device as proj_size
    # there (torch 2.13), unlike its declared signature, which lstmlab's layers follow.
    names = [p.name for p in torch_parameters(torch_class)][:-2]
    values = [NOT_DEFAULT[n] for n in names]
    ours, theirs = cls(*values), torch_class(*values)
    for name in names:
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.state_dict().keys() == theirs.state_dict().keys()


@pytest.mark.parametrize("cls", LAYERS, ids=lambda c: c.__name__)
def test_wrong_calls_name_the_argument(cls):
    name = cls.__name__
    with pytest.raises(TypeError, match=rf"^{name}.__init__\(\) .*unexpected keyword .*'hidden'"):
        cls(3, 4, hidden=4)
    with pytest.raises(TypeError, match=rf"^{name}.__init__\(\) missing .*'hidden_size'"):
        cls(3)
    with pytest.raises(TypeError, match=rf"^{name}.__init__\(\) .*multiple values .*'hidden_size'"):
        cls(3, 4, hidden_size=4)
    n = len(torch_parameters(LAYERS[cls][0]))
    own = ", ".join(LAYERS[cls][1])
    match = rf"^{name}.__init__\(\) takes at most {n} positional .* {own} are keyword-only"
    with pytest.raises(TypeError, match=match):
        cls(*[None] * (n + 1))


def test_a_subclass_keeps_its_constructor_or_gets_one():
    class Peephole(lstmlab.LSTM):
        def __init__(self, size: int) -> None:
            super().__init__(size, size, variant="peephole")

    class Plain(lstmlab.GRU):
        pass

    assert Peephole(4).variant == "peephole"
    assert list(inspect.signature(Peephole.__init__).parameters) == ["self", "size"]
    assert Plain(3, 4, 2, reset_after=False).num_layers == 2
    assert inspect.signature(Plain.__init__) == inspect.signature(lstmlab.GRU.__init__)
