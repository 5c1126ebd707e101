"""The ``aipp`` command (``.venv/bin/aipp``, or ``python -m aipp_constructs``).

One Click group for the platform team's daily loop, each subcommand reusing the code of the
program it fronts:

* ``aipp synth [ENV...]``: ``main.py``'s synth (atomic output into ``dist/``);
* ``aipp check [DIR...]``: every offline check of a folder of manifests: the strict schemas, Pod
  Security ``restricted`` and the credential check of :mod:`aipp_constructs.checks`, plus
  checkov and detect-secrets when they are installed (generic: no AIPP assumption);
* ``aipp diff ENV``: a fresh synth of ENV in a temporary folder compared with ``dist/``, object
  by object (:mod:`aipp_constructs.review.manifest_diff`);
* ``aipp graph ENV``: the component graph (edge kinds, ports, sync waves) as Mermaid or DOT;
* ``aipp images ENV [COMPONENT...]``: the commands that mirror the vendor release tags Harbor
  lacks, from the environment file and the registries' answers; ``--pin`` writes their digests
  into the file (:mod:`aipp_constructs.aipp.images`);
* ``aipp restore ENV --dump FILE``: the restore procedure generated from an environment file
  (it reads the file only);
* ``aipp compose inspect|drift``: the Compose tooling of :mod:`aipp_constructs.compose`.

Exit codes: 0 ok; 1 findings, a difference, or a refused environment file; 2 a usage error
(and, for ``diff``, whose 1 means "different", an environment file it cannot synthesize).

``synth``, ``diff`` and ``graph`` build charts with the AIPP program, ``main.py`` of the
source checkout this package is installed from (editable); ``check`` and ``compose`` need no
checkout.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import IO, TYPE_CHECKING, Any, Literal, NoReturn, cast

import click
import yaml

from aipp_constructs.core._config_loader import ConfigError, ConfigErrors
from aipp_constructs.core._validation import DEFAULT_KUBERNETES_VERSION, check_kubernetes_version

from .aipp.config import APP_COMPONENTS, BOOTSTRAP_DIR, EnvironmentConfig, load_environment
from .aipp.images import (
    DigestQuery,
    MirrorTool,
    RegistryUnavailable,
    login_commands,
    mirror_script,
    mirror_target,
    plan_mirror,
    tool_query,
    vendor_components,
    write_pins,
)

if TYPE_CHECKING:
    import main as program
    from aipp_constructs.core.component import Component
    from aipp_constructs.platform.port_chart import PortChart

__all__ = [
    "DETECT_SECRETS_ARGS",
    "PG_DATABASE_VAR",
    "PG_DUMP_CRONJOB",
    "PG_DUMP_DIR",
    "PROJECT",
    "RESTORE_JOB",
    "Edge",
    "Node",
    "aipp",
    "application_name",
    "check_dump_name",
    "component_graph",
    "exception_lines",
    "find_tool",
    "main",
    "render_dot",
    "render_mermaid",
    "restore_commands",
    "writer_deployments",
]

#: The source checkout: ``main.py``, ``environments/``, ``dist/``, ``tools/`` (when installed editable).
PROJECT = Path(__file__).resolve().parent.parent

# -- restore ---------------------------------------------------------------------------------

#: Name of the CronJob (and of its claim) that dumps the application database; set in
#: ``aipp/chart.py`` (``AippChart._pg_dump``), checked against ``dist/`` by the tests.
PG_DUMP_CRONJOB = "pgvector-backup"
#: Folder of the dumps in the CronJob's pod (``pg_dump_backup._BACKUP_DIR``).
PG_DUMP_DIR = "/backups"
#: Variable of the CronJob's container holding the application database's name (libpq).
PG_DATABASE_VAR = "PGDATABASE"
#: Name of the one-off restore Job.
RESTORE_JOB = "pgvector-restore"
# What the CronJob writes: <database>-<UTC timestamp>.dump. Letters, digits, '.', '_' and '-'
# only, so the name needs no shell quoting and cannot be an option or a path.
_DUMP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,250}\.dump")


def application_name(env: EnvironmentConfig) -> str:
    """The name of the environment's ArgoCD Application."""
    return getattr(env, "application_name", None) or env.gitops.application_name or env.namespace


