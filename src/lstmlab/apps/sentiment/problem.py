"""Sentence classification as a ``Problem`` of the one training loop (``lstmlab.training.fit``)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lstmlab.apps.sentiment.encode import pad
from lstmlab.apps.sentiment.metrics import classification_metrics
from lstmlab.training import Carry, Problem
from lstmlab.training.seeding import batch_seed

__all__ = ["SentimentProblem", "Batch", "predict_proba"]

Batch = tuple[Tensor, Tensor, Tensor]  # tokens (B, T), lengths (B,), labels (B,)


class SentimentProblem(Problem):
    """Shuffled mini-batches of the training split, epoch after epoch; cross-entropy loss;
    loss, accuracy and macro-F1 on the fixed validation and test splits.

    Epoch k visits the training sentences in the order of a permutation drawn from
    ``batch_seed(seed, k)``, so the batch of a step depends only on (seed, step).
    """

    metric_name = "accuracy"

    def __init__(
        self,
        splits: dict[str, tuple[Sequence[Sequence[int]], Sequence[int]]],
        *,
        batch_size: int,
        seed: int,
        eval_batch_size: int = 512,
    ) -> None:
        """``splits`` maps "train", "val", "test" to (encoded sentences, labels)."""
        for name in ("train", "val", "test"):
            if name not in splits or not splits[name][0]:
                raise ValueError(f"splits: expected a non-empty {name!r} split, got none")
        self.splits = {k: (list(x), list(y)) for k, (x, y) in splits.items()}
        n = len(self.splits["train"][0])
        self.batch_size = min(batch_size, n)
        self.steps_per_epoch = n // self.batch_size
        self.seed, self.eval_batch_size = seed, eval_batch_size
        self._order: tuple[int, Tensor] | None = None  # (epoch, permutation), a cache

    def batch(self, step: int) -> Batch:
        epoch, k = divmod(step, self.steps_per_epoch)
        if self._order is None or self._order[0] != epoch:
            g = torch.Generator().manual_seed(batch_seed(self.seed, epoch))
            self._order = (epoch, torch.randperm(len(self.splits["train"][0]), generator=g))
        index = self._order[1][k * self.batch_size : (k + 1) * self.batch_size].tolist()
        x, y = self.splits["train"]
        tokens, lengths = pad([x[i] for i in index])
        return tokens, lengths, torch.tensor([y[i] for i in index])

    def loss(self, model: nn.Module, batch: Batch, carry: Carry) -> tuple[Tensor, Carry]:
        tokens, lengths, labels = batch
        return F.cross_entropy(model(tokens, lengths), labels), None

    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        x, y = self.splits[split]
        p = predict_proba(model, x, self.eval_batch_size)  # (N, 2)
        labels = torch.tensor(y)
        loss = F.nll_loss(p.clamp_min(1e-12).log(), labels).item()
        metrics = classification_metrics(y, p.argmax(dim=1).tolist())
        return {"loss": loss, "metric": metrics["accuracy"], **metrics}


@torch.no_grad()
def predict_proba(model: nn.Module, seqs: Sequence[Sequence[int]], batch_size: int) -> Tensor:
    """Class probabilities (N, classes) of encoded sentences, in their order; batches are formed
    by length so that little padding is computed."""
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    out = torch.empty(len(seqs), 0)
    for start in range(0, len(order), batch_size):
        index = order[start : start + batch_size]
        tokens, lengths = pad([seqs[i] for i in index])
        p = torch.softmax(model(tokens, lengths), dim=1)  # (b, classes)
        if out.shape[1] == 0:
            out = torch.empty(len(seqs), p.shape[1])
        out[index] = p
    return out
