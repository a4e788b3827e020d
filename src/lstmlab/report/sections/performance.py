"""Performance: lstmlab's fused LSTM and GRU against torch.nn's on the reader's machine, dense and
packed (variable-length) input, medians and ratios from one run (``lstmlab.bench``)."""

from __future__ import annotations

import math
import os
import platform
import time
from typing import Any

import torch
from matplotlib.figure import Figure as MplFigure

import lstmlab
from lstmlab import bench
from lstmlab.report import part
from lstmlab.report.part import Lang, Text, pick

__all__ = ["TITLE", "INTRO", "parts", "plan"]

TITLE: Text = {"en": "Performance on this machine", "fr": "Performances sur cette machine"}
INTRO: Text = {
    "en": "The same layers as torch.nn, with the same weights and inputs, timed on this machine "
    "a few minutes ago: lstmlab's fused CPU kernels (the whole sequence in one C++ call, with a "
    "hand-derived backward) against torch.nn.LSTM and torch.nn.GRU (oneDNN). A ratio above 1 "
    "means lstmlab is faster. Packed input (sequences of different lengths in one batch) is "
    "where the difference is largest: torch.nn's packed path runs one autograd step per time "
    "step, lstmlab runs the whole schedule in one call.",
    "fr": (
        "Les mêmes couches que torch.nn, avec les mêmes poids et les mêmes entrées, chronométrées"
        " sur cette machine il y a quelques minutes : les noyaux CPU fusionnés de lstmlab (toute "
        "la séquence en un seul appel C++, avec une rétropropagation dérivée à la main) face à "
        "torch.nn.LSTM et torch.nn.GRU (oneDNN). Un rapport supérieur à 1 signifie que lstmlab "
        "est plus rapide. C'est sur les entrées « empaquetées » (des séquences de longueurs "
        "différentes dans un même lot) que l'écart est le plus grand : le chemin empaqueté de "
        "torch.nn exécute un pas d'autograd par pas de temps, lstmlab tout l'ordonnancement en un"
        " seul appel."
    ),
}

KINDS = ("LSTM", "GRU")

#: Per level: the timed cases (size (B, T, I, H), packed or dense, timed calls per contender).
#: "full" is ``benchmarks/speed.py``'s sizes and repeats (7) and ``bench.PACKED_SIZES``; its long
#: packed size (T = 1000, where one torch.nn training call takes tens of seconds) is timed 3 times.
#: Every batch is 32 or more: below that a plain dense float32 LSTM runs torch's own op (the
#: dispatch's rule 2), and the section compares lstmlab's kernels with torch.nn's.
BUDGETS: dict[str, list[tuple[tuple[int, int, int, int], bool, int]]] = {
    "ci": [((32, 20, 8, 16), False, 2), ((32, 20, 8, 16), True, 2)],
    "quick": [
        ((32, 100, 64, 64), False, 5),
        ((64, 100, 128, 256), False, 5),
        ((32, 100, 64, 128), True, 5),
    ],
    "full": [(size, False, 7) for size in bench.SIZES]
    + [(size, True, 7 if size[1] <= 100 else 3) for size in bench.PACKED_SIZES],
}


def plan(level: str) -> dict[str, Any]:
    """The config of a level: the layers, the modes and the cases to time."""
    return {
        "kinds": list(KINDS),
        "modes": list(bench.MODES),
        "cases": [
            {"size": list(size), "packed": packed, "repeats": repeats}
            for size, packed, repeats in BUDGETS[level]
        ],
        "threads": None,  # torch's default for this machine, unchanged
    }


def parts(level: str) -> list[part.Part]:
    config = plan(level)
    return [
        part.Part(
            section="performance",
            name="torch",
            config=config,
            compute=lambda ctx: compute(ctx, config),
            render=render,
            command="lstmlab reproduce --only performance"
            + {"ci": " --level ci", "quick": "", "full": " --full"}[level],
            title={"en": "lstmlab against torch.nn", "fr": "lstmlab face à torch.nn"},
        )
    ]


def compute(ctx: part.PartContext, config: dict[str, Any]) -> dict[str, Any]:
    """Time every case and return medians, ratios and the machine's load before and after."""
    start = time.perf_counter()
    load_before = bench.load_average()
    results: list[bench.Result] = []
    with bench.num_threads(config["threads"]) as threads:
        matmul_before = bench.matmul_gflops()
        for case in config["cases"]:
            size, packed, repeats = tuple(case["size"]), case["packed"], case["repeats"]
            kind = "packed" if packed else "dense"
            ctx.progress(f"performance: timing {kind} {bench.fmt_size(size)} ({repeats} runs)")
            results += bench.torch_vs_lstmlab(
                size, config["kinds"], repeats, config["modes"], packed=packed
            )
        matmul_after = bench.matmul_gflops()
    load_after = bench.load_average()
    rows = bench.pairs(results)
    for row in rows:
        row["packed"] = row.pop("group") == "packed"
    return {
        "rows": rows,
        "threads": threads,
        "cpu_count": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "lstmlab": lstmlab.__version__,
        "load_before": list(load_before),
        "load_after": list(load_after),
        "matmul_gflops": [matmul_before, matmul_after],
        "seconds": time.perf_counter() - start,
    }


