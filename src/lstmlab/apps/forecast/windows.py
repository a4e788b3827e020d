"""From a ``Series`` to model inputs: splits, normalisation, calendar features, windows.

A forecast made at origin o (the index of the first unknown step) sees the window
``[o - window, o)`` of the target, the covariates and the calendar, and predicts the horizon
``[o, o + horizon)``. For every horizon step the decoder also reads what is known in advance:
the calendar of that step and the seasonal naive forecasts (the value one period ago, for each
period in ``lags``), which are past values at any origin, so using them is not peeking.

Splits (rolling origin, Tashman 2000): the test origins are ``origins`` forecasts, ``every``
steps apart, the last one ending at the series' end; the validation origins are as many just
before the first test target; training uses only targets before the first validation target.
Normalisation statistics come from the training part alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from lstmlab.apps.forecast.series import Series, SeriesError

__all__ = ["Layout", "ForecastData", "Scaler", "calendar_features", "N_CALENDAR"]

#: sin and cos of the phase in the day and in the week. Not the day of the year: one year of
#: data holds the held-out final weeks' days of the year only in them, so a model could only
#: memorise it (measured: validation MASE rose from 0.54 to 0.8 as training went on with it).
N_CALENDAR = 4


def calendar_features(time) -> np.ndarray:
    """(T, 4): sin/cos of the phase within the day and the week (known for any future step).

    A feature constant on the series' grid (time of day for daily data) is harmless: its
    normalisation leaves it at zero."""
    seconds = (time.hour * 3600 + time.minute * 60 + time.second).to_numpy(dtype=np.float64)
    day = 2 * np.pi * seconds / 86400
    week = 2 * np.pi * (time.day_of_week.to_numpy() + seconds / 86400) / 7
    return np.stack([np.sin(day), np.cos(day), np.sin(week), np.cos(week)], axis=1)


@dataclass(frozen=True)
class Layout:
    """Where the splits of a series of length ``n`` lie (indices into the series)."""

    n: int
    window: int
    horizon: int
    origins: int  # rolling origins per held-out split (validation and test each)
    every: int  # steps between consecutive origins
    reach: int  # how far back an origin reads: max(window, the longest lag)

    @property
    def test_origins(self) -> np.ndarray:
        last = self.n - self.horizon
        return last - self.every * np.arange(self.origins - 1, -1, -1)

    @property
    def test_start(self) -> int:
        """The first test target; the held-out final period is [test_start, n)."""
        return int(self.test_origins[0])

    @property
    def val_origins(self) -> np.ndarray:
        return self.test_origins - self.test_origins[-1] + self.test_start - self.horizon

    @property
    def train_end(self) -> int:
        """Training targets (and normalisation statistics) lie in [0, train_end)."""
        return int(self.val_origins[0])

    @property
    def train_origins(self) -> tuple[int, int]:
        """The first and last training origin (inclusive)."""
        return self.reach, self.train_end - self.horizon

    def check(self) -> None:
        first, last = self.train_origins
        if last - first + 1 < 1:
            held_out = self.n - self.train_end
            need = self.reach + self.horizon + held_out
            raise SeriesError(
                f"--csv: expected at least {need} rows for window {self.window} (reach "
                f"{self.reach}), horizon {self.horizon} and {self.origins} validation and "
                f"{self.origins} test origins every {self.every} steps, got {self.n}; pass a "
                "longer series or a smaller --window, --horizon, --origins or --origin-every"
            )


class Scaler:
    """Per-column standardisation (x − mean) / std, fitted on the training part only."""

    def __init__(self, x: np.ndarray) -> None:  # x: (T, F)
        self.mean = x.mean(axis=0)
        std = x.std(axis=0)
        self.std = np.where(std > 0, std, 1.0)  # a constant column stays 0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) / self.std

    def state(self) -> dict[str, list[float]]:
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_state(cls, state: dict[str, list[float]]) -> Scaler:
        scaler = cls.__new__(cls)
        scaler.mean, scaler.std = np.asarray(state["mean"]), np.asarray(state["std"])
        return scaler


class ForecastData:
    """A series as tensors, ready to cut into windows at any origin.

    ``features[t]`` = [z_t, normalised covariates_t, calendar_t] (T, F) with z the normalised
    target; ``scaler`` standardises the columns [value, covariates...].
    """

    def __init__(
        self, series: Series, window: int, horizon: int, lags: tuple[int, ...], scaler: Scaler
    ) -> None:
        self.series, self.window, self.horizon, self.lags = series, window, horizon, lags
        self.scaler = scaler
        raw = np.concatenate([series.values[:, None], series.covariates], axis=1)  # (T, 1 + C)
        cal = calendar_features(series.time)  # (T, 4)
        feats = np.concatenate([scaler(raw), cal], axis=1)
        self.features = torch.as_tensor(feats, dtype=torch.float32)  # (T, 1 + C + 4)
        self.calendar = torch.as_tensor(cal, dtype=torch.float32)
        self.z = self.features[:, 0]

    @property
    def n_inputs(self) -> int:
        return self.features.shape[1]

    @property
    def n_future(self) -> int:
        return N_CALENDAR + len(self.lags)

    def to_value(self, z: Tensor) -> np.ndarray:
        """Normalised target values back to the series' units."""
        return z.double().numpy() * self.scaler.std[0] + self.scaler.mean[0]

    def windows(self, origins: Tensor, future_calendar: Tensor | None = None):
        """Inputs for forecasts at ``origins`` (B,): (history (B, W, F), future (B, H, 4 + P)).

        ``future_calendar`` (B, H, 4) supplies the calendar past the series' end (predict)."""
        past = origins[:, None] + torch.arange(-self.window, 0)  # (B, W)
        history = self.features[past]  # (B, W, F)
        steps = torch.arange(self.horizon)  # k - 1 for horizon step k
        if future_calendar is None:
            future_calendar = self.calendar[origins[:, None] + steps]  # (B, H, 4)
        # Seasonal naive for step k at period p: the value at o + ((k - 1) mod p) - p.
        naive = [self.z[origins[:, None] + steps % p - p] for p in self.lags]  # P × (B, H)
        future = torch.cat([future_calendar, torch.stack(naive, dim=-1)], dim=-1)  # (B, H, 4+P)
        return history, future

    def targets(self, origins: Tensor) -> Tensor:
        return self.z[origins[:, None] + torch.arange(self.horizon)]  # (B, H)
