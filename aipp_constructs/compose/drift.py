"""Drift between a vendor's Compose file and a port's synthesized manifests.

A vendor ships a new Compose file; kompose would convert it again and lose every decision of
the port. :func:`find_drift` instead reports what the Compose file has that the port lacks,
so that each difference is either ported or explicitly ignored. For each Compose service:

* ``service``: no ``Deployment`` or ``StatefulSet`` named ``kubernetes_name(service)``, nor one
  labelled ``app.kubernetes.io/name: <that name>``;
* ``port N/PROTO``: a Compose container port (``ports:`` target or ``expose:``) that is no
  ``containerPort`` of any container of the workload's pod;
* ``env NAME``: a Compose ``environment`` name that the workload's main container does not
  define, neither in ``env`` nor through ``envFrom`` (keys of a ConfigMap, Secret or
  ExternalSecret of the same folder, with the ``prefix``). ``NAME`` also counts as defined when
  ``NAME_FILE`` is (the docker-library convention: ``POSTGRES_PASSWORD_FILE`` replaces
  ``POSTGRES_PASSWORD``). The main container is the one named like the workload or the service,
  else the first;
* ``volume NAME``: a persisted (named, declared) Compose volume of the service, and the workload
  has neither a ``persistentVolumeClaim`` volume nor a ``volumeClaimTemplate``;
* ``healthcheck``: a Compose health check (not ``NONE``), and the main container has neither a
  readiness nor a liveness probe (a startup probe alone does not tell when the service is
  ready).

What the port has beyond the Compose file (wiring, telemetry, probes, hardening) is never
drift. Each finding has a key ``SERVICE.service``, ``SERVICE.port.N``, ``SERVICE.env.NAME``,
``SERVICE.volume.NAME`` or ``SERVICE.healthcheck``; ``--ignore SERVICE`` ignores every finding
of a service, ``--ignore SERVICE.env.NAME`` (or any other key) one finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aipp_constructs.compose.model import ComposeFile, Service
from aipp_constructs.core.names import kubernetes_name

__all__ = ["DriftReport", "Finding", "find_drift", "parse_ignore"]

_WORKLOAD_KINDS = ("Deployment", "StatefulSet")
_NAME_LABEL = "app.kubernetes.io/name"
_IGNORE_KINDS = ("service", "port", "env", "volume", "healthcheck")


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the Compose file has that the port lacks.

    Attributes:
        service: The Compose service name.
        kind: ``service``, ``port``, ``env``, ``volume`` or ``healthcheck``.
        item: The port (``8080``), variable or volume name; empty for ``service`` and
            ``healthcheck``.
        message: The rest of the line: what is missing, where.
    """

    service: str
    kind: str
    item: str
    message: str

    @property
    def key(self) -> str:
        """The ``--ignore`` key: ``SERVICE.KIND[.ITEM]``."""
        return f"{self.service}.{self.kind}" + (f".{self.item}" if self.item else "")

    def line(self, k8s_name: str | None = None) -> str:
        """``drift: <service>: <what> ...``; the Kubernetes name in parentheses when it differs."""
        who = self.service if k8s_name in (None, self.service) else f"{self.service} ({k8s_name})"
        return f"drift: {who}: {self.message}"


@dataclass(frozen=True, slots=True)
class DriftReport:
    """What :func:`find_drift` found.

    Attributes:
        compared: Number of Compose services compared (ignored services excluded).
        findings: Findings not ignored, in Compose file order.
        ignored: Findings an ignore rule matched.
        unused_ignores: Ignore rules that matched nothing (stale exclusions).
        kubernetes_names: Compose name -> Kubernetes name.
    """

    compared: int
    findings: tuple[Finding, ...]
    ignored: tuple[Finding, ...]
    unused_ignores: tuple[str, ...]
    kubernetes_names: Mapping[str, str]

    def lines(self) -> list[str]:
        """The findings as ``drift:`` lines and the closing count line."""
        out = [finding.line(self.kubernetes_names.get(finding.service)) for finding in self.findings]
        closing = f"{self.compared} services compared, {len(self.findings)} findings"
        if self.ignored:
            closing += f" ({len(self.ignored)} ignored)"
        return [*out, closing]


