"""Small synthetic series for the forecasting tests: a daily cycle of 24 hourly steps, a
persistent (AR(1)) level and a temperature-like covariate that drives part of it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def seasonal_frame(n: int = 1200, seed: int = 0, period: int = 24) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    temp = np.empty(n)
    level = np.empty(n)
    temp[0] = level[0] = 0.0
    for i in range(1, n):  # persistent processes: the recent past says where the level is
        temp[i] = 0.95 * temp[i - 1] + 0.3 * rng.standard_normal()
        level[i] = 0.97 * level[i - 1] + 0.2 * rng.standard_normal()
    value = 10 + 2 * np.sin(2 * np.pi * t / period) + level + 0.5 * temp
    value += 0.1 * rng.standard_normal(n)
    return pd.DataFrame(
        {
            "when": pd.date_range("2020-01-01", periods=n, freq="h"),
            "load": value,
            "temp": temp,
        }
    )


@pytest.fixture
def frame() -> pd.DataFrame:
    return seasonal_frame()


@pytest.fixture
def csv_path(tmp_path, frame):
    path = tmp_path / "series.csv"
    frame.to_csv(path, index=False)
    return path
