"""The cache of computed parts: one JSON file per part and config, written atomically.

``OUT/cache/<section>/<name>-<key12>.json`` holds ``{"key", "data", "meta"}``. The key is the
sha256 of the section, the part's name, its config (JSON, keys sorted), the seed and lstmlab's
version, so a changed config or a new version computes afresh and an unchanged part is read back.
A part whose compute raised, or that was killed, leaves no file: the next run computes it again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lstmlab import __version__
from lstmlab.training.atomic import write_text_atomic

__all__ = ["part_key", "cache_path", "read_cached", "write_cached"]


def part_key(section: str, name: str, config: Mapping[str, Any], seed: int) -> str:
    """sha256 (hex) of what decides a part's result; a config that is not JSON raises
    TypeError."""
    material = json.dumps(
        {
            "section": section,
            "name": name,
            "config": config,
            "seed": seed,
            "lstmlab": __version__,
        },
        sort_keys=True,
        separators=(",", ":"),
        allow_nan=False,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def cache_path(out: Path, section: str, name: str, key: str) -> Path:
    return Path(out) / "cache" / section / f"{name}-{key[:12]}.json"


def read_cached(path: Path, key: str) -> dict[str, Any] | None:
    """The stored ``{"data", "meta"}`` for ``key``, or None when missing or unreadable (a
    damaged file is recomputed, never trusted)."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (
        isinstance(stored, dict)
        and stored.get("key") == key
        and isinstance(stored.get("data"), dict)
        and isinstance(stored.get("meta"), dict)
    ):
        return None
    return stored


def write_cached(path: Path, key: str, data: dict[str, Any], meta: dict[str, Any]) -> None:
    """Atomically: a kill mid-write leaves the old file or none, never half of one. Data that
    JSON cannot hold (NaN is allowed, as Python's json writes it; objects are not) raises
    TypeError before anything is written."""
    text = json.dumps({"key": key, "data": data, "meta": meta}, indent=1) + "\n"
    write_text_atomic(path, text)
