"""The two attention scores of the recurrent decoder, over a memory of encoder annotations h_j."""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["AdditiveAttention", "MultiplicativeAttention"]


def _attend(scores: Tensor, values: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
    """α = softmax over the source words that exist; context = Σ_j α_j h_j."""
    alpha = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=1)  # (B, S)
    context = torch.bmm(alpha.unsqueeze(1), values).squeeze(1)  # (B, K)
    return context, alpha


class AdditiveAttention(nn.Module):
    """Bahdanau et al. 2015 (App. A.1.2): e_ij = vᵀ tanh(W s_{i-1} + U h_j).

    ``keys(values)`` computes U h_j once per sentence; each decoder step adds W s_{i-1}.
    """

    def __init__(self, query_size: int, value_size: int, attention_size: int) -> None:
        super().__init__()
        self.W = nn.Linear(query_size, attention_size, bias=False)
        self.U = nn.Linear(value_size, attention_size)
        self.v = nn.Linear(attention_size, 1, bias=False)

    def keys(self, values: Tensor) -> Tensor:
        return self.U(values)  # (B, S, A)

    def forward(self, query: Tensor, keys: Tensor, values: Tensor, mask: Tensor):
        e = self.v(torch.tanh(self.W(query).unsqueeze(1) + keys)).squeeze(2)  # (B, S)
        return _attend(e, values, mask)


class MultiplicativeAttention(nn.Module):
    """Luong et al. 2015 (§3.1): e_tj = s_tᵀ W_a h_j, their "general" score.

    Their "dot" score s_tᵀ h_j is the case W_a = I, which needs h_j as wide as s_t; the encoder
    here is bidirectional (h_j has 2H features, s_t has H), so W_a maps one onto the other.
    """

    def __init__(self, query_size: int, value_size: int) -> None:
        super().__init__()
        self.W_a = nn.Linear(value_size, query_size, bias=False)

    def keys(self, values: Tensor) -> Tensor:
        return self.W_a(values)  # (B, S, H)

    def forward(self, query: Tensor, keys: Tensor, values: Tensor, mask: Tensor):
        e = torch.bmm(keys, query.unsqueeze(2)).squeeze(2)  # (B, S)
        return _attend(e, values, mask)
