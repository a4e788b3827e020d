"""The recurrent encoder–decoder, with or without attention, any lstmlab cell as its core.

- ``attention="none"``: Sutskever et al. 2014. The encoder reads the source reversed (their §3.3:
  the first source words end up next to the first target words) and its final state is the
  decoder's first state, the whole sentence in one vector.
- ``attention="bahdanau"``: Bahdanau et al. 2015. A bidirectional encoder gives one annotation
  h_j per source word; before step i the decoder attends with its previous state s_{i-1}
  (additive score), reads the context c_i with y_{i-1}, and predicts from [s_i; c_i].
- ``attention="luong"``: Luong et al. 2015. The decoder steps first, attends with its new state
  s_t (multiplicative score), predicts from h̃_t = tanh(W_c [c_t; s_t]) and feeds h̃_t to the next
  step with y_t (their "input feeding", §3.3).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

import lstmlab
from lstmlab.apps.translate.attention import AdditiveAttention, MultiplicativeAttention
from lstmlab.apps.translate.tokens import PAD
from lstmlab.cells.options import resolve_variant
from lstmlab.models.config import LSTM_KINDS, RECURRENT_KINDS, lstm_variant

__all__ = ["ATTENTIONS", "RecurrentSeq2Seq", "reverse_padded"]

ATTENTIONS = ("none", "bahdanau", "luong")
State = tuple[Tensor, ...]


def reverse_padded(x: Tensor, lengths: Tensor) -> Tensor:
    """Each row's first ``lengths[b]`` entries in reverse order; padding stays at the end."""
    B, S = x.shape
    j = torch.arange(S, device=x.device).expand(B, S)  # (B, S)
    n = lengths.unsqueeze(1)
    return x.gather(1, torch.where(j < n, n - 1 - j, j))


def _forget_bias(kind: str) -> float | None:
    # Jozefowicz et al. 2015, §2.2: start by remembering (only cells that have a forget gate).
    return 1.0 if resolve_variant(lstm_variant(kind)).forget_gate else None


def _layer(kind: str, input_size: int, hidden: int, bidirectional: bool) -> nn.Module:
    kw = {"batch_first": True, "bidirectional": bidirectional}
    if kind == "rnn":
        return lstmlab.RNN(input_size, hidden, **kw)
    if kind == "gru":
        return lstmlab.GRU(input_size, hidden, **kw)
    v = lstm_variant(kind)
    return lstmlab.LSTM(input_size, hidden, variant=v, forget_bias=_forget_bias(kind), **kw)


def _cell(kind: str, input_size: int, hidden: int) -> nn.Module:
    if kind == "rnn":
        return lstmlab.RNNCell(input_size, hidden)
    if kind == "gru":
        return lstmlab.GRUCell(input_size, hidden)
    v = lstm_variant(kind)
    return lstmlab.LSTMCell(input_size, hidden, variant=v, forget_bias=_forget_bias(kind))


