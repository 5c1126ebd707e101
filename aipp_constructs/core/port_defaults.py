"""What every component of a port shares (:class:`PortDefaults`), and how a component finds
the port it is in (:func:`port_of`).

The defaults are plain values, so they live in the core layer: a component reads the enclosing
port's default for a prop it was not given, and the chart that holds them
(:class:`~aipp_constructs.platform.port_chart.PortChart`, in the platform layer) registers
itself with :func:`register_port`. The core never imports the platform: that keeps the
package free of import cycles (tests/test_layout.py).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Literal, Protocol, cast

from constructs import IConstruct

from aipp_constructs.core._validation import (
    DEFAULT_KUBERNETES_VERSION,
    check_dns_label,
    check_dns_subdomain,
    check_kubernetes_version,
)
from aipp_constructs.core.security import LEVELS, PodSecurityLevel
from aipp_constructs.core.startup_wait import WaitPolicy
from aipp_constructs.core.telemetry import Telemetry

__all__ = ["ImageMirror", "PortDefaults", "PortScope", "SecretStore", "port_of", "register_port"]


@dataclass(frozen=True, kw_only=True, slots=True)
class ImageMirror:
    """Where the cluster pulls Docker Hub images from: a proxy-cache project of a registry.

    Attributes:
        host: Registry host, e.g. ``harbor.example.com``. Required.
        dockerhub_project: Project that proxies Docker Hub. Defaults to ``"dockerhub-proxy"``.
    """

    host: str
    dockerhub_project: str = "dockerhub-proxy"

    def __post_init__(self) -> None:
        check_dns_subdomain("image_mirror.host", self.host.split(":", 1)[0])
        check_dns_label("image_mirror.dockerhub_project", self.dockerhub_project)


@dataclass(frozen=True, kw_only=True, slots=True)
class SecretStore:
    """The External Secrets store credentials are read from.

    Attributes:
        name: Name of the ``ClusterSecretStore`` (or ``SecretStore``). Required.
        vault_path: Vault KV path under which each secret has a key, e.g. ``secret/langfuse``. Required.
        kind: ``ClusterSecretStore`` or ``SecretStore``. Defaults to ``"ClusterSecretStore"``.
        refresh_interval: How often ESO re-reads the store. Defaults to ``"1h"``.
    """

    name: str
    vault_path: str
    kind: Literal["ClusterSecretStore", "SecretStore"] = "ClusterSecretStore"
    refresh_interval: str = "1h"

    def __post_init__(self) -> None:
        check_dns_label("secret_store.name", self.name)
        parts = self.vault_path.split("/")
        if len(parts) < 2 or not all(parts):
            raise ValueError(
                f"secret_store.vault_path must be a KV path with its mount like 'secret/app', got {self.vault_path!r}"
            )


@dataclass(frozen=True, kw_only=True, slots=True)
class PortDefaults:
    """What every component of a port shares.

    Attributes:
        namespace: Namespace of every object. Required.
        part_of: ``app.kubernetes.io/part-of`` of every component (the product). Required.
        pod_security_level: Pod Security level the namespace enforces: ``restricted``, or
            ``baseline`` when a workload declares a security exception that needs it.
            Defaults to ``"restricted"``.
        pod_security_version: Pod Security version pinned on the namespace. Defaults to ``"v1.27"``.
        kubernetes_version: The cluster's Kubernetes version (``v1.<minor>``); features newer
            than it are not used (a v1.30 cluster gets the native preStop ``sleep``).
            Defaults to ``"v1.27"``.
        image_mirror: Where Docker Hub images are pulled from; ``None`` pulls them as given.
            Defaults to ``None``.
        image_pull_secrets: Pull secrets of every workload. Defaults to none.
        telemetry: OpenTelemetry wiring of every workload. Defaults to ``Telemetry()``.
        wait: Start-up wait policy of every workload; ``None``: no wait containers. Defaults to ``None``.
        storage_class_name: Storage class of claim templates that name none. Defaults to the
            cluster's default class.
        secret_store: Where :meth:`PortChart.vault_secret` reads from. Defaults to none.
        create_namespace: Write the Namespace (wave 0, kept on prune). Defaults to ``True``.
    """

    namespace: str
    part_of: str
    pod_security_level: PodSecurityLevel = "restricted"
    pod_security_version: str = "v1.27"
    kubernetes_version: str = DEFAULT_KUBERNETES_VERSION
    image_mirror: ImageMirror | None = None
    image_pull_secrets: tuple[str, ...] = ()
    telemetry: Telemetry = field(default_factory=Telemetry)
    wait: WaitPolicy | None = None
    storage_class_name: str | None = None
    secret_store: SecretStore | None = None
    create_namespace: bool = True

    def __post_init__(self) -> None:
        check_dns_label("namespace", self.namespace)
        check_dns_label("part_of", self.part_of)
        check_kubernetes_version("kubernetes_version", self.kubernetes_version)
        if self.pod_security_level not in LEVELS:
            raise ValueError(f"pod_security_level must be one of {', '.join(LEVELS)}, got {self.pod_security_level!r}")
        for secret in self.image_pull_secrets:
            check_dns_label("image_pull_secrets[]", secret)
        if self.storage_class_name is not None:
            check_dns_subdomain("storage_class_name", self.storage_class_name)


class PortScope(Protocol):
    """What a component asks of the port it is in (a ``PortChart`` is one)."""

    @property
    def defaults(self) -> PortDefaults:
        """The port's defaults."""
        ...

    @property
    def network_policies(self) -> object | None:
        """The port's NetworkPolicies construct once built, else ``None``."""
        ...

    def check_security(self, name: str, level: PodSecurityLevel, what: str) -> None:
        """Refuse a workload whose security exception needs more than the namespace admits."""
        ...


# Weak: a synthesized app and its charts are freed as usual.
_PORTS: weakref.WeakSet[IConstruct] = weakref.WeakSet()


def register_port(scope: IConstruct) -> None:
    """Make ``scope`` (a construct that is a :class:`PortScope`) the port of every construct under it."""
    _PORTS.add(scope)


def port_of(construct: IConstruct) -> PortScope | None:
    """The innermost registered port ``construct`` is in, or ``None``."""
    for scope in reversed(construct.node.scopes):
        if scope in _PORTS:
            return cast("PortScope", scope)
    return None
