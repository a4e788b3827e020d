"""The LSTM idea: a cell that holds what it read until it is needed, seen in a trained LSTM.

One LSTM is trained (the one training loop) on the lab's language task ("j'ai grandi en France,
…, donc je parle couramment ___"); then one real test sentence goes through it and its gates are
read step by step (``lstmlab.diagnostics.gate_traces``). The units shown are the ones whose final
cell state best tells the countries apart over the test sentences; the same sentence is then
replayed with the country swapped, to show the cell keep, from the country's word to the last
word, a value that depends on the country alone.
"""

from __future__ import annotations

from typing import Any

import torch
from matplotlib.figure import Figure as MplFigure
from rich.console import Console

from lstmlab.diagnostics import gate_traces
from lstmlab.models import ModelConfig, build_model
from lstmlab.report import part
from lstmlab.report.part import Lang, Text, pick
from lstmlab.tasks.language import COUNTRIES, LanguageTask
from lstmlab.training import TrainConfig, load_trained, train

__all__ = ["TITLE", "INTRO", "parts", "BUDGETS"]

TITLE: Text = {
    "en": "The LSTM idea: a cell that holds",
    "fr": "L'idée du LSTM : une cellule qui retient",
}
INTRO: Text = {
    "en": (
        "The LSTM adds to the RNN a cell state c that is carried from step to step by "
        "addition, and three gates that decide, at every step, what to forget (f), what to "
        "write (i) and what to show (o). A unit can then read a word, store it, keep it while "
        "the rest of the sentence goes by, and use it at the end: in “J'ai grandi en France … "
        "donc je parle couramment ___”, the country decides the last word."
    ),
    "fr": (
        "Le LSTM ajoute au RNN un état de cellule c transmis de pas en pas par addition, et "
        "trois portes qui décident, à chaque pas, quoi oublier (f), quoi écrire (i) et quoi "
        "montrer (o). Une unité peut alors lire un mot, le stocker, le garder pendant que le "
        "reste de la phrase défile, et s'en servir à la fin : dans « J'ai grandi en France … "
        "donc je parle couramment ___ », le pays décide du dernier mot."
    ),
}

#: Training budget per level; full is the README's language run (lag 2, H = 64, 2,000 steps).
BUDGETS: dict[str, dict[str, Any]] = {
    "ci": {"lag": 1, "hidden": 16, "steps": 100, "eval_every": 50, "n_val": 100, "n_test": 100,
           "units": 6, "probe": 40},
    "quick": {"lag": 2, "hidden": 64, "steps": 1000, "eval_every": 100, "n_val": 500,
              "n_test": 500, "units": 12, "probe": 200},
    "full": {"lag": 2, "hidden": 64, "steps": 2000, "eval_every": 100, "n_val": 500,
             "n_test": 1000, "units": 16, "probe": 400},
}  # fmt: skip

#: Seed of the test sentences read here (apart from the training batches and splits).
PROBE_SEED = 20_251_201
#: Countries whose French phrase is "en <country>", so swapping the country's word in the
#: sentence keeps it grammatical (Portugal and Japon take "au").
SWAPPABLE = [k for k, c in enumerate(COUNTRIES) if c.fr_preposition == "en"]
SILENT = Console(stderr=True, quiet=True)
GATES = ("f", "i", "o", "c")


def _train_config(config: dict[str, Any], seed: int, out: str) -> TrainConfig:
    return TrainConfig(
        task="language",
        lag=config["lag"],
        model=ModelConfig(kind="lstm", hidden=config["hidden"]),
        steps=config["steps"],
        eval_every=config["eval_every"],
        n_val=config["n_val"],
        n_test=config["n_test"],
        seed=seed,
        out_dir=out,
    )


def _round(rows: torch.Tensor, digits: int = 4) -> list:
    return [[round(float(v), digits) for v in row] for row in rows]


