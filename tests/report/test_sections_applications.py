"""The applications section: each app trained by its own command at the ci budget, rendered in
English and French. The real data sets must be in the cache (``lstmlab data get NAME``): here
a missing one skips with the command to run, under CI (``CI`` set) it is fetched."""

from __future__ import annotations

import json
import math
import os
import shutil

import pytest

from lstmlab.report.part import Code, Figure, Paragraph, PartContext, Table
from lstmlab.report.sections import applications

#: The pinned data set each part reads (speech and translation generate theirs).
DATA = {"forecast": "elecdemand", "text": "shakespeare", "sentiment": "rotten-tomatoes"}


def _need_data(name: str) -> None:
    from lstmlab.data import get_source, is_cached

    if is_cached(get_source(name)):
        return
    if os.environ.get("CI"):
        from lstmlab.data import fetch

        fetch(name)
        return
    pytest.skip(f"needs the data set {name} (`lstmlab data get {name}`)")


def _part(name: str):
    (part,) = [p for p in applications.parts("ci") if p.name == name]
    return part


def _run(name: str, tmp_path) -> tuple[dict, dict]:
    part = _part(name)
    json.dumps(part.config)
    assert part.command.startswith(f"lstmlab app {name} train --out runs/{name}")
    data = part.compute(PartContext(workdir=tmp_path, seed=0, level="ci"))
    json.dumps(data, allow_nan=False)  # the runner's cache and the page's JSON
    pages = {lang: part.render(data, lang) for lang in ("en", "fr")}
    for lang, blocks in pages.items():
        for f in (b for b in blocks if isinstance(b, Figure)):
            assert f.png.startswith(b"\x89PNG") and len(f.png) > 1000, lang
    en = [b.text for b in pages["en"] if isinstance(b, Paragraph)]
    fr = [b.text for b in pages["fr"] if isinstance(b, Paragraph)]
    assert en and len(en) == len(fr) and all(a != b for a, b in zip(en, fr, strict=True))
    return data, pages


def test_forecast_against_the_actual_series(tmp_path):
    _need_data("elecdemand")
    data, pages = _run("forecast", tmp_path)
    assert math.isfinite(data["result"]["metrics"]["MASE"])
    assert len(data["actual"]) == len(data["quantiles"]) == len(data["time"]) > 0
    assert "seasonal naive" in " ".join(data["evaluated"]["baselines"])
    assert len([b for b in pages["fr"] if isinstance(b, Figure)]) == 1
    assert any(isinstance(b, Table) for b in pages["en"])


def test_text_samples(tmp_path):
    _need_data("shakespeare")
    data, pages = _run("text", tmp_path)
    assert math.isfinite(data["result"]["metrics"]["bpc"])
    for sample, (prompt, *_) in zip(data["samples"], applications.PROMPTS, strict=True):
        assert sample["text"].startswith(prompt) and len(sample["text"]) > len(prompt)
    assert len([b for b in pages["fr"] if isinstance(b, Code)]) == len(applications.PROMPTS)


def test_sentiment_trace(tmp_path):
    _need_data("rotten-tomatoes")
    data, pages = _run("sentiment", tmp_path)
    for trace in data["traces"]:
        assert len(trace["tokens"]) == len(trace["p_positive"]) > 0
        assert all(0 <= p <= 1 for p in trace["p_positive"])
    assert len([b for b in pages["en"] if isinstance(b, Figure)]) == len(applications.SENTENCES)


def test_translations_and_attention(tmp_path):
    data, pages = _run("translate", tmp_path)
    for t in data["translations"]:
        assert isinstance(t["output"], str) and isinstance(t["reference"], str)
        assert t["group"] is not None  # every number asked for is held out of training
    first = data["translations"][0]
    assert len(first["attention"]) == len(first["target"])
    assert all(len(row) == len(first["source"]) for row in first["attention"])
    assert len([b for b in pages["fr"] if isinstance(b, Figure)]) == 1


@pytest.mark.slow  # the first run synthesises ~70 utterances with espeak-ng (cached after)
def test_speech_confusion_matrix(tmp_path):
    if shutil.which("espeak-ng") is None:
        reason = "needs the Debian package espeak-ng (`apt-get install -y espeak-ng`)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    data, pages = _run("speech", tmp_path)
    matrix = data["confusion"]
    assert len(matrix) == len(data["labels"]) == 36
    assert sum(map(sum, matrix)) == data["test_words"]
    assert 0 <= data["scores"]["word_acc"] <= 1
    assert len([b for b in pages["fr"] if isinstance(b, Figure)]) == 1


def test_budgets_and_commands():
    for app, levels in applications.BUDGETS.items():
        assert set(levels) == {"ci", "quick", "full"}, app
    full = {p.name: p.command for p in applications.parts("full")}
    assert full["forecast"] == (
        "lstmlab app forecast train --out runs/forecast && "
        "lstmlab app forecast evaluate --out runs/forecast"
    )


def test_baseline_names_are_said_in_each_language():
    from lstmlab.apps.speech.models import BASELINE_KINDS

    written = [
        "seasonal naive (daily, 48 steps)",
        "seasonal naive (weekly, 336 steps)",
        "seasonal naive (period 12)",
        "ETS (Holt-Winters, period 336)",
        "majority",
        "tfidf_lr",
        "kneser_ney_5gram",
        "unigram",
        "no attention",
        *BASELINE_KINDS,
    ]
    for name in written:
        fr = applications.baseline_name(name, "fr")
        assert fr != name, name
        assert applications.baseline_name(name, "en") != fr, name
    assert applications.baseline_name("seasonal naive (weekly, 336 steps)", "fr") == (
        "naïve saisonnière (hebdomadaire, 336 pas)"
    )
    assert applications.baseline_name("kneser_ney_7gram", "en") == "Kneser-Ney 7-gram"
    assert applications.baseline_name("transformer", "fr") == "Transformer"
    assert applications.baseline_name("something new", "fr") == "something new"
