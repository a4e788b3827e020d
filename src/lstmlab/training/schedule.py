"""Learning-rate schedules. The lr is a function of the step (and, for "plateau", of a small
JSON-able state), so a resumed run sets exactly the lr the uninterrupted run would have."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from lstmlab.training.config import TrainConfig

__all__ = ["LRSchedule"]


@dataclass
class LRSchedule:
    """lr(step) = lr · warm-up(step) · shape(step).

    shape: 1 ("constant"); ½(1 + cos(π·s/S)) with s the step after warm-up and S the steps after
    warm-up ("cosine", Loshchilov & Hutter 2017, no restarts); ``scale`` ("plateau"), multiplied
    by ``plateau_factor`` whenever ``plateau_patience`` evaluations pass without a new lowest
    validation loss (the rule of torch's ReduceLROnPlateau, kept here as plain JSON state).
    """

    cfg: TrainConfig
    scale: float = 1.0
    best: float | None = None
    bad_evals: int = 0

    def lr(self, step: int) -> float:
        c = self.cfg
        warm = min(1.0, (step + 1) / c.warmup_steps) if c.warmup_steps else 1.0
        if c.schedule == "cosine":
            span = max(1, c.steps - c.warmup_steps)
            s = min(max(0, step - c.warmup_steps), span)
            shape = 0.5 * (1.0 + math.cos(math.pi * s / span))
        elif c.schedule == "plateau":
            shape = self.scale
        else:
            shape = 1.0
        return c.lr * warm * shape

    def observe(self, val_loss: float) -> None:
        """Feed one validation loss (every evaluation); only "plateau" listens."""
        if self.cfg.schedule != "plateau":
            return
        if self.best is None or val_loss < self.best:
            self.best, self.bad_evals = val_loss, 0
            return
        self.bad_evals += 1
        if self.bad_evals >= self.cfg.plateau_patience:
            self.scale *= self.cfg.plateau_factor
            self.bad_evals = 0

    def state_dict(self) -> dict[str, Any]:
        d = asdict(self)
        del d["cfg"]
        return d

    def load_state_dict(self, d: dict[str, Any]) -> None:
        self.scale, self.best, self.bad_evals = d["scale"], d["best"], d["bad_evals"]
