"""The model every task trains: input map → core → linear head, an output at every step."""

from __future__ import annotations

from torch import Tensor, nn

__all__ = ["SequenceModel", "count_parameters"]


class SequenceModel(nn.Module):
    """y_t = W_y·core(φ(x))_t + b_y for every step t.

    Attributes:
        input_map: nn.Identity or nn.Linear(input_size, d), applied per step.
        core: a time-major recurrent layer (``lstmlab.LSTM``/``GRU``/``RNN``, called as
            ``out, state = core(x)`` with x (T, B, d)) when ``recurrent``, else a batch-first
            sequence encoder (``TransformerCore``) returning (B, T, H).
        head: nn.Linear(H, output_size).

    The recurrent core runs time-major (batch_first=False) so that its ``return_gates=True``
    traces come out as (T, B, H), the layout the diagnostics read.
    """

    def __init__(self, input_map: nn.Module, core: nn.Module, head: nn.Linear, recurrent: bool):
        super().__init__()
        self.input_map = input_map
        self.core = core
        self.head = head
        self.recurrent = recurrent

    def features(self, x: Tensor) -> Tensor:
        """The core's top-layer output for x (B, T, input_size), as (B, T, H)."""
        z = self.input_map(x)  # (B, T, d)
        if not self.recurrent:
            return self.core(z)  # (B, T, H)
        out, _ = self.core(z.transpose(0, 1))  # (T, B, H)
        return out.transpose(0, 1)  # (B, T, H)

    def forward(self, x: Tensor) -> Tensor:
        """x (B, T, input_size) → (B, T, output_size)."""
        return self.head(self.features(x))


def count_parameters(model: nn.Module) -> int:
    """Trainable parameters (the number reported next to every result)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
