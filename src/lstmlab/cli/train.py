"""``lstmlab train``: one run of the one training loop."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from lstmlab.cells.options import VARIANTS
from lstmlab.cli.distributed import distributed_session
from lstmlab.cli.options import (
    default,
    distributed_option,
    lag_option,
    model_config,
    model_options,
    out_option,
    quiet_option,
    resume_option,
    seed_option,
    task_default_lag,
    task_option,
    train_config,
    training_options,
)
from lstmlab.cli.tables import print_result
from lstmlab.models import MODEL_KINDS, ModelConfig
from lstmlab.training import RunFolderError, TrainConfig, train


@click.command("train")
@task_option
@lag_option(
    None,
    help=f"Time lag the task asks the model to bridge; for a formal task, the longest training "
    f"length N [default: {default(TrainConfig, 'lag')}; 40 for the formal tasks].",
)
@click.option(
    "--model",
    "kind",
    type=click.Choice(MODEL_KINDS),
    default=default(ModelConfig, "kind"),
    show_default=True,
    help="Model kind.",
)
@click.option(
    "--variant",
    type=click.Choice(list(VARIANTS)),
    default=None,
    help="LSTM variant (Greff et al. 2015); --model lstm --variant cifg = --model cifg.",
)
@model_options
@training_options
@seed_option
@out_option("Run folder [default: runs/TASK-lagLAG/MODEL-seedSEED].")
@resume_option
@quiet_option
@distributed_option
def train_command(kind, variant, seed, out, resume, quiet, distributed, task, lag, **opts) -> None:
    """Train one model on one task; print progress and the final test metrics."""
    if variant is not None:
        if kind not in ("lstm", variant):
            raise click.BadParameter(
                f"expected --model lstm with a --variant, got --model {kind}",
                param_hint="--variant",
            )
        kind = "lstm" if variant == "vanilla" else variant
    model = model_config(kind, opts)
    lag = task_default_lag(task) if lag is None else lag
    out = out or str(Path("runs") / f"{task}-lag{lag}" / f"{kind}-seed{seed}")
    cfg = train_config(model, opts, task=task, lag=lag, seed=seed, out_dir=out)
    console = Console()
    with distributed_session(distributed) as ranks:
        try:
            result = train(
                cfg, resume=resume, progress=not quiet, console=console, distributed=distributed
            )
        except RunFolderError as err:
            holds = not resume and "which holds one" in str(err)
            hint = "; pass --resume to continue it" if holds else ""
            raise click.BadParameter(f"{err}{hint}", param_hint="--out") from err
    if ranks.main:
        print_result(console, result, cfg.out_dir)
