"""``evaluate``: every trained model of a run on the held-out split, greedy and beam search."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from lstmlab.apps.run import check_app_folder, train_dir, trained_model_file
from lstmlab.apps.translate import runs as app_runs
from lstmlab.apps.translate.batches import Vocabs, make_batch
from lstmlab.apps.translate.config import TranslateConfig
from lstmlab.apps.translate.metrics import exact_by_group, translation_scores
from lstmlab.apps.translate.numbers import held_out_rule, range_of
from lstmlab.apps.translate.pairs import Pair
from lstmlab.apps.translate.problem import greedy_texts, max_target_len
from lstmlab.apps.translate.search import beam_search
from lstmlab.apps.translate.tokens import tokenize
from lstmlab.models import count_parameters
from lstmlab.training import RunResult, load_trained

__all__ = ["load_models", "score_model", "evaluate_app"]


def load_models(out: str | Path) -> tuple[TranslateConfig, Vocabs, dict[str, tuple]]:
    """(config, vocabularies, {name: (model, RunResult)}) of every finished training run in out."""
    cfg = TranslateConfig.from_dict(check_app_folder(out, app_runs.APP))
    trained_model_file(out, app_runs.APP)  # a clear error if the main run is not finished
    vocabs = app_runs.load_vocabs(out)
    runs = {"model": (cfg, train_dir(out))}
    for name, b_cfg in app_runs.baseline_configs(cfg, vocabs).items():
        if (app_runs.baseline_dir(out, name) / "model.safetensors").is_file():
            runs[name] = (b_cfg, app_runs.baseline_dir(out, name))
    models = {}
    for name, (c, folder) in runs.items():
        model = load_trained(folder, app_runs.build_model(c, vocabs)).eval()
        models[name] = (model, RunResult.load(folder))
    return cfg, vocabs, models


def beam_texts(model: nn.Module, pairs: list[Pair], vocabs: Vocabs, beam: int) -> list[str]:
    hyps = []
    for p in pairs:
        b = make_batch([p], vocabs)
        h = beam_search(model, b.src, b.src_len, beam, max_target_len(b.src.shape[1]))
        hyps.append(" ".join(vocabs.tgt.decode(h.tokens)))
    return hyps


def _groups(pairs: list[Pair], data: str) -> dict[str, list[str]]:
    if data == "numbers":
        return {
            "held-out group": [held_out_rule(int(p.tag)) or "trained" for p in pairs],
            "last two digits": [range_of(int(p.tag)) for p in pairs],
        }
    return {"catalog": [p.tag for p in pairs]}


@torch.no_grad()
def score_model(
    model: nn.Module, result: RunResult, pairs: list[Pair], vocabs: Vocabs, data: str, beam: int
) -> dict[str, Any]:
    """Greedy (and beam) scores of one model on ``pairs``, exact match by group, and its run."""
    hyps, refs = greedy_texts(model, pairs, vocabs, 500)
    row: dict[str, Any] = translation_scores(hyps, refs)
    if beam > 1:
        beam_scores = translation_scores(beam_texts(model, pairs, vocabs, beam), refs)
        row |= {f"beam{beam}_{k}": v for k, v in beam_scores.items() if k != "n"}
    row |= {
        "params": count_parameters(model),
        "steps": result.steps,
        "train_seconds": result.wall_time,
        "val_exact_match": result.val_metrics.get("metric"),
        "groups": {k: exact_by_group(hyps, refs, v) for k, v in _groups(pairs, data).items()},
    }
    return row


def evaluate_app(out: str | Path, beam: int) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Scores of the main model and each baseline on the test split, and the data summary."""
    cfg, vocabs, models = load_models(out)
    split = app_runs.load_split(cfg)
    scores = {
        # beam search is run for the main model only: one sentence at a time, it is the slow part
        name: score_model(
            model, result, split.test, vocabs, cfg.data, beam if name == "model" else 1
        )
        for name, (model, result) in models.items()
    }
    unknown = sum(bool(vocabs.src.unknown(tokenize(p.en))) for p in split.test)
    data = {
        **split.info,
        **{f"{k} pairs": v for k, v in split.counts().items()},
        "test sentences with unknown English words": unknown,
        "english words": len(vocabs.src) - 4,
        "french words": len(vocabs.tgt) - 4,
    }
    return scores, data
