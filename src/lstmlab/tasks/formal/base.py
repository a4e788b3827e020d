"""The length-generalisation protocol of Delétang et al. (2023), shared by the formal tasks.

"Neural Networks and the Chomsky Hierarchy" (ICLR 2023), §4 and Appendix A.3–A.4:

- Training: every batch draws one length ℓ ~ U(1, N), N = 40, then sequences of that length
  from the task's grammar (a fresh batch per step; no fixed training set).
- Test: lengths ℓ ∈ N+1 … M, M = 500, never seen in training.
- Encoding: the input symbols one-hot, followed by |y| "empty" tokens (one more input unit) on
  which the model emits the output; the model is not autoregressive (its own outputs are never
  fed back). A classification task has |y| = 1: the prediction is read at the one empty token.
- Loss: cross-entropy averaged over the output positions.
- Score: the per-sequence accuracy A(x, y) = fraction of output tokens whose argmax is right,
  averaged over sequences and then over the test lengths; the paper reports the best of 10
  seeds × 3 learning rates.

What differs here, to fit 2 CPU cores (every difference is an option):

- Test lengths: every ``test_stride``-th length from N + 1 (41, 51, …, 491) and M = 500 itself
  (47 lengths) instead of all 460, each with ``n_test / 47`` sequences (rounded down, at least
  one); the score is their mean, the same estimator on an evenly spaced sample of lengths.
- Validation (early stopping, choosing the weights, stopping when solved): fresh sequences of
  the training lengths 1 … N only, so nothing of the test lengths is seen before the test.
- "Solved" (stops training on validation; a column of the tables on test): accuracy ≥ 99% at
  every evaluated length and a cross-entropy below 0.001 × that of a uniform guess (the paper
  defines no threshold). The loss condition matters: an LSTM stopped as soon as it was right
  on every training length generalised worse (cycle navigation: 78% at step 1,800) than one
  trained on until it was confidently right (99.6% at step 3,000).
"""

from __future__ import annotations

import abc
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor

from lstmlab.tasks.base import (
    IGNORE_INDEX,
    SPLIT_NAMES,
    Task,
    TaskData,
    ce_scores,
    check_int,
    check_output,
    check_seed,
    generator,
    one_hot,
)

__all__ = ["FormalTask", "TRAIN_MAX", "TEST_MAX", "TEST_STRIDE", "PAPER", "PaperRow", "TABLE_2"]

TRAIN_MAX = 40  # N: training lengths 1 … N (Delétang et al. 2023, §4 "Data generation")
TEST_MAX = 500  # M: test lengths N + 1 … M
TEST_STRIDE = 10  # every 10th test length is evaluated (plus M); see the module docstring
PAPER = "Delétang et al. 2023, Neural Networks and the Chomsky Hierarchy (ICLR)"


@dataclass(frozen=True)
class PaperRow:
    """One task's row of the paper's Table 2: its name there, its level of the Chomsky
    hierarchy ("R", "DCF" or "CS") and the scores of the LSTM and the Transformer (%)."""

    title: str
    abbreviation: str
    lstm: float
    transformer: float

    @property
    def level(self) -> str:
        return LEVELS[self.abbreviation]

    @property
    def source(self) -> str:
        """The paper and the task's name in it: "…: Parity Check (R)"."""
        return f"{PAPER}: {self.title} ({self.abbreviation})"


LEVELS = {"R": "regular", "DCF": "deterministic context-free", "CS": "context-sensitive"}

#: The tasks lstmlab implements, by ``name``, grouped by level as in the paper (Appendix A.3
#: defines them). Scores: best of 10 seeds × 3 learning rates; the Transformer's also over five
#: positional encodings.
TABLE_2: dict[str, PaperRow] = {
    #                              task in the paper             level  LSTM  Transformer
    "parity":             PaperRow("Parity Check",                "R", 100.0, 52.0),
    "modular_arithmetic": PaperRow("Modular Arithmetic (Simple)", "R", 100.0, 24.2),
    "even_pairs":         PaperRow("Even Pairs",                  "R", 100.0, 96.4),
    "cycle_navigation":   PaperRow("Cycle Navigation",            "R", 100.0, 61.9),
    "reverse_string":     PaperRow("Reverse String",            "DCF",  60.9, 62.3),
    "stack_manipulation": PaperRow("Stack Manipulation",        "DCF",  59.1, 57.5),
    "duplicate_string":   PaperRow("Duplicate String",           "CS",  57.6, 52.8),
    "bucket_sort":        PaperRow("Bucket Sort",                "CS",  99.3, 91.9),
}  # fmt: skip


