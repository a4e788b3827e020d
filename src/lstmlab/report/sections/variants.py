"""The variants: a Greff-style study (Greff et al. 2015, "LSTM: A Search Space Odyssey").

One part: ``lstmlab.study`` runs a random search over variant × hyperparameters on the adding
problem (its own worker, its own SQLite storage in the part's folder, so an interrupted run
resumes with its finished trials), and ``lstmlab.study.report`` gives the per-variant box plot,
Welch's t-tests against the peephole LSTM, the fANOVA importances and the verdicts next to the
paper's. This module only chooses the budget and words the page.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from lstmlab.cells.options import VARIANTS
from lstmlab.report import part
from lstmlab.report.part import Lang, Text, pick

__all__ = ["TITLE", "INTRO", "parts", "BUDGETS"]

TITLE: Text = {
    "en": "The variants: a search space odyssey",
    "fr": "Les variantes : l'odyssée de Greff",
}

INTRO: Text = {
    "en": (
        "The LSTM has many variants: without peepholes, with coupled input and forget gates, "
        "without a forget gate, without the output activation, with full gate recurrence. "
        "Greff et al. (2015) trained 5,400 networks over random hyperparameters to ask whether "
        "any of them beats the LSTM with peepholes. They found none did; removing the forget gate "
        "(NFG) or the output activation (NOAF) hurt significantly; and the learning rate mattered "
        "far more than the variant. Below, the same study runs on this machine with lstmlab's "
        "study runner on the adding problem."
    ),
    "fr": (
        "Le LSTM a de nombreuses variantes : sans connexions « peephole », avec portes d'entrée "
        "et d'oubli couplées, sans porte d'oubli, sans activation de sortie, avec récurrence "
        "complète des portes. Greff et al. (2015) ont entraîné 5 400 réseaux sur des "
        "hyperparamètres tirés au hasard pour savoir si l'une d'elles fait mieux que le LSTM à "
        "peepholes. Aucune ne fait mieux ; retirer la porte d'oubli (NFG) ou l'activation de "
        "sortie (NOAF) dégrade nettement les résultats ; et le taux d'apprentissage compte bien "
        "plus que la variante. Ci-dessous, la même étude tourne sur cette machine avec l'outil "
        "d'étude de lstmlab, sur le problème de l'addition."
    ),
}

#: Per level: the study's settings (``lstmlab.study.StudySettings`` fields) and its local workers.
#: ``full`` is the README's "One real study"; ``quick`` fits about 2 minutes on 2 cores (each
#: trial stops at its step or its time budget, whichever comes first); ``ci`` takes seconds.
BUDGETS: dict[str, dict[str, Any]] = {
    "ci": {
        "task": "adding",
        "lag": 30,
        "variants": ["peephole", "cifg", "nfg"],
        "trials": 6,
        "steps_per_trial": 10,
        "max_seconds_per_trial": 5.0,
        "workers": 1,
    },
    "quick": {
        "task": "adding",
        "lag": 30,
        "variants": list(VARIANTS),
        "trials": 30,
        "steps_per_trial": 400,
        "max_seconds_per_trial": 5.0,
        "workers": 2,
    },
    "full": {
        "task": "adding",
        "lag": 30,
        "variants": list(VARIANTS),
        "trials": 240,
        "steps_per_trial": 4000,
        "max_seconds_per_trial": 1200.0,
        "workers": 2,
    },
}

#: ``lstmlab.study.report``'s verdicts (the English words of its table), in French.
VERDICTS_FR = {
    "baseline": "référence",
    "too few trials to test": "trop peu d'essais pour tester",
    "significantly worse": "significativement moins bon",
    "significantly better": "significativement meilleur",
    "no significant difference": "pas de différence significative",
}

#: ``lstmlab.study.GREFF_VERDICTS`` (the paper's summary, §V and §VII), in French.
GREFF_FR = {
    "peephole": "la référence (le LSTM « vanilla » de Greff, avec peepholes)",
    "vanilla": "= NP : pas de changement significatif",
    "np": "pas de changement significatif",
    "cifg": "pas de changement significatif",
    "nfg": "significativement moins bon",
    "noaf": "significativement moins bon",
    "nig": "— (pas distingué dans le résumé ; voir la fig. 3 de l'article)",
    "nog": "— (pas distingué dans le résumé ; voir la fig. 3 de l'article)",
    "niaf": "— (pas distingué dans le résumé ; voir la fig. 3 de l'article)",
    "fgr": "pas d'amélioration (pas distingué dans le résumé ; voir la fig. 3)",
}

#: Names of the sampled hyperparameters on the page.
PARAMS = {
    "lr": ("learning rate", "taux d'apprentissage"),
    "hidden": ("hidden size", "taille de l'état caché"),
    "input_noise": ("input noise σ", "bruit d'entrée σ"),
    "one_minus_momentum": ("1 − momentum", "1 − moment"),
    "variant": ("variant", "variante"),
}


def parts(level: str) -> list[part.Part]:
    budget = BUDGETS[level]
    return [
        part.Part(
            section="variants",
            name="study",
            config={"level": level, **budget},
            compute=lambda ctx: compute_study(ctx, budget),
            render=render_study,
            command=command(budget),
            title={"en": "Greff et al.'s study, here", "fr": "L'étude de Greff et al., ici"},
        )
    ]


def command(budget: dict[str, Any]) -> str:
    """``lstmlab study run`` and ``study report`` for the same study as ``budget``."""
    variants = budget["variants"]
    chosen = "" if list(variants) == list(VARIANTS) else f" --variants {','.join(variants)}"
    name = f"{budget['task']}-lag{budget['lag']}"
    return (
        f"lstmlab study run --task {budget['task']} --lag {budget['lag']}{chosen} "
        f"--trials {budget['trials']} --steps-per-trial {budget['steps_per_trial']} "
        f"--max-seconds-per-trial {budget['max_seconds_per_trial']:g} "
        f"--workers {budget['workers']} --out runs/study && "
        f"lstmlab study report --storage sqlite:///runs/study/study.db --study {name} "
        f"--out runs/study"
    )


def _settings(budget: dict[str, Any], seed: int):
    from lstmlab.study import SearchSpace, StudySettings

    return StudySettings(
        task=budget["task"],
        lag=budget["lag"],
        space=SearchSpace(variants=tuple(budget["variants"])),
        trials=budget["trials"],
        steps_per_trial=budget["steps_per_trial"],
        max_seconds_per_trial=budget["max_seconds_per_trial"],
        seed=seed,
    )


def compute_study(ctx: part.PartContext, budget: dict[str, Any]) -> dict[str, Any]:
    """Run (or resume) the study in ``ctx.workdir`` and return its report as data."""
    from lstmlab.cli.dataclass_options import config_arguments
    from lstmlab.study import run_worker
    from lstmlab.study.report import build_report, report_data
    from lstmlab.study.worker import open_study

    settings = _settings(budget, ctx.seed)
    # One folder per settings: a study in SQLite refuses a worker with other settings.
    key = hashlib.sha256(json.dumps(settings.to_dict(), sort_keys=True).encode()).hexdigest()
    out = Path(ctx.workdir) / f"study-{key[:12]}"
    out.mkdir(parents=True, exist_ok=True)
    url, name = f"sqlite:///{out.resolve() / 'study.db'}", settings.default_name()
    load_before, started = os.getloadavg(), time.monotonic()
    workers = budget["workers"]
    open_study(url, name, settings)  # create it once, before the workers join
    if workers == 1:
        ctx.progress(f"variant study: {settings.trials} trials, 1 worker")
        study = run_worker(url, name, settings, out, worker=0)
    else:
        # `lstmlab study run --workers N`: the study's own local workers, one thread each.
        args = [
            *[sys.executable, "-m", "lstmlab.cli.main", "study", "run", "--quiet"],
            *["--storage", url, "--study", name, "--out", str(out), "--workers", str(workers)],
            *config_arguments(settings, exclude=("space", "app", "app_options")),
            *config_arguments(settings.space),
        ]
        with subprocess.Popen(args, stdout=subprocess.DEVNULL) as run:
            shown = time.monotonic()
            while run.poll() is None:
                time.sleep(0.5)
                if time.monotonic() - shown > 10:
                    shown = time.monotonic()
                    study, _ = open_study(url, name, None)
                    finished = sum(t.state.name == "COMPLETE" for t in study.trials)
                    ctx.progress(f"variant study: {finished}/{settings.trials} trials finished")
        if run.returncode != 0:
            raise RuntimeError(
                f"variant study: expected exit code 0 from `lstmlab study run`, "
                f"got {run.returncode}"
            )
        study, _ = open_study(url, name, None)
    report = build_report(study)
    return {
        "report": report_data(report),
        "settings": settings.to_dict(),
        "workers": workers,
        "wall_seconds": time.monotonic() - started,
        "load": [load_before[0], os.getloadavg()[0]],
        "trials_per_variant": {v: len(x) for v, x in report.by_variant.items()},
    }


def _number(x: Any, lang: Lang, digits: int = 4) -> str:
    """``x`` to ``digits`` significant digits, with a decimal comma in French; "—" if missing."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    text = f"{x:.{digits}g}"
    return text.replace(".", ",") if lang == "fr" else text


