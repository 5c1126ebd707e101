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
from collections.abc import Mapping
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

__all__ = [
    "AGENT_ENV_WAYS",
    "ENV_FILES_SINCE",
    "SECRET_PROVIDERS",
    "ImageMirror",
    "PortDefaults",
    "PortScope",
    "SecretProvider",
    "SecretStore",
    "VaultAgent",
    "port_of",
    "register_port",
    "vault_agent_of",
]


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


#: Where a port's credentials come from: External Secrets Operator writes Kubernetes Secrets,
#: or the Vault Agent Injector renders files into each pod (no Kubernetes Secret at all).
SecretProvider = Literal["external-secrets", "vault-agent"]
SECRET_PROVIDERS: tuple[SecretProvider, ...] = ("external-secrets", "vault-agent")
#: The ways a workload's variables reach the program from the Vault Agent (``WorkloadProps.agent_env``).
AGENT_ENV_WAYS = ("spring-properties", "shell-env", "env-file")
#: The first Kubernetes minor whose EnvFiles (``fileKeyRef``) are on by default (beta in 1.35).
ENV_FILES_SINCE = (1, 35)


@dataclass(frozen=True, kw_only=True, slots=True)
class VaultAgent:
    """How the Vault Agent Injector's agents reach Vault and log in (provider ``vault-agent``).

    Attributes:
        namespace: Namespace of the Vault server pods, for the NetworkPolicy egress
            (``namespaceSelector``); exactly one of ``namespace`` and ``cidr``. Defaults to none.
        pod_labels: Labels of the Vault server pods (with ``namespace``). Defaults to none.
        cidr: Address range of a Vault outside the cluster, for the egress (``ipBlock``).
            Defaults to none.
        port: Vault's API port, opened in the egress. Defaults to ``8200``.
        address: Vault's address for the agents (``vault.hashicorp.com/service``); ``None``
            keeps the injector's own setting. Defaults to ``None``.
        auth_path: Mount path of the Kubernetes auth method. Defaults to ``"auth/kubernetes"``.
        role_prefix: Each component's role (and policy) is ``<role_prefix><component>``.
            Defaults to ``None``: ``<namespace>-``.
        audience: Audience of the projected service-account token handed to the agent; the
            role requires it (Vault 1.21+ refuses roles without one). Defaults to ``"vault"``.
        kv_version: KV engine version of the mount. Defaults to ``2``.
        cpu_request: CPU requested by each agent container. Defaults to ``"50m"``.
        memory_request: Memory requested by each agent container. Defaults to ``"64Mi"``.
        cpu_limit: CPU limit of each agent container. Defaults to ``"250m"``.
        memory_limit: Memory limit of each agent container. Defaults to ``"128Mi"``.
        run_as_user: uid of the agent containers (the injector's default, written so the pod's
            restricted context never depends on the injector's flags); their gid is the pod's,
            so every container of the pod reads the rendered files (mode 0440). Defaults to ``100``.
        agent_env: How a workload that does not say so itself gets the variables whose value
            comes from the agent (``WorkloadProps.agent_env``): ``shell-env``,
            ``spring-properties`` or ``env-file``; ``auto`` chooses per workload: ``shell-env``
            when the image's entrypoint is known (the workload's ``command``, or ``entrypoints``),
            else ``env-file`` when the workload's ``kubernetes_version`` is v1.35 or later (env
            files are on by default there), else the workload is refused in one line naming a
            variable and both fixes; ``None`` refuses them. Defaults to ``None``.
        entrypoints: Image repository (``langfuse/langfuse``, matched at the end of the pulled
            reference's repository) -> (entrypoint, command) of the image, for ``shell-env`` on
            a workload that gives no ``command``: the port says once how each image starts.
            Defaults to none.
    """

    namespace: str | None = None
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    cidr: str | None = None
    port: int = 8200
    address: str | None = None
    auth_path: str = "auth/kubernetes"
    role_prefix: str | None = None
    audience: str = "vault"
    kv_version: int = 2
    cpu_request: str = "50m"
    memory_request: str = "64Mi"
    cpu_limit: str = "250m"
    memory_limit: str = "128Mi"
    run_as_user: int = 100
    agent_env: Literal["spring-properties", "shell-env", "env-file", "auto"] | None = None
    entrypoints: Mapping[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.namespace is None) == (self.cidr is None):
            raise ValueError(
                "secret_store.vault_agent needs exactly one of namespace (Vault in the cluster) and cidr "
                f"(Vault outside it), for the NetworkPolicy egress; got namespace {self.namespace!r} and cidr {self.cidr!r}"
            )
        if self.namespace is not None:
            check_dns_label("secret_store.vault_agent.namespace", self.namespace)
        if isinstance(self.port, bool) or not isinstance(self.port, int) or not 1 <= self.port <= 65535:
            raise ValueError(f"secret_store.vault_agent.port must be a port number, got {self.port!r}")
        if not self.auth_path or self.auth_path.startswith("/") or self.auth_path.endswith("/"):
            raise ValueError(
                f"secret_store.vault_agent.auth_path must be like 'auth/kubernetes', got {self.auth_path!r}"
            )
        if self.kv_version not in (1, 2):
            raise ValueError(f"secret_store.vault_agent.kv_version must be 1 or 2, got {self.kv_version!r}")
        if not self.audience or " " in self.audience:
            raise ValueError(f"secret_store.vault_agent.audience must be one word, got {self.audience!r}")
        if self.agent_env not in (None, *AGENT_ENV_WAYS, "auto"):
            raise ValueError(
                f"secret_store.vault_agent.agent_env must be one of {', '.join((*AGENT_ENV_WAYS, 'auto'))} "
                f"or None, got {self.agent_env!r}"
            )
        if isinstance(self.run_as_user, bool) or not isinstance(self.run_as_user, int) or self.run_as_user < 1:
            raise ValueError(
                f"secret_store.vault_agent.run_as_user must be at least 1 (non-root), got {self.run_as_user!r}"
            )

    def entrypoint(self, image: str) -> tuple[tuple[str, ...], tuple[str, ...] | None] | None:
        """The (entrypoint, command) of ``image`` from ``entrypoints``, or ``None``."""
        repository = image.split("@", 1)[0]
        folder, _, last = repository.rpartition("/")
        repository = f"{folder}/{last.split(':', 1)[0]}" if folder else last.split(":", 1)[0]
        for name, found in self.entrypoints.items():
            if repository == name or repository.endswith(f"/{name}"):
                return found
        return None

    def role(self, namespace: str, component: str) -> str:
        """The Vault role (and policy) of ``component`` of a port in ``namespace``."""
        prefix = f"{namespace}-" if self.role_prefix is None else self.role_prefix
        return f"{prefix}{component}"


