"""What run to do: one dataclass, every knob with its default (the CLI maps onto its fields)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal, Self

from lstmlab.checks import (
    ArgumentError,
    ArgumentTypeError,
    check_choice,
    check_fraction,
    check_int,
    check_nonnegative,
    check_positive,
)
from lstmlab.fields import config_field
from lstmlab.models.config import ModelConfig
from lstmlab.tasks import TASKS

__all__ = ["LoopConfig", "TrainConfig", "SCHEDULES", "OPTIMIZERS", "RESUMABLE_CHANGES"]

#: Learning-rate schedules, see ``lstmlab.training.schedule``.
SCHEDULES = ("constant", "cosine", "plateau")

#: Optimisers of the loop.
OPTIMIZERS = ("adam", "sgd")

#: Fields a resumed run may change: they bound the run, they do not change what it computes.
RESUMABLE_CHANGES = ("max_seconds", "out_dir")
#: Seeds go to torch, python's random and numpy's legacy seeding, which takes at most 2**32 - 1.
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class LoopConfig:
    """The knobs of the one training loop (``lstmlab.training.fit``), shared by every run.

    ``TrainConfig`` (the lab's tasks) and each application's config subclass it, adding their own
    fields; a subclass gives fields here other defaults with ``lstmlab.fields.field_defaults``.

    Attributes:
        steps: the step budget (one step = one batch, one optimiser update).
        max_seconds: the wall-clock budget in seconds, summed over resumed sessions; None = none.
            A run stopped by it is not reproducible step for step; one stopped by ``steps``,
            by solving or by early stopping is.
        batch_size: sequences per step.
        optimizer: "adam" (Kingma & Ba 2015) or "sgd" (with ``momentum``, as Greff et al. 2015
            trained every variant).
        momentum: SGD's momentum (ignored by Adam).
        lr: the learning rate (the peak of the schedule). 1e-2 with clipping at 1: with these
            defaults the LSTM solved the adding problem at lag 100 in 1300 steps; at 1e-3 it took
            5000 (seed 0, ``lstmlab train --task adding --lag 100 [--lr 0.001]``).
        weight_decay: decoupled weight decay (AdamW, Loshchilov & Hutter 2019); 0 = plain Adam.
        grad_clip: largest global gradient norm (Pascanu et al. 2013, §3.2); None = no clipping.
        schedule: "constant"; "cosine" (half a cosine from lr to 0 over ``steps``, Loshchilov &
            Hutter 2017, without restarts); or "plateau" (lr × ``plateau_factor`` after
            ``plateau_patience`` evaluations without a lower validation loss).
        warmup_steps: linear warm-up from lr/warmup_steps to lr before the schedule; 0 = none.
        plateau_factor: factor of the "plateau" schedule.
        plateau_patience: evaluations the "plateau" schedule waits.
        eval_every: steps between validation evaluations; a checkpoint follows each one.
        patience: stop after this many evaluations without a lower validation loss; None = never.
            Long-lag tasks sit on a plateau before they are solved (Hochreiter & Schmidhuber
            1997, §5), so keep it generous.
        seed: seeds initialisation, training batches and the data splits.
        threads: torch.set_num_threads during the run (restored afterwards).
        out_dir: the run folder (config, checkpoints, history, metrics); None = keep nothing.
    """

    steps: int = config_field(5000, "Step budget per run.")
    max_seconds: float | None = config_field(
        None, "Wall-clock budget per run in seconds, summed over resumed sessions; none = none."
    )
    batch_size: int = config_field(32, "Sequences per step.")
    optimizer: Literal["adam", "sgd"] = config_field(
        "adam", "Adam, or SGD with --momentum (Greff et al. 2015)."
    )
    momentum: float = config_field(0.9, "SGD momentum.")
    lr: float = config_field(1e-2, "Learning rate (the peak of the schedule).")
    weight_decay: float = config_field(0.0, "Decoupled weight decay (AdamW); 0 = Adam.")
    grad_clip: float | None = config_field(1.0, "Largest gradient norm, or 'none'.")
    schedule: str = config_field("constant", "Learning-rate schedule.", choices=SCHEDULES)
    warmup_steps: int = config_field(0, "Steps of linear warm-up before the schedule.")
    plateau_factor: float = config_field(
        0.5, "Factor of the plateau schedule: lr × factor after --plateau-patience evaluations."
    )
    plateau_patience: int = config_field(
        5, "Evaluations without a lower validation loss the plateau schedule waits."
    )
    eval_every: int = config_field(100, "Steps between validation (and checkpoints).")
    patience: int | None = config_field(
        30, "Early stopping: evaluations without a lower validation loss (0 or none = never)."
    )
    seed: int = config_field(0, "Seeds initialisation, training batches and data splits.")
    threads: int = config_field(1, "torch.set_num_threads during the run (restored after).")
    out_dir: str | None = config_field(None, "The run folder; none = keep nothing.")

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "eval_every", "threads", "plateau_patience"):
            check_int(name, getattr(self, name), 1)
        check_int("warmup_steps", self.warmup_steps, 0)
        check_int("seed", self.seed, 0)
        if self.seed > MAX_SEED:
            raise ArgumentError(
                f"seed: expected an int in [0, {MAX_SEED}] (the range numpy's and python's "
                f"generators are seeded with), got {self.seed}",
                "seed",
            )
        if self.patience is not None:
            check_int("patience", self.patience, 1)
        check_positive("lr", self.lr, finite=True)
        if self.max_seconds is not None:
            check_positive("max_seconds", self.max_seconds)  # inf: no limit, as None
        if self.grad_clip is not None:
            check_positive("grad_clip", self.grad_clip)  # inf: no clipping, as None
        check_positive("plateau_factor", self.plateau_factor)
        if self.plateau_factor >= 1:
            raise ArgumentError(
                f"plateau_factor: expected a float in (0, 1), got {self.plateau_factor}",
                "plateau_factor",
            )
        check_nonnegative("weight_decay", self.weight_decay)
        check_choice("schedule", self.schedule, SCHEDULES)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_fraction("momentum", self.momentum)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        """The config ``to_dict`` wrote (a subclass with nested configs overrides this)."""
        cls._check_known(d)
        return cls(**d)

    @classmethod
    def _check_known(cls, d: dict[str, Any]) -> None:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ArgumentError(
                f"config: expected only fields of {cls.__name__}, got {unknown}", "config"
            )

    def differences(self, other: LoopConfig) -> dict[str, tuple[Any, Any]]:
        """Fields (nested ones as "<field>.<name>") whose values differ: name → (self, other)."""
        a, b = _flatten(self.to_dict()), _flatten(other.to_dict())
        return {
            k: (a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)
        }


@dataclass(frozen=True)
class TrainConfig(LoopConfig):
    """One training run of one model on one of the lab's tasks (the loop's knobs: LoopConfig).

    Attributes:
        task: a name of ``lstmlab.tasks.TASKS``.
        lag: the time lag the task asks the model to bridge (``make_task(task, lag)``).
        model: the model to train.
        n_val: validation sequences (fixed for the run; solving and early stopping read them).
        n_test: test sequences (fixed; read once, at the end).
        eval_batch_size: sequences per forward pass when evaluating.
        input_noise: standard deviation of Gaussian noise added to every training input
            (Greff et al. 2015, §IV-B: one of the hyperparameters of their study); 0 = none.
    """

    task: str = config_field(
        "adding",
        "Task (lstmlab.tasks): a long-lag task or a formal-language task.",
        choices=tuple(TASKS),
    )
    lag: int = config_field(100, "Time lag the task asks the model to bridge.")
    model: ModelConfig = config_field(help="The model to train.", factory=ModelConfig)
    n_val: int = config_field(500, "Validation sequences.")
    n_test: int = config_field(1000, "Test sequences.")
    eval_batch_size: int = config_field(500, "Sequences per forward pass when evaluating.")
    input_noise: float = config_field(0.0, "Std of Gaussian noise on training inputs.")

    def __post_init__(self) -> None:
        check_choice("task", self.task, tuple(TASKS))
        if not isinstance(self.model, ModelConfig):
            raise ArgumentTypeError(
                f"model: expected a ModelConfig, got {type(self.model).__name__}", "model"
            )
        check_int("lag", self.lag, 1)
        super().__post_init__()
        for name in ("n_val", "n_test", "eval_batch_size"):
            check_int(name, getattr(self, name), 1)
        check_nonnegative("input_noise", self.input_noise)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        cls._check_known(d)
        return cls(**{**d, "model": ModelConfig.from_dict(d["model"])})


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out |= _flatten(v, f"{prefix}{k}.")
        else:
            out[prefix + k] = v
    return out
