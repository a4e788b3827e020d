"""Every cell of the LSTM family, written as its equations."""

from lstmlab.cells.gru import GRUStep, gru_shapes, gru_step
from lstmlab.cells.lstm import LSTMStep, LSTMWeights, lstm_shapes, lstm_step
from lstmlab.cells.minimal import MinGRUStep, MinLSTMStep, min_gru_step, min_lstm_step
from lstmlab.cells.modules import GRUCell, LSTMCell, RNNCell
from lstmlab.cells.options import VARIANTS, LSTMOptions, resolve_variant
from lstmlab.cells.rnn import RNNStep, rnn_shapes, rnn_step

__all__ = [
    "LSTMOptions",
    "VARIANTS",
    "resolve_variant",
    "LSTMWeights",
    "LSTMStep",
    "lstm_step",
    "lstm_shapes",
    "GRUStep",
    "gru_step",
    "gru_shapes",
    "RNNStep",
    "rnn_step",
    "rnn_shapes",
    "MinGRUStep",
    "min_gru_step",
    "MinLSTMStep",
    "min_lstm_step",
    "LSTMCell",
    "GRUCell",
    "RNNCell",
]
