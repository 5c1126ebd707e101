"""The documentation site's generated reference is complete: every public name of
``aipp_constructs.__all__``, every ``aipp`` subcommand and every environment-file key has an
entry in the built site (``site/``, written by ``make docs``, which ``make test`` runs first).

Each list is read from its source here (``__all__`` and ``_EXPORTS``, the Click commands, the
JSON Schema), not from tools/docs/gen.py, and looked up as an element id of the built HTML.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import click
import pytest
import yaml

import aipp_constructs

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
SCHEMA = ROOT / "schemas" / "environment.schema.json"


def _page(path: str) -> str:
    page = SITE / path / "index.html"
    if not page.exists():
        pytest.fail(f"{page.relative_to(ROOT)} is missing: build the site first with `make docs` (make test does)")
    return page.read_text()


def _ids(text: str) -> set[str]:
    return {html.unescape(found) for found in re.findall(r'\bid="([^"]*)"', text)}


def test_every_public_name_has_a_reference_entry() -> None:
    ids = set().union(*(_ids(_page(f"reference/api/{layer}")) for layer in _layers()))
    exports: dict[str, str] = aipp_constructs._EXPORTS
    missing = [name for name in aipp_constructs.__all__ if f"aipp_constructs.{exports[name]}.{name}" not in ids]
    assert not missing, f"public names without a reference entry in site/reference/api/: {missing}"


def _layers() -> set[str]:
    exports: dict[str, str] = aipp_constructs._EXPORTS
    return {exports[name].split(".")[0] for name in aipp_constructs.__all__}


def _command_paths(command: click.Command, path: str) -> Iterator[str]:
    yield path
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _command_paths(sub, f"{path} {name}")


def test_every_aipp_subcommand_has_a_reference_entry() -> None:
    from aipp_constructs.aipp.cli import COMMANDS
    from aipp_constructs.cli import aipp

    library = list(_command_paths(aipp, "aipp"))
    assert "aipp compose inspect" in library  # the walk reaches the nested group's commands
    ids = _ids(_page("reference/cli"))
    missing = [path for path in library if path.replace(" ", "-") not in ids]
    assert not missing, f"library commands without an entry in site/reference/cli/: {missing}"
    port = [path for command in COMMANDS for path in _command_paths(command, f"aipp {command.name}")]
    ids = _ids(_page("reference/cli-aipp"))
    missing = [path for path in port if path.replace(" ", "-") not in ids]
    assert not missing, f"AIPP port commands without an entry in site/reference/cli-aipp/: {missing}"


def _schema_keys(schema: dict[str, Any], node: dict[str, Any], prefix: str, seen: frozenset[str]) -> Iterator[str]:
    """Every key path below ``node``: ``a.b``, ``a.<key>.c`` under a map, ``a[].c`` in a list."""
    ref = node.get("$ref")
    if ref is not None:
        if ref in seen:
            return
        seen = seen | {ref}
        node = schema["$defs"][ref.rsplit("/", 1)[-1]]
    for option in node.get("anyOf", []):
        yield from _schema_keys(schema, option, prefix, seen)
    for key, child in node.get("properties", {}).items():
        path = f"{prefix}.{key}" if prefix else key
        yield path
        yield from _schema_keys(schema, child, path, seen)
    if isinstance(node.get("additionalProperties"), dict):
        yield from _schema_keys(schema, node["additionalProperties"], f"{prefix}.<key>", seen)
    if isinstance(node.get("items"), dict):
        yield from _schema_keys(schema, node["items"], f"{prefix}[]", seen)


def test_every_environment_file_key_has_a_reference_entry() -> None:
    schema = json.loads(SCHEMA.read_text())
    keys = set(_schema_keys(schema, schema, "", frozenset()))
    assert {"namespace", "registry.host", "secrets.vault_agent.port"} <= keys
    ids = _ids(_page("reference/environment-file"))
    missing = sorted(key for key in keys if f"key-{key}" not in ids)
    assert not missing, f"environment-file keys without a row in site/reference/environment-file/: {missing}"


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "tools" / "docs" / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_nav_lists_a_folders_pages_and_leaves_out_what_is_not_there_yet(tmp_path: Path) -> None:
    (tmp_path / "runbooks").mkdir()
    for name in ("b.md", "index.md", "a.md"):
        (tmp_path / "runbooks" / name).write_text("# x\n")
    nav = [
        {"Home": "index.md"},
        {"Reference": [{"Runbooks": "runbooks/"}, {"Missing": "nothing/"}, {"Versioning": "versioning.md"}]},
    ]
    config = _hooks().on_config({"nav": nav, "docs_dir": str(tmp_path)})
    assert config["nav"] == [
        {"Home": "index.md"},
        {"Reference": [{"Runbooks": ["runbooks/index.md", "runbooks/a.md", "runbooks/b.md"]}]},
    ]


def _annotations(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        metadata = node.get("metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("annotations"), dict):
            yield metadata["annotations"]
        for value in node.values():
            yield from _annotations(value)
    elif isinstance(node, list):
        for value in node:
            yield from _annotations(value)


def test_every_checkov_exception_of_the_output_is_on_the_exceptions_page() -> None:
    text = html.unescape(re.sub(r"<[^>]+>", "", _page("reference/checkov-exceptions")))
    files = sorted([*(ROOT / "dist").glob("**/*.yaml"), *(ROOT / "examples").glob("*/dist/**/*.yaml")])
    skips = {
        value
        for path in files
        for document in yaml.safe_load_all(path.read_text())
        for annotations in _annotations(document)
        for key, value in annotations.items()
        if key.startswith("checkov.io/skip")
    }
    assert any(skip.startswith("CKV_K8S_40=") for skip in skips)
    missing = sorted(skip for skip in skips if not all(part in text for part in skip.split("=", 1)))
    assert not missing, f"checkov exceptions of the output not on site/reference/checkov-exceptions/: {missing}"


def test_every_runbook_url_of_the_output_resolves_to_a_page_of_the_site() -> None:
    """Each alert's ``runbook_url`` names a runbook page (``runbooks/<page>/`` on the site, or
    ``docs/runbooks/<page>.md`` in the repository by default): a page of site/."""
    files = sorted([*(ROOT / "dist").glob("**/*.yaml"), *(ROOT / "examples").glob("*/dist/**/*.yaml")])
    urls = {url for path in files for url in re.findall(r"runbook_url: (\S+)", path.read_text())}
    _page("")  # the site is built
    unresolved = []
    for url in sorted(urls):
        # <base>/runbooks/<page>/ on the site, or <repository>/-/blob/<rev>/docs/runbooks/<page>.md
        _, found, page = url.strip("'\"").partition("/runbooks/")
        page = page.removesuffix(".md")
        if not found or not (SITE / "runbooks" / page.split("#")[0] / "index.html").exists():
            unresolved.append(url)
    assert not unresolved, f"runbook_url annotations with no page in site/runbooks/: {unresolved}"


def _text(page: str) -> str:
    """The page's text: tags removed, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _html_rows(page: str) -> set[tuple[str, ...]]:
    return {
        tuple(" ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).split()) for cell in cells)
        for row in re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL)
        for cells in [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.DOTALL)]
    }


