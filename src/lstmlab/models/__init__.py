"""Sequence models for the long-range memory lab: recurrent cores and a Transformer baseline."""

from lstmlab.models.build import build_core, build_model
from lstmlab.models.config import (
    LSTM_KINDS,
    MIN_KINDS,
    MODEL_KINDS,
    RECURRENT_KINDS,
    XLSTM_KINDS,
    ModelConfig,
    default_heads,
    lstm_variant,
)
from lstmlab.models.positional import SinusoidalPositions
from lstmlab.models.sequence import SequenceModel, count_parameters
from lstmlab.models.transformer import TransformerCore
from lstmlab.serialization import register_safe_globals

register_safe_globals([SequenceModel, TransformerCore, SinusoidalPositions])

__all__ = [
    "LSTM_KINDS",
    "MIN_KINDS",
    "MODEL_KINDS",
    "RECURRENT_KINDS",
    "XLSTM_KINDS",
    "ModelConfig",
    "SequenceModel",
    "TransformerCore",
    "build_core",
    "build_model",
    "count_parameters",
    "default_heads",
    "lstm_variant",
]
