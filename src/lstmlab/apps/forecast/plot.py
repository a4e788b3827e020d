"""The picture of a forecast: recent history, the median forecast and its interval."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lstmlab.training.atomic import write_bytes_atomic

__all__ = ["plot_forecast", "forecast_figure", "FORECAST_LABELS"]

#: The legend's words; ``forecast_figure`` takes others (the report's French page).
FORECAST_LABELS = {
    "history": "history",
    "interval": "{interval:.0%} interval",
    "forecast": "forecast (median)",
    "actual": "actual",
}


def plot_forecast(path: str | Path, *args: Any, **kwargs: Any) -> None:
    """Write a PNG (Agg, no pyplot state) of ``forecast_figure(*args, **kwargs)``: recent history
    followed by the forecast."""
    buf = io.BytesIO()
    forecast_figure(*args, **kwargs).savefig(buf, format="png")
    write_bytes_atomic(path, buf.getvalue())


def forecast_figure(
    history_time: pd.DatetimeIndex,
    history: np.ndarray,
    time: pd.DatetimeIndex,
    quantiles: np.ndarray,  # (H, 3): lower, median, upper
    *,
    value_name: str,
    interval: float,
    title: str,
    actual: np.ndarray | None = None,
    labels: dict[str, str] = FORECAST_LABELS,
) -> Figure:
    """The figure ``plot_forecast`` writes; ``labels`` names the legend's entries."""
    fig = Figure(figsize=(10, 4), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(history_time, history, color="0.3", lw=1, label=labels["history"])
    ax.fill_between(
        time, quantiles[:, 0], quantiles[:, 2], color="tab:blue", alpha=0.25,
        label=labels["interval"].format(interval=interval),
    )  # fmt: skip
    ax.plot(time, quantiles[:, 1], color="tab:blue", lw=1.5, label=labels["forecast"])
    if actual is not None:
        ax.plot(time, actual, color="tab:red", lw=1, ls="--", label=labels["actual"])
    ax.axvline(time[0], color="0.6", lw=0.8, ls=":")
    ax.set_ylabel(value_name)
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig
