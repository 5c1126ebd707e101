"""The README's everyday-task recipes, read from README.md so that tests run what it says.

A recipe is a YAML block preceded by ``<!-- howto: NAME -->`` (an edit of
``environments/dev-meta.yaml``) or ``<!-- howto: NAME, as: ENV -->`` (a copy of it saved as
``environments/ENV.yaml`` with the edit applied). The edit is merged key by key.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

import main

_RECIPE = re.compile(r"<!-- howto: ([a-z0-9-]+)(?:, as: ([a-z0-9-]+))? -->\n```yaml\n(.*?)```", re.DOTALL)


def recipes(readme: Path = main.PROJECT / "README.md") -> dict[str, tuple[str | None, dict[str, Any]]]:
    """Recipe name -> (new environment name or None, the YAML edit)."""
    return {
        name: (copy_as or None, yaml.safe_load(body)) for name, copy_as, body in _RECIPE.findall(readme.read_text())
    }


def merge(base: dict[str, Any], edit: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``edit`` applied: mappings merged key by key, anything else replaced."""
    out = dict(base)
    for key, value in edit.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def apply(recipe: tuple[str | None, dict[str, Any]], environments: Path) -> list[Path]:
    """Write the environment files of ``environments/`` with ``recipe`` applied into ``environments``
    (a new, empty folder); returns the files written."""
    copy_as, edit = recipe
    data = {p.stem: yaml.safe_load(p.read_text()) for p in main.environment_files()}
    if copy_as is None:
        data["dev-meta"] = merge(data["dev-meta"], edit)
    else:
        data[copy_as] = merge(data["dev-meta"], edit)
    environments.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in data.items():
        path = environments / f"{name}.yaml"
        path.write_text(yaml.safe_dump(content, sort_keys=False))
        written.append(path)
    return written
