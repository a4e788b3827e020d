"""The default sentence set from the catalogs Debian installs (``.ci/run`` installs them)."""

import pytest

from lstmlab.apps.translate.messages import CATALOGS, LOCALE_DIR, message_split


@pytest.mark.slow
def test_the_default_catalogs_give_thousands_of_sentence_pairs():
    missing = [d for d in CATALOGS if not (LOCALE_DIR / f"{d}.mo").is_file()]
    assert not missing, f"install the Debian packages {sorted({CATALOGS[d] for d in missing})}"
    split = message_split()
    counts = split.counts()
    assert counts["train"] > 2000 and counts["test"] > 150 and counts["val"] > 80, counts
    for domain, info in split.info["catalogs"].items():
        assert info["package"] == CATALOGS[domain] and 0 < info["kept"] <= info["messages"]
    assert not {p.en for p in split.test} & {p.en for p in split.train}


@pytest.mark.slow
def test_the_default_number_model_generalises_to_held_out_ranges(tmp_path, monkeypatch):
    """The README's number run (seed 0, one thread): attention translates numbers never seen."""
    from lstmlab.apps.translate.config import TranslateConfig
    from lstmlab.apps.translate.evaluation import evaluate_app
    from lstmlab.apps.translate.train import train_app

    monkeypatch.setenv("LSTMLAB_DATA", str(tmp_path / "data"))
    train_app(TranslateConfig(threads=1), tmp_path / "run", baselines=False, progress=False)
    scores, _ = evaluate_app(tmp_path / "run", beam=1)
    groups = scores["model"]["groups"]["held-out group"]
    assert scores["model"]["exact_match"] >= 90.0
    for group in ("700-799", "x71", "x91"):  # x81 is the hard one: see the README
        assert groups[group]["exact_match"] >= 97.0, groups
