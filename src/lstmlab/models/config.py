"""What model to build: one dataclass, every knob with its default."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from lstmlab.cells.options import VARIANTS
from lstmlab.checks import (
    ArgumentError,
    ArgumentTypeError,
    check_choice,
    check_fraction,
    check_int,
)
from lstmlab.fields import config_field

__all__ = [
    "ModelConfig",
    "MODEL_KINDS",
    "LSTM_KINDS",
    "RECURRENT_KINDS",
    "XLSTM_KINDS",
    "MIN_KINDS",
    "lstm_variant",
    "default_heads",
]

#: "lstm" is the vanilla LSTM; every other name of ``lstmlab.cells.options.VARIANTS`` (except the
#: alias "vanilla" itself) is a kind of its own, so ``--model cifg`` and ``--variant cifg`` agree.
LSTM_KINDS: tuple[str, ...] = ("lstm", *(v for v in VARIANTS if v != "vanilla"))
RECURRENT_KINDS: tuple[str, ...] = ("rnn", "gru", *LSTM_KINDS)
#: The xLSTM cells (Beck et al. 2024): ``lstmlab.SLSTM`` and ``lstmlab.MLSTM``, with heads.
XLSTM_KINDS: tuple[str, ...] = ("slstm", "mlstm")
#: minLSTM and minGRU (Feng et al. 2024): recurrent cores of the lab, not of the applications
#: (whose recurrent cores accept ``RECURRENT_KINDS``).
MIN_KINDS: tuple[str, ...] = ("minlstm", "mingru")
MODEL_KINDS: tuple[str, ...] = (*RECURRENT_KINDS, *XLSTM_KINDS, *MIN_KINDS, "transformer")


def lstm_variant(kind: str) -> str:
    """The ``variant=`` name of ``lstmlab.LSTM`` for an LSTM kind."""
    return "vanilla" if kind == "lstm" else kind


def default_heads(d_model: int) -> int:
    """Most heads (of 8, 4, 2, 1) that divide d_model with at least 16 dimensions each."""
    for heads in (8, 4, 2):
        if d_model % heads == 0 and d_model // heads >= 16:
            return heads
    return 1


@dataclass(frozen=True)
class ModelConfig:
    """A sequence model: input map → recurrent core (or Transformer encoder) → linear head.

    Attributes:
        kind: one of ``MODEL_KINDS``: "rnn", "gru", "lstm" (vanilla), an LSTM variant name of
            Greff et al. 2015 ("peephole", "nig", "nfg", "nog", "niaf", "noaf", "np", "cifg",
            "fgr"), "slstm" or "mlstm" (xLSTM, Beck et al. 2024), "minlstm", "mingru" (Feng et
            al. 2024) or "transformer".
        hidden: hidden size H of the core (d_model for the Transformer).
        layers: stacked recurrent layers (encoder layers for the Transformer).
        dropout: dropout between stacked layers (inside each Transformer layer).
        forget_bias: initial forget-gate bias of LSTM kinds. 1.0 follows Jozefowicz et al. 2015
            (§2.2): the cell starts by remembering. None keeps the uniform init. Ignored by
            kinds without a forget gate ("rnn", "gru", "nfg", "mingru", "transformer") and by
            "slstm" and "mlstm", which keep the xLSTM authors' forget-gate initialisation.
        chrono: chrono initialisation of the LSTM gate biases (Tallec & Ollivier 2018, §4) with
            T_max = the task's lag; replaces ``forget_bias``. Also for "minlstm" and "mingru"
            (their forget / update gate biases, see ``lstmlab.MinLSTM``).
        input_linear: a learned linear map input_size → hidden before a recurrent core. Off by
            default: the LSTM of Hochreiter & Schmidhuber 1997 reads its inputs directly. The
            Transformer always has it (its d_model is ``hidden``).
        heads: attention heads of the Transformer, or heads of the sLSTM's recurrence and the
            mLSTM's memory; None picks ``default_heads(hidden)``.
    """

    kind: str = config_field("lstm", "Model kind.", choices=MODEL_KINDS)
    hidden: int = config_field(64, "Hidden size H (d_model of the Transformer).")
    layers: int = config_field(1, "Stacked recurrent (or encoder) layers.")
    dropout: float = config_field(0.0, "Dropout between layers.")
    forget_bias: float | None = config_field(1.0, "Initial LSTM forget-gate bias, or 'none'.")
    chrono: bool = config_field(False, "Chrono init of LSTM gate biases with T_max = lag.")
    input_linear: bool = config_field(False, "Learned input map before a recurrent core.")
    heads: int | None = config_field(
        None,
        "Heads of the Transformer's attention, the sLSTM's recurrence or the mLSTM's memory; "
        "none = most of 8,4,2,1 with >= 16 dimensions each.",
    )

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, MODEL_KINDS)
        check_int("hidden", self.hidden, 1)
        check_int("layers", self.layers, 1)
        check_fraction("dropout", self.dropout, what="a float")
        if self.forget_bias is not None and (
            isinstance(self.forget_bias, bool) or not isinstance(self.forget_bias, int | float)
        ):
            raise ArgumentTypeError(
                f"forget_bias: expected a float or None, got {self.forget_bias!r}", "forget_bias"
            )
        if self.forget_bias is not None and not math.isfinite(self.forget_bias):
            raise ArgumentError(
                f"forget_bias: expected a finite float or None, got {self.forget_bias}",
                "forget_bias",
            )
        if self.chrono and self.kind not in (*LSTM_KINDS, *MIN_KINDS):
            raise ArgumentError(
                f"chrono: expected an LSTM kind ({', '.join((*LSTM_KINDS, *MIN_KINDS))}), "
                f"got kind {self.kind!r}",
                "chrono",
            )
        if self.heads is not None:
            if self.kind not in ("transformer", *XLSTM_KINDS):
                raise ArgumentError(
                    f"heads: expected None for kind {self.kind!r}, got {self.heads}", "heads"
                )
            check_int("heads", self.heads, 1)
            if self.hidden % self.heads:
                raise ArgumentError(
                    f"heads: expected a divisor of hidden={self.hidden}, got {self.heads}", "heads"
                )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelConfig:
        return cls(**d)
