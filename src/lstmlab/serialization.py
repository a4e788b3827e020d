"""Whole-model checkpoints: ``torch.save(model)`` / ``torch.load(path)`` with lstmlab layers.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True``, which rebuilds only classes on
an allowlist. lstmlab's modules keep their state to plain types (``LSTMOptions`` is pickled as a
dict of booleans) and are allowlisted when lstmlab is imported, so a model holding them loads
unchanged. Allowlisting adds our classes only; torch.nn's own modules (nn.Linear, ...) remain the
caller's choice, as torch requires (see PyTorch's word_language_model example).
"""

from __future__ import annotations

import torch

__all__ = ["register_safe_globals", "SAFE_CLASSES"]


def _classes() -> list[type]:
    from lstmlab.cells.modules import GRUCell, LSTMCell, RNNCell
    from lstmlab.layers import GRU, LSTM, MLSTM, RNN, SLSTM, MinGRU, MinLSTM

    return [LSTM, GRU, RNN, SLSTM, MLSTM, MinLSTM, MinGRU, LSTMCell, GRUCell, RNNCell]


SAFE_CLASSES: tuple[type, ...] = ()


def register_safe_globals(extra: list[type] | None = None) -> None:
    """Add lstmlab's modules (and ``extra``) to torch.load's weights_only allowlist; idempotent."""
    global SAFE_CLASSES
    add = getattr(torch.serialization, "add_safe_globals", None)
    if add is None:  # torch < 2.4 has no allowlist (and its torch.load default unpickles anything)
        return
    new = [c for c in [*_classes(), *(extra or [])] if c not in SAFE_CLASSES]
    if new:
        add(new)
        SAFE_CLASSES = (*SAFE_CLASSES, *new)
