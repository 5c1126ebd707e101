"""``GraphNetworkPolicies``: the namespace's NetworkPolicies, derived from the dependency graph.

Creates (all in wave 0, before any pod starts):

* ``default-deny``: every pod of the namespace is isolated for ingress and egress;
* ``allow-dns``: every pod may send DNS queries (UDP and TCP 53) to the cluster DNS pods;
* one policy ``<component>`` per component, opening exactly what the graph declares:
  ingress from each dependent on the component's main port, egress to each dependency on
  that dependency's main port, plus the extra peers given: egress (e.g. the OpenTelemetry
  collector) and ingress from outside the namespace (the ingress controller, Prometheus).

Peers are selected by the stable ``app.kubernetes.io/*`` selector labels and, outside the
namespace, by ``kubernetes.io/metadata.name``. A component that is not passed (disabled)
leaves no rule behind.

Edges across charts: a component of another chart (usually another ``PortChart``, another
namespace) that a component of this one reaches, or that reaches one, is a peer of the
edge's rules here too, with a ``namespaceSelector`` on its namespace when that differs (a
plain pod selector when both charts share the namespace); its own chart's policies write
the other side. The per-component policies read the graph when the app is synthesized, not
when they are created, so an edge reaches them whatever the order of the charts, of
``add_network_policies`` and of the late edges (``Component.connect_to``...).

An address-range peer may carve ranges out (``ExternalPeer.except_cidrs``, written as
``ipBlock.except``). A bare ``0.0.0.0/0`` would also open every cluster and private address,
so "the internet" is :meth:`ExternalPeer.internet`: ``0.0.0.0/0`` except
:data:`PRIVATE_AND_CLUSTER_RANGES`.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from constructs import Construct

from aipp_constructs.core._manifest import Manifest, plain
from aipp_constructs.core._validation import check_dns_label, check_port
from aipp_constructs.core.component import CONFIG_WAVE, SYNC_WAVE_ANNOTATION, Component, chart_of, require_components

__all__ = ["PRIVATE_AND_CLUSTER_RANGES", "ExternalPeer", "GraphNetworkPolicies", "GraphNetworkPoliciesProps"]

#: The IPv4 ranges that are not "the internet": private networks (RFC 1918: ``10.0.0.0/8``,
#: ``172.16.0.0/12``, ``192.168.0.0/16``), shared address space (RFC 6598 ``100.64.0.0/10``,
#: used by some CNIs and cloud NATs), link-local (``169.254.0.0/16``, which holds the cloud
#: metadata endpoint ``169.254.169.254``) and loopback (``127.0.0.0/8``). They cover the pod
#: and Service ranges of a cluster on private addressing (RKE2 defaults to ``10.42.0.0/16``
#: and ``10.43.0.0/16``). :meth:`ExternalPeer.internet` excepts them from ``0.0.0.0/0``.
PRIVATE_AND_CLUSTER_RANGES: tuple[str, ...] = (
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "169.254.0.0/16",
    "127.0.0.0/8",
)


@dataclass(frozen=True, kw_only=True, slots=True)
class ExternalPeer:
    """Pods in another namespace, or an address range outside the cluster.

    Attributes:
        ports: Ports on the destination side (theirs for egress, ours for ingress). Required,
            at least one.
        namespace: Their namespace (matched by ``kubernetes.io/metadata.name``). Defaults to
            none; exactly one of ``namespace`` and ``cidr`` is required.
        pod_labels: Labels of the pods (with ``namespace``); empty means every pod of the
            namespace. Defaults to none.
        cidr: An address range (``ipBlock``), e.g. ``10.20.0.0/16``. Defaults to none.
        except_cidrs: Ranges carved out of ``cidr`` (``ipBlock.except``), e.g.
            :data:`PRIVATE_AND_CLUSTER_RANGES` out of ``0.0.0.0/0``. Only with ``cidr``; each
            must be a network of the same IP version strictly inside ``cidr``. Defaults to none.
        protocols: Protocols of every port. Defaults to ``("TCP",)``.

    :meth:`internet` builds the usual "internet but not the cluster" peer.
    """

    ports: tuple[int, ...]
    namespace: str | None = None
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    cidr: str | None = None
    except_cidrs: tuple[str, ...] = ()
    protocols: tuple[Literal["TCP", "UDP"], ...] = ("TCP",)

    def __post_init__(self) -> None:
        if (self.namespace is None) == (self.cidr is None):
            raise ValueError(
                f"exactly one of namespace and cidr must be set, got namespace {self.namespace!r} and cidr {self.cidr!r}"
            )
        if self.namespace is not None:
            check_dns_label("namespace", self.namespace)
        if self.cidr is not None:
            try:
                network = ipaddress.ip_network(self.cidr)
            except ValueError:
                raise ValueError(f"cidr must be an address range like '10.20.0.0/16', got {self.cidr!r}") from None
            if self.pod_labels:
                raise ValueError(f"pod_labels only apply with namespace, got {dict(self.pod_labels)!r} with a cidr")
            self._check_except_cidrs(network)
        elif self.except_cidrs:
            raise ValueError(
                f"except_cidrs only apply with cidr, got {self.except_cidrs!r} with namespace {self.namespace!r}; "
                "remove except_cidrs, or give a cidr instead of the namespace"
            )
        if not self.ports:
            raise ValueError(f"ports must list at least one port, got {self.ports!r}")
        for port in self.ports:
            check_port("ports[]", port)
        if not self.protocols or any(p not in ("TCP", "UDP") for p in self.protocols):
            raise ValueError(f"protocols must be TCP and/or UDP, got {self.protocols!r}")

    @classmethod
    def internet(cls, ports: Sequence[int], protocols: tuple[Literal["TCP", "UDP"], ...] = ("TCP",)) -> ExternalPeer:
        """Every IPv4 address outside the cluster and private networks, on ``ports``.

        ``0.0.0.0/0`` except :data:`PRIVATE_AND_CLUSTER_RANGES`: a vendor service that calls a
        public API gets that, not the database of the next namespace. IPv6 is not opened.

        Args:
            ports: Destination ports. Required, at least one.
            protocols: Protocols of every port. Defaults to ``("TCP",)``.
        """
        return cls(cidr="0.0.0.0/0", except_cidrs=PRIVATE_AND_CLUSTER_RANGES, ports=tuple(ports), protocols=protocols)

    def _check_except_cidrs(self, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> None:
        # Typed as a tuple, but a caller without a type checker can pass anything (a bare string).
        except_cidrs: object = self.except_cidrs
        if isinstance(except_cidrs, str) or not isinstance(except_cidrs, (tuple, list)):
            raise ValueError(
                f"except_cidrs must be a tuple of address ranges, got {except_cidrs!r}; "
                "write e.g. ('10.0.0.0/8',), not a bare string"
            )
        for value in except_cidrs:
            try:
                if not isinstance(value, str):
                    raise ValueError
                carved = ipaddress.ip_network(value)
            except ValueError:
                raise ValueError(
                    f"except_cidrs[] must be a network like '10.0.0.0/8', got {value!r}; {_network_hint(value)}"
                ) from None
            if carved.version != network.version:
                raise ValueError(
                    f"except_cidrs[] must be of the IP version of cidr {self.cidr!r} (IPv{network.version}), "
                    f"got {value!r} (IPv{carved.version}); use a separate peer for the other version"
                )
            if carved == network:
                raise ValueError(
                    f"except_cidrs[] must be strictly inside cidr {self.cidr!r}, got {value!r}, which is all of it; "
                    "drop the peer instead"
                )
            if not carved.subnet_of(network):  # type: ignore[arg-type]
                raise ValueError(
                    f"except_cidrs[] must be strictly inside cidr {self.cidr!r}, got {value!r}, which is not; "
                    "except only ranges inside cidr, or widen cidr"
                )

    def peer(self) -> dict[str, Any]:
        """The NetworkPolicy peer (``ipBlock``, or namespace and pod selectors)."""
        if self.cidr is not None:
            return {"ipBlock": {"cidr": self.cidr, "except": list(self.except_cidrs) or None}}
        return {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": self.namespace}},
            "podSelector": {"matchLabels": dict(self.pod_labels)} if self.pod_labels else None,
        }

    def policy_ports(self) -> list[dict[str, Any]]:
        """The NetworkPolicy ports: every port with every protocol."""
        return [{"port": port, "protocol": protocol} for port in self.ports for protocol in self.protocols]


@dataclass(frozen=True, kw_only=True, slots=True)
class GraphNetworkPoliciesProps:
    """Props of :class:`GraphNetworkPolicies`.

    Attributes:
        components: Every deployed component of the chart; edges to components of the
            chart that are not listed are ignored (those of other charts are the far ends of
            edges across charts). Required.
        dns: The cluster DNS. Defaults to pods ``k8s-app: kube-dns`` in ``kube-system`` on 53
            (UDP and TCP), as on RKE2's CoreDNS.
        egress: Component name -> further peers it may reach (e.g. the OpenTelemetry
            collector). Defaults to none.
        ingress: Component name -> peers outside the graph that may reach it, with the
            component's ports they may open (e.g. the ingress controller on ``http``,
            Prometheus on the metrics port). Defaults to none.
        labels: Labels of every policy. Defaults to none.
    """

    components: tuple[Component, ...]
    dns: ExternalPeer = field(
        default_factory=lambda: ExternalPeer(
            namespace="kube-system", pod_labels={"k8s-app": "kube-dns"}, ports=(53,), protocols=("UDP", "TCP")
        )
    )
    egress: Mapping[str, tuple[ExternalPeer, ...]] = field(default_factory=dict)
    ingress: Mapping[str, tuple[ExternalPeer, ...]] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require_components("GraphNetworkPoliciesProps.components", self.components)
        names = [c.name for c in self.components]
        for key, peers in (("egress", self.egress), ("ingress", self.ingress)):
            for name in peers:
                if name not in names:
                    raise ValueError(f"{key} names {name!r}, which is not a component; known: {', '.join(names)}")


class GraphNetworkPolicies(Construct):
    """Default deny plus exactly the graph's edges; see the module documentation.

    Attributes:
        policies: Every ``NetworkPolicy`` by name.
    """

    def __init__(self, scope: Construct, id: str, props: GraphNetworkPoliciesProps) -> None:
        super().__init__(scope, id)
        self.props = props
        self.chart = chart_of(self)
        self.namespace = self.chart.namespace if self.chart is not None else None
        self.policies: dict[str, Manifest] = {}
        everyone: dict[str, Any] = {}
        self._add(props, "default-deny", everyone, ingress=[], egress=[])
        self._add(
            props,
            "allow-dns",
            everyone,
            ingress=None,
            egress=[{"to": [props.dns.peer()], "ports": props.dns.policy_ports()}],
        )
        for component in props.components:
            self._add(
                props,
                component.name,
                _selector(component),
                ingress=[],
                egress=[],
                rules=functools.partial(self._rules, component),
            )

    def _rules(self, component: Component) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The ingress and egress rules of ``component``'s policy, from the graph as it is now."""
        props = self.props
        ours = self.chart
        deployed = {c.name for c in props.components}
        listed = {id(c) for c in props.components}
        dependents = [
            *(c for c in props.components if any(d is component for d in c.reaches)),
            # Components of other charts: the far ends of edges across charts.
            *(c for c in component.reached_by if id(c) not in listed and c.chart is not ours),
        ]
        dependencies = [
            (d, port)
            for d in component.reaches
            if (d.name in deployed or chart_of(d) is not ours) and (port := d.pod_port()) is not None
        ]
        ingress = []
        port = component.pod_port()
        if port is not None:
            ingress = [{"from": [self._peer(dependent)], "ports": [_tcp(port)]} for dependent in dependents]
        ingress += [
            {"from": [peer.peer()], "ports": peer.policy_ports()} for peer in props.ingress.get(component.name, ())
        ]
        egress = [{"to": [self._peer(dep)], "ports": [_tcp(dep_port)]} for dep, dep_port in dependencies] + [
            {"to": [peer.peer()], "ports": peer.policy_ports()} for peer in props.egress.get(component.name, ())
        ]
        return ingress, egress

    def _peer(self, component: Component) -> dict[str, Any]:
        """The pods of ``component``: by their labels, and by their namespace when it is not
        this policy's."""
        if component.namespace is None or component.namespace == self.namespace:
            return {"podSelector": _selector(component)}
        return {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": component.namespace}},
            "podSelector": _selector(component),
        }

    def _add(
        self,
        props: GraphNetworkPoliciesProps,
        name: str,
        selector: Mapping[str, Any],
        *,
        ingress: Sequence[Mapping[str, Any]] | None,
        egress: Sequence[Mapping[str, Any]] | None,
        rules: Callable[[], tuple[list[dict[str, Any]], list[dict[str, Any]]]] | None = None,
    ) -> None:
        # Plain data, one object per policy: a policy with many rules would otherwise cost a
        # jsii round trip per nested struct (aipp_constructs.core._manifest).
        manifest = {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {
                "name": name,
                "labels": dict(props.labels) or None,
                "annotations": {SYNC_WAVE_ANNOTATION: str(CONFIG_WAVE)},
            },
            "spec": _policy_spec(selector, ingress, egress),
        }
        self.policies[name] = (
            Manifest(self, name, manifest) if rules is None else _GraphPolicy(self, name, manifest, selector, rules)
        )


