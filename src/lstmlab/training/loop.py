"""The one training loop: every task and every model go through ``train``.

Each step draws a fresh batch ``task.generate(batch_size, seed=batch_seed(seed, step))``, so the
data of a step depends only on (seed, step); validation and test splits are fixed for the run.
Every ``eval_every`` steps the model is evaluated on validation and a checkpoint is written; the
run stops when the validation split is solved (the task's criterion), when the step or wall
budget is spent, by early stopping on the validation loss, or when the loss is no longer finite.
It then tests one set of weights: the solving ones, else those with the lowest validation loss.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from safetensors.torch import load_file
from torch import Tensor, nn

from lstmlab.models import build_model, count_parameters
from lstmlab.tasks import make_task
from lstmlab.training.atomic import write_json_atomic, write_safetensors_atomic
from lstmlab.training.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from lstmlab.training.config import RESUMABLE_CHANGES, TrainConfig
from lstmlab.training.evaluate import evaluate, task_loss
from lstmlab.training.progress import TrainProgress
from lstmlab.training.result import CONFIG, METRICS, RunResult
from lstmlab.training.schedule import LRSchedule
from lstmlab.training.seeding import batch_seed, rng_state, seed_everything, set_rng_state

__all__ = ["train", "load_trained", "LoopState", "RunFolderError", "read_run_config", "MODEL_FILE"]

MODEL_FILE = "model.safetensors"  # the tested weights of a finished run


class RunFolderError(ValueError):
    """``out_dir`` holds a run that this call may not continue (no resume, or another config)."""


@dataclass
class LoopState:
    """The loop's own variables; JSON in every checkpoint."""

    step: int = 0
    elapsed: float = 0.0  # seconds, summed over sessions
    best_val_loss: float | None = None
    best_step: int | None = None
    bad_evals: int = 0  # evaluations since the lowest validation loss (early stopping)
    steps_to_solve: int | None = None
    stop_reason: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    # Sums since the last evaluation, for its history entry (zero at every checkpoint).
    loss_sum: float = 0.0
    grad_sum: float = 0.0
    grad_max: float = 0.0
    count: int = 0


def read_run_config(run_dir: str | Path) -> TrainConfig | None:
    path = Path(run_dir) / CONFIG
    return TrainConfig.from_dict(json.loads(path.read_text())) if path.is_file() else None


def train(
    cfg: TrainConfig,
    *,
    resume: bool = False,
    progress: bool = True,
    console: Console | None = None,
) -> RunResult:
    """Train ``cfg.model`` on ``cfg.task`` and test it; see the module docstring.

    With ``cfg.out_dir`` the run keeps its folder up to date; ``resume=True`` continues from its
    latest checkpoint (and returns the stored result of a finished run) and ends with the same
    result, bit for bit on CPU, as a run that was never interrupted.
    """
    run_dir = Path(cfg.out_dir) if cfg.out_dir is not None else None
    if run_dir is not None and _claim_run_dir(run_dir, cfg, resume):
        return RunResult.load(run_dir)
    torch.set_num_threads(cfg.threads)
    task = make_task(cfg.task, cfg.lag)
    data = task.splits(1, cfg.n_val, cfg.n_test, seed=cfg.seed)  # "train" unused: fresh batches
    seed_everything(cfg.seed)
    model = build_model(cfg.model, task)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    schedule = LRSchedule(cfg)
    state, best = LoopState(), None
    ckpt = load_checkpoint(run_dir) if run_dir is not None and resume else None
    if ckpt is not None:
        model.load_state_dict(ckpt.model)
        optimizer.load_state_dict(ckpt.optimizer)
        best = ckpt.best_model
        state = LoopState(**ckpt.state["loop"])
        schedule.load_state_dict(ckpt.state["schedule"])
        set_rng_state(ckpt.rng_tensors, ckpt.state["rng"])

    start, elapsed_before = time.perf_counter(), state.elapsed

    def elapsed() -> float:
        return elapsed_before + time.perf_counter() - start

    def time_is_up() -> bool:
        return cfg.max_seconds is not None and elapsed() >= cfg.max_seconds

    label = f"{cfg.model.kind} lag {cfg.lag} seed {cfg.seed}"
    with TrainProgress(cfg.steps, label, progress, console) as bar:
        bar.update(state.step)
        while state.stop_reason is None:
            diverged = _train_step(cfg, task, model, optimizer, schedule, state)
            due = state.step % cfg.eval_every == 0 or state.step >= cfg.steps
            if not (due or diverged or time_is_up()):
                bar.update(state.step)
                continue
            best = _evaluate_and_decide(cfg, task, data, model, schedule, state, best)
            state.elapsed = elapsed()
            if state.stop_reason is None and diverged:
                state.stop_reason = "diverged"
            elif state.stop_reason is None and time_is_up():
                state.stop_reason = "time"
            if run_dir is not None:
                _checkpoint(run_dir, model, optimizer, schedule, state, best)
            bar.update(state.step, _describe(task, state.history[-1]))

    if state.stop_reason != "solved" and best is not None:
        model.load_state_dict(best)
    selected = state.steps_to_solve if state.stop_reason == "solved" else state.best_step
    selected = selected if selected is not None else state.step
    test = evaluate(model, task, data["test"], cfg.eval_batch_size)
    val = next((h["val"] for h in state.history if h["step"] == selected), {})
    result = RunResult(
        config=cfg.to_dict(),
        metrics=test,
        metric_name=task.metric_name,
        val_metrics=val,
        solved=bool(task.solved(test)),
        steps=state.step,
        steps_to_solve=state.steps_to_solve,
        stop_reason=state.stop_reason or "steps",
        selected_step=selected,
        wall_time=elapsed(),
        params=count_parameters(model),
        history=state.history,
    )
    if run_dir is not None:
        write_safetensors_atomic(run_dir / MODEL_FILE, model.state_dict())
        result.save(run_dir)  # metrics.json last: it marks the run finished
    return result


