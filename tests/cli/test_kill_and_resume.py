"""Kill a real training process after a checkpoint, resume it, and get the uninterrupted result.

The result must be the same bit for bit: test metrics, validation history and final weights.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch
from safetensors.torch import load_file

import lstmlab

SRC = str(Path(lstmlab.__file__).resolve().parents[1])
ARGS = [
    "train", "--task", "adding", "--model", "lstm", "--lag", "12", "--hidden", "8",
    "--steps", "160", "--eval-every", "20", "--batch-size", "16", "--lr", "0.003",
    "--patience", "0", "--n-val", "64", "--n-test", "64", "--seed", "3", "--threads", "1",
    "--quiet",
]  # fmt: skip


def _command(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "lstmlab.cli.main", *ARGS, "--out", str(out), *extra]


def _env() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": SRC + (os.pathsep + path if path else "")}


def _latest_step(run: Path) -> int:
    try:
        return json.loads((run / "checkpoints" / "latest.json").read_text())["step"]
    except (FileNotFoundError, json.JSONDecodeError):
        return 0


def test_sigkill_then_resume_equals_uninterrupted(tmp_path):
    full, cut = tmp_path / "full", tmp_path / "cut"
    uninterrupted = subprocess.Popen(_command(full), env=_env(), stdout=subprocess.DEVNULL)
    victim = subprocess.Popen(_command(cut), env=_env(), stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300  # a first run may build the fused kernel
        while _latest_step(cut) < 40 and victim.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
    finally:
        if victim.poll() is None:
            victim.kill()
    killed_at = _latest_step(cut)
    assert victim.returncode == -signal.SIGKILL
    assert 40 <= killed_at < 160, f"killed at step {killed_at}: the run was too short to cut"
    assert not (cut / "metrics.json").exists()

    resumed = subprocess.run(_command(cut, "--resume"), env=_env(), capture_output=True)
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert uninterrupted.wait(timeout=300) == 0

    a = json.loads((full / "metrics.json").read_text())
    b = json.loads((cut / "metrics.json").read_text())
    assert b["metrics"] == a["metrics"]  # bitwise: floats compare exactly
    assert b["steps"] == a["steps"] == 160
    assert (cut / "history.jsonl").read_text() == (full / "history.jsonl").read_text()
    wa, wb = load_file(full / "model.safetensors"), load_file(cut / "model.safetensors")
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
