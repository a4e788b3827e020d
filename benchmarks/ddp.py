"""Data-parallel step time: one process without DDP against torchrun with 1 and 2 processes.

    python benchmarks/ddp.py [--batch-size 64] [--hidden 128] [--lag 100] [--steps 60]
                             [--json PATH]

Every configuration trains the same model on the same global batches with the loop's own
training step (``lstmlab.training.loop._train_step``: share of the batch, forward, backward,
DDP's gradient all-reduce, clipping, optimiser step, the mean loss over the ranks); the figure
is the median wall time of a step on rank 0 after a few warm-up steps. Configurations:

    single, 1 thread      one process, no process group
    single, 2 threads     one process, no process group, torch.set_num_threads(2)
    DDP, 1 process        torchrun --nproc_per_node 1 (1 thread): the cost of DDP itself
    DDP, 2 processes      torchrun --nproc_per_node 2 (1 thread each), half the batch each

Run it at normal priority on an otherwise idle machine, and state ``/proc/loadavg`` with the
figures (the script prints it before and after).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

from lstmlab.models import ModelConfig, build_model
from lstmlab.tasks import make_task
from lstmlab.training import TaskProblem, TrainConfig
from lstmlab.training.distributed import SINGLE, join, leave, wrap
from lstmlab.training.loop import LoopState, _optimizer, _train_step
from lstmlab.training.schedule import LRSchedule

WARMUP = 5


def worker(a: argparse.Namespace) -> dict:
    """Time ``a.steps`` training steps in this process (a rank of torchrun with --distributed)."""
    ranks = join() if a.distributed else SINGLE
    try:
        torch.set_num_threads(a.threads)
        cfg = TrainConfig(
            task="adding", lag=a.lag, batch_size=a.batch_size, steps=a.steps + WARMUP, seed=0,
            model=ModelConfig(kind="lstm", hidden=a.hidden),
        )  # fmt: skip
        task = make_task(cfg.task, cfg.lag)
        problem = TaskProblem(
            task, batch_size=cfg.batch_size, seed=cfg.seed, n_val=1, n_test=1, eval_batch_size=1
        )
        torch.manual_seed(cfg.seed)
        model = build_model(cfg.model, task)
        trained = wrap(model, ranks)
        optimizer, schedule, state = _optimizer(model, cfg), LRSchedule(cfg), LoopState()
        times = []
        for _ in range(WARMUP + a.steps):
            t0 = time.perf_counter()
            _train_step(cfg, problem, trained, optimizer, schedule, state, None, ranks)
            times.append(time.perf_counter() - t0)
        return {
            "rank": ranks.rank,
            "processes": ranks.world,
            "threads": a.threads,
            "ddp": ranks.active,
            "median_step_ms": 1000 * statistics.median(times[WARMUP:]),
            "steps": a.steps,
        }
    finally:
        leave(ranks)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _measure(a: argparse.Namespace, processes: int | None, threads: int) -> dict:
    """One configuration in fresh processes; ``processes`` None: no torchrun, no DDP."""
    own = [__file__, "--worker", "--threads", str(threads), "--batch-size", str(a.batch_size),
           "--hidden", str(a.hidden), "--lag", str(a.lag), "--steps", str(a.steps)]  # fmt: skip
    if processes is None:
        command = [sys.executable, *own]
    else:
        command = [
            sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(processes),
            "--master_addr", "127.0.0.1", "--master_port", str(_free_port()), *own,
            "--distributed",
        ]  # fmt: skip
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return next(r for r in rows if r["rank"] == 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch-size", type=int, default=64, help="the global batch")
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--lag", type=int, default=100)
    ap.add_argument("--steps", type=int, default=60, help="timed steps (after 5 warm-up steps)")
    ap.add_argument("--json", default=None, help="also write the results here")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--distributed", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(worker(a)), flush=True)
        return
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    configs = [("single, 1 thread", None, 1), ("single, 2 threads", None, 2),
               ("DDP, 1 process", 1, 1), ("DDP, 2 processes", 2, 1)]  # fmt: skip
    results = []
    for name, processes, threads in configs:
        r = _measure(a, processes, threads) | {"config": name}
        results.append(r)
    base = results[0]["median_step_ms"]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"LSTM hidden {a.hidden}, adding task lag {a.lag} (T = {a.lag}), global batch "
          f"{a.batch_size}, median of {a.steps} steps; {when}")  # fmt: skip
    for r in results:
        print(f"  {r['config']:<18} {r['median_step_ms']:8.1f} ms/step   "
              f"{base / r['median_step_ms']:.2f}x the single process (1 thread)")  # fmt: skip
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    print(f"  load average before {' '.join(load_before)}, after {' '.join(load_after)}")
    if a.json:
        Path(a.json).write_text(
            json.dumps(
                {"args": vars(a), "load": [load_before, load_after], "results": results}, indent=2
            )
            + "\n"  # fmt: skip
        )


if __name__ == "__main__":
    main()
