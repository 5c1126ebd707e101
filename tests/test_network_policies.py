"""NetworkPolicies derived from the graph: the reachability matrix, and the construct.

The matrix and the policy properties are checked on the synthesized frozen fixture
``tests/environments/reference.yaml`` (a copy of dev-meta), never on today's values of
``environments/dev-meta.yaml`` or its ``dist/`` folder: a routine edit of a real environment
file must not break a test (``test_dist`` checks that ``dist/`` is a fresh synth).
"""

from __future__ import annotations

import copy
import functools
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

import main
from aipp_constructs.checks.reachability import Pod, allowed, reachability, workload_pods

#: The frozen fixture the matrix below is the matrix of.
REFERENCE = Path(__file__).resolve().parent / "environments" / "reference.yaml"
DATA = {"pgvector": 5432, "redis": 6379, "rabbitmq": 5672}
WORKERS = ["enai-data-processor", "enai-linker", "enai-scheduler"]
#: Pods of other namespaces, to prove that nothing outside reaches in.
OUTSIDERS = [
    Pod("ingress-controller", "kube-system", {"app.kubernetes.io/name": "rke2-ingress-nginx"}),
    Pod("prometheus", "monitoring", {"app.kubernetes.io/name": "prometheus"}),
    Pod("stranger", "default", {"app.kubernetes.io/name": "enai-backend", "app.kubernetes.io/part-of": "aipp"}),
]

#: The expected matrix for the reference fixture: exactly the graph's edges, on the provider's main port;
#: the ingress controller to what the Ingress routes to; Prometheus to metrics ports only.
EXPECTED = {
    *(("enai-backend", data, port) for data, port in DATA.items()),
    *((worker, data, port) for worker in WORKERS for data, port in DATA.items()),
    *((worker, "enai-backend", 8080) for worker in WORKERS),
    ("enai-front", "enai-backend", 8080),
    ("ingress-controller", "enai-front", 3000),
    *(("prometheus", spring, 8080) for spring in ["enai-backend", "enai-data-processor", "enai-scheduler"]),
    ("prometheus", "rabbitmq", 15692),
    # The metrics exporters beside PostgreSQL and Redis (monitoring.exporters).
    ("prometheus", "pgvector", 9187),
    ("prometheus", "redis", 9121),
    # The nightly dump and the PostSync checks are graph nodes too: each reaches what it reads.
    ("pgvector-backup", "pgvector", 5432),
    ("verify-pgvector", "pgvector", 5432),
    *((f"verify-{spring}", spring, 8080) for spring in ["enai-backend", "enai-data-processor", "enai-scheduler"]),
    ("verify-enai-front", "enai-front", 3000),
}


def _env_data() -> dict[str, Any]:
    """The reference fixture as plain data, to be changed and written under another name."""
    data: dict[str, Any] = yaml.safe_load(REFERENCE.read_text())
    return data


@functools.cache
def _reference_text() -> str:
    from aipp_constructs.aipp import load_environment

    with tempfile.TemporaryDirectory() as outdir:
        return main.build_app(load_environment(REFERENCE), outdir).synth_yaml()


def _manifests() -> list[dict[str, Any]]:
    """Every object of the synthesized reference fixture: a fresh copy, free to mutate."""
    return [d for d in yaml.safe_load_all(_reference_text()) if d]


def test_reference_reachability_is_exactly_the_graph() -> None:
    matrix = reachability(_manifests(), OUTSIDERS)
    assert matrix == EXPECTED
    # Spelled out, the examples of the issue:
    assert ("enai-front", "pgvector", 5432) not in matrix
    outside = {(source, target, port) for source, target, port in matrix if source in {o.name for o in OUTSIDERS}}
    # Nothing outside the namespace reaches the data tier, except Prometheus on the metrics ports:
    # RabbitMQ's own and the exporters'; never a server's port.
    assert {e for e in outside if e[1] in DATA} == {
        ("prometheus", "rabbitmq", 15692),
        ("prometheus", "pgvector", 9187),
        ("prometheus", "redis", 9121),
    }
    assert not any(source == "stranger" for source, _, _ in outside)


def _rules(manifests: list[dict[str, Any]]) -> list[tuple[int, str, int]]:
    """(document index, "ingress"/"egress", rule index) of every rule of every policy."""
    return [
        (i, key, j)
        for i, m in enumerate(manifests)
        if m["kind"] == "NetworkPolicy"
        for key in ("ingress", "egress")
        for j, _ in enumerate(m["spec"].get(key) or [])
    ]


