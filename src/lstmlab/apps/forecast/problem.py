"""Forecasting as a ``Problem`` of the one training loop: random training origins, the pinball
loss of the quantile forecasts, and rolling-origin metrics on the validation and test periods."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor, nn

from lstmlab.apps.forecast.config import ForecastConfig
from lstmlab.apps.forecast.metrics import coverage, pinball, point_metrics
from lstmlab.apps.forecast.pipeline import Prepared, forecast, load_series, make_model, prepare
from lstmlab.training.problem import Carry, Problem
from lstmlab.training.seeding import batch_seed

__all__ = ["ForecastProblem", "training"]


class ForecastProblem(Problem):
    """Each step forecasts from ``batch_size`` origins drawn uniformly from the training part
    (seeded by (seed, step)); "val" and "test" are the rolling origins of ``prep.layout``."""

    metric_name = "MASE"

    def __init__(self, prep: Prepared, cfg: ForecastConfig) -> None:
        self.prep, self.cfg = prep, cfg

    def batch(self, step: int) -> Tensor:
        first, last = self.prep.layout.train_origins
        gen = torch.Generator().manual_seed(batch_seed(self.cfg.seed, step))
        return torch.randint(first, last + 1, (self.cfg.batch_size,), generator=gen)  # (B,)

    def loss(self, model: nn.Module, batch: Tensor, carry: Carry) -> tuple[Tensor, Carry]:
        data = self.prep.data
        q = model(*data.windows(batch))  # (B, H, Q)
        return pinball(q, data.targets(batch), self.cfg.levels), None

    def origins(self, split: str) -> np.ndarray:
        layout = self.prep.layout
        return {"val": layout.val_origins, "test": layout.test_origins}[split]

    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        return evaluate_forecasts(model, self.prep, self.origins(split), self.cfg.levels)


def evaluate_forecasts(
    model: nn.Module, prep: Prepared, origins: np.ndarray, levels: tuple[float, ...]
) -> dict[str, float]:
    """loss (pinball, normalised units), metric (= MASE), sMAPE and interval coverage."""
    data = prep.data
    q = forecast(model, data, origins)  # (N, H, Q), series units
    y = prep.series.values[origins[:, None] + np.arange(prep.layout.horizon)]  # (N, H)
    z_q = torch.as_tensor((q - data.scaler.mean[0]) / data.scaler.std[0])
    loss = float(pinball(z_q, data.targets(torch.as_tensor(origins)).double(), levels))
    point = point_metrics(y, q[..., levels.index(0.5)], prep.scale)
    cover = coverage(y, q[..., 0], q[..., -1])
    return {"loss": loss, "metric": point["MASE"], **point, "coverage": cover}


def training(cfg: ForecastConfig) -> tuple[ForecastProblem, Callable[[], nn.Module]]:
    """What ``lstmlab.training.fit`` needs to train on ``cfg``'s series: the problem and the
    model factory (the variant study trains through this; ``lstmlab app forecast train`` also
    keeps the fitted scaler beside its run)."""
    prep = prepare(cfg, load_series(cfg))
    return ForecastProblem(prep, cfg), lambda: make_model(cfg, prep.data)
