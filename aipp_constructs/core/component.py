"""The base of every deployable component: stable names and labels, and its place in the graph.

A component declares the components it depends on when it is created. Its ArgoCD sync wave
follows from that one declaration: ``1 + the deepest wave among its dependencies`` in its own
chart (1 when it has none); wave-0 objects (namespace, config maps, external secrets) are
applied before any component. Nothing else in the library types a wave number. Waves do not
order two charts (two ArgoCD Applications): across charts the start-up wait orders a start,
and a dependent in another namespace reaches the component as ``<host>.<namespace>.svc``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import jsii
from cdk8s import ApiObject, Chart
from constructs import Construct, IConstruct, IValidation

from aipp_constructs.core._manifest import Manifest
from aipp_constructs.core._validation import check_dns_label
from aipp_constructs.core.port_defaults import port_of
from aipp_constructs.core.references import Endpoint, SecretKeyRef

if TYPE_CHECKING:
    from aipp_constructs.core.wiring import FactVariables

__all__ = [
    "CONFIG_WAVE",
    "KEEP_ON_PRUNE_AND_DELETE",
    "SKIP_DRY_RUN_ON_MISSING_RESOURCE",
    "SYNC_OPTIONS_ANNOTATION",
    "SYNC_WAVE_ANNOTATION",
    "Component",
    "chart_of",
    "namespace_of",
    "port_default",
    "require_components",
    "sync_wave_of",
]

SYNC_WAVE_ANNOTATION = "argocd.argoproj.io/sync-wave"
SYNC_OPTIONS_ANNOTATION = "argocd.argoproj.io/sync-options"
#: On custom resources: ArgoCD's dry run must not fail while the CRD is still being installed.
SKIP_DRY_RUN_ON_MISSING_RESOURCE = {SYNC_OPTIONS_ANNOTATION: "SkipDryRunOnMissingResource=true"}
#: On data volumes: ArgoCD never prunes or deletes them, even when the Application goes away.
KEEP_ON_PRUNE_AND_DELETE = {SYNC_OPTIONS_ANNOTATION: "Prune=false,Delete=false"}
#: Wave of the objects every component needs before it starts: namespace, config maps, secrets.
CONFIG_WAVE = 0


def sync_wave_of(depends_on: Sequence[Component], after: Sequence[Component] = ()) -> int:
    """The wave of a component with these dependencies: one after the deepest of them."""
    return 1 + max((dep.wave for dep in [*depends_on, *after]), default=CONFIG_WAVE)


def chart_of(scope: IConstruct) -> Chart | None:
    """The chart ``scope`` is in (or is), or ``None`` outside a chart."""
    if isinstance(scope, Component):
        return scope.chart
    for node in reversed(scope.node.scopes):
        if isinstance(node, Chart):
            return node
    return None


def namespace_of(scope: IConstruct) -> str | None:
    """The namespace of the chart ``scope`` is in: where its objects and Services live.
    ``None`` outside a chart or in a chart without a namespace."""
    chart = chart_of(scope)
    return chart.namespace if chart is not None else None


def _check_across(where: str, name: str, chart: Chart | None, namespace: str | None, other: Component) -> None:
    """Refuse an edge between two charts when only one of them has a namespace: the
    dependent could not name the other's Service (``<host>.<namespace>.svc``) nor the
    NetworkPolicies its namespace."""
    if chart_of(other) is not chart and (namespace is None) != (other.namespace is None):
        raise ValueError(
            f"{where}: {name} (namespace {namespace!r}) and {other.name} (namespace {other.namespace!r}) are in "
            "two charts, one without a namespace; give both charts a namespace (PortDefaults.namespace)"
        )


@jsii.implements(IValidation)
class _SecretsAcross:
    """At synthesis: a credential wired from a component of another namespace names a Secret
    that the dependent's namespace holds too (a pod reads Secrets of its own namespace only)."""

    def __init__(self, component: Component) -> None:
        self.component = component

    def validate(self) -> list[str]:
        component = self.component
        wired = [value for _, value in getattr(component, "wired", ()) if isinstance(value, SecretKeyRef)]
        if not wired or component.chart is None:
            return []
        present = _secret_names(component.chart)
        errors = []
        for other in component.reaches:
            if other.endpoint is None or other.namespace in (None, component.namespace):
                continue
            for ref in other.endpoint.credentials.values():
                if ref in wired and ref.name not in present:
                    errors.append(
                        f"{component.name} is wired with Secret {ref.name} (key {ref.key}) of {other.name} in namespace "
                        f"{other.namespace}, but namespace {component.namespace} has no Secret {ref.name}; create it in "
                        f"{component.name}'s chart too (e.g. chart.vault_secret('{ref.name}', ...)) or override that wiring"
                    )
        return errors


