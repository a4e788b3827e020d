"""Rich tables of results, shared by the commands."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from lstmlab.training import RunResult

__all__ = ["result_table", "summary_table", "fmt"]


def fmt(v: Any, digits: int = 4) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else f"{v:.{digits}g}"
    return str(v)


def result_table(result: RunResult, title: str = "Test result") -> Table:
    t = Table(title=title, show_header=False)
    m = result.metrics
    rows = [
        ("test " + result.metric_name, fmt(m["metric"])),
        ("test loss", fmt(m["loss"])),
        ("baseline (no memory)", fmt(m.get("baseline"))),
        *[
            (f"test {k}", fmt(v))
            for k, v in m.items()
            if k not in ("loss", "metric", "baseline", result.metric_name)
        ],
        ("solved (paper's criterion)", fmt(result.solved)),
        ("steps", fmt(result.steps)),
        ("steps to solve (validation)", fmt(result.steps_to_solve)),
        ("stopped because", result.stop_reason),
        ("wall time (s)", f"{result.wall_time:.1f}"),
        ("parameters", fmt(result.params)),
    ]
    for k, v in rows:
        t.add_row(k, v)
    return t


def summary_table(rows: Sequence[dict[str, Any]], title: str) -> Table:
    """One row per (model, lag) of ``lstmlab.training.summarize``: seeds solved (test split),
    test metric mean ± std over seeds, the best seed's, the memoryless baseline, median steps
    to solve (validation, over the seeds that solved it) and mean wall time per run (parameter
    counts are in results.csv)."""
    t = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    metric = rows[0]["metric"] if rows else "metric"
    columns = ("model", "lag", "solved", f"test {metric}", "best", "baseline", "to solve", "s/run")
    for col in columns:
        t.add_column(col, justify="left" if col == "model" else "right", no_wrap=True)
    for r in rows:
        t.add_row(
            r["model"],
            str(r["lag"]),
            f"{r['solved']}/{r['runs']}",
            f"{r['metric_mean']:.2g}±{r['metric_std']:.1g}",
            fmt(r["metric_best"]),
            f"{r['baseline']:.3g}",
            fmt(r["median_steps_to_solve"]),
            f"{r['wall_time_mean']:.1f}",
        )
    return t


def print_result(console: Console, result: RunResult, run_dir: str | None) -> None:
    console.print(result_table(result))
    if run_dir:
        console.print(f"run folder: {run_dir}")