def test_the_performance_page_shows_every_row_of_the_current_benchmark_results() -> None:
    """benchmarks/RESULTS.md is included, not copied: every table row of today's file (its
    figures included) is a row of the built page."""
    results = (ROOT / "benchmarks" / "RESULTS.md").read_text().splitlines()
    rows = [
        tuple(" ".join(cell.replace("`", "").replace("**", "").split()) for cell in line.strip("|").split("|"))
        for line in results
        if line.startswith("|") and not re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line)
    ]
    assert len(rows) > 10
    shown = _html_rows(_page("explanation/performance"))
    missing = [row for row in rows if row not in shown]
    assert not missing, f"rows of benchmarks/RESULTS.md not on site/explanation/performance/: {missing}"


def _snippet_pages() -> dict[str, str]:
    """Every hand-written page that includes a generated snippet -> its path in site/."""
    pages = {}
    for path in sorted((ROOT / "docs").glob("**/*.md")):
        if '--8<-- "build/docs-snippets/' in path.read_text():
            page = path.relative_to(ROOT / "docs").with_suffix("").as_posix()
            pages[page.removesuffix("index").rstrip("/")] = path.relative_to(ROOT).as_posix()
    return pages


def test_the_pages_that_show_generated_outputs_are_found() -> None:
    pages = _snippet_pages()
    assert {"tutorial", "explanation/checks", "compose", "cli", "how-to-grow-a-volume"} <= set(pages)


@pytest.mark.parametrize("page", sorted(_snippet_pages()))
def test_a_page_shows_the_generated_outputs_it_includes(page: str) -> None:
    """Each ``--8<-- "build/docs-snippets/..."`` of the page is there, and the built page holds
    every line of it: the outputs are those of this build, never pasted. (Compared without
    whitespace, and for a table without its markup: code is highlighted, cells are HTML.)"""
    source = (ROOT / _snippet_pages()[page]).read_text()
    included = re.findall(r'--8<-- "(build/docs-snippets/[^"]+)"', source)
    assert included, f"{_snippet_pages()[page]} includes no generated snippet"
    text = re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]+>", "", _page(page))))
    for name in included:
        snippet = ROOT / name
        assert snippet.exists(), f"{name} is missing: `make docs` writes it"
        lines = snippet.read_text().splitlines()
        markup = r"\s+|\|"
        if snippet.suffix == ".md":  # a table: its rows, as the cells' text
            lines, markup = lines[2:], r"\s+|[|`]|<br>"
        missing = [line for line in lines if re.sub(markup, "", line) not in re.sub(r"\|", "", text)]
        assert not missing, f"lines of {name} not on site/{page}/: {missing[:5]}"


