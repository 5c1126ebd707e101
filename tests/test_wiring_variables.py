"""One endpoint fact feeding several variables (``{"url": ("A_URL", "B_URL")}``) in a wiring
table, in ``wiring_overrides`` and in a late edge's ``wiring``; each variable set once."""

from __future__ import annotations

import re
from typing import Any

import cdk8s
import pytest
from conftest import container, env_of, synth

from aipp_constructs import (
    NAMED_WIRING,
    AdoptedWorkload,
    Endpoint,
    Port,
    PortChart,
    PortDefaults,
    SecretKeyRef,
    Telemetry,
    WebFrontend,
    WebFrontendProps,
    Workload,
    WorkloadProps,
    connection_env,
)
from aipp_constructs.core.wiring import Wiring, check_wiring

PASSWORD = SecretKeyRef(name="proxy-credentials", key="password")
PROXY = Endpoint(
    host="ssrf-proxy",
    ports={"http": 3128},
    properties={"url": "http://ssrf-proxy:3128"},
    credentials={"password": PASSWORD},
    protocol="http",
)
CACHE = Endpoint(host="cache", ports={"redis": 6379}, properties={"url": "redis://cache:6379"}, protocol="redis")


def test_a_tuple_sets_each_variable_from_the_fact_in_order() -> None:
    wiring: Wiring = {"http": {"url": ("SSRF_PROXY_HTTP_URL", "SSRF_PROXY_HTTPS_URL"), "password": "{NAME}_PASSWORD"}}
    assert connection_env([("ssrf-proxy", PROXY)], wiring) == [
        ("SSRF_PROXY_HTTP_URL", "http://ssrf-proxy:3128"),
        ("SSRF_PROXY_HTTPS_URL", "http://ssrf-proxy:3128"),
        ("SSRF_PROXY_PASSWORD", PASSWORD),
    ]


