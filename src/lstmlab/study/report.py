"""Read a study back: per-variant distributions, Welch's t-tests, fANOVA, the verdict table.

As in Greff et al. 2015 (§V): each variant's test losses are compared with the baseline
variant's (their vanilla LSTM, with peepholes) by Welch's t-test (unequal variances), at a
significance level of 0.05 after a Bonferroni correction for the number of variants compared;
the importance of each hyperparameter is estimated by fANOVA (Hutter et al. 2014, through
Optuna's evaluator). ``top_fraction`` < 1 keeps only each variant's best trials (the paper's
figures show the best 10%); the default keeps all finished trials.
"""

from __future__ import annotations

import io
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from matplotlib.figure import Figure
from optuna.trial import TrialState
from scipy import stats
from statsmodels.stats.multitest import multipletests

from lstmlab.study.space import BASELINE_VARIANT, GREFF_VERDICTS
from lstmlab.training.atomic import write_bytes_atomic, write_json_atomic, write_text_atomic

__all__ = [
    "StudyReport",
    "build_report",
    "write_report",
    "box_plot",
    "interaction_plot",
    "report_data",
    "report_from_data",
    "ALPHA",
]

ALPHA = 0.05


@dataclass
class StudyReport:
    """Everything ``study report`` shows; ``to_dict`` is the JSON summary."""

    study: str
    settings: dict[str, Any]
    trials: int
    by_variant: dict[str, list[float]]
    rows: list[dict[str, Any]]
    importances: dict[str, float]
    importance_error: str | None
    lr_hidden: list[dict[str, float]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "settings": self.settings,
            "finished_trials": self.trials,
            "alpha": ALPHA,
            "correction": "bonferroni",
            "baseline": BASELINE_VARIANT,
            "variants": self.rows,
            "importances": self.importances,
            "importance_error": self.importance_error,
        }


