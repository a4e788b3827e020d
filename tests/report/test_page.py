"""The page and the JSON: self-contained, in the chosen language, every number kept."""

from __future__ import annotations

import json

from rich.console import Console

from lstmlab.report.html import write_report
from lstmlab.report.run import build_plan, run_plan

from .pages import external, read_page

QUIET = Console(stderr=True, quiet=True)


def written(tmp_path, fake_sections, lang, fail=()):
    counter = fake_sections({"a": [("one", 1.5, {}), ("bad", 0.0, {})]}, missing=["later"])
    counter.fail.update(fail)
    report = run_plan(build_plan("ci"), tmp_path / "out", seed=7, level="ci", console=QUIET)
    failures = write_report(report, tmp_path / "out", lang)
    return report, failures, (tmp_path / "out" / "index.html").read_text()


def test_the_page_loads_nothing_from_outside(tmp_path, fake_sections):
    _, _, page = written(tmp_path, fake_sections, "en")
    reader = read_page(page)
    assert external(reader) == []
    assert "script" not in reader.tags and "link" not in reader.tags
    assert "@import" not in page and "url(" not in page
    assert any(v.startswith("data:image/png;base64,") for _, _, v in reader.links)


def test_english_and_french_pages_differ_in_every_framework_string(tmp_path, fake_sections):
    _, _, en = written(tmp_path / "en", fake_sections, "en")
    _, _, fr = written(tmp_path / "fr", fake_sections, "fr")
    en_reader, fr_reader = read_page(en), read_page(fr)
    assert '<html lang="en">' in en and '<html lang="fr">' in fr
    assert [h for _, h in en_reader.headings] != [h for _, h in fr_reader.headings]
    assert ("h1", "Le LSTM, mesuré sur cette machine") in fr_reader.headings
    assert ("h2", "Sommaire") in fr_reader.headings and ("h2", "Contents") in en_reader.headings
    assert ("h2", "L'idée du LSTM") not in fr_reader.headings  # only the sections planned
    assert ("h2", "Partie a") in fr_reader.headings and ("h3", "Partie one") in fr_reader.headings
    for word in ("commande", "graine", "machine", "calculé en", "Une introduction en français."):
        assert word in fr, word
    for word in ("command", "seed", "computed in", "An English introduction."):
        assert word in en, word
    assert "La valeur est 1.5." in fr and "The value is 1.5." in en


def test_failures_are_marked_on_the_page_and_returned(tmp_path, fake_sections):
    report, failures, page = written(tmp_path, fake_sections, "fr", fail={"bad"})
    assert failures == [
        "a/bad: RuntimeError: bad broke on purpose",
        "later: ModuleNotFoundError: No module named '_lstmlab_fake_section_later_not_there'",
    ]
    assert "Cette partie a échoué" in page and "RuntimeError: bad broke on purpose" in page
    assert "Cette section n&#x27;a pas pu être chargée" in page
    assert page.count('class="failure"') == 2


def test_every_provenance_is_next_to_its_part(tmp_path, fake_sections):
    report, _, page = written(tmp_path, fake_sections, "en")
    assert page.count('class="provenance"') == 2
    assert "lstmlab train --fake one" in page and "lstmlab train --fake bad" in page
    assert report.machine["hostname"] in page and report.machine["cpu"] in page


def test_the_json_holds_every_part_with_its_data_and_meta(tmp_path, fake_sections):
    report, _, _ = written(tmp_path, fake_sections, "en", fail={"bad"})
    stored = json.loads((tmp_path / "out" / "report.json").read_text())
    assert stored["seed"] == 7 and stored["level"] == "ci" and stored["lang"] == "en"
    (a, later) = stored["sections"]
    assert later["error"].splitlines()[-1].startswith("ModuleNotFoundError")
    one, bad = a["parts"]
    assert one["data"] == {"value": 1.5, "seed": 7, "level": "ci"}
    assert one["meta"]["seed"] == 7 and one["meta"]["command"] == "lstmlab train --fake one"
    assert bad["data"] is None and "bad broke on purpose" in bad["error"]
    for run in report.part_runs:
        assert run.key in json.dumps(stored)
