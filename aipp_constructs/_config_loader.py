"""A strict loader from YAML to frozen dataclasses, with errors that name the field and its line.

The dataclass is the schema: a field's type says what is accepted (``str``, ``int``,
``bool``, ``float``, ``X | None``, ``tuple[X, ...]``, ``Mapping[str, X]``, ``Literal[...]``
and nested dataclasses); ``field(metadata={"check": fn})`` adds a value rule, where ``fn``
is one of the ``_validation`` checks. Unknown keys, duplicate keys, missing required keys
and wrong types are all errors, and every one of them in a file is reported: each is a
:class:`ConfigError` of one line, ``<file>:<line>: <field path>: <problem>, got <value>;
<what to write>``, and a file with any is refused with a :class:`ConfigErrors` holding them
all, ordered by line.

A field whose value is wrong is reported once: a mapping with an error inside is not built,
so the checks that span several of its fields (``__post_init__``) and those of its parents
are skipped rather than reported against a value that is already known to be wrong.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import inspect
import re
import types
import typing
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

import yaml

__all__ = [
    "ConfigError",
    "ConfigErrors",
    "FieldProblem",
    "Loaded",
    "YamlDocument",
    "did_you_mean",
    "key_line",
    "key_text",
    "line_of",
    "load_dataclass",
    "load_dataclass_collecting",
    "load_yaml_file",
    "locate",
    "read_yaml",
]

T = TypeVar("T")

#: Where a message sends the reader when the schema has nothing more specific to say.
README_HINT = "see README.md, Environment files"


class ConfigError(ValueError):
    """One mistake in a configuration file; ``str(err)`` is a single line.

    ``FILE:LINE: field.path: problem``, or ``FILE: field.path: problem`` when the line is
    unknown, and without ``field.path: `` when the mistake is not in one field (a YAML
    syntax error, a duplicate key).

    Attributes:
        file: The file, as given.
        path: Dotted path of the offending field (``components.redis.storage_size``,
            ``ingress.routes[0].service``); empty when the mistake is not in one field.
        problem: What is wrong and what to write instead.
        line: 1-based line of the offending key (or list item) in the file; ``None`` when
            unknown or not in the file (the environment name comes from the file name).
    """

    def __init__(self, file: str, path: str, problem: str, line: int | None = None) -> None:
        self.file = file
        self.path = path
        self.problem = " ".join(problem.split())
        self.line = line
        location = f"{file}:{line}" if line is not None else file
        super().__init__(f"{location}: {path}: {self.problem}" if path else f"{location}: {self.problem}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.file, self.path, self.problem, self.line))


class ConfigErrors(ConfigError):
    """Every mistake found in one or more files; ``str(err)`` is one line per mistake.

    Nested :class:`ConfigErrors` are flattened; the order given is kept (:func:`load_dataclass`
    and ``load_environment`` order by line).

    Attributes:
        errors: The mistakes, at least one.
        file: The first mistake's file (also ``path``, ``problem`` and ``line``).
    """

    def __init__(self, errors: Iterable[ConfigError]) -> None:
        flat: list[ConfigError] = []
        for err in errors:
            flat.extend(err.errors if isinstance(err, ConfigErrors) else (err,))
        if not flat:
            raise ValueError("ConfigErrors needs at least one ConfigError")
        self.errors: tuple[ConfigError, ...] = tuple(flat)
        first = flat[0]
        self.file = first.file
        self.path = first.path
        self.problem = first.problem
        self.line = first.line
        ValueError.__init__(self, "\n".join(str(err) for err in flat))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.errors,))


class FieldProblem(ValueError):
    """What a value check (``metadata={"check": fn}``) or a ``__post_init__`` raises to report
    its problem at a field *inside* the value it checks, rather than at the value itself: a
    label of a mapping (``key="release"``), an item of a list (``key="[0]"``), or one field of
    a dataclass (``key="rabbitmq_management_host"``).

    Attributes:
        key: The field below the checked one: a key, ``[index]``, or a dotted path of them.
        problem: What is wrong and what to write, without the field's name.
    """

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"{key} {problem}")


# --- YAML with line numbers -------------------------------------------------------------

_MERGE_TAG = "tag:yaml.org,2002:merge"


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that records duplicate keys (PyYAML silently keeps the last one)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        #: (key, line of the repeated key, line of the first one)
        self.duplicates: list[tuple[Any, int, int]] = []


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        try:
            if key in seen:
                loader.duplicates.append((key, line, seen[key]))
            else:
                seen[key] = line
        except TypeError:  # an unhashable key: construct_mapping below reports it
            continue
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class YamlDocument(NamedTuple):
    """A parsed YAML document: its data, and its node tree (for line numbers)."""

    data: Any
    root: yaml.Node | None


#: Line breaks to YAML other than "\n" (a CR of a CRLF pair is fine).
_OTHER_LINE_BREAKS = frozenset("\r\x85\u2028\u2029")


def read_yaml(path: Path, display: str) -> YamlDocument:
    """Parse one YAML document, keeping its nodes for :func:`line_of`.

    Raises:
        ConfigErrors: the file cannot be read, is not valid YAML (the line of the error), or
            repeats a key (one error per repeated key, at its line).
    """
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ConfigErrors([ConfigError(display, "", f"cannot be read: {err.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise ConfigErrors(
            [
                ConfigError(
                    display,
                    "",
                    f"is not valid YAML at line {line}, column {column}: byte {raw[err.start]:#04x} is not UTF-8; "
                    "save the file as UTF-8 (YAML files are UTF-8 text)",
                    line=line,
                )
            ]
        ) from None
    # YAML also breaks lines at U+0085, U+2028 and U+2029 (and a lone CR), editors and this
    # loader's line numbers do not: refuse them, so that every line number stays right.
    odd = next((i for i, ch in enumerate(text) if ch in _OTHER_LINE_BREAKS and text[i : i + 2] != "\r\n"), None)
    if odd is not None:
        line = text.count("\n", 0, odd) + 1
        column = odd - (text.rfind("\n", 0, odd) + 1) + 1
        raise ConfigErrors(
            [
                ConfigError(
                    display,
                    "",
                    f"is not valid YAML at line {line}, column {column}: the character {ord(text[odd]):#06x} is a line "
                    "break to YAML but not to editors; remove it (end lines with a newline only)",
                    line=line,
                )
            ]
        )
    loader: _StrictLoader | None = None
    try:
        loader = _StrictLoader(text)  # reads the whole text: refuses unprintable characters
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as err:
        raise ConfigErrors([_yaml_error(display, text, err)]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if loader.duplicates:
        raise ConfigErrors(
            ConfigError(
                display,
                "",
                f"duplicate key {key!r} (first at line {first}); keep only one of them",
                line=line,
            )
            for key, line, first in sorted(loader.duplicates, key=lambda d: d[1])
        )
    return YamlDocument(data, root)


def _yaml_error(display: str, text: str, err: yaml.YAMLError) -> ConfigError:
    """A YAML syntax error as one line: where, what, and what to do."""
    if isinstance(err, yaml.reader.ReaderError):
        # A character YAML never accepts (a control character, U+FFFE...): no mark, a position.
        position = err.position if isinstance(err.position, int) else 0
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        character = err.character if isinstance(err.character, int) else ord(str(err.character)[:1] or "?")
        return ConfigError(
            display,
            "",
            f"is not valid YAML at line {line}, column {column}: the character {character:#06x} is not allowed "
            f"({err.reason}); remove it, or write it as an escape like \\u{character:04x} in a double-quoted string",
            line=line,
        )
    mark = getattr(err, "problem_mark", None)
    line = mark.line + 1 if mark else None
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
    problem = getattr(err, "problem", None) or str(err)
    context = getattr(err, "context", None)
    context_mark = getattr(err, "context_mark", None)
    opened = f" ({context} opened at line {context_mark.line + 1})" if context and context_mark else ""
    return ConfigError(
        display,
        "",
        f"is not valid YAML at {where}: {problem}{opened}; fix the indentation, quotes or brackets there",
        line=line,
    )


def load_yaml_file(path: Path, display: str) -> Any:
    """Parse one YAML document; syntax errors and duplicate keys become :class:`ConfigErrors`."""
    return read_yaml(path, display).data


_INDEX = re.compile(r"\[(\d+)\]\.?")


def line_of(root: yaml.Node | None, field_path: str) -> int | None:
    """The 1-based line of the deepest node of ``root`` along ``field_path``.

    ``field_path`` is dotted with list indexes (``ingress.routes[0].service``); keys may
    contain dots themselves (``controller_pod_labels.app.kubernetes.io/name``): the longest
    key that fits is taken. A mapping entry gives the line of its key, a list item the line
    of the item. When the path leaves the file (a missing key), the line of the last key
    found is given, and ``1`` when not even the first key is in the file. ``None`` when
    there is no document.
    """
    if root is None:
        return None
    return _walk(root, field_path)[1]


def _walk(root: yaml.Node, field_path: str) -> tuple[yaml.Node, int, str]:
    """(deepest node along ``field_path``, its line, the part of the path not found)."""
    node: yaml.Node = root
    line = 1
    rest = "" if field_path.startswith("(") else field_path  # "(top level)", "(chart)"
    while rest:
        if isinstance(node, yaml.MappingNode):
            best: tuple[str, yaml.Node, yaml.Node] | None = None
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = key_node.value
                fits = rest == key or rest.startswith((f"{key}.", f"{key}["))
                if fits and (best is None or len(key) > len(best[0])):
                    best = (key, key_node, value_node)
            if best is None:
                break
            key, key_node, node = best
            line = key_node.start_mark.line + 1
            rest = rest[len(key) :]
            rest = rest.removeprefix(".")
        elif isinstance(node, yaml.SequenceNode):
            match = _INDEX.match(rest)
            if not match or int(match.group(1)) >= len(node.value):
                break
            node = node.value[int(match.group(1))]
            line = node.start_mark.line + 1
            rest = rest[match.end() :]
        else:
            break
    return node, line, rest


def key_line(root: yaml.Node | None, path: str, key: Any) -> int | None:
    """The line of the key ``key`` (as loaded) in the mapping at ``path``, else of the mapping."""
    if root is None:
        return None
    node, line, rest = _walk(root, path)
    if rest or not isinstance(node, yaml.MappingNode):
        return line
    constructor = yaml.constructor.SafeConstructor()
    for key_node, _ in node.value:
        try:
            same = isinstance(key_node, yaml.ScalarNode) and constructor.construct_object(key_node) == key
        except yaml.YAMLError:
            same = False
        if same:
            return key_node.start_mark.line + 1
    return line if path else 1


@functools.lru_cache(maxsize=16)
def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def locate(text_or_path: str | Path, field_path: str) -> int | None:
    """The 1-based line of ``field_path`` in a YAML file or text (see :func:`line_of`).

    ``text_or_path`` is a :class:`~pathlib.Path`, a ``str`` naming an existing file (one
    line, no newline), or else the YAML text itself. Returns the line of the deepest node
    along the path that exists (the parent's key for a missing key, ``1`` for a missing
    top-level key); ``None`` when the file cannot be read or is not valid YAML.
    """
    if isinstance(text_or_path, Path) or ("\n" not in text_or_path and Path(text_or_path).is_file()):
        try:
            text = Path(text_or_path).read_text(encoding="utf-8")
        except OSError:
            return None
    elif "\n" not in text_or_path and text_or_path.endswith((".yaml", ".yml")):
        return None  # a file name of a file that is not there
    else:
        text = text_or_path
    return line_of(_compose(text), field_path)


# --- from data to dataclasses -----------------------------------------------------------

_BAD: Any = object()  # a value already reported as wrong


@dataclasses.dataclass(slots=True)
class Loaded(Generic[T]):
    """What :func:`load_dataclass_collecting` made of a mapping.

    Attributes:
        value: The dataclass, or ``None`` when any error was found.
        fields: Field name -> converted value, for every field that converted without error
            (absent optional fields hold their default), so that checks spanning several
            sections can run on the good ones.
        errors: Every error found, ordered by line.
    """

    value: T | None
    fields: dict[str, Any]
    errors: list[ConfigError]


class _Context:
    __slots__ = ("errors", "file", "root")

    def __init__(self, file: str, root: yaml.Node | None) -> None:
        self.file = file
        self.root = root
        self.errors: list[ConfigError] = []

    def error(self, path: str, problem: str, line: int | None | bool = True) -> Any:
        where = line_of(self.root, path) if line is True else line
        self.errors.append(ConfigError(self.file, path, problem, line=typing.cast("int | None", where)))
        return _BAD


def load_dataclass(cls: type[T], data: Any, *, file: str, path: str = "", root: yaml.Node | None = None) -> T:
    """Build ``cls`` from ``data``, or raise :class:`ConfigErrors` with every mistake.

    ``root`` is the YAML node tree ``data`` came from (:func:`read_yaml`), for line numbers.
    """
    loaded = load_dataclass_collecting(cls, data, file=file, path=path, root=root)
    if loaded.errors:
        raise ConfigErrors(loaded.errors)
    return typing.cast(T, loaded.value)


def load_dataclass_collecting(
    cls: type[T],
    data: Any,
    *,
    file: str,
    path: str = "",
    root: yaml.Node | None = None,
    given: Mapping[str, Any] | None = None,
) -> Loaded[T]:
    """Like :func:`load_dataclass`, but return the errors and the fields that converted.

    ``given`` holds field values that come from elsewhere than ``data`` (the environment
    name, from the file name): their keys are not accepted in ``data``, their checks run,
    and their errors carry no line.
    """
    ctx = _Context(file, root)
    top = path or "(top level)"
    if not isinstance(data, dict):
        ctx.error(top, f"must be a mapping, got {_show(data)}; write its settings as 'key: value' lines")
        return Loaded(None, {}, ctx.errors)
    converted = _convert_fields(ctx, cls, data, path, given or {})
    value = _build(ctx, cls, converted, path) if len(ctx.errors) == 0 else None
    good = {name: v for name, v in converted.items() if v is not _BAD}
    ctx.errors.sort(key=lambda e: e.line or 0)
    return Loaded(None if value is _BAD else value, good, ctx.errors)


def _convert(ctx: _Context, tp: Any, value: Any, path: str, meta: Mapping[str, Any], line: Any = True) -> Any:
    result = _convert_type(ctx, tp, value, path)
    check: Callable[[str, Any], Any] | None = meta.get("check")
    if check is not None and result is not _BAD and result is not None:
        try:
            check(path, result)
        except FieldProblem as err:
            sub = _join_key(path, err.key)
            return ctx.error(sub, with_fix(err.problem, None), line)
        except ValueError as err:
            return ctx.error(path, with_fix(_strip_field(str(err), path), result), line)
    return result


def _convert_type(ctx: _Context, tp: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert_type(ctx, inner, value, path)
    if dataclasses.is_dataclass(tp):
        return _convert_dataclass(ctx, tp, value, path)
    if origin is typing.Literal:
        if value not in args:
            allowed = ", ".join(repr(a) for a in args)
            close = did_you_mean(value, [a for a in args if isinstance(a, str)]) if isinstance(value, str) else None
            fix = f"did you mean {close!r}?" if close else "write one of these"
            return ctx.error(path, f"must be one of {allowed}, got {_show(value)}; {fix}")
        return value
    if origin is tuple:
        if not isinstance(value, list):
            scalar = isinstance(value, (str, int)) and not isinstance(value, bool)
            fix = f"write [{value}]" if scalar else "write a YAML list like [a, b]"
            return ctx.error(path, f"must be a list, got {_show(value)}; {fix}")
        items = [_convert_type(ctx, args[0], item, f"{path}[{i}]") for i, item in enumerate(value)]
        return _BAD if any(item is _BAD for item in items) else tuple(items)
    if origin in (Mapping, dict) or tp is Mapping:
        if not isinstance(value, dict):
            return ctx.error(
                path, f"must be a mapping, got {_show(value)}; write its keys indented under it, or {{key: value}}"
            )
        key_tp, value_tp = args
        out = {}
        bad = False
        for key, item in value.items():
            sub = f"{path}.{key_text(key)}"
            if _convert_type(ctx, key_tp, key, sub) is _BAD:
                bad = True
                continue
            out[key] = _convert_type(ctx, value_tp, item, sub)
            bad = bad or out[key] is _BAD
        return _BAD if bad else types.MappingProxyType(out)
    if tp is bool:
        if not isinstance(value, bool):
            return ctx.error(path, f"must be true or false, got {_show(value)}; write true or false, without quotes")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            fix = (
                f"write {value.strip()} without quotes"
                if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value)
                else "write a whole number like 2"
            )
            return ctx.error(path, f"must be an integer, got {_show(value)}; {fix}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return ctx.error(path, f"must be a number, got {_show(value)}; write a number without quotes")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            if isinstance(value, (dict, list)) or value is None:
                fix = "write one quoted value"
            else:
                fix = f'write "{_yaml_scalar(value)}"'
            return ctx.error(path, f"must be a string (quote it in YAML), got {_show(value)}; {fix}")
        control = next((c for c in value if unicodedata.category(c) in ("Cc", "Cs") and c not in "\t\n\r"), None)
        if control is not None:
            # YAML readers refuse them in the written manifests (and no Kubernetes name takes one).
            return ctx.error(
                path,
                f"must not contain the control character U+{ord(control):04X}, got {_show(value)}; remove it",
            )
        return value
    raise TypeError(f"unsupported config type {tp!r} at {path}")  # a schema bug, not user input


def _convert_dataclass(ctx: _Context, cls: Any, value: Any, path: str) -> Any:
    if not isinstance(value, dict):
        return ctx.error(
            path or "(top level)", f"must be a mapping, got {_show(value)}; write its keys indented under it"
        )
    before = len(ctx.errors)
    converted = _convert_fields(ctx, cls, value, path, {})
    if len(ctx.errors) > before:
        return _BAD
    return _build(ctx, cls, converted, path)


def _convert_fields(
    ctx: _Context, cls: Any, value: dict[Any, Any], path: str, given: Mapping[str, Any]
) -> dict[str, Any]:
    """Field name -> converted value (``_BAD`` if wrong); absent optional fields get their default."""
    hints, fields = _schema(cls)
    allowed = ", ".join(sorted(k for k in fields if k not in given))
    for key in value:
        if key not in fields or key in given:
            close = did_you_mean(str(key), [k for k in fields if k not in given and k not in value])
            hint = f"did you mean {close!r}? " if close else ""
            ctx.error(
                _join(path, key_text(key)),
                f"is not a known key; {hint}allowed here: {allowed}",
                line=key_line(ctx.root, path, key),
            )
    out: dict[str, Any] = {}
    for key, f in fields.items():
        sub = _join(path, key)
        if key in given:
            out[f.name] = _convert(ctx, hints[f.name], given[key], sub, f.metadata, line=None)
        elif key in value:
            out[f.name] = _convert(ctx, hints[f.name], value[key], sub, f.metadata)
        elif f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
        else:
            where = f"under '{path}'" if path else "at the top level"
            about = _field_doc(cls, f.name)
            out[f.name] = ctx.error(sub, f"is required; add '{key}:' {where} ({about or README_HINT})")
    return out


def _build(ctx: _Context, cls: Any, converted: dict[str, Any], path: str) -> Any:
    try:
        return cls(**converted)
    except FieldProblem as err:
        return ctx.error(_join_key(path, err.key), with_fix(err.problem, None))
    except ValueError as err:
        if isinstance(err, ConfigError):
            ctx.errors.extend(err.errors if isinstance(err, ConfigErrors) else (err,))
            return _BAD
        return ctx.error(path or "(top level)", with_fix(str(err), None))


@functools.cache
def _schema(cls: Any) -> tuple[dict[str, Any], dict[str, dataclasses.Field[Any]]]:
    hints = typing.get_type_hints(cls)
    # A field's YAML key is its name, or metadata["key"] where YAML wants a name Python
    # cannot spell (a Compose service called "enai-backend").
    fields = {f.metadata.get("key", f.name): f for f in dataclasses.fields(cls) if f.init}
    return hints, fields


_MARKUP = re.compile(r":\w+:`~?([^`]+)`|``([^`]+)``")


@functools.cache
def _field_doc(cls: Any, name: str) -> str:
    """The first sentence of the field's ``Attributes:`` entry, without markup; '' if none useful."""
    for klass in cls.__mro__:
        doc = inspect.getdoc(klass) or ""
        if "Attributes:" not in doc:
            continue
        entry = re.search(rf"^\s+{re.escape(name)}:(.*?)(?=^\s+\w+:|\Z)", doc.split("Attributes:", 1)[1], re.MULTILINE | re.DOTALL)
        if not entry:
            continue
        text = _MARKUP.sub(lambda m: m.group(1) or m.group(2), " ".join(entry.group(1).split()))
        sentences = [
            sentence.rstrip(".").strip()
            for sentence in re.split(r"(?<=[A-Za-z0-9)])\. (?=[A-Z])", text)
            if not sentence.startswith(("Required", "Defaults to", "See "))
        ]
        text = sentences[0] if sentences else ""
        if not text:
            return ""
        return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text
    return ""


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word`` (difflib, cutoff 0.6), or ``None``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


