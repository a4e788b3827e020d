"""The RNN's problem: its gradient vanishes with distance, so it cannot learn long lags; the
LSTM's cell state carries the gradient, and it learns them.

Two parts, both from the lab (``README``, "The long-range memory lab"): the gradient norm of
the last-step loss against the distance (``lstmlab.diagnostics.diagnose``, at initialisation and
after training), and the test error of an RNN and an LSTM trained on the adding problem at
growing lags (``lstmlab.training.run_grid``: the one training loop).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from matplotlib.figure import Figure as MplFigure
from rich.console import Console

from lstmlab.cli.dataclass_options import option_name
from lstmlab.diagnostics import diagnose
from lstmlab.models import ModelConfig
from lstmlab.report import part
from lstmlab.report.part import Lang, Text, pick
from lstmlab.training import TrainConfig, grid_configs, run_grid
from lstmlab.training.grid import run_row

__all__ = ["TITLE", "INTRO", "parts", "GRADIENT_BUDGETS", "LAG_BUDGETS"]

TITLE: Text = {
    "en": "The RNN's problem: a gradient that vanishes",
    "fr": "Le problème du RNN : un gradient qui s'évanouit",
}
INTRO: Text = {
    "en": (
        "A plain RNN rewrites its state through a matrix and a tanh at every step, so the "
        "error signal that reaches a step d steps back is a product of d Jacobians: it shrinks "
        "geometrically (Hochreiter 1991; Bengio, Simard & Frasconi 1994). The network then "
        "cannot learn what depends on an input seen long ago. The LSTM's cell state is updated "
        "by addition, gated by f; while f stays near 1 the gradient crosses many steps "
        "(Hochreiter & Schmidhuber 1997). Both facts, measured here."
    ),
    "fr": (
        "Un RNN simple réécrit son état à travers une matrice et une tanh à chaque pas : le "
        "signal d'erreur qui remonte de d pas est un produit de d jacobiennes, il décroît "
        "géométriquement (Hochreiter 1991 ; Bengio, Simard & Frasconi 1994). Le réseau ne "
        "peut alors pas apprendre ce qui dépend d'une entrée vue longtemps avant. L'état de la "
        "cellule du LSTM est mis à jour par addition, pondérée par f ; tant que f reste proche "
        "de 1, le gradient traverse de nombreux pas (Hochreiter & Schmidhuber 1997). Les deux "
        "faits, mesurés ici."
    ),
}

#: ``lstmlab diagnose`` per level; full is the README's table (adding, lag 100, H = 32).
GRADIENT_BUDGETS: dict[str, dict[str, Any]] = {
    "ci": {"models": ["rnn", "lstm"], "lag": 20, "hidden": 16, "batch_size": 32,
           "train_steps": 30, "probe_size": 16, "eval_every": 30, "n_val": 100, "n_test": 100},
    "quick": {"models": ["rnn", "lstm"], "lag": 100, "hidden": 32, "batch_size": 64,
              "train_steps": 400, "probe_size": 64, "eval_every": 100, "n_val": 500,
              "n_test": 500},
    "full": {"models": ["rnn", "lstm", "gru"], "lag": 100, "hidden": 32, "batch_size": 64,
             "train_steps": 1000, "probe_size": 64, "eval_every": 100, "n_val": 500,
             "n_test": 1000},
}  # fmt: skip

#: ``lstmlab compare`` per level; full is the README's table (lags 50–400, 4,000 steps).
LAG_BUDGETS: dict[str, dict[str, Any]] = {
    "ci": {"models": ["rnn", "lstm"], "lags": [5, 10], "hidden": 16, "steps": 60,
           "eval_every": 30, "n_val": 100, "n_test": 100},
    "quick": {"models": ["rnn", "lstm"], "lags": [10, 20, 40, 60], "hidden": 64,
              "steps": 1000, "eval_every": 100, "n_val": 500, "n_test": 500},
    "full": {"models": ["rnn", "lstm"], "lags": [50, 100, 200, 400], "hidden": 64,
             "steps": 4000, "eval_every": 100, "n_val": 500, "n_test": 1000},
}  # fmt: skip

TASK = "adding"
#: The training loop's notices ("nothing to resume, starting a new run") are not for this page.
SILENT = Console(stderr=True, quiet=True)
#: The adding problem is solved when the test MSE is below this (Hochreiter & Schmidhuber 1997).
SOLVED_MSE = 0.01


def _base(config: dict[str, Any], seed: int) -> TrainConfig:
    return TrainConfig(
        task=TASK,
        lag=config.get("lag", 1),
        model=ModelConfig(kind="lstm", hidden=config["hidden"]),
        steps=config.get("steps", 1),
        batch_size=config.get("batch_size", 32),
        eval_every=config["eval_every"],
        n_val=config["n_val"],
        n_test=config["n_test"],
        seed=seed,
    )


def _options(config: dict[str, Any], skip: tuple[str, ...]) -> str:
    """The config as the CLI's options (the defaults the command shares are left out)."""
    words = []
    for key, value in config.items():
        if key in skip:
            continue
        words.append(
            f"{option_name(key)} {','.join(map(str, value)) if isinstance(value, list) else value}"
        )
    return " ".join(words)


