"""The interface every long-lag task offers to the one training loop.

A task generates `TaskData` (seeded, deterministic), scores a model's output on it (`evaluate`),
knows the loss of a predictor without memory (`baseline`), and says when the task counts as solved
by the criterion of the paper it comes from (`solved`). The training loop knows nothing else about
tasks: what is scored, where, and how, lives here and in the task modules.
"""

from __future__ import annotations

import abc
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import torch
import torch.nn.functional as F

from lstmlab.checks import ArgumentError, check_int

# torch.nn.functional.cross_entropy's default ignore_index: a target position that is not scored.
IGNORE_INDEX = -100

SPLIT_NAMES = ("train", "val", "test")


@dataclass(frozen=True)
class TaskData:
    """A set of N sequences of one task.

    x: (N, T, input_size) float32. Symbol tasks are one-hot; padding steps are zero vectors.
    y: loss "mse": float32 (N, output_size) if target == "last", (N, T, output_size) if "sequence".
       loss "ce":  int64 (N,) if target == "last", (N, T) if "sequence"; IGNORE_INDEX (-100)
       marks a position that is not scored.
    """

    x: torch.Tensor
    y: torch.Tensor

    def __post_init__(self) -> None:
        if self.x.dim() != 3:
            raise ArgumentError(
                f"x: expected shape (N, T, input_size), got {tuple(self.x.shape)}", "x"
            )
        if self.y.shape[0] != self.x.shape[0]:
            raise ArgumentError(
                f"y: expected {self.x.shape[0]} sequences like x, got shape {tuple(self.y.shape)}",
                "y",
            )

    def __len__(self) -> int:
        return self.x.shape[0]


