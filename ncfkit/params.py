"""Typed component parameters.

Each component declares its parameters as a frozen dataclass with defaults. This
module turns such a class into a list of `ParamSpec`s and builds instances from
TOML values or `--set` strings, so the CLI, the config loader and the TUI's forms
share one source of truth. Supported field types: bool, int, float, str, a
`Literal[...]` of strings or numbers, and tuples of int, float or str.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ncfkit.errors import ConfigError


@dataclass(frozen=True)
class NoParams:
    """Parameters of a component that takes none."""


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter: its name, type, default, help text and choices."""

    name: str
    type: type
    default: Any
    help: str = ""
    choices: tuple[Any, ...] | None = None
    item_type: type | None = None  # element type when `type` is tuple

    @property
    def type_name(self) -> str:
        if self.choices is not None:
            return " | ".join(repr(c) for c in self.choices)
        if self.type is tuple:
            return f"list of {self.item_type.__name__}"
        return self.type.__name__


def param(default: Any, help: str = "") -> Any:
    """Declare a dataclass field with a default and a help text."""
    if isinstance(default, (list, dict, set)):
        raise TypeError("use a tuple for sequence defaults, the params are frozen")
    return dataclasses.field(default=default, metadata={"help": help})


def param_specs(cls: type) -> list[ParamSpec]:
    """Return the parameter specs of a frozen parameter dataclass, in field order."""
    hints = typing.get_type_hints(cls)
    specs = []
    for field in dataclasses.fields(cls):
        hint = hints[field.name]
        base, choices, item_type = _resolve_type(hint, cls, field.name)
        specs.append(
            ParamSpec(
                name=field.name,
                type=base,
                default=field.default,
                help=field.metadata.get("help", ""),
                choices=choices,
                item_type=item_type,
            )
        )
    return specs


def _resolve_type(
    hint: Any, cls: type, name: str
) -> tuple[type, tuple[Any, ...] | None, type | None]:
    origin = typing.get_origin(hint)
    if origin is Literal:
        choices = typing.get_args(hint)
        return type(choices[0]), choices, None
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis and args[0] in (int, float, str):
            return tuple, None, args[0]
    if hint in (bool, int, float, str):
        return hint, None, None
    if origin in (typing.Union, types.UnionType):
        raise TypeError(f"{cls.__name__}.{name}: optional parameters are not supported")
    raise TypeError(f"{cls.__name__}.{name}: unsupported parameter type {hint!r}")


def coerce_value(spec: ParamSpec, value: Any, *, where: str) -> Any:
    """Convert a TOML value or a command-line string to the spec's type.

    Raises ConfigError naming `where` (for example `head.dropout`) and the expected type.
    """
    try:
        result = _coerce(spec, value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"invalid value {value!r} for {where}: expected {spec.type_name}"
        ) from None
    if spec.choices is not None and result not in spec.choices:
        hint = _suggestion(str(result), [str(c) for c in spec.choices])
        raise ConfigError(
            f"invalid value {value!r} for {where}: choose one of "
            f"{', '.join(repr(c) for c in spec.choices)}{hint}"
        )
    return result


def _coerce(spec: ParamSpec, value: Any) -> Any:
    if spec.type is tuple:
        if isinstance(value, str):
            parts = [p.strip() for p in value.strip("[]()").split(",") if p.strip()]
        elif isinstance(value, (list, tuple)):
            parts = list(value)
        else:
            raise TypeError(value)
        return tuple(_scalar(spec.item_type, p) for p in parts)
    return _scalar(spec.type, value)


def _scalar(kind: type | None, value: Any) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "yes", "on", "1"):
            return True
        if isinstance(value, str) and value.lower() in ("false", "no", "off", "0"):
            return False
        raise ValueError(value)
    if kind is int:
        if isinstance(value, bool) or isinstance(value, float):
            raise TypeError(value)
        return int(value)
    if kind is float:
        if isinstance(value, bool):
            raise TypeError(value)
        return float(value)
    if kind is str:
        if not isinstance(value, str):
            raise TypeError(value)
        return value
    raise TypeError(kind)


def build_params(cls: type, values: Mapping[str, Any], *, where: str) -> Any:
    """Build a parameter instance from `values`, filling defaults.

    Unknown names raise ConfigError with a close-match suggestion. A ValueError from
    the class's `__post_init__` becomes a ConfigError naming `where`.
    """
    specs = {s.name: s for s in param_specs(cls)}
    kwargs = {}
    for key, value in values.items():
        if key not in specs:
            hint = _suggestion(key, list(specs))
            known = ", ".join(specs) or "none"
            raise ConfigError(
                f"unknown parameter {where}.{key}{hint} (parameters: {known})"
            )
        kwargs[key] = coerce_value(specs[key], value, where=f"{where}.{key}")
    try:
        return cls(**kwargs)
    except ValueError as error:
        raise ConfigError(f"invalid {where}: {error}") from None


def params_to_dict(params: Any) -> dict[str, Any]:
    """Return the parameter values as TOML-ready plain values (tuples become lists)."""
    result = {}
    for field in dataclasses.fields(params):
        value = getattr(params, field.name)
        result[field.name] = list(value) if isinstance(value, tuple) else value
    return result


def format_value(value: Any) -> str:
    """Format a parameter value the way `--set` accepts it back."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return ",".join(str(v) for v in value)
    return str(value)


def _suggestion(name: str, candidates: list[str]) -> str:
    matches = difflib.get_close_matches(name, candidates, n=1, cutoff=0.5)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def suggest(name: str, candidates: list[str]) -> str:
    """Return ' (did you mean ...?)' for the closest candidate, or ''."""
    return _suggestion(name, candidates)
