"""MkDocs hooks of the documentation site (mkdocs.yml ``hooks:``).

``on_config`` expands a nav entry that names a folder (``runbooks/``) into its pages, ``index.md``
first then by name, and drops it while the folder holds none; it drops a page of ``OPTIONAL``
that is not there yet (the site builds before and after those pages land).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Pages the nav names that another change adds; absent, they are left out of the nav.
OPTIONAL = frozenset({"versioning.md"})


def _expand(items: list[Any], docs: Path) -> list[Any]:
    out: list[Any] = []
    for item in items:
        title, value = next(iter(item.items())) if isinstance(item, dict) else (None, item)
        if isinstance(value, list):
            value = _expand(value, docs)
            if value:
                out.append({title: value} if title is not None else value)
            continue
        if isinstance(value, str) and value.endswith("/"):
            pages = sorted((docs / value).glob("*.md"), key=lambda page: (page.name != "index.md", page.name))
            if pages:
                found = [page.relative_to(docs).as_posix() for page in pages]
                out.append({title: found} if title is not None else found)
            continue
        if isinstance(value, str) and value in OPTIONAL and not (docs / value).exists():
            continue
        out.append(item)
    return out


def on_config(config: Any) -> Any:
    config["nav"] = _expand(config["nav"], Path(config["docs_dir"]))
    return config
