"""How far back a loss reaches: ‖∂L/∂h_t‖, ‖∂L/∂c_t‖ and ‖∂L/∂x_t‖ against the distance from the
loss (Hochreiter 1991; Bengio, Simard & Frasconi 1994; Hochreiter & Schmidhuber 1997, §3).

The loss is taken at the last step only, so the gradient at distance d = T − 1 − t has travelled
d steps back through the recurrence. Norms are per sequence (the loss is summed, not averaged,
over the batch) and then averaged over the batch.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from lstmlab.diagnostics.unroll import unroll
from lstmlab.models import SequenceModel
from lstmlab.tasks import IGNORE_INDEX

__all__ = ["GradientFlow", "gradient_flow", "fit_decay", "last_step_loss"]


@dataclass
class GradientFlow:
    """Mean gradient norms at each distance from the loss (index d = distance)."""

    distance: list[int]
    x: list[float]  # ‖∂L/∂x_t‖, every model (the only one for the Transformer)
    h: list[float] | None  # ‖∂L/∂h_t‖ (all layers together), recurrent models
    c: list[float] | None  # ‖∂L/∂c_t‖, LSTM kinds

    def to_dict(self) -> dict:
        return asdict(self)


def last_step_loss(task, output: Tensor, y: Tensor) -> Tensor:
    """The task's loss at the last step, summed over the batch. output (B, O)."""
    if task.target == "sequence":
        y = y[:, -1]
    if task.loss == "mse":
        return F.mse_loss(output, y, reduction="sum")
    return F.cross_entropy(output, y, ignore_index=IGNORE_INDEX, reduction="sum")


def gradient_flow(model: SequenceModel, task, x: Tensor, y: Tensor) -> GradientFlow:
    """Gradient norms of the last-step loss for a batch x (B, T, I), targets y."""
    was_training = model.training
    model.eval()  # no dropout: the derivative of the function the model computes
    try:
        x = x.detach().clone().requires_grad_(True)  # (B, T, I)
        retained: dict[str, list[list[Tensor]]] = {}
        if model.recurrent:
            z = model.input_map(x).transpose(0, 1)  # (T, B, d)
            top, retained = unroll(model.core, z)  # top (B, H)
            for per_step in retained.values():
                for layers in per_step:
                    for s in layers:
                        s.retain_grad()
        else:
            top = model.features(x)[:, -1]  # (B, H)
        model.zero_grad(set_to_none=True)
        last_step_loss(task, model.head(top), y).backward()
    finally:
        model.train(was_training)
    T = x.shape[1]
    norms = {"x": _mean_norm([x.grad.transpose(0, 1)[t] for t in range(T)])}
    for name, per_step in retained.items():
        norms[name] = _mean_norm([torch.cat([_grad(s) for s in layers], -1) for layers in per_step])
    distance = list(range(T))

    def by_distance(name: str) -> list[float] | None:  # index t → index d = T − 1 − t
        return norms[name][::-1] if name in norms else None

    return GradientFlow(distance, by_distance("x"), by_distance("h"), by_distance("c"))


def fit_decay(
    distance: list[int], norm: list[float], start: int = 1, stop: int | None = None
) -> dict[str, float]:
    """Least-squares fit of log ‖g_d‖ = a + b·d over start ≤ d < stop (positive finite norms).

    Returns the slope b, the factor per step e^b (the gradient shrinks by it at every step back),
    the half-life −ln 2 / b in steps (inf if it does not shrink) and the points used.
    """
    pts = [
        (d, math.log(g))
        for d, g in zip(distance, norm, strict=True)
        if d >= start and (stop is None or d < stop) and g > 0 and math.isfinite(g)
    ]
    if len(pts) < 2:
        return {
            "slope": math.nan,
            "factor_per_step": math.nan,
            "half_life": math.nan,
            "points": len(pts),
        }
    n = len(pts)
    md = sum(d for d, _ in pts) / n
    ml = sum(v for _, v in pts) / n
    var = sum((d - md) ** 2 for d, _ in pts)
    slope = sum((d - md) * (v - ml) for d, v in pts) / var
    half_life = -math.log(2) / slope if slope < 0 else math.inf
    return {"slope": slope, "factor_per_step": math.exp(slope), "half_life": half_life, "points": n}


def _grad(t: Tensor) -> Tensor:
    return t.grad if t.grad is not None else torch.zeros_like(t)


def _mean_norm(grads: list[Tensor]) -> list[float]:
    """For each (B, ·) gradient: the batch mean of the per-sequence L2 norm."""
    return [float(g.reshape(g.shape[0], -1).norm(dim=1).mean()) for g in grads]