def writer_deployments(env: EnvironmentConfig) -> list[str]:
    """The Deployments that write to the data tier: every enabled application service."""
    return [name for name in APP_COMPONENTS if env.enabled(name)]


def check_dump_name(dump: str) -> None:
    """Refuses anything but a plain dump file name.

    Raises:
        ValueError: naming the bad value and what is allowed.
    """
    if not _DUMP_NAME.fullmatch(dump):
        raise ValueError(
            f"--dump must be a file name written by the CronJob {PG_DUMP_CRONJOB}, like "
            f"aipp-20261126T023000Z.dump (letters, digits, '.', '_', '-'; ending in .dump; no '/'), got {dump!r}"
        )


def restore_commands(env: EnvironmentConfig, dump: str) -> list[str]:
    """The restore procedure of ``dump`` for ``env``: comments and shell commands, one per line.

    Raises:
        ValueError: when ``dump`` is not a plain dump file name.
    """
    check_dump_name(dump)
    ns = env.namespace
    app = application_name(env)
    writers = writer_deployments(env)
    kubectl = f"kubectl -n {ns}"
    restore = (
        f"ls -l {PG_DUMP_DIR} && pg_restore --clean --if-exists --no-owner "
        f'--dbname=\\"${PG_DATABASE_VAR}\\" {PG_DUMP_DIR}/" + $dump'
    )
    lines = [
        (
            f"# Restore {dump} into database {env.components.pgvector.database} of pgvector "
            f"(environment {env.name}, namespace {ns}, ArgoCD application {app})."
        ),
        "# 1. Stop ArgoCD's automated sync: self-heal would undo the next steps.",
        f"argocd app set {app} --sync-policy none",
        "# 2. Stop every writer and the nightly dump.",
    ]
    if writers:
        lines.append(f"{kubectl} scale deployment {' '.join(writers)} --replicas=0")
    else:
        lines.append("# (no application service is enabled: nothing to scale down)")
    lines += [
        f'{kubectl} patch cronjob {PG_DUMP_CRONJOB} --type=merge -p \'{{"spec":{{"suspend":true}}}}\'',
        "# 3. Restore with a one-off Job made from the CronJob (same image, credentials, volume, and the",
        "#    labels the NetworkPolicies let reach pgvector); no retry, no deadline.",
        f"{kubectl} create job {RESTORE_JOB} --from=cronjob/{PG_DUMP_CRONJOB} --dry-run=client -o json \\",
        f"  | jq --arg dump {dump} '.spec.backoffLimit = 0 | del(.spec.activeDeadlineSeconds)",
        f'      | .spec.template.spec.containers[0].command = ["sh", "-c", "{restore}]\' \\',
        "  | kubectl apply -f -",
        f"{kubectl} logs -f job/{RESTORE_JOB}",
        f"{kubectl} get job {RESTORE_JOB}   # COMPLETIONS 1/1; with 0/1 read the log before going on",
        f"{kubectl} delete job {RESTORE_JOB}",
        "# 4. Resume the nightly dump (suspend is not in the manifests: ArgoCD would leave it set),",
        "#    then ArgoCD's automated sync, which scales the writers back up.",
        f'{kubectl} patch cronjob {PG_DUMP_CRONJOB} --type=merge -p \'{{"spec":{{"suspend":false}}}}\'',
        f"argocd app set {app} --sync-policy automated --auto-prune --self-heal",
    ]
    return lines


# -- the AIPP program (main.py of the checkout) ----------------------------------------------


class _NoCheckout(click.UsageError):
    def __init__(self) -> None:
        super().__init__(
            f"this command builds the AIPP charts with main.py of the source checkout, which is not at "
            f"{PROJECT / 'main.py'}; run it from an editable install of the repository (make setup)"
        )


