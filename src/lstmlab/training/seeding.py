"""Seeds and random-number-generator states: what makes a resumed run equal an uninterrupted one."""

from __future__ import annotations

import contextlib
import hashlib
import random
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

__all__ = [
    "batch_seed",
    "seed_everything",
    "rng_state",
    "set_rng_state",
    "preserved_global_state",
]


def batch_seed(seed: int, step: int) -> int:
    """The seed of the training batch of ``step``: a hash of (seed, step), so every step sees
    fresh data that a resumed run regenerates exactly, and that is unlikely to collide with the
    small seeds a task uses for its validation and test splits."""
    digest = hashlib.sha256(f"lstmlab-train-batch:{seed}:{step}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFF_FFFF


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)


def rng_state() -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The global RNG states: torch's as a uint8 tensor, python's and numpy's as JSON."""
    version, words, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    as_json = {
        "python": [version, list(words), gauss],
        "numpy": [name, keys.tolist(), int(pos), int(has_gauss), float(cached)],
    }
    return {"rng.torch": torch.get_rng_state()}, as_json


def set_rng_state(tensors: dict[str, torch.Tensor], as_json: dict[str, Any]) -> None:
    torch.set_rng_state(tensors["rng.torch"])
    version, words, gauss = as_json["python"]
    random.setstate((version, tuple(words), gauss))
    name, keys, pos, has_gauss, cached = as_json["numpy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))


@contextlib.contextmanager
def preserved_global_state(threads: int) -> Iterator[None]:
    """Run a block with ``torch.set_num_threads(threads)`` and restore, on the way out, the
    thread count and the global RNGs (torch's, python's, numpy's) as they were: a library call
    must not change the state of the user's process."""
    before = torch.get_num_threads()
    python_state, numpy_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng():
        torch.set_num_threads(threads)
        try:
            yield
        finally:
            torch.set_num_threads(before)
            random.setstate(python_state)
            np.random.set_state(numpy_state)
