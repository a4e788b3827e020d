"""The metrics match their definitions; the baselines do what their names say."""

from __future__ import annotations

import numpy as np
import torch

from lstmlab.apps.forecast.baselines import ets_forecasts, seasonal_naive
from lstmlab.apps.forecast.metrics import coverage, mase, pinball, seasonal_scale, smape


def test_mase_of_the_in_sample_seasonal_naive_forecast_is_one():
    y = np.random.default_rng(0).normal(size=200).cumsum()
    scale = seasonal_scale(y, 7)
    assert np.isclose(mase(y[7:], y[:-7], scale), 1.0)


def test_smape_and_coverage_by_hand():
    assert np.isclose(smape(np.array([100.0, 50.0]), np.array([110.0, 50.0])), 200 * (10 / 210) / 2)
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert coverage(y, np.full(4, 1.5), np.full(4, 3.0)) == 0.5


def test_the_pinball_loss_is_lowest_at_the_quantile():
    y = torch.randn(20000, dtype=torch.float64)
    grid = torch.linspace(-2, 2, 81, dtype=torch.float64)
    losses = torch.stack([pinball(torch.full((20000, 1), float(q), dtype=torch.float64), y,
                                  (0.9,)) for q in grid])  # fmt: skip
    best = float(grid[losses.argmin()])
    assert abs(best - float(torch.quantile(y, 0.9))) < 0.06


def test_seasonal_naive_repeats_the_last_cycle():
    y = np.arange(100.0)
    out = seasonal_naive(y, np.array([50]), horizon=10, period=4)
    np.testing.assert_array_equal(out[0], [46, 47, 48, 49, 46, 47, 48, 49, 46, 47])


def test_ets_forecasts_a_noisy_cycle_better_than_its_naive_forecast():
    rng = np.random.default_rng(1)
    t = np.arange(24 * 30)
    y = 5 + np.sin(2 * np.pi * t / 24) + 0.3 * rng.standard_normal(len(t))
    origins = np.arange(360, 720, 24)  # 15 origins
    truth = y[origins[:, None] + np.arange(24)]
    ets = ets_forecasts(y, origins, 24, 24)
    naive = seasonal_naive(y, origins, 24, 24)
    assert np.abs(ets - truth).mean() < 0.9 * np.abs(naive - truth).mean()
