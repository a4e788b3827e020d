"""The problem section's lag table: report.json's row of a run, built from ``run_row``."""

from __future__ import annotations

from lstmlab.report.sections.problem import _lag_row
from lstmlab.training import RunResult, TrainConfig
from lstmlab.training.grid import run_row


def test_a_lag_row_has_report_json_s_keys_and_the_run_s_values():
    config = TrainConfig(lag=30, out_dir="runs/x").to_dict()
    result = RunResult(
        config=config,
        metrics={"metric": 0.0123, "loss": 0.0123, "baseline": 0.167},
        metric_name="mse",
        val_metrics={},
        solved=False,
        steps=120,
        steps_to_solve=None,
        stop_reason="steps",
        selected_step=100,
        wall_time=12.34567,
        params=1234,
    )
    assert _lag_row(run_row(result)) == {
        "model": "lstm",
        "lag": 30,
        "test_mse": 0.0123,
        "baseline": 0.167,
        "solved": False,
        "steps": 120,
        "steps_to_solve": None,
        "stop_reason": "steps",
        "seconds": 12.35,
        "params": 1234,
    }
    assert list(_lag_row(run_row(result))) == [
        "model", "lag", "test_mse", "baseline", "solved", "steps", "steps_to_solve",
        "stop_reason", "seconds", "params",
    ]  # fmt: skip
