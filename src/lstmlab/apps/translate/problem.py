"""Translation as a ``Problem`` of the one training loop: teacher-forced cross-entropy to train,
exact match of greedy translations to measure."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from lstmlab.apps.translate.batches import Batch, Vocabs, make_batch
from lstmlab.apps.translate.pairs import Pair, Split
from lstmlab.apps.translate.search import greedy
from lstmlab.apps.translate.tokens import PAD, tokenize
from lstmlab.training.problem import Carry, Problem
from lstmlab.training.seeding import batch_seed

__all__ = ["TranslateProblem", "max_target_len", "greedy_texts"]


def max_target_len(source_len: int) -> int:
    """The longest translation a search may produce for a source of ``source_len`` words."""
    return 2 * source_len + 10


def greedy_texts(model: nn.Module, pairs: list[Pair], vocabs: Vocabs, batch_size: int):
    """Greedy translations of ``pairs`` as token strings, and the references the same way."""
    hyps, refs = [], []
    for i in range(0, len(pairs), batch_size):
        chunk = pairs[i : i + batch_size]
        b = make_batch(chunk, vocabs)
        out = greedy(model, b.src, b.src_len, max_target_len(b.src.shape[1]))
        hyps += [" ".join(vocabs.tgt.decode(h.tokens)) for h in out]
        refs += [" ".join(tokenize(p.fr)) for p in chunk]
    return hyps, refs


class TranslateProblem(Problem):
    """Batches of training pairs drawn with replacement from (seed, step); val and test fixed."""

    metric_name = "exact_match"

    def __init__(
        self, split: Split, vocabs: Vocabs, *, batch_size: int, seed: int, eval_batch_size: int
    ) -> None:
        self.split, self.vocabs = split, vocabs
        self.batch_size, self.seed, self.eval_batch_size = batch_size, seed, eval_batch_size

    def batch(self, step: int) -> Batch:
        g = torch.Generator().manual_seed(batch_seed(self.seed, step))
        index = torch.randint(len(self.split.train), (self.batch_size,), generator=g)
        return make_batch([self.split.train[i] for i in index.tolist()], self.vocabs)

    @staticmethod
    def _token_loss(model: nn.Module, b: Batch, reduction: str = "mean") -> Tensor:
        logits = model(b.src, b.src_len, b.tgt_in)  # (B, T, V)
        return nn.functional.cross_entropy(
            logits.flatten(0, 1), b.tgt_out.flatten(), ignore_index=PAD, reduction=reduction
        )

    def loss(self, model: nn.Module, batch: Batch, carry: Carry) -> tuple[Tensor, Carry]:
        return self._token_loss(model, batch), None

    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        pairs = {"val": self.split.val, "test": self.split.test}[split]
        total, tokens = 0.0, 0
        for i in range(0, len(pairs), self.eval_batch_size):
            b = make_batch(pairs[i : i + self.eval_batch_size], self.vocabs)
            total += self._token_loss(model, b, reduction="sum").item()
            tokens += int((b.tgt_out != PAD).sum())
        hyps, refs = greedy_texts(model, pairs, self.vocabs, self.eval_batch_size)
        exact = 100.0 * sum(h == r for h, r in zip(hyps, refs, strict=True)) / len(refs)
        return {"loss": total / tokens, "metric": exact}