# ------------------------------------------------------------------------------------ render


def _size(size: list[int]) -> str:
    return f"B={size[0]} T={size[1]} H={size[3]}"


def _mode(mode: str, lang: Lang) -> str:
    if mode == "train":
        return pick(lang, en="training", fr="entraînement")
    return pick(lang, en="inference", fr="inférence")


def _case(row: dict[str, Any], lang: Lang) -> str:
    if row["packed"]:
        return pick(lang, en="packed", fr="empaqueté")
    return pick(lang, en="dense", fr="dense")


def _label(row: dict[str, Any], lang: Lang) -> str:
    return f"{row['layer']} {_mode(row['mode'], lang)}, {_case(row, lang)} {_size(row['size'])}"


def _num(x: float, lang: Lang, digits: int = 2) -> str:
    text = f"{x:,.{digits}f}"
    if lang == "fr":  # 1 234,56
        text = text.replace(",", " ").replace(".", ",")
    return text


def _figure(rows: list[dict[str, Any]], lang: Lang) -> MplFigure:
    fig = MplFigure(figsize=(7.5, 0.38 * len(rows) + 1.4))
    ax = fig.add_subplot()
    labels = [_label(r, lang) for r in rows]
    ratios = [r["ratio"] for r in rows]
    colors = ["tab:orange" if r["packed"] else "tab:blue" for r in rows]
    y = list(range(len(rows)))[::-1]
    ax.barh(y, ratios, color=colors)
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(1.0, color="black", linewidth=0.8)
    if max(ratios) / max(min(ratios), 1e-9) > 20:
        ax.set_xscale("log")
    for yi, ratio in zip(y, ratios, strict=True):
        ax.text(ratio, yi, f" {_num(ratio, lang)}×", va="center", fontsize=8)
    ax.set_xlabel(
        pick(
            lang,
            en="torch.nn time / lstmlab time (> 1: lstmlab is faster)",
            fr="temps de torch.nn / temps de lstmlab (> 1 : lstmlab est plus rapide)",
        )
    )
    ax.set_title(
        pick(
            lang,
            en="Speed-up of lstmlab over torch.nn (blue: dense, orange: packed)",
            fr="Accélération de lstmlab sur torch.nn (bleu : dense, orange : empaqueté)",
        ),
        fontsize=10,
    )
    return fig


def _load_note(data: dict[str, Any], lang: Lang) -> str:
    before, after = data["load_before"][0], data["load_after"][0]
    cores = data["cpu_count"]
    busy = max(before, after) > data["threads"]
    matmul = " – ".join(_num(g, lang, 0) for g in data["matmul_gflops"])
    if lang == "fr":
        text = (
            f"Charge de la machine (/proc/loadavg, moyenne sur 1 minute) : {_num(before, lang)} "
            f"avant les mesures, {_num(after, lang)} après, pour {cores} cœurs ; torch utilisait "
            f"{data['threads']} threads. Débit de référence de la machine (produit matriciel "
            f"2048² en float32) : {matmul} GFLOP/s avant et après. "
        )
        text += (
            "Une charge supérieure au nombre de threads signifie que d'autres processus "
            "partageaient les cœurs : les temps sont alors bruités, les rapports (mesurés en "
            "alternance, dans la même exécution) le sont moins."
            if busy
            else "La machine était calme pendant les mesures."
        )
        return text
    text = (
        f"Machine load (/proc/loadavg, 1-minute average): {_num(before, lang)} before the "
        f"timings, {_num(after, lang)} after, on {cores} cores; torch used {data['threads']} "
        f"threads. The machine's float32 matmul rate (a 2048² product): {matmul} GFLOP/s before "
        "and after. "
    )
    text += (
        "A load above the thread count means other processes shared the cores: the times are "
        "noisy then, the ratios (timed in alternation, in the same run) less so."
        if busy
        else "The machine was quiet while we timed."
    )
    return text


def geo(xs: list[float]) -> float:
    """Geometric mean (the mean of ratios), NaN for none."""
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else math.nan


