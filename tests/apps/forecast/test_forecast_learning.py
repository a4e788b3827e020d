"""A small forecaster trained by the one loop learns: it beats the seasonal naive forecast on
the held-out origins of a small synthetic seasonal series, with a sensible interval."""

from __future__ import annotations

import numpy as np

from lstmlab.apps.forecast.baselines import seasonal_naive
from lstmlab.apps.forecast.config import ForecastConfig
from lstmlab.apps.forecast.metrics import point_metrics
from lstmlab.apps.forecast.model import Forecaster
from lstmlab.apps.forecast.pipeline import load_series, make_model, prepare
from lstmlab.apps.forecast.problem import ForecastProblem
from lstmlab.training import fit


def test_quantiles_never_cross():
    import torch

    model = Forecaster(n_inputs=3, n_future=5, horizon=6, levels=(0.1, 0.5, 0.9), naive_index=4)
    q = model(torch.randn(8, 20, 3), torch.randn(8, 6, 5))
    assert q.shape == (8, 6, 3)
    assert (q[..., 1:] >= q[..., :-1]).all()


def test_a_small_lstm_beats_seasonal_naive(csv_path):
    cfg = ForecastConfig(
        csv=str(csv_path), time_column="when", value_column="load", covariates="temp",
        window=48, horizon=12, origins=12, hidden=16, mlp=32, steps=300, eval_every=50,
        batch_size=32, lr=5e-3, max_seconds=None, patience=None,
    )  # fmt: skip
    prep = prepare(cfg, load_series(cfg))
    result = fit(ForecastProblem(prep, cfg), lambda: make_model(cfg, prep.data), cfg,
                 progress=False)  # fmt: skip
    y, origins = prep.series.values, prep.layout.test_origins
    target = y[origins[:, None] + np.arange(12)]
    naive = point_metrics(target, seasonal_naive(y, origins, 12, prep.period), prep.scale)
    assert result.metrics["MASE"] < 0.9 * naive["MASE"], (result.metrics, naive)
    assert 0.5 < result.metrics["coverage"] <= 1.0
