"""The Transformer encoder–decoder baseline (Vaswani et al. 2017), pre-layer-norm like the lab's
``TransformerCore`` (Xiong et al. 2020) so it trains without warm-up in the same loop."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from lstmlab.apps.translate.tokens import PAD
from lstmlab.models.config import default_heads
from lstmlab.models.positional import SinusoidalPositions

__all__ = ["TransformerSeq2Seq"]

State = tuple[Tensor, ...]


class TransformerSeq2Seq(nn.Module):
    """Same ``encode``/``step``/``forward`` as ``RecurrentSeq2Seq``; the decoder state is the
    prefix of target words fed so far, re-read at each step (sentences here are short)."""

    def __init__(
        self,
        src_vocab: int,
        tgt_vocab: int,
        d_model: int,
        layers: int = 2,
        heads: int | None = None,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        heads = heads or default_heads(d_model)
        self.d_model = d_model
        self.src_embed = nn.Embedding(src_vocab, d_model, padding_idx=PAD)
        self.tgt_embed = nn.Embedding(tgt_vocab, d_model, padding_idx=PAD)
        self.positions = SinusoidalPositions(d_model)
        kw = {"dim_feedforward": 4 * d_model, "dropout": dropout, "batch_first": True}
        self.encoder = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(d_model, heads, norm_first=True, **kw),
            layers,
            norm=nn.LayerNorm(d_model),
            enable_nested_tensor=False,
        )
        self.decoder = nn.TransformerDecoder(
            nn.TransformerDecoderLayer(d_model, heads, norm_first=True, **kw),
            layers,
            norm=nn.LayerNorm(d_model),
        )
        self.out = nn.Linear(d_model, tgt_vocab)

    def _embed(self, table: nn.Embedding, ids: Tensor) -> Tensor:
        return self.positions(table(ids) * math.sqrt(self.d_model))  # Vaswani et al. §3.4

    def encode(self, src: Tensor, src_len: Tensor) -> tuple[State, State]:
        B, S = src.shape
        mask = torch.arange(S, device=src.device) < src_len.unsqueeze(1)  # (B, S)
        memory = self.encoder(self._embed(self.src_embed, src), src_key_padding_mask=~mask)
        return (memory, mask), (src.new_zeros(B, 0),)

    def _decode(self, tgt_in: Tensor, memory: State) -> Tensor:
        values, mask = memory
        T = tgt_in.shape[1]
        causal = nn.Transformer.generate_square_subsequent_mask(T, device=tgt_in.device)
        y = self.decoder(
            self._embed(self.tgt_embed, tgt_in),
            values,
            tgt_mask=causal,
            tgt_is_causal=True,
            memory_key_padding_mask=~mask,
        )
        return self.out(y)  # (B, T, V)

    def step(self, y_prev: Tensor, state: State, memory: State):
        prefix = torch.cat([state[0], y_prev.unsqueeze(1)], dim=1)  # (B, t)
        return self._decode(prefix, memory)[:, -1], (prefix,), None

    def forward(self, src: Tensor, src_len: Tensor, tgt_in: Tensor) -> Tensor:
        memory, _ = self.encode(src, src_len)
        return self._decode(tgt_in, memory)
