"""Command line of the Compose tooling.

Every command reads FILE as ``docker compose`` does (:func:`read_compose`): variables from the
shell environment over ``--env-file F`` (repeatable; a later file wins) or, without it, the
``.env`` beside FILE; ``--profile P`` (repeatable; else ``COMPOSE_PROFILES``) selects the
optional services. ``inspect`` prints what Compose would warn about (a variable that is not set,
an ``env_file`` that does not exist) on stderr as ``note: FILE:LINE: path: ...`` lines.

``python -m aipp_constructs.compose inspect FILE [--format text|json]``
    Per Compose service: image, ports, command, environment (secret values redacted),
    volumes, health check, depends_on, user, the construct it maps to with the props to set,
    and what to decide by hand. Exit 0, or 2 on a usage error or a malformed file.

``python -m aipp_constructs.compose drift FILE PORT_DIR [--ignore KEY]... [--rename C=K]... [--format text|json]``
    What the Compose file has that the port's manifests (the ``*.yaml`` under PORT_DIR, e.g.
    ``dist/dev-meta``) lack: a ``rename: ...`` line per rename read from the port, one
    ``drift: <service>: ...`` line per finding, ``findings by kind: env 3, bind 1`` and a
    closing ``N services compared, M findings`` line. ``--ignore`` (repeatable) takes
    ``SERVICE`` (the whole service), a finding key ``SERVICE.env.NAME``, ``SERVICE.port.N``,
    ``SERVICE.volume.NAME``, ``SERVICE.bind.PATH``, ``SERVICE.healthcheck`` (or by Compose's keys
    ``SERVICE.environment.NAME``, ``SERVICE.ports.N``, ``SERVICE.volumes.NAME|PATH``), or a glob
    of them (``'plugin_daemon.environment.*'``); a rule that matched nothing is reported on
    stderr (``note: ...``) so that stale exclusions get removed. ``--rename COMPOSE=NAME``
    (repeatable) compares the service with the workload NAME (:mod:`.drift`). ``--ignore-file
    FILE`` (repeatable) reads rules, one a line, the reason after ``#``. ``--format json``
    prints the report as one object. Exit 0 without drift, 1 with drift, 2 on a usage error
    (bad arguments, a malformed Compose file, a folder without manifests, an ``--ignore`` or
    ``--rename`` naming no service).

``aipp compose inspect|drift`` (:mod:`aipp_constructs.cli`) runs the same two functions,
:func:`run_inspect` and :func:`run_drift`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from aipp_constructs.compose.drift import find_drift, parse_ignore, parse_rename, read_ignore_file
from aipp_constructs.compose.inspect import inspect_compose, render_json, render_text
from aipp_constructs.compose.model import ComposeError, ComposeFile, load_compose


def read_compose(
    file: Path, env_files: Sequence[Path] = (), profiles: Sequence[str] = (), *, show_notes: bool = True
) -> ComposeFile:
    """Loads FILE as ``docker compose`` would and prints its notes on stderr.

    Args:
        file: The Compose file.
        env_files: ``--env-file`` files, in order.
        profiles: ``--profile`` names; empty reads ``COMPOSE_PROFILES``.
        show_notes: Print the notes (``inspect`` does; ``drift`` keeps stderr for its own notes).

    Raises:
        ComposeError: the file, or an env file, is refused (one ``error: ...`` line).
    """
    compose = load_compose(file, env_files=env_files, profiles=tuple(profiles) or None)
    for note in compose.notes if show_notes else ():
        print(note, file=sys.stderr)
    return compose


def _read_options(parser: argparse.ArgumentParser) -> None:
    """``--env-file`` and ``--profile``, as ``docker compose`` takes them."""
    parser.add_argument(
        "--env-file",
        dest="env_files",
        action="append",
        type=Path,
        default=[],
        metavar="F",
        help="variables for interpolation (repeatable; default: the .env beside FILE)",
    )
    parser.add_argument(
        "--profile",
        dest="profiles",
        action="append",
        default=[],
        metavar="P",
        help="a profile to enable (repeatable; default: COMPOSE_PROFILES)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m aipp_constructs.compose",
        description="inspect a vendor's Docker Compose file, and compare it with a port's manifests",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    inspect = commands.add_parser("inspect", help="per service: facts, construct and props, decisions")
    inspect.add_argument("file", type=Path, metavar="FILE", help="the Compose file")
    inspect.add_argument("--format", choices=("text", "json"), default="text", help="output format (text)")
    _read_options(inspect)
    drift = commands.add_parser("drift", help="what the Compose file has that the port lacks")
    drift.add_argument("file", type=Path, metavar="FILE", help="the Compose file")
    drift.add_argument("port_dir", type=Path, metavar="PORT_DIR", help="folder of the port's *.yaml manifests")
    drift.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="KEY",
        help="SERVICE, SERVICE.env.NAME / .port.N / .volume.NAME / .bind.PATH / .healthcheck / .service, "
        "or a glob such as 'SERVICE.environment.*' (repeatable)",
    )
    _read_options(drift)
    drift.add_argument(
        "--ignore-file",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="ignore rules, one a line, the reason after '#' (repeatable)",
    )
    drift.add_argument(
        "--rename",
        action="append",
        default=[],
        metavar="COMPOSE=NAME",
        help="the port calls Compose service COMPOSE NAME, e.g. db_postgres=db (repeatable)",
    )
    drift.add_argument("--format", choices=("text", "json"), default="text", help="output format (text)")
    return parser


def run_inspect(
    file: Path, output_format: str = "text", *, env_files: Sequence[Path] = (), profiles: Sequence[str] = ()
) -> int:
    """``inspect FILE``: prints the report (``text`` or ``json``); returns the exit code (0, or 2)."""
    try:
        return _inspect(read_compose(file, env_files, profiles), output_format)
    except ComposeError as error:
        print(str(error), file=sys.stderr)
        return 2


def run_drift(
    file: Path,
    port_dir: Path,
    ignore: Sequence[str] = (),
    *,
    renames: Sequence[str] = (),
    ignore_files: Sequence[Path] = (),
    output_format: str = "text",
    env_files: Sequence[Path] = (),
    profiles: Sequence[str] = (),
) -> int:
    """``drift FILE PORT_DIR``: prints the findings; returns the exit code (0, 1, or 2)."""
    try:
        return _drift(
            read_compose(file, env_files, profiles, show_notes=False),
            port_dir,
            ignore,
            renames=renames,
            ignore_files=ignore_files,
            output_format=output_format,
        )
    except ComposeError as error:
        print(str(error), file=sys.stderr)
        return 2


def _inspect(compose: ComposeFile, output_format: str) -> int:
    reports = inspect_compose(compose)
    sys.stdout.write(render_json(compose, reports) if output_format == "json" else render_text(compose, reports))
    return 0


def _drift(
    compose: ComposeFile,
    port_dir: Path,
    ignore: Sequence[str],
    *,
    renames: Sequence[str],
    ignore_files: Sequence[Path],
    output_format: str,
) -> int:
    if not port_dir.is_dir():
        print(
            f"error: {port_dir} is not a directory; give the folder of the port's manifests (dist/<env>)",
            file=sys.stderr,
        )
        return 2
    # Imported here: the checks package pulls in the schema validators, which inspect does not need.
    from aipp_constructs.checks import load_manifests

    try:
        manifests = load_manifests(port_dir)
    except (yaml.YAMLError, ValueError) as error:
        print(f"error: {port_dir}: cannot load the manifests: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    if not manifests:
        print(f"error: no *.yaml manifests under {port_dir}; synthesize the port into it first", file=sys.stderr)
        return 2
    try:
        rules = [parse_ignore(spec, compose) for spec in ignore]
        rules += [rule for path in ignore_files for rule in read_ignore_file(path, compose)]
        pairs = [parse_rename(spec, compose) for spec in renames]
        given = dict(pairs)
        twice = [f"{name}={k8s}" for name, k8s in pairs if given[name] != k8s]
        if twice:
            raise ValueError(f"--rename {twice[0]}: the service is renamed twice; give one --rename per service")
        report = find_drift(compose, manifests, rules, str(port_dir), given)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if output_format == "json":
        print(json.dumps({"file": str(compose.path), "port_dir": str(port_dir), **report.as_json()}, indent=2))
    else:
        for line in report.lines():
            print(line)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    for spec in report.unused_ignores:
        print(f"note: --ignore {spec} matched no finding; remove it", file=sys.stderr)
    return 1 if report.findings else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one command.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns:
        The process exit code (0, 1 or 2).
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        # argparse exits 2 on bad usage and 0 on --help; keep its code but return it.
        return int(exit_.code or 0)
    read = {"env_files": args.env_files, "profiles": args.profiles}
    if args.command == "inspect":
        return run_inspect(args.file, args.format, **read)
    return run_drift(
        args.file,
        args.port_dir,
        args.ignore,
        renames=args.rename,
        ignore_files=args.ignore_file,
        output_format=args.format,
        **read,
    )


if __name__ == "__main__":
    sys.exit(main())
