"""A strict loader from parsed YAML to frozen dataclasses, with errors that name the field.

The dataclass is the schema: a field's type says what is accepted (``str``, ``int``,
``bool``, ``float``, ``X | None``, ``tuple[X, ...]``, ``Mapping[str, X]``, ``Literal[...]``
and nested dataclasses); ``field(metadata={"check": fn})`` adds a value rule, where ``fn``
is one of the ``_validation`` checks. Unknown keys, duplicate keys, missing required keys
and wrong types are all errors. Every error is a :class:`ConfigError` with one line:
``<file>: <field path>: <problem>, got <value>; <what is allowed>``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

__all__ = ["ConfigError", "load_dataclass", "load_yaml_file"]

T = TypeVar("T")


class ConfigError(ValueError):
    """A configuration file that cannot be used; ``str(err)`` is a single line.

    Attributes:
        file: The file, as given.
        path: Dotted path of the offending field (``components.redis.storage_size``).
        problem: What is wrong and what is allowed.
    """

    def __init__(self, file: str, path: str, problem: str) -> None:
        self.file = file
        self.path = path
        self.problem = " ".join(problem.split())
        location = f"{file}: {path}" if path else file
        super().__init__(f"{location}: {self.problem}")


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_file(path: Path, display: str) -> Any:
    """Parse one YAML document; syntax errors and duplicate keys become :class:`ConfigError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(display, "", f"cannot be read: {err.strerror}") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError(display, "", f"is not valid YAML at {where}: {problem}") from None


def load_dataclass(cls: type[T], data: Any, *, file: str, path: str = "") -> T:
    """Build ``cls`` from ``data`` or raise :class:`ConfigError` naming the field."""
    return typing.cast(T, _convert(cls, data, file, path, None))


def _convert(tp: Any, value: Any, file: str, path: str, check: Callable[[str, Any], Any] | None) -> Any:
    result = _convert_type(tp, value, file, path)
    if check is not None and result is not None:
        try:
            check(path, result)
        except ValueError as err:
            raise ConfigError(file, path, _strip_field(str(err), path)) from None
    return result


def _convert_type(tp: Any, value: Any, file: str, path: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert_type(inner, value, file, path)
    if dataclasses.is_dataclass(tp):
        return _convert_dataclass(tp, value, file, path)
    if origin is typing.Literal:
        if value not in args:
            allowed = ", ".join(repr(a) for a in args)
            raise ConfigError(file, path, f"must be one of {allowed}, got {value!r}")
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(file, path, f"must be a list, got {value!r}")
        return tuple(_convert_type(args[0], item, file, f"{path}[{i}]") for i, item in enumerate(value))
    if origin in (Mapping, dict) or tp is Mapping:
        if not isinstance(value, dict):
            raise ConfigError(file, path, f"must be a mapping, got {value!r}")
        key_tp, value_tp = args
        out = {}
        for key, item in value.items():
            _convert_type(key_tp, key, file, f"{path}.{key}")
            out[key] = _convert_type(value_tp, item, file, f"{path}.{key}")
        return types.MappingProxyType(out)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(file, path, f"must be true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(file, path, f"must be an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(file, path, f"must be a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(file, path, f"must be a string (quote it in YAML), got {value!r}")
        return value
    raise TypeError(f"unsupported config type {tp!r} at {path}")  # a schema bug, not user input


def _convert_dataclass(cls: Any, value: Any, file: str, path: str) -> Any:
    if not isinstance(value, dict):
        raise ConfigError(file, path or "(top level)", f"must be a mapping, got {value!r}")
    hints = typing.get_type_hints(cls)
    # A field's YAML key is its name, or metadata["key"] where YAML wants a name Python
    # cannot spell (a Compose service called "enai-backend").
    fields = {f.metadata.get("key", f.name): f for f in dataclasses.fields(cls) if f.init}
    for key in value:
        if key not in fields:
            allowed = ", ".join(sorted(fields))
            raise ConfigError(file, _join(path, str(key)), f"is not a known key; allowed here: {allowed}")
    kwargs = {}
    for key, f in fields.items():
        sub = _join(path, key)
        if key not in value:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(file, sub, "is required")
            continue
        kwargs[f.name] = _convert(hints[f.name], value[key], file, sub, f.metadata.get("check"))
    try:
        return cls(**kwargs)
    except ValueError as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(file, path or "(top level)", str(err)) from None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _strip_field(message: str, path: str) -> str:
    """Drop the leading field name of a check message: the path already names it."""
    return message[len(path) :].lstrip() if message.startswith(path) else message
