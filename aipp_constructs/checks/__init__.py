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
"""

from __future__ import annotations

from aipp_constructs.checks.pod_security import check_pod_security, declared_exceptions, object_ref, pod_specs
from aipp_constructs.checks.schemas import (
    KUBERNETES_VERSIONS,
    kubernetes_versions,
    load_crd_schemas,
    load_manifests,
    validate_manifest,
)
from aipp_constructs.checks.secrets import check_no_credential_values, check_template

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
