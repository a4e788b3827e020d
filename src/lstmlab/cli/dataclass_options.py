"""Click options generated from a config dataclass, so no field can be missing from the CLI.

``@dataclass_options(Config)`` adds ``--field-name`` for every field of ``Config`` (bool fields as
``--name/--no-name``, ``Literal`` fields and fields with ``choices`` in their metadata as a
choice, ``X | None`` fields accepting "none", ``tuple[X, ...]`` fields as comma-separated
values), with the dataclass default and the help text in the field's metadata
(``lstmlab.fields.config_field``; a subclass that redeclares a field to change its default keeps
the base class's help, one that sets it with ``lstmlab.fields.field_defaults`` keeps its choices
too). ``config_from_options(Config, kwargs)`` builds the config and reports a config error on the
option of the field it concerns (the error's ``argument``, see ``lstmlab.checks.ArgumentError``).

This module imports nothing of lstmlab: the lab's commands and the applications' commands use it.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, Field, fields, is_dataclass
from typing import Any, Literal, TypeVar

import click

__all__ = [
    "dataclass_options",
    "config_from_options",
    "config_error",
    "config_arguments",
    "option_name",
    "Nullable",
    "Items",
    "CommaList",
]

C = TypeVar("C")
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def option_name(field_name: str, rename: Mapping[str, str] | None = None) -> str:
    """The option of a field: ``rename[field]`` if given, else ``--field-name``."""
    if rename and field_name in rename:
        return rename[field_name]
    return "--" + field_name.replace("_", "-")


class Nullable(click.ParamType):
    """``inner``, or the word "none" for None."""

    def __init__(self, inner: click.ParamType) -> None:
        self.inner = inner
        self.name = f"{inner.name}|none"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
            return None
        try:
            return self.inner.convert(value, param, ctx)
        except click.BadParameter:
            what = {"float": "a number", "integer": "an integer"}.get(self.inner.name, "a value")
            self.fail(f"expected {what} or 'none', got {value!r}", param, ctx)


class Items(click.ParamType):
    """Comma-separated values of type ``inner`` (``count`` of them when given), as a tuple."""

    def __init__(self, inner: click.ParamType, count: int | None = None) -> None:
        self.inner, self.count = inner, count
        self.name = ",".join([inner.name.upper()] * (count or 1)) + ("" if count else ",...")

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        if isinstance(value, tuple | list):
            return tuple(value)
        items = [v.strip() for v in str(value).split(",") if v.strip()]
        if not items or (self.count is not None and len(items) != self.count):
            n = f"{self.count} " if self.count else ""
            self.fail(f"expected {n}comma-separated values, got {value!r}", param, ctx)
        return tuple(self.inner.convert(v, param, ctx) for v in items)


class CommaList(click.ParamType):
    """A comma-separated list of ``choices`` (strings) or of positive integers."""

    def __init__(self, choices: tuple[str, ...] | None = None) -> None:
        self.choices = choices
        self.name = "NAME,..." if choices else "N,..."

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        if isinstance(value, list | tuple):
            return list(value)
        items = [v.strip() for v in str(value).split(",") if v.strip()]
        if not items:
            self.fail(f"expected a comma-separated list, got {value!r}", param, ctx)
        if self.choices is not None:
            bad = [v for v in items if v not in self.choices]
            if bad:
                self.fail(
                    f"expected names from {', '.join(self.choices)}, got {bad[0]!r} in {value!r}",
                    param,
                    ctx,
                )
            return items
        try:
            numbers = [int(v) for v in items]
        except ValueError:
            self.fail(f"expected comma-separated integers, got {value!r}", param, ctx)
        bad_n = [n for n in numbers if n < 1]
        if bad_n:
            self.fail(f"expected integers >= 1, got {bad_n[0]} in {value!r}", param, ctx)
        return numbers


_SIMPLE = {int: click.INT, float: click.FLOAT, str: click.STRING}


def _param_type(annotation: Any, f: Field) -> tuple[click.ParamType | None, bool]:
    """(click type, is_flag) of a field; (None, False) for a type the CLI skips (a nested
    config, which has options of its own)."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1 and len(args) == 2:
            kind, _ = _param_type(inner[0], f)
            return (Nullable(kind), False) if kind is not None else (None, False)
        return None, False
    if origin is Literal:
        return click.Choice([str(a) for a in args]), False
    if origin is tuple:
        element = click.Choice(f.metadata["choices"]) if "choices" in f.metadata else None
        if len(args) == 2 and args[1] is Ellipsis:
            return Items(element or _SIMPLE[args[0]]), False
        if args and all(a is args[0] for a in args):
            return Items(element or _SIMPLE[args[0]], count=len(args)), False
        return None, False
    if annotation is bool:
        return None, True
    if "choices" in f.metadata:
        return click.Choice(list(f.metadata["choices"])), False
    return _SIMPLE.get(annotation), False


