"""Edges across namespaces: two ``PortChart``s in one app share the graph.

Dify's sandbox runs as root with capabilities, so it lives in its own small chart at Pod
Security ``baseline`` while everything else stays ``restricted``. A dependent in the other
namespace is wired and waits by ``<service>.<namespace>.svc``, and both charts'
NetworkPolicies open the edge, each naming the other side's namespace: over both charts'
manifests the allowed (source, target, port) set is exactly the graph's edges.
"""

from __future__ import annotations

import re
import tempfile
from typing import Any

import cdk8s
import cdk8s_plus_27 as kplus
import pytest
from conftest import REFERENCE, container, env_of, one, pod_spec, synth

import main
from aipp_constructs import (
    AdoptedWorkload,
    Component,
    Endpoint,
    IngressRoute,
    Port,
    PortChart,
    PortDefaults,
    SecretKeyRef,
    SecretStore,
    SecurityException,
    Telemetry,
    TlsIngress,
    TlsIngressProps,
    WaitPolicy,
    Workload,
    WorkloadProps,
)
from aipp_constructs.aipp import load_environment
from aipp_constructs.checks.reachability import reachability

WAIT = WaitPolicy(image="registry.example.com/library/busybox:1.37.0")
WAVE = "argocd.argoproj.io/sync-wave"
ROOT = SecurityException(
    reason="the sandbox runs each script as a per-run user it switches to as root, in a chroot",
    run_as_root=True,
    add_capabilities=("SETUID", "SETGID", "SYS_CHROOT"),
)


def _service(chart: cdk8s.Chart, name: str, port: int | None, **props: Any) -> Workload:
    return Workload(
        chart,
        name,
        WorkloadProps(
            name=name,
            image=f"registry.example.com/dify/{name}:1.13.0",
            ports=(Port(name="http", number=port),) if port is not None else (),
            protocol="http",
            telemetry=Telemetry(mode="off"),
            **props,
        ),
    )


def _charts(app: cdk8s.App) -> tuple[PortChart, PortChart]:
    box = PortChart(
        app, "sandbox", PortDefaults(namespace="dify-sandbox", part_of="dify", pod_security_level="baseline", wait=WAIT)
    )
    main = PortChart(app, "dify", PortDefaults(namespace="dify", part_of="dify", wait=WAIT))
    return box, main


class Port_:
    """The Dify-like graph over two namespaces, built in the order a port would write it."""

    def __init__(self) -> None:
        app = cdk8s.Testing.app()
        self.box, self.main = _charts(app)
        box, main = self.box, self.main
        self.sandbox = _service(box, "sandbox", 8194, security_exception=ROOT)
        web = kplus.Deployment(
            box, "Web", containers=[kplus.ContainerProps(name="web", image="nginx:1.27.3", port_number=8080)]
        )
        self.web = AdoptedWorkload(box, "WebAdopted", workload=web, name="web", protocol="http", wiring={})
        # The sandbox chart's policies are built before the other chart has a component:
        # the edges added later reach them all the same.
        box.add_network_policies()
        self.ssrf = _service(main, "ssrf-proxy", 3128, after=(self.sandbox,))
        self.api = _service(main, "api", 5001, depends_on=(self.sandbox,))  # across, in props
        self.worker = _service(main, "worker", None, waits_for=(self.sandbox,), depends_on=(self.api,))
        self.daemon = _service(main, "plugin-daemon", 5002)
        self.sandbox.connect_to(self.ssrf)  # late, sandbox -> dify
        self.daemon.depend_on(self.sandbox)  # late, waits across charts (both in wave 1)
        self.beat = _service(main, "beat", None, connects_to=(self.web,))  # across, in props
        self.beat.wait_for(self.sandbox)  # late, a wait only
        self.api.connect_to(self.web)  # late, dify -> sandbox, to the adopted kplus Deployment
        self.web.depend_on(self.api, wiring={"url": "API_URL"})  # late, the mutual pair back
        main.add_network_policies()
        self.manifests = synth(self.box) + synth(self.main)

    def components(self) -> list[Component]:
        return [*self.box.contained_components(), *self.main.contained_components()]

    def workload(self, name: str) -> dict[str, Any]:
        kinds = {"Deployment", "StatefulSet"}
        found = [m for m in self.manifests if m["kind"] in kinds and m["metadata"]["name"] == name]
        assert len(found) == 1, name
        return found[0]


@pytest.fixture(scope="module")
def port() -> Port_:
    return Port_()


