"""Command line: ``python -m aipp_constructs.checks DIR [DIR...]`` (``aipp check`` runs the same
checks, and checkov and detect-secrets when they are installed).

Runs the Pod Security Standards ``restricted`` check and the credential-value check once per
object and the schema validation once per object against the oldest Kubernetes version the
cluster runs (``--kubernetes-version``, default 1.27; an environment's ``kubernetes_version``)
and the newest one kubernetes-validate knows, prints one finding per line and a closing
``N objects checked, M findings`` line.

Exit codes: 0 no findings, 1 findings, 2 usage error (bad arguments, a path that is not a
directory, or a directory without manifests, which usually means synth did not run). Without
the ``[checks]`` extra it prints a one-line hint (``pip install 'aipp-constructs[checks]'``)
and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from aipp_constructs.checks.pod_security import check_pod_security, declared_exceptions, object_ref
from aipp_constructs.checks.secrets import check_no_credential_values
from aipp_constructs.core._validation import DEFAULT_KUBERNETES_VERSION, check_kubernetes_version

try:
    from aipp_constructs.checks.schemas import (
        CrdKey,
        kubernetes_versions,
        load_crd_schemas,
        load_manifests,
        validate_manifest,
    )
except ImportError as _missing:  # the [checks] extra is not installed
    if __name__ != "__main__":  # imported (``aipp check``): the caller words the hint
        raise
    print(f"error: the checks need {_missing.name}: pip install 'aipp-constructs[checks]'", file=sys.stderr)
    sys.exit(2)

__all__ = ["CHECKS", "FolderChecks", "FolderError", "ObjectCheck", "check_folder", "main"]

#: The checks run on every object, in the order their findings are printed.
CHECKS = ("pod-security", "credentials", "schema")


@dataclass(frozen=True)
class ObjectCheck:
    """One check of one object.

    Attributes:
        ref: The object, ``<kind>/<namespace>/<name>``; the folder for a folder that cannot be loaded.
        check: ``pod-security``, ``credentials``, ``schema`` or ``load``.
        findings: The finding lines as the checkers write them (each starts with ``ref``);
            empty when the check passed.
    """

    ref: str
    check: str
    findings: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.findings

    @property
    def problems(self) -> tuple[str, ...]:
        """The findings without the object's name in front."""
        return tuple(
            finding[len(self.ref) :].lstrip(":/ ") if finding.startswith(self.ref) else finding
            for finding in self.findings
        )


@dataclass
class FolderChecks:
    """What :func:`check_folder` found in one folder."""

    objects: int = 0
    exceptions: list[str] = field(default_factory=list)
    results: list[ObjectCheck] = field(default_factory=list)


class FolderError(ValueError):
    """A folder that cannot be checked at all: a usage error, not a finding."""


def check_folder(
    directory: Path, versions: Sequence[str], crd_schemas: Mapping[CrdKey, Mapping[str, Any]]
) -> FolderChecks:
    """Every check of every object under ``directory``, against each Kubernetes minor of ``versions``.

    A file that is not valid YAML is one failed ``load`` check of the folder (a finding about
    the manifests, not a usage error).

    Raises:
        FolderError: ``directory`` is not a directory or holds no ``*.yaml`` manifest.
    """
    if not directory.is_dir():
        raise FolderError(f"{directory} is not a directory")
    try:
        manifests = load_manifests(directory)
    except (yaml.YAMLError, ValueError) as error:
        return FolderChecks(
            results=[ObjectCheck(str(directory), "load", (f"{directory}: cannot load manifests: {error}",))]
        )
    if not manifests:
        raise FolderError(f"no *.yaml manifests under {directory}")
    checked = FolderChecks(objects=len(manifests))
    for doc in manifests:
        ref = object_ref(doc)
        checked.exceptions.extend(declared_exceptions(doc))
        schema = [finding for version in versions for finding in validate_manifest(doc, version, crd_schemas)]
        checked.results += [
            ObjectCheck(ref, "pod-security", tuple(check_pod_security(doc))),
            ObjectCheck(ref, "credentials", tuple(check_no_credential_values(doc))),
            # CRD errors do not depend on the Kubernetes version: each distinct line once.
            ObjectCheck(ref, "schema", tuple(dict.fromkeys(schema))),
        ]
    return checked


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the checks over the manifests under the given directories.

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
        try:
            checked = check_folder(directory, versions, crd_schemas)
        except FolderError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        objects += checked.objects
        exceptions += checked.exceptions
        findings += [finding for result in checked.results for finding in result.findings]

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
