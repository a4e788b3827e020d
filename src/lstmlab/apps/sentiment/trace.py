"""The word-by-word trace: the positive probability after each prefix of a sentence.

After word k the model is shown the prefix w_1..w_k as if the sentence ended there, and p_k =
p(positive | w_1..w_k) is recorded. (The backward direction of the bidirectional LSTM has to
read each prefix from its own end, so the trace runs the model once per prefix, all prefixes in
one padded batch.) Where p_k crosses 1/2, the running reading changed its mind: typically at
"but", "not" or the word they govern.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lstmlab.apps.sentiment.encode import pad
from lstmlab.apps.sentiment.vocab import Vocabulary, tokenize

__all__ = ["Trace", "trace_sentence", "check_sentence"]


@dataclass(frozen=True)
class Trace:
    """tokens[k] and p_positive[k] = p(positive | tokens[0..k]); ``known[k]`` is False for a
    token the vocabulary does not hold (the model reads it as <unk>)."""

    tokens: list[str]
    p_positive: list[float]
    known: list[bool]

    @property
    def label(self) -> str:
        return "positive" if self.p_positive[-1] >= 0.5 else "negative"

    @property
    def probability(self) -> float:
        """The probability of ``label`` for the whole sentence."""
        p = self.p_positive[-1]
        return p if p >= 0.5 else 1.0 - p


def check_sentence(sentence: str, max_len: int) -> list[str]:
    """The tokens of ``sentence``, or a ValueError naming what is wrong with it."""
    if not sentence.strip():
        raise ValueError(f"sentence: expected a non-empty sentence, got {sentence!r}")
    tokens = tokenize(sentence)
    if not tokens:
        raise ValueError(
            f"sentence: expected at least one word or punctuation mark, got {sentence!r}"
        )
    if len(tokens) > max_len:
        raise ValueError(
            f"sentence: expected at most {max_len} tokens (the model's max_len), got {len(tokens)}"
        )
    return tokens


@torch.no_grad()
def trace_sentence(model: nn.Module, vocab: Vocabulary, sentence: str, max_len: int) -> Trace:
    """The trace of ``sentence`` under ``model`` (put in eval mode by the caller)."""
    tokens = check_sentence(sentence, max_len)
    ids = vocab.encode(tokens)
    prefixes = [ids[: k + 1] for k in range(len(ids))]
    x, lengths = pad(prefixes)  # (T, T), (T,): row k holds the prefix of length k + 1
    p = torch.softmax(model(x, lengths), dim=1)[:, 1]  # (T,)
    return Trace(tokens, p.tolist(), [i != 1 for i in ids])
