"""Edges added after both components exist: ``connect_to``, ``wait_for``, ``depend_on``.

Two services that call each other (Dify's api <-> plugin_daemon) are a mutual pair of
``connect_to`` edges: each side is wired to the other and the NetworkPolicies open each
direction on the target's main port, while start order (waves, waits) stays acyclic.
"""

from __future__ import annotations

from typing import Any

import cdk8s
import pytest
from conftest import container, env_of, one, pod_spec, synth
from constructs import Construct

from aipp_constructs import Port, PortChart, PortDefaults, Telemetry, WaitPolicy, Workload, WorkloadProps
from aipp_constructs.checks.reachability import reachability

WAIT = WaitPolicy(image="registry.example.com/library/busybox:1.37.0")
WAVE = "argocd.argoproj.io/sync-wave"


def _chart() -> PortChart:
    return PortChart(cdk8s.Testing.app(), "dify", PortDefaults(namespace="dify", part_of="dify", wait=WAIT))


def _service(chart: PortChart, name: str, port: int, **props: Any) -> Workload:
    return Workload(
        chart,
        name,
        WorkloadProps(
            name=name,
            image=f"registry.example.com/dify/{name}:1.13.0",
            ports=(Port(name="http", number=port),),
            telemetry=Telemetry(mode="off"),
            **props,
        ),
    )


def _pair() -> tuple[PortChart, Workload, Workload, Workload]:
    chart = _chart()
    db = _service(chart, "db", 5000)
    api = _service(chart, "api", 5001, depends_on=(db,))
    daemon = _service(chart, "plugin-daemon", 5002)
    return chart, db, api, daemon


def _workloads(manifests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == "Deployment"}


def test_a_mutual_pair_is_wired_both_ways_allowed_both_ways_and_nothing_else() -> None:
    chart, db, api, daemon = _pair()
    api.connect_to(daemon)
    daemon.connect_to(api)
    chart.add_network_policies()
    manifests = synth(chart)
    workloads = _workloads(manifests)
    api_env = env_of(container(workloads["api"], "api"))
    daemon_env = env_of(container(workloads["plugin-daemon"], "plugin-daemon"))
    assert api_env["PLUGIN_DAEMON_URL"] == "http://plugin-daemon:5002"
    assert api_env["DB_URL"] == "http://db:5000"  # the declared wiring is kept
    assert daemon_env["API_URL"] == "http://api:5001"
    assert "DB_URL" not in daemon_env
    # Least privilege: exactly the graph's edges, the mutual pair in each direction.
    assert reachability(manifests) == {
        ("api", "db", 5000),
        ("api", "plugin-daemon", 5002),
        ("plugin-daemon", "api", 5001),
    }
    assert api.reaches == (db, daemon) and daemon.reaches == (api,)


def test_connect_to_orders_nothing_waves_and_waits_unchanged() -> None:
    chart, _, api, daemon = _pair()
    before = {c.name: c.wave for c in chart.contained_components()}
    api.connect_to(daemon)
    daemon.connect_to(api)
    assert {c.name: c.wave for c in chart.contained_components()} == before == {"db": 1, "api": 2, "plugin-daemon": 1}
    workloads = _workloads(synth(chart))
    assert [c["name"] for c in pod_spec(workloads["api"])["initContainers"]] == ["wait-for-db"]
    assert "initContainers" not in pod_spec(workloads["plugin-daemon"])
    assert workloads["api"]["metadata"]["annotations"][WAVE] == "2"
    assert workloads["plugin-daemon"]["metadata"]["annotations"][WAVE] == "1"


def test_a_late_edge_takes_a_wiring_of_its_own() -> None:
    chart, _, api, daemon = _pair()
    api.connect_to(daemon, wiring={"url": "PLUGIN_DAEMON_ENDPOINT", "port": "PLUGIN_PORT"})
    api_env = env_of(container(_workloads(synth(chart))["api"], "api"))
    assert api_env["PLUGIN_DAEMON_ENDPOINT"] == "http://plugin-daemon:5002"
    assert api_env["PLUGIN_PORT"] == "5002"
    assert "PLUGIN_DAEMON_URL" not in api_env


def test_a_late_wait_for_an_earlier_wave_adds_the_wait_before_the_init_steps() -> None:
    chart = _chart()
    db = _service(chart, "db", 5000)
    cache = _service(chart, "cache", 6000)
    api = _service(chart, "api", 5001, depends_on=(db,))
    api.wait_for(cache)
    spec = pod_spec(_workloads(synth(chart))["api"])
    assert [c["name"] for c in spec["initContainers"]] == ["wait-for-db", "wait-for-cache"]
    assert "CACHE_URL" not in env_of(container(_workloads(synth(chart))["api"], "api"))
    assert api.wave == 2


def test_a_late_depends_on_closing_a_start_order_cycle_is_refused_naming_both() -> None:
    chart, db, api, _ = _pair()
    with pytest.raises(
        ValueError, match=r"^dify/db: depends_on: db cannot wait for api, which already starts after db"
    ):
        db.depend_on(api)
    # Nothing changed: no edge, no wiring, no wait.
    assert db.depends_on == () and db.reaches == ()
    assert "initContainers" not in pod_spec(_workloads(synth(chart))["db"])