@dataclass(frozen=True, kw_only=True, slots=True)
class SecretStore:
    """Where the port's credentials are read from: Vault, through External Secrets (the
    default) or through the Vault Agent Injector.

    Attributes:
        name: Name of the ``ClusterSecretStore`` (or ``SecretStore``). Required with
            ``external-secrets``; unused with ``vault-agent``. Defaults to ``""``.
        vault_path: Vault KV path under which each secret has a key, e.g. ``secret/langfuse``. Required.
        kind: ``ClusterSecretStore`` or ``SecretStore``. Defaults to ``"ClusterSecretStore"``.
        refresh_interval: How often ESO re-reads the store. Defaults to ``"1h"``.
        provider: ``external-secrets`` (an ``ExternalSecret`` per secret, Kubernetes Secrets
            the pods read) or ``vault-agent`` (the injector's agent renders each file a
            program reads; no Secret). Defaults to ``"external-secrets"``.
        vault_agent: How the agents reach Vault; required with ``vault-agent``. Defaults to none.
    """

    name: str = ""
    vault_path: str
    kind: Literal["ClusterSecretStore", "SecretStore"] = "ClusterSecretStore"
    refresh_interval: str = "1h"
    provider: SecretProvider = "external-secrets"  # pragma: allowlist secret
    vault_agent: VaultAgent | None = None

    def __post_init__(self) -> None:
        if self.provider not in SECRET_PROVIDERS:
            raise ValueError(
                f"secret_store.provider must be one of {', '.join(SECRET_PROVIDERS)}, got {self.provider!r}"
            )
        if self.provider == "external-secrets":
            check_dns_label("secret_store.name", self.name)
        elif self.vault_agent is None:
            raise ValueError("secret_store.vault_agent is required with provider 'vault-agent' (where Vault is)")
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


def vault_agent_of(construct: IConstruct) -> tuple[PortDefaults, VaultAgent] | None:
    """The port's defaults and Vault Agent settings when ``construct`` is in a port whose
    secrets come from the Vault Agent Injector, else ``None``."""
    port = port_of(construct)
    if port is None:
        return None
    store = port.defaults.secret_store
    if store is None or store.provider != "vault-agent" or store.vault_agent is None:
        return None
    return port.defaults, store.vault_agent