def _load_program() -> ModuleType:
    """``main.py`` of the checkout, imported once (the module the tests import as ``main``)."""
    path = PROJECT / "main.py"
    for name in ("main", "_aipp_main"):
        loaded = sys.modules.get(name)
        if loaded is not None and Path(getattr(loaded, "__file__", "") or "").resolve() == path:
            return loaded
    if not path.is_file():
        raise _NoCheckout()
    # Not `import main`: the current folder may hold another project's main.py.
    name = "main" if "main" not in sys.modules else "_aipp_main"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


class _Program:
    """Stands for the ``main`` module until an attribute is read (type-checked as ``main``)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_load_program(), name)


if not TYPE_CHECKING:
    program = _Program()


def _checkout() -> bool:
    return (PROJECT / "main.py").is_file()


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
    """``path`` relative to the current folder, else to the checkout, else absolute."""
    resolved = path.resolve()
    for base in (Path.cwd(), PROJECT):
        try:
            return str(resolved.relative_to(base.resolve())) or "."
        except ValueError:
            continue
    return str(path)


def _environments_dir() -> Path:
    """Where environment names are looked up: the checkout's ``environments/`` (any current
    folder), else ``environments/`` of the current folder."""
    return PROJECT / "environments" if _checkout() else Path("environments")


def _environment_file(value: str) -> Path:
    """A name (``dev-meta`` -> ``environments/dev-meta.yaml``) or a path to a file."""
    path = Path(value)
    if path.suffix in (".yaml", ".yml") or len(path.parts) > 1:
        return path
    return _environments_dir() / f"{value}.yaml"


def _shown(path: Path, value: str) -> str:
    """How an environment file is named in messages: as given when it is a path."""
    return value if Path(value) == path else _display(path)


def _errors(err: ConfigError) -> list[str]:
    return [str(problem) for problem in (err.errors if isinstance(err, ConfigErrors) else (err,))]


def _load_environment(value: str, code: int = 1) -> tuple[EnvironmentConfig, Path]:
    """The environment named by ``value`` and its file.

    Raises:
        _Refused: no such file, or the file's mistakes, one line each.
    """
    path = _environment_file(value)
    shown = _shown(path, value)
    if not path.is_file():
        raise _Refused([f"{shown}: no such environment file"], code)
    try:
        return load_environment(path, display=shown), path
    except ConfigError as err:
        raise _Refused(_errors(err), code) from None


@contextmanager
def _refusals() -> Iterator[None]:
    """Turns :class:`_Refused` into its ``error:`` lines and exit code."""
    try:
        yield
    except _Refused as refused:
        for line in refused.lines:
            _error(line)
        _exit(refused.code)


# -- the group ---------------------------------------------------------------------------------

_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(
    context_settings=_SETTINGS,
    epilog="Exit codes: 0 ok; 1 findings, a difference or a refused environment file; 2 a usage error (README: The aipp command).",
)
@click.version_option(package_name="aipp-constructs", message="%(prog)s %(version)s")
def aipp() -> None:
    """Synthesize, check and review the AIPP manifests.

    Also the Compose tooling for porting other vendors' stacks (aipp compose).

    \b
    Example:
      aipp synth                       # every environment -> dist/
      aipp diff dev-meta --markdown    # what an edit changes, for the pull request
      aipp check                       # every offline check over dist/
    """


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


@aipp.command()
@click.argument("environments", nargs=-1, metavar="[ENV]...")
def synth(environments: tuple[str, ...]) -> None:
    """Synthesize environments/<ENV>.yaml into dist/<ENV>/.

    Without ENV: every environment, as `make synth` does (without the examples). Every
    environment file is parsed and the charts are built in a staging folder; dist/ (with ENV,
    those environments' folders) is replaced only when all of that succeeded, so a refused
    file leaves the output byte-identical and prints one `error: FILE:LINE: field: problem;
    fix` line per mistake.

    \b
    Example:
      aipp synth              # every environment, like make synth
      aipp synth dev-meta     # dist/dev-meta/ and dist/bootstrap/dev-meta/ only
    """
    if not environments:
        _exit(program.main())
    _exit(
        _synth_some([Path(value).stem if Path(value).suffix in (".yaml", ".yml") else value for value in environments])
    )


def _synth_some(names: Sequence[str]) -> int:
    """``main.py``'s synth for some environments: every file is parsed (so collisions are still
    refused), the named ones are built in a staging folder, and their folders replaced."""
    outdir = program.output_dir().resolve()
    files = {name: program.ENVIRONMENTS_DIR / f"{name}.yaml" for name in names}
    missing = [file for file in files.values() if not file.is_file()]
    for file in missing:
        _error(f"{_display(file)}: no such environment file")
    if missing:
        return 1
    try:
        envs = {env.name: env for env in program.load_environments()}
    except ConfigError as err:
        for line in _errors(err):
            _error(line)
        return 1
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}-staging-", dir=outdir.parent))
    try:
        problems: list[str] = []
        for name in dict.fromkeys(names):
            try:
                program.synth_environment(envs[name], staging)
            except ConfigError as err:
                problems += _errors(err)
        if problems:
            for line in problems:
                _error(line)
            return 1
        # A change the API server would refuse to apply to the committed objects: one line each.
        problems = [
            str(p) for name in dict.fromkeys(names) for p in program.unappliable_changes(envs[name], outdir, staging)
        ]
        if problems:
            for line in problems:
                _error(line)
            return 1
        for name in dict.fromkeys(names):
            for folder in (Path(name), Path(BOOTSTRAP_DIR) / name):
                (outdir / folder).parent.mkdir(parents=True, exist_ok=True)
                program.replace_dir(staging / folder, outdir / folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    click.echo(f"synthesized {', '.join(dict.fromkeys(names))} into {_display(outdir)}", err=True)
    return 0


# -- check ---------------------------------------------------------------------------------------

#: The options of the secret scan when ``tools/detect-secrets/scan.args`` is not found (an
#: installed package): the same as that file (a test keeps them equal); each is explained in
#: tests/test_secret_scan.py.
DETECT_SECRETS_ARGS: tuple[str, ...] = (
    "--exclude-files",
    "^(imports/|aipp_constructs/crds/)",
    "--exclude-lines",
    "(^|[\\s{,])[\"']?(secretKey|secretName|secret_type|vendor_pull_secret|checkov\\.io/skip[0-9]+)[\"']?: ",
    "--exclude-lines",
    '^\\s*"[A-Z]\\w*": "[a-z_]+",$',
    "--exclude-secrets",
    "^[A-Z][A-Z0-9_]*$",
    "--exclude-secrets",
    "^(password|username)$",
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
    from .checks import object_ref

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
    """``.tools/<name>/bin/<name>`` of the current folder or of the checkout, else ``name`` on PATH."""
    for base in dict.fromkeys((Path.cwd(), PROJECT)):
        candidate = base / ".tools" / name / "bin" / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    return Path(found) if found else None


def _detect_secrets_args() -> list[str]:
    for base in dict.fromkeys((Path.cwd(), PROJECT)):
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
    """Every folder of manifests under ``dist/`` (of the current folder, else of the checkout):
    ``dist/<env>`` and, one level down, ``dist/bootstrap/<env>``."""
    dist = Path("dist")
    if not dist.is_dir() and _checkout():
        dist = Path(_display(program.output_dir()))
    if not dist.is_dir():
        raise click.UsageError("no DIR given and no dist/ folder here; name the folders of manifests to check")
    folders: list[Path] = []
    for child in sorted(p for p in dist.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if any(child.glob("*.yaml")):
            folders.append(child)
        else:
            folders += sorted(p for p in child.iterdir() if p.is_dir() and any(p.rglob("*.yaml")))
    if not folders:
        raise click.UsageError(f"no folder of *.yaml manifests under {dist}; synthesize first (aipp synth)")
    return folders


def _environment_version(folder: Path) -> str | None:
    """The ``kubernetes_version`` of the environment whose output ``folder`` is
    (``dist/<env>`` or ``dist/bootstrap/<env>`` of the checkout); None for any other folder."""
    if not _checkout():
        return None
    try:
        parts = folder.resolve().relative_to(program.output_dir().resolve()).parts
    except ValueError:
        return None
    name = parts[1] if len(parts) == 2 and parts[0] == BOOTSTRAP_DIR else parts[0] if len(parts) == 1 else None
    path = program.ENVIRONMENTS_DIR / f"{name}.yaml"
    if name is None or not path.is_file():
        return None
    try:
        return load_environment(path).kubernetes_version
    except ConfigError:
        return None


def _manifest_files(folder: Path) -> list[Path]:
    return [f for f in sorted(folder.rglob("*.yaml")) if f.is_file() and f.name != "kustomization.yaml"]


@aipp.command()
@click.argument("dirs", nargs=-1, type=click.Path(path_type=Path), metavar="[DIR]...")
@click.option(
    "--kubernetes-version",
    metavar="v1.N",
    help="The oldest Kubernetes version the manifests must be valid for. "
    f"[default: the environment's for dist/<env>, else {DEFAULT_KUBERNETES_VERSION}]",
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

    DIR defaults to each folder of manifests under dist/ (dist/<env>, dist/bootstrap/<env>).

    Strict Kubernetes schemas (the oldest version and the newest known) and CRD schemas, Pod
    Security "restricted" and the credential check over every object of every *.yaml file
    (kustomization.yaml aside); then checkov (every check, offline) and the detect-secrets scan
    when they are installed (.tools/<tool>/bin/ of this folder or of the checkout, or PATH).
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
    if list_exceptions:
        try:
            lines = exception_lines(list(dirs) or _default_folders())
        except ImportError as error:  # reading the manifests needs the [checks] extra too
            raise click.UsageError(f"the checks need {error.name}: pip install 'aipp-constructs[checks]'") from None
        for line in lines:
            click.echo(line)
        _exit(0)
    try:
        from .checks import load_crd_schemas
        from .checks.__main__ import CHECKS, FolderError, check_folder
        from .checks.schemas import kubernetes_versions
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
            version = kubernetes_version or _environment_version(folder) or DEFAULT_KUBERNETES_VERSION
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
    from aipp_constructs.core.policy import SKIP_ANNOTATION_PREFIX

    from .checks import load_manifests, object_ref
    from .checks.pod_security import declared_exceptions

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


@aipp.command()
@click.argument("environment", metavar="ENV")
@click.option(
    "--dist",
    "dist_dir",
    type=click.Path(path_type=Path),
    help="The output to compare with: <DIR>/<env> and <DIR>/bootstrap/<env>.  [default: the checkout's dist/]",
)
@click.option("--markdown", is_flag=True, help="A section to paste into a pull request.")
def diff(environment: str, dist_dir: Path | None, markdown: bool) -> None:
    """Compare a fresh synth of ENV with dist/ object by object.

    ENV is an environment name (environments/<ENV>.yaml) or the path of an environment file
    (compared with dist/<file name>). It is synthesized into a temporary folder (dist/ is never
    touched) and compared with dist/<ENV> and dist/bootstrap/<ENV>, objects keyed by
    apiVersion/kind/namespace/name: added, removed, changed (with the changed fields). A change
    the API server would refuse on the existing object (a field it will not update in place,
    docs/immutable-fields.md) is listed again at the end with the procedure that works. Exit
    status 0 without a difference, 1 with one, 2 on a usage error or an environment file that
    cannot be synthesized.

    \b
    Example:
      aipp diff dev-meta                       # after editing environments/dev-meta.yaml
      aipp diff dev-meta --markdown > pr.md    # the section for the pull request
    """
    from aipp_constructs.review import immutable_fields, manifest_diff
    from aipp_constructs.review.image_pins import StalePin, stale_pins

    if dist_dir is not None and not dist_dir.is_dir():
        raise click.BadParameter(f"{dist_dir} is not a directory", param_hint="--dist")
    with _refusals():
        env, path = _load_environment(environment, code=2)
        dist = dist_dir if dist_dir is not None else program.output_dir()
        with tempfile.TemporaryDirectory(prefix="aipp-diff-") as scratch:
            fresh = Path(scratch)
            _progress(f"synthesizing {env.name} into a temporary folder...")
            try:
                program.synth_environment(env, fresh, path.parent)
            except ConfigError as err:
                raise _Refused(_errors(err), 2) from None
            folders = [Path(env.name)]
            if (fresh / BOOTSTRAP_DIR / env.name).is_dir():
                folders.append(Path(BOOTSTRAP_DIR) / env.name)
            try:
                diffs = [manifest_diff.diff_folders(dist / f, fresh / f, _display(dist / f)) for f in folders]
                notes: list[str] = []
                refused: list[immutable_fields.Violation | StalePin] = [
                    *immutable_fields.check_folders(dist, fresh, [f.as_posix() for f in folders], notes),
                    *stale_pins(dist / env.name, fresh / env.name),
                ]
            except (yaml.YAMLError, TypeError, ValueError) as error:
                raise _Refused([f"cannot read {_display(dist)}: {' '.join(str(error).split())}"], 2) from None
    if markdown:
        lines = manifest_diff.render_markdown(diffs, f"Manifest changes of `{env.name}`")
    else:
        lines = manifest_diff.render_text(diffs, _paint)
    for line in lines:
        click.echo(line)
    # Changes the API server would refuse on the existing objects (make synth refuses them too),
    # and those that land another way than the diff suggests.
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

    nodes: list[Node] = []
    edges: list[Edge] = []
    for component in chart.contained_components():
        workload = next(
            (
                manifest
                for manifest in component.node.find_all()
                if isinstance(manifest, Manifest) and manifest.to_json()["kind"] in _WORKLOAD_KINDS
            ),
            None,
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


def render_mermaid(nodes: Sequence[Node], edges: Sequence[Edge]) -> list[str]:
    """A Mermaid flowchart: a box per component (kind, wave, ports), an arrow per edge:
    ``-->`` depends_on and ``==>`` waits_for labelled with the port, ``-.->`` connects_to
    (port) and after."""
    ids = {
        node.name: node.name if _MERMAID_ID.fullmatch(node.name) and node.name not in _MERMAID_RESERVED else f"n{i}"
        for i, node in enumerate(nodes)
    }
    lines = ["graph LR"]
    for node in nodes:
        label = "<br/>".join(line.replace('"', "#quot;") for line in node.lines())
        lines.append(f'  {ids[node.name]}["{label}"]')
    for edge in edges:
        lines.append(f"  {ids[edge.source]} {_MERMAID_ARROWS[edge.kind]}|{edge.label}| {ids[edge.target]}")
    return lines


_DOT_STYLES: dict[EdgeKind, str] = {
    "depends_on": "",
    "waits_for": ", style=bold",
    "connects_to": ", style=dashed",
    "after": ", style=dotted",
}


def render_dot(nodes: Sequence[Node], edges: Sequence[Edge], name: str) -> list[str]:
    """A Graphviz digraph of the same graph (``dot -Tsvg``)."""
    lines = [f"digraph {json.dumps(name)} {{", "  rankdir=LR;", "  node [shape=box];"]
    lines += [f"  {json.dumps(node.name)} [label={json.dumps(chr(10).join(node.lines()))}];" for node in nodes]
    lines += [
        f"  {json.dumps(e.source)} -> {json.dumps(e.target)} [label={json.dumps(e.label)}{_DOT_STYLES[e.kind]}];"
        for e in edges
    ]
    return [*lines, "}"]


@aipp.command()
@click.argument("environment", metavar="ENV")
@click.option("--format", "output_format", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True)
def graph(environment: str, output_format: str) -> None:
    """Print the component graph of ENV, Mermaid or DOT.

    One node per component (its workload kind, its ArgoCD sync wave or hook, the ports it
    serves), one edge per declaration: depends_on (--> with the port: wait, wiring and
    policy), waits_for (==>), connects_to and after (-.->). The README's picture of dev-meta
    is this output. ENV is a name (environments/<ENV>.yaml) or a file path.

    \b
    Example:
      aipp graph dev-meta                        # Mermaid, for Markdown
      aipp graph dev-meta --format dot | dot -Tsvg > graph.svg
    """
    from aipp_constructs.platform.port_chart import PortChart

    with _refusals():
        env, path = _load_environment(environment)
        with tempfile.TemporaryDirectory(prefix="aipp-graph-") as scratch:
            try:
                app = program.build_app(env, scratch, path.parent)
            except ConfigError as err:
                raise _Refused(_errors(err)) from None
            chart = next(c for c in app.node.children if isinstance(c, PortChart))
            nodes, edges = component_graph(chart)
    lines = render_mermaid(nodes, edges) if output_format == "mermaid" else render_dot(nodes, edges, env.name)
    for line in lines:
        click.echo(line)


# -- images, restore -------------------------------------------------------------------------------


def _images_command(environment: str, components: Sequence[str], tool: str, force: bool, script: bool) -> str:
    """The ``aipp images`` command line that makes a script (its comment)."""
    words = ["aipp", "images", environment, *components]
    words += [f"--tool {tool}"] if tool != "skopeo" else []
    words += ["--force"] if force else []
    words += ["--script"] if script else []
    return " ".join(words)


@aipp.command()
@click.argument("environment", metavar="ENV")
@click.argument("components", metavar="[COMPONENT]...", nargs=-1)
@click.option(
    "--tool",
    type=click.Choice(["skopeo", "crane", "docker"]),
    default="skopeo",
    show_default=True,
    help="skopeo copy --all or crane copy (every platform), or docker pull/tag/push (this machine's platform).",
)
@click.option("--script", is_flag=True, help="A ready shell script: #!/bin/sh, set -eu, then the commands.")
@click.option("--force", is_flag=True, help="Copy even where the Harbor tag exists, overwriting it.")
@click.option("--pin", is_flag=True, help="Write each mirrored tag's digest into the environment file.")
def images(environment: str, components: tuple[str, ...], tool: str, script: bool, force: bool, pin: bool) -> None:
    """Mirror ENV's missing vendor release tags into Harbor; pin their digests.

    For the named enabled vendor components (default: all), from the image rows of the file:
    asks Harbor (registry.host, registry.mirror_project) with --tool which release tags it
    has, and prints the commands that copy only the missing ones, each from the vendor tag's
    digest resolved now. The commands check the tag again right before copying, and never
    overwrite it unless --force. --pin writes the digest of each Harbor tag into its row
    (digest: sha256:...), so that option A and option B pull exactly the mirrored bytes.

    \b
    Example:
      aipp images dev-meta enai-backend --script > mirror.sh && sh mirror.sh
      aipp images dev-meta enai-backend --pin
    """
    with _refusals():
        path = _environment_file(environment)
        shown = _shown(path, environment)
        if not path.is_file():
            raise _Refused([f"{shown}: no such environment file"])
        try:
            env = load_environment(path, display=shown, vendor_digests=False)
        except ConfigError as err:
            raise _Refused(_errors(err)) from None
        if force and pin:
            raise _Refused(["--force copies and --pin writes the file: run the copy first, then --pin alone"], 2)
        try:
            chosen = vendor_components(env, components)
        except ValueError as err:
            raise _Refused([str(err)], 2) from None
        mirror_tool = cast("MirrorTool", tool)
        query = tool_query(mirror_tool)
        try:
            if pin:
                _pin(env, path, shown, chosen, query)
                return
            steps = plan_mirror(env, chosen, query, force=force)
        except RegistryUnavailable as err:
            login = login_commands(env, mirror_tool)[0 if err.host == env.registry.vendor_host else 1]
            raise _Refused([f"cannot read the registry {err.host}: {err.reason}; log in with `{login}`"]) from None
        except ValueError as err:
            raise _Refused([str(err)]) from None
    if env.registry.vendor_images == "vendor":
        _note(
            f"{shown} pulls vendor images from {env.registry.vendor_host} by digest (vendor_images: vendor); "
            "the mirror keeps each release under its tag, and --pin writes its digest into the file"
        )
    for step in steps:
        if step.copies and step.pinned:
            _note(
                f"images.{step.component}.digest pins {step.pinned}, not the image this copies: "
                f"after the copy, run `aipp images {environment} {step.component} --pin`"
            )
        elif not step.copies and step.pinned and step.pinned != step.target_digest:
            _note(
                f"images.{step.component}.digest is {step.pinned}, but {step.target} is {step.target_digest}: "
                f"run `aipp images {environment} {step.component} --pin`"
            )
    command = _images_command(environment, components, tool, force, script)
    for line in mirror_script(env, steps, mirror_tool, command=command, force=force, script=script):
        click.echo(line)


def _pin(env: EnvironmentConfig, path: Path, shown: str, components: Sequence[str], query: DigestQuery) -> None:
    """``aipp images --pin``: each Harbor tag's digest into its row; nothing written on a mistake."""
    digests: dict[str, str] = {}
    missing = []
    for component in components:
        target = mirror_target(env, component)
        digest = query(target)
        if digest is None:
            missing.append(
                f"images.{component}: {target} is not in Harbor, so there is no digest to pin; "
                f"mirror it first: aipp images {shown} {component} --script > mirror.sh && sh mirror.sh"
            )
        else:
            digests[component] = digest
    if missing:
        raise _Refused(missing)
    before = write_pins(path, digests)
    try:
        load_environment(path, display=shown, vendor_digests=False)
    except ConfigError as err:
        path.write_text(before)
        raise _Refused([f"{shown}: not pinned, the pinned file would be refused:", *_errors(err)]) from None
    for component, digest in digests.items():
        click.echo(f"pinned: images.{component}.digest: {digest} ({mirror_target(env, component)})")


