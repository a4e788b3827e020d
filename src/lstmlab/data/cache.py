"""Where fetched and generated data live: ``$LSTMLAB_DATA`` or ``~/.cache/lstmlab/data``."""

from __future__ import annotations

import os
from pathlib import Path

from lstmlab.data.source import DataSource
from lstmlab.files import sha256_of

__all__ = ["cache_dir", "source_path", "is_cached", "sha256_of"]


def cache_dir() -> Path:
    """The data cache root (not created here)."""
    env = os.environ.get("LSTMLAB_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "lstmlab" / "data"


def source_path(source: DataSource) -> Path:
    return cache_dir() / source.name / source.filename


def is_cached(source: DataSource) -> bool:
    """True when the cache holds the archive with its pinned digest."""
    path = source_path(source)
    return path.is_file() and sha256_of(path) == source.sha256
