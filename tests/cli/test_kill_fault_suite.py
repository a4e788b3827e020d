"""The fault suite's kill test: `lstmlab train` is killed with SIGKILL at random moments during
training (including in the middle of checkpoint writes, which happen every 5 steps here), then
resumed with --resume; every resumed run must end bit-identical to one that was never
interrupted (test metrics, validation history, final weights).

The default test kills 3 runs; ``pytest -m slow tests/cli/test_kill_fault_suite.py -s`` kills 20
and prints where each kill landed. The moments come from a seeded generator (printed), so a
failure can be replayed.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import lstmlab

SRC = str(Path(lstmlab.__file__).resolve().parents[1])
STEPS = 300
ARGS = [
    "train", "--task", "adding", "--model", "lstm", "--lag", "12", "--hidden", "8",
    "--steps", str(STEPS), "--eval-every", "5", "--batch-size", "16", "--lr", "0.003",
    "--patience", "0", "--n-val", "32", "--n-test", "64", "--seed", "5", "--threads", "1",
    "--quiet",
]  # fmt: skip
SEED = 20261201


def _command(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "lstmlab.cli.main", *ARGS, "--out", str(out), *extra]


def _env() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": SRC + (os.pathsep + path if path else "")}


def _latest_step(run: Path) -> int | None:
    try:
        return json.loads((run / "checkpoints" / "latest.json").read_text())["step"]
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return None


def _outcome(run: Path) -> tuple[dict, str, dict[str, torch.Tensor]]:
    metrics = json.loads((run / "metrics.json").read_text())
    history = (run / "history.jsonl").read_text()
    return metrics, history, load_file(run / "model.safetensors")


def _comparable(metrics: dict) -> dict:
    """metrics.json without what differs by design: the wall time and the folder's name."""
    config = {k: v for k, v in metrics["config"].items() if k != "out_dir"}
    return {k: v for k, v in metrics.items() if k != "wall_time"} | {"config": config}


def _same(a, b) -> bool:
    (ma, ha, wa), (mb, hb, wb) = a, b
    return (
        _comparable(ma) == _comparable(mb)  # floats compare exactly
        and ma["steps"] == STEPS
        and ha == hb
        and wa.keys() == wb.keys()
        and all(torch.equal(wa[k], wb[k]) for k in wa)
    )


def _wait_for(path: Path, proc: subprocess.Popen) -> None:
    while not path.exists() and proc.poll() is None:
        time.sleep(0.002)


def kill_and_resume(tmp_path: Path, trials: int, seed: int = SEED) -> list[dict]:
    """Run ``trials`` kill/resume cycles; each entry says where the kill landed.

    Every fifth kill lands between the start of training (config.json written) and the first
    checkpoint, the others anywhere between the first checkpoint and the end of the run, at
    delays drawn uniformly from the durations of those phases in an uninterrupted run."""
    reference = tmp_path / "uninterrupted"
    first = subprocess.Popen(_command(reference), env=_env(), stdout=subprocess.DEVNULL)
    _wait_for(reference / "config.json", first)
    t0 = time.monotonic()
    _wait_for(reference / "checkpoints" / "latest.json", first)
    t1 = time.monotonic()
    assert first.wait(timeout=900) == 0
    t2 = time.monotonic()
    expected = _outcome(reference)
    rng = random.Random(seed)
    log = []
    for k in range(trials):
        run = tmp_path / f"killed-{k}"
        early = k % 5 == 0
        anchor = run / ("config.json" if early else "checkpoints/latest.json")
        delay = rng.uniform(0.0, 0.9 * ((t1 - t0) if early else (t2 - t1)))
        victim = subprocess.Popen(_command(run), env=_env(), stdout=subprocess.DEVNULL)
        _wait_for(anchor, victim)
        time.sleep(delay)
        killed = victim.poll() is None
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=60)
        at_step = _latest_step(run)
        resumed = subprocess.run(_command(run, "--resume"), env=_env(), capture_output=True)
        assert resumed.returncode == 0, resumed.stderr.decode()[-3000:]
        identical = _same(_outcome(run), expected)
        assert not list(run.rglob("*.partial")), "temp files left behind"
        log.append(
            {"delay_s": round(delay, 3), "killed": killed, "checkpoint_step": at_step,
             "identical": identical}
        )  # fmt: skip
        assert identical, f"trial {k} (seed {seed}): resumed run differs: {log[-1]}"
    print(
        f"\nkill -9 fault suite (seed {seed}, training {t2 - t0:.1f} s, first checkpoint after "
        f"{t1 - t0:.1f} s): "
        f"{sum(e['identical'] for e in log)}/{len(log)} resumed bit-identical; "
        f"{sum(e['killed'] for e in log)} killed while running; kills landed after checkpoint "
        f"steps {[e['checkpoint_step'] for e in log]}"
    )
    return log


def test_kill_at_random_moments_then_resume_is_bit_identical(tmp_path):
    log = kill_and_resume(tmp_path, trials=3)
    assert sum(e["killed"] for e in log) >= 1, log  # a kill did land during training


@pytest.mark.slow
def test_kill_at_20_random_moments_then_resume_is_bit_identical(tmp_path):
    log = kill_and_resume(tmp_path, trials=20)
    assert sum(e["killed"] for e in log) >= 12, log
    report = os.environ.get("LSTMLAB_FAULT_REPORT")
    if report:
        Path(report).write_text(json.dumps(log, indent=1))
