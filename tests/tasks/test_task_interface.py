"""The interface every task promises the training loop: shapes, determinism, splits, scoring."""

from __future__ import annotations

import math

import pytest
import torch

from lstmlab.tasks import (
    FORMAL_TASKS,
    IGNORE_INDEX,
    TASKS,
    AddingTask,
    CopyTask,
    LanguageTask,
    MultiplicationTask,
    ReberTask,
    Task,
    TaskData,
    TemporalOrderTask,
    make_task,
)

CASES = [
    ("adding", 20, {}),
    ("multiplication", 20, {}),
    ("temporal_order", 30, {}),
    ("temporal_order", 30, {"n_symbols": 3}),
    ("reber", 12, {}),
    ("copy", 15, {}),
    ("language", 4, {}),
]
IDS = [f"{name}-{kwargs}" if kwargs else name for name, _, kwargs in CASES]


@pytest.fixture(params=CASES, ids=IDS)
def task(request) -> Task:
    name, lag, kwargs = request.param
    return make_task(name, lag, **kwargs)


def test_registry_names_each_class_by_its_name():
    assert {
        "adding": AddingTask,
        "multiplication": MultiplicationTask,
        "temporal_order": TemporalOrderTask,
        "reber": ReberTask,
        "copy": CopyTask,
        "language": LanguageTask,
        **FORMAL_TASKS,
    } == TASKS
    for name, cls in TASKS.items():
        assert cls.name == name
        assert isinstance(make_task(name, 30), cls)


def test_make_task_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="name") as info:
        make_task("addition", 10)
    for name in TASKS:
        assert name in str(info.value)


def test_attributes(task):
    assert task.loss in ("mse", "ce")
    assert task.target in ("last", "sequence")
    assert task.causal == (task.target == "sequence")
    assert isinstance(task.source, str) and task.source
    assert isinstance(task.metric_name, str) and task.metric_name
    assert task.input_size > 0 and task.output_size > 0
    assert isinstance(task.baseline(), float) and task.baseline() > 0


def test_shapes_and_dtypes(task):
    data = task.generate(64, seed=3)
    N, T = data.x.shape[:2]
    assert data.x.shape == (64, T, task.input_size)
    assert data.x.dtype == torch.float32
    if task.loss == "mse":
        assert data.y.dtype == torch.float32
        expected = (N, task.output_size) if task.target == "last" else (N, T, task.output_size)
        assert tuple(data.y.shape) == expected
    else:
        assert data.y.dtype == torch.int64
        assert tuple(data.y.shape) == ((N,) if task.target == "last" else (N, T))
        scored = data.y[data.y != IGNORE_INDEX]
        assert scored.numel() > 0
        assert scored.min() >= 0 and scored.max() < task.output_size
    assert len(data) == N


def test_symbol_tasks_are_one_hot_or_zero_padding(task):
    if task.loss == "mse":
        pytest.skip("real-valued inputs")
    x = task.generate(64, seed=4).x
    assert set(x.unique().tolist()) <= {0.0, 1.0}
    assert set(x.sum(-1).unique().tolist()) <= {0.0, 1.0}


def test_same_seed_same_data_different_seed_different_data(task):
    a, b, c = task.generate(50, seed=7), task.generate(50, seed=7), task.generate(50, seed=8)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    same_shape = a.x.shape == c.x.shape and a.y.shape == c.y.shape
    assert not (same_shape and torch.equal(a.x, c.x) and torch.equal(a.y, c.y))


def test_generation_neither_uses_nor_moves_the_global_rng(task):
    torch.manual_seed(1)
    state = torch.get_rng_state()
    a = task.generate(20, seed=5)
    assert torch.equal(torch.get_rng_state(), state)
    torch.manual_seed(2)
    b = task.generate(20, seed=5)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)


def same(a: TaskData, b: TaskData) -> bool:
    """Whether two sets hold the same sequences (sets of another length T differ)."""
    shapes = a.x.shape == b.x.shape and a.y.shape == b.y.shape
    return shapes and torch.equal(a.x, b.x) and torch.equal(a.y, b.y)


def head(data: TaskData, n: int = 20) -> TaskData:
    return TaskData(x=data.x[:n], y=data.y[:n])


def test_splits_are_sized_deterministic_and_drawn_from_different_seeds(task):
    splits = task.splits(n_train=40, n_val=30, n_test=20, seed=0)
    assert list(splits) == ["train", "val", "test"]
    assert [len(d) for d in splits.values()] == [40, 30, 20]
    again = task.splits(n_train=40, n_val=30, n_test=20, seed=0)
    other = task.splits(n_train=40, n_val=30, n_test=20, seed=1)
    for split in splits:
        assert same(splits[split], again[split])
        assert not same(head(splits[split]), head(other[split]))
    # the first 20 sequences of any two splits differ (they would coincide for a shared seed)
    firsts = [head(d) for d in splits.values()]
    for i in range(3):
        for j in range(i + 1, 3):
            assert not same(firsts[i], firsts[j])
    # no split repeats what generate() gives for a small seed a user might pick
    for seed in range(3):
        assert not same(head(splits["train"]), task.generate(20, seed=seed))