#: Fenced blocks in these languages show code or a file, never what a command printed.
_CODE_LANGUAGES = {"python", "yaml", "toml", "json", "mermaid", "diff", "dockerfile", "ini"}
#: Fenced blocks in these languages hold commands to run.
_COMMAND_LANGUAGES = {"sh", "bash", "shell", "console"}
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>```+|~~~+)\s*(?P<language>[\w+-]*)")
#: A line this project's commands print: an ``error:``/``drift:``/``note:``... line, a change of
#: ``aipp diff``, a tally. In a ``sh`` block also behind ``#`` (an output pasted as a comment).
_OUTPUT_LINE = re.compile(
    r"^(#\s*)?(error|drift|note|rename|pinned|warning|synthesized): "
    r"|^(changed|added|removed) [\w.-]+/[\w.-]+/"
    r"|\b\d+ (services compared|failed|passed|findings|changed|objects checked)\b"
)


def pasted_outputs(text: str) -> list[str]:
    """The fenced blocks of a page's markdown that show a command's output written into the page,
    each as ``line N: first line``. A block is pasted output when it is no include of a
    generated file (``--8<--``), is not code (``_CODE_LANGUAGES``), and either follows a
    ``$ COMMAND`` line with a line the command printed, or holds a line of the form this
    project's commands print (``_OUTPUT_LINE``), or comes right after a block of commands
    (``_COMMAND_LANGUAGES``, nothing but blank lines between: the output of those commands).
    Inline code is prose and never looked at, nor is a command list without a prompt
    (`` ```sh `` with ``# comments``)."""
    found = []
    lines = text.splitlines()
    index = 0
    commands_end = -2  # the line after the last block of commands
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(opening["fence"]):
            end += 1
        body = [line.strip() for line in lines[index + 1 : end]]
        start, index = index, end + 1
        content = [line for line in body if line]
        language = opening["language"].lower()
        after_commands = all(not line.strip() for line in lines[commands_end:start]) and commands_end >= 0
        if language in _COMMAND_LANGUAGES:
            commands_end = index
        if language in _CODE_LANGUAGES or all(line.startswith("--8<--") for line in content):
            continue
        if after_commands and language not in _COMMAND_LANGUAGES:
            found.append(f"line {start + 1}: {content[0] if content else ''}")
            continue
        prompt = continued = False
        for line in content:
            if line.startswith("$ "):
                prompt, continued = True, line.endswith("\\")
            elif continued:
                continued = line.endswith("\\")
            elif prompt or _OUTPUT_LINE.search(line):
                found.append(f"line {start + 1}: {content[0]}")
                break
    return found


def _hand_written_pages() -> list[Path]:
    """README.md and every page of docs/ that tools/docs/gen.py does not write."""
    pages = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("**/*.md"))
    return [page for page in pages if not page.read_text().startswith("<!-- Generated by tools/docs/gen.py")]


def test_no_page_shows_a_pasted_command_output() -> None:
    """Every command output a page shows is a generated file it includes (tools/docs/gen.py and
    tools/docs/outputs.py write them on each build), so none can go stale."""
    pages = _hand_written_pages()
    assert ROOT / "docs" / "compose.md" in pages and ROOT / "README.md" in pages
    pasted = {page.relative_to(ROOT).as_posix(): found for page in pages if (found := pasted_outputs(page.read_text()))}
    assert not pasted, (
        "command outputs pasted into the docs (generate them in tools/docs/gen.py or tools/docs/outputs.py "
        f"and include them with --8<--): {pasted}"
    )


def test_the_pasted_output_rule_flags_outputs_and_not_prose() -> None:
    pasted = (
        "Text:\n\n```\n$ aipp synth\nerror: ValueError: bad port\n```\n\n"
        "  ```text\n  drift: api: env LOG_FILE: not set\n  10 services compared, 164 findings\n  ```\n\n"
        "```sh\naipp images dev-meta --pin\n# pinned: images.x.digest: sha256:...\n```\n\n"
        "```console\n$ make check\ndev-meta (Kubernetes v1.31 and newest):\n```\n\n"
        "```sh\naipp graph dev-meta\n```\n\n```text\nflowchart LR\n```\n"
    )
    assert pasted_outputs(pasted) == [
        "line 3: $ aipp synth",
        "line 8: drift: api: env LOG_FILE: not set",
        "line 13: aipp images dev-meta --pin",
        "line 18: $ make check",
        "line 27: flowchart LR",
    ]
    prose = (
        "One line each, `error: FILE:LINE: field: problem`; it ends with `2 changed`.\n\n"
        '```\n--8<-- "build/docs-snippets/diff-bump.txt"\n```\n\n'
        "```sh\nmake synth      # one error line per mistake\naipp diff dev-meta  # what changed\n```\n\n"
        "```python\nraise ValueError('error: 3 failed')\n```\n\n"
        "```sh\n$ aipp compose drift FILE \\\n    --ignore RULE\n```\n\n"
        '```sh\naipp graph dev-meta\n```\n\n```text\n--8<-- "build/docs-snippets/graph.mmd"\n```\n\n'
        "```sh\nmake synth\n```\n\nThe layout:\n\n```\ndist/  the output\n```\n"
    )
    assert pasted_outputs(prose) == []
