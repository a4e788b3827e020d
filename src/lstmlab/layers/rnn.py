"""``lstmlab.RNN``: torch.nn.RNN's interface (the Elman RNN whose gradients vanish)."""

from __future__ import annotations

from torch import nn

from lstmlab import kernels
from lstmlab.cells.rnn import check_nonlinearity, rnn_shapes
from lstmlab.layers.base import RecurrentBase

__all__ = ["RNN"]


class RNN(RecurrentBase):
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

    def _configure(self, nonlinearity: str, *, backend: str = "auto") -> None:
        self.nonlinearity = check_nonlinearity(nonlinearity)
        self.mode = f"RNN_{nonlinearity.upper()}"
        super()._configure(backend=backend)

    def parameter_shapes(self, input_size: int) -> dict[str, tuple[int, ...]]:
        return rnn_shapes(input_size, self.hidden_size, self.bias)

    def run(self, x, batch_sizes, state, weights, **how):
        w = [weights.get(k) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        out, h, gates = kernels.rnn_sequence(x, batch_sizes, state[0], w, self.nonlinearity, **how)
        return out, [h], gates

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s + (f", nonlinearity={self.nonlinearity!r}" if self.nonlinearity != "tanh" else "")
