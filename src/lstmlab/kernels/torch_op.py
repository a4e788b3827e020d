"""torch's own fused recurrence (cuDNN on CUDA) with lstmlab's weights, for the plain calls.

``kernels.select`` sends a CUDA call of the plain torch.nn maths here (vanilla LSTM with or without
projection, GRU with reset_after=True, RNN tanh/relu; no gate read-out), so a GPU user gets the
kernel torch.nn.LSTM/GRU/RNN would run, with the same weights, and loses nothing against torch.nn.
The ops are ``torch._VF.lstm/gru/rnn_tanh/rnn_relu``, the functions torch.nn.RNNBase.forward
calls, for one layer and one direction: in their packed form, or in the dense (T, B, ·) form
when every sequence has the same length, as torch.nn passes a tensor; the reverse direction runs
the forward op on time-reversed rows (``packing.time_reversal``). They run on CPU too, which is how
``tests/kernels/test_dispatch.py`` checks them against the reference here. On CPU the rule
also sends small plain float32 LSTM batches of one length here: the dense form of the call
reaches oneDNN's fused LSTM primitive.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from lstmlab.cells.lstm import LSTMWeights
from lstmlab.kernels.packing import one_length, time_reversal

__all__ = ["lstm_torch", "gru_torch", "rnn_torch"]


def _params(w_ih: Tensor, w_hh: Tensor, b_ih, b_hh, *rest) -> list[Tensor]:
    """torch's flat parameter list: both biases or neither (a missing one of the two is 0)."""
    if b_ih is None and b_hh is None:
        return [w_ih, w_hh, *(p for p in rest if p is not None)]
    b_ih = torch.zeros_like(b_hh) if b_ih is None else b_ih
    b_hh = torch.zeros_like(b_ih) if b_hh is None else b_hh
    return [w_ih, w_hh, b_ih, b_hh, *(p for p in rest if p is not None)]


def _run(op, x: Tensor, batch_sizes: Sequence[int], hx, params, reverse: bool):
    """``op`` over packed rows x (N, I); returns the output (N, ·) and the final states.

    Sequences of one length are passed as the dense (T, B, I) tensor, as torch.nn passes a
    tensor (on CPU only the dense form reaches oneDNN's fused LSTM); others in the packed form,
    as torch.nn passes a PackedSequence."""
    has_biases = len(params) >= 4  # w_ih, w_hh, b_ih, b_hh[, w_hr]
    # cuDNN keeps what backward needs only in training mode: train when a gradient may flow.
    train = torch.is_grad_enabled()
    B, T = batch_sizes[0], len(batch_sizes)
    if one_length(batch_sizes):
        dense = x.view(T, B, x.shape[1])
        dense = dense.flip(0) if reverse else dense
        out, *states = op(dense, hx, params, has_biases, 1, 0.0, train, False, False)
        out = out.flip(0) if reverse else out
        return out.reshape(T * B, out.shape[2]), [s[0] for s in states]
    bs = torch.tensor(list(batch_sizes), dtype=torch.long)  # on CPU, as torch.nn passes it
    flip = time_reversal(batch_sizes, x.device) if reverse else None
    x = x.index_select(0, flip) if reverse else x
    out, *states = op(x, bs, hx, params, has_biases, 1, 0.0, train, False)
    out = out.index_select(0, flip) if reverse else out
    return out, [s[0] for s in states]


def lstm_torch(
    x: Tensor, batch_sizes: Sequence[int], h0: Tensor, c0: Tensor, w: LSTMWeights, reverse: bool
) -> tuple[Tensor, Tensor, Tensor]:
    """Vanilla LSTM (optionally projected): x (N, I), h0 (B, P), c0 (B, H) → out, h_n, c_n."""
    params = _params(w.weight_ih, w.weight_hh, w.bias_ih, w.bias_hh, w.weight_hr)
    out, (h, c) = _run(torch._VF.lstm, x, batch_sizes, (h0[None], c0[None]), params, reverse)
    return out, h, c


def gru_torch(
    x: Tensor, batch_sizes: Sequence[int], h0: Tensor, weights: Sequence[Tensor | None], reverse
) -> tuple[Tensor, Tensor]:
    """GRU (reset_after=True): x (N, I), h0 (B, H) → out (N, H), h_n (B, H)."""
    out, (h,) = _run(torch._VF.gru, x, batch_sizes, h0[None], _params(*weights), reverse)
    return out, h


def rnn_torch(
    x: Tensor,
    batch_sizes: Sequence[int],
    h0: Tensor,
    weights: Sequence[Tensor | None],
    nonlinearity: str,
    reverse: bool,
) -> tuple[Tensor, Tensor]:
    """Elman RNN: x (N, I), h0 (B, H) → out (N, H), h_n (B, H)."""
    op = torch._VF.rnn_tanh if nonlinearity == "tanh" else torch._VF.rnn_relu
    out, (h,) = _run(op, x, batch_sizes, h0[None], _params(*weights), reverse)
    return out, h
