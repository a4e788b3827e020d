"""Options generated from a config dataclass: every field reachable, errors on the right option."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import click
from click.testing import CliRunner

from lstmlab.cli.dataclass_options import config_from_options, dataclass_options
from lstmlab.training import LoopConfig


@dataclass(frozen=True)
class Demo(LoopConfig):
    horizon: int = field(default=48, metadata={"help": "Steps to forecast."})
    mode: Literal["a", "b"] = "a"
    cap: float | None = None
    fancy: bool = False
    steps: int = 7  # a loop field with an app's own default


def _command():
    @click.command()
    @dataclass_options(Demo, exclude=("out_dir",))
    def run(**values):
        click.echo(repr(config_from_options(Demo, values)))

    return run


def test_every_field_becomes_an_option_with_its_default_and_help():
    runner = CliRunner()
    text = runner.invoke(_command(), ["--help"]).output
    for f in ("--horizon", "--mode", "--cap", "--fancy / --no-fancy", "--lr", "--weight-decay"):
        assert f in text
    assert "--out-dir" not in text and "Steps to forecast." in text
    out = runner.invoke(_command(), []).output
    assert "steps=7" in out and "horizon=48" in out and "cap=None" in out


def test_values_none_and_choices():
    out = CliRunner().invoke(_command(), ["--cap", "2.5", "--mode", "b", "--fancy"]).output
    assert "cap=2.5" in out and "mode='b'" in out and "fancy=True" in out
    out = CliRunner().invoke(_command(), ["--cap", "none", "--max-seconds", "none"]).output
    assert "cap=None" in out


def test_config_errors_name_the_option():
    result = CliRunner().invoke(_command(), ["--lr", "-1"])
    assert result.exit_code == 2
    assert "Invalid value for --lr: lr: expected a number > 0, got -1.0" in result.output
