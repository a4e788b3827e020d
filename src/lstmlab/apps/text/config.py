"""The text application's run: one dataclass, every knob with its default."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Self

from lstmlab.layers.checks import check_int
from lstmlab.models import ModelConfig
from lstmlab.models.config import RECURRENT_KINDS
from lstmlab.training import LoopConfig

__all__ = ["TextConfig"]


@dataclass(frozen=True)
class TextConfig(LoopConfig):
    """A character model of a corpus, and the Transformer trained beside it (see LoopConfig for
    the loop's own fields; the defaults below replace some of its defaults).

    Attributes:
        corpus: a folder of .txt files (one work each) or one .txt file; None = the works of
            Shakespeare (``lstmlab data get shakespeare``).
        val_works, test_works: names of the works held out (file stems); None = the defaults of
            the corpus (for Shakespeare: Macbeth and Twelfth Night; Hamlet and Much Ado).
        variant: the recurrent core: "lstm" or any LSTM variant, "gru", "rnn".
        hidden, layers, embedding, dropout: its size (embedding: width of the character vectors).
        bptt: characters per training chunk: the span of truncated BPTT, and the Transformer's
            context.
        transformer_layers: layers of the same-budget Transformer baseline (its width is chosen
            to match the recurrent model's parameter count); 0 = no Transformer.
        val_chars: characters of the validation works read by the evaluations during training
            (early stopping, best weights); ``evaluate`` reads all of them. None = all.
        eval_rows, eval_warmup: a recurrent model reads a held-out text as ``eval_rows`` streams,
            each after ``eval_warmup`` unscored characters (see ``streams.recurrent_rows``).
        ngram_orders: the n-gram baseline keeps the order of these with the lowest validation bpc.
        max_seconds: the wall-clock budget of EACH model (recurrent, then Transformer).
    """

    corpus: str | None = None
    val_works: tuple[str, ...] | None = None
    test_works: tuple[str, ...] | None = None
    variant: str = "lstm"
    hidden: int = 384
    layers: int = 1
    embedding: int = 64
    dropout: float = 0.0
    bptt: int = 128
    transformer_layers: int = 4
    val_chars: int | None = 65536
    eval_rows: int = 16
    eval_warmup: int = 256
    ngram_orders: tuple[int, ...] = (5, 6, 7, 8)
    # The loop's knobs, with this application's defaults.
    steps: int = 100_000
    max_seconds: float | None = 240.0
    batch_size: int = 64
    lr: float = 3e-3
    eval_every: int = 100
    patience: int | None = None
    threads: int = 2

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.variant not in RECURRENT_KINDS:
            raise ValueError(
                f"variant: expected one of {', '.join(RECURRENT_KINDS)}, got {self.variant!r}"
            )
        for name in ("embedding", "bptt", "eval_rows"):
            check_int(name, getattr(self, name), 1)
        check_int("transformer_layers", self.transformer_layers, 0)
        check_int("eval_warmup", self.eval_warmup, 0)
        if self.val_chars is not None:
            check_int("val_chars", self.val_chars, 2)
        if not self.ngram_orders or any(n < 1 for n in self.ngram_orders):
            raise ValueError(f"ngram_orders: expected orders >= 1, got {self.ngram_orders}")
        self.model  # validates hidden, layers, dropout

    @property
    def model(self) -> ModelConfig:
        return ModelConfig(
            kind=self.variant, hidden=self.hidden, layers=self.layers, dropout=self.dropout
        )

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        cls._check_known(d)
        tuples = {f.name for f in fields(cls) if "tuple" in str(f.type)}
        return cls(**{k: tuple(v) if k in tuples and v is not None else v for k, v in d.items()})