def test_every_policy_rule_matters() -> None:
    """Removing any single rule changes what may talk to what (or breaks DNS or telemetry)."""
    manifests = _manifests()
    baseline = reachability(manifests, OUTSIDERS)
    dns = Pod("coredns", "kube-system", {"k8s-app": "kube-dns"}, ((53, "UDP"), (53, "TCP")))
    collector = Pod("collector", "observability", {"app": "otel"}, ((4318, "TCP"),))
    pods = workload_pods(manifests)

    def outward(ms: list[dict[str, Any]]) -> set[tuple[str, str]]:
        policies = [m for m in ms if m["kind"] == "NetworkPolicy"]
        return {
            (pod.name, target.name)
            for pod in pods
            for target, port, protocol in ((dns, 53, "UDP"), (dns, 53, "TCP"), (collector, 4318, "TCP"))
            if allowed(policies, pod, target, port, protocol)
        }

    baseline_out = outward(manifests)
    rules = _rules(manifests)
    assert len(rules) > 20
    for i, key, j in rules:
        mutated = copy.deepcopy(manifests)
        del mutated[i]["spec"][key][j]
        changed = reachability(mutated, OUTSIDERS) != baseline or outward(mutated) != baseline_out
        assert changed, f"rule {key}[{j}] of NetworkPolicy {manifests[i]['metadata']['name']} is redundant"


def test_the_reachability_test_notices_a_removed_rule() -> None:
    """The mutated copy the acceptance asks for: drop backend's egress to pgvector."""
    manifests = _manifests()
    backend = next(m for m in manifests if m["kind"] == "NetworkPolicy" and m["metadata"]["name"] == "enai-backend")
    backend["spec"]["egress"] = [rule for rule in backend["spec"]["egress"] if rule["ports"][0]["port"] != 5432]
    assert reachability(manifests, OUTSIDERS) == EXPECTED - {("enai-backend", "pgvector", 5432)}


def test_dns_and_collector_egress_for_every_pod_and_collector_only_for_services() -> None:
    manifests = _manifests()
    policies = [m for m in manifests if m["kind"] == "NetworkPolicy"]
    dns = Pod("coredns", "kube-system", {"k8s-app": "kube-dns"})
    collector = Pod("collector", "observability", {})
    for pod in workload_pods(manifests):
        assert allowed(policies, pod, dns, 53, "UDP") and allowed(policies, pod, dns, 53, "TCP"), pod.name
        assert allowed(policies, pod, collector, 4318) == pod.name.startswith("enai-"), pod.name
        assert not allowed(policies, pod, Pod("internet", "default", {}), 443), pod.name


def test_a_disabled_linker_leaves_no_rule_behind(tmp_path: Any) -> None:
    data = _env_data()
    data["components"]["enai-linker"] = {"enabled": False}
    path = tmp_path / "no-gpu.yaml"
    path.write_text(yaml.safe_dump(data))
    from aipp_constructs.aipp import load_environment

    text = main.build_app(load_environment(path), str(tmp_path / "out")).synth_yaml()
    manifests = [d for d in yaml.safe_load_all(text) if d]
    assert "linker" not in text
    assert reachability(manifests, OUTSIDERS) == {e for e in EXPECTED if "enai-linker" not in e}


def test_match_expressions_are_refused_rather_than_guessed() -> None:
    policy = {
        "kind": "NetworkPolicy",
        "metadata": {"name": "x", "namespace": "a"},
        "spec": {"podSelector": {"matchExpressions": [{"key": "k", "operator": "Exists"}]}, "policyTypes": ["Ingress"]},
    }
    with pytest.raises(ValueError, match="matchExpressions"):
        allowed([policy], Pod("s", "a", {}), Pod("t", "a", {}), 80)


# -- the construct ------------------------------------------------------------------------------


