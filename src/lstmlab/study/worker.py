"""One study worker: ask Optuna for a trial, train it through the one loop, tell the result.

Any number of workers, in local processes or on other machines, join one study through its
storage. Each trial keeps its run folder ``OUT/trials/trial-NNNNN`` (config, checkpoints,
result). Workers send a heartbeat; a trial whose worker died (a kill, a crash, a lost machine)
is marked failed by the next worker that starts a trial and re-queued with the same parameters
(Optuna's ``RetryHeartbeatStaleTrialCallback``, optuna >= 4.9); the retry resumes the dead
trial's run folder from its last checkpoint.
"""

from __future__ import annotations

import hashlib
import math
import os
import socket
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import optuna
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState

from lstmlab.checks import check_choice, check_int, check_positive
from lstmlab.fields import config_field
from lstmlab.study.space import SearchSpace
from lstmlab.study.targets import Target, app_target, task_target
from lstmlab.tasks import TASKS

__all__ = ["StudySettings", "run_worker", "open_study", "storage_for", "StudyMismatchError"]

#: Seconds between a worker's heartbeats, and after which a silent trial counts as dead.
HEARTBEAT_INTERVAL, GRACE_PERIOD = 5, 20


class StudyMismatchError(ValueError):
    """A worker joined a study that was created with other settings."""


@dataclass(frozen=True)
class StudySettings:
    """What every worker of one study shares (stored in the study; a joining worker must agree).

    Attributes:
        task, lag: the lab's task every trial trains on (ignored with ``app``).
        app, app_options: an application's data set to train on instead
            (``lstmlab.apps.STUDY_TARGETS``), with fixed values for fields of its config.
        space: what a trial samples (variant and hyperparameters).
        trials: the number of finished trials at which workers stop.
        max_seconds_per_trial, steps_per_trial: each trial's budget.
        sampler: "random" (Greff et al.'s random search) or "tpe".
        prune: stop hopeless trials early (Optuna's median pruner); off as in the paper.
        seed: seeds the data splits (identical for every trial) and the samplers.
    """

    task: str = config_field("adding", "The lab's task of every trial.", choices=tuple(TASKS))
    lag: int = config_field(30, "The task's time lag.")
    app: str | None = config_field(
        None, "Train on an application's data set instead of --task/--lag."
    )
    app_options: dict[str, Any] = config_field(
        help="Fixed fields of the application's config for every trial.", factory=dict
    )
    space: SearchSpace = config_field(help="What a trial samples.", factory=SearchSpace)
    # The defaults are the README's measured study: 240 trials (18–32 per variant) of 4,000 steps
    # took 3,439 CPU-seconds, about 30 minutes with 2 workers on 2 cores; the time budget is a
    # guard against a runaway trial, not the usual stop.
    trials: int = config_field(
        240, "Finished trials at which the study stops (all workers together)."
    )
    max_seconds_per_trial: float = config_field(
        1200.0, "Wall-clock budget of each trial (a guard; the step budget usually ends it)."
    )
    steps_per_trial: int = config_field(4000, "Step budget of each trial.")
    sampler: str = config_field(
        "random", "Random search (the paper) or TPE.", choices=("random", "tpe")
    )
    prune: bool = config_field(False, "Stop hopeless trials early (off in the paper).")
    seed: int = config_field(0, "Seeds the data splits and the samplers.")

    def __post_init__(self) -> None:
        check_choice("sampler", self.sampler, ("random", "tpe"))
        check_int("trials", self.trials, 1)
        check_positive("max_seconds_per_trial", self.max_seconds_per_trial)
        check_int("steps_per_trial", self.steps_per_trial, 1)
        self.target()  # raises naming the bad task, app option or budget

    def target(self) -> Target:
        """What every trial trains on."""
        budget = (self.max_seconds_per_trial, self.steps_per_trial, self.seed)
        if self.app is not None:
            return app_target(self.app, self.app_options, *budget)
        return task_target(self.task, self.lag, *budget)

    def default_name(self) -> str:
        return self.app if self.app is not None else f"{self.task}-lag{self.lag}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "space": self.space.to_dict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StudySettings:
        return cls(**{**d, "space": SearchSpace.from_dict(d["space"])})

    def what_the_study_measures(self) -> dict[str, Any]:
        """The settings that must agree between workers (``trials`` may grow)."""
        d = self.to_dict()
        del d["trials"]
        return d


def storage_for(url: str) -> RDBStorage:
    """An RDB storage with heartbeats and retries of dead trials."""
    engine_kwargs = {"connect_args": {"timeout": 120}} if url.startswith("sqlite") else {}
    with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return _rdb_storage(url, engine_kwargs)


