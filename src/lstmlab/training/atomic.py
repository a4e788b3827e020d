"""Files written so that a crash never leaves half of one (``lstmlab.files``): text, JSON, CSV
and safetensors over ``write_bytes_atomic``."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

import torch
from safetensors.torch import save as safetensors_bytes

from lstmlab.files import TEMP_SUFFIX, write_bytes_atomic

__all__ = [
    "write_bytes_atomic",
    "write_text_atomic",
    "write_json_atomic",
    "write_csv_atomic",
    "write_safetensors_atomic",
    "TEMP_SUFFIX",
]


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | os.PathLike[str], obj: Any) -> None:
    write_text_atomic(path, json.dumps(obj, indent=2) + "\n")


def write_csv_atomic(
    path: str | os.PathLike[str], rows: Iterable[Mapping[str, Any]], columns: list[str]
) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomic(path, buf.getvalue())


def write_safetensors_atomic(
    path: str | os.PathLike[str],
    tensors: Mapping[str, torch.Tensor],
    metadata: Mapping[str, str] | None = None,
) -> None:
    """A safetensors file (no pickle: loading it can run no code)."""
    plain = {k: v.detach().cpu().contiguous().clone() for k, v in tensors.items()}
    write_bytes_atomic(path, safetensors_bytes(plain, metadata=dict(metadata or {})))