class _GraphPolicy(Manifest):
    """A component's policy, whose rules are read from the graph at synthesis."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        manifest: Mapping[str, Any],
        selector: Mapping[str, Any],
        rules: Callable[[], tuple[list[dict[str, Any]], list[dict[str, Any]]]],
    ) -> None:
        super().__init__(scope, id, manifest)
        self._selector = dict(selector)
        self._rules = rules

    def to_json(self) -> Any:
        ingress, egress = self._rules()
        self._manifest["spec"] = plain(_policy_spec(self._selector, ingress, egress))
        return self._manifest


def _policy_spec(
    selector: Mapping[str, Any],
    ingress: Sequence[Mapping[str, Any]] | None,
    egress: Sequence[Mapping[str, Any]] | None,
) -> dict[str, Any]:
    types = [t for t, rules in (("Ingress", ingress), ("Egress", egress)) if rules is not None]
    return {
        "podSelector": dict(selector),
        "policyTypes": types,
        "ingress": list(ingress) if ingress else None,
        "egress": list(egress) if egress else None,
    }


def _network_hint(value: object) -> str:
    """How to fix a range that is not a network: its network address if only host bits are set."""
    if isinstance(value, str):
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            pass
        else:
            return f"host bits are set after the prefix, write the network address {str(network)!r}"
    return "write an address and a prefix length, e.g. '10.0.0.0/8'"


def _tcp(port: int) -> dict[str, Any]:
    return {"port": port, "protocol": "TCP"}


def _selector(component: Component) -> dict[str, Any]:
    return {"matchLabels": dict(component.selector_labels)}
