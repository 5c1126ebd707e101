"""README.md stays short and true: at most 200 lines, every relative link resolves to a file of the
repository, and its dependency picture is what ``make synth`` writes (tools/docs/readme_graph.py:
``aipp graph`` of the frozen fixture tests/environments/reference.yaml)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MAX_LINES = 200

#: A Markdown link or image, ``[text](target)`` or ``[text](target "title")``.
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def relative_links(text: str) -> list[str]:
    """The link targets of ``text`` that point into the repository (no scheme, no bare anchor),
    without their ``#anchor``; code blocks and code spans are not text."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)
    text = re.sub(r"`[^`\n]*`", "", text)
    targets = [found.split("#", 1)[0] for found in _LINK.findall(text)]
    return [target for target in targets if target and not re.match(r"^[a-z][a-z0-9+.-]*:", target)]


def broken_links(text: str, base: Path) -> list[str]:
    return [target for target in relative_links(text) if not (base / target).exists()]


def _readme_graph() -> ModuleType:
    spec = importlib.util.spec_from_file_location("readme_graph", ROOT / "tools" / "docs" / "readme_graph.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_has_at_most_200_lines() -> None:
    count = len(README.read_text().splitlines())
    assert count <= MAX_LINES, f"README.md has {count} lines, at most {MAX_LINES}: move the details into docs/"


def test_every_relative_link_of_the_readme_resolves_to_a_file() -> None:
    text = README.read_text()
    assert len(relative_links(text)) >= 10  # the links are found at all
    broken = broken_links(text, README.parent)
    assert not broken, f"README.md links to files that do not exist: {broken}"


def test_the_link_check_finds_a_broken_link_and_skips_code_and_addresses(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# a\n")
    text = (
        '[a](docs/a.md#part) [b](docs/b.md) ![c](c.png "title") [web](https://example.com/x.md)'
        " [anchor](#top) `[d](d.md)`\n```\n[e](e.md)\n```\n"
    )
    assert relative_links(text) == ["docs/a.md", "docs/b.md", "c.png"]
    assert broken_links(text, tmp_path) == ["docs/b.md", "c.png"]


def test_the_readme_dependency_picture_is_what_make_synth_writes() -> None:
    tool = _readme_graph()
    text = README.read_text()
    assert tool.BEGIN in text and tool.END in text, "README.md lacks the markers of the dependency picture"
    assert tool.rewrite(text, tool.mermaid()) == text, "README.md's dependency picture is stale: run make synth"


def test_a_stale_picture_is_rewritten_between_the_markers_only() -> None:
    tool = _readme_graph()
    stale = f"# T\n\nbefore\n{tool.BEGIN}\n```mermaid\ngraph LR\n  old\n```\n{tool.END}\nafter\n"
    assert tool.rewrite(stale, "graph LR\n  new\n") == (
        f"# T\n\nbefore\n{tool.BEGIN}\n```mermaid\ngraph LR\n  new\n```\n{tool.END}\nafter\n"
    )
    with pytest.raises(SystemExit, match="lacks the markers"):
        tool.rewrite("# T\n", "graph LR\n")
