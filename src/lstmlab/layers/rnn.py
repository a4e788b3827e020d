"""``lstmlab.RNN``: torch.nn.RNN's interface (the Elman RNN whose gradients vanish)."""

from __future__ import annotations

from torch import nn

from lstmlab import kernels
from lstmlab.cells.rnn import check_nonlinearity, rnn_shapes
from lstmlab.layers.hidden_state import HiddenStateLayer

__all__ = ["RNN"]


class RNN(HiddenStateLayer):
    r"""A multi-layer Elman RNN, drop-in for ``torch.nn.RNN``::

        h_t = φ(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh),   φ = tanh or relu

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device,
        dtype: as ``torch.nn.RNN`` (see ``lstmlab.LSTM`` for their meaning).
        nonlinearity: φ, "tanh" (default) or "relu".
        backend: "auto", "fused" or "reference", by ``lstmlab.LSTM``'s rule: on CUDA the
            plain torch.nn.RNN without ``return_gates`` runs torch's own op.

    Parameters and state dict as torch.nn.RNN. Call ``rnn(input, hx=None, *, lengths=None,
    return_gates=False)`` → ``output, h_n`` (and ``{"h": ...}``).
    """

    torch_class = nn.RNN
    torch_option_names = ("nonlinearity",)
    shapes = staticmethod(rnn_shapes)
    sequence = staticmethod(kernels.rnn_sequence)
    option = "nonlinearity"

    def _configure(self, nonlinearity: str, *, backend: str = "auto") -> None:
        self.nonlinearity = check_nonlinearity(nonlinearity)
        self.mode = f"RNN_{nonlinearity.upper()}"
        super()._configure(backend=backend)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s + (f", nonlinearity={self.nonlinearity!r}" if self.nonlinearity != "tanh" else "")