def render_study(data: dict[str, Any], lang: Lang) -> list[part.Block]:
    from lstmlab.study.report import ALPHA, box_plot, interaction_plot, report_from_data

    report = report_from_data(data["report"])
    settings = data["settings"]
    counts = sorted(data["trials_per_variant"].values()) or [0]
    n_variants = len(settings["space"]["variants"])
    blocks: list[part.Block] = [
        part.Paragraph(
            pick(
                lang,
                en=(
                    f"{report.trials} finished trials over {n_variants} variants "
                    f"({counts[0]}–{counts[-1]} per variant) on the adding problem with lag "
                    f"{settings['lag']}, each a full run of the training loop with at most "
                    f"{settings['steps_per_trial']} steps and "
                    f"{settings['max_seconds_per_trial']:g} s, in "
                    f"{data['wall_seconds']:.0f} s with {data['workers']} "
                    f"worker{'s' if data['workers'] > 1 else ''} "
                    f"(1-minute load {data['load'][0]:.1f} at the start, "
                    f"{data['load'][1]:.1f} at the end). Each trial draws the variant, the "
                    "hidden size, the learning rate, the momentum and the input noise at random."
                ),
                fr=(
                    f"{report.trials} essais terminés sur {n_variants} variantes "
                    f"({counts[0]} à {counts[-1]} par variante) sur le problème de l'addition "
                    f"avec un décalage de {settings['lag']}, chacun un entraînement complet par "
                    f"la boucle d'entraînement, d'au plus {settings['steps_per_trial']} pas et "
                    f"{settings['max_seconds_per_trial']:g} s, en "
                    f"{data['wall_seconds']:.0f} s avec {data['workers']} processus "
                    f"(charge sur 1 minute : {_number(data['load'][0], lang, 2)} au début, "
                    f"{_number(data['load'][1], lang, 2)} à la fin). Chaque essai tire au "
                    "hasard la variante, la taille de l'état caché, le taux d'apprentissage, "
                    "le moment et le bruit d'entrée."
                ),
            )
        )
    ]
    if settings["trials"] < 100:
        blocks.append(
            part.Paragraph(
                pick(
                    lang,
                    en=(
                        f"This is a short run: {report.trials} trials, a handful per variant, "
                        "most too short to learn the task. It shows the method, not the "
                        "answer: with so few trials the t-tests have almost no power and the "
                        "verdicts below mean little. The verdicts need the full run "
                        "(`lstmlab reproduce --full`: 240 trials of 4,000 steps, about "
                        "30 minutes on 2 free cores), whose table the README shows."
                    ),
                    fr=(
                        f"Ceci est une version courte : {report.trials} essais, quelques-uns "
                        "par variante, la plupart trop courts pour apprendre la tâche. Elle "
                        "montre la méthode, pas la réponse : avec si peu d'essais, les tests "
                        "de Welch n'ont presque aucune puissance et les verdicts ci-dessous "
                        "ne disent pas grand-chose. Il faut la version complète pour conclure "
                        "(`lstmlab reproduce --full` : 240 essais de 4 000 pas, environ "
                        "30 minutes sur 2 cœurs libres), dont le README donne le tableau."
                    ),
                )
            )
        )
    if report.rows:
        title = pick(
            lang,
            en=f"test loss per variant (red: significantly worse than peephole, α = {ALPHA})",
            fr=f"perte de test par variante (rouge : significativement pire que peephole, "
            f"α = {ALPHA})",
        )
        fig = box_plot(
            report,
            ylabel=pick(
                lang, en="test loss (lower is better)", fr="perte de test (plus bas = mieux)"
            ),
            title=title,
        )
        blocks.append(
            part.figure(
                fig,
                lang,
                caption={
                    "en": "Each variant's test losses over its trials (box: quartiles; line: "
                    "median). The memoryless baseline of the adding problem, predicting the "
                    "mean sum, scores about 0.167.",
                    "fr": "Pertes de test de chaque variante sur ses essais (boîte : quartiles ; "
                    "trait : médiane). La référence sans mémoire du problème de l'addition, "
                    "qui prédit la somme moyenne, obtient environ 0,167.",
                },
                alt={
                    "en": "Box plot of the test loss of each LSTM variant",
                    "fr": "Boîtes à moustaches de la perte de test de chaque variante du LSTM",
                },
            )
        )
    blocks.append(_verdict_table(report, lang))
    blocks.append(_importance_table(report, lang))
    if report.lr_hidden:
        labels = (
            pick(lang, en="learning rate", fr="taux d'apprentissage"),
            pick(lang, en="hidden size", fr="taille de l'état caché"),
            pick(lang, en="test loss", fr="perte de test"),
            pick(lang, en="learning rate × hidden size", fr="taux d'apprentissage × taille"),
        )
        blocks.append(
            part.figure(
                interaction_plot(report, labels),
                lang,
                caption={
                    "en": "Every trial at its learning rate and hidden size, coloured by test "
                    "loss: where the good trials lie says which learning rates work.",
                    "fr": "Chaque essai placé selon son taux d'apprentissage et sa taille d'état "
                    "caché, coloré par sa perte de test : l'endroit où se trouvent les bons "
                    "essais montre quels taux d'apprentissage conviennent.",
                },
                alt={
                    "en": "Scatter plot of trials by learning rate and hidden size",
                    "fr": "Nuage des essais selon le taux d'apprentissage et la taille",
                },
            )
        )
    blocks.append(
        part.Paragraph(
            pick(
                lang,
                en=(
                    "How to read it against the paper: Greff et al. found no variant better "
                    "than the peephole LSTM and the learning rate by far the most important "
                    "hyperparameter. On the adding problem every sequence starts from a zero "
                    "state, so nothing has to be forgotten, which spares NFG; the README's full "
                    "study (241 trials) found no variant significantly different, NFG and NOAF "
                    "included, and the learning rate first (0.66 of the variance), as in the "
                    "paper."
                ),
                fr=(
                    "Comment le lire face à l'article : Greff et al. n'ont trouvé aucune "
                    "variante meilleure que le LSTM à peepholes, et le taux d'apprentissage "
                    "est de loin l'hyperparamètre le plus important. Dans le problème de "
                    "l'addition, chaque séquence part d'un état nul : il n'y a rien à oublier, "
                    "ce qui épargne NFG ; l'étude complète du README (241 essais) ne trouve "
                    "aucune variante significativement différente, NFG et NOAF compris, et "
                    "place le taux d'apprentissage en tête (0,66 de la variance), comme "
                    "l'article."
                ),
            )
        )
    )
    return blocks


