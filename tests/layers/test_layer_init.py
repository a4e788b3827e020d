"""Gate-bias initialisation: forget_bias (Jozefowicz et al. 2015) and chrono (Tallec & Ollivier
2018), in every layer and direction, for every variant that has the gates they set."""

from __future__ import annotations

import math

import pytest
import torch

import lstmlab

I, H, T_MAX = 3, 64, 20
VARIANTS_WITH_F = [v for v, o in lstmlab.VARIANTS.items() if "f" in o.gates]


def rows(layer, gate: str) -> slice:
    k = layer.options.gates.index(gate)
    return slice(k * H, (k + 1) * H)


def every_direction(layer):
    for k in range(layer.num_layers):
        for suffix in ("", "_reverse"):
            yield getattr(layer, f"bias_ih_l{k}{suffix}"), getattr(layer, f"bias_hh_l{k}{suffix}")


def untouched_rows_are_torch_init(layer, touched: set[str]):
    """The rows forget_bias/chrono leave alone keep U(−1/√H, 1/√H), and so does every weight."""
    bound = 1 / math.sqrt(H)
    for b_ih, b_hh in every_direction(layer):
        for gate in layer.options.gates:
            if gate not in touched:
                r = rows(layer, gate)
                assert b_ih[r].abs().max() <= bound and b_hh[r].abs().max() <= bound
                assert b_ih[r].std() > bound / 4  # random, not constant
    for name, p in layer.named_parameters():
        if not name.startswith("bias"):
            assert p.abs().max() <= bound, name


@pytest.mark.parametrize("variant", VARIANTS_WITH_F)
def test_forget_bias_in_every_layer_and_direction(variant):
    layer = lstmlab.LSTM(I, H, num_layers=2, bidirectional=True, variant=variant, forget_bias=1.0)
    for b_ih, b_hh in every_direction(layer):
        f = rows(layer, "f")
        assert torch.equal(b_ih[f], torch.ones(H))
        assert torch.equal(b_hh[f], torch.zeros(H))
        torch.testing.assert_close(b_ih[f] + b_hh[f], torch.ones(H))  # the effective b_f
    untouched_rows_are_torch_init(layer, {"f"})


def test_forget_bias_value_is_used_and_survives_reset():
    layer = lstmlab.LSTM(I, H, forget_bias=2.5, variant="cifg")
    with torch.no_grad():
        layer.bias_ih_l0.zero_()
    layer.reset_parameters()
    assert torch.equal(layer.bias_ih_l0[rows(layer, "f")], torch.full((H,), 2.5))


@pytest.mark.parametrize("variant", VARIANTS_WITH_F)
def test_chrono_in_every_layer_and_direction(variant):
    layer = lstmlab.LSTM(I, H, num_layers=2, bidirectional=True, variant=variant, chrono=T_MAX)
    has_i = "i" in layer.options.gates  # CIFG and NIG have no input-gate rows
    for b_ih, b_hh in every_direction(layer):
        b_f = b_ih[rows(layer, "f")]
        assert b_f.min() >= 0 and b_f.max() <= math.log(T_MAX - 1)
        assert b_f.max() - b_f.min() > 1  # spread over the range, not one value
        assert torch.equal(b_hh[rows(layer, "f")], torch.zeros(H))
        if has_i:
            assert torch.equal(b_ih[rows(layer, "i")], -b_f)
            assert torch.equal(b_hh[rows(layer, "i")], torch.zeros(H))
    untouched_rows_are_torch_init(layer, {"f", "i"} if has_i else {"f"})


def test_chrono_directions_draw_independently():
    layer = lstmlab.LSTM(I, H, bidirectional=True, chrono=T_MAX)
    f = rows(layer, "f")
    assert not torch.equal(layer.bias_ih_l0[f], layer.bias_ih_l0_reverse[f])


def test_chrono_is_reproducible_with_the_seed():
    torch.manual_seed(7)
    a = lstmlab.LSTM(I, H, chrono=T_MAX)
    torch.manual_seed(7)
    b = lstmlab.LSTM(I, H, chrono=T_MAX)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


def test_chrono_in_float64_layer():
    layer = lstmlab.LSTM(I, H, chrono=T_MAX, dtype=torch.float64)
    assert layer.bias_ih_l0.dtype == torch.float64
    assert layer.bias_ih_l0[rows(layer, "f")].max() <= math.log(T_MAX - 1)


def test_chrono_smallest_lag():
    """T_max = 3: b_f ~ log U(1, 2)."""
    layer = lstmlab.LSTM(I, H, chrono=3)
    b_f = layer.bias_ih_l0[rows(layer, "f")]
    assert b_f.min() >= 0 and b_f.max() <= math.log(2)


@pytest.mark.parametrize("kind", ["GRU", "RNN"])
def test_gru_and_rnn_init_bounds(kind):
    layer = getattr(lstmlab, kind)(I, H, num_layers=2, bidirectional=True)
    for name, p in layer.named_parameters():
        assert p.abs().max() <= 1 / math.sqrt(H), name
        assert p.std() > 0.5 / math.sqrt(H) / 2, name
