"""What the xLSTM layers (``SLSTM``, ``MLSTM``) share: they have no torch.nn twin."""

from __future__ import annotations

from torch import nn

from lstmlab.checks import ArgumentTypeError

__all__ = ["NoTorchTwin"]


class NoTorchTwin:
    """Mixin for a ``RecurrentBase`` layer whose maths torch.nn does not have: ``from_torch`` and
    ``to_torch`` raise an error that says so instead of converting weights that mean something
    else."""

    @classmethod
    def from_torch(cls, module: nn.Module, **kwargs):
        raise TypeError(
            f"module: lstmlab.{cls.__name__} has no torch.nn counterpart to convert from; "
            f"expected to build lstmlab.{cls.__name__}(...) directly, got a "
            f"{type(module).__name__}"
        )

    def torch_equivalent(self) -> str | None:
        return f"{type(self).__name__.lower()}"

    def to_torch(self) -> nn.Module:
        # A TypeError and a ValueError: what to_torch raises for a layer that is not torch.nn's
        # maths, whether torch.nn has no such layer (here) or no such option (a variant).
        raise ArgumentTypeError(
            f"lstmlab.{type(self).__name__} has no torch.nn counterpart: torch.nn has no such "
            f"layer ({type(self).__name__}); expected an LSTM/GRU/RNN layer for to_torch(), got "
            f"{type(self).__name__}",
            "self",
        )
