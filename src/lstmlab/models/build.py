"""Build a ``SequenceModel`` for a task from a ``ModelConfig``."""

from __future__ import annotations

from typing import Protocol

from torch import nn

import lstmlab
from lstmlab.cells.options import resolve_variant
from lstmlab.models.config import LSTM_KINDS, ModelConfig, default_heads, lstm_variant
from lstmlab.models.sequence import SequenceModel
from lstmlab.models.transformer import TransformerCore

__all__ = ["build_model", "build_core"]


class TaskShape(Protocol):
    """What a model needs to know about its task (a ``lstmlab.tasks.Task`` has all of it)."""

    input_size: int
    output_size: int
    lag: int
    causal: bool


def build_core(cfg: ModelConfig, input_size: int, lag: int, causal: bool) -> nn.Module:
    """The recurrent layer (time-major) or Transformer encoder that ``cfg.kind`` names."""
    H, L = cfg.hidden, cfg.layers
    heads = cfg.heads or default_heads(H)
    if cfg.kind == "transformer":
        return TransformerCore(H, L, heads, cfg.dropout, causal)
    if cfg.kind == "rnn":
        return lstmlab.RNN(input_size, H, L, dropout=cfg.dropout)
    if cfg.kind == "gru":
        return lstmlab.GRU(input_size, H, L, dropout=cfg.dropout)
    if cfg.kind == "slstm":
        return lstmlab.SLSTM(input_size, H, L, dropout=cfg.dropout, num_heads=heads)
    if cfg.kind == "mlstm":
        return lstmlab.MLSTM(input_size, H, L, dropout=cfg.dropout, num_heads=heads)
    chrono = lag if cfg.chrono else None  # T_max = the task's lag
    if cfg.kind == "mingru":
        return lstmlab.MinGRU(input_size, H, L, dropout=cfg.dropout, chrono=chrono)
    if cfg.kind == "minlstm":
        forget_bias = None if cfg.chrono else cfg.forget_bias
        return lstmlab.MinLSTM(
            input_size, H, L, dropout=cfg.dropout, forget_bias=forget_bias, chrono=chrono
        )
    if cfg.kind in LSTM_KINDS:
        variant = lstm_variant(cfg.kind)
        has_forget_gate = resolve_variant(variant).forget_gate
        forget_bias = cfg.forget_bias if has_forget_gate and not cfg.chrono else None
        return lstmlab.LSTM(
            input_size,
            H,
            L,
            dropout=cfg.dropout,
            variant=variant,
            forget_bias=forget_bias,
            chrono=chrono,
        )
    raise AssertionError(f"kind {cfg.kind!r} passed ModelConfig's check but has no builder")


def build_model(cfg: ModelConfig, task: TaskShape) -> SequenceModel:
    """input map → core → head for ``task``; parameters drawn from torch's global RNG."""
    recurrent = cfg.kind != "transformer"
    project = cfg.input_linear or not recurrent
    input_map = nn.Linear(task.input_size, cfg.hidden) if project else nn.Identity()
    core_input = cfg.hidden if project else task.input_size
    core = build_core(cfg, core_input, task.lag, task.causal)
    head = nn.Linear(cfg.hidden, task.output_size)
    return SequenceModel(input_map, core, head, recurrent)