def _rdb_storage(url: str, engine_kwargs: dict[str, Any]) -> RDBStorage:
    return RDBStorage(
        url,
        engine_kwargs=engine_kwargs,
        heartbeat_interval=HEARTBEAT_INTERVAL,
        grace_period=GRACE_PERIOD,
        heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=3),
    )


def _sampler(settings: StudySettings, worker: int | None) -> optuna.samplers.BaseSampler:
    # Distinct streams per worker; an unnamed worker (another machine) draws its own seed.
    if worker is None:
        seed = int.from_bytes(os.urandom(4), "little")
    else:
        key = f"lstmlab-study:{settings.seed}:{worker}".encode()
        seed = int.from_bytes(hashlib.sha256(key).digest()[:4], "little")
    if settings.sampler == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)


def open_study(
    storage_url: str, name: str, settings: StudySettings | None, worker: int | None = None
) -> tuple[optuna.Study, StudySettings]:
    """Create or join study ``name``; with ``settings`` None, read them from the study."""
    storage = storage_for(storage_url)
    existing = set(optuna.study.get_all_study_names(storage))
    if name not in existing:
        if settings is None:
            raise StudyMismatchError(
                f"study: expected the name of a study in {storage_url}, got {name!r}; "
                f"known: {sorted(existing) or 'none'}"
            )
        study = optuna.create_study(
            storage=storage, study_name=name, direction="minimize", load_if_exists=True
        )
        if "settings" not in study.user_attrs:
            study.set_user_attr("settings", settings.to_dict())
    stored = StudySettings.from_dict(
        optuna.load_study(study_name=name, storage=storage).user_attrs["settings"]
    )
    if settings is not None:
        a, b = stored.what_the_study_measures(), settings.what_the_study_measures()
        if a != b:
            diff = "; ".join(
                f"{k}: expected {a[k]!r} (stored), got {b[k]!r}" for k in a if a[k] != b.get(k)
            )
            raise StudyMismatchError(f"study: {name!r} was created with other settings: {diff}")
    pruner = optuna.pruners.MedianPruner() if stored.prune else optuna.pruners.NopPruner()
    study = optuna.load_study(
        study_name=name, storage=storage, sampler=_sampler(stored, worker), pruner=pruner
    )
    return study, stored


def _objective(settings: StudySettings, out: Path):
    target = settings.target()

    def objective(trial: optuna.Trial) -> float:
        # retried_trial_number reads a FrozenTrial's attributes (a live Trial has none).
        frozen = next(t for t in trial.study.get_trials(deepcopy=False) if t.number == trial.number)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            original = RetryHeartbeatStaleTrialCallback.retried_trial_number(frozen)
        number = trial.number if original is None else original
        folder = out / "trials" / f"trial-{number:05d}"
        cfg = target.config(settings.space.sample(trial, target.noise), str(folder))
        resume = (folder / "config.json").is_file()

        def report(step: int, val: dict[str, float]) -> None:
            if settings.prune and math.isfinite(val["loss"]):
                trial.report(val["loss"], step)
                if trial.should_prune():
                    raise optuna.TrialPruned

        trial.set_user_attr("folder", str(folder))
        trial.set_user_attr("host", socket.gethostname())
        trial.set_user_attr("pid", os.getpid())
        result = target.runner(cfg, resume=resume, progress=False, on_evaluate=report)
        m = result.metrics
        for key in ("loss", "metric", "baseline"):
            trial.set_user_attr(f"test_{key}", m.get(key))
        trial.set_user_attr("steps", result.steps)
        trial.set_user_attr("wall_time", result.wall_time)
        trial.set_user_attr("stop_reason", result.stop_reason)
        trial.set_user_attr("params_count", result.params)
        trial.set_user_attr("resumed", resume)
        # A diverged run learned nothing: score it as the memoryless baseline where the
        # problem has one (the lab's tasks); an application's diverged trial fails (NaN).
        return m["loss"] if math.isfinite(m["loss"]) else m.get("baseline", math.nan)

    return objective


def run_worker(
    storage_url: str,
    name: str,
    settings: StudySettings | None,
    out: str | Path,
    worker: int | None = None,
) -> optuna.Study:
    """Run trials of study ``name`` until it has ``settings.trials`` finished trials."""
    study, stored = open_study(storage_url, name, settings, worker)
    done = (TrialState.COMPLETE, TrialState.PRUNED)
    stop = optuna.study.MaxTrialsCallback(stored.trials, states=done)
    if len(study.get_trials(deepcopy=False, states=done)) < stored.trials:
        verbosity = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.WARNING)  # our own progress instead
        try:
            study.optimize(_objective(stored, Path(out)), callbacks=[stop], catch=())
        finally:
            optuna.logging.set_verbosity(verbosity)
    return study