class FormalTask(Task):
    """A transduction task x ↦ f(x) of Delétang et al. (2023), trained on lengths 1 … ``lag``
    and tested on the longer lengths ``lag`` + 1 … ``test_max``.

    ``lag`` is the paper's training range N (default 40): the longest training input.
    Subclasses define the ``name``, the alphabets, ``sample`` (inputs and outputs of one length)
    and, for sequence outputs, ``output_length``; a task of ``TABLE_2`` takes its ``source``,
    ``level`` and ``paper_scores`` from its row there. Everything else (encoding, splits,
    scoring) is here.
    """

    level: ClassVar[str]  # "regular", "deterministic context-free" or "context-sensitive"
    n_symbols: ClassVar[int]  # |Σ_I|: input symbols 0 … n_symbols − 1
    n_classes: ClassVar[int]  # |Σ_O|: output symbols 0 … n_classes − 1
    paper_scores: ClassVar[dict[str, float]]  # {"lstm": %, "transformer": %} of Table 2
    metric_name: ClassVar[str] = "accuracy"
    default_lag: ClassVar[int] = TRAIN_MAX
    solved_accuracy: ClassVar[float] = 0.99
    solved_loss_ratio: ClassVar[float] = 0.001

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        row = TABLE_2.get(cls.__dict__.get("name", ""))
        if row is not None:
            cls.source = row.source
            cls.level = row.level
            cls.paper_scores = {"lstm": row.lstm, "transformer": row.transformer}

    lag_bound: ClassVar[tuple[int, str]] = (1, "the longest training length N")

    def __init__(
        self, lag: int = TRAIN_MAX, test_max: int = TEST_MAX, test_stride: int = TEST_STRIDE
    ) -> None:
        super().__init__(lag)
        self.test_max = check_int(
            "test_max", test_max, minimum=self.lag + 1, why="test lengths are longer than lag"
        )
        self.test_stride = check_int("test_stride", test_stride, minimum=1)
        self.input_size = self.n_symbols + 1  # + the empty token on which outputs are emitted
        self.output_size = self.n_classes
        self.loss = "ce"
        self.target = "sequence"
        self.causal = False  # the paper's Transformer is an encoder over the whole sequence

    # --- what a subclass defines ----------------------------------------------------------

    @abc.abstractmethod
    def sample(self, n: int, length: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        """n inputs of ``length`` symbols and their outputs: (n, T_in) and (n, T_out) int64.

        T_in is ``length`` except where the task's grammar forbids it (modular arithmetic's
        expressions have odd length); T_out is ``output_length(T_in)``.
        """

    def output_length(self, input_length: int) -> int:
        """|y| for an input of ``input_length`` symbols (1: a classification task)."""
        return 1

    def accuracy_mask(self, y: Tensor) -> Tensor:
        """Which output positions count for the accuracy; y (N, T) with IGNORE_INDEX on the
        input steps. All of them by default."""
        return y != IGNORE_INDEX

    # --- encoding ---------------------------------------------------------------------------

    def encode(self, inputs: Tensor, outputs: Tensor) -> TaskData:
        """x = one-hot [inputs, |y| empty tokens]; y = [IGNORE_INDEX × T_in, outputs]."""
        n, t_in = inputs.shape
        t_out = outputs.shape[1]
        empty = torch.full((n, t_out), self.n_symbols)  # the extra input unit
        x = one_hot(torch.cat([inputs, empty], 1), self.input_size)  # (n, T_in + T_out, I + 1)
        y = torch.cat([torch.full((n, t_in), IGNORE_INDEX), outputs], 1)  # (n, T_in + T_out)
        return TaskData(x=x, y=y)

    def generate_length(self, n: int, length: int, seed: int) -> TaskData:
        """n sequences with inputs of ``length`` symbols (deterministic in n, length, seed)."""
        n = check_int("n", n, minimum=1)
        length = check_int("length", length, minimum=1)
        return self.encode(*self.sample(n, length, generator(seed)))

    def generate(self, n: int, seed: int) -> TaskData:
        """A training batch: one length ℓ ~ U(1, lag), then n sequences of that length."""
        n = check_int("n", n, minimum=1)
        gen = generator(seed)
        length = int(torch.randint(1, self.lag + 1, (1,), generator=gen))
        return self.encode(*self.sample(n, length, gen))

    # --- splits and scoring -----------------------------------------------------------------

    def lengths(self, split: str) -> list[int]:
        """The input lengths a split is evaluated on: "val" 1 … lag, "test" lag + 1 … test_max
        every ``test_stride``-th, and test_max itself."""
        if split not in ("val", "test"):
            raise ValueError(f"split: expected 'val' or 'test', got {split!r}")
        if split == "val":
            return list(range(1, self.lag + 1))
        return sorted({*range(self.lag + 1, self.test_max + 1, self.test_stride), self.test_max})

    def evaluation_sets(self, split: str, n: int, seed: int) -> list[TaskData]:
        """One set per length of ``lengths(split)``, with n // (number of lengths) sequences each
        (at least one), from seeds mixed from (seed, split, length)."""
        lengths = self.lengths(split)
        n = check_int("n", n, minimum=1)
        seed = check_seed(seed)
        per_length = max(1, n // len(lengths))
        return [
            self.generate_length(per_length, length, _length_seed(seed, split, length))
            for length in lengths
        ]

    def baseline(self) -> float:
        """Cross-entropy of a uniform guess over the output symbols."""
        return math.log(self.n_classes)

    def evaluate(self, output: Tensor, data: TaskData) -> dict[str, float]:
        """Accuracy A(x, y) per sequence (the paper's per-token accuracy over its output
        positions), averaged over the sequences; loss = cross-entropy over every output
        position; "sequence_accuracy" = fraction of sequences with every scored token right."""
        logits = check_output(output, data, self.output_size)  # (N, T, C)
        loss, correct = ce_scores(logits, data.y)  # correct: (N, T)
        mask = self.accuracy_mask(data.y.cpu()) & (data.y.cpu() != IGNORE_INDEX)  # (N, T)
        right = (correct & mask).sum(1)  # (N,)
        per_sequence = right / mask.sum(1).clamp(min=1)  # (N,)
        accuracy = float(per_sequence.mean())
        return {
            "loss": loss,
            "metric": accuracy,
            "baseline": self.baseline(),
            "accuracy": accuracy,
            "sequence_accuracy": float((right == mask.sum(1)).float().mean()),
        }

    def merge(self, metrics: Sequence[dict[str, float]]) -> dict[str, float]:
        """The mean of every score over the lengths (the paper's score is the mean accuracy),
        with the worst length's accuracy ("accuracy_min") and the longest's ("accuracy_last")."""
        merged = {k: statistics.fmean(m[k] for m in metrics) for k in metrics[0]}
        merged["accuracy_min"] = min(m["accuracy"] for m in metrics)
        merged["accuracy_last"] = metrics[-1]["accuracy"]
        return merged

    def solved(self, metrics: dict[str, float]) -> bool:
        """Accuracy ≥ 99% at every evaluated length (at the one length of a single set) and a
        loss below 0.001 × the uniform guess's."""
        return (
            metrics.get("accuracy_min", metrics["accuracy"]) >= self.solved_accuracy
            and metrics["loss"] < self.solved_loss_ratio * self.baseline()
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lag={self.lag}, test_max={self.test_max})"


def _length_seed(seed: int, split: str, length: int) -> int:
    """A 64-bit seed for the sequences of one length of one split, mixed by numpy's
    SeedSequence so that it differs from the training batches' and the other lengths' seeds."""
    words = [seed, SPLIT_NAMES.index(split), length, 0xF0A1]  # the last word: formal tasks
    return int(np.random.SeedSequence(words).generate_state(1, np.uint64)[0])
