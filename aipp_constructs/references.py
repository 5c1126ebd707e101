"""Value types that constructs exchange: what a dependent needs to reach a component.

A provider (``PgvectorDb``, ``RedisCache``, ``RabbitMq``, ...) exposes an :class:`Endpoint`;
a dependent reads host, ports and credential references from it and never sees a secret
value, only the name of the Secret and the key that holds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ._validation import (
    check_cpu,
    check_dns_label,
    check_port,
    check_quantity_binary,
    quantity_cpu_millis,
    quantity_to_bytes,
)

__all__ = ["Endpoint", "Resources", "SecretKeyRef"]


@dataclass(frozen=True, kw_only=True, slots=True)
class SecretKeyRef:
    """One key of a Kubernetes Secret, used as ``env[].valueFrom.secretKeyRef``.

    Attributes:
        name: Name of the Secret (usually the target of an ``ExternalSecret``).
        key: Key inside the Secret.
    """

    name: str
    key: str

    def __post_init__(self) -> None:
        check_dns_label("SecretKeyRef.name", self.name)
        if not self.key:
            raise ValueError(f"SecretKeyRef.key must not be empty, got {self.key!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class Endpoint:
    """How to reach a component inside the cluster.

    Attributes:
        host: DNS name of the component's client Service (the Compose service name, so
            vendor defaults such as ``jdbc:postgresql://pgvector:5432/...`` keep working).
        ports: Named ports of the client Service, e.g. ``{"postgresql": 5432}``.
        credentials: Named credential references, e.g. ``{"username": SecretKeyRef(...),
            "password": SecretKeyRef(...)}``. Defaults to none.
        properties: Non-secret connection facts, e.g. ``{"database": "aipp"}``. Defaults to none.
    """

    host: str
    ports: Mapping[str, int]
    credentials: Mapping[str, SecretKeyRef] = field(default_factory=dict)
    properties: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_dns_label("Endpoint.host", self.host)
        for name, port in self.ports.items():
            check_port(f"Endpoint.ports[{name!r}]", port)
        # Frozen all the way down: a dependent must not be able to change a provider's facts.
        object.__setattr__(self, "ports", MappingProxyType(dict(self.ports)))
        object.__setattr__(self, "credentials", MappingProxyType(dict(self.credentials)))
        object.__setattr__(self, "properties", MappingProxyType(dict(self.properties)))

    def port(self, name: str) -> int:
        """The port called ``name``; raises ``KeyError`` naming the known ports."""
        try:
            return self.ports[name]
        except KeyError:
            raise KeyError(f"{self.host} has no port {name!r}; known: {sorted(self.ports)}") from None


@dataclass(frozen=True, kw_only=True, slots=True)
class Resources:
    """Requests and limits of one container; every field is set explicitly in the YAML.

    Attributes:
        cpu_request: CPU request, e.g. ``"250m"``. Defaults to ``"100m"``.
        memory_request: Memory request, e.g. ``"256Mi"``. Defaults to ``"128Mi"``.
        cpu_limit: CPU limit. Defaults to ``"500m"``.
        memory_limit: Memory limit; must be at least the request. Defaults to ``"256Mi"``.

    See: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
    """

    cpu_request: str = "100m"
    memory_request: str = "128Mi"
    cpu_limit: str = "500m"
    memory_limit: str = "256Mi"

    def __post_init__(self) -> None:
        check_cpu("cpu_request", self.cpu_request)
        check_cpu("cpu_limit", self.cpu_limit)
        check_quantity_binary("memory_request", self.memory_request)
        check_quantity_binary("memory_limit", self.memory_limit)
        if quantity_cpu_millis(self.cpu_limit) < quantity_cpu_millis(self.cpu_request):
            raise ValueError(
                f"cpu_limit must be at least cpu_request, got limit {self.cpu_limit!r} "
                f"< request {self.cpu_request!r}; raise the limit or lower the request"
            )
        if quantity_to_bytes(self.memory_limit) < quantity_to_bytes(self.memory_request):
            raise ValueError(
                f"memory_limit must be at least memory_request, got limit {self.memory_limit!r} "
                f"< request {self.memory_request!r}; raise the limit or lower the request"
            )
