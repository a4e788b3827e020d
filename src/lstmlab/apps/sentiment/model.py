"""Embedding → bidirectional LSTM → pooling over time → linear classifier."""

from __future__ import annotations

import torch
from torch import Tensor, nn

import lstmlab

__all__ = ["SentimentLSTM", "POOLINGS"]

#: How the per-step outputs become one sentence vector.
POOLINGS = ("max", "mean", "last")


class SentimentLSTM(nn.Module):
    """p(label | sentence) = softmax(W · pool_t [h→_t ; h←_t] + b).

    e_t = E[w_t] (a learned embedding), [h→_t ; h←_t] the two directions of a bidirectional
    ``lstmlab.LSTM`` (any variant of the family) over e_1..e_T, and ``pool`` one of:

    - ``"max"``: the element-wise maximum over t (Conneau et al. 2017, "BiLSTM-max": the best
      sentence encoder of their comparison); the default.
    - ``"mean"``: the average over t.
    - ``"last"``: h→_T and h←_1, the final states of the two directions.

    Dropout is applied to the embeddings and to the pooled vector.
    """

    def __init__(
        self,
        vocab_size: int,
        embed: int,
        hidden: int,
        layers: int = 1,
        *,
        variant: str = "vanilla",
        pooling: str = "max",
        dropout: float = 0.0,
        classes: int = 2,
    ) -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling: expected one of {', '.join(POOLINGS)}, got {pooling!r}")
        self.pooling = pooling
        self.embedding = nn.Embedding(vocab_size, embed, padding_idx=0)
        self.lstm = lstmlab.LSTM(
            embed,
            hidden,
            layers,
            batch_first=True,
            bidirectional=True,
            dropout=dropout if layers > 1 else 0.0,
            variant=variant,
        )
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(2 * hidden, classes)

    def forward(self, tokens: Tensor, lengths: Tensor) -> Tensor:
        """tokens (B, T) of indices (0 = padding), lengths (B,) in [1, T] → logits (B, classes)."""
        e = self.dropout(self.embedding(tokens))  # (B, T, E)
        out, (h_n, _) = self.lstm(e, lengths=lengths)  # (B, T, 2H); h_n (L·2, B, H)
        return self.classifier(self.dropout(self._pool(out, h_n, lengths)))

    def _pool(self, out: Tensor, h_n: Tensor, lengths: Tensor) -> Tensor:
        B, T, _ = out.shape
        valid = torch.arange(T, device=out.device)[None, :] < lengths[:, None]  # (B, T)
        if self.pooling == "max":
            return out.masked_fill(~valid[:, :, None], float("-inf")).amax(dim=1)  # (B, 2H)
        if self.pooling == "mean":
            return out.sum(dim=1) / lengths[:, None].to(out.dtype)  # padded outputs are 0
        return torch.cat([h_n[-2], h_n[-1]], dim=1)  # (B, 2H): forward at T_b, backward at 1
