"""lstmlab compare --tasks and lstmlab train on the formal-language tasks: the per-task grids,
the task × model table of the best seeds next to the paper's scores, and the default lag."""

import json

from click.testing import CliRunner

from lstmlab.cli.main import cli

TINY = [
    "--seeds", "2", "--hidden", "4", "--steps", "4", "--eval-every", "2", "--batch-size", "4",
    "--n-val", "40", "--n-test", "47", "--quiet",
]  # fmt: skip


def test_compare_tasks_writes_each_grid_and_the_task_model_table(tmp_path):
    args = ["compare", "--tasks", "parity,bucket_sort", "--models", "rnn,lstm", *TINY]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for task in ("parity", "bucket_sort"):
        grid = json.loads((tmp_path / task / "results.json").read_text())
        assert [(r["model"], r["lag"]) for r in grid["summary"]] == [("rnn", 40), ("lstm", 40)]
        for row in grid["summary"]:
            runs = [r for r in grid["runs"] if r["model"] == row["model"]]
            assert row["metric_best"] == max(r["test_metric"] for r in runs)  # best of 2 seeds
    rows = json.loads((tmp_path / "table.json").read_text())
    assert [r["task"] for r in rows] == ["parity", "bucket_sort"]
    assert rows[0]["paper"] == {"lstm": 100.0, "transformer": 52.0}
    assert rows[1]["lstm"]["runs"] == 2
    table = (tmp_path / "table.md").read_text().splitlines()
    assert table[0] == "| task | rnn | lstm | paper lstm | paper transformer |"
    assert table[2].startswith("| `parity` |") and table[2].endswith("| 100.0 | 52.0 |")
    best = 100 * rows[1]["lstm"]["best"]
    assert f"{best:.1f}" in table[3]


def test_compare_checks_every_task_before_the_first_run(tmp_path):
    args = ["compare", "--tasks", "parity,adding", "--lags", "1", "--models", "lstm", *TINY]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "lag" in result.output
    assert not (tmp_path / "parity").exists()  # nothing ran


def test_train_on_a_formal_task_defaults_to_the_papers_training_range(tmp_path):
    args = ["train", "--task", "parity", "--model", "lstm", *TINY[2:], "--out", str(tmp_path)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["task"] == "parity" and config["lag"] == 40
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert {"accuracy", "accuracy_min", "accuracy_last"} <= set(metrics["metrics"])