def _workload_name(component: Component) -> str:
    return component.workload_object.name if isinstance(component, AdoptedWorkload) else component.name


def test_the_allowed_connections_over_both_namespaces_are_exactly_the_graphs_edges(port: Port_) -> None:
    web = _workload_name(port.web)
    assert reachability(port.manifests) == {
        ("api", "sandbox", 8194),
        ("worker", "sandbox", 8194),
        ("worker", "api", 5001),
        ("plugin-daemon", "sandbox", 8194),
        ("beat", "sandbox", 8194),
        ("beat", web, 8080),
        ("sandbox", "ssrf-proxy", 3128),
        ("api", web, 8080),
        (web, "api", 5001),
    }
    graph = {(_workload_name(c), _workload_name(d), d.pod_port()) for c in port.components() for d in c.reaches}
    assert reachability(port.manifests) == graph


def test_a_dependent_in_another_namespace_is_wired_with_the_namespaced_name(port: Port_) -> None:
    assert env_of(container(port.workload("api"), "api"))["SANDBOX_URL"] == "http://sandbox.dify-sandbox.svc:8194"
    assert env_of(container(port.workload("plugin-daemon"), "plugin-daemon"))["SANDBOX_URL"] == (
        "http://sandbox.dify-sandbox.svc:8194"
    )
    assert env_of(container(port.workload("api"), "api"))["WEB_URL"] == "http://web.dify-sandbox.svc:8080"
    assert env_of(container(port.workload("sandbox"), "sandbox")) == {
        "SSRF_PROXY_URL": "http://ssrf-proxy.dify.svc:3128"
    }
    adopted = port.workload(_workload_name(port.web))
    assert env_of(container(adopted, "web"))["API_URL"] == "http://api.dify.svc:5001"
    assert env_of(container(port.workload("beat"), "beat")) == {"WEB_URL": "http://web.dify-sandbox.svc:8080"}
    # The same namespace keeps the bare name.
    assert env_of(container(port.workload("worker"), "worker"))["API_URL"] == "http://api:5001"


def test_a_dependent_in_another_namespace_waits_by_the_namespaced_name(port: Port_) -> None:
    for name in ("api", "worker", "plugin-daemon", "beat"):
        wait = container(port.workload(name), "wait-for-sandbox")["command"][2]
        assert "until nc -z -w 2 sandbox.dify-sandbox.svc 8194; do" in wait
    adopted = port.workload(_workload_name(port.web))
    assert [c["name"] for c in pod_spec(adopted)["initContainers"]] == ["wait-for-api"]
    assert "nc -z -w 2 api.dify.svc 5001" in container(adopted, "wait-for-api")["command"][2]


def test_both_sides_name_the_other_namespace_and_exactly_the_edges_port(port: Port_) -> None:
    def policy(name: str, namespace: str) -> dict[str, Any]:
        found = [
            m
            for m in port.manifests
            if m["kind"] == "NetworkPolicy"
            and m["metadata"]["name"] == name
            and m["metadata"]["namespace"] == namespace
        ]
        assert len(found) == 1
        spec: dict[str, Any] = found[0]["spec"]
        return spec

    def peer(component: Component, namespace: str) -> dict[str, Any]:
        return {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
            "podSelector": {"matchLabels": dict(component.selector_labels)},
        }

    assert policy("api", "dify")["egress"] == [
        {"ports": [{"port": 8194, "protocol": "TCP"}], "to": [peer(port.sandbox, "dify-sandbox")]},
        {"ports": [{"port": 8080, "protocol": "TCP"}], "to": [peer(port.web, "dify-sandbox")]},
    ]
    assert policy("sandbox", "dify-sandbox")["ingress"] == [
        {"from": [peer(dependent, "dify")], "ports": [{"port": 8194, "protocol": "TCP"}]}
        for dependent in (port.api, port.worker, port.daemon, port.beat)
    ]
    assert policy("sandbox", "dify-sandbox")["egress"] == [
        {"ports": [{"port": 3128, "protocol": "TCP"}], "to": [peer(port.ssrf, "dify")]}
    ]
    # Within one namespace the rule stays a bare pod selector.
    assert policy("worker", "dify")["egress"][0] == {
        "ports": [{"port": 5001, "protocol": "TCP"}],
        "to": [{"podSelector": {"matchLabels": dict(port.api.selector_labels)}}],
    }