def _finished(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return [t for t in study.get_trials(deepcopy=False) if t.state == TrialState.COMPLETE]


def build_report(study: optuna.Study, top_fraction: float = 1.0) -> StudyReport:
    if not 0 < top_fraction <= 1:
        raise ValueError(f"top_fraction: expected a number in (0, 1], got {top_fraction}")
    trials = _finished(study)
    by_variant: dict[str, list[float]] = {}
    for t in trials:
        by_variant.setdefault(t.params["variant"], []).append(float(t.value))
    for v, values in by_variant.items():
        values.sort()
        by_variant[v] = values[: max(1, math.ceil(top_fraction * len(values)))]
    base = by_variant.get(BASELINE_VARIANT, [])
    others = [v for v in sorted(by_variant) if v != BASELINE_VARIANT]
    p_raw = []
    for v in others:
        a = by_variant[v]
        if len(a) >= 2 and len(base) >= 2:
            p_raw.append(float(stats.ttest_ind(a, base, equal_var=False).pvalue))
        else:
            p_raw.append(math.nan)
    testable = [i for i, p in enumerate(p_raw) if math.isfinite(p)]
    p_adj = [math.nan] * len(p_raw)
    if testable:
        adjusted = multipletests([p_raw[i] for i in testable], alpha=ALPHA, method="bonferroni")[1]
        for i, p in zip(testable, adjusted, strict=True):
            p_adj[i] = float(p)
    rows = []
    if base:
        rows.append(_row(BASELINE_VARIANT, base, base, math.nan, math.nan))
    for v, p, q in zip(others, p_raw, p_adj, strict=True):
        rows.append(_row(v, by_variant[v], base, p, q))
    importances, error = _importances(study, trials)
    return StudyReport(
        study=study.study_name,
        settings=study.user_attrs.get("settings", {}),
        trials=len(trials),
        by_variant=by_variant,
        rows=rows,
        importances=importances,
        importance_error=error,
        lr_hidden=[
            {"lr": t.params["lr"], "hidden": t.params["hidden"], "loss": float(t.value)}
            for t in trials
        ],
    )


def _row(variant: str, values: list[float], base: list[float], p: float, q: float):
    mean, base_mean = float(np.mean(values)), float(np.mean(base)) if base else math.nan
    if variant == BASELINE_VARIANT:
        verdict = "baseline"
    elif not math.isfinite(q):
        verdict = "too few trials to test"
    elif q < ALPHA:
        verdict = "significantly worse" if mean > base_mean else "significantly better"
    else:
        verdict = "no significant difference"
    return {
        "variant": variant,
        "trials": len(values),
        "median": float(np.median(values)),
        "mean": mean,
        "best": float(min(values)),
        "p_value": p,
        "p_bonferroni": q,
        "verdict": verdict,
        "greff_2015": GREFF_VERDICTS.get(variant, "—"),
    }


def _importances(study, trials) -> tuple[dict[str, float], str | None]:
    if len(trials) < 4:
        return {}, f"fANOVA needs at least 4 finished trials, got {len(trials)}"
    try:
        evaluator = optuna.importance.FanovaImportanceEvaluator(seed=0)
        got = optuna.importance.get_param_importances(study, evaluator=evaluator)
    except (RuntimeError, ValueError) as err:
        return {}, str(err)
    return {k: float(v) for k, v in got.items()}, None


def box_plot(
    report: StudyReport,
    ylabel: str = "test loss (lower is better)",
    title: str | None = None,
) -> Figure:
    """Each variant's test losses as a box, coloured by verdict (red: significantly worse).

    ``ylabel`` and ``title`` let a caller label it in another language (the report's pages)."""
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.add_subplot()
    order = [r["variant"] for r in report.rows]
    colours = {
        "significantly worse": "#d62728",
        "significantly better": "#2ca02c",
        "baseline": "#1f77b4",
    }
    box = ax.boxplot([report.by_variant[v] for v in order], patch_artist=True)
    ax.set_xticks(range(1, len(order) + 1), order)
    for patch, row in zip(box["boxes"], report.rows, strict=True):
        patch.set_facecolor(colours.get(row["verdict"], "#cccccc"))
    ax.set_ylabel(ylabel)
    if title is None:
        title = (
            f"{report.study}: test loss per variant "
            f"(red: significantly worse than peephole, Welch + Bonferroni, α={ALPHA})"
        )
    ax.set_title(title)
    ax.title.set_fontsize(9)
    return fig


def interaction_plot(
    report: StudyReport,
    labels: tuple[str, str, str, str] = (
        "learning rate",
        "hidden size",
        "test loss",
        "learning rate × hidden size",
    ),
) -> Figure:
    """Every trial at (learning rate, hidden size), coloured by its test loss.

    ``labels``: x axis, y axis, colour bar and title (another language for the report's pages)."""
    xlabel, ylabel, colour_label, title = labels
    fig = Figure(figsize=(5, 4), layout="constrained")
    ax = fig.add_subplot()
    points = report.lr_hidden
    if points:
        sc = ax.scatter(
            [p["lr"] for p in points],
            [p["hidden"] for p in points],
            c=[p["loss"] for p in points],
            cmap="viridis_r",
            s=18,
        )
        fig.colorbar(sc, ax=ax, label=colour_label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig


def markdown(report: StudyReport) -> str:
    lines = [
        f"# Variant study `{report.study}`",
        "",
        f"{report.trials} finished trials. Welch's t-test of each variant against "
        f"`{BASELINE_VARIANT}` (Greff et al.'s vanilla LSTM), Bonferroni-corrected, α = {ALPHA}.",
        "",
        "| variant | trials | median test loss | mean | best | p (Bonferroni) | our verdict "
        "| Greff et al. 2015 |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in report.rows:
        q = "—" if not math.isfinite(r["p_bonferroni"]) else f"{r['p_bonferroni']:.3g}"
        lines.append(
            f"| {r['variant']} | {r['trials']} | {r['median']:.4g} | {r['mean']:.4g} | "
            f"{r['best']:.4g} | {q} | {r['verdict']} | {r['greff_2015']} |"
        )
    lines += ["", "Hyperparameter importance (fANOVA):", ""]
    if report.importances:
        lines += [f"- {k}: {v:.3f}" for k, v in report.importances.items()]
    else:
        lines.append(f"- not computed: {report.importance_error}")
    return "\n".join(lines) + "\n"


def write_report(report: StudyReport, out: str | Path) -> list[Path]:
    """box plot and interaction plot (PNG and SVG), report.md and report.json in ``out``."""
    out = Path(out)
    written = []
    for name, fig in (("variants", box_plot(report)), ("lr_hidden", interaction_plot(report))):
        for ext in ("png", "svg"):
            buffer = io.BytesIO()
            fig.savefig(buffer, format=ext, dpi=120)
            write_bytes_atomic(out / f"{name}.{ext}", buffer.getvalue())
            written.append(out / f"{name}.{ext}")
    write_text_atomic(out / "report.md", markdown(report))
    summary = report.to_dict() | {"by_variant": report.by_variant}
    write_json_atomic(out / "report.json", _json_safe(summary))
    return [*written, out / "report.md", out / "report.json"]


def report_data(report: StudyReport) -> dict[str, Any]:
    """Every field of ``report`` as JSON-able data (NaN as null); ``report_from_data`` undoes it."""
    return _json_safe(asdict(report))


def report_from_data(data: dict[str, Any]) -> StudyReport:
    """The ``StudyReport`` that ``report_data`` gave (nulls back to NaN), e.g. to draw its plots."""
    rows = [{k: math.nan if v is None else v for k, v in r.items()} for r in data["rows"]]
    return StudyReport(**{**data, "rows": rows})


def _json_safe(value: Any) -> Any:
    """NaN and infinities as null: JSON has neither."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value
