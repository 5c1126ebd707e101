"""The dependency picture of README.md, rewritten by ``make synth`` between its two markers.

The picture is the output of ``aipp graph`` for the frozen fixture ``tests/environments/reference.yaml``
(the plan's dev-meta with every component enabled) saved as ``dev-meta.yaml``, never for the live
``environments/``: a routine edit of an environment file must not make the README stale.
``tests/test_readme.py`` fails with "run make synth" when the README differs from what this writes.

Run with the project venv: ``.venv/bin/python tools/docs/readme_graph.py`` (``--check`` only compares).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
REFERENCE = ROOT / "tests" / "environments" / "reference.yaml"
BEGIN = (
    "<!-- graph:begin: written by `make synth` (tools/docs/readme_graph.py), the output of `aipp graph` "
    "of tests/environments/reference.yaml; do not edit -->"
)
END = "<!-- graph:end -->"


def mermaid() -> str:
    """``aipp graph`` of the fixture, saved as ``dev-meta.yaml``: the Mermaid text."""
    from click.testing import CliRunner

    from aipp_constructs.aipp.cli import graph

    with tempfile.TemporaryDirectory(prefix="aipp-readme-graph-") as scratch:
        path = Path(scratch) / "dev-meta.yaml"
        path.write_text(REFERENCE.read_text())
        result = CliRunner().invoke(graph, [str(path)], catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"error: aipp graph {REFERENCE.relative_to(ROOT)} failed:\n{result.output}")
    return result.stdout


def rewrite(text: str, picture: str) -> str:
    """``text`` (the README) with the block between the markers replaced by ``picture``."""
    head, found, rest = text.partition(BEGIN + "\n")
    _, found_end, tail = rest.partition(END)
    if not found or not found_end:
        raise SystemExit(f"error: README.md lacks the markers of the dependency picture:\n{BEGIN}\n...\n{END}")
    return f"{head}{BEGIN}\n```mermaid\n{picture}```\n{END}{tail}"


def main(argv: list[str]) -> int:
    text = README.read_text()
    fresh = rewrite(text, mermaid())
    if fresh == text:
        return 0
    if "--check" in argv:
        print("README.md's dependency picture is stale: run make synth", file=sys.stderr)
        return 1
    README.write_text(fresh)
    print("README.md: dependency picture rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
