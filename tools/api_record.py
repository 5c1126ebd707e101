"""The public API of aipp_constructs as a sorted list of lines (docs/versioning.md).

The contract other teams depend on, one line per item:

- ``name <Name>``: every name of ``aipp_constructs.__all__``;
- ``field <Props>.<field>``: every field of every public props dataclass (and every other public
  dataclass: ``AlertRule``, ``Probe``...);
- ``env <key.path>``: every environment-file key, from ``schemas/environment.schema.json``
  (``*`` for a key the file chooses: a component, an image row);
- ``cli <command> [<option>|<ARGUMENT>]``: every ``aipp`` command of the library and of the AIPP
  port (``aipp_constructs.aipp.cli.COMMANDS``, marked ``port``), with its options and arguments.

``tests/test_api_record.py`` compares it with the recorded ``tests/public-api.txt``.

    .venv/bin/python tools/api_record.py            # prints the current list
    .venv/bin/python tools/api_record.py --check    # exit 1 and the difference when it differs
    .venv/bin/python tools/api_record.py --write    # records the current list
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import sys
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

RECORD = PROJECT / "tests" / "public-api.txt"
SCHEMA = PROJECT / "schemas" / "environment.schema.json"
WRITE = ".venv/bin/python tools/api_record.py --write"
HEADER = (
    "# The public API of aipp_constructs (docs/versioning.md): __all__, the fields of the public\n"
    "# dataclasses, the environment-file keys and the aipp commands. Generated: never edit by hand;\n"
    f"# after a deliberate change (with its CHANGELOG.md entry) run: {WRITE}\n"
)


def _names() -> list[str]:
    import aipp_constructs

    lines = [f"name {name}" for name in aipp_constructs.__all__]
    for name in aipp_constructs.__all__:
        obj = getattr(aipp_constructs, name)
        if inspect.isclass(obj) and dataclasses.is_dataclass(obj):
            lines += [f"field {name}.{f.name}" for f in dataclasses.fields(obj)]
    return lines


def _schema_keys(node: dict[str, Any], defs: dict[str, Any], path: str) -> list[str]:
    if "$ref" in node:
        return _schema_keys(defs[node["$ref"].rsplit("/", 1)[1]], defs, path)
    keys: list[str] = []
    for option in node.get("anyOf", []) + node.get("oneOf", []) + node.get("allOf", []):
        keys += _schema_keys(option, defs, path)
    for key, sub in node.get("properties", {}).items():
        child = f"{path}.{key}" if path else key
        keys += [child, *_schema_keys(sub, defs, child)]
    extra = node.get("additionalProperties")
    if isinstance(extra, dict) and path:
        keys += _schema_keys(extra, defs, f"{path}.*")
    if isinstance(node.get("items"), dict) and path:
        keys += _schema_keys(node["items"], defs, f"{path}[]")
    return keys


def _env_keys() -> list[str]:
    schema = json.loads(SCHEMA.read_text())
    return [f"env {key}" for key in _schema_keys(schema, schema.get("$defs", {}), "")]


def _cli(command: Any, path: str) -> list[str]:
    import click

    lines = [f"cli {path}"]
    for param in command.params:
        if isinstance(param, click.Option):
            lines += [f"cli {path} {opt}" for opt in [*param.opts, *param.secondary_opts]]
        elif isinstance(param, click.Argument):
            lines.append(f"cli {path} {param.human_readable_name.upper()}")
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            lines += _cli(sub, f"{path} {name}")
    return lines


def _commands() -> list[str]:
    from aipp_constructs.aipp.cli import COMMANDS
    from aipp_constructs.cli import aipp

    lines = _cli(aipp, "aipp")
    for command in COMMANDS:
        lines += [line.replace("cli aipp", "cli aipp port", 1) for line in _cli(command, f"aipp {command.name}")]
    return lines


def current() -> list[str]:
    """The public API now, sorted, without duplicates."""
    return sorted(set(_names() + _env_keys() + _commands()))


def recorded() -> list[str]:
    """The recorded public API (``tests/public-api.txt``)."""
    return [line for line in RECORD.read_text().splitlines() if line and not line.startswith("#")]


def main(argv: list[str]) -> int:
    lines = current()
    if argv == ["--write"]:
        RECORD.write_text(HEADER + "".join(f"{line}\n" for line in lines))
        print(f"wrote {RECORD.relative_to(PROJECT)}: {len(lines)} lines")
        return 0
    if argv == ["--check"]:
        old = set(recorded())
        for line in sorted(old - set(lines)):
            print(f"- {line}")
        for line in sorted(set(lines) - old):
            print(f"+ {line}")
        return 0 if old == set(lines) else 1
    if argv:
        print("usage: tools/api_record.py [--check | --write]", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
