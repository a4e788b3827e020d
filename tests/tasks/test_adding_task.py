"""The adding and multiplication problems: the marker layout, the targets, the baselines."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmlab.tasks import AddingTask, MultiplicationTask


@settings(max_examples=30, deadline=None)
@given(lag=st.integers(min_value=2, max_value=300), seed=st.integers(0, 2**32))
def test_two_markers_one_per_half_and_the_targets(lag, seed):
    data = AddingTask(lag).generate(16, seed)
    values, markers = data.x[..., 0], data.x[..., 1]  # (N, T) each
    assert ((values >= 0) & (values < 1)).all()
    assert set(markers.unique().tolist()) <= {0.0, 1.0}
    assert (markers.sum(1) == 2).all()
    assert (markers[:, : lag // 2].sum(1) == 1).all()
    assert (markers[:, lag // 2 :].sum(1) == 1).all()
    marked = values * markers
    torch.testing.assert_close(data.y[:, 0], marked.sum(1))
    product = MultiplicationTask(lag).generate(16, seed)
    assert torch.equal(product.x, data.x)  # same inputs for the same seed
    marked_values = values[markers == 1].view(16, 2)
    torch.testing.assert_close(product.y[:, 0], marked_values.prod(1))


def test_always_one_costs_one_sixth_on_the_adding_problem():
    task = AddingTask(50)
    data = task.generate(20_000, seed=0)
    metrics = task.evaluate(torch.ones(20_000, 50, 1), data)
    assert metrics["mse"] == pytest.approx(1 / 6, abs=0.01)
    assert task.baseline() == pytest.approx(0.1667, abs=1e-4)


def test_always_a_quarter_costs_seven_over_144_on_the_multiplication_problem():
    task = MultiplicationTask(50)
    data = task.generate(20_000, seed=0)
    metrics = task.evaluate(torch.full((20_000, 50, 1), 0.25), data)
    assert metrics["mse"] == pytest.approx(7 / 144, abs=0.003)
    # and no constant does better: the mean is the best constant under squared error
    assert data.y.mean().item() == pytest.approx(0.25, abs=0.01)


def test_only_the_last_step_is_scored():
    task = AddingTask(10)
    data = task.generate(100, seed=1)
    output = torch.randn(100, 10, 1) * 100
    output[:, -1] = data.y
    assert task.evaluate(output, data)["mse"] == 0.0


@pytest.mark.parametrize(
    ("task", "just_solved", "just_not"),
    [(AddingTask(10), 0.0099, 0.0101), (MultiplicationTask(10), 0.00159, 0.00161)],
)
def test_solved_thresholds(task, just_solved, just_not):
    assert task.solved({"metric": just_solved})
    assert not task.solved({"metric": just_not})


@pytest.mark.parametrize(
    ("task", "inside", "outside"),
    [(AddingTask(10), 0.07, 0.09), (MultiplicationTask(10), 0.035, 0.045)],
)
def test_within_tolerance_is_the_1997_absolute_error_test(task, inside, outside):
    data = task.generate(50, seed=2)
    for error, expected in [(inside, 1.0), (outside, 0.0)]:
        output = torch.zeros(50, 10, 1)
        output[:, -1] = data.y + error
        assert task.evaluate(output, data)["within_tolerance"] == expected
