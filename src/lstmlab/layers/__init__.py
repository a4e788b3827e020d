"""Sequence layers with the interface of torch.nn.LSTM/GRU/RNN."""

from lstmlab.layers.base import CarriedState
from lstmlab.layers.gru import GRU
from lstmlab.layers.lstm import LSTM
from lstmlab.layers.minimal import MinGRU, MinLSTM
from lstmlab.layers.mlstm import MLSTM
from lstmlab.layers.rnn import RNN
from lstmlab.layers.slstm import SLSTM

__all__ = ["LSTM", "GRU", "RNN", "SLSTM", "MLSTM", "MinLSTM", "MinGRU", "CarriedState"]
from lstmlab.layers.long_sequences import (  # noqa: E402
    checkpointed,
    saved_activation_bytes,
    truncated_bptt,
)

__all__ += ["checkpointed", "truncated_bptt", "saved_activation_bytes"]
