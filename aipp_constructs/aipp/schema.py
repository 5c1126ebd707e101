"""The JSON Schema of the environment files, generated from their models (:mod:`.config`).

``schemas/environment.schema.json`` is this module's output; every environment file names
it in its first line (``# yaml-language-server: $schema=../schemas/environment.schema.json``),
so editors with a YAML language server (VS Code's Red Hat YAML extension, IntelliJ, Neovim's
yamlls) complete keys, show each key's documentation and mark wrong types and unknown keys
while the file is typed. The loader stays the authority: it also checks values (host names,
cron, quantities...) and the rules across sections that a schema cannot say.

``python -m aipp_constructs.aipp.schema [FILE]`` writes it, and so does ``make synth`` (``main.py``,
when it writes the project's ``dist/``); a test keeps the file equal to the models.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from aipp_constructs.core._config_loader import attribute_docs, summary

from .config import APP_COMPONENTS, EXPORTER_IMAGES, WAIT_IMAGE, ComponentsConfig, EnvironmentConfig

__all__ = ["SCHEMA_FILE", "SCHEMA_HEADER", "environment_schema", "schema_text", "write_schema"]

#: Where the schema is written, relative to the project root.
SCHEMA_FILE = Path("schemas") / "environment.schema.json"
#: The first line of every file in ``environments/``: the YAML language server reads it.
SCHEMA_HEADER = f"# yaml-language-server: $schema=../{SCHEMA_FILE.as_posix()}"


def _models(root: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Every model reachable from ``root``, by class name (the schema's ``$defs`` keys)."""
    found: dict[str, type[BaseModel]] = {}
    pending: list[Any] = [root]
    while pending:
        tp = pending.pop()
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if tp.__name__ in found:
                continue
            found[tp.__name__] = tp
            pending.extend(f.annotation for f in tp.model_fields.values())
        else:
            pending.extend(getattr(tp, "__args__", ()) or ())
            pending.extend(getattr(tp, "__metadata__", ()) or ())
            origin = getattr(tp, "__origin__", None)
            if origin is not None:
                pending.append(origin)
    return found


def _describe(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Replace pydantic's description (the whole docstring) by the summary, and give each
    property its ``Attributes:`` entry."""
    schema["description"] = summary(model)
    docs = attribute_docs(model)
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key in schema.get("properties", {}) and name in docs:
            schema["properties"][key]["description"] = docs[name]
        schema.get("properties", {}).get(key, {}).pop("title", None)
    schema.pop("title", None)


def environment_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an environment file."""
    schema = EnvironmentConfig.model_json_schema(by_alias=True, mode="validation")
    models = _models(EnvironmentConfig)
    for name, definition in schema.get("$defs", {}).items():
        _describe(definition, models[name])
    _describe(schema, EnvironmentConfig)
    # The environment's name is its file's name: not a key of the file.
    del schema["properties"]["name"]
    schema["required"].remove("name")
    # The image table is keyed by component (and the wait and exporter images); the loader
    # says which rows an enabled component and the exporters need.
    components = [f.alias or name for name, f in ComponentsConfig.model_fields.items()]
    schema["properties"]["images"]["propertyNames"] = {"enum": [*components, WAIT_IMAGE, *EXPORTER_IMAGES.values()]}
    assert set(APP_COMPONENTS) <= set(components)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "environment.schema.json",
        "title": "AIPP environment file (environments/<name>.yaml)",
        **schema,
    }


def schema_text() -> str:
    """The schema file's content: indented JSON, keys in model order, one final newline."""
    return json.dumps(environment_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(target: Path) -> None:
    """Write the schema to ``target`` (by a rename: a reader never sees half a file); an
    unchanged file is left alone."""
    text = schema_text()
    if target.is_file() and target.read_text(encoding="utf-8") == text:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.tmp")
    staged.write_text(text, encoding="utf-8")
    staged.replace(target)


def main(argv: list[str] | None = None) -> int:
    """Write the schema to ``argv[0]`` (default: :data:`SCHEMA_FILE`)."""
    args = sys.argv[1:] if argv is None else argv
    write_schema(Path(args[0]) if args else SCHEMA_FILE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
