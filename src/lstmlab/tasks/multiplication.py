"""The multiplication problem: the adding problem's inputs, but the target is the product.

Hochreiter & Schmidhuber (1997, §5.5): unlike a sum, a product cannot be accumulated by a cell
that simply integrates its marked inputs, so the net must store both values and combine them.
"""

from __future__ import annotations

from typing import ClassVar

import torch

from lstmlab.tasks.adding import AddingTask


class MultiplicationTask(AddingTask):
    r"""Product of the two marked values, output at the last of T = lag steps.

    .. math:: y = v_{t_1} \, v_{t_2}, \quad v_t \sim U(0, 1),\ t_1 < T/2 \le t_2

    A subclass of `AddingTask` that changes only the target: the inputs are exactly its (values
    in [0, 1] as in 1997 §5.5; markers one per half as in Le et al. 2015 rather than the 1997
    windows).

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

    def combine(self, marked: torch.Tensor) -> torch.Tensor:
        """The target from the two marked values (n, 2): their product."""
        return marked.prod(dim=-1, keepdim=True)

    def baseline(self) -> float:
        return 1.0 / 9.0 - 1.0 / 16.0  # Var(v1 v2) = E[v^2]^2 - E[v]^4 = 7/144
