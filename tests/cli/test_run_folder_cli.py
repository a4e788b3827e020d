"""`lstmlab train` on bad settings, bad folders and a busy folder: a usage error naming the
option and the file, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import lstmlab
from lstmlab.cli.main import cli

SRC = str(Path(lstmlab.__file__).resolve().parents[1])
TINY = [
    "train", "--lag", "4", "--hidden", "4", "--steps", "4", "--eval-every", "2",
    "--n-val", "8", "--n-test", "8", "--quiet",
]  # fmt: skip


def _invoke(*args: str):
    return CliRunner().invoke(cli, [*TINY, *args])


@pytest.mark.parametrize(
    "args, option, detail",
    [
        (["--seed", str(2**70)], "--seed", "seed: expected an int in [0, 4294967295]"),
        (["--lr", "inf"], "--lr", "lr: expected a finite number > 0, got inf"),
        (["--lr", "nan"], "--lr", "lr: expected a number > 0, got nan"),
        (["--forget-bias", "nan"], "--forget-bias", "expected a finite float or None, got nan"),
    ],
)
def test_out_of_range_settings_are_usage_errors(tmp_path, args, option, detail):
    result = _invoke(*args, "--out", str(tmp_path / "r"))
    assert result.exit_code == 2, result.output
    assert option in result.output and detail in " ".join(result.output.split())
    assert not (tmp_path / "r").exists()


def test_unwritable_out_is_a_usage_error(tmp_path):
    (tmp_path / "file").write_text("")
    result = _invoke("--out", str(tmp_path / "file" / "run"))
    assert result.exit_code == 2 and "--out" in result.output
    assert "expected a folder this process can write" in " ".join(result.output.split())
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_damaged_run_folder_is_a_usage_error_naming_the_file(tmp_path):
    out = tmp_path / "r"
    assert _invoke("--out", str(out)).exit_code == 0
    (out / "metrics.json").unlink()
    latest = out / "checkpoints" / "latest.json"
    latest.write_text('{"step": 4, "folder": "../../.."}')
    result = _invoke("--out", str(out), "--resume")
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "latest.json: damaged run file" in text and "expected a folder name inside" in text
    assert "Traceback" not in result.output


def test_resume_on_a_missing_folder_says_so(tmp_path):
    result = _invoke("--out", str(tmp_path / "new"), "--resume")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "nothing to resume" in text and "does not exist" in text


def test_a_second_process_on_one_out_is_refused(tmp_path):
    out = tmp_path / "r"
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    first = subprocess.Popen(
        [sys.executable, "-m", "lstmlab.cli.main", *TINY, "--steps", "100000", "--out", str(out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 300
        while not (out / "checkpoints" / "latest.json").exists():
            assert first.poll() is None, first.stderr.read().decode()
            assert time.monotonic() < deadline, "the first run never checkpointed"
            time.sleep(0.05)
        second = _invoke("--out", str(out), "--resume")
        assert second.exit_code == 2, second.output
        assert f"is in use by process {first.pid}" in " ".join(second.output.split())
        assert first.poll() is None, "the first run must be unharmed"
        step = json.loads((out / "checkpoints" / "latest.json").read_text())["step"]
        assert step >= 2
    finally:
        first.kill()
        first.wait()
