"""The cdk8s project the ``aipp`` command works on: found, read, run and recorded.

A project is a folder holding ``cdk8s.yaml``: the nearest one upward from the current folder,
or the folder given by ``aipp --project DIR`` or ``$AIPP_PROJECT``. Its ``app:`` (the command
that runs the app, required) and ``output:`` (the folder of the manifests, default ``dist``)
are read as cdk8s-cli reads them: the app runs through the shell in the project folder with
``$CDK8S_OUTDIR`` naming where to write. A project may add its own subcommands (or replace
the library's) in its ``pyproject.toml``::

    [tool.aipp]
    commands = ["my_port.cli:commands"]

each entry ``module:attribute`` naming a Click command or a list of them (docs/cli.md).
"""

from __future__ import annotations

import importlib
import os
import runpy
import shlex
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import yaml

if TYPE_CHECKING:
    from cdk8s import App

__all__ = [
    "CONFIG_FILE",
    "PROJECT_ENV",
    "AppFailed",
    "Cdk8sProject",
    "ProjectError",
    "find_project",
    "project_commands",
    "read_project",
    "record_apps",
    "run_app",
]

#: The project file cdk8s-cli reads (its ``app:`` and ``output:``).
CONFIG_FILE = "cdk8s.yaml"
#: The variable naming the project folder (as ``aipp --project DIR``).
PROJECT_ENV = "AIPP_PROJECT"
#: The output folder when ``cdk8s.yaml`` names none (cdk8s-cli's default).
DEFAULT_OUTPUT = "dist"


class ProjectError(click.UsageError):
    """No project, or a project file the command cannot use (one line; exit status 2)."""


class AppFailed(Exception):
    """The app failed: its error lines (one line each) and its exit status."""

    def __init__(self, lines: Sequence[str], status: int) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)
        self.status = status


@dataclass(frozen=True)
class Cdk8sProject:
    """A cdk8s project: its folder and what its ``cdk8s.yaml`` says.

    Attributes:
        root: the folder holding ``cdk8s.yaml`` (absolute).
        app: the shell command that runs the app (``app:``).
        output: the folder of the synthesized manifests (``output:``, default ``dist``), absolute.
        language: ``language:`` when given (informative).
    """

    root: Path
    app: str
    output: Path
    language: str | None = None

    def python_app(self) -> tuple[list[str], str, str]:
        """How the app runs in-process: the ``sys.argv`` it gets, then ``"path"`` and a file
        (``python main.py``) or ``"module"`` and a module (``python -m port``).

        Raises:
            ProjectError: the app command runs no Python file or module.
        """
        words = shlex.split(self.app)
        for i, word in enumerate(words):
            if word == "-m" and i + 1 < len(words):
                return [words[i + 1], *words[i + 2 :]], "module", words[i + 1]
            if word.endswith(".py"):
                return [word, *words[i + 1 :]], "path", str(self.root / word)
        raise ProjectError(
            f"{self.root / CONFIG_FILE}: app: {self.app!r} runs no Python file or module, and aipp graph runs the "
            "app in-process to read its construct tree; write e.g. 'app: python main.py'"
        )


def find_project(explicit: Path | None = None, start: Path | None = None) -> Cdk8sProject | None:
    """The project of ``explicit`` (a folder holding ``cdk8s.yaml``), else of ``$AIPP_PROJECT``,
    else the nearest folder upward from ``start`` (default: the current folder) holding
    ``cdk8s.yaml``; None when there is none.

    Raises:
        ProjectError: ``explicit`` or ``$AIPP_PROJECT`` holds no ``cdk8s.yaml``, or the file is unusable.
    """
    given = explicit if explicit is not None else Path(os.environ[PROJECT_ENV]) if os.environ.get(PROJECT_ENV) else None
    if given is not None:
        source = "--project" if explicit is not None else f"${PROJECT_ENV}"
        if not (given / CONFIG_FILE).is_file():
            raise ProjectError(f"{source} {given}: no {CONFIG_FILE} there; name the folder of a cdk8s project")
        return read_project(given)
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / CONFIG_FILE).is_file():
            return read_project(candidate)
    return None


def read_project(root: Path) -> Cdk8sProject:
    """The project whose ``cdk8s.yaml`` is in ``root``.

    Raises:
        ProjectError: the file is not YAML, not a mapping, or lacks a usable ``app`` or ``output``.
    """
    root = root.resolve()
    file = root / CONFIG_FILE
    try:
        config = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ProjectError(f"{file}: cannot read it: {' '.join(str(error).split())}") from None
    if not isinstance(config, dict):
        raise ProjectError(f"{file}: must be a mapping with app: and output:, got {type(config).__name__}")
    app = config.get("app")
    if not isinstance(app, str) or not app.strip():
        raise ProjectError(
            f"{file}: app: must be the command that runs the app, got {app!r}; write e.g. 'app: python main.py'"
        )
    output = config.get("output", DEFAULT_OUTPUT)
    if not isinstance(output, str) or not output.strip():
        raise ProjectError(
            f"{file}: output: must be a folder name, got {output!r}; write e.g. 'output: dist' (the default)"
        )
    language = config.get("language")
    return Cdk8sProject(root, app, root / output, language if isinstance(language, str) else None)


