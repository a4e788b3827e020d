"""A table becomes a checked Series, or an error naming the argument, expected and got."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lstmlab.apps.forecast.config import ForecastConfig
from lstmlab.apps.forecast.pipeline import load_series, prepare
from lstmlab.apps.forecast.series import SeriesError, infer_period, series_from_frame
from lstmlab.apps.forecast.sources import read_csv


def test_a_good_csv_reads_as_a_regular_series(csv_path, frame):
    s = read_csv(csv_path, time_column="when", value_column="load", covariates=("temp",))
    assert len(s) == len(frame) and s.freq == "h"
    np.testing.assert_allclose(s.values, frame["load"].to_numpy())
    assert s.covariates.shape == (len(frame), 1) and s.covariate_names == ("temp",)
    assert infer_period(s.time) == 24


@pytest.mark.parametrize(
    ("freq", "period"), [("30min", 48), ("h", 24), ("D", 7), ("W-SUN", 52), ("MS", 12), ("YS", 1)]
)
def test_the_period_follows_the_time_step(freq, period):
    assert infer_period(pd.date_range("2001-01-01", periods=30, freq=freq)) == period


def _check(frame, **kw):
    args = {"time_column": "when", "value_column": "load", "covariates": ("temp",)} | kw
    return series_from_frame(frame, where="test.csv", **args)


def test_a_missing_column_is_named_with_the_columns_there(frame):
    with pytest.raises(SeriesError, match=r"--value-column: expected a column of test.csv "
                       r"\(columns: when, load, temp\), got 'demand'"):  # fmt: skip
        _check(frame, value_column="demand")
    with pytest.raises(SeriesError, match=r"--covariates: .* got 'humidity'"):
        _check(frame, covariates=("humidity",))
    with pytest.raises(SeriesError, match=r"--time-column: .* got 'date'"):
        _check(frame, time_column="date")


def test_non_numeric_and_missing_values_are_shown_by_row(frame):
    bad = frame.astype({"temp": object})
    bad.loc[4, "temp"] = "warm"
    with pytest.raises(SeriesError, match=r"--covariates: expected a finite number in every row "
                       r"of column 'temp' of test.csv, got 1 missing or non-numeric \(row 5: "
                       r"'warm'\)"):  # fmt: skip
        _check(bad)
    bad = frame.copy()
    bad.loc[[2, 9], "load"] = np.nan
    with pytest.raises(SeriesError, match=r"--value-column: .* got 2 missing or non-numeric"):
        _check(bad)


def test_duplicate_timestamps_are_refused(frame):
    bad = frame.copy()
    bad.loc[7, "when"] = bad.loc[6, "when"]
    want = r"--time-column: expected unique timestamps in test.csv, got 1 duplicate\(s\), "
    with pytest.raises(SeriesError, match=want + r"the first 2020-01-01 06:00:00 at row 8"):
        _check(bad)


def test_a_gap_is_located(frame):
    bad = frame.drop(index=100).reset_index(drop=True)
    with pytest.raises(SeriesError, match=r"--time-column: expected a regular time grid in "
                       r"test.csv \(step h, no gaps\), got 2020-01-05 05:00:00 at row 101 where "
                       r"2020-01-05 04:00:00 was due"):  # fmt: skip
        _check(bad)


def test_decreasing_timestamps_are_refused(frame):
    bad = frame.iloc[::-1].reset_index(drop=True)
    with pytest.raises(SeriesError, match=r"--time-column: expected increasing timestamps"):
        _check(bad)


def test_unparseable_times_and_missing_files_are_explained(frame, tmp_path):
    bad = frame.astype({"when": object})
    bad.loc[3, "when"] = "yesterday"
    with pytest.raises(SeriesError, match=r"--time-column: expected dates or times"):
        _check(bad)
    with pytest.raises(SeriesError, match=r"--csv: expected a CSV file, got .* does not exist"):
        read_csv(tmp_path / "nope.csv", time_column="when", value_column="load")


def test_a_series_too_short_for_window_and_horizon_says_how_long_it_must_be(tmp_path, frame):
    path = tmp_path / "short.csv"
    frame.head(300).to_csv(path, index=False)
    cfg = ForecastConfig(csv=str(path), time_column="when", value_column="load", window=168,
                         horizon=24, origins=5)  # fmt: skip
    with pytest.raises(SeriesError, match=r"--csv: expected at least 432 rows for window 168 "
                       r"\(reach 168\), horizon 24 .* got 300"):  # fmt: skip
        prepare(cfg, load_series(cfg))
    frame.head(431).to_csv(path, index=False)
    with pytest.raises(SeriesError, match=r"at least 432 rows .* got 431"):
        prepare(cfg, load_series(cfg))
    frame.head(432).to_csv(path, index=False)  # exactly enough: one training origin
    prepare(cfg, load_series(cfg))
