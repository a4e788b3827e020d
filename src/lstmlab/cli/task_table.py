"""The task × model table of ``lstmlab compare --tasks``: the best seed of each model on each
task, next to the scores a task's paper reports (Delétang et al. 2023's Table 2 for the formal
tasks)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.table import Table

from lstmlab.cli.tables import fmt
from lstmlab.tasks import TASKS

__all__ = ["task_model_rows", "task_model_table", "task_model_markdown"]

#: Models whose score a paper may report, as they are named in ``paper_scores``.
PAPER_MODELS = ("lstm", "transformer")


def task_model_rows(
    summaries: dict[str, list[dict[str, Any]]], kinds: Sequence[str]
) -> list[dict[str, Any]]:
    """One row per (task, lag) from each task's ``summarize`` rows: per model its best seed's
    test metric, seeds solved, runs, mean wall time per run and parameters; and the paper's
    scores where the task has them."""
    rows = []
    for task, summary in summaries.items():
        lags = list(dict.fromkeys(r["lag"] for r in summary))
        paper = getattr(TASKS[task], "paper_scores", {})
        for lag in lags:
            by_kind = {r["model"]: r for r in summary if r["lag"] == lag}
            row: dict[str, Any] = {
                "task": task,
                "level": getattr(TASKS[task], "level", ""),
                "lag": lag,
                "metric": summary[0]["metric"],
            }
            for kind in kinds:
                r = by_kind.get(kind)
                row[kind] = (
                    None
                    if r is None
                    else {
                        "best": r["metric_best"],
                        "mean": r["metric_mean"],
                        "solved": r["solved"],
                        "runs": r["runs"],
                        "wall_time_mean": r["wall_time_mean"],
                        "params": r["params"],
                    }
                )
            row["paper"] = {k: paper[k] for k in PAPER_MODELS if k in paper}
            rows.append(row)
    return rows


def _cell(entry: dict[str, Any] | None, metric: str, markdown: bool) -> str:
    if entry is None:
        return "—"
    best = entry["best"]
    text = f"{100 * best:.1f}" if "accuracy" in metric else fmt(best)
    if entry["solved"]:
        text = f"**{text}**" if markdown else f"[bold]{text}[/bold]"
    return text


def task_model_table(rows: list[dict[str, Any]], kinds: Sequence[str], title: str) -> Table:
    t = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("task", "lag", "metric", *kinds, *(f"paper {k}" for k in PAPER_MODELS)):
        t.add_column(col, justify="left" if col == "task" else "right", no_wrap=True)
    for r in rows:
        t.add_row(
            r["task"],
            str(r["lag"]),
            r["metric"],
            *(_cell(r[k], r["metric"], markdown=False) for k in kinds),
            *(_paper(r["paper"].get(k)) for k in PAPER_MODELS),
        )
    return t


def task_model_markdown(rows: list[dict[str, Any]], kinds: Sequence[str]) -> str:
    """The table in Markdown: best seed's test metric (accuracies in %), bold where that seed
    met the task's criterion; then the paper's LSTM and Transformer scores (%)."""
    header = ["task", *kinds, *(f"paper {k}" for k in PAPER_MODELS)]
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    for r in rows:
        cells = [
            f"`{r['task']}`"
            + (
                ""
                if r["lag"] == getattr(TASKS[r["task"]], "default_lag", None)
                else f" (lag {r['lag']})"
            ),
            *(_cell(r[k], r["metric"], markdown=True) for k in kinds),
            *(_paper(r["paper"].get(k)) for k in PAPER_MODELS),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _paper(score: float | None) -> str:
    return "—" if score is None else f"{score:.1f}"