def _chain() -> tuple[Any, Any, Any]:
    from conftest import new_chart

    from aipp_constructs import RedisCache, RedisCacheProps, SecretKeyRef, WaitPolicy, WebFrontend, WebFrontendProps

    chart = new_chart()
    redis = RedisCache(
        chart,
        "Redis",
        RedisCacheProps(image="registry.example.com/library/redis:7.2.7", password=SecretKeyRef(name="r", key="p")),
    )
    web = WebFrontend(
        chart,
        "Web",
        WebFrontendProps(
            name="web",
            image="registry.example.com/app/web:v1.0.0",
            depends_on=(redis,),
            wait=WaitPolicy(image="registry.example.com/library/busybox:1.37.0"),
        ),
    )
    return chart, redis, web


def test_construct_opens_the_edge_both_ways_and_only_the_main_port() -> None:
    from conftest import synth

    from aipp_constructs import ExternalPeer, GraphNetworkPolicies, GraphNetworkPoliciesProps

    chart, redis, web = _chain()
    peer = ExternalPeer(namespace="observability", ports=(4318,))
    GraphNetworkPolicies(
        chart,
        "Policies",
        GraphNetworkPoliciesProps(components=(redis, web), egress={"web": (peer,)}, labels={"team": "a"}),
    )
    manifests = synth(chart)
    policies = {m["metadata"]["name"]: m for m in manifests if m["kind"] == "NetworkPolicy"}
    assert sorted(policies) == ["allow-dns", "default-deny", "redis", "web"]
    assert all(p["metadata"]["annotations"] == {"argocd.argoproj.io/sync-wave": "0"} for p in policies.values())
    assert all(p["metadata"]["labels"] == {"team": "a"} for p in policies.values())
    assert policies["redis"]["spec"]["ingress"] == [
        {
            "from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "web"}}}],
            "ports": [{"port": 6379, "protocol": "TCP"}],
        }
    ]
    assert "egress" not in policies["redis"]["spec"]
    assert policies["web"]["spec"]["egress"] == [
        {
            "ports": [{"port": 6379, "protocol": "TCP"}],
            "to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "redis"}}}],
        },
        {
            "ports": [{"port": 4318, "protocol": "TCP"}],
            "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}}}],
        },
    ]
    assert reachability(manifests) == {("web", "redis", 6379)}


def test_an_edge_to_a_component_not_passed_opens_nothing() -> None:
    from conftest import synth

    from aipp_constructs import GraphNetworkPolicies, GraphNetworkPoliciesProps

    chart, _redis, web = _chain()
    GraphNetworkPolicies(chart, "Policies", GraphNetworkPoliciesProps(components=(web,)))
    manifests = synth(chart)
    assert (
        "egress"
        not in next(m for m in manifests if m["metadata"]["name"] == "web" and m["kind"] == "NetworkPolicy")["spec"]
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"namespace": "Bad_NS", "ports": (1,)}, "namespace must be a DNS-1123 label"),
        ({"ports": (1,)}, "exactly one of namespace and cidr must be set, got namespace None and cidr None"),
        ({"namespace": "a", "cidr": "10.0.0.0/8", "ports": (1,)}, "exactly one of namespace and cidr must be set"),
        (
            {"cidr": "10.0.0.0/33", "ports": (1,)},
            "cidr must be an address range like '10.20.0.0/16', got '10.0.0.0/33'",
        ),
        ({"cidr": "10.0.0.0/8", "pod_labels": {"a": "b"}, "ports": (1,)}, "pod_labels only apply with namespace"),
        ({"namespace": "a", "ports": ()}, "ports must list at least one port, got ()"),
        ({"namespace": "a", "ports": (70000,)}, "ports[] must be"),
        ({"namespace": "a", "ports": (53,), "protocols": ("SCTP",)}, "protocols must be TCP and/or UDP, got ('SCTP',)"),
    ],
)
def test_external_peer_validation(kwargs: dict[str, Any], message: str) -> None:
    from aipp_constructs import ExternalPeer

    with pytest.raises(ValueError, match=re.escape(message)):
        ExternalPeer(**kwargs)


def test_a_component_without_an_endpoint_accepts_no_connection_and_reaches_its_dependencies() -> None:
    from conftest import synth

    from aipp_constructs import Component, GraphNetworkPolicies, GraphNetworkPoliciesProps

    chart, redis, _web = _chain()
    worker = Component(chart, "Worker", name="worker", component="worker", version="1", depends_on=(redis,))
    GraphNetworkPolicies(chart, "Policies", GraphNetworkPoliciesProps(components=(redis, worker)))
    policies = {m["metadata"]["name"]: m for m in synth(chart) if m["kind"] == "NetworkPolicy"}
    assert policies["worker"]["spec"] == {
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "worker"}},
        "policyTypes": ["Ingress", "Egress"],
        "egress": [
            {
                "to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "redis"}}}],
                "ports": [{"port": 6379, "protocol": "TCP"}],
            }
        ],
    }
    assert policies["redis"]["spec"]["ingress"] == [
        {
            "from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "worker"}}}],
            "ports": [{"port": 6379, "protocol": "TCP"}],
        }
    ]


