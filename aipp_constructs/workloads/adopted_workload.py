"""``AdoptedWorkload``: a workload the library did not build, as a component of the graph.

A port may keep a workload written with cdk8s-plus-27 (``kplus.Deployment``,
``kplus.StatefulSet``...) or as a plain L1 ``ApiObject`` (``apps/v1`` Deployment,
StatefulSet, DaemonSet or ReplicaSet). The library's edges (``depends_on``, ``waits_for``,
``connects_to``, ``after``) take :class:`~aipp_constructs.core.component.Component` objects only;
the adapter reads the workload's manifest once and makes it one:

* its pod selector (``spec.selector.matchLabels``) becomes the component's
  ``selector_labels``, so the NetworkPolicies derived from the graph select exactly its pods
  (kplus's ``cdk8s.io/metadata.addr`` label, or the L1 object's own labels);
* its Service (given, or a ClusterIP Service ``<name>`` created over its container ports)
  becomes the component's :class:`~aipp_constructs.core.references.Endpoint`: dependents are wired
  with its host and port and wait for it; the NetworkPolicies open the port its pods listen
  on (the Service's ``targetPort``) for each of its client ports (``client_ports``, by
  default the first Service port);
* its own edges are honoured on its manifest: the sync-wave annotation, one
  ``wait-for-<dependency>`` init container per waited-for component (with a wait policy) and,
  with a ``wiring``, the connection variables in its first container.

The manifest is read when the adapter is created: adopt a workload after configuring it.
Nothing here imports cdk8s-plus: a kplus construct is reached through its ``ApiObject``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cdk8s import ApiObject, Chart, JsonPatch
from constructs import Construct, IConstruct

from aipp_constructs.core import _spec
from aipp_constructs.core._manifest import Manifest
from aipp_constructs.core._validation import check_dns_label, image_tag
from aipp_constructs.core.component import (
    SYNC_WAVE_ANNOTATION,
    Component,
    namespace_of,
    port_default,
    require_components,
)
from aipp_constructs.core.policy import PULL_POLICY_ALWAYS, PULL_POLICY_REASON, SKIP_ANNOTATION_PREFIX, PolicyException
from aipp_constructs.core.references import Endpoint, SecretKeyRef, check_client_ports
from aipp_constructs.core.startup_wait import WaitPolicy, wait_container
from aipp_constructs.core.wiring import FactVariables, Wiring, check_wiring, connection_env

__all__ = ["ADOPTABLE_KINDS", "AdoptedWorkload"]

#: The ``apps/v1`` kinds whose pods a selector names and a template describes.
ADOPTABLE_KINDS: tuple[str, ...] = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")


class AdoptedWorkload(Component):
    """A cdk8s-plus-27 or L1 workload in the graph; see the module documentation.

    Args:
        scope: The chart (a ``PortChart`` for the port defaults and its NetworkPolicies);
            it must be in the workload's namespace.
        id: Construct id.
        workload: The kplus workload or the L1 ``ApiObject``. Required.
        service: Its Service (kplus ``Service`` or L1 ``ApiObject``); its selector must select
            the workload's pods. Defaults to a ClusterIP Service ``<name>`` over every
            container port.
        name: The component's name (wait containers, wiring's ``{NAME}``, its NetworkPolicy).
            Defaults to the Service's name, else the workload's.
        protocol: What speaks on the first Service port (``http`` adds the ``url`` fact).
            Defaults to ``"tcp"``.
        client_ports: Names of the Service ports dependents open connections to (the
            endpoint's ``client_ports``; a created Service names its ports after the container
            ports, else ``port-<number>``): every edge to the workload opens the port its pods
            listen on for each, on both sides. Must include the first Service port. Defaults
            to ``()``: the first port only.
        properties: Further non-secret facts for dependents. Defaults to none.
        credentials: Secret facts for dependents. Defaults to none.
        part_of: ``app.kubernetes.io/part-of`` of the created Service. Defaults to the port's.
        depends_on: Components it waits for and connects to. Defaults to none.
        waits_for: Components it only waits for. Defaults to none.
        connects_to: Components it only connects to. Defaults to none.
        after: Components it is applied after. Defaults to none.
        wait: Wait policy of its ``wait-for-*`` init containers. Defaults to the port's;
            ``None`` there: no wait containers.
        wiring: Variable names by protocol for its first container (e.g. ``NAMED_WIRING``).
            Defaults to none: its environment is left as written.

    Attributes:
        workload_object: The workload's ``ApiObject``.
        service_object: The Service's ``ApiObject`` (given or created).
        pod_ports: Service port name -> the port the pods listen on.
        wired: The connection variables written into its first container.

    Example::

        web = kplus.Deployment(chart, "Web", containers=[kplus.ContainerProps(
            image="nginx:1.27.3", port_number=8080)])
        adopted = AdoptedWorkload(chart, "WebAdopted", workload=web, name="web",
                                  protocol="http", depends_on=(redis,))
        api = Workload(chart, "Api", WorkloadProps(..., depends_on=(adopted,)))
    """

    #: Never ``None``: an adopted workload always serves (dependents need no check).
    endpoint: Endpoint

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        workload: IConstruct,
        service: IConstruct | None = None,
        name: str | None = None,
        protocol: str = "tcp",
        client_ports: Sequence[str] = (),
        properties: Mapping[str, str] | None = None,
        credentials: Mapping[str, SecretKeyRef] | None = None,
        part_of: str | None = None,
        depends_on: Sequence[Component] = (),
        waits_for: Sequence[Component] = (),
        connects_to: Sequence[Component] = (),
        after: Sequence[Component] = (),
        wait: WaitPolicy | None = None,
        wiring: Wiring | None = None,
    ) -> None:
        where = f"{scope.node.path}/{id}"
        for edge, values in (
            ("depends_on", depends_on),
            ("waits_for", waits_for),
            ("connects_to", connects_to),
            ("after", after),
        ):
            require_components(f"{where}: {edge}", values)
        workload_object = _api_object(f"{where}: workload", workload)
        manifest = workload_object.to_json()
        if workload_object.kind not in ADOPTABLE_KINDS:
            raise ValueError(
                f"{where}: workload is a {workload_object.kind}, which has no pod selector to adopt; "
                f"adopt one of {', '.join(ADOPTABLE_KINDS)}"
            )
        _check_same_namespace(where, "workload", scope, workload_object)
        selector = manifest.get("spec", {}).get("selector") or {}
        match_labels: dict[str, str] = dict(selector.get("matchLabels") or {})
        if selector.get("matchExpressions"):
            raise ValueError(
                f"{where}: workload {workload_object.name} selects its pods with matchExpressions "
                f"{selector['matchExpressions']!r}; select them by matchLabels only"
            )
        if not match_labels:
            raise ValueError(
                f"{where}: workload {workload_object.name} has no spec.selector.matchLabels, and an empty "
                "selector would give the NetworkPolicies every pod of the namespace; give it labels"
            )
        pod_spec: dict[str, Any] = manifest["spec"].get("template", {}).get("spec", {})
        containers: list[dict[str, Any]] = pod_spec.get("containers") or []
        if not containers:
            raise ValueError(f"{where}: workload {workload_object.name} has no containers; adopt it once it has one")
        container_ports = [p for c in containers for p in c.get("ports") or []]
        if service is None:
            service_object = None
            host = name or workload_object.name
            ports = {_port_name(p["containerPort"], p.get("name")): p["containerPort"] for p in container_ports}
            pod_ports = dict(ports)
            service_protocols = {
                _port_name(p["containerPort"], p.get("name")): p.get("protocol") or "TCP" for p in container_ports
            }
            if not ports:
                raise ValueError(
                    f"{where}: workload {workload_object.name} declares no container port and no service was "
                    "given; declare the port it listens on, or pass service="
                )
        else:
            service_object = _api_object(f"{where}: service", service)
            if service_object.kind != "Service":
                raise ValueError(f"{where}: service is a {service_object.kind}; pass the workload's Service")
            _check_same_namespace(where, "service", scope, service_object)
            service_spec = service_object.to_json().get("spec", {})
            pod_labels = {
                **match_labels,
                **(manifest["spec"].get("template", {}).get("metadata", {}).get("labels") or {}),
            }
            service_selector = dict(service_spec.get("selector") or {})
            if not service_selector or any(pod_labels.get(k) != v for k, v in service_selector.items()):
                raise ValueError(
                    f"{where}: service {service_object.name} selects {service_selector!r}, not the pods of "
                    f"workload {workload_object.name} (labels {pod_labels!r}); pass the Service of this workload"
                )
            host = service_object.name
            ports, pod_ports, service_protocols = {}, {}, {}
            for entry in service_spec.get("ports") or []:
                port_name = _port_name(entry["port"], entry.get("name"))
                ports[port_name] = entry["port"]
                pod_ports[port_name] = _target_port(where, entry, container_ports)
                service_protocols[port_name] = entry.get("protocol") or "TCP"
            if not ports:
                raise ValueError(
                    f"{where}: service {service_object.name} has no ports; give it the port dependents use"
                )
        name = name or host
        check_dns_label(f"{where}: name", name)
        if wiring is not None:
            check_wiring(f"{where}: wiring", wiring)
        wired_deps = _distinct((*depends_on, *connects_to))
        for edge, values in (("depends_on", depends_on), ("waits_for", waits_for), ("connects_to", connects_to)):
            for dep in values:
                if dep.endpoint is None:
                    raise ValueError(
                        f"{where}: {edge}: {name} {edge.replace('_', ' ')} {dep.name}, which serves no endpoint"
                    )
        self.wired = (
            connection_env(
                [(dep.name, dep.endpoint) for dep in wired_deps if dep.endpoint is not None],
                wiring,
                seen_from=namespace_of(scope),
            )
            if wiring is not None
            else []
        )
        main_port = next(iter(ports.values()))
        if isinstance(client_ports, list):
            client_ports = tuple(client_ports)
        try:
            check_client_ports("client_ports", client_ports, ports)
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
        endpoint = Endpoint(
            host=host,
            ports=ports,
            credentials=dict(credentials or {}),
            properties={**({"url": f"http://{host}:{main_port}"} if protocol == "http" else {}), **(properties or {})},
            protocol=protocol,
            client_ports=tuple(client_ports),
        )
        super().__init__(
            scope,
            id,
            name=name,
            component=workload_object.kind.lower(),
            version=image_tag(containers[0].get("image") or "unknown"),
            part_of=part_of,
            depends_on=depends_on,
            waits_for=waits_for,
            connects_to=connects_to,
            after=after,
        )
        self.workload_object = workload_object
        self.selector_labels = match_labels
        self.endpoint = endpoint
        self.pod_ports: Mapping[str, int] = pod_ports
        self._port_protocols: Mapping[str, str] = service_protocols
        if service_object is None:
            self.service_object: ApiObject = Manifest(
                self,
                "Service",
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": self.meta(host),
                    "spec": {
                        "type": "ClusterIP",
                        "selector": dict(match_labels),
                        "ports": [
                            {"name": port, "port": number, "targetPort": number, "protocol": service_protocols[port]}
                            for port, number in ports.items()
                        ],
                    },
                },
            )
        else:
            self.service_object = service_object
            _stamp_wave(where, service_object, self.wave)
        _stamp_wave(where, workload_object, self.wave)
        wait = wait if wait is not None else port_default(scope, "wait")
        waits: list[dict[str, Any]] = []
        if wait is not None:
            waits = [
                wait_container(dep.name, dep.endpoint.host_from(self.namespace), dep.endpoint.main_port, wait)
                for dep in _distinct((*depends_on, *waits_for))
                if dep.endpoint is not None
            ]
            _append(workload_object, "/spec/template/spec/initContainers", pod_spec.get("initContainers"), waits)
            _skip_pull_policy(workload_object, waits)
        env = [
            _spec.env_from_secret(var, value) if isinstance(value, SecretKeyRef) else _spec.env_value(var, value)
            for var, value in self.wired
        ]
        _append(workload_object, "/spec/template/spec/containers/0/env", containers[0].get("env"), env)
        # What a late edge (connect_to, wait_for, depend_on) renders with, and whether the
        # lists it appends to exist by now.
        self._wiring = wiring
        self._wait = wait
        self._has_env = bool(containers[0].get("env") or env)
        self._has_init = bool(pod_spec.get("initContainers") or waits)

    def _late_edge(self, edge: str, other: Component, wiring: Mapping[str, FactVariables] | None) -> None:
        """Render an edge added after construction: the wired variables of ``other`` (with a
        ``wiring`` here or at creation) appended to the first container's ``env``, and its
        ``wait-for-`` init container (with a wait policy), by JSON patches."""
        env: list[dict[str, Any]] = []
        wired = self.wired
        if edge in ("connects_to", "depends_on") and (self._wiring is not None or wiring is not None):
            deps = _distinct((*self.depends_on, *self.connects_to, other))
            wired = connection_env(
                [(dep.name, dep.endpoint) for dep in deps if dep.endpoint is not None],
                self._wiring or {},
                {other.name: dict(wiring)} if wiring is not None else None,
                seen_from=self.namespace,
            )
            env = [
                _spec.env_from_secret(var, value) if isinstance(value, SecretKeyRef) else _spec.env_value(var, value)
                for var, value in wired[len(self.wired) :]
            ]
        waits = (
            [wait_container(other.name, other.endpoint.host_from(self.namespace), other.endpoint.main_port, self._wait)]
            if edge in ("waits_for", "depends_on") and self._wait is not None and other.endpoint is not None
            else []
        )
        self.wired = wired
        _append(self.workload_object, "/spec/template/spec/containers/0/env", self._has_env, env)
        _append(self.workload_object, "/spec/template/spec/initContainers", self._has_init, waits)
        _skip_pull_policy(self.workload_object, waits)
        self._has_env = self._has_env or bool(env)
        self._has_init = self._has_init or bool(waits)

    def pod_port(self) -> int | None:
        """The port its pods listen on for the Service's first port (its ``targetPort``)."""
        return next(iter(self.pod_ports.values()))

    def client_pod_ports(self) -> tuple[tuple[int, str], ...]:
        """``(port, protocol)`` its pods listen on (the Service's ``targetPort``) for each of
        ``client_ports``: what the NetworkPolicies open on every edge to it."""
        return tuple((self.pod_ports[name], self._port_protocols[name]) for name in self.endpoint.client_ports)


