"""The trace as a picture: a PNG for the run folder, a coloured line for the terminal."""

from __future__ import annotations

import io

from matplotlib import colormaps
from matplotlib.figure import Figure
from rich.text import Text

from lstmlab.apps.sentiment.trace import Trace

__all__ = ["trace_png", "trace_figure", "trace_text"]

_CMAP = "RdYlGn"  # red = negative, green = positive


def trace_png(trace: Trace, title: str | None = None) -> bytes:
    """p(positive | w_1..w_k) against k, each word on the axis, points coloured by p."""
    buf = io.BytesIO()
    trace_figure(trace, title).savefig(buf, format="png", dpi=120)
    return buf.getvalue()


def trace_figure(
    trace: Trace, title: str | None = None, ylabel: str = "p(positive | prefix)"
) -> Figure:
    """The figure of ``trace_png`` (``ylabel`` and ``title`` in another language if need be)."""
    k = list(range(1, len(trace.tokens) + 1))
    width = min(max(4.0, 0.45 * len(k) + 1.5), 24.0)
    fig = Figure(figsize=(width, 3.4), layout="constrained")
    ax = fig.add_subplot()
    ax.axhspan(0.5, 1.0, color="tab:green", alpha=0.06)
    ax.axhspan(0.0, 0.5, color="tab:red", alpha=0.06)
    ax.axhline(0.5, color="grey", lw=0.8, ls="--")
    ax.plot(k, trace.p_positive, color="black", lw=1.2, zorder=2)
    ax.scatter(
        k,
        trace.p_positive,
        c=trace.p_positive,
        cmap=_CMAP,
        vmin=0,
        vmax=1,
        s=40,
        edgecolors="black",
        linewidths=0.5,
        zorder=3,
    )
    labels = [t if known else f"{t}*" for t, known in zip(trace.tokens, trace.known, strict=True)]
    ax.set_xticks(k, labels, rotation=45, ha="right")
    ax.set_xlim(0.5, len(k) + 0.5)
    ax.set_ylim(0, 1)
    ax.set_ylabel(ylabel)
    ax.set_title(
        title or f"{trace.label} ({trace.probability:.2f}); * = not in the vocabulary", fontsize=10
    )
    return fig


def trace_text(trace: Trace) -> Text:
    """The sentence, each word coloured by p(positive) after it and followed by that p."""
    cmap = colormaps[_CMAP]
    line = Text()
    for token, p in zip(trace.tokens, trace.p_positive, strict=True):
        r, g, b, _ = (round(255 * v) for v in cmap(p))
        line.append(token, style=f"bold rgb({r},{g},{b})")
        line.append(f"({p:.2f}) ", style="dim")
    return line