def compute_for(config: dict[str, Any]):
    def compute(ctx: part.PartContext) -> dict[str, Any]:
        cfg = _train_config(config, ctx.seed, str(ctx.workdir / "run"))
        ctx.progress(f"training an LSTM (H = {config['hidden']}) on the language task")
        result = train(cfg, resume=True, progress=False, console=SILENT)
        task = LanguageTask(config["lag"])
        model = load_trained(cfg.out_dir, build_model(cfg.model, task)).eval()
        probe = task.generate(config["probe"], seed=PROBE_SEED)
        # The units whose final cell state tells the countries apart: the share of its
        # variance over the probe sentences that the country explains (η²).
        final_c = torch.stack([gate_traces(model, x)["c"][-1] for x in probe.x])  # (N, H)
        grand = final_c.mean(0)  # (H,)
        between = sum(
            (probe.y == k).sum() * (final_c[probe.y == k].mean(0) - grand) ** 2
            for k in range(len(COUNTRIES))
            if (probe.y == k).any()
        ) / len(final_c)  # (H,)
        eta2 = between / (final_c.var(dim=0, unbiased=False) + 1e-12)  # (H,) in [0, 1]
        units = eta2.argsort(descending=True)[: config["units"]]
        # One real sentence: the first French one about France.
        french = [
            n
            for n in range(len(probe.x))
            if int(probe.y[n]) == 0 and "donc" in task.decode(probe.x[n])
        ]
        n = french[0] if french else 0
        x = probe.x[n][probe.x[n].sum(-1) > 0]  # (T, I): the padding steps dropped
        words = task.decode(x)
        traces = gate_traces(model, x)
        with torch.no_grad():
            predicted = int(model(x.unsqueeze(0))[0, -1].argmax())
        # The same sentence with each swappable country in France's place.
        at = words.index(COUNTRIES[0].fr) if COUNTRIES[0].fr in words else 0
        swaps = {}
        for k in SWAPPABLE:
            xk = x.clone()
            xk[at] = 0
            xk[at, task.vocab.index(COUNTRIES[k].fr)] = 1
            distance = (gate_traces(model, xk)["c"] - traces["c"]).norm(dim=1)  # (T,)
            with torch.no_grad():
                pk = int(model(xk.unsqueeze(0))[0, -1].argmax())
            swaps[str(k)] = {"distance": [round(float(v), 4) for v in distance], "predicted": pk}
        return {
            "words": words,
            "country_step": at,
            "label": int(probe.y[n]),
            "predicted": predicted,
            "units": [int(u) for u in units],
            "eta2": [round(float(eta2[u]), 4) for u in units],
            "gates": {g: _round(traces[g][:, units].T) for g in GATES},  # each (units, T)
            "swaps": swaps,
            "test_accuracy": result.metrics["metric"],
            "solved": result.solved,
            "steps": result.steps,
            "hidden": config["hidden"],
            "lag": config["lag"],
        }

    return compute


def _language(k: int, lang: Lang) -> str:
    return COUNTRIES[k].language_fr if lang == "fr" else COUNTRIES[k].language_en


def _country(k: int, lang: Lang) -> str:
    return COUNTRIES[k].fr if lang == "fr" else COUNTRIES[k].en


