"""The fused functions' signatures (``fused_lstm.lstm_fused(call, opts)`` …: a ``reference.Call``
and the cell's options) through the dispatch, so a test written for a fused function runs under
either rule of the ``rule`` fixture."""

from __future__ import annotations

from lstmlab import kernels
from lstmlab.kernels.reference import Call


def lstm_kernel(call: Call, opts, backend="fused"):
    x, batch_sizes, (h0, c0), w, reverse, return_gates = call
    return kernels.lstm_sequence(
        x, batch_sizes, h0, c0, w, opts, reverse=reverse, return_gates=return_gates, backend=backend
    )


def gru_kernel(call: Call, reset_after=True):
    x, batch_sizes, (h0,), weights, reverse, return_gates = call
    return kernels.gru_sequence(
        x, batch_sizes, h0, weights, reset_after,
        reverse=reverse, return_gates=return_gates, backend="fused",
    )  # fmt: skip


def rnn_kernel(call: Call, nonlinearity="tanh"):
    x, batch_sizes, (h0,), weights, reverse, return_gates = call
    return kernels.rnn_sequence(
        x, batch_sizes, h0, weights, nonlinearity,
        reverse=reverse, return_gates=return_gates, backend="fused",
    )  # fmt: skip
