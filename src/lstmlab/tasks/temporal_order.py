"""The temporal order problem: classify a noisy sequence by the order of two or three symbols.

Hochreiter & Schmidhuber (1997, §5.6, tasks 6a and 6b). The relevant symbols X/Y sit at random
steps inside fixed windows, among random distractors; only the final step is scored.
"""

from __future__ import annotations

import math
from typing import ClassVar

import torch

from lstmlab.checks import ArgumentError, check_int
from lstmlab.tasks.base import Task, TaskData, ce_scores, check_output, generator, one_hot

SYMBOLS = ("a", "b", "c", "d", "X", "Y", "E", "B")  # one input unit each, as the 8 of 1997
A, X, E, B = 0, 4, 6, 7  # indices: first distractor, X (Y = X + 1), start, trigger

# The windows of 1997 §5.6, as 1-based positions in a sequence of about 100 steps.
PAPER_WINDOWS = {
    2: ((10, 20), (50, 60)),  # task 6a
    3: ((10, 20), (33, 43), (66, 76)),  # task 6b
}
PAPER_LENGTH = 100
MIN_LAG = 11  # the shortest length at which every scaled window holds a free step


def windows(lag: int, n_symbols: int) -> tuple[tuple[int, int], ...]:
    """The 1997 windows scaled to length `lag`, as inclusive 0-based (low, high) steps.

    At lag = 100 they are exactly the paper's windows; step 0 holds E, step lag - 1 holds B.
    """
    return tuple(
        (
            math.ceil(low * lag / PAPER_LENGTH) - 1,
            math.floor(high * lag / PAPER_LENGTH) - 1,
        )
        for low, high in PAPER_WINDOWS[n_symbols]
    )


class TemporalOrderTask(Task):
    """Which of the 2^k orders of X/Y the k relevant symbols form (k = n_symbols, 2 or 3).

    1997 §5.6: "The sequence starts with an E, ends with a B (the 'trigger symbol') and otherwise
    consists of randomly chosen symbols from the set {a, b, c, d} except for two elements at
    positions t1 and t2 that are either X or Y." Classes XX, XY, YX, YY (Q, R, S, U) are
    labelled 0..3 here: the first relevant symbol is the most significant bit, X = 0, Y = 1.

    Our sequences have the fixed length T = lag (1997: random in 100..110) and the windows are the
    1997 ones scaled by lag/100, so the lag from the first relevant symbol to the trigger is
    about 0.8-0.9 lag. The trigger B is the last step, where the class is scored.

    Baseline: a uniform guess over the 2^k classes, cross-entropy log(2^k).

    Solved: the 1997 criterion, "the sequence is classified correctly if the final absolute error
    of all output units is below 0.3"; with softmax outputs this holds exactly when the true
    class has probability > 0.7 (the others then sum to < 0.3). 1997 stopped training once the
    recent training sequences all passed it; we require it of >= 99% of the test sequences, so
    that a finite test set leaves room for a rare error. evaluate reports this as
    "paper_accuracy" (the metric) and the argmax accuracy as "accuracy".
    """

    name: ClassVar[str] = "temporal_order"
    loss, target, causal = "ce", "last", False
    source: ClassVar[str] = "Hochreiter & Schmidhuber 1997, §5.6 (tasks 6a, 6b)"
    metric_name: ClassVar[str] = "paper_accuracy"

    max_abs_error: ClassVar[float] = 0.3  # 1997 §5.6
    solved_fraction: ClassVar[float] = 0.99

    lag_bound: ClassVar[tuple[int, str]] = (MIN_LAG, "every window needs a free step")

    def __init__(self, lag: int, n_symbols: int = 2) -> None:
        if n_symbols not in PAPER_WINDOWS:
            raise ArgumentError(
                f"n_symbols: expected 2 (task 6a) or 3 (task 6b), got {n_symbols!r}", "n_symbols"
            )
        super().__init__(lag)
        self.n_symbols = n_symbols
        self.windows = windows(self.lag, n_symbols)
        self.input_size = len(SYMBOLS)
        self.output_size = 2**n_symbols

    def generate(self, n: int, seed: int) -> TaskData:
        n = check_int("n", n, minimum=1)
        g = generator(seed)
        T, k = self.lag, self.n_symbols
        tokens = torch.randint(A, A + 4, (n, T), generator=g)  # (n, T) distractors a..d
        tokens[:, 0] = E
        tokens[:, -1] = B
        is_y = torch.randint(0, 2, (n, k), generator=g)  # (n, k) 0 = X, 1 = Y
        rows = torch.arange(n)
        for j, (low, high) in enumerate(self.windows):
            t_j = torch.randint(low, high + 1, (n,), generator=g)  # (n,)
            tokens[rows, t_j] = X + is_y[:, j]
        bits = 2 ** torch.arange(k - 1, -1, -1)  # (k,) first symbol most significant
        y = (is_y * bits).sum(dim=-1)  # (n,) int64
        return TaskData(x=one_hot(tokens, self.input_size), y=y)

    def baseline(self) -> float:
        return math.log(self.output_size)

    def evaluate(self, output: torch.Tensor, data: TaskData) -> dict[str, float]:
        logits = check_output(output, data, self.output_size)[:, -1]  # (N, C) at the trigger
        loss, correct = ce_scores(logits, data.y)
        p_true = logits.softmax(-1).gather(1, data.y.cpu().unsqueeze(1)).squeeze(1)  # (N,)
        paper_correct = (1.0 - p_true) < self.max_abs_error
        return {
            "loss": loss,
            "metric": float(paper_correct.float().mean()),
            "baseline": self.baseline(),
            "accuracy": float(correct.float().mean()),
            "paper_accuracy": float(paper_correct.float().mean()),
        }

    def solved(self, metrics: dict[str, float]) -> bool:
        return metrics["paper_accuracy"] >= self.solved_fraction

    def __repr__(self) -> str:
        return f"TemporalOrderTask(lag={self.lag}, n_symbols={self.n_symbols})"
