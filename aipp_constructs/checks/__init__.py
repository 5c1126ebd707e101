"""Offline checks over synthesized Kubernetes manifests.

Anyone can run them without a cluster or network access: our CI on ``dist/``, or a team that
pip-installs this library to build the port for another vendor and wants the same guarantees on
its own output. Three checks:

- ``check_pod_security``: Pod Security Standards ``restricted`` (baseline + restricted controls);
- ``validate_manifest``: strict schema validation, kubernetes-validate for built-in kinds and the
  vendored CRD schemas for custom resources;
- ``check_no_credential_values``: no Secret data, no literal credential in a container variable
  or in an External Secrets template (templates may only reference keys).

Command line: ``python -m aipp_constructs.checks DIR [DIR...]``.

The schema names (``validate_manifest``, ``load_crd_schemas``, ``load_manifests``,
``kubernetes_versions``, ``KUBERNETES_VERSIONS``) need the ``[checks]`` extra
(kubernetes-validate, jsonschema) and are imported on first use, so the package itself, the
Pod Security and credential checks and the command line's missing-extra hint work without it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from aipp_constructs.checks.pod_security import check_pod_security, declared_exceptions, object_ref, pod_specs
from aipp_constructs.checks.secrets import check_no_credential_values, check_template

if TYPE_CHECKING:
    from aipp_constructs.checks.schemas import (
        KUBERNETES_VERSIONS,
        kubernetes_versions,
        load_crd_schemas,
        load_manifests,
        validate_manifest,
    )

# The names of aipp_constructs.checks.schemas, imported on first use (they need the extra).
_SCHEMA_NAMES = frozenset(
    {"KUBERNETES_VERSIONS", "kubernetes_versions", "load_crd_schemas", "load_manifests", "validate_manifest"}
)

__all__ = [
    "KUBERNETES_VERSIONS",
    "check_no_credential_values",
    "check_pod_security",
    "check_template",
    "declared_exceptions",
    "kubernetes_versions",
    "load_crd_schemas",
    "load_manifests",
    "object_ref",
    "pod_specs",
    "validate_manifest",
]


def __getattr__(name: str) -> object:
    """The schema names, from :mod:`aipp_constructs.checks.schemas` on first use (PEP 562)."""
    if name in _SCHEMA_NAMES:
        return getattr(import_module("aipp_constructs.checks.schemas"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
