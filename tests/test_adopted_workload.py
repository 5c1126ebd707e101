"""AdoptedWorkload: a cdk8s-plus-27 or L1 workload in the graph, edges in both directions.

The NetworkPolicies are judged by an independent reachability evaluator (below): which pod
may open which port of which other pod, given every NetworkPolicy of the namespace. It
knows nothing of the library; it reads the synthesized objects only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import cdk8s
import cdk8s_plus_27 as kplus
import pytest
from conftest import container, env_of, one, pod_spec, synth
from constructs import Construct

from aipp_constructs import (
    AdoptedWorkload,
    Component,
    ComponentServiceMonitorProps,
    GraphNetworkPolicies,
    GraphNetworkPoliciesProps,
    GraphNode,
    IngressRoute,
    PgDumpBackupProps,
    Port,
    PortChart,
    PortDefaults,
    PostSyncCheckProps,
    SecretKeyRef,
    Telemetry,
    TlsIngress,
    TlsIngressProps,
    WaitPolicy,
    Workload,
    WorkloadProps,
)
from aipp_constructs.core.policy import PULL_POLICY_REASON

WAIT = WaitPolicy(image="registry.example.com/library/busybox:1.37.0")
#: The adopted images read their dependencies' host and port (db is a plain ``tcp`` endpoint).
TCP_WIRING = {"tcp": {"host": "{NAME}_HOST", "port": "{NAME}_PORT"}}
DOC = Path(__file__).resolve().parents[1] / "docs" / "adopting-a-cdk8s-workload.md"
ADAPTER_HINT = r"wrap it: AdoptedWorkload\(chart, 'x', workload=\.\.\.\)"


def _chart(namespace: str = "acme") -> PortChart:
    return PortChart(cdk8s.Testing.app(), namespace, PortDefaults(namespace=namespace, part_of="acme", wait=WAIT))


def _workload(chart: Construct, name: str, port: int, **props: Any) -> Workload:
    return Workload(
        chart,
        name.title(),
        WorkloadProps(
            name=name,
            image=f"acme/{name}:1.2.3",
            ports=(Port(name="main", number=port),),
            protocol=props.pop("protocol", "tcp"),
            telemetry=Telemetry(mode="off"),
            **props,
        ),
    )


def _kplus_web(chart: Construct) -> kplus.Deployment:
    return kplus.Deployment(
        chart, "Web", containers=[kplus.ContainerProps(name="web", image="nginx:1.27.3", port_number=8080)]
    )


# -- an independent NetworkPolicy reachability evaluator -------------------------------------


def _pods(manifests: Iterable[Mapping[str, Any]]) -> dict[str, tuple[dict[str, str], set[int]]]:
    """Workload name -> (pod labels, container ports)."""
    pods = {}
    for m in manifests:
        if m["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
            template = m["spec"]["template"]
            ports = {p["containerPort"] for c in template["spec"]["containers"] for p in c.get("ports", [])}
            pods[m["metadata"]["name"]] = (template["metadata"]["labels"], ports)
    return pods


def _selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    match = (selector or {}).get("matchLabels") or {}
    return all(labels.get(k) == v for k, v in match.items())


def _rule_allows(rule: Mapping[str, Any], side: str, peer: Mapping[str, str], port: int, namespace: str) -> bool:
    ports = rule.get("ports")
    if ports and not any(p.get("port") == port and p.get("protocol", "TCP") == "TCP" for p in ports):
        return False
    peers = rule.get(side)
    if not peers:
        return True
    own = {"matchLabels": {"kubernetes.io/metadata.name": namespace}}
    # Pods of the namespace only: an ipBlock or a selector of other namespaces is not one of them.
    return any(
        "podSelector" in p and p.get("namespaceSelector", own) == own and _selects(p["podSelector"], peer)
        for p in peers
    )


def _allowed(
    policies: Sequence[Mapping[str, Any]],
    kind: str,
    pod: Mapping[str, str],
    peer: Mapping[str, str],
    port: int,
    namespace: str,
) -> bool:
    side = "from" if kind == "Ingress" else "to"
    selecting = [p for p in policies if _selects(p["spec"]["podSelector"], pod) and kind in p["spec"]["policyTypes"]]
    if not selecting:
        return True  # not isolated
    return any(
        _rule_allows(rule, side, peer, port, namespace) for p in selecting for rule in p["spec"].get(kind.lower()) or []
    )


def reachable(manifests: list[dict[str, Any]]) -> set[tuple[str, str, int]]:
    """Every (source workload, destination workload, port) the NetworkPolicies of the
    namespace allow (the manifests are of one namespace)."""
    policies = [m for m in manifests if m["kind"] == "NetworkPolicy"]
    (namespace,) = {m["metadata"]["namespace"] for m in policies}
    pods = _pods(manifests)
    return {
        (src, dst, port)
        for src, (src_labels, _) in pods.items()
        for dst, (dst_labels, ports) in pods.items()
        if src != dst
        for port in ports
        if _allowed(policies, "Egress", src_labels, dst_labels, port, namespace)
        and _allowed(policies, "Ingress", dst_labels, src_labels, port, namespace)
    }


# -- the graph with an adopted kplus Deployment ----------------------------------------------


def _graph() -> tuple[PortChart, AdoptedWorkload]:
    chart = _chart()
    db = _workload(chart, "db", 5432)
    web = _kplus_web(chart)
    service = web.expose_via_service(name="web", ports=[kplus.ServicePort(name="http", port=80, target_port=8080)])
    adopted = AdoptedWorkload(
        chart, "WebAdopted", workload=web, service=service, protocol="http", depends_on=(db,), wiring=TCP_WIRING
    )
    _workload(chart, "api", 8000, protocol="http", depends_on=(adopted,))
    _workload(chart, "worker", 9000)  # no edge: reaches nothing, reached by nothing
    return chart, adopted


def test_the_adopted_deployment_becomes_a_component_with_its_service_as_endpoint() -> None:
    _, adopted = _graph()
    assert isinstance(adopted, Component)
    assert adopted.name == "web"
    assert adopted.endpoint.host == "web"
    assert dict(adopted.endpoint.ports) == {"http": 80}
    assert adopted.endpoint.facts()["url"] == "http://web:80"
    assert adopted.pod_port() == 8080  # the Service's targetPort: what the pods listen on
    assert list(adopted.selector_labels) == ["cdk8s.io/metadata.addr"]  # kplus's own pod label
    assert adopted.wave == 2  # after db (wave 1)


def test_library_component_depends_on_the_adopted_one_waits_and_is_wired() -> None:
    chart, _ = _graph()
    manifests = synth(chart)
    api = one(manifests, "Deployment", "api")
    assert [c["name"] for c in pod_spec(api)["initContainers"]] == ["wait-for-web"]
    assert "nc -z -w 2 web 80" in container(api, "wait-for-web")["command"][2]
    assert env_of(container(api, "api"))["WEB_URL"] == "http://web:80"
    assert api["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "3"


def test_the_adopted_deployment_depends_on_a_library_component_waits_and_is_wired() -> None:
    chart, _ = _graph()
    manifests = synth(chart)
    web = one(manifests, "Deployment", "acme-web")  # kplus names it after the construct path
    assert [c["name"] for c in pod_spec(web)["initContainers"]] == ["wait-for-db"]
    assert "nc -z -w 2 db 5432" in container(web, "wait-for-db")["command"][2]
    # kplus's typed L1 maps the patched manifest through its types again: the quantities survive.
    assert container(web, "wait-for-db")["resources"] == {
        "requests": {"cpu": WAIT.resources.cpu_request, "memory": WAIT.resources.memory_request},
        "limits": {"cpu": WAIT.resources.cpu_limit, "memory": WAIT.resources.memory_limit},
    }
    assert env_of(container(web, "web"))["DB_HOST"] == "db"
    assert env_of(container(web, "web"))["DB_PORT"] == "5432"
    assert web["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "2"
    assert one(manifests, "Service", "web")["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "2"


def test_a_wait_container_it_adds_brings_the_pull_policy_exception_once_at_the_next_free_number() -> None:
    """The wait container pulls a tag-pinned image IfNotPresent (checkov CKV_K8S_15): the
    adopted object gets the exception the library's own workloads carry, after the user's own
    skips, and not twice when the user wrote one."""
    chart, _ = _graph()
    web = one(synth(chart), "Deployment", "acme-web")
    assert {k: v for k, v in web["metadata"]["annotations"].items() if k.startswith("checkov.io/")} == {
        "checkov.io/skip1": f"CKV_K8S_15={PULL_POLICY_REASON}"
    }
    chart = _chart()
    db = _workload(chart, "db", 5432)
    mine = _kplus_web(chart)
    mine.metadata.add_annotation("checkov.io/skip1", "CKV_K8S_43=the image has no digest in this test fixture")
    service = mine.expose_via_service(name="web", ports=[kplus.ServicePort(name="http", port=80, target_port=8080)])
    adopted = AdoptedWorkload(chart, "WebAdopted", workload=mine, service=service, depends_on=(db,))
    adopted.wait_for(_workload(chart, "cache", 6379))  # a second wait (late): still one exception
    skips = {
        k: v for k, v in one(synth(chart), "Deployment", "acme-web")["metadata"]["annotations"].items() if "skip" in k
    }
    assert sorted(skips) == ["checkov.io/skip1", "checkov.io/skip2"]
    assert skips["checkov.io/skip2"].startswith("CKV_K8S_15=")


def test_network_policies_open_exactly_the_edges_in_both_directions() -> None:
    chart, adopted = _graph()
    chart.add_network_policies()
    manifests = synth(chart)
    assert reachable(manifests) == {("api", "acme-web", 8080), ("acme-web", "db", 5432)}
    web_policy = one(manifests, "NetworkPolicy", "web")
    assert web_policy["spec"]["podSelector"] == {"matchLabels": dict(adopted.selector_labels)}


def test_without_a_service_one_is_created_over_the_container_ports() -> None:
    chart = _chart()
    web = _kplus_web(chart)
    adopted = AdoptedWorkload(chart, "WebAdopted", workload=web, name="web")
    _workload(chart, "api", 8000, connects_to=(adopted,), wiring=TCP_WIRING)
    chart.add_network_policies()
    manifests = synth(chart)
    service = one(manifests, "Service", "web")
    assert service["spec"]["selector"] == dict(adopted.selector_labels)
    assert service["spec"]["ports"] == [{"name": "port-8080", "port": 8080, "targetPort": 8080, "protocol": "TCP"}]
    assert env_of(container(one(manifests, "Deployment", "api"), "api"))["WEB_HOST"] == "web"
    assert reachable(manifests) == {("api", "acme-web", 8080)}


def test_an_l1_deployment_is_adopted_and_its_own_init_containers_and_env_are_kept() -> None:
    chart = _chart()
    db = _workload(chart, "db", 5432)
    legacy = cdk8s.ApiObject(
        chart, "Legacy", api_version="apps/v1", kind="Deployment", metadata=cdk8s.ApiObjectMetadata(name="legacy")
    )
    legacy.add_json_patch(
        cdk8s.JsonPatch.add(
            "/spec",
            {
                "selector": {"matchLabels": {"app": "legacy"}},
                "template": {
                    "metadata": {"labels": {"app": "legacy", "tier": "old"}},
                    "spec": {
                        "initContainers": [{"name": "migrate", "image": "acme/legacy:4.0.1"}],
                        "containers": [
                            {
                                "name": "legacy",
                                "image": "acme/legacy:4.0.1",
                                "ports": [{"name": "http", "containerPort": 8080}],
                                "env": [{"name": "MODE", "value": "prod"}],
                            }
                        ],
                    },
                },
            },
        )
    )
    adopted = AdoptedWorkload(chart, "LegacyAdopted", workload=legacy, depends_on=(db,), wiring=TCP_WIRING)
    assert adopted.labels["app.kubernetes.io/version"] == "4.0.1"
    chart.add_network_policies()
    manifests = synth(chart)
    spec = pod_spec(one(manifests, "Deployment", "legacy"))
    assert [c["name"] for c in spec["initContainers"]] == ["migrate", "wait-for-db"]
    assert [e["name"] for e in spec["containers"][0]["env"]] == ["MODE", "DB_HOST", "DB_PORT"]
    assert reachable(manifests) == {("legacy", "db", 5432)}


# -- least privilege beside kplus connections ------------------------------------------------


def test_library_policies_stay_least_privilege_beside_a_kplus_connection_with_pod_isolation() -> None:
    chart, adopted = _graph()
    # A kplus connection outside the graph, isolated on the adopted pod's side only: kplus
    # writes one policy selecting the web pods; no other pod's policy changes.
    peers = kplus.Pods.select(chart, "WorkerPods", labels={"app.kubernetes.io/name": "worker"})
    web = chart.node.find_child("Web")
    assert isinstance(web, kplus.Deployment)
    web.connections.allow_from(
        peers, isolation=kplus.PodConnectionsIsolation.POD, ports=[kplus.NetworkPolicyPort.tcp(8080)]
    )
    # And an address range the web pods call, outside the cluster.
    partner = kplus.NetworkPolicyIpBlock.ipv4(chart, "Partner", "203.0.113.0/24")
    web.connections.allow_to(
        partner, isolation=kplus.PodConnectionsIsolation.POD, ports=[kplus.NetworkPolicyPort.tcp(443)]
    )
    chart.add_network_policies()
    manifests = synth(chart)
    # The worker gets no egress from it: the library's default deny still holds for it.
    assert reachable(manifests) == {("api", "acme-web", 8080), ("acme-web", "db", 5432)}
    library = {"default-deny", "allow-dns", "db", "web", "api", "worker"}
    extra = [m for m in manifests if m["kind"] == "NetworkPolicy" and m["metadata"]["name"] not in library]
    assert [m["spec"]["podSelector"] for m in extra] == [{"matchLabels": dict(adopted.selector_labels)}] * 2
    assert sorted(m["spec"]["policyTypes"][0] for m in extra) == ["Egress", "Ingress"]


def test_kplus_default_allow_from_writes_egress_on_every_peer_pod() -> None:
    # The pitfall (docs/adopting-a-cdk8s-workload.md): without isolation=POD, kplus also writes
    # an egress policy on the peer pods; with a part-of peer, every pod of the port gets it.
    chart, _ = _graph()
    peers = kplus.Pods.select(chart, "Everyone", labels={"app.kubernetes.io/part-of": "acme"})
    web = chart.node.find_child("Web")
    assert isinstance(web, kplus.Deployment)
    web.connections.allow_from(peers, ports=[kplus.NetworkPolicyPort.tcp(8080)])
    chart.add_network_policies()
    manifests = synth(chart)
    widened = reachable(manifests) - {("api", "acme-web", 8080), ("acme-web", "db", 5432)}
    assert widened == {("db", "acme-web", 8080), ("worker", "acme-web", 8080)}
    egress_by_kplus = [
        m["spec"]["podSelector"]
        for m in manifests
        if m["kind"] == "NetworkPolicy" and m["metadata"]["name"].startswith("allowegress")
    ]
    assert egress_by_kplus == [{"matchLabels": {"app.kubernetes.io/part-of": "acme"}}]


# -- foreign objects and bad adoptions -------------------------------------------------------


def test_a_kplus_workload_passed_as_a_dependency_names_the_adapter() -> None:
    chart = _chart()
    web = _kplus_web(chart)
    with pytest.raises(
        ValueError, match=rf"^acme/Api: depends_on takes components, got Deployment acme/Web; {ADAPTER_HINT}$"
    ):
        _workload(chart, "api", 8000, depends_on=(web,))
    with pytest.raises(
        ValueError, match=rf"^acme/Api: after takes components, got Deployment acme/Web; {ADAPTER_HINT}$"
    ):
        _workload(chart, "api", 8000, after=(web,))
    with pytest.raises(ValueError, match=rf"connects_to takes components, got Deployment acme/Web; {ADAPTER_HINT}$"):
        AdoptedWorkload(chart, "Other", workload=_kplus_web(cdk8s.Chart(chart, "c")), connects_to=(web,))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=rf"components takes components, got Deployment acme/Web; {ADAPTER_HINT}$"):
        GraphNetworkPolicies(chart, "Policies", GraphNetworkPoliciesProps(components=(web,)))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"waits_for takes components, got str 'redis'; pass the component object"):
        _workload(chart, "api", 8000, waits_for=("redis",))
    assert chart.node.try_find_child("Api") is None  # refused before joining the tree


def test_adopting_something_that_is_not_a_workload_is_refused_in_one_line() -> None:
    chart = _chart()
    with pytest.raises(
        ValueError, match=r"^acme/X: workload must be a cdk8s-plus-27 workload or an L1 ApiObject, got str"
    ):
        AdoptedWorkload(chart, "X", workload="web")  # type: ignore[arg-type]
    config = kplus.ConfigMap(chart, "Config", data={"a": "b"})
    with pytest.raises(
        ValueError,
        match=r"^acme/X: workload is a ConfigMap, which has no pod selector to adopt; adopt one of Deployment",
    ):
        AdoptedWorkload(chart, "X", workload=config)
    db = _workload(chart, "db", 5432)
    with pytest.raises(
        ValueError, match=r"^acme/X: workload: acme/Db is already a component; pass it to the edges directly$"
    ):
        AdoptedWorkload(chart, "X", workload=db)


def test_a_service_of_other_pods_is_refused() -> None:
    chart = _chart()
    web = _kplus_web(chart)
    other = kplus.Deployment(chart, "Other", containers=[kplus.ContainerProps(image="nginx:1.27.3", port_number=80)])
    service = other.expose_via_service(name="other")
    with pytest.raises(
        ValueError,
        match=r"^acme/X: service other selects .*, not the pods of workload acme-web .*; pass the Service of this workload$",
    ):
        AdoptedWorkload(chart, "X", workload=web, service=service)


def test_a_workload_in_another_namespace_is_refused() -> None:
    chart = _chart()
    elsewhere = cdk8s.Chart(chart.node.scope, "elsewhere", namespace="other")  # type: ignore[arg-type]
    web = _kplus_web(elsewhere)
    with pytest.raises(
        ValueError,
        match=r"^acme/X: workload elsewhere-web-[0-9a-f]+ is in namespace 'other', the adapter in 'acme'; create the AdoptedWorkload in the chart",
    ):
        AdoptedWorkload(chart, "X", workload=web)


def test_a_conflicting_sync_wave_and_a_portless_workload_are_refused() -> None:
    chart = _chart()
    web = _kplus_web(chart)
    cdk8s.ApiObject.of(web).metadata.add_annotation("argocd.argoproj.io/sync-wave", "-1")
    with pytest.raises(
        ValueError,
        match=r"is annotated argocd.argoproj.io/sync-wave='-1', its place in the graph gives wave 1; remove the annotation$",
    ):
        AdoptedWorkload(chart, "X", workload=web)
    bare = kplus.Deployment(chart, "Bare", containers=[kplus.ContainerProps(image="nginx:1.27.3")])
    with pytest.raises(
        ValueError,
        match=r"declares no container port and no service was given; declare the port it listens on, or pass service=$",
    ):
        AdoptedWorkload(chart, "Y", workload=bare)


def test_credentials_and_properties_reach_the_dependents_wiring() -> None:
    chart = _chart()
    web = _kplus_web(chart)
    adopted = AdoptedWorkload(
        chart,
        "WebAdopted",
        workload=web,
        name="search",
        properties={"index": "docs"},
        credentials={"password": SecretKeyRef(name="search", key="password")},
    )
    api = _workload(
        chart,
        "api",
        8000,
        connects_to=(adopted,),
        wiring_overrides={"search": {"index": "SEARCH_INDEX", "password": "SEARCH_PASSWORD"}},
    )
    env = env_of(container(one(synth(chart), "Deployment", "api"), "api"))
    assert env["SEARCH_INDEX"] == "docs"
    assert env["SEARCH_PASSWORD"] == {"secretKeyRef": {"name": "search", "key": "password"}}
    assert api.wired[0][0] == "SEARCH_INDEX"


def test_the_documented_example_opens_exactly_its_edges_and_shows_the_real_error() -> None:
    text = DOC.read_text()
    example = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert example is not None
    scope: dict[str, Any] = {}
    exec(compile(example.group(1), str(DOC), "exec"), scope)  # noqa: S102  (the doc's own example)
    chart = scope["chart"]
    manifests = synth(chart)
    assert reachable(manifests) == {("api", "shop-web", 8080), ("shop-web", "db", 5432)}
    assert env_of(container(one(manifests, "Deployment", "api"), "api"))["WEB_URL"] == "http://web:80"
    # The page shows the error tools/docs/outputs.py makes on each build: the same as the page's own example's.
    assert '--8<-- "build/docs-snippets/adopt-foreign-object-error.txt"' in text
    from tools.docs import outputs

    shown = outputs.adopt_outputs()["adopt-foreign-object-error.txt"]
    with pytest.raises(ValueError) as refused:
        Workload(chart, "Api", WorkloadProps(name="api", image="acme/api:1.2.3", depends_on=(scope["web"],)))
    assert f"{refused.value}\n" == shown


@pytest.mark.parametrize(
    ("field", "build"),
    [
        ("target", lambda web: IngressRoute(host="shop.example.com", target=web)),
        (
            "target",
            lambda web: PostSyncCheckProps(
                name="check", image="acme/check:1.0.0", script="true", description="web answers", target=web
            ),
        ),
        ("component", lambda web: ComponentServiceMonitorProps(component=web, port="http")),
        ("database", lambda web: PgDumpBackupProps(database=web, image="postgres:17.6")),
    ],
)
def test_every_prop_that_takes_a_component_names_the_adapter_for_a_kplus_workload(
    field: str, build: Callable[[kplus.Deployment], object]
) -> None:
    web = _kplus_web(_chart())
    with pytest.raises(ValueError, match=rf"^{field} takes components, got Deployment acme/Web; {ADAPTER_HINT}$"):
        build(web)


def test_an_ingress_routes_to_the_adopted_workloads_service() -> None:
    chart = _chart()
    web = _kplus_web(chart)
    service = web.expose_via_service(name="web-svc", ports=[kplus.ServicePort(name="http", port=80, target_port=8080)])
    adopted = AdoptedWorkload(chart, "WebAdopted", workload=web, service=service, name="web")
    TlsIngress(
        chart, "Ingress", TlsIngressProps(name="shop", routes=(IngressRoute(host="shop.example.com", target=adopted),))
    )
    rule = one(synth(chart), "Ingress", "shop")["spec"]["rules"][0]
    assert rule["http"]["paths"][0]["backend"] == {"service": {"name": "web-svc", "port": {"name": "http"}}}


def test_a_kplus_statefulset_is_adopted_through_its_headless_service() -> None:
    chart = _chart()
    db = _workload(chart, "db", 5432)
    store = kplus.StatefulSet(
        chart, "Store", containers=[kplus.ContainerProps(name="store", image="acme/store:2.1.0", port_number=7000)]
    )
    adopted = AdoptedWorkload(
        chart, "StoreAdopted", workload=store, service=store.service, name="store", waits_for=(db,)
    )
    _workload(chart, "api", 8000, depends_on=(adopted,))
    chart.add_network_policies()
    manifests = synth(chart)
    assert adopted.endpoint.host == store.service.name
    assert [c["name"] for c in pod_spec(one(manifests, "StatefulSet"))["initContainers"]] == ["wait-for-db"]
    assert reachable(manifests) == {("api", "acme-store", 7000), ("acme-store", "db", 5432)}


def test_the_name_graph_refuses_an_object_where_a_name_belongs() -> None:
    web = _kplus_web(_chart())
    with pytest.raises(
        ValueError, match=r"^GraphNode.after names components by name, got Deployment .*; give its name"
    ):
        GraphNode(after=(web,))  # type: ignore[arg-type]
