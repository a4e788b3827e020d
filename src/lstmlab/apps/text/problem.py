"""Next-character prediction as a ``Problem`` of the one training loop.

The carry is the recurrent state at the end of a step's chunk, detached: truncated BPTT over
the training streams (``streams.TrainStreams``), with gradients over ``bptt`` characters and a
state that has read everything before them. A Transformer carries nothing.
"""

from __future__ import annotations

import math

from torch import Tensor
from torch.nn import functional as F

from lstmlab.apps.text.model import CharModel
from lstmlab.apps.text.scoring import score
from lstmlab.apps.text.streams import StreamBatch, TrainStreams
from lstmlab.training import Carry, Problem

__all__ = ["TextProblem"]


class TextProblem(Problem):
    """Character-level language modelling of ``splits["train"]`` in chunks of ``span``
    characters, scored in bits per character on the held-out works (a Transformer reads windows
    of ``span``). In-training validation reads the first ``val_chars`` characters of
    the validation split (it runs every ``eval_every`` steps); ``evaluate`` of the app reads all.
    """

    metric_name = "bpc"

    def __init__(
        self,
        splits: dict[str, Tensor],
        *,
        batch_size: int,
        span: int,
        eval_rows: int,
        eval_warmup: int,
        val_chars: int | None,
    ) -> None:
        self.splits = splits
        self.streams = TrainStreams(splits["train"], batch_size, span)
        self.span, self.eval_rows, self.eval_warmup = span, eval_rows, eval_warmup
        self.val_chars = val_chars

    def batch(self, step: int) -> StreamBatch:
        return self.streams.batch(step)

    def loss(self, model: CharModel, batch: StreamBatch, carry: Carry) -> tuple[Tensor, Carry]:
        logits, state = model(batch.x, None if batch.reset else carry)  # (B, T, V)
        loss = F.cross_entropy(logits.transpose(1, 2), batch.y)  # mean −ln p, nats
        return loss, (None if state is None else tuple(s.detach() for s in state))

    def evaluate(self, model: CharModel, split: str) -> dict[str, float]:
        ids = self.splits[split]
        if split == "val" and self.val_chars is not None:
            ids = ids[: self.val_chars]
        nll, count = score(
            model, ids, rows=self.eval_rows, warmup=self.eval_warmup, context=self.span
        )
        nats = nll / count
        return {"loss": nats, "metric": nats / math.log(2), "bpc": nats / math.log(2)}