def _secret_names(chart: Chart) -> set[str]:
    """The Secrets a chart writes: ``Secret`` objects and the targets of ``ExternalSecret``s."""
    names = set()
    for node in chart.node.find_all():
        if isinstance(node, ApiObject) and node.kind == "Secret":
            names.add(node.name)
        elif isinstance(node, ApiObject) and node.kind == "ExternalSecret":
            target = (node.to_json().get("spec") or {}).get("target") or {}
            names.add(target.get("name") or node.name)
    return names


def port_default(scope: Construct, name: str) -> Any:
    """The enclosing port chart's default ``name`` (a field of ``PortDefaults``), or ``None``
    outside a port chart: what a component takes for a prop it was not given."""
    port = port_of(scope)
    return getattr(port.defaults, name) if port is not None else None


def require_components(field: str, values: object) -> None:
    """Refuse anything but components where the graph expects them (``depends_on``...).

    A cdk8s-plus workload or an L1 object would otherwise fail later with a bare
    ``AttributeError``; for a construct the message names the adapter that makes it a
    component. ``ValueError`` like every props check (callers catch one exception type).
    """
    items = values if isinstance(values, (tuple, list)) else (values,)
    for value in items:
        if isinstance(value, Component):
            continue
        if isinstance(value, Construct):
            raise ValueError(
                f"{field} takes components, got {type(value).__name__} {value.node.path}; "
                "wrap it: AdoptedWorkload(chart, 'x', workload=...)"
            )
        raise ValueError(
            f"{field} takes components, got {type(value).__name__} {value!r}; "
            "pass the component object (a Workload, a preset, an AdoptedWorkload), not a name"
        )


def _orders_after(start: Component, target: Component) -> bool:
    """Whether ``start`` is applied after ``target`` through start-order edges
    (``depends_on``, ``waits_for``, ``after``), directly or not."""
    seen: set[int] = set()
    todo = [start]
    while todo:
        current = todo.pop()
        if current is target:
            return True
        if id(current) in seen:
            continue
        seen.add(id(current))
        todo += [*current.depends_on, *current.waits_for, *current.after]
    return False


def _distinct(components: Sequence[Component]) -> tuple[Component, ...]:
    seen: dict[int, Component] = {}
    for component in components:
        seen.setdefault(id(component), component)
    return tuple(seen.values())


