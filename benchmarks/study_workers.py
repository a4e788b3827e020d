"""Trials per hour of a short variant study with 1 and 2 local workers.

    python benchmarks/study_workers.py [--workers 1,2] [--trials 16] [--steps 1000]
                                       [--seconds 600] [--json PATH]

Each setting runs ``lstmlab study run --task adding --lag 30 --trials T --steps-per-trial K
--max-seconds-per-trial S --workers N --quiet`` in a fresh folder (its own SQLite study), and
reports the finished trials divided by the command's wall time: start-up, sampling, storage and
the tests of each trial included. Trials end on their step budget (the time budget is only a
guard), so the figure measures work done, not a wall-clock cap; the trials' sampled sizes
differ between settings (each worker samples its own), so use enough trials to average that
out. Run it at normal priority; it prints ``/proc/loadavg``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import optuna
from optuna.trial import TrialState


def run(workers: int, trials: int, steps: int, seconds: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="lstmlab-study-bench-") as tmp:
        command = [
            sys.executable, "-m", "lstmlab", "study", "run", "--task", "adding", "--lag", "30",
            "--trials", str(trials), "--steps-per-trial", str(steps),
            "--max-seconds-per-trial", str(seconds),
            "--workers", str(workers), "--out", tmp, "--quiet",
        ]  # fmt: skip
        t0 = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        wall = time.perf_counter() - t0
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.load_study(study_name="adding-lag30", storage=f"sqlite:///{tmp}/study.db")
        done = sum(t.state == TrialState.COMPLETE for t in study.get_trials(deepcopy=False))
    return {
        "workers": workers,
        "finished": done,
        "wall_s": wall,
        "trials_per_hour": done / wall * 3600,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--trials", type=int, default=16)
    ap.add_argument("--steps", type=int, default=1000, help="--steps-per-trial")
    ap.add_argument("--seconds", type=float, default=600.0, help="--max-seconds-per-trial")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows = []
    for n in (int(w) for w in a.workers.split(",")):
        load = Path("/proc/loadavg").read_text().split()[:3]
        rows.append(run(n, a.trials, a.steps, a.seconds) | {"load_before": load})
        r = rows[-1]
        print(f"{n} worker(s): {r['finished']} trials in {r['wall_s']:.0f} s = "
              f"{r['trials_per_hour']:.0f} trials/hour (load before {' '.join(load)})",
              flush=True)  # fmt: skip
    print(f"{when}; load after {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    if a.json:
        Path(a.json).write_text(json.dumps({"args": vars(a), "when": when, "rows": rows}) + "\n")


if __name__ == "__main__":
    main()
