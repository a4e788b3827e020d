"""Sampling text from a character model: temperature, top-k and nucleus (top-p) sampling.

Temperature divides the logits (Ackley et al. 1985's Boltzmann temperature: < 1 sharpens, > 1
flattens); top-k keeps the k likeliest characters (Fan et al. 2018); top-p keeps the smallest
set whose probability reaches p (Holtzman et al. 2020). Randomness comes from a private
``torch.Generator`` seeded by the caller: the global RNG is untouched.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor

from lstmlab.apps.text.model import CharModel

__all__ = ["next_char_probs", "generate", "check_sampling"]


def check_sampling(temperature: float, top_k: int | None, top_p: float | None) -> None:
    if not temperature > 0:
        raise ValueError(f"temperature: expected a number > 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k: expected an int >= 1, got {top_k}")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"top_p: expected a number in (0, 1], got {top_p}")


def next_char_probs(
    logits: Tensor, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None
) -> Tensor:
    """The sampling distribution (V,) from one step's logits (V,)."""
    check_sampling(temperature, top_k, top_p)
    z = logits.double() / temperature
    if top_k is not None and top_k < len(z):
        kth = torch.topk(z, top_k).values[-1]
        z = z.masked_fill(z < kth, -torch.inf)
    p = torch.softmax(z, dim=-1)
    if top_p is not None and top_p < 1:
        sorted_p, order = torch.sort(p, descending=True)
        before = torch.cumsum(sorted_p, 0) - sorted_p  # mass of the likelier characters
        drop = torch.zeros_like(p, dtype=torch.bool)
        drop[order] = before >= top_p  # keep the smallest prefix reaching top_p
        p = p.masked_fill(drop, 0.0)
        p = p / p.sum()
    return p


@torch.no_grad()
def generate(
    model: CharModel,
    prompt: Tensor,
    length: int,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int = 0,
    context: int | None = None,
) -> Iterator[int]:
    """Yield ``length`` sampled ids after the ``prompt`` ids (1-D, non-empty).

    A recurrent model reads the prompt once and then one character per step, carrying its
    state; a Transformer rereads its last ``context`` characters at every step."""
    check_sampling(temperature, top_k, top_p)
    gen = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    try:
        ids = prompt.tolist()
        first = prompt if model.recurrent or context is None else prompt[-context:]
        logits, state = model(first[None, :])
        for _ in range(length):
            p = next_char_probs(logits[0, -1], temperature, top_k, top_p)
            k = int(torch.multinomial(p, 1, generator=gen))
            yield k
            ids.append(k)
            if model.recurrent:
                logits, state = model(torch.tensor([[k]]), state)
            else:
                window = ids[-context:] if context else ids
                logits, _ = model(torch.tensor([window]))
    finally:
        model.train(was_training)
