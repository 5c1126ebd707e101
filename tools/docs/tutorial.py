"""The tutorial's steps, read from docs/tutorial.md, and how to run them in a scratch folder.

The page marks each step it asks the reader to do with an HTML comment right before its code block:

* ``<!-- tutorial: run NAME -->`` then a ``sh`` block: one shell command, run in the folder; its
  output (stdout and stderr, in the order written) is shown on the page from
  ``build/docs-snippets/tutorial/NAME.txt``, which tools/docs/gen.py writes;
* ``<!-- tutorial: run -->``: a command whose output the page does not show;
* ``<!-- tutorial: edit -->`` then a ``diff`` block: the edit the reader makes, a unified diff
  applied with ``git apply``.

A step that must fail says so: ``<!-- tutorial: run NAME, exit 1 -->``. The folder starts with
``docs/tutorial/docker-compose.yml`` in it. Both tools/docs/gen.py (the outputs the page shows)
and tests/test_tutorial.py (each step's exit status and output) run the steps with this module,
so the page, its outputs and its test cannot disagree.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "tutorial.md"
COMPOSE = ROOT / "docs" / "tutorial" / "docker-compose.yml"
#: Where gen.py writes each named step's output (gitignored; the page includes it with snippets).
OUTPUTS = ROOT / "build" / "docs-snippets" / "tutorial"
#: How the page names the reader's folder in outputs that print a path.
SHOWN_FOLDER = "~/notes"

_STEP = re.compile(
    r"<!-- tutorial: (?P<kind>run|edit)(?: (?P<name>[a-z0-9-]+))?(?:, exit (?P<exit>\d+))? -->\n"
    r"```(?P<lang>[a-z]+)\n(?P<body>.*?)```",
    re.DOTALL,
)


@dataclass(frozen=True)
class Step:
    """One marked block of the page: a command to run or an edit to apply."""

    kind: str  # "run" or "edit"
    name: str | None  # the output file's name (run steps whose output the page shows)
    body: str  # the command, or the unified diff
    exit_code: int


@dataclass(frozen=True)
class Result:
    step: Step
    exit_code: int
    output: str  # stdout and stderr as written, the folder's path shown as SHOWN_FOLDER


def steps(page: Path = PAGE) -> list[Step]:
    """The page's steps, in order; a block marked with the wrong language is an error."""
    found = []
    for match in _STEP.finditer(page.read_text()):
        kind, lang = match["kind"], match["lang"]
        if (kind, lang) not in (("run", "sh"), ("edit", "diff")):
            raise ValueError(f"{page.name}: a '{kind}' step needs a ```{'sh' if kind == 'run' else 'diff'} block")
        body = match["body"]
        if kind == "run" and len(body.strip().splitlines()) != 1:
            raise ValueError(f"{page.name}: a run step is one command, got {body!r}")
        found.append(Step(kind, match["name"], body, int(match["exit"] or 0)))
    return found


def environment() -> dict[str, str]:
    """The reader's shell after ``make setup``: the project venv's ``aipp`` and ``python`` first
    on PATH, jsii on the project's Node 22 (as the Makefile sets it)."""
    node_bin = ROOT / "node_modules" / ".bin"
    path = os.pathsep.join([str(Path(sys.executable).parent), str(node_bin), os.environ.get("PATH", "")])
    return {
        **os.environ,
        "PATH": path,
        "JSII_NODE": str(node_bin / "node"),
        "CDK8S_CHECK_UPGRADE": "false",
    }


def prepare(folder: Path) -> None:
    """The reader's new folder: the Compose file saved in it."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(COMPOSE, folder / "docker-compose.yml")


def run(step: Step, folder: Path) -> Result:
    """Runs one step in ``folder``."""
    if step.kind == "edit":
        done = subprocess.run(
            ["git", "apply", "--verbose", "-"],
            input=step.body,
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        output = done.stdout + done.stderr
    else:
        done = subprocess.run(
            step.body,
            shell=True,
            cwd=folder,
            env=environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            timeout=300,
        )
        output = done.stdout
    return Result(step, done.returncode, output.replace(str(folder), SHOWN_FOLDER))


def run_all(folder: Path, page: Path = PAGE) -> list[Result]:
    """Every step of the page in order in ``folder`` (prepared first); stops at the first step
    whose exit status is not the one the page expects (that result is the last)."""
    prepare(folder)
    results = []
    for step in steps(page):
        result = run(step, folder)
        results.append(result)
        if result.exit_code != step.exit_code:
            break
    return results
