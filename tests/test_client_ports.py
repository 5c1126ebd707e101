"""An edge that uses more than the target's main port (``Endpoint.client_ports``).

Dify's api and worker talk to Weaviate over HTTP 8080 and gRPC 50051. The provider names the
ports its clients use (``WorkloadProps.client_ports``, ``AdoptedWorkload(client_ports=...)``,
``Endpoint(client_ports=...)``); every edge to it (``depends_on``, ``waits_for``,
``connects_to`` and the late ``connect_to``...) then opens each of them in the NetworkPolicies
of both sides, in one namespace and across two; waits and wiring keep the main port. Without
``client_ports`` nothing changes: the main port only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cdk8s
import cdk8s_plus_27 as kplus
import pytest
from conftest import container, env_of, one, synth

from aipp_constructs import (
    AdoptedWorkload,
    Component,
    Endpoint,
    Port,
    PortChart,
    PortDefaults,
    Telemetry,
    WaitPolicy,
    Workload,
    WorkloadProps,
)
from aipp_constructs.checks.reachability import reachability

WAIT = WaitPolicy(image="registry.example.com/library/busybox:1.37.0")
HTTP, GRPC = 8080, 50051


def _service(chart: cdk8s.Chart, name: str, ports: tuple[Port, ...] = (), **props: Any) -> Workload:
    return Workload(
        chart,
        name,
        WorkloadProps(
            name=name,
            image=f"registry.example.com/dify/{name}:1.13.0",
            ports=ports,
            protocol="http",
            telemetry=Telemetry(mode="off"),
            **props,
        ),
    )


def _weaviate(chart: cdk8s.Chart, **props: Any) -> Workload:
    """HTTP and gRPC, both for clients, and a metrics port that is not."""
    return _service(
        chart,
        "weaviate",
        (Port(name="http", number=HTTP), Port(name="grpc", number=GRPC), Port(name="metrics", number=2112)),
        **props,
    )


def _policy(manifests: list[dict[str, Any]], name: str, namespace: str) -> dict[str, Any]:
    found = [
        m
        for m in manifests
        if m["kind"] == "NetworkPolicy" and m["metadata"]["name"] == name and m["metadata"]["namespace"] == namespace
    ]
    assert len(found) == 1, (name, namespace)
    spec: dict[str, Any] = found[0]["spec"]
    return spec


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"port": port, "protocol": "TCP"} for port in ports]


def _graph(components: Sequence[Component]) -> set[tuple[str, str, int]]:
    """Every (dependent, provider, pod port) the graph declares: edges x client ports."""
    return {(c.name, d.name, port) for c in components for d in c.reaches for port, _ in d.client_pod_ports()}


# --- one namespace --------------------------------------------------------------------------


class OneNamespace:
    """api depends on Weaviate (in props), worker connects to it, beat connects late."""

    def __init__(self) -> None:
        chart = PortChart(cdk8s.Testing.app(), "dify", PortDefaults(namespace="dify", part_of="dify", wait=WAIT))
        self.weaviate = _weaviate(chart, client_ports=("http", "grpc"))
        self.api = _service(chart, "api", (Port(name="http", number=5001),), depends_on=(self.weaviate,))
        self.worker = _service(chart, "worker", connects_to=(self.weaviate,), waits_for=(self.api,))
        self.beat = _service(chart, "beat")
        self.beat.connect_to(self.weaviate)
        chart.add_network_policies()
        self.components = chart.contained_components()
        self.manifests = synth(chart)


@pytest.fixture(scope="module")
def same() -> OneNamespace:
    return OneNamespace()


def test_the_endpoint_carries_the_client_ports_the_workload_names(same: OneNamespace) -> None:
    endpoint = same.weaviate.required_endpoint
    assert endpoint.client_ports == ("http", "grpc")
    assert endpoint.main_port == HTTP
    assert same.weaviate.client_pod_ports() == ((HTTP, "TCP"), (GRPC, "TCP"))
    assert same.api.required_endpoint.client_ports == ("http",)


def test_every_edge_opens_every_client_port_on_both_sides_in_one_namespace(same: OneNamespace) -> None:
    selector = {"podSelector": {"matchLabels": dict(same.weaviate.selector_labels)}}
    assert _policy(same.manifests, "weaviate", "dify")["ingress"] == [
        {"from": [{"podSelector": {"matchLabels": dict(dependent.selector_labels)}}], "ports": _tcp(HTTP, GRPC)}
        for dependent in (same.api, same.worker, same.beat)
    ]
    for name in ("api", "worker", "beat"):
        egress = _policy(same.manifests, name, "dify")["egress"]
        assert {"to": [selector], "ports": _tcp(HTTP, GRPC)} in egress, name
    # An edge to a provider without client_ports keeps its main port only.
    assert {
        "to": [{"podSelector": {"matchLabels": dict(same.api.selector_labels)}}],
        "ports": _tcp(5001),
    } in _policy(same.manifests, "worker", "dify")["egress"]


def test_reachability_is_exactly_the_edges_times_the_client_ports(same: OneNamespace) -> None:
    allowed = reachability(same.manifests)
    assert allowed == {
        ("api", "weaviate", HTTP),
        ("api", "weaviate", GRPC),
        ("worker", "weaviate", HTTP),
        ("worker", "weaviate", GRPC),
        ("beat", "weaviate", HTTP),
        ("beat", "weaviate", GRPC),
        ("worker", "api", 5001),
    }
    assert allowed == _graph(same.components)
    # The metrics port is a container port nobody in the graph may open.
    assert not any(port == 2112 for _, _, port in allowed)


def test_waits_and_wiring_keep_the_main_port(same: OneNamespace) -> None:
    api = one(same.manifests, "Deployment", "api")
    wait = container(api, "wait-for-weaviate")["command"][2]
    assert f"nc -z -w 2 weaviate {HTTP};" in wait and str(GRPC) not in wait
    assert env_of(container(api, "api"))["WEAVIATE_URL"] == f"http://weaviate:{HTTP}"


# --- two namespaces -------------------------------------------------------------------------


class TwoNamespaces:
    """Weaviate in its own chart; api (in props), worker (late connect_to) and an adopted
    kplus deployment (late depend_on) in the other, built after the vector chart's policies."""

    def __init__(self) -> None:
        app = cdk8s.Testing.app()
        self.vec = PortChart(app, "vec", PortDefaults(namespace="vec", part_of="dify", wait=WAIT))
        self.main = PortChart(app, "dify", PortDefaults(namespace="dify", part_of="dify", wait=WAIT))
        self.weaviate = _weaviate(self.vec, client_ports=("http", "grpc"))
        self.vec.add_network_policies()
        self.api = _service(self.main, "api", (Port(name="http", number=5001),), depends_on=(self.weaviate,))
        self.worker = _service(self.main, "worker")
        self.worker.connect_to(self.weaviate)
        tool = kplus.Deployment(
            self.main, "Tool", containers=[kplus.ContainerProps(name="tool", image="nginx:1.27.3", port_number=8081)]
        )
        self.tool = AdoptedWorkload(self.main, "ToolAdopted", workload=tool, name="tool", wiring={})
        self.tool.depend_on(self.weaviate)
        self.main.add_network_policies()
        self.components = [*self.vec.contained_components(), *self.main.contained_components()]
        self.manifests = synth(self.vec) + synth(self.main)


