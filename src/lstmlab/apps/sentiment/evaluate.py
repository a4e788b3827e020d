"""``evaluate``: the trained model and the baselines on the same test split, into metrics.json."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from lstmlab.apps.run import train_dir, write_app_metrics
from lstmlab.apps.sentiment.baselines import TFIDF_GRID, majority_baseline, tfidf_lr_baseline
from lstmlab.apps.sentiment.corpus import LABELS
from lstmlab.apps.sentiment.run import data_summary, load_run, load_splits, make_problem
from lstmlab.models import count_parameters
from lstmlab.training.result import METRICS

__all__ = ["evaluate_run"]


def evaluate_run(out: str | Path) -> dict[str, Any]:
    """Score the finished run in ``out`` and its baselines on its test split; write and return
    ``out/metrics.json``."""
    cfg, vocab, model = load_run(out)
    corpus, splits = load_splits(cfg)
    problem = make_problem(cfg, vocab, splits)
    trained = json.loads((train_dir(out) / METRICS).read_text())
    test = problem.evaluate(model, "test")
    model_metrics = {
        "accuracy": test["accuracy"],
        "macro_f1": test["macro_f1"],
        "val_accuracy": problem.evaluate(model, "val")["accuracy"],
        "train_seconds": trained["wall_time"],
    }
    start = time.perf_counter()
    tfidf = tfidf_lr_baseline(splits["train"], splits["val"], splits["test"])
    tfidf_seconds = time.perf_counter() - start
    majority = majority_baseline(splits["train"], splits["test"])
    baselines = {
        "majority": {k: majority[k] for k in ("accuracy", "macro_f1")},
        "tfidf_lr": {
            **{k: tfidf[k] for k in ("accuracy", "macro_f1", "val_accuracy")},
            "train_seconds": tfidf_seconds,  # the validation grid and the final fit
        },
    }
    settings = {
        "lstm": {
            "model": f"embedding {cfg.embed} → BiLSTM ({cfg.variant}) {cfg.layers}×{cfg.hidden} "
            f"per direction → {cfg.pooling} pooling → linear",
            "params": count_parameters(model),
            "steps": trained["steps"],
            "selected_step": trained["selected_step"],
            "stop_reason": trained["stop_reason"],
            "test_loss": test["loss"],
        },
        "majority": {"label": LABELS[majority["label"]]},
        "tfidf_lr": {k: tfidf[k] for k in ("char_ngrams", "C")} | {"grid": TFIDF_GRID},
    }
    data = data_summary(cfg, corpus, splits, vocab) | {"settings": settings}
    return write_app_metrics(out, model_metrics, baselines, data)
