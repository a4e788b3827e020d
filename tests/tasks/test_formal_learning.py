"""A small LSTM learns parity through the one training loop, and generalises to longer strings
(the full protocol's runs, 1–40 → 41–500, are in the README, not in the default suite)."""

from __future__ import annotations

from lstmlab.models import ModelConfig
from lstmlab.training import TrainConfig, train


def test_a_small_lstm_learns_parity_of_short_strings_and_longer_ones():
    cfg = TrainConfig(
        task="parity",
        lag=8,  # train on lengths 1–8
        model=ModelConfig(kind="lstm", hidden=16),
        steps=600,
        batch_size=64,
        lr=0.02,
        eval_every=50,
        n_val=80,
        n_test=47,
        seed=0,
    )
    result = train(cfg, progress=False)
    assert result.stop_reason == "solved", (result.stop_reason, result.metrics)
    # tested on 47 lengths from 9 to 500, one string each: the score is the mean accuracy
    assert result.metrics["accuracy"] >= 0.8, result.metrics  # chance: 0.5
