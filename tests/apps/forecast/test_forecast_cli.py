"""``lstmlab app forecast train|evaluate|predict`` end to end on a tiny run, and the CLI's
answers to bad input."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from lstmlab.cli.main import cli

TINY = [
    "--time-column", "when", "--value-column", "load", "--covariates", "temp", "--window", "48",
    "--horizon", "12", "--origins", "4", "--hidden", "8", "--mlp", "16", "--steps", "30",
    "--eval-every", "10", "--quiet",
]  # fmt: skip


@pytest.fixture
def trained(tmp_path, csv_path):
    out = tmp_path / "run"
    done = CliRunner().invoke(
        cli, ["app", "forecast", "train", "--out", str(out), "--csv", str(csv_path), *TINY]
    )
    assert done.exit_code == 0, done.output
    return out


def test_train_evaluate_predict(trained, tmp_path, frame):
    runner = CliRunner()
    done = runner.invoke(cli, ["app", "forecast", "evaluate", "--out", str(trained)])
    assert done.exit_code == 0, done.output
    metrics = json.loads((trained / "metrics.json").read_text())
    assert set(metrics["model"]) >= {"MASE", "sMAPE", "coverage 80%"}
    assert set(metrics["baselines"]) == {"seasonal naive (daily, 24 steps)",
                                         "seasonal naive (weekly, 168 steps)",
                                         "ETS (Holt-Winters, period 168)"}  # fmt: skip
    assert metrics["data"]["period"] == 24 and metrics["data"]["origins"] == 4
    assert (trained / "test_forecast.png").read_bytes()[:4] == b"\x89PNG"
    # predict from a user's CSV: the next 12 hours after its last row.
    history = tmp_path / "history.csv"
    frame.head(400).to_csv(history, index=False)
    done = runner.invoke(cli, ["app", "forecast", "predict", "--out", str(trained),
                               "--csv", str(history)])  # fmt: skip
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader((trained / "forecast.csv").open()))
    assert len(rows) == 12 and rows[0]["time"] == "2020-01-17 16:00:00"
    assert all(float(r["q0.1"]) <= float(r["median"]) <= float(r["q0.9"]) for r in rows)
    assert (trained / "forecast.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "2020-01-17 16:00:00" in done.output


def test_predict_refuses_a_csv_of_another_step_or_too_short(trained, tmp_path, frame):
    runner = CliRunner()
    daily = frame.head(400).assign(when=pd.date_range("2020-01-01", periods=400, freq="D"))
    path = tmp_path / "daily.csv"
    daily.to_csv(path, index=False)
    done = runner.invoke(cli, ["app", "forecast", "predict", "--out", str(trained),
                               "--csv", str(path)])  # fmt: skip
    assert done.exit_code == 2
    assert "expected a series with the time step of the training data (h), got D" in done.output
    frame.head(100).to_csv(path, index=False)
    done = runner.invoke(cli, ["app", "forecast", "predict", "--out", str(trained),
                               "--csv", str(path)])  # fmt: skip
    assert done.exit_code == 2 and "expected at least 168 rows" in done.output


def test_bad_csv_columns_are_named_on_the_command_line(tmp_path, csv_path):
    args = ["app", "forecast", "train", "--out", str(tmp_path / "x"), "--csv", str(csv_path)]
    done = CliRunner().invoke(cli, [*args, *TINY, "--value-column", "demand"])
    assert done.exit_code == 2
    assert "Invalid value for --value-column" in done.output
    assert "got 'demand'" in done.output
    assert not (tmp_path / "x").exists()  # nothing written for a refused run


def test_a_folder_of_another_application_is_refused(tmp_path):
    from lstmlab.apps.run import init_app_folder

    other = tmp_path / "text-run"
    init_app_folder(other, "text", {})
    done = CliRunner().invoke(cli, ["app", "forecast", "evaluate", "--out", str(other)])
    assert done.exit_code == 2
    assert "expected a run folder of the 'forecast' application, got one of the 'text'" in (
        done.output.replace("\n", " ")
    )
