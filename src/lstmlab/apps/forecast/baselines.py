"""The forecasts a practitioner would try first, at the same origins and horizon as the LSTM.

- Seasonal naive of period p: ŷ_{o+k} = y_{o+k−p·⌈k/p⌉}, the last observed value at the same
  phase of the cycle (daily: p = steps per day; weekly: 7 days).
- ETS: additive Holt–Winters exponential smoothing (statsmodels ``ExponentialSmoothing``; Hyndman &
  Athanasopoulos, "Forecasting: Principles and Practice", §8.3), seasonal with the longest period
  of the data (weekly for sub-daily data), refitted at every origin on the last
  ``ETS_CYCLES`` cycles before it (maximum likelihood, heuristic initial states). One seasonal
  period is all Holt–Winters models; refitting on a recent stretch lets it follow the level.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["seasonal_naive", "ets_forecasts", "ETS_CYCLES"]

ETS_CYCLES = 6  # cycles of history per ETS fit (6 weeks for half-hourly data)


def seasonal_naive(y: np.ndarray, origins: np.ndarray, horizon: int, period: int) -> np.ndarray:
    """(N, H): the seasonal naive forecasts of period ``period`` at each origin."""
    k = np.arange(horizon)  # k - 1 for step k
    return y[origins[:, None] + k % period - period]


def ets_forecasts(y: np.ndarray, origins: np.ndarray, horizon: int, period: int) -> np.ndarray:
    """(N, H): Holt–Winters forecasts at each origin, each fitted on the data before it."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    out = np.empty((len(origins), horizon))
    seasonal = period > 1
    for i, o in enumerate(origins):
        history = y[max(0, o - ETS_CYCLES * period) if seasonal else 0 : o]
        model = ExponentialSmoothing(
            history,
            trend=None if seasonal else "add",
            damped_trend=not seasonal,
            seasonal="add" if seasonal else None,
            seasonal_periods=period if seasonal else None,
            initialization_method="heuristic" if seasonal else "estimated",
        )
        with warnings.catch_warnings():  # convergence chatter from the optimiser
            warnings.simplefilter("ignore")
            out[i] = model.fit().forecast(horizon)
    return out
