"""The mLSTM cell: a matrix memory written with exponential gates (Beck et al. 2024, xLSTM §2.3).

Its gates read only x_t, so the same function has three forms, tested equal:

- ``mlstm_step``: the recurrence, one step at a time (xLSTM eqs. 19–27);
- ``mlstm_parallel``: every step at once through the T × T log-space decay matrix (xLSTM
  Appendix, "parallel formulation"), quadratic in T;
- ``mlstm_chunkwise``: the parallel form inside chunks of the sequence and the recurrence
  across them, linear in T: the default for training on long sequences.

All three take the projections (``MLSTMInputs``) and an initial state (C, n, m) and return the
final one, and the stabiliser m is the same in all three (it includes the decayed initial
state), so they agree step for step.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "MLSTMState",
    "MLSTMInputs",
    "mlstm_shapes",
    "mlstm_inputs",
    "mlstm_step",
    "mlstm_parallel",
    "mlstm_chunkwise",
    "EPS",
]

#: Added to the normaliser's denominator, as in the authors' code (``eps=1e-6``).
EPS = 1e-6


class MLSTMState(NamedTuple):
    """The memory of every head: C (B, NH, d, d) (row = value, column = key), n (B, NH, d),
    m (B, NH); the unstabilised memory and normaliser are C·e^m and n·e^m."""

    C: Tensor
    n: Tensor
    m: Tensor


class MLSTMInputs(NamedTuple):
    """The per-step projections of x: q, k, v (B, NH, T, d), ĩ, f̃ (B, NH, T), õ (B, T, H). The
    three forms read q, k, v, ĩ and f̃; the output gate õ is applied after them (None when not
    needed)."""

    q: Tensor
    k: Tensor
    v: Tensor
    i_tilde: Tensor
    f_tilde: Tensor
    o_tilde: Tensor | None = None

    def steps(self, part: int | slice) -> MLSTMInputs:
        """The inputs of the steps ``part`` along T: a chunk (a slice), or one step (an int,
        which drops the T axis: q, k, v (B, NH, d), ĩ, f̃ (B, NH), õ (B, H), as ``mlstm_step``
        takes them)."""
        o_tilde = self.o_tilde[:, part] if self.o_tilde is not None else None
        return MLSTMInputs(
            self.q[..., part, :],
            self.k[..., part, :],
            self.v[..., part, :],
            self.i_tilde[..., part],
            self.f_tilde[..., part],
            o_tilde,
        )


def mlstm_shapes(input_size: int, hidden_size: int, heads: int, bias: bool = True):
    """Parameter shapes of one layer and direction: the rows of ``weight_ih``/``bias`` are
    q (H), k (H), v (H), ĩ (NH), f̃ (NH), õ (H)."""
    rows = 4 * hidden_size + 2 * heads
    shapes: dict[str, tuple[int, ...]] = {"weight_ih": (rows, input_size)}
    if bias:
        shapes["bias"] = (rows,)
    return shapes


def mlstm_inputs(weight_ih: Tensor, bias: Tensor | None, x: Tensor, heads: int) -> MLSTMInputs:
    """q = W_q x + b_q, k = W_k x + b_k, v = W_v x + b_v, ĩ = w_iᵀx + b_i, f̃ = w_fᵀx + b_f,
    õ = W_o x + b_o for x (T, B, I) (xLSTM eqs. 22–27, one scalar ĩ, f̃ per head)."""
    T, B, _ = x.shape
    H = (weight_ih.shape[0] - 2 * heads) // 4
    z = F.linear(x, weight_ih, bias)  # (T, B, 4H + 2NH)
    q, k, v, i_tilde, f_tilde, o_tilde = z.split([H, H, H, heads, heads, H], dim=-1)

    def per_head(a: Tensor) -> Tensor:  # (T, B, H) → (B, NH, T, d)
        return a.reshape(T, B, heads, H // heads).permute(1, 2, 0, 3)

    return MLSTMInputs(
        per_head(q),
        per_head(k),
        per_head(v),
        i_tilde.permute(1, 2, 0),  # (B, NH, T)
        f_tilde.permute(1, 2, 0),
        o_tilde.transpose(0, 1),  # (B, T, H)
    )


def mlstm_step(p: MLSTMInputs, state: MLSTMState, eps: float = EPS) -> tuple[Tensor, MLSTMState]:
    """One step: q, k, v (B, NH, d), ĩ, f̃ (B, NH) → h̃ (B, NH, d) and the new state.

        log f = log σ(f̃)
        m' = max(log f + m, ĩ)
        f' = exp(log f + m − m'),  i' = exp(ĩ − m')
        C' = f' C + i' v kᵀ/√d
        n' = f' n + i' k/√d
        h̃ = C' q / max(|n'ᵀ q|, e^{−m'})        (max(|n̄ᵀq|, 1) in unstabilised units)

    m' is detached: h̃ does not depend on it (C', n' and the bound e^{−m'} all scale by e^{−m'}).
    """
    q, k, v, i_tilde, f_tilde, _ = p
    C, n, m = state
    k = k / math.sqrt(k.shape[-1])
    log_f = F.logsigmoid(f_tilde)  # (B, NH)
    m_new = torch.maximum(log_f + m, i_tilde).detach()
    f = torch.exp(log_f + m - m_new)[..., None]  # (B, NH, 1)
    i = torch.exp(i_tilde - m_new)[..., None]
    C = f[..., None] * C + i[..., None] * (v[..., :, None] * k[..., None, :])  # (B, NH, d, d)
    n = f * n + i * k  # (B, NH, d)
    numerator = torch.einsum("bhvk,bhk->bhv", C, q)  # C q
    denominator = torch.maximum((n * q).sum(-1).abs(), torch.exp(-m_new)) + eps  # (B, NH)
    return numerator / denominator[..., None], MLSTMState(C, n, m_new)


def mlstm_parallel(
    p: MLSTMInputs, state: MLSTMState, eps: float = EPS
) -> tuple[Tensor, MLSTMState]:
    """Every step at once: q, k, v (B, NH, T, d), ĩ, f̃ (B, NH, T) → h̃ (B, NH, T, d), state.

    With F_t = Σ_{r ≤ t} log f_r, the weight of the write at step s in the memory at step t is
    D_ts = exp(F_t − F_s + ĩ_s) for s ≤ t (0 after t), and the initial memory's is
    D_t0 = exp(F_t + m_0). Stabilised by m_t = max(max_s log D_ts, log D_t0), the recurrence's m_t:

        h̃_t = (Σ_s D_ts (q_t·k_s/√d) v_s + D_t0 C_0 q_t) / max(|Σ_s D_ts q_t·k_s/√d + D_t0 n_0·q_t|,
               e^{−m_t})
    """
    q, k, v, i_tilde, f_tilde, _ = p
    T, d = q.shape[-2], q.shape[-1]
    C0, n0, m0 = state
    k = k / math.sqrt(d)
    log_f = F.logsigmoid(f_tilde)  # (B, NH, T)
    F_ = log_f.cumsum(-1)  # F_t, (B, NH, T)
    causal = torch.ones(T, T, dtype=torch.bool, device=q.device).tril()  # [t, s]: s ≤ t
    log_D = (F_[..., :, None] - F_[..., None, :] + i_tilde[..., None, :]).masked_fill(
        ~causal, -math.inf
    )  # (B, NH, T, T)
    log_D0 = F_ + m0[..., None]  # (B, NH, T)
    m = torch.maximum(log_D.amax(-1), log_D0).detach()  # (B, NH, T)
    D = torch.exp(log_D - m[..., None])  # (B, NH, T, T)
    D0 = torch.exp(log_D0 - m)  # (B, NH, T)
    S = (q @ k.transpose(-1, -2)) * D  # (B, NH, T, T)
    numerator = S @ v + D0[..., None] * torch.einsum("bhvk,bhtk->bhtv", C0, q)  # (B, NH, T, d)
    qn = S.sum(-1) + D0 * torch.einsum("bhk,bhtk->bht", n0, q)  # (B, NH, T)
    denominator = torch.maximum(qn.abs(), torch.exp(-m)) + eps
    h = numerator / denominator[..., None]
    # The final state: the last row of D weighs every write, D0's last entry the initial memory.
    w, w0 = D[..., -1, :], D0[..., -1]  # (B, NH, T), (B, NH)
    C = w0[..., None, None] * C0 + torch.einsum("bhs,bhsv,bhsk->bhvk", w, v, k)
    n = w0[..., None] * n0 + torch.einsum("bhs,bhsk->bhk", w, k)
    return h, MLSTMState(C, n, m[..., -1])


def mlstm_chunkwise(
    p: MLSTMInputs, state: MLSTMState, chunk_size: int = 64, eps: float = EPS
) -> tuple[Tensor, MLSTMState]:
    """The parallel form on chunks of ``chunk_size`` steps, each starting from the state the
    previous chunk left: O(T·chunk_size) time and memory instead of O(T²)."""
    T = p.q.shape[-2]
    hs = []
    for s in range(0, T, chunk_size):
        h, state = mlstm_parallel(p.steps(slice(s, s + chunk_size)), state, eps)
        hs.append(h)
    return torch.cat(hs, dim=-2), state  # (B, NH, T, d)