def test_a_late_wait_that_would_move_a_wave_is_refused() -> None:
    _, _, api, daemon = _pair()
    with pytest.raises(ValueError, match=r"plugin-daemon \(wave 1\) cannot wait for api \(wave 2\).*use connect_to$"):
        daemon.wait_for(api)


def test_repeated_edges_are_refused_and_an_edge_after_the_network_policies_reaches_them() -> None:
    chart, _, api, daemon = _pair()
    api.connect_to(daemon)
    with pytest.raises(ValueError, match="api already connects to plugin-daemon; add it once"):
        api.connect_to(daemon)
    with pytest.raises(ValueError, match="api names itself"):
        api.connect_to(api)
    chart.add_network_policies()
    daemon.connect_to(api)  # the policies read the graph at synthesis
    assert one(synth(chart), "NetworkPolicy", "plugin-daemon")["spec"]["egress"] == [
        {
            "ports": [{"port": 5001, "protocol": "TCP"}],
            "to": [{"podSelector": {"matchLabels": dict(api.selector_labels)}}],
        }
    ]


def test_a_late_edge_to_a_foreign_object_names_the_adapter() -> None:
    chart, _, api, _ = _pair()
    with pytest.raises(ValueError, match=r"wrap it: AdoptedWorkload"):
        foreign: Any = Construct(chart, "Other")
        api.connect_to(foreign)


def test_a_late_edge_reaches_the_settings_config_map_and_rolls_the_pods() -> None:
    chart, _, api, daemon = _pair()
    worker = _service(chart, "worker", 5003, depends_on=(api,), settings_in_config_map=True)
    checksum = worker.workload.to_json()["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
    worker.connect_to(daemon)
    manifests = synth(chart)
    assert one(manifests, "ConfigMap", "worker-config")["data"] == {
        "API_URL": "http://api:5001",
        "PLUGIN_DAEMON_URL": "http://plugin-daemon:5002",
    }
    annotations = _workloads(manifests)["worker"]["spec"]["template"]["metadata"]["annotations"]
    assert annotations["checksum/config"] != checksum
    assert "PLUGIN_DAEMON_URL" not in env_of(container(_workloads(manifests)["worker"], "worker"))


def test_a_refused_late_wiring_changes_nothing() -> None:
    chart, _, api, daemon = _pair()
    with pytest.raises(ValueError, match=r"wiring sets DB_URL for both db and plugin-daemon"):
        api.connect_to(daemon, wiring={"url": "DB_URL"})
    assert api.connects_to == () and api.reaches == (api.depends_on[0],)
    assert "PLUGIN_DAEMON_URL" not in env_of(container(_workloads(synth(chart))["api"], "api"))
    api.connect_to(daemon)  # the refused call left no half-added edge behind
    assert env_of(container(_workloads(synth(chart))["api"], "api"))["PLUGIN_DAEMON_URL"] == "http://plugin-daemon:5002"


def test_an_adopted_cdk8s_plus_workload_takes_late_edges_wiring_and_waits_by_patches() -> None:
    import cdk8s_plus_27 as kplus

    from aipp_constructs import AdoptedWorkload

    chart = _chart()
    db = _service(chart, "db", 5000)
    web = kplus.Deployment(
        chart, "Web", containers=[kplus.ContainerProps(name="web", image="nginx:1.27.3", port_number=8080)]
    )
    service = web.expose_via_service(name="web", ports=[kplus.ServicePort(name="http", port=80, target_port=8080)])
    tcp = {"tcp": {"host": "{NAME}_HOST"}, "http": {"url": "{NAME}_URL"}}
    adopted = AdoptedWorkload(
        chart, "WebAdopted", workload=web, service=service, protocol="http", depends_on=(db,), wiring=tcp
    )
    api = _service(chart, "api", 5001, depends_on=(adopted,))
    cache = _service(chart, "cache", 6000)
    adopted.connect_to(api)  # the mutual pair: api already depends on web
    adopted.wait_for(cache)
    chart.add_network_policies()
    manifests = synth(chart)
    deployment = one(manifests, "Deployment", "dify-web")
    assert env_of(container(deployment, "web")) == {"DB_URL": "http://db:5000", "API_URL": "http://api:5001"}
    assert [c["name"] for c in pod_spec(deployment)["initContainers"]] == ["wait-for-db", "wait-for-cache"]
    assert reachability(manifests) == {
        ("api", "dify-web", 8080),
        ("dify-web", "db", 5000),
        ("dify-web", "api", 5001),
        ("dify-web", "cache", 6000),
    }


def test_a_bare_component_takes_a_late_connection_for_the_policies_only() -> None:
    from aipp_constructs import Component

    chart, db, _, daemon = _pair()
    probe = Component(chart, "Probe", name="probe", component="check", version="1", after=(db,))
    with pytest.raises(ValueError, match=r"^dify/Probe: waits_for: Component probe renders no start-up wait for db"):
        probe.wait_for(db)
    with pytest.raises(ValueError, match=r"Component probe renders no wiring, got wiring \{'url': 'X'\}"):
        probe.connect_to(db, wiring={"url": "X"})
    probe.connect_to(daemon)
    chart.add_network_policies()
    policy = one(synth(chart), "NetworkPolicy", "probe")["spec"]
    assert policy["egress"] == [
        {
            "ports": [{"port": 5002, "protocol": "TCP"}],
            "to": [{"podSelector": {"matchLabels": dict(daemon.selector_labels)}}],
        }
    ]
    assert probe.reaches == (daemon,)
