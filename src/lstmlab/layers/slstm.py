"""``lstmlab.SLSTM``: the sLSTM of xLSTM (Beck et al. 2024, §2.2), torch.nn's layer interface."""

from __future__ import annotations

import torch

from lstmlab import kernels
from lstmlab.cells.init import check_forget_bias
from lstmlab.cells.slstm import FORGET_GATES, SLSTMWeights, slstm_shapes
from lstmlab.checks import check_heads
from lstmlab.layers.base import RecurrentBase
from lstmlab.layers.modern import NoTorchTwin

__all__ = ["SLSTM"]


class SLSTM(NoTorchTwin, RecurrentBase):
    r"""A multi-layer sLSTM: the LSTM with exponential gating, a normaliser state and
    block-diagonal (per-head) recurrence (Beck et al. 2024, xLSTM §2.2).

    For each step t, each layer computes (σ the logistic sigmoid, ⊙ the element-wise product)::

        ĩ_t, f̃_t, z̃_t, õ_t = W x_t + R h_{t-1} + b      R block-diagonal over num_heads heads
        m_t = max(log σ(f̃_t) + m_{t-1}, ĩ_t)              (log f = f̃ with forget_gate="exp")
        i'_t = exp(ĩ_t − m_t),   f'_t = exp(log σ(f̃_t) + m_{t-1} − m_t)
        c_t = f'_t ⊙ c_{t-1} + i'_t ⊙ tanh(z̃_t)
        n_t = f'_t ⊙ n_{t-1} + i'_t
        h_t = σ(õ_t) ⊙ c_t / n_t

    The exponential input gate can grow a memory without bound; the stabiliser m_t keeps every
    exp() argument ≤ 0, and c_t / n_t does not depend on it (``lstmlab.cells.slstm``). Where
    n_{t-1} = 0 (the empty memory of the default initial state), m_t = ĩ_t, as the authors' code.

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device,
        dtype: as ``torch.nn.LSTM`` (see ``lstmlab.LSTM``); there is no ``proj_size``.
        num_heads: heads of the recurrence; must divide hidden_size. Head k's units read only
            head k's h_{t-1} (R is num_heads blocks of d × d, d = hidden_size / num_heads).
        forget_gate: "sigmoid" (default) or "exp", the two forget gates of xLSTM §2.2.
        forget_bias: if given, b_f = forget_bias in every layer. Default None: the authors'
            "powerlaw_blockdependent" b_f, from +5 down to −7 across the units of each head
            (i, z, o biases 0), so some units remember long and others short.
        backend: "auto" (the fused C++ kernel, ``csrc/slstm.cpp``, for CPU float32/float64 when
            it is built, else the reference loop), "fused" (raise if it cannot be used) or
            "reference" (the cell's equations step by step). Both give the reference's
            gradients: the stabiliser m_t carries none, so the final m_n is not differentiable.

    Parameters (layer k, suffix ``""`` or ``"_reverse"``), rows in the gate order i, f, z, o:
        ``weight_ih_l{k}`` (4H, I or 2H) = W, ``weight_hh_l{k}`` (4H, d) = the diagonal blocks of
        R (``lstmlab.cells.slstm.SLSTMWeights``), ``bias_l{k}`` (4H) = b.

    Call ``slstm(input, hx=None, *, lengths=None, return_gates=False)``:
        input: (T, B, I), (B, T, I) with batch_first, (T, I) unbatched, or a PackedSequence.
        hx: (h_0, c_0, n_0, m_0), each (L·D, B, H); zeros if None.
        return_gates: also a dict of the per-step i', f' (stabilised), z = tanh(z̃), o, c, n, m,
            h, laid out as ``lstmlab.LSTM`` describes. The fused kernel returns them detached;
            backend="reference" gives differentiable ones.

    Returns ``output, (h_n, c_n, n_n, m_n)`` (and the gates when asked).
    """

    state_names = ("h", "c", "n", "m")
    mode = "SLSTM"

    def _configure(
        self,
        *,
        num_heads: int = 1,
        forget_gate: str = "sigmoid",
        forget_bias: float | None = None,
        backend: str = "auto",
    ) -> None:
        self.num_heads = check_heads(num_heads, self.hidden_size)
        if forget_gate not in FORGET_GATES:
            raise ValueError(f"forget_gate: expected one of {FORGET_GATES}, got {forget_gate!r}")
        self.forget_gate = forget_gate
        self.forget_bias = check_forget_bias(forget_bias, self.bias)
        super()._configure(backend=backend)

    def parameter_shapes(self, input_size: int) -> dict[str, tuple[int, ...]]:
        return slstm_shapes(input_size, self.hidden_size, self.num_heads, self.bias)

    @torch.no_grad()
    def reset_parameters(self) -> None:
        super().reset_parameters()  # W, R ~ U(−1/√H, 1/√H)
        if not self.bias:
            return
        H, d = self.hidden_size, self.hidden_size // self.num_heads
        # xLSTM's "powerlaw_blockdependent" forget bias for one block: 5 − 12·(j/(d−1))^0.3.
        j = torch.arange(d, dtype=torch.float64) / max(d - 1, 1)
        powerlaw = (5.0 - 12.0 * j**0.3).repeat(self.num_heads)  # (H,)
        for w in self.each_layer_weights():
            b = w["bias"]
            b.zero_()
            b[H : 2 * H] = self.forget_bias if self.forget_bias is not None else powerlaw

    def run(self, x, batch_sizes, state, weights, **how):
        out, final, gates = kernels.slstm_sequence(
            x, batch_sizes, tuple(state), SLSTMWeights(**weights), self.forget_gate, **how
        )
        return out, list(final), gates

    def extra_repr(self) -> str:
        s = super().extra_repr()
        if self.num_heads != 1:
            s += f", num_heads={self.num_heads}"
        if self.forget_gate != "sigmoid":
            s += f", forget_gate={self.forget_gate!r}"
        return s
