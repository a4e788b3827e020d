"""The training loss and evaluation of a model on a task's data."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lstmlab.tasks import IGNORE_INDEX

__all__ = ["task_loss", "predict", "evaluate"]


def task_loss(task, output: Tensor, y: Tensor) -> Tensor:
    """The task's loss on the positions it scores.

    output (B, T, O); y (B, O) or (B, T, O) for "mse", (B,) or (B, T) class indices for "ce".
    A task with target "last" scores only the last step.
    """
    if task.target == "last":
        output = output[:, -1]  # (B, O)
    if task.loss == "mse":
        return F.mse_loss(output, y)
    return F.cross_entropy(
        output.reshape(-1, output.shape[-1]), y.reshape(-1), ignore_index=IGNORE_INDEX
    )


@torch.no_grad()
def predict(model: nn.Module, x: Tensor, batch_size: int) -> Tensor:
    """model(x) in eval mode, ``batch_size`` sequences at a time: x (N, T, I) → (N, T, O)."""
    was_training = model.training
    model.eval()
    try:
        return torch.cat([model(x[k : k + batch_size]) for k in range(0, len(x), batch_size)])
    finally:
        model.train(was_training)


def evaluate(model: nn.Module, task, data, batch_size: int) -> dict[str, float]:
    """``task.evaluate`` of the model's outputs on ``data`` (a TaskData)."""
    metrics = task.evaluate(predict(model, data.x, batch_size), data)
    return {k: float(v) for k, v in metrics.items()}
