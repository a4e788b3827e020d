"""Click options generated from a config dataclass, so no field can be missing from the CLI.

``@dataclass_options(Config)`` adds ``--field-name`` for every field of ``Config`` (bool fields as
``--name/--no-name``, ``Literal`` fields as a choice, ``X | None`` fields accepting "none"), with
the dataclass default and the help text in the field's metadata (``field(metadata={"help":
...})``). ``config_from_options(Config, kwargs)`` builds the config and reports a config error
("<field>: expected …, got …") as a click error on that field's option.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import MISSING, Field, fields, is_dataclass
from typing import Any, Literal, TypeVar

import click

__all__ = ["dataclass_options", "config_from_options", "option_name"]

C = TypeVar("C")
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def option_name(field_name: str) -> str:
    return "--" + field_name.replace("_", "-")


class _Nullable(click.ParamType):
    """``inner``, or the word "none" for None."""

    def __init__(self, inner: click.ParamType) -> None:
        self.inner = inner
        self.name = f"{inner.name}|none"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
            return None
        return self.inner.convert(value, param, ctx)


def _param_type(annotation: Any) -> tuple[click.ParamType | None, bool]:
    """(click type, is_flag) of a field annotation; (None, False) for a type the CLI skips."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(annotation)) == 2:
            inner, _ = _param_type(args[0])
            return (_Nullable(inner), False) if inner is not None else (None, False)
        return None, False
    if origin is Literal:
        return click.Choice([str(a) for a in typing.get_args(annotation)]), False
    if annotation is bool:
        return None, True
    simple = {int: click.INT, float: click.FLOAT, str: click.STRING}
    return simple.get(annotation), False


def _default(f: Field) -> Any:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return None


def dataclass_options(cls: type, exclude: Iterable[str] = ()) -> Decorator:
    """Options for the fields of dataclass ``cls`` (except ``exclude`` and nested configs)."""
    if not is_dataclass(cls):
        raise TypeError(f"cls: expected a dataclass, got {cls!r}")
    hints = typing.get_type_hints(cls)
    skip = set(exclude)
    options: list[Decorator] = []
    for f in fields(cls):
        if f.name in skip:
            continue
        kind, is_flag = _param_type(hints[f.name])
        default = _default(f)
        text = f.metadata.get("help", "")
        if is_flag:
            flag = option_name(f.name)
            options.append(
                click.option(
                    f"{flag}/--no-{flag[2:]}",
                    f.name,
                    default=default,
                    show_default=True,
                    help=text,
                )
            )
        elif kind is not None:
            options.append(
                click.option(
                    option_name(f.name),
                    f.name,
                    type=kind,
                    default=default,
                    show_default=default is not None,
                    help=text,
                )
            )

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def config_from_options(cls: type[C], values: dict[str, Any], **fixed: Any) -> C:
    """``cls(**fields from values, **fixed)``; a config error becomes a click error naming the
    option of the field it concerns (extra keys in ``values`` are ignored)."""
    names = {f.name for f in fields(cls)}
    kwargs = {k: v for k, v in values.items() if k in names} | fixed
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as err:
        field_name = str(err).split(":", 1)[0].strip()
        hint = option_name(field_name) if field_name in names else None
        raise click.BadParameter(str(err), param_hint=hint) from err