def _summary(rows: list[dict[str, Any]], lang: Lang) -> str:
    best = max(rows, key=lambda r: r["ratio"])
    slower = [r for r in rows if r["ratio"] < 1]
    dense = [r["ratio"] for r in rows if not r["packed"]]
    packed = [r["ratio"] for r in rows if r["packed"]]
    cases = "; ".join(f"{_label(r, lang)} ({_num(r['ratio'], lang)}×)" for r in slower)
    if lang == "fr":
        verdict = (
            f"lstmlab est plus lent ici : {cases}."
            if slower
            else "lstmlab n'est plus lent dans aucun des cas mesurés ici."
        )
        return (
            f"Le plus grand écart : {_num(best['ratio'], lang)}× ({_label(best, lang)}). Moyenne "
            f"géométrique des rapports : {_num(geo(dense), lang)}× sur les entrées denses, "
            f"{_num(geo(packed), lang)}× sur les entrées empaquetées. {verdict}"
        )
    verdict = (
        f"lstmlab is slower here: {cases}."
        if slower
        else "lstmlab was slower in none of the cases measured here."
    )
    return (
        f"The largest gap: {_num(best['ratio'], lang)}× ({_label(best, lang)}). Geometric mean of "
        f"the ratios: {_num(geo(dense), lang)}× on dense input, {_num(geo(packed), lang)}× on "
        f"packed input. {verdict}"
    )


def render(data: dict[str, Any], lang: Lang) -> list[part.Block]:
    rows = data["rows"]
    repeats = sorted({r["repeats"] for r in rows})
    method = pick(
        lang,
        en=(
            "Each contender runs forward and backward (training: the output's sum "
            "back-propagated, the input requiring its gradient) or forward alone without "
            "gradients (inference), float32 on the CPU. torch.nn and lstmlab are timed in "
            "alternation (one call of each in turn, after two warm-up calls), so a busy moment "
            "of the machine hits both alike; the table gives the median of "
            f"{' or '.join(map(str, repeats))} calls. Packed input: B sequences with lengths "
            "drawn uniformly in [1, T], the same PackedSequence for both. This whole "
            f"measurement took {data['seconds']:.0f} s (torch {data['torch']}, lstmlab "
            f"{data['lstmlab']}, {data['machine']})."
        ),
        fr=(
            "Chaque concurrent exécute la passe avant et la passe arrière (entraînement : la "
            "somme de la sortie rétropropagée, l'entrée demandant son gradient) ou la passe "
            "avant seule sans gradients (inférence), en float32 sur le CPU. torch.nn et lstmlab "
            "sont chronométrés en alternance (un appel de chacun à tour de rôle, après deux "
            "appels d'échauffement), si bien qu'un moment chargé de la machine les touche "
            f"autant l'un que l'autre ; le tableau donne la médiane de "
            f"{' ou '.join(map(str, repeats))} appels. Entrées empaquetées : B séquences de "
            "longueurs tirées uniformément dans [1, T], le même PackedSequence pour les deux. "
            f"Toute cette mesure a pris {data['seconds']:.0f} s (torch {data['torch']}, "
            f"lstmlab {data['lstmlab']}, {data['machine']})."
        ),
    )
    table = part.Table(
        columns=pick(
            lang,
            en=["input", "size", "layer", "mode", "torch.nn (ms)", "lstmlab (ms)", "ratio"],
            fr=["entrée", "taille", "couche", "mode", "torch.nn (ms)", "lstmlab (ms)", "rapport"],
        ),
        rows=[
            [
                _case(r, lang),
                "B={} T={} I={} H={}".format(*r["size"]),
                r["layer"],
                _mode(r["mode"], lang),
                _num(r["torch_ms"], lang),
                _num(r["lstmlab_ms"], lang),
                _num(r["ratio"], lang) + "×",
            ]
            for r in rows
        ],
        caption=pick(
            lang,
            en="Median time per call in milliseconds; ratio = torch.nn / lstmlab.",
            fr="Temps médian par appel en millisecondes ; rapport = torch.nn / lstmlab.",
        ),
    )
    return [
        part.Paragraph(method),
        part.Paragraph(_load_note(data, lang)),
        part.figure(
            _figure(rows, lang),
            lang,
            caption={
                "en": "lstmlab's speed-up over torch.nn, per layer, mode and input (log scale when "
                "the ratios span more than a factor 20).",
                "fr": "Accélération de lstmlab sur torch.nn, par couche, mode et entrée (échelle "
                "logarithmique quand les rapports couvrent plus d'un facteur 20).",
            },
            alt={
                "en": "Horizontal bars: time ratio torch.nn / lstmlab for each case.",
                "fr": "Barres horizontales : rapport des temps torch.nn / lstmlab pour chaque cas.",
            },
        ),
        table,
        part.Paragraph(_summary(rows, lang)),
    ]
