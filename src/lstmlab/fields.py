"""Config dataclass fields that carry their help text, for the CLI generated from them
(``lstmlab.cli.dataclass_options``), and the defaults a subclass gives to its bases' fields.
Imports nothing of lstmlab: every config may use it."""

from __future__ import annotations

import typing
from collections.abc import Callable, Sequence
from dataclasses import MISSING, field
from typing import Any, TypeVar

__all__ = ["config_field", "field_defaults"]

T = TypeVar("T", bound=type)


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


def field_defaults(**defaults: Any) -> Callable[[T], T]:
    """A class decorator, placed below ``@dataclass``: the fields named, which a dataclass base
    declares, get these defaults in the decorated class, with the base's type and metadata (help
    text, choices). The base declares each field (and so its CLI option) once; the subclass says
    only its values. A field keeps its place in the field order."""

    def apply(cls: T) -> T:
        if "__dataclass_fields__" in cls.__dict__:
            raise TypeError(f"field_defaults: expected to run before @dataclass on {cls.__name__}")
        inherited = getattr(cls, "__dataclass_fields__", {})
        own = cls.__dict__.get("__annotations__", {})
        for name, value in defaults.items():
            if name not in inherited:
                raise TypeError(
                    f"{name}: expected a field of a dataclass base of {cls.__name__}, "
                    f"got none by that name"
                )
            if name in own:
                raise TypeError(f"{name}: {cls.__name__} declares it; give its default there")
            base = next(k for k in cls.__mro__[1:] if name in k.__dict__.get("__annotations__", {}))
            cls.__annotations__[name] = typing.get_type_hints(base)[name]
            setattr(cls, name, field(default=value, metadata=inherited[name].metadata))
        return cls

    return apply
