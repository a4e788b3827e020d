"""The acoustic models: a recurrent core over the feature steps, then either a CTC head (a label
posterior at every step) or a word head (one class for the whole utterance).

The core is any member of lstmlab's family (``kind``: "rnn", "gru", "lstm" or an LSTM variant of
Greff et al. 2015), one- or two-directional. The bidirectional LSTM with CTC is Graves et al.
2006's recogniser (§5); the unidirectional RNN and LSTM are the baselines that show what the
gates and what the backward direction each contribute.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch.nn.functional as F
from torch import Tensor, nn

import lstmlab
from lstmlab.cells.options import resolve_variant
from lstmlab.checks import check_int
from lstmlab.models.config import LSTM_KINDS, RECURRENT_KINDS, lstm_variant

__all__ = [
    "CoreConfig",
    "build_core",
    "CTCModel",
    "WordModel",
    "count_parameters",
    "matched_hidden",
]


@dataclass(frozen=True)
class CoreConfig:
    """The recurrent core: ``layers`` stacked layers of ``hidden`` units per direction."""

    kind: str = "lstm"
    hidden: int = 128
    layers: int = 2
    bidirectional: bool = True
    dropout: float = 0.1

    def __post_init__(self) -> None:
        if self.kind not in RECURRENT_KINDS:
            raise ValueError(
                f"kind: expected one of {', '.join(RECURRENT_KINDS)}, got {self.kind!r}"
            )
        check_int("hidden", self.hidden, 1)
        check_int("layers", self.layers, 1)
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout: expected a float in [0, 1), got {self.dropout!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_core(cfg: CoreConfig, input_size: int, device: str | None = None) -> nn.Module:
    """A time-major lstmlab layer (``out, state = core(x, lengths=...)``, x (T, B, input_size))."""
    args = dict(
        num_layers=cfg.layers, dropout=cfg.dropout, bidirectional=cfg.bidirectional, device=device
    )  # fmt: skip
    if cfg.kind == "rnn":
        return lstmlab.RNN(input_size, cfg.hidden, **args)
    if cfg.kind == "gru":
        return lstmlab.GRU(input_size, cfg.hidden, **args)
    assert cfg.kind in LSTM_KINDS
    variant = lstm_variant(cfg.kind)
    # Forget-gate bias 1 (Gers et al. 2000; Jozefowicz et al. 2015, §2.2): start by remembering.
    forget_bias = 1.0 if resolve_variant(variant).forget_gate else None
    return lstmlab.LSTM(input_size, cfg.hidden, variant=variant, forget_bias=forget_bias, **args)


class _Encoder(nn.Module):
    def __init__(self, cfg: CoreConfig, input_size: int):
        super().__init__()
        self.core = build_core(cfg, input_size)
        self.width = cfg.hidden * (2 if cfg.bidirectional else 1)

    def encode(self, x: Tensor, lengths: Tensor) -> Tensor:
        """x (B, T, F) padded, lengths (B,) → the core's top layer (T, B, D·H), zero after each
        sequence's end (the backward direction starts at each sequence's own last step)."""
        out, _ = self.core(x.transpose(0, 1), lengths=lengths)  # (T, B, D·H)
        return out


class CTCModel(_Encoder):
    """log y_t = log_softmax(W·h_t + b) over the blank (index 0) and ``n_labels`` labels."""

    def __init__(self, cfg: CoreConfig, input_size: int, n_labels: int):
        super().__init__(cfg, input_size)
        self.head = nn.Linear(self.width, n_labels + 1)

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        """x (B, T, F), lengths (B,) → log posteriors (T, B, n_labels + 1), as CTCLoss takes."""
        return F.log_softmax(self.head(self.encode(x, lengths)), dim=-1)


class WordModel(_Encoder):
    """Class scores W·mean_t(h_t) + b: the core's outputs averaged over the utterance's steps."""

    def __init__(self, cfg: CoreConfig, input_size: int, n_classes: int):
        super().__init__(cfg, input_size)
        self.head = nn.Linear(self.width, n_classes)

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        """x (B, T, F), lengths (B,) → logits (B, n_classes)."""
        out = self.encode(x, lengths)  # (T, B, D·H), zero past each end
        pooled = out.sum(0) / lengths.to(out.dtype).unsqueeze(1)  # (B, D·H)
        return self.head(pooled)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def matched_hidden(cfg: CoreConfig, input_size: int, target: int) -> int:
    """The hidden size at which ``cfg``'s core has about ``target`` parameters (baselines are
    compared at the parameter count of the model, not at its width)."""
    best, best_gap = 1, None
    for h in range(8, 1025, 4):
        # on the meta device: shapes only, no memory, and torch's RNG is not drawn from
        core = build_core(CoreConfig(**{**cfg.to_dict(), "hidden": h}), input_size, "meta")
        n = count_parameters(core)
        gap = abs(n - target)
        if best_gap is None or gap < best_gap:
            best, best_gap = h, gap
        if n > target:
            break
    return best
