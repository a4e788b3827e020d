"""The temporal order problem: layout, windows and the label as the order of X/Y."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmlab.tasks import TemporalOrderTask
from lstmlab.tasks.temporal_order import MIN_LAG, SYMBOLS, windows


def decode(x: torch.Tensor) -> list[str]:
    return [SYMBOLS[int(i)] for i in x.argmax(-1)]


@settings(max_examples=30, deadline=None)
@given(
    lag=st.integers(min_value=MIN_LAG, max_value=400),
    n_symbols=st.sampled_from([2, 3]),
    seed=st.integers(0, 2**32),
)
def test_label_is_the_order_of_the_relevant_symbols(lag, n_symbols, seed):
    task = TemporalOrderTask(lag, n_symbols=n_symbols)
    data = task.generate(32, seed)
    for x, label in zip(data.x, data.y, strict=True):
        symbols = decode(x)
        assert symbols[0] == "E" and symbols[-1] == "B"  # 1997: starts with E, ends with B
        relevant = [(t, s) for t, s in enumerate(symbols) if s in "XY"]
        assert len(relevant) == n_symbols
        assert all(s in "abcd" for s in symbols[1:-1] if s not in "XY")
        for (t, _), (low, high) in zip(relevant, task.windows, strict=True):
            assert low <= t <= high
        order = "".join(s for _, s in relevant)
        assert int(label) == int(order.replace("X", "0").replace("Y", "1"), 2)


def test_windows_are_the_papers_at_length_100():
    # 1997 §5.6, 1-based: t1 in [10, 20], t2 in [50, 60]; task 6b: [10, 20], [33, 43], [66, 76]
    assert windows(100, 2) == ((9, 19), (49, 59))
    assert windows(100, 3) == ((9, 19), (32, 42), (65, 75))


@settings(max_examples=200, deadline=None)
@given(lag=st.integers(min_value=MIN_LAG, max_value=100_000), n_symbols=st.sampled_from([2, 3]))
def test_windows_are_disjoint_ordered_and_inside_the_markers(lag, n_symbols):
    w = windows(lag, n_symbols)
    assert w[0][0] >= 1 and w[-1][1] <= lag - 2
    assert all(low <= high for low, high in w)
    assert all(a[1] < b[0] for a, b in zip(w, w[1:], strict=False))


def test_below_the_minimum_lag_a_window_would_hit_the_start_marker():
    assert windows(MIN_LAG - 1, 2)[0][0] == 0
    with pytest.raises(ValueError, match="lag"):
        TemporalOrderTask(MIN_LAG - 1)


@pytest.mark.parametrize("n_symbols", [2, 3])
def test_classes_are_balanced(n_symbols):
    task = TemporalOrderTask(40, n_symbols=n_symbols)
    counts = torch.bincount(task.generate(8000, seed=0).y, minlength=task.output_size)
    assert (counts / 8000 - 1 / task.output_size).abs().max() < 0.03


def test_paper_accuracy_needs_the_true_class_above_0_7():
    task = TemporalOrderTask(20)
    data = task.generate(100, seed=1)
    for p_true, expected in [(0.75, 1.0), (0.65, 0.0)]:
        # p_true on the true class, the rest spread evenly over the other three
        logits = torch.full((100, 4), math.log((1 - p_true) / 3))
        logits[torch.arange(100), data.y] = math.log(p_true)
        output = torch.zeros(100, 20, 4)
        output[:, -1] = logits
        metrics = task.evaluate(output, data)
        assert metrics["accuracy"] == 1.0  # the argmax is right either way
        assert metrics["paper_accuracy"] == expected
        assert task.solved(metrics) == (expected == 1.0)
