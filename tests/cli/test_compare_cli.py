"""lstmlab compare: the grid's files, its table, and skipping finished runs."""

import csv
import json

from click.testing import CliRunner

from lstmlab.cli.main import cli

GRID = [
    "compare", "--task", "adding", "--models", "rnn,lstm", "--lags", "4,6", "--seeds", "2",
    "--hidden", "4", "--steps", "6", "--eval-every", "3", "--batch-size", "8",
    "--n-val", "16", "--n-test", "16", "--quiet",
]  # fmt: skip


def test_compare_writes_results_and_skips_finished_runs(tmp_path):
    runner = CliRunner()
    first = runner.invoke(cli, [*GRID, "--out", str(tmp_path)], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    results = json.loads((tmp_path / "results.json").read_text())
    rows = [(r["model"], r["lag"]) for r in results["summary"]]
    assert rows == [("rnn", 4), ("lstm", 4), ("rnn", 6), ("lstm", 6)]
    assert all(r["runs"] == 2 and 0 <= r["solved"] <= 2 for r in results["summary"])
    assert len(results["runs"]) == 8
    with open(tmp_path / "results.csv") as f:
        table = list(csv.DictReader(f))
    assert [(r["model"], r["lag"]) for r in table] == [(m, str(lag)) for m, lag in rows]
    assert {"solved", "runs", "metric_mean", "metric_std", "median_steps_to_solve"} <= set(table[0])
    with open(tmp_path / "runs.csv") as f:
        assert len(list(csv.DictReader(f))) == 8
    assert "rnn" in first.output and "lstm" in first.output and "mse" in first.output

    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.glob("runs/*/metrics.json")}
    assert len(stamps) == 8
    second = runner.invoke(cli, [*GRID, "--out", str(tmp_path)], catch_exceptions=False)
    assert second.exit_code == 0, second.output
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # nothing was retrained
    assert json.loads((tmp_path / "results.json").read_text()) == results


def _grid(steps: str, out) -> list[str]:
    return [
        "compare", "--models", "lstm", "--lags", "4", "--seeds", "1", "--hidden", "4",
        "--steps", steps, "--eval-every", "3", "--n-val", "16", "--n-test", "16", "--quiet",
        "--out", str(out),
    ]  # fmt: skip


def test_compare_refuses_a_grid_with_other_settings(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, _grid("6", tmp_path), catch_exceptions=False).exit_code == 0
    result = runner.invoke(cli, _grid("9", tmp_path), catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert "--out" in result.output
    assert "steps: expected 6 (stored), got 9" in " ".join(result.output.split())
