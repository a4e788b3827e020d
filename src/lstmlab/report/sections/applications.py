"""The applications: one part per application of ``lstmlab app``, each trained by its own code.

Every part runs the application's own ``train`` command in-process (the same click command a
reader types, so the part's ``command`` is literally what ran), at a budget set by the level,
then reads the run folder with the application's own functions: the forecaster's last test
forecasts, samples of the character model, the sentiment model's word-by-word trace, the
translator's outputs and attention, the isolated-word recogniser's confusion matrix. ``full``
runs the README's commands (``train`` then ``evaluate``, with the baselines); the shorter levels
skip ``evaluate`` where its baselines take minutes, and say so on the page.
"""

from __future__ import annotations

import importlib
import io
import json
import math
import os
import re
import shutil
import time
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from functools import partial
from pathlib import Path
from typing import Any

from lstmlab.report import part
from lstmlab.report.part import Lang, Text, pick

__all__ = ["TITLE", "INTRO", "parts", "BUDGETS"]

TITLE: Text = {"en": "Applications", "fr": "Applications"}

INTRO: Text = {
    "en": (
        "The notes list what LSTMs were used for: predicting time series, generating text, "
        "reading the sentiment of a sentence, translating, recognising speech. Each application "
        "below is trained on this machine, on real data from pinned sources (or, for speech, "
        "voices synthesised here by espeak-ng), by the same training loop as the rest of "
        "lstmlab. The budgets are small, so the figures show what each model does, not how well "
        "it can do: the README's tables come from the full runs (`lstmlab reproduce --full`)."
    ),
    "fr": (
        "Les notes citent les usages des LSTM : prévoir des séries temporelles, générer du "
        "texte, lire le sentiment d'une phrase, traduire, reconnaître la parole. Chaque "
        "application ci-dessous est entraînée sur cette machine, sur des données réelles de "
        "sources figées (ou, pour la parole, des voix synthétisées ici par espeak-ng), par la "
        "même boucle d'entraînement que le reste de lstmlab. Les budgets sont petits : les "
        "figures montrent ce que fait chaque modèle, pas le mieux qu'il puisse faire ; les "
        "tableaux du README viennent des versions complètes (`lstmlab reproduce --full`)."
    ),
}

#: Per application and level: the ``train`` options (after ``--out``), whether ``evaluate`` runs
#: (its baselines), and the part's own sizes. ``full`` is the README's command for each app.
BUDGETS: dict[str, dict[str, dict[str, Any]]] = {
    "forecast": {
        "ci": {
            "train": "--steps 3 --eval-every 3 --hidden 8 --mlp 8 --origins 2",
            "evaluate": True,
        },
        "quick": {"train": "--max-seconds 20 --eval-every 50", "evaluate": True},
        "full": {"train": "", "evaluate": True},
    },
    "text": {
        "ci": {
            "train": "--steps 3 --eval-every 3 --hidden 32 --embedding 16 "
            "--transformer-layers 0 --val-chars 2048",
            "evaluate": False,
            "length": 80,
        },
        "quick": {
            "train": "--max-seconds 20 --hidden 128 --eval-rows 64 --eval-every 250 "
            "--transformer-layers 0",
            "evaluate": False,
            "length": 200,
        },
        "full": {"train": "", "evaluate": True, "length": 300},
    },
    "sentiment": {
        "ci": {"train": "--steps 3 --eval-every 3 --embed 16 --hidden 8", "evaluate": False},
        "quick": {"train": "--max-seconds 15 --eval-every 40", "evaluate": False},
        "full": {"train": "", "evaluate": True},
    },
    "translate": {
        "ci": {
            "train": "--no-baselines --steps 3 --eval-every 3 --hidden 16 --embedding 16 "
            "--threads 1",
            "evaluate": False,
        },
        "quick": {
            "train": "--no-baselines --max-seconds 20 --eval-every 100 --threads 1",
            "evaluate": False,
        },
        "full": {"train": "--threads 1", "evaluate": True},
    },
    "speech": {
        "ci": {
            "train": "--part words --n-train 4 --n-val 2 --n-test 2 --n-words-train 36 "
            "--n-words-test 12 --steps 3 --eval-every 3 --hidden 8 --layers 1 --threads 1",
            "evaluate": False,
        },
        "quick": {
            "train": "--part words --n-train 4 --n-val 2 --n-test 2 --n-words-train 216 "
            "--n-words-test 72 --max-seconds 15 --eval-every 25 --threads 1",
            "evaluate": False,
        },
        "full": {"train": "", "evaluate": True},
    },
}

