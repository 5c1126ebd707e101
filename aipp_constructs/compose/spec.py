"""Validation of a Compose file with the official Compose Specification JSON schema.

The schema is ``schema/compose-spec.json`` beside this module, vendored unchanged from the
compose-spec repository (its source, commit and checksum are in ``schema/README.md``). Compose
validates a file after interpolation (every value that used a variable is a string then, and
the schema allows a string wherever a number or a boolean may come from a variable); so does
:func:`schema_violations`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_PATH", "SchemaViolation", "compose_schema", "schema_violations"]

#: The vendored Compose Specification schema.
SCHEMA_PATH = Path(__file__).with_name("schema") / "compose-spec.json"


class SchemaViolation:
    """One place where a Compose file breaks the Compose Specification.

    Attributes:
        path: The keys and list indexes from the top of the file (``("services", "x", "ports", 0)``).
        message: What is wrong, one line.
    """

    __slots__ = ("message", "path")

    def __init__(self, path: tuple[Any, ...], message: str) -> None:
        """Builds a violation at ``path``."""
        self.path = path
        self.message = message

    def __repr__(self) -> str:
        """``SchemaViolation(path, message)``."""
        return f"SchemaViolation({self.path!r}, {self.message!r})"


@cache
def compose_schema() -> Mapping[str, Any]:
    """The vendored schema (read once)."""
    loaded: Mapping[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(error: Any) -> str:
    """A one-line message for a jsonschema error (its own message names the whole instance)."""
    validator = error.validator
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(
            key
            for key in error.instance
            if key not in error.schema.get("properties", {}) and not str(key).startswith("x-")
        )
        names = ", ".join(map(str, extra)) or "a key"
        hint = f" (allowed: {', '.join(allowed)})" if allowed and len(allowed) <= 25 else ""
        return f"{names}: not a key the specification allows here{hint}; remove or rename it"
    if validator == "type":
        expected = error.validator_value
        expected_text = " or ".join(expected) if isinstance(expected, list) else str(expected)
        return f"{_short(error.instance)} is not of type {expected_text}"
    if validator == "oneOf":
        return f"{_short(error.instance)} matches none of the forms the specification allows here"
    if validator == "enum":
        return f"{_short(error.instance)} is not one of {', '.join(map(str, error.validator_value))}"
    if validator == "required":
        return " ".join(str(error.message).split())
    if validator == "uniqueItems":
        return "has the same item twice; keep one"
    return " ".join(str(error.message).replace(repr(error.instance), _short(error.instance)).split())


def schema_violations(data: Any) -> Iterator[SchemaViolation]:
    """The violations of ``data`` (a Compose file as loaded from YAML, after interpolation).

    For a value that fits none of several forms (``oneOf``), the violation is the one of the
    closest form, as ``jsonschema.exceptions.best_match`` picks it.
    """
    # Imported here: jsonschema is loaded only when a Compose file is read.
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import best_match

    validator = Draft7Validator(compose_schema())
    errors = sorted(validator.iter_errors(data), key=lambda error: list(map(str, error.absolute_path)))
    for error in errors:
        chosen = best_match([error]) if error.context else error
        path = tuple(chosen.absolute_path)
        if chosen.validator == "additionalProperties" and isinstance(chosen.instance, dict):
            known = chosen.schema.get("properties", {})
            extra = [key for key in chosen.instance if key not in known and not str(key).startswith("x-")]
            if extra:
                path = (*path, extra[0])  # the line of the key itself
        yield SchemaViolation(path, _message(chosen))