def _api_object(field: str, value: object) -> ApiObject:
    """The ``ApiObject`` of a kplus construct, or the L1 object itself."""
    if isinstance(value, Component):
        raise ValueError(f"{field}: {value.node.path} is already a component; pass it to the edges directly")
    if isinstance(value, ApiObject):
        return value
    if isinstance(value, Construct):
        # Where ApiObject.of looks (a kplus resource keeps its object as child "Resource"),
        # without its jsii error, which names no field.
        for child_id in ("Resource", "Default"):
            child = value.node.try_find_child(child_id)
            if isinstance(child, ApiObject):
                return child
    raise ValueError(
        f"{field} must be a cdk8s-plus-27 workload or an L1 ApiObject, got {type(value).__name__} {value!r}; "
        "pass the Deployment (or StatefulSet...) itself"
    )


def _check_same_namespace(where: str, field: str, scope: Construct, obj: ApiObject) -> None:
    ours = Chart.of(scope).namespace
    theirs = obj.metadata.namespace or Chart.of(obj).namespace
    if ours != theirs:
        raise ValueError(
            f"{where}: {field} {obj.name} is in namespace {theirs!r}, the adapter in {ours!r}; "
            "create the AdoptedWorkload in the chart (namespace) of the workload"
        )


def _port_name(number: int, name: str | None) -> str:
    return name or f"port-{number}"


