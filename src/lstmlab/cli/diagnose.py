"""``lstmlab diagnose``: gradient flow and gate traces, at initialisation and after training."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from lstmlab.cli.options import (
    count_option,
    default,
    lag_option,
    model_config,
    model_options,
    models_option,
    out_option,
    quiet_option,
    seed_option,
    task_option,
    train_config,
    training_options,
)
from lstmlab.cli.tables import fmt
from lstmlab.diagnostics import diagnose
from lstmlab.training import TrainConfig


@click.command("diagnose")
@task_option
@models_option("rnn,lstm")
@lag_option(default(TrainConfig, "lag"))
@count_option(
    "--train-steps",
    500,
    "Steps of training before the second look (0 = initialisation only).",
    minimum=0,
)
@count_option("--probe-size", 64, "Sequences the gradient norms are averaged over.")
@model_options
@training_options
@seed_option
@out_option("Folder for the JSON, CSV and PNG files (and the training runs).", required=True)
@quiet_option
def diagnose_command(task, kinds, lag, train_steps, probe_size, seed, out, quiet, **opts) -> None:
    """Gradient flow and gate traces of each model, at initialisation and after training.

    Writes ‖∂L/∂h_t‖, ‖∂L/∂c_t‖ and ‖∂L/∂x_t‖ of the last-step loss against the distance from
    it (gradient_flow.json/.csv/.png), the fitted decay factor per step (decay.json/.csv), gate
    traces on one probe sequence (gates_MODEL_PHASE.json/.csv/.png) and the training results
    (training.json); the training runs live in OUT/runs/MODEL and resume.
    """
    for kind in kinds:
        model_config(kind, opts)
    base = train_config(model_config(kinds[0], opts), opts, task=task, lag=lag, seed=seed)
    console = Console()
    report = diagnose(
        base,
        kinds,
        out,
        train_steps=train_steps,
        probe_size=probe_size,
        progress=not quiet,
        console=console,
    )
    table = Table(title=f"{task}, lag {lag}: gradient decay per step back (fit of log-norm)")
    for col in ("model", "phase", "state", "factor/step", "half-life", "norm at lag/2"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for kind, phases in report.decay.items():
        for phase, fits in phases.items():
            flow = report.flows[kind][phase]
            for name, fit in fits.items():
                norm = getattr(flow, name)[min(lag // 2, len(flow.distance) - 1)]
                table.add_row(
                    kind,
                    phase,
                    name,
                    fmt(fit["factor_per_step"]),
                    fmt(fit["half_life"], 3),
                    fmt(norm, 3),
                )
    console.print(table)
    for kind, result in report.results.items():
        console.print(
            f"{kind}: test {result.metric_name} {fmt(result.metrics['metric'])} "
            f"(baseline {fmt(result.metrics.get('baseline'))}), solved: {fmt(result.solved)}"
        )
    console.print(f"wrote {len(report.files)} files to {Path(out)}")
