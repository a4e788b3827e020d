"""The one training loop: it learns, stops for the right reasons, and resumes exactly."""

import json

import pytest
import torch
from safetensors.torch import load_file

from lstmlab.models import ModelConfig
from lstmlab.training import RunFolderError, RunResult, train
from lstmlab.training import loop as loop_module


def test_learns_the_adding_problem_at_lag_10(tiny):
    """Well below the memoryless baseline (1/6) within a few hundred steps."""
    cfg = tiny(steps=400, batch_size=32, eval_every=50, model=ModelConfig(kind="lstm", hidden=16))
    result = train(cfg, progress=False)
    baseline = result.metrics["baseline"]
    assert result.metrics["loss"] < 0.25 * baseline, result.metrics
    first, last = result.history[0], result.history[-1]
    assert last["train_loss"] < first["train_loss"]


@pytest.mark.parametrize(
    ("task", "kind"), [("copy", "gru"), ("temporal_order", "transformer"), ("reber", "rnn")]
)
def test_every_target_layout_trains(tiny, task, kind):
    lag = {"copy": 3, "temporal_order": 12, "reber": 9}[task]
    cfg = tiny(task=task, lag=lag, steps=6, eval_every=3, model=ModelConfig(kind=kind, hidden=8))
    result = train(cfg, progress=False)
    assert result.steps == 6 and len(result.history) == 2
    assert set(result.metrics) >= {"loss", "metric", "baseline"}


def test_run_folder(tiny, tmp_path):
    cfg = tiny(tmp_path / "run", steps=20)
    result = train(cfg, progress=False)
    run = tmp_path / "run"
    assert json.loads((run / "config.json").read_text()) == cfg.to_dict()
    stored = RunResult.load(run)
    assert stored == result
    assert [h["step"] for h in stored.history] == [10, 20]
    assert load_file(run / "model.safetensors").keys()
    assert not list(run.rglob("*.partial"))  # no temp file left


def test_stop_reasons(tiny, monkeypatch):
    from lstmlab.tasks.adding import AddingTask

    # On a quiet machine the tiny task is solved within the time budget; never solving it
    # keeps the time and early-stopping cases about time and patience.
    monkeypatch.setattr(AddingTask, "solved", lambda self, m: False)
    assert train(tiny(steps=25), progress=False).stop_reason == "steps"
    timed = train(tiny(steps=10_000, max_seconds=0.5), progress=False)
    assert timed.stop_reason == "time" and timed.steps < 10_000
    # lr so small that the validation loss cannot go down: early stopping after 2 evaluations
    early = train(tiny(steps=1000, lr=1e-30, patience=2), progress=False)
    assert early.stop_reason == "early_stop" and early.steps == 30


def test_stops_when_solved_and_tests_the_solving_weights(tiny, monkeypatch):
    from lstmlab.tasks.adding import AddingTask

    monkeypatch.setattr(AddingTask, "solved", lambda self, m: m["loss"] < 0.5)
    result = train(tiny(steps=100), progress=False)
    assert result.stop_reason == "solved"
    assert result.steps_to_solve == result.steps == result.selected_step == 10


def test_existing_run_needs_resume_and_the_same_config(tiny, tmp_path):
    train(tiny(tmp_path, steps=10), progress=False)
    with pytest.raises(RunFolderError, match="out_dir: expected a folder without a run"):
        train(tiny(tmp_path, steps=10), progress=False)
    with pytest.raises(RunFolderError, match=r"resume: .*lr: expected 0.01 \(stored\), got 0.02"):
        train(tiny(tmp_path, steps=10, lr=0.02), resume=True, progress=False)


class _KilledError(Exception):
    pass


def test_resume_after_a_crash_equals_an_uninterrupted_run(tiny, tmp_path, monkeypatch):
    """In-process twin of the CLI's kill test: die right after the step-20 checkpoint."""
    model = ModelConfig(kind="lstm", hidden=8, dropout=0.0)
    full = train(tiny(tmp_path / "full", model=model), progress=False)

    real = loop_module.save_checkpoint

    def save_then_die(run_dir, step, ckpt):
        real(run_dir, step, ckpt)
        if step == 20:
            torch.randn(100)  # move the global RNG: resume must restore it
            raise _KilledError

    monkeypatch.setattr(loop_module, "save_checkpoint", save_then_die)
    with pytest.raises(_KilledError):
        train(tiny(tmp_path / "cut", model=model), progress=False)
    monkeypatch.setattr(loop_module, "save_checkpoint", real)
    resumed = train(tiny(tmp_path / "cut", model=model), resume=True, progress=False)

    assert resumed.metrics == full.metrics
    assert resumed.history == full.history
    a, b = (
        load_file(tmp_path / "full/model.safetensors"),
        load_file(tmp_path / "cut/model.safetensors"),
    )
    assert all(torch.equal(a[k], b[k]) for k in a)
    again = train(tiny(tmp_path / "cut", model=model), resume=True, progress=False)
    assert again.metrics == full.metrics  # a finished run is read back


def test_resume_restores_dropout_randomness(tiny, tmp_path, monkeypatch):
    model = ModelConfig(kind="gru", hidden=8, layers=2, dropout=0.3)
    full = train(tiny(tmp_path / "full", model=model), progress=False)
    real = loop_module.save_checkpoint

    def save_then_die(run_dir, step, ckpt):
        real(run_dir, step, ckpt)
        if step == 30:
            raise _KilledError

    monkeypatch.setattr(loop_module, "save_checkpoint", save_then_die)
    with pytest.raises(_KilledError):
        train(tiny(tmp_path / "cut", model=model), progress=False)
    monkeypatch.setattr(loop_module, "save_checkpoint", real)
    resumed = train(tiny(tmp_path / "cut", model=model), resume=True, progress=False)
    assert resumed.history == full.history and resumed.metrics == full.metrics
