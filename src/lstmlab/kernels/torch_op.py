"""torch's own fused recurrence (cuDNN on CUDA) with lstmlab's weights, for the plain calls.

``kernels.select`` sends a CUDA call of the plain torch.nn maths here (vanilla LSTM with or without
projection, GRU with reset_after=True, RNN tanh/relu; no gate read-out), so a GPU user gets the
kernel torch.nn.LSTM/GRU/RNN would run, with the same weights, and loses nothing against torch.nn.
The ops are ``torch._VF.lstm/gru/rnn_tanh/rnn_relu``, the functions torch.nn.RNNBase.forward
calls, for a whole stack (``stack``, as torch.nn calls them) or one layer and one direction
(``layer``, the per-layer kernel the dispatch's ``_layer`` runs): in their packed form, or in the
dense (T, B, ·) form when every sequence has the same length, as torch.nn passes a tensor; one
layer's reverse direction runs the forward op on time-reversed rows (``packing.time_reversal``).
They run on CPU too, which is how ``tests/kernels/test_dispatch.py`` checks them against the
reference here. On CPU the rule also sends small plain float32 LSTM batches of one length here:
the dense form of the call reaches oneDNN's fused LSTM primitive.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from lstmlab.kernels.packing import one_length, time_reversal
from lstmlab.kernels.reference import Call

__all__ = ["OPS", "WEIGHT_NAMES", "stack", "full_batch", "layer"]

#: torch.nn's parameters of one layer and direction, in the order of its flat weight list.
WEIGHT_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")


def _params(w_ih: Tensor, w_hh: Tensor, b_ih, b_hh, *rest) -> list[Tensor]:
    """torch's flat parameter list: both biases or neither (a missing one of the two is 0)."""
    if b_ih is None and b_hh is None:
        return [w_ih, w_hh, *(p for p in rest if p is not None)]
    b_ih = torch.zeros_like(b_hh) if b_ih is None else b_ih
    b_hh = torch.zeros_like(b_ih) if b_hh is None else b_hh
    return [w_ih, w_hh, b_ih, b_hh, *(p for p in rest if p is not None)]


#: torch's op for each torch.nn mode (``RNNBase.mode``).
OPS = {
    "LSTM": torch._VF.lstm,
    "GRU": torch._VF.gru,
    "RNN_TANH": torch._VF.rnn_tanh,
    "RNN_RELU": torch._VF.rnn_relu,
}


def _flat(
    weights: Sequence[Sequence[Tensor | None]], bidirectional: bool
) -> tuple[list[Tensor], bool, int]:
    """torch's flat parameter list, has_biases and num_layers for the ``weights`` of ``stack``."""
    params = [p for w in weights for p in _params(*w)]
    has_biases = weights[0][2] is not None or weights[0][3] is not None
    return params, has_biases, len(weights) // (2 if bidirectional else 1)


def _hx(mode: str, states: Sequence[Tensor]) -> Tensor | tuple[Tensor, ...]:
    return tuple(states) if mode == "LSTM" else states[0]


def _train(dropout: float) -> bool:
    """The op's ``train`` flag. cuDNN keeps what backward needs only in training mode: train when
    a gradient may flow, and when there is dropout to apply (the op applies it only then)."""
    return torch.is_grad_enabled() or dropout > 0


def full_batch(
    mode: str,
    x: Tensor,
    states: Sequence[Tensor],
    params: list[Tensor],
    has_biases: bool,
    num_layers: int,
    dropout: float,
    bidirectional: bool,
    batch_first: bool,
) -> tuple[Tensor, list[Tensor]]:
    """torch.nn's one call on a full batch tensor x (T, B, I) ((B, T, I) with ``batch_first``),
    given torch's flat parameter list (W_ih, W_hh[, b_ih, b_hh][, W_hr] of each layer and
    direction, layer-major) → out, in x's layout, and the final states, each (L·D, B, ·)."""
    out, *finals = OPS[mode](
        x, _hx(mode, states), params, has_biases, num_layers, dropout, _train(dropout),
        bidirectional, batch_first,
    )  # fmt: skip
    return out, finals


def stack(
    mode: str,
    x: Tensor,
    batch_sizes: Sequence[int] | None,
    states: Sequence[Tensor],
    weights: Sequence[Sequence[Tensor | None]],
    bidirectional: bool = False,
    dropout: float = 0.0,
    *,
    reverse: bool = False,
    batch_first: bool = False,
) -> tuple[Tensor, list[Tensor]]:
    """torch.nn's one call for a whole stack of torch.nn ``mode`` ("LSTM", "GRU", "RNN_TANH",
    "RNN_RELU"): x (N, I) packed rows; ``states`` torch's hx, each (L·D, B, ·) (h, and c for
    the LSTM); ``weights`` (W_ih, W_hh, b_ih, b_hh[, W_hr]) of each layer and direction,
    layer-major, None for a missing one; ``dropout`` on the outputs of every layer but the last
    → out (N, D·P) and the final states, each (L·D, B, ·).
    ``reverse``: one layer in one direction, run from the last step.

    Sequences of one length go to the op as the (T, B, I) tensor, as torch.nn passes a tensor
    (on CPU only that form reaches oneDNN's fused LSTM primitive); others in the packed form, as
    torch.nn passes a PackedSequence. ``batch_sizes=None``: x is that tensor already, a full
    batch (T, B, I), or (B, T, I) with ``batch_first``, and so is the output."""
    params, has_biases, layers = _flat(weights, bidirectional)
    common = (params, has_biases, layers, dropout, bidirectional)
    if batch_sizes is None:
        return full_batch(mode, x, states, *common, batch_first)
    B, T = batch_sizes[0], len(batch_sizes)
    if one_length(batch_sizes):
        full = x.view(T, B, x.shape[1])
        full = full.flip(0) if reverse else full
        out, finals = full_batch(mode, full, states, *common, False)
        out = out.flip(0) if reverse else out
        return out.reshape(T * B, out.shape[2]), finals
    bs = torch.tensor(list(batch_sizes), dtype=torch.long)  # on CPU, as torch.nn passes it
    flip = time_reversal(batch_sizes, x.device) if reverse else None
    x = x.index_select(0, flip) if reverse else x
    hx, train = _hx(mode, states), _train(dropout)
    out, *finals = OPS[mode](x, bs, hx, params, has_biases, layers, dropout, train, bidirectional)
    out = out.index_select(0, flip) if reverse else out
    return out, finals


def layer(mode: str, call: Call) -> tuple:
    """One layer and direction of torch.nn ``mode`` on torch's op: ``call.state`` (h0[, c0]),
    each (B, ·); ``call.weights`` begin with torch's (W_ih, W_hh, b_ih, b_hh[, W_hr]), as the
    GRU/RNN lists and ``LSTMWeights`` (whose first five fields are those) do → out (N, ·) and
    each final state (B, ·)."""
    states = [s[None] for s in call.state]
    weights = [tuple(call.weights[:5])]
    out, finals = stack(mode, call.x, call.batch_sizes, states, weights, reverse=call.reverse)
    return (out, *(s[0] for s in finals))
