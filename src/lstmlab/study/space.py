"""The search space of Greff et al. 2015 (§IV-B), scaled for a CPU budget where needed.

Per trial: the variant, and the hyperparameters the paper sampled at random —
hidden size log-uniform in [20, 200], learning rate log-uniform in [1e-6, 1e-2], momentum
1 − log-uniform[0.01, 1], Gaussian input noise σ uniform in [0, 1]. The paper trained with
online SGD (one sequence per update); we average the loss over a batch, so the same step per
sequence needs a larger learning rate: the default range here is [1e-4, 1] (×100 at both ends;
``lr_range`` changes it), recorded with every study.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import optuna

from lstmlab.cells.options import VARIANTS
from lstmlab.checks import ArgumentError
from lstmlab.fields import config_field
from lstmlab.study.targets import Target, kind_of_variant, task_target
from lstmlab.training import TrainConfig, train

__all__ = [
    "SearchSpace",
    "GREFF_VERDICTS",
    "BASELINE_VARIANT",
    "kind_of_variant",
    "default_base",
]

#: Greff et al.'s "vanilla" LSTM has peepholes: lstmlab's "peephole" variant. The t-tests
#: compare every variant with it, as the paper does.
BASELINE_VARIANT = "peephole"

#: What Greff et al. 2015 concluded of each variant against their (peephole) vanilla LSTM, in
#: the words of their summary (§V, §VII); "—" where the summary does not single it out.
GREFF_VERDICTS: dict[str, str] = {
    "peephole": "the baseline (Greff's vanilla LSTM)",
    "vanilla": "= NP: no significant change",
    "np": "no significant change",
    "cifg": "no significant change",
    "nfg": "significantly worse",
    "noaf": "significantly worse",
    "nig": "— (not singled out in the summary; see the paper's Fig. 3)",
    "nog": "— (not singled out in the summary; see the paper's Fig. 3)",
    "niaf": "— (not singled out in the summary; see the paper's Fig. 3)",
    "fgr": "no improvement (not singled out in the summary; see Fig. 3)",
}


@dataclass(frozen=True)
class SearchSpace:
    """What a trial samples, and the fixed parts of its training run."""

    variants: tuple[str, ...] = config_field(
        tuple(VARIANTS), "LSTM variants to sample from.", choices=tuple(VARIANTS)
    )
    hidden_range: tuple[int, int] = config_field((20, 200), "Hidden size, log-uniform in LOW,HIGH.")
    lr_range: tuple[float, float] = config_field(
        (1e-4, 1.0), "Learning rate, log-uniform in LOW,HIGH."
    )
    one_minus_momentum_range: tuple[float, float] = config_field(
        (0.01, 1.0), "1 − SGD momentum, log-uniform in LOW,HIGH."
    )
    noise_range: tuple[float, float] = config_field(
        (0.0, 1.0), "Std of the Gaussian input noise, uniform in LOW,HIGH."
    )
    optimizer: str = config_field(
        "sgd", "SGD with sampled momentum (the paper), or Adam.", choices=("sgd", "adam")
    )

    def __post_init__(self) -> None:
        unknown = [v for v in self.variants if v not in VARIANTS]
        if not self.variants or unknown:
            raise ArgumentError(
                f"variants: expected names from {', '.join(VARIANTS)}, got {list(self.variants)}",
                "variants",
            )
        if self.optimizer not in ("sgd", "adam"):
            raise ArgumentError(
                f"optimizer: expected 'sgd' or 'adam', got {self.optimizer!r}", "optimizer"
            )
        for name in ("hidden_range", "lr_range", "one_minus_momentum_range", "noise_range"):
            low, high = getattr(self, name)
            if not 0 <= low <= high:
                raise ArgumentError(f"{name}: expected 0 <= low <= high, got ({low}, {high})", name)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SearchSpace:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})

    def sample(self, trial: optuna.Trial, noise: bool = True) -> dict[str, Any]:
        """A trial's variant and hyperparameters (input noise only where ``noise``)."""
        params: dict[str, Any] = {
            "variant": trial.suggest_categorical("variant", list(self.variants)),
            "hidden": trial.suggest_int("hidden", *self.hidden_range, log=True),
            "lr": trial.suggest_float("lr", *self.lr_range, log=True),
            "optimizer": self.optimizer,
            "momentum": 0.0,
        }
        if noise:
            params["input_noise"] = trial.suggest_float("input_noise", *self.noise_range)
        if self.optimizer == "sgd":
            params["momentum"] = 1.0 - trial.suggest_float(
                "one_minus_momentum", *self.one_minus_momentum_range, log=True
            )
        return params

    def suggest(self, trial: optuna.Trial, base: TrainConfig) -> TrainConfig:
        """The training run of ``trial`` on a lab task: ``base`` with the sampled values."""
        target = Target(base, noise=True, runner=train)
        return target.config(self.sample(trial), base.out_dir)


def default_base(task: str, lag: int, max_seconds: float, steps: int, seed: int) -> TrainConfig:
    """The fixed part of every trial on a lab task (``targets.task_target``)."""
    return task_target(task, lag, max_seconds, steps, seed).base
