"""Learning-rate schedules are functions of the step and a small JSON state."""

import json
import math

import pytest

from lstmlab.training import TrainConfig
from lstmlab.training.schedule import LRSchedule


def test_constant_with_warmup():
    s = LRSchedule(TrainConfig(lr=0.1, warmup_steps=4))
    assert [s.lr(k) for k in range(6)] == pytest.approx([0.025, 0.05, 0.075, 0.1, 0.1, 0.1])


def test_cosine_runs_from_lr_to_zero_over_the_budget():
    s = LRSchedule(TrainConfig(lr=1.0, steps=100, schedule="cosine"))
    assert s.lr(0) == 1.0
    assert s.lr(50) == pytest.approx(0.5)
    assert s.lr(100) == pytest.approx(0.0, abs=1e-12)
    assert all(s.lr(k) >= s.lr(k + 1) for k in range(100))


def test_plateau_scales_after_patience_and_survives_json():
    cfg = TrainConfig(lr=1.0, schedule="plateau", plateau_patience=2, plateau_factor=0.5)
    s = LRSchedule(cfg)
    for loss in (1.0, 0.9, 0.95, 0.95):
        s.observe(loss)
    assert s.lr(0) == 0.5
    restored = LRSchedule(cfg)
    restored.load_state_dict(json.loads(json.dumps(s.state_dict())))
    assert restored.state_dict() == s.state_dict()
    s.observe(0.8)
    assert s.lr(0) == 0.5 and s.best == 0.8


def test_other_schedules_ignore_validation_losses():
    s = LRSchedule(TrainConfig(lr=1.0, schedule="cosine", steps=10))
    for _ in range(20):
        s.observe(math.inf)
    assert s.lr(0) == 1.0
