"""The CLI's options: a thin mapping of ``ModelConfig`` and ``TrainConfig`` fields.

Each option is named after its field (``--batch-size`` → ``batch_size``) and takes its default
from the dataclass, so defaults live in one place. A config error (``"<field>: expected …,
got …"``) is reported as a click error on the option of that field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, fields
from typing import Any

import click

from lstmlab.models import ModelConfig
from lstmlab.tasks import TASKS, make_task
from lstmlab.training import SCHEDULES, TrainConfig
from lstmlab.training.config import OPTIMIZERS

__all__ = [
    "default",
    "OptionalFloat",
    "CommaList",
    "model_options",
    "training_options",
    "task_option",
    "task_default_lag",
    "task_default_lags",
    "model_config",
    "train_config",
    "config_error",
    "option_for",
]


def default(cls: type, name: str) -> Any:
    """The default of dataclass field ``name`` (the one place defaults live)."""
    f = {f.name: f for f in fields(cls)}[name]
    return f.default if f.default is not MISSING else f.default_factory()


class OptionalFloat(click.ParamType):
    """A float, or "none" for None."""

    name = "FLOAT|none"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        if value is None or isinstance(value, float):
            return value
        if str(value).strip().lower() == "none":
            return None
        try:
            return float(value)
        except ValueError:
            self.fail(f"expected a number or 'none', got {value!r}", param, ctx)


class CommaList(click.ParamType):
    """A comma-separated list of ``choices`` (strings) or of positive integers."""

    def __init__(self, choices: tuple[str, ...] | None = None) -> None:
        self.choices = choices
        self.name = "NAME,..." if choices else "N,..."

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        if isinstance(value, list):
            return value
        items = [v.strip() for v in str(value).split(",") if v.strip()]
        if not items:
            self.fail(f"expected a comma-separated list, got {value!r}", param, ctx)
        if self.choices is not None:
            bad = [v for v in items if v not in self.choices]
            if bad:
                self.fail(
                    f"expected names from {', '.join(self.choices)}, got {bad[0]!r} in {value!r}",
                    param,
                    ctx,
                )
            return items
        try:
            numbers = [int(v) for v in items]
        except ValueError:
            self.fail(f"expected comma-separated integers, got {value!r}", param, ctx)
        bad_n = [n for n in numbers if n < 1]
        if bad_n:
            self.fail(f"expected integers >= 1, got {bad_n[0]} in {value!r}", param, ctx)
        return numbers


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _apply(options: list[Decorator]) -> Decorator:
    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


def task_default_lag(task: str) -> int:
    """``--lag`` when not given: a formal task's training range N (40), else TrainConfig's."""
    return getattr(TASKS[task], "default_lag", None) or default(TrainConfig, "lag")


def task_default_lags(task: str) -> list[int]:
    """``--lags`` when not given: a formal task's training range N (40), else 10, 50, 100."""
    lag = getattr(TASKS[task], "default_lag", None)
    return [lag] if lag is not None else [10, 50, 100]


def task_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--task",
        type=click.Choice(list(TASKS)),
        default=default(TrainConfig, "task"),
        show_default=True,
        help="Task (lstmlab.tasks): a long-lag task or a formal-language task.",
    )(f)


M, T = ModelConfig, TrainConfig

#: ModelConfig fields except ``kind`` (``--model``/``--models`` differ per command).
model_options = _apply(
    [
        click.option(
            "--hidden",
            type=int,
            default=default(M, "hidden"),
            show_default=True,
            help="Hidden size H (d_model of the Transformer).",
        ),
        click.option(
            "--layers",
            type=int,
            default=default(M, "layers"),
            show_default=True,
            help="Stacked recurrent (or encoder) layers.",
        ),
        click.option(
            "--dropout",
            type=float,
            default=default(M, "dropout"),
            show_default=True,
            help="Dropout between layers.",
        ),
        click.option(
            "--forget-bias",
            type=OptionalFloat(),
            default=default(M, "forget_bias"),
            show_default=True,
            help="Initial LSTM forget-gate bias, or 'none'.",
        ),
        click.option(
            "--chrono/--no-chrono",
            default=default(M, "chrono"),
            show_default=True,
            help="Chrono init of LSTM gate biases with T_max = lag.",
        ),
        click.option(
            "--input-linear/--no-input-linear",
            default=default(M, "input_linear"),
            show_default=True,
            help="Learned input map before a recurrent core.",
        ),
        click.option(
            "--heads",
            type=int,
            default=default(M, "heads"),
            help="Transformer attention heads [default: most of 8,4,2,1 with >= 16 "
            "dimensions each].",
        ),
    ]
)