# ---------------------------------------------------------------------- gradient against distance


def gradient_compute(config: dict[str, Any]):
    def compute(ctx: part.PartContext) -> dict[str, Any]:
        base = replace(_base(config, ctx.seed), lag=config["lag"])
        ctx.progress(
            f"training {', '.join(config['models'])} for {config['train_steps']} steps, "
            f"then gradients at lag {config['lag']}"
        )
        diagnosis = diagnose(
            base,
            config["models"],
            ctx.workdir,
            train_steps=config["train_steps"],
            probe_size=config["probe_size"],
            progress=False,
            console=SILENT,
        )
        models = {}
        for kind, phases in diagnosis.flows.items():
            models[kind] = {
                phase: {
                    "distance": flow.distance,
                    "h": flow.h,
                    "c": flow.c,
                    "decay": diagnosis.decay[kind][phase],
                }
                for phase, flow in phases.items()
            }
            result = diagnosis.results.get(kind)
            if result is not None:
                models[kind]["training"] = {
                    "steps": result.steps,
                    "test_mse": result.metrics["metric"],
                    "solved": result.solved,
                    "params": result.params,
                }
        return {"task": TASK, "lag": config["lag"], "models": models}

    return compute


def _curves(data: dict[str, Any]):
    """(model, state, phase, distances, norms) of every curve with positive norms."""
    for kind, phases in data["models"].items():
        for phase in ("init", "trained"):
            if phase not in phases:
                continue
            for state in ("h", "c"):
                norm = phases[phase][state]
                if not norm:
                    continue
                pts = [
                    (d, g)
                    for d, g in zip(phases[phase]["distance"], norm, strict=True)
                    if g > 0 and math.isfinite(g)
                ]
                yield kind, state, phase, [d for d, _ in pts], [g for _, g in pts]


