"""The cdk8s app: one chart per environment file, written to ``dist/<environment>/``, with a
``kustomization.yaml`` beside it, and its ArgoCD Application in ``dist/bootstrap/<environment>/``.

Run by ``make synth`` (``.venv/bin/python main.py``), by ``cdk8s synth``, or directly.
Output goes to ``$AIPP_OUTDIR`` when set, else to cdk8s's ``$CDK8S_OUTDIR``, else ``dist``.
Every environment file is parsed (every mistake of every file is reported, one line each)
and every chart synthesized into a staging folder first; the output folder is replaced only
when all of that succeeded, so a failed run leaves the previous output byte-identical. A
fresh output that changes a field the API server will not update in place (a StatefulSet's
claim template, a selector...) relative to the output on disk is refused the same way, one
``error:`` line per field with the procedure that works (docs/immutable-fields.md).

``dist/<environment>/aipp.k8s.yaml`` is also the snapshot the test suite compares a fresh
synth with (tests/test_environments.py): each object starts with a comment naming it
(``# Deployment/aipp/enai-backend``), so a diff hunk says which object changed.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

PROJECT = Path(__file__).resolve().parent
ENVIRONMENTS_DIR = PROJECT / "environments"
CHART_ID = "aipp"
#: The one manifest file of each environment folder (and of its bootstrap folder).
MANIFEST_FILE = f"{CHART_ID}.k8s.yaml"


def use_project_node() -> None:
    """Run jsii on the project's Node 22 (node_modules) rather than the machine's Node 20."""
    node = PROJECT / "node_modules" / ".bin" / "node"
    if "JSII_NODE" not in os.environ and node.exists():
        os.environ["JSII_NODE"] = str(node)


use_project_node()

from aipp_constructs.aipp.config import BOOTSTRAP_DIR, EnvironmentConfig, load_environment
from aipp_constructs.core._config_loader import ConfigError, ConfigErrors, field_paths, locate, read_yaml, with_fix

if TYPE_CHECKING:
    from cdk8s import App


def environment_files(directory: Path | None = None) -> list[Path]:
    """Every environment file (default folder: ``environments/``), sorted by name."""
    return sorted((directory or ENVIRONMENTS_DIR).glob("*.yaml"))


def load_environments(directory: Path | None = None) -> list[EnvironmentConfig]:
    """Parse every environment file and check that no two of them collide.

    A collision is checked even when a file has other mistakes (its values that parsed are
    compared), so that one run reports everything.

    Raises:
        ConfigErrors: every problem of every file, one line each, ordered by file and line.
    """
    envs, problems = parse_environments(directory)
    if problems:
        raise ConfigErrors(problems)
    return envs


def parse_environments(directory: Path | None = None) -> tuple[list[EnvironmentConfig], list[ConfigError]]:
    """Every environment file that parsed, and every problem of every file (collisions
    included), ordered by :func:`in_file_order`: for a caller that goes on with the files that
    parsed (their chart-stage mistakes then come in the same run as the others' mistakes).

    Raises:
        ConfigErrors: the folder holds no environment file.
    """
    directory = directory or ENVIRONMENTS_DIR
    files = environment_files(directory)
    if not files:
        raise ConfigErrors([ConfigError(display(directory), "", "holds no environment file (*.yaml); add one")])
    envs: list[EnvironmentConfig] = []
    claims: list[_Claims] = []
    problems: list[ConfigError] = []
    for path in files:
        try:
            env = load_environment(path, display=display(path))
        except ConfigError as err:
            found = list(errors_of(err))
            problems.extend(found)
            claims.append(_Claims.of_raw(path, {problem.path for problem in found}))
        else:
            envs.append(env)
            claims.append(_Claims.of(path, env))
    problems.extend(_collisions(claims))
    return envs, in_file_order(problems, directory)


def in_file_order(problems: Iterable[ConfigError], directory: Path | None = None) -> list[ConfigError]:
    """``problems`` by file (in the sorted order of the environment files), then by line: one
    file's lines stay together."""
    order = {display(path): index for index, path in enumerate(environment_files(directory))}
    return sorted(problems, key=lambda p: (order.get(p.file, len(order)), p.line or 0))


#: What two environments may never share: (field path, what it names, value of an environment).
#: The Application name defaults to the namespace: a clash of derived names is the namespace's.
_UNIQUE: tuple[tuple[str, str, Callable[[EnvironmentConfig], str]], ...] = (
    ("namespace", "namespace", lambda env: env.namespace),
    ("gitops.application_name", "ArgoCD Application name", lambda env: env.application_name),
    ("ingress.host", "host name", lambda env: env.ingress.host),
    ("secrets.vault_path", "Vault path", lambda env: env.secrets.vault_path),
)


class _Claims:
    """The values of one environment file that no other may share (``_UNIQUE``'s fields), with
    whether its Application name is derived from the namespace. A value is ``None`` when the
    file gives none that parsed (its mistake is reported on its own)."""

    def __init__(self, path: Path, values: dict[str, str | None], derived: bool) -> None:
        self.path = path
        self.values = values
        self.derived = derived

    @classmethod
    def of(cls, path: Path, env: EnvironmentConfig) -> _Claims:
        """The claims of a file that parsed."""
        values: dict[str, str | None] = {field: value_of(env) for field, _what, value_of in _UNIQUE}
        return cls(path, values, not env.gitops.application_name)

    @classmethod
    def of_raw(cls, path: Path, wrong: set[str]) -> _Claims:
        """The claims of a file with mistakes: each value read from the YAML, unless it is not a
        string or one of the file's errors is at that field or under it."""
        try:
            data, _root = read_yaml(path, display(path))
        except ConfigError:
            data = None

        def value(field: str) -> str | None:
            node: object = data
            for key in field.split("."):
                node = node.get(key) if isinstance(node, dict) else None
            bad = any(p == field or p.startswith(f"{field}.") or field.startswith(f"{p}.") for p in wrong)
            return node if isinstance(node, str) and not bad else None

        namespace, application = value("namespace"), value("gitops.application_name")
        explicit = (
            isinstance(data, dict) and isinstance(data.get("gitops"), dict) and "application_name" in data["gitops"]
        )
        values = {field: value(field) for field, _what, _value_of in _UNIQUE}
        values["gitops.application_name"] = application if explicit else namespace
        return cls(path, values, not explicit)


def _collisions(claims: Sequence[_Claims]) -> list[ConfigError]:
    """Two environments sharing a namespace, an Application, a host or a Vault path would
    overwrite each other's objects, DNS records or credentials: refuse, at the later file (by
    name), naming both files and lines."""
    problems = []
    for field, what, _value_of in _UNIQUE:
        owner: dict[str, _Claims] = {}
        for claim in claims:
            value = claim.values[field]
            if value is None:
                continue
            first = owner.setdefault(value, claim)
            if first is claim or (field == "gitops.application_name" and claim.derived and first.derived):
                continue
            problems.append(
                ConfigError(
                    display(claim.path),
                    field,
                    f"{value!r} is also used by {display(first.path)}:{locate(first.path, field)}; "
                    f"every environment needs its own {what}: change it in one of the two files "
                    "(docs/how-to/add-an-environment.md)",
                    line=locate(claim.path, field),
                )
            )
    return problems


def build_app(env: EnvironmentConfig, outdir: str, directory: Path | None = None) -> App:
    """The cdk8s App of one environment: one chart, ``<outdir>/aipp.k8s.yaml``."""
    from cdk8s import App

    from aipp_constructs.aipp import AippChart

    app = App(outdir=outdir)
    path = (directory or ENVIRONMENTS_DIR) / f"{env.name}.yaml"
    source = display(path)
    try:
        AippChart(app, CHART_ID, env, source=source)
    except ValueError as err:
        if isinstance(err, ConfigError):
            raise _located(err, path) from None
        raise _located(ConfigError(source, "(chart)", str(err)), path) from err
    return app


def build_bootstrap(env: EnvironmentConfig, outdir: str, directory: Path | None = None) -> App:
    """The ArgoCD Application of one environment, ``<outdir>/aipp.k8s.yaml``."""
    from cdk8s import App

    from aipp_constructs.aipp.bootstrap import BootstrapChart

    app = App(outdir=outdir)
    path = (directory or ENVIRONMENTS_DIR) / f"{env.name}.yaml"
    try:
        BootstrapChart(app, CHART_ID, env)
    except ValueError as err:
        raise _located(ConfigError(display(path), "gitops", str(err)), path) from err
    return app


def render(app: App) -> str:
    """The YAML of ``app`` as written to ``dist/``: cdk8s's documents, each preceded by a
    comment ``# <kind>/<namespace>/<name>`` (``# <kind>/<name>`` when cluster-scoped)."""
    text = app.synth_yaml()
    documents = [doc for doc in text.split("---\n") if doc.strip()]
    return "---\n".join(f"# {_ref(doc)}\n{doc}" for doc in documents)


def _ref(document: str) -> str:
    """``<kind>/<namespace>/<name>`` of one YAML document as cdk8s writes it: top-level
    ``kind:``, and ``name:``/``namespace:`` directly under ``metadata:`` (read from the text:
    parsing every document again would cost more than the rest of the rendering)."""
    kind = _KIND.search(document)
    block = _METADATA.search(document)
    fields = dict(_FIELD.findall(block.group(1))) if block else {}
    parts = [kind.group(1) if kind else "?", fields.get("namespace"), fields.get("name")]
    return "/".join(part.strip("'\"") for part in parts if part)


_KIND = re.compile(r"^kind: (\S+)$", re.MULTILINE)
#: The lines under ``metadata:`` up to the next top-level key.
_METADATA = re.compile(r"^metadata:\n((?:  .*\n?)*)", re.MULTILINE)
_FIELD = re.compile(r"^  (name|namespace): (\S+)$", re.MULTILINE)


def write_kustomization(folder: Path) -> None:
    """``kustomization.yaml`` listing the folder's manifests, for ``kubectl apply -k`` and overlays."""
    files = sorted(p.name for p in folder.glob("*.k8s.yaml"))
    lines = ["apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization", "resources:"]
    (folder / "kustomization.yaml").write_text("\n".join([*lines, *(f"  - {name}" for name in files)]) + "\n")


def synth_environment(env: EnvironmentConfig, outdir: Path, directory: Path | None = None) -> None:
    """Write ``outdir/<env>/`` (manifests and kustomization) and ``outdir/bootstrap/<env>/``."""
    folder = outdir / env.name
    folder.mkdir(parents=True)
    (folder / MANIFEST_FILE).write_text(render(build_app(env, str(folder), directory)))
    write_kustomization(folder)
    bootstrap = outdir / BOOTSTRAP_DIR / env.name
    bootstrap.mkdir(parents=True)
    (bootstrap / MANIFEST_FILE).write_text(render(build_bootstrap(env, str(bootstrap), directory)))


def synth_all(outdir: Path, directory: Path | None = None) -> list[str]:
    """Synthesize every environment into ``outdir/<env>/`` and replace ``outdir`` atomically
    (refused, with ``outdir`` untouched, on an environment file's mistake or on a change the
    API server would not apply to the objects of the existing output)."""
    # The files that parse are built even when another file is refused, so that their chart
    # mistakes come in the same run as the other file's mistakes.
    envs, problems = parse_environments(directory)
    outdir = outdir.resolve()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}-staging-", dir=outdir.parent))
    try:
        for env in envs:
            try:
                synth_environment(env, staging, directory)
            except ConfigError as err:
                problems.extend(errors_of(err))
        if problems:
            raise ConfigErrors(in_file_order(problems, directory))
        problems = [problem for env in envs for problem in unappliable_changes(env, outdir, staging, directory)]
        if problems:
            raise ConfigErrors(problems)
        replace_dir(staging, outdir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [env.name for env in envs]


def unappliable_changes(
    env: EnvironmentConfig, outdir: Path, staging: Path, directory: Path | None = None
) -> list[ConfigError]:
    """What the API server would refuse to update in ``outdir/<env>/`` (and its bootstrap
    folder) if ``staging``'s version replaced it: one error per changed immutable field,
    naming the object, the field, both values and the procedure that works
    (:mod:`aipp_constructs.review.immutable_fields`), and one per image whose tag changed while its
    pinned digest did not (:mod:`aipp_constructs.review.image_pins`). Only the documents whose text
    differs are parsed."""
    from aipp_constructs.review.image_pins import stale_pins
    from aipp_constructs.review.immutable_fields import check_folders

    found = check_folders(outdir, staging, [env.name, f"{BOOTSTRAP_DIR}/{env.name}"])
    source = display((directory or ENVIRONMENTS_DIR) / f"{env.name}.yaml")
    # A bumped tag that kept its row's old digest would deploy the old bytes under the new name.
    stale = stale_pins(outdir / env.name, staging / env.name)
    return [ConfigError(source, "", problem.line()) for problem in found] + [
        ConfigError(source, "", pin.line()) for pin in stale
    ]


def replace_dir(new: Path, target: Path) -> None:
    """Put ``new`` in place of ``target`` with renames only (same file system)."""
    new.chmod(0o755)
    if not target.exists():
        new.rename(target)
        return
    old = target.with_name(f".{target.name}-old-{os.getpid()}")
    target.rename(old)
    new.rename(target)
    shutil.rmtree(old)


def errors_of(err: ConfigError) -> Iterable[ConfigError]:
    return err.errors if isinstance(err, ConfigErrors) else (err,)


def _located(err: ConfigError, path: Path) -> ConfigErrors:
    """Chart-stage errors (the graph, a construct's props) made like the parser's: each at the
    most precise field of the environment file its message names, with its line, and saying
    what to write.

    A construct's message starts with its own name for the value (``refresh_interval must
    be ...``): when that is a field of the environment file below the error's path (or, for
    an error of the chart as a whole, anywhere in the file, if only one field has that name),
    the error moves there.
    """
    located = []
    for problem in errors_of(err):
        field, message = problem.path, problem.problem
        token = message.split(" ", 1)[0].rstrip(":")
        if " " in message and field != "name":
            found = _field_named(token, "" if field.startswith("(") else field)
            if found:
                field, message = found, message.split(" ", 1)[1]
        line = problem.line
        if line is None and not field.startswith("(") and field != "name":
            line = locate(path, field)
        if line is None:
            line = locate(path, "(top level)")
        located.append(ConfigError(problem.file, field, with_fix(message, None), line=line))
    return ConfigErrors(located)


def _field_named(token: str, under: str) -> str | None:
    """The one field path of the environment file that ``token`` names below ``under``."""
    if not token or token.startswith("("):
        return None
    if under:
        wanted = f"{under}.{token}"
        return wanted if _schema_path(wanted) else None
    matches = [p for p in _environment_fields() if p == token or p.endswith(f".{token}")]
    return matches[0] if len(matches) == 1 else None


def _schema_path(dotted: str) -> bool:
    """Whether ``dotted`` (component keys included, list indexes dropped) is a field path."""
    return re.sub(r"\[[0-9]+\]", "", dotted) in _environment_fields()


@functools.cache
def _environment_fields() -> frozenset[str]:
    """Every field path of the environment file's schema (``wait.attempts``, ``components.redis.resources``...)."""
    return field_paths(EnvironmentConfig)


def display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def output_dir() -> Path:
    """``$AIPP_OUTDIR``, else ``$CDK8S_OUTDIR`` (set by ``cdk8s synth``), else ``dist``."""
    return Path(os.environ.get("AIPP_OUTDIR") or os.environ.get("CDK8S_OUTDIR") or PROJECT / "dist")


def main() -> int:
    """Exit codes: 0 written; 1 refused (one ``error:`` line per mistake, output untouched)."""
    try:
        names = synth_all(output_dir())
    except ConfigError as err:
        for problem in errors_of(err):
            print(f"error: {problem}", file=sys.stderr)
        return 1
    print(f"synthesized {', '.join(names)} into {display(output_dir())}", file=sys.stderr)
    if output_dir() == PROJECT / "dist":
        # The environment files' JSON Schema follows the models (editors read it); in this
        # process the models are loaded already.
        from aipp_constructs.aipp.schema import SCHEMA_FILE, write_schema

        write_schema(PROJECT / SCHEMA_FILE)
        write_immutable_fields()
    return 0


def write_immutable_fields() -> None:
    """``docs/immutable-fields.md``: the table of :mod:`aipp_constructs.review.immutable_fields` (a test keeps them equal)."""
    from aipp_constructs.review.immutable_fields import render_table

    target = PROJECT / "docs" / "immutable-fields.md"
    text = render_table()
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


#: The name the tests use (``errors_of`` is public since ``aipp`` reuses it).
_errors_of = errors_of


if __name__ == "__main__":
    sys.exit(main())
