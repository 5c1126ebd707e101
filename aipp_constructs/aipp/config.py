"""The environment file (``environments/<name>.yaml``): schema, defaults and loading.

The dataclasses below are the schema; :func:`load_environment` parses a file into them and
refuses anything it does not know. docs/environment-files.md and the generated reference document every key.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from aipp_constructs.core._config_loader import (
    ConfigError,
    ConfigErrors,
    ConfigModel,
    FieldProblem,
    ListOf,
    MapOf,
    Text,
    checked,
    did_you_mean,
    key_line,
    key_text,
    line_of,
    load_model,
    read_yaml,
)
from aipp_constructs.core._validation import (
    DEFAULT_KUBERNETES_VERSION,
    LABEL_KEY,
    LABEL_VALUE,
    check_cron,
    check_digest,
    check_dns_label,
    check_dns_subdomain,
    check_image_tag,
    check_kubernetes_version,
    check_port,
    check_quantity_binary,
    check_repository_path,
    quantity_to_bytes,
)
from aipp_constructs.core.graph import GraphError, GraphNode, resolve_order
from aipp_constructs.core.port_defaults import SecretStore, VaultAgent
from aipp_constructs.core.references import Resources, Toleration
from aipp_constructs.core.wiring import check_env_name

__all__ = [
    "APP_COMPONENTS",
    "BOOTSTRAP_DIR",
    "EXPORTER_IMAGES",
    "WAIT_IMAGE",
    "AlertsConfig",
    "AppConfig",
    "BackupsConfig",
    "ComponentsConfig",
    "DashboardConfig",
    "EgressConfig",
    "EnvironmentConfig",
    "FrontendConfig",
    "GitOpsConfig",
    "GpuWorkerConfig",
    "ImageConfig",
    "IngressConfig",
    "MonitoringConfig",
    "NetworkConfig",
    "PgDumpConfig",
    "PgvectorConfig",
    "RabbitMqConfig",
    "RedisConfig",
    "RegistryConfig",
    "ResourcesConfig",
    "RouteConfig",
    "ScheduleConfig",
    "SecretsConfig",
    "SpringConfig",
    "TelemetryConfig",
    "TolerationConfig",
    "WaitConfig",
    "load_environment",
]

_HOST_LABEL = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?")


def _check_registry_host(field_path: str, value: str) -> None:
    host, _, port = value.partition(":")
    labels = host.split(".")
    if (
        "/" in value
        or len(labels) < 2
        or not all(_HOST_LABEL.fullmatch(label) for label in labels)
        or (port and not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535))
        or (not port and value.endswith(":"))
    ):
        raise ValueError(
            f"{field_path} must be a registry host name like 'harbor.example.com' "
            f"(with an optional ':port'), got {value!r}; write the host name only, without scheme or path"
        )


def _check_port(field_path: str, value: int) -> None:
    check_port(field_path, value)


def _check_vault_path(field_path: str, value: str) -> None:
    parts = value.split("/")
    if value.startswith("/") or value.endswith("/") or len(parts) < 2 or not all(parts):
        raise ValueError(
            f"{field_path} must be a Vault KV path with its mount, like 'secret/aipp', got {value!r}; "
            "write '<mount>/<path>' without leading or trailing '/'"
        )


def _check_repository(field_path: str, value: str) -> None:
    if ":" in value or "@" in value or value.startswith("/") or not value:
        raise ValueError(
            f"{field_path} must be a repository path without tag or digest, like 'library/redis', "
            f"got {value!r}; put the tag under 'tag'"
        )
    try:
        check_repository_path(field_path, value)
    except ValueError as err:
        raise ValueError(f"{err}; write the path as the registry shows it, like 'library/redis'") from None


def _check_labels(field_path: str, labels: Mapping[str, str]) -> None:
    """Label keys and values Kubernetes accepts (a selector of pods outside this port)."""
    for key, value in labels.items():
        if not LABEL_KEY.fullmatch(key):
            raise FieldProblem(
                key_text(key),
                f"is not a label key (an optional DNS prefix and '/', then at most 63 of [-A-Za-z0-9_.]), "
                f"got {key!r}; write e.g. 'app.kubernetes.io/name' or 'release'",
            )
        if not LABEL_VALUE.fullmatch(value):
            raise FieldProblem(
                key_text(key),
                f"must be a label value (at most 63 of [-A-Za-z0-9_.], letters or digits at both ends), "
                f"got {value!r}; write e.g. 'kube-prometheus-stack'",
            )


def _check_annotations(field_path: str, annotations: Mapping[str, str]) -> None:
    """Annotation keys have the shape of label keys; their values may be any text."""
    for key in annotations:
        if not LABEL_KEY.fullmatch(key):
            raise FieldProblem(
                key_text(key),
                f"is not an annotation key (an optional DNS prefix and '/', then at most 63 of [-A-Za-z0-9_.]), "
                f"got {key!r}; write e.g. 'nginx.ingress.kubernetes.io/proxy-body-size'",
            )


def _check_label_key(field_path: str, value: str) -> None:
    if not LABEL_KEY.fullmatch(value):
        raise ValueError(
            f"{field_path} must be a label key (an optional DNS prefix and '/', then at most 63 of "
            f"[-A-Za-z0-9_.]), got {value!r}; write e.g. 'grafana_dashboard'"
        )


def _check_label_value(field_path: str, value: str) -> None:
    if not LABEL_VALUE.fullmatch(value):
        raise ValueError(
            f"{field_path} must be a label value (at most 63 of [-A-Za-z0-9_.], letters or digits at both ends), "
            f"got {value!r}; write e.g. '1'"
        )


def _check_prometheus_label(field_path: str, value: str) -> None:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise ValueError(
            f"{field_path} must be a Loki/Prometheus label name ([A-Za-z_][A-Za-z0-9_]*), got {value!r}; "
            "write e.g. 'app_kubernetes_io_name'"
        )


def _check_folder(field_path: str, value: str) -> None:
    if not value.strip() or len(value) > 100 or "/" in value:
        raise ValueError(
            f"{field_path} must be a Grafana folder name (1 to 100 characters, no '/'), got {value!r}; write e.g. 'AIPP'"
        )


def _check_range(low: int, high: int, what: str) -> typing.Callable[[str, int], None]:
    """A check that an integer is from ``low`` to ``high``; ``what`` says what the number is."""

    def check(field_path: str, value: int) -> None:
        if not low <= value <= high:
            raise ValueError(
                f"{field_path} must be an integer from {low} to {high} ({what}), got {value!r}; "
                f"write a whole number from {low} to {high}"
            )

    return check


# Mirrors of construct rules, checked while the file is read so that each mistake is reported
# at its key with every other mistake of the file (the constructs check the same again).
#: ExternalSecret ``refreshInterval`` (external_secret.py).
_ESO_DURATION = re.compile(r"([0-9]+h)?([0-9]+m)?([0-9]+s)?")
#: Pod Security admission version label (namespace.py).
_PSA_VERSION = re.compile(r"latest|v1\.[0-9]+")
#: OTLP endpoint (telemetry.py), with the port a URL can have.
_OTLP_ENDPOINT = re.compile(r"https?://[A-Za-z0-9.-]+(?::(?P<port>[0-9]{1,5}))?(?:/\S*)?")
#: Argo CD source repository (gitops_application.py).
_GIT_URL = re.compile(r"(https://|ssh://|git@)\S+")
#: Ingress path (tls_ingress.py).
_INGRESS_PATH = re.compile(r"/[-._~a-zA-Z0-9/]*")
#: external-dns annotation prefix (tls_ingress.py).
_DNS_PREFIX = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?/")
#: PostgreSQL database name (pgvector_db.py).
_SQL_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
#: Config file names under /config (workload.py).
_FILE_NAME = re.compile(r"[-._a-zA-Z0-9]+")
#: RabbitMQ releases that cannot start on a read-only root filesystem (rabbit_mq.py).
_RABBITMQ_OLDEST = (3, 12)


def _check_refresh_interval(field_path: str, value: str) -> None:
    if not value or not _ESO_DURATION.fullmatch(value):
        raise ValueError(
            f"{field_path} must be a duration of hours, minutes and seconds like '1h' or '30m', got {value!r}; "
            "write e.g. '1h'"
        )


def _check_pod_security_version(field_path: str, value: str) -> None:
    if not _PSA_VERSION.fullmatch(value):
        raise ValueError(
            f"{field_path} must be 'latest' or a version like 'v1.27', got {value!r}; "
            "write the cluster's Kubernetes version, e.g. 'v1.27'"
        )


def _check_otlp_endpoint(field_path: str, value: str) -> None:
    match = _OTLP_ENDPOINT.fullmatch(value)
    port = match.group("port") if match else None
    if not match or (port is not None and not 1 <= int(port) <= 65535):
        raise ValueError(
            f"{field_path} must be an http(s) URL like 'http://collector.observability.svc:4318', got {value!r}; "
            "write the collector's OTLP address with scheme and port"
        )


def _check_git_url(field_path: str, value: str) -> None:
    if not _GIT_URL.fullmatch(value):
        raise ValueError(
            f"{field_path} must be a git URL (https://, ssh:// or git@), got {value!r}; "
            "write the URL ArgoCD clones, e.g. 'https://gitlab.example.com/platform/aipp-k8s.git'"
        )


def _check_revision(field_path: str, value: str) -> None:
    if not value or any(c.isspace() for c in value):
        raise ValueError(f"{field_path} must be a branch, tag or commit, got {value!r}; write e.g. 'main'")


def _check_dns_prefix(field_path: str, value: str) -> None:
    if not _DNS_PREFIX.fullmatch(value):
        raise ValueError(
            f"{field_path} must be an annotation prefix ending in '/', got {value!r}; "
            "write 'external-dns.kubernetes.io/' (or 'external-dns.alpha.kubernetes.io/' before external-dns 0.22)"
        )


def _check_database(field_path: str, value: str) -> None:
    if not _SQL_IDENTIFIER.fullmatch(value):
        raise ValueError(
            f"{field_path} must be a lowercase SQL identifier ([a-z_][a-z0-9_]*, at most 63), got {value!r}; "
            "write e.g. 'aipp'"
        )


def _check_env(field_path: str, env: Mapping[str, str]) -> None:
    """Variable names a shell can read, and no two that differ only by case: Spring's relaxed
    binding (and many other programs) read ``LOG_LEVEL`` and ``log_level`` as one setting, and
    which of the two wins is not defined."""
    seen: dict[str, str] = {}
    for name in env:
        try:
            check_env_name("", name)
        except ValueError:
            raise FieldProblem(
                key_text(name),
                f"is not a variable name ([A-Za-z_][A-Za-z0-9_]*), got {name!r}; write e.g. 'LOG_LEVEL'",
            ) from None
        first = seen.setdefault(name.upper(), name)
        if first != name:
            raise FieldProblem(
                key_text(name),
                f"differs from the variable {first} only by case, got {name!r}; programs such as Spring Boot "
                f"read both as one setting: keep one of them",
            )


def _check_config_files(field_path: str, files: Mapping[str, str]) -> None:
    for name in files:
        if not _FILE_NAME.fullmatch(name) or name in (".", ".."):
            raise FieldProblem(
                key_text(name),
                f"must be a file name ([-._a-zA-Z0-9]+, every file lands in /config), got {name!r}; "
                "write e.g. 'application.yaml'",
            )


class RegistryConfig(ConfigModel):
    """Where images are pulled from (the plan's section 3).

    Attributes:
        host: The Harbor registry. Required.
        dockerhub_proxy_project: Harbor proxy-cache project for Docker Hub images.
            Defaults to ``"dockerhub-proxy"``.
        vendor_images: ``mirror`` (option A: vendor images from the Harbor project
            ``mirror_project``) or ``vendor`` (option B: straight from ``vendor_host`` with
            the pull secret ``vendor_pull_secret``). Defaults to ``"mirror"``.
        mirror_project: Harbor project holding the mirrored vendor images. Defaults to ``"aipp"``.
        vendor_host: The vendor's registry (``host:port``): the mirror source, and the pull
            source in ``vendor`` mode. Required.
        vendor_pull_secret: Name of the ``kubernetes.io/dockerconfigjson`` Secret (and of its
            Vault key under ``secrets.vault_path``, properties ``username`` and ``password``)
            used in ``vendor`` mode. Defaults to ``"gitlab-registry"``.
    """

    host: Annotated[Text, checked(_check_registry_host)]
    vendor_host: Annotated[Text, checked(_check_registry_host)]
    dockerhub_proxy_project: Annotated[Text, checked(check_dns_label)] = "dockerhub-proxy"
    vendor_images: Literal["mirror", "vendor"] = "mirror"
    mirror_project: Annotated[Text, checked(check_dns_label)] = "aipp"
    vendor_pull_secret: Annotated[Text, checked(check_dns_label)] = "gitlab-registry"


class EntrypointConfig(ConfigModel):
    """How an image starts (its Dockerfile's ``ENTRYPOINT`` and ``CMD``).

    Attributes:
        entrypoint: The image's entrypoint. Required.
        command: The image's command; none runs the entrypoint alone. Defaults to none.
    """

    entrypoint: ListOf[Text]
    command: ListOf[Text] | None = None


class VaultAgentConfig(ConfigModel):
    """Where the Vault Agents reach Vault and how they log in (``secrets.provider: vault-agent``;
    :class:`aipp_constructs.core.port_defaults.VaultAgent`, docs/vault-agent.md).

    Attributes:
        namespace: Namespace of the Vault server pods, for the NetworkPolicy egress; exactly one
            of ``namespace`` and ``cidr``. Defaults to none.
        pod_labels: Labels of the Vault server pods (with ``namespace``). Defaults to none.
        cidr: Address range of a Vault outside the cluster. Defaults to none.
        port: Vault's API port. Defaults to ``8200``.
        address: Vault's address for the agents; none keeps the injector's. Defaults to none.
        auth_path: Mount path of the Kubernetes auth method. Defaults to ``"auth/kubernetes"``.
        role_prefix: Role (and policy) of a component: ``<role_prefix><component>``.
            Defaults to none: ``<namespace>-``.
        audience: Audience of the projected token the agent logs in with. Defaults to ``"vault"``.
        entrypoints: Component (``enai-linker``) -> ``{entrypoint: [...], command: [...]}`` of
            its image: a GPU worker or a front end that reads a credential from a variable gets
            it from a rendered shell file its entrypoint is wrapped in (``shell-env``); one not
            named here gets it from an env file the kubelet reads (``fileKeyRef``) when
            ``kubernetes_version`` is v1.35 or later, and is refused before. Defaults to none.
    """

    namespace: Annotated[Text, checked(check_dns_label)] | None = None
    pod_labels: Annotated[MapOf[Text], checked(_check_labels)] = Field(default_factory=dict)
    cidr: Text | None = None
    port: Annotated[int, checked(_check_port)] = 8200
    address: Text | None = None
    auth_path: Text = "auth/kubernetes"
    role_prefix: Text | None = None
    audience: Text = "vault"
    entrypoints: MapOf[EntrypointConfig] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _valid(self) -> Self:
        self.to_vault_agent()  # the library's own rules, reported here at their key
        return self

    def to_vault_agent(self) -> VaultAgent:
        """The value the port takes."""
        return VaultAgent(
            namespace=self.namespace,
            pod_labels=dict(self.pod_labels),
            cidr=self.cidr,
            port=self.port,
            address=self.address,
            auth_path=self.auth_path,
            role_prefix=self.role_prefix,
            audience=self.audience,
            # Per component: shell-env with a known entrypoint, else env files from Kubernetes v1.35.
            agent_env="auto",
            entrypoints={
                repository: (tuple(e.entrypoint), tuple(e.command) if e.command is not None else None)
                for repository, e in self.entrypoints.items()
            },
        )


class SecretsConfig(ConfigModel):
    """How credentials reach the cluster from Vault: External Secrets Operator (Kubernetes
    Secrets) or the Vault Agent Injector (files rendered into each pod, docs/vault-agent.md).

    Attributes:
        provider: ``external-secrets`` or ``vault-agent``. Defaults to ``"external-secrets"``.
        store: Name of the ``ClusterSecretStore`` (or ``SecretStore``) that reads Vault.
            Required with ``external-secrets``; refused with ``vault-agent``. Defaults to none.
        store_kind: ``ClusterSecretStore`` or ``SecretStore``. Defaults to ``"ClusterSecretStore"``.
        vault_path: Vault KV path under which each credential set has a key
            (``<vault_path>/pgvector``...). Defaults to ``"secret/aipp"``.
        refresh_interval: How often ESO re-reads Vault. Defaults to ``"1h"``.
        vault_agent: Where the agents reach Vault; required with ``vault-agent``. Defaults to none.
    """

    provider: Literal["external-secrets", "vault-agent"] = "external-secrets"
    store: Annotated[Text, checked(check_dns_label)] | None = None
    store_kind: Literal["ClusterSecretStore", "SecretStore"] = "ClusterSecretStore"
    vault_path: Annotated[Text, checked(_check_vault_path)] = "secret/aipp"
    refresh_interval: Annotated[Text, checked(_check_refresh_interval)] = "1h"
    vault_agent: VaultAgentConfig | None = None

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.provider == "external-secrets":
            if self.store is None:
                raise FieldProblem(
                    "store", "is required; add 'store:' under 'secrets' (provider external-secrets reads this store)"
                )
            if self.vault_agent is not None:
                raise FieldProblem(
                    "vault_agent", "applies to provider vault-agent only; remove it or set provider: vault-agent"
                )
        else:
            if self.vault_agent is None:
                raise FieldProblem(
                    "vault_agent", "is required with provider vault-agent (where Vault is: namespace or cidr)"
                )
            if self.store is not None:
                raise FieldProblem(
                    "store", "applies to provider external-secrets only; remove it with provider vault-agent"
                )
        return self

    def to_secret_store(self) -> SecretStore:
        """The value the port takes."""
        return SecretStore(
            name=self.store or "",
            kind=self.store_kind,
            vault_path=self.vault_path,
            refresh_interval=self.refresh_interval,
            provider=self.provider,
            vault_agent=self.vault_agent.to_vault_agent() if self.vault_agent is not None else None,
        )


def _check_tag_syntax(field_path: str, value: str) -> None:
    # The tag policy reads the row's digest too: load_environment applies it (_check_row_tag).
    check_image_tag(field_path, value, pinned=True)


def _check_row_tag(field_path: str, row: Mapping[str, object]) -> str | None:
    """The problem with an image row's tag under the tag policy, or ``None``.

    A moving tag is refused unless the row has a ``digest`` (a malformed digest is reported
    at ``digest``); a tag that is not a tag at all is reported by the field check, not here.
    """
    tag = row.get("tag")
    if not isinstance(tag, str) or row.get("digest") is not None:
        return None
    try:
        check_image_tag(field_path, tag, pinned=True)
    except ValueError:
        return None
    repository = row.get("repository")
    try:
        check_image_tag(field_path, tag, repository=repository if isinstance(repository, str) else None)
    except ValueError as err:
        problem = str(err).removeprefix(field_path).lstrip()
        if row.get("source") == "vendor":
            problem += (
                "; or mirror the vendor's image under a version tag first "
                "(`aipp images <environment>` prints the mirror commands)"
            )
        return problem
    return None


def _unpublished_tag(row: object) -> tuple[str, str] | None:
    """``(tag, vendor_tag)`` of a vendor row that pins no digest while its release ``tag`` is not
    the tag the vendor publishes; ``None`` otherwise (or when the row is malformed: reported elsewhere)."""
    if not isinstance(row, dict) or row.get("digest") is not None:
        return None
    tag, vendor_tag = row.get("tag"), row.get("vendor_tag")
    if isinstance(tag, str) and isinstance(vendor_tag, str) and vendor_tag != tag:
        return tag, vendor_tag
    return None


def _check_source_tag(field_path: str, value: str) -> None:
    if not value or len(value) > 128 or not all(c.isalnum() or c in "_.-" for c in value):
        raise ValueError(
            f"{field_path} must be an image tag ([A-Za-z0-9_.-], at most 128), got {value!r}; "
            "write the tag the vendor publishes, e.g. 'latest'"
        )


class ImageConfig(ConfigModel):
    """One row of the image table.

    Attributes:
        repository: For ``source: dockerhub``, the Docker Hub repository (``library/redis``
            for official images), pulled through the Harbor proxy project. For
            ``source: vendor``, the path in the vendor registry (``enai/prod/backend``); the
            Harbor mirror keeps its last segment (``aipp/backend``). Required.
        tag: The tag the cluster pulls: a released one. Moving tags (``latest``,
            ``main-latest``, and release lines such as ``7``, ``7.2``, ``6-alpine`` or ``pg16``:
            see ``aipp_constructs.core._validation.is_moving_tag``) are refused unless ``digest``
            pins them. Required.
        digest: Optional ``sha256:...`` digest pinned beside the tag (``aipp images ENV --pin``
            writes the mirrored one). Required for a vendor row under ``vendor_images: vendor``
            whose ``tag`` is not its ``vendor_tag``. Defaults to none.
        source: ``dockerhub`` or ``vendor``. Defaults to ``"dockerhub"``.
        vendor_tag: ``source: vendor`` only: the tag the vendor publishes, copied to ``tag``
            by the mirror step (may be a moving tag: it is read once, at mirroring).
            Defaults to ``tag``.
    """

    repository: Annotated[Text, checked(_check_repository)]
    tag: Annotated[Text, checked(_check_tag_syntax)]
    digest: Annotated[Text | None, checked(check_digest)] = None
    source: Literal["dockerhub", "vendor"] = "dockerhub"
    vendor_tag: Annotated[Text | None, checked(_check_source_tag)] = None

    @model_validator(mode="after")
    def _vendor_tag_needs_vendor_source(self) -> Self:
        if self.vendor_tag is not None and self.source != "vendor":
            raise ValueError(
                f"vendor_tag is only for 'source: vendor' images, got source {self.source!r}; "
                "remove vendor_tag or write 'source: vendor'"
            )
        return self

    @property
    def mirror_name(self) -> str:
        """The repository name in the Harbor mirror project."""
        return self.repository.rsplit("/", 1)[-1]


class TelemetryConfig(ConfigModel):
    """``telemetry``: how the application services reach the cluster's OpenTelemetry collector.

    Attributes:
        mode: ``env`` (``OTEL_*`` variables), ``operator`` (OpenTelemetry Operator injection
            annotation) or ``off``. Defaults to ``"env"``.
        endpoint: OTLP endpoint. Defaults to
            ``"http://opentelemetry-collector.observability.svc:4318"``.
        protocol: ``http/protobuf`` or ``grpc``. Defaults to ``"http/protobuf"``.
        instrumentation: ``operator`` mode: the annotation value (``"true"`` or
            ``"<namespace>/<Instrumentation name>"``). Defaults to ``"true"``.
    """

    mode: Literal["env", "operator", "off"] = "env"
    endpoint: Annotated[Text, checked(_check_otlp_endpoint)] = "http://opentelemetry-collector.observability.svc:4318"
    protocol: Literal["http/protobuf", "grpc"] = "http/protobuf"
    instrumentation: Text = "true"


def _check_host(field_path: str, value: str) -> None:
    check_dns_subdomain(field_path, value)
    if "." not in value:
        raise ValueError(
            f"{field_path} must be a fully qualified host name like 'aipp.example.com', got {value!r}; "
            "write the full host name with its domain"
        )


def _check_url_path(field_path: str, value: str) -> None:
    if not _INGRESS_PATH.fullmatch(value):
        raise ValueError(
            f"{field_path} must be an absolute URL path like '/' or '/api' ([-._~a-zA-Z0-9/]), got {value!r}; "
            "write it starting with '/'"
        )


def _check_cron(field_path: str, value: str) -> None:
    check_cron(field_path, value)


class RouteConfig(ConfigModel):
    """One route of ``ingress.routes``.

    Attributes:
        path: URL path prefix. Defaults to ``"/"``.
        service: Component that receives it (``enai-front``, ``enai-backend``...). Required.
        port: Named port of that component. Defaults to ``"http"``.
    """

    service: Text
    path: Annotated[Text, checked(_check_url_path)] = "/"
    port: Text = "http"


def _check_routes(field_path: str, routes: tuple[RouteConfig, ...]) -> None:
    if not routes:
        raise ValueError(
            f"{field_path} must list at least one route, got []; "
            "write '- {path: /, service: enai-front}', or remove the key for that default"
        )
    seen: dict[str, int] = {}
    for index, route in enumerate(routes):
        first = seen.setdefault(route.path, index)
        if first != index:
            raise FieldProblem(
                f"[{index}].path",
                f"repeats the path of routes[{first}], got {route.path!r} twice; remove one of the two routes",
            )


class IngressConfig(ConfigModel):
    """``ingress``: the public entry (the plan's TLS Ingress, wave 4).

    Attributes:
        host: Public host name of the web UI. Required.
        routes: Routes on ``host``. Defaults to ``/`` to ``enai-front``.
        class_name: ``ingressClassName``. Defaults to none (the cluster default class).
        cluster_issuer: cert-manager ``ClusterIssuer`` (DNS-01) for the certificate. Required.
        external_dns_prefix: Annotation prefix of the cluster's external-dns. Defaults to
            ``"external-dns.kubernetes.io/"`` (v0.22+; older: ``external-dns.alpha.kubernetes.io/``).
        annotations: Controller-specific annotations, only if wanted. Defaults to none.
        rabbitmq_management_host: A host for the RabbitMQ management UI. Defaults to none (not exposed).
        controller_namespace: Namespace of the ingress controller pods (NetworkPolicy peer).
            Defaults to ``"kube-system"`` (RKE2's bundled controller).
        controller_pod_labels: Labels of the ingress controller pods; empty means any pod of
            that namespace. Defaults to none.
    """

    host: Annotated[Text, checked(_check_host)]
    cluster_issuer: Annotated[Text, checked(check_dns_subdomain)]
    routes: Annotated[ListOf[RouteConfig], checked(_check_routes)] = (RouteConfig(service="enai-front"),)
    class_name: Annotated[Text | None, checked(check_dns_subdomain)] = None
    external_dns_prefix: Annotated[Text, checked(_check_dns_prefix)] = "external-dns.kubernetes.io/"
    annotations: Annotated[MapOf[Text], checked(_check_annotations)] = Field(default_factory=dict)
    rabbitmq_management_host: Annotated[Text | None, checked(_check_host)] = None
    controller_namespace: Annotated[Text, checked(check_dns_label)] = "kube-system"
    controller_pod_labels: Annotated[MapOf[Text], checked(_check_labels)] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _management_host_differs(self) -> Self:
        if self.rabbitmq_management_host == self.host:
            raise FieldProblem(
                "rabbitmq_management_host",
                f"must differ from host (the web UI's), got {self.host!r} for both; "
                "give the management UI a host of its own, or remove the key",
            )
        return self


def _check_percent(field_path: str, value: int) -> None:
    _check_range(1, 100, "percent")(field_path, value)


def _check_runbook_base_url(field_path: str, value: str) -> None:
    if not re.fullmatch(r"https?://[^\s#?]*[^\s#?/]", value):
        raise ValueError(
            f"{field_path} must be an http(s) URL without a trailing slash, '#' or '?' like "
            f"'https://docs.example.com/aipp-k8s', got {value!r}; write the address of the documentation "
            "site (each alert links <it>/runbooks/<alert-page>/), or leave it out for the repository's pages"
        )


def repository_web_url(repo_url: str) -> str:
    """The web address of the repository ArgoCD clones: ``https://host/group/repo`` for
    ``https://host/group/repo.git``, ``ssh://git@host[:port]/group/repo.git`` and
    ``git@host:group/repo.git``."""
    url = repo_url.removesuffix("/").removesuffix(".git")
    if url.startswith("git@"):
        host, _, path = url.removeprefix("git@").partition(":")
        return f"https://{host}/{path}"
    if url.startswith("ssh://"):
        rest = url.removeprefix("ssh://").split("@", 1)[-1]
        host, _, path = rest.partition("/")
        return f"https://{host.split(':', 1)[0]}/{path}"
    return url


class AlertsConfig(ConfigModel):
    """``monitoring.alerts``: the PrometheusRule ``<namespace>-alerts`` and its thresholds
    (docs/runbooks/index.md).

    Attributes:
        enabled: Write the PrometheusRule. Defaults to ``true``.
        restarts_per_hour: Container restarts in an hour that raise ``PodRestarting``. Defaults to ``3``.
        postgres_connections_percent: Share of PostgreSQL's ``max_connections`` in use that
            raises ``PostgresConnectionsNearLimit``. Defaults to ``80``.
        postgres_growth_per_hour: Database growth in an hour that raises
            ``PostgresDatabaseGrowing`` (a binary quantity). Defaults to ``"1Gi"``.
        redis_memory_percent: Share of Redis ``maxmemory`` in use that raises
            ``RedisMemoryNearLimit``. Defaults to ``90``.
        rabbitmq_unacked_messages: Unacknowledged messages, still growing, that raise
            ``RabbitmqUnackedMessagesGrowing``. Defaults to ``1000``.
        volume_used_percent: Share of a data volume in use that raises ``VolumeFillingUp``.
            Defaults to ``80``.
        http_5xx_percent: Share of a Spring service's requests answered with 5xx that raises
            ``SpringHttp5xx``. Defaults to ``5``.
        jvm_heap_percent: Share of a Spring service's maximum heap in use that raises
            ``SpringHeapNearLimit``. Defaults to ``90``.
        runbook_base_url: Address of the documentation site (``make docs``) as the team reads
            it, no trailing slash; each alert's ``runbook_url`` is
            ``<runbook_base_url>/runbooks/<page>/`` (docs/runbooks/<page>.md) and the dashboard
            links ``<runbook_base_url>/runbooks/``. Defaults to none: the repository's docs path,
            the page in the repository ArgoCD reads as GitLab shows it
            (``<repository>/-/blob/<gitops.revision>/docs/runbooks/<page>.md``).
    """

    enabled: bool = True
    restarts_per_hour: Annotated[int, checked(_check_range(1, 1000, "restarts in an hour"))] = 3
    postgres_connections_percent: Annotated[int, checked(_check_percent)] = 80
    postgres_growth_per_hour: Annotated[Text, checked(check_quantity_binary)] = "1Gi"
    redis_memory_percent: Annotated[int, checked(_check_percent)] = 90
    rabbitmq_unacked_messages: Annotated[int, checked(_check_range(1, 100_000_000, "messages"))] = 1000
    volume_used_percent: Annotated[int, checked(_check_percent)] = 80
    http_5xx_percent: Annotated[int, checked(_check_percent)] = 5
    jvm_heap_percent: Annotated[int, checked(_check_percent)] = 90
    runbook_base_url: Annotated[Text | None, checked(_check_runbook_base_url)] = None


class DashboardConfig(ConfigModel):
    """``monitoring.dashboard``: the Grafana dashboard, a ConfigMap for the Grafana sidecar.

    Attributes:
        enabled: Write the dashboard ConfigMap ``<namespace>-dashboard``. Defaults to ``true``.
        label: Label the Grafana sidecar loads dashboards by (kube-prometheus-stack:
            ``grafana.sidecar.dashboards.label``). Defaults to ``"grafana_dashboard"``.
        label_value: Its value (``grafana.sidecar.dashboards.labelValue``). Defaults to ``"1"``.
        folder: Grafana folder of the dashboard. Defaults to ``"AIPP"``.
        folder_annotation: Annotation the sidecar reads the folder from
            (``grafana.sidecar.dashboards.folderAnnotation``). Defaults to ``"grafana_folder"``.
        loki_label: The Loki label your log agent gives each stream from the pod label
            ``app.kubernetes.io/name`` (Grafana Alloy's or promtail's ``labelmap`` of the pod
            labels gives ``app_kubernetes_io_name``); the log panels select
            ``{namespace="<namespace>", <loki_label>="<component>"}``. Defaults to
            ``"app_kubernetes_io_name"``.
    """

    enabled: bool = True
    label: Annotated[Text, checked(_check_label_key)] = "grafana_dashboard"
    label_value: Annotated[Text, checked(_check_label_value)] = "1"
    folder: Annotated[Text, checked(_check_folder)] = "AIPP"
    folder_annotation: Annotated[Text, checked(_check_label_key)] = "grafana_folder"
    loki_label: Annotated[Text, checked(_check_prometheus_label)] = "app_kubernetes_io_name"


class MonitoringConfig(ConfigModel):
    """``monitoring``: scraping by the cluster's existing Prometheus.

    Attributes:
        namespace: Namespace of the Prometheus pods (NetworkPolicy peer). Defaults to ``"monitoring"``.
        prometheus_pod_labels: Labels of the Prometheus pods; empty means any pod of that
            namespace. Defaults to none.
        service_monitor_labels: Labels the cluster's Prometheus selects ServiceMonitors by
            (kube-prometheus-stack: ``release: <helm release>``). Defaults to none.
        interval: Scrape interval. Defaults to ``"30s"``.
        alerts: See :class:`AlertsConfig`; the PrometheusRule carries ``service_monitor_labels``
            too (kube-prometheus-stack selects rules by the same ``release`` label). Defaults to its defaults.
        dashboard: See :class:`DashboardConfig`. Defaults to its defaults.
        exporters: Run a Prometheus exporter beside PostgreSQL and Redis: postgres_exporter
            and redis_exporter, each a sidecar container of the database's pod (it reads the
            server over localhost with the credentials the server has, as files), on a port
            ``metrics`` (9187, 9121) scraped by a ServiceMonitor and opened to Prometheus alone.
            Their images are the rows ``postgres-exporter`` and ``redis-exporter`` of ``images``,
            required while this is on. Defaults to ``true``.
    """

    namespace: Annotated[Text, checked(check_dns_label)] = "monitoring"
    prometheus_pod_labels: Annotated[MapOf[Text], checked(_check_labels)] = Field(default_factory=dict)
    service_monitor_labels: Annotated[MapOf[Text], checked(_check_labels)] = Field(default_factory=dict)
    interval: Text = "30s"
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)
    exporters: bool = True


class ScheduleConfig(ConfigModel):
    """A Longhorn recurring job.

    Attributes:
        cron: Schedule. Required.
        retain: How many snapshots or backups to keep. Required.
    """

    cron: Annotated[Text, checked(_check_cron)]
    retain: Annotated[int, checked(_check_range(1, 100, "Longhorn's recurring-job-max-retention"))]


class PgDumpConfig(ConfigModel):
    """The logical ``pg_dump`` of pgvector.

    Attributes:
        schedule: Cron schedule. Defaults to ``"30 2 * * *"``.
        retention_days: Days of dumps kept on the volume. Defaults to ``7``.
        storage_size: Size of the dump volume. Defaults to ``"20Gi"``.
    """

    schedule: Annotated[Text, checked(_check_cron)] = "30 2 * * *"
    retention_days: Annotated[int, checked(_check_range(1, 365, "days of dumps kept"))] = 7
    storage_size: Annotated[Text, checked(check_quantity_binary)] = "20Gi"


class BackupsConfig(ConfigModel):
    """``backups``: data protection of the data volumes.

    Attributes:
        longhorn_namespace: Namespace of Longhorn (its RecurringJobs live there). Defaults to
            ``"longhorn-system"``.
        snapshot: Longhorn snapshot schedule. Defaults to hourly, 24 kept.
        backup: Longhorn backup schedule (to the backup target configured in Longhorn).
            Defaults to daily at 03:00, 14 kept.
        pg_dump: See :class:`PgDumpConfig`. Defaults to its defaults.
    """

    longhorn_namespace: Annotated[Text, checked(check_dns_label)] = "longhorn-system"
    snapshot: ScheduleConfig = Field(default_factory=lambda: ScheduleConfig(cron="0 * * * *", retain=24))
    backup: ScheduleConfig = Field(default_factory=lambda: ScheduleConfig(cron="0 3 * * *", retain=14))
    pg_dump: PgDumpConfig = Field(default_factory=PgDumpConfig)


class GitOpsConfig(ConfigModel):
    """``gitops``: the ArgoCD Application that syncs ``dist/<environment>/``.

    Attributes:
        repo_url: Git repository ArgoCD reads. Required.
        revision: Branch, tag or commit. Defaults to ``"main"``.
        path: Folder of the manifests in the repository: only ever the folder this environment
            synthesizes to, so it is best left out. Defaults to ``"dist/<environment>"``
            (see :attr:`EnvironmentConfig.gitops_path`); any other value is refused.
        application_name: Name of the Application (a DNS-1123 label). Defaults to the
            environment's ``namespace`` (see :attr:`EnvironmentConfig.application_name`).
        argocd_namespace: Namespace of ArgoCD. Defaults to ``"argocd"``.
        project: ArgoCD project. Defaults to ``"default"``.
    """

    repo_url: Annotated[Text, checked(_check_git_url)]
    revision: Annotated[Text, checked(_check_revision)] = "main"
    path: Text | None = None
    application_name: Annotated[Text | None, checked(check_dns_label)] = None
    argocd_namespace: Annotated[Text, checked(check_dns_label)] = "argocd"
    project: Annotated[Text, checked(check_dns_label)] = "default"


def _check_ports(field_path: str, ports: tuple[int, ...]) -> None:
    if not ports:
        raise ValueError(f"{field_path} must list at least one port, got []; write e.g. [443]")
    for index, port in enumerate(ports):
        if not 1 <= port <= 65535:
            raise FieldProblem(f"[{index}]", f"must be a port number between 1 and 65535, got {port!r}; write e.g. 443")


def _check_cidr(field_path: str, value: str) -> None:
    try:
        ipaddress.ip_network(value)
    except ValueError:
        raise ValueError(
            f"{field_path} must be an address range like '10.20.0.0/16' (no host bits set), got {value!r}; "
            "write the network address and its prefix length"
        ) from None


class EgressConfig(ConfigModel):
    """One declared egress of ``network.egress.<component>``: pods elsewhere or an address range.

    Attributes:
        ports: Destination ports. Required.
        namespace: Destination namespace. Defaults to none (then ``cidr`` is required).
        pod_labels: Destination pod labels (with ``namespace``). Defaults to none (any pod).
        cidr: Destination address range, e.g. a model store outside the cluster. Defaults to none.
        protocol: ``TCP`` or ``UDP``. Defaults to ``"TCP"``.
    """

    ports: Annotated[ListOf[int], checked(_check_ports)]
    namespace: Annotated[Text | None, checked(check_dns_label)] = None
    pod_labels: Annotated[MapOf[Text], checked(_check_labels)] = Field(default_factory=dict)
    cidr: Annotated[Text | None, checked(_check_cidr)] = None
    protocol: Literal["TCP", "UDP"] = "TCP"

    @model_validator(mode="after")
    def _one_destination(self) -> Self:
        if (self.namespace is None) == (self.cidr is None):
            raise ValueError(
                f"needs exactly one of namespace and cidr, got namespace {self.namespace!r} and cidr {self.cidr!r}; "
                "write 'namespace: <name>' for pods of the cluster or 'cidr: <range>' for addresses outside it"
            )
        if self.cidr is not None and self.pod_labels:
            raise FieldProblem(
                "pod_labels",
                f"only apply with namespace, got {dict(self.pod_labels)!r} with cidr {self.cidr!r}; "
                "remove pod_labels, or give a namespace instead of the cidr",
            )
        return self


class NetworkConfig(ConfigModel):
    """``network``: cluster facts the NetworkPolicies select peers by.

    Attributes:
        dns_namespace: Namespace of the cluster DNS pods. Defaults to ``"kube-system"``.
        dns_pod_labels: Labels of the cluster DNS pods. Defaults to ``{"k8s-app": "kube-dns"}``
            (RKE2's CoreDNS).
        collector_namespace: Namespace of the OpenTelemetry collector the services export to
            (port from ``telemetry.endpoint``). Defaults to ``"observability"``.
        collector_pod_labels: Labels of the collector pods; empty means any pod of that
            namespace. Defaults to none.
        egress: Component -> further destinations it may reach; nothing else leaves the
            namespace. A disabled component's entries are dropped with it. Defaults to none.
    """

    dns_namespace: Annotated[Text, checked(check_dns_label)] = "kube-system"
    dns_pod_labels: Annotated[MapOf[Text], checked(_check_labels)] = Field(
        default_factory=lambda: {"k8s-app": "kube-dns"}
    )
    collector_namespace: Annotated[Text, checked(check_dns_label)] = "observability"
    collector_pod_labels: Annotated[MapOf[Text], checked(_check_labels)] = Field(default_factory=dict)
    egress: MapOf[ListOf[EgressConfig]] = Field(default_factory=dict)


class WaitConfig(ConfigModel):
    """``wait``: how each service waits for its dependencies at start (image: ``images.wait-for``).

    Attributes:
        attempts: Connection attempts before the pod fails. Defaults to ``60``.
        interval_seconds: Pause between attempts. Defaults to ``5``.
    """

    attempts: Annotated[int, checked(_check_range(1, 3600, "connection attempts"))] = 60
    interval_seconds: Annotated[int, checked(_check_range(1, 3600, "seconds between attempts"))] = 5


class ResourcesConfig(ConfigModel):
    """Requests and limits of one container (:class:`aipp_constructs.core.references.Resources`).

    Attributes:
        cpu_request: CPU request, e.g. ``"250m"``. Defaults to ``"100m"``.
        memory_request: Memory request, e.g. ``"256Mi"``. Defaults to ``"128Mi"``.
        cpu_limit: CPU limit. Defaults to ``"500m"``.
        memory_limit: Memory limit; must be at least the request. Defaults to ``"256Mi"``.
    """

    cpu_request: Text = "100m"
    memory_request: Text = "128Mi"
    cpu_limit: Text = "500m"
    memory_limit: Text = "256Mi"

    @model_validator(mode="after")
    def _valid(self) -> Self:
        self.to_resources()  # the construct's own rules, reported here at their key
        return self

    def to_resources(self) -> Resources:
        """The value the constructs take."""
        return Resources(**self.model_dump())


class TolerationConfig(ConfigModel):
    """A pod toleration (:class:`aipp_constructs.core.references.Toleration`).

    Attributes:
        key: Taint key, e.g. ``nvidia.com/gpu``. Required.
        operator: ``Exists`` or ``Equal``. Defaults to ``"Exists"``.
        value: Taint value (only with ``Equal``). Defaults to none.
        effect: ``NoSchedule``, ``PreferNoSchedule`` or ``NoExecute``. Defaults to ``"NoSchedule"``.
    """

    key: Text
    operator: Literal["Exists", "Equal"] = "Exists"
    value: Text | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] = "NoSchedule"

    @model_validator(mode="after")
    def _valid(self) -> Self:
        self.to_toleration()  # the construct's own rules, reported here at their key
        return self

    def to_toleration(self) -> Toleration:
        """The value the constructs take."""
        return Toleration(**self.model_dump())


class AppConfig(ConfigModel):
    """Settings every application service shares (``components.enai-*``).

    Unset keys keep the construct's default, documented on its props.

    Attributes:
        enabled: Deploy the service. ``false`` removes it and everything derived from its
            edges. Defaults to ``true``.
        depends_on: Components it connects to (waited for, wired). Defaults to none.
        after: Components it is applied after, without connecting (ordering only; a
            disabled one is skipped). Defaults to none.
        replicas: Pod count. Defaults to the construct's default.
        port: HTTP port of the process. Defaults to the construct's default.
        run_as_user: uid the image runs as. Defaults to ``1000``, the uid the vendor images
            are built for (``VENDOR_UID``; the library's own default is ``10001``).
        resources: Requests and limits. Defaults to the construct's default.
        startup_timeout_seconds: Startup budget before the kubelet restarts the process.
            Defaults to the construct's default.
        env: Extra literal variables. Defaults to none.
        config_files: File name -> content, mounted read-only in ``/config``. Defaults to none.
        wiring: Dependency -> fact -> variable name, replacing the default variable names
            for that dependency (facts: host, port, url, and per provider jdbc_url,
            database, username, password). Defaults to none.
    """

    enabled: bool = True
    depends_on: ListOf[Text] = ()
    after: ListOf[Text] = ()
    # The workloads' ranges (workload.py), checked while reading: one run reports every mistake.
    replicas: Annotated[int | None, checked(_check_range(0, 100, "pods"))] = None
    port: Annotated[int | None, checked(_check_port)] = None
    run_as_user: int | None = None
    resources: ResourcesConfig | None = None
    startup_timeout_seconds: Annotated[int | None, checked(_check_range(10, 7200, "seconds"))] = None
    env: Annotated[MapOf[Text], checked(_check_env)] = Field(default_factory=dict)
    config_files: Annotated[MapOf[Text], checked(_check_config_files)] = Field(default_factory=dict)
    wiring: MapOf[MapOf[Text]] = Field(default_factory=dict)


class SpringConfig(AppConfig):
    """A Spring Boot service (``enai-backend``, ``enai-data-processor``, ``enai-scheduler``).

    Attributes:
        management_port: Actuator port when separate from ``port``. Defaults to none.
        max_ram_percentage: Heap share of the memory limit. Defaults to the construct's (75).
        java_options: Further JVM options. Defaults to none.
        leader_elected: The service takes a leader lock; only then may a singleton
            (``enai-scheduler``) have more than one replica. Defaults to ``false``.
    """

    management_port: Annotated[int | None, checked(_check_port)] = None
    max_ram_percentage: int | None = None
    java_options: Text | None = None
    leader_elected: bool = False


class FrontendConfig(AppConfig):
    """The web front end (``enai-front``).

    Attributes:
        health_path: HTTP path of the probes. Defaults to the construct's (``/``).
        cache_dirs: Further writable folders under the read-only root filesystem.
            Defaults to none.
    """

    health_path: Text | None = None
    cache_dirs: ListOf[Text] | None = None


def _check_gpu_count(field_path: str, value: int) -> None:
    if not 1 <= value <= 16:
        raise ValueError(
            f"{field_path} must be an integer from 1 to 16 (GPUs per pod), got {value!r}; write 1 or more, "
            "or disable the component with 'enabled: false' if the cluster has no GPU"
        )


class GpuWorkerConfig(AppConfig):
    """The GPU worker (``enai-linker``).

    Attributes:
        health_path: HTTP path of the probes. Defaults to none: TCP probes.
        gpu_count: GPUs per pod. Defaults to the construct's (1).
        shm_size: Size limit of ``/dev/shm`` (inside the memory limit). Defaults to the
            construct's (1Gi).
        node_selector: Labels of GPU nodes. Defaults to the construct's
            (``nvidia.com/gpu.present: "true"``).
        tolerations: Taints of GPU nodes. Defaults to the construct's (``nvidia.com/gpu``, Exists).
        runtime_class_name: e.g. ``nvidia`` (GPU Operator before CDI). Defaults to none.
    """

    health_path: Text | None = None
    gpu_count: Annotated[int | None, checked(_check_gpu_count)] = None
    shm_size: Annotated[Text | None, checked(check_quantity_binary)] = None
    node_selector: Annotated[MapOf[Text] | None, checked(_check_labels)] = None
    tolerations: ListOf[TolerationConfig] | None = None
    runtime_class_name: Text | None = None


class PgvectorConfig(ConfigModel):
    """``components.pgvector``.

    Attributes:
        database: Application database (``POSTGRES_DB``). Defaults to ``"aipp"``.
        storage_size: Data volume size. Defaults to ``"20Gi"``.
        shm_size: ``/dev/shm`` size limit (counts against the memory limit). Defaults to ``"512Mi"``.
        resources: Requests and limits. Defaults to 250m/2Gi requested, 2 CPU/2Gi limit.
    """

    database: Annotated[Text, checked(_check_database)] = "aipp"
    storage_size: Annotated[Text, checked(check_quantity_binary)] = "20Gi"
    shm_size: Annotated[Text, checked(check_quantity_binary)] = "512Mi"
    resources: ResourcesConfig = Field(
        default_factory=lambda: ResourcesConfig(
            cpu_request="250m", memory_request="2Gi", cpu_limit="2", memory_limit="2Gi"
        )
    )


class RedisConfig(ConfigModel):
    """``components.redis``.

    Attributes:
        storage_size: Append-only-file volume size. Defaults to ``"5Gi"``.
        resources: Requests and limits. Defaults to 100m/256Mi requested, 1 CPU/512Mi limit.
    """

    storage_size: Annotated[Text, checked(check_quantity_binary)] = "5Gi"
    resources: ResourcesConfig = Field(
        default_factory=lambda: ResourcesConfig(
            cpu_request="100m", memory_request="256Mi", cpu_limit="1", memory_limit="512Mi"
        )
    )


class RabbitMqConfig(ConfigModel):
    """``components.rabbitmq``.

    Attributes:
        storage_size: Message-store volume size. Defaults to ``"10Gi"``.
        resources: Requests and limits. Defaults to 250m/1Gi requested, 1 CPU/1Gi limit.
    """

    storage_size: Annotated[Text, checked(check_quantity_binary)] = "10Gi"
    resources: ResourcesConfig = Field(
        default_factory=lambda: ResourcesConfig(
            cpu_request="250m", memory_request="1Gi", cpu_limit="1", memory_limit="1Gi"
        )
    )


class ComponentsConfig(ConfigModel):
    """``components``: per-service settings, keyed by Compose service name.

    Attributes:
        pgvector: See :class:`PgvectorConfig`. Defaults to its defaults.
        redis: See :class:`RedisConfig`. Defaults to its defaults.
        rabbitmq: See :class:`RabbitMqConfig`. Defaults to its defaults.
        enai_backend: ``enai-backend``. See :class:`SpringConfig`. Defaults to its defaults.
        enai_data_processor: ``enai-data-processor``. See :class:`SpringConfig`. Defaults to its defaults.
        enai_linker: ``enai-linker``. See :class:`GpuWorkerConfig`. Defaults to its defaults.
        enai_scheduler: ``enai-scheduler``. See :class:`SpringConfig`. Defaults to its defaults.
        enai_front: ``enai-front``. See :class:`FrontendConfig`. Defaults to its defaults.
    """

    pgvector: PgvectorConfig = Field(default_factory=PgvectorConfig)
    redis: RedisConfig = Field(default_factory=RedisConfig)
    rabbitmq: RabbitMqConfig = Field(default_factory=RabbitMqConfig)
    # In the order of the plan's tables (docs/plan.md); the mirror commands follow it.
    enai_front: FrontendConfig = Field(default_factory=FrontendConfig, alias="enai-front")
    enai_backend: SpringConfig = Field(default_factory=SpringConfig, alias="enai-backend")
    enai_data_processor: SpringConfig = Field(default_factory=SpringConfig, alias="enai-data-processor")
    enai_linker: GpuWorkerConfig = Field(default_factory=GpuWorkerConfig, alias="enai-linker")
    enai_scheduler: SpringConfig = Field(default_factory=SpringConfig, alias="enai-scheduler")

    def by_name(self) -> dict[str, object]:
        """Every component's settings under its Compose service name, in declaration order."""
        return {f.alias or name: getattr(self, name) for name, f in type(self).model_fields.items()}


#: The application services (settings of type :class:`AppConfig`), by Compose name, in
#: declaration order.
APP_COMPONENTS = tuple(
    f.alias or name
    for name, f in ComponentsConfig.model_fields.items()
    if isinstance(f.annotation, type) and issubclass(f.annotation, AppConfig)
)
#: Services that run scheduled jobs: one replica unless ``leader_elected`` (spring_service.py's
#: ``singleton``, checked again while reading so that the mistake comes with the file's others).
SINGLETONS = frozenset({"enai-scheduler"})
#: ``dist/<BOOTSTRAP_DIR>/<environment>/`` holds the ArgoCD Application, outside every synced path.
BOOTSTRAP_DIR = "bootstrap"
#: The image-table row of the start-up wait containers.
WAIT_IMAGE = "wait-for"
#: The image-table rows of the metrics exporters (``monitoring.exporters``), by the component
#: whose pod runs each: Docker Hub images, required while the exporters are on.
EXPORTER_IMAGES = {"pgvector": "postgres-exporter", "redis": "redis-exporter"}


class EnvironmentConfig(ConfigModel):
    """One target cluster: the whole content of ``environments/<name>.yaml``.

    Attributes:
        name: Environment name, from the file name (``dev-meta``); names ``dist/<name>/``.
        namespace: Namespace of every object. Required.
        pod_security_version: Pod Security policy version pinned on the namespace.
            Defaults to ``"v1.27"``.
        kubernetes_version: The cluster's Kubernetes version (``v1.<minor>``); from v1.30 the
            Spring services pause before SIGTERM with the native preStop ``sleep`` action
            instead of running ``sleep`` in the container. Defaults to ``"v1.27"``.
        storage_class: Storage class of every data volume. Required.
        registry: See :class:`RegistryConfig`. Required.
        secrets: See :class:`SecretsConfig`. Required.
        images: The image table, keyed by component, plus ``wait-for`` (the start-up wait
            image) and ``postgres-exporter``, ``redis-exporter`` (the metrics exporters). Required:
            one row per enabled component, ``wait-for``, and the exporters' rows while
            ``monitoring.exporters`` is on.
        telemetry: See :class:`TelemetryConfig`. Defaults to its defaults.
        wait: See :class:`WaitConfig`. Defaults to its defaults.
        network: See :class:`NetworkConfig`. Defaults to its defaults.
        ingress: See :class:`IngressConfig`. Required.
        monitoring: See :class:`MonitoringConfig`. Defaults to its defaults.
        backups: See :class:`BackupsConfig`. Defaults to its defaults.
        gitops: See :class:`GitOpsConfig`. Required.
        components: See :class:`ComponentsConfig`. Defaults to every component's defaults.
    """

    name: Annotated[Text, checked(check_dns_label)]
    namespace: Annotated[Text, checked(check_dns_label)]
    storage_class: Annotated[Text, checked(check_dns_subdomain)]
    registry: RegistryConfig
    secrets: SecretsConfig
    images: MapOf[ImageConfig]
    pod_security_version: Annotated[Text, checked(_check_pod_security_version)] = "v1.27"
    kubernetes_version: Annotated[Text, checked(check_kubernetes_version)] = DEFAULT_KUBERNETES_VERSION
    telemetry: TelemetryConfig = Field(default_factory=TelemetryConfig)
    wait: WaitConfig = Field(default_factory=WaitConfig)
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    ingress: IngressConfig
    monitoring: MonitoringConfig = Field(default_factory=MonitoringConfig)
    backups: BackupsConfig = Field(default_factory=BackupsConfig)
    gitops: GitOpsConfig
    components: ComponentsConfig = Field(default_factory=ComponentsConfig)

    def enabled(self, component: str) -> bool:
        """Whether ``component`` is deployed (the data tier always is)."""
        return _enabled(self.components, component)

    @property
    def application_name(self) -> str:
        """Name of the ArgoCD Application: ``gitops.application_name``, else the namespace."""
        return self.gitops.application_name or self.namespace

    @property
    def gitops_path(self) -> str:
        """Folder of this environment's manifests in the repository: ``dist/<name>``."""
        return f"dist/{self.name}"


def _enabled(components: ComponentsConfig, component: str) -> bool:
    settings = components.by_name()[component]
    return not isinstance(settings, AppConfig) or settings.enabled


def _components(raw: object) -> ComponentsConfig | None:
    """The ``components`` section on its own, or ``None`` when it has a mistake (reported elsewhere)."""
    if raw is not None and not isinstance(raw, dict):
        return None
    try:
        return ComponentsConfig.model_validate(raw or {})
    except ValueError:
        return None


class _Graph:
    """The dependency graph as the file declares it, read from the raw ``components`` section
    so that a mistake elsewhere in a component (a bad quantity, a misspelt key) does not hide
    a mistake of its edges.

    Only what the schema accepts is read: a component whose settings are not a mapping, an
    ``enabled`` that is not a boolean or an edge list that is not a list of names is reported
    by the schema, and the graph checks that would need it are skipped (no second error).

    Attributes:
        names: Every component, in declaration order.
        enabled: Component -> whether it is deployed; ``None`` when its settings are malformed.
        edges: Component -> field (``depends_on``, ``after``) -> the names it lists.
        misspelt: Keys of ``components`` that are not components (reported by the schema).
    """

    def __init__(
        self,
        names: tuple[str, ...],
        enabled: dict[str, bool | None],
        edges: dict[str, dict[str, tuple[str, ...]]],
        misspelt: frozenset[str],
    ) -> None:
        self.names = names
        self.enabled = enabled
        self.edges = edges
        self.misspelt = misspelt

    @classmethod
    def read(cls, raw: object, names: tuple[str, ...]) -> _Graph:
        """The graph of the raw ``components`` section (``None`` when absent)."""
        section = raw if isinstance(raw, dict) else {}
        enabled: dict[str, bool | None] = {}
        edges: dict[str, dict[str, tuple[str, ...]]] = {}
        for name in names:
            settings = section.get(name, {})
            if settings is None:
                settings = {}
            if not isinstance(settings, dict) or (raw is not None and not isinstance(raw, dict)):
                enabled[name] = None
                continue
            flag = settings.get("enabled", True) if name in APP_COMPONENTS else True
            enabled[name] = flag if isinstance(flag, bool) else None
            for field in ("depends_on", "after"):
                listed = settings.get(field, []) if name in APP_COMPONENTS else []
                if isinstance(listed, list):
                    edges.setdefault(name, {})[field] = tuple(t for t in listed if isinstance(t, str))
        misspelt = frozenset(str(key) for key in section if key not in names)
        return cls(names, enabled, edges, misspelt)

    def candidates(self) -> list[str]:
        """The components an edge or a route may name: every one not known to be disabled."""
        return [name for name in self.names if self.enabled.get(name) is not False]

    def problems(self) -> list[tuple[str, str]]:
        """(field path, problem) of every edge that names an unknown component, itself, or (in
        ``depends_on``) a disabled component, then of a cycle among the other edges."""
        problems: list[tuple[str, str]] = []
        known = ", ".join(sorted(self.candidates()))
        kept: dict[str, GraphNode] = {}
        for name in self.names:
            fields = self.edges.get(name, {})
            valid: dict[str, list[str]] = {"depends_on": [], "after": []}
            for field, targets in fields.items():
                where = f"components.{name}.{field}"
                for target in targets:
                    if target == name:
                        problems.append((where, f"{name} names itself in {field}; remove it"))
                    elif target in self.misspelt:
                        continue  # the misspelt key under components is the one mistake
                    elif target not in self.enabled:
                        problems.append(
                            (
                                where,
                                f"{name} names {target!r} in {field}, which is not a component; "
                                f"remove it or name a known one; known: {known}",
                            )
                        )
                    elif field == "depends_on" and self.enabled[name] is True and self.enabled[target] is False:
                        problems.append(
                            (
                                where,
                                f"{name} depends on {target}, which is disabled; enable {target} "
                                f"or remove it from the depends_on of {name}",
                            )
                        )
                    else:
                        valid[field].append(target)
            kept[name] = GraphNode(
                depends_on=tuple(valid["depends_on"]),
                after=tuple(valid["after"]),
                enabled=self.enabled[name] is not False,
            )
        if None in self.enabled.values():
            return problems  # which components take part is unknown: a cycle found could be none
        try:
            resolve_order(kept)
        except GraphError as err:  # only a cycle is left to find
            problems.append((f"components.{err.node}.{err.field}", str(err)))
        return problems


def _shm_sizes(raw: object, graph: _Graph, reported: list[str]) -> dict[str, tuple[str, str]]:
    """Component -> (``shm_size``, ``resources.memory_limit``) of each deployed component whose
    memory-backed ``/dev/shm`` would not fit below its memory limit (references.check_shm_fits,
    checked while reading so that it comes with the file's other mistakes). A component is
    checked only when the file sets one of the two and neither has a mistake already reported."""
    defaults: dict[str, typing.Callable[[], tuple[str, str]]] = {
        "pgvector": lambda: (PgvectorConfig().shm_size, PgvectorConfig().resources.memory_limit),
        "enai-linker": _gpu_worker_defaults,
    }
    section = raw if isinstance(raw, dict) else {}
    found: dict[str, tuple[str, str]] = {}
    for name, default in defaults.items():
        settings = section.get(name)
        where = f"components.{name}"
        if graph.enabled.get(name) is not True or not isinstance(settings, dict):
            continue
        if any(p == where or p.startswith((f"{where}.shm_size", f"{where}.resources")) for p in reported):
            continue
        resources = settings.get("resources")
        shm = settings.get("shm_size")
        limit = resources.get("memory_limit") if isinstance(resources, dict) else None
        if shm is None and limit is None:
            continue
        if shm is None or limit is None:
            default_shm, default_limit = default()  # the construct's default, read only when needed
            shm, limit = shm or default_shm, limit or default_limit
        if not (isinstance(shm, str) and isinstance(limit, str) and _quantity(shm) and _quantity(limit)):
            continue
        if quantity_to_bytes(shm) >= quantity_to_bytes(limit):
            found[name] = (shm, limit)
    return found


def _gpu_worker_defaults() -> tuple[str, str]:
    """The GPU worker construct's default ``shm_size`` and memory limit (importing the construct
    starts jsii: only when the file leaves one of the two to the default)."""
    from aipp_constructs.presets.gpu_worker import GpuWorkerProps

    worker = {f.name: f for f in dataclasses.fields(GpuWorkerProps)}
    resources = typing.cast("typing.Callable[[], Resources]", worker["resources"].default_factory)()
    return typing.cast("str", worker["shm_size"].default), resources.memory_limit


def _quantity(value: str) -> bool:
    try:
        check_quantity_binary("", value)
    except ValueError:
        return False
    return True


def load_environment(path: Path, *, display: str | None = None, vendor_digests: bool = True) -> EnvironmentConfig:
    """Parse and validate one environment file; the environment is named after the file.

    Every mistake of the file is found before anything is refused: wrong types, unknown
    keys, bad values at every level, missing required keys, and the checks across sections
    (image rows, routes, ``gitops.path``). A field whose value is wrong is reported once:
    the checks that read it are skipped.

    ``vendor_digests=False`` leaves out one rule, for ``aipp images``, the command that fixes it:
    under option B (``registry.vendor_images: vendor``) an enabled vendor row whose ``tag`` is
    not its ``vendor_tag`` needs a ``digest`` (the vendor publishes only ``vendor_tag``).

    Raises:
        ConfigErrors: one :class:`ConfigError` per mistake, ordered by line, each one line
            naming the file and line, the field path, the bad value and what to write.
    """
    shown = display or str(path)
    data, root = read_yaml(path, shown)
    errors: list[ConfigError] = []

    def error(field_path: str, problem: str, line: int | None | bool = True) -> None:
        where = line_of(root, field_path) if line is True else line
        errors.append(ConfigError(shown, field_path, problem, line=None if isinstance(where, bool) else where))

    if not isinstance(data, dict):
        raise ConfigErrors(
            [
                ConfigError(
                    shown,
                    "(top level)",
                    f"must be a mapping of settings, got {data!r}; "
                    "write 'key: value' lines (see docs/environment-files.md)",
                    line=1,
                )
            ]
        )
    data = dict(data)
    if "name" in data:
        error(
            "name",
            "is not a known key; the environment is named after its file; remove the key (rename the file instead)",
        )
        del data["name"]
    if path.stem == BOOTSTRAP_DIR:
        reserved = f"{path.stem!r} is reserved for dist/{BOOTSTRAP_DIR}/ (the ArgoCD Applications); rename the file"
        error("name", reserved, line=None)
    loaded = load_model(EnvironmentConfig, data, file=shown, root=root, given={"name": path.stem})
    errors.extend(loaded.errors)
    # Checks across sections. Each reads only values the schema accepted (a value of the
    # wrong type is already reported), and the components only when they were read without
    # error, so that no mistake is reported twice.
    names = tuple(f.alias or name for name, f in ComponentsConfig.model_fields.items())
    components = loaded.value.components if loaded.value is not None else _components(data.get("components"))
    rows = data.get("images")
    # Whether the exporters are on: None when the monitoring section is malformed (reported there).
    monitoring = data.get("monitoring", {})
    exporters = monitoring.get("exporters", True) if isinstance(monitoring, dict) else None
    registry = data.get("registry")
    option_b = isinstance(registry, dict) and registry.get("vendor_images") == "vendor"
    if isinstance(rows, dict):
        known = sorted({*names, WAIT_IMAGE, *EXPORTER_IMAGES.values()})
        renamed = set()  # a misspelt row is one mistake, not also a missing row
        for key in rows:
            if key not in known:
                close = did_you_mean(str(key), [k for k in known if k not in rows])
                renamed.add(close)
                hint = f"did you mean {close!r}? " if close else ""
                error(
                    f"images.{key_text(key)}",
                    f"is not a component; {hint}known: {', '.join(known)}",
                    line=key_line(root, "images", key),
                )
        if components is not None:
            # A disabled component may keep its row (it is simply not used).
            required = {name for name in names if _enabled(components, name)} | {WAIT_IMAGE}
            for name in sorted(required - set(rows) - renamed):
                error(
                    f"images.{name}",
                    "is required: every enabled component needs a pinned image; "
                    f"add '{name}: {{repository: ..., tag: ...}}' under images",
                )
        # An exporter row may stay while the exporters are off (it is simply not used).
        if exporters is True:
            for name in sorted(set(EXPORTER_IMAGES.values()) - set(rows) - renamed):
                error(
                    f"images.{name}",
                    "is required while monitoring.exporters is on: the metrics exporter needs a pinned image; "
                    f"add '{name}: {{repository: ..., tag: ...}}' under images, or set 'monitoring.exporters: false'",
                )
        for name in (*names, WAIT_IMAGE, *EXPORTER_IMAGES.values()):
            row = rows.get(name)
            source = row.get("source", "dockerhub") if isinstance(row, dict) else None
            expected_source = "vendor" if name in APP_COMPONENTS else "dockerhub"
            if source in ("dockerhub", "vendor") and source != expected_source:
                error(
                    f"images.{name}.source",
                    f"must be {expected_source!r} for {name}, got {source!r}; write 'source: {expected_source}'",
                )
            tag_problem = _check_row_tag(f"images.{name}.tag", row) if isinstance(row, dict) else None
            if tag_problem:
                error(f"images.{name}.tag", tag_problem)
            elif vendor_digests and option_b and components is not None and name in APP_COMPONENTS:
                unpublished = _unpublished_tag(row) if _enabled(components, name) else None
                if unpublished:
                    error(
                        f"images.{name}.tag",
                        f"is {unpublished[0]!r}, a release tag the vendor does not publish (it publishes "
                        f"{unpublished[1]!r}), and registry.vendor_images: vendor pulls from the vendor; "
                        f"pin the mirrored digest: aipp images {path.stem} {name} --pin",
                    )
        rabbitmq = rows.get("rabbitmq")
        tag = rabbitmq.get("tag") if isinstance(rabbitmq, dict) else None
        version = re.match(r"v?(\d+)\.(\d+)", tag) if isinstance(tag, str) else None
        if version and (int(version.group(1)), int(version.group(2))) < _RABBITMQ_OLDEST:
            error(
                "images.rabbitmq.tag",
                f"is RabbitMQ {version.group(1)}.{version.group(2)}, which cannot start on a read-only root "
                f"filesystem (3.10 and 3.11 write an upgrade log under /var/log/rabbitmq), got {tag!r}; "
                "use 3.12 or later, e.g. '3.13.7-management'",
            )
    raw_components = data.get("components")
    graph = _Graph.read(raw_components, names)
    for field_path, problem in graph.problems():
        error(field_path, problem)
    for name in sorted(SINGLETONS):
        settings = raw_components.get(name) if isinstance(raw_components, dict) else None
        if graph.enabled.get(name) is not True or not isinstance(settings, dict):
            continue  # not deployed, or its settings are malformed (reported)
        replicas, leader = settings.get("replicas"), settings.get("leader_elected", False)
        if type(replicas) is int and 1 < replicas <= 100 and leader is False:
            error(
                f"components.{name}.replicas",
                f"must be 1 for {name}, which runs scheduled jobs that must not run twice, got {replicas}; "
                "set leader_elected only if the service takes a leader lock",
            )
    reported = [e.path for e in errors]
    for name, (shm, limit) in _shm_sizes(raw_components, graph, reported).items():
        error(
            f"components.{name}.shm_size",
            "must be below resources.memory_limit because /dev/shm pages count against the container's memory, "
            f"got shm_size {shm!r} and memory_limit {limit!r}; raise the limit or shrink shm_size",
        )
    network = data.get("network")
    egress = network.get("egress") if isinstance(network, dict) else None
    for key in egress if isinstance(egress, dict) else ():
        if key not in names:  # a disabled component's entries are dropped with it
            error(
                f"network.egress.{key_text(key)}",
                f"is not a component, got {key!r}; remove it or name a known one; "
                f"known: {', '.join(graph.candidates())}",
                line=key_line(root, "network.egress", key),
            )
    ingress = data.get("ingress")
    routes = ingress.get("routes", [{"service": "enai-front"}]) if isinstance(ingress, dict) else None
    for index, route in enumerate(routes if isinstance(routes, list) else ()):
        service = route.get("service") if isinstance(route, dict) else None
        where = f"ingress.routes[{index}].service"
        if not isinstance(service, str):
            continue
        if service not in names:
            close = did_you_mean(service, graph.candidates())
            hint = f"did you mean {close!r}? " if close else ""
            error(where, f"is not a component, got {service!r}; {hint}known: {', '.join(graph.candidates())}")
        elif graph.enabled.get(service) is False:
            error(where, f"{service} is disabled; remove the route")
    gitops = data.get("gitops")
    gitops_path = gitops.get("path") if isinstance(gitops, dict) else None
    if isinstance(gitops_path, str) and gitops_path != f"dist/{path.stem}":
        error(
            "gitops.path",
            f"must be 'dist/{path.stem}' (the folder this environment synthesizes to), got {gitops_path!r}; "
            f"remove the key (it defaults to dist/{path.stem})",
        )
    if errors:
        raise ConfigErrors(sorted(errors, key=lambda e: e.line or 0))
    assert loaded.value is not None  # no error, so validated
    return loaded.value
