"""The LSTM cell, written as its equations (Hochreiter & Schmidhuber 1997; Gers et al. 2000).

Every variant of the family is an option of this one step (see ``LSTMOptions``); the fused kernel
in ``lstmlab.kernels`` computes the same thing and is tested against it.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from lstmlab.cells.options import LSTMOptions

__all__ = ["LSTMWeights", "LSTMStep", "lstm_step", "lstm_shapes"]


class LSTMWeights(NamedTuple):
    """The parameters of one LSTM layer and direction; ``None`` where an option removes them.

    Rows of ``weight_ih``/``weight_hh``/biases are the gates ``LSTMOptions.gates`` in torch.nn.LSTM
    order (i, f, g, o), each ``hidden_size`` long.
    """

    weight_ih: Tensor  # (G·H, I)
    weight_hh: Tensor  # (G·H, P), P = proj_size or H
    bias_ih: Tensor | None = None  # (G·H,); None with bias=False (the layer then omits the key)
    bias_hh: Tensor | None = None  # (G·H,)
    weight_hr: Tensor | None = None  # (P, H) projection (Sak et al. 2014)
    weight_peep: Tensor | None = None  # (len(peepholes), H) diagonal peephole weights p_i, p_f, p_o
    weight_gr: Tensor | None = None  # (S·H, S·H) FGR recurrent gate weights, S = sigmoid gates


class LSTMStep(NamedTuple):
    """Everything one step computes. A gate an option removes is the constant 1.0."""

    f: Tensor | float
    i: Tensor | float
    g: Tensor
    o: Tensor | float
    c: Tensor
    h: Tensor


def lstm_shapes(
    opts: LSTMOptions, input_size: int, hidden_size: int, proj_size: int = 0, bias: bool = True
) -> dict[str, tuple[int, ...]]:
    """Shapes of the parameters of one layer and direction, keyed by ``LSTMWeights`` field."""
    G, S, H = len(opts.gates), len(opts.sigmoid_gates), hidden_size
    P = proj_size or H
    shapes: dict[str, tuple[int, ...]] = {"weight_ih": (G * H, input_size), "weight_hh": (G * H, P)}
    if bias:
        shapes |= {"bias_ih": (G * H,), "bias_hh": (G * H,)}
    if proj_size:
        shapes["weight_hr"] = (proj_size, H)
    if opts.peephole:
        shapes["weight_peep"] = (len(opts.peepholes), H)
    if opts.gate_recurrence:
        shapes["weight_gr"] = (S * H, S * H)
    return shapes


def lstm_step(
    opts: LSTMOptions,
    w: LSTMWeights,
    x: Tensor,
    h: Tensor,
    c: Tensor,
    s: Tensor | None = None,
) -> LSTMStep:
    """One step of the LSTM:

        f = σ(W_f·[h, x] + p_f ⊙ c + b_f)        (f = 1 without a forget gate)
        i = σ(W_i·[h, x] + p_i ⊙ c + b_i)        (i = 1 − f if coupled, 1 without an input gate)
        g = tanh(W_g·[h, x] + b_g)               (linear without input activation)
        c' = f ⊙ c + i ⊙ g
        o = σ(W_o·[h, x] + p_o ⊙ c' + b_o)       (o = 1 without an output gate)
        h' = o ⊙ tanh(c')                        (o ⊙ c' without output activation)
        h' = W_hr·h'                             (with a projection)

    ``x`` is (B, I), ``h`` (B, P), ``c`` (B, H); ``s`` (B, S·H) holds the previous activations of
    the sigmoid gates, needed only with gate recurrence (FGR).
    """
    z = F.linear(x, w.weight_ih, w.bias_ih) + F.linear(h, w.weight_hh, w.bias_hh)  # (B, G·H)
    z = dict(zip(opts.gates, z.chunk(len(opts.gates), dim=-1), strict=True))
    if opts.gate_recurrence:
        r = F.linear(s, w.weight_gr).chunk(len(opts.sigmoid_gates), dim=-1)  # S × (B, H)
        for k, r_k in zip(opts.sigmoid_gates, r, strict=True):
            z[k] = z[k] + r_k
    p = dict(zip(opts.peepholes, w.weight_peep, strict=True)) if opts.peephole else {}

    def pre(k: str, c_: Tensor) -> Tensor:  # a gate's pre-activation with its peephole term
        return z[k] + p[k] * c_ if k in p else z[k]

    f = torch.sigmoid(pre("f", c)) if opts.forget_gate else 1.0
    if opts.coupled:
        i = 1 - f
    else:
        i = torch.sigmoid(pre("i", c)) if opts.input_gate else 1.0
    g = torch.tanh(z["g"]) if opts.input_activation else z["g"]
    c = f * c + i * g
    o = torch.sigmoid(pre("o", c)) if opts.output_gate else 1.0
    h = o * (torch.tanh(c) if opts.output_activation else c)
    if w.weight_hr is not None:
        h = F.linear(h, w.weight_hr)
    return LSTMStep(f=f, i=i, g=g, o=o, c=c, h=h)


def sigmoid_state(opts: LSTMOptions, step: LSTMStep) -> Tensor:
    """The FGR recurrent input for the next step: [i, f, o] of the gates that have weights."""
    return torch.cat([getattr(step, k) for k in opts.sigmoid_gates], dim=-1)  # (B, S·H)