def gradient_render(data: dict[str, Any], lang: Lang) -> list[part.Block]:
    phase_name = {
        "init": pick(lang, en="at initialisation", fr="à l'initialisation"),
        "trained": pick(lang, en="after training", fr="après entraînement"),
    }
    fig = MplFigure(figsize=(8, 4.2), layout="constrained")
    ax = fig.subplots()
    colors = {kind: f"C{k}" for k, kind in enumerate(data["models"])}
    for kind, state, phase, d, g in _curves(data):
        ax.semilogy(
            d,
            g,
            color=colors[kind],
            linestyle="--" if phase == "init" else "-",
            alpha=0.6 if state == "h" and "c" in data["models"][kind][phase] else 1.0,
            linewidth=1.0 if state == "h" else 1.8,
            label=f"{kind.upper()} {state}, {phase_name[phase]}",
        )
    ax.set_xlabel(pick(lang, en="distance from the loss (steps)", fr="distance à la perte (pas)"))
    ax.set_ylabel(pick(lang, en="gradient norm ‖∂L/∂s_t‖", fr="norme du gradient ‖∂L/∂s_t‖"))
    ax.set_title(
        pick(
            lang,
            en=f"Adding problem, lag {data['lag']}: how far back the loss reaches",
            fr=f"Problème de l'addition, décalage {data['lag']} : jusqu'où remonte la perte",
        )
    )
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    rows = []
    for kind, phases in data["models"].items():
        for state in ("h", "c"):
            fits = {p: phases[p]["decay"].get(state) for p in ("init", "trained") if p in phases}
            if not any(fits.values()):
                continue
            init, trained = fits.get("init"), fits.get("trained")
            rows.append(
                [
                    kind.upper(),
                    state,
                    _num(init["factor_per_step"], 3) if init else "—",
                    _num(trained["factor_per_step"], 4) if trained else "—",
                    _num(trained["half_life"], 0) if trained else "—",
                ]
            )
    columns = pick(
        lang,
        en=["model", "state", "factor per step, at init", "after training",
            "half-life after training (steps)"],
        fr=["modèle", "état", "facteur par pas, à l'init.", "après entraînement",
            "demi-vie après entraînement (pas)"],
    )  # fmt: skip
    trained = {k: v["training"] for k, v in data["models"].items() if "training" in v}
    steps = max((t["steps"] for t in trained.values()), default=0)
    return [
        part.Paragraph(
            pick(
                lang,
                en="The norm of the derivative of the last step's loss with respect to the state "
                f"d steps earlier, averaged over a probe batch, at initialisation (dashed) and "
                f"after {steps} training steps (solid). A straight line on this log scale is a "
                "geometric decay; its factor per step is fitted below (log ‖g_d‖ = a + b·d).",
                fr="La norme de la dérivée de la perte du dernier pas par rapport à l'état d pas "
                "plus tôt, moyennée sur un lot de sondage, à l'initialisation (tirets) et après "
                f"{steps} pas d'entraînement (trait plein). Une droite sur cette échelle "
                "logarithmique est une décroissance géométrique ; son facteur par pas est ajusté "
                "ci-dessous (log ‖g_d‖ = a + b·d).",
            )
        ),
        part.figure(
            fig,
            lang,
            caption={
                "en": "Gradient norm against distance (log scale): RNN against LSTM "
                "(h: output state, c: cell state).",
                "fr": "Norme du gradient en fonction de la distance (échelle log) : RNN contre "
                "LSTM (h : état de sortie, c : état de la cellule).",
            },
            alt={"en": "gradient norm against distance", "fr": "norme du gradient"},
        ),
        part.Table(
            columns,
            rows,
            caption=pick(
                lang,
                en="Fitted decay per step of the gradient: the closer to 1, the farther back the "
                "loss reaches (half-life = −ln 2 / ln factor).",
                fr="Décroissance par pas du gradient, ajustée : plus elle est proche de 1, plus "
                "la perte remonte loin (demi-vie = −ln 2 / ln facteur).",
            ),
        ),
    ]


def _num(x: float | None, digits: int) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if math.isinf(x):
        return "∞"
    return f"{x:,.{digits}f}" if digits else f"{x:,.0f}"


# ------------------------------------------------------------------------------ error against lag


def lag_compute(config: dict[str, Any]):
    def compute(ctx: part.PartContext) -> dict[str, Any]:
        base = _base(config, ctx.seed)
        configs = grid_configs(base, config["models"], config["lags"], [ctx.seed], ctx.workdir)
        done = []

        def on_result(cfg, result) -> None:
            done.append(cfg)
            ctx.progress(
                f"{cfg.model.kind} lag {cfg.lag}: test MSE {result.metrics['metric']:.4f} "
                f"({len(done)}/{len(configs)})"
            )

        results = run_grid(configs, progress=False, console=SILENT, on_result=on_result)
        rows = [_lag_row(run_row(r)) for r in results]
        return {"task": TASK, "solved_mse": SOLVED_MSE, "rows": rows}

    return compute


#: The columns of a row of report.json: its name → the column of ``training.grid.run_row``.
LAG_COLUMNS = {
    "model": "model",
    "lag": "lag",
    "test_mse": "test_metric",
    "baseline": "baseline",
    "solved": "solved",
    "steps": "steps",
    "steps_to_solve": "steps_to_solve",
    "stop_reason": "stop_reason",
    "seconds": "wall_time",
    "params": "params",
}


def _lag_row(run: dict[str, Any]) -> dict[str, Any]:
    """report.json's row of one run, from its ``run_row`` (seconds rounded to 0.01)."""
    row = {name: run[column] for name, column in LAG_COLUMNS.items()}
    return row | {"seconds": round(row["seconds"], 2)}


