"""Value types that constructs exchange: what a dependent needs to reach a component.

A provider (``PgvectorDb``, ``RedisCache``, ``RabbitMq``, ...) exposes an :class:`Endpoint`;
a dependent reads host, ports and credential references from it and never sees a secret
value, only the name of the Secret and the key that holds it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from aipp_constructs.core._validation import (
    LABEL_KEY,
    LABEL_VALUE,
    check_cpu,
    check_dns_label,
    check_port,
    check_quantity_binary,
    quantity_cpu_millis,
    quantity_to_bytes,
)

_LABEL_VALUE = LABEL_VALUE
_LABEL_KEY = LABEL_KEY

__all__ = [
    "Endpoint",
    "Resources",
    "SecretKeyRef",
    "Toleration",
    "check_client_ports",
    "check_label_value",
    "check_labels",
    "check_shm_fits",
]


def check_labels(field: str, labels: Mapping[str, str]) -> Mapping[str, str]:
    """Label keys and values Kubernetes accepts; ``app.kubernetes.io/*`` keys are the
    construct's own and refused."""
    for key, value in labels.items():
        if not isinstance(key, str) or not _LABEL_KEY.fullmatch(key) or key.startswith("app.kubernetes.io/"):
            raise ValueError(
                f"{field} keys must be label keys like 'example.com/team' (not app.kubernetes.io/*), got {key!r}"
            )
        check_label_value(f"{field}[{key!r}]", value)
    return labels


def check_label_value(field: str, value: str) -> str:
    """A Kubernetes label value: at most 63 of ``[-A-Za-z0-9_.]``, alphanumeric at both ends."""
    if not isinstance(value, str) or not _LABEL_VALUE.fullmatch(value):
        raise ValueError(
            f"{field} must be a label value ([-A-Za-z0-9_.], at most 63, alphanumeric ends), got {value!r}"
        )
    return value


def check_client_ports(field: str, names: object, ports: Mapping[str, int]) -> tuple[str, ...]:
    """``names`` as the client ports of an endpoint with ``ports``: a tuple of distinct names
    of ``ports`` including the first (the main port); ``()`` gives the first port only.
    ``field`` names the prop in the one-line ``ValueError``."""
    main = next(iter(ports))
    if isinstance(names, str) or not isinstance(names, (tuple, list)):
        raise ValueError(
            f"{field} must be a tuple of port names, got {names!r}; write e.g. ({main!r},), not a bare string"
        )
    if not names:
        return (main,)
    for name in names:
        if name not in ports:
            raise ValueError(
                f"{field} names port {name!r}, which is not one of the ports ({', '.join(map(repr, ports))}); "
                "name one of them"
            )
    if len(set(names)) != len(names):
        raise ValueError(f"{field} must name each port once, got {tuple(names)!r}")
    if main not in names:
        raise ValueError(
            f"{field} must include the main port {main!r} (the first port: dependents wait for it), "
            f"got {tuple(names)!r}; add {main!r}"
        )
    return tuple(names)


#: A Vault property the agent's templates read as a field (``.Data.data.<property>``), or with
#: ``index`` (dashes, dots) behind a guard that makes a missing (or empty) one an error too.
_PROPERTY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INDEXED_PROPERTY = re.compile(r"[A-Za-z0-9_][-.A-Za-z0-9_]*")


@dataclass(frozen=True, kw_only=True, slots=True)
class SecretKeyRef:
    """One key of a Kubernetes Secret, used as ``env[].valueFrom.secretKeyRef``; or, under the
    ``vault-agent`` secret provider, one property of a Vault KV secret that the Vault Agent
    renders into a file (``vault_path`` set: there is no Kubernetes Secret).

    Attributes:
        name: Name of the Secret (usually the target of an ``ExternalSecret``); under
            ``vault-agent`` the name the secret would have, used to name the agent's files.
        key: Key inside the Secret.
        vault_path: KV path (with its mount, as the CLI takes it: ``secret/aipp/pgvector``)
            when the Vault Agent renders the value; ``None`` for a Kubernetes Secret.
            Defaults to ``None``.
        vault_property: The property of ``vault_path`` holding the value. Defaults to ``key``.
        kv_version: KV engine version of the mount (2 reads ``<mount>/data/<path>``).
            Defaults to ``2``.
    """

    name: str
    key: str
    vault_path: str | None = None
    vault_property: str | None = None
    kv_version: int = 2

    def __post_init__(self) -> None:
        check_dns_label("SecretKeyRef.name", self.name)
        if not self.key:
            raise ValueError(f"SecretKeyRef.key must not be empty, got {self.key!r}")
        if self.vault_path is not None:
            parts = self.vault_path.split("/")
            if len(parts) < 2 or not all(parts) or any(c in self.vault_path for c in '" {}'):
                raise ValueError(
                    f"SecretKeyRef.vault_path must be a KV path like 'secret/app/db', got {self.vault_path!r}"
                )
        if self.vault_path is not None and not _INDEXED_PROPERTY.fullmatch(self.property_name):
            raise ValueError(
                f"SecretKeyRef.vault_property must be a property name of letters, digits, '_', '-' and '.', "
                f"got {self.property_name!r}"
            )
        if self.kv_version not in (1, 2):
            raise ValueError(f"SecretKeyRef.kv_version must be 1 or 2, got {self.kv_version!r}")

    @property
    def from_vault_agent(self) -> bool:
        """Whether the Vault Agent renders the value (no Kubernetes Secret exists)."""
        return self.vault_path is not None

    @property
    def property_name(self) -> str:
        """The Vault property read: ``vault_property``, else ``key``."""
        return self.vault_property or self.key

    @property
    def api_path(self) -> str:
        """The path the agent reads: ``<mount>/data/<rest>`` for KV v2, ``vault_path`` for KV v1."""
        if self.vault_path is None:
            raise ValueError(f"secret {self.name!r} key {self.key!r} is a Kubernetes Secret, not a Vault Agent secret")
        mount, _, rest = self.vault_path.partition("/")
        return f"{mount}/data/{rest}" if self.kv_version == 2 else self.vault_path

    def agent_expression(self, *, json: bool = False, shell: bool = False) -> str:
        """The Vault Agent (consul-template) expression printing the value; ``json`` quotes it as
        JSON, ``shell`` escapes each ``'`` for the inside of a single-quoted shell word."""
        field = ".Data.data" if self.kv_version == 2 else ".Data"
        pipe = " | toJSON" if json else (" | replaceAll \"'\" \"'\\\\''\"" if shell else "")
        prop = self.property_name
        if _PROPERTY.fullmatch(prop):
            return f'{{{{ with secret "{self.api_path}" }}}}{{{{ {field}.{prop}{pipe} }}}}{{{{ end }}}}'
        # ``index`` returns nothing for a missing key, even with error_on_missing_key: the guard
        # reads a field named after the property, so the agent fails naming it.
        missing = "missing_property_" + re.sub(r"[^A-Za-z0-9_]", "_", prop)
        return (
            f'{{{{ with secret "{self.api_path}" }}}}{{{{ if not (index {field} "{prop}") }}}}{{{{ {field}.{missing} }}}}'
            f'{{{{ end }}}}{{{{ index {field} "{prop}"{pipe} }}}}{{{{ end }}}}'
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Endpoint:
    """How to reach a component inside the cluster.

    Attributes:
        host: DNS name of the component's client Service (the Compose service name, so
            vendor defaults such as ``jdbc:postgresql://pgvector:5432/...`` keep working).
        ports: Named ports of the client Service, e.g. ``{"postgresql": 5432}``.
        credentials: Named credential references, e.g. ``{"username": SecretKeyRef(...),
            "password": SecretKeyRef(...)}``. Defaults to none.
        properties: Non-secret connection facts, e.g. ``{"database": "aipp", "url": ...}``.
            Defaults to none.
        protocol: What speaks on the first port (``postgresql``, ``redis``, ``amqp``,
            ``http``...); selects the default variable names a dependent is wired with
            (see :mod:`aipp_constructs.core.wiring`). Defaults to ``"tcp"``.
        namespace: Namespace of the client Service. Defaults to ``None``: a component
            stamps its own namespace (its chart's) on the endpoint it is given, so a preset
            never sets it.
        client_ports: Names of the ``ports`` dependents open connections to: every edge to
            the component (``depends_on``, ``waits_for``, ``connects_to`` and the late edges)
            opens each of them in the NetworkPolicies of both sides, e.g. ``("http", "grpc")``
            for a vector database spoken to over HTTP and gRPC. Must include the first of
            ``ports`` (the main port, which start-up waits use), no name twice. Defaults to
            ``()``: the first port only, which is what the field then holds.

    The first entry of ``ports`` is the main port: dependents wait for it and are wired with
    it (the ``port`` fact); ``client_ports`` says which ports the edges open. ``host``
    and ``properties`` are written as seen from the endpoint's own namespace (the bare
    Service name); a dependent in another namespace asks for them as seen from its own:
    :meth:`host_from` and :meth:`facts` then give ``<host>.<namespace>.svc``, in ``host``
    and wherever a property names the host as an address (``scheme://host``,
    ``user@host``, ``host:<port>``); a property that is only the host's name (a database
    called like its server) is left as it is.
    """

    host: str
    ports: Mapping[str, int]
    credentials: Mapping[str, SecretKeyRef] = field(default_factory=dict)
    properties: Mapping[str, str] = field(default_factory=dict)
    protocol: str = "tcp"
    namespace: str | None = None
    client_ports: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_dns_label("Endpoint.host", self.host)
        if self.namespace is not None:
            check_dns_label("Endpoint.namespace", self.namespace)
        if not self.ports:
            raise ValueError(f"Endpoint.ports must name at least one port, got {dict(self.ports)!r}")
        for name, port in self.ports.items():
            check_port(f"Endpoint.ports[{name!r}]", port)
        object.__setattr__(
            self, "client_ports", check_client_ports("Endpoint.client_ports", self.client_ports, self.ports)
        )
        # Frozen all the way down: a dependent must not be able to change a provider's facts.
        object.__setattr__(self, "ports", MappingProxyType(dict(self.ports)))
        object.__setattr__(self, "credentials", MappingProxyType(dict(self.credentials)))
        object.__setattr__(self, "properties", MappingProxyType(dict(self.properties)))

    @property
    def main_port(self) -> int:
        """The port dependents connect to: the first of ``ports``."""
        return next(iter(self.ports.values()))

    def host_from(self, namespace: str | None) -> str:
        """The host as a pod of ``namespace`` resolves it: the bare ``host`` from the same
        namespace (or when either namespace is unknown), ``<host>.<namespace>.svc`` from
        another."""
        if self.namespace is None or namespace is None or namespace == self.namespace:
            return self.host
        return f"{self.host}.{self.namespace}.svc"

    def facts(self, seen_from: str | None = None) -> dict[str, str | SecretKeyRef]:
        """Everything a dependent can be wired with, by fact name.

        ``host`` and ``port`` (the main port), every property, every credential (as a
        reference, never a value). Properties and credentials may not reuse these names.

        Args:
            seen_from: The dependent's namespace. From another namespace than the
                endpoint's, ``host`` is ``<host>.<namespace>.svc`` and so is the host in
                every property that names it as an address (see the class documentation).
                Defaults to ``None``: as seen from the endpoint's own namespace.
        """
        host = self.host_from(seen_from)
        facts: dict[str, str | SecretKeyRef] = {"host": host, "port": str(self.main_port)}
        properties = self.properties
        if host != self.host:
            bare = re.escape(self.host)
            address = re.compile(rf"(?:(?<=//)|(?<=@)){bare}(?=[:/?#]|$)|^{bare}(?=:[0-9])")
            properties = {name: address.sub(host, value) for name, value in properties.items()}
        entries: list[tuple[str, str | SecretKeyRef]] = [*properties.items(), *self.credentials.items()]
        for name, value in entries:
            if name in facts:
                raise ValueError(f"Endpoint {self.host} defines the fact {name!r} twice; rename one")
            facts[name] = value
        return facts

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


@dataclass(frozen=True, kw_only=True, slots=True)
class Toleration:
    """A pod toleration.

    Attributes:
        key: Taint key, e.g. ``nvidia.com/gpu``. Required.
        operator: ``Exists`` or ``Equal``. Defaults to ``"Exists"``.
        value: Taint value (only with ``Equal``). Defaults to none.
        effect: ``NoSchedule``, ``PreferNoSchedule`` or ``NoExecute``. Defaults to ``"NoSchedule"``.
    """

    key: str
    operator: Literal["Exists", "Equal"] = "Exists"
    value: str | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] = "NoSchedule"

    def __post_init__(self) -> None:
        if not _LABEL_KEY.fullmatch(self.key):
            raise ValueError(f"toleration key must be a label key like 'nvidia.com/gpu', got {self.key!r}")
        if self.operator not in ("Exists", "Equal"):
            raise ValueError(f"toleration operator must be 'Exists' or 'Equal', got {self.operator!r}")
        if self.effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            raise ValueError(
                f"toleration effect must be NoSchedule, PreferNoSchedule or NoExecute, got {self.effect!r}"
            )
        if self.value is not None and not _LABEL_VALUE.fullmatch(self.value):
            raise ValueError(
                f"toleration {self.key}: value must be a label value ([-A-Za-z0-9_.], at most 63), got {self.value!r}"
            )
        if (self.operator == "Exists") != (self.value is None):
            raise ValueError(
                f"toleration {self.key}: operator Exists takes no value and Equal needs one, "
                f"got operator {self.operator!r} with value {self.value!r}"
            )


def check_shm_fits(shm_size: str, resources: Resources) -> None:
    """A memory-backed ``/dev/shm`` of ``shm_size`` leaves room below the memory limit:
    its pages count against the container's memory."""
    check_quantity_binary("shm_size", shm_size)
    if quantity_to_bytes(shm_size) >= quantity_to_bytes(resources.memory_limit):
        raise ValueError(
            f"shm_size must be below resources.memory_limit because /dev/shm pages count "
            f"against the container's memory, got shm_size {shm_size!r} and memory_limit "
            f"{resources.memory_limit!r}; raise the limit or shrink shm_size"
        )