class RecurrentSeq2Seq(nn.Module):
    """Embeddings → encoder layer → (attention) → decoder cell → softmax over French words.

    ``encode(src, src_len) -> (memory, state)`` and ``step(y_prev, state, memory) ->
    (logits, state, α)`` are what greedy and beam search drive; ``forward`` is teacher forcing.
    Memory and state are tuples of tensors with the batch first, so a search can reorder them.
    """

    def __init__(
        self,
        src_vocab: int,
        tgt_vocab: int,
        embedding: int,
        hidden: int,
        variant: str = "lstm",
        attention: str = "bahdanau",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if variant not in RECURRENT_KINDS:
            raise ValueError(
                f"variant: expected one of {', '.join(RECURRENT_KINDS)}, got {variant!r}"
            )
        if attention not in ATTENTIONS:
            raise ValueError(
                f"attention: expected one of {', '.join(ATTENTIONS)}, got {attention!r}"
            )
        self.variant, self.attention, self.hidden = variant, attention, hidden
        self.is_lstm = variant in LSTM_KINDS
        E, H = embedding, hidden
        K = 2 * H if attention != "none" else H  # width of an annotation h_j
        self.src_embed = nn.Embedding(src_vocab, E, padding_idx=PAD)
        self.tgt_embed = nn.Embedding(tgt_vocab, E, padding_idx=PAD)
        self.dropout = nn.Dropout(dropout)
        self.encoder = _layer(variant, E, H, bidirectional=attention != "none")
        if attention == "none":
            self.decoder, self.out = _cell(variant, E, H), nn.Linear(H, tgt_vocab)
        elif attention == "bahdanau":
            self.attend = AdditiveAttention(H, K, H)
            self.bridge = nn.Linear(K, H)  # s_0 = tanh(W_s [→h_S; ←h_1])
            self.decoder, self.out = _cell(variant, E + K, H), nn.Linear(H + K, tgt_vocab)
        else:
            self.attend = MultiplicativeAttention(H, K)
            self.bridge = nn.Linear(K, H)
            self.combine = nn.Linear(K + H, H)  # W_c
            self.decoder, self.out = _cell(variant, E + H, H), nn.Linear(H, tgt_vocab)

    # -- encoder ---------------------------------------------------------------------------
    def encode(self, src: Tensor, src_len: Tensor) -> tuple[State, State]:
        B, S = src.shape
        if self.attention == "none":
            src = reverse_padded(src, src_len)
        out, final = self.encoder(self.dropout(self.src_embed(src)), lengths=src_len)  # (B,S,K)
        h_n = final[0] if self.is_lstm else final  # (D, B, H)
        mask = torch.arange(S, device=src.device) < src_len.unsqueeze(1)  # (B, S)
        if self.attention == "none":
            state = (h_n[0], final[1][0]) if self.is_lstm else (h_n[0],)
            return (mask,), state
        s0 = torch.tanh(self.bridge(torch.cat([h_n[0], h_n[1]], dim=1)))  # (B, H)
        state = (s0, torch.zeros_like(s0)) if self.is_lstm else (s0,)
        if self.attention == "luong":
            state = (torch.zeros_like(s0), *state)  # h̃_0 = 0
        return (out, self.attend.keys(out), mask), state

    # -- decoder ---------------------------------------------------------------------------
    def _step_cell(self, x: Tensor, state: State) -> State:
        if self.is_lstm:
            return tuple(self.decoder(x, state))
        return (self.decoder(x, state[0]),)

    def step(self, y_prev: Tensor, state: State, memory: State):
        """One target word: y_prev (B,) → logits (B, V), the new state, α (B, S) or None."""
        y = self.dropout(self.tgt_embed(y_prev))  # (B, E)
        if self.attention == "none":
            state = self._step_cell(y, state)
            return self.out(self.dropout(state[0])), state, None
        values, keys, mask = memory
        if self.attention == "bahdanau":
            c, alpha = self.attend(state[0], keys, values, mask)  # attends with s_{i-1}
            state = self._step_cell(torch.cat([y, c], dim=1), state)
            return self.out(self.dropout(torch.cat([state[0], c], dim=1))), state, alpha
        h_tilde, cell_state = state[0], state[1:]
        cell_state = self._step_cell(torch.cat([y, h_tilde], dim=1), cell_state)
        c, alpha = self.attend(cell_state[0], keys, values, mask)  # attends with s_t
        h_tilde = torch.tanh(self.combine(torch.cat([c, cell_state[0]], dim=1)))  # (B, H)
        return self.out(self.dropout(h_tilde)), (h_tilde, *cell_state), alpha

    def forward(self, src: Tensor, src_len: Tensor, tgt_in: Tensor) -> Tensor:
        """Teacher forcing: the reference's previous word at every step → logits (B, T, V)."""
        memory, state = self.encode(src, src_len)
        logits = []
        for t in range(tgt_in.shape[1]):
            z, state, _ = self.step(tgt_in[:, t], state, memory)
            logits.append(z)
        return torch.stack(logits, dim=1)  # (B, T, V)