class Task(abc.ABC):
    """A generator of sequences whose target needs a memory of `lag` steps (or a lag set by it).

    Subclasses set the attributes below: in `__init__` after validating their arguments, or as
    class attributes where they are the same for every instance (loss, target, causal).
    """

    name: ClassVar[str]
    source: ClassVar[str]  # the paper(s) the task and its success criterion come from
    metric_name: ClassVar[str]  # what evaluate(...)["metric"] measures

    lag: int
    input_size: int  # features per step
    output_size: int  # regression dimensions, or number of classes
    loss: Literal["mse", "ce"]
    target: Literal["last", "sequence"]  # score the output at the final step, or at every step
    causal: bool  # a Transformer baseline must use a causal mask (targets at every step)

    #: The shortest lag the task is defined for and why, said by the error a shorter one gets. A
    #: task whose one argument is the lag and whose sizes are fixed sets this, input_size and
    #: output_size as class attributes and needs no __init__ of its own.
    lag_bound: ClassVar[tuple[int, str]] = (1, "")

    def __init__(self, lag: int) -> None:
        minimum, why = self.lag_bound
        self.lag = check_int("lag", lag, minimum=minimum, why=why)

    @abc.abstractmethod
    def generate(self, n: int, seed: int) -> TaskData:
        """n sequences, a deterministic function of (task parameters, n, seed)."""

    def splits(self, n_train: int, n_val: int, n_test: int, seed: int = 0) -> dict[str, TaskData]:
        """Train/val/test sets generated from three different seeds derived from `seed`.

        The splits are independent draws; for the discrete tasks a short sequence may occur in two
        splits. That gives no shortcut: its target still depends on evidence from `lag` steps
        back, which the model has to carry across the lag.
        """
        sizes = {
            "train": check_int("n_train", n_train, minimum=1),
            "val": check_int("n_val", n_val, minimum=1),
            "test": check_int("n_test", n_test, minimum=1),
        }
        check_seed(seed)
        return {
            split: self.generate(size, split_seed(seed, split)) for split, size in sizes.items()
        }

    def evaluation_sets(self, split: str, n: int, seed: int) -> list[TaskData]:
        """The sets the split "val" or "test" is scored on: each is scored by ``evaluate``, the
        scores combined by ``merge``. One set of n sequences by default, the one ``splits``
        gives; a task tested on other lengths than it trains on (``lstmlab.tasks.formal``)
        returns one set per length."""
        if split not in SPLIT_NAMES:
            raise ValueError(f"split: expected one of {SPLIT_NAMES}, got {split!r}")
        n = check_int("n", n, minimum=1)
        return [self.generate(n, split_seed(check_seed(seed), split))]

    def merge(self, metrics: Sequence[dict[str, float]]) -> dict[str, float]:
        """The scores of the sets of ``evaluation_sets`` as one: each score averaged."""
        if len(metrics) == 1:
            return dict(metrics[0])
        return {k: statistics.fmean(m[k] for m in metrics) for k in metrics[0]}

    @abc.abstractmethod
    def baseline(self) -> float:
        """The loss of the trivial predictor that has no memory of the relevant inputs."""

    @abc.abstractmethod
    def evaluate(self, output: torch.Tensor, data: TaskData) -> dict[str, float]:
        """Scores of the model output (N, T, output_size) given at every step.

        Returns at least "loss", "metric" and "baseline", "accuracy" for "ce" tasks, and the
        metric under its own name too (metrics[metric_name] == metrics["metric"]).
        Outputs of "ce" tasks are logits (unnormalised), as for F.cross_entropy.
        """

    @abc.abstractmethod
    def solved(self, metrics: dict[str, float]) -> bool:
        """Whether the metrics (of a test set) meet the success criterion of the source paper."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lag={self.lag})"


# --- argument checks ------------------------------------------------------------------------


def check_seed(seed: object) -> int:
    # torch.Generator.manual_seed takes at most 64 bits; negative seeds are refused so that every
    # seed maps to one numpy SeedSequence (split_seed) as well.
    seed = check_int("seed", seed, minimum=0)
    if seed >= 2**64:
        raise ArgumentError(f"seed: expected an integer < 2**64, got {seed}", "seed")
    return seed


def generator(seed: int) -> torch.Generator:
    """A local CPU generator, so that generation never reads or moves the global RNG."""
    return torch.Generator(device="cpu").manual_seed(check_seed(seed))


def split_seed(seed: int, split: str) -> int:
    """A 64-bit seed for one split, well mixed from (seed, split) by numpy's SeedSequence.

    Mixing (rather than seed + k) keeps split seeds away from seeds a user passes to generate().
    """
    state = np.random.SeedSequence([seed, SPLIT_NAMES.index(split)]).generate_state(1, np.uint64)
    return int(state[0])


# --- shared encoding and scoring ------------------------------------------------------------


def one_hot(tokens: torch.Tensor, num_classes: int) -> torch.Tensor:
    """(N, T) int64 symbols -> (N, T, num_classes) float32; a negative symbol is padding (zeros).

    Rows of an identity matrix plus a zero row for padding; indexing that table is several
    times faster than F.one_hot(...).float(), and skips its int64 intermediate.
    """
    table = torch.cat([torch.eye(num_classes), torch.zeros(1, num_classes)])  # (C + 1, C)
    return table[tokens.where(tokens >= 0, num_classes)]  # (N, T, C)


def check_output(output: torch.Tensor, data: TaskData, output_size: int) -> torch.Tensor:
    """The model output as a detached float32 CPU tensor, after checking it is (N, T, C)."""
    N, T = data.x.shape[:2]
    expected = (N, T, output_size)
    if not isinstance(output, torch.Tensor):
        raise ArgumentError(
            f"output: expected a tensor of shape {expected}, got {type(output)}", "output"
        )
    if tuple(output.shape) != expected:
        raise ArgumentError(
            f"output: expected shape (N, T, output_size) = {expected}, got {tuple(output.shape)}",
            "output",
        )
    return output.detach().float().cpu()


def ce_scores(logits: torch.Tensor, y: torch.Tensor) -> tuple[float, torch.Tensor]:
    """Mean cross-entropy over the scored positions, and whether each argmax is right.

    logits: (..., C); y: (...) int64 with IGNORE_INDEX at unscored positions.
    Returns (loss, correct) with correct: (...) bool, False at unscored positions.
    """
    y = y.cpu()
    C = logits.shape[-1]
    loss = F.cross_entropy(logits.reshape(-1, C), y.reshape(-1), ignore_index=IGNORE_INDEX)
    correct = (logits.argmax(-1) == y) & (y != IGNORE_INDEX)
    return float(loss), correct


def mse_scores(prediction: torch.Tensor, y: torch.Tensor) -> tuple[float, torch.Tensor]:
    """Mean squared error, and the absolute error of each prediction (same shape as y)."""
    error = (prediction - y.cpu().float()).abs()
    return float((error**2).mean()), error
