"""fit: any Problem trains through the one loop; a carried state survives a crash; the caller's
threads and RNGs are left as they were."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from torch import nn

import lstmlab
from lstmlab.training import LoopConfig, Problem, fit, train
from lstmlab.training import loop as loop_module


class _KilledError(Exception):
    pass


class StreamModel(nn.Module):
    """A GRU over one long stream, read in chunks; predicts the next value."""

    def __init__(self) -> None:
        super().__init__()
        self.core = lstmlab.GRU(1, 8, batch_first=True)
        self.head = nn.Linear(8, 1)

    def forward(self, x, h=None):
        out, h = self.core(x, h)  # (B, T, 8), (1, B, 8)
        return self.head(out), h


class SineStream(Problem):
    """Predict the next sample of 4 phase-shifted sine streams, 10 steps per batch, with the
    GRU state carried from batch to batch (truncated BPTT); the stream restarts every 8 steps."""

    metric_name = "mse"

    def __init__(self) -> None:
        t = torch.arange(0, 8 * 10 + 1, dtype=torch.float32)
        phase = torch.arange(4, dtype=torch.float32)[:, None]
        self.wave = torch.sin(0.3 * t + phase)[..., None]  # (4, 81, 1)
        self.carries_seen: list[bool] = []

    def batch(self, step: int):
        k = step % 8
        return k, self.wave[:, 10 * k : 10 * k + 10], self.wave[:, 10 * k + 1 : 10 * k + 11]

    def loss(self, model, batch, carry):
        k, x, y = batch
        self.carries_seen.append(carry is not None)
        h = carry[0] if carry is not None and k > 0 else None
        out, h = model(x, h)
        return nn.functional.mse_loss(out, y), (h.detach(),)

    def evaluate(self, model, split):
        out, _ = model(self.wave[:, :-1])
        loss = float(nn.functional.mse_loss(out, self.wave[:, 1:]))
        return {"loss": loss, "metric": loss}


@dataclass(frozen=True)
class StreamConfig(LoopConfig):
    steps: int = 60
    eval_every: int = 10
    patience: int | None = None
    batch_size: int = 4


def test_a_problem_with_a_carry_learns_and_resumes_bit_identical(tmp_path, monkeypatch):
    full = fit(
        SineStream(), StreamModel, StreamConfig(out_dir=str(tmp_path / "full")), progress=False
    )
    assert full.history[-1]["val"]["loss"] < 0.5 * full.history[0]["val"]["loss"]

    real = loop_module.save_checkpoint

    def save_then_die(run_dir, step, ckpt):
        real(run_dir, step, ckpt)
        if step == 30:
            raise _KilledError

    monkeypatch.setattr(loop_module, "save_checkpoint", save_then_die)
    cut_cfg = StreamConfig(out_dir=str(tmp_path / "cut"))
    with pytest.raises(_KilledError):
        fit(SineStream(), StreamModel, cut_cfg, progress=False)
    monkeypatch.setattr(loop_module, "save_checkpoint", real)
    problem = SineStream()
    resumed = fit(problem, StreamModel, cut_cfg, resume=True, progress=False)
    assert problem.carries_seen[0]  # the carry of step 30 came back from the checkpoint
    assert resumed.history == full.history and resumed.metrics == full.metrics


def test_a_stored_config_of_another_class_or_value_is_refused(tmp_path):
    cfg = StreamConfig(out_dir=str(tmp_path), steps=10)
    fit(SineStream(), StreamModel, cfg, progress=False)
    with pytest.raises(ValueError, match=r"resume: .*steps: expected 10 \(stored\), got 20"):
        fit(SineStream(), StreamModel, StreamConfig(out_dir=str(tmp_path), steps=20), resume=True)


def test_training_leaves_threads_and_global_rngs_as_they_were(tiny):
    torch.set_num_threads(2)
    torch.manual_seed(123)
    random.seed(5)
    np.random.seed(6)
    torch_state, py_state, np_state = (
        torch.get_rng_state(),
        random.getstate(),
        np.random.get_state(),
    )
    train(tiny(steps=10, threads=1, seed=9), progress=False)
    fit(SineStream(), StreamModel, StreamConfig(steps=5, threads=1), progress=False)
    assert torch.get_num_threads() == 2
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert random.getstate() == py_state
    after = np.random.get_state()
    assert after[0] == np_state[0] and np.array_equal(after[1], np_state[1])
    assert after[2:] == np_state[2:]