def render(data: dict[str, Any], lang: Lang) -> list[part.Block]:
    words, units, T = data["words"], data["units"], len(data["words"])
    names = {
        "f": pick(lang, en="forget gate f", fr="porte d'oubli f"),
        "i": pick(lang, en="input gate i", fr="porte d'entrée i"),
        "o": pick(lang, en="output gate o", fr="porte de sortie o"),
        "c": pick(lang, en="cell state c", fr="état de la cellule c"),
    }
    fig = MplFigure(figsize=(max(7.0, 0.38 * T + 2), 2.0 * len(GATES) + 1.2), layout="constrained")
    axes = fig.subplots(len(GATES), 1, sharex=True)
    c = torch.tensor(data["gates"]["c"])
    bound = float(c.abs().max()) or 1.0
    for ax, gate in zip(axes, GATES, strict=True):
        values = data["gates"][gate]
        if gate == "c":
            image = ax.imshow(values, aspect="auto", cmap="RdBu_r", vmin=-bound, vmax=bound)
        else:
            image = ax.imshow(values, aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.set_ylabel(pick(lang, en="unit", fr="unité"))
        ax.set_yticks(range(len(units)), [str(u) for u in units], fontsize=6)
        ax.set_title(names[gate], fontsize=9, loc="left")
        ax.axvline(data["country_step"], color="white", linewidth=0.8, linestyle=":")
        fig.colorbar(image, ax=ax, fraction=0.02, pad=0.01)
    axes[-1].set_xticks(range(T), words, rotation=60, ha="right", fontsize=8)
    fig.suptitle(
        pick(
            lang,
            en="Gates and cell of the trained LSTM, word by word",
            fr="Portes et cellule du LSTM entraîné, mot par mot",
        )
    )

    fig2 = MplFigure(figsize=(max(7.0, 0.38 * T + 2), 3.4), layout="constrained")
    ax = fig2.subplots()
    for j, (k, swap) in enumerate(data["swaps"].items()):
        k = int(k)
        if k == data["label"]:
            continue  # the sentence itself: distance 0 everywhere
        ax.plot(
            swap["distance"],
            color=f"C{j}",
            marker=".",
            label=f"{_country(k, lang)} → {_language(swap['predicted'], lang)}",
        )
    ax.axvline(data["country_step"], color="grey", linestyle=":")
    ax.set_xticks(range(T), words, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel(
        pick(
            lang,
            en=f"‖c_t − c_t({_country(data['label'], lang)})‖",
            fr=f"‖c_t − c_t({_country(data['label'], lang)})‖",
        )
    )
    ax.legend(
        fontsize=7,
        title=pick(lang, en="country → predicted", fr="pays → prédiction"),
        title_fontsize=7,
        loc="upper left",
    )
    ax.grid(True, alpha=0.3)

    sentence = " ".join(words)
    verdict = (
        pick(lang, en="solved", fr="résolue")
        if data["solved"]
        else pick(lang, en="not solved", fr="non résolue")
    )
    others = [v["distance"] for k, v in data["swaps"].items() if int(k) != data["label"]]
    held = min(min(d[data["country_step"] :]) for d in others) if others else 0.0
    before = max(max(d[: data["country_step"]], default=0.0) for d in others) if others else 0.0
    return [
        part.Paragraph(
            pick(
                lang,
                en=f"An LSTM with {data['hidden']} units was trained on the language task at lag "
                f"{data['lag']} (distractor clauses) for {data['steps']} steps: test accuracy "
                f"{data['test_accuracy']:.2f} ({verdict}). The sentence below is one real test "
                f"input: “{sentence}”. The network answers "
                f"“{_language(data['predicted'], lang)}”.",
                fr=f"Un LSTM de {data['hidden']} unités a été entraîné sur la tâche de langue, "
                f"décalage {data['lag']} (propositions intercalées), pendant {data['steps']} pas "
                f": exactitude de test {data['test_accuracy']:.2f} (tâche {verdict}). La phrase "
                f"ci-dessous est une vraie entrée de test : « {sentence} ». Le réseau répond "
                f"« {_language(data['predicted'], lang)} ».",
            )
        ),
        part.figure(
            fig,
            lang,
            caption={
                "en": f"Heat map of f, i, o (0 to 1) and c, for the {len(units)} units whose final "
                "cell state best separates the countries over the test sentences (rows), at "
                "each word (columns); the dotted line marks the country's word.",
                "fr": f"Carte de chaleur de f, i, o (de 0 à 1) et c, pour les {len(units)} unités "
                "dont l'état final de la cellule sépare le mieux les pays sur les phrases de "
                "test (lignes), à chaque mot (colonnes) ; le pointillé marque le mot du pays.",
            },
            alt={"en": "gate heat map", "fr": "carte de chaleur des portes"},
        ),
        part.Paragraph(
            pick(
                lang,
                en="The same sentence, with only the country's word changed: the distance between "
                "the cell state of each new sentence and that of the original one, over all "
                f"{data['hidden']} units. It is {before:.2f} before the country's word (the "
                "sentences are the same), jumps at it, and stays at least "
                f"{held:.2f} until the last word, where the answer is read: the cell holds the "
                "country across the clauses in between.",
                fr="La même phrase, où seul le mot du pays change : la distance entre l'état de "
                "la cellule de chaque nouvelle phrase et celui de la phrase d'origine, sur les "
                f"{data['hidden']} unités. Elle vaut {before:.2f} avant le mot du pays (les "
                f"phrases sont identiques), saute à ce mot, et reste d'au moins {held:.2f} "
                "jusqu'au dernier mot, où la réponse est lue : la cellule garde le pays à "
                "travers les propositions intercalées.",
            )
        ),
        part.figure(
            fig2,
            lang,
            caption={
                "en": "Distance of the cell state from the original sentence's, word by word, one "
                "line per country put in France's place; the legend gives the network's answer "
                "for each.",
                "fr": "Distance de l'état de la cellule à celui de la phrase d'origine, mot par "
                "mot, une courbe par pays mis à la place de la France ; la légende donne la "
                "réponse du réseau pour chacun.",
            },
            alt={"en": "cell-state distance per country", "fr": "distance par pays"},
        ),
        part.Table(
            [
                pick(lang, en="unit", fr="unité"),
                pick(lang, en="country explains (η²)", fr="part expliquée par le pays (η²)"),
            ],  # fmt: skip
            [[str(u), f"{e:.3f}"] for u, e in zip(units, data["eta2"], strict=True)],
            caption=pick(
                lang,
                en="Share of the variance of each unit's final cell state explained by the "
                "country, over the test sentences.",
                fr="Part de la variance de l'état final de la cellule de chaque unité expliquée "
                "par le pays, sur les phrases de test.",
            ),
        ),
    ]


def parts(level: part.Level) -> list[part.Part]:
    config = BUDGETS[level]
    return [
        part.Part(
            section="idea",
            name="gates",
            config={"task": "language", **config, "probe_seed": PROBE_SEED, "figure": "distance"},
            compute=compute_for(config),
            render=render,
            command=(
                f"lstmlab train --task language --model lstm --lag {config['lag']} "
                f"--hidden {config['hidden']} --steps {config['steps']} --eval-every "
                f"{config['eval_every']} --n-val {config['n_val']} --n-test {config['n_test']} "
                "--out runs/idea"
            ),
            title={
                "en": "The gates of a trained LSTM on “… en France … je parle couramment ___”",
                "fr": "Les portes d'un LSTM entraîné sur « … en France … je parle couramment ___ »",
            },
        )
    ]
