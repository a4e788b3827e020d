"""``lstmlab app NAME train|evaluate|predict``: each application's click group, loaded lazily,
and the options every application shares."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import click

from lstmlab.apps import APPS
from lstmlab.cli.distributed import DISTRIBUTED_HELP

__all__ = ["app_group", "out_option", "run_options", "distributed_option", "app_error"]


class _LazyApps(click.Group):
    """Lists ``APPS``; imports an application's module only when its command is run."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(APPS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = APPS.get(cmd_name)
        if module is None:
            return None
        return importlib.import_module(module).group


@click.group("app", cls=_LazyApps)
def app_group() -> None:
    """The notes' applications on real data: forecasting, text, sentiment, translation, speech."""


def out_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--out",
        required=True,
        type=click.Path(file_okay=False),
        help="The run folder (model, checkpoints, metrics, pictures).",
    )(function)


def run_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--out``, ``--resume`` and ``--quiet`` of every ``train`` (the loop's knobs, ``--steps``,
    ``--max-seconds``, ``--seed`` and the rest, come from the app's config dataclass)."""
    function = click.option("--quiet", is_flag=True, help="No progress bar.")(function)
    function = click.option(
        "--resume", is_flag=True, help="Continue the training run in --out from its checkpoint."
    )(function)
    return out_option(function)


def distributed_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--distributed``: the command is one rank of a data-parallel run started by torchrun;
    the command passes it on as ``fit(..., distributed=...)`` inside
    ``lstmlab.cli.distributed.distributed_session``."""
    return click.option(
        "--distributed",
        is_flag=True,
        help=DISTRIBUTED_HELP,
    )(function)


def app_error(err: Exception, hint: str = "--out") -> click.BadParameter:
    """A run-folder or input error as a click error on the option it concerns."""
    return click.BadParameter(str(err), param_hint=hint)