def project_commands(project: Cdk8sProject) -> list[click.Command]:
    """The commands the project declares in ``pyproject.toml`` (``[tool.aipp] commands``), in order.

    Each entry is ``module:attribute``: a Click command, or a list or tuple of them; the module
    is imported with the project folder first on ``sys.path``.

    Raises:
        ProjectError: an entry that cannot be imported or names no command.
    """
    file = project.root / "pyproject.toml"
    if not file.is_file():
        return []
    where = f"{file}: [tool.aipp] commands"
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ProjectError(f"{file}: cannot read it: {error}") from None
    entries = data.get("tool", {}).get("aipp", {}).get("commands", [])
    if not isinstance(entries, list) or not all(isinstance(entry, str) for entry in entries):
        raise ProjectError(f"{where}: must be a list of 'module:attribute' strings, got {entries!r}")
    commands: list[click.Command] = []
    for entry in entries:
        module_name, _, attribute = entry.partition(":")
        if not module_name or not attribute:
            raise ProjectError(f"{where}: {entry!r} is not 'module:attribute'; write e.g. 'my_port.cli:commands'")
        root = str(project.root)
        added = root not in sys.path
        if added:
            sys.path.insert(0, root)
        try:
            value: Any = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as error:
            raise ProjectError(f"{where}: cannot load {entry!r}: {error}") from None
        finally:
            if added:
                sys.path.remove(root)
        found = [value] if isinstance(value, click.Command) else list(value) if isinstance(value, list | tuple) else []
        if not found or not all(isinstance(command, click.Command) for command in found):
            raise ProjectError(
                f"{where}: {entry!r} is not a Click command or a list of them, got {type(value).__name__}"
            )
        commands += found
    return commands


def _app_errors(stderr: str) -> list[str]:
    """The app's error lines: its last line for a Python traceback (the exception), else every line."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    if "Traceback (most recent call last):" in stderr and lines:
        last = lines[-1]
        return [last if last.startswith("error:") else f"error: {last}"]
    return lines


def run_app(project: Cdk8sProject, outdir: Path) -> str:
    """Runs the app as cdk8s-cli does (shell, project folder, ``$CDK8S_OUTDIR=outdir``);
    returns what it printed (stdout, then stderr: progress and warnings).

    Raises:
        AppFailed: the app exited non-zero: its error lines (the exception of a Python
            traceback, else every line it printed on stderr), then a line naming the command.
    """
    env = {**os.environ, "CDK8S_OUTDIR": str(outdir)}
    done = subprocess.run(
        project.app, shell=True, cwd=project.root, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        lines = _app_errors(done.stderr or done.stdout)
        lines.append(f"error: the app ({project.app}) exited with status {done.returncode}")
        raise AppFailed(lines, done.returncode)
    return done.stdout + done.stderr


@contextmanager
def _recording(project: Cdk8sProject, argv: list[str], outdir: str) -> Iterator[list[App]]:
    """Every ``cdk8s.App`` made meanwhile (``App.synth`` writes nothing), in the project folder."""
    from cdk8s import App

    apps: list[App] = []
    original_init = App.__init__
    original_synth = App.synth

    def init(self: App, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        apps.append(self)

    def synth(self: App) -> None:
        """Recorded, not written."""

    saved = (Path.cwd(), list(sys.argv), list(sys.path), os.environ.get("CDK8S_OUTDIR"))
    setattr(App, "__init__", init)  # noqa: B010 (a method of a class, replaced for the run)
    setattr(App, "synth", synth)  # noqa: B010
    os.chdir(project.root)
    sys.argv = argv
    os.environ["CDK8S_OUTDIR"] = outdir
    try:
        yield apps
    finally:
        setattr(App, "__init__", original_init)  # noqa: B010
        setattr(App, "synth", original_synth)  # noqa: B010
        os.chdir(saved[0])
        sys.argv, sys.path[:] = saved[1], saved[2]
        if saved[3] is None:
            os.environ.pop("CDK8S_OUTDIR", None)
        else:
            os.environ["CDK8S_OUTDIR"] = saved[3]


def record_apps(project: Cdk8sProject) -> list[App]:
    """Runs the project's Python app in this process and returns the ``cdk8s.App`` objects it
    made, with their construct trees; ``App.synth`` is recorded, not run, so nothing is written
    (``$CDK8S_OUTDIR`` names a temporary folder meanwhile), and what the app prints goes to stderr.

    Raises:
        ProjectError: the app command runs no Python file or module, or the file is missing.
        AppFailed: the app raised (its one line, ``error: Type: message``) or exited non-zero.
    """
    argv, kind, target = project.python_app()
    if kind == "path" and not Path(target).is_file():
        raise ProjectError(f"{project.root / CONFIG_FILE}: app: {project.app!r} runs {target}, which does not exist")
    with tempfile.TemporaryDirectory(prefix="aipp-graph-") as scratch, _recording(project, argv, scratch) as apps:
        sys.path.insert(0, str(Path(target).parent) if kind == "path" else str(project.root))
        try:
            # What the app prints goes to stderr: stdout is the command's output.
            with redirect_stdout(sys.stderr):
                if kind == "path":
                    runpy.run_path(target, run_name="__main__")
                else:
                    runpy.run_module(target, run_name="__main__", alter_sys=True)
        except SystemExit as exit_:
            if exit_.code not in (None, 0):
                status = exit_.code if isinstance(exit_.code, int) else 1
                raise AppFailed([f"error: the app ({project.app}) exited with status {status}"], status) from None
        except Exception as error:  # noqa: BLE001 (the app's own mistake, reported in one line)
            message = " ".join(str(error).split())
            raise AppFailed([f"error: {type(error).__name__}: {message}"], 1) from None
        return list(apps)
