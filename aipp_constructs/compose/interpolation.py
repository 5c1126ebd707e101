"""Variable interpolation and ``.env`` files, as Docker Compose does them.

:func:`interpolate` substitutes every form of the Compose Specification (its "Interpolation"
section) in one string:

=====================  ==========================================================================
``$VAR``, ``${VAR}``    the value; an unset variable is ``""`` and a note (Compose warns)
``${VAR:-default}``     ``default`` when VAR is unset or empty
``${VAR-default}``      ``default`` when VAR is unset
``${VAR:?message}``     an error when VAR is unset or empty
``${VAR?message}``      an error when VAR is unset
``${VAR:+alternate}``   ``alternate`` when VAR is set and not empty, else ``""``
``${VAR+alternate}``    ``alternate`` when VAR is set, else ``""``
``$$``                  a literal ``$``
=====================  ==========================================================================

A default or alternate is itself interpolated, so ``${A:-${B:-x}}`` nests. A ``$`` not followed by
a name, ``{`` or ``$`` is kept as written (``$1`` stays ``$1``), as Compose does; ``${`` that does
not open a valid expression is an error. Like compose-go, the expression ends at the first ``}``
that closes the ``${`` openings seen so far, so ``${URL:-http://h/e/{hook_id}}`` is
``http://h/e/{hook_id}``.

:func:`read_env_file` reads a ``.env`` (or ``env_file:``) file: ``KEY=VALUE`` lines, an optional
``export`` prefix, ``#`` comments, single quotes (literal), double quotes (``\\n`` escapes, and
interpolated) and unquoted values (an inline `` #`` comment removed, interpolated), where a value
may use the variables set on the lines above it.

:func:`interpolation_environment` gives the variables of a project in Compose's precedence: the
shell environment over the ``--env-file`` files (a later file over an earlier one), or over the
``.env`` beside the Compose file when no ``--env-file`` is given.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

__all__ = [
    "Interpolated",
    "InterpolationError",
    "Resolution",
    "interpolate",
    "interpolation_environment",
    "read_env_file",
]

_NAME = re.compile(r"[_A-Za-z][_A-Za-z0-9]*")
_OPERATORS = (":-", ":?", ":+", "-", "?", "+")


class InterpolationError(ValueError):
    """A ``${VAR:?message}`` without a value, or a malformed ``${...}``; the text says which."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """What :func:`interpolate` did to one string.

    Attributes:
        value: The text after interpolation.
        references: Every variable the text names, in order of first use (defaults included).
        unset: The referenced variables that were not set (a default or ``""`` was used).
        blank: The variables that were not set and had no default: substituted by ``""``
            (Compose warns about each).
    """

    value: str
    references: tuple[str, ...] = ()
    unset: tuple[str, ...] = ()
    blank: tuple[str, ...] = ()


class Interpolated(str):
    """A string value after interpolation that remembers how it was written.

    It is a ``str`` (the resolved value), so the rest of the reader, the schema validation
    included, sees the value Compose would see; :attr:`raw`, :attr:`references` and
    :attr:`unset` keep the text as written and the variables it used.
    """

    raw: str
    references: tuple[str, ...]
    unset: tuple[str, ...]

    def __new__(cls, resolution: Resolution, raw: str) -> Self:
        """The resolved value of ``raw``."""
        self = super().__new__(cls, resolution.value)
        self.raw = raw
        self.references = resolution.references
        self.unset = resolution.unset
        return self


@dataclass
class _State:
    references: list[str] = field(default_factory=list)
    unset: list[str] = field(default_factory=list)
    blank: list[str] = field(default_factory=list)

    def use(self, name: str, is_set: bool) -> None:
        if name not in self.references:
            self.references.append(name)
        if not is_set and name not in self.unset:
            self.unset.append(name)


def _closing_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``${`` whose content starts at ``start``; -1 when none."""
    depth = 1
    index = start
    while index < len(text):
        if text.startswith("${", index):
            depth += 1
            index += 2
            continue
        if text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return -1


def _substitute(text: str, env: Mapping[str, str], state: _State) -> str:
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "$" or index + 1 >= len(text):
            out.append(char)
            index += 1
            continue
        following = text[index + 1]
        if following == "$":
            out.append("$")
            index += 2
            continue
        if following != "{":
            match = _NAME.match(text, index + 1)
            if match is None:
                out.append(char)
                index += 1
                continue
            name = match.group()
            state.use(name, name in env)
            if name not in env and name not in state.blank:
                state.blank.append(name)
            out.append(env.get(name, ""))
            index = match.end()
            continue
        end = _closing_brace(text, index + 2)
        if end < 0:
            raise InterpolationError(f"{text!r} has '${{' without its closing '}}'; write ${{VAR}} or $$ for a '$'")
        out.append(_braced(text[index + 2 : end], text, env, state))
        index = end + 1
    return "".join(out)


def _in(text: str) -> str:
    return f"{text!r}: " if text else ""