@pytest.fixture(scope="module")
def across() -> TwoNamespaces:
    return TwoNamespaces()


def _peer(component: Component, namespace: str) -> dict[str, Any]:
    return {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
        "podSelector": {"matchLabels": dict(component.selector_labels)},
    }


def test_both_charts_open_every_client_port_with_a_namespace_selector(across: TwoNamespaces) -> None:
    assert _policy(across.manifests, "weaviate", "vec")["ingress"] == [
        {"from": [_peer(dependent, "dify")], "ports": _tcp(HTTP, GRPC)}
        for dependent in (across.api, across.worker, across.tool)
    ]
    for name in ("api", "worker", "tool"):
        assert _policy(across.manifests, name, "dify")["egress"] == [
            {"to": [_peer(across.weaviate, "vec")], "ports": _tcp(HTTP, GRPC)}
        ], name


def test_reachability_across_namespaces_is_exactly_the_edges_times_the_client_ports(across: TwoNamespaces) -> None:
    tool = across.tool.workload_object.name
    allowed = reachability(across.manifests)
    assert allowed == {(source, "weaviate", port) for source in ("api", "worker", tool) for port in (HTTP, GRPC)}
    graph = {
        (_pod_name(c), _pod_name(d), port)
        for c in across.components
        for d in c.reaches
        for port, _ in d.client_pod_ports()
    }
    assert allowed == graph


