"""Fake ("meta") kernels of the C++ ops, for torch.compile: the shapes, dtypes and devices each
op returns, computed without data (``torch.library.register_fake``). They mirror the allocations
at the end of every op in ``csrc/``; what an op is not asked for comes back with 0 elements.
``tests/compat/test_compile.py`` runs every op both ways and compares the metadata."""

from __future__ import annotations

import functools

import torch
from torch import Tensor

__all__ = ["register"]


def _empty(like: Tensor) -> Tensor:
    return like.new_empty(0)


def lstm_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, perm, w_hr, w_peep, w_gr, s0, batch_sizes,
                 chunks, flags, reverse, save):  # fmt: skip
    N, (GH, P) = x.shape[0], w_hh.shape
    H = w_hr.shape[1] if w_hr is not None else P
    B = h0.shape[0] if h0 is not None else (batch_sizes[0] if len(batch_sizes) else 0)
    AT = x.new_empty(GH, N) if save else _empty(x)  # (G·H, N)
    CT = x.new_empty(H, N) if save else _empty(x)  # (H, N)
    MT = x.new_empty(H, N) if save and w_hr is not None else _empty(x)
    return x.new_empty(N, P), AT, CT, MT, x.new_empty(B, P), x.new_empty(B, H)


def lstm_backward(x, out, h0, AT, CT, c0, w_ih, w_hh, perm, w_hr, w_peep, w_gr, d_out, d_hn,
                  d_cn, d_sn, batch_sizes, chunks, flags, reverse, need_dx, keep_dz):  # fmt: skip
    (GH, N), (_, P), I = AT.shape, w_hh.shape, x.shape[1]
    H = CT.shape[0]
    B = c0.shape[0] if c0 is not None else (batch_sizes[0] if len(batch_sizes) else 0)
    S = w_peep.shape[0] if w_peep is not None else 0
    return (
        AT.new_empty(N, I) if need_dx else _empty(AT),  # dx
        AT.new_empty(GH, I),  # dW_ih
        AT.new_empty(GH, P),  # dW_hh
        AT.new_empty(GH),  # db_ih
        AT.new_empty(GH),  # db_hh
        AT.new_empty(B, P),  # dh0
        AT.new_empty(B, H),  # dc0
        AT.new_empty(S, H) if w_peep is not None else _empty(AT),  # dpeep
        AT.new_empty(GH, N) if keep_dz else _empty(AT),  # dZ (G·H, N)
        AT.new_empty(P, N) if w_hr is not None else _empty(AT),  # dH (P, N)
        AT.new_empty(B, w_gr.shape[0]) if w_gr is not None else _empty(AT),  # ds0 (B, S·H)
    )


def gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, chunks, reset_after, reverse, save):
    N, (B, H) = x.shape[0], h0.shape
    gates = x.new_empty(N, 4 * H) if save else _empty(x)  # (N, 4H)
    return x.new_empty(N, H), x.new_empty(B, H), gates


def gru_backward(grad_out, grad_hn, x, h0, w_ih, w_hh, out, gates, batch_sizes, chunks,
                 reset_after, reverse, need_x, need_w):  # fmt: skip
    N, H = out.shape
    dx = x.new_empty(N, x.shape[1]) if need_x else _empty(x)
    if not need_w:
        return dx, x.new_empty(h0.shape), *(_empty(x) for _ in range(4))
    return (dx, x.new_empty(h0.shape), x.new_empty(w_ih.shape), x.new_empty(w_hh.shape),
            x.new_empty(3 * H), x.new_empty(3 * H))  # fmt: skip


def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, batch_sizes, chunks, relu, reverse):
    return x.new_empty(x.shape[0], h0.shape[1]), x.new_empty(h0.shape)


def rnn_backward(grad_out, grad_hn, x, h0, w_ih, w_hh, out, batch_sizes, chunks, relu, reverse,
                 need_x, need_w):  # fmt: skip
    N, H = out.shape
    dx = x.new_empty(N, x.shape[1]) if need_x else _empty(x)
    if not need_w:
        return dx, x.new_empty(h0.shape), _empty(x), _empty(x), _empty(x)
    return (
        dx,
        x.new_empty(h0.shape),
        x.new_empty(w_ih.shape),
        x.new_empty(w_hh.shape),
        x.new_empty(H),
    )


def slstm_forward(x, h0, c0, n0, m0, w_ih, w_hh, bias, batch_sizes, exp_forget, reverse, save):
    N, (B, H) = x.shape[0], h0.shape
    G = x.new_empty(N, 6 * H) if save else _empty(x)  # (N, 6H)
    rows = [x.new_empty(N, H) if save else _empty(x) for _ in range(3)]  # C, Nn, M
    return (x.new_empty(N, H), *(x.new_empty(B, H) for _ in range(4)), G, *rows)


def slstm_backward(grad_out, grad_hn, grad_cn, grad_nn, x, h0, c0, n0, w_ih, w_hh, out, gates,
                   c, n, batch_sizes, exp_forget, reverse, need_x, need_w):  # fmt: skip
    N, H = out.shape
    dx = x.new_empty(N, x.shape[1]) if need_x else _empty(x)
    states = [x.new_empty(h0.shape) for _ in range(4)]  # dh0, dc0, dn0, dm0
    if not need_w:
        return dx, *states, _empty(x), _empty(x), _empty(x)
    return dx, *states, x.new_empty(w_ih.shape), x.new_empty(w_hh.shape), x.new_empty(4 * H)


@functools.cache
def register() -> None:
    """Register every fake kernel, once, after the library defining the ops is loaded."""
    for fn in (lstm_forward, lstm_backward, gru_forward, gru_backward, rnn_forward, rnn_backward,
               slstm_forward, slstm_backward):  # fmt: skip
        torch.library.register_fake(f"lstmlab::{fn.__name__}", fn)
