"""Command line: ``python -m aipp_constructs images <environment> [--tool skopeo|docker]``.

Prints one command per vendor image that copies it from the vendor registry into the
Harbor mirror project (the plan's option A, rollout phase 1), generated from the same image
table as the manifests. Reads environment files only: neither jsii nor Node starts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._config_loader import ConfigError
from .aipp.config import load_environment
from .aipp.images import mirror_commands


def _environment_file(value: str) -> Path:
    """A name (``dev-meta`` -> ``environments/dev-meta.yaml``) or a path to a file."""
    path = Path(value)
    if path.suffix in (".yaml", ".yml") or len(path.parts) > 1:
        return path
    return Path("environments") / f"{value}.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aipp_constructs", description=__doc__.split("\n\n")[1])
    commands = parser.add_subparsers(dest="command", required=True)
    images = commands.add_parser("images", help="print the commands that mirror the vendor images into Harbor")
    images.add_argument("environment", help="environment name (environments/<name>.yaml) or file path")
    images.add_argument(
        "--tool",
        choices=("skopeo", "docker"),
        default="skopeo",
        help="skopeo copy --all (default; keeps every platform) or docker pull/tag/push",
    )
    args = parser.parse_args(argv)
    path = _environment_file(args.environment)
    if not path.is_file():
        print(f"error: {path}: no such environment file", file=sys.stderr)
        return 1
    try:
        env = load_environment(path)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
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
