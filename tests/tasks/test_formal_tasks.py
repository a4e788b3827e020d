"""The formal-language tasks of Delétang et al. 2023: each generator against its definition
(recomputed here from the decoded strings, independently of the library's vectorised code),
the encoding, the length-generalisation splits, scoring, and bad input."""

from __future__ import annotations

import functools
import operator

import pytest
import torch

from lstmlab.tasks import FORMAL_TASKS, IGNORE_INDEX, TASKS, FormalTask, TaskData, make_task

NAMES = list(FORMAL_TASKS)


def decode(task: FormalTask, data: TaskData) -> list[tuple[list[int], list[int]]]:
    """(input symbols, output symbols) of each sequence, read back from x and y."""
    pairs = []
    for x, y in zip(data.x, data.y, strict=True):
        is_input = y == IGNORE_INDEX
        symbols = x.argmax(-1)
        assert (symbols[~is_input] == task.n_symbols).all()  # outputs are read on empty tokens
        assert (symbols[is_input] < task.n_symbols).all()
        pairs.append((symbols[is_input].tolist(), y[~is_input].tolist()))
    return pairs


def expected_output(name: str, s: list[int]) -> list[int]:
    """The task's definition (Delétang et al. 2023, Appendix A.3), on one input string."""
    if name == "parity":
        return [functools.reduce(operator.xor, s, 0)]
    if name == "even_pairs":
        text = "".join(map(str, s))
        pairs = sum(text[i : i + 2] in ("01", "10") for i in range(len(text) - 1))
        assert pairs % 2 == (s[0] != s[-1])  # the paper's equivalent form
        return [pairs % 2]
    if name == "cycle_navigation":
        return [sum({0: 0, 1: 1, 2: -1}[m] for m in s) % 5]
    if name == "modular_arithmetic":
        text = "".join(str(v) if v < 5 else "+-*"[v - 5] for v in s)
        assert all(c in "01234" for c in text[0::2]) and all(c in "+-*" for c in text[1::2])
        return [eval(text) % 5]  # Python's precedence: · before + and −
    if name == "reverse_string":
        return s[::-1]
    if name == "duplicate_string":
        return s + s
    if name == "bucket_sort":
        return sorted(s)
    if name == "stack_manipulation":
        k = next((i for i, v in enumerate(s) if v >= 2), len(s))  # the stack, bottom to top
        stack = list(s[:k])
        for action in s[k:]:
            if action == 2:  # POP; ignored on an empty stack
                if stack:
                    stack.pop()
            else:  # PUSH 0 (3) or PUSH 1 (4)
                stack.append(action - 3)
        out = stack[::-1] + [2]  # top to bottom, then the termination symbol
        return out + [0] * (len(s) + 1 - len(out))
    raise AssertionError(name)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("length", [1, 2, 7, 40, 123])
def test_outputs_follow_the_definition(name, length):
    task = make_task(name, 40)
    data = task.generate_length(64, length, seed=length)
    for s, y in decode(task, data):
        expected_len = length - (length % 2 == 0) if name == "modular_arithmetic" else length
        assert len(s) == expected_len
        assert len(y) == task.output_length(len(s))
        assert y == expected_output(name, s), (s, y)


def test_stack_manipulation_starts_with_a_stack_then_only_actions():
    task = make_task("stack_manipulation", 40)
    for s, _ in decode(task, task.generate_length(200, 30, seed=0)):
        k = next(i for i, v in enumerate(s + [2]) if v >= 2)  # first action
        assert 1 <= k <= 29  # k ~ U{1, …, ℓ − 1}
        assert all(v >= 2 for v in s[k:])
    (s, y), *_ = decode(task, task.generate_length(1, 1, seed=0))
    assert s in ([0], [1]) and y == [s[0], 2]  # length 1: a one-symbol stack, no action


def test_labels_are_balanced_enough_to_mean_something():
    """Chance is the baseline: no task's generator is degenerate."""
    for name in ("parity", "even_pairs"):
        labels = make_task(name, 40).generate_length(2000, 33, seed=1).y[:, -1]
        assert 0.45 < labels.float().mean() < 0.55
    counts = torch.bincount(make_task("cycle_navigation", 40).generate_length(5000, 20, 2).y[:, -1])
    assert counts.min() > 800


@pytest.mark.parametrize("name", NAMES)
def test_encoding_shapes_and_one_hot(name):
    task = make_task(name, 40)
    data = task.generate_length(8, 9, seed=0)
    t_in = 9 - (name == "modular_arithmetic") * 0  # 9 is odd: modular arithmetic keeps it
    t_out = task.output_length(t_in)
    assert (
        data.x.shape == (8, t_in + t_out, task.n_symbols + 1) == (8, t_in + t_out, task.input_size)
    )
    assert data.y.shape == (8, t_in + t_out) and data.y.dtype == torch.int64
    assert (data.x.sum(-1) == 1).all()
    assert (data.y[:, :t_in] == IGNORE_INDEX).all()
    assert (data.y[:, t_in:] >= 0).all() and (data.y[:, t_in:] < task.output_size).all()
    assert task.loss == "ce" and task.target == "sequence" and not task.causal


@pytest.mark.parametrize("name", NAMES)
def test_training_batches_have_one_length_drawn_from_1_to_lag(name):
    task = make_task(name, 6)
    lengths = set()
    for seed in range(100):
        data = task.generate(4, seed=seed)
        n_in = int((data.y[0] == IGNORE_INDEX).sum())
        assert (data.y == IGNORE_INDEX).sum(1).eq(n_in).all()  # one length per batch
        lengths.add(n_in)
    odd = set(range(1, 7, 2))
    assert lengths == (odd if name == "modular_arithmetic" else set(range(1, 7)))


