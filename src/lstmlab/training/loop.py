"""The one training loop: every task, application and model go through ``fit``.

``fit(problem, make_model, cfg)`` trains on a ``Problem`` (``lstmlab.training.problem``): step s
trains on ``problem.batch(s)``, a function of (seed, s) only, with the state ``problem.loss``
carried from step s − 1 (truncated BPTT over a stream). Every ``eval_every`` steps the model is
evaluated on the validation split and a checkpoint is written; the run stops when the validation
split is solved (the problem's criterion), when the step or wall budget is spent, by early
stopping on the validation loss, or when the loss is no longer finite. It then tests one set of
weights: the solving ones, else those with the lowest validation loss. ``train(cfg)`` is ``fit``
on one of the lab's tasks. ``distributed=True`` makes the process one rank of a data-parallel run
of the same loop (``lstmlab.training.distributed``).
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from torch import Tensor, nn

from lstmlab.models import build_model, count_parameters
from lstmlab.tasks import make_task
from lstmlab.training.atomic import write_json_atomic, write_safetensors_atomic
from lstmlab.training.checkpoint import (
    Checkpoint,
    checkpoint_config,
    load_checkpoint,
    save_checkpoint,
)
from lstmlab.training.config import RESUMABLE_CHANGES, LoopConfig, TrainConfig
from lstmlab.training.distributed import (
    SINGLE,
    Ranks,
    check_in_sync,
    flag_from_rank0,
    from_rank0,
    join,
    leave,
    mean_across,
    step_seed,
    wrap,
)
from lstmlab.training.problem import Carry, Problem, TaskProblem
from lstmlab.training.progress import TrainProgress
from lstmlab.training.result import CONFIG, HISTORY, METRICS, RunResult, read_history
from lstmlab.training.run_folder import (
    RunFolderError,
    damaged,
    read_json,
    read_tensors,
    remove_partials,
    run_folder_lock,
)
from lstmlab.training.schedule import LRSchedule
from lstmlab.training.seeding import (
    preserved_global_state,
    rng_state,
    seed_everything,
    set_rng_state,
)

__all__ = [
    "fit",
    "train",
    "load_trained",
    "LoopState",
    "RunFolderError",
    "read_run_config",
    "MODEL_FILE",
]

MODEL_FILE = "model.safetensors"  # the tested weights of a finished run


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


_RESTORE_CONFIG = (
    "restore it from a copy, or start a new run in another --out folder (or delete this one)"
)


def read_run_config(run_dir: str | Path, config_class: type[LoopConfig] = TrainConfig):
    """The config stored in ``run_dir`` (as ``config_class``), or None if it holds none; a
    damaged one raises ``RunFolderError`` naming the file."""
    path = Path(run_dir) / CONFIG
    if not path.exists():
        return None
    return _config_from(read_json(path, _RESTORE_CONFIG), config_class, path)


def _config_from(d: object, config_class: type[LoopConfig], path: Path):
    try:
        if not isinstance(d, dict):
            raise TypeError(f"expected a JSON object, got {type(d).__name__}")
        return config_class.from_dict(d)
    except (TypeError, ValueError, KeyError) as e:
        raise damaged(path, f"not a valid {config_class.__name__}: {e}", _RESTORE_CONFIG) from e


def train(
    cfg: TrainConfig,
    *,
    resume: bool = False,
    progress: bool = True,
    console: Console | None = None,
    on_evaluate: Callable[[int, dict[str, float]], None] | None = None,
    distributed: bool = False,
) -> RunResult:
    """Train ``cfg.model`` on the task ``cfg.task`` and test it: ``fit`` on a ``TaskProblem``."""
    task = make_task(cfg.task, cfg.lag)
    problem = TaskProblem(
        task,
        input_noise=cfg.input_noise,
        batch_size=cfg.batch_size,
        seed=cfg.seed,
        n_val=cfg.n_val,
        n_test=cfg.n_test,
        eval_batch_size=cfg.eval_batch_size,
    )
    return fit(
        problem,
        lambda: build_model(cfg.model, task),
        cfg,
        resume=resume,
        progress=progress,
        console=console,
        label=f"{cfg.model.kind} lag {cfg.lag} seed {cfg.seed}",
        on_evaluate=on_evaluate,
        distributed=distributed,
    )


def fit(
    problem: Problem,
    make_model: Callable[[], nn.Module],
    cfg: LoopConfig,
    *,
    resume: bool = False,
    progress: bool = True,
    console: Console | None = None,
    label: str = "",
    on_evaluate: Callable[[int, dict[str, float]], None] | None = None,
    distributed: bool = False,
) -> RunResult:
    """Train the model ``make_model()`` builds on ``problem`` and test it; see the module
    docstring.

    ``make_model`` is called after torch's RNG is seeded with ``cfg.seed``. With ``cfg.out_dir``
    the run keeps its folder up to date; ``resume=True`` continues from its latest checkpoint
    (and returns the stored result of a finished run) and ends with the same result, bit for bit
    on CPU, as a run that was never interrupted. The thread count and the global RNGs are
    restored when ``fit`` returns. ``on_evaluate(step, val_metrics)`` is called after every
    validation (and its checkpoint); an exception it raises ends the run (e.g. Optuna's pruning).

    ``distributed=True``: this process is one rank of a data-parallel run started by torchrun
    (or inside a process group the caller initialised): it trains a ``DistributedDataParallel``
    replica on its share of every batch (``problem.shard``); rank 0 alone uses ``cfg.out_dir``
    and evaluates, and sends every decision to the other ranks; at the end all ranks hold the
    same parameters (checked) and return the same result. ``cfg.batch_size`` is the global batch.
    """
    ranks = join() if distributed else SINGLE
    try:
        return _fit_ranks(
            problem, make_model, cfg, resume, ranks, progress, console, label, on_evaluate
        )
    finally:
        leave(ranks)


def _fit_ranks(
    problem, make_model, cfg, resume, ranks: Ranks, progress, console, label, on_evaluate
) -> RunResult:
    if ranks.world > 1 and cfg.batch_size % ranks.world:
        raise ValueError(
            f"batch_size: expected a multiple of the {ranks.world} processes of the distributed "
            f"run (each trains on an equal share of every batch), got {cfg.batch_size}"
        )
    args = (progress, console, label, on_evaluate, ranks)
    if cfg.out_dir is None:
        with preserved_global_state(cfg.threads):
            return _fit(problem, make_model, cfg, None, resume, *args)
    run_dir = Path(cfg.out_dir)
    with contextlib.ExitStack() as held:

        def claim() -> RunResult | None:  # rank 0 only; the others get its answer
            before = (
                "missing" if not run_dir.exists() else "used" if any(run_dir.iterdir()) else "empty"
            )
            held.enter_context(run_folder_lock(run_dir))  # one process per run folder
            remove_partials(run_dir)  # temp files of writes a killed run never finished
            if _claim_run_dir(run_dir, cfg, resume, before, console):
                return _finished_result(run_dir)
            return None

        finished = from_rank0(claim, ranks)
        if finished is not None:
            return finished
        with preserved_global_state(cfg.threads):
            return _fit(problem, make_model, cfg, run_dir, resume, *args)


def _say(console: Console | None, message: str) -> None:
    """A notice for the user (stderr unless the caller gave a console)."""
    (console or Console(file=sys.stderr)).print(
        message, style="yellow", markup=False, soft_wrap=True
    )


def _finished_result(run_dir: Path) -> RunResult:
    """The stored result of a finished run; damage raises ``RunFolderError`` naming the file."""
    advice = "delete it and resume again: the run's last checkpoint is tested again"
    path = run_dir / METRICS
    summary = read_json(path, advice)
    try:
        history = read_history(run_dir)
    except (ValueError, OSError) as e:
        raise damaged(run_dir / HISTORY, f"{type(e).__name__}: {e}", advice) from e
    try:
        if not isinstance(summary, dict):
            raise TypeError(f"expected a JSON object, got {type(summary).__name__}")
        return RunResult(**summary, history=history)
    except TypeError as e:
        raise damaged(path, f"{type(e).__name__}: {e}", advice) from e


def _restore(ckpt: Checkpoint, model, optimizer, schedule) -> tuple[LoopState, Any, Any]:
    """Put a checkpoint back into the objects of a run; damage raises ``RunFolderError``."""
    folder = ckpt.folder or Path("checkpoints")
    try:
        model.load_state_dict(ckpt.model)
    except (RuntimeError, KeyError, ValueError) as e:
        raise damaged(folder / "model.safetensors", f"does not fit the model: {e}") from e
    try:
        optimizer.load_state_dict(ckpt.optimizer)
        state = LoopState(**ckpt.state["loop"])
        schedule.load_state_dict(ckpt.state["schedule"])
        set_rng_state(ckpt.rng_tensors, ckpt.state["rng"])
    except (RuntimeError, KeyError, ValueError, TypeError, IndexError) as e:
        raise damaged(
            folder / "train_state.json", f"incomplete or inconsistent ({type(e).__name__}: {e})"
        ) from e
    return state, ckpt.best_model, ckpt.carry


def _fit(
    problem, make_model, cfg, run_dir, resume, progress, console, label, on_evaluate, ranks
) -> RunResult:
    seed_everything(cfg.seed)
    model = make_model()
    optimizer = _optimizer(model, cfg)
    schedule = LRSchedule(cfg)
    state, best, carry = LoopState(), None, None
    ckpt = from_rank0(lambda: _load_if(run_dir, resume), ranks)
    if ckpt is not None:
        state, best, carry = _restore(ckpt, model, optimizer, schedule)

    start, elapsed_before = time.perf_counter(), state.elapsed

    def elapsed() -> float:
        return elapsed_before + time.perf_counter() - start

    def time_is_up() -> bool:  # rank 0's clock decides for every rank
        if cfg.max_seconds is None:
            return False
        return flag_from_rank0(elapsed() >= cfg.max_seconds, ranks)

    trained = wrap(model, ranks)  # what a training step calls: the DDP replica when distributed
    with TrainProgress(cfg.steps, label, progress and ranks.main, console) as bar:
        bar.update(state.step)
        while state.stop_reason is None:
            diverged, carry = _train_step(
                cfg, problem, trained, optimizer, schedule, state, carry, ranks
            )
            due = state.step % cfg.eval_every == 0 or state.step >= cfg.steps
            if not (due or diverged or time_is_up()):
                bar.update(state.step)
                continue
            best = _evaluate_and_decide(cfg, problem, model, schedule, state, best, ranks)
            state.elapsed = from_rank0(elapsed, ranks)
            if state.stop_reason is None and diverged:
                state.stop_reason = "diverged"
            elif state.stop_reason is None and time_is_up():
                state.stop_reason = "time"
            if run_dir is not None and ranks.main:
                _checkpoint(run_dir, cfg, model, optimizer, schedule, state, best, carry)
            bar.update(state.step, _describe(problem, state.history[-1]))
            if on_evaluate is not None:
                on_evaluate(state.step, state.history[-1]["val"])

    if state.stop_reason != "solved" and best is not None:
        model.load_state_dict(best)
    selected = state.steps_to_solve if state.stop_reason == "solved" else state.best_step
    selected = selected if selected is not None else state.step
    digest = check_in_sync(model, ranks)  # raises if a replica went out of step
    if ranks.active and progress:
        _say(
            console,
            f"distributed: rank {ranks.rank} of {ranks.world} ends with parameters sha256 "
            f"{digest}, the same on every rank",
        )
    test = from_rank0(lambda: _evaluate(problem, model, "test"), ranks)
    val = next((h["val"] for h in state.history if h["step"] == selected), {})
    result = RunResult(
        config=cfg.to_dict(),
        metrics=test,
        metric_name=problem.metric_name,
        val_metrics=val,
        solved=bool(problem.solved(test)),
        steps=state.step,
        steps_to_solve=state.steps_to_solve,
        stop_reason=state.stop_reason or "steps",
        selected_step=selected,
        wall_time=from_rank0(elapsed, ranks),
        params=count_parameters(model),
        history=state.history,
    )
    if run_dir is not None and ranks.main:
        write_safetensors_atomic(run_dir / MODEL_FILE, model.state_dict())
        result.save(run_dir)  # metrics.json last: it marks the run finished
    from_rank0(lambda: None, ranks)  # no rank returns before the run folder is complete
    return result


def _load_if(run_dir: Path | None, resume: bool) -> Checkpoint | None:
    return load_checkpoint(run_dir) if run_dir is not None and resume else None


def load_trained(run_dir: str | Path, model: nn.Module) -> nn.Module:
    """Load the tested weights of a finished run into ``model`` (built from its config)."""
    model.load_state_dict(read_tensors(Path(run_dir) / MODEL_FILE))
    return model


def _changes(stored: LoopConfig, given: LoopConfig) -> str:
    """The differences that forbid resuming, as "field: expected A (stored), got B; ..."."""
    changed = {k: v for k, v in stored.differences(given).items() if k not in RESUMABLE_CHANGES}
    return "; ".join(f"{k}: expected {a!r} (stored), got {b!r}" for k, (a, b) in changed.items())


def _claim_run_dir(
    run_dir: Path, cfg: LoopConfig, resume: bool, before: str, console: Console | None
) -> bool:
    """Write config.json for a new run, or check the run there; True if the run is finished.

    A run is resumed only when config.json, the config stored inside its latest checkpoint and
    ``cfg`` agree (up to ``RESUMABLE_CHANGES``): old weights, optimizer state and step count
    never continue under other settings."""
    config_path = run_dir / CONFIG
    stored = read_run_config(run_dir, type(cfg))
    ckpt = checkpoint_config(run_dir)
    finished = (run_dir / METRICS).exists()
    if stored is None:
        if ckpt is not None or finished:
            holds = f"a checkpoint ({ckpt[0].parent.name})" if ckpt else "a finished run"
            detail = ""
            if ckpt is not None and ckpt[1] is not None:
                diff = _changes(_config_from(ckpt[1], type(cfg), ckpt[0]), cfg)
                detail = f"; the checkpoint's config differs from the one given in: {diff}"
                detail = detail if diff else "; the checkpoint's config equals the one given"
            raise RunFolderError(
                f"{config_path}: missing, but the folder holds {holds}, so the settings it was "
                f"trained with cannot be checked{detail}. Restore config.json from a copy"
                + (f" (the checkpoint keeps one: the 'config' entry of {ckpt[0]})" if ckpt else "")
                + ", or start a new run in another --out folder (or delete this one)"
            )
        if resume:
            why = {"missing": "does not exist", "empty": "is empty"}.get(before, "holds no run")
            _say(console, f"resume: nothing to resume, {str(run_dir)!r} {why}; starting a new run")
        write_json_atomic(config_path, cfg.to_dict())
        return False
    if not resume:
        raise RunFolderError(
            f"out_dir: expected a folder without a run (or resume=True), got {str(run_dir)!r} "
            "which holds one"
        )
    detail = _changes(stored, cfg)
    if detail:
        raise RunFolderError(f"resume: the run in {str(run_dir)!r} has another config: {detail}")
    if ckpt is not None and ckpt[1] is not None:
        detail = _changes(_config_from(ckpt[1], type(cfg), ckpt[0]), cfg)
        if detail:
            raise RunFolderError(
                f"resume: the checkpoint {str(ckpt[0].parent)!r} was trained with another "
                f"config than {config_path} and the options given (was config.json edited?): "
                f"{detail}"
            )
    if ckpt is None and not finished:
        _say(console, f"resume: {str(run_dir)!r} has no checkpoint yet; starting from step 0")
    if cfg != stored:
        write_json_atomic(config_path, cfg.to_dict())
    return finished


def _optimizer(model: nn.Module, cfg: LoopConfig) -> torch.optim.Optimizer:
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(
            model.parameters(), lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay
        )
    if cfg.weight_decay > 0:
        return torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    return torch.optim.Adam(model.parameters(), lr=cfg.lr)


def _train_step(
    cfg, problem, model, optimizer, schedule, state: LoopState, carry: Carry, ranks: Ranks
):
    """One optimiser step on the batch of ``state.step``; (diverged?, the next carry).

    Distributed, each rank trains on its share of the batch with its own random draws (noise,
    dropout) seeded by (seed, rank, step); DDP averages the gradients, the logged loss is the
    mean over the ranks."""
    batch = problem.batch(state.step)
    if ranks.active:
        batch = problem.shard(batch, ranks.rank, ranks.world)
        torch.manual_seed(step_seed(cfg.seed, ranks.rank, state.step))
    for group in optimizer.param_groups:
        group["lr"] = schedule.lr(state.step)
    loss, carry = problem.loss(model, batch, carry)
    if ranks.active and carry is not None:
        raise ValueError(
            f"distributed: expected a problem whose loss carries no state from one batch to the "
            f"next, got {type(problem).__name__}, which carries one (truncated BPTT over a "
            "stream: each rank's stream would need its own state); train it without --distributed"
        )
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    # The norm before clipping (Pascanu et al. 2013); with no clipping, max_norm = inf.
    grad_norm = float(nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip or math.inf))
    optimizer.step()
    value = mean_across(loss.item(), ranks)
    state.step += 1
    state.loss_sum += value
    state.grad_sum += grad_norm
    state.grad_max = max(state.grad_max, grad_norm)
    state.count += 1
    return not (math.isfinite(value) and math.isfinite(grad_norm)), carry


def _evaluate(problem: Problem, model: nn.Module, split: str) -> dict[str, float]:
    """``problem.evaluate`` in eval mode without gradients; the model's mode is restored."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            metrics = problem.evaluate(model, split)
    finally:
        model.train(was_training)
    return {k: float(v) for k, v in metrics.items()}


def _evaluate_and_decide(cfg, problem, model, schedule, state, best, ranks: Ranks):
    """Evaluate on validation, append to the history, update best/early stopping/schedule and
    decide whether to stop; returns the best weights. Distributed, rank 0 evaluates and every
    rank decides on its numbers (so all take the same decisions)."""
    val = from_rank0(lambda: _evaluate(problem, model, "val"), ranks)
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
    if problem.solved(val):
        state.steps_to_solve, state.stop_reason = state.step, "solved"
    elif cfg.patience is not None and state.bad_evals >= cfg.patience:
        state.stop_reason = "early_stop"
    elif state.step >= cfg.steps:
        state.stop_reason = "steps"
    return best


def _checkpoint(run_dir, cfg, model, optimizer, schedule, state, best, carry: Carry) -> None:
    rng_tensors, rng_json = rng_state()
    ckpt = Checkpoint(
        model=model.state_dict(),
        best_model=best,
        optimizer=optimizer.state_dict(),
        rng_tensors=rng_tensors,
        carry=carry,
        state={
            "loop": asdict(state),
            "schedule": schedule.state_dict(),
            "rng": rng_json,
            "config": cfg.to_dict(),  # what resuming checks the given options against
        },
    )
    save_checkpoint(run_dir, state.step, ckpt)


def _clone(sd: dict[str, Tensor]) -> dict[str, Tensor]:
    return {k: v.detach().clone() for k, v in sd.items()}


def _describe(problem: Problem, entry: dict[str, Any]) -> str:
    val = entry["val"]
    return f"loss {entry['train_loss']:.3g} val {problem.metric_name} {val['metric']:.3g}"
