"""The speech tests need two Debian packages that ``.ci/run`` installs: espeak-ng (synthesis)
and klettres-data (real recordings). Elsewhere the tests that need them skip with the reason,
except under CI (``CI`` set), where a missing package is a failure."""

import os
import shutil
from pathlib import Path

import pytest


def _require(present: bool, package: str) -> None:
    if present:
        return
    reason = f"needs the Debian package {package} (`apt-get install -y {package}`)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def espeak() -> None:
    _require(shutil.which("espeak-ng") is not None, "espeak-ng")


@pytest.fixture(scope="session")
def klettres() -> None:
    _require(Path("/usr/share/klettres/fr/sounds.xml").is_file(), "klettres-data")