@aipp.command()
@click.argument("environment", metavar="ENV")
@click.option(
    "--dump",
    required=True,
    metavar="FILE",
    help=f"Dump file name on the {PG_DUMP_CRONJOB} volume, e.g. aipp-20261126T023000Z.dump.",
)
def restore(environment: str, dump: str) -> None:
    """Print the commands that restore a database dump of ENV.

    Every name comes from the environment file (namespace, ArgoCD Application, the writers to
    stop, the CronJob and the database); run the printed steps one by one. Reads the file only.

    \b
    Example:
      aipp restore dev-meta --dump aipp-20261126T023000Z.dump
    """
    with _refusals():
        try:
            check_dump_name(dump)
        except ValueError as err:
            raise _Refused([str(err)]) from None
        env, _ = _load_environment(environment)
    for line in restore_commands(env, dump):
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
    """


@compose.command("inspect")
@click.argument("file", type=click.Path(path_type=Path), metavar="FILE")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def compose_inspect(file: Path, output_format: str) -> None:
    """Map each Compose service to a construct and its props.

    Per service: its facts, the construct and props it maps to, what to decide by hand.
    Exit status 0, or 2 on a usage error or a malformed file.

    \b
    Example:
      aipp compose inspect docker-compose.yml --format json
    """
    from .compose.__main__ import run_inspect

    _exit(run_inspect(file, output_format))


@compose.command("drift")
@click.argument("file", type=click.Path(path_type=Path), metavar="FILE")
@click.argument("port_dir", type=click.Path(path_type=Path), metavar="PORT_DIR")
@click.option(
    "--ignore",
    multiple=True,
    metavar="KEY",
    help="SERVICE, or SERVICE.env.NAME / .port.N / .volume.NAME / .healthcheck / .service (repeatable).",
)
def compose_drift(file: Path, port_dir: Path, ignore: tuple[str, ...]) -> None:
    """List what the Compose file has that the port lacks.

    Compares FILE with the port's manifests, the *.yaml under PORT_DIR.
    One `drift:` line per finding and `N services compared, M findings`; exit status 0
    without drift, 1 with drift, 2 on a usage error.

    \b
    Example:
      aipp compose drift vendor/aipp/docker-compose.yml dist/dev-meta
    """
    from .compose.__main__ import run_drift

    _exit(run_drift(file, port_dir, ignore))
