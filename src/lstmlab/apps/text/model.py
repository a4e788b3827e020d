"""The character models: ids → embedding → core → logits over the alphabet.

The core is the lab's own (``lstmlab.models.build_core``): any LSTM variant, GRU or RNN,
time-major, whose final state the caller carries to the next chunk; or the causal
``TransformerCore``, which sees only its window.
"""

from __future__ import annotations

from torch import Tensor, nn

from lstmlab.models import ModelConfig, count_parameters
from lstmlab.models.build import build_core
from lstmlab.models.config import default_heads

__all__ = ["CharModel", "State", "matched_transformer"]

State = tuple[Tensor, ...] | None


class CharModel(nn.Module):
    """p(x_{t+1} | x_{≤t}) = softmax(W_y · core(E[x])_t + b_y)."""

    def __init__(self, vocab_size: int, cfg: ModelConfig, embedding: int, context: int) -> None:
        super().__init__()
        self.recurrent = cfg.kind != "transformer"
        dim = embedding if self.recurrent else cfg.hidden  # the Transformer's d_model
        self.embed = nn.Embedding(vocab_size, dim)
        self.core = build_core(cfg, dim, context, causal=True)
        self.head = nn.Linear(cfg.hidden, vocab_size)

    def forward(self, x: Tensor, state: State = None) -> tuple[Tensor, State]:
        """x (B, T) ids → logits (B, T, V) and the state after the last step (None for a
        Transformer, which carries nothing)."""
        z = self.embed(x)  # (B, T, E)
        if not self.recurrent:
            return self.head(self.core(z)), None
        h, state = self.core(z.transpose(0, 1), _as_hx(state))  # (T, B, H)
        return self.head(h.transpose(0, 1)), (
            tuple(state) if isinstance(state, tuple) else (state,)
        )


def _as_hx(state: State):
    if state is None:
        return None
    return state if len(state) > 1 else state[0]  # LSTM: (h, c); GRU/RNN: h


def matched_transformer(
    vocab_size: int, target: int, layers: int, context: int
) -> tuple[ModelConfig, int]:
    """The causal Transformer of ``layers`` layers whose parameter count is closest to ``target``
    (d_model even, heads by ``default_heads``); returns its config and count."""
    best = None
    for d in range(8, 1025, 2):
        cfg = ModelConfig(kind="transformer", hidden=d, layers=layers, heads=default_heads(d))
        n = count_parameters(CharModel(vocab_size, cfg, d, context))
        if best is None or abs(n - target) < abs(best[1] - target):
            best = (cfg, n)
        if n > target:
            break
    return best
