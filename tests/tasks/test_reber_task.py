"""The embedded Reber task, checked against a recogniser written independently in conftest."""

from __future__ import annotations

import random
from collections import Counter

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmlab.tasks import IGNORE_INDEX, ReberTask


@settings(max_examples=25, deadline=None)
@given(lag=st.integers(min_value=9, max_value=60), seed=st.integers(0, 2**32))
def test_every_string_is_in_the_grammar_and_at_least_lag_long(oracle, lag, seed):
    data = ReberTask(lag).generate(64, seed)
    for string in oracle.reber_strings(data):
        assert oracle.embedded_reber.fullmatch(string), string
        assert len(string) >= lag
    # the longest string fills the set: no all-padding step at the end
    assert (data.y[:, -1] != IGNORE_INDEX).any()


def test_recogniser_rejects_strings_outside_the_grammar(oracle):
    for good in ["BTBTSSXXTVVETE", "BPBPVVEPE", "BTBTXXVPSETE", "BPBPVPXVPXVPXVVEPE"]:
        assert oracle.embedded_reber.fullmatch(good)
    for bad in ["BTBTSSXXTVVEPE", "BPBPVVETE", "BTBTSSPXSETE", "BTBTXXVVSETE", "BTBPVVEP"]:
        assert not oracle.embedded_reber.fullmatch(bad)


def test_targets_are_the_inputs_shifted_by_one():
    data = ReberTask(15).generate(100, seed=0)
    valid = data.x.sum(-1) > 0  # (N, T)
    assert torch.equal(valid, data.y != IGNORE_INDEX)
    assert (valid.int().diff(dim=1) <= 0).all()  # right padding only
    symbols = data.x.argmax(-1)
    both = valid[:, 1:]
    assert torch.equal(data.y[:, :-1][both], symbols[:, 1:][both])


def naive_lengths(lag: int, n: int, graph: dict, rng: random.Random) -> Counter:
    """Lengths of strings drawn by walking the grammar and rejecting those shorter than lag."""
    lengths = Counter()
    while sum(lengths.values()) < n:
        node, length = "a", 5  # B, T|P, B already written; T|P and E follow the inner E
        while node is not None:
            _, node = rng.choice(graph[node])
            length += 1
        if length >= lag:
            lengths[length] += 1
    return lengths


@pytest.mark.parametrize("lag", [10, 13])
def test_length_distribution_is_that_of_rejection_sampling(oracle, lag):
    n = 10_000
    data = ReberTask(lag).generate(n, seed=lag)
    ours = Counter((data.x.sum(-1) > 0).sum(1).add(1).tolist())
    theirs = naive_lengths(lag, n, oracle.reber_graph, random.Random(lag))
    total_variation = sum(abs(ours[k] - theirs[k]) for k in set(ours) | set(theirs)) / (2 * n)
    assert total_variation < 0.05  # sampling noise ~0.02; off by one step: > 0.15
    second = data.x[:, 1].argmax(-1)  # T = 1, P = 2
    assert (second == 1).float().mean().item() == pytest.approx(0.5, abs=0.03)


def test_perfect_predictions(oracle):
    task = ReberTask(10)
    data = task.generate(300, seed=1)
    metrics = task.evaluate(oracle.perfect(task, data), data)
    assert metrics["accuracy"] == metrics["string_accuracy"] == 1.0
    assert metrics["penultimate_accuracy"] == 1.0
    assert task.solved(metrics)


def test_a_predictor_that_forgot_the_second_symbol_fails(oracle):
    task = ReberTask(10)
    data = task.generate(300, seed=2)
    strings = oracle.reber_strings(data)
    legal = [oracle.legal_successors(s) for s in strings]
    for s, sets in zip(strings, legal, strict=True):
        sets[len(s) - 3] = {"T", "P"}  # the penultimate symbol, predicted without memory
    metrics = task.evaluate(oracle.reber_logits(data, legal), data)
    assert metrics["penultimate_accuracy"] == 0.0  # T and P tie: neither exceeds the other
    assert metrics["string_accuracy"] == 0.0
    assert metrics["accuracy"] > 0.85
    assert not task.solved(metrics)


def test_one_illegal_top_prediction_spoils_its_string(oracle):
    task = ReberTask(10)
    data = task.generate(100, seed=3)
    output = oracle.perfect(task, data)
    output[0, 4] = 0.0  # all seven symbols tie at one step of the first string
    metrics = task.evaluate(output, data)
    assert metrics["string_accuracy"] == pytest.approx(0.99)
    assert metrics["penultimate_accuracy"] == 1.0  # strings of >= 10 symbols: step 4 is earlier


def test_evaluate_rejects_inputs_outside_the_grammar():
    task = ReberTask(10)
    data = task.generate(4, seed=4)
    x = data.x.clone()
    x[0, 1] = x[0, 0]  # B B ...
    with pytest.raises(ValueError, match="Reber"):
        task.evaluate(torch.zeros_like(x), type(data)(x=x, y=data.y))
