"""Guards of a run folder: one process at a time, damage reported by file, paths kept inside.

A run folder is user data that outlives the process: it can be killed mid-write, edited,
truncated by a full disk, copied half-way, or shared by two commands started by mistake. Every
read here either returns what was written or raises ``RunFolderError`` naming the file, what is
wrong with it and what to do; nothing in the folder is ever executed (JSON and safetensors only).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import Tensor

from lstmlab.training.atomic import TEMP_SUFFIX

__all__ = [
    "RunFolderError",
    "damaged",
    "run_folder_lock",
    "remove_partials",
    "read_json",
    "read_tensors",
    "confined",
    "LOCK",
    "CHECKPOINTS",
]

LOCK = ".lock"
CHECKPOINTS = "checkpoints"  # the folder of a run's checkpoints (``checkpoint``)
_FRESH = "start a new run in another --out folder (or delete this one)"


class RunFolderError(ValueError):
    """``out_dir`` holds a run that this call may not continue (no resume, another config,
    damaged files, another process using it)."""


def damaged(path: Path, reason: str, advice: str = _FRESH) -> RunFolderError:
    return RunFolderError(f"{path}: damaged run file ({reason}); {advice}")


@contextlib.contextmanager
def run_folder_lock(run_dir: Path) -> Iterator[None]:
    """Hold ``run_dir/.lock`` (``flock``: released when the holder exits, even by kill -9) or
    raise at once if another process holds it. Creates ``run_dir``."""
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(run_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise RunFolderError(
            f"out_dir: expected a folder this process can write, got {str(run_dir)!r} "
            f"({e.strerror or e}); choose another --out"
        ) from e
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                raise RunFolderError(
                    f"out_dir: cannot lock {str(run_dir)!r} ({e.strerror}); its filesystem "
                    "does not support locks: choose a local folder for --out"
                ) from e
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise RunFolderError(
                f"out_dir: the run folder {str(run_dir)!r} is in use by process {holder}; "
                "wait for it to finish, or choose another --out"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def remove_partials(run_dir: Path) -> list[Path]:
    """Delete the temporary files of writes a killed process never finished: ours only
    (``.<name>.<random>.partial``, see ``atomic``), in the folders a run writes (the run
    folder, its checkpoints and each checkpoint), never elsewhere below ``--out``."""
    checkpoints = run_dir / CHECKPOINTS
    folders = [run_dir, checkpoints]
    if checkpoints.is_dir():
        folders += [p for p in checkpoints.iterdir() if p.is_dir() and not p.is_symlink()]
    removed = []
    for folder in folders:
        for tmp in folder.glob(f".*{TEMP_SUFFIX}"):
            if tmp.is_file() and not tmp.is_symlink():
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
                removed.append(tmp)
    return removed


def read_json(path: Path, advice: str = _FRESH) -> Any:
    """The JSON in ``path``; a missing, unreadable or malformed file raises ``RunFolderError``."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as e:
        raise damaged(path, "the file is missing", advice) from e
    except UnicodeDecodeError as e:
        raise damaged(path, "not text", advice) from e
    except json.JSONDecodeError as e:
        raise damaged(path, f"not valid JSON: {e}", advice) from e
    except OSError as e:
        raise damaged(path, f"cannot be read: {e.strerror}", advice) from e


def read_tensors(path: Path, advice: str = _FRESH) -> dict[str, Tensor]:
    """A safetensors file (never pickle: nothing in it can run); damage raises RunFolderError."""
    try:
        return load_file(path)
    except FileNotFoundError as e:
        raise damaged(path, "the file is missing", advice) from e
    except (SafetensorError, ValueError, RuntimeError, OSError) as e:
        raise damaged(path, f"not a readable safetensors file: {e}", advice) from e


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def confined(root: Path, name: object, source: Path) -> Path:
    """``root / name`` for a plain name read from ``source``; anything that could lead outside
    ``root`` (separators, "..", absolute paths, links) raises ``RunFolderError``."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name in (".", ".."):
        raise damaged(source, f"expected a folder name inside {root}, got {name!r}")
    path = root / name
    if path.is_symlink() or not path.resolve().is_relative_to(root.resolve()):
        raise damaged(source, f"{name!r} leads outside {root}")
    return path
