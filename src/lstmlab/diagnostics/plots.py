"""Figures of the diagnostics, as PNG bytes. ``matplotlib.figure.Figure`` is used without pyplot:
no global figure state and no display backend (it renders with Agg)."""

from __future__ import annotations

import io

import torch
from matplotlib.figure import Figure
from torch import Tensor

from lstmlab.diagnostics.gradient_flow import GradientFlow

__all__ = ["gradient_flow_png", "gates_png"]

_LABELS = {
    "h": r"$\|\partial L/\partial h_t\|$",
    "c": r"$\|\partial L/\partial c_t\|$",
    "x": r"$\|\partial L/\partial x_t\|$",
}


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    return buf.getvalue()


def gradient_flow_png(flows: dict[str, dict[str, GradientFlow]], title: str) -> bytes:
    """One panel per state (h, c, x), log norm against distance; a line per model and phase
    (dashed: at initialisation, solid: trained)."""
    names = [
        n for n in ("h", "c", "x") if any(getattr(f, n) for p in flows.values() for f in p.values())
    ]
    fig = Figure(figsize=(5 * len(names), 4), layout="constrained")
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    colors = {kind: f"C{k}" for k, kind in enumerate(flows)}
    for ax, name in zip(axes, names, strict=True):
        for kind, phases in flows.items():
            for phase, flow in phases.items():
                norm = getattr(flow, name)
                if not norm:
                    continue
                pts = [(d, g) for d, g in zip(flow.distance, norm, strict=True) if g > 0]
                ax.semilogy(
                    [d for d, _ in pts],
                    [g for _, g in pts],
                    color=colors[kind],
                    linestyle="--" if phase == "init" else "-",
                    label=f"{kind} ({phase})",
                )
        ax.set_xlabel("distance from the loss (steps)")
        ax.set_ylabel(_LABELS[name])
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return _png(fig)


def gates_png(traces: dict[str, Tensor], x: Tensor, title: str, units: int = 8) -> bytes:
    """The input (features × steps) on top, then one panel per gate: the mean over all units
    and the ``units`` units whose cell state (h without one) makes the largest single jump,
    the ones that write something into memory at some step. A gate with one value per head
    (the mLSTM's log_i, log_f: (T, NH)) shows its first ``units`` heads."""
    names = list(traces)
    state = traces["c"] if "c" in traces else traces["h"]  # (T, H)
    jump = state.diff(dim=0).abs().amax(dim=0)  # (H,)
    chosen = jump.argsort(descending=True)[:units]
    fig = Figure(figsize=(9, 1.6 * (len(names) + 1)), layout="constrained")
    axes = fig.subplots(len(names) + 1, 1, sharex=True, squeeze=False)[:, 0]
    axes[0].imshow(x.T.numpy(), aspect="auto", interpolation="nearest", cmap="viridis")
    axes[0].set_ylabel("input")
    for ax, name in zip(axes[1:], names, strict=True):
        g = traces[name]  # (T, H) or (T, NH)
        cols = chosen if g.shape[1] == state.shape[1] else torch.arange(min(units, g.shape[1]))
        ax.plot(g[:, cols].numpy(), linewidth=0.8, alpha=0.7)
        ax.plot(g.mean(dim=1).numpy(), color="black", linewidth=1.5, label="mean of all units")
        ax.set_ylabel(name)
    axes[-1].set_xlabel("step t")
    axes[1].legend(fontsize=8, loc="upper right")
    fig.suptitle(title)
    return _png(fig)
