"""The ``aipp`` command (``.venv/bin/aipp``, or ``python -m aipp_constructs``): one Click group
for the daily loop of any cdk8s project (docs/cli.md).

The project is the nearest folder upward from the current one holding ``cdk8s.yaml`` (or
``aipp --project DIR``, or ``$AIPP_PROJECT``); its ``app:`` and ``output:`` (default ``dist``)
are read as cdk8s-cli reads them (:mod:`aipp_constructs.cli.project`).

* ``aipp synth``: runs the app with ``$CDK8S_OUTDIR`` naming a staging folder and swaps it into
  the output folder only on success (a failing app leaves the output byte-identical);
* ``aipp diff [CHART]``: a fresh synth in a temporary folder compared with the output, object by
  object (:mod:`aipp_constructs.manifest_diff`);
* ``aipp graph [CHART]``: the component graph of each ``PortChart`` (edge kinds, ports, sync
  waves) as Mermaid or DOT, from the construct tree of the app run in-process;
* ``aipp check [DIR...]``: every offline check of folders of manifests: the strict schemas, Pod
  Security ``restricted`` and the credential check of :mod:`aipp_constructs.checks`, plus
  checkov and detect-secrets when they are installed;
* ``aipp compose inspect|drift``: the Compose tooling of :mod:`aipp_constructs.compose`.

A project adds its own commands, or replaces these, in its ``pyproject.toml``
(``[tool.aipp] commands``): the AIPP port of this repository adds ``images`` and ``restore``
and its environment-file ``synth``, ``diff``, ``graph`` and ``check``
(:mod:`aipp_constructs.aipp.cli`).

Exit codes: 0 ok; 1 findings, a difference, or a failed synth; 2 a usage error (and, for
``diff``, whose 1 means "different", an app it cannot synthesize).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, NoReturn, TypeVar

import click
import yaml

from aipp_constructs.cli.project import (
    AppFailed,
    Cdk8sProject,
    ProjectError,
    find_project,
    project_commands,
    record_apps,
    run_app,
)
from aipp_constructs.core._validation import DEFAULT_KUBERNETES_VERSION, check_kubernetes_version

if TYPE_CHECKING:
    from aipp_constructs.core.component import Component
    from aipp_constructs.platform.port_chart import PortChart
    from aipp_constructs.review import manifest_diff

__all__ = [
    "DETECT_SECRETS_ARGS",
    "ChartGraph",
    "Edge",
    "Node",
    "aipp",
    "check_command",
    "component_graph",
    "current_project",
    "exception_lines",
    "find_tool",
    "main",
    "render_dot",
    "render_graphs",
    "render_mermaid",
    "required_project",
]

# -- shared helpers ------------------------------------------------------------------------


class _Refused(Exception):
    """Input the command cannot use: its ``error:`` lines and the exit code."""

    def __init__(self, lines: Sequence[str], code: int = 1) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)
        self.code = code


def _error(message: str) -> None:
    click.echo(f"{click.style('error:', fg='red', bold=True)} {message}", err=True)


def _note(message: str) -> None:
    click.echo(f"{click.style('note:', fg='yellow')} {message}", err=True)


def _exit(code: int) -> NoReturn:
    click.get_current_context().exit(code)


def _progress(message: str) -> None:
    """A progress line on stderr, only when it is a terminal (never in a pipe or a log)."""
    if sys.stderr.isatty():
        click.echo(click.style(message, dim=True), err=True)


def _display(path: Path) -> str:
    """``path`` relative to the current folder, else to the project, else absolute."""
    resolved = path.resolve()
    project = _found_project()
    for base in dict.fromkeys((Path.cwd(), *([project.root] if project is not None else []))):
        try:
            return str(resolved.relative_to(base.resolve())) or "."
        except ValueError:
            continue
    return str(path)


@contextmanager
def _refusals() -> Iterator[None]:
    """Turns :class:`_Refused` into its ``error:`` lines and exit code."""
    try:
        yield
    except _Refused as refused:
        for line in refused.lines:
            _error(line)
        _exit(refused.code)


# -- the project and the group ----------------------------------------------------------------

_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
#: The folder this package is installed from when installed editable (its ``.tools/`` and
#: ``tools/`` are looked at too); any folder otherwise.
_SOURCE = Path(__file__).resolve().parents[2]
_PROJECT_KEY = "aipp.project"
_EXPLICIT_KEY = "aipp.project_dir"


def _found_project() -> Cdk8sProject | None:
    """The project of the running command (None outside one, or outside a command)."""
    ctx = click.get_current_context(silent=True)
    return current_project(ctx) if ctx is not None else None


def current_project(ctx: click.Context) -> Cdk8sProject | None:
    """The project of the command line of ``ctx``: ``--project DIR``, else ``$AIPP_PROJECT``,
    else the nearest folder upward holding ``cdk8s.yaml``; None when there is none.

    Raises:
        ProjectError: the folder named holds no ``cdk8s.yaml``, or the file is unusable.
    """
    root = ctx.find_root()
    if _PROJECT_KEY not in root.meta:
        root.meta[_PROJECT_KEY] = find_project(root.meta.get(_EXPLICIT_KEY))
    project: Cdk8sProject | None = root.meta[_PROJECT_KEY]
    return project


def required_project() -> Cdk8sProject:
    """The project of the running command.

    Raises:
        ProjectError: there is none (one line naming the folder and the fix).
    """
    project = _found_project()
    if project is None:
        raise ProjectError(
            f"no cdk8s.yaml in {Path.cwd()} or any folder above it; run aipp in a cdk8s project or name it with --project DIR"
        )
    return project


class _ProjectGroup(click.Group):
    """The library's commands, plus (replaced by) those the project declares."""

    def _project_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        root = ctx.find_root()
        if "aipp.commands" not in root.meta:
            project = current_project(ctx)
            commands = project_commands(project) if project is not None else []
            root.meta["aipp.commands"] = {command.name: command for command in commands if command.name}
        found: dict[str, click.Command] = root.meta["aipp.commands"]
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._project_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._project_commands(ctx).get(cmd_name) or super().get_command(ctx, cmd_name)