def test_a_wait_across_namespaces_keeps_the_main_port(across: TwoNamespaces) -> None:
    wait = container(one(across.manifests, "Deployment", "api"), "wait-for-weaviate")["command"][2]
    assert f"nc -z -w 2 weaviate.vec.svc {HTTP};" in wait and str(GRPC) not in wait


def _pod_name(component: Component) -> str:
    return component.workload_object.name if isinstance(component, AdoptedWorkload) else component.name


# --- the default, adopted workloads, protocols ----------------------------------------------


def test_without_client_ports_an_edge_opens_the_main_port_only() -> None:
    chart = PortChart(cdk8s.Testing.app(), "dify", PortDefaults(namespace="dify", part_of="dify", wait=WAIT))
    weaviate = _weaviate(chart)
    _service(chart, "api", depends_on=(weaviate,))
    chart.add_network_policies()
    manifests = synth(chart)
    assert weaviate.required_endpoint.client_ports == ("http",)
    assert Endpoint(host="db", ports={"postgresql": 5432, "metrics": 9187}).client_ports == ("postgresql",)
    assert _policy(manifests, "weaviate", "dify")["ingress"] == [
        {
            "from": [
                {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "api", "app.kubernetes.io/part-of": "dify"}}}
            ],
            "ports": _tcp(HTTP),
        }
    ]
    assert reachability(manifests) == {("api", "weaviate", HTTP)}


def test_an_adopted_workload_opens_the_pod_port_behind_each_client_service_port() -> None:
    """The Service maps 80 -> 8080 and 50051 -> the container port named grpc (50052): the
    policies open the pod's ports, dependents are wired and wait with the Service's main port."""
    chart = PortChart(cdk8s.Testing.app(), "dify", PortDefaults(namespace="dify", part_of="dify", wait=WAIT))
    deployment = _l1(
        chart,
        "Vec",
        "apps/v1",
        "Deployment",
        {
            "selector": {"matchLabels": {"app": "vec"}},
            "template": {
                "metadata": {"labels": {"app": "vec"}},
                "spec": {
                    "containers": [
                        {
                            "name": "vec",
                            "image": "registry.example.com/vec/vec:1.2.3",
                            "ports": [
                                {"name": "http", "containerPort": 8080},
                                {"name": "grpc", "containerPort": 50052},
                            ],
                        }
                    ]
                },
            },
        },
    )
    service = _l1(
        chart,
        "VecService",
        "v1",
        "Service",
        {
            "selector": {"app": "vec"},
            "ports": [
                {"name": "http", "port": 80, "targetPort": 8080},
                {"name": "grpc", "port": 50051, "targetPort": "grpc"},
            ],
        },
    )
    vec = AdoptedWorkload(
        chart, "VecAdopted", workload=deployment, service=service, protocol="http", client_ports=["http", "grpc"]
    )
    _service(chart, "api", depends_on=(vec,))
    chart.add_network_policies()
    manifests = synth(chart)
    assert vec.required_endpoint.client_ports == ("http", "grpc")
    assert vec.client_pod_ports() == ((8080, "TCP"), (50052, "TCP"))
    assert _policy(manifests, "api", "dify")["egress"] == [
        {"to": [{"podSelector": {"matchLabels": {"app": "vec"}}}], "ports": _tcp(8080, 50052)}
    ]
    assert reachability(manifests) == {("api", "vec", 8080), ("api", "vec", 50052)}
    assert "nc -z -w 2 vec 80;" in container(one(manifests, "Deployment", "api"), "wait-for-vec")["command"][2]
    assert env_of(container(one(manifests, "Deployment", "api"), "api"))["VEC_URL"] == "http://vec:80"


