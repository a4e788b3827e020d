"""Next-symbol prediction on the embedded Reber grammar.

Hochreiter & Schmidhuber (1997, §5.1, experiment 1) after Fahlman (1991) and Cleeremans et al.
(1989). Most successors follow from the last few symbols; the second-to-last symbol (T or P)
repeats the second one, across the whole inner string.
"""

from __future__ import annotations

import math
from typing import ClassVar

import torch

from lstmlab.checks import check_int
from lstmlab.tasks.base import (
    IGNORE_INDEX,
    Task,
    TaskData,
    ce_scores,
    check_output,
    generator,
    one_hot,
)
from lstmlab.tasks.reber_grammar import SHORTEST, SYMBOLS, EmbeddedReber

GRAMMAR = EmbeddedReber()


class ReberTask(Task):
    """Predict the next symbol of an embedded Reber string at every step.

    lag = the minimum string length L (>= 9, the shortest string). Strings are drawn from the
    grammar (each out-edge with probability 1/2, as 1997) conditioned on L >= lag, which is what
    rejection sampling would give, sampled directly (`EmbeddedReber.sample`). The second symbol
    must be kept for L - 3 >= lag - 3 steps. Unconditioned strings average 12 symbols, so
    a long lag yields strings made mostly of the grammar's loops (T..., VPX...).

    Step t reads symbol s_t and is scored on s_{t+1} (cross-entropy on the actual next symbol);
    a string of length L gives L - 1 steps. Strings are right-padded with zero vectors to the
    longest in the set, targets -100 there.

    The successors are not unique, so the loss cannot reach 0; 1997 §5.1 instead counts a
    string as predicted correctly when at every step "the output unit(s) corresponding to the
    possible next symbol(s) is(are) always the most active ones". We check exactly that: every
    legal successor's output exceeds every illegal one ("accuracy" = fraction of such steps,
    "string_accuracy" = fraction of strings correct at every step). "penultimate_accuracy" is
    that check at the one step that needs the long memory: predicting the second-to-last symbol.

    Baseline: a uniform guess over the 7 symbols, cross-entropy log 7. (A predictor that knows
    the grammar but forgot the second symbol ties T and P at the penultimate step and so fails
    the 1997 test on every string.)

    Solved: 1997 required all strings of the training and test sets to be correct; we require
    >= 99% of the test strings, and >= 99% correct penultimate predictions (implied by the
    former, checked on its own because it is the long-lag part).
    """

    name: ClassVar[str] = "reber"
    loss, target, causal = "ce", "sequence", True
    source: ClassVar[str] = (
        "Hochreiter & Schmidhuber 1997, §5.1; Fahlman 1991; Cleeremans et al. 1989"
    )
    metric_name: ClassVar[str] = "string_accuracy"

    solved_fraction: ClassVar[float] = 0.99

    lag_bound: ClassVar[tuple[int, str]] = (SHORTEST, "the shortest embedded string")
    input_size = output_size = len(SYMBOLS)

    def generate(self, n: int, seed: int) -> TaskData:
        n = check_int("n", n, minimum=1)
        tokens = GRAMMAR.sample(n, self.lag, generator(seed))  # (n, L_max), -1 after the end
        inputs = tokens[:, :-1].clone()  # (n, L_max - 1): s_0 .. s_{L-2}
        inputs[tokens[:, 1:] < 0] = -1  # the final E is never an input: it has no successor
        y = tokens[:, 1:].clone()  # (n, L_max - 1): s_1 .. s_{L-1}
        y[y < 0] = IGNORE_INDEX
        return TaskData(x=one_hot(inputs, self.input_size), y=y)

    def baseline(self) -> float:
        return math.log(len(SYMBOLS))

    def evaluate(self, output: torch.Tensor, data: TaskData) -> dict[str, float]:
        logits = check_output(output, data, self.output_size)  # (N, T, 7)
        loss, _ = ce_scores(logits, data.y)
        x = data.x.cpu()
        tokens = torch.where(x.sum(-1) > 0, x.argmax(-1), -1)  # (N, T)
        legal = GRAMMAR.legal_next(tokens)  # (N, T, 7)
        scored = data.y.cpu() != IGNORE_INDEX  # (N, T)
        lowest_legal = logits.masked_fill(~legal, math.inf).amin(-1)  # (N, T)
        highest_illegal = logits.masked_fill(legal, -math.inf).amax(-1)  # (N, T)
        step_ok = (lowest_legal > highest_illegal) | ~scored  # (N, T)
        # length L = scored steps + 1; the second-to-last symbol s_{L-2} is the target of step L-3
        penultimate = scored.sum(1) - 2  # (N,)
        penultimate_ok = step_ok[torch.arange(len(data)), penultimate]  # (N,)
        string_ok = step_ok.all(dim=1)  # (N,)
        return {
            "loss": loss,
            "metric": float(string_ok.float().mean()),
            "baseline": self.baseline(),
            "accuracy": float(step_ok[scored].float().mean()),
            "string_accuracy": float(string_ok.float().mean()),
            "penultimate_accuracy": float(penultimate_ok.float().mean()),
        }

    def solved(self, metrics: dict[str, float]) -> bool:
        return (
            metrics["string_accuracy"] >= self.solved_fraction
            and metrics["penultimate_accuracy"] >= self.solved_fraction
        )
