"""The text application's run: one dataclass, every knob with its default (the CLI's options
are generated from its fields)."""

from __future__ import annotations

from dataclasses import dataclass

from lstmlab.checks import check_choice, check_int
from lstmlab.fields import config_field, field_defaults
from lstmlab.models import ModelConfig
from lstmlab.models.config import RECURRENT_KINDS
from lstmlab.training import LoopConfig

__all__ = ["TextConfig"]


@dataclass(frozen=True)
@field_defaults(  # the loop's knobs, with this application's defaults
    steps=1_000_000,
    max_seconds=240.0,
    batch_size=16,
    lr=5e-3,
    eval_every=500,
    patience=None,
    threads=1,
)
class TextConfig(LoopConfig):
    """A character model of a corpus, and the Transformer trained beside it at the same
    parameter count and wall-clock budget (LoopConfig documents the loop's own fields; this class
    gives some of them other defaults).

    Attributes:
        corpus: a folder of .txt files (one work each) or one .txt file (cut into 20 parts);
            None = the works of Shakespeare (``lstmlab data get shakespeare``).
        val_works, test_works: comma-separated names of the held-out works (file stems); None =
            the corpus's defaults (Shakespeare: macbeth,twelfth_night and
            hamlet,much_ado_about_nothing; otherwise the second-last and the last work by name).
        variant: the recurrent core: "lstm" or any LSTM variant, "gru", "rnn".
        hidden, layers, embedding, dropout: its size (embedding: width of the character vectors).
        bptt: characters per training chunk of the recurrent model: the span of truncated BPTT.
        context: the Transformer's window, in training and evaluation; it trains on
            batch_size · bptt / context windows per step, the same characters per step.
        transformer_layers: layers of the Transformer baseline (its width is chosen to match the
            recurrent model's parameter count); 0 = no Transformer.
        val_chars: characters of the validation works read by the evaluations during training
            (best weights, early stopping); ``evaluate`` reads all of them. None = all.
        eval_rows, eval_warmup: a recurrent model reads a held-out text as ``eval_rows`` streams,
            each after ``eval_warmup`` unscored characters (``streams.recurrent_rows``).
        ngram_min_order, ngram_max_order: the n-gram baseline keeps the order in this range with
            the lowest validation bits per character.
        max_seconds: the wall-clock budget of EACH trained model (recurrent, then Transformer).
        threads: 1 by default: on a machine shared with other jobs, the fused kernel's per-step
            barrier between two threads cost 3–6× in throughput (measured at load ~14 on 2 cores).
    """

    corpus: str | None = config_field(None, "Folder of .txt works or one .txt.")
    val_works: str | None = config_field(None, "Held-out validation works.")
    test_works: str | None = config_field(None, "Held-out test works.")
    variant: str = config_field("lstm", f"Recurrent core: {', '.join(RECURRENT_KINDS)}.")
    hidden: int = config_field(256, "Hidden units of the recurrent core.")
    layers: int = config_field(1, "Stacked recurrent layers.")
    embedding: int = config_field(64, "Width of the character vectors.")
    dropout: float = config_field(0.0, "Dropout between stacked layers.")
    bptt: int = config_field(64, "Truncated-BPTT span of the recurrent model.")
    context: int = config_field(128, "The Transformer's context window.")
    transformer_layers: int = config_field(4, "Layers of the same-budget Transformer; 0 = none.")
    val_chars: int | None = config_field(32768, "Validation characters read during training.")
    eval_rows: int = 16
    eval_warmup: int = 256
    ngram_min_order: int = 5
    ngram_max_order: int = 8

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice("variant", self.variant, RECURRENT_KINDS)
        for name in ("embedding", "bptt", "context", "eval_rows"):
            check_int(name, getattr(self, name), 1)
        check_int("transformer_layers", self.transformer_layers, 0)
        check_int("eval_warmup", self.eval_warmup, 0)
        check_int("ngram_min_order", self.ngram_min_order, 1)
        check_int("ngram_max_order", self.ngram_max_order, self.ngram_min_order)
        if self.val_chars is not None:
            check_int("val_chars", self.val_chars, 2)
        check_int("batch_size · bptt / context", self.transformer_batch_size, 1)
        self.model  # noqa: B018 -- validates hidden, layers, dropout

    @property
    def model(self) -> ModelConfig:
        return ModelConfig(
            kind=self.variant, hidden=self.hidden, layers=self.layers, dropout=self.dropout
        )

    @property
    def transformer_batch_size(self) -> int:
        return self.batch_size * self.bptt // self.context

    @property
    def held_out(self) -> tuple[list[str] | None, list[str] | None]:
        """(validation works, test works) as lists of names, None where not given."""
        return _names(self.val_works), _names(self.test_works)


def _names(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [n.strip() for n in value.split(",") if n.strip()] or None
