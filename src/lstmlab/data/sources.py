"""The data sets lstmlab knows: one ``DataSource`` per pinned archive (see ``lstmlab data list``).

Each application adds the sources it reads here; the sha256 pins the exact archive, so a
re-release or a tampered mirror is refused rather than read.
"""

from __future__ import annotations

from lstmlab.data.source import DataSource

__all__ = ["SOURCES"]

SOURCES: tuple[DataSource, ...] = ()