def parse_ignore(spec: str, compose: ComposeFile) -> str:
    """Checks an ``--ignore`` value against the Compose file and returns it.

    ``SERVICE``, ``SERVICE.service``, ``SERVICE.healthcheck``, or ``SERVICE.KIND.ITEM`` with
    KIND one of port, env, volume. Service names may contain dots: the longest service name
    that prefixes the value is taken.

    Raises:
        ValueError: no service of the file matches, or the rest is not a finding key.
    """
    names = sorted((service.name for service in compose.services), key=len, reverse=True)
    for name in names:
        if spec == name:
            return spec
        if not spec.startswith(name + "."):
            continue
        rest = spec[len(name) + 1 :]
        kind, _, item = rest.partition(".")
        if kind in ("service", "healthcheck") and not item:
            return spec
        if kind in ("port", "env", "volume") and item:
            return spec
        raise ValueError(
            f"--ignore {spec}: {rest!r} is not a finding key of service {name!r}; write {name}, {name}.env.NAME, "
            f"{name}.port.N, {name}.volume.NAME, {name}.healthcheck or {name}.service"
        )
    raise ValueError(
        f"--ignore {spec}: names no service of {compose.path}; services: "
        f"{', '.join(service.name for service in compose.services)}"
    )


def _labels(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    return (doc.get("metadata") or {}).get("labels") or {}


def _find_workload(name: str, manifests: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    workloads = [doc for doc in manifests if doc.get("kind") in _WORKLOAD_KINDS]
    for doc in workloads:
        if (doc.get("metadata") or {}).get("name") == name:
            return doc
    for doc in workloads:
        if _labels(doc).get(_NAME_LABEL) == name:
            return doc
    return None


def _pod_spec(workload: Mapping[str, Any]) -> Mapping[str, Any]:
    return ((workload.get("spec") or {}).get("template") or {}).get("spec") or {}


def _main_container(workload: Mapping[str, Any], names: Iterable[str]) -> Mapping[str, Any] | None:
    containers: Sequence[Mapping[str, Any]] = _pod_spec(workload).get("containers") or []
    wanted = [(workload.get("metadata") or {}).get("name"), *names]
    for want in wanted:
        for container in containers:
            if container.get("name") == want:
                return container
    return containers[0] if containers else None


def _source_keys(
    kind: str, name: str, namespace: str | None, manifests: Sequence[Mapping[str, Any]]
) -> set[str] | None:
    """Keys of a ConfigMap (kind ``configMapRef``) or a Secret/ExternalSecret (``secretRef``)."""
    for doc in manifests:
        meta = doc.get("metadata") or {}
        if namespace and meta.get("namespace") not in (None, namespace):
            continue
        if kind == "configMapRef" and doc.get("kind") == "ConfigMap" and meta.get("name") == name:
            return set(doc.get("data") or {}) | set(doc.get("binaryData") or {})
        if kind == "secretRef" and doc.get("kind") == "Secret" and meta.get("name") == name:
            return set(doc.get("data") or {}) | set(doc.get("stringData") or {})
        if kind == "secretRef" and doc.get("kind") == "ExternalSecret":
            spec = doc.get("spec") or {}
            target = spec.get("target") or {}
            if (target.get("name") or meta.get("name")) != name:
                continue
            keys = {entry.get("secretKey") for entry in spec.get("data") or [] if entry.get("secretKey")}
            keys |= set(((target.get("template") or {}).get("data")) or {})
            return keys
    return None


def _env_names(container: Mapping[str, Any], namespace: str | None, manifests: Sequence[Mapping[str, Any]]) -> set[str]:
    names = {entry.get("name") for entry in container.get("env") or [] if entry.get("name")}
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix") or ""
        for kind in ("configMapRef", "secretRef"):
            ref = source.get(kind)
            if not ref:
                continue
            keys = _source_keys(kind, ref.get("name", ""), namespace, manifests) or set()
            names |= {prefix + key for key in keys}
    return names


def _compare(service: Service, k8s_name: str, manifests: Sequence[Mapping[str, Any]], port_dir: str) -> list[Finding]:
    workload = _find_workload(k8s_name, manifests)
    if workload is None:
        return [
            Finding(
                service.name,
                "service",
                "",
                f"service: no Deployment or StatefulSet named {k8s_name!r} (or labelled {_NAME_LABEL}={k8s_name}) "
                f"in {port_dir}",
            )
        ]
    meta = workload.get("metadata") or {}
    what = f"{workload.get('kind')} {meta.get('name')}"
    namespace = meta.get("namespace")
    pod = _pod_spec(workload)
    findings: list[Finding] = []

    container_ports = {
        (port.get("containerPort"), (port.get("protocol") or "TCP").lower())
        for container in pod.get("containers") or []
        for port in container.get("ports") or []
    }
    seen_ports: set[tuple[int, str]] = set()
    for port in service.ports:
        key = (port.target, port.protocol)
        if key in seen_ports:
            continue
        seen_ports.add(key)
        if key not in container_ports:
            have = ", ".join(sorted(f"{number}/{proto}" for number, proto in container_ports)) or "none"
            findings.append(
                Finding(
                    service.name,
                    "port",
                    str(port.target),
                    f"port {port.target}/{port.protocol}: not a container port of {what} (it has {have})",
                )
            )

    container = _main_container(workload, (k8s_name, service.name))
    container_name = (container or {}).get("name", "?")
    defined = _env_names(container, namespace, manifests) if container is not None else set()
    for var in service.environment:
        if var.name in defined or f"{var.name}_FILE" in defined:
            continue
        findings.append(
            Finding(
                service.name,
                "env",
                var.name,
                f"env {var.name}: not set in container {container_name} of {what} (env or envFrom)",
            )
        )

    claims = bool((workload.get("spec") or {}).get("volumeClaimTemplates")) or any(
        "persistentVolumeClaim" in volume for volume in pod.get("volumes") or []
    )
    if not claims:
        for volume in service.volumes:
            if volume.kind == "persisted":
                findings.append(
                    Finding(
                        service.name,
                        "volume",
                        volume.source or "",
                        f"volume {volume.source} ({volume.target}): persisted in Compose, but {what} has no "
                        "PersistentVolumeClaim volume or volumeClaimTemplate",
                    )
                )

    check = service.healthcheck
    if check is not None and check.kind != "NONE":
        probes = container is not None and any(key in container for key in ("readinessProbe", "livenessProbe"))
        if not probes:
            findings.append(
                Finding(
                    service.name,
                    "healthcheck",
                    "",
                    f"healthcheck: Compose checks the service ({check.kind}), but container {container_name} of "
                    f"{what} has no readiness or liveness probe",
                )
            )
    return findings


def _matches(finding: Finding, spec: str) -> bool:
    return finding.key == spec or finding.service == spec


def find_drift(
    compose: ComposeFile,
    manifests: Sequence[Mapping[str, Any]],
    ignore: Sequence[str] = (),
    port_dir: str = "the port",
) -> DriftReport:
    """Compares every Compose service with the port's manifests.

    Args:
        compose: The vendor's Compose file.
        manifests: Every object of the port (:func:`aipp_constructs.checks.load_manifests`).
        ignore: Keys checked by :func:`parse_ignore`.
        port_dir: How findings name the port (its folder).

    Raises:
        ValueError: a Compose service name has no Kubernetes name (see
            :mod:`aipp_constructs.core.names`).
    """
    names = {service.name: kubernetes_name(service.name) for service in compose.services}
    findings: list[Finding] = []
    ignored: list[Finding] = []
    used: set[str] = set()
    compared = 0
    for service in compose.services:
        if service.name in ignore:
            used.add(service.name)
            continue
        compared += 1
        for finding in _compare(service, names[service.name], manifests, port_dir):
            rules = [spec for spec in ignore if _matches(finding, spec)]
            if rules:
                used.update(rules)
                ignored.append(finding)
            else:
                findings.append(finding)
    unused = tuple(spec for spec in dict.fromkeys(ignore) if spec not in used)
    return DriftReport(
        compared=compared,
        findings=tuple(findings),
        ignored=tuple(ignored),
        unused_ignores=unused,
        kubernetes_names=names,
    )
