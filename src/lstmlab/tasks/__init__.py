"""The classic long-lag tasks and the formal-language tasks of Delétang et al. 2023
(``formal``), behind one interface (`Task`, `TaskData` in `base`).

This package is the one place that knows each task; the training loop uses only the interface.

    task = make_task("adding", lag=100)
    data = task.splits(n_train=10_000, n_val=1_000, n_test=1_000, seed=0)
    metrics = task.evaluate(model(data["test"].x), data["test"])  # output: (N, T, output_size)
    task.solved(metrics)
"""

from __future__ import annotations

from typing import Any

from lstmlab.checks import ArgumentError
from lstmlab.tasks.adding import AddingTask
from lstmlab.tasks.base import IGNORE_INDEX, Task, TaskData
from lstmlab.tasks.copy_memory import CopyTask
from lstmlab.tasks.formal import FORMAL_TASKS, FormalTask
from lstmlab.tasks.language import LanguageTask
from lstmlab.tasks.multiplication import MultiplicationTask
from lstmlab.tasks.reber import ReberTask
from lstmlab.tasks.temporal_order import TemporalOrderTask

TASKS: dict[str, type[Task]] = {
    "adding": AddingTask,
    "multiplication": MultiplicationTask,
    "temporal_order": TemporalOrderTask,
    "reber": ReberTask,
    "copy": CopyTask,
    "language": LanguageTask,
    **FORMAL_TASKS,  # Delétang et al. 2023: parity, modular_arithmetic, …, bucket_sort
}


def make_task(name: str, lag: int, **kwargs: Any) -> Task:
    """The task called `name` with the given lag and task-specific options (e.g. n_symbols=3)."""
    if name not in TASKS:
        raise ArgumentError(f"name: expected one of {sorted(TASKS)}, got {name!r}", "name")
    return TASKS[name](lag, **kwargs)


__all__ = [
    "IGNORE_INDEX",
    "TASKS",
    "AddingTask",
    "CopyTask",
    "FORMAL_TASKS",
    "FormalTask",
    "LanguageTask",
    "MultiplicationTask",
    "ReberTask",
    "Task",
    "TaskData",
    "TemporalOrderTask",
    "make_task",
]
