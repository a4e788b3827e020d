"""A translation run folder: its data, vocabularies, the model and its baselines.

DIR/app.json, DIR/train/         (``lstmlab.apps.run``) the main model's training run
DIR/vocab.json                   the English and French words the models know
DIR/baselines/NAME/              each baseline's training run (``fit`` folders)
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

from torch import nn

from lstmlab.apps.translate.batches import Vocabs
from lstmlab.apps.translate.config import TranslateConfig
from lstmlab.apps.translate.messages import message_split
from lstmlab.apps.translate.numbers import number_split
from lstmlab.apps.translate.pairs import Split
from lstmlab.apps.translate.recurrent import RecurrentSeq2Seq
from lstmlab.apps.translate.transformer import TransformerSeq2Seq
from lstmlab.data import cache_dir
from lstmlab.models import count_parameters
from lstmlab.training.atomic import write_json_atomic

__all__ = [
    "APP",
    "load_split",
    "build_model",
    "matched_d_model",
    "matched_hidden",
    "baseline_configs",
    "save_vocabs",
    "load_vocabs",
    "baseline_dir",
]

APP = "translate"
VOCAB_FILE = "vocab.json"


def load_split(cfg: TranslateConfig) -> Split:
    if cfg.data == "numbers":
        return number_split(cfg.numbers(), cache_dir() / APP)
    return message_split(cfg.domains)


def _recurrent(cfg: TranslateConfig, vocabs: Vocabs) -> RecurrentSeq2Seq:
    return RecurrentSeq2Seq(
        len(vocabs.src),
        len(vocabs.tgt),
        cfg.embedding,
        cfg.hidden,
        variant=cfg.variant,
        attention=cfg.attention,
        dropout=cfg.dropout,
    )


def _transformer(cfg: TranslateConfig, vocabs: Vocabs, d_model: int) -> TransformerSeq2Seq:
    return TransformerSeq2Seq(
        len(vocabs.src), len(vocabs.tgt), d_model, cfg.transformer_layers, dropout=cfg.dropout
    )


def matched_d_model(cfg: TranslateConfig, vocabs: Vocabs) -> int:
    """The Transformer width (a multiple of 4) whose parameter count is closest to that of the
    recurrent model ``cfg`` describes."""
    target = count_parameters(_recurrent(replace(cfg, architecture="recurrent"), vocabs))
    best, best_gap = 8, math.inf
    for d in range(8, 2049, 4):  # the count grows with d: stop once past the target
        n = count_parameters(_transformer(cfg, vocabs, d))
        if abs(n - target) < best_gap:
            best, best_gap = d, abs(n - target)
        if n > target:
            break
    return best


def matched_hidden(cfg: TranslateConfig, vocabs: Vocabs) -> int:
    """The hidden size (a multiple of 8) at which the model without attention has about as many
    parameters as ``cfg``'s model with attention (bidirectional encoder, wider decoder input)."""
    target = count_parameters(_recurrent(cfg, vocabs))
    best, best_gap = 8, math.inf
    for h in range(8, 4097, 8):
        n = count_parameters(_recurrent(replace(cfg, attention="none", hidden=h), vocabs))
        if abs(n - target) < best_gap:
            best, best_gap = h, abs(n - target)
        if n > target:
            break
    return best


def build_model(cfg: TranslateConfig, vocabs: Vocabs) -> nn.Module:
    if cfg.architecture == "recurrent":
        return _recurrent(cfg, vocabs)
    return _transformer(cfg, vocabs, cfg.d_model or matched_d_model(cfg, vocabs))


def baseline_configs(cfg: TranslateConfig, vocabs: Vocabs) -> dict[str, TranslateConfig]:
    """What the main model is compared with, each at the main model's parameter count: the
    recurrent model without attention (a wider hidden state) and the Transformer (each left out
    when it IS the main model).
    Their wall-clock budget is set to the main model's time by the caller."""
    out = {}
    if cfg.architecture == "recurrent" and cfg.attention != "none":
        out["no attention"] = replace(cfg, attention="none", hidden=matched_hidden(cfg, vocabs))
    if cfg.architecture == "recurrent":
        out["transformer"] = replace(
            cfg, architecture="transformer", d_model=cfg.d_model or matched_d_model(cfg, vocabs)
        )
    return out


def baseline_dir(out: str | Path, name: str) -> Path:
    return Path(out) / "baselines" / name.replace(" ", "-")


def save_vocabs(out: str | Path, vocabs: Vocabs) -> None:
    write_json_atomic(Path(out) / VOCAB_FILE, vocabs.to_dict())


def load_vocabs(out: str | Path) -> Vocabs:
    return Vocabs.from_dict(json.loads((Path(out) / VOCAB_FILE).read_text()))
