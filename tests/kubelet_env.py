"""The kubelet's reading of an env file for ``valueFrom.fileKeyRef`` (KEP-3721, EnvFiles), in Python.

A transcription of ``ParseEnv(envFilePath, key string) (string, error)`` of kubernetes
``pkg/kubelet/util/env/env_util.go`` as of the beta (v1.35, kubernetes PR #134414), whose file
format is the one KEP-3721 states since enhancements PR #5530 ("a strict subset of POSIX shell
syntax: all variable values must be wrapped in single quotes"):

* the file is read line by line; leading spaces and tabs are ignored;
* a blank line is ignored, and so is a line whose first other character is ``#`` (a comment);
* any other line is ``KEY='value'``: the key is everything before the first ``=`` (not empty,
  no whitespace: ``KEY = 'v'`` is no shell assignment), the value starts with ``'`` right after
  the ``=`` and ends at the next ``'``, which may be on a later line (the newlines are part of
  the value); inside the quotes nothing is interpreted (no escapes, no ``$`` expansion, ``#`` and
  ``"`` and ``\\`` are literal), so a value cannot hold ``'``; after the closing quote only
  spaces and tabs may follow on its line;
* a line that is none of these (an unquoted or double-quoted value, text after the closing
  quote, a quote never closed) is an error for the whole file, and the container does not start;
* the value of ``key`` is returned; a key that is not in the file is an error unless the
  reference is ``optional`` (the caller's business: :func:`parse_env` raises ``KeyError``).

It is stricter where the rules are silent (a repeated key: the last one wins, as in a shell), so
a file it accepts is one the kubelet accepts. The index of public sources this project's tools
read holds the alpha (v1.34) version of env_util.go only; the rules above are the KEP's and the
release note's, not a line-by-line copy of the beta's Go code.
"""

from __future__ import annotations

from pathlib import Path


class EnvFileError(ValueError):
    """The file is not a valid env file (the kubelet fails the container)."""


def parse_env_file(text: str) -> dict[str, str]:
    """Every ``KEY='value'`` of an env file's ``text``, in the kubelet's reading."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    number = 0
    while number < len(lines):
        start = number
        line = lines[number].lstrip(" \t")
        number += 1
        if line == "" or line.startswith("#"):
            continue
        key, equals, rest = line.partition("=")
        if not equals or not key or any(c in key for c in " \t'\""):
            raise EnvFileError(f"invalid environment variable format at line {start + 1}")
        if not rest.startswith("'"):
            raise EnvFileError(f"line {start + 1}: the value of {key} must be enclosed in single quotes")
        body = rest[1:]
        parts: list[str] = []
        while "'" not in body:
            parts.append(body)
            if number >= len(lines):
                raise EnvFileError(f"line {start + 1}: the value of {key} has no closing single quote")
            body = lines[number]
            number += 1
        value, _, after = body.partition("'")
        parts.append(value)
        if after.strip(" \t"):
            raise EnvFileError(f"line {number}: text after the closing single quote of {key}: {after!r}")
        values[key] = "\n".join(parts)
    return values


def parse_env(path: Path, key: str) -> str:
    """The value of ``key`` in the env file at ``path``, as the kubelet reads it for a
    ``fileKeyRef`` (``KeyError`` when the file has no such key)."""
    return parse_env_file(path.read_text())[key]