def _braced(body: str, text: str, env: Mapping[str, str], state: _State) -> str:
    if text == f"${{{body}}}":
        text = ""  # the error names the expression once
    match = _NAME.match(body)
    if match is None:
        raise InterpolationError(
            f"{_in(text)}'${{{body}}}' is not a variable; write ${{NAME}}, ${{NAME:-default}}... or $$ for a '$'"
        )
    name = match.group()
    rest = body[match.end() :]
    operator = next((op for op in _OPERATORS if rest.startswith(op)), None)
    if rest and operator is None:
        raise InterpolationError(
            f"{_in(text)}'${{{body}}}' has {rest[0]!r} after the name; write one of "
            "${NAME:-default} ${NAME-default} ${NAME:?error} ${NAME?error} ${NAME:+alt} ${NAME+alt}"
        )
    value = env.get(name)
    state.use(name, value is not None)
    if operator is None:
        if value is None and name not in state.blank:
            state.blank.append(name)
        return value or ""
    argument = rest[len(operator) :]
    empty_counts = operator.startswith(":")
    missing = value is None or (empty_counts and value == "")
    if operator in (":-", "-"):
        return _substitute(argument, env, state) if missing else str(value)
    if operator in (":+", "+"):
        return "" if missing else _substitute(argument, env, state)
    if missing:
        message = _substitute(argument, env, state) or ("unset or empty" if empty_counts else "unset")
        raise InterpolationError(f"required variable {name} is missing a value: {message}")
    return str(value)


def interpolate(text: str, env: Mapping[str, str]) -> Resolution:
    """Substitutes the variables of ``text`` (module documentation).

    Args:
        text: A string value of the Compose file.
        env: The variables (:func:`interpolation_environment`).

    Raises:
        InterpolationError: ``${VAR:?message}`` or ``${VAR?message}`` without a value, or a
            malformed ``${...}``.
    """
    if "$" not in text:
        return Resolution(text)
    state = _State()
    value = _substitute(text, env, state)
    return Resolution(value, tuple(state.references), tuple(state.unset), tuple(state.blank))


# --------------------------------------------------------------------------------------------
# .env files.

# ``\$`` in double quotes is a literal ``$``: kept as ``$$`` so that interpolation leaves it.
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "$": "$$"}


def _double_quoted(body: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body) and body[index + 1] in _ESCAPES:
            out.append(_ESCAPES[body[index + 1]])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _closing_quote(value: str, quote: str) -> int:
    """Index of the quote that closes ``value[0]``; -1 when none (``\\"`` escapes in ``"``)."""
    index = 1
    while index < len(value):
        if quote == '"' and value[index] == "\\":
            index += 2
            continue
        if value[index] == quote:
            return index
        index += 1
    return -1


def read_env_file(
    path: Path, lookup: Mapping[str, str] | None = None, *, on_blank: Callable[[str, int], None] | None = None
) -> dict[str, str]:
    """Reads a ``.env`` / ``env_file:`` file (module documentation) in file order.

    Args:
        path: The file.
        lookup: Variables a value may use besides those set above it in the file (the shell
            environment for a project ``.env``; the project's variables for an ``env_file:``).
        on_blank: Called with ``(variable, line)`` for a variable a value uses that is not set.

    Raises:
        ValueError: the file cannot be read, or a line is not ``KEY=VALUE`` (one line naming
            the file and line).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(
            f"error: {path}: cannot read the environment file ({error.__class__.__name__}: {error})"
        ) from None
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("export "):
            stripped = stripped[len("export ") :].lstrip()
        key, sep, value = stripped.partition("=")
        key = key.strip()
        if not _NAME.fullmatch(key):
            raise ValueError(f"error: {path}:{number}: {key or stripped!r} is not a variable name; write KEY=VALUE")
        if not sep:
            if lookup is not None and key in lookup:
                values[key] = lookup[key]
            continue
        value = value.strip()
        env: dict[str, str] = {**(lookup or {}), **values}
        if value.startswith(("'", '"')):
            quote = value[0]
            end = _closing_quote(value, quote)
            if end < 0:
                raise ValueError(
                    f"error: {path}:{number}: {key}: the {quote} quote is not closed; end the value with {quote}"
                )
            trailing = value[end + 1 :].strip()
            if trailing and not trailing.startswith("#"):
                raise ValueError(
                    f"error: {path}:{number}: {key}: {trailing!r} after the closing quote; "
                    "put a comment after ' #' or quote the whole value"
                )
            if quote == "'":
                values[key] = value[1:end]
                continue
            value = _double_quoted(value[1:end])
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0].rstrip()
        try:
            resolution = interpolate(value, env)
        except InterpolationError as error:
            raise ValueError(f"error: {path}:{number}: {key}: {error}") from None
        if on_blank is not None:
            for name in resolution.blank:
                on_blank(name, number)
        values[key] = resolution.value
    return values


def interpolation_environment(
    compose_dir: Path, env_files: Sequence[Path] = (), environ: Mapping[str, str] | None = None
) -> tuple[dict[str, str], tuple[Path, ...]]:
    """The variables of a Compose project, in Compose's precedence.

    Args:
        compose_dir: The folder of the Compose file (where ``.env`` is looked for).
        env_files: ``--env-file`` files, in command-line order; when given, ``.env`` is not read.
        environ: The shell environment (``{}`` for none).

    Returns:
        The variables, and the files they were read from.

    Raises:
        ValueError: an ``--env-file`` is missing or malformed, or ``.env`` is malformed.
    """
    shell = dict(environ or {})
    files: list[Path] = list(env_files)
    if not files and (compose_dir / ".env").is_file():
        files.append(compose_dir / ".env")
    merged: dict[str, str] = {}
    for file in files:
        if not file.is_file():
            raise ValueError(f"error: --env-file {file}: no such file; give an existing file")
        merged.update(read_env_file(file, {**merged, **shell}))
    merged.update(shell)
    return merged, tuple(files)
