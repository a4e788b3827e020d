"""A recurrent layer unrolled step by step with the reference cell equations (``lstmlab.cells``),
so that every state h_t, c_t is a tensor of its own whose gradient can be read."""

from __future__ import annotations

import torch
from torch import Tensor

from lstmlab.cells import LSTMWeights, gru_step, lstm_step, rnn_step
from lstmlab.cells.lstm import sigmoid_state
from lstmlab.cells.minimal import min_gru_step, min_lstm_step
from lstmlab.cells.mlstm import MLSTMState, mlstm_inputs, mlstm_step
from lstmlab.cells.slstm import SLSTMWeights, slstm_step
from lstmlab.layers import GRU, LSTM, MLSTM, RNN, SLSTM, MinGRU, MinLSTM

__all__ = ["unroll"]


def unroll(
    core: LSTM | GRU | RNN | SLSTM | MLSTM | MinLSTM | MinGRU, z: Tensor
) -> tuple[Tensor, dict[str, list[list[Tensor]]]]:
    """Run ``core`` (unidirectional, time-major) on z (T, B, I) one step at a time.

    Returns the top layer's last output (B, H) and the states: ``states[name][t][k]`` is state
    ``name`` ("h", and "c" for an LSTM) of layer k after step t, each (B, H), each the very tensor
    that step t + 1 reads, so its ``.grad`` (after ``retain_grad``) is the total derivative
    ∂L/∂h_t through the recurrence. Dropout between layers is not applied (use eval mode).
    An sLSTM reports h and c (in the stabilised units the next step reads); an mLSTM, whose
    only recurrent state is its memory, reports C as "c" (B, NH, d, d).
    """
    if core.num_directions != 1:
        raise ValueError(
            f"core: expected a unidirectional layer, got {core.num_directions} directions"
        )
    T, B, _ = z.shape  # steps, batch, features
    L = core.num_layers
    w = [core.layer_weights(k) for k in range(L)]
    zeros = z.new_zeros
    if isinstance(core, SLSTM | MLSTM):
        return _unroll_xlstm(core, z)
    states: dict[str, list[list[Tensor]]] = {name: [] for name in core.state_names}
    if isinstance(core, LSTM):
        opts, H = core.options, core.hidden_size
        S = len(opts.sigmoid_gates) * H if opts.gate_recurrence else 0
        h = [zeros(B, core.proj_size or H) for _ in range(L)]  # (B, P) per layer
        c = [zeros(B, H) for _ in range(L)]  # (B, H) per layer
        s = [zeros(B, S) for _ in range(L)]  # (B, S·H) FGR gate state per layer
        for t in range(T):
            inp = z[t]  # (B, I)
            for k in range(L):
                y = lstm_step(opts, LSTMWeights(**w[k]), inp, h[k], c[k], s[k])
                h[k], c[k] = y.h, y.c
                if opts.gate_recurrence:
                    s[k] = sigmoid_state(opts, y)
                inp = y.h
            states["h"].append(list(h))
            states["c"].append(list(c))
        return h[-1], states
    if isinstance(core, MinGRU | MinLSTM):  # the sequential mode, the scan's twin
        step = min_gru_step if isinstance(core, MinGRU) else min_lstm_step
        h = [zeros(B, core.hidden_size) for _ in range(L)]
        for t in range(T):
            inp = z[t]
            for k in range(L):
                h[k] = step(w[k]["weight_ih"], w[k].get("bias_ih"), inp, h[k]).h
                inp = h[k]
            states["h"].append(list(h))
        return h[-1], states
    h = [zeros(B, core.hidden_size) for _ in range(L)]
    for t in range(T):
        inp = z[t]
        for k in range(L):
            weights = (
                w[k]["weight_ih"],
                w[k]["weight_hh"],
                w[k].get("bias_ih"),
                w[k].get("bias_hh"),
            )
            if isinstance(core, GRU):
                h[k] = gru_step(*weights, inp, h[k], reset_after=core.reset_after).h
            else:
                h[k] = rnn_step(*weights, inp, h[k], nonlinearity=core.nonlinearity).h
            inp = h[k]
        states["h"].append(list(h))
    return h[-1], states


def _unroll_xlstm(core: SLSTM | MLSTM, z: Tensor) -> tuple[Tensor, dict[str, list[list[Tensor]]]]:
    T, B, _ = z.shape  # steps, batch, features
    L, H = core.num_layers, core.hidden_size
    w = [core.layer_weights(k) for k in range(L)]
    if isinstance(core, SLSTM):
        s = [[z.new_zeros(B, H) for _ in range(4)] for _ in range(L)]  # (h, c, n, m) per layer
        states: dict[str, list[list[Tensor]]] = {"h": [], "c": []}
        for t in range(T):
            inp = z[t]  # (B, I)
            for k in range(L):
                y = slstm_step(SLSTMWeights(**w[k]), inp, *s[k], forget_gate=core.forget_gate)
                s[k] = [y.h, y.c, y.n, y.m]
                inp = y.h
            states["h"].append([sk[0] for sk in s])
            states["c"].append([sk[1] for sk in s])
        return inp, states
    NH, d = core.num_heads, core.head_dim
    mem = [MLSTMState(z.new_zeros(B, NH, d, d), z.new_zeros(B, NH, d), z.new_zeros(B, NH))] * L
    states = {"c": []}
    for t in range(T):
        inp = z[t]
        for k in range(L):
            p = mlstm_inputs(w[k]["weight_ih"], w[k].get("bias"), inp.unsqueeze(0), NH)
            h_tilde, mem[k] = mlstm_step(
                p.q[:, :, 0], p.k[:, :, 0], p.v[:, :, 0], p.i_tilde[..., 0], p.f_tilde[..., 0],
                mem[k],
            )  # fmt: skip
            inp = torch.sigmoid(p.o_tilde[:, 0]) * h_tilde.reshape(B, H)  # (B, H)
        states["c"].append([m.C for m in mem])
    return inp, states
