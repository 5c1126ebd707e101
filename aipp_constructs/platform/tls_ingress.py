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

Per-route settings: an :class:`IngressRoute` may carry ``annotations`` of its own (e.g.
ingress-nginx's ``configuration-snippet`` on one path). Annotations apply to a whole Ingress
object, so the routes are rendered in groups, one Ingress each:

* the routes without annotations or ``group``: the Ingress ``<name>``, as without groups;
* every other group: the Ingress ``<name>-<suffix>``, where ``suffix`` is the routes'
  ``group`` or, without one, ``r`` and the first 8 hex digits of the SHA-256 of the route
  annotations as sorted JSON (routes with equal annotations share the object; the name is
  stable when routes are reordered and changes when the annotations do). Its annotations are
  the construct's ``annotations`` overlaid by the route's, its class, labels and wave are
  the construct's, and its TLS section lists its hosts with the same secret names.

The first Ingress (``<name>``, else the first group's) owns the certificates and DNS records:
its TLS section lists every host of the construct and it alone carries the cert-manager
issuer and external-dns hostname annotations. cert-manager's ingress-shim turns each TLS
secret into a Certificate owned by one Ingress and refuses to update one another Ingress
owns, so the others share the secret without the issuer annotation.
"""

from __future__ import annotations

import hashlib
import json
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
        annotations: Annotations of this route's Ingress object, over the construct's (see the
            module documentation: such a route is rendered into an Ingress of its own).
            Defaults to none.
        group: Suffix of the Ingress object of this route, ``<name>-<group>`` (a DNS label);
            routes naming the same group share the object and must have equal
            ``annotations``. Defaults to ``None``: derived from the annotations, and no
            object of its own without annotations.
    """

    host: str
    target: Component
    path: str = "/"
    port: str = "http"
    path_type: Literal["Prefix", "Exact", "ImplementationSpecific"] = "Prefix"
    annotations: Mapping[str, str] = field(default_factory=dict)
    group: str | None = None

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
        if not isinstance(self.annotations, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.annotations.items()
        ):
            raise ValueError(f"annotations must map annotation keys to strings, got {self.annotations!r}")
        if self.group is not None:
            check_dns_label("group", self.group)

    @property
    def group_suffix(self) -> str | None:
        """The suffix of this route's Ingress object: ``group``, else ``r`` and 8 hex digits
        of the annotations' hash; ``None`` for the construct's own object (no annotations,
        no group)."""
        if self.group is not None:
            return self.group
        if not self.annotations:
            return None
        canonical = json.dumps(dict(sorted(self.annotations.items())), separators=(",", ":"))
        return "r" + hashlib.sha256(canonical.encode()).hexdigest()[:8]

    @property
    def service_name(self) -> str:
        """The target's client Service: its endpoint's host (an adopted workload's Service may
        be named apart from the component)."""
        return self.target.required_endpoint.host

    @property
    def port_number(self) -> int:
        """The target's port number behind ``port``."""
        return self.target.required_endpoint.port(self.port)


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
            if self._owned(key):
                raise ValueError(f"annotations must not set {key!r}, which the construct owns; use the matching prop")
        for route in self.routes:
            for key in route.annotations:
                if self._owned(key):
                    raise ValueError(
                        f"routes[{route.host}{route.path}].annotations must not set {key!r}, which the construct "
                        "owns; use the matching TlsIngressProps prop"
                    )
        groups: dict[str, IngressRoute] = {}
        for route in self.routes:
            suffix = route.group_suffix
            if suffix is None:
                continue
            first = groups.setdefault(suffix, route)
            if dict(first.annotations) != dict(route.annotations):
                raise ValueError(
                    f"routes[{route.host}{route.path}].group {suffix!r} is also the group of "
                    f"{first.host}{first.path} with other annotations; give equal annotations or another group"
                )
            check_dns_label(f"routes[{route.host}{route.path}]: Ingress name", f"{self.name}-{suffix}")

    def _owned(self, key: str) -> bool:
        """Whether the construct writes annotation ``key`` itself."""
        return key.startswith(("cert-manager.io/", "argocd.argoproj.io/")) or bool(
            self.external_dns_prefix and key.startswith(self.external_dns_prefix)
        )

    def route_groups(self) -> list[tuple[str, tuple[IngressRoute, ...]]]:
        """(Ingress name, its routes) of each Ingress object: ``<name>`` for the routes
        without a group first (when there are any), then ``<name>-<suffix>`` in the order the
        groups first appear."""
        groups: dict[str | None, list[IngressRoute]] = {None: []}
        for route in self.routes:
            groups.setdefault(route.group_suffix, []).append(route)
        return [
            (self.name if suffix is None else f"{self.name}-{suffix}", tuple(routes))
            for suffix, routes in groups.items()
            if routes
        ]

    @property
    def hosts(self) -> list[str]:
        """Every host, in first-seen order."""
        return list(dict.fromkeys(route.host for route in self.routes))


class TlsIngress(Construct):
    """See the module documentation.

    Attributes:
        resource: The first ``Ingress``: ``<name>`` (the one owning the certificates and DNS
            records), or the first group's when every route has a group.
        resources: Every ``Ingress``, ``resource`` first, then one per route group.
        wave: Their sync wave.
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
        self.resources: list[Manifest] = []
        # No construct dependency on the targets (cdk8s would walk every path between their
        # objects): the Ingress is created after them, so it already follows them in the output.
        for index, (name, routes) in enumerate(props.route_groups()):
            owner = index == 0
            hosts = props.hosts if owner else list(dict.fromkeys(route.host for route in routes))
            annotations = {SYNC_WAVE_ANNOTATION: str(self.wave)}
            if owner and props.cluster_issuer:
                annotations["cert-manager.io/cluster-issuer"] = props.cluster_issuer
            if owner and props.external_dns_prefix:
                annotations[f"{props.external_dns_prefix}hostname"] = ",".join(props.hosts)
            annotations.update(props.annotations)
            annotations.update(routes[0].annotations)
            spec: dict[str, Any] = {
                "ingressClassName": props.ingress_class_name,
                "tls": [{"hosts": [host], "secretName": tls_secret_name(host)} for host in hosts]
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
                                for route in routes
                                if route.host == host
                            ]
                        },
                    }
                    for host in hosts
                    if any(route.host == host for route in routes)
                ],
            }
            self.resources.append(
                Manifest(
                    self,
                    "Resource" if name == props.name else f"Resource-{name.removeprefix(props.name + '-')}",
                    {
                        "apiVersion": "networking.k8s.io/v1",
                        "kind": "Ingress",
                        "metadata": {"name": name, "labels": dict(props.labels) or None, "annotations": annotations},
                        "spec": spec,
                    },
                )
            )
        self.resource = self.resources[0]


def tls_secret_name(host: str) -> str:
    """``aipp.example.com`` -> ``aipp-example-com-tls`` (cert-manager names the Certificate so too)."""
    return f"{host.replace('.', '-')}-tls"
