"""Config dataclass fields that carry their help text, for the CLI generated from them
(``lstmlab.cli.dataclass_options``). Imports nothing of lstmlab: every config may use it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import MISSING, field
from typing import Any

__all__ = ["config_field"]


def config_field(
    default: Any = MISSING,
    help: str = "",
    *,
    factory: Callable[[], Any] | None = None,
    choices: Sequence[str] | None = None,
) -> Any:
    """``dataclasses.field`` with ``help`` (the option's help text) and, for a ``str`` field with
    a fixed set of values, ``choices`` (the option becomes a choice) in its metadata."""
    metadata: dict[str, Any] = {"help": help}
    if choices is not None:
        metadata["choices"] = tuple(choices)
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)
