"""``lstmlab compare``: a grid of models × lags × seeds, each run resumable, and its table."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from lstmlab.cli.options import (
    lags_option,
    model_config,
    model_options,
    models_option,
    out_option,
    quiet_option,
    task_option,
    train_config,
    training_options,
)
from lstmlab.cli.tables import fmt, summary_table
from lstmlab.training import RunFolderError, grid_configs, run_grid, write_results


@click.command("compare")
@task_option
@models_option("rnn,lstm,gru")
@lags_option("10,50,100")
@click.option(
    "--seeds",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Seeds per (model, lag): 0, 1, ..., SEEDS-1.",
)
@model_options
@training_options
@out_option("Folder of the grid: runs/, results.json, results.csv, runs.csv.", required=True)
@quiet_option
def compare_command(task, kinds, lags, seeds, out, quiet, **opts) -> None:
    """Train every model at every lag with several seeds and tabulate what each solved.

    Finished runs in --out are read back, not retrained; a killed grid continues where it
    stopped. The table gives seeds solved (test split, the task's criterion), mean ± std of the
    test metric, the median step at which validation was solved, and the wall time per run.
    """
    base = train_config(
        model_config(kinds[0], opts),
        opts,
        task=task,
        lag=lags[0],
        seed=0,
        out_dir=None,
    )
    for lag in lags:  # every lag must suit the task before the first run starts
        train_config(base.model, opts, task=task, lag=lag, seed=0)
    for kind in kinds:
        model_config(kind, opts)
    configs = grid_configs(base, kinds, lags, range(seeds), Path(out))
    console = Console()
    done = []

    def report(cfg, result) -> None:
        done.append(result)
        write_results(out, done)
        status = "solved" if result.solved else "not solved"
        console.print(
            f"{cfg.model.kind:>11} lag {cfg.lag:<5} seed {cfg.seed}: {status}, test "
            f"{result.metric_name} {fmt(result.metrics['metric'])}, steps {result.steps}, "
            f"{result.wall_time:.1f} s"
        )

    try:
        run_grid(configs, progress=not quiet, console=console, on_result=report)
    except RunFolderError as err:
        raise click.BadParameter(f"{err}; use another folder", param_hint="--out") from err
    rows = write_results(out, done)
    console.print(summary_table(rows, f"{task}: {len(configs)} runs"))
    console.print(f"results: {Path(out) / 'results.json'}, {Path(out) / 'results.csv'}")
