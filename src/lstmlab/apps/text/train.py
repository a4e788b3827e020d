"""``train_app``: the character model, then the same-budget Transformer, through the one loop."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import torch
from rich.console import Console

from lstmlab.apps.run import init_app_folder, train_dir
from lstmlab.apps.text.config import TextConfig
from lstmlab.apps.text.data import encode_splits, load_corpus
from lstmlab.apps.text.model import CharModel, matched_transformer
from lstmlab.apps.text.problem import TextProblem
from lstmlab.apps.text.vocab import Vocabulary
from lstmlab.models import count_parameters
from lstmlab.training import RunResult, fit
from lstmlab.training.atomic import write_json_atomic

__all__ = ["APP", "VOCAB_FILE", "TRANSFORMER_DIR", "train_app", "make_models", "make_problem"]

APP = "text"
VOCAB_FILE = "vocab.json"
TRANSFORMER_DIR = "transformer"  # the baseline's training run, beside train/


def make_models(cfg: TextConfig, vocab_size: int):
    """(make the recurrent model, make the parameter-matched Transformer or None)."""

    def recurrent() -> CharModel:
        return CharModel(vocab_size, cfg.model, cfg.embedding, cfg.bptt)

    if cfg.transformer_layers == 0:
        return recurrent, None
    with torch.random.fork_rng():  # building models to count parameters must not move the RNG
        target = count_parameters(recurrent())
        tcfg, _ = matched_transformer(vocab_size, target, cfg.transformer_layers, cfg.context)
    return recurrent, lambda: CharModel(vocab_size, tcfg, tcfg.hidden, cfg.context)


def make_problem(cfg: TextConfig, splits, transformer: bool = False) -> TextProblem:
    """The recurrent model's chunks of ``bptt``, or the Transformer's windows of ``context``
    (as many characters per step)."""
    return TextProblem(
        splits,
        batch_size=cfg.transformer_batch_size if transformer else cfg.batch_size,
        span=cfg.context if transformer else cfg.bptt,
        eval_rows=cfg.eval_rows,
        eval_warmup=cfg.eval_warmup,
        val_chars=cfg.val_chars,
    )


def train_app(
    cfg: TextConfig,
    out: str | Path,
    *,
    resume: bool = False,
    progress: bool = True,
    console: Console | None = None,
) -> dict[str, RunResult]:
    """Train into the run folder ``out``; returns {"model": ..., "transformer": ...} results."""
    out = Path(out)
    corpus = load_corpus(cfg)  # bad input fails before anything is written
    vocab = Vocabulary.of(corpus.train, corpus.val, corpus.test)
    splits = encode_splits(corpus, vocab)
    make_problem(cfg, splits, transformer=cfg.transformer_layers > 0)  # checks sizes early
    init_app_folder(out, APP, cfg.to_dict())
    write_json_atomic(out / VOCAB_FILE, vocab.to_json())
    recurrent, transformer = make_models(cfg, len(vocab))
    runs = {"model": (recurrent, train_dir(out), f"char-{cfg.variant} {cfg.hidden}")}
    if transformer is not None:
        runs["transformer"] = (transformer, out / TRANSFORMER_DIR, "char-transformer")
    return {
        name: fit(
            make_problem(cfg, splits, transformer=name == "transformer"),
            make,
            replace(cfg, out_dir=str(folder)),
            resume=resume,
            progress=progress,
            console=console,
            label=label,
        )
        for name, (make, folder, label) in runs.items()
    }