@pytest.mark.parametrize("protocols", [("TCP", "SCTP"), ("SCTP", "UDP"), ("UDP", "tcp")])
def test_external_peer_refuses_a_protocol_list_with_one_unknown_protocol(protocols: tuple[str, ...]) -> None:
    from aipp_constructs import ExternalPeer

    with pytest.raises(ValueError, match=re.escape(f"protocols must be TCP and/or UDP, got {protocols!r}")):
        ExternalPeer(namespace="a", ports=(53,), protocols=protocols)  # type: ignore[arg-type]


@pytest.mark.parametrize("protocols", [("TCP",), ("UDP",), ("UDP", "TCP")])
def test_external_peer_accepts_tcp_and_udp_alone_or_together(protocols: tuple[str, ...]) -> None:
    from aipp_constructs import ExternalPeer

    peer = ExternalPeer(namespace="a", ports=(53,), protocols=protocols)  # type: ignore[arg-type]
    assert peer.policy_ports() == [{"port": 53, "protocol": protocol} for protocol in protocols]


def test_default_dns_peer_is_kube_dns_in_kube_system_on_53_udp_and_tcp() -> None:
    from conftest import synth

    from aipp_constructs import ExternalPeer, GraphNetworkPolicies, GraphNetworkPoliciesProps

    chart, redis, web = _chain()
    props = GraphNetworkPoliciesProps(components=(redis, web))
    assert props.dns == ExternalPeer(
        namespace="kube-system", pod_labels={"k8s-app": "kube-dns"}, ports=(53,), protocols=("UDP", "TCP")
    )
    GraphNetworkPolicies(chart, "Policies", props)
    policies = {m["metadata"]["name"]: m for m in synth(chart) if m["kind"] == "NetworkPolicy"}
    assert policies["allow-dns"]["spec"] == {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [
            {
                "to": [
                    {
                        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                    }
                ],
                "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
            }
        ],
    }
    assert policies["default-deny"]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert {(p["apiVersion"], p["metadata"]["namespace"]) for p in policies.values()} == {
        ("networking.k8s.io/v1", "test")
    }


@pytest.mark.parametrize("direction", ["egress", "ingress"])
def test_extra_peers_for_an_unknown_component_are_refused(direction: str) -> None:
    from aipp_constructs import ExternalPeer, GraphNetworkPoliciesProps

    _chart, redis, web = _chain()
    peers = {"wbe": (ExternalPeer(namespace="a", ports=(1,)),)}
    unknown: dict[str, Any] = {direction: peers}
    with pytest.raises(ValueError, match=f"^{direction} names 'wbe', which is not a component; known: redis, web$"):
        GraphNetworkPoliciesProps(components=(redis, web), **unknown)
    # A component's own name is accepted in either direction.
    own: dict[str, Any] = {direction: {"web": peers["wbe"]}}
    props = GraphNetworkPoliciesProps(components=(redis, web), **own)
    assert getattr(props, direction) == {"web": peers["wbe"]}


def _env_with(tmp_path: Any, name: str, **sections: Any) -> Any:
    data = _env_data()
    for key, value in sections.items():
        parent, _, child = key.partition(".")
        if child:
            data[parent][child] = value
        else:
            data[parent] = value
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    from aipp_constructs.aipp import load_environment

    return load_environment(path)


