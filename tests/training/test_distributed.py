"""Data-parallel training (``lstmlab.training.distributed``): two processes on loopback (gloo),
started by torchrun exactly as a user would, end with the same parameters on every rank, equal
to a single process trained on the same global batches; a killed distributed run resumes to the
uninterrupted result; unsupported combinations are refused by name."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import load_file
from torch import nn

import lstmlab
from lstmlab.cli.main import cli
from lstmlab.tasks.base import TaskData
from lstmlab.training import LoopConfig, Problem, fit, loop, train
from lstmlab.training.distributed import Ranks, parameters_digest, shard_batch

SRC = str(Path(lstmlab.__file__).resolve().parents[1])
STEPS = 200
ARGS = [
    "train", "--task", "adding", "--lag", "8", "--model", "lstm", "--hidden", "12",
    "--steps", str(STEPS), "--eval-every", "20", "--batch-size", "16", "--lr", "0.01",
    "--n-val", "64", "--n-test", "64", "--patience", "0", "--threads", "1",
]  # fmt: skip
DIGEST = re.compile(r"rank (\d) of 2 ends with parameters sha256 ([0-9a-f]{64})")


def _env() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": SRC + (os.pathsep + path if path else "")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(*args: str) -> list[str]:
    """``torchrun --nproc_per_node 2 -m lstmlab ARGS`` on loopback."""
    return [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
        "--master_addr", "127.0.0.1", "--master_port", str(_free_port()), "-m", "lstmlab", *args,
    ]  # fmt: skip


def _run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """One single-process run and one 2-process run of the same config."""
    root = tmp_path_factory.mktemp("ddp")
    single = CliRunner().invoke(cli, [*ARGS, "--quiet", "--out", str(root / "one")])
    assert single.exit_code == 0, single.output
    two = _run(torchrun(*ARGS, "--out", str(root / "two"), "--distributed"))
    assert two.returncode == 0, two.stderr[-3000:]
    (root / "two.log").write_text(two.stdout + two.stderr)
    return {"one": root / "one", "two": root / "two", "log": root / "two.log"}


def test_two_ranks_end_equal_and_match_one_process(runs):
    # every rank reports the SHA-256 of the parameters it ends with; all equal rank 0's file
    digests = dict(DIGEST.findall(runs["log"].read_text()))
    assert sorted(digests) == ["0", "1"], runs["log"].read_text()[-3000:]
    written = load_file(runs["two"] / "model.safetensors")
    assert digests["0"] == digests["1"] == parameters_digest(written)
    # the result of a single process on the same global batches, to float tolerance
    single = load_file(runs["one"] / "model.safetensors")
    assert single.keys() == written.keys()
    for k in single:
        torch.testing.assert_close(written[k], single[k], rtol=1e-4, atol=1e-5)
    one = json.loads((runs["one"] / "metrics.json").read_text())
    two = json.loads((runs["two"] / "metrics.json").read_text())
    assert two["steps"] == one["steps"] == STEPS
    for k, v in one["metrics"].items():
        assert two["metrics"][k] == pytest.approx(v, rel=1e-3, abs=1e-5), k
    # the logged training loss is the mean over the ranks' shares: the whole batch's loss
    h1 = [json.loads(line) for line in (runs["one"] / "history.jsonl").read_text().splitlines()]
    h2 = [json.loads(line) for line in (runs["two"] / "history.jsonl").read_text().splitlines()]
    assert [h["step"] for h in h2] == [h["step"] for h in h1]
    for a, b in zip(h1, h2, strict=True):
        assert b["train_loss"] == pytest.approx(a["train_loss"], rel=1e-4)


def _latest_step(run: Path) -> int:
    try:
        return json.loads((run / "checkpoints" / "latest.json").read_text())["step"]
    except (FileNotFoundError, json.JSONDecodeError):
        return 0


def test_a_killed_distributed_run_resumes_to_the_uninterrupted_result(runs, tmp_path):
    cut = tmp_path / "cut"
    command = torchrun(*ARGS, "--quiet", "--out", str(cut), "--distributed")
    victim = subprocess.Popen(
        command, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # torchrun and both ranks in one process group, killed together
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while _latest_step(cut) < 20 and victim.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
    finally:
        if victim.poll() is None:
            os.killpg(victim.pid, signal.SIGKILL)
    killed_at = _latest_step(cut)
    assert 20 <= killed_at < STEPS, f"killed at step {killed_at}: the run was too short to cut"
    assert not (cut / "metrics.json").exists()

    resumed = _run(torchrun(*ARGS, "--quiet", "--out", str(cut), "--distributed", "--resume"))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    full = runs["two"]
    a = json.loads((full / "metrics.json").read_text())
    b = json.loads((cut / "metrics.json").read_text())
    assert b["metrics"] == a["metrics"] and b["steps"] == STEPS
    assert (cut / "history.jsonl").read_text() == (full / "history.jsonl").read_text()
    wa, wb = load_file(full / "model.safetensors"), load_file(cut / "model.safetensors")
    assert all(torch.equal(wa[k], wb[k]) for k in wa)


def test_a_batch_the_processes_cannot_share_equally_is_refused_by_name(tiny, tmp_path, monkeypatch):
    """Checked before the run touches its folder (here as rank 0 of 2, before any message)."""
    monkeypatch.setattr(loop, "join", lambda: Ranks(rank=0, world=2, active=True))
    with pytest.raises(ValueError) as err:
        train(tiny(tmp_path / "r", batch_size=15), distributed=True)
    assert str(err.value).startswith("batch_size: expected a multiple of the 2 processes")
    assert str(err.value).endswith("got 15")
    assert not (tmp_path / "r").exists()


def test_distributed_without_torchrun_says_how_to_launch(tmp_path, monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    done = CliRunner().invoke(cli, [*ARGS, "--out", str(tmp_path / "r"), "--distributed"])
    assert done.exit_code == 2  # a usage error on the flag, not a traceback
    assert "--distributed" in done.output and "got a process without RANK" in done.output
    assert "torchrun --nproc_per_node N -m lstmlab train" in done.output
    assert not (tmp_path / "r").exists()


def test_the_text_application_refuses_distributed_by_name(tmp_path):
    done = CliRunner().invoke(
        cli, ["app", "text", "train", "--out", str(tmp_path / "r"), "--distributed"]
    )
    assert done.exit_code == 2
    assert "--distributed" in done.output and "truncated BPTT" in done.output
    assert not (tmp_path / "r").exists()


class _Stream(Problem):
    """A problem that carries state between batches (truncated BPTT over a stream)."""

    metric_name = "loss"

    def batch(self, step: int):
        return torch.ones(4, 3, 1)

    def loss(self, model, batch, carry):
        out, state = model(batch)
        return out.square().mean(), tuple(s.detach() for s in state)

    def evaluate(self, model, split):
        return {"loss": 0.0, "metric": 0.0}


def test_carried_state_is_refused_in_a_process_group(monkeypatch):
    """A one-process group (``world = 1``) is enough to reach the check."""
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", str(_free_port()))
    for name, value in (("RANK", "0"), ("WORLD_SIZE", "1"), ("LOCAL_RANK", "0")):
        monkeypatch.setenv(name, value)
    cfg = LoopConfig(steps=3, eval_every=1, batch_size=4)
    with pytest.raises(ValueError, match=r"distributed: expected a problem whose loss carries "):
        fit(_Stream(), lambda: nn.RNN(1, 2, batch_first=True), cfg, progress=False,
            distributed=True)  # fmt: skip
    assert not torch.distributed.is_initialized()  # fit ended the group it started


def test_shards_are_contiguous_and_cover_the_batch():
    data = TaskData(torch.arange(24.0).reshape(4, 3, 2), torch.arange(4.0)[:, None])
    parts = [shard_batch(data, r, 2) for r in range(2)]
    assert torch.equal(torch.cat([p.x for p in parts]), data.x)
    assert [p.y.flatten().tolist() for p in parts] == [[0.0, 1.0], [2.0, 3.0]]
    with pytest.raises(ValueError, match=r"batch_size: expected a multiple of the 3 processes"):
        shard_batch(data, 0, 3)


def test_a_batch_not_laid_out_batch_first_is_refused():
    """CTC-style targets of all examples concatenated cannot be split by position."""
    batch = (torch.zeros(4, 7, 2), torch.tensor([7, 6, 5, 4]), torch.arange(10))
    with pytest.raises(ValueError, match=r"batch: expected every tensor .* batch\[2\] \[10\]"):
        shard_batch(batch, 0, 2)
