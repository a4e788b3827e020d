"""``lstmlab app sentiment`` end to end on the fixture corpus, and its errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from lstmlab.apps.run import init_app_folder
from lstmlab.cli.main import cli

TINY = ["--steps", "60", "--eval-every", "30", "--embed", "16", "--hidden", "8",
        "--batch-size", "16", "--lr", "0.01", "--min-count", "1", "--quiet"]  # fmt: skip


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


def test_train_evaluate_predict(fixture_data, tmp_path, runner):
    out = tmp_path / "run"
    done = runner.invoke(cli, ["app", "sentiment", "train", "--out", str(out), *TINY])
    assert done.exit_code == 0, done.output
    assert "test accuracy" in done.output

    done = runner.invoke(cli, ["app", "sentiment", "evaluate", "--out", str(out)])
    assert done.exit_code == 0, done.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == {"model", "baselines", "data"}
    assert set(metrics["baselines"]) == {"majority", "tfidf_lr"}
    for row in (metrics["model"], *metrics["baselines"].values()):
        assert 0 <= row["accuracy"] <= 1 and 0 <= row["macro_f1"] <= 1
    data = metrics["data"]
    assert data["seed"] == 0 and data["corpus"] == "rotten-tomatoes"
    assert sum(data["split"].values()) == data["sentences"]
    assert "test split of rotten-tomatoes" in done.output

    done = runner.invoke(
        cli, ["app", "sentiment", "predict", "--out", str(out), "Good film, but not great."]
    )
    assert done.exit_code == 0, done.output
    assert done.output.split()[0] in ("positive", "negative")
    assert "good(" in done.output and "great(" in done.output
    assert (out / "trace.png").read_bytes()[:4] == b"\x89PNG"


def test_predict_refuses_an_empty_sentence_and_another_apps_folder(fixture_data, tmp_path, runner):
    out = tmp_path / "run"
    runner.invoke(cli, ["app", "sentiment", "train", "--out", str(out), "--steps", "2", *TINY[2:]])
    done = runner.invoke(cli, ["app", "sentiment", "predict", "--out", str(out), "  "])
    assert done.exit_code == 2
    assert "sentence: expected a non-empty sentence" in done.output

    other = tmp_path / "forecast"
    init_app_folder(other, "forecast", {})
    done = runner.invoke(cli, ["app", "sentiment", "predict", "--out", str(other), "Fine."])
    assert done.exit_code == 2
    assert "expected a run folder of the 'sentiment' application" in done.output
    assert "'forecast'" in done.output
    done = runner.invoke(cli, ["app", "sentiment", "train", "--out", str(other), *TINY])
    assert done.exit_code == 2 and "'forecast'" in done.output

    done = runner.invoke(cli, ["app", "sentiment", "evaluate", "--out", str(tmp_path / "none")])
    assert done.exit_code == 2 and "holds none" in done.output


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--pooling", "sum"], "'sum' is not one of"),
        (["--variant", "lstm9"], "lstm9"),
        (["--dropout", "1.5"], "dropout: expected a probability in [0, 1), got 1.5"),
        (["--corpus", "imdb"], "'imdb' is not one of"),
    ],
)
def test_bad_options(tmp_path, runner, option, message):
    done = runner.invoke(cli, ["app", "sentiment", "train", "--out", str(tmp_path / "r"), *option])
    assert done.exit_code == 2
    assert message in done.output
    assert not (tmp_path / "r").exists()
