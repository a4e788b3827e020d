"""Every field of every config dataclass is reachable from the command line that builds it
(options generated from the dataclasses, ``lstmlab.cli.dataclass_options``)."""

from __future__ import annotations

import importlib
import json
from dataclasses import fields

import click
import pytest
from click.testing import CliRunner

from lstmlab.apps import APPS
from lstmlab.cli.compare import compare_command
from lstmlab.cli.diagnose import diagnose_command
from lstmlab.cli.main import cli
from lstmlab.cli.train import train_command
from lstmlab.models import ModelConfig
from lstmlab.study.space import SearchSpace
from lstmlab.study.worker import StudySettings
from lstmlab.training import TrainConfig
from lstmlab.training.result import CONFIG

#: Fields every lab command takes under another name: the model's kind is --model/--models,
#: the run folder --out (compare and diagnose make one folder per run below it).
LAB = {"kind": "kind", "out_dir": "out", "model": None}
GRID = LAB | {"kind": "kinds"}


def _destinations(command: click.Command) -> set[str]:
    return {p.name for p in command.params if isinstance(p, click.Option)}


def _missing(command: click.Command, configs: list[type], renamed: dict) -> list[str]:
    dest = _destinations(command)
    missing = []
    for config in configs:
        for f in fields(config):
            name = renamed.get(f.name, f.name)
            if name is not None and name not in dest:
                missing.append(f"{config.__name__}.{f.name}")
    return missing


@pytest.mark.parametrize(
    ("command", "renamed"),
    [
        (train_command, LAB),
        (compare_command, GRID | {"lag": "lags", "seed": "seeds"}),
        (diagnose_command, GRID),
    ],
    ids=["train", "compare", "diagnose"],
)
def test_every_train_and_model_field_has_an_option(command, renamed):
    assert not _missing(command, [TrainConfig, ModelConfig], renamed)


def test_every_study_field_has_an_option():
    run = cli.commands["study"].commands["run"]
    assert not _missing(run, [StudySettings, SearchSpace], {"space": None})


APP_CONFIGS = {
    "forecast": "lstmlab.apps.forecast.config:ForecastConfig",
    "sentiment": "lstmlab.apps.sentiment.config:SentimentConfig",
    "speech": "lstmlab.apps.speech.config:SpeechConfig",
    "text": "lstmlab.apps.text.config:TextConfig",
    "translate": "lstmlab.apps.translate.config:TranslateConfig",
}


def test_every_app_is_checked():
    assert sorted(APP_CONFIGS) == sorted(APPS)


@pytest.mark.parametrize("app", sorted(APP_CONFIGS))
def test_every_app_config_field_has_an_option(app):
    module, name = APP_CONFIGS[app].split(":")
    config = getattr(importlib.import_module(module), name)
    train = importlib.import_module(APPS[app]).group.commands["train"]
    # The run folder is --out, of which the app's training run is a part.
    assert not _missing(train, [config], {"out_dir": "out"})


def test_the_check_sees_a_missing_field():
    @click.command()
    @click.option("--steps", type=int)
    def partial(steps):
        pass

    assert "TrainConfig.lr" in _missing(partial, [TrainConfig], LAB)


def test_tuning_the_plateau_schedule_from_the_cli(tmp_path):
    """The fields the issue found missing (plateau_factor, plateau_patience, eval_batch_size)
    reach the run's config."""

    out = tmp_path / "run"
    args = ["train", "--task", "adding", "--lag", "5", "--hidden", "4", "--steps", "2"]
    args += ["--eval-every", "1", "--n-val", "8", "--n-test", "8", "--quiet", "--out", str(out)]
    args += ["--schedule", "plateau", "--plateau-factor", "0.25", "--plateau-patience", "2"]
    args += ["--eval-batch-size", "4"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    stored = TrainConfig.from_dict(json.loads((out / CONFIG).read_text()))
    assert (stored.plateau_factor, stored.plateau_patience, stored.eval_batch_size) == (0.25, 2, 4)