def test_declared_egress_is_the_only_further_way_out(tmp_path: Any) -> None:
    egress = {"enai-linker": [{"cidr": "203.0.113.0/24", "ports": [443]}, {"namespace": "models", "ports": [9000]}]}
    env = _env_with(tmp_path, "reference", **{"network.egress": egress})
    text = main.build_app(env, str(tmp_path / "out")).synth_yaml()
    policy = next(
        d
        for d in yaml.safe_load_all(text)
        if d and d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "enai-linker"
    )
    assert policy["spec"]["egress"][-2:] == [
        {"ports": [{"port": 443, "protocol": "TCP"}], "to": [{"ipBlock": {"cidr": "203.0.113.0/24"}}]},
        {
            "ports": [{"port": 9000, "protocol": "TCP"}],
            "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "models"}}}],
        },
    ]
    policies = [d for d in yaml.safe_load_all(text) if d and d["kind"] == "NetworkPolicy"]
    models = Pod("minio", "models", {}, ((9000, "TCP"),))
    pods = {p.name: p for p in workload_pods([d for d in yaml.safe_load_all(text) if d])}
    assert [name for name, pod in pods.items() if allowed(policies, pod, models, 9000)] == ["enai-linker"]


def test_declared_egress_of_a_disabled_component_goes_with_it_and_unknown_names_are_refused(tmp_path: Any) -> None:
    from aipp_constructs import ConfigError

    egress = {"enai-linker": [{"cidr": "203.0.113.0/24", "ports": [443]}]}
    env = _env_with(tmp_path, "no-gpu", **{"network.egress": egress, "components.enai-linker": {"enabled": False}})
    text = main.build_app(env, str(tmp_path / "out")).synth_yaml()
    assert "203.0.113.0" not in text and "linker" not in text
    with pytest.raises(ConfigError, match=r"typo\.yaml:\d+: network\.egress\.enai-lnker: is not a component"):
        _env_with(tmp_path, "typo", **{"network.egress": {"enai-lnker": egress["enai-linker"]}})  # by the parser
    # The chart's own check, reached when the parser is bypassed.
    env = _env_with(tmp_path, "typo", **{"network.egress": egress})
    network = env.network.model_copy(update={"egress": {"enai-lnker": env.network.egress["enai-linker"]}})
    with pytest.raises(ConfigError, match=r"typo\.yaml: network\.egress: names 'enai-lnker', which is not a component"):
        main.build_app(env.model_copy(update={"network": network}), str(tmp_path / "out2"))


# -- address ranges with exceptions -------------------------------------------------------------


def test_except_cidrs_reach_the_ipblock_and_internet_excepts_private_and_cluster_ranges() -> None:
    from conftest import synth

    from aipp_constructs import (
        PRIVATE_AND_CLUSTER_RANGES,
        ExternalPeer,
        GraphNetworkPolicies,
        GraphNetworkPoliciesProps,
    )

    chart, redis, web = _chain()
    carved = ExternalPeer(
        cidr="10.0.0.0/8", except_cidrs=("10.42.0.0/16", "10.43.0.0/16"), ports=(8443,), protocols=("TCP", "UDP")
    )
    GraphNetworkPolicies(
        chart,
        "Policies",
        GraphNetworkPoliciesProps(
            components=(redis, web),
            egress={"web": (ExternalPeer.internet(ports=(443, 80)), carved)},
            ingress={"web": (ExternalPeer(cidr="fd00::/8", except_cidrs=("fd00:1::/32",), ports=(3000,)),)},
        ),
    )
    policies = {m["metadata"]["name"]: m for m in synth(chart) if m["kind"] == "NetworkPolicy"}
    web_spec = policies["web"]["spec"]
    assert web_spec["egress"][-2:] == [
        {
            "ports": [{"port": 443, "protocol": "TCP"}, {"port": 80, "protocol": "TCP"}],
            "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE_AND_CLUSTER_RANGES)}}],
        },
        {
            "ports": [{"port": 8443, "protocol": "TCP"}, {"port": 8443, "protocol": "UDP"}],
            "to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.42.0.0/16", "10.43.0.0/16"]}}],
        },
    ]
    assert web_spec["ingress"] == [
        {
            "from": [{"ipBlock": {"cidr": "fd00::/8", "except": ["fd00:1::/32"]}}],
            "ports": [{"port": 3000, "protocol": "TCP"}],
        }
    ]
    # Without exceptions the ipBlock stays as before: no empty "except" list.
    assert ExternalPeer(cidr="203.0.113.0/24", ports=(443,)).peer() == {
        "ipBlock": {"cidr": "203.0.113.0/24", "except": None}
    }


