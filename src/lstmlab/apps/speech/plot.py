"""The confusion matrix of the isolated-word classifier as a PNG (matplotlib, Agg backend)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lstmlab.training.atomic import write_bytes_atomic

__all__ = ["confusion_png", "confusion_figure"]


def confusion_png(matrix: np.ndarray, labels: Sequence[str], path: Path, title: str) -> Path:
    """Rows: the word said; columns: the word recognised; each row normalised to 1."""
    buf = io.BytesIO()
    confusion_figure(matrix, labels, title).savefig(buf, format="png")
    write_bytes_atomic(path, buf.getvalue())
    return path


def confusion_figure(
    matrix: np.ndarray,
    labels: Sequence[str],
    title: str,
    axes: tuple[str, str, str] = ("recognised", "said", "share of the row"),
) -> Figure:
    """The figure of ``confusion_png``; ``axes``: the x and y axes and the colour bar."""
    rows = matrix.sum(axis=1, keepdims=True)
    share = matrix / np.maximum(rows, 1)
    fig = Figure(figsize=(9, 8), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel(axes[0])
    ax.set_ylabel(axes[1])
    ax.set_title(title, fontsize=10)
    for i, j in zip(*np.nonzero(matrix), strict=True):
        if i != j:  # the errors, as counts
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=6, color="red")
    fig.colorbar(image, ax=ax, fraction=0.046, label=axes[2])
    fig.tight_layout()
    return fig
