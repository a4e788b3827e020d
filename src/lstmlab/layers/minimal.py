"""``lstmlab.MinGRU`` and ``lstmlab.MinLSTM`` (Feng et al. 2024): torch.nn's recurrent-layer
interface over the minimal GRU and LSTM, trained by a parallel scan."""

from __future__ import annotations

import torch

from lstmlab import kernels
from lstmlab.cells.init import check_bias_init, check_chrono, check_forget_bias
from lstmlab.layers.base import RecurrentBase
from lstmlab.layers.modern import NoTorchTwin

__all__ = ["MinGRU", "MinLSTM"]

_INTERFACE = """
    Args:
        input_size: features of x_t (I).
        hidden_size: features of h_t (H).
        num_layers: stacked layers; layer k > 0 reads the output of layer k − 1 (a plain
            torch.nn-style stack: the paper's blocks add normalisation, residuals and MLPs
            around the cell, which a model can do around this layer).
        bias: False removes the biases of the Linear maps.
        batch_first: input and output are (B, T, ·) instead of (T, B, ·). States stay (L·D, B, H).
        dropout: dropout probability on the output of every layer but the last (training only).
        bidirectional: adds a second direction per layer that runs from t = T to 1; outputs are
            concatenated on the feature axis, parameters carry the suffix ``_reverse``.
        device, dtype: of the parameters.
        chrono: if given, the longest expected lag T_max: the gate biases are set so that the
            state's retention per step, 1 − 1/u with u ~ U(1, T_max − 1), spreads its memory
            time over [1, T_max] (chrono initialisation, Tallec & Ollivier 2018, carried over
            to these gates; not in Feng et al. 2024). Default None: torch.nn's U(−1/√H, 1/√H).
        backend: "auto" or "fused" (the default path: the parallel scan in log space, Heinsen
            2023, over the whole sequence at once) or "reference" (the cell's equations step by
            step, autograd through the loop). Both compute the same function (tested to 1e-10
            in float64, values and gradients).

    Call ``layer(input, hx=None, *, lengths=None, return_gates=False)``:
        input: (T, B, I), (B, T, I) with batch_first, (T, I) unbatched, or a PackedSequence.
        hx: h_0 of shape (L·D, B, H) (no B when unbatched), any sign; zeros if None.
        lengths: for a padded batch, each sequence's length in [1, T]; padded steps never change
            its final state and their outputs are zero.
        return_gates: also return a dict of the per-step gates, h_tilde and h, each (T, B, H) for
            one unidirectional layer (batch first / unbatched like the output), else stacked as
            (L·D, T, B, H) in h_n's order.

    Returns:
        ``output, h_n`` as torch.nn.GRU does (and ``gates`` when asked).

    There is no torch.nn counterpart: ``from_torch`` and ``to_torch`` raise.
"""


class _MinBase(NoTorchTwin, RecurrentBase):
    """What MinGRU and MinLSTM share: one Linear map of x_t per layer, no recurrent weights."""

    cell: str  # the kernels' cell name
    rows: tuple[str, ...]  # the row blocks of weight_ih, each H long

    def _configure(self, *, chrono: int | None = None, backend: str = "auto") -> None:
        if chrono is not None:
            check_chrono(chrono)
        check_bias_init(None, chrono, self.bias)
        self.chrono = chrono
        super()._configure(backend=backend)

    def parameter_shapes(self, input_size: int) -> dict[str, tuple[int, ...]]:
        n = len(self.rows) * self.hidden_size
        return {"weight_ih": (n, input_size)} | ({"bias_ih": (n,)} if self.bias else {})

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if self.chrono is None:
            return
        for w in self.each_layer_weights():
            self._chrono_(w["bias_ih"])

    @torch.no_grad()
    def _chrono_(self, bias: torch.Tensor) -> None:
        raise NotImplementedError

    def _block(self, name: str) -> slice:
        k, H = self.rows.index(name), self.hidden_size
        return slice(k * H, (k + 1) * H)

    def _log_u(self, like: torch.Tensor) -> torch.Tensor:
        """log u, u ~ U(1, T_max − 1), one per unit, from torch's global RNG."""
        u = torch.rand(self.hidden_size, dtype=torch.float64) * (self.chrono - 2) + 1
        return torch.log(u).to(like)

    def run(self, x, batch_sizes, state, weights, **how):
        w = (weights["weight_ih"], weights.get("bias_ih"))
        out, h, gates = kernels.min_sequence(self.cell, x, batch_sizes, state[0], w, **how)
        return out, [h], gates

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s + (f", chrono={self.chrono}" if self.chrono is not None else "")