def test_internet_is_ipv4_everything_except_the_private_and_cluster_ranges() -> None:
    from aipp_constructs import PRIVATE_AND_CLUSTER_RANGES, ExternalPeer

    assert PRIVATE_AND_CLUSTER_RANGES == (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "169.254.0.0/16",
        "127.0.0.0/8",
    )
    peer = ExternalPeer.internet((443,))
    assert peer == ExternalPeer(cidr="0.0.0.0/0", except_cidrs=PRIVATE_AND_CLUSTER_RANGES, ports=(443,))
    assert ExternalPeer.internet([53], protocols=("UDP",)).protocols == ("UDP",)
    assert ExternalPeer.internet([53], protocols=("UDP",)).ports == (53,)
    with pytest.raises(ValueError, match=re.escape("ports must list at least one port, got ()")):
        ExternalPeer.internet(())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"namespace": "a", "except_cidrs": ("10.0.0.0/8",), "ports": (1,)},
            "except_cidrs only apply with cidr, got ('10.0.0.0/8',) with namespace 'a'; "
            "remove except_cidrs, or give a cidr instead of the namespace",
        ),
        (
            {"cidr": "10.0.0.0/16", "except_cidrs": ("10.1.0.0/24",), "ports": (1,)},
            "except_cidrs[] must be strictly inside cidr '10.0.0.0/16', got '10.1.0.0/24', which is not; "
            "except only ranges inside cidr, or widen cidr",
        ),
        (
            {"cidr": "10.0.0.0/16", "except_cidrs": ("10.0.0.0/8",), "ports": (1,)},
            "except_cidrs[] must be strictly inside cidr '10.0.0.0/16', got '10.0.0.0/8', which is not",
        ),
        (
            {"cidr": "10.0.0.0/16", "except_cidrs": ("10.0.0.0/16",), "ports": (1,)},
            "except_cidrs[] must be strictly inside cidr '10.0.0.0/16', got '10.0.0.0/16', which is all of it; "
            "drop the peer instead",
        ),
        (
            {"cidr": "0.0.0.0/0", "except_cidrs": ("fd00::/8",), "ports": (1,)},
            "except_cidrs[] must be of the IP version of cidr '0.0.0.0/0' (IPv4), got 'fd00::/8' (IPv6); "
            "use a separate peer for the other version",
        ),
        (
            {"cidr": "::/0", "except_cidrs": ("10.0.0.0/8",), "ports": (1,)},
            "except_cidrs[] must be of the IP version of cidr '::/0' (IPv6), got '10.0.0.0/8' (IPv4)",
        ),
        (
            {"cidr": "0.0.0.0/0", "except_cidrs": ("10.0.0.1/8",), "ports": (1,)},
            "except_cidrs[] must be a network like '10.0.0.0/8', got '10.0.0.1/8'; "
            "host bits are set after the prefix, write the network address '10.0.0.0/8'",
        ),
        (
            {"cidr": "0.0.0.0/0", "except_cidrs": ("private",), "ports": (1,)},
            "except_cidrs[] must be a network like '10.0.0.0/8', got 'private'; "
            "write an address and a prefix length, e.g. '10.0.0.0/8'",
        ),
        (
            {"cidr": "0.0.0.0/0", "except_cidrs": (167772160,), "ports": (1,)},
            "except_cidrs[] must be a network like '10.0.0.0/8', got 167772160",
        ),
        (
            {"cidr": "0.0.0.0/0", "except_cidrs": "10.0.0.0/8", "ports": (1,)},
            "except_cidrs must be a tuple of address ranges, got '10.0.0.0/8'; write e.g. ('10.0.0.0/8',)",
        ),
        (
            {"cidr": "0.0.0.0/0", "except_cidrs": {"10.0.0.0/8"}, "ports": (1,)},
            "except_cidrs must be a tuple of address ranges, got {'10.0.0.0/8'}; write e.g. ('10.0.0.0/8',)",
        ),
    ],
)
def test_except_cidrs_validation(kwargs: dict[str, Any], message: str) -> None:
    from aipp_constructs import ExternalPeer

    with pytest.raises(ValueError, match=re.escape(message)):
        ExternalPeer(**kwargs)


def test_except_cidrs_valid_edges() -> None:
    from aipp_constructs import ExternalPeer

    # A single address inside the range, and a range touching its start and its end.
    ExternalPeer(cidr="10.0.0.0/8", except_cidrs=("10.0.0.0/9", "10.255.255.255/32", "10.1.2.3/32"), ports=(1,))
    ExternalPeer(cidr="::/0", except_cidrs=("fc00::/7", "fe80::/10"), ports=(1,))