TITLES: dict[str, Text] = {
    "forecast": {
        "en": "Forecasting electricity demand",
        "fr": "Prévoir la consommation d'électricité",
    },
    "text": {
        "en": "Generating text, one character at a time",
        "fr": "Générer du texte, caractère par caractère",
    },
    "sentiment": {
        "en": "Reading the sentiment of a sentence",
        "fr": "Lire le sentiment d'une phrase",
    },
    "translate": {"en": "Translating, with attention", "fr": "Traduire, avec l'attention"},
    "speech": {"en": "Recognising spoken words", "fr": "Reconnaître des mots prononcés"},
}

#: Prompts of the character model (prompt, temperature, top-p, seed), as in the README.
PROMPTS = [("To be, or not to be", 0.8, None, 1), ("KING HENRY.", 0.6, 0.9, 2)]
#: Sentences the sentiment model traces word by word.
SENTENCES = [
    "The acting is good, but the plot is not worth it.",
    "A dull story, saved by a charming and funny cast.",
]
#: Numbers the translator is asked for: all from the held-out groups (never trained on).
NUMBERS = [53781, 771, 42191, 36071]


def parts(level: str) -> list[part.Part]:
    """One part per app: its ``train`` (and ``evaluate``) run, then ``read`` takes from the run
    folder what ``render`` shows above the table of ``evaluate``'s metrics."""
    out = []
    for app, read, render in (
        ("forecast", read_forecast, render_forecast),
        ("text", read_text, render_text),
        ("sentiment", read_sentiment, render_sentiment),
        ("translate", read_translate, render_translate),
        ("speech", read_speech, render_speech),
    ):
        budget = BUDGETS[app][level]
        out.append(
            part.Part(
                section="applications",
                name=app,
                config={"level": level, "app": app, **budget, **_inputs(app)},
                compute=partial(_compute, app=app, budget=budget, read=read),
                render=partial(_render, app=app, render=render),
                command=command(app, budget),
                title=TITLES[app],
            )
        )
    return out


def _render(
    data: dict[str, Any],
    lang: Lang,
    app: str,
    render: Callable[[dict[str, Any], Lang], list[part.Block]],
) -> list[part.Block]:
    """The app's own blocks, then the table of ``evaluate``'s metrics (if it ran)."""
    return [*render(data, lang), *_baselines(data, lang, app)]


def _inputs(app: str) -> dict[str, Any]:
    """The part's own inputs beyond the app's options (they decide the result too)."""
    return {
        "text": {"prompts": PROMPTS},
        "sentiment": {"sentences": SENTENCES},
        "translate": {"numbers": NUMBERS},
    }.get(app, {})


def command(app: str, budget: dict[str, Any]) -> str:
    """The CLI commands that give the same run (train, then evaluate where the part runs it)."""
    options = f" {budget['train']}" if budget["train"] else ""
    text = f"lstmlab app {app} train --out runs/{app}{options}"
    if budget["evaluate"]:
        beam = " --beam 1" if app == "translate" else ""
        text += f" && lstmlab app {app} evaluate --out runs/{app}{beam}"
    return text


# ---------------------------------------------------------------- running the apps' own commands


def _app_command(app: str, verb: str, args: list[str]) -> None:
    """``lstmlab app APP VERB ARGS`` in this process (its console output kept off the page)."""
    from lstmlab.apps import APPS

    group = importlib.import_module(APPS[app]).group
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        group.main([verb, *args], prog_name=f"lstmlab app {app}", standalone_mode=False)