class MinGRU(_MinBase):
    __doc__ = (
        r"""A multi-layer minGRU (Feng et al. 2024, §3.1), with torch.nn.GRU's interface.

    For each step t (σ the logistic sigmoid, ⊙ the element-wise product)::

        z_t = σ(W_z x_t + b_z)
        h̃_t = g(W_h x_t + b_h)              g(x) = x + 0.5 (x ≥ 0), σ(x) (x < 0)
        h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t

    Neither gate nor candidate reads h_{t-1}, so h_t is a linear recurrence in h and the whole
    sequence runs as one parallel scan in log space (g keeps h̃_t > 0: the paper's log-space
    version, appendix B.3). ``chrono`` sets b_z = −log u, so 1 − z_t starts near 1 − 1/(1 + u).

    Parameters (layer k, direction suffix ``""`` or ``"_reverse"``): ``weight_ih_l{k}`` (2H, I),
    or (2H, D·H) for k > 0, rows z then h̃; ``bias_ih_l{k}`` (2H).
"""
        + _INTERFACE
        + """
    The gates returned are z, h_tilde (h̃) and h.
    """
    )

    cell = "min_gru"
    rows = ("z", "h_tilde")
    mode = "MinGRU"

    @torch.no_grad()
    def _chrono_(self, bias: torch.Tensor) -> None:
        bias[self._block("z")] = -self._log_u(bias)


class MinLSTM(_MinBase):
    __doc__ = (
        r"""A multi-layer minLSTM (Feng et al. 2024, §3.2), with torch.nn.GRU's interface (one
    state, h).

    For each step t (σ the logistic sigmoid, ⊙ the element-wise product)::

        f_t = σ(W_f x_t + b_f),   i_t = σ(W_i x_t + b_i)
        f'_t = f_t / (f_t + i_t),  i'_t = i_t / (f_t + i_t)
        h̃_t = g(W_h x_t + b_h)              g(x) = x + 0.5 (x ≥ 0), σ(x) (x < 0)
        h_t = f'_t ⊙ h_{t-1} + i'_t ⊙ h̃_t

    The normalised gates sum to 1, so h_t stays a weighted mean of h_0 and the h̃'s and its scale
    does not grow with t (the paper's "length independence"). Gates and candidate read x_t only,
    so the whole sequence runs as one parallel scan in log space (g keeps h̃_t > 0: the paper's
    log-space version, appendix B.3). No output gate and no cell state apart from h.

    Parameters (layer k, direction suffix ``""`` or ``"_reverse"``): ``weight_ih_l{k}`` (3H, I),
    or (3H, D·H) for k > 0, rows f, i, h̃; ``bias_ih_l{k}`` (3H).

    forget_bias (MinLSTM only): if given, b_f = forget_bias (b_i keeps its draw), as
    Jozefowicz et al. 2015 do for the LSTM (1.0). ``chrono`` instead sets b_f = log u,
    b_i = −log u, so f_t + i_t = 1 and f'_t = u / (1 + u).
"""
        + _INTERFACE
        + """
    The gates returned are the normalised f (f'), i (i'), h_tilde (h̃) and h.
    """
    )

    cell = "min_lstm"
    rows = ("f", "i", "h_tilde")
    mode = "MinLSTM"

    def _configure(
        self,
        *,
        forget_bias: float | None = None,
        chrono: int | None = None,
        backend: str = "auto",
    ) -> None:
        check_forget_bias(forget_bias, self.bias)
        check_bias_init(forget_bias, chrono, self.bias)
        self.forget_bias = forget_bias
        super()._configure(chrono=chrono, backend=backend)

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if self.forget_bias is None:
            return
        with torch.no_grad():
            for w in self.each_layer_weights():
                w["bias_ih"][self._block("f")] = self.forget_bias

    @torch.no_grad()
    def _chrono_(self, bias: torch.Tensor) -> None:
        log_u = self._log_u(bias)
        bias[self._block("f")] = log_u
        bias[self._block("i")] = -log_u

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s + (f", forget_bias={self.forget_bias}" if self.forget_bias is not None else "")