def _remember_project(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.find_root().meta[_EXPLICIT_KEY] = value
    # Before a project's commands are loaded: loading constructs starts jsii's Node.
    _use_project_node()


@click.group(
    cls=_ProjectGroup,
    context_settings=_SETTINGS,
    epilog="Exit codes: 0 ok; 1 findings, a difference or a failed synth; 2 a usage error (docs/cli.md).",
)
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="AIPP_PROJECT",
    is_eager=True,
    expose_value=False,
    callback=_remember_project,
    metavar="DIR",
    help="The cdk8s project (a folder holding cdk8s.yaml).  [default: the nearest one upward from here]",
)
@click.version_option(package_name="aipp-constructs", message="%(prog)s %(version)s")
def aipp() -> None:
    """Synthesize, check and review the manifests of a cdk8s project.

    The project is the nearest folder upward holding cdk8s.yaml (or --project DIR): its app:
    and output: as cdk8s reads them. A project may add commands (docs/cli.md). Also the
    Compose tooling for porting other vendors' stacks (aipp compose).

    \b
    Example:
      aipp synth                       # the app -> the output folder, only on success
      aipp diff --markdown             # what an edit changes, for the pull request
      aipp check                       # every offline check over the output folder
    """


def _use_project_node() -> None:
    """jsii (loaded by a command that builds constructs) runs on the project's own Node
    (``node_modules/.bin/node``, where ``cdk8s-cli`` is installed) when it has one and
    ``JSII_NODE`` is not set: the machine's Node may be one jsii warns about on every run."""
    try:
        project = current_project(click.get_current_context())
    except ProjectError:
        return
    node = project.root / "node_modules" / ".bin" / "node" if project is not None else None
    if node is not None and node.exists() and "JSII_NODE" not in os.environ:
        os.environ["JSII_NODE"] = str(node)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs ``aipp`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    try:
        aipp.main(args=list(argv) if argv is not None else None, standalone_mode=True)
    except SystemExit as exit_:
        code = exit_.code
        if code is None or isinstance(code, int):
            return code or 0
        click.echo(str(code), err=True)
        return 1


# -- synth ---------------------------------------------------------------------------------------


def _yaml_files(folder: Path) -> list[str]:
    """The ``*.yaml`` files under ``folder``, relative, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.yaml") if p.is_file())


def _app_refused(failed: AppFailed, code: int) -> _Refused:
    """The app's error lines, without a second ``error:``."""
    return _Refused([line.removeprefix("error: ") for line in failed.lines], code)


def _swap(staging: Path, output: Path) -> None:
    """``staging`` becomes ``output`` (the old one removed): two renames in one folder."""
    if output.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{output.name}-old-", dir=output.parent))
        output.rename(old / output.name)
        staging.rename(output)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(output)


@aipp.command()
def synth() -> None:
    """Synthesize the project's app into its output folder.

    Runs the app: of cdk8s.yaml through the shell in the project folder, as cdk8s synth does,
    with CDK8S_OUTDIR naming a staging folder next to the output folder (output:, default
    dist). The output folder is replaced by the staging folder only when the app succeeded and
    wrote manifests, so a failing app leaves it byte-identical and exits 1 with its error lines
    (the exception's line for a Python traceback).

    \b
    Example:
      aipp synth                  # in the project folder or below it
      aipp --project ../port synth
    """
    with _refusals():
        project = required_project()
        output = project.output
        output.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{output.name}-staging-", dir=output.parent))
        try:
            _progress(f"running {project.app} ...")
            try:
                printed = run_app(project, staging)
            except AppFailed as failed:
                raise _app_refused(failed, 1) from None
            files = _yaml_files(staging)
            if not files:
                raise _Refused(
                    [
                        f"the app ({project.app}) wrote no *.yaml into $CDK8S_OUTDIR; make it call app.synth() on "
                        f"an App() without its own outdir (cdk8s reads CDK8S_OUTDIR); {_display(output)} is unchanged"
                    ]
                )
            _swap(staging, output)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    for line in printed.splitlines():
        click.echo(line, err=True)
    click.echo(f"synthesized {', '.join(files)} into {_display(output)}", err=True)


# -- check ---------------------------------------------------------------------------------------

#: The options of the secret scan when ``tools/detect-secrets/scan.args`` is not found (an
#: installed package): the same as that file (a test keeps them equal); each is explained in
#: tests/test_secret_scan.py.
DETECT_SECRETS_ARGS: tuple[str, ...] = (
    "--exclude-files",
    "^(imports/|aipp_constructs/crds/|tests/compose/corpus/)",
    "--exclude-lines",
    "(^|[\\s{,])[\"']?(secretKey|secretName|secret_type|vendor_pull_secret|checkov\\.io/skip[0-9]+"
    "|vault\\.hashicorp\\.com/agent-inject-secret-[-._a-z0-9]+)[\"']?: ",
    "--exclude-secrets",
    "^[A-Z][A-Z0-9_]*$",
    "--exclude-secrets",
    "^(password|username)$",
    "--exclude-secrets",
    "^(true|false)$",
)
_CHECKOV_ENV = {"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "LOG_LEVEL": "WARNING"}
_TOOL_TIMEOUT = 600


@dataclass
class _Tally:
    """Passed and failed checks of one kind; ``note`` says what else there is to know."""

    passed: int = 0
    failed: int = 0
    note: str = ""


@dataclass
class _Findings:
    """Every finding line and the tally of each check, in the order they were run."""

    lines: list[tuple[str, str, str]] = field(default_factory=list)
    tallies: dict[str, _Tally] = field(default_factory=dict)

    def tally(self, check: str) -> _Tally:
        return self.tallies.setdefault(check, _Tally())

    def add(self, check: str, ref: str, problems: Sequence[str], *, label: str | None = None) -> None:
        """One check of one object: passed without problems, else one finding line."""
        tally = self.tally(check)
        if problems:
            tally.failed += 1
            self.lines.append((ref, label or check, "; ".join(problems)))
        else:
            tally.passed += 1


_YAML_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class _Document:
    first: int
    last: int
    ref: str


def _documents(file: Path) -> list[_Document]:
    """The objects of a multi-document YAML file with their line ranges (1-based, inclusive)."""
    from aipp_constructs.checks import object_ref

    lines = file.read_text(encoding="utf-8").splitlines()
    starts = [0] + [i + 1 for i, line in enumerate(lines) if line == "---" or line.startswith("--- ")]
    documents = []
    for start, end in zip(starts, [*starts[1:], len(lines) + 1]):
        try:
            doc = yaml.load("\n".join(lines[start : end - 1]), Loader=_YAML_LOADER)
        except yaml.YAMLError:
            continue
        if isinstance(doc, dict):
            documents.append(_Document(start + 1, end - 1, object_ref(doc)))
    return documents


def _object_at(documents: Mapping[Path, list[_Document]], file: Path, line: int) -> str:
    for doc in documents.get(file.resolve(), []):
        if doc.first <= line <= doc.last:
            return doc.ref
    return f"{_display(file)}:{line}"


def find_tool(name: str) -> Path | None:
    """``.tools/<name>/bin/<name>`` of the current folder, the project or the folder this package
    is installed from (editable), else ``name`` on PATH."""
    for base in _bases():
        candidate = base / ".tools" / name / "bin" / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    return Path(found) if found else None


def _bases() -> list[Path]:
    """Where the policy tools and their settings are looked for, in order."""
    project = _found_project()
    return list(dict.fromkeys((Path.cwd(), *([project.root] if project is not None else []), _SOURCE)))


def _detect_secrets_args() -> list[str]:
    for base in _bases():
        args = base / "tools" / "detect-secrets" / "scan.args"
        if args.is_file():
            return args.read_text().splitlines()
    return list(DETECT_SECRETS_ARGS)


@dataclass
class _Run:
    """An external tool running in the background, its output in a temporary file."""

    process: subprocess.Popen[bytes]
    stdout: IO[bytes]
    stderr: IO[bytes]

    def wait(self) -> tuple[int, str, str]:
        try:
            code = self.process.wait(timeout=_TOOL_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return -1, "", f"timed out after {_TOOL_TIMEOUT} s"
        self.stdout.seek(0)
        self.stderr.seek(0)
        return code, self.stdout.read().decode(errors="replace"), self.stderr.read().decode(errors="replace")


def _start(
    command: Sequence[str], stack: ExitStack, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> _Run:
    """Starts ``command`` in the background; the stack kills it if the command stops early."""
    stdout = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 (closed by the stack)
    stderr = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 (closed by the stack)
    process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env={**os.environ, **(env or {})}, cwd=cwd)
    stack.callback(_stop, process)
    return _Run(process, stdout, stderr)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ends a tool still running when the command stops early (a usage error, Ctrl-C)."""
    if process.poll() is None:
        process.kill()
        process.wait()


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][-300:] if lines else "(no output)"


def _checkov_results(run: _Run, documents: Mapping[Path, list[_Document]], found: _Findings) -> None:
    """checkov's JSON report as one check per object and checkov check (a pod template's
    checks count for its workload); a check skipped by a ``checkov.io/skip`` annotation is
    neither passed nor failed."""
    code, out, err = run.wait()
    tally = found.tally("checkov")
    try:
        report = json.loads(out) if code in (0, 1) else None
    except json.JSONDecodeError:
        report = None
    if report is None:
        found.add("checkov", "(tool)", [f"checkov did not run (exit status {code}): {_last_line(err or out)}"])
        return
    reports = report if isinstance(report, list) else [report]
    results: dict[str, Any] = next((r.get("results", {}) for r in reports if r.get("check_type") == "kubernetes"), {})
    status: dict[tuple[str, str], tuple[str, str]] = {}
    rank = {"failed": 2, "skipped": 1, "passed": 0}
    for outcome in ("passed", "skipped", "failed"):
        for item in results.get(f"{outcome}_checks", []):
            lines = item.get("file_line_range") or [0, 0]
            ref = _object_at(documents, Path(item.get("file_abs_path") or item.get("file_path", "")), int(lines[0]))
            key = (ref, str(item.get("check_id")))
            if key not in status or rank[outcome] > rank[status[key][0]]:
                status[key] = (outcome, str(item.get("check_name") or ""))
    skipped = 0
    for (ref, check_id), (outcome, name) in status.items():
        if outcome == "skipped":
            skipped += 1
        else:
            found.add("checkov", ref, [name] if outcome == "failed" else [], label=f"checkov {check_id}")
    tally.note = f"{skipped} skipped by checkov.io/skip annotations" if skipped else ""


def _detect_secrets_results(
    run: _Run, root: Path, files: Sequence[Path], documents: Mapping[Path, list[_Document]], found: _Findings
) -> None:
    """detect-secrets' findings as one check per object: passed when no secret is in its lines."""
    code, out, err = run.wait()
    try:
        results = json.loads(out)["results"] if code == 0 else None
    except (json.JSONDecodeError, KeyError):
        results = None
    if results is None:
        found.add(
            "detect-secrets",
            "(tool)",
            [f"detect-secrets did not run (exit status {code}): {_last_line(err or out)}"],
        )
        return
    problems: dict[str, list[str]] = {}
    for name, items in results.items():
        for item in items:
            file = root / name
            ref = _object_at(documents, file, int(item.get("line_number", 0)))
            problems.setdefault(ref, []).append(
                f"{item.get('type')} on line {item.get('line_number')} of {_display(file)}"
            )
    refs = [doc.ref for file in files for doc in documents.get(file.resolve(), [])]
    for ref in dict.fromkeys([*refs, *problems]):
        found.add("detect-secrets", ref, problems.get(ref, []))


def _default_folders() -> list[Path]:
    """The folders of manifests of the project's output folder (else of ``dist/`` here): the
    folder itself when it holds ``*.yaml`` files, else each subfolder that does and, one level
    down, those of the others (``dist/<env>``, ``dist/bootstrap/<env>``)."""
    project = _found_project()
    dist = Path(_display(project.output)) if project is not None else Path("dist")
    if not dist.is_dir():
        raise click.UsageError(
            f"no DIR given and no {dist}/ folder; synthesize first (aipp synth) or name the folders to check"
        )
    if any(p.is_file() for p in dist.glob("*.yaml")):
        return [dist]
    folders: list[Path] = []
    for child in sorted(p for p in dist.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if any(child.glob("*.yaml")):
            folders.append(child)
        else:
            folders += sorted(p for p in child.iterdir() if p.is_dir() and any(p.rglob("*.yaml")))
    if not folders:
        raise click.UsageError(f"no folder of *.yaml manifests under {dist}; synthesize first (aipp synth)")
    return folders


def _manifest_files(folder: Path) -> list[Path]:
    return [f for f in sorted(folder.rglob("*.yaml")) if f.is_file() and f.name != "kustomization.yaml"]


def check_command(kubernetes_version_of: Callable[[Path], str | None] | None = None) -> click.Command:
    """The ``check`` command; ``kubernetes_version_of(folder)`` gives the default
    ``--kubernetes-version`` of a folder (None: :data:`DEFAULT_KUBERNETES_VERSION`). A project
    whose folders have their own versions registers its own (as the AIPP port does, by
    environment)."""

    @click.command("check")
    @click.argument("dirs", nargs=-1, type=click.Path(path_type=Path), metavar="[DIR]...")
    @click.option(
        "--kubernetes-version",
        metavar="v1.N",
        help="The oldest Kubernetes version the manifests must be valid for. "
        f"[default: the project's for the folder, else {DEFAULT_KUBERNETES_VERSION}]",
    )
    @click.option("--no-tools", is_flag=True, help="Only the built-in checks: do not run checkov and detect-secrets.")
    @click.option(
        "--exceptions",
        "list_exceptions",
        is_flag=True,
        help="Run no check: list every exception the objects declare (checkov skips, Pod Security "
        "relaxations), one line per object and check, with its reason.",
    )
    def check(dirs: tuple[Path, ...], kubernetes_version: str | None, no_tools: bool, list_exceptions: bool) -> None:
        """Run every offline check over folders of manifests.

        DIR defaults to the project's output folder (output: of cdk8s.yaml, default dist/) or, when
        it holds no *.yaml itself, each of its folders of manifests (dist/<env>, dist/bootstrap/<env>).

        Strict Kubernetes schemas (the oldest version and the newest known) and CRD schemas, Pod
        Security "restricted" and the credential check over every object of every *.yaml file
        (kustomization.yaml aside); then checkov (every check, offline) and the detect-secrets scan
        when they are installed (.tools/<tool>/bin/ of this folder or of the project, or PATH;
        without them their tally line says `skipped: not installed` and the rest decides).
        Prints one line per finding, `Kind/namespace/name: check: problem`, a tally per check and
        a closing `N passed, M failed`, each object's each check counted once.

        With --exceptions it runs no check and prints the exceptions instead: every
        `checkov.io/skip<n>` annotation (`<folder>: Kind/namespace/name: checkov <check>: <reason>`)
        and every declared Pod Security relaxation, as the constructs that own them wrote them.

        \b
        Example:
          aipp check                             # dist/<env> and dist/bootstrap/<env>
          aipp check examples/langfuse/dist --kubernetes-version v1.30
          aipp check --exceptions dist/dev-meta  # what is excepted, and why
        """
        _check(dirs, kubernetes_version, no_tools, list_exceptions, kubernetes_version_of)

    return check


check = check_command()
aipp.add_command(check)


def _check(
    dirs: tuple[Path, ...],
    kubernetes_version: str | None,
    no_tools: bool,
    list_exceptions: bool,
    kubernetes_version_of: Callable[[Path], str | None] | None,
) -> None:
    if list_exceptions:
        try:
            lines = exception_lines(list(dirs) or _default_folders())
        except ImportError as error:  # reading the manifests needs the [checks] extra too
            raise click.UsageError(f"the checks need {error.name}: pip install 'aipp-constructs[checks]'") from None
        for line in lines:
            click.echo(line)
        _exit(0)
    try:
        from aipp_constructs.checks import load_crd_schemas
        from aipp_constructs.checks.__main__ import CHECKS, FolderError, check_folder
        from aipp_constructs.checks.schemas import kubernetes_versions
    except ImportError as error:  # the optional dependencies of the checks
        raise click.UsageError(f"the checks need {error.name}: pip install 'aipp-constructs[checks]'") from None
    if kubernetes_version is not None:
        try:
            check_kubernetes_version("--kubernetes-version", kubernetes_version)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--kubernetes-version") from None
    folders = list(dirs) or _default_folders()
    for folder in folders:
        if not folder.is_dir():
            raise click.UsageError(f"{folder} is not a directory")
        if not _manifest_files(folder):
            raise click.UsageError(f"no *.yaml manifests under {folder}")
    files = [file for folder in folders for file in _manifest_files(folder)]
    scan_root = Path(os.path.commonpath([file.resolve().parent for file in files]))
    found = _Findings()
    for name in (*CHECKS, "checkov", "detect-secrets"):
        found.tally(name)  # the order of the tally lines
    with ExitStack() as stack:
        runs: dict[str, _Run] = {}
        for tool in ("checkov", "detect-secrets"):
            executable = None if no_tools else find_tool(tool)
            if no_tools:
                found.tally(tool).note = "skipped: --no-tools"
            elif executable is None:
                found.tally(tool).note = "skipped: not installed"
            elif tool == "checkov":
                _progress(f"checkov: checking {_files(files)} in the background...")
                command = [str(executable), "--framework", "kubernetes", "--skip-download", "--compact", "-o", "json"]
                runs[tool] = _start([*command, "--file", *map(str, files)], stack, _CHECKOV_ENV)
            else:
                # detect-secrets silently drops files outside its working folder: run it in
                # the folder that holds them all, with paths relative to it.
                _progress(f"detect-secrets: scanning {_files(files)} in the background...")
                relative = [str(file.resolve().relative_to(scan_root)) for file in files]
                command = [str(executable), "scan", *_detect_secrets_args(), *relative]
                runs[tool] = _start(command, stack, cwd=scan_root)
        crd_schemas = load_crd_schemas()
        exceptions: list[str] = []
        for folder in folders:
            version = (
                kubernetes_version
                or (kubernetes_version_of and kubernetes_version_of(folder))
                or DEFAULT_KUBERNETES_VERSION
            )
            _progress(f"schemas, Pod Security, credentials: {folder} (Kubernetes {version} and newest)...")
            try:
                checked = check_folder(folder, kubernetes_versions(version), crd_schemas)
            except FolderError as error:
                raise click.UsageError(str(error)) from None
            exceptions += checked.exceptions
            for result in checked.results:
                found.add(result.check, result.ref, result.problems)
        documents = {file.resolve(): _documents(file) for file in files}
        if "checkov" in runs:
            _progress("checkov: waiting for its report...")
            _checkov_results(runs["checkov"], documents, found)
        if "detect-secrets" in runs:
            _detect_secrets_results(runs["detect-secrets"], scan_root, files, documents, found)
    for exception in exceptions:
        click.echo(f"exception: {exception}")
    for ref, label, problem in found.lines:
        click.echo(f"{click.style(ref, bold=True)}: {click.style(label, fg='red')}: {problem}")
    for check_name, tally in found.tallies.items():
        if tally.passed or tally.failed:
            note = f" ({tally.note})" if tally.note else ""
            click.echo(f"{check_name}: {tally.passed} passed, {_failed(tally.failed)}{note}")
        else:
            click.echo(f"{check_name}: {tally.note or 'nothing to check'}")
    passed = sum(t.passed for t in found.tallies.values())
    failed = sum(t.failed for t in found.tallies.values())
    click.echo(f"{passed} passed, {_failed(failed)}")
    _exit(1 if failed else 0)


def exception_lines(folders: Sequence[Path]) -> list[str]:
    """The exceptions the objects under ``folders`` declare, one line per object and check:
    ``<folder>: <Kind/namespace/name>: checkov <check>: <reason>`` for each ``checkov.io/skip<n>``
    annotation and ``<folder>: <Kind/namespace/name>: pod-security: <relaxations> (needs Pod
    Security <level>): <reason>`` for each declared security exception.

    Raises:
        click.UsageError: a folder that is not one or holds no manifest.
    """
    from aipp_constructs.checks import load_manifests, object_ref
    from aipp_constructs.checks.pod_security import declared_exceptions
    from aipp_constructs.core.policy import SKIP_ANNOTATION_PREFIX

    lines = []
    for folder in folders:
        if not folder.is_dir() or not _manifest_files(folder):
            raise click.UsageError(f"{folder} is not a folder of *.yaml manifests")
        label = _display(folder)
        for doc in load_manifests(folder):
            ref = object_ref(doc)
            annotations = (doc.get("metadata") or {}).get("annotations") or {}
            for key, value in annotations.items():
                if key.startswith(SKIP_ANNOTATION_PREFIX):
                    check_id, _, reason = str(value).partition("=")
                    lines.append(f"{label}: {ref}: checkov {check_id}: {reason}")
            for declared in declared_exceptions(doc):
                lines.append(f"{label}: {ref}: pod-security: {declared.split(': ', 1)[1]}")
    return lines


def _files(files: Sequence[Path]) -> str:
    return f"{len(files)} file{'s' if len(files) != 1 else ''}"


def _failed(count: int) -> str:
    return click.style(f"{count} failed", fg="red", bold=True) if count else f"{count} failed"


# -- diff ------------------------------------------------------------------------------------------


def _show_diff(
    diffs: Sequence[manifest_diff.FolderDiff], notes: Sequence[str], refused: Sequence[Any], markdown: bool, title: str
) -> NoReturn:
    """Prints ``diffs`` (text, or a pull request section titled ``title``), the notes and the
    changes the API server would refuse (``refused``: objects with a ``line()``); exit status
    1 when anything differs, else 0."""
    from aipp_constructs.review import manifest_diff

    if markdown:
        lines = manifest_diff.render_markdown(diffs, title)
    else:
        lines = manifest_diff.render_text(diffs, _paint)
    for line in lines:
        click.echo(line)
    # Changes the API server would refuse on the existing objects, and those that land another
    # way than the diff suggests.
    for note in notes:
        click.echo(f"- note: {note}" if markdown else f"note: {note}")
    if refused and markdown:
        click.echo(f"\n**Cannot be applied to the existing objects** ({len(refused)})\n")
        for violation in refused:
            click.echo(f"- {violation.line()}")
    elif refused:
        click.echo(click.style(f"cannot be applied to the existing objects ({len(refused)}):", fg="red", bold=True))
        for violation in refused:
            click.echo(f"  {violation.line()}")
    _exit(1 if any(d.differs for d in diffs) else 0)


def _matches(relative: str, target: str) -> bool:
    """Whether the output file ``relative`` belongs to ``target``: that file or folder, or the
    chart's file (``<chart>.k8s.yaml`` or ``<chart>.yaml``, cdk8s's file per chart)."""
    name = relative.rsplit("/", 1)[-1]
    return (
        relative == target
        or relative.startswith(target.rstrip("/") + "/")
        or name in (f"{target}.k8s.yaml", f"{target}.yaml")
    )


def _copy_matching(folder: Path, files: Iterable[str], into: Path) -> Path:
    into.mkdir(parents=True)
    for relative in files:
        if (folder / relative).is_file():
            (into / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(folder / relative, into / relative)
    return into


@aipp.command()
@click.argument("target", metavar="[CHART]", required=False)
@click.option("--markdown", is_flag=True, help="A section to paste into a pull request.")
def diff(target: str | None, markdown: bool) -> None:
    """Compare a fresh synth of the project with its output folder object by object.

    The app runs with CDK8S_OUTDIR naming a temporary folder (the output folder is never
    touched); its manifests are compared with those of the output folder, objects keyed by
    apiVersion/kind/namespace/name: added, removed, changed (with the changed fields). CHART
    keeps one chart (its <CHART>.k8s.yaml) or a file or folder under the output. A change the
    API server would refuse on the existing object (docs/immutable-fields.md) is listed again at
    the end. Exit status 0 without a difference, 1 with one, 2 on a usage error or an app that
    fails.

    \b
    Example:
      aipp diff                          # after editing the app
      aipp diff web --markdown > pr.md   # the chart web only, for the pull request
    """
    from aipp_constructs.review import immutable_fields, manifest_diff
    from aipp_constructs.review.image_pins import StalePin, stale_pins

    with _refusals(), tempfile.TemporaryDirectory(prefix="aipp-diff-") as scratch:
        project = required_project()
        fresh = Path(scratch) / "fresh"
        fresh.mkdir()
        _progress(f"running {project.app} into a temporary folder...")
        try:
            run_app(project, fresh)
        except AppFailed as failed:
            raise _app_refused(failed, 2) from None
        before, after, label = project.output, fresh, _display(project.output)
        if target is not None:
            files = [
                f for f in dict.fromkeys([*_yaml_files(project.output), *_yaml_files(fresh)]) if _matches(f, target)
            ]
            if not files:
                charts = ", ".join(_yaml_files(fresh)) or "none"
                raise _Refused(
                    [f"CHART {target!r} is no chart, file or folder of the output; the app writes: {charts}"], 2
                )
            before = _copy_matching(project.output, files, Path(scratch) / "before")
            after = _copy_matching(fresh, files, Path(scratch) / "after")
        try:
            diffs = [manifest_diff.diff_folders(before, after, label)]
            notes: list[str] = []
            refused: list[immutable_fields.Violation | StalePin] = [
                *immutable_fields.check_folders(before, after, None, notes),
                *stale_pins(before, after),
            ]
        except (yaml.YAMLError, TypeError, ValueError) as error:
            raise _Refused([f"cannot read {label}: {' '.join(str(error).split())}"], 2) from None
    _show_diff(diffs, notes, refused, markdown, f"Manifest changes of `{target or project.root.name}`")


_COLOURS = {"added": "green", "removed": "red", "changed": "yellow"}


def _paint(text: str, change: str) -> str:
    return click.style(text, fg=_COLOURS.get(change))


# -- graph -----------------------------------------------------------------------------------------

EdgeKind = Literal["depends_on", "waits_for", "connects_to", "after"]
_WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job")
_HOOK_ANNOTATION = "argocd.argoproj.io/hook"


@dataclass(frozen=True)
class Node:
    """A component: its workload kind, sync wave (or ArgoCD hook) and served ports."""

    name: str
    kind: str
    wave: int
    hook: str | None = None
    ports: tuple[int, ...] = ()

    def lines(self) -> list[str]:
        where = f"{self.hook} hook" if self.hook else f"wave {self.wave}"
        lines = [self.name, ", ".join(part for part in (self.kind, where) if part)]
        if self.ports:
            lines.append(f"port{'s' if len(self.ports) > 1 else ''} {', '.join(map(str, self.ports))}")
        return lines


@dataclass(frozen=True)
class Edge:
    """``source`` -> ``target`` of one kind; ``port`` is the target's port it opens (none for ``after``)."""

    source: str
    target: str
    kind: EdgeKind
    port: int | None = None

    @property
    def label(self) -> str:
        """``after``; else the port, after ``wait`` or ``connect`` for those kinds."""
        words = {"depends_on": [], "waits_for": ["wait"], "connects_to": ["connect"], "after": ["after"]}[self.kind]
        return " ".join([*words, *([str(self.port)] if self.port is not None else [])]) or self.kind


def component_graph(chart: PortChart) -> tuple[list[Node], list[Edge]]:
    """The components of ``chart`` (creation order, a graph order) and their declared edges."""
    from aipp_constructs.core._manifest import Manifest
    from aipp_constructs.workloads.adopted_workload import AdoptedWorkload

    nodes: list[Node] = []
    edges: list[Edge] = []
    for component in chart.contained_components():
        workload = next(
            (
                manifest
                for manifest in component.node.find_all()
                if isinstance(manifest, Manifest) and manifest.to_json()["kind"] in _WORKLOAD_KINDS
            ),
            component.workload_object if isinstance(component, AdoptedWorkload) else None,
        )
        data = workload.to_json() if workload is not None else {}
        annotations = (data.get("metadata") or {}).get("annotations") or {}
        ports = tuple(component.endpoint.ports.values()) if component.endpoint is not None else ()
        nodes.append(
            Node(component.name, data.get("kind", ""), component.wave, annotations.get(_HOOK_ANNOTATION), ports)
        )
        declared: list[tuple[EdgeKind, Iterable[Component]]] = [
            ("depends_on", component.depends_on),
            ("waits_for", (c for c in component.waits_for if c not in component.depends_on)),
            ("connects_to", (c for c in component.connects_to if c not in component.depends_on)),
            ("after", component.after),
        ]
        for kind, targets in declared:
            for target in targets:
                port = None
                if kind != "after" and target.endpoint is not None:
                    port = target.endpoint.main_port
                edges.append(Edge(component.name, target.name, kind, port))
    return nodes, edges


_MERMAID_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_MERMAID_RESERVED = frozenset(
    {"end", "graph", "subgraph", "flowchart", "style", "class", "classDef", "click", "linkStyle", "direction"}
)
_MERMAID_ARROWS: dict[EdgeKind, str] = {"depends_on": "-->", "waits_for": "==>", "connects_to": "-.->", "after": "-.->"}


#: A chart's graph: its name, its components and their edges (:func:`component_graph`).
ChartGraph = tuple[str, Sequence[Node], Sequence[Edge]]


class _Ids:
    """Unique node ids over the charts drawn; an edge's target is looked up in its own chart
    first, then in any other, else it is a component outside the charts drawn."""

    def __init__(self, graphs: Sequence[ChartGraph], valid: Callable[[str, set[str]], bool], qualify: bool) -> None:
        self._by_chart: dict[tuple[int, str], str] = {}
        self._by_name: dict[str, str] = {}
        self.outside: dict[str, str] = {}
        names = [node.name for _, nodes, _ in graphs for node in nodes]
        self._used: set[str] = set()
        self._valid = valid
        i = 0
        for g, (chart, nodes, _) in enumerate(graphs):
            for node in nodes:
                wanted = f"{chart}/{node.name}" if qualify and names.count(node.name) > 1 else node.name
                ident = wanted if valid(wanted, self._used) else f"n{i}"
                self._used.add(ident)
                self._by_chart[(g, node.name)] = ident
                self._by_name.setdefault(node.name, ident)
                i += 1
        self._count = i

    def node(self, g: int, name: str) -> str:
        return self._by_chart[(g, name)]

    def target(self, g: int, name: str) -> str:
        found = self._by_chart.get((g, name)) or self._by_name.get(name) or self.outside.get(name)
        if found is None:
            found = name if self._valid(name, self._used) else f"n{self._count + len(self.outside)}"
            self._used.add(found)
            self.outside[name] = found
        return found


def _mermaid_valid(name: str, used: set[str]) -> bool:
    return bool(_MERMAID_ID.fullmatch(name)) and name not in _MERMAID_RESERVED and name not in used


def _dot_valid(name: str, used: set[str]) -> bool:
    return name not in used


def _mermaid_node(ident: str, lines: Sequence[str]) -> str:
    return f'{ident}["{"<br/>".join(line.replace(chr(34), "#quot;") for line in lines)}"]'


def render_mermaid(nodes: Sequence[Node], edges: Sequence[Edge]) -> list[str]:
    """A Mermaid flowchart: a box per component (kind, wave, ports), an arrow per edge:
    ``-->`` depends_on and ``==>`` waits_for labelled with the port, ``-.->`` connects_to
    (port) and after. A target outside ``nodes`` (in another chart) is a box with its name."""
    return _render_mermaid([("", nodes, edges)], subgraphs=False)


def _render_mermaid(graphs: Sequence[ChartGraph], *, subgraphs: bool) -> list[str]:
    ids = _Ids(graphs, _mermaid_valid, qualify=False)
    lines = ["graph LR"]
    for g, (chart, nodes, _) in enumerate(graphs):
        indent = "    " if subgraphs else "  "
        if subgraphs:
            lines.append(f'  subgraph chart{g}["{chart}"]')
        lines += [f"{indent}{_mermaid_node(ids.node(g, node.name), node.lines())}" for node in nodes]
        if subgraphs:
            lines.append("  end")
    arrows = [
        f"  {ids.node(g, e.source)} {_MERMAID_ARROWS[e.kind]}|{e.label}| {ids.target(g, e.target)}"
        for g, (_, _, edges) in enumerate(graphs)
        for e in edges
    ]
    lines += [f"  {_mermaid_node(ident, [name])}" for name, ident in ids.outside.items()]
    return [*lines, *arrows]


_DOT_STYLES: dict[EdgeKind, str] = {
    "depends_on": "",
    "waits_for": ", style=bold",
    "connects_to": ", style=dashed",
    "after": ", style=dotted",
}


def render_dot(nodes: Sequence[Node], edges: Sequence[Edge], name: str) -> list[str]:
    """A Graphviz digraph of the same graph (``dot -Tsvg``)."""
    return _render_dot([("", nodes, edges)], name, subgraphs=False)


def _render_dot(graphs: Sequence[ChartGraph], name: str, *, subgraphs: bool) -> list[str]:
    ids = _Ids(graphs, _dot_valid, qualify=True)
    lines = [f"digraph {json.dumps(name)} {{", "  rankdir=LR;", "  node [shape=box];"]
    for g, (chart, nodes, _) in enumerate(graphs):
        indent = "    " if subgraphs else "  "
        if subgraphs:
            lines += [f"  subgraph {json.dumps(f'cluster_{g}')} {{", f"    label={json.dumps(chart)};"]
        lines += [
            f"{indent}{json.dumps(ids.node(g, node.name))} [label={json.dumps(chr(10).join(node.lines()))}];"
            for node in nodes
        ]
        if subgraphs:
            lines.append("  }")
    arrows = [
        f"  {json.dumps(ids.node(g, e.source))} -> {json.dumps(ids.target(g, e.target))} "
        f"[label={json.dumps(e.label)}{_DOT_STYLES[e.kind]}];"
        for g, (_, _, edges) in enumerate(graphs)
        for e in edges
    ]
    lines += [f"  {json.dumps(ident)} [label={json.dumps(name)}];" for name, ident in ids.outside.items()]
    return [*lines, *arrows, "}"]


def render_graphs(graphs: Sequence[ChartGraph], output_format: Literal["mermaid", "dot"], name: str) -> list[str]:
    """One chart's graph as :func:`render_mermaid` or :func:`render_dot` draw it; several charts
    as one diagram, a subgraph (Mermaid) or cluster (DOT) per chart, edges across them drawn."""
    if len(graphs) == 1:
        _, nodes, edges = graphs[0]
        return render_mermaid(nodes, edges) if output_format == "mermaid" else render_dot(nodes, edges, graphs[0][0])
    if output_format == "mermaid":
        return _render_mermaid(graphs, subgraphs=True)
    return _render_dot(graphs, name, subgraphs=True)


@aipp.command()
@click.argument("chart_name", metavar="[CHART]", required=False)
@click.option("--format", "output_format", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True)
def graph(chart_name: str | None, output_format: Literal["mermaid", "dot"]) -> None:
    """Print the component graph of the project's PortCharts, Mermaid or DOT.

    The app (a Python file or module, app: of cdk8s.yaml) runs in this process with app.synth()
    recorded, not written; then one node per component of each PortChart (its workload kind, its
    ArgoCD sync wave or hook, the ports it serves), one edge per declaration: depends_on (-->
    with the port: wait, wiring and policy), waits_for (==>), connects_to and after (-.->).
    CHART (a chart's id) draws that chart alone; without it every chart is drawn, a subgraph each.

    \b
    Example:
      aipp graph                                  # Mermaid, for Markdown
      aipp graph web --format dot | dot -Tsvg > graph.svg
    """
    from aipp_constructs.platform.port_chart import PortChart

    with _refusals():
        project = required_project()
        try:
            apps = record_apps(project)
        except AppFailed as failed:
            raise _app_refused(failed, 1) from None
        charts = [c for app in apps for c in app.node.find_all() if isinstance(c, PortChart)]
        if not charts:
            raise _Refused(
                [f"the app ({project.app}) makes no PortChart; aipp graph draws the components of PortCharts"]
            )
        if chart_name is not None:
            chosen = [c for c in charts if c.node.id == chart_name]
            if not chosen:
                names = ", ".join(c.node.id for c in charts)
                raise _Refused([f"CHART {chart_name!r} is not a PortChart of the app; name one of: {names}"], 2)
            charts = chosen
        graphs = [(c.node.id, *component_graph(c)) for c in charts]
    for line in render_graphs(graphs, output_format, project.root.name):
        click.echo(line)


# -- compose ---------------------------------------------------------------------------------------


@aipp.group(context_settings=_SETTINGS)
def compose() -> None:
    """Inspect a vendor's Compose file; compare it with a port.

    The Compose tooling (also python -m aipp_constructs.compose); reads files only.

    \b
    Example:
      aipp compose inspect vendor/aipp/docker-compose.yml
      aipp compose drift vendor/aipp/docker-compose.yml dist/dev-meta
      aipp compose init vendor/aipp/docker-compose.yml -o port.py
    """


_F = TypeVar("_F", bound=Callable[..., Any])


def compose_read_options(command: _F) -> _F:
    """``--env-file F`` and ``--profile P`` (both repeatable), as ``docker compose`` takes them."""
    command = click.option(
        "--profile",
        "profiles",
        multiple=True,
        metavar="P",
        help="Enable the services of profile P (repeatable; default: COMPOSE_PROFILES).",
    )(command)
    return click.option(
        "--env-file",
        "env_files",
        multiple=True,
        type=click.Path(path_type=Path),
        metavar="F",
        help="Variables for interpolation (repeatable, a later file wins; default: the .env beside FILE).",
    )(command)


@compose.command("inspect")
@click.argument("file", type=click.Path(path_type=Path), metavar="FILE")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@compose_read_options
def compose_inspect(file: Path, output_format: str, env_files: tuple[Path, ...], profiles: tuple[str, ...]) -> None:
    """Map each Compose service to a construct and its props.

    Per service: its facts, the construct and props it maps to, what to decide by hand.
    Exit status 0, or 2 on a usage error or a malformed file.

    \b
    Example:
      aipp compose inspect docker-compose.yml --format json
    """
    from aipp_constructs.compose.__main__ import run_inspect

    _exit(run_inspect(file, output_format, env_files=env_files, profiles=profiles))


@compose.command("drift")
@click.argument("file", type=click.Path(path_type=Path), metavar="FILE")
@click.argument("port_dir", type=click.Path(path_type=Path), metavar="PORT_DIR")
@click.option(
    "--ignore",
    multiple=True,
    metavar="KEY",
    help="SERVICE, SERVICE.env.NAME / .port.N / .volume.NAME / .bind.PATH / .healthcheck / .service, "
    "or a glob such as 'SERVICE.environment.*' (repeatable).",
)
@compose_read_options
@click.option(
    "--ignore-file",
    "ignore_files",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Ignore rules, one a line, the reason after '#' (repeatable).",
)
@click.option(
    "--rename",
    multiple=True,
    metavar="COMPOSE=NAME",
    help="The port calls Compose service COMPOSE NAME, e.g. db_postgres=db (repeatable).",
)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def compose_drift(
    file: Path,
    port_dir: Path,
    ignore: tuple[str, ...],
    ignore_files: tuple[Path, ...],
    rename: tuple[str, ...],
    output_format: str,
    env_files: tuple[Path, ...],
    profiles: tuple[str, ...],
) -> None:
    """List what the Compose file has that the port lacks.

    Compares FILE with the port's manifests, the *.yaml under PORT_DIR.
    One `drift:` line per finding, `findings by kind: ...` and `N services compared,
    M findings`; exit status 0 without drift, 1 with drift, 2 on a usage error.
    A service the port renamed is found by --rename, or read from the port's variables
    (printed as a `rename:` line).

    \b
    Example:
      aipp compose drift vendor/aipp/docker-compose.yml dist/dev-meta
      aipp compose drift dify.yml dist --rename db_postgres=db --ignore 'certbot*'
    """
    from aipp_constructs.compose.__main__ import run_drift

    _exit(
        run_drift(
            file,
            port_dir,
            ignore,
            renames=rename,
            ignore_files=ignore_files,
            output_format=output_format,
            env_files=env_files,
            profiles=profiles,
        )
    )


@compose.command("init")
@click.argument("file", type=click.Path(path_type=Path), metavar="FILE")
@compose_read_options
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path("port.py"),
    show_default=True,
    metavar="PORT_PY",
    help="Where to write the program.",
)
@click.option("--name", default=None, metavar="NAME", help="The port's name (namespace); default: the project's.")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
def compose_init(
    file: Path, env_files: tuple[Path, ...], profiles: tuple[str, ...], output: Path, name: str | None, force: bool
) -> None:
    """Write a port program for a Compose file.

    A complete Python program using only the public API: one construct per service in
    creation order, Vault keys for credentials, Ingress routes for published ports, and a
    `# TODO(port):` comment at every value a person must decide. `python PORT_PY` writes
    dist/ beside it; `aipp check` of that passes. Exit status 0, or 2 on a usage error, a
    malformed file or an existing PORT_PY (without --force).

    \b
    Example:
      aipp compose init docker-compose.yml -o port.py && python port.py && aipp check dist
    """
    from aipp_constructs.compose.__main__ import run_init

    _exit(run_init(file, output, env_files=env_files, profiles=profiles, name=name, force=force))