def test_waves_count_only_the_components_own_chart(port: Port_) -> None:
    # ``after`` and ``depends_on`` across charts order nothing here (two ArgoCD Applications):
    # the wait init container orders the start.
    assert (port.sandbox.wave, port.ssrf.wave, port.api.wave, port.daemon.wave) == (1, 1, 1, 1)
    assert port.worker.wave == 2  # after api, in its own chart (and waits for the sandbox)
    assert port.workload("api")["metadata"]["annotations"][WAVE] == "1"


def test_pod_security_stays_per_namespace_with_the_exception_in_its_own_chart(port: Port_) -> None:
    levels = {
        m["metadata"]["name"]: m["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
        for m in port.manifests
        if m["kind"] == "Namespace"
    }
    assert levels == {"dify-sandbox": "baseline", "dify": "restricted"}
    sandbox = container(port.workload("sandbox"), "sandbox")["securityContext"]
    assert sandbox["runAsUser"] == 0
    assert sorted(sandbox["capabilities"]["add"]) == ["SETGID", "SETUID", "SYS_CHROOT"]
    # The same workload in the restricted chart is refused: that is why it has its own.
    with pytest.raises(ValueError, match=r"namespace dify enforces 'restricted'"):
        _service(port.main, "sandbox-too", 8195, security_exception=ROOT)


def test_one_namespace_in_two_charts_keeps_bare_names_and_plain_pod_selectors() -> None:
    app = cdk8s.Testing.app()
    first = PortChart(app, "first", PortDefaults(namespace="dify", part_of="dify", wait=WAIT))
    second = PortChart(app, "second", PortDefaults(namespace="dify", part_of="dify", wait=WAIT, create_namespace=False))
    db = _service(first, "db", 5000)
    api = _service(second, "api", 5001, depends_on=(db,))
    db.connect_to(api)
    first.add_network_policies()
    second.add_network_policies()
    manifests = synth(first) + synth(second)
    api_deployment = one(manifests, "Deployment", "api")
    assert env_of(container(api_deployment, "api"))["DB_URL"] == "http://db:5000"
    assert "until nc -z -w 2 db 5000; do" in container(api_deployment, "wait-for-db")["command"][2]
    assert reachability(manifests) == {("api", "db", 5000), ("db", "api", 5001)}
    rules = [
        peer
        for m in manifests
        if m["kind"] == "NetworkPolicy"
        for rule in (m["spec"].get("ingress") or []) + (m["spec"].get("egress") or [])
        for peer in rule.get("from", rule.get("to", []))
    ]
    assert rules and all(
        "namespaceSelector" not in peer
        or peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] == "kube-system"
        for peer in rules
    )


def test_an_edge_between_a_chart_with_a_namespace_and_one_without_is_refused() -> None:
    app = cdk8s.Testing.app()
    _, main = _charts(app)
    api = _service(main, "api", 5001)
    plain = cdk8s.Chart(app, "plain")
    with pytest.raises(
        ValueError,
        match=r"^plain/probe: depends_on: probe \(namespace None\) and api \(namespace 'dify'\) are in two charts, "
        r"one without a namespace; give both charts a namespace \(PortDefaults.namespace\)$",
    ):
        _service(plain, "probe", 7000, depends_on=(api,))
    probe = _service(plain, "probe", 7000)
    with pytest.raises(
        ValueError, match=r"^dify/api: connects_to: api \(namespace 'dify'\) and probe \(namespace None\)"
    ):
        api.connect_to(probe)
    assert api.reaches == ()


def test_an_endpoint_gives_its_facts_as_seen_from_another_namespace() -> None:
    endpoint = Endpoint(
        host="pgvector",
        ports={"postgresql": 5432},
        properties={
            "database": "pgvector",  # only the name: a database called like its server
            "url": "postgresql://pgvector:5432/pgvector",
            "jdbc_url": "jdbc:postgresql://pgvector:5432/pgvector?ssl=false",
            "dsn": "postgres://app@pgvector/pgvector",
            "address": "pgvector:5432",
            "other": "http://pgvector-admin:80",
        },
        namespace="data",
    )
    assert endpoint.facts("dify") == {
        "host": "pgvector.data.svc",
        "port": "5432",
        "database": "pgvector",
        "url": "postgresql://pgvector.data.svc:5432/pgvector",
        "jdbc_url": "jdbc:postgresql://pgvector.data.svc:5432/pgvector?ssl=false",
        "dsn": "postgres://app@pgvector.data.svc/pgvector",
        "address": "pgvector.data.svc:5432",
        "other": "http://pgvector-admin:80",
    }
    assert endpoint.facts("data") == endpoint.facts() == {"host": "pgvector", "port": "5432", **endpoint.properties}
    assert endpoint.host_from("dify") == "pgvector.data.svc"
    assert Endpoint(host="db", ports={"p": 1}).host_from("dify") == "db"  # no namespace known: the bare name


