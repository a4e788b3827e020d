"""LSTMOptions and the named variants (Greff et al. 2015): each of the eight is one change to the
peephole LSTM; the step function and the init helpers follow the options."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

import lstmlab
from lstmlab.cells import LSTMOptions, LSTMWeights, lstm_shapes, lstm_step, resolve_variant
from lstmlab.cells.init import chrono_, forget_bias_, uniform_

PEEPHOLE = LSTMOptions(peephole=True)

#: Greff et al. 2015, §3: the single field each variant changes in the peephole LSTM.
ONE_CHANGE = {
    "nig": {"input_gate": False},
    "nfg": {"forget_gate": False},
    "nog": {"output_gate": False},
    "niaf": {"input_activation": False},
    "noaf": {"output_activation": False},
    "np": {"peephole": False},
    "cifg": {"coupled": True},
    "fgr": {"gate_recurrence": True},
}


def test_the_variant_names():
    assert list(lstmlab.VARIANTS) == [
        "vanilla",
        "peephole",
        "nig",
        "nfg",
        "nog",
        "niaf",
        "noaf",
        "np",
        "cifg",
        "fgr",
    ]
    assert lstmlab.VARIANTS["vanilla"] == LSTMOptions()  # torch.nn.LSTM
    assert lstmlab.VARIANTS["peephole"] == PEEPHOLE  # Greff et al.'s "vanilla"


@pytest.mark.parametrize("name", ONE_CHANGE)
def test_each_greff_variant_is_one_change_to_the_peephole_lstm(name):
    opts = lstmlab.VARIANTS[name]
    assert opts == dataclasses.replace(PEEPHOLE, **ONE_CHANGE[name])
    changed = [
        f.name
        for f in dataclasses.fields(LSTMOptions)
        if getattr(opts, f.name) != getattr(PEEPHOLE, f.name)
    ]
    assert changed == list(ONE_CHANGE[name])


def test_options_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        LSTMOptions().peephole = True


@pytest.mark.parametrize(
    ("opts", "gates", "sigmoid", "peepholes"),
    [
        (LSTMOptions(), "ifgo", "ifo", ""),
        (PEEPHOLE, "ifgo", "ifo", "ifo"),
        (lstmlab.VARIANTS["cifg"], "fgo", "fo", "fo"),
        (lstmlab.VARIANTS["nig"], "fgo", "fo", "fo"),
        (lstmlab.VARIANTS["nfg"], "igo", "io", "io"),
        (lstmlab.VARIANTS["nog"], "ifg", "if", "if"),
        (LSTMOptions(coupled=True), "fgo", "fo", ""),
        (LSTMOptions(input_gate=False, forget_gate=False, output_gate=False), "g", "", ""),
    ],
)
def test_gates_sigmoid_gates_and_peepholes(opts, gates, sigmoid, peepholes):
    assert opts.gates == tuple(gates)
    assert opts.sigmoid_gates == tuple(sigmoid)
    assert opts.peepholes == tuple(peepholes)


def test_resolve_variant():
    assert resolve_variant("CIFG") is lstmlab.VARIANTS["cifg"]
    custom = LSTMOptions(peephole=True, coupled=True, gate_recurrence=True)
    assert resolve_variant(custom) is custom
    with pytest.raises(ValueError, match=r"^variant: expected one of .*'fgr', got 'lstm'"):
        resolve_variant("lstm")
    with pytest.raises(TypeError, match=r"^variant: expected a name or LSTMOptions, got NoneType"):
        resolve_variant(None)


def test_lstm_shapes():
    assert lstm_shapes(LSTMOptions(), 3, 5) == {
        "weight_ih": (20, 3),
        "weight_hh": (20, 5),
        "bias_ih": (20,),
        "bias_hh": (20,),
    }
    assert lstm_shapes(lstmlab.VARIANTS["fgr"], 3, 5, proj_size=2, bias=False) == {
        "weight_ih": (20, 3),
        "weight_hh": (20, 2),
        "weight_hr": (2, 5),
        "weight_peep": (3, 5),
        "weight_gr": (15, 15),
    }
    assert lstm_shapes(lstmlab.VARIANTS["cifg"], 3, 5)["weight_ih"] == (15, 3)


def test_lstm_step_removed_gates_are_the_constant_one():
    torch.manual_seed(0)
    B, I, H = 2, 3, 4
    opts = LSTMOptions(input_gate=False, forget_gate=False, output_gate=False)
    shapes = lstm_shapes(opts, I, H)
    w = LSTMWeights(**{k: torch.randn(s, dtype=torch.float64) for k, s in shapes.items()})
    x, h, c = (torch.randn(B, n, dtype=torch.float64) for n in (I, H, H))
    y = lstm_step(opts, w, x, h, c)
    assert y.f == 1.0 and y.i == 1.0 and y.o == 1.0
    g = torch.tanh(x @ w.weight_ih.T + w.bias_ih + h @ w.weight_hh.T + w.bias_hh)
    torch.testing.assert_close(y.g, g)
    torch.testing.assert_close(y.c, c + g)  # the 1997 LSTM's constant error carousel
    torch.testing.assert_close(y.h, torch.tanh(c + g))


def test_lstm_weights_without_biases():
    """bias=False layers omit the keys; the weights tuple then holds None."""
    w = LSTMWeights(weight_ih=torch.ones(4, 1), weight_hh=torch.ones(4, 1))
    assert w.bias_ih is None and w.bias_hh is None and w.weight_peep is None


# -- init helpers -------------------------------------------------------------------------------


def test_uniform_bound():
    p = [torch.empty(1000), torch.empty(10, 10)]
    uniform_(p, 16)
    for t in p:
        assert t.abs().max() <= 0.25 and t.abs().max() > 0.2


@pytest.mark.parametrize("variant", ["vanilla", "cifg", "nig", "nog"])
def test_forget_bias_rows(variant):
    opts, H = lstmlab.VARIANTS[variant], 3
    b_ih, b_hh = torch.full((len(opts.gates) * H,), 0.5), torch.full((len(opts.gates) * H,), 0.5)
    forget_bias_(b_ih, b_hh, opts, H, 2.0)
    f = opts.gates.index("f")
    expected_ih, expected_hh = torch.full_like(b_ih, 0.5), torch.full_like(b_hh, 0.5)
    expected_ih[f * H : (f + 1) * H], expected_hh[f * H : (f + 1) * H] = 2.0, 0.0
    assert torch.equal(b_ih, expected_ih) and torch.equal(b_hh, expected_hh)


def test_chrono_with_a_generator_is_reproducible_and_in_range():
    opts, H, t_max = LSTMOptions(), 256, 50
    draws = []
    for _ in range(2):
        b_ih, b_hh = torch.zeros(4 * H), torch.ones(4 * H)
        chrono_(b_ih, b_hh, opts, H, t_max, generator=torch.Generator().manual_seed(3))
        draws.append(b_ih)
        i, f = b_ih[:H], b_ih[H : 2 * H]
        assert f.min() >= 0 and f.max() <= math.log(t_max - 1)
        assert torch.equal(i, -f)
        assert torch.equal(b_hh[: 2 * H], torch.zeros(2 * H))
        assert torch.equal(b_hh[2 * H :], torch.ones(2 * H))  # g, o untouched
        # log U(1, T_max − 1): half the draws below log of the midpoint
        assert 0.3 < (f < math.log(1 + (t_max - 2) / 2)).float().mean() < 0.7
    assert torch.equal(draws[0], draws[1])
