"""``lstmlab.fields.field_defaults``: a subclass gives its bases' fields other defaults and keeps
their type, help text, choices and place."""

from __future__ import annotations

import typing
from dataclasses import dataclass, fields

import click
import pytest
from click.testing import CliRunner

from lstmlab.cli.dataclass_options import dataclass_options
from lstmlab.fields import config_field, field_defaults


@dataclass(frozen=True)
class Base:
    steps: int = config_field(10, "Step budget.")
    patience: int | None = config_field(3, "Evaluations to wait; none = never.")
    schedule: str = config_field("constant", "Schedule.", choices=("constant", "cosine"))


@dataclass(frozen=True)
@field_defaults(patience=None, schedule="cosine")
class App(Base):
    width: int = config_field(4, "Width.")


def test_defaults_change_and_the_rest_is_the_base_s():
    assert App() == App(steps=10, patience=None, schedule="cosine", width=4)
    assert [f.name for f in fields(App)] == ["steps", "patience", "schedule", "width"]
    assert typing.get_type_hints(App) == typing.get_type_hints(Base) | {"width": int}
    for name in ("patience", "schedule"):
        ours = {f.name: f for f in fields(App)}[name]
        theirs = {f.name: f for f in fields(Base)}[name]
        assert ours.metadata == theirs.metadata
    assert Base() == Base(steps=10, patience=3, schedule="constant")


def test_the_cli_keeps_type_help_and_choices():
    @click.command()
    @dataclass_options(App)
    def command(**kwargs):
        click.echo(repr(App(**kwargs)))

    runner = CliRunner()
    text = runner.invoke(command, ["--help"]).output
    assert "--patience INTEGER|NONE" in text and "Evaluations to wait; none = never." in text
    assert "--schedule [constant|cosine]" in text and "[default: cosine]" in text
    assert runner.invoke(command, ["--schedule", "linear"]).exit_code == 2
    out = runner.invoke(command, ["--patience", "none"]).output
    assert "patience=None" in out and "schedule='cosine'" in out


def test_bad_uses_are_named():
    with pytest.raises(TypeError, match="missing: expected a field of a dataclass base"):
        field_defaults(missing=1)(type("X", (Base,), {}))
    with pytest.raises(TypeError, match="steps: X declares it"):
        field_defaults(steps=1)(type("X", (Base,), {"__annotations__": {"steps": "int"}}))
    with pytest.raises(TypeError, match="expected to run before @dataclass on App"):
        field_defaults(steps=1)(App)
