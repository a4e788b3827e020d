"""Transformers and the modern cells: RNN, LSTM, GRU, sLSTM, mLSTM, minLSTM, minGRU and the
Transformer on the same tasks, run by ``lstmlab compare`` (a long-lag task of the lab, and the
formal languages of Delétang et al. 2023 with their length generalisation)."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure as MplFigure

from lstmlab.cli.compare import compare_command
from lstmlab.cli.dataclass_options import option_name
from lstmlab.models import build_model
from lstmlab.report import part
from lstmlab.report.part import Lang, Text, pick
from lstmlab.tasks import make_task
from lstmlab.tasks.formal import FORMAL_TASKS
from lstmlab.training import evaluate, load_trained, read_run_config

__all__ = ["TITLE", "INTRO", "parts", "plan", "MODELS"]

TITLE: Text = {
    "en": "Transformers and the modern cells",
    "fr": "Les Transformers et les cellules modernes",
}
INTRO: Text = {
    "en": "The same tasks for every model: the plain RNN, the LSTM, the GRU, the xLSTM cells "
    "(sLSTM, mLSTM; Beck et al. 2024), minLSTM and minGRU (Feng et al. 2024) and a Transformer "
    "encoder. First the adding problem, a long time lag; then formal languages (Delétang et al. "
    "2023): trained on inputs of length 1 to 40, tested on lengths 41 to 500, the score being the "
    "accuracy averaged over the test lengths, next to the paper's LSTM and Transformer scores.",
    "fr": "Les mêmes tâches pour chaque modèle : le RNN simple, le LSTM, le GRU, les cellules "
    "xLSTM (sLSTM, mLSTM ; Beck et al. 2024), minLSTM et minGRU (Feng et al. 2024) et un "
    "encodeur Transformer. D'abord le problème de l'addition, un long délai ; puis des langages "
    "formels (Delétang et al. 2023) : entraînement sur des entrées de longueur 1 à 40, test sur "
    "les longueurs 41 à 500, le score étant la précision moyennée sur les longueurs de test, à "
    "côté des scores du LSTM et du Transformer publiés dans l'article.",
}

MODELS = ("rnn", "lstm", "gru", "slstm", "mlstm", "minlstm", "mingru", "transformer")


def _arguments(**options: object) -> list[str]:
    """``lstmlab compare`` arguments, in the order given: ``n_val=8`` → ``["--n-val", "8"]``."""
    return [arg for name, value in options.items() for arg in (option_name(name), str(value))]


#: The training budget of the ci level's runs, shared by both parts: a few steps of a tiny model.
_CI = {"seeds": 1, "steps": 4, "eval_every": 2, "hidden": 4, "batch_size": 4, "n_val": 8}
_QUICK = {"seeds": 1, "steps": 1000, "hidden": 16}
#: Per level: the ``lstmlab compare`` options of each part. "full" is the README's adding
#: command and every formal task (in the paper's order) with the CLI's defaults and three seeds.
BUDGETS: dict[str, dict[str, list[str]]] = {
    "ci": {
        "adding": _arguments(task="adding", lags=10, **_CI, n_test=16),
        "formal": _arguments(tasks="parity", **_CI, n_test=47),
    },
    "quick": {
        "adding": _arguments(task="adding", lags=40, **_QUICK, n_val=200, n_test=500),
        "formal": _arguments(tasks="parity", **_QUICK, n_val=80, n_test=94),
    },
    "full": {
        "adding": _arguments(task="adding", lags="50,100,200,400", seeds=1, steps=4000),
        "formal": _arguments(tasks=",".join(FORMAL_TASKS), seeds=3),
    },
}


def plan(level: str) -> dict[str, list[str]]:
    return {name: [*args, "--models", ",".join(MODELS)] for name, args in BUDGETS[level].items()}


def _command(args: list[str]) -> str:
    return " ".join(["lstmlab", "compare", *args, "--out", "runs/modern"])


def _part(
    name: str,
    args: list[str],
    compute: Callable[[part.PartContext, list[str]], dict[str, Any]],
    render: Callable[[dict[str, Any], Lang], list[part.Block]],
    title: Text,
) -> part.Part:
    """A part that runs ``lstmlab compare ARGS`` with ``compute`` and shows it with ``render``."""
    return part.Part(
        section="modern",
        name=name,
        config={"args": args},
        compute=lambda ctx: compute(ctx, args),
        render=render,
        command=_command(args),
        title=title,
    )


def parts(level: str) -> list[part.Part]:
    config = plan(level)
    return [
        _part(
            "adding",
            config["adding"],
            compute_adding,
            render_adding,
            {"en": "A long time lag: adding", "fr": "Un long délai : l'addition"},
        ),
        _part(
            "formal",
            config["formal"],
            compute_formal,
            render_formal,
            {
                "en": "Formal languages and length generalisation",
                "fr": "Langages formels et généralisation en longueur",
            },
        ),
    ]


class _Lines(io.TextIOBase):
    """A stdout that hands each finished run's line to the part's progress, which itself may
    print: it runs with the real stdout back in place."""

    def __init__(self, progress) -> None:
        self.progress, self.buffer, self.real = progress, "", sys.stdout

    def write(self, text: str) -> int:
        self.buffer += text
        *lines, self.buffer = self.buffer.split("\n")
        for line in lines:
            if " seed " in line:
                with contextlib.redirect_stdout(self.real):
                    self.progress(line.strip())
        return len(text)


def _compare(ctx: part.PartContext, args: list[str], out: Path) -> None:
    """``lstmlab compare ARGS --quiet --out OUT``: the CLI itself (finished runs are read back)."""
    with contextlib.redirect_stdout(_Lines(ctx.progress)):
        compare_command.main([*args, "--quiet", "--out", str(out)], standalone_mode=False)


def compute_adding(ctx: part.PartContext, args: list[str]) -> dict[str, Any]:
    out = ctx.workdir / "compare"
    _compare(ctx, args, out)
    return {"summary": json.loads((out / "results.json").read_text())["summary"], "args": args}


def _per_length(run_dir: str) -> dict[str, list]:
    """Test accuracy of a finished run at each test length (the sets its test score averaged)."""
    cfg = read_run_config(run_dir)
    task = make_task(cfg.task, cfg.lag)
    model = load_trained(run_dir, build_model(cfg.model, task))
    sets = task.evaluation_sets("test", cfg.n_test, cfg.seed)
    accuracy = [evaluate(model, task, d, cfg.eval_batch_size)["accuracy"] for d in sets]
    return {"lengths": task.lengths("test"), "accuracy": accuracy}


def compute_formal(ctx: part.PartContext, args: list[str]) -> dict[str, Any]:
    out = ctx.workdir / "compare"
    _compare(ctx, args, out)
    table = json.loads((out / "table.json").read_text())
    curves: dict[str, dict[str, Any]] = {}
    for row in table:
        runs = json.loads((out / row["task"] / "results.json").read_text())["runs"]
        curves[row["task"]] = {}
        for kind in MODELS:
            mine = [r for r in runs if r["model"] == kind]
            if mine:
                best = max(mine, key=lambda r: r["test_metric"])
                curves[row["task"]][kind] = _per_length(best["run_dir"])
    return {"table": table, "curves": curves, "args": args}


# ------------------------------------------------------------------------------------ render


def _budget_note(args: list[str], lang: Lang) -> str:
    steps = args[args.index("--steps") + 1] if "--steps" in args else "5000"
    seeds = args[args.index("--seeds") + 1]
    return pick(
        lang,
        en=f"Budget: at most {steps} training steps per run, best of {seeds} seed(s). The quick "
        "budget is small: a model at chance here may well learn the task with the full budget "
        "(lstmlab reproduce --full).",
        fr=f"Budget : au plus {steps} pas d'entraînement par exécution, meilleure de {seeds} "
        "graine(s). Le budget rapide est petit : un modèle au niveau du hasard ici peut très "
        "bien apprendre la tâche avec le budget complet (lstmlab reproduce --full).",
    )


def render_adding(data: dict[str, Any], lang: Lang) -> list[part.Block]:
    rows = data["summary"]
    lags = sorted({r["lag"] for r in rows})
    cells = []
    for kind in MODELS:
        line = [kind]
        for lag in lags:
            r = next((r for r in rows if r["model"] == kind and r["lag"] == lag), None)
            if r is None:
                line.append("—")
                continue
            word = pick(lang, en="solved", fr="résolu") if r["solved"] else "—"
            line.append(f"MSE {r['metric_best']:.4f} ({word}, {r['wall_time_mean']:.0f} s)")
        cells.append(line)
    solved = [k for k in MODELS if any(r["solved"] for r in rows if r["model"] == k)]
    text = pick(
        lang,
        en="Test mean squared error on the adding problem (baseline 0.167: always answering 1), "
        "best seed, and whether the task's criterion was met. Solved here: "
        + (", ".join(solved) or "none")
        + ".",
        fr="Erreur quadratique moyenne de test sur le problème de l'addition (référence 0,167 : "
        "toujours répondre 1), meilleure graine, et critère de la tâche atteint ou non. Résolu "
        "ici par : " + (", ".join(solved) or "aucun") + ".",
    )
    return [
        part.Paragraph(text + " " + _budget_note(data["args"], lang)),
        part.Table(
            columns=[pick(lang, en="model", fr="modèle")]
            + [pick(lang, en=f"lag {lag}", fr=f"délai {lag}") for lag in lags],
            rows=cells,
            caption=pick(lang, en="Adding problem, test split.", fr="Addition, jeu de test."),
        ),
    ]


def _figure(curves: dict[str, dict[str, Any]], lang: Lang) -> MplFigure:
    tasks = list(curves)
    fig = MplFigure(figsize=(6.5, 3.0 * len(tasks)))
    axes = fig.subplots(len(tasks), 1, squeeze=False)[:, 0]
    for ax, task in zip(axes, tasks, strict=True):
        for kind, curve in curves[task].items():
            ax.plot(curve["lengths"], curve["accuracy"], label=kind, linewidth=1.2)
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(task, fontsize=10)
        ax.set_xlabel(pick(lang, en="test length", fr="longueur de test"))
        ax.set_ylabel(pick(lang, en="accuracy", fr="précision"))
        ax.legend(fontsize=7, ncol=4)
    fig.tight_layout()
    return fig


def render_formal(data: dict[str, Any], lang: Lang) -> list[part.Block]:
    table = data["table"]
    rows = []
    for r in table:
        line = [r["task"]]
        for kind in MODELS:
            e = r.get(kind)
            line.append(
                "—" if e is None else f"{100 * e['best']:.1f}" + ("*" if e["solved"] else "")
            )
        paper = r.get("paper", {})
        line += [f"{paper[k]:.1f}" if k in paper else "—" for k in ("lstm", "transformer")]
        rows.append(line)
    general = sorted(
        {k for r in table for k in MODELS if r.get(k) and r[k]["best"] >= 0.99},
        key=MODELS.index,
    )
    text = pick(
        lang,
        en="Accuracy in % on the test lengths 41–500 (best seed; * = the task's criterion met at "
        "every length), then the scores Delétang et al. 2023 report (Table 2). Generalised to "
        "every test length (≥ 99%) on at least one task here: "
        + (", ".join(general) or "none")
        + ".",
        fr="Précision en % sur les longueurs de test 41 à 500 (meilleure graine ; * = critère de "
        "la tâche atteint à chaque longueur), puis les scores publiés par Delétang et al. 2023 "
        "(tableau 2). Ont généralisé à toutes les longueurs de test (≥ 99 %) sur au moins une "
        "tâche ici : " + (", ".join(general) or "aucun") + ".",
    )
    return [
        part.Paragraph(text + " " + _budget_note(data["args"], lang)),
        part.Table(
            columns=[pick(lang, en="task", fr="tâche"), *MODELS]
            + [
                pick(lang, en="paper LSTM", fr="article LSTM"),
                pick(lang, en="paper Transformer", fr="article Transformer"),
            ],
            rows=rows,
            caption=pick(
                lang,
                en="Formal languages, test lengths 41–500.",
                fr="Langages formels, longueurs de test 41 à 500.",
            ),
        ),
        part.figure(
            _figure(data["curves"], lang),
            lang,
            caption={
                "en": "Accuracy against test length (best seed of each model); trained on 1–40.",
                "fr": "Précision selon la longueur de test (meilleure graine de chaque modèle) ; "
                "entraînement sur 1 à 40.",
            },
            alt={
                "en": "Accuracy against test length, one curve per model.",
                "fr": "Précision selon la longueur de test, une courbe par modèle.",
            },
        ),
    ]
