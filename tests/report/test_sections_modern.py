"""The modern-cells section at the ci budget: lstmlab compare runs, render in English and
French."""

import importlib
import io
import math

import pytest
from PIL import Image

from lstmlab.report.part import Figure, Paragraph, PartContext, Table
from lstmlab.report.sections import SECTIONS, modern


@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    out = {}
    for part in modern.parts("ci"):
        # progress that prints, as the runner's console does: it must not loop into itself
        ctx = PartContext(tmp_path_factory.mktemp(part.name), seed=0, level="ci", progress=print)
        out[part.name] = part.compute(ctx)
    return out


def test_the_module_is_the_registered_section_with_both_languages():
    assert importlib.import_module(SECTIONS["modern"]) is modern
    for text in (modern.TITLE, modern.INTRO):
        assert text["en"] and text["fr"] and text["en"] != text["fr"]
    assert [p.name for p in modern.parts("quick")] == ["adding", "formal"]
    assert all(p.command.startswith("lstmlab compare") for p in modern.parts("full"))


def test_every_model_ran_with_accuracies_in_0_1(computed):
    summary = computed["adding"]["summary"]
    assert {r["model"] for r in summary} == set(modern.MODELS)
    assert all(math.isfinite(r["metric_best"]) for r in summary)
    (row,) = computed["formal"]["table"]
    for kind in modern.MODELS:
        assert 0 <= row[kind]["best"] <= 1
        curve = computed["formal"]["curves"]["parity"][kind]
        assert curve["lengths"][0] == 41 and curve["lengths"][-1] == 500
        assert len(curve["accuracy"]) == len(curve["lengths"])
        assert all(0 <= a <= 1 for a in curve["accuracy"])


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_render_tables_have_every_model_and_the_figure_is_not_empty(computed, lang):
    blocks = modern.render_adding(computed["adding"], lang)
    (table,) = [b for b in blocks if isinstance(b, Table)]
    assert [r[0] for r in table.rows] == list(modern.MODELS)
    blocks = modern.render_formal(computed["formal"], lang)
    (table,) = [b for b in blocks if isinstance(b, Table)]
    assert all(k in table.columns for k in modern.MODELS)
    assert table.rows[0][-2:] == ["100.0", "52.0"]  # the paper's LSTM and Transformer
    (figure,) = [b for b in blocks if isinstance(b, Figure)]
    image = Image.open(io.BytesIO(figure.png))
    assert image.width > 100 and image.height > 100
    text = " ".join(b.text for b in blocks if isinstance(b, Paragraph))
    assert ("Précision" in text) if lang == "fr" else ("Accuracy" in text)
