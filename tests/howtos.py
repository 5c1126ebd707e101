"""The everyday-task recipes, read from the how-to pages (``docs/how-to/*.md``) so that tests run
what they say.

A recipe is a YAML block preceded by ``<!-- howto: NAME -->`` (an edit of
``environments/dev-meta.yaml``) or ``<!-- howto: NAME, as: ENV -->`` (a copy of it saved as
``environments/ENV.yaml`` with the edit applied). The edit is merged key by key.

Tests apply a recipe to the frozen fixture ``tests/environments/reference.yaml`` (saved as
``dev-meta``), never to the live ``environments/``: a committed bump of dev-meta must not turn
the bump recipe into a no-op, nor a disabled linker break a test of the linker recipe.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

import main

#: The frozen copy of environments/dev-meta.yaml the recipes are applied to.
REFERENCE = Path(__file__).resolve().parent / "environments" / "reference.yaml"
#: The how-to pages the recipes are read from.
HOW_TO = main.PROJECT / "docs" / "how-to"
#: The name the fixture takes: the recipes speak of dev-meta.
BASE = "dev-meta"

_RECIPE = re.compile(r"<!-- howto: ([a-z0-9-]+)(?:, as: ([a-z0-9-]+))? -->\n```yaml\n(.*?)```", re.DOTALL)


def recipes(pages: Path = HOW_TO) -> dict[str, tuple[str | None, dict[str, Any]]]:
    """Recipe name -> (new environment name or None, the YAML edit), from every page of ``pages``;
    a name on two pages, or twice on one, is a mistake."""
    found: dict[str, tuple[str | None, dict[str, Any]]] = {}
    for page in sorted(pages.glob("*.md")):
        for name, copy_as, body in _RECIPE.findall(page.read_text()):
            if name in found:
                raise ValueError(f"{page}: the recipe {name!r} is there twice")
            found[name] = (copy_as or None, yaml.safe_load(body))
    return found


def merge(base: dict[str, Any], edit: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``edit`` applied: mappings merged key by key, anything else replaced."""
    out = dict(base)
    for key, value in edit.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def apply(recipe: tuple[str | None, dict[str, Any]], environments: Path) -> list[Path]:
    """Write the fixture environment (as ``dev-meta``) with ``recipe`` applied into ``environments``
    (a new, empty folder): the edited file, or the fixture and the recipe's new copy of it;
    returns the files written."""
    copy_as, edit = recipe
    data = {BASE: yaml.safe_load(REFERENCE.read_text())}
    if copy_as is None:
        data[BASE] = merge(data[BASE], edit)
    else:
        data[copy_as] = merge(data[BASE], edit)
    environments.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in data.items():
        path = environments / f"{name}.yaml"
        path.write_text(yaml.safe_dump(content, sort_keys=False))
        written.append(path)
    return written


def synth_fixture(root: Path, edit: dict[str, Any] | None = None) -> Path:
    """The fixture environment (as ``dev-meta``), with ``edit`` merged, synthesized into
    ``root/dist`` (its files in ``root/environments``); returns ``root/dist``."""
    apply((None, edit or {}), root / "environments")
    main.synth_all(root / "dist", root / "environments")
    return root / "dist"
