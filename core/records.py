"""Typed records at the JSON edge: one reader and one writer for every dataclass that is stored as a
JSON object (events, summaries, sweep files, queue entries).

`record_from_json(cls, data)` checks each field against the type the dataclass declares and builds
it, nested records and enums included; unknown keys (a newer version's fields) are left out, a
wrong type raises `RecordError` naming the field. JSON has no NaN or infinity: `to_json_value`
writes them as text, and the reader turns that text back into a number only where the field is a
number (a sentence that says "nan" stays a sentence)."""

from __future__ import annotations

import dataclasses
import enum
import functools
import math
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from sst2_tui.core.errors import quote

R = TypeVar("R")

NONFINITE_TEXT = ("nan", "inf", "-inf")


class RecordError(ValueError):
    """A JSON object does not fit the record: names the field and what it held."""



class Word(str, enum.Enum):
    """An enum whose members are the words the JSON holds (`"look"`, `"going on"`): written, shown
    and compared as that word, typed everywhere past the JSON edge (as `Status` is)."""

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

def to_json_value(value: object) -> object:
    """A record (or any value inside one) as plain JSON values: enums as their value, NaN and
    infinities as text, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Mapping):
        return {k: to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_value(v) for v in value]
    return value


def value_matches(value: object, hint: Any) -> bool:
    """Whether a value read back from JSON has the type a field declares (lists item by item,
    dicts by their own type only, records and enums by what they accept). Booleans are not numbers."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or hint is object:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(value_matches(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return any(value == member.value for member in hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return isinstance(value, Mapping) and record_problem(hint, value) is None
    if origin in (list, tuple) or hint in (list, tuple):
        item = args[0] if args else Any
        return isinstance(value, list | tuple) and all(value_matches(v, item) for v in value)
    if origin is dict or hint is dict or origin is Mapping:
        return isinstance(value, Mapping)
    return isinstance(value, hint) if isinstance(hint, type) else True


def _convert(value: object, hint: Any) -> object:
    """A value that `value_matches(value, hint)` as the type the field declares."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in args:  # the first member that takes it: `float | None` keeps None, `int | str` keeps 3
            if value_matches(value, arg):
                return _convert(value, arg)
        return value
    if hint is float and isinstance(value, int):
        return float(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, Mapping):
        reader = getattr(hint, "from_json", None)  # a record with a reader of its own (RunConfig: older files)
        return reader(value) if reader is not None else record_from_json(hint, value)
    if origin is tuple and isinstance(value, list | tuple):
        return tuple(_convert(v, args[0]) for v in value) if args else tuple(value)
    if origin is list and isinstance(value, list | tuple):
        return [_convert(v, args[0]) for v in value] if args else list(value)
    return value


def restore_nonfinite(value: object, hint: Any) -> object:
    """NaN and infinities that JSON had to write as text, back as numbers where the field is a number."""
    if isinstance(value, str) and value in NONFINITE_TEXT and value_matches(0.5, hint):
        return float(value)
    return value


@functools.cache
def field_types(cls: type) -> dict[str, Any]:  # type hints: typing's own values
    """Each init field of a dataclass and the type it declares."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.init}


def _required(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls)
                 if f.init and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)


def record_problem(cls: type, data: Mapping[str, object]) -> str | None:
    """Why `data` cannot be read as a `cls`, or None."""
    hints = field_types(cls)
    for name, value in data.items():
        if name in hints and not value_matches(value := restore_nonfinite(value, hints[name]), hints[name]):
            return f"field {name!r} is {quote(value, 40)}, not {type_name(hints[name])}"
    for name in _required(cls):
        if name not in data:
            return f"field {name!r} is missing"
    return None


def record_from_json(cls: type[R], data: Mapping[str, object]) -> R:
    """`data` as a `cls`; raises RecordError naming the first field that does not fit."""
    if (problem := record_problem(cls, data)) is not None:
        raise RecordError(problem)
    hints = field_types(cls)  # type: ignore[arg-type]  # a dataclass type is hashable
    return cls(**{name: _convert(restore_nonfinite(value, hints[name]), hints[name]) for name, value in data.items() if name in hints})


def type_name(hint: Any) -> str:
    """A field's type in words, for a one-line message."""
    names = {int: "a whole number", float: "a number", str: "text", dict: "an object", list: "a list",
             tuple: "a list", bool: "true or false", type(None): "null"}
    args = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)

    def one(arg: Any) -> str:
        if isinstance(arg, type) and issubclass(arg, enum.Enum):
            return "one of " + ", ".join(str(member.value) for member in arg)
        if isinstance(arg, type) and dataclasses.is_dataclass(arg):
            return "an object"
        return names.get(typing.get_origin(arg) or arg, str(arg))

    return " or ".join(one(a) for a in args)
