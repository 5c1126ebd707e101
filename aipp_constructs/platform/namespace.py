"""``RestrictedNamespace``: a Namespace that enforces the Pod Security "restricted" profile.

Creates one ``Namespace`` (wave 0) labelled ``pod-security.kubernetes.io/{enforce,audit,warn}:
restricted``, with the policy version pinned so that the cluster judges pods by the same list
of controls as CI.

A port whose workloads declare security exceptions (:mod:`aipp_constructs.core.security`) may
enforce ``baseline`` instead (``level``); ``audit`` and ``warn`` stay ``restricted``, so every
relaxed pod still shows in the audit log and in ``kubectl`` warnings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from constructs import Construct

from aipp_constructs.core._manifest import Manifest
from aipp_constructs.core._validation import check_dns_label
from aipp_constructs.core.component import CONFIG_WAVE, KEEP_ON_PRUNE_AND_DELETE, SYNC_WAVE_ANNOTATION
from aipp_constructs.core.security import LEVELS, PodSecurityLevel

__all__ = ["RestrictedNamespace", "RestrictedNamespaceProps"]

_PSA_VERSION = re.compile(r"^(latest|v1\.[0-9]+)$")


@dataclass(frozen=True, kw_only=True, slots=True)
class RestrictedNamespaceProps:
    """Props of :class:`RestrictedNamespace`.

    Attributes:
        name: Namespace name (DNS-1123 label). Required.
        pod_security_version: Version of the Pod Security policy to apply (``v1.27``) or
            ``latest``. Defaults to ``"v1.27"``, the API version this library targets.
            See: https://kubernetes.io/docs/concepts/security/pod-security-admission/
        labels: Extra labels. Defaults to none.
        level: The Pod Security level enforced: ``restricted``, or ``baseline`` for a port with
            declared security exceptions. Audit and warn stay ``restricted``. Defaults to ``"restricted"``.
    """

    name: str
    pod_security_version: str = "v1.27"
    labels: Mapping[str, str] = field(default_factory=dict)
    level: PodSecurityLevel = "restricted"

    def __post_init__(self) -> None:
        check_dns_label("name", self.name)
        if not _PSA_VERSION.fullmatch(self.pod_security_version):
            raise ValueError(
                f"pod_security_version must be 'latest' or a version like 'v1.27', got {self.pod_security_version!r}"
            )
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {self.level!r}")


class RestrictedNamespace(Construct):
    """A Namespace whose pods must meet the Pod Security "restricted" profile.

    Attributes:
        name: The namespace name.
        level: The Pod Security level enforced.
        resource: The ``KubeNamespace`` object.
    """

    def __init__(self, scope: Construct, id: str, props: RestrictedNamespaceProps) -> None:
        super().__init__(scope, id)
        self.name = props.name
        self.level = props.level
        psa: dict[str, str] = {}
        for mode in ("enforce", "audit", "warn"):
            psa[f"pod-security.kubernetes.io/{mode}"] = props.level if mode == "enforce" else "restricted"
            psa[f"pod-security.kubernetes.io/{mode}-version"] = props.pod_security_version
        # Cluster-scoped: no metadata.namespace, although the chart has a namespace.
        self.resource = Manifest(
            self,
            "Resource",
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "name": props.name,
                    "labels": {**props.labels, **psa},
                    # Deleting the namespace would delete every volume in it, whatever the
                    # volumes' own sync options say: ArgoCD must never prune or delete it.
                    "annotations": {SYNC_WAVE_ANNOTATION: str(CONFIG_WAVE), **KEEP_ON_PRUNE_AND_DELETE},
                },
            },
            cluster_scoped=True,
        )
