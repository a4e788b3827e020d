"""lstmlab: the LSTM network and its family, from their formulas to the lab."""

from lstmlab.cells import VARIANTS, GRUCell, LSTMCell, LSTMOptions, RNNCell
from lstmlab.layers import GRU, LSTM, MLSTM, RNN, SLSTM, MinGRU, MinLSTM
from lstmlab.serialization import register_safe_globals

register_safe_globals()

__version__ = "0.1.0"
__all__ = [
    "LSTM",
    "GRU",
    "RNN",
    "SLSTM",
    "MLSTM",
    "MinLSTM",
    "MinGRU",
    "LSTMCell",
    "GRUCell",
    "RNNCell",
    "LSTMOptions",
    "VARIANTS",
]
