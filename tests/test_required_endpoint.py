"""``required_endpoint``: a plain ``Workload`` (whose ``endpoint`` is ``Endpoint | None``) read
without an ``assert`` - typed ``Endpoint``, one line when it serves nothing."""

from __future__ import annotations

import typing

import pytest
from conftest import new_chart

from aipp_constructs import Component, Endpoint, IngressRoute, Port, Telemetry, Workload, WorkloadProps

IMAGE = "registry.example.com/acme/worker:1.0.0"


def _workload(name: str, ports: tuple[Port, ...]) -> Workload:
    return Workload(
        new_chart(), name.title(), WorkloadProps(name=name, image=IMAGE, ports=ports, telemetry=Telemetry(mode="off"))
    )


def test_a_workload_with_ports_gives_its_endpoint_typed_never_none() -> None:
    db = _workload("clickhouse", (Port(name="http", number=8123), Port(name="native", number=9000)))
    endpoint = db.required_endpoint
    assert endpoint is db.endpoint
    assert (endpoint.host, endpoint.port("native")) == ("clickhouse", 9000)
    assert typing.get_type_hints(Component.required_endpoint.fget)["return"] is Endpoint  # type: ignore[attr-defined]


def test_a_worker_without_ports_is_refused_in_one_line_naming_it() -> None:
    worker = _workload("worker", ())
    with pytest.raises(
        ValueError, match=r"^worker declares no ports, so it serves no endpoint; give it ports="
    ) as info:
        _ = worker.required_endpoint
    assert "\n" not in str(info.value)


def test_a_workload_exposing_none_of_its_ports_names_them() -> None:
    worker = _workload("worker", (Port(name="metrics", number=9100, expose=False),))
    with pytest.raises(ValueError, match=r"^worker exposes none of its ports \(metrics\); set expose=True"):
        _ = worker.required_endpoint


def test_a_bare_component_without_an_endpoint_is_refused_naming_it() -> None:
    chart = new_chart()
    bare = Component(chart, "Bare", name="bare", component="test", version="1")
    with pytest.raises(ValueError, match=r"^bare serves no endpoint \(Component test/Bare\); read endpoint"):
        _ = bare.required_endpoint
    bare.endpoint = Endpoint(host="bare", ports={"http": 80}, protocol="http")
    assert bare.required_endpoint.main_port == 80


def test_an_ingress_route_to_a_plain_workload_reads_it_through_the_typed_endpoint() -> None:
    web = _workload("web", (Port(name="http", number=3000),))
    route = IngressRoute(host="a.example.com", target=web)
    assert (route.service_name, route.port_number) == ("web", 3000)
