"""``TlsIngress``: one Ingress with cert-manager TLS and external-dns records, routing to components.

Creates one ``networking.k8s.io/v1`` Ingress ``<name>`` whose

* rules route ``host`` + ``path`` to a component's client Service (by named port);
* TLS has one entry per host, secret ``<host with dots as dashes>-tls``, issued by
  cert-manager's ingress-shim from the ``cert-manager.io/cluster-issuer`` annotation (a DNS-01
  issuer needs no solver annotations);
* external-dns hostname annotation lists every host, under a configurable prefix:
  external-dns v0.22 moved the default from ``external-dns.alpha.kubernetes.io/`` to
  ``external-dns.kubernetes.io/``, so it must match the cluster's version;
* sync wave is that of the latest component it routes to (the Ingress goes live with them).

No controller-specific annotation is added unless passed in ``annotations``: the class may be
ingress-nginx or Traefik (RKE2 1.36+ default), which read different ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from constructs import Construct

from aipp_constructs.core._manifest import Manifest
from aipp_constructs.core._validation import check_dns_label, check_dns_subdomain
from aipp_constructs.core.component import SYNC_WAVE_ANNOTATION, Component, namespace_of, require_components

__all__ = ["IngressRoute", "TlsIngress", "TlsIngressProps"]

_PATH = re.compile(r"/[-._~a-zA-Z0-9/]*")
_PREFIX = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?/")


@dataclass(frozen=True, kw_only=True, slots=True)
class IngressRoute:
    """One host + path sent to one component.

    Attributes:
        host: Public host name. Required.
        target: The component whose client Service receives the traffic. Required.
        path: URL path prefix. Defaults to ``"/"``.
        port: Named port of the target's endpoint. Defaults to ``"http"``.
        path_type: ``Prefix``, ``Exact`` or ``ImplementationSpecific``. Defaults to ``"Prefix"``.
    """

    host: str
    target: Component
    path: str = "/"
    port: str = "http"
    path_type: Literal["Prefix", "Exact", "ImplementationSpecific"] = "Prefix"

    def __post_init__(self) -> None:
        check_dns_subdomain("host", self.host)
        if not isinstance(self.path, str) or not _PATH.fullmatch(self.path):
            raise ValueError(f"path must be an absolute URL path like '/' or '/api', got {self.path!r}")
        require_components("target", self.target)
        if self.target.endpoint is None or self.port not in self.target.endpoint.ports:
            known = sorted(self.target.endpoint.ports) if self.target.endpoint else []
            raise ValueError(f"port must be a named port of {self.target.name} ({', '.join(known)}), got {self.port!r}")
        if self.path_type not in ("Prefix", "Exact", "ImplementationSpecific"):
            raise ValueError(f"path_type must be Prefix, Exact or ImplementationSpecific, got {self.path_type!r}")

    @property
    def service_name(self) -> str:
        """The target's client Service: its endpoint's host (an adopted workload's Service may
        be named apart from the component)."""
        return self.target.endpoint.host  # type: ignore[union-attr]

    @property
    def port_number(self) -> int:
        """The target's port number behind ``port``."""
        return self.target.endpoint.port(self.port)  # type: ignore[union-attr]


