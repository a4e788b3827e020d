"""The multiplication problem: the adding problem's inputs, but the target is the product.

Hochreiter & Schmidhuber (1997, §5.5): unlike a sum, a product cannot be accumulated by a cell
that simply integrates its marked inputs, so the net must store both values and combine them.
"""

from __future__ import annotations

from typing import ClassVar

import torch

from lstmlab.tasks.adding import marked_pairs
from lstmlab.tasks.base import Task, TaskData, check_int, check_output, generator, mse_scores


class MultiplicationTask(Task):
    r"""Product of the two marked values, output at the last of T = lag steps.

    .. math:: y = v_{t_1} \, v_{t_2}, \quad v_t \sim U(0, 1),\ t_1 < T/2 \le t_2

    The inputs are exactly those of `AddingTask` (values in [0, 1] as in 1997 §5.5; markers one
    per half as in Le et al. 2015 rather than the 1997 windows).

    Baseline: predicting the mean E[y] = E[v]^2 = 1/4 costs
    Var(y) = E[v^2]^2 - E[v]^4 = 1/9 - 1/16 = 7/144 ≈ 0.0486.

    Solved: test MSE < 0.04^2 = 0.0016. 1997 judged a sequence by its absolute error at the end,
    counting it wrong above 0.04 (stated in §5.4; as best we know §5.5 counts wrongly processed
    test sequences the same way, and its target X1 * X2 already lies in [0, 1]). An MSE of 0.04^2
    is a root-mean-square error equal to that tolerance, about 3% of the baseline (the adding
    threshold is 6% of its baseline). evaluate also reports the 1997 per-sequence test, the
    fraction of sequences with |error| < 0.04, as "within_tolerance".
    """

    name: ClassVar[str] = "multiplication"
    source: ClassVar[str] = "Hochreiter & Schmidhuber 1997, §5.5"
    metric_name: ClassVar[str] = "mse"

    tolerance: ClassVar[float] = 0.04
    solved_mse: ClassVar[float] = 0.04**2

    def __init__(self, lag: int) -> None:
        self.lag = check_int("lag", lag, minimum=2, why="one marker in each half of the sequence")
        self.input_size = 2
        self.output_size = 1
        self.loss = "mse"
        self.target = "last"
        self.causal = False

    def generate(self, n: int, seed: int) -> TaskData:
        n = check_int("n", n, minimum=1)
        x, marked = marked_pairs(n, self.lag, generator(seed))
        y = marked.prod(dim=-1, keepdim=True)  # (n, 1)
        return TaskData(x=x, y=y)

    def baseline(self) -> float:
        return 1.0 / 9.0 - 1.0 / 16.0  # Var(v1 v2) = E[v^2]^2 - E[v]^4 = 7/144

    def evaluate(self, output: torch.Tensor, data: TaskData) -> dict[str, float]:
        prediction = check_output(output, data, self.output_size)[:, -1]  # (N, 1)
        mse, error = mse_scores(prediction, data.y)
        return {
            "loss": mse,
            "metric": mse,
            "baseline": self.baseline(),
            "mse": mse,
            "within_tolerance": float((error < self.tolerance).float().mean()),
        }

    def solved(self, metrics: dict[str, float]) -> bool:
        return metrics["metric"] < self.solved_mse
