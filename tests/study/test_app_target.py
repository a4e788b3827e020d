"""A study on an application's data set (``--app``): every trial trains the app's own problem
and model through the one loop, with the sampled variant and hyperparameters."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
from click.testing import CliRunner
from optuna.trial import TrialState

from lstmlab.cli.main import cli
from lstmlab.study.targets import app_target, parse_app_option


def seasonal_frame(n: int = 600) -> pd.DataFrame:
    """A daily cycle of 24 hourly steps, a slow level and a covariate."""
    rng = np.random.default_rng(0)
    t = np.arange(n)
    temp = np.cumsum(0.1 * rng.standard_normal(n))
    load = 10 + 2 * np.sin(2 * np.pi * t / 24) + 0.5 * temp + 0.1 * rng.standard_normal(n)
    when = pd.date_range("2020-01-01", periods=n, freq="h")
    return pd.DataFrame({"when": when, "load": load, "temp": temp})


FORECAST = {
    "time_column": "when",
    "value_column": "load",
    "covariates": "temp",
    "window": 48,
    "horizon": 12,
    "origins": 4,
    "mlp": 16,
    "eval_every": 10,
}


def test_forecast_study_trains_the_apps_model_with_the_sampled_values(tmp_path):
    csv = tmp_path / "series.csv"
    seasonal_frame().to_csv(csv, index=False)
    options = [
        a for k, v in {**FORECAST, "csv": str(csv)}.items() for a in ("--app-option", f"{k}={v}")
    ]
    args = ["study", "run", "--app", "forecast", *options, "--variants", "peephole,cifg"]
    args += ["--trials", "3", "--steps-per-trial", "20", "--max-seconds-per-trial", "30"]
    args += ["--workers", "1"]  # in this process (the default is one worker per core)
    done = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "study"), "--quiet"])
    assert done.exit_code == 0, done.output
    study = optuna.load_study(
        study_name="forecast", storage=f"sqlite:///{tmp_path / 'study' / 'study.db'}"
    )
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    assert len(complete) == 3
    for t in complete:
        assert set(t.params) == {"variant", "hidden", "lr", "one_minus_momentum"}  # no noise
        run = json.loads((Path(t.user_attrs["folder"]) / "metrics.json").read_text())
        cfg = run["config"]
        assert cfg["variant"] == t.params["variant"] and cfg["hidden"] == t.params["hidden"]
        assert cfg["lr"] == pytest.approx(t.params["lr"])
        assert cfg["optimizer"] == "sgd" and cfg["patience"] is None and cfg["steps"] == 20
        assert cfg["horizon"] == 12 and cfg["csv"] == str(csv)  # the fixed app options
        assert t.value == pytest.approx(run["metrics"]["loss"])
        assert run["metric_name"] == "MASE"


def test_bad_app_options_name_the_argument():
    with pytest.raises(ValueError, match=r"app_options: expected KEY=VALUE, got 'horizon'"):
        parse_app_option("horizon")
    with pytest.raises(
        ValueError, match=r"app_options: expected fields of ForecastConfig .*\['hidden'\]"
    ):
        app_target("forecast", {"hidden": 3}, 10.0, 10, 0)
    with pytest.raises(ValueError, match=r"app_options: .*\['nonsense'\]"):
        app_target("forecast", {"nonsense": 3}, 10.0, 10, 0)
    with pytest.raises(ValueError, match=r"app: expected one of forecast, sentiment, got 'chess'"):
        app_target("chess", {}, 10.0, 10, 0)
    assert parse_app_option("csv=/a/b.csv") == ("csv", "/a/b.csv")
    assert parse_app_option("horizon=24") == ("horizon", 24)
