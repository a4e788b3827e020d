"""The fused functions' positional signatures (``fused_lstm.lstm_fused`` …) through the dispatch,
so a test written for a fused function runs under either rule of the ``rule`` fixture."""

from __future__ import annotations

from lstmlab import kernels


def lstm_kernel(x, batch_sizes, h0, c0, w, opts, reverse=False, return_gates=False):
    return kernels.lstm_sequence(
        x, batch_sizes, h0, c0, w, opts, reverse=reverse, return_gates=return_gates, backend="fused"
    )


def gru_kernel(x, batch_sizes, h0, weights, reset_after=True, reverse=False, return_gates=False):
    return kernels.gru_sequence(
        x, batch_sizes, h0, weights, reset_after,
        reverse=reverse, return_gates=return_gates, backend="fused",
    )  # fmt: skip


def rnn_kernel(x, batch_sizes, h0, weights, nonlinearity="tanh", reverse=False, return_gates=False):
    return kernels.rnn_sequence(
        x, batch_sizes, h0, weights, nonlinearity,
        reverse=reverse, return_gates=return_gates, backend="fused",
    )  # fmt: skip
