"""A regular time series with covariates, checked once: what every other forecast module reads.

``series_from_frame`` turns a table (a user's CSV, a package's data set) into a ``Series`` or
raises a ``SeriesError`` that names the argument, what was expected and what was given: a
missing or non-numeric column, missing values, duplicate or decreasing timestamps, a gap in an
otherwise regular time grid.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Series", "SeriesError", "series_from_frame", "infer_period", "step_seconds"]

_DAY = 86400.0


class SeriesError(ValueError):
    """A table that is not a usable time series; the message names the offending argument."""


@dataclass(frozen=True)
class Series:
    """``values[t]`` observed at ``time[t]`` on a regular grid of step ``freq``.

    Attributes:
        time: the timestamps, increasing, no gaps, no duplicates.
        values: the target, float64, shape (T,).
        covariates: observed covariates, float64, shape (T, C) (C may be 0); they enter the
            model only through the history window (their future values are not assumed known).
        value_name, covariate_names: column names, for messages, CSVs and plots.
        freq: the pandas frequency string of the grid (e.g. "30min", "D", "MS").
        info: where the series came from (source, licence, ...), copied into metrics.json.
    """

    time: pd.DatetimeIndex
    values: np.ndarray
    covariates: np.ndarray
    value_name: str
    covariate_names: tuple[str, ...]
    freq: str
    info: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.values)


def series_from_frame(
    frame: pd.DataFrame,
    *,
    time_column: str,
    value_column: str,
    covariates: tuple[str, ...] = (),
    info: dict[str, Any] | None = None,
    where: str = "the table",
) -> Series:
    """Check ``frame`` and return its ``Series``; ``where`` names the table in messages."""
    columns = [str(c) for c in frame.columns]
    for hint, name in [("--time-column", time_column), ("--value-column", value_column)] + [
        ("--covariates", c) for c in covariates
    ]:
        if name not in columns:
            raise SeriesError(
                f"{hint}: expected a column of {where} (columns: {', '.join(columns)}), "
                f"got {name!r}"
            )
    if value_column in covariates:
        raise SeriesError(
            f"--covariates: expected columns other than the value column {value_column!r}, "
            f"got {','.join(covariates)}"
        )
    time = _timestamps(frame[time_column], where)
    values = _numeric(frame[value_column], "--value-column", value_column, where)
    cov = [_numeric(frame[c], "--covariates", c, where) for c in covariates]
    cov_array = np.stack(cov, axis=1) if cov else np.zeros((len(values), 0))
    freq = _regular_freq(time, where)
    return Series(time, values, cov_array, value_column, tuple(covariates), freq, dict(info or {}))


def infer_period(time: pd.DatetimeIndex) -> int:
    """The seasonal period (steps per cycle) of a regular grid: the cycle a seasonal naive
    forecast repeats. Sub-daily steps repeat daily (48 for half-hours), daily steps weekly (7),
    weekly steps yearly (52), monthly steps yearly (12), quarterly steps yearly (4); else 1."""
    step = step_seconds(time)
    if step < _DAY and (_DAY / step).is_integer():
        return int(_DAY / step)
    days = step / _DAY
    for lo, hi, period in [(1, 1, 7), (7, 7, 52), (28, 31, 12), (89, 92, 4)]:
        if lo <= days <= hi:
            return period
    return 1


def step_seconds(time: pd.DatetimeIndex) -> float:
    """The median time step, in seconds."""
    return float(np.median((time[1:] - time[:-1]).total_seconds()))


def _timestamps(column: pd.Series, where: str) -> pd.DatetimeIndex:
    try:
        time = pd.DatetimeIndex(pd.to_datetime(column))
    except (ValueError, TypeError) as err:
        raise SeriesError(
            f"--time-column: expected dates or times in column {column.name!r} of {where}, "
            f"got values such as {column.iloc[:3].tolist()} ({err})"
        ) from None
    if time.hasnans:
        row = int(np.flatnonzero(time.isna())[0])
        raise SeriesError(
            f"--time-column: expected a timestamp in every row of {column.name!r} in {where}, "
            f"got an empty one at row {row + 1}"
        )
    if time.tz is not None:
        time = time.tz_convert(None)
    return time


def _numeric(column: pd.Series, hint: str, name: str, where: str) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        shown = ", ".join(f"row {i + 1}: {column.iloc[i]!r}" for i in bad[:3])
        raise SeriesError(
            f"{hint}: expected a finite number in every row of column {name!r} of {where}, "
            f"got {len(bad)} missing or non-numeric ({shown}{', ...' if len(bad) > 3 else ''})"
        )
    return values


def _regular_freq(time: pd.DatetimeIndex, where: str) -> str:
    if len(time) < 3:
        raise SeriesError(
            f"--csv: expected at least 3 rows in {where} to tell its time step, got {len(time)}"
        )
    dup = time.duplicated()
    if dup.any():
        rows = np.flatnonzero(dup)
        raise SeriesError(
            f"--time-column: expected unique timestamps in {where}, got {len(rows)} duplicate(s), "
            f"the first {time[rows[0]]} at row {rows[0] + 1}"
        )
    steps = np.diff(time.asi8)
    if (steps <= 0).any():
        i = int(np.flatnonzero(steps <= 0)[0]) + 1
        raise SeriesError(
            f"--time-column: expected increasing timestamps in {where}, got {time[i]} at row "
            f"{i + 1} after {time[i - 1]}"
        )
    freq = _infer_freq(time)
    if freq is not None:
        return freq
    # Irregular: take the step of the first stretch and report where the grid breaks.
    freq = _infer_freq(time[: min(len(time), 50)]) or pd.Timedelta(seconds=step_seconds(time))
    expected = pd.date_range(time[0], periods=len(time), freq=freq)
    i = int(np.flatnonzero(expected != time)[0])
    raise SeriesError(
        f"--time-column: expected a regular time grid in {where} (step {freq}, no gaps), got "
        f"{time[i]} at row {i + 1} where {expected[i]} was due after {time[i - 1]}"
    )


def _infer_freq(time: pd.DatetimeIndex) -> str | None:
    with warnings.catch_warnings():  # pandas 3 announces a change of return type; both work
        warnings.simplefilter("ignore")
        freq = pd.infer_freq(time)
    return None if freq is None else str(getattr(freq, "freqstr", freq))
