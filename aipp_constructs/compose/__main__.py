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

``python -m aipp_constructs.compose drift FILE PORT_DIR [--ignore KEY]...``
    What the Compose file has that the port's manifests (the ``*.yaml`` under PORT_DIR, e.g.
    ``dist/dev-meta``) lack: one ``drift: <service>: ...`` line per finding and a closing
    ``N services compared, M findings`` line. ``--ignore`` (repeatable) takes ``SERVICE`` (the
    whole service) or a finding key ``SERVICE.env.NAME``, ``SERVICE.port.N``,
    ``SERVICE.volume.NAME``, ``SERVICE.healthcheck``; a rule that matched nothing is reported on
    stderr (``note: ...``) so that stale exclusions get removed. Exit 0 without drift, 1 with
    drift, 2 on a usage error (bad arguments, a malformed Compose file, a folder without
    manifests, an ``--ignore`` naming no service).

``aipp compose inspect|drift`` (:mod:`aipp_constructs.cli`) runs the same two functions,
:func:`run_inspect` and :func:`run_drift`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from aipp_constructs.compose.drift import find_drift, parse_ignore
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
        help="SERVICE, or SERVICE.env.NAME / .port.N / .volume.NAME / .healthcheck / .service (repeatable)",
    )
    _read_options(drift)
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
    env_files: Sequence[Path] = (),
    profiles: Sequence[str] = (),
) -> int:
    """``drift FILE PORT_DIR``: prints the findings; returns the exit code (0, 1, or 2)."""
    try:
        return _drift(read_compose(file, env_files, profiles, show_notes=False), port_dir, ignore)
    except ComposeError as error:
        print(str(error), file=sys.stderr)
        return 2


def _inspect(compose: ComposeFile, output_format: str) -> int:
    reports = inspect_compose(compose)
    sys.stdout.write(render_json(compose, reports) if output_format == "json" else render_text(compose, reports))
    return 0


def _drift(compose: ComposeFile, port_dir: Path, ignore: Sequence[str]) -> int:
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
        report = find_drift(compose, manifests, rules, str(port_dir))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for line in report.lines():
        print(line)
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
    return run_drift(args.file, args.port_dir, args.ignore, **read)


if __name__ == "__main__":
    sys.exit(main())