def test_an_override_may_give_a_fact_several_variables_with_the_name_placeholder() -> None:
    wired = connection_env([("ssrf-proxy", PROXY)], NAMED_WIRING, {"ssrf-proxy": {"url": ("{NAME}_HTTP", "HTTPS")}})
    assert wired == [("SSRF_PROXY_HTTP", "http://ssrf-proxy:3128"), ("HTTPS", "http://ssrf-proxy:3128")]


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"url": ()}, "w.http.url must be a variable name or a non-empty tuple of them, got ()"),
        ({"url": ["A", "B"]}, "w.http.url must be a variable name or a non-empty tuple of them, got ['A', 'B']"),
        ({"url": ("A", "1B")}, "w.http.url must be a variable name ([A-Za-z_][A-Za-z0-9_]*), got '1B'"),
        ({"url": ("A", "A")}, "w.http.url names a variable twice, got ('A', 'A'); name each once"),
    ],
    ids=["empty", "list", "bad-name", "twice"],
)
def test_a_bad_tuple_is_refused_in_one_line_naming_the_fact(facts: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        check_wiring("w", {"http": facts})
    with pytest.raises(ValueError, match="^wiring_overrides.proxy.url "):
        WorkloadProps(name="api", image="registry.example.com/a/api:1.0.0", wiring_overrides={"proxy": facts})


def test_each_variable_is_set_once_across_facts_and_dependencies() -> None:
    with pytest.raises(ValueError, match=r"^wiring.ssrf-proxy: sets PROXY from both url and password; give each"):
        connection_env([("ssrf-proxy", PROXY)], {"http": {"url": ("PROXY", "X"), "password": "PROXY"}})
    with pytest.raises(ValueError, match=r"^wiring sets SHARED_URL for both ssrf-proxy and cache; override the"):
        connection_env(
            [("ssrf-proxy", PROXY), ("cache", CACHE)],
            {"http": {"url": ("PROXY_URL", "SHARED_URL")}, "redis": {"url": "SHARED_URL"}},
        )


def _chart() -> PortChart:
    return PortChart(cdk8s.Testing.app(), "dify", PortDefaults(namespace="dify", part_of="dify"))


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


def _env(chart: PortChart, deployment: str, name: str) -> dict[str, Any]:
    manifests = synth(chart)
    workload = next(m for m in manifests if m["kind"] == "Deployment" and m["metadata"]["name"] == deployment)
    return env_of(container(workload, name))


def test_workload_overrides_render_both_variables() -> None:
    chart = _chart()
    proxy = _service(chart, "ssrf-proxy", 3128)
    _service(
        chart,
        "sandbox",
        8194,
        connects_to=(proxy,),
        wiring_overrides={"ssrf-proxy": {"url": ("HTTP_PROXY", "HTTPS_PROXY")}},
    )
    env = _env(chart, "sandbox", "sandbox")
    assert env == {"HTTP_PROXY": "http://ssrf-proxy:3128", "HTTPS_PROXY": "http://ssrf-proxy:3128"}


def test_a_preset_forwards_tuple_overrides() -> None:
    chart = _chart()
    proxy = _service(chart, "ssrf-proxy", 3128)
    WebFrontend(
        chart,
        "Web",
        WebFrontendProps(
            name="web",
            image="registry.example.com/dify/web:1.13.0",
            depends_on=(proxy,),
            telemetry=Telemetry(mode="off"),
            wiring_overrides={"ssrf-proxy": {"url": ("A_URL", "B_URL")}},
        ),
    )
    env = _env(chart, "web", "web")
    assert (env["A_URL"], env["B_URL"]) == ("http://ssrf-proxy:3128", "http://ssrf-proxy:3128")


def test_a_late_edge_wiring_may_name_several_variables() -> None:
    chart = _chart()
    proxy = _service(chart, "ssrf-proxy", 3128)
    sandbox = _service(chart, "sandbox", 8194)
    sandbox.connect_to(proxy, wiring={"url": ("SSRF_PROXY_HTTP_URL", "SSRF_PROXY_HTTPS_URL")})
    assert _env(chart, "sandbox", "sandbox") == {
        "SSRF_PROXY_HTTP_URL": "http://ssrf-proxy:3128",
        "SSRF_PROXY_HTTPS_URL": "http://ssrf-proxy:3128",
    }


def test_a_late_edge_wiring_with_a_variable_twice_is_refused_and_changes_nothing() -> None:
    chart = _chart()
    proxy = _service(chart, "ssrf-proxy", 3128)
    sandbox = _service(chart, "sandbox", 8194, env={"KEEP": "1"})
    with pytest.raises(ValueError, match=r"^wiring.ssrf-proxy.url names a variable twice"):
        sandbox.connect_to(proxy, wiring={"url": ("A", "A")})
    assert sandbox.connects_to == ()
    assert _env(chart, "sandbox", "sandbox") == {"KEEP": "1"}


def test_an_adopted_workload_takes_a_tuple_in_its_wiring_and_its_late_edges() -> None:
    import cdk8s_plus_27 as kplus

    chart = _chart()
    proxy = _service(chart, "ssrf-proxy", 3128)
    api = _service(chart, "api", 5001)
    web = kplus.Deployment(
        chart, "Web", containers=[kplus.ContainerProps(name="web", image="nginx:1.27.3", port_number=8080)]
    )
    adopted = AdoptedWorkload(
        chart, "WebAdopted", workload=web, name="web", connects_to=(proxy,), wiring={"http": {"url": ("P1", "P2")}}
    )
    adopted.connect_to(api, wiring={"url": ("API_A", "API_B")})
    manifests = synth(chart)
    deployment = next(m for m in manifests if m["kind"] == "Deployment" and "web" in m["metadata"]["name"])
    assert env_of(container(deployment, "web")) == {
        "P1": "http://ssrf-proxy:3128",
        "P2": "http://ssrf-proxy:3128",
        "API_A": "http://api:5001",
        "API_B": "http://api:5001",
    }