class Component(Construct):
    """A named, labelled unit of deployment (a database, a cache, a service).

    Attributes:
        name: Object name of the component's workload and client Service; also the
            ``app.kubernetes.io/name`` label. Never derived from a construct path.
        depends_on: The components this one waits for and connects to, as declared.
        waits_for: The components it only waits for at start-up, as declared.
        connects_to: The components it only connects to (no start-up order), as declared.
        after: The components this one is applied after without connecting to them
            (ordering only; see :mod:`aipp_constructs.core.graph`).
        reaches: Every component it opens connections to (``depends_on``, ``waits_for``,
            ``connects_to``): the edges the NetworkPolicies open.
        reached_by: Every component that reaches this one, in the order the edges were
            added (in any chart): whom its NetworkPolicy lets in.
        wave: The ArgoCD sync wave of the component's objects (derived, see module doc):
            after what it waits for and what it comes after; ``connects_to`` orders nothing,
            so two components may connect to each other (:meth:`connect_to` adds the edge
            once both exist).
        selector_labels: The labels that select the component's pods. They depend only on
            ``name`` and ``part_of``, so renaming a Python variable or a construct id never
            changes an (immutable) selector.
        labels: ``selector_labels`` plus component, version and managed-by labels.
        chart: The chart it is in (``None`` outside a chart): waves order one chart.
        namespace: The namespace of its chart (``None`` without one). Dependents in another
            namespace reach it as ``<host>.<namespace>.svc``.
        endpoint: How dependents reach the component; set by subclasses that serve, else
            ``None``. An endpoint assigned without a ``namespace`` gets the component's.
            :attr:`required_endpoint` reads it typed as never ``None``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        component: str,
        version: str,
        part_of: str | None = None,
        depends_on: Sequence[Component] = (),
        after: Sequence[Component] = (),
        waits_for: Sequence[Component] = (),
        connects_to: Sequence[Component] = (),
    ) -> None:
        # Checked before the node joins the tree, so a refused name or edge leaves nothing behind.
        check_dns_label(f"{scope.node.path}/{id}: name", name)
        for edge, values in (
            ("depends_on", depends_on),
            ("after", after),
            ("waits_for", waits_for),
            ("connects_to", connects_to),
        ):
            require_components(f"{scope.node.path}/{id}: {edge}", values)
        chart = chart_of(scope)
        namespace = chart.namespace if chart is not None else None
        for edge, values in (("depends_on", depends_on), ("waits_for", waits_for), ("connects_to", connects_to)):
            for other in values:
                _check_across(f"{scope.node.path}/{id}: {edge}", name, chart, namespace, other)
        if part_of is None:
            part_of = port_default(scope, "part_of")
        super().__init__(scope, id)
        self.name = name
        self.chart = chart
        self.namespace = namespace
        self.depends_on: tuple[Component, ...] = tuple(depends_on)
        self.waits_for: tuple[Component, ...] = tuple(waits_for)
        self.connects_to: tuple[Component, ...] = tuple(connects_to)
        self.after: tuple[Component, ...] = tuple(after)
        self.reaches: tuple[Component, ...] = _distinct((*self.depends_on, *self.waits_for, *self.connects_to))
        self.reached_by: tuple[Component, ...] = ()
        self._checks_secrets = False
        for other in self.reaches:
            other.reached_by = (*other.reached_by, self)
            self._check_secrets_across(other)
        # Waves order the objects of one chart (one ArgoCD Application): a component of
        # another chart does not move this one's wave; its start-up wait orders the start.
        self.wave = sync_wave_of(
            [c for c in (*self.depends_on, *self.waits_for) if chart_of(c) is chart],
            [c for c in self.after if chart_of(c) is chart],
        )
        # No construct-level dependency is handed to cdk8s: its DependencyGraph expands one to
        # every pair of API objects below the two constructs and walks every path, which is
        # exponential in the depth of the graph. Manifest order follows the construct tree;
        # start order is the waves, which stay acyclic: props only take components that
        # already exist, and a start-order edge added later (wait_for, depend_on) must point
        # to an earlier wave.
        self.selector_labels: Mapping[str, str] = {
            "app.kubernetes.io/name": name,
            **({"app.kubernetes.io/part-of": part_of} if part_of else {}),
        }
        self.labels: Mapping[str, str] = {
            **self.selector_labels,
            "app.kubernetes.io/component": component,
            "app.kubernetes.io/version": _label_value(version),
            "app.kubernetes.io/managed-by": "cdk8s",
        }
        self.endpoint: Endpoint | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        # Every endpoint knows the namespace of its Service, whoever builds it (a preset, an
        # adapter, a hand-written subclass), so a dependent elsewhere can ask for its facts.
        if name == "endpoint" and isinstance(value, Endpoint) and value.namespace is None:
            namespace = getattr(self, "namespace", None)
            if namespace is not None:
                value = dataclasses.replace(value, namespace=namespace)
        super().__setattr__(name, value)

    def connect_to(self, other: Component, *, wiring: Mapping[str, FactVariables] | None = None) -> None:
        """Add a ``connects_to`` edge after both components exist: ``api.connect_to(daemon)``
        and ``daemon.connect_to(api)`` make a mutual pair.

        This component receives ``other``'s wiring (``wiring``: fact -> variable name(s), replacing
        the wiring of ``other`` only, as one entry of ``wiring_overrides``) and the
        NetworkPolicies allow it to reach ``other``'s main port. It orders nothing: no wave
        change, no start-up wait. ``other`` may be in another chart (another namespace): the
        NetworkPolicies of both charts read the graph when the app is synthesized, so the
        edge reaches them whenever it is added.

        Raises:
            ValueError: ``other`` is not a component, is this one, serves no endpoint, is
                already connected, or is in another chart and only one of the two charts
                has a namespace.
        """
        self._add_edge("connects_to", other, wiring)

    def wait_for(self, other: Component) -> None:
        """Add a ``waits_for`` edge after both components exist: a start-up wait (where the
        component waits) and the NetworkPolicies, no wiring.

        Start order stays acyclic and waves are final once a component exists, so ``other``
        must already be in an earlier wave than this one when both are in one chart (waves
        do not order two charts: across them the start-up wait is the order).

        Raises:
            ValueError: as :meth:`connect_to`; or the edge would close a start-order cycle
                (the message names both, across charts too), or ``other`` is in this chart
                and not in an earlier wave.
        """
        self._add_edge("waits_for", other, None)

    def depend_on(self, other: Component, *, wiring: Mapping[str, FactVariables] | None = None) -> None:
        """Add a ``depends_on`` edge after both components exist: :meth:`wait_for` and
        :meth:`connect_to` together, with the conditions of both."""
        self._add_edge("depends_on", other, wiring)

    def _add_edge(self, edge: str, other: Component, wiring: Mapping[str, FactVariables] | None) -> None:
        where = f"{self.node.path}: {edge}"
        require_components(where, other)
        if other is self:
            raise ValueError(f"{where}: {self.name} names itself; give another component")
        if other.endpoint is None:
            raise ValueError(f"{where}: {self.name} {edge.replace('_', ' ')} {other.name}, which serves no endpoint")
        if any(c is other for c in getattr(self, edge)):
            raise ValueError(f"{where}: {self.name} already {edge.replace('_', ' ')} {other.name}; add it once")
        chart = chart_of(self)
        _check_across(where, self.name, chart, self.namespace, other)
        if edge != "connects_to":
            if _orders_after(other, self):
                raise ValueError(
                    f"{where}: {self.name} cannot wait for {other.name}, which already starts after {self.name} "
                    "(a start-order cycle); use connect_to for one of the two directions"
                )
            if chart_of(other) is chart and other.wave >= self.wave:
                raise ValueError(
                    f"{where}: {self.name} (wave {self.wave}) cannot wait for {other.name} (wave {other.wave}), "
                    f"its wave is final once created; pass {other.name} in {self.name}'s {edge} prop, or use connect_to"
                )
        self._late_edge(edge, other, wiring)
        setattr(self, edge, (*getattr(self, edge), other))
        if not any(c is other for c in self.reaches):
            self.reaches = (*self.reaches, other)
            other.reached_by = (*other.reached_by, self)
            self._check_secrets_across(other)

    def _check_secrets_across(self, other: Component) -> None:
        """Check the Secrets of credentials wired from ``other`` at synthesis, when it is in
        another namespace (only then: the check reads the chart's objects)."""
        if not self._checks_secrets and other.namespace not in (None, self.namespace):
            self._checks_secrets = True
            self.node.add_validation(_SecretsAcross(self))

    def _late_edge(self, edge: str, other: Component, wiring: Mapping[str, FactVariables] | None) -> None:
        """Render an edge added after construction (wiring, start-up wait) into the
        component's objects, or raise ``ValueError``; called before the edge is recorded.

        A bare component renders neither wiring nor start-up waits: it takes a late
        ``connects_to`` for the NetworkPolicies only and refuses ``wiring`` and the edges that
        wait; subclasses that render them (:class:`~aipp_constructs.workloads.workload.Workload`,
        :class:`~aipp_constructs.workloads.adopted_workload.AdoptedWorkload`) override this.
        """
        if edge != "connects_to":
            raise ValueError(
                f"{self.node.path}: {edge}: {type(self).__name__} {self.name} renders no start-up wait "
                f"for {other.name} once created; pass {other.name} in its props, or use connect_to"
            )
        if wiring is not None:
            raise ValueError(
                f"{self.node.path}: {edge}: {type(self).__name__} {self.name} renders no wiring, "
                f"got wiring {dict(wiring)!r}; leave wiring out"
            )

    def meta(
        self,
        name: str | None = None,
        *,
        wave: int | None = None,
        annotations: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Metadata for one of this component's objects, stamped with its sync wave.

        Args:
            name: Object name. Defaults to the component name.
            wave: Sync wave. Defaults to the component's wave; pass ``CONFIG_WAVE`` for
                config maps and secrets the workload reads at start.
            annotations: Extra annotations.
            labels: Extra labels (e.g. Longhorn recurring-job labels on a claim).
        """
        return {
            "name": name or self.name,
            "labels": {**self.labels, **(labels or {})},
            "annotations": {SYNC_WAVE_ANNOTATION: str(self.wave if wave is None else wave), **(annotations or {})},
        }

    @property
    def required_endpoint(self) -> Endpoint:
        """``endpoint``, typed as never ``None``: how a port reads the host, ports and facts
        of a component it knows serves (``db.required_endpoint.port("http")``) without an
        ``assert``.

        Raises:
            ValueError: the component serves no endpoint (one line, naming it).
        """
        if self.endpoint is None:
            raise ValueError(self._no_endpoint())
        return self.endpoint

    def _no_endpoint(self) -> str:
        """The one-line refusal of :attr:`required_endpoint` without an endpoint."""
        return (
            f"{self.name} serves no endpoint ({type(self).__name__} {self.node.path}); "
            "read endpoint, which is None here, or give the component an endpoint"
        )

    def pod_port(self) -> int | None:
        """The port its pods listen on for the endpoint's main port: what the NetworkPolicies
        open to dependents (the library's Services target the same number); ``None`` without
        an endpoint."""
        return None if self.endpoint is None else self.endpoint.main_port

    def selector(self) -> dict[str, Any]:
        """The selector of the component's pods, as plain data."""
        return {"matchLabels": dict(self.selector_labels)}

    def add_client_service(
        self, ports: Mapping[str, int], *, id: str = "Service", protocols: Mapping[str, str] | None = None
    ) -> Manifest:
        """The ClusterIP Service dependents connect to, named after the component
        (``protocols``: port name -> ``UDP``; default ``TCP``)."""
        return self._service(id, self.name, ports, protocols, {"type": "ClusterIP"})

    def add_headless_service(
        self, ports: Mapping[str, int], *, id: str = "HeadlessService", protocols: Mapping[str, str] | None = None
    ) -> Manifest:
        """The governing Service of a StatefulSet, ``<name>-headless``.

        Not-ready pods are published so that a pod can resolve its own stable DNS name
        while it starts (RabbitMQ needs that for its node name).
        """
        return self._service(
            id, f"{self.name}-headless", ports, protocols, {"clusterIP": "None", "publishNotReadyAddresses": True}
        )

    def _service(
        self,
        id: str,
        name: str,
        ports: Mapping[str, int],
        protocols: Mapping[str, str] | None,
        fields: Mapping[str, Any],
    ) -> Manifest:
        service_ports = [
            {"name": port, "port": number, "targetPort": port, "protocol": (protocols or {}).get(port, "TCP")}
            for port, number in ports.items()
        ]
        return Manifest(
            self,
            id,
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": self.meta(name),
                "spec": {**fields, "selector": dict(self.selector_labels), "ports": service_ports or None},
            },
        )


def _label_value(value: str) -> str:
    """A label value: at most 63 characters of ``[A-Za-z0-9_.-]``, alphanumeric at both ends."""
    cleaned = "".join(ch if ch.isalnum() or ch in "_.-" else "_" for ch in value)[:63]
    return cleaned.strip("_.-") or "unknown"
