"""The speech problems the one training loop trains on: connected digits with CTC, and isolated
words with cross-entropy. Both draw each step's batch from the training split at random, seeded
by (seed, step), and evaluate on the fixed validation and test splits (unseen speakers)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lstmlab.apps.speech.corpus import DIGITS, Split
from lstmlab.apps.speech.decode import beam_search, greedy
from lstmlab.apps.speech.metrics import scores
from lstmlab.training import Problem
from lstmlab.training.distributed import shard_batch
from lstmlab.training.seeding import batch_seed

__all__ = [
    "collate",
    "text_to_labels",
    "labels_to_text",
    "transcribe",
    "classify",
    "CTCProblem",
    "WordProblem",
]

EVAL_BATCH = 64


def collate(inputs: Sequence[np.ndarray]) -> tuple[Tensor, Tensor]:
    """Utterances (steps_i, F) → zero-padded x (B, T, F) float32 and lengths (B,)."""
    lengths = torch.tensor([len(x) for x in inputs], dtype=torch.long)
    x = torch.zeros(len(inputs), int(lengths.max()), inputs[0].shape[1])  # (B, T, F)
    for b, u in enumerate(inputs):
        x[b, : len(u)] = torch.from_numpy(u.astype(np.float32))
    return x, lengths


def text_to_labels(text: str) -> list[int]:
    """ "3 7 1" → [4, 8, 2]: digit d is CTC label d + 1 (0 is the blank)."""
    return [DIGITS.index(d) + 1 for d in text.split()]


def labels_to_text(labels: Sequence[int]) -> str:
    return " ".join(DIGITS[k - 1] for k in labels)


def _batches(n: int, lengths: Sequence[int]) -> list[list[int]]:
    """Indices in batches of similar length (less padding), each batch in the original order."""
    order = np.argsort(lengths, kind="stable")
    return [sorted(order[i : i + EVAL_BATCH].tolist()) for i in range(0, n, EVAL_BATCH)]


@torch.no_grad()
def transcribe(model: nn.Module, inputs: Sequence[np.ndarray], beam: int = 0) -> list[str]:
    """Transcripts of ``inputs`` by a CTCModel: greedy when ``beam`` is 0, else prefix beam
    search of that width."""
    out: list[str] = [""] * len(inputs)
    for idx in _batches(len(inputs), [len(x) for x in inputs]):
        x, lengths = collate([inputs[i] for i in idx])
        log_probs = model(x, lengths).numpy()  # (T, B, C)
        for b, i in enumerate(idx):
            lp = log_probs[: lengths[b], b]
            out[i] = labels_to_text(beam_search(lp, beam) if beam else greedy(lp))
    return out


class _SplitProblem(Problem):
    def __init__(self, splits: dict[str, Split], batch_size: int, seed: int) -> None:
        self.splits, self.batch_size, self.seed = splits, batch_size, seed

    def _indices(self, step: int) -> list[int]:
        g = torch.Generator().manual_seed(batch_seed(self.seed, step))
        return torch.randint(len(self.splits["train"]), (self.batch_size,), generator=g).tolist()


class CTCProblem(_SplitProblem):
    """Connected digit strings: CTC loss (Graves et al. 2006), word error rate by greedy decoding
    (beam search is applied at evaluation time by ``lstmlab app speech evaluate``)."""

    metric_name = "wer"

    def batch(self, step: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        train = self.splits["train"]
        idx = self._indices(step)
        x, lengths = collate([train.inputs[i] for i in idx])
        labels = [text_to_labels(train.texts[i]) for i in idx]
        targets = torch.tensor([k for seq in labels for k in seq], dtype=torch.long)
        target_lengths = torch.tensor([len(seq) for seq in labels], dtype=torch.long)
        return x, lengths, targets, target_lengths

    def loss(self, model: nn.Module, batch, carry) -> tuple[Tensor, None]:
        x, lengths, targets, target_lengths = batch
        log_probs = model(x, lengths)  # (T, B, C)
        loss = F.ctc_loss(log_probs, targets, lengths, target_lengths, zero_infinity=True)
        return loss, None

    def shard(self, batch, rank: int, world: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Utterances [r·B/N, (r+1)·B/N) and their labels, which ``batch`` holds concatenated
        (``targets``): CTC's loss is a mean over utterances, so equal shares average exactly."""
        x, lengths, targets, target_lengths = batch
        utterances = shard_batch((x, lengths, target_lengths), rank, world)
        first = len(batch[0]) // world * rank
        start = int(target_lengths[:first].sum())
        end = start + int(utterances[2].sum())
        return utterances[0], utterances[1], targets[start:end], utterances[2]

    @torch.no_grad()
    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        data = self.splits[split]
        total, hyps = 0.0, [""] * len(data)
        for idx in _batches(len(data), [len(x) for x in data.inputs]):
            x, lengths = collate([data.inputs[i] for i in idx])
            labels = [text_to_labels(data.texts[i]) for i in idx]
            targets = torch.tensor([k for seq in labels for k in seq], dtype=torch.long)
            target_lengths = torch.tensor([len(seq) for seq in labels], dtype=torch.long)
            log_probs = model(x, lengths)  # (T, B, C)
            total += float(
                F.ctc_loss(
                    log_probs, targets, lengths, target_lengths, reduction="sum", zero_infinity=True
                )
            )
            lp = log_probs.numpy()
            for b, i in enumerate(idx):
                hyps[i] = labels_to_text(greedy(lp[: lengths[b], b]))
        out = scores(data.texts, hyps, data.languages)
        return {"loss": total / len(data), "metric": out["wer"], **out}


@torch.no_grad()
def classify(model: nn.Module, inputs: Sequence[np.ndarray]) -> Tensor:
    """Class logits (N, n_classes) of ``inputs`` by a WordModel."""
    rows: dict[int, Tensor] = {}
    for idx in _batches(len(inputs), [len(x) for x in inputs]):
        x, lengths = collate([inputs[i] for i in idx])
        out = model(x, lengths)  # (B, n_classes)
        for b, i in enumerate(idx):
            rows[i] = out[b]
    return torch.stack([rows[i] for i in range(len(inputs))])  # (N, n_classes)


class WordProblem(_SplitProblem):
    """Isolated words (digits and letter names): cross-entropy, accuracy."""

    metric_name = "accuracy"

    def __init__(self, splits: dict[str, Split], vocab: Sequence[str], batch_size: int, seed: int):
        super().__init__(splits, batch_size, seed)
        self.vocab = list(vocab)

    def targets(self, split: str, idx: Sequence[int] | None = None) -> Tensor:
        texts = self.splits[split].texts
        idx = range(len(texts)) if idx is None else idx
        return torch.tensor([self.vocab.index(texts[i]) for i in idx], dtype=torch.long)

    def batch(self, step: int) -> tuple[Tensor, Tensor, Tensor]:
        idx = self._indices(step)
        x, lengths = collate([self.splits["train"].inputs[i] for i in idx])
        return x, lengths, self.targets("train", idx)

    def loss(self, model: nn.Module, batch, carry) -> tuple[Tensor, None]:
        x, lengths, y = batch
        return F.cross_entropy(model(x, lengths), y), None

    @torch.no_grad()
    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        logits = classify(model, self.splits[split].inputs)
        y = self.targets(split)
        accuracy = float((logits.argmax(1) == y).float().mean())
        return {"loss": float(F.cross_entropy(logits, y)), "metric": accuracy, "accuracy": accuracy}
