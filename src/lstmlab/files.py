"""Files written so that a crash never leaves half of one, and read back for their digest.

A write goes to a temp file in the same folder, is fsynced, renamed over the target with
os.replace (atomic on POSIX), and the folder is fsynced so that the rename itself is durable.
This is the lowest layer of lstmlab (no torch): the kernel cache, the data cache and the
training runs all write through it (``lstmlab.training.atomic`` adds JSON, CSV, safetensors).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_bytes_atomic", "fsync_dir", "sha256_of", "TEMP_SUFFIX"]

#: Temp files end with this; a run killed mid-write can leave one, which is never read.
TEMP_SUFFIX = ".partial"


def _umask() -> int:
    """The process's umask, read without changing it (Linux tells it in /proc; elsewhere the
    common 0o022)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def write_bytes_atomic(
    path: str | os.PathLike[str], data: bytes, *, mode: int | None = None
) -> None:
    """Write ``data`` to ``path`` atomically. ``mode`` (e.g. 0o644 for a cache other users
    share) defaults to the mode open() would give: the old file's, or 0666 less the umask."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        # mkstemp makes the file private (0600), which a written report or model must not be.
        if mode is None:
            try:
                mode = path.stat().st_mode & 0o777
            except FileNotFoundError:
                mode = 0o666 & ~_umask()
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sha256_of(path: str | os.PathLike[str]) -> str:
    """The hex sha256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