#: TrainConfig fields except task, lag, model, seed and out_dir.
training_options = _apply(
    [
        click.option(
            "--steps",
            type=int,
            default=default(T, "steps"),
            show_default=True,
            help="Step budget per run.",
        ),
        click.option(
            "--max-seconds",
            type=float,
            default=default(T, "max_seconds"),
            help="Wall-clock budget per run in seconds [default: none].",
        ),
        click.option("--batch-size", type=int, default=default(T, "batch_size"), show_default=True),
        click.option(
            "--lr",
            type=float,
            default=default(T, "lr"),
            show_default=True,
            help="Adam learning rate.",
        ),
        click.option(
            "--optimizer",
            type=click.Choice(OPTIMIZERS),
            default=default(T, "optimizer"),
            show_default=True,
            help="Adam, or SGD with --momentum (Greff et al. 2015).",
        ),
        click.option(
            "--momentum",
            type=float,
            default=default(T, "momentum"),
            show_default=True,
            help="SGD momentum.",
        ),
        click.option(
            "--input-noise",
            type=float,
            default=default(T, "input_noise"),
            show_default=True,
            help="Std of Gaussian noise on training inputs.",
        ),
        click.option(
            "--weight-decay",
            type=float,
            default=default(T, "weight_decay"),
            show_default=True,
            help="Decoupled weight decay (AdamW); 0 = Adam.",
        ),
        click.option(
            "--grad-clip",
            type=OptionalFloat(),
            default=default(T, "grad_clip"),
            show_default=True,
            help="Largest gradient norm, or 'none'.",
        ),
        click.option(
            "--schedule",
            type=click.Choice(SCHEDULES),
            default=default(T, "schedule"),
            show_default=True,
            help="Learning-rate schedule.",
        ),
        click.option(
            "--warmup-steps", type=int, default=default(T, "warmup_steps"), show_default=True
        ),
        click.option(
            "--eval-every",
            type=int,
            default=default(T, "eval_every"),
            show_default=True,
            help="Steps between validation (and checkpoints).",
        ),
        click.option(
            "--patience",
            type=int,
            default=default(T, "patience"),
            show_default=True,
            help="Early stopping: evaluations without a lower validation loss "
            "(0 = never stop early).",
        ),
        click.option(
            "--threads",
            type=int,
            default=default(T, "threads"),
            show_default=True,
            help="torch.set_num_threads.",
        ),
        click.option("--n-val", type=int, default=default(T, "n_val"), show_default=True),
        click.option("--n-test", type=int, default=default(T, "n_test"), show_default=True),
    ]
)

_OPTION_OF_FIELD = {"kind": "--model", "out_dir": "--out", "model": "--model"}


def option_for(field_name: str) -> str:
    return _OPTION_OF_FIELD.get(field_name, "--" + field_name.replace("_", "-"))


def config_error(err: Exception) -> click.BadParameter:
    """A config's "<field>: expected …, got …" error as a click error on that field's option."""
    message = str(err)
    field_name = message.split(":", 1)[0].strip()
    hint = option_for(field_name) if field_name.isidentifier() else None
    return click.BadParameter(message, param_hint=hint)


def model_config(kind: str, opts: dict[str, Any]) -> ModelConfig:
    """A ModelConfig from the command's keyword arguments (extra keys are ignored)."""
    names = {f.name for f in fields(ModelConfig)} - {"kind"}
    try:
        return ModelConfig(kind=kind, **{k: v for k, v in opts.items() if k in names})
    except (TypeError, ValueError) as err:
        raise config_error(err) from err


def train_config(model: ModelConfig, opts: dict[str, Any], **fixed: Any) -> TrainConfig:
    """A TrainConfig from the command's keyword arguments and ``fixed`` fields; ``--patience 0``
    means None (never stop early)."""
    names = {f.name for f in fields(TrainConfig)} - {"model"}
    values = {k: v for k, v in opts.items() if k in names} | fixed
    if values.get("patience") == 0:
        values["patience"] = None
    try:
        cfg = TrainConfig(model=model, **values)
        _check_task(cfg)
    except (TypeError, ValueError) as err:
        raise config_error(err) from err
    return cfg


def _check_task(cfg: TrainConfig) -> None:
    """Task arguments (e.g. the adding problem needs lag >= 2) fail here, not mid-grid."""
    make_task(cfg.task, cfg.lag)
