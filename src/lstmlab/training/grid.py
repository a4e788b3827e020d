"""A grid of runs (models × lags × seeds) through the one loop, and its summary table."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console

from lstmlab.training.atomic import write_csv_atomic, write_json_atomic
from lstmlab.training.config import TrainConfig
from lstmlab.training.loop import train
from lstmlab.training.result import RunResult

__all__ = [
    "grid_configs",
    "run_grid",
    "summarize",
    "run_row",
    "write_results",
    "SUMMARY_COLUMNS",
    "RUN_COLUMNS",
]

SUMMARY_COLUMNS = [
    "task",
    "model",
    "lag",
    "solved",
    "runs",
    "metric",
    "metric_mean",
    "metric_std",
    "metric_best",
    "baseline",
    "median_steps_to_solve",
    "wall_time_mean",
    "params",
]
RUN_COLUMNS = [
    "task",
    "model",
    "lag",
    "seed",
    "solved",
    "metric",
    "test_metric",
    "test_loss",
    "baseline",
    "steps",
    "steps_to_solve",
    "stop_reason",
    "wall_time",
    "params",
    "run_dir",
]


def grid_configs(
    base: TrainConfig, kinds: Sequence[str], lags: Sequence[int], seeds: Sequence[int], out: Path
) -> list[TrainConfig]:
    """One config per (lag, kind, seed), each with its own run folder under ``out/runs``."""
    return [
        replace(
            base,
            lag=lag,
            seed=seed,
            model=replace(base.model, kind=kind),
            out_dir=str(Path(out) / "runs" / f"{kind}-lag{lag}-seed{seed}"),
        )
        for lag in lags
        for kind in kinds
        for seed in seeds
    ]


def run_grid(
    configs: Sequence[TrainConfig],
    *,
    progress: bool = True,
    console: Console | None = None,
    on_result: Callable[[TrainConfig, RunResult], None] | None = None,
) -> list[RunResult]:
    """Run each config in turn; a finished run is read back, a killed one resumes."""
    results = []
    for cfg in configs:
        result = train(cfg, resume=True, progress=progress, console=console)
        if on_result is not None:
            on_result(cfg, result)
        results.append(result)
    return results


def summarize(results: Sequence[RunResult]) -> list[dict[str, Any]]:
    """One row per (model, lag), in the order first met.

    ``solved`` counts seeds whose test split meets the task's criterion; the median of
    ``steps_to_solve`` is over the seeds that solved their validation split (None if none did).
    """
    groups: dict[tuple[str, int], list[RunResult]] = {}
    for r in results:
        groups.setdefault((r.config["model"]["kind"], r.config["lag"]), []).append(r)
    rows = []
    for (kind, lag), rs in groups.items():
        metric = [r.metrics["metric"] for r in rs]
        to_solve = [r.steps_to_solve for r in rs if r.steps_to_solve is not None]
        rows.append(
            {
                "task": rs[0].config["task"],
                "model": kind,
                "lag": lag,
                "solved": sum(r.solved for r in rs),
                "runs": len(rs),
                "metric": rs[0].metric_name,
                "metric_mean": statistics.fmean(metric),
                "metric_std": statistics.stdev(metric) if len(metric) > 1 else 0.0,
                # the best seed, as Delétang et al. 2023 report (§4: "the maximum score")
                "metric_best": max(metric) if higher_is_better(rs[0]) else min(metric),
                "baseline": statistics.fmean(r.metrics.get("baseline", math.nan) for r in rs),
                "median_steps_to_solve": statistics.median(to_solve) if to_solve else None,
                "wall_time_mean": statistics.fmean(r.wall_time for r in rs),
                "params": rs[0].params,
            }
        )
    return rows


def higher_is_better(r: RunResult) -> bool:
    """Whether a larger test metric is better: accuracies are, errors and losses are not."""
    return not any(word in r.metric_name for word in ("mse", "loss", "error"))


def run_row(r: RunResult) -> dict[str, Any]:
    c = r.config
    return {
        "task": c["task"],
        "model": c["model"]["kind"],
        "lag": c["lag"],
        "seed": c["seed"],
        "solved": r.solved,
        "metric": r.metric_name,
        "test_metric": r.metrics["metric"],
        "test_loss": r.metrics["loss"],
        "baseline": r.metrics.get("baseline"),
        "steps": r.steps,
        "steps_to_solve": r.steps_to_solve,
        "stop_reason": r.stop_reason,
        "wall_time": r.wall_time,
        "params": r.params,
        "run_dir": c["out_dir"],
    }


def write_results(out: str | Path, results: Sequence[RunResult]) -> list[dict[str, Any]]:
    """results.json (summary and runs), results.csv (summary), runs.csv (one row per run)."""
    out = Path(out)
    rows = summarize(results)
    runs = [run_row(r) for r in results]
    write_json_atomic(out / "results.json", {"summary": rows, "runs": runs})
    write_csv_atomic(out / "results.csv", rows, SUMMARY_COLUMNS)
    write_csv_atomic(out / "runs.csv", runs, RUN_COLUMNS)
    return rows
