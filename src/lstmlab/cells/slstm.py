"""The sLSTM cell: the LSTM with exponential gating and a normaliser (Beck et al. 2024, xLSTM §2.2).

The fused kernel in ``lstmlab.kernels`` computes the same step and is tested against it.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["SLSTMWeights", "SLSTMStep", "slstm_step", "slstm_shapes", "FORGET_GATES"]

#: The forget gate's activation: σ (its log is log σ(f̃)) or exp (its log is f̃); xLSTM §2.2.
FORGET_GATES = ("sigmoid", "exp")


class SLSTMWeights(NamedTuple):
    """The parameters of one sLSTM layer and direction.

    Rows of ``weight_ih``, ``weight_hh`` and ``bias`` are the gates i, f, z, o (xLSTM's order),
    each H long, units in head order. ``weight_hh`` holds only the diagonal blocks of R: row
    ``g·H + k·d + a``, column ``b`` is R[g·H + k·d + a, k·d + b], head k of ``heads`` with
    d = H / heads units each — a head's units see only their own head's h_{t−1} (xLSTM §2.2).
    """

    weight_ih: Tensor  # (4H, I)  W
    weight_hh: Tensor  # (4H, d)  the blocks of R
    bias: Tensor | None = None  # (4H,)  b


class SLSTMStep(NamedTuple):
    """Everything one step computes; i and f are the stabilised gates i', f'."""

    i: Tensor
    f: Tensor
    z: Tensor
    o: Tensor
    c: Tensor
    n: Tensor
    m: Tensor
    h: Tensor


def slstm_shapes(input_size: int, hidden_size: int, heads: int, bias: bool = True):
    """Shapes of the parameters of one layer and direction, keyed by ``SLSTMWeights`` field."""
    H, d = hidden_size, hidden_size // heads
    shapes: dict[str, tuple[int, ...]] = {"weight_ih": (4 * H, input_size), "weight_hh": (4 * H, d)}
    if bias:
        shapes["bias"] = (4 * H,)
    return shapes


def recurrent_product(weight_hh: Tensor, h: Tensor) -> Tensor:
    """R·h with R block-diagonal over heads: (4H, d) blocks, h (B, H) → (B, 4H)."""
    B, H = h.shape
    d = weight_hh.shape[1]
    R = weight_hh.view(4, H // d, d, d)  # (gate, head, row a, column b)
    r = torch.einsum("gkab,nkb->ngka", R, h.view(B, H // d, d))  # (B, 4, heads, d)
    return r.reshape(B, 4 * H)


def slstm_step(
    w: SLSTMWeights,
    x: Tensor,
    h: Tensor,
    c: Tensor,
    n: Tensor,
    m: Tensor,
    forget_gate: str = "sigmoid",
) -> SLSTMStep:
    """One step of the sLSTM (xLSTM §2.2, eqs. 8–17, with the stabiliser of eqs. 15–17):

        ĩ, f̃, z̃, õ = W·x + R·h + b               R block-diagonal over heads
        log f = log σ(f̃)                          (f̃ with forget_gate="exp")
        m' = max(log f + m, ĩ)                    (m' = ĩ where n = 0: the memory is empty)
        i' = exp(ĩ − m')
        f' = exp(log f + m − m')
        c' = f' ⊙ c + i' ⊙ tanh(z̃)
        n' = f' ⊙ n + i'
        h' = σ(õ) ⊙ c' / n'

    ``x`` is (B, I); ``h``, ``c``, ``n``, ``m`` are (B, H). The state (c, n, m) stands for the
    unstabilised memory c·e^m and normaliser n·e^m, so h' does not depend on the choice of m'.
    Hence m' carries no gradient (it is detached, as in the authors' kernel), and the rule
    m' = ĩ where n = 0 (also theirs) only avoids 0/0 on the first step: n' = 1 there. f' never
    exceeds 1 (the authors' min(f', 1)); it matters only in that first step, where f' multiplies
    c = n = 0.
    """
    z_all = F.linear(x, w.weight_ih, w.bias) + recurrent_product(w.weight_hh, h)  # (B, 4H)
    i_tilde, f_tilde, z_tilde, o_tilde = z_all.chunk(4, dim=-1)  # 4 × (B, H)
    log_f = F.logsigmoid(f_tilde) if forget_gate == "sigmoid" else f_tilde
    with torch.no_grad():
        m_new = torch.where(n == 0, i_tilde, torch.maximum(log_f + m, i_tilde))
    i = torch.exp(i_tilde - m_new)
    f = torch.exp(torch.clamp(log_f + m - m_new, max=0.0))
    z = torch.tanh(z_tilde)
    o = torch.sigmoid(o_tilde)
    c = f * c + i * z
    n = f * n + i
    h = o * c / n
    return SLSTMStep(i=i, f=f, z=z, o=o, c=c, n=n, m=m_new, h=h)
