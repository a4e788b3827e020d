"""lstmlab train and lstmlab demo, end to end on tiny settings."""

import json

import pytest
from click.testing import CliRunner

from lstmlab.cli.main import cli


def test_train_prints_the_test_metrics(tmp_path):
    out = tmp_path / "run"
    args = ["train", "--task", "adding", "--model", "lstm", "--variant", "cifg", "--lag", "6",
            "--hidden", "4", "--steps", "6", "--eval-every", "3", "--n-val", "16",
            "--n-test", "16", "--quiet", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for text in ("test mse", "baseline", "solved", "steps", "wall time", str(out)):
        assert text in result.output
    config = json.loads((out / "config.json").read_text())
    assert config["model"]["kind"] == "cifg" and config["lag"] == 6
    resumed = CliRunner().invoke(cli, [*args, "--resume"], catch_exceptions=False)
    assert resumed.exit_code == 0 and "test mse" in resumed.output


def test_default_run_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = [
        "train",
        "--model",
        "gru",
        "--lag",
        "5",
        "--hidden",
        "4",
        "--steps",
        "2",
        "--eval-every",
        "1",
        "--n-val",
        "8",
        "--n-test",
        "8",
        "--seed",
        "7",
        "--quiet",
    ]
    assert CliRunner().invoke(cli, args, catch_exceptions=False).exit_code == 0
    assert (tmp_path / "runs" / "adding-lag5" / "gru-seed7" / "metrics.json").is_file()


def test_demo_runs_and_shows_examples(tmp_path):
    args = ["demo", "--lag", "8", "--steps", "10", "--quiet", "--out", str(tmp_path)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for text in ("adding problem", "rnn", "lstm", "baseline", "Example sequences", "target"):
        assert text in result.output
    assert (tmp_path / "rnn" / "metrics.json").is_file()
    assert (tmp_path / "lstm" / "metrics.json").is_file()


@pytest.mark.slow
def test_demo_at_its_defaults_shows_the_lstm_solving_and_the_rnn_failing(tmp_path):
    """What the README's first command shows (about half a minute on two cores)."""
    result = CliRunner().invoke(cli, ["demo", "--quiet", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lstm = json.loads((tmp_path / "lstm" / "metrics.json").read_text())
    rnn = json.loads((tmp_path / "rnn" / "metrics.json").read_text())
    assert lstm["solved"] and not rnn["solved"]
    assert rnn["metrics"]["metric"] > 0.5 * rnn["metrics"]["baseline"]