def _target_port(where: str, entry: Mapping[str, Any], container_ports: Sequence[Mapping[str, Any]]) -> int:
    """The pod port a Service port forwards to: a number, or a container port's name."""
    target = entry.get("targetPort", entry["port"])
    if isinstance(target, int):
        return target
    for port in container_ports:
        if port.get("name") == target:
            return int(port["containerPort"])
    raise ValueError(
        f"{where}: service port {entry['port']} targets {target!r}, which no container port is named; "
        "name the container port or give the number"
    )


def _skip_pull_policy(obj: ApiObject, waits: Sequence[Mapping[str, Any]]) -> None:
    """The ``checkov.io/skip<n>`` annotation for :data:`~aipp_constructs.core.policy.PULL_POLICY_ALWAYS`
    that the library's own workloads carry, when a wait container it added pulls an image without
    a digest (``IfNotPresent``), at the next free number; none when the object has one already."""
    if all("@" in wait["image"] for wait in waits):
        return
    annotations = (obj.to_json().get("metadata", {}).get("annotations") or {}).items()
    skips = {key: value for key, value in annotations if key.startswith(SKIP_ANNOTATION_PREFIX)}
    if any(value.split("=", 1)[0] == PULL_POLICY_ALWAYS for value in skips.values()):
        return
    suffixes = (key.removeprefix(SKIP_ANNOTATION_PREFIX) for key in skips)
    number = 1 + max((int(suffix) for suffix in suffixes if suffix.isdigit()), default=0)
    exception = PolicyException(check=PULL_POLICY_ALWAYS, reason=PULL_POLICY_REASON)
    obj.metadata.add_annotation(f"{SKIP_ANNOTATION_PREFIX}{number}", exception.annotation_value())