def _l1(chart: cdk8s.Chart, id: str, api_version: str, kind: str, spec: dict[str, Any]) -> cdk8s.ApiObject:
    """An L1 object named ``vec`` with ``spec``."""
    api_object = cdk8s.ApiObject(
        chart, id, api_version=api_version, kind=kind, metadata=cdk8s.ApiObjectMetadata(name="vec")
    )
    api_object.add_json_patch(cdk8s.JsonPatch.add("/spec", spec))
    return api_object


def test_a_udp_client_port_is_opened_as_udp() -> None:
    chart = PortChart(cdk8s.Testing.app(), "dify", PortDefaults(namespace="dify", part_of="dify", wait=WAIT))
    ports = (Port(name="http", number=8080), Port(name="stats", number=8125, protocol="UDP"))
    collector = _service(chart, "collector", ports, client_ports=("http", "stats"))
    _service(chart, "api", connects_to=(collector,))
    chart.add_network_policies()
    manifests = synth(chart)
    assert _policy(manifests, "collector", "dify")["ingress"][0]["ports"] == [
        {"port": 8080, "protocol": "TCP"},
        {"port": 8125, "protocol": "UDP"},
    ]
    assert reachability(manifests) == {("api", "collector", 8080), ("api", "collector", 8125)}


# --- refusals, one line each ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_ports", "message"),
    [
        (
            ("http", "grcp"),
            r"^Endpoint.client_ports names port 'grcp', which is not one of the ports \('http', 'grpc'\); name one of them$",
        ),
        (
            ("grpc",),
            r"^Endpoint.client_ports must include the main port 'http' \(the first port: dependents wait for it\), "
            r"got \('grpc',\); add 'http'$",
        ),
        (("http", "http"), r"^Endpoint.client_ports must name each port once, got \('http', 'http'\)$"),
        (
            "http",
            r"^Endpoint.client_ports must be a tuple of port names, got 'http'; write e.g. \('http',\), not a bare string$",
        ),
    ],
)
def test_endpoint_refuses_client_ports_it_does_not_have(client_ports: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Endpoint(host="weaviate", ports={"http": HTTP, "grpc": GRPC}, client_ports=client_ports)


def test_workload_props_refuse_an_unknown_or_unexposed_client_port() -> None:
    ports = (Port(name="http", number=HTTP), Port(name="grpc", number=GRPC, expose=False))
    base: dict[str, Any] = {"name": "weaviate", "image": "registry.example.com/v/weaviate:1.27.0", "ports": ports}
    with pytest.raises(
        ValueError,
        match=r"^client_ports names port 'grpc', which is not one of the ports \('http'\); name one of them$",
    ):
        WorkloadProps(**base, client_ports=("http", "grpc"))
    with pytest.raises(ValueError, match=r"^client_ports names port 'grcp', which is not one of the ports"):
        WorkloadProps(**{**base, "ports": ports[:1] + (Port(name="grpc", number=GRPC),)}, client_ports=("http", "grcp"))
    with pytest.raises(
        ValueError,
        match=r"^client_ports names \('http',\), but worker exposes no port; give it ports with expose=True, "
        r"or leave client_ports out$",
    ):
        WorkloadProps(name="worker", image="registry.example.com/v/worker:1.0.0", client_ports=("http",))


def test_adopted_workload_refuses_an_unknown_client_port_naming_itself() -> None:
    chart = PortChart(cdk8s.Testing.app(), "dify", PortDefaults(namespace="dify", part_of="dify"))
    web = kplus.Deployment(chart, "Web", containers=[kplus.ContainerProps(image="nginx:1.27.3", port_number=8080)])
    with pytest.raises(
        ValueError,
        match=r"^dify/WebAdopted: client_ports names port 'grpc', which is not one of the ports \('port-8080'\); "
        r"name one of them$",
    ):
        AdoptedWorkload(chart, "WebAdopted", workload=web, name="web", client_ports=("port-8080", "grpc"))
    assert chart.node.try_find_child("WebAdopted") is None
