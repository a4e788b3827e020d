"""``lstmlab compare``: a grid of tasks × models × lags × seeds, each run resumable, and its
tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from lstmlab.cli.dataclass_options import CommaList
from lstmlab.cli.options import (
    count_option,
    lags_option,
    model_config,
    model_options,
    models_option,
    out_option,
    quiet_option,
    task_default_lags,
    task_option,
    train_config,
    training_options,
)
from lstmlab.cli.tables import fmt, summary_table
from lstmlab.cli.task_table import task_model_markdown, task_model_rows, task_model_table
from lstmlab.tasks import TASKS
from lstmlab.training import RunFolderError, TrainConfig, grid_configs, run_grid, write_results
from lstmlab.training.atomic import write_json_atomic, write_text_atomic


@click.command("compare")
@task_option
@click.option(
    "--tasks",
    type=CommaList(tuple(TASKS)),
    default=None,
    help="Comma-separated tasks (replaces --task): each task's grid goes to OUT/TASK, and a "
    "task × model table of the best seeds to OUT/table.md and OUT/table.json.",
)
@models_option("rnn,lstm,gru")
@lags_option(
    None,
    help="Comma-separated lags; for a formal task, the longest training length N "
    "[default: 10,50,100; 40 for the formal tasks].",
)
@count_option("--seeds", 3, "Seeds per (model, lag): 0, 1, ..., SEEDS-1.")
@model_options
@training_options
@out_option(
    "Folder of the grid: runs/, results.json, results.csv, runs.csv (per task with --tasks).",
    required=True,
)
@quiet_option
def compare_command(task, tasks, kinds, lags, seeds, out, quiet, **opts) -> None:
    """Train every model at every lag with several seeds and tabulate what each solved.

    Finished runs in --out are read back, not retrained; a killed grid continues where it
    stopped. The table gives seeds solved (test split, the task's criterion), mean ± std of the
    test metric, the best seed's (what Delétang et al. 2023 report), the median step at which
    validation was solved, and the wall time per run. With --tasks, every task's configs are
    checked before the first run, the tasks run one after the other, and a task × model table
    of the best seeds follows (next to the paper's scores for the formal tasks).
    """
    console = Console()
    names = tasks or [task]
    # every task's configs are checked before the first run starts
    bases = {
        name: _base_config(name, kinds, lags or task_default_lags(name), opts) for name in names
    }
    summaries = {}
    for name, (base, task_lags) in bases.items():
        folder = Path(out) / name if tasks else Path(out)
        configs = grid_configs(base, kinds, task_lags, range(seeds), folder)
        summaries[name] = _run(name, configs, folder, quiet, console)
    if tasks:
        rows = task_model_rows(summaries, kinds)
        console.print(task_model_table(rows, kinds, f"{len(names)} tasks: best of {seeds} seeds"))
        write_json_atomic(Path(out) / "table.json", rows)
        write_text_atomic(Path(out) / "table.md", task_model_markdown(rows, kinds))
        console.print(f"table: {Path(out) / 'table.md'}, {Path(out) / 'table.json'}")


def _base_config(
    task: str, kinds: list[str], lags: list[int], opts: dict[str, Any]
) -> tuple[TrainConfig, list[int]]:
    """The grid's base config for one task and its lags, after checking every lag and model."""
    base = train_config(
        model_config(kinds[0], opts), opts, task=task, lag=lags[0], seed=0, out_dir=None
    )
    for lag in lags:  # every lag must suit the task before the first run starts
        train_config(base.model, opts, task=task, lag=lag, seed=0)
    for kind in kinds:
        model_config(kind, opts)
    return base, lags


def _run(
    task: str, configs: list[TrainConfig], out: Path, quiet: bool, console: Console
) -> list[dict[str, Any]]:
    done = []

    def report(cfg, result) -> None:
        done.append(result)
        write_results(out, done)
        status = "solved" if result.solved else "not solved"
        console.print(
            f"{task} {cfg.model.kind:>11} lag {cfg.lag:<5} seed {cfg.seed}: {status}, test "
            f"{result.metric_name} {fmt(result.metrics['metric'])}, steps {result.steps}, "
            f"{result.wall_time:.1f} s"
        )

    try:
        run_grid(configs, progress=not quiet, console=console, on_result=report)
    except RunFolderError as err:
        raise click.BadParameter(f"{err}; use another folder", param_hint="--out") from err
    rows = write_results(out, done)
    console.print(summary_table(rows, f"{task}: {len(configs)} runs"))
    console.print(f"results: {out / 'results.json'}, {out / 'results.csv'}")
    return rows
