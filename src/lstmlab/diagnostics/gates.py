"""Gate traces: what each gate of a recurrent core does, step by step, on one input sequence."""

from __future__ import annotations

import torch
from torch import Tensor

from lstmlab.models import SequenceModel

__all__ = ["gate_traces"]


@torch.no_grad()
def gate_traces(model: SequenceModel, x: Tensor) -> dict[str, Tensor]:
    """The core's per-step gate values for one sequence x (T, I) of the top layer.

    Returns a dict gate → (T, H): for an LSTM "f", "i", "g", "o", "c", "h" (a gate the variant
    removes reads as ones); for a GRU "r", "z", "n", "h"; for an RNN "h". Empty for the
    Transformer, which has no gates.
    """
    if not model.recurrent:
        return {}
    was_training = model.training
    model.eval()
    try:
        z = model.input_map(x.unsqueeze(0)).transpose(0, 1)  # (T, 1, d)
        _, _, gates = model.core(z, return_gates=True)
    finally:
        model.train(was_training)
    # (T, 1, H) for one layer, (L, T, 1, H) stacked for several: keep the top layer.
    return {k: (g[-1] if g.dim() == 4 else g)[:, 0] for k, g in gates.items()}  # (T, H)
