"""The attention heat map of one translation: source words × target words."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from torch import Tensor

from lstmlab.training.atomic import write_bytes_atomic

__all__ = ["attention_figure", "save_attention_png"]


def attention_figure(
    alpha: Tensor,
    source: Sequence[str],
    target: Sequence[str],
    labels: tuple[str, str, str] = ("English (source)", "French (output)", "attention α"),
) -> Figure:
    """α (T, S): row t is how much target word t read each source word (rows sum to 1).
    ``labels``: the x axis, the y axis and the colour bar."""
    T, S = alpha.shape
    if (len(target), len(source)) != (T, S):
        raise ValueError(
            f"alpha: expected shape ({len(target)}, {len(source)}) for the words given, "
            f"got {tuple(alpha.shape)}"
        )
    fig = Figure(figsize=(1.0 + 0.45 * S, 1.0 + 0.4 * T), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    image = ax.imshow(alpha.detach().cpu().numpy(), cmap="Greys", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(S), list(source), rotation=60, ha="right")
    ax.set_yticks(range(T), list(target))
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    fig.colorbar(image, ax=ax, shrink=0.8, label=labels[2])
    return fig


def save_attention_png(path: Path, alpha: Tensor, source: Sequence[str], target: Sequence[str]):
    buffer = io.BytesIO()
    attention_figure(alpha, source, target).savefig(buffer, format="png", dpi=120)
    write_bytes_atomic(path, buffer.getvalue())
