"""Checkpoints without pickle: tensors in safetensors files, everything else in JSON.

A checkpoint is a folder ``checkpoints/step-XXXXXXXX/`` holding

    model.safetensors         the model's state_dict
    best_model.safetensors    the weights with the lowest validation loss so far (if any)
    train_state.safetensors   optimizer tensors ("optimizer.<param>.<key>"), torch's RNG state
                              and the state carried across steps ("carry.<k>"), if any
    train_state.json          optimizer param groups and scalars, python/numpy RNG, loop state

Every file is written atomically; ``checkpoints/latest.json`` is written last and names the
folder to resume from, so a run killed anywhere leaves either the old or the new checkpoint,
never a mix. Loading reads with ``safetensors.torch.load_file`` and ``json``: no code runs.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from lstmlab.training.atomic import write_json_atomic, write_safetensors_atomic

__all__ = ["Checkpoint", "save_checkpoint", "load_checkpoint", "CHECKPOINTS"]

CHECKPOINTS = "checkpoints"
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


def save_checkpoint(run_dir: str | Path, step: int, ckpt: Checkpoint) -> Path:
    root = Path(run_dir) / CHECKPOINTS
    name = f"step-{step:08d}"
    folder = root / name
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
    write_json_atomic(root / _LATEST, {"step": step, "folder": name})
    for old in root.iterdir():  # earlier checkpoints, and any a crash left unfinished
        if old.is_dir() and old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    return folder


def load_checkpoint(run_dir: str | Path) -> Checkpoint | None:
    """The latest complete checkpoint of a run, or None if it has none."""
    root = Path(run_dir) / CHECKPOINTS
    latest = root / _LATEST
    if not latest.is_file():
        return None
    folder = root / json.loads(latest.read_text())["folder"]
    state = json.loads((folder / "train_state.json").read_text())
    tensors = load_file(folder / "train_state.safetensors")
    best = folder / "best_model.safetensors"
    opt_tensors = {k: v for k, v in tensors.items() if k.startswith("optimizer.")}
    carried = state.pop("carried", None)
    carry = None if carried is None else tuple(tensors[f"carry.{k}"] for k in range(carried))
    return Checkpoint(
        model=load_file(folder / "model.safetensors"),
        best_model=load_file(best) if best.is_file() else None,
        optimizer=_unflatten_optimizer(opt_tensors, state.pop("optimizer")),
        rng_tensors={k: v for k, v in tensors.items() if k.startswith("rng.")},
        state=state,
        carry=carry,
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
