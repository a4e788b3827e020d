"""What a run leaves: ``RunResult`` in ``metrics.json`` and its history in ``history.jsonl``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lstmlab.training.atomic import write_json_atomic, write_text_atomic

__all__ = ["RunResult", "write_history", "read_history", "METRICS", "HISTORY", "CONFIG"]

CONFIG = "config.json"
METRICS = "metrics.json"  # written last: its presence marks a finished run
HISTORY = "history.jsonl"

#: Why a run stopped.
STOP_REASONS = ("solved", "steps", "time", "early_stop", "diverged")


@dataclass
class RunResult:
    """The outcome of one run.

    Attributes:
        config: the TrainConfig as a dict.
        metrics: ``task.evaluate`` on the test split ("loss", "metric", "baseline", ...).
        metric_name: what "metric" measures (``task.metric_name``).
        val_metrics: ``task.evaluate`` on the validation split, for the same weights.
        solved: ``task.solved(metrics)``: the paper's criterion, on the test split.
        steps: optimiser steps taken.
        steps_to_solve: the first step at which the validation split was solved, else None.
        stop_reason: one of "solved", "steps", "time", "early_stop", "diverged".
        selected_step: the step whose weights were tested (the solving step, else the step with
            the lowest validation loss).
        wall_time: seconds of training and evaluation, summed over resumed sessions.
        params: trainable parameters of the model.
        history: one dict per evaluation (step, lr, train_loss, grad_norm, val metrics, ...).
    """

    config: dict[str, Any]
    metrics: dict[str, float]
    metric_name: str
    val_metrics: dict[str, float]
    solved: bool
    steps: int
    steps_to_solve: int | None
    stop_reason: str
    selected_step: int
    wall_time: float
    params: int
    history: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Everything but the history (what ``metrics.json`` holds)."""
        d = asdict(self)
        del d["history"]
        return d

    def save(self, run_dir: str | Path) -> None:
        write_history(run_dir, self.history)
        write_json_atomic(Path(run_dir) / METRICS, self.summary())

    @classmethod
    def load(cls, run_dir: str | Path) -> RunResult:
        summary = json.loads((Path(run_dir) / METRICS).read_text())
        return cls(**summary, history=read_history(run_dir))


def write_history(run_dir: str | Path, history: list[dict[str, Any]]) -> None:
    write_text_atomic(Path(run_dir) / HISTORY, "".join(json.dumps(h) + "\n" for h in history))


def read_history(run_dir: str | Path) -> list[dict[str, Any]]:
    path = Path(run_dir) / HISTORY
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
