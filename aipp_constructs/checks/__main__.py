"""Command line: ``python -m aipp_constructs.checks DIR [DIR...]``.

Runs the Pod Security Standards ``restricted`` check and the credential-value check once per
object and the schema validation once per object against the oldest Kubernetes version the
cluster runs (``--kubernetes-version``, default 1.27; an environment's ``kubernetes_version``)
and the newest one kubernetes-validate knows, prints one finding per line and a closing
``N objects checked, M findings`` line.

Exit codes: 0 no findings, 1 findings, 2 usage error (bad arguments, a path that is not a
directory, or a directory without manifests, which usually means synth did not run).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from aipp_constructs._validation import DEFAULT_KUBERNETES_VERSION, check_kubernetes_version
from aipp_constructs.checks.pod_security import check_pod_security, declared_exceptions
from aipp_constructs.checks.schemas import (
    kubernetes_versions,
    load_crd_schemas,
    load_manifests,
    validate_manifest,
)
from aipp_constructs.checks.secrets import check_no_credential_values


def main(argv: Sequence[str] | None = None) -> int:
    """Runs both checks over the manifests under the given directories.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns:
        The process exit code (0, 1 or 2).
    """
    parser = argparse.ArgumentParser(
        prog="python -m aipp_constructs.checks",
        description="offline pod security (restricted) and schema checks over manifest folders",
    )
    parser.add_argument("dirs", nargs="+", type=Path, metavar="DIR", help="folder of *.yaml files")
    parser.add_argument(
        "--kubernetes-version",
        default=DEFAULT_KUBERNETES_VERSION,
        metavar="v1.N",
        help="the oldest Kubernetes version the manifests must be valid for (default: %(default)s)",
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        # argparse exits 2 on bad usage and 0 on --help; keep its code but return it.
        return int(exit_.code or 0)

    try:
        versions = kubernetes_versions(check_kubernetes_version("--kubernetes-version", args.kubernetes_version))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    findings: list[str] = []
    exceptions: list[str] = []
    objects = 0
    crd_schemas = load_crd_schemas()
    for directory in args.dirs:
        if not directory.is_dir():
            print(f"error: {directory} is not a directory", file=sys.stderr)
            return 2
        try:
            manifests = load_manifests(directory)
        except (yaml.YAMLError, ValueError) as error:
            # A broken file is a finding about the manifests, not a usage error.
            findings.append(f"{directory}: cannot load manifests: {error}")
            continue
        if not manifests:
            print(f"error: no *.yaml manifests under {directory}", file=sys.stderr)
            return 2
        objects += len(manifests)
        for doc in manifests:
            findings.extend(check_pod_security(doc))
            exceptions.extend(declared_exceptions(doc))
            findings.extend(check_no_credential_values(doc))
            for version in versions:
                findings.extend(validate_manifest(doc, version, crd_schemas))

    # CRD errors do not depend on the Kubernetes version: report each distinct line once.
    unique = list(dict.fromkeys(findings))
    for exception in exceptions:
        print(f"exception: {exception}")
    for finding in unique:
        print(finding)
    print(f"{objects} objects checked, {len(unique)} findings")
    return 1 if unique else 0


if __name__ == "__main__":
    sys.exit(main())
