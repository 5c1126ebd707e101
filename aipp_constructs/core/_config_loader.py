"""A strict loader from YAML to frozen pydantic models, with errors that name the field and its line.

The model is the schema (:class:`ConfigModel`: strict, unknown keys forbidden, frozen): a
field's annotation says what is accepted (``Text``, ``int``, ``bool``, ``float``, ``X | None``,
:data:`ListOf`, :data:`MapOf`, ``Literal[...]`` and nested models), and
``Annotated[..., checked(fn)]`` adds a value rule, where ``fn`` is one of the ``_validation``
checks. pydantic finds the mistakes; this module reads the file (:func:`read_yaml`: duplicate
keys and YAML's odd corners refused, line numbers kept) and turns each mistake into a
:class:`ConfigError` of one line, ``<file>:<line>: <field path>: <problem>, got <value>;
<what to write>``. A file with any is refused with a :class:`ConfigErrors` holding them all,
ordered by line. The same models give the JSON Schema editors read
(``schemas/environment.schema.json``).

A field whose value is wrong is reported once: a mapping with an error inside is not built,
so the checks that span several of its fields (``model_validator``) and those of its parents
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
from typing import Annotated, Any, Generic, NamedTuple, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

__all__ = [
    "ConfigError",
    "ConfigErrors",
    "ConfigModel",
    "FieldProblem",
    "ListOf",
    "Loaded",
    "MapOf",
    "Text",
    "YamlDocument",
    "attribute_docs",
    "checked",
    "did_you_mean",
    "field_paths",
    "key_line",
    "key_text",
    "line_of",
    "load_model",
    "load_yaml_file",
    "locate",
    "read_yaml",
    "summary",
]

#: Where a message sends the reader when the schema has nothing more specific to say.
DOCS_HINT = "see docs/environment-files.md"


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

    Nested :class:`ConfigErrors` are flattened; the order given is kept (:func:`load_model`
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
    """What a value check (:func:`checked`) or a ``model_validator`` raises to report
    its problem at a field *inside* the value it checks, rather than at the value itself: a
    label of a mapping (``key="release"``), an item of a list (``key="[0]"``), or one field of
    a model (``key="rabbitmq_management_host"``).

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
    at: int | None = mark.line + 1 if mark else None
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
    problem = getattr(err, "problem", None) or str(err)
    context = getattr(err, "context", None)
    context_mark = getattr(err, "context_mark", None)
    opened = f" ({context} opened at line {context_mark.line + 1})" if context and context_mark else ""
    return ConfigError(
        display,
        "",
        f"is not valid YAML at {where}: {problem}{opened}; fix the indentation, quotes or brackets there",
        line=at,
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
            return int(key_node.start_mark.line) + 1
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


# --- pydantic models, and their errors in the one-line form ------------------------------

#: Stands for the field path in a check's message (the check runs before the path is known);
#: replaced by the path when the error is reported.
_FIELD = "\x00field\x00"


class ConfigModel(BaseModel):
    """Base of the models of a configuration file: strict types (``"2"`` is no integer,
    ``yes`` no string), unknown keys refused, instances frozen.

    A field's annotation says what is accepted; :data:`Text` for strings (no control
    characters), :data:`ListOf` for lists, :data:`MapOf` for mappings, and
    ``Annotated[..., checked(fn)]`` adds a value rule where ``fn(field_path, value)`` is one of
    the ``_validation`` checks. Checks across fields are ``@model_validator(mode="after")``
    methods raising :class:`ValueError` (reported at the model) or :class:`FieldProblem`
    (reported at one of its fields). :func:`load_model` reads a mapping into a model and turns
    pydantic's errors into :class:`ConfigError` lines.
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, hide_input_in_errors=False)


def checked(check: Callable[[str, Any], object]) -> AfterValidator:
    """A pydantic validator running ``check(field_path, value)`` on a value that is not ``None``;
    the path in its message is filled in when the error is reported."""

    def run(value: Any) -> Any:
        if value is not None:
            check(_FIELD, value)
        return value

    return AfterValidator(run)


def _plain_text(value: str) -> str:
    control = next((c for c in value if unicodedata.category(c) in ("Cc", "Cs") and c not in "\t\n\r"), None)
    if control is not None:
        # YAML readers refuse them in the written manifests (and no Kubernetes name takes one).
        raise ValueError(f"must not contain the control character U+{ord(control):04X}, got {_show(value)}; remove it")
    return value


def _as_tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


#: A string without control characters (tab and line breaks allowed).
Text = Annotated[str, AfterValidator(_plain_text)]

_T = TypeVar("_T")

#: A YAML list of ``_T``, held as a tuple: ``ListOf[int]``.
ListOf = Annotated[tuple[_T, ...], BeforeValidator(_as_tuple)]
#: A YAML mapping of :data:`Text` keys to ``_T``, held read-only: ``MapOf[Text]``.
MapOf = Annotated[Mapping[Text, _T], AfterValidator(types.MappingProxyType)]


M = TypeVar("M", bound=BaseModel)


@dataclasses.dataclass(slots=True)
class Loaded(Generic[M]):
    """What :func:`load_model` made of a mapping.

    Attributes:
        value: The model, or ``None`` when any error was found.
        errors: Every error found, ordered by line.
    """

    value: M | None
    errors: list[ConfigError]


def load_model(
    cls: type[M],
    data: Any,
    *,
    file: str,
    root: yaml.Node | None = None,
    given: Mapping[str, Any] | None = None,
) -> Loaded[M]:
    """Validate ``data`` (a mapping read by :func:`read_yaml`) as ``cls``, collecting every mistake.

    ``root`` is the YAML node tree ``data`` came from, for line numbers. ``given`` holds field
    values that come from elsewhere than ``data`` (the environment name, from the file name):
    their keys are not accepted in ``data``, their checks run, and their errors carry no line.
    """
    given = given or {}
    errors: list[ConfigError] = []
    if not isinstance(data, dict):
        errors.append(
            ConfigError(
                file,
                "(top level)",
                f"must be a mapping, got {_show(data)}; write its settings as 'key: value' lines",
                line=line_of(root, ""),
            )
        )
        return Loaded(None, errors)
    for key in data:
        if key in given:
            errors.append(_unknown_key(cls, data, key, "", file, root, given))
    try:
        value = cls.model_validate({**{k: v for k, v in data.items() if k not in given}, **given})
    except ValidationError as err:
        for problem in err.errors(include_url=False):
            errors.extend(_config_errors(cls, data, problem, file, root, given))
        value = None
    errors.sort(key=lambda e: e.line or 0)
    return Loaded(None if errors else value, errors)


def _config_errors(
    cls: type[BaseModel],
    data: dict[Any, Any],
    problem: ErrorDetails,
    file: str,
    root: yaml.Node | None,
    given: Mapping[str, Any],
) -> list[ConfigError]:
    """One pydantic error as :class:`ConfigError` lines (more than one for nested ConfigErrors)."""
    loc = tuple(problem["loc"])
    kind = problem["type"]
    value = problem.get("input")
    if kind == "extra_forbidden":
        parent = _model_at(cls, loc[:-1])
        raw = _raw(data, loc[:-1])
        return [_unknown_key(parent, raw, loc[-1], _path(cls, loc[:-1]), file, root, given if not loc[:-1] else {})]
    path = _path(cls, loc)
    line: int | None = None if loc[:1] and loc[0] in given else line_of(root, path)

    def error(message: str, at: str = path) -> list[ConfigError]:
        return [ConfigError(file, at or "(top level)", message, line=line if at == path else line_of(root, at))]

    if kind == "missing":
        parent = _model_at(cls, loc[:-1])
        key = str(loc[-1])
        parent_path = _path(cls, loc[:-1])
        where = f"under '{parent_path}'" if parent_path else "at the top level"
        name = _field_name(parent, key)
        about = _field_doc(parent, name) if name else ""
        return error(f"is required; add '{key}:' {where} ({about or DOCS_HINT})")
    if kind in ("value_error", "assertion_error"):
        exc = (problem.get("ctx") or {}).get("error")
        if isinstance(exc, ConfigErrors):
            return list(exc.errors)
        if isinstance(exc, ConfigError):
            return [exc]
        if isinstance(exc, FieldProblem):
            return error(with_fix(exc.problem, None), _join_key(path, exc.key))
        message = str(exc) if exc is not None else problem["msg"]
        message = _strip_field(message.replace(_FIELD, path), path)
        _, tp = _resolve(cls, loc)
        model_level = isinstance(tp, type) and issubclass(tp, BaseModel)
        return error(with_fix(message, None if model_level else value))
    show = _show(value)
    if kind == "literal_error":
        _, tp = _resolve(cls, loc)
        args = typing.get_args(tp)
        allowed = ", ".join(repr(a) for a in args)
        close = did_you_mean(value, [a for a in args if isinstance(a, str)]) if isinstance(value, str) else None
        fix = f"did you mean {close!r}?" if close else "write one of these"
        return error(f"must be one of {allowed}, got {show}; {fix}")
    if kind == "tuple_type":
        scalar = isinstance(value, (str, int)) and not isinstance(value, bool)
        fix = f"write [{value}]" if scalar else "write a YAML list like [a, b]"
        return error(f"must be a list, got {show}; {fix}")
    if kind in ("dict_type", "mapping_type"):
        return error(f"must be a mapping, got {show}; write its keys indented under it, or {{key: value}}")
    if kind in ("model_type", "model_attributes_type", "dataclass_type"):
        return error(f"must be a mapping, got {show}; write its keys indented under it")
    if kind == "bool_type":
        return error(f"must be true or false, got {show}; write true or false, without quotes")
    if kind in ("int_type", "int_from_float"):
        fix = (
            f"write {value.strip()} without quotes"
            if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value)
            else "write a whole number like 2"
        )
        return error(f"must be an integer, got {show}; {fix}")
    if kind == "float_type":
        return error(f"must be a number, got {show}; write a number without quotes")
    if kind == "string_type":
        fix = (
            "write one quoted value"
            if isinstance(value, (dict, list)) or value is None
            else f'write "{_yaml_scalar(value)}"'
        )
        return error(f"must be a string (quote it in YAML), got {show}; {fix}")
    return error(f"{problem['msg'][:1].lower()}{problem['msg'][1:]}, got {show}; {DOCS_HINT}")


def _unknown_key(
    cls: type[BaseModel] | None,
    raw: Any,
    key: Any,
    path: str,
    file: str,
    root: yaml.Node | None,
    given: Mapping[str, Any],
) -> ConfigError:
    keys = [k for k in _keys(cls) if k not in given] if cls is not None else []
    present = raw if isinstance(raw, dict) else {}
    close = did_you_mean(str(key), [k for k in keys if k not in present])
    hint = f"did you mean {close!r}? " if close else ""
    return ConfigError(
        file,
        _join(path, key_text(key)),
        f"is not a known key; {hint}allowed here: {', '.join(sorted(keys))}",
        line=key_line(root, path, key),
    )


def _keys(cls: type[BaseModel]) -> list[str]:
    """The YAML keys of a model: its fields' aliases, or names."""
    return [f.alias or name for name, f in cls.model_fields.items()]


def _field_name(cls: type[BaseModel] | None, key: str) -> str | None:
    if cls is None:
        return None
    return next((name for name, f in cls.model_fields.items() if (f.alias or name) == key), None)


def _unwrap(tp: Any) -> Any:
    """``tp`` without ``Annotated`` and ``| None``."""
    while True:
        if typing.get_origin(tp) is Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            inner = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(inner) == 1:
                tp = inner[0]
                continue
        return tp


def _resolve(cls: type[BaseModel], loc: tuple[Any, ...]) -> tuple[type[BaseModel] | None, Any]:
    """The model that holds the last element of ``loc`` (``None`` if not a model), and the type at ``loc``."""
    tp: Any = cls
    holder: type[BaseModel] | None = None
    for part in loc:
        tp = _unwrap(tp)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            holder = tp
            name = _field_name(tp, str(part))
            if name is None:
                return holder, None
            tp = tp.model_fields[name].annotation
        elif origin is tuple:
            holder, tp = None, typing.get_args(tp)[0]
        elif origin in (Mapping, dict):
            holder = None
            tp = typing.get_args(tp)[0] if part == "[key]" else typing.get_args(tp)[1]
        else:
            return None, None
    return holder, _unwrap(tp)


def _model_at(cls: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model at ``loc``, or ``None`` when the value there is not a model."""
    _, tp = _resolve(cls, loc)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _path(cls: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """The field path of ``loc`` as messages show it: ``a.b[0].c``, mapping keys as :func:`key_text`."""
    path = ""
    for index, part in enumerate(loc):
        if part == "[key]":
            continue
        _, tp = _resolve(cls, loc[:index])
        if typing.get_origin(tp) is tuple and isinstance(part, int):
            path += f"[{part}]"
        else:
            path = _join(path, key_text(part))
    return path


def field_paths(cls: type[BaseModel]) -> frozenset[str]:
    """Every field path of a model's file (``wait.attempts``, ``components.redis.resources``...):
    keys as written in the file, list indexes and mapping keys left out."""
    paths: set[str] = set()

    def walk(model: type[BaseModel], prefix: str) -> None:
        for key in _keys(model):
            dotted = f"{prefix}{key}"
            paths.add(dotted)
            _, tp = _resolve(model, (key,))
            pending = [tp]
            while pending:
                inner = _unwrap(pending.pop())
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    walk(inner, f"{dotted}.")
                else:
                    pending.extend(typing.get_args(inner))

    walk(cls, "")
    return frozenset(paths)


def _raw(data: Any, loc: tuple[Any, ...]) -> Any:
    """The value of the input at ``loc``, or ``None``."""
    for part in loc:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


_MARKUP = re.compile(r":\w+:`~?([^`]+)`|``([^`]+)``")


@functools.cache
def _field_doc(cls: Any, name: str) -> str:
    """The first sentence of the field's ``Attributes:`` entry (:func:`attribute_docs`); '' if none useful."""
    sentences = [
        sentence.rstrip(".").strip()
        for sentence in re.split(r"(?<=[A-Za-z0-9)])\. (?=[A-Z])", attribute_docs(cls).get(name, ""))
        if not sentence.startswith(("Required", "Defaults to", "See "))
    ]
    text = sentences[0] if sentences else ""
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def attribute_docs(cls: type) -> dict[str, str]:
    """Field name -> its ``Attributes:`` entry in the docstrings of ``cls`` and its bases, as
    one line of plain text (reST markup removed); the subclass's entry wins."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        doc = inspect.getdoc(klass) if "__doc__" in vars(klass) else None
        if not doc or "Attributes:" not in doc or klass is BaseModel:
            continue
        section = doc.split("Attributes:", 1)[1]
        for entry in re.finditer(r"^([ \t]+)(\w+):(.*?)(?=^\1\w+:|^\S|\Z)", section, re.MULTILINE | re.DOTALL):
            docs[entry.group(2)] = _MARKUP.sub(lambda m: m.group(1) or m.group(2), " ".join(entry.group(3).split()))
    return docs


def summary(cls: type) -> str:
    """The first paragraph of the docstring of ``cls``, as one line of plain text."""
    doc = (inspect.getdoc(cls) or "").split("\n\n", 1)[0]
    return _MARKUP.sub(lambda m: m.group(1) or m.group(2), " ".join(doc.split()))


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
    return f"{message}; {DOCS_HINT}"


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
