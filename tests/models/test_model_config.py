"""ModelConfig: every invalid field is refused with its name, what was expected and what came."""

import pytest

from lstmlab.models import LSTM_KINDS, MODEL_KINDS, ModelConfig, default_heads


def test_kinds_cover_every_lstm_variant_and_the_baselines():
    assert {"rnn", "gru", "lstm", "transformer"} <= set(MODEL_KINDS)
    assert {"peephole", "cifg", "nig", "nfg", "nog", "niaf", "noaf", "np", "fgr"} <= set(LSTM_KINDS)
    assert "vanilla" not in MODEL_KINDS  # one name per model: "lstm"


def test_unknown_kind_names_the_valid_ones():
    with pytest.raises(ValueError, match=r"kind: expected one of rnn, gru, lstm.*got 'elman'"):
        ModelConfig(kind="elman")


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("hidden", 0, r"hidden: expected an int >= 1, got 0"),
        ("layers", -1, r"layers: expected an int >= 1, got -1"),
        ("dropout", 1.0, r"dropout: expected a float in \[0, 1\), got 1.0"),
        ("dropout", -0.1, r"dropout: expected a float in \[0, 1\)"),
    ],
)
def test_out_of_range_values(field, value, match):
    with pytest.raises(ValueError, match=match):
        ModelConfig(**{field: value})


def test_wrong_types():
    with pytest.raises(TypeError, match="hidden: expected an int"):
        ModelConfig(hidden=3.5)
    with pytest.raises(TypeError, match="forget_bias: expected a float or None"):
        ModelConfig(forget_bias="1")


def test_chrono_needs_an_lstm():
    with pytest.raises(ValueError, match="chrono: expected an LSTM kind.*got kind 'gru'"):
        ModelConfig(kind="gru", chrono=True)
    ModelConfig(kind="cifg", chrono=True)


def test_heads_only_for_the_transformer_and_dividing_hidden():
    with pytest.raises(ValueError, match="heads: expected None for kind 'lstm'"):
        ModelConfig(kind="lstm", heads=2)
    with pytest.raises(ValueError, match="heads: expected a divisor of hidden=30, got 4"):
        ModelConfig(kind="transformer", hidden=30, heads=4)


def test_default_heads_keep_16_dimensions_per_head():
    assert default_heads(128) == 8
    assert default_heads(64) == 4
    assert default_heads(32) == 2
    assert default_heads(24) == 1


def test_dict_round_trip():
    cfg = ModelConfig(kind="peephole", hidden=12, forget_bias=None, chrono=True)
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
