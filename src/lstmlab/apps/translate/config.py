"""What a translation run does: one dataclass, every knob with its default (the CLI maps it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lstmlab.apps.translate.messages import CATALOGS
from lstmlab.apps.translate.numbers import NumberSettings
from lstmlab.apps.translate.recurrent import ATTENTIONS
from lstmlab.checks import ArgumentError, check_choice, check_int
from lstmlab.fields import config_field, field_defaults
from lstmlab.models.config import RECURRENT_KINDS
from lstmlab.training.config import LoopConfig

__all__ = ["TranslateConfig", "DATASETS", "ARCHITECTURES"]

DATASETS = ("numbers", "messages")
ARCHITECTURES = ("recurrent", "transformer")


@dataclass(frozen=True)
@field_defaults(  # the loop's knobs, with this application's defaults
    steps=2000, batch_size=64, lr=3e-3, eval_every=250, patience=8, threads=2
)
class TranslateConfig(LoopConfig):
    """One English → French translation model and the loop that trains it.

    The loop's fields keep their meaning (``LoopConfig``); the defaults below train the
    attention model on the number phrases in a few minutes on two cores.
    """

    data: Literal["numbers", "messages"] = config_field(
        "numbers", "numbers: num2words phrases; messages: gettext catalog sentences."
    )
    max_number: int = config_field(99999, "numbers: phrases of 0..max_number (>= 1000).")
    n_val: int = config_field(300, "numbers: validation phrases.")
    catalogs: str = config_field(
        ",".join(CATALOGS), "messages: comma-separated gettext domains of /usr/share/locale/fr."
    )
    architecture: Literal["recurrent", "transformer"] = config_field(
        "recurrent", "recurrent encoder-decoder or the Transformer."
    )
    variant: str = config_field("lstm", f"recurrent core: one of {', '.join(RECURRENT_KINDS)}.")
    attention: Literal["none", "bahdanau", "luong"] = config_field(
        "bahdanau", "none (Sutskever 2014), bahdanau (additive) or luong (multiplicative)."
    )
    embedding: int = config_field(64, "word embedding size.")
    hidden: int = config_field(128, "recurrent hidden size H.")
    d_model: int | None = config_field(
        None,
        "Transformer width; none = the width whose parameter count is closest "
        "to the recurrent model of the same config.",
    )
    transformer_layers: int = config_field(2, "Transformer encoder and decoder layers.")
    dropout: float = config_field(0.0, "dropout on embeddings and outputs.")
    eval_batch_size: int = config_field(500, "sentences per evaluation batch.")

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
