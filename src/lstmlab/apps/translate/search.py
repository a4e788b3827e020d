"""Greedy decoding and beam search over any model with ``encode`` and ``step``."""

from __future__ import annotations

from typing import NamedTuple, Protocol

import torch
from torch import Tensor

from lstmlab.apps.translate.tokens import BOS, EOS

__all__ = ["Decoder", "Hypothesis", "greedy", "beam_search"]

State = tuple[Tensor, ...]


class Decoder(Protocol):
    def encode(self, src: Tensor, src_len: Tensor) -> tuple[State, State]: ...

    def step(self, y_prev: Tensor, state: State, memory: State) -> tuple[Tensor, State, Tensor]: ...


class Hypothesis(NamedTuple):
    tokens: list[int]  # target ids, without <s>, ending in </s> unless cut at max_len
    score: float  # Σ log p of the tokens
    attention: Tensor | None  # (len(tokens), S): the α of each step, None without attention


def _select(state: State, index: Tensor) -> State:
    return tuple(t.index_select(0, index) for t in state)


@torch.no_grad()
def greedy(model: Decoder, src: Tensor, src_len: Tensor, max_len: int) -> list[Hypothesis]:
    """The most probable next word at every step, for a batch (B, S) of sources."""
    memory, state = model.encode(src, src_len)
    B = src.shape[0]
    y = src.new_full((B,), BOS)
    tokens, scores, alphas = [], src.new_zeros(B, dtype=torch.float32), []
    done = torch.zeros(B, dtype=torch.bool, device=src.device)
    for _ in range(max_len):
        logits, state, alpha = model.step(y, state, memory)
        logp = torch.log_softmax(logits.float(), dim=1)  # (B, V)
        y = logp.argmax(dim=1)  # (B,)
        scores += torch.where(done, 0.0, logp.gather(1, y.unsqueeze(1)).squeeze(1))
        tokens.append(y)
        alphas.append(alpha)
        done |= y == EOS
        if done.all():
            break
    ids = torch.stack(tokens, dim=1).tolist()  # (B, T)
    out = []
    for b in range(B):
        n = ids[b].index(EOS) + 1 if EOS in ids[b] else len(ids[b])
        a = torch.stack([al[b] for al in alphas[:n]]) if alphas[0] is not None else None
        out.append(Hypothesis(ids[b][:n], scores[b].item(), a))
    return out


@torch.no_grad()
def beam_search(
    model: Decoder, src: Tensor, src_len: Tensor, beam: int, max_len: int
) -> Hypothesis:
    """The highest Σ log p translation of ONE source (1, S) found keeping ``beam`` partial ones.

    Scores are not length-normalised. A finished hypothesis is final once no live one scores
    higher: log-probabilities only lower a score, so the search can stop there exactly.
    """
    if src.shape[0] != 1:
        raise ValueError(f"src: expected one sentence, shape (1, S), got {tuple(src.shape)}")
    if beam < 1:
        raise ValueError(f"beam: expected an int >= 1, got {beam}")
    memory, state = model.encode(src, src_len)
    y = src.new_full((1,), BOS)
    scores = torch.zeros(1)  # (k,) live hypotheses' Σ log p
    history: list[list[int]] = [[]]
    attn: Tensor | None = None  # (k, t, S)
    finished: list[Hypothesis] = []
    for _ in range(max_len):
        logits, state, alpha = model.step(y, state, memory)
        total = scores.unsqueeze(1) + torch.log_softmax(logits.float(), dim=1)  # (k, V)
        V = total.shape[1]
        top_scores, top = total.flatten().topk(min(2 * beam, total.numel()))
        keep, next_scores = [], []
        for s, i in zip(top_scores.tolist(), top.tolist(), strict=True):
            origin, token = divmod(i, V)
            a = None
            if alpha is not None:
                prev = attn[origin] if attn is not None else alpha.new_zeros(0, alpha.shape[1])
                a = torch.cat([prev, alpha[origin : origin + 1]])
            if token == EOS:
                finished.append(Hypothesis([*history[origin], EOS], s, a))
            elif len(keep) < beam:
                keep.append((origin, token, a))
                next_scores.append(s)
        best_done = max((h.score for h in finished), default=float("-inf"))
        if not keep or best_done >= next_scores[0]:
            break
        index = torch.tensor([o for o, _, _ in keep])
        history = [[*history[o], t] for o, t, _ in keep]
        attn = torch.stack([a for _, _, a in keep]) if alpha is not None else None
        state, memory = _select(state, index), _select(memory, index.new_zeros(len(keep)))
        y = torch.tensor([t for _, t, _ in keep], device=src.device)
        scores = torch.tensor(next_scores)
    if finished:
        return max(finished, key=lambda h: h.score)
    a = attn[0] if attn is not None else None
    return Hypothesis(history[0], scores[0].item(), a)
