"""Command line of the Compose tooling.

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

``python -m aipp_constructs.compose init FILE [--env-file F]... [--profile P]... [-o port.py] [--name NAME] [--force]``
    Writes a port program for FILE (:mod:`aipp_constructs.compose.init`): ``python port.py``
    synthesizes it into ``dist/`` beside it, and every guess carries a ``# TODO(port):``
    comment. Exit 0, or 2 on a usage error, a malformed file or an existing output file
    (``--force`` replaces it).

``aipp compose inspect|drift|init`` (:mod:`aipp_constructs.cli`) runs the same functions,
:func:`run_inspect`, :func:`run_drift` and :func:`run_init`.
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m aipp_constructs.compose",
        description="inspect a vendor's Docker Compose file, and compare it with a port's manifests",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    inspect = commands.add_parser("inspect", help="per service: facts, construct and props, decisions")
    inspect.add_argument("file", type=Path, metavar="FILE", help="the Compose file")
    inspect.add_argument("--format", choices=("text", "json"), default="text", help="output format (text)")
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
    # -- init (aipp compose init) --
    init = commands.add_parser("init", help="write a port program for the Compose file")
    init.add_argument("file", type=Path, metavar="FILE", help="the Compose file")
    init.add_argument("--env-file", dest="env_files", action="append", default=[], type=Path, metavar="F")
    init.add_argument("-o", "--output", type=Path, default=Path("port.py"), metavar="PORT_PY")
    init.add_argument("--name", default=None, metavar="NAME", help="the port's name (namespace)")
    init.add_argument("--force", action="store_true", help="replace an existing output file")
    init.add_argument("--profile", dest="profiles", action="append", default=[], metavar="PROFILE")
    return parser


def run_inspect(file: Path, output_format: str = "text") -> int:
    """``inspect FILE``: prints the report (``text`` or ``json``); returns the exit code (0, or 2)."""
    try:
        return _inspect(file, output_format)
    except ComposeError as error:
        print(str(error), file=sys.stderr)
        return 2


def run_drift(file: Path, port_dir: Path, ignore: Sequence[str] = ()) -> int:
    """``drift FILE PORT_DIR``: prints the findings; returns the exit code (0, 1, or 2)."""
    try:
        return _drift(file, port_dir, ignore)
    except ComposeError as error:
        print(str(error), file=sys.stderr)
        return 2


def _inspect(file: Path, output_format: str) -> int:
    compose = load_compose(file)
    reports = inspect_compose(compose)
    sys.stdout.write(render_json(compose, reports) if output_format == "json" else render_text(compose, reports))
    return 0


def _drift(file: Path, port_dir: Path, ignore: Sequence[str]) -> int:
    compose = load_compose(file)
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


# -- init (aipp compose init) ----------------------------------------------------------------


def run_init(
    file: Path,
    output: Path = Path("port.py"),
    env_files: Sequence[Path] = (),
    *,
    name: str | None = None,
    force: bool = False,
    profiles: Sequence[str] = (),
) -> int:
    """``init FILE``: writes the port program to ``output``; returns the exit code (0, or 2)."""
    from aipp_constructs.compose.init import format_program, render_port

    if output.exists() and not force:
        print(f"error: {output} exists; give another -o, or --force to replace it", file=sys.stderr)
        return 2
    try:
        compose = _load_with_env_files(file, env_files, profiles)
        text = render_port(compose, project=name)
    except ComposeError as error:
        print(str(error), file=sys.stderr)
        return 2
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        text, note = format_program(text, output.resolve())
        if note is not None:
            print(f"note: {note}", file=sys.stderr)
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"error: {output}: cannot write the program ({error.__class__.__name__}: {error})", file=sys.stderr)
        return 2
    todos = text.count("# TODO(port):")
    print(f"wrote {output}: {len(compose.services)} Compose services, {todos} TODO(port) decisions", file=sys.stderr)
    return 0


def _load_with_env_files(file: Path, env_files: Sequence[Path], profiles: Sequence[str] = ()) -> ComposeFile:
    """``load_compose`` with the ``--env-file`` files and ``--profile`` names, passed only when given
    and only to a reader that takes them (``env_files=``, ``profiles=``)."""
    import inspect as pyinspect

    parameters = pyinspect.signature(load_compose).parameters
    options: dict[str, tuple[Path, ...] | tuple[str, ...]] = {}
    for option, keyword, values in (
        ("--env-file", "env_files", tuple(env_files)),
        ("--profile", "profiles", tuple(profiles)),
    ):
        if not values:
            continue
        if keyword not in parameters:
            raise ComposeError(f"error: {file}: {option} {values[0]}: this Compose reader does not take {option} yet")
        options[keyword] = values
    return load_compose(file, **options)


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
    if args.command == "inspect":
        return run_inspect(args.file, args.format)
    if args.command == "init":
        return run_init(
            args.file, args.output, args.env_files, name=args.name, force=args.force, profiles=args.profiles
        )
    return run_drift(args.file, args.port_dir, args.ignore)


if __name__ == "__main__":
    sys.exit(main())