def test_splits_are_the_papers_lengths_sampled():
    task = make_task("parity", 40)
    assert task.lengths("val") == list(range(1, 41))
    test = task.lengths("test")
    assert test[0] == 41 and test[-1] == 500 and len(test) == 47
    assert test[:3] == [41, 51, 61] and min(test) > task.lag
    sets = task.evaluation_sets("test", 470, seed=0)
    assert [len(d) for d in sets] == [10] * 47
    assert [d.x.shape[1] - 1 for d in sets] == test  # input length + one empty token
    assert [d.x.shape[1] - 1 for d in task.evaluation_sets("val", 40, seed=0)] == list(range(1, 41))
    custom = make_task("parity", 10, test_max=30, test_stride=7)
    assert custom.lengths("test") == [11, 18, 25, 30]


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_data_and_the_global_rng_is_left_alone(name):
    task = make_task(name, 40, test_max=160)
    torch.manual_seed(0)
    state = torch.get_rng_state()
    a = task.evaluation_sets("test", 26, seed=3)
    b = task.evaluation_sets("test", 26, seed=3)
    c = task.evaluation_sets("test", 26, seed=4)
    assert torch.equal(torch.get_rng_state(), state)
    assert all(torch.equal(p.x, q.x) and torch.equal(p.y, q.y) for p, q in zip(a, b, strict=True))
    assert not all(torch.equal(p.x, q.x) for p, q in zip(a, c, strict=True))
    g1, g2 = task.generate(16, seed=5), task.generate(16, seed=5)
    assert torch.equal(g1.x, g2.x) and torch.equal(g1.y, g2.y)


def perfect(task: FormalTask, data: TaskData) -> torch.Tensor:
    y = data.y.clamp(min=0)
    return torch.nn.functional.one_hot(y, task.output_size).float() * 40.0 - 20.0


@pytest.mark.parametrize("name", NAMES)
def test_perfect_output_solves_uniform_output_does_not(name):
    task = make_task(name, 40)
    sets = task.evaluation_sets("test", 47, seed=0)
    good = task.merge([task.evaluate(perfect(task, d), d) for d in sets])
    assert good["accuracy"] == 1.0 and good["accuracy_min"] == 1.0 and task.solved(good)
    uniform = task.merge(
        [task.evaluate(torch.zeros(*d.y.shape, task.output_size), d) for d in sets]
    )
    assert uniform["loss"] == pytest.approx(task.baseline(), rel=1e-5)
    assert uniform["accuracy"] < 0.8 and not task.solved(uniform)
    assert good["metric"] == good[task.metric_name]


def test_score_is_the_mean_over_lengths_of_the_per_sequence_token_accuracy():
    task = make_task("reverse_string", 4, test_max=6, test_stride=1)  # test lengths 5, 6
    sets = task.evaluation_sets("test", 4, seed=0)  # 2 sequences per length
    metrics = []
    for d in sets:
        out = perfect(task, d)
        out[0, -1] = -out[0, -1]  # one wrong token in the first sequence
        metrics.append(task.evaluate(out, d))
    length5, length6 = ((1 - 1 / 5) + 1) / 2, ((1 - 1 / 6) + 1) / 2
    assert metrics[0]["accuracy"] == pytest.approx(length5)
    merged = task.merge(metrics)
    assert merged["accuracy"] == pytest.approx((length5 + length6) / 2)
    assert merged["accuracy_min"] == pytest.approx(length5)
    assert merged["accuracy_last"] == pytest.approx(length6)
    assert merged["sequence_accuracy"] == pytest.approx(0.5)
    assert not task.solved(merged)


def test_stack_manipulation_accuracy_ignores_the_padding_after_the_end_symbol():
    task = make_task("stack_manipulation", 40)
    data = task.generate_length(64, 20, seed=1)
    out = perfect(task, data)
    after_end = ~task.accuracy_mask(data.y) & (data.y != IGNORE_INDEX)
    assert after_end.any()
    out[after_end] = -out[after_end]  # wrong on every padding symbol
    metrics = task.evaluate(out, data)
    assert metrics["accuracy"] == 1.0
    assert metrics["loss"] > 1.0  # the loss still covers the padding, as the official code


def test_registered_under_their_names():
    for name, cls in FORMAL_TASKS.items():
        assert TASKS[name] is cls and cls.name == name
        assert set(cls.paper_scores) == {"lstm", "transformer"}
        assert "Delétang" in cls.source
    assert NAMES == [
        "parity", "modular_arithmetic", "even_pairs", "cycle_navigation",
        "reverse_string", "stack_manipulation", "duplicate_string", "bucket_sort",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: make_task("parity", 0), "lag"),
        (lambda: make_task("parity", 40, test_max=40), "test_max"),
        (lambda: make_task("parity", 40, test_stride=0), "test_stride"),
        (lambda: make_task("parity", 40).generate_length(0, 5, seed=0), "n"),
        (lambda: make_task("parity", 40).generate_length(3, 0, seed=0), "length"),
        (lambda: make_task("parity", 40).generate(3, seed=-1), "seed"),
        (lambda: make_task("parity", 40).evaluation_sets("train", 10, seed=0), "split"),
        (lambda: make_task("parity", 40).lengths("dev"), "split"),
    ],
)
def test_bad_input_names_the_argument(call, argument):
    with pytest.raises(ValueError, match=rf"^{argument}: expected .*, got"):
        call()


def test_evaluate_rejects_output_of_the_wrong_shape():
    task = make_task("bucket_sort", 40)
    data = task.generate_length(4, 6, seed=0)
    with pytest.raises(ValueError, match="output"):
        task.evaluate(torch.zeros(4, 12, 4), data)
