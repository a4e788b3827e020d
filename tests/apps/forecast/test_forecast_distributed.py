"""``torchrun --nproc_per_node 2 -m lstmlab app forecast train ... --distributed``: the
application's training as a data-parallel run, equal to the single-process run of the same
global batches."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import torch
from click.testing import CliRunner
from safetensors.torch import load_file

import lstmlab
from lstmlab.cli.main import cli

from .test_forecast_cli import TINY

SRC = str(Path(lstmlab.__file__).resolve().parents[1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_ranks_train_the_forecaster_like_one_process(tmp_path, csv_path):
    args = ["app", "forecast", "train", "--csv", str(csv_path), *TINY]
    single = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "one")])
    assert single.exit_code == 0, single.output
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": SRC + (os.pathsep + path if path else "")}
    torchrun = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
        "--master_addr", "127.0.0.1", "--master_port", str(_free_port()), "-m", "lstmlab",
    ]  # fmt: skip
    two = subprocess.run(
        [*torchrun, *args, "--out", str(tmp_path / "two"), "--distributed"],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert two.returncode == 0, two.stderr[-3000:]
    assert two.stdout.count("test (4 origins): MASE") == 1  # rank 0 alone reports
    for name in ("app.json", "forecast.json"):
        assert (tmp_path / "two" / name).read_text() == (tmp_path / "one" / name).read_text()
    a = load_file(tmp_path / "one" / "train" / "model.safetensors")
    b = load_file(tmp_path / "two" / "train" / "model.safetensors")
    for k in a:
        torch.testing.assert_close(b[k], a[k], rtol=1e-4, atol=1e-5)
    m1 = json.loads((tmp_path / "one" / "train" / "metrics.json").read_text())
    m2 = json.loads((tmp_path / "two" / "train" / "metrics.json").read_text())
    assert m2["steps"] == m1["steps"] == 30
