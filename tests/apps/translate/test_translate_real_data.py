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
