"""The copy memory problem: reproduce 10 symbols after `lag` steps of blanks.

In the exact form of Arjovsky, Shah & Bengio (2016, §4.1), the version later work compares against.
"""

from __future__ import annotations

import math
from typing import ClassVar

import torch

from lstmlab.checks import check_int
from lstmlab.tasks.base import Task, TaskData, ce_scores, check_output, generator, one_hot

N_SYMBOLS = 8  # categories a_0..a_7 carry the message
BLANK = 8  # a_8
DELIMITER = 9  # a_9: "now reproduce the message"
N_CLASSES = 10
MESSAGE = 10  # message length


class CopyTask(Task):
    """Copy a 10-symbol message after a delay of T = lag steps (sequence length T + 20).

    Arjovsky et al. (2016, §4.1): the input is 10 symbols drawn uniformly with replacement from
    a_0..a_7, then T - 1 blanks a_8, one delimiter a_9, then 10 blanks. The target is T + 10
    blanks followed by the 10 message symbols. Every step is scored (cross-entropy averaged over
    all T + 20 steps), so a Transformer baseline needs a causal mask.

    Baseline: the paper's "memoryless strategy" predicts a_8 for the first T + 10 steps (loss 0)
    and a uniform guess over the 8 symbols for the last 10 (loss log 8 each):
    10 log(8) / (T + 20).

    Solved: the paper gives no threshold (it plots the loss against the baseline). We ask that
    >= 99% of test sequences are copied exactly (argmax right at all 10 recall steps) and that
    the loss is below 0.1 x baseline, so that "solved" means reliably recalled and confidently so.
    metric = "sequence_accuracy"; "recall_accuracy" is the per-symbol accuracy of the 10 recall
    steps; "accuracy" is over all scored steps (dominated by the easy blanks).
    """

    name: ClassVar[str] = "copy"
    loss, target, causal = "ce", "sequence", True
    source: ClassVar[str] = "Arjovsky, Shah & Bengio 2016, §4.1"
    metric_name: ClassVar[str] = "sequence_accuracy"

    solved_fraction: ClassVar[float] = 0.99
    solved_loss_ratio: ClassVar[float] = 0.1

    lag_bound: ClassVar[tuple[int, str]] = (1, "T - 1 >= 0 blanks before the delimiter")
    input_size = output_size = N_CLASSES

    def generate(self, n: int, seed: int) -> TaskData:
        n = check_int("n", n, minimum=1)
        T = self.lag
        message = torch.randint(0, N_SYMBOLS, (n, MESSAGE), generator=generator(seed))  # (n, 10)
        tokens = torch.full((n, T + 2 * MESSAGE), BLANK)  # (n, T + 20)
        tokens[:, :MESSAGE] = message
        tokens[:, MESSAGE + T - 1] = DELIMITER  # after the 10 symbols and T - 1 blanks
        y = torch.full((n, T + 2 * MESSAGE), BLANK)  # (n, T + 20)
        y[:, -MESSAGE:] = message
        return TaskData(x=one_hot(tokens, N_CLASSES), y=y)

    def baseline(self) -> float:
        return MESSAGE * math.log(N_SYMBOLS) / (self.lag + 2 * MESSAGE)

    def evaluate(self, output: torch.Tensor, data: TaskData) -> dict[str, float]:
        logits = check_output(output, data, self.output_size)  # (N, T + 20, 10)
        loss, correct = ce_scores(logits, data.y)  # correct: (N, T + 20)
        recall = correct[:, -MESSAGE:]  # (N, 10)
        return {
            "loss": loss,
            "metric": float(recall.all(dim=1).float().mean()),
            "baseline": self.baseline(),
            "accuracy": float(correct.float().mean()),
            "recall_accuracy": float(recall.float().mean()),
            "sequence_accuracy": float(recall.all(dim=1).float().mean()),
        }

    def solved(self, metrics: dict[str, float]) -> bool:
        return (
            metrics["sequence_accuracy"] >= self.solved_fraction
            and metrics["loss"] < self.solved_loss_ratio * metrics["baseline"]
        )
