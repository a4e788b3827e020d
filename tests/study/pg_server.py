"""A throw-away PostgreSQL server for tests: Debian's binaries, a temporary data directory,
loopback only, trust authentication, stopped (and deleted) afterwards.

``.ci/run`` installs Debian's ``postgresql``; elsewhere the tests that need a server skip with
the reason, except under CI (``CI`` set), where a missing server is a failure.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL server's bin folder (Debian layout), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: p.split("/")[4])
    return Path(found[-1]).parent if found else None


def require_postgres() -> Path:
    path = postgres_bin()
    if path is None:
        reason = "PostgreSQL server not installed (Debian: apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run should have installed it")
        pytest.skip(reason)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def temporary_postgres() -> Iterator[str]:
    """Start a server; yield a SQLAlchemy URL of an empty database on it; stop it."""
    bindir = require_postgres()
    root = Path(tempfile.mkdtemp(prefix="lstmlab-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    options = f"-h 127.0.0.1 -p {port} -k {sock} -c fsync=off"
    run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-w",
        "-l",
        str(root / "log"),
        "start",
    )
    try:
        run(
            str(bindir / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "lstmlab",
        )
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/lstmlab"
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(root, ignore_errors=True)
