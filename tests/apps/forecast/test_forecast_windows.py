"""Rolling-origin splits, normalisation from the training part only, and the windows."""

from __future__ import annotations

import numpy as np
import torch

from lstmlab.apps.forecast.baselines import seasonal_naive
from lstmlab.apps.forecast.config import ForecastConfig
from lstmlab.apps.forecast.pipeline import load_series, prepare


def _prep(csv_path, **kw):
    cfg = ForecastConfig(csv=str(csv_path), time_column="when", value_column="load",
                         covariates="temp", window=48, horizon=12, origins=6, **kw)  # fmt: skip
    return cfg, prepare(cfg, load_series(cfg))


def test_test_origins_end_the_series_and_validation_comes_before_them(csv_path):
    _, prep = _prep(csv_path)
    lo = prep.layout
    assert lo.test_origins[-1] + lo.horizon == lo.n
    assert np.all(np.diff(lo.test_origins) == 12) and len(lo.test_origins) == 6
    assert lo.val_origins[-1] + lo.horizon == lo.test_start  # no validation target in test
    assert lo.train_origins[1] + lo.horizon == lo.train_end == lo.val_origins[0]
    assert lo.train_origins[0] == max(48, *prep.lags)


def test_normalisation_depends_on_the_training_part_only(csv_path, frame, tmp_path):
    _, prep = _prep(csv_path)
    changed = frame.copy()
    changed.loc[prep.layout.train_end :, ["load", "temp"]] *= 100.0  # held-out part only
    other = tmp_path / "changed.csv"
    changed.to_csv(other, index=False)
    _, prep2 = _prep(other)
    np.testing.assert_allclose(prep.data.scaler.mean, prep2.data.scaler.mean)
    np.testing.assert_allclose(prep.data.scaler.std, prep2.data.scaler.std)
    assert prep.scale == prep2.scale
    train = prep.data.features[: prep.layout.train_end, :2]
    np.testing.assert_allclose(train.mean(0), 0, atol=1e-5)


def test_windows_hold_the_past_and_the_seasonal_naive_forecast(csv_path):
    _, prep = _prep(csv_path)
    data, y = prep.data, prep.series.values
    origins = np.array([100, 500])
    history, future = data.windows(torch.as_tensor(origins))
    assert history.shape == (2, 48, data.n_inputs) and future.shape == (2, 12, data.n_future)
    np.testing.assert_allclose(data.to_value(history[0, :, 0]), y[52:100], rtol=1e-5)
    naive = data.to_value(future[..., 4])  # the first lag's seasonal naive value
    np.testing.assert_allclose(naive, seasonal_naive(y, origins, 12, prep.period), rtol=1e-5)
    np.testing.assert_allclose(data.to_value(data.targets(torch.as_tensor(origins)))[1],
                               y[500:512], rtol=1e-5)  # fmt: skip
