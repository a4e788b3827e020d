"""The variants section: a tiny study through lstmlab.study, rendered in English and French."""

from __future__ import annotations

import json

from lstmlab.report.part import Figure, Paragraph, PartContext, Table
from lstmlab.report.sections import variants
from lstmlab.study import GREFF_VERDICTS


def test_ci_study_computes_and_renders_in_both_languages(tmp_path):
    (part,) = variants.parts("ci")
    json.dumps(part.config)
    assert part.command.startswith("lstmlab study run --task adding --lag 30")
    data = part.compute(PartContext(workdir=tmp_path, seed=0, level="ci"))
    json.dumps(data, allow_nan=False)  # the runner's cache and the page's JSON
    assert data["report"]["trials"] == variants.BUDGETS["ci"]["trials"]
    pages = {lang: part.render(data, lang) for lang in ("en", "fr")}
    for lang, blocks in pages.items():
        figures = [b for b in blocks if isinstance(b, Figure)]
        assert len(figures) == 2, lang
        for f in figures:
            assert f.png.startswith(b"\x89PNG") and len(f.png) > 1000
        (verdicts, importances) = [b for b in blocks if isinstance(b, Table)]
        assert {r[0] for r in verdicts.rows} <= set(variants.BUDGETS["ci"]["variants"])
        assert all(len(r) == len(verdicts.columns) for r in verdicts.rows)
    en = [b.text for b in pages["en"] if isinstance(b, Paragraph)]
    fr = [b.text for b in pages["fr"] if isinstance(b, Paragraph)]
    assert len(en) == len(fr) and all(a != b for a, b in zip(en, fr, strict=True))
    assert "essais" in fr[0]
    # An interrupted or repeated run resumes: the finished trials are in the study's SQLite file.
    again = part.compute(PartContext(workdir=tmp_path, seed=0, level="ci"))
    assert again["report"]["by_variant"] == data["report"]["by_variant"]


def test_every_verdict_has_its_french():
    assert set(variants.GREFF_FR) == set(GREFF_VERDICTS)
    assert set(variants.BUDGETS) == {"ci", "quick", "full"}
    assert variants.BUDGETS["full"]["trials"] == 240
