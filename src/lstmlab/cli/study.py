"""``lstmlab study run`` and ``lstmlab study report``: the variant study of Greff et al. 2015."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from lstmlab.apps import STUDY_TARGETS
from lstmlab.cli.dataclass_options import config_arguments, config_from_options, dataclass_options
from lstmlab.cli.options import count_option, out_option, quiet_option
from lstmlab.study.space import SearchSpace
from lstmlab.study.targets import parse_app_option
from lstmlab.study.worker import StudyMismatchError, StudySettings, open_study, run_worker


@click.group("study")
def study_group() -> None:
    """Random search over LSTM variants and hyperparameters (Greff et al. 2015), on Optuna."""


def _storage(storage: str | None, out: str) -> str:
    return storage or f"sqlite:///{Path(out).resolve() / 'study.db'}"


_storage_option = click.option(
    "--storage",
    default=None,
    help="Optuna storage URL [default: sqlite:///OUT/study.db]; a postgresql:// URL "
    "lets workers on many machines join one study.",
)

#: The CLI runs the README's study (180 trials); StudySettings keeps 100 for library callers.
_RUN_DEFAULTS = {"trials": 180}
#: StudySettings fields with options of their own: the nested search space (its fields are
#: options too), the application (its choices are the apps') and its KEY=VALUE options.
_BY_HAND = ("space", "app", "app_options")


@study_group.command("run")
@dataclass_options(StudySettings, exclude=_BY_HAND, defaults=_RUN_DEFAULTS)
@click.option(
    "--app",
    type=click.Choice(list(STUDY_TARGETS)),
    default=None,
    help="Train on an application's data set instead of --task/--lag.",
)
@click.option(
    "--app-option",
    "app_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="A fixed field of the application's config for every trial (repeatable), "
    "e.g. --app-option horizon=24.",
)
@dataclass_options(SearchSpace)
@_storage_option
@click.option("--study", "name", default=None, help="Study name [default: TASK-lagLAG, or APP].")
@out_option(
    "Folder for the trials' run folders (and the default SQLite storage).",
    default_out="runs/study",
)
@count_option(
    "--workers",
    None,
    "Local worker processes, one thread each [default: one per CPU core this process may use].",
)
@count_option("--worker-index", None, "This worker's number.", minimum=0, hidden=True)
@quiet_option
def run_command(storage, name, out, workers, worker_index, quiet, **values) -> None:
    """Run (or join, or resume) a study: every trial a full training run of the one loop."""
    space = config_from_options(SearchSpace, values)
    try:
        app_options = dict(parse_app_option(o) for o in values.pop("app_options"))
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--app-option") from err
    settings = config_from_options(StudySettings, values, space=space, app_options=app_options)
    Path(out).mkdir(parents=True, exist_ok=True)
    url, name = _storage(storage, out), name or settings.default_name()
    try:
        study, _ = open_study(url, name, settings)  # create it once, before the workers start
    except StudyMismatchError as err:
        raise click.BadParameter(str(err), param_hint="--study") from err
    console = Console(quiet=quiet)
    if workers is None:
        workers = 1 if worker_index is not None else _cores()
    if workers == 1 or worker_index is not None:
        if not quiet:
            console.print(f"study {name!r} in {url}: trials until {settings.trials} have finished")
        study = run_worker(url, name, settings, out, worker=worker_index or 0)
    else:
        _run_local_workers(console, url, name, out, workers, quiet, settings)
        study, _ = open_study(url, name, None)
    finished = sum(t.state.name == "COMPLETE" for t in study.trials)
    console.print(
        f"study {name!r}: {finished} finished trials; report with "
        f"`lstmlab study report --storage {url} --study {name} --out DIR`"
    )


def _cores() -> int:
    """The CPU cores this process may run on (its affinity where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _run_local_workers(console, url, name, out, workers, quiet, settings) -> None:
    """``workers`` child processes of this command joining the study; progress from storage."""
    args = [
        sys.executable,
        "-m",
        "lstmlab.cli.main",
        "study",
        "run",
        *["--storage", url, "--study", name, "--out", str(out), "--quiet"],
        *config_arguments(settings, exclude=_BY_HAND),
        *(["--app", settings.app] if settings.app else []),
        *[
            a
            for k, v in settings.app_options.items()
            for a in ("--app-option", f"{k}={json.dumps(v)}")
        ],
        *config_arguments(settings.space),
    ]
    children = [subprocess.Popen([*args, "--worker-index", str(k)]) for k in range(workers)]
    try:
        while any(c.poll() is None for c in children):
            if not quiet:
                study, _ = open_study(url, name, None)
                done = sum(t.state.name == "COMPLETE" for t in study.trials)
                running = sum(t.state.name == "RUNNING" for t in study.trials)
                console.print(
                    f"{time.strftime('%H:%M:%S')} finished {done}/{settings.trials}, "
                    f"running {running}",
                    highlight=False,
                )
            time.sleep(15)
    finally:
        for c in children:
            if c.poll() is None:
                c.terminate()
    bad = [c.returncode for c in children if c.returncode != 0]
    if bad:
        raise click.ClickException(f"workers: expected exit code 0 from every worker, got {bad}")


@study_group.command("report")
@_storage_option
@click.option("--study", "name", required=True, help="Study name.")
@out_option("Folder for the plots, report.md and report.json.", required=True)
@click.option(
    "--top-fraction",
    type=click.FloatRange(0, 1, min_open=True),
    default=1.0,
    show_default=True,
    help="Keep each variant's best fraction of trials.",
)
def report_command(storage, name, out, top_fraction) -> None:
    """Per-variant box plots, Welch's t-tests, fANOVA importances and the verdict table."""
    from lstmlab.study.report import build_report, write_report

    url = _storage(storage, out)
    try:
        study, _ = open_study(url, name, None)
    except StudyMismatchError as err:
        raise click.BadParameter(str(err), param_hint="--study") from err
    report = build_report(study, top_fraction)
    files = write_report(report, out)
    table = Table(title=f"study {name}: {report.trials} finished trials")
    for column in ("variant", "trials", "median", "p (Bonferroni)", "our verdict", "Greff 2015"):
        table.add_column(column)
    for r in report.rows:
        q = r["p_bonferroni"]
        table.add_row(
            r["variant"],
            str(r["trials"]),
            f"{r['median']:.4g}",
            "—" if q != q else f"{q:.3g}",
            r["verdict"],
            r["greff_2015"],
        )
    console = Console()
    console.print(table)
    if report.importances:
        console.print(
            "fANOVA importance: " + ", ".join(f"{k} {v:.2f}" for k, v in report.importances.items())
        )
    console.print("written: " + ", ".join(str(f) for f in files))
