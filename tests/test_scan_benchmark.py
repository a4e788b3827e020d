"""benchmarks/scan.py at a tiny size: it times every contender in both modes, counts their saved
bytes and finds the scan equal to the sequential mode (what is measured, never how fast)."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "scan.py"
CONTENDERS = {
    "lstmlab.LSTM",
    "lstmlab.MinLSTM",
    "reference.MinLSTM",
    "lstmlab.MinGRU",
    "reference.MinGRU",
}


def test_scan_benchmark_times_every_contender_and_checks_the_scan(tmp_path):
    out = tmp_path / "scan.json"
    cmd = [sys.executable, str(SCRIPT), "--lengths", "7,30", "--batch", "2", "--hidden", "4"]
    subprocess.run([*cmd, "--repeats", "2", "--json", str(out)], check=True, capture_output=True)
    data = json.loads(out.read_text())
    timed = {(r["size"][1], r["name"], r["mode"]) for r in data["timings"]}
    assert timed == {(T, n, m) for T in (7, 30) for n in CONTENDERS for m in ("train", "infer")}
    assert all(len(r["times_ms"]) == 2 and r["median_ms"] > 0 for r in data["timings"])
    for entry in data["per_length"]:
        assert set(entry["saved_bytes"]) == CONTENDERS
        assert all(v > 0 for v in entry["saved_bytes"].values())
        assert all(d < 1e-5 for d in entry["max_abs_diff"].values())  # same weights, same maths
