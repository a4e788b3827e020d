"""Studies with several workers: local processes on SQLite, and a PostgreSQL server shared by
workers one of which is killed mid-trial (its trial is retried, resuming its run folder)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
from optuna.trial import TrialState

from lstmlab.study.worker import GRACE_PERIOD

from .pg_server import temporary_postgres

TINY = ["--task", "adding", "--lag", "5", "--variants", "peephole,cifg", "--seed", "3"]


def _env() -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _study_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "lstmlab.cli.main", "study", "run", *TINY, *args]


def test_two_local_workers_share_a_sqlite_study(tmp_path):
    done = subprocess.run(
        _study_cmd(
            "--out",
            str(tmp_path),
            "--trials",
            "4",
            "--workers",
            "2",
            "--max-seconds-per-trial",
            "2",
            "--steps-per-trial",
            "50",
            "--quiet",
        ),
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    study = optuna.load_study(study_name="adding-lag5", storage=f"sqlite:///{tmp_path}/study.db")
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    assert len(complete) >= 4
    assert {t.params["variant"] for t in complete} <= {"peephole", "cifg"}
    hosts_folders = {t.user_attrs["folder"] for t in complete}
    assert len(hosts_folders) == len(complete)  # one run folder per trial
    for t in complete:
        assert (Path(t.user_attrs["folder"]) / "metrics.json").is_file()


def test_a_killed_worker_loses_no_finished_trial_and_its_trial_is_retried(tmp_path):
    with temporary_postgres() as url:
        # One storage (one connection pool) for every read below: a load_study per poll with the
        # URL opened an engine each time, whose connections lived until garbage collection, and
        # on a slow machine (a long wait for the victim's checkpoint) they exhausted the server's
        # max_connections ("too many clients", seen once under CI beside another job).
        storage = optuna.storages.RDBStorage(url)
        common = [
            "--storage",
            url,
            "--study",
            "pg",
            "--out",
            str(tmp_path),
            "--trials",
            "8",
            "--max-seconds-per-trial",
            "4",
            "--steps-per-trial",
            "100000",
            "--quiet",
        ]
        workers = [
            subprocess.Popen(
                _study_cmd(*common, "--worker-index", str(k)),
                env=_env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for k in range(2)
        ]
        victim = workers[0]
        deadline = time.monotonic() + 300
        killed_number = None
        while killed_number is None and time.monotonic() < deadline:
            time.sleep(0.5)
            try:
                study = optuna.load_study(study_name="pg", storage=storage)
            except KeyError:  # not created yet
                continue
            for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
                folder = Path(t.user_attrs.get("folder", "/nonexistent"))
                mine = t.user_attrs.get("pid") == victim.pid
                if mine and (folder / "checkpoints" / "latest.json").is_file():
                    killed_number = t.number
        assert killed_number is not None, "the victim never got a checkpointed trial running"
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        survivor = workers[1]
        assert survivor.wait(timeout=600) == 0, survivor.stderr.read()[-2000:]
        study = optuna.load_study(study_name="pg", storage=storage)
        if any(t.state == TrialState.RUNNING for t in study.trials):
            # the survivor finished before the grace period: a new worker fails and retries it
            time.sleep(GRACE_PERIOD + 1)
            extra = subprocess.run(
                _study_cmd(*common, "--workers", "1"), env=_env(), capture_output=True, timeout=600
            )
            assert extra.returncode == 0, extra.stderr[-2000:]
            study = optuna.load_study(study_name="pg", storage=storage)
        trials = study.trials
        killed = trials[killed_number]
        assert killed.state == TrialState.FAIL
        retries = [t for t in trials if t.system_attrs.get("failed_trial") == killed_number]
        assert len(retries) == 1 and retries[0].state == TrialState.COMPLETE
        assert retries[0].params == killed.params
        assert retries[0].user_attrs["resumed"] is True  # continued the dead trial's folder
        assert retries[0].user_attrs["folder"] == killed.user_attrs["folder"]
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        assert len(complete) >= 8
        folders = [t.user_attrs["folder"] for t in complete]
        assert len(folders) == len(set(folders))  # every finished trial is there once
        assert not [t for t in trials if t.state == TrialState.RUNNING]
