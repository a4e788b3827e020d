"""The picture of a forecast: recent history, the median forecast and its interval."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lstmlab.training.atomic import write_bytes_atomic

__all__ = ["plot_forecast"]


def plot_forecast(
    path: str | Path,
    history_time: pd.DatetimeIndex,
    history: np.ndarray,
    time: pd.DatetimeIndex,
    quantiles: np.ndarray,  # (H, 3): lower, median, upper
    *,
    value_name: str,
    interval: float,
    title: str,
    actual: np.ndarray | None = None,
) -> None:
    """Write a PNG (Agg, no pyplot state) of ``history`` followed by the forecast."""
    fig = Figure(figsize=(10, 4), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(history_time, history, color="0.3", lw=1, label="history")
    ax.fill_between(
        time, quantiles[:, 0], quantiles[:, 2], color="tab:blue", alpha=0.25,
        label=f"{interval:.0%} interval",
    )  # fmt: skip
    ax.plot(time, quantiles[:, 1], color="tab:blue", lw=1.5, label="forecast (median)")
    if actual is not None:
        ax.plot(time, actual, color="tab:red", lw=1, ls="--", label="actual")
    ax.axvline(time[0], color="0.6", lw=0.8, ls=":")
    ax.set_ylabel(value_name)
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    write_bytes_atomic(path, buf.getvalue())