def _verdict_table(report, lang: Lang) -> part.Table:
    columns = pick(
        lang,
        en=["variant", "trials", "median test loss", "best",
            "p (Bonferroni)", "our verdict", "Greff et al. 2015"],
        fr=["variante", "essais", "perte de test médiane", "meilleure",
            "p (Bonferroni)", "notre verdict", "Greff et al. 2015"],
    )  # fmt: skip
    rows = []
    for r in report.rows:
        verdict, greff = r["verdict"], r["greff_2015"]
        if lang == "fr":
            verdict = VERDICTS_FR.get(verdict, verdict)
            greff = GREFF_FR.get(r["variant"], greff)
        rows.append(
            [
                r["variant"],
                str(r["trials"]),
                _number(r["median"], lang),
                _number(r["best"], lang),
                _number(r["p_bonferroni"], lang, 3),
                verdict,
                greff,
            ]
        )
    caption = pick(
        lang,
        en="Welch's t-test of each variant against peephole (Greff's vanilla LSTM), "
        "Bonferroni-corrected, α = 0.05; the paper's verdict in the last column.",
        fr="Test de Welch de chaque variante contre peephole (le LSTM « vanilla » de Greff), "
        "avec correction de Bonferroni, α = 0,05 ; le verdict de l'article en dernière colonne.",
    )
    return part.Table(columns=columns, rows=rows, caption=caption)


def _importance_table(report, lang: Lang) -> part.Table:
    columns = [
        pick(lang, en="hyperparameter", fr="hyperparamètre"),
        pick(lang, en="fANOVA importance", fr="importance (fANOVA)"),
    ]
    rows = [
        [PARAMS.get(k, (k, k))[lang == "fr"], _number(round(v, 2), lang, 2)]
        for k, v in report.importances.items()
    ]
    if report.importances:
        caption = pick(
            lang,
            en="Share of the test loss's variance each hyperparameter explains (fANOVA, "
            "Hutter et al. 2014, through Optuna).",
            fr="Part de la variance de la perte de test expliquée par chaque hyperparamètre "
            "(fANOVA, Hutter et al. 2014, via Optuna).",
        )
    else:
        caption = pick(
            lang,
            en=f"fANOVA not computed: {report.importance_error}",
            fr=f"fANOVA non calculée : {report.importance_error}",
        )
    return part.Table(columns=columns, rows=rows, caption=caption)
