"""From a ``ForecastConfig`` to everything a verb needs: the series, its splits, the tensors,
the model, and forecasts in the series' units."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from lstmlab.apps.forecast.config import ForecastConfig
from lstmlab.apps.forecast.metrics import seasonal_scale
from lstmlab.apps.forecast.model import Forecaster
from lstmlab.apps.forecast.series import Series, infer_period, step_seconds
from lstmlab.apps.forecast.sources import load_dataset, read_csv
from lstmlab.apps.forecast.windows import N_CALENDAR, ForecastData, Layout, Scaler

__all__ = ["Prepared", "load_series", "prepare", "make_model", "forecast", "seasonal_lags"]


def load_series(cfg: ForecastConfig) -> Series:
    """The run's series, its covariates dropped with ``use_covariates=False``."""
    if cfg.csv is not None:
        series = read_csv(
            cfg.csv,
            time_column=cfg.time_column,
            value_column=cfg.value_column,
            covariates=cfg.covariate_columns,
        )
    else:
        series = load_dataset(cfg.data)
    if not cfg.use_covariates:
        series = Series(
            series.time, series.values, series.covariates[:, :0], series.value_name, (),
            series.freq, series.info,
        )  # fmt: skip
    return series


def seasonal_lags(series: Series, period: int) -> tuple[int, ...]:
    """The seasonal naive lags the decoder reads: the period, and a week for sub-daily data."""
    sub_daily = step_seconds(series.time) < 86400
    return (period, 7 * period) if sub_daily and period > 1 else (period,)


@dataclass
class Prepared:
    """A series cut for one run: its layout, tensors and MASE scale."""

    series: Series
    layout: Layout
    data: ForecastData
    period: int
    lags: tuple[int, ...]
    scale: float  # MASE denominator (in-sample seasonal naive MAE of period ``period``)

    def summary(self) -> dict[str, Any]:
        """The "data" part of metrics.json."""
        lo = self.layout
        t = self.series.time
        return {
            **self.series.info,
            "series": self.series.value_name,
            "covariates": list(self.series.covariate_names),
            "rows": len(self.series),
            "step": self.series.freq,
            "period": self.period,
            "horizon": lo.horizon,
            "window": lo.window,
            "origins": lo.origins,
            "origin_every": lo.every,
            "train": f"{t[0]} .. {t[lo.train_end - 1]} ({lo.train_end} steps)",
            "test_period": f"{t[lo.test_start]} .. {t[-1]} ({lo.n - lo.test_start} steps)",
            "mase_scale": f"in-sample seasonal naive MAE, period {self.period}: {self.scale:.6g}",
        }


def prepare(cfg: ForecastConfig, series: Series) -> Prepared:
    period = cfg.period if cfg.period is not None else infer_period(series.time)
    lags = seasonal_lags(series, period)
    layout = Layout(
        n=len(series),
        window=cfg.window,
        horizon=cfg.horizon,
        origins=cfg.origins,
        every=cfg.step_between_origins,
        reach=max(cfg.window, *lags),
    )
    layout.check()
    train = slice(0, layout.train_end)
    raw = np.concatenate([series.values[:, None], series.covariates], axis=1)
    scaler = Scaler(raw[train])
    data = ForecastData(series, cfg.window, cfg.horizon, lags, scaler)
    scale = seasonal_scale(series.values[train], period)
    return Prepared(series, layout, data, period, lags, scale)


def make_model(cfg: ForecastConfig, data: ForecastData) -> Forecaster:
    return Forecaster(
        n_inputs=data.n_inputs,
        n_future=data.n_future,
        horizon=cfg.horizon,
        levels=cfg.levels,
        naive_index=N_CALENDAR,  # the first lag's seasonal naive value
        hidden=cfg.hidden,
        layers=cfg.layers,
        variant=cfg.variant,
        dropout=cfg.dropout,
        mlp=cfg.mlp,
    )


@torch.no_grad()
def forecast(
    model: Forecaster, data: ForecastData, origins: np.ndarray, batch: int = 256, **kw: Any
) -> np.ndarray:
    """(N, H, Q) quantile forecasts in the series' units at ``origins`` (model in eval mode)."""
    out = []
    for chunk in np.array_split(origins, max(1, -(-len(origins) // batch))):
        o = torch.as_tensor(chunk, dtype=torch.long)
        out.append(data.to_value(model(*data.windows(o, **kw))))
    return np.concatenate(out)