def _stamp_wave(where: str, obj: ApiObject, wave: int) -> None:
    """Annotate the object with the component's sync wave; refuse a different one already set."""
    current = (obj.to_json().get("metadata", {}).get("annotations") or {}).get(SYNC_WAVE_ANNOTATION)
    if current is not None and current != str(wave):
        raise ValueError(
            f"{where}: {obj.name} is annotated {SYNC_WAVE_ANNOTATION}={current!r}, its place in the graph "
            f"gives wave {wave}; remove the annotation"
        )
    obj.metadata.add_annotation(SYNC_WAVE_ANNOTATION, str(wave))


def _typed(obj: ApiObject, item: Mapping[str, Any]) -> dict[str, Any]:
    """``item`` as the manifest of ``obj`` keeps it. A typed L1 object (cdk8s-plus-27's
    ``KubeDeployment``, an imported ``k8s`` class) maps its patched manifest through its props'
    types again, and reads each resource quantity as ``Quantity.value``: a plain ``"10m"``
    would come out as ``null``, so its quantities are given in that shape."""
    copy = dict(item)
    resources = copy.get("resources")
    if type(obj).to_json is not ApiObject.to_json and isinstance(resources, Mapping):
        copy["resources"] = {
            kind: {name: {"value": value} for name, value in amounts.items()}
            if isinstance(amounts, Mapping)
            else amounts
            for kind, amounts in resources.items()
        }
    return copy


def _append(obj: ApiObject, path: str, existing: object, items: Sequence[Mapping[str, Any]]) -> None:
    """Append ``items`` to the list at ``path`` of the manifest (created when absent)."""
    if not items:
        return
    if existing:
        for item in items:
            obj.add_json_patch(JsonPatch.add(f"{path}/-", _typed(obj, item)))
    else:
        obj.add_json_patch(JsonPatch.add(path, [_typed(obj, item) for item in items]))


def _distinct(components: Sequence[Component]) -> tuple[Component, ...]:
    seen: dict[int, Component] = {}
    for component in components:
        seen.setdefault(id(component), component)
    return tuple(seen.values())
