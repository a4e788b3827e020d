"""Checkpoints without pickle: tensors in safetensors files, everything else in JSON.

A checkpoint is a folder ``checkpoints/step-XXXXXXXX/`` holding

    model.safetensors         the model's state_dict
    best_model.safetensors    the weights with the lowest validation loss so far (if any)
    train_state.safetensors   optimizer tensors ("optimizer.<param>.<key>"), torch's RNG state
                              and the state carried across steps ("carry.<k>"), if any
    train_state.json          optimizer param groups and scalars, python/numpy RNG, loop state

Every file is written atomically into a folder no complete checkpoint uses;
``checkpoints/latest.json`` is written last and names the folder to resume from with the sha256
of each of its files, and only then are older folders removed: a run killed anywhere leaves
either the old or the new checkpoint, never a mix. Loading reads with
``safetensors.torch.load_file`` and ``json`` (no code runs), checks every file against its
recorded hash, keeps every path inside the run folder, and reports damage by file name
(``RunFolderError``).
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from lstmlab.files import sha256_of
from lstmlab.training.atomic import TEMP_SUFFIX, write_json_atomic, write_safetensors_atomic
from lstmlab.training.run_folder import CHECKPOINTS, confined, damaged, read_json, read_tensors

__all__ = ["Checkpoint", "save_checkpoint", "load_checkpoint", "checkpoint_config", "CHECKPOINTS"]

_LATEST = "latest.json"


@dataclass
class Checkpoint:
    """Everything a run needs to continue exactly where it stopped."""

    model: dict[str, torch.Tensor]
    best_model: dict[str, torch.Tensor] | None
    optimizer: dict[str, Any]  # torch.optim.Optimizer.state_dict()
    rng_tensors: dict[str, torch.Tensor]
    state: dict[str, Any]  # JSON-able: loop, schedule, python/numpy RNG
    carry: tuple[torch.Tensor, ...] | None = None  # the loop's carry (truncated BPTT)
    folder: Path | None = None  # where it was loaded from (for messages)


def _fresh_folder(root: Path, step: int) -> tuple[str, Path]:
    """``step-XXXXXXXX``, or with a suffix if a folder of that name exists: a save never writes
    into a folder that a complete checkpoint (or an unfinished one) may be using."""
    name = f"step-{step:08d}"
    k = 1
    while (root / name).exists():
        name, k = f"step-{step:08d}-{k}", k + 1
    return name, root / name


def save_checkpoint(run_dir: str | Path, step: int, ckpt: Checkpoint) -> Path:
    root = Path(run_dir) / CHECKPOINTS
    root.mkdir(parents=True, exist_ok=True)
    name, folder = _fresh_folder(root, step)
    opt_tensors, opt_json = _flatten_optimizer(ckpt.optimizer)
    write_safetensors_atomic(folder / "model.safetensors", ckpt.model)
    if ckpt.best_model is not None:
        write_safetensors_atomic(folder / "best_model.safetensors", ckpt.best_model)
    carry = {} if ckpt.carry is None else {f"carry.{k}": t for k, t in enumerate(ckpt.carry)}
    write_safetensors_atomic(
        folder / "train_state.safetensors", opt_tensors | ckpt.rng_tensors | carry
    )
    carried = None if ckpt.carry is None else len(ckpt.carry)
    write_json_atomic(
        folder / "train_state.json", {"optimizer": opt_json, "carried": carried, **ckpt.state}
    )
    files = {f.name: sha256_of(f) for f in sorted(folder.iterdir()) if f.is_file()}
    write_json_atomic(root / _LATEST, {"step": step, "folder": name, "files": files})
    for old in root.iterdir():  # earlier checkpoints, and any a crash left unfinished
        if old.is_dir() and old.name != name:
            shutil.rmtree(old, ignore_errors=True)
        elif old.is_file() and old.name.endswith(TEMP_SUFFIX):
            with contextlib.suppress(FileNotFoundError):
                old.unlink()
    return folder


def _latest(run_dir: str | Path) -> tuple[Path, dict[str, Any]] | None:
    """(folder, latest.json) of the latest complete checkpoint, checked; None if there is none."""
    root = Path(run_dir) / CHECKPOINTS
    latest = root / _LATEST
    if root.exists() and not root.is_dir():
        raise damaged(root, "expected the folder of the run's checkpoints, got a file")
    if not latest.exists():
        return None
    record = read_json(latest)
    if not isinstance(record, dict) or not isinstance(record.get("step"), int):
        raise damaged(latest, f"expected an object with an int 'step', got {record!r:.200}")
    folder = confined(root, record.get("folder"), latest)
    if not folder.is_dir():
        raise damaged(latest, f"it names the checkpoint {folder.name!r}, which is missing")
    files = record.get("files")
    if files is not None:  # absent in checkpoints written before hashes were recorded
        if not isinstance(files, dict):
            raise damaged(latest, f"expected 'files' to map names to sha256, got {files!r:.200}")
        for name, digest in files.items():
            path = confined(folder, name, latest)
            if not path.is_file():
                raise damaged(path, "the file is missing")
            if sha256_of(path) != digest:
                raise damaged(path, f"its sha256 differs from the one recorded in {latest}")
    return folder, record


def checkpoint_config(run_dir: str | Path) -> tuple[Path, dict[str, Any] | None] | None:
    """(train_state.json, the config stored in it or None) of the latest checkpoint; None if
    the run has no checkpoint."""
    found = _latest(run_dir)
    if found is None:
        return None
    path = found[0] / "train_state.json"
    state = read_json(path)
    config = state.get("config") if isinstance(state, dict) else None
    return path, config if isinstance(config, dict) else None


def load_checkpoint(run_dir: str | Path) -> Checkpoint | None:
    """The latest complete checkpoint of a run, or None if it has none; any damage raises
    ``RunFolderError`` naming the file."""
    found = _latest(run_dir)
    if found is None:
        return None
    folder, _ = found
    state_path = folder / "train_state.json"
    state = read_json(state_path)
    tensors = read_tensors(folder / "train_state.safetensors")
    best = folder / "best_model.safetensors"
    try:
        opt_tensors = {k: v for k, v in tensors.items() if k.startswith("optimizer.")}
        carried = state.pop("carried", None)
        carry = None if carried is None else tuple(tensors[f"carry.{k}"] for k in range(carried))
        optimizer = _unflatten_optimizer(opt_tensors, state.pop("optimizer"))
        rng = {k: v for k, v in tensors.items() if k.startswith("rng.")}
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise damaged(state_path, f"incomplete or inconsistent ({type(e).__name__}: {e})") from e
    return Checkpoint(
        model=read_tensors(folder / "model.safetensors"),
        best_model=read_tensors(best) if best.is_file() else None,
        optimizer=optimizer,
        rng_tensors=rng,
        state=state,
        carry=carry,
        folder=folder,
    )


def _flatten_optimizer(sd: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Split an optimizer state_dict into tensors ("optimizer.<param>.<key>") and JSON."""
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for param, entries in sd["state"].items():
        for key, value in entries.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optimizer.{param}.{key}"] = value
            else:
                scalars.setdefault(str(param), {})[key] = value
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def _unflatten_optimizer(tensors: dict[str, torch.Tensor], js: dict[str, Any]) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    for name, value in tensors.items():
        _, param, key = name.split(".", 2)
        state.setdefault(int(param), {})[key] = value
    for param, entries in js["scalars"].items():
        state.setdefault(int(param), {}).update(entries)
    # JSON has no tuples; torch keeps e.g. Adam's betas as one.
    groups = [
        {k: tuple(v) if isinstance(v, list) and k != "params" else v for k, v in g.items()}
        for g in js["param_groups"]
    ]
    return {"state": state, "param_groups": groups}
