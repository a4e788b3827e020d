"""``lstmlab app NAME train|evaluate|predict``: each application's click group, loaded lazily,
and the options every application shares."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import click

from lstmlab.apps import APPS
from lstmlab.cli import options as cli_options

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


#: ``--out`` of every application command: its run folder.
out_option = cli_options.out_option(
    "The run folder (model, checkpoints, metrics, pictures).", required=True
)


def run_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--out``, ``--resume`` and ``--quiet`` of every ``train`` (the loop's knobs, ``--steps``,
    ``--max-seconds``, ``--seed`` and the rest, come from the app's config dataclass)."""
    function = cli_options.quiet_option(cli_options.resume_option(function))
    return out_option(function)


#: ``--distributed``: the command is one rank of a data-parallel run started by torchrun; the
#: command passes it on as ``fit(..., distributed=...)`` inside
#: ``lstmlab.cli.distributed.distributed_session``.
distributed_option = cli_options.distributed_option


def app_error(err: Exception, hint: str = "--out") -> click.BadParameter:
    """A run-folder or input error as a click error on the option it concerns."""
    return click.BadParameter(str(err), param_hint=hint)
