"""Forecast accuracy, as in Hyndman & Koehler (2006) and the M4 competition.

- MASE = mean |y − ŷ| / s, with s = mean |y_t − y_{t−m}| over the training part: the in-sample
  error of the seasonal naive forecast of period m. Below 1 beats that naive forecast's
  in-sample one-step error.
- sMAPE = 200 · mean |y − ŷ| / (|y| + |ŷ|), in percent (M4's definition).
- coverage: the share of targets inside the prediction interval [q_lo, q_hi].
- pinball (quantile) loss of level τ: mean max(τ (y − q), (τ − 1)(y − q)) (Koenker & Bassett
  1978), the loss whose minimiser is the τ-quantile.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

__all__ = ["seasonal_scale", "mase", "smape", "coverage", "pinball", "point_metrics"]


def seasonal_scale(train: np.ndarray, period: int) -> float:
    """MASE's denominator: the in-sample mean absolute error of the seasonal naive forecast."""
    if len(train) <= period:
        raise ValueError(
            f"period: expected fewer than the {len(train)} training steps, got {period}"
        )
    scale = float(np.mean(np.abs(train[period:] - train[:-period])))
    if scale == 0:
        raise ValueError("series: expected a training part that is not periodic to the last "
                         f"digit (the seasonal naive error at period {period} is 0)")  # fmt: skip
    return scale


def mase(y: np.ndarray, yhat: np.ndarray, scale: float) -> float:
    return float(np.mean(np.abs(y - yhat)) / scale)


def smape(y: np.ndarray, yhat: np.ndarray) -> float:
    denom = np.abs(y) + np.abs(yhat)
    ratio = np.divide(np.abs(y - yhat), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(200 * np.mean(ratio))


def coverage(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    return float(np.mean((y >= lo) & (y <= hi)))


def pinball(q: Tensor, y: Tensor, levels: tuple[float, ...]) -> Tensor:
    """Mean pinball loss of quantile forecasts ``q`` (..., Q) of targets ``y`` (...)."""
    tau = torch.tensor(levels, dtype=q.dtype)  # (Q,)
    diff = y[..., None] - q  # (..., Q)
    return torch.maximum(tau * diff, (tau - 1) * diff).mean()


def point_metrics(y: np.ndarray, yhat: np.ndarray, scale: float) -> dict[str, float]:
    return {"MASE": mase(y, yhat, scale), "sMAPE": smape(y, yhat)}