def lag_render(data: dict[str, Any], lang: Lang) -> list[part.Block]:
    rows = data["rows"]
    fig = MplFigure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    models = list(dict.fromkeys(r["model"] for r in rows))
    for k, kind in enumerate(models):
        mine = sorted((r for r in rows if r["model"] == kind), key=lambda r: r["lag"])
        ax.semilogy(
            [r["lag"] for r in mine],
            [max(r["test_mse"], 1e-6) for r in mine],
            marker="o",
            color=f"C{k}",
            label=kind.upper(),
        )
    baseline = next((r["baseline"] for r in rows if r["baseline"] is not None), None)
    if baseline is not None:
        ax.axhline(
            baseline,
            color="grey",
            linestyle="--",
            label=pick(lang, en="always answer 1", fr="toujours répondre 1"),
        )
    ax.axhline(
        data["solved_mse"],
        color="green",
        linestyle=":",
        label=pick(lang, en="solved below", fr="résolu en dessous"),
    )
    ax.set_xlabel(
        pick(
            lang,
            en="lag (steps between the two marked values and the answer)",
            fr="décalage (pas entre les deux valeurs marquées et la réponse)",
        )
    )
    ax.set_ylabel(pick(lang, en="test mean squared error", fr="erreur quadratique moyenne (test)"))
    ax.set_title(
        pick(
            lang,
            en="Adding problem: RNN against LSTM",
            fr="Problème de l'addition : RNN contre LSTM",
        )
    )
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    yes, no = pick(lang, en="solved", fr="résolu"), pick(lang, en="not solved", fr="non résolu")
    table = [
        [
            r["model"].upper(),
            str(r["lag"]),
            f"{r['test_mse']:.4f}",
            yes if r["solved"] else no,
            f"{r['steps']:,}",
            f"{r['seconds']:.1f} s",
        ]
        for r in rows
    ]
    columns = pick(
        lang,
        en=["model", "lag", "test MSE", "verdict", "steps", "time"],
        fr=["modèle", "décalage", "EQM de test", "verdict", "pas", "durée"],
    )
    solved = {m: [r["lag"] for r in rows if r["model"] == m and r["solved"]] for m in models}
    summary = "; ".join(
        f"{m.upper()}: "
        + (", ".join(map(str, lags)) if lags else pick(lang, en="no lag", fr="aucun décalage"))
        for m, lags in solved.items()
    )
    return [
        part.Paragraph(
            pick(
                lang,
                en="The adding problem (Hochreiter & Schmidhuber 1997): a sequence of random "
                "values, two of them marked; the answer, at the end, is their sum. The longer the "
                "lag, the farther back the marked values lie. Answering 1 every time gives the "
                f"baseline error 1/6 ≈ 0.167; the task counts as solved below {data['solved_mse']}."
                f" Lags solved within the budget — {summary}.",
                fr="Le problème de l'addition (Hochreiter & Schmidhuber 1997) : une suite de "
                "valeurs aléatoires, dont deux sont marquées ; la réponse, à la fin, est leur "
                "somme. Plus le décalage est grand, plus les valeurs marquées sont loin. "
                "Répondre toujours 1 donne l'erreur de référence 1/6 ≈ 0,167 ; la tâche est "
                f"résolue en dessous de {data['solved_mse']}. Décalages résolus dans le budget "
                f"— {summary}.",
            )
        ),
        part.figure(
            fig,
            lang,
            caption={
                "en": "Test error against lag, one seed per point (log scale).",
                "fr": "Erreur de test en fonction du décalage, une graine par point (échelle log).",
            },
            alt={"en": "test error against lag", "fr": "erreur de test selon le décalage"},
        ),
        part.Table(columns, table),
    ]


# ---------------------------------------------------------------------------------------- parts


#: Each part's title.
TITLES: dict[str, Text] = {
    "gradient_flow": {
        "en": "The gradient against the distance",
        "fr": "Le gradient en fonction de la distance",
    },
    "lag": {
        "en": "RNN against LSTM at growing lags",
        "fr": "RNN contre LSTM à des décalages croissants",
    },
}


def parts(level: part.Level) -> list[part.Part]:
    grad = GRADIENT_BUDGETS[level]
    lags = LAG_BUDGETS[level]
    grad_cmd = (
        f"lstmlab diagnose --task {TASK} "
        + _options(grad, skip=("steps",))
        + " --out runs/diagnose"
    )
    lag_cmd = (
        f"lstmlab compare --task {TASK} --seeds 1 " + _options(lags, skip=()) + " --out runs/adding"
    )
    return [
        part.Part(
            section="problem",
            name=name,
            config={"task": TASK, **budget},
            compute=compute(budget),
            render=render,
            command=command,
            title=TITLES[name],
        )
        for name, budget, compute, render, command in (
            ("gradient_flow", grad, gradient_compute, gradient_render, grad_cmd),
            ("lag", lags, lag_compute, lag_render, lag_cmd),
        )
    ]