@dataclass(frozen=True, kw_only=True, slots=True)
class TlsIngressProps:
    """Props of :class:`TlsIngress`.

    Attributes:
        name: Name of the Ingress. Required.
        routes: The routes; at least one, no host + path twice. Required.
        ingress_class_name: ``spec.ingressClassName``. Defaults to the cluster's default class.
        cluster_issuer: cert-manager ``ClusterIssuer`` for the TLS certificates; ``None``
            serves plain HTTP. Defaults to ``None``.
        external_dns_prefix: Annotation prefix of the cluster's external-dns
            (``external-dns.alpha.kubernetes.io/`` before v0.22); ``None`` adds no
            annotation. Defaults to ``"external-dns.kubernetes.io/"``.
        annotations: Further annotations, e.g. controller-specific ones. Defaults to none.
        labels: Labels of the Ingress. Defaults to none.
    """

    name: str
    routes: tuple[IngressRoute, ...]
    ingress_class_name: str | None = None
    cluster_issuer: str | None = None
    external_dns_prefix: str | None = "external-dns.kubernetes.io/"
    annotations: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_dns_label("name", self.name)
        if not self.routes:
            raise ValueError("routes must list at least one route, got ()")
        seen: set[tuple[str, str]] = set()
        for route in self.routes:
            if (route.host, route.path) in seen:
                raise ValueError(f"routes must not repeat a host and path, got {route.host}{route.path} twice")
            seen.add((route.host, route.path))
        if self.ingress_class_name is not None:
            check_dns_subdomain("ingress_class_name", self.ingress_class_name)
        if self.cluster_issuer is not None:
            check_dns_subdomain("cluster_issuer", self.cluster_issuer)
        if self.external_dns_prefix is not None and not _PREFIX.fullmatch(self.external_dns_prefix):
            raise ValueError(
                f"external_dns_prefix must be an annotation prefix ending in '/', like "
                f"'external-dns.kubernetes.io/', got {self.external_dns_prefix!r}"
            )
        for key in self.annotations:
            if key.startswith(("cert-manager.io/", "argocd.argoproj.io/")) or (
                self.external_dns_prefix and key.startswith(self.external_dns_prefix)
            ):
                raise ValueError(f"annotations must not set {key!r}, which the construct owns; use the matching prop")

    @property
    def hosts(self) -> list[str]:
        """Every host, in first-seen order."""
        return list(dict.fromkeys(route.host for route in self.routes))


class TlsIngress(Construct):
    """See the module documentation.

    Attributes:
        resource: The ``Ingress``.
        wave: Its sync wave.
    """

    def __init__(self, scope: Construct, id: str, props: TlsIngressProps) -> None:
        namespace = namespace_of(scope)
        for route in props.routes:
            # An Ingress backend is a Service of the Ingress's own namespace.
            if route.target.namespace != namespace:
                raise ValueError(
                    f"routes: {route.host}{route.path} targets {route.target.name} in namespace "
                    f"{route.target.namespace!r}, the Ingress is in {namespace!r}; create the Ingress in the chart "
                    "(namespace) of its targets, one Ingress per namespace"
                )
        super().__init__(scope, id)
        self.props = props
        self.wave = max(route.target.wave for route in props.routes)
        annotations = {SYNC_WAVE_ANNOTATION: str(self.wave)}
        if props.cluster_issuer:
            annotations["cert-manager.io/cluster-issuer"] = props.cluster_issuer
        if props.external_dns_prefix:
            annotations[f"{props.external_dns_prefix}hostname"] = ",".join(props.hosts)
        annotations.update(props.annotations)
        # No construct dependency on the targets (cdk8s would walk every path between their
        # objects): the Ingress is created after them, so it already follows them in the output.
        spec: dict[str, Any] = {
            "ingressClassName": props.ingress_class_name,
            "tls": [{"hosts": [host], "secretName": tls_secret_name(host)} for host in props.hosts]
            if props.cluster_issuer
            else None,
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {
                                "path": route.path,
                                "pathType": route.path_type,
                                "backend": {"service": {"name": route.service_name, "port": {"name": route.port}}},
                            }
                            for route in props.routes
                            if route.host == host
                        ]
                    },
                }
                for host in props.hosts
            ],
        }
        self.resource = Manifest(
            self,
            "Resource",
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": {"name": props.name, "labels": dict(props.labels) or None, "annotations": annotations},
                "spec": spec,
            },
        )


def tls_secret_name(host: str) -> str:
    """``aipp.example.com`` -> ``aipp-example-com-tls`` (cert-manager names the Certificate so too)."""
    return f"{host.replace('.', '-')}-tls"