def _compute(
    ctx: part.PartContext,
    app: str,
    budget: dict[str, Any],
    read: Callable[[Path, dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """A fresh run folder in ``ctx.workdir`` trained (and evaluated) as ``command`` says; the
    part's data: how the run went (time, load), the tested model's result, the metrics of
    ``evaluate`` (None if not run), then what ``read`` takes from the run folder for the page."""
    if app == "speech" and shutil.which("espeak-ng") is None:
        raise RuntimeError(
            "speech: expected the espeak-ng synthesiser, got none on PATH; "
            "install it with `apt-get install -y espeak-ng`"
        )
    out = Path(ctx.workdir) / app
    shutil.rmtree(out, ignore_errors=True)  # a half-finished run of an interrupted report
    out.parent.mkdir(parents=True, exist_ok=True)
    started, load = time.monotonic(), os.getloadavg()[0]
    ctx.progress(f"{app}: train")
    _app_command(app, "train", ["--out", str(out), "--quiet", *budget["train"].split()])
    if budget["evaluate"]:
        ctx.progress(f"{app}: evaluate")
        beam = ["--beam", "1"] if app == "translate" else []
        _app_command(app, "evaluate", ["--out", str(out), *beam])
    run = {"wall_seconds": time.monotonic() - started, "load": [load, os.getloadavg()[0]]}
    tested = "words" if app == "speech" else "train"  # speech: the isolated-word recogniser
    return {
        "run": run,
        "result": _result(out, tested),
        "evaluated": _finite(_metrics_file(out)),
        **read(out, budget),
    }


def _result(out: Path, folder: str) -> dict[str, Any]:
    """The tested model's metrics, steps and time from its training run folder."""
    from lstmlab.training.result import RunResult

    r = RunResult.load(out / folder)
    return {
        "metrics": _finite(r.metrics),
        "steps": r.steps,
        "train_seconds": r.wall_time,
        "params": r.params,
        "stop_reason": r.stop_reason,
    }


def _metrics_file(out: Path) -> dict[str, Any] | None:
    path = out / "metrics.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _finite(value: Any) -> Any:
    """NaN and infinities as None (JSON has neither), through dicts and lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _num(x: float | None, lang: Lang, fmt: str = ".3f") -> str:
    if x is None:
        return "—"
    text = format(x, fmt)
    if lang == "fr":  # decimal comma, and a space before the per cent sign
        return text.replace(".", ",").replace("%", "\u202f%")
    return text


def _opening(data: dict[str, Any], lang: Lang, en: str, fr: str) -> part.Paragraph:
    """An app's first paragraph: what its model learns and how it scores (``en``, ``fr``), then
    how long the part took and at what load."""
    return part.Paragraph(pick(lang, en=en, fr=fr) + _where(data, lang))


def _where(data: dict[str, Any], lang: Lang) -> str:
    """How long the part took and at what load."""
    r, load = data["result"], data["run"]["load"]
    return pick(
        lang,
        en=f"{r['steps']} training steps in {r['train_seconds']:.0f} s (the whole part "
        f"{data['run']['wall_seconds']:.0f} s; 1-minute load {load[0]:.1f} → {load[1]:.1f}).",
        fr=f"{r['steps']} pas d'entraînement en {r['train_seconds']:.0f} s (toute la partie : "
        f"{data['run']['wall_seconds']:.0f} s ; charge sur 1 minute "
        f"{_num(load[0], lang, '.1f')} → {_num(load[1], lang, '.1f')}).",
    )


#: The baselines' names as the applications' ``evaluate`` writes them (a full match), and how
#: the page says them in each language (``\\1`` is the number in the name).
BASELINE_NAMES: list[tuple[str, str, str]] = [
    (r"seasonal naive \(daily, (\d+) steps\)", r"seasonal naive (daily, \1 steps)",
     r"naïve saisonnière (quotidienne, \1 pas)"),
    (r"seasonal naive \(weekly, (\d+) steps\)", r"seasonal naive (weekly, \1 steps)",
     r"naïve saisonnière (hebdomadaire, \1 pas)"),
    (r"seasonal naive \(period (\d+)\)", r"seasonal naive (period \1)",
     r"naïve saisonnière (période \1)"),
    (r"ETS \(Holt-Winters, period (\d+)\)", r"ETS (Holt-Winters, period \1)",
     r"ETS (Holt-Winters, période \1)"),
    (r"majority", "majority class", "classe majoritaire"),
    (r"tfidf_lr", "TF-IDF + logistic regression", "TF-IDF + régression logistique"),
    (r"lstm_unidirectional", "unidirectional LSTM", "LSTM unidirectionnel"),
    (r"rnn_unidirectional", "unidirectional RNN", "RNN unidirectionnel"),
    (r"kneser_ney_(\d+)gram", r"Kneser-Ney \1-gram", r"Kneser-Ney, \1-grammes"),
    (r"unigram", "unigram", "unigrammes"),
    (r"no attention", "no attention", "sans attention"),
    (r"transformer", "Transformer", "Transformer"),
]  # fmt: skip


def baseline_name(name: str, lang: Lang) -> str:
    """A baseline's name on the page in ``lang`` (a name not in BASELINE_NAMES is kept)."""
    for pattern, en, fr in BASELINE_NAMES:
        if re.fullmatch(pattern, name):
            return re.sub(pattern, en if lang == "en" else fr, name)
    return name


#: The metrics of each application's ``evaluate`` that its page shows: (key, column label).
EVALUATE_COLUMNS: dict[str, list[tuple[str, Text]]] = {
    "forecast": [("MASE", {"en": "MASE", "fr": "MASE"}), ("sMAPE", {"en": "sMAPE", "fr": "sMAPE"})],
    "text": [("test_bpc", {"en": "test bits/char", "fr": "bits/car. (test)"})],
    "sentiment": [
        ("accuracy", {"en": "accuracy", "fr": "exactitude"}),
        ("macro_f1", {"en": "macro-F1", "fr": "F1 macro"}),
    ],
    "translate": [
        ("exact_match", {"en": "exact match %", "fr": "correspondance exacte %"}),
        ("chrf", {"en": "chrF", "fr": "chrF"}),
    ],
    "speech": [
        ("beam_wer", {"en": "WER (beam)", "fr": "taux d'erreur (mots)"}),
        ("word_acc", {"en": "word accuracy", "fr": "exactitude (mots)"}),
    ],
}


def _baselines(data: dict[str, Any], lang: Lang, app: str) -> list[part.Block]:
    """The table of the model's and the baselines' metrics from ``evaluate`` (the columns
    ``EVALUATE_COLUMNS[app]``), or nothing when the part did not run ``evaluate``."""
    metrics, keys = data["evaluated"], EVALUATE_COLUMNS[app]
    if not metrics:
        return []
    columns = [pick(lang, en="model", fr="modèle"), *[label[lang] for _, label in keys]]
    rows = [["lstmlab", *[_num(metrics["model"].get(k), lang) for k, _ in keys]]]
    for name, m in metrics["baselines"].items():
        rows.append([baseline_name(name, lang), *[_num(m.get(k), lang) for k, _ in keys]])
    caption = pick(lang, en="Test split, from `evaluate`.", fr="Jeu de test, par `evaluate`.")
    return [part.Table(columns=columns, rows=rows, caption=caption)]


# ---------------------------------------------------------------- forecasting


def read_forecast(out: Path, budget: dict[str, Any]) -> dict[str, Any]:
    from lstmlab.apps.forecast.cli import last_test_forecasts, load_trained

    cfg, prep, model = load_trained(str(out))
    t = last_test_forecasts(cfg, prep, model)
    return {
        "value_name": prep.series.value_name,
        "interval": cfg.interval,
        "horizon": cfg.horizon,
        "forecasts": t["forecasts"],
        "history_time": [str(x) for x in t["history_time"]],
        "history": [round(float(x), 2) for x in t["history"]],
        "time": [str(x) for x in t["time"]],
        "quantiles": [[round(float(v), 2) for v in row] for row in t["quantiles"]],
        "actual": [round(float(x), 2) for x in t["actual"]],
    }


def render_forecast(data: dict[str, Any], lang: Lang) -> list[part.Block]:
    import numpy as np
    import pandas as pd

    from lstmlab.apps.forecast.plot import forecast_figure

    labels = {
        "history": pick(lang, en="history", fr="historique"),
        "interval": pick(lang, en="{interval:.0%} interval", fr="intervalle à {interval:.0%}"),
        "forecast": pick(lang, en="forecast (median)", fr="prévision (médiane)"),
        "actual": pick(lang, en="actual", fr="réel"),
    }
    k, h = data["forecasts"], data["horizon"]
    fig = forecast_figure(
        pd.DatetimeIndex(data["history_time"]),
        np.array(data["history"]),
        pd.DatetimeIndex(data["time"]),
        np.array(data["quantiles"]),
        value_name=data["value_name"],
        interval=data["interval"],
        title=pick(
            lang,
            en=f"the last {k} test forecasts ({h} steps each) against the actual series",
            fr=f"les {k} dernières prévisions de test ({h} pas chacune) face à la série réelle",
        ),
        actual=np.array(data["actual"]),
        labels=labels,
    )
    m = data["result"]["metrics"]
    return [
        _opening(
            data,
            lang,
            en="An LSTM reads the last week of half-hourly electricity demand in Victoria "
            "(2014, with temperature and a work-day flag) and forecasts the next day at "
            "once, as a median and an 80% interval; the test is December, one forecast "
            "per day from the data before it. "
            f"Test MASE {_num(m.get('MASE'), lang)} (below 1 beats the in-sample seasonal "
            f"naive forecast), sMAPE {_num(m.get('sMAPE'), lang, '.2f')}%. ",
            fr="Un LSTM lit la dernière semaine de consommation électrique de l'État de "
            "Victoria, par demi-heure (2014, avec la température et un indicateur de jour "
            "ouvré), et prévoit d'un coup la journée suivante, en médiane et en intervalle "
            "à 80 % ; le test porte sur décembre, une prévision par jour à partir des "
            "données qui la précèdent. "
            f"MASE de test {_num(m.get('MASE'), lang)} (sous 1, mieux que la prévision "
            f"naïve saisonnière de l'échantillon), sMAPE {_num(m.get('sMAPE'), lang, '.2f')} "
            "%. ",
        ),
        part.figure(
            fig,
            lang,
            caption={
                "en": "Grey: what the model had read; blue: its forecasts and interval; red "
                "dashes: what happened.",
                "fr": "En gris, ce que le modèle a lu ; en bleu, ses prévisions et leur "
                "intervalle ; en tirets rouges, ce qui s'est produit.",
            },
            alt={
                "en": "Electricity demand forecasts against the actual demand",
                "fr": "Prévisions de consommation électrique face à la consommation réelle",
            },
        ),
    ]


# ---------------------------------------------------------------- text generation


def read_text(out: Path, budget: dict[str, Any]) -> dict[str, Any]:
    from lstmlab.apps.text.evaluation import load_run
    from lstmlab.apps.text.sample import generate

    cfg, vocab, models = load_run(out)
    samples = []
    for prompt, temperature, top_p, seed in PROMPTS:
        ids = vocab.encode(prompt, "prompt")
        sample = generate(
            models["model"], ids, budget["length"], temperature=temperature, top_p=top_p,
            seed=seed, context=cfg.context,
        )  # fmt: skip
        text = prompt + "".join(vocab.chars[k] for k in sample)
        samples.append({"prompt": prompt, "temperature": temperature, "top_p": top_p,
                        "seed": seed, "text": text})  # fmt: skip
    return {"hidden": cfg.hidden, "samples": samples}


def render_text(data: dict[str, Any], lang: Lang) -> list[part.Block]:
    bpc = data["result"]["metrics"].get("bpc")
    blocks: list[part.Block] = [
        _opening(
            data,
            lang,
            en=f"A character-level LSTM ({data['hidden']} units) learns the works of "
            "Shakespeare, whole plays held out (the test: Hamlet and Much Ado About "
            f"Nothing), and scores {_num(bpc, lang)} bits per character on them (a uniform "
            "guess over the 84 characters costs 6.39). Then it writes, one character at a "
            "time, each drawn from its predicted distribution and fed back. ",
            fr=f"Un LSTM au niveau des caractères ({data['hidden']} unités) apprend "
            "l'œuvre de Shakespeare, des pièces entières mises de côté (le test : Hamlet "
            f"et Beaucoup de bruit pour rien), sur lesquelles il obtient {_num(bpc, lang)} "
            "bits par caractère (un tirage uniforme parmi les 84 caractères en coûte "
            "6,39). Puis il écrit, caractère par caractère, chacun tiré de la "
            "distribution qu'il prédit et réinjecté en entrée. ",
        )
    ]
    for s in data["samples"]:
        how = f"T = {_num(s['temperature'], lang, 'g')}"
        if s["top_p"] is not None:
            how += f", top-p {_num(s['top_p'], lang, 'g')}"
        blocks.append(
            part.Code(
                text=s["text"],
                caption=pick(
                    lang,
                    en=f"Prompt “{s['prompt']}”, {how}, seed {s['seed']}.",
                    fr=f"Amorce « {s['prompt']} », {how}, graine {s['seed']}.",
                ),
            )
        )
    return blocks


# ---------------------------------------------------------------- sentiment


def read_sentiment(out: Path, budget: dict[str, Any]) -> dict[str, Any]:
    from lstmlab.apps.sentiment.run import load_run
    from lstmlab.apps.sentiment.trace import trace_sentence

    cfg, vocab, model = load_run(out)
    traces = []
    for sentence in SENTENCES:
        t = trace_sentence(model, vocab, sentence, cfg.max_len)
        traces.append({"sentence": sentence, "tokens": t.tokens, "known": t.known,
                       "p_positive": [round(float(p), 4) for p in t.p_positive]})  # fmt: skip
    return {"traces": traces}


def render_sentiment(data: dict[str, Any], lang: Lang) -> list[part.Block]:
    from lstmlab.apps.sentiment.plot import trace_figure
    from lstmlab.apps.sentiment.trace import Trace

    m = data["result"]["metrics"]
    blocks: list[part.Block] = [
        _opening(
            data,
            lang,
            en="A bidirectional LSTM with max pooling reads Rotten Tomatoes snippets "
            "labelled fresh or rotten (Pang & Lee 2004) and scores "
            f"{_num(m.get('accuracy'), lang)} accuracy on the held-out test split "
            "(the majority class: 0.578). The trace shows p(positive) after each word, "
            "the sentence read as if it ended there: an order a bag of words cannot see. ",
            fr="Un LSTM bidirectionnel suivi d'un max-pooling lit des critiques de Rotten "
            "Tomatoes étiquetées positives ou négatives (Pang & Lee 2004) et obtient une "
            f"exactitude de {_num(m.get('accuracy'), lang)} sur le jeu de test mis de côté "
            "(la classe majoritaire : 0,578). La trace montre p(positif) après chaque "
            "mot, la phrase lue comme si elle s'arrêtait là : un ordre qu'un sac de mots "
            "ne voit pas. ",
        )
    ]
    for t in data["traces"]:
        trace = Trace(tokens=t["tokens"], p_positive=t["p_positive"], known=t["known"])
        verdict = {
            "positive": pick(lang, en="positive", fr="positif"),
            "negative": pick(lang, en="negative", fr="négatif"),
        }[trace.label]
        title = pick(
            lang,
            en=f"{verdict} ({trace.probability:.2f}); * = not in the vocabulary",
            fr=f"{verdict} ({_num(trace.probability, lang, '.2f')}) ; * = hors vocabulaire",
        )
        fig = trace_figure(
            trace, title, pick(lang, en="p(positive | prefix)", fr="p(positif | début)")
        )
        blocks.append(
            part.figure(
                fig,
                lang,
                caption={
                    "en": f"“{t['sentence']}”: p(positive) after each word.",
                    "fr": f"« {t['sentence']} » : p(positif) après chaque mot (phrase en anglais, "
                    "la langue du corpus).",
                },
                alt={
                    "en": "Probability of a positive review after each word of the sentence",
                    "fr": "Probabilité d'une critique positive après chaque mot de la phrase",
                },
            )
        )
    return blocks


# ---------------------------------------------------------------- translation


def read_translate(out: Path, budget: dict[str, Any]) -> dict[str, Any]:
    from lstmlab.apps.translate.evaluation import load_models
    from lstmlab.apps.translate.numbers import held_out_rule, number_pairs
    from lstmlab.apps.translate.predict import translate

    cfg, vocabs, models = load_models(out)
    model, _ = models["model"]
    translations = []
    for n in NUMBERS:
        (pair,) = number_pairs(range(n, n + 1))  # num2words' English and French: the truth
        t = translate(model, vocabs, pair.en, beam=1)
        row: dict[str, Any] = {
            "number": n,
            "group": held_out_rule(n),
            "english": pair.en,
            "reference": pair.fr,
            "output": t.text,
        }
        if t.attention is not None and not translations:  # the attention map of the first
            target = [*t.target, "</s>"]
            row |= {
                "source": t.source,
                "target": target,
                "attention": [[round(float(a), 4) for a in r] for r in t.attention[: len(target)]],
            }
        translations.append(row)
    return {"attention_kind": cfg.attention, "translations": translations}


def render_translate(data: dict[str, Any], lang: Lang) -> list[part.Block]:
    import torch

    from lstmlab.apps.translate.plot import attention_figure

    exact = data["result"]["metrics"].get("metric")
    blocks: list[part.Block] = [
        _opening(
            data,
            lang,
            en="An LSTM encoder–decoder with Bahdanau attention learns to spell numbers "
            "in French from their English spelling (num2words, 0–99,999). The test "
            "numbers are never seen in training: 700–799 and every number above 100 "
            "ending in 71, 81 or 91, where French turns irregular. Exact match on them: "
            f"{_num(exact, lang, '.1f')}%. ",
            fr="Un encodeur–décodeur LSTM avec l'attention de Bahdanau apprend à écrire "
            "les nombres en français à partir de leur écriture en anglais (num2words, "
            "0–99 999). Les nombres de test ne sont jamais vus à l'entraînement : "
            "700–799 et tout nombre au-delà de 100 finissant par 71, 81 ou 91, là où le "
            "français devient irrégulier. Correspondance exacte sur ces nombres : "
            f"{_num(exact, lang, '.1f')} %. ",
        ),
        part.Table(
            columns=pick(
                lang,
                en=["number", "English (input)", "model's French", "reference", "right?"],
                fr=["nombre", "anglais (entrée)", "français du modèle", "référence", "juste ?"],
            ),
            rows=[
                [
                    str(t["number"]),
                    t["english"],
                    t["output"],
                    t["reference"],
                    pick(lang, en="yes", fr="oui")
                    if t["output"] == t["reference"]
                    else pick(lang, en="no", fr="non"),
                ]
                for t in data["translations"]
            ],
            caption=pick(
                lang,
                en="Held-out numbers, greedy decoding.",
                fr="Nombres mis de côté, décodage glouton.",
            ),
        ),
    ]
    first = data["translations"][0]
    if "attention" in first:
        fig = attention_figure(
            torch.tensor(first["attention"]),
            first["source"],
            first["target"],
            (
                pick(lang, en="English (source)", fr="anglais (source)"),
                pick(lang, en="French (output)", fr="français (sortie)"),
                pick(lang, en="attention α", fr="attention α"),
            ),
        )
        blocks.append(
            part.figure(
                fig,
                lang,
                caption={
                    "en": f"Where the decoder looked while writing each French word of "
                    f"{first['number']} (rows sum to 1).",
                    "fr": f"Où regarde le décodeur en écrivant chaque mot français de "
                    f"{first['number']} (chaque ligne somme à 1).",
                },
                alt={
                    "en": "Attention map between English and French words",
                    "fr": "Carte d'attention entre mots anglais et français",
                },
            )
        )
    return blocks


# ---------------------------------------------------------------- speech


def read_speech(out: Path, budget: dict[str, Any]) -> dict[str, Any]:
    from lstmlab.apps.run import check_app_folder
    from lstmlab.apps.speech.config import SpeechConfig
    from lstmlab.apps.speech.corpus import WORDS, load_corpus
    from lstmlab.apps.speech.evaluate import word_metrics
    from lstmlab.apps.speech.models import APP, load_model, make_words, words_dir
    from lstmlab.data.cache import cache_dir

    cfg = SpeechConfig.from_dict(check_app_folder(out, APP))
    words = load_corpus(cfg.words_corpus(), cache_dir() / "speech", cfg.workers, None, False)
    model = load_model(words_dir(out), make_words(cfg.core()))
    scores, matrix = word_metrics(model, words["test"])
    return {
        "scores": _finite(scores),
        "labels": list(WORDS),
        "confusion": matrix.tolist(),
        "test_words": len(words["test"]),
        "train_words": len(words["train"]),
    }


def render_speech(data: dict[str, Any], lang: Lang) -> list[part.Block]:
    import numpy as np

    from lstmlab.apps.speech.plot import confusion_figure

    acc = data["scores"].get("word_acc")
    title = pick(
        lang,
        en=f"isolated words, unseen speakers: accuracy {_num(acc, lang, '.1%')} "
        f"({data['test_words']} utterances)",
        fr=f"mots isolés, locuteurs inconnus : exactitude {_num(acc, lang, '.1%')} "
        f"({data['test_words']} énoncés)",
    )
    fig = confusion_figure(
        np.array(data["confusion"]),
        data["labels"],
        title,
        (
            pick(lang, en="recognised", fr="reconnu"),
            pick(lang, en="said", fr="prononcé"),
            pick(lang, en="share of the row", fr="part de la ligne"),
        ),
    )
    return [
        _opening(
            data,
            lang,
            en="A bidirectional LSTM hears one word (a digit or a letter name, in English "
            "or French) as log-mel frames and names it among 36. The voices are "
            f"synthesised here by espeak-ng ({data['train_words']} training words, noise "
            "at 20 dB), and the test speakers are voices never heard in training. "
            f"Accuracy on them: {_num(acc, lang, '.1%')} (chance: 2.8%). ",
            fr="Un LSTM bidirectionnel entend un mot (un chiffre ou le nom d'une lettre, "
            "en anglais ou en français) sous forme de trames log-mel et le nomme parmi 36. "
            f"Les voix sont synthétisées ici par espeak-ng ({data['train_words']} mots "
            "d'entraînement, bruit à 20 dB), et les locuteurs de test sont des voix "
            f"jamais entendues à l'entraînement. Exactitude sur eux : "
            f"{_num(acc, lang, '.1%')} (hasard : 2,8 %). ",
        ),
        part.figure(
            fig,
            lang,
            caption={
                "en": "Rows: the word said; columns: the word recognised; red numbers count the "
                "errors.",
                "fr": "Lignes : le mot prononcé ; colonnes : le mot reconnu ; les nombres en "
                "rouge comptent les erreurs.",
            },
            alt={
                "en": "Confusion matrix of the isolated-word recogniser",
                "fr": "Matrice de confusion du reconnaisseur de mots isolés",
            },
        ),
    ]
