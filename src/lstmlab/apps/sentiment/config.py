"""What a sentiment run is: one frozen dataclass, every knob with its default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lstmlab.apps.sentiment.corpus import CORPORA
from lstmlab.apps.sentiment.model import POOLINGS
from lstmlab.cells.options import resolve_variant
from lstmlab.checks import ArgumentError, check_choice, check_int
from lstmlab.fields import config_field, field_defaults
from lstmlab.training import LoopConfig

__all__ = ["SentimentConfig"]


@dataclass(frozen=True)
@field_defaults(  # the loop's knobs, with this application's defaults
    steps=1600, batch_size=64, lr=3e-3, weight_decay=0.05, eval_every=80, patience=6
)
class SentimentConfig(LoopConfig):
    """A sentiment run: the loop's knobs (``LoopConfig``, some with other defaults) and these.

    Attributes:
        corpus: a name of ``CORPORA`` ("rotten-tomatoes" or "movie-snippets").
        val_fraction, test_fraction: shares of the corpus held out (stratified, drawn from
            ``seed``); the rest trains. The validation part picks the weights (and tunes the
            TF-IDF baseline); the test part is read once, at the end.
        min_count: a token joins the vocabulary if it occurs this often in the training split.
        max_len: tokens read per sentence (longer ones are cut; the corpora's longest have ~80).
        embed: embedding size E.
        hidden: LSTM units H per direction.
        layers: stacked bidirectional layers.
        variant: the LSTM variant (``lstmlab.LSTM(variant=...)``): vanilla, peephole, cifg, ...
        pooling: "max", "mean" or "last" (``SentimentLSTM``).
        dropout: on the embeddings, the pooled vector and between layers.
        eval_batch_size: sentences per forward pass when evaluating.

    The defaults were picked on the validation split of rotten-tomatoes (seed 0): E=128, H=128,
    lr 2e-3 without weight decay reached 0.780 validation accuracy; E=96, H=64, lr 3e-3 with
    AdamW weight decay 0.05 reached 0.811 (README, "Applications").
    """

    corpus: Literal["rotten-tomatoes", "movie-snippets"] = config_field(
        "rotten-tomatoes", "The labelled sentences to train on."
    )
    val_fraction: float = config_field(0.1, "Share of the corpus held out for validation.")
    test_fraction: float = config_field(0.1, "Share of the corpus held out for the test.")
    min_count: int = config_field(
        2, "Training-split occurrences a token needs to join the vocabulary."
    )
    max_len: int = config_field(100, "Tokens read per sentence (longer ones are cut).")
    embed: int = config_field(96, "Embedding size.")
    hidden: int = config_field(64, "LSTM units per direction.")
    layers: int = config_field(1, "Stacked bidirectional LSTM layers.")
    variant: str = config_field(
        "vanilla", "LSTM variant: vanilla, peephole, nig, nfg, nog, niaf, noaf, ..."
    )
    pooling: Literal["max", "mean", "last"] = config_field(
        "max", "Pooling of the outputs over time."
    )
    dropout: float = config_field(0.5, "Dropout on embeddings, pooled vector and between layers.")
    eval_batch_size: int = config_field(512, "Sentences per forward pass when evaluating.")

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice("corpus", self.corpus, tuple(CORPORA))
        check_choice("pooling", self.pooling, POOLINGS)
        resolve_variant(self.variant)  # raises naming the known variants
        for name in ("min_count", "max_len", "embed", "hidden", "layers", "eval_batch_size"):
            check_int(name, getattr(self, name), 1)
        if not 0 <= self.dropout < 1:
            raise ArgumentError(
                f"dropout: expected a probability in [0, 1), got {self.dropout}", "dropout"
            )