def _default(f: Field) -> Any:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return None


def _help(cls: type, name: str) -> str:
    """The field's help text, or that of the first base class that documents the field."""
    for klass in cls.__mro__:
        if is_dataclass(klass):
            f = {f.name: f for f in fields(klass)}.get(name)
            if f is not None and f.metadata.get("help"):
                return f.metadata["help"]
    return ""


def _shown(default: Any) -> str:
    if default is None:
        return "none"
    if isinstance(default, tuple):
        return ",".join(str(v) for v in default)
    return str(default)


def dataclass_options(
    cls: type,
    exclude: Iterable[str] = (),
    *,
    rename: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> Decorator:
    """Options for the fields of dataclass ``cls`` (except ``exclude`` and nested configs).

    ``rename`` gives a field another option name (``{"kind": "--model"}``; the keyword argument
    keeps the field's name); ``defaults`` gives a command its own default for a field."""
    if not is_dataclass(cls):
        raise TypeError(f"cls: expected a dataclass, got {cls!r}")
    hints = typing.get_type_hints(cls)
    skip = set(exclude)
    options: list[Decorator] = []
    for f in fields(cls):
        if f.name in skip:
            continue
        kind, is_flag = _param_type(hints[f.name], f)
        default = (defaults or {}).get(f.name, _default(f))
        flag = option_name(f.name, rename)
        text = _help(cls, f.name)
        if is_flag:
            decls = [f"{flag}/--no-{flag[2:]}", f.name]
            options.append(click.option(*decls, default=default, show_default=True, help=text))
        elif kind is not None:
            # A tuple default is given as its command-line text, so --help shows it as typed.
            given = _shown(default) if isinstance(default, tuple) else default
            shown = default is not None
            options.append(
                click.option(flag, f.name, type=kind, default=given, show_default=shown, help=text)
            )

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def config_error(err: Exception, rename: Mapping[str, str] | None = None) -> click.BadParameter:
    """A config error as a click error on the option of the field it concerns (the error's
    ``argument``; no option is named for an error that does not say its field)."""
    argument = getattr(err, "argument", None)
    hint = option_name(argument, rename) if argument else None
    return click.BadParameter(str(err), param_hint=hint)


def config_from_options(
    cls: type[C],
    values: Mapping[str, Any],
    *,
    rename: Mapping[str, str] | None = None,
    **fixed: Any,
) -> C:
    """``cls(**fields from values, **fixed)``; a config error becomes a click error naming the
    option of the field it concerns (extra keys in ``values`` are ignored)."""
    names = {f.name for f in fields(cls)}
    kwargs = {k: v for k, v in values.items() if k in names} | fixed
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as err:
        raise config_error(err, rename) from err


def config_arguments(
    config: Any, exclude: Iterable[str] = (), rename: Mapping[str, str] | None = None
) -> list[str]:
    """The command-line arguments that give ``config``'s fields (except ``exclude`` and nested
    configs) to the options ``dataclass_options`` made: the inverse of ``config_from_options``,
    for a command that starts copies of itself."""
    hints = typing.get_type_hints(type(config))
    skip = set(exclude)
    args: list[str] = []
    for f in fields(config):
        if f.name in skip or _param_type(hints[f.name], f) == (None, False):
            continue
        value, flag = getattr(config, f.name), option_name(f.name, rename)
        if isinstance(value, bool):
            args.append(flag if value else f"--no-{flag[2:]}")
        else:
            args += [flag, _shown(value)]
    return args