def load_trained(run_dir: str | Path, model: nn.Module) -> nn.Module:
    """Load the tested weights of a finished run into ``model`` (built from its config)."""
    model.load_state_dict(load_file(Path(run_dir) / MODEL_FILE))
    return model


def _claim_run_dir(run_dir: Path, cfg: TrainConfig, resume: bool) -> bool:
    """Write config.json for a new run, or check the one there; True if the run is finished."""
    stored = read_run_config(run_dir)
    if stored is None:
        write_json_atomic(run_dir / CONFIG, cfg.to_dict())
        return False
    if not resume:
        raise RunFolderError(
            f"out_dir: expected a folder without a run (or resume=True), got {str(run_dir)!r} "
            "which holds one"
        )
    changed = {k: v for k, v in stored.differences(cfg).items() if k not in RESUMABLE_CHANGES}
    if changed:
        detail = "; ".join(
            f"{k}: expected {a!r} (stored), got {b!r}" for k, (a, b) in changed.items()
        )
        raise RunFolderError(f"resume: the run in {str(run_dir)!r} has another config: {detail}")
    if cfg != stored:
        write_json_atomic(run_dir / CONFIG, cfg.to_dict())
    return (run_dir / METRICS).is_file()


def _train_step(cfg, task, model, optimizer, schedule, state: LoopState) -> bool:
    """One Adam step on the batch of ``state.step``; True if the loss or gradient diverged."""
    batch = task.generate(cfg.batch_size, seed=batch_seed(cfg.seed, state.step))
    for group in optimizer.param_groups:
        group["lr"] = schedule.lr(state.step)
    loss = task_loss(task, model(batch.x), batch.y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    # The norm before clipping (Pascanu et al. 2013); with no clipping, max_norm = inf.
    grad_norm = float(nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip or math.inf))
    optimizer.step()
    value = loss.item()
    state.step += 1
    state.loss_sum += value
    state.grad_sum += grad_norm
    state.grad_max = max(state.grad_max, grad_norm)
    state.count += 1
    return not (math.isfinite(value) and math.isfinite(grad_norm))


def _evaluate_and_decide(cfg, task, data, model, schedule, state, best):
    """Evaluate on validation, append to the history, update best/early stopping/schedule and
    decide whether to stop; returns the best weights."""
    val = evaluate(model, task, data["val"], cfg.eval_batch_size)
    n = max(state.count, 1)
    state.history.append(
        {
            "step": state.step,
            "lr": schedule.lr(state.step - 1),
            "train_loss": state.loss_sum / n,
            "grad_norm": state.grad_sum / n,
            "grad_norm_max": state.grad_max,
            "val": val,
        }
    )
    state.loss_sum = state.grad_sum = state.grad_max = 0.0
    state.count = 0
    schedule.observe(val["loss"])
    if state.best_val_loss is None or val["loss"] < state.best_val_loss:
        state.best_val_loss, state.best_step, state.bad_evals = val["loss"], state.step, 0
        best = _clone(model.state_dict())
    else:
        state.bad_evals += 1
    if task.solved(val):
        state.steps_to_solve, state.stop_reason = state.step, "solved"
    elif cfg.patience is not None and state.bad_evals >= cfg.patience:
        state.stop_reason = "early_stop"
    elif state.step >= cfg.steps:
        state.stop_reason = "steps"
    return best


def _checkpoint(run_dir, model, optimizer, schedule, state, best) -> None:
    rng_tensors, rng_json = rng_state()
    ckpt = Checkpoint(
        model=model.state_dict(),
        best_model=best,
        optimizer=optimizer.state_dict(),
        rng_tensors=rng_tensors,
        state={"loop": asdict(state), "schedule": schedule.state_dict(), "rng": rng_json},
    )
    save_checkpoint(run_dir, state.step, ckpt)


def _clone(sd: dict[str, Tensor]) -> dict[str, Tensor]:
    return {k: v.detach().clone() for k, v in sd.items()}


def _describe(task, entry: dict[str, Any]) -> str:
    val = entry["val"]
    return f"loss {entry['train_loss']:.3g} val {task.metric_name} {val['metric']:.3g}"
