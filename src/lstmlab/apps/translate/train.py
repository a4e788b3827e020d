"""``train``: the main model, then its baselines at the same wall-clock budget."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rich.console import Console

from lstmlab.apps.run import init_app_folder, train_dir
from lstmlab.apps.translate.batches import Vocabs
from lstmlab.apps.translate.config import TranslateConfig
from lstmlab.apps.translate.problem import TranslateProblem
from lstmlab.apps.translate.runs import (
    APP,
    baseline_configs,
    baseline_dir,
    build_model,
    load_split,
    load_vocabs,
    save_vocabs,
)
from lstmlab.training import RunResult, fit
from lstmlab.training.distributed import from_rank0, session

__all__ = ["train_app"]


def _fit(
    cfg: TranslateConfig, vocabs: Vocabs, split, resume, progress, console, label, distributed
):
    problem = TranslateProblem(
        split,
        vocabs,
        batch_size=cfg.batch_size,
        seed=cfg.seed,
        eval_batch_size=cfg.eval_batch_size,
    )
    return fit(
        problem,
        lambda: build_model(cfg, vocabs),
        cfg,
        resume=resume,
        progress=progress,
        console=console,
        label=label,
        distributed=distributed,
    )


def train_app(
    cfg: TranslateConfig,
    out: str | Path,
    *,
    baselines: bool = True,
    resume: bool = False,
    progress: bool = True,
    console: Console | None = None,
    distributed: bool = False,
) -> dict[str, RunResult]:
    """Train ``cfg`` into ``out`` (and each baseline into ``out/baselines/NAME``);
    ``distributed``: as one rank of a data-parallel run (``fit``)."""
    with session(distributed) as ranks:

        def prepare_folder() -> Vocabs:  # rank 0 alone writes the run folder
            init_app_folder(out, APP, cfg.to_dict())
            split = load_split(cfg)
            vocab_file = Path(out) / "vocab.json"
            resumed = resume and vocab_file.is_file()
            vocabs = load_vocabs(out) if resumed else Vocabs.build(split.train)
            save_vocabs(out, vocabs)
            return vocabs

        vocabs = from_rank0(prepare_folder, ranks)
        split = load_split(cfg)
        main_cfg = replace(cfg, out_dir=str(train_dir(out)))
        label = f"{cfg.architecture} {cfg.variant} {cfg.attention}"
        run = (resume, progress, console)
        results = {"model": _fit(main_cfg, vocabs, split, *run, label, distributed)}
        if baselines:
            budget = results["model"].wall_time  # the same wall-clock budget for every model
            for name, b_cfg in baseline_configs(cfg, vocabs).items():
                b_cfg = replace(b_cfg, max_seconds=budget, out_dir=str(baseline_dir(out, name)))
                results[name] = _fit(b_cfg, vocabs, split, *run, name, distributed)
    return results
