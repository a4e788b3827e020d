"""TrainConfig: validation messages name the field; dict round trip; resumable differences."""

import pytest

from lstmlab.models import ModelConfig
from lstmlab.training import TrainConfig


def test_defaults_are_valid():
    TrainConfig()


@pytest.mark.parametrize(
    ("kw", "error", "match"),
    [
        ({"task": "sorting"}, ValueError, r"task: expected one of adding, .*got 'sorting'"),
        ({"lag": 0}, ValueError, r"lag: expected an int >= 1, got 0"),
        ({"steps": -5}, ValueError, r"steps: expected an int >= 1, got -5"),
        ({"batch_size": 0}, ValueError, r"batch_size: expected an int >= 1"),
        ({"lr": 0.0}, ValueError, r"lr: expected a number > 0, got 0.0"),
        ({"lr": "fast"}, TypeError, r"lr: expected a number > 0, got str 'fast'"),
        ({"max_seconds": -1.0}, ValueError, r"max_seconds: expected a number > 0"),
        ({"grad_clip": 0}, ValueError, r"grad_clip: expected a number > 0"),
        ({"schedule": "linear"}, ValueError, r"schedule: expected one of constant, cosine, plat"),
        ({"patience": 0}, ValueError, r"patience: expected an int >= 1, got 0"),
        ({"plateau_factor": 1.5}, ValueError, r"plateau_factor: expected a float in \(0, 1\)"),
        ({"seed": -1}, ValueError, r"seed: expected an int >= 0"),
        ({"model": "lstm"}, TypeError, r"model: expected a ModelConfig, got str"),
    ],
)
def test_invalid_fields(kw, error, match):
    with pytest.raises(error, match=match):
        TrainConfig(**kw)


def test_dict_round_trip_and_differences():
    cfg = TrainConfig(lag=7, model=ModelConfig(kind="gru", hidden=5), out_dir="x")
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    other = TrainConfig(lag=8, model=ModelConfig(kind="gru", hidden=6), out_dir="x")
    assert cfg.differences(other) == {"lag": (7, 8), "model.hidden": (5, 6)}
    with pytest.raises(
        ValueError, match=r"config: expected only fields of TrainConfig, got \['x'\]"
    ):
        TrainConfig.from_dict({**cfg.to_dict(), "x": 1})
