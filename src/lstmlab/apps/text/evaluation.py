"""``evaluate_app``: every model of a run and the n-gram baselines, in bits per character."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file

from lstmlab.apps.run import AppFolderError, check_app_folder, train_dir
from lstmlab.apps.text.config import TextConfig
from lstmlab.apps.text.data import describe, encode_splits, load_corpus
from lstmlab.apps.text.model import CharModel
from lstmlab.apps.text.ngram import select_order
from lstmlab.apps.text.scoring import bits_per_char, score, unigram_bits_per_char
from lstmlab.apps.text.train import APP, TRANSFORMER_DIR, VOCAB_FILE, make_models
from lstmlab.apps.text.vocab import Vocabulary
from lstmlab.models import count_parameters
from lstmlab.training import RunResult
from lstmlab.training.loop import MODEL_FILE
from lstmlab.training.seeding import preserved_global_state

__all__ = ["load_run", "evaluate_app", "TRAIN_SAMPLE"]

TRAIN_SAMPLE = 200_000  # characters of the training text also scored (the generalisation gap)


def load_run(out: str | Path) -> tuple[TextConfig, Vocabulary, dict[str, CharModel]]:
    """The config, alphabet and trained models ({"model", "transformer"}) of the run ``out``."""
    out = Path(out)
    cfg = TextConfig.from_dict(check_app_folder(out, APP))
    vocab = Vocabulary.from_json(_read_json(out / VOCAB_FILE))
    recurrent, transformer = make_models(cfg, len(vocab))
    folders = {"model": (recurrent, train_dir(out))}
    if transformer is not None:
        folders["transformer"] = (transformer, out / TRANSFORMER_DIR)
    models = {}
    for name, (make, folder) in folders.items():
        path = folder / MODEL_FILE
        if not path.is_file():
            raise AppFolderError(
                f"out: expected a finished training run in {str(folder)!r}, got none; finish it "
                f"with `lstmlab app text train --out {out} --resume`"
            )
        with torch.random.fork_rng():  # the initial weights are overwritten: leave the RNG be
            model = make()
        model.load_state_dict(load_file(path))
        models[name] = model.eval()
    return cfg, vocab, models


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def evaluate_app(out: str | Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict]:
    """(model scores, baseline scores, data summary) on the full validation and test works."""
    out = Path(out)
    cfg, vocab, models = load_run(out)
    corpus = load_corpus(cfg)
    splits = encode_splits(corpus, vocab)
    scores: dict[str, dict[str, Any]] = {}
    with preserved_global_state(cfg.threads):
        for name, model in models.items():
            folder = train_dir(out) if name == "model" else out / TRANSFORMER_DIR
            result = RunResult.load(folder)
            entry: dict[str, Any] = {}
            # A slice of the training text too: the gap to it is what held-out works cost.
            texts = {**splits, "train_sample": splits["train"][:TRAIN_SAMPLE]}
            for split in ("test", "val", "train_sample"):
                t = time.perf_counter()
                nll, n = score(
                    model, texts[split], rows=cfg.eval_rows, warmup=cfg.eval_warmup,
                    context=cfg.context,
                )  # fmt: skip
                entry[f"{split}_bpc"] = bits_per_char(nll, n)
                entry[f"{split}_seconds"] = time.perf_counter() - t
            entry |= {
                "params": count_parameters(model),
                "steps": result.steps,
                "train_seconds": result.wall_time,
                "stop_reason": result.stop_reason,
                "kind": cfg.variant if name == "model" else "transformer (causal)",
            }
            scores[name] = entry
    train, val, test = (splits[s].numpy().astype(np.int64) for s in ("train", "val", "test"))
    t = time.perf_counter()
    orders = range(cfg.ngram_min_order, cfg.ngram_max_order + 1)
    ngram, by_order = select_order(train, val, len(vocab), orders)
    scores[f"kneser_ney_{ngram.order}gram"] = {
        "test_bpc": ngram.bits_per_char(test),
        "train_sample_bpc": ngram.bits_per_char(train[:TRAIN_SAMPLE]),
        "val_bpc": by_order[ngram.order],
        "val_bpc_by_order": {str(k): v for k, v in by_order.items()},
        "fit_seconds": time.perf_counter() - t,
    }
    scores["unigram"] = {
        "test_bpc": unigram_bits_per_char(splits["train"], splits["test"], len(vocab)),
        "val_bpc": unigram_bits_per_char(splits["train"], splits["val"], len(vocab)),
    }
    model = scores.pop("model")
    data = describe(cfg, corpus, vocab)
    data["log2_alphabet"] = math.log2(len(vocab))
    return model, scores, data