def test_a_component_stamps_its_namespace_on_the_endpoint_it_is_given() -> None:
    app = cdk8s.Testing.app()
    _, main = _charts(app)
    api = _service(main, "api", 5001)
    assert api.namespace == "dify"
    assert api.endpoint is not None and api.endpoint.namespace == "dify"
    component = Component(main, "Probe", name="probe", component="probe", version="1")
    component.endpoint = Endpoint(host="probe", ports={"http": 80})
    assert component.endpoint.namespace == "dify"


def test_an_ingress_routing_to_another_namespace_is_refused() -> None:
    app = cdk8s.Testing.app()
    box, main = _charts(app)
    sandbox = _service(box, "sandbox", 8194)
    route = IngressRoute(host="sandbox.example.com", target=sandbox)
    with pytest.raises(
        ValueError,
        match=r"^routes: sandbox.example.com/ targets sandbox in namespace 'dify-sandbox', the Ingress is in 'dify'; "
        r"create the Ingress in the chart \(namespace\) of its targets, one Ingress per namespace$",
    ):
        TlsIngress(main, "Ingress", TlsIngressProps(name="dify", routes=(route,)))
    assert main.node.try_find_child("Ingress") is None
    TlsIngress(box, "Ingress", TlsIngressProps(name="sandbox", routes=(route,)))


def test_a_credential_wired_across_namespaces_needs_its_secret_in_the_dependents_namespace_too() -> None:
    app = cdk8s.Testing.app()
    box = PortChart(app, "cache", PortDefaults(namespace="cache", part_of="dify", wait=WAIT))
    main = PortChart(
        app,
        "dify",
        PortDefaults(
            namespace="dify",
            part_of="dify",
            wait=WAIT,
            secret_store=SecretStore(name="vault", vault_path="secret/dify"),
        ),
    )
    cache = Component(box, "Cache", name="cache", component="cache", version="7.4")
    cache.endpoint = Endpoint(
        host="cache",
        ports={"redis": 6379},
        credentials={"password": SecretKeyRef(name="cache-credentials", key="password")},
        properties={"url": "redis://cache:6379"},
        protocol="redis",
    )
    api = _service(main, "api", 5001, depends_on=(cache,))
    assert ("CACHE_URL", "redis://cache.cache.svc:6379") in api.wired
    with pytest.raises(
        Exception,
        match=r"api is wired with Secret cache-credentials \(key password\) of cache in namespace cache, but "
        r"namespace dify has no Secret cache-credentials; create it in api's chart too",
    ):
        synth(main)
    main.vault_secret("cache-credentials", "cache", {"password": "password"})
    assert env_of(container(one(synth(main), "Deployment", "api"), "api"))["CACHE_PASSWORD"] == {
        "secretKeyRef": {"key": "password", "name": "cache-credentials"}
    }


def test_every_preset_of_the_reference_port_gives_every_host_fact_namespaced() -> None:
    """No preset can miss a fact: the endpoint rewrites its properties itself. Read on the frozen
    AIPP fixture (pgvector, redis, rabbitmq, Spring services, the web frontend, the GPU worker)."""
    with tempfile.TemporaryDirectory() as outdir:
        app = main.build_app(load_environment(REFERENCE), outdir)
    served = [c for c in app.node.find_all() if isinstance(c, Component) and c.endpoint is not None]
    kinds = {type(c).__name__ for c in served}
    assert {"PgvectorDb", "RedisCache", "RabbitMq", "SpringService", "WebFrontend", "GpuWorker"} <= kinds
    for component in served:
        endpoint = component.endpoint
        assert endpoint is not None and endpoint.namespace == component.namespace == "aipp"
        qualified = f"{endpoint.host}.aipp.svc"
        here, there = endpoint.facts(), endpoint.facts(seen_from="elsewhere")
        assert there["host"] == qualified
        for fact, value in here.items():
            named = isinstance(value, str) and value != endpoint.host
            if named and re.search(rf"(?<![-A-Za-z0-9.]){re.escape(endpoint.host)}(?![-A-Za-z0-9])", str(value)):
                assert qualified in str(there[fact]), (component.name, fact, there[fact])
