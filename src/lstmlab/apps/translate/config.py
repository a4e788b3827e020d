"""What a translation run does: one dataclass, every knob with its default (the CLI maps it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from lstmlab.apps.translate.messages import CATALOGS
from lstmlab.apps.translate.numbers import NumberSettings
from lstmlab.apps.translate.recurrent import ATTENTIONS
from lstmlab.checks import ArgumentError, check_choice, check_int
from lstmlab.models.config import RECURRENT_KINDS
from lstmlab.training.config import LoopConfig

__all__ = ["TranslateConfig", "DATASETS", "ARCHITECTURES"]

DATASETS = ("numbers", "messages")
ARCHITECTURES = ("recurrent", "transformer")


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class TranslateConfig(LoopConfig):
    """One English → French translation model and the loop that trains it.

    The loop's fields keep their meaning (``LoopConfig``); the defaults below train the
    attention model on the number phrases in a few minutes on two cores.
    """

    data: Literal["numbers", "messages"] = field(
        default="numbers",
        metadata=_help("numbers: num2words phrases; messages: gettext catalog sentences."),
    )
    max_number: int = field(
        default=99999, metadata=_help("numbers: phrases of 0..max_number (>= 1000).")
    )
    n_val: int = field(default=300, metadata=_help("numbers: validation phrases."))
    catalogs: str = field(
        default=",".join(CATALOGS),
        metadata=_help("messages: comma-separated gettext domains of /usr/share/locale/fr."),
    )
    architecture: Literal["recurrent", "transformer"] = field(
        default="recurrent", metadata=_help("recurrent encoder-decoder or the Transformer.")
    )
    variant: str = field(
        default="lstm",
        metadata=_help(f"recurrent core: one of {', '.join(RECURRENT_KINDS)}."),
    )
    attention: Literal["none", "bahdanau", "luong"] = field(
        default="bahdanau",
        metadata=_help("none (Sutskever 2014), bahdanau (additive) or luong (multiplicative)."),
    )
    embedding: int = field(default=64, metadata=_help("word embedding size."))
    hidden: int = field(default=128, metadata=_help("recurrent hidden size H."))
    d_model: int | None = field(
        default=None,
        metadata=_help(
            "Transformer width; none = the width whose parameter count is closest "
            "to the recurrent model of the same config."
        ),
    )
    transformer_layers: int = field(
        default=2, metadata=_help("Transformer encoder and decoder layers.")
    )
    dropout: float = field(default=0.0, metadata=_help("dropout on embeddings and outputs."))
    eval_batch_size: int = field(default=500, metadata=_help("sentences per evaluation batch."))
    steps: int = 2000
    batch_size: int = 64
    lr: float = 3e-3
    eval_every: int = 250
    patience: int | None = 8
    threads: int = 2

    def __post_init__(self) -> None:
        super().__post_init__()
        NumberSettings(self.max_number, self.n_val, self.seed)  # checks both
        for name, allowed in (
            ("data", DATASETS),
            ("architecture", ARCHITECTURES),
            ("variant", RECURRENT_KINDS),
            ("attention", ATTENTIONS),
        ):
            check_choice(name, getattr(self, name), allowed)
        if not self.domains:
            raise ArgumentError(
                f"catalogs: expected comma-separated domains, got {self.catalogs!r}", "catalogs"
            )
        for name in ("embedding", "hidden", "transformer_layers", "eval_batch_size"):
            check_int(name, getattr(self, name), 1)
        if self.d_model is not None:
            check_int("d_model", self.d_model, 8)
        if isinstance(self.dropout, bool) or not 0.0 <= self.dropout < 1.0:
            raise ArgumentError(
                f"dropout: expected a float in [0, 1), got {self.dropout!r}", "dropout"
            )

    @property
    def domains(self) -> tuple[str, ...]:
        return tuple(d.strip() for d in self.catalogs.split(",") if d.strip())

    def numbers(self) -> NumberSettings:
        return NumberSettings(self.max_number, self.n_val, self.seed)
