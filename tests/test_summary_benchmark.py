"""benchmarks/summary.py: the range of each torch.nn / lstmlab ratio over speed.py's JSON files."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "summary.py"


def _run(tmp_path, name: str, torch_ms: float, lstmlab_ms: float) -> Path:
    timing = [
        {"group": g, "size": [2, 3, 4, 5], "name": n, "mode": "train", "times_ms": [ms]}
        for g in ("torch", "variants")
        for n, ms in (("torch.LSTM", torch_ms), ("lstmlab.LSTM", lstmlab_ms))
    ]
    timing.append(
        {
            "group": "wlm",
            "size": [2, 3, 4, 5],
            "name": "lstmlab.GRU",
            "mode": "infer",
            "times_ms": [1.0],
        }
    )  # no torch.GRU beside it: no ratio, no row
    path = tmp_path / name
    path.write_text(json.dumps({"timings": timing}))
    return path


def test_summary_gives_the_lowest_and_highest_ratio_of_each_cell(tmp_path):
    files = [_run(tmp_path, "a.json", 6.0, 3.0), _run(tmp_path, "b.json", 3.0, 4.0)]
    out = subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, files)], check=True, capture_output=True, text=True
    ).stdout
    assert "over 2 runs" in out
    row = next(line for line in out.splitlines() if line.startswith("| 2, 3, 4, 5 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "0.75–2.00"  # LSTM train: 3/4 and 6/3
    assert cells[2:] == ["–"] * 5
    assert not any(line.startswith("| wlm") for line in out.splitlines())  # no pair, no row


def test_summary_each_gives_every_run_s_ratio_in_order(tmp_path):
    files = [_run(tmp_path, "a.json", 6.0, 3.0), _run(tmp_path, "b.json", 3.0, 4.0)]
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--each", *map(str, files)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    row = next(line for line in out.splitlines() if line.startswith("| 2, 3, 4, 5 |"))
    assert [c.strip() for c in row.strip("|").split("|")][1] == "2.00 / 0.75"


def test_summary_own_kernel_adds_the_wlm_rows_of_lstmlab_s_own_kernel(tmp_path):
    timing = [
        {"group": "wlm", "size": [2, 3, 4, 5], "name": n, "mode": "infer", "times_ms": [ms]}
        for n, ms in (("torch.LSTM", 2.0), ("lstmlab.LSTM", 2.0), ("fused.LSTM", 4.0))
    ]
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"timings": timing}))

    def rows(*flags):
        out = subprocess.run(
            [sys.executable, str(SCRIPT), *flags, str(path)],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        return {
            line.split("|")[1].strip(): [c.strip() for c in line.strip("|").split("|")][2]
            for line in out.splitlines()
            if line.startswith("| wlm")
        }

    assert rows() == {"wlm 2, 3, 4, 5": "1.00–1.00"}  # LSTM infer
    assert rows("--own-kernel") == {
        "wlm 2, 3, 4, 5": "1.00–1.00",
        "wlm, own kernel, 2, 3, 4, 5": "0.50–0.50",
    }
