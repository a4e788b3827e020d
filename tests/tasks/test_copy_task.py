"""The copy memory problem: Arjovsky et al.'s layout and their memoryless baseline."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmlab.tasks import CopyTask

BLANK, DELIMITER = 8, 9


@settings(max_examples=30, deadline=None)
@given(lag=st.integers(min_value=1, max_value=300), seed=st.integers(0, 2**32))
def test_layout_of_inputs_and_targets(lag, seed):
    data = CopyTask(lag).generate(16, seed)
    tokens = data.x.argmax(-1)  # (N, T + 20)
    assert tokens.shape == (16, lag + 20)
    message = tokens[:, :10]
    assert (message < 8).all()
    assert (tokens[:, 10 : 10 + lag - 1] == BLANK).all()  # T - 1 blanks
    assert (tokens[:, 10 + lag - 1] == DELIMITER).all()
    assert (tokens[:, -10:] == BLANK).all()
    assert (data.y[:, : lag + 10] == BLANK).all()  # T + 10 blanks, then the message
    assert torch.equal(data.y[:, -10:], message)


def memoryless_output(lag: int, n: int) -> torch.Tensor:
    """Arjovsky et al.'s memoryless strategy: a_8 for T + 10 steps, then uniform over a_0..a_7."""
    out = torch.full((n, lag + 20, 10), -1e9)
    out[:, : lag + 10, BLANK] = 0.0
    out[:, lag + 10 :, :8] = 0.0
    return out


@pytest.mark.parametrize("lag", [1, 10, 100, 500])
def test_baseline_formula_is_the_loss_of_the_memoryless_strategy(lag):
    task = CopyTask(lag)
    data = task.generate(500, seed=lag)
    metrics = task.evaluate(memoryless_output(lag, 500), data)
    assert task.baseline() == pytest.approx(10 * math.log(8) / (lag + 20))
    assert metrics["loss"] == pytest.approx(task.baseline(), rel=1e-5)
    assert not task.solved(metrics)


def test_message_symbols_are_uniform():
    data = CopyTask(5).generate(4000, seed=0)
    counts = torch.bincount(data.y[:, -10:].flatten(), minlength=10)
    assert counts[8:].sum() == 0
    assert (counts[:8] / 40_000 - 1 / 8).abs().max() < 0.01


def test_solved_needs_exact_recall_and_a_loss_well_below_the_baseline():
    task = CopyTask(30)
    data = task.generate(200, seed=1)
    confident = torch.nn.functional.one_hot(data.y, 10).float() * 40 - 20
    assert task.solved(task.evaluate(confident, data))
    # right argmax everywhere, but only p = 1/2 on the recalled symbols: loss too high
    hesitant = confident.clone()
    hesitant[:, -10:] = torch.where(hesitant[:, -10:] > 0, 0.0, -math.log(9.0))
    metrics = task.evaluate(hesitant, data)
    assert metrics["sequence_accuracy"] == 1.0
    assert metrics["loss"] > 0.1 * task.baseline()
    assert not task.solved(metrics)
    # confident, but one symbol wrong in 5% of the sequences: sequence accuracy 0.95
    wrong = confident.clone()
    wrong[:10, -1] = wrong[:10, -1].roll(1, dims=-1)
    metrics = task.evaluate(wrong, data)
    assert metrics["sequence_accuracy"] == pytest.approx(0.95)
    assert metrics["recall_accuracy"] == pytest.approx(1 - 10 / 2000)
    assert not task.solved(metrics)
