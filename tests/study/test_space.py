"""The search space samples what Greff et al. sampled, in the stated ranges."""

from __future__ import annotations

import optuna
import pytest

from lstmlab.study.space import SearchSpace, default_base


def test_sampled_configs_stay_in_their_ranges():
    space = SearchSpace(variants=("peephole", "vanilla", "cifg"))
    base = default_base("adding", 10, 5.0, 100, 0)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = set()
    for _ in range(40):
        trial = study.ask()
        cfg = space.suggest(trial, base)
        study.tell(trial, 0.0)
        seen.add(cfg.model.kind)
        assert 20 <= cfg.model.hidden <= 200
        assert 1e-4 <= cfg.lr <= 1.0
        assert 0.0 <= cfg.momentum <= 0.99
        assert 0.0 <= cfg.input_noise <= 1.0
        assert cfg.optimizer == "sgd" and cfg.patience is None and cfg.task == "adding"
    assert seen == {"peephole", "lstm", "cifg"}  # "vanilla" is the kind "lstm"


def test_bad_space_is_refused():
    with pytest.raises(ValueError, match=r"variants: expected names from .*got \['lstm9'\]"):
        SearchSpace(variants=("lstm9",))
    with pytest.raises(ValueError, match=r"lr_range: expected 0 <= low <= high, got \(1, 0.1\)"):
        SearchSpace(lr_range=(1, 0.1))
