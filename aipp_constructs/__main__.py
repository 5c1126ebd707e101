"""Command line: ``python -m aipp_constructs images|restore <environment> ...`` and
``python -m aipp_constructs compose inspect|drift ...``.

``images <environment> [--tool skopeo|docker]`` prints one command per vendor image that
copies it from the vendor registry into the Harbor mirror project (the plan's option A,
rollout phase 1), generated from the same image table as the manifests.

``restore <environment> --dump FILE`` prints the shell commands that restore one dump of the
nightly ``pg_dump`` CronJob into the application database, every name taken from the
environment file (README.md, "Restore a dump").

``compose inspect FILE`` and ``compose drift FILE PORT_DIR`` are the Compose tooling of
:mod:`aipp_constructs.compose` (how a vendor's services map to the library; what a new vendor
release has that the port lacks).

All of them read files only: neither jsii nor Node starts.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from ._config_loader import ConfigError, ConfigErrors
from .aipp.config import APP_COMPONENTS, EnvironmentConfig, load_environment
from .aipp.images import mirror_commands

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


def _environment_file(value: str) -> Path:
    """A name (``dev-meta`` -> ``environments/dev-meta.yaml``) or a path to a file."""
    path = Path(value)
    if path.suffix in (".yaml", ".yml") or len(path.parts) > 1:
        return path
    return Path("environments") / f"{value}.yaml"


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
        f"# Restore {dump} into database {env.components.pgvector.database} of pgvector "
        f"(environment {env.name}, namespace {ns}, ArgoCD application {app}).",
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


def _load(value: str) -> EnvironmentConfig | None:
    """The environment named by ``value``, or None after printing a one-line error."""
    path = _environment_file(value)
    if not path.is_file():
        print(f"error: {path}: no such environment file", file=sys.stderr)
        return None
    try:
        return load_environment(path)
    except ConfigError as err:
        for problem in err.errors if isinstance(err, ConfigErrors) else (err,):
            print(f"error: {problem}", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["compose"]:
        from .compose.__main__ import main as compose

        return compose(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m aipp_constructs",
        description="print operational commands generated from an environment file (reads the file only)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    images = commands.add_parser("images", help="print the commands that mirror the vendor images into Harbor")
    images.add_argument("environment", help="environment name (environments/<name>.yaml) or file path")
    images.add_argument(
        "--tool",
        choices=("skopeo", "docker"),
        default="skopeo",
        help="skopeo copy --all (default; keeps every platform) or docker pull/tag/push",
    )
    commands.add_parser(
        "compose", help="Compose tooling: `compose inspect FILE`, `compose drift FILE PORT_DIR` (see `compose --help`)"
    )
    restore = commands.add_parser("restore", help="print the commands that restore a pg_dump of the database")
    restore.add_argument("environment", help="environment name (environments/<name>.yaml) or file path")
    restore.add_argument(
        "--dump",
        required=True,
        metavar="FILE",
        help=f"dump file name on the {PG_DUMP_CRONJOB} volume, e.g. aipp-20261126T023000Z.dump",
    )
    args = parser.parse_args(argv)
    if args.command == "restore":
        try:
            check_dump_name(args.dump)
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
    env = _load(args.environment)
    if env is None:
        return 1
    if args.command == "restore":
        for line in restore_commands(env, args.dump):
            print(line)
        return 0
    path = _environment_file(args.environment)
    if env.registry.vendor_images == "vendor":
        print(
            f"note: {path} pulls vendor images from {env.registry.vendor_host} (vendor_images: vendor); "
            "mirroring is only needed for vendor_images: mirror",
            file=sys.stderr,
        )
    for command in mirror_commands(env, args.tool):
        print(command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
