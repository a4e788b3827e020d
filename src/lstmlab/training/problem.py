"""What the one training loop trains on: a ``Problem``.

The loop (``lstmlab.training.fit``) knows a problem only through four calls: the training batch
of a step, the loss of a batch (with a state carried from the previous step, for truncated
backpropagation through time over a stream), the metrics on a fixed split, and whether they
meet a success criterion. The lab's long-lag tasks are one kind of problem (``TaskProblem``);
each application brings its own (data read from files, sequence outputs, its own metrics).
"""

from __future__ import annotations

import abc
import functools
from typing import Any

import torch
from torch import Tensor, nn

from lstmlab.tasks.base import Task, TaskData
from lstmlab.training.distributed import shard_batch
from lstmlab.training.evaluate import evaluate, task_loss
from lstmlab.training.seeding import batch_seed

__all__ = ["Problem", "TaskProblem", "Carry", "SPLITS"]

#: State carried from one training step to the next (detached), or None. Checkpointed.
Carry = tuple[Tensor, ...] | None

#: The splits ``Problem.evaluate`` is asked for: "val" during training, "test" once at the end.
SPLITS = ("val", "test")


class Problem(abc.ABC):
    """A source of training batches, a loss, and metrics on fixed validation and test splits.

    ``batch(step)`` must be a deterministic function of the problem's own seed and ``step``, so
    that a resumed run sees exactly the batches an uninterrupted one would.
    """

    metric_name: str  # what evaluate(...)["metric"] measures

    @abc.abstractmethod
    def batch(self, step: int) -> Any:
        """The training batch of optimiser step ``step`` (0-based)."""

    @abc.abstractmethod
    def loss(self, model: nn.Module, batch: Any, carry: Carry) -> tuple[Tensor, Carry]:
        """The scalar loss of ``batch`` and the carry for the next step.

        ``carry`` is what the previous step returned (None at the start of a run). Return a
        detached carry (truncated BPTT), or None to start the next step afresh.
        """

    @abc.abstractmethod
    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        """Metrics on ``split`` ("val" or "test"), with at least "loss" (lower is better; it picks
        the best weights and drives early stopping) and "metric". The loop calls this with the
        model in eval mode and gradients off."""

    def solved(self, metrics: dict[str, float]) -> bool:
        """Whether ``metrics`` meet the problem's success criterion (none by default)."""
        return False

    def shard(self, batch: Any, rank: int, world: int) -> Any:
        """Process ``rank``'s share of ``batch`` in a data-parallel run of ``world`` processes
        (``lstmlab.training.distributed``): by default the contiguous share of dimension 0 of
        every tensor, which must be the batch dimension of each; a problem whose batches are laid
        out otherwise overrides this."""
        return shard_batch(batch, rank, world)


class TaskProblem(Problem):
    """A long-lag task of ``lstmlab.tasks``: a fresh batch per step, generated from
    (seed, step); validation and test splits fixed for the run. With ``input_noise`` σ > 0 every
    training input gets Gaussian noise of that standard deviation (drawn from torch's global
    RNG, which the loop seeds and checkpoints)."""

    def __init__(
        self,
        task: Task,
        *,
        batch_size: int,
        seed: int,
        n_val: int,
        n_test: int,
        eval_batch_size: int,
        input_noise: float = 0.0,
    ) -> None:
        self.task = task
        self.input_noise = input_noise
        self.metric_name = task.metric_name
        self.batch_size, self.seed = batch_size, seed
        self.n_val, self.n_test, self.eval_batch_size = n_val, n_test, eval_batch_size

    @functools.cached_property
    def _splits(self) -> dict[str, list[TaskData]]:
        """The sets of each split (``Task.evaluation_sets``): one for the long-lag tasks, one per
        test length for a length-generalisation task."""
        sizes = {"val": self.n_val, "test": self.n_test}
        return {s: self.task.evaluation_sets(s, n, self.seed) for s, n in sizes.items()}

    def batch(self, step: int) -> TaskData:
        return self.task.generate(self.batch_size, seed=batch_seed(self.seed, step))

    def loss(self, model: nn.Module, batch: TaskData, carry: Carry) -> tuple[Tensor, Carry]:
        x = batch.x
        if self.input_noise > 0:
            x = x + self.input_noise * torch.randn_like(x)
        return task_loss(self.task, model(x), batch.y), None

    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        sets = self._splits[split]
        return self.task.merge([evaluate(model, self.task, d, self.eval_batch_size) for d in sets])

    def solved(self, metrics: dict[str, float]) -> bool:
        return bool(self.task.solved(metrics))
