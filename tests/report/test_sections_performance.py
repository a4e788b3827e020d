"""The performance section at the ci budget: compute once, render in English and French."""

import importlib
import io
import math

import pytest
import torch
from PIL import Image

from lstmlab import kernels
from lstmlab.bench import SIZES
from lstmlab.report.part import Figure, Paragraph, PartContext, Table
from lstmlab.report.sections import SECTIONS, performance


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    (part,) = performance.parts("ci")
    threads = torch.get_num_threads()
    ctx = PartContext(workdir=tmp_path_factory.mktemp("perf"), seed=0, level="ci")
    out = part.compute(ctx)
    assert torch.get_num_threads() == threads
    return out


def test_the_module_is_the_registered_section_with_both_languages():
    assert importlib.import_module(SECTIONS["performance"]) is performance
    for text in (performance.TITLE, performance.INTRO):
        assert text["en"] and text["fr"] and text["en"] != text["fr"]


def test_levels_grow_and_full_is_the_speed_benchmark_sizes():
    cases = {level: performance.plan(level)["cases"] for level in ("ci", "quick", "full")}
    full_dense = [c["size"] for c in cases["full"] if not c["packed"]]
    assert full_dense == [list(s) for s in SIZES]
    for level in cases:
        assert any(c["packed"] for c in cases[level]) and any(not c["packed"] for c in cases[level])


def test_compute_gives_every_pair_with_finite_positive_ratios_and_the_load(data):
    rows = data["rows"]
    assert {(r["packed"], r["layer"], r["mode"]) for r in rows} == {
        (p, k, m) for p in (False, True) for k in ("LSTM", "GRU") for m in ("train", "infer")
    }
    for r in rows:
        assert math.isfinite(r["ratio"]) and r["ratio"] > 0
        assert r["torch_ms"] > 0 and r["lstmlab_ms"] > 0
    assert len(data["load_before"]) == len(data["load_after"]) == 3
    assert data["threads"] >= 1 and all(g > 0 for g in data["matmul_gflops"])


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_render_has_a_non_empty_figure_a_full_table_and_the_load(data, lang):
    blocks = performance.render(data, lang)
    (figure,) = [b for b in blocks if isinstance(b, Figure)]
    image = Image.open(io.BytesIO(figure.png))
    assert image.width > 100 and image.height > 100
    (table,) = [b for b in blocks if isinstance(b, Table)]
    assert len(table.rows) == len(data["rows"])
    assert all(len(row) == len(table.columns) for row in table.rows)
    text = " ".join(b.text for b in blocks if isinstance(b, Paragraph))
    load = f"{data['load_before'][0]:.2f}"
    assert (load if lang == "en" else load.replace(".", ",")) in text
    if lang == "fr":
        assert "Charge de la machine" in text and "rapport" in table.caption
        assert "entrée" in table.columns
    else:
        assert "Machine load" in text


def test_every_timed_batch_runs_lstmlabs_own_kernels():
    """Below ONEDNN_MAX_BATCH a plain LSTM call runs torch's op (the dispatch's rule 2), so a
    timed case there would compare torch.nn with itself."""
    for level, cases in performance.BUDGETS.items():
        for size, packed, _ in cases:
            assert packed or size[0] >= kernels.ONEDNN_MAX_BATCH, (level, size)
