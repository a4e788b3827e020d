"""``lstmlab.GRU``: torch.nn.GRU's interface, with both placements of the reset gate."""

from __future__ import annotations

from torch import nn

from lstmlab import kernels
from lstmlab.cells.gru import gru_shapes
from lstmlab.checks import check_flag
from lstmlab.layers.hidden_state import HiddenStateLayer

__all__ = ["GRU"]


class GRU(HiddenStateLayer):
    r"""A multi-layer GRU (Cho et al. 2014), drop-in for ``torch.nn.GRU``.

    For each step t::

        r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
        z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
        n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))     reset_after=True
        n_t = tanh(W_in x_t + b_in + W_hn (r_t ⊙ h_{t-1}) + b_hn)     reset_after=False
        h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device,
        dtype: as ``torch.nn.GRU`` (see ``lstmlab.LSTM`` for their meaning).
        reset_after: True (default) applies r_t after the recurrent product, as torch.nn.GRU and
            cuDNN do; False applies it to h_{t-1} before, as in Cho et al. 2014 (§2.3).
        backend: "auto", "fused" or "reference", by ``lstmlab.LSTM``'s rule: on CUDA the
            plain torch.nn.GRU (reset_after=True) without ``return_gates`` runs torch's own op.

    Parameters ``weight_ih_l{k}`` (3H, I), ``weight_hh_l{k}`` (3H, H), ``bias_ih_l{k}``,
    ``bias_hh_l{k}`` (3H), rows r, z, n, with ``_reverse`` for the second direction: the same
    names and layout as torch.nn.GRU, whose state dict loads unchanged.

    Call ``gru(input, hx=None, *, lengths=None, return_gates=False)`` → ``output, h_n``
    (and a dict of the per-step r, z, n, h laid out as ``lstmlab.LSTM`` describes).
    """

    torch_class = nn.GRU
    mode = "GRU"
    autocast_follows_input = True
    shapes = staticmethod(gru_shapes)
    sequence = staticmethod(kernels.gru_sequence)
    option = "reset_after"

    def _configure(self, *, reset_after: bool = True, backend: str = "auto") -> None:
        self.reset_after = check_flag("reset_after", reset_after)
        super()._configure(backend=backend)

    def torch_equivalent(self) -> str | None:
        return None if self.reset_after else "reset_after=False"

    def extra_repr(self) -> str:
        return super().extra_repr() + ("" if self.reset_after else ", reset_after=False")
