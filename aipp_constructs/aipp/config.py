"""The environment file (``environments/<name>.yaml``): schema, defaults and loading.

The dataclasses below are the schema; :func:`load_environment` parses a file into them and
refuses anything it does not know. README.md ("Environment files") documents every key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .._config_loader import ConfigError, load_dataclass, load_yaml_file
from .._validation import check_digest, check_dns_label, check_dns_subdomain, check_image_tag, check_quantity_binary
from ..references import Resources

__all__ = [
    "ComponentsConfig",
    "EnvironmentConfig",
    "ImageConfig",
    "PgvectorConfig",
    "RabbitMqConfig",
    "RedisConfig",
    "RegistryConfig",
    "SecretsConfig",
    "load_environment",
]

_DNS = {"check": check_dns_label}
_SIZE = {"check": check_quantity_binary}


def _check_registry_host(field_path: str, value: str) -> None:
    if "/" in value or ":" in value.split(".")[0] or "." not in value:
        raise ValueError(f"{field_path} must be a registry host name like 'harbor.example.com', got {value!r}")


def _check_vault_path(field_path: str, value: str) -> None:
    parts = value.split("/")
    if value.startswith("/") or value.endswith("/") or len(parts) < 2 or not all(parts):
        raise ValueError(
            f"{field_path} must be a Vault KV path with its mount, like 'secret/aipp', got {value!r}"
        )


def _check_repository(field_path: str, value: str) -> None:
    if ":" in value or "@" in value or value.startswith("/") or not value:
        raise ValueError(
            f"{field_path} must be a repository path without tag or digest, like 'library/redis', "
            f"got {value!r}; put the tag under 'tag'"
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class RegistryConfig:
    """Where images are pulled from (the plan's section 3, option A).

    Attributes:
        host: The Harbor registry. Required.
        dockerhub_proxy_project: Harbor proxy-cache project for Docker Hub images.
            Defaults to ``"dockerhub-proxy"``.
    """

    host: str = field(metadata={"check": _check_registry_host})
    dockerhub_proxy_project: str = field(default="dockerhub-proxy", metadata=_DNS)


@dataclass(frozen=True, kw_only=True, slots=True)
class SecretsConfig:
    """How credentials reach the cluster: External Secrets Operator reading Vault.

    Attributes:
        store: Name of the ``ClusterSecretStore`` (or ``SecretStore``) that reads Vault. Required.
        store_kind: ``ClusterSecretStore`` or ``SecretStore``. Defaults to ``"ClusterSecretStore"``.
        vault_path: Vault KV path under which each credential set has a key
            (``<vault_path>/pgvector``...). Defaults to ``"secret/aipp"``.
        refresh_interval: How often ESO re-reads Vault. Defaults to ``"1h"``.
    """

    store: str = field(metadata=_DNS)
    store_kind: Literal["ClusterSecretStore", "SecretStore"] = "ClusterSecretStore"
    vault_path: str = field(default="secret/aipp", metadata={"check": _check_vault_path})
    refresh_interval: str = "1h"


@dataclass(frozen=True, kw_only=True, slots=True)
class ImageConfig:
    """One row of the image table.

    Attributes:
        repository: Docker Hub repository (``library/redis`` for official images), pulled
            through the Harbor proxy project. Required.
        tag: A released tag; ``latest``, ``main-latest`` and other moving tags are refused. Required.
        digest: Optional ``sha256:...`` digest pinned beside the tag. Defaults to none.
    """

    repository: str = field(metadata={"check": _check_repository})
    tag: str = field(metadata={"check": check_image_tag})
    digest: str | None = field(default=None, metadata={"check": check_digest})


@dataclass(frozen=True, kw_only=True, slots=True)
class PgvectorConfig:
    """``components.pgvector``.

    Attributes:
        database: Application database (``POSTGRES_DB``). Defaults to ``"aipp"``.
        storage_size: Data volume size. Defaults to ``"20Gi"``.
        shm_size: ``/dev/shm`` size limit (counts against the memory limit). Defaults to ``"512Mi"``.
        resources: Requests and limits. Defaults to 250m/2Gi requested, 2 CPU/2Gi limit.
    """

    database: str = "aipp"
    storage_size: str = field(default="20Gi", metadata=_SIZE)
    shm_size: str = field(default="512Mi", metadata=_SIZE)
    resources: Resources = field(
        default_factory=lambda: Resources(cpu_request="250m", memory_request="2Gi", cpu_limit="2", memory_limit="2Gi")
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class RedisConfig:
    """``components.redis``.

    Attributes:
        storage_size: Append-only-file volume size. Defaults to ``"5Gi"``.
        resources: Requests and limits. Defaults to 100m/256Mi requested, 1 CPU/512Mi limit.
    """

    storage_size: str = field(default="5Gi", metadata=_SIZE)
    resources: Resources = field(
        default_factory=lambda: Resources(cpu_request="100m", memory_request="256Mi", cpu_limit="1", memory_limit="512Mi")
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class RabbitMqConfig:
    """``components.rabbitmq``.

    Attributes:
        storage_size: Message-store volume size. Defaults to ``"10Gi"``.
        resources: Requests and limits. Defaults to 250m/1Gi requested, 1 CPU/1Gi limit.
    """

    storage_size: str = field(default="10Gi", metadata=_SIZE)
    resources: Resources = field(
        default_factory=lambda: Resources(cpu_request="250m", memory_request="1Gi", cpu_limit="1", memory_limit="1Gi")
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class ComponentsConfig:
    """``components``: per-service settings, keyed by Compose service name.

    Attributes:
        pgvector: See :class:`PgvectorConfig`. Defaults to its defaults.
        redis: See :class:`RedisConfig`. Defaults to its defaults.
        rabbitmq: See :class:`RabbitMqConfig`. Defaults to its defaults.
    """

    pgvector: PgvectorConfig = field(default_factory=PgvectorConfig)
    redis: RedisConfig = field(default_factory=RedisConfig)
    rabbitmq: RabbitMqConfig = field(default_factory=RabbitMqConfig)


@dataclass(frozen=True, kw_only=True, slots=True)
class EnvironmentConfig:
    """One target cluster: the whole content of ``environments/<name>.yaml``.

    Attributes:
        name: Environment name, from the file name (``dev-meta``); names ``dist/<name>/``.
        namespace: Namespace of every object. Required.
        pod_security_version: Pod Security policy version pinned on the namespace.
            Defaults to ``"v1.27"``.
        storage_class: Storage class of every data volume. Required.
        registry: See :class:`RegistryConfig`. Required.
        secrets: See :class:`SecretsConfig`. Required.
        images: The image table, keyed by component. Required: one row per component.
        components: See :class:`ComponentsConfig`. Defaults to every component's defaults.
    """

    name: str = field(metadata=_DNS)
    namespace: str = field(metadata=_DNS)
    storage_class: str = field(metadata={"check": check_dns_subdomain})
    registry: RegistryConfig
    secrets: SecretsConfig
    images: Mapping[str, ImageConfig]
    pod_security_version: str = "v1.27"
    components: ComponentsConfig = field(default_factory=ComponentsConfig)


def load_environment(path: Path, *, display: str | None = None) -> EnvironmentConfig:
    """Parse and validate one environment file; the environment is named after the file.

    Raises:
        ConfigError: with a one-line message naming the file, the field path, the bad
            value and what is allowed.
    """
    shown = display or str(path)
    data = load_yaml_file(path, shown)
    if not isinstance(data, dict):
        raise ConfigError(shown, "(top level)", f"must be a mapping of settings, got {data!r}")
    if "name" in data:
        raise ConfigError(shown, "name", "is not a known key; the environment is named after its file")
    env = load_dataclass(EnvironmentConfig, {"name": path.stem, **data}, file=shown)
    expected = {f for f in ComponentsConfig.__dataclass_fields__}
    extra = sorted(set(env.images) - expected)
    if extra:
        raise ConfigError(shown, f"images.{extra[0]}", f"is not a component; known: {', '.join(sorted(expected))}")
    missing = sorted(expected - set(env.images))
    if missing:
        raise ConfigError(shown, f"images.{missing[0]}", "is required: every component needs a pinned image")
    return env
