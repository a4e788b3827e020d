"""The runner of ``lstmlab reproduce``: the plan of parts for a level, each part computed once
and cached, failures kept beside the results instead of stopping the run.

    plan = build_plan("quick", only=["problem"])
    report = run_plan(plan, Path("report"), seed=0, level="quick")
    report.failures  # parts (and sections) that failed: the page shows them, the CLI exits 1

A part is computed inside ``isolated(seed)``: torch's thread count, the global RNGs (torch,
python, numpy, seeded with the seed for the part), torch's default dtype, the warning filters
and matplotlib's rcParams are restored afterwards, so running the report changes nothing in the
caller's process.
"""

from __future__ import annotations

import contextlib
import importlib
import random
import time
import traceback
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import torch
from rich.console import Console

from lstmlab.checks import ArgumentError, check_choice
from lstmlab.report.cache import cache_path, part_key, read_cached, write_cached
from lstmlab.report.machine import machine
from lstmlab.report.part import LEVELS, Level, Part, PartContext
from lstmlab.report.sections import SECTIONS
from lstmlab.training.seeding import seed_everything

__all__ = [
    "SectionPlan",
    "PartRun",
    "SectionRun",
    "ReportRun",
    "build_plan",
    "run_plan",
    "check_only",
    "isolated",
]


@dataclass
class SectionPlan:
    """A section of the plan: its module and parts, or why it could not be loaded."""

    id: str
    module: Any = None  # the section's module (TITLE, INTRO, parts)
    parts: list[Part] = field(default_factory=list)
    error: str | None = None  # the import (or parts(level)) failure, with its traceback


@dataclass
class PartRun:
    """What became of one part: its data and meta (computed or cached), or its error."""

    part: Part
    key: str | None
    data: dict[str, Any] | None = None
    meta: dict[str, Any] | None = None
    cached: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class SectionRun:
    plan: SectionPlan
    parts: list[PartRun]

    @property
    def id(self) -> str:
        return self.plan.id


@dataclass
class ReportRun:
    """A whole run: every section with its parts, and how it went."""

    level: Level
    seed: int
    command: str
    sections: list[SectionRun]
    machine: dict[str, Any]
    started: str  # UTC, ISO 8601
    seconds: float = 0.0

    @property
    def part_runs(self) -> list[PartRun]:
        return [p for s in self.sections for p in s.parts]

    @property
    def failures(self) -> list[str]:
        """ "section: error" for every section that did not load, "section/part: error" for
        every part that failed."""
        out = [f"{s.id}: {s.plan.error.splitlines()[-1]}" for s in self.sections if s.plan.error]
        out += [
            f"{p.part.section}/{p.part.name}: {p.error.splitlines()[-1]}"
            for p in self.part_runs
            if p.error
        ]
        return out


def check_only(only: Sequence[str] | None) -> list[str] | None:
    """The section ids ``only`` names, checked against ``SECTIONS`` (None = every section)."""
    if only is None:
        return None
    if isinstance(only, str):
        only = [only]
    unknown = [s for s in only if s not in SECTIONS]
    if unknown or not only:
        raise ArgumentError(
            f"only: expected section names among {list(SECTIONS)}, got {list(only)!r}", "only"
        )
    return list(only)


def build_plan(level: Level, only: Sequence[str] | None = None) -> list[SectionPlan]:
    """The sections (in the notes' order) and their parts for ``level``. A section whose module
    is missing or broken is kept with its error: the page shows it, the rest still runs."""
    check_choice("level", level, LEVELS)
    chosen = check_only(only)
    plans = []
    for sid, module_name in SECTIONS.items():
        if chosen is not None and sid not in chosen:
            continue
        plan = SectionPlan(sid)
        try:
            plan.module = importlib.import_module(module_name)
            plan.parts = list(plan.module.parts(level))
            for part in plan.parts:
                if not isinstance(part, Part):
                    raise TypeError(
                        f"{module_name}.parts({level!r}): expected Part objects, "
                        f"got {type(part).__name__}"
                    )
        except Exception:  # a section's bug must not stop the others
            plan.parts = []
            plan.error = _error_text()
        plans.append(plan)
    return plans


def _error_text() -> str:
    """The current exception, traceback last lines first kept short: the page shows it."""
    lines = traceback.format_exc().rstrip().splitlines()
    return "\n".join(lines[-12:])


