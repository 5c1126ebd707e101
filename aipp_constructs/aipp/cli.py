"""The AIPP port's own ``aipp`` commands, plugged in where the AIPP port is the project.

This repository's ``pyproject.toml`` declares them (``[tool.aipp] commands``,
:mod:`aipp_constructs.cli.project`), so in this checkout ``aipp`` has them and in any other
project it has not:

* ``aipp synth [ENV]...``, ``aipp diff ENV``, ``aipp graph ENV``: replace the library's with the
  environment-file versions: ``main.py``'s synth of ``environments/<ENV>.yaml`` into
  ``dist/<ENV>/`` and ``dist/bootstrap/<ENV>/`` (atomic), the diff of a fresh synth of ENV with
  those folders, and ENV's component graph;
* ``aipp check``: the library's, each ``dist/<env>`` folder checked against its environment's
  ``kubernetes_version``;
* ``aipp images ENV [COMPONENT...]``: the commands that mirror the vendor release tags Harbor
  lacks; ``--pin`` writes their digests into the file (:mod:`aipp_constructs.aipp.images`);
* ``aipp restore ENV --dump FILE``: the restore procedure generated from an environment file.

``synth``, ``diff`` and ``graph`` build charts with the AIPP program, ``main.py`` of the
source checkout this package is installed from (editable).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

import click
import yaml

from aipp_constructs.aipp.config import APP_COMPONENTS, BOOTSTRAP_DIR, EnvironmentConfig, load_environment
from aipp_constructs.aipp.images import (
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
from aipp_constructs.cli import (
    _display,
    _error,
    _exit,
    _note,
    _progress,
    _refusals,
    _Refused,
    _show_diff,
    check_command,
    component_graph,
    render_dot,
    render_mermaid,
)
from aipp_constructs.core._config_loader import ConfigError, ConfigErrors

if TYPE_CHECKING:
    import main as program

__all__ = [
    "COMMANDS",
    "PG_DATABASE_VAR",
    "PG_DUMP_CRONJOB",
    "PG_DUMP_DIR",
    "PROJECT",
    "RESTORE_JOB",
    "application_name",
    "check_dump_name",
    "restore_commands",
    "writer_deployments",
]

#: The source checkout: ``main.py``, ``environments/``, ``dist/`` (when installed editable).
PROJECT = Path(__file__).resolve().parents[2]

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


# -- synth ---------------------------------------------------------------------------------------


@click.command()
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


# -- diff ------------------------------------------------------------------------------------------


@click.command()
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
    _show_diff(diffs, notes, refused, markdown, f"Manifest changes of `{env.name}`")


@click.command()
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


@click.command()
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


@click.command()
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


@click.command("vault-setup")
@click.argument("environment", metavar="ENV")
@click.option("--cli", "cli_name", default="vault", show_default=True, help="The Vault CLI to print (bao for OpenBao).")
def vault_setup(environment: str, cli_name: str) -> None:
    """Print the Vault policies and auth roles of ENV's Vault Agents.

    For each component whose pods carry a Vault Agent: a policy (read on exactly the KV paths
    its templates read), the Kubernetes auth role bound to its ServiceAccount and namespace with
    the token audience, and the KV paths with the property names its templates read (comments:
    the values are yours). Built from ENV's synthesized manifests; nothing is contacted.

    \b
    Example:
      aipp vault-setup dev-vault > vault-setup.sh   # review it, then run it with VAULT_ADDR set
    """
    from aipp_constructs.core.vault_agent import vault_setup as setups_of
    from aipp_constructs.core.vault_agent import vault_setup_commands

    with _refusals():
        env, path = _load_environment(environment)
        with tempfile.TemporaryDirectory(prefix="aipp-vault-setup-") as scratch:
            try:
                app = program.build_app(env, scratch, path.parent)
            except ConfigError as err:
                raise _Refused(_errors(err)) from None
            manifests = [m for chart in app.charts for m in chart.to_json()]
        try:
            setups = setups_of(manifests)
        except ValueError as err:
            raise _Refused([str(err)]) from None
        if not setups:
            raise _Refused([f"{environment}: no pod carries a Vault Agent (secrets provider is not vault-agent)"])
    click.echo(f"# {environment}: the Vault side of its Vault Agents. Needs the Kubernetes auth method at")
    click.echo(f"# {setups[0].auth_path} (configured for this cluster) and the KV mount of the paths below.")
    for line in vault_setup_commands(setups, cli=cli_name):
        click.echo(line)


check = check_command(_environment_version)

#: The commands ``[tool.aipp] commands`` of this repository's pyproject.toml plugs in.
COMMANDS: tuple[click.Command, ...] = (synth, diff, graph, check, images, restore, vault_setup)