_DNS_FIX = re.compile(r"[^a-z0-9-]+")
_DNS_SUB_FIX = re.compile(r"[^a-z0-9.-]+")
#: A quoted value in a message (a Python ``repr`` of a string): its ``;`` is no advice.
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_RANGE = re.compile(r"\bfrom (-?[0-9]+) to (-?[0-9]+)\b")


def with_fix(message: str, value: Any) -> str:
    """``message``, with what to write appended when it does not say (no ``;`` after ``got``,
    outside the quoted values)."""
    unquoted = _QUOTED.sub("''", message)
    tail = unquoted[unquoted.rfind("got ") :] if "got " in unquoted else unquoted
    if ";" in tail:
        return message
    if "DNS-1123 label" in message or "DNS-1123 subdomain" in message:
        pattern = _DNS_FIX if "label" in message else _DNS_SUB_FIX
        suggestion = pattern.sub("-", str(value).lower()).strip("-.")[:63] if isinstance(value, str) else ""
        if suggestion and suggestion != value:
            return f"{message}; write e.g. {suggestion!r}"
        return f"{message}; write e.g. 'my-name'"
    if "port number" in message:
        return f"{message}; write a number between 1 and 65535"
    bounds = _RANGE.search(message)
    if bounds:
        return f"{message}; write a whole number from {bounds.group(1)} to {bounds.group(2)}"
    if "CPU quantity" in message:
        return f"{message}; write e.g. '250m' or \"2\", quoted"
    if "image tag" in message:
        return f"{message}; write a released tag like 'v1.0.0'"
    if "sha256:" in message:
        return f"{message}; write the digest the registry reports or remove the key"
    if " like " in message:
        return f"{message}; write it in that form"
    return f"{message}; {README_HINT}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _join_key(path: str, key: str) -> str:
    """``path`` and a :class:`FieldProblem` key below it (``release``, ``[0]``, ``a.b``, or ``''``)."""
    if not key:
        return path or "(top level)"
    return f"{path}{key}" if key.startswith("[") else _join(path, key)


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")


def key_text(key: Any) -> str:
    """A mapping key as a field path shows it: as written when it is a plain name, quoted
    (``''``, ``'a b'``, ``'x\\n'``) otherwise, so that a path is always one readable line."""
    text = str(key)
    return text if _PLAIN_KEY.fullmatch(text) and ".." not in text else repr(text)


def _strip_field(message: str, path: str) -> str:
    """Drop the leading field name of a check message: the path already names it."""
    return message[len(path) :].lstrip() if message.startswith(path) else message