def test_evaluate_reports_the_promised_keys(task, oracle):
    data = task.generate(32, seed=9)
    metrics = task.evaluate(oracle.baseline(task, data), data)
    assert {"loss", "metric", "baseline"} <= set(metrics)
    if task.loss == "ce":
        assert "accuracy" in metrics
    assert all(isinstance(v, float) for v in metrics.values())
    assert metrics["baseline"] == task.baseline()
    assert metrics["metric"] == metrics[task.metric_name]


def test_perfect_predictions_solve_the_task(task, oracle):
    data = task.generate(200, seed=10)
    metrics = task.evaluate(oracle.perfect(task, data), data)
    assert task.solved(metrics), metrics
    assert metrics["loss"] < task.baseline()


def test_memoryless_predictions_do_not_solve_the_task(task, oracle):
    data = task.generate(200, seed=11)
    metrics = task.evaluate(oracle.baseline(task, data), data)
    assert not task.solved(metrics), metrics


def test_uniform_logits_cost_the_baseline_for_classification_at_the_last_step(task, oracle):
    if (task.loss, task.target) != ("ce", "last") and task.name != "reber":
        pytest.skip("the baseline is a uniform guess only for these tasks")
    data = task.generate(100, seed=12)
    metrics = task.evaluate(oracle.baseline(task, data), data)
    assert metrics["loss"] == pytest.approx(task.baseline(), rel=1e-5)


def test_evaluate_accepts_output_that_requires_grad(task, oracle):
    data = task.generate(16, seed=13)
    output = oracle.perfect(task, data).requires_grad_()
    assert task.solved(task.evaluate(output, data))


def test_evaluate_rejects_output_of_the_wrong_shape(task):
    data = task.generate(8, seed=14)
    N, T = data.x.shape[:2]
    for shape in [
        (N, task.output_size),
        (N, T, task.output_size + 1),
        (N, T + 1, task.output_size),
    ]:
        with pytest.raises(ValueError, match="output"):
            task.evaluate(torch.zeros(shape), data)


@pytest.mark.parametrize(
    ("name", "lag", "kwargs", "argument"),
    [
        ("adding", 1, {}, "lag"),
        ("multiplication", 1, {}, "lag"),
        ("temporal_order", 10, {}, "lag"),
        ("temporal_order", 50, {"n_symbols": 4}, "n_symbols"),
        ("reber", 8, {}, "lag"),
        ("copy", 0, {}, "lag"),
        ("language", -1, {}, "lag"),
        ("language", 3, {"sentence_languages": ("de",)}, "sentence_languages"),
        ("language", 3, {"sentence_languages": ()}, "sentence_languages"),
        ("adding", 2.5, {}, "lag"),
        ("copy", True, {}, "lag"),
    ],
)
def test_bad_constructor_arguments_name_the_argument(name, lag, kwargs, argument):
    with pytest.raises(ValueError, match=argument) as info:
        make_task(name, lag, **kwargs)
    assert "expected" in str(info.value) and "got" in str(info.value)


@pytest.mark.parametrize(("n", "seed"), [(0, 0), (-3, 0), (2.0, 0), (5, -1), (5, 2**64), (5, "0")])
def test_bad_generate_arguments_name_the_argument(task, n, seed):
    argument = "n" if not (isinstance(n, int) and n > 0) else "seed"
    with pytest.raises(ValueError, match=rf"^{argument}:") as info:
        task.generate(n, seed)
    assert str(n if argument == "n" else seed) in str(info.value)


@pytest.mark.parametrize("argument", ["n_train", "n_val", "n_test"])
def test_bad_split_sizes_name_the_argument(task, argument):
    sizes = {"n_train": 4, "n_val": 4, "n_test": 4, argument: 0}
    with pytest.raises(ValueError, match=argument):
        task.splits(**sizes)


def test_task_data_checks_its_shapes():
    with pytest.raises(ValueError, match="x"):
        TaskData(x=torch.zeros(4, 3), y=torch.zeros(4))
    with pytest.raises(ValueError, match="y"):
        TaskData(x=torch.zeros(4, 3, 2), y=torch.zeros(5))


def test_baselines_are_the_documented_values():
    assert AddingTask(10).baseline() == pytest.approx(1 / 6)
    assert MultiplicationTask(10).baseline() == pytest.approx(7 / 144)
    assert TemporalOrderTask(50).baseline() == pytest.approx(math.log(4))
    assert TemporalOrderTask(50, n_symbols=3).baseline() == pytest.approx(math.log(8))
    assert ReberTask(9).baseline() == pytest.approx(math.log(7))
    assert CopyTask(100).baseline() == pytest.approx(10 * math.log(8) / 120)
    assert LanguageTask(5).baseline() == pytest.approx(math.log(8))
