"""What a study's trials train on: one of the lab's tasks, or an application's data set.

A target is the fixed part of every trial (a config of the one training loop with the study's
budget and no early stopping) and the way to run it; a trial changes only what the search
space samples (``SearchSpace.sample``): the variant, the hidden size, the learning rate, the
momentum and, where the problem has real-valued inputs to perturb, the input noise.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from lstmlab.training import LoopConfig, RunResult, TrainConfig, fit, train

__all__ = ["Target", "task_target", "app_target", "parse_app_option", "kind_of_variant"]


def kind_of_variant(variant: str) -> str:
    """The model kind (``ModelConfig.kind``) of an LSTM variant name."""
    return "lstm" if variant == "vanilla" else variant


@dataclass(frozen=True)
class Target:
    """The fixed part of every trial and how to train one.

    Attributes:
        base: the config every trial starts from.
        noise: whether trials sample input noise (the config has ``input_noise``).
        runner: ``runner(cfg, resume=..., progress=..., on_evaluate=...) -> RunResult``.
    """

    base: LoopConfig
    noise: bool
    runner: Callable[..., RunResult]

    def config(self, params: Mapping[str, Any], out_dir: str) -> LoopConfig:
        """``base`` with a trial's sampled ``params`` and its run folder."""
        common = dict(
            lr=params["lr"],
            optimizer=params["optimizer"],
            momentum=params["momentum"],
            out_dir=out_dir,
        )
        if "input_noise" in params:
            common["input_noise"] = params["input_noise"]
        if isinstance(self.base, TrainConfig):
            model = replace(
                self.base.model, kind=kind_of_variant(params["variant"]), hidden=params["hidden"]
            )
            return replace(self.base, model=model, **common)
        return replace(self.base, variant=params["variant"], hidden=params["hidden"], **common)


def task_target(task: str, lag: int, max_seconds: float, steps: int, seed: int) -> Target:
    """A task of the lab: one fixed split for every trial, the study's budget, no early stop."""
    base = TrainConfig(
        task=task,
        lag=lag,
        steps=steps,
        max_seconds=max_seconds,
        patience=None,  # the paper ran every trial to the end
        seed=seed,
        threads=1,
        n_val=256,
        n_test=512,
        eval_every=100,
    )
    return Target(base, noise=True, runner=train)


def _load(ref: str) -> Any:
    module, name = ref.split(":")
    return getattr(importlib.import_module(module), name)


def parse_app_option(text: str) -> tuple[str, Any]:
    """``"KEY=VALUE"`` with VALUE read as JSON when it parses (numbers, true, null), else text."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ValueError(f"app_options: expected KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def app_target(
    app: str, options: Mapping[str, Any], max_seconds: float, steps: int, seed: int
) -> Target:
    """An application's data set (``lstmlab.apps.STUDY_TARGETS``), its config built from its
    defaults, ``options`` (fixed for every trial) and the study's budget."""
    from lstmlab.apps import STUDY_TARGETS  # the study sits beside the apps, not below them

    if app not in STUDY_TARGETS:
        raise ValueError(f"app: expected one of {', '.join(STUDY_TARGETS)}, got {app!r}")
    config_ref, training_ref = STUDY_TARGETS[app]
    cls = _load(config_ref)
    names = {f.name for f in fields(cls)}
    sampled = {"variant", "hidden", "lr", "optimizer", "momentum", "input_noise", "out_dir"}
    fixed = {"steps", "max_seconds", "patience", "seed", "threads"}
    bad = sorted(set(options) - names) or sorted(set(options) & (sampled | fixed))
    if bad:
        raise ValueError(
            f"app_options: expected fields of {cls.__name__} other than those the study samples "
            f"or fixes ({', '.join(sorted(sampled | fixed))}), got {bad}"
        )
    base = cls(**options, steps=steps, max_seconds=max_seconds, patience=None, seed=seed, threads=1)
    training = _load(training_ref)

    def runner(cfg: LoopConfig, **kwargs: Any) -> RunResult:
        problem, make_model = training(cfg)
        return fit(problem, make_model, cfg, **kwargs)

    return Target(base, noise="input_noise" in names, runner=runner)