@contextlib.contextmanager
def isolated(seed: int) -> Iterator[None]:
    """Run a part with the global RNGs seeded with ``seed``; restore afterwards every piece of
    process-wide state a part may change (threads, RNGs, default dtype, warnings, rcParams)."""
    threads = torch.get_num_threads()
    dtype = torch.get_default_dtype()
    python_state, numpy_state = random.getstate(), np.random.get_state()
    with (
        torch.random.fork_rng(),
        warnings.catch_warnings(),
        matplotlib.rc_context(),
    ):
        seed_everything(seed)
        try:
            yield
        finally:
            torch.set_num_threads(threads)
            torch.set_default_dtype(dtype)
            random.setstate(python_state)
            np.random.set_state(numpy_state)


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def run_plan(
    plan: list[SectionPlan],
    out: str | Path,
    *,
    seed: int = 0,
    level: Level = "quick",
    command: str = "lstmlab reproduce",
    console: Console | None = None,
) -> ReportRun:
    """Compute (or read from ``out/cache``) every part of ``plan``; nothing raised by a part
    escapes (it is recorded on its ``PartRun``); KeyboardInterrupt does, leaving the cache of
    every finished part for the next run."""
    out = Path(out)
    console = console or Console(stderr=True)
    started, t0 = now_utc(), time.perf_counter()
    report = ReportRun(level, seed, command, [], machine(), started)
    total = sum(len(s.parts) for s in plan)
    index = 0
    for section in plan:
        runs: list[PartRun] = []
        report.sections.append(SectionRun(section, runs))
        if section.error:
            last = section.error.splitlines()[-1]
            console.print(f"[red]✗ {section.id}: could not be loaded: {last}[/red]", markup=True)
            continue
        for part in section.parts:
            index += 1
            runs.append(_run_part(part, out, seed, level, f"[{index}/{total}]", console))
    report.seconds = time.perf_counter() - t0
    return report


def _run_part(
    part: Part, out: Path, seed: int, level: Level, counter: str, console: Console
) -> PartRun:
    label = f"{counter} {part.section}/{part.name}"
    try:
        key = part_key(part.section, part.name, part.config, seed)
    except (TypeError, ValueError):
        console.print(f"✗ {label}: its config is not JSON", style="red", markup=False)
        return PartRun(part, None, error=_error_text())
    path = cache_path(out, part.section, part.name, key)
    stored = read_cached(path, key)
    if stored is not None:
        console.print(f"· {label}: cached", style="dim", markup=False)
        return PartRun(part, key, stored["data"], stored["meta"], cached=True)
    console.print(f"▶ {label} …", markup=False)
    workdir = out / "work" / part.section / f"{part.name}-{key[:12]}"
    ctx = PartContext(
        workdir=workdir,
        seed=seed,
        level=level,
        progress=lambda message: console.print(f"    {message}", style="dim", markup=False),
    )
    date, t0 = now_utc(), time.perf_counter()
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        with isolated(seed):
            data = part.compute(ctx)
        if not isinstance(data, dict):
            kind = type(data).__name__
            raise TypeError(f"compute: expected a dict of JSON-able data, got {kind}")
        meta = {
            "command": part.command,
            "seed": seed,
            "date": date,
            "machine": machine(),
            "seconds": round(time.perf_counter() - t0, 3),
            "level": level,
        }
        write_cached(path, key, data, meta)
    except Exception:
        seconds = time.perf_counter() - t0
        error = _error_text()
        console.print(
            f"✗ {label}: failed after {seconds:.1f} s: {error.splitlines()[-1]}",
            style="red",
            markup=False,
        )
        return PartRun(part, key, error=error)
    console.print(f"✓ {label}: ran in {meta['seconds']:.1f} s", style="green", markup=False)
    return PartRun(part, key, data, meta)


def print_total(report: ReportRun, console: Console, failures: Sequence[str] = ()) -> None:
    """The closing lines: parts computed, cached and failed, and the total time."""
    runs = report.part_runs
    ran = sum(1 for p in runs if p.ok and not p.cached)
    cached = sum(1 for p in runs if p.cached)
    console.print(
        f"{len(runs)} parts: {ran} ran, {cached} cached, {len(failures)} failed; "
        f"total {report.seconds:.1f} s",
        markup=False,
        highlight=False,
    )
    for failure in failures:
        console.print(f"  failed: {failure}", style="red", markup=False)
