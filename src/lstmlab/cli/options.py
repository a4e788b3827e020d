"""The CLI's options: generated from ``ModelConfig`` and ``TrainConfig`` (``dataclass_options``),
and the options several commands share, each declared once here.

Each generated option is named after its field (``--batch-size`` → ``batch_size``) and takes its
default and help from the dataclass, so defaults live in one place. A config error is reported as
a click error on the option of the field it concerns (``lstmlab.checks.ArgumentError.argument``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, fields
from typing import Any

import click

from lstmlab.cli.dataclass_options import (
    CommaList,
    config_error,
    dataclass_options,
    option_name,
)
from lstmlab.cli.distributed import DISTRIBUTED_HELP
from lstmlab.models import MODEL_KINDS, ModelConfig
from lstmlab.tasks import TASKS, make_task
from lstmlab.training import TrainConfig

__all__ = [
    "default",
    "CommaList",
    "model_options",
    "training_options",
    "task_option",
    "lag_option",
    "models_option",
    "lags_option",
    "seed_option",
    "out_option",
    "count_option",
    "distributed_option",
    "quiet_option",
    "resume_option",
    "task_default_lag",
    "task_default_lags",
    "model_config",
    "train_config",
    "config_error",
    "option_for",
    "OPTION_OF_FIELD",
]


def default(cls: type, name: str) -> Any:
    """The default of dataclass field ``name`` (the one place defaults live)."""
    f = {f.name: f for f in fields(cls)}[name]
    return f.default if f.default is not MISSING else f.default_factory()


#: Fields whose option is not ``--field-name``.
OPTION_OF_FIELD = {"kind": "--model", "out_dir": "--out", "model": "--model"}


def option_for(field_name: str) -> str:
    return option_name(field_name, OPTION_OF_FIELD)


#: ModelConfig fields except ``kind`` (``--model``/``--models`` differ per command).
model_options = dataclass_options(ModelConfig, exclude=("kind",))

#: TrainConfig fields except those every command declares its own way: task, lag (``--lag`` or
#: ``--lags``), model, seed (``--seed`` or ``--seeds``) and out_dir (``--out``).
training_options = dataclass_options(
    TrainConfig, exclude=("task", "lag", "model", "seed", "out_dir")
)

#: ``--task``, from TrainConfig.task (its choices and default).
task_option = dataclass_options(
    TrainConfig, exclude=[f.name for f in fields(TrainConfig) if f.name != "task"]
)


def task_default_lag(task: str) -> int:
    """``--lag`` when not given: a formal task's training range N (40), else TrainConfig's."""
    return getattr(TASKS[task], "default_lag", None) or default(TrainConfig, "lag")


def task_default_lags(task: str) -> list[int]:
    """``--lags`` when not given: a formal task's training range N (40), else 10, 50, 100."""
    lag = getattr(TASKS[task], "default_lag", None)
    return [lag] if lag is not None else [10, 50, 100]


def lag_option(
    default_lag: int | None,
    minimum: int = 1,
    help: str = "Time lag the task asks the model to bridge.",
) -> Callable[[Callable[..., Any]], Any]:
    """``--lag``; with ``default_lag`` None the command picks it (``task_default_lag``)."""
    return click.option(
        "--lag",
        type=click.IntRange(min=minimum),
        default=default_lag,
        show_default=default_lag is not None,
        help=help,
    )


def models_option(default_kinds: str) -> Callable[[Callable[..., Any]], Any]:
    """``--models``: comma-separated model kinds, as the ``kinds`` argument."""
    return click.option(
        "--models",
        "kinds",
        type=CommaList(MODEL_KINDS),
        default=default_kinds,
        show_default=True,
        help="Comma-separated model kinds.",
    )


def lags_option(
    default_lags: str | None, help: str = "Comma-separated lags."
) -> Callable[[Callable[..., Any]], Any]:
    return click.option(
        "--lags",
        type=CommaList(),
        default=default_lags,
        show_default=default_lags is not None,
        help=help,
    )


def seed_option(f: Callable[..., Any]) -> Any:
    """``--seed``, TrainConfig.seed's default."""
    return click.option(
        "--seed",
        type=click.IntRange(min=0),
        default=default(TrainConfig, "seed"),
        show_default=True,
        help="Seeds initialisation, training batches and the data splits.",
    )(f)


def out_option(
    help: str, *, required: bool = False, default_out: str | None = None
) -> Callable[[Callable[..., Any]], Any]:
    """``--out``: the folder a command writes (``help`` says what goes there)."""
    return click.option(
        "--out",
        type=click.Path(file_okay=False),
        required=required,
        default=default_out,
        show_default=default_out is not None,
        help=help,
    )


def count_option(
    flag: str, default: int | None, help: str, minimum: int = 1, **extra: Any
) -> Callable[[Callable[..., Any]], Any]:
    """An integer option with a lower bound (a number of seeds, steps, workers...)."""
    return click.option(
        flag,
        type=click.IntRange(min=minimum),
        default=default,
        show_default=default is not None,
        help=help,
        **extra,
    )


def distributed_option(f: Callable[..., Any]) -> Any:
    """``--distributed``: one rank of a data-parallel run started by torchrun."""
    return click.option("--distributed", is_flag=True, help=DISTRIBUTED_HELP)(f)


def quiet_option(f: Callable[..., Any]) -> Any:
    return click.option("--quiet", is_flag=True, help="No progress display.")(f)


def resume_option(f: Callable[..., Any]) -> Any:
    return click.option(
        "--resume", is_flag=True, help="Continue the training run in --out from its checkpoint."
    )(f)


def model_config(kind: str, opts: dict[str, Any]) -> ModelConfig:
    """A ModelConfig from the command's keyword arguments (extra keys are ignored)."""
    names = {f.name for f in fields(ModelConfig)} - {"kind"}
    try:
        return ModelConfig(kind=kind, **{k: v for k, v in opts.items() if k in names})
    except (TypeError, ValueError) as err:
        raise config_error(err, OPTION_OF_FIELD) from err


def train_config(model: ModelConfig, opts: dict[str, Any], **fixed: Any) -> TrainConfig:
    """A TrainConfig from the command's keyword arguments and ``fixed`` fields; ``--patience 0``
    means None (never stop early)."""
    names = {f.name for f in fields(TrainConfig)} - {"model"}
    values = {k: v for k, v in opts.items() if k in names} | fixed
    if values.get("patience") == 0:
        values["patience"] = None
    try:
        cfg = TrainConfig(model=model, **values)
        make_task(cfg.task, cfg.lag)  # task arguments (adding needs lag >= 2) fail here
    except (TypeError, ValueError) as err:
        raise config_error(err, OPTION_OF_FIELD) from err
    return cfg
