"""``lstmlab.LSTM``: torch.nn.LSTM's interface over the whole LSTM family."""

from __future__ import annotations

from torch import nn

from lstmlab import kernels
from lstmlab.cells.init import check_bias_init, lstm_biases_
from lstmlab.cells.lstm import LSTMWeights, lstm_shapes
from lstmlab.cells.options import (
    VARIANTS,
    LSTMOptions,
    options_from_state,
    options_to_state,
    resolve_variant,
)
from lstmlab.layers.base import RecurrentBase

__all__ = ["LSTM"]


class LSTM(RecurrentBase):
    r"""A multi-layer LSTM, drop-in for ``torch.nn.LSTM``, with every variant of the family.

    For each step t, each layer computes (σ the logistic sigmoid, ⊙ the element-wise product)::

        f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf [+ p_f ⊙ c_{t-1}] [+ R_f s_{t-1}])
        i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi [+ p_i ⊙ c_{t-1}] [+ R_i s_{t-1}])
        g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)
        c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
        o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho [+ p_o ⊙ c_t] [+ R_o s_{t-1}])
        h_t = o_t ⊙ tanh(c_t)                    [h_t = W_hr h_t with proj_size > 0]

    where s_{t-1} = [i_{t-1}, f_{t-1}, o_{t-1}] (FGR only). With ``variant="vanilla"`` (the
    default) the bracketed terms are absent and the layer computes exactly torch.nn.LSTM.

    Args:
        input_size: features of x_t (I).
        hidden_size: features of c_t and of h_t before projection (H).
        num_layers: stacked layers; layer k > 0 reads the output of layer k − 1.
        bias: False removes b_ih and b_hh from every equation.
        batch_first: input and output are (B, T, ·) instead of (T, B, ·). States stay (L·D, B, ·).
        dropout: dropout probability on the output of every layer but the last (training only).
        bidirectional: adds a second direction per layer that runs from t = T to 1; outputs are
            concatenated on the feature axis, parameters carry the suffix ``_reverse``.
        proj_size: P > 0 adds h_t = W_hr (o_t ⊙ tanh(c_t)) (Sak et al. 2014); h has P features.
        variant: a name (case-insensitive) or an ``LSTMOptions``:

            - ``"vanilla"`` / ``"np"``: the equations above without brackets (torch.nn.LSTM).
            - ``"peephole"``: adds p_i ⊙ c_{t-1}, p_f ⊙ c_{t-1}, p_o ⊙ c_t (Gers & Schmidhuber
              2000); Greff et al. 2015 call this "vanilla". Each variant below is it with one
              change (Greff et al. 2015, §3):
            - ``"nig"``: no input gate, i_t = 1.
            - ``"nfg"``: no forget gate, f_t = 1.
            - ``"nog"``: no output gate, o_t = 1.
            - ``"niaf"``: no input activation, g_t = W_ig x_t + ... (linear).
            - ``"noaf"``: no output activation, h_t = o_t ⊙ c_t.
            - ``"cifg"``: coupled input and forget gate, i_t = 1 − f_t.
            - ``"fgr"``: full gate recurrence, the R s_{t-1} terms. s is part of the state:
              the returned ``(h_n, c_n)`` is a ``CarriedState`` that also holds ``.s`` (s_n,
              (L·D, B, S·H): [i, f, o] of each sequence's last step), and given back as
              ``hx`` (or as ``(h_0, c_0, s_0)``) it continues there, so a sequence cut into
              calls (truncated BPTT) equals one call; a plain ``(h_0, c_0)`` starts s at 0.

        forget_bias: if given, b_f = forget_bias (b_hf = 0) in every layer; Jozefowicz et al.
            2015 recommend 1.0. Default None keeps torch.nn's U(−1/√H, 1/√H).
        chrono: if given, the longest expected lag T_max: chrono initialisation (Tallec &
            Ollivier 2018) b_f ~ log U(1, T_max − 1), b_i = −b_f. Excludes ``forget_bias``.
        backend: which kernel runs the layer, by one rule (``lstmlab.kernels.select``):
            on CPU, a plain float32 LSTM (vanilla, no projection, no ``return_gates``, every
            sequence the same length) with a batch below 32 runs torch's own op (oneDNN's
            fused LSTM primitive, faster than lstmlab's kernel at such batches); otherwise on
            CPU in float32/float64, lstmlab's fused C++ kernel (every variant, the gates);
            on CUDA, for the plain torch.nn.LSTM maths without ``return_gates``, torch's own
            op (cuDNN) with the same weights; everything else (bf16/fp16 on CPU, a variant
            or the gates on CUDA) runs the reference recurrence (the cell's equations step
            by step, autograd through the loop), as does ``backend="reference"``. "auto"
            (default) applies the rule, falling back to the reference (same results, slower)
            if the C++ kernel could not be built; "fused" raises instead of any fallback and
            on CPU always runs lstmlab's own kernel.
        device, dtype: of the parameters.

    Parameters (layer k, direction suffix ``""`` or ``"_reverse"``), with G the gates that have
    weights (``LSTMOptions.gates``, order i, f, g, o; 4 for vanilla):
        ``weight_ih_l{k}`` (G·H, I or D·P), ``weight_hh_l{k}`` (G·H, P), ``bias_ih_l{k}``,
        ``bias_hh_l{k}`` (G·H), ``weight_hr_l{k}`` (P, H) with proj_size; variants add
        ``weight_peep_l{k}`` (one row of p per sigmoid gate, order i, f, o) and ``weight_gr_l{k}``
        (S·H, S·H) with S sigmoid gates, the FGR matrices R. A torch.nn.LSTM state dict loads
        into the vanilla layer unchanged.

    Call ``lstm(input, hx=None, *, lengths=None, return_gates=False)``:
        input: (T, B, I), (B, T, I) with batch_first, (T, I) unbatched, or a PackedSequence.
        hx: (h_0, c_0), shapes (L·D, B, P) and (L·D, B, H) (no B when unbatched); zeros if None.
            FGR also takes s_0 (L·D, B, S·H): as ``hx.s`` or third (zeros if left out).
        lengths: for a padded batch, each sequence's length in [1, T]; padded steps never change
            its final state and their outputs are zero.
        return_gates: also return a dict of the per-step f, i, g, o, c, h, each (T, B, H) for
            one unidirectional layer (batch first / unbatched like the output), else stacked as
            (L·D, T, B, H) in h_n's order. A removed gate reads as ones. Zero past each length.
            The gates are part of the autograd graph on every backend, like the output (see
            ``RecurrentBase.forward``).

    Returns:
        ``output, (h_n, c_n)`` exactly as torch.nn.LSTM (FGR: the pair carries ``.s`` too),
        and ``gates`` when asked.
    """

    state_names = ("h", "c")
    torch_class = nn.LSTM
    torch_option_names = ("proj_size",)
    mode = "LSTM"

    def _configure(
        self,
        *,
        variant: str | LSTMOptions = "vanilla",
        forget_bias: float | None = None,
        chrono: int | None = None,
        backend: str = "auto",
    ) -> None:
        self.options = resolve_variant(variant)
        self.variant = variant if isinstance(variant, str) else "custom"
        if self.options.gate_recurrence:  # FGR carries s_t = [i_t, f_t, o_t] to the next call
            self.state_names, self.optional_states = ("h", "c", "s"), ("s",)
        check_bias_init(forget_bias, chrono, self.bias)
        self.forget_bias, self.chrono = forget_bias, chrono
        super()._configure(backend=backend)

    def parameter_shapes(self, input_size: int) -> dict[str, tuple[int, ...]]:
        return lstm_shapes(self.options, input_size, self.hidden_size, self.proj_size, self.bias)

    def state_size(self, name: str) -> int:
        if name == "s":
            return len(self.options.sigmoid_gates) * self.hidden_size  # S·H
        return super().state_size(name)

    def reset_parameters(self) -> None:
        super().reset_parameters()
        H, fb, chrono = self.hidden_size, self.forget_bias, self.chrono
        for w in self.each_layer_weights():
            lstm_biases_(w.get("bias_ih"), w.get("bias_hh"), self.options, H, fb, chrono)

    def run(self, x, batch_sizes, state, weights, **how):
        h0, c0, *s0 = state  # s0: FGR's [i, f, o] of the previous call's last step
        w = LSTMWeights(**weights)
        out, h, c, gates, *s = kernels.lstm_sequence(
            x, batch_sizes, h0, c0, w, self.options, s0=s0[0] if s0 else None, **how
        )
        return out, [h, c, *s], gates

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s + (f", variant={self.variant!r}" if self.variant != "vanilla" else "")

    # A pickled layer holds only plain types, so torch.load(weights_only=True) can read it.
    def __getstate__(self) -> dict:
        return options_to_state(super().__getstate__())

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(options_from_state(state))

    def torch_equivalent(self) -> str | None:
        return None if self.options == VARIANTS["vanilla"] else f"variant={self.variant!r}"
