"""``lstmlab.MLSTM``: the mLSTM of xLSTM (Beck et al. 2024, §2.3), torch.nn's layer interface."""

from __future__ import annotations

import torch
from torch import Tensor

from lstmlab.cells.init import check_forget_bias
from lstmlab.cells.mlstm import (
    MLSTMState,
    mlstm_chunkwise,
    mlstm_inputs,
    mlstm_parallel,
    mlstm_shapes,
    mlstm_step,
)
from lstmlab.checks import check_heads, check_int
from lstmlab.kernels.reference import recurrence
from lstmlab.layers.base import RecurrentBase
from lstmlab.layers.modern import NoTorchTwin

__all__ = ["MLSTM", "FORMS"]

#: How the layer runs a full (unpacked) batch; the three compute the same function.
FORMS = ("chunkwise", "parallel", "recurrent")


class MLSTM(NoTorchTwin, RecurrentBase):
    r"""A multi-layer mLSTM: a d × d matrix memory per head, written with exponential gates
    (Beck et al. 2024, xLSTM §2.3). Its gates read only x_t, so a whole sequence can be computed
    at once (``form``).

    For each step t and head (d = hidden_size / num_heads units each), each layer computes::

        q_t, k_t, v_t = W_q x_t + b_q, W_k x_t + b_k, W_v x_t + b_v     (d each)
        ĩ_t, f̃_t = w_iᵀ x_t + b_i, w_fᵀ x_t + b_f                       (one scalar each)
        o_t = σ(W_o x_t + b_o)
        m_t = max(log σ(f̃_t) + m_{t-1}, ĩ_t)
        i'_t = exp(ĩ_t − m_t),   f'_t = exp(log σ(f̃_t) + m_{t-1} − m_t)
        C_t = f'_t C_{t-1} + i'_t v_t k_tᵀ/√d
        n_t = f'_t n_{t-1} + i'_t k_t/√d
        h_t = o_t ⊙ C_t q_t / max(|n_tᵀ q_t|, e^{−m_t})                  (heads concatenated)

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device,
        dtype: as ``torch.nn.LSTM`` (see ``lstmlab.LSTM``); there is no ``proj_size``.
        num_heads: heads; must divide hidden_size.
        form: how a full batch is computed, all equal (``lstmlab.cells.mlstm``):
            "chunkwise" (default: parallel inside chunks of ``chunk_size`` steps, recurrent
            across; O(T·chunk_size)), "parallel" (the T × T decay matrix; O(T²)) or "recurrent"
            (step by step). A PackedSequence or ``lengths=`` input always runs the recurrence.
        chunk_size: steps per chunk of the chunkwise form.
        forget_bias: if given, b_f = forget_bias. Default None: the authors' initialisation,
            b_f evenly spaced from 3 to 6 over the heads, b_i = 0.

    Parameters (layer k, suffix ``""`` or ``"_reverse"``): ``weight_ih_l{k}`` (4H + 2·NH, I)
    and ``bias_l{k}`` (4H + 2·NH), rows q, k, v (H each), ĩ, f̃ (NH each), õ (H).

    Call ``mlstm(input, hx=None, *, lengths=None, return_gates=False)``:
        input: (T, B, I), (B, T, I) with batch_first, (T, I) unbatched, or a PackedSequence.
        hx: (C_0, n_0, m_0) of shapes (L·D, B, NH·d·d) (C viewed as (NH, d, d), row = value,
            column = key), (L·D, B, H) and (L·D, B, NH); zeros if None.
        return_gates: also a dict of the per-step log input gate ĩ and log forget gate
            log σ(f̃) (per head, (·, NH)), o and h, laid out as ``lstmlab.LSTM`` describes.

    Returns ``output, (C_n, n_n, m_n)`` (and the gates when asked).
    """

    state_names = ("C", "n", "m")
    mode = "MLSTM"

    def _configure(
        self,
        *,
        num_heads: int = 1,
        form: str = "chunkwise",
        chunk_size: int = 64,
        forget_bias: float | None = None,
    ) -> None:
        self.num_heads = check_heads(num_heads, self.hidden_size)
        if form not in FORMS:
            raise ValueError(f"form: expected one of {FORMS}, got {form!r}")
        self.form = form
        self.chunk_size = check_int("chunk_size", chunk_size, 1)
        self.forget_bias = check_forget_bias(forget_bias, self.bias)
        super()._configure(backend="reference")

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_heads

    def parameter_shapes(self, input_size: int) -> dict[str, tuple[int, ...]]:
        return mlstm_shapes(input_size, self.hidden_size, self.num_heads, self.bias)

    def state_size(self, name: str) -> int:
        return {"C": self.hidden_size * self.head_dim, "n": self.hidden_size, "m": self.num_heads}[
            name
        ]

    @torch.no_grad()
    def reset_parameters(self) -> None:
        super().reset_parameters()  # every weight ~ U(−1/√H, 1/√H)
        if not self.bias:
            return
        H, NH = self.hidden_size, self.num_heads
        f_bias = torch.linspace(3.0, 6.0, NH) if self.forget_bias is None else self.forget_bias
        for w in self.each_layer_weights():
            b = w["bias"]
            b[3 * H : 3 * H + NH] = 0.0  # ĩ
            b[3 * H + NH : 3 * H + 2 * NH] = f_bias  # f̃

    def run(self, x, batch_sizes, state, weights, *, reverse, return_gates, backend):
        # backend is "reference": the forms are plain torch code (``lstmlab.cells.mlstm``)
        NH, d = self.num_heads, self.head_dim
        C0, n0, m0 = state  # (B, NH·d·d), (B, H), (B, NH)
        B = C0.shape[0]
        state = MLSTMState(C0.view(B, NH, d, d), n0.view(B, NH, d), m0)
        w, b = weights["weight_ih"], weights.get("bias")
        full = all(n == B for n in batch_sizes)
        if full and self.form != "recurrent":
            out, final, gates = self._run_full(x, len(batch_sizes), state, w, b, reverse)
        else:
            out, final, gates = self._run_steps(x, batch_sizes, state, w, b, reverse)
        C, n, m = final
        return out, [C.reshape(B, -1), n.reshape(B, -1), m], (gates if return_gates else None)

    def _run_full(self, x: Tensor, T: int, state: MLSTMState, w, b, reverse: bool):
        """A full batch x (T·B, I) in the parallel or chunkwise form."""
        B = state.m.shape[0]
        xs = x.view(T, B, -1)  # (T, B, I)
        if reverse:
            xs = xs.flip(0)
        p = mlstm_inputs(w, b, xs, self.num_heads)
        if self.form == "parallel":
            h_tilde, final = mlstm_parallel(p, state)
        else:
            h_tilde, final = mlstm_chunkwise(p, state, self.chunk_size)
        o = torch.sigmoid(p.o_tilde)  # (B, T, H)
        h = o * h_tilde.permute(0, 2, 1, 3).reshape(B, T, -1)  # (B, T, H)
        table = {
            "log_i": p.i_tilde.permute(2, 0, 1),  # (T, B, NH)
            "log_f": torch.nn.functional.logsigmoid(p.f_tilde).permute(2, 0, 1),
            "o": o.transpose(0, 1),  # (T, B, H)
            "h": h.transpose(0, 1),
        }
        if reverse:
            table = {k: v.flip(0) for k, v in table.items()}
        gates = {k: v.reshape(T * B, -1) for k, v in table.items()}  # packed rows (T·B, ·)
        return gates["h"], final, gates

    def _run_steps(self, x: Tensor, batch_sizes, state: MLSTMState, w, b, reverse: bool):
        """Packed rows x (N, I), step by step with ``mlstm_step``."""

        def step(x_t: Tensor, st: tuple) -> tuple[tuple, tuple]:
            p = mlstm_inputs(w, b, x_t.unsqueeze(0), self.num_heads).steps(0)  # T = 1
            h_tilde, new = mlstm_step(p, MLSTMState(*st))
            o = torch.sigmoid(p.o_tilde)  # (n, H)
            h = o * h_tilde.reshape(h_tilde.shape[0], -1)
            log_f = torch.nn.functional.logsigmoid(p.f_tilde)
            return tuple(new), (p.i_tilde, log_f, o, h)

        records, final = recurrence(step, x, batch_sizes, tuple(state), reverse)
        gates = {
            k: torch.cat([r[j] for r in records])
            for j, k in enumerate(("log_i", "log_f", "o", "h"))
        }
        return gates["h"], MLSTMState(*final), gates

    def extra_repr(self) -> str:
        s = super().extra_repr().replace(", backend='reference'", "")
        if self.num_heads != 1:
            s += f", num_heads={self.num_heads}"
        if self.form != "chunkwise":
            s += f", form={self.form!r}"
        if self.chunk_size != 64:
            s += f", chunk_size={self.chunk_size}"
        return s
