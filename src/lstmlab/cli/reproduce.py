"""``lstmlab reproduce``: every claim of the notes, measured here, as one self-contained page."""

from __future__ import annotations

import shlex
import sys

import click
from rich.console import Console

from lstmlab.cli.options import out_option, quiet_option
from lstmlab.report.html import INDEX, JSON, write_report
from lstmlab.report.part import LANGS, LEVELS
from lstmlab.report.run import build_plan, print_total, run_plan
from lstmlab.report.sections import SECTIONS


@click.command("reproduce")
@click.option(
    "--level",
    type=click.Choice(LEVELS),
    default=None,
    help="Budget: ci (the tests' reduced one, about a minute), quick (at most about 10 minutes "
    "on 2 cores) or full (the long runs the README's tables come from).  [default: quick]",
)
@click.option("--full", is_flag=True, help="Same as --level full.")
@click.option(
    "--only",
    "only",
    multiple=True,
    type=click.Choice(tuple(SECTIONS)),
    help="Run only this section (repeatable), in the notes' order.",
)
@click.option(
    "--lang",
    type=click.Choice(LANGS),
    default="en",
    show_default=True,
    help="Language of the page: all prose, labels and figures.",
)
@out_option(
    "Folder of the report: index.html, report.json, cache/ (finished parts) and work/ (their "
    "run folders).",
    default_out="report",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**32 - 1),
    default=0,
    show_default=True,
    help="Seed of every part (initialisation, data, training batches).",
)
@quiet_option
def reproduce_command(level, full, only, lang, out, seed, quiet) -> None:
    """Run the plan of experiments of the notes and write OUT/index.html, a page that opens
    offline, with the numbers in OUT/report.json.

    Every finished part is cached in OUT/cache by its config: a rerun is instant, an
    interrupted one resumes with the first part not yet finished. A part that fails is shown
    as failed on the page; the others still run, and the command then exits with status 1.
    """
    if full and level not in (None, "full"):
        raise click.UsageError(f"--full: means --level full, but --level {level} was given")
    level = "full" if full else (level or "quick")
    command = _command(level, only, lang, out, seed)
    console = Console(stderr=True, quiet=quiet)
    plan = build_plan(level, only or None)
    report = run_plan(plan, out, seed=seed, level=level, command=command, console=console)
    failures = write_report(report, out, lang)
    print_total(report, Console(stderr=True), failures)
    click.echo(f"wrote {out}/{INDEX} and {out}/{JSON}")
    if failures:
        sys.exit(1)


def _command(level: str, only: tuple[str, ...], lang: str, out: str, seed: int) -> str:
    """The command that gives this report, options at their defaults left out."""
    words = ["lstmlab", "reproduce"]
    words += ["--full"] if level == "full" else ["--level", level] if level != "quick" else []
    for section in only:
        words += ["--only", section]
    words += ["--lang", lang] if lang != "en" else []
    words += ["--out", out] if out != "report" else []
    words += ["--seed", str(seed)] if seed != 0 else []
    return shlex.join(words)
