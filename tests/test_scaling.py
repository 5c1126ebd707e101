"""Synthesis scales with the graph: no construct dependency reaches cdk8s, so a deep chain
synthesizes (structural checks, not timings; figures come from `make bench`)."""

from __future__ import annotations

from conftest import new_chart, synth

from aipp_constructs import (
    GraphNetworkPolicies,
    GraphNetworkPoliciesProps,
    Port,
    Telemetry,
    WaitPolicy,
    Workload,
    WorkloadProps,
)

IMAGE = "registry.example.com/acme/app:1.0.0"
WAIT = WaitPolicy(image="registry.example.com/library/busybox:1.37.0")


def test_a_60_deep_chain_synthesizes_in_graph_order() -> None:
    chart = new_chart()
    chain: list[Workload] = []
    for index in range(60):
        chain.append(
            Workload(
                chart,
                f"S{index}",
                WorkloadProps(
                    name=f"s{index}",
                    image=IMAGE,
                    ports=(Port(name="http", number=8080),),
                    depends_on=tuple(chain[-2:]),
                    wait=WAIT,
                    telemetry=Telemetry(mode="off"),
                ),
            )
        )
    GraphNetworkPolicies(chart, "Policies", GraphNetworkPoliciesProps(components=tuple(chain)))
    assert [c.node.path for c in chart.node.find_all() if c.node.dependencies] == []
    manifests = synth(chart)
    deployments = [m["metadata"]["name"] for m in manifests if m["kind"] == "Deployment"]
    assert deployments == [f"s{index}" for index in range(60)]
    assert chain[-1].wave == 60
    assert len([m for m in manifests if m["kind"] == "NetworkPolicy"]) == 62
