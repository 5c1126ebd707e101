"""Tests of ``ComponentServiceMonitor``: defaults, every prop reaching the YAML, selection, validation."""

from __future__ import annotations

import dataclasses
import inspect
import re
from typing import Any

import cdk8s
import pytest
from cdk8s import Chart
from conftest import new_chart, one, synth

from aipp_constructs import Component, RabbitMq, RabbitMqProps, SecretKeyRef, SpringService, SpringServiceProps
from aipp_constructs.observability.service_monitor import (
    ComponentServiceMonitor,
    ComponentServiceMonitorProps,
    MetricsEndpoint,
    prometheus_duration_ms,
)

SKIP_DRY_RUN = {"argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true"}
RABBITMQ_LABELS = {
    "app.kubernetes.io/name": "rabbitmq",
    "app.kubernetes.io/component": "message-broker",
    "app.kubernetes.io/version": "3.13.7-management",
    "app.kubernetes.io/managed-by": "cdk8s",
}


def rabbitmq(chart: Chart, id: str = "RabbitMq", **overrides: Any) -> RabbitMq:
    def secret(key: str) -> SecretKeyRef:
        return SecretKeyRef(name="rabbitmq-credentials", key=key)

    return RabbitMq(
        chart,
        id,
        RabbitMqProps(
            **{
                "image": "harbor.example/dockerhub-proxy/library/rabbitmq:3.13.7-management",
                "username": secret("username"),
                "password": secret("password"),
                "erlang_cookie": secret("erlang-cookie"),
                **overrides,
            }
        ),
    )


@pytest.fixture(scope="module")
def mq() -> RabbitMq:
    """A RabbitMq for props validation only (validation never adds to the construct tree)."""
    return rabbitmq(new_chart())


def monitor_props(component: Component, **overrides: Any) -> ComponentServiceMonitorProps:
    return ComponentServiceMonitorProps(**{"component": component, "port": "prometheus", **overrides})


def monitors(chart: Chart) -> list[dict[str, Any]]:
    return [m for m in synth(chart) if m["kind"] == "ServiceMonitor"]


# --- defaults, field by field -------------------------------------------------------------


def test_service_monitor_defaults_field_by_field(chart: Chart) -> None:
    mq = rabbitmq(chart)
    assert dict(mq.labels) == RABBITMQ_LABELS, "fixture assumption"
    ComponentServiceMonitor(chart, "Monitor", monitor_props(mq))
    sm = one(synth(chart), "ServiceMonitor", "rabbitmq")
    assert sm["apiVersion"] == "monitoring.coreos.com/v1"
    assert sm["metadata"] == {
        "name": "rabbitmq",
        "namespace": "test",
        "labels": RABBITMQ_LABELS,
        "annotations": {"argocd.argoproj.io/sync-wave": "1", **SKIP_DRY_RUN},
    }
    assert sm["spec"] == {
        "selector": {"matchLabels": {"app.kubernetes.io/name": "rabbitmq"}},
        "namespaceSelector": {"matchNames": ["test"]},
        "endpoints": [
            {
                "port": "prometheus",
                "path": "/metrics",
                "interval": "30s",
                "scheme": "http",
                "relabelings": [
                    {"action": "keep", "sourceLabels": ["__meta_kubernetes_service_name"], "regex": "rabbitmq"}
                ],
            }
        ],
    }


def test_service_monitor_props_defaults(mq: RabbitMq) -> None:
    p = monitor_props(mq)
    assert (p.path, p.interval, p.scrape_timeout, dict(p.labels), p.name) == ("/metrics", "30s", None, {}, None)


def test_service_monitor_selects_only_services_the_component_selector_also_matches(chart: Chart) -> None:
    mq = rabbitmq(chart)
    ComponentServiceMonitor(chart, "Monitor", monitor_props(mq))
    manifests = synth(chart)
    selector = one(manifests, "ServiceMonitor")["spec"]["selector"]["matchLabels"]
    services = [m for m in manifests if m["kind"] == "Service"]
    selected = [s["metadata"]["name"] for s in services if selector.items() <= s["metadata"]["labels"].items()]
    # Both carry the labels; the keep relabeling narrows the targets to the client Service.
    assert sorted(selected) == ["rabbitmq", "rabbitmq-headless"]
    # The headless Service publishes the metrics port too: only the relabeling keeps its
    # endpoints from being scraped twice.
    headless = one(manifests, "Service", "rabbitmq-headless")
    assert "prometheus" in [p["name"] for p in headless["spec"]["ports"]]
    (endpoint,) = one(manifests, "ServiceMonitor")["spec"]["endpoints"]
    assert endpoint["relabelings"] == [
        {"action": "keep", "regex": "rabbitmq", "sourceLabels": ["__meta_kubernetes_service_name"]}
    ]


# --- every prop reaches the YAML ----------------------------------------------------------


def test_service_monitor_every_prop_reaches_the_yaml(chart: Chart) -> None:
    mq = rabbitmq(chart)
    values: dict[str, Any] = {
        "component": mq,
        "port": "management",
        "path": "/api/metrics",
        "interval": "1m",
        "scrape_timeout": "20s",
        "labels": {"release": "kube-prometheus-stack"},
        "name": "rabbitmq-management",
        "extra_endpoints": (MetricsEndpoint(path="/api/metrics/detailed", params={"family": ("a", "b")}),),
    }
    fields = {f.name: f for f in dataclasses.fields(ComponentServiceMonitorProps)}
    assert set(values) == set(fields), "a ComponentServiceMonitorProps field is not covered by this test"
    for name, f in fields.items():
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            continue
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        assert values[name] != default, f"{name} is set to its default"

    monitor = ComponentServiceMonitor(chart, "Monitor", ComponentServiceMonitorProps(**values))
    assert monitor.name == "rabbitmq-management"
    sm = one(synth(chart), "ServiceMonitor", "rabbitmq-management")
    assert sm["metadata"]["labels"] == {**RABBITMQ_LABELS, "release": "kube-prometheus-stack"}
    assert sm["spec"]["endpoints"] == [
        {
            "port": "management",
            "path": "/api/metrics",
            "interval": "1m",
            "scrapeTimeout": "20s",
            "scheme": "http",
            "relabelings": [
                {"action": "keep", "sourceLabels": ["__meta_kubernetes_service_name"], "regex": "rabbitmq"}
            ],
        },
        {
            "port": "management",
            "path": "/api/metrics/detailed",
            "params": {"family": ["a", "b"]},
            "interval": "1m",
            "scrapeTimeout": "20s",
            "scheme": "http",
            "relabelings": [
                {"action": "keep", "sourceLabels": ["__meta_kubernetes_service_name"], "regex": "rabbitmq"}
            ],
        },
    ]


def test_metrics_endpoint_refuses_bad_paths_params_and_repeats(chart: Chart) -> None:
    with pytest.raises(ValueError, match="path must be an absolute URL path"):
        MetricsEndpoint(path="metrics")
    with pytest.raises(ValueError, match="params keys must be URL parameter names"):
        MetricsEndpoint(path="/m", params={"a b": ("x",)})
    with pytest.raises(ValueError, match=r"params\['family'\] must be a non-empty tuple of strings"):
        MetricsEndpoint(path="/m", params={"family": ()})
    with pytest.raises(ValueError, match="extra_endpoints must not repeat a path"):
        ComponentServiceMonitorProps(
            component=rabbitmq(chart), port="prometheus", extra_endpoints=(MetricsEndpoint(path="/metrics"),)
        )


def test_service_monitor_follows_the_component_wave_name_and_port_of_a_spring_service(chart: Chart) -> None:
    mq = rabbitmq(chart)
    api = SpringService(
        chart,
        "Api",
        SpringServiceProps(
            name="api",
            image="registry.example.com/app/api:v1.0.0",
            management_port=8081,
            depends_on=(mq,),
            metrics=True,
        ),
    )
    assert api.wave == 2
    # The path defaults to the one the service serves.
    ComponentServiceMonitor(chart, "Monitor", monitor_props(api, port="management"))
    sm = one(synth(chart), "ServiceMonitor", "api")
    assert sm["metadata"]["annotations"] == {"argocd.argoproj.io/sync-wave": "2", **SKIP_DRY_RUN}
    assert sm["metadata"]["labels"] == dict(api.labels)
    assert sm["spec"]["selector"] == {"matchLabels": dict(api.selector_labels)}
    endpoint = sm["spec"]["endpoints"][0]
    assert (endpoint["port"], endpoint["path"], endpoint["relabelings"][0]["regex"]) == (
        "management",
        "/actuator/prometheus",
        "api",
    )


def test_service_monitor_looks_in_the_namespace_of_the_components_chart() -> None:
    app = cdk8s.Testing.app()
    data = Chart(app, "data", namespace="aipp-data", disable_resource_name_hashes=True)
    monitoring = Chart(app, "monitoring", namespace="monitoring", disable_resource_name_hashes=True)
    ComponentServiceMonitor(monitoring, "Monitor", monitor_props(rabbitmq(data)))
    sm = one(synth(monitoring), "ServiceMonitor")
    assert sm["metadata"]["namespace"] == "monitoring"
    assert sm["spec"]["namespaceSelector"] == {"matchNames": ["aipp-data"]}


def test_service_monitor_without_chart_namespace_has_no_namespace_selector() -> None:
    chart = Chart(cdk8s.Testing.app(), "plain", disable_resource_name_hashes=True)
    ComponentServiceMonitor(chart, "Monitor", monitor_props(rabbitmq(chart)))
    sm = one(synth(chart), "ServiceMonitor")
    assert "namespace" not in sm["metadata"]
    assert "namespaceSelector" not in sm["spec"]


def test_names_do_not_depend_on_construct_ids() -> None:
    def objects(chart_id: str, mq_id: str, monitor_id: str) -> list[tuple[str, Any, Any]]:
        chart = new_chart(chart_id)
        ComponentServiceMonitor(chart, monitor_id, monitor_props(rabbitmq(chart, mq_id)))
        return [(m["metadata"]["name"], m["spec"]["selector"], m["spec"]["endpoints"]) for m in monitors(chart)]

    assert objects("one", "RabbitMq", "Monitor") == objects("other", "Broker", "Scrape")
    assert objects("one", "RabbitMq", "Monitor")[0][0] == "rabbitmq"


def test_scrape_timeout_may_equal_the_interval(mq: RabbitMq) -> None:
    assert monitor_props(mq, interval="15s", scrape_timeout="15s").scrape_timeout == "15s"


def test_labels_may_repeat_a_component_label_with_its_value(mq: RabbitMq) -> None:
    p = monitor_props(mq, labels={"app.kubernetes.io/name": "rabbitmq", "release": "prom"})
    assert dict(p.labels)["release"] == "prom"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("30s", 30_000), ("1m30s", 90_000), ("500ms", 500), ("1h", 3_600_000), ("1d", 86_400_000), ("2w", 1_209_600_000)],
)
def test_prometheus_duration_ms(value: str, expected: int) -> None:
    assert prometheus_duration_ms(value) == expected


@pytest.mark.parametrize("value", ["", "30", "30S", "1.5m", "30s1m", "1 m", "-1s", "30s\n", "１s", 30])
def test_prometheus_duration_ms_refuses_malformed(value: Any) -> None:
    assert prometheus_duration_ms(value) is None


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"port": "metrics"},
            re.escape(
                "port must name a port of Service 'rabbitmq', got 'metrics'; known: ['amqp', 'management', 'prometheus']"
            ),
            id="port-unknown",
        ),
        pytest.param(
            {"port": "amqp-tls"},
            "port must name a port of Service 'rabbitmq', got 'amqp-tls';",
            id="port-prefix",
        ),
        pytest.param(
            {"path": "metrics"},
            "path must be an absolute URL path like '/metrics' \\(no query, no spaces\\), got 'metrics'",
            id="path-relative",
        ),
        pytest.param(
            {"path": "/metrics?x=1"},
            "path must be an absolute URL path .*, got '/metrics\\?x=1'",
            id="path-query",
        ),
        pytest.param(
            {"path": "/my metrics"}, "path must be an absolute URL path .*, got '/my metrics'", id="path-space"
        ),
        pytest.param(
            {"interval": "30"},
            "interval must be a non-zero Prometheus duration like '30s' or '1m30s', got '30'",
            id="interval-no-unit",
        ),
        pytest.param(
            {"interval": "0s"},
            "interval must be a non-zero Prometheus duration like '30s' or '1m30s', got '0s'",
            id="interval-zero",
        ),
        pytest.param(
            {"interval": "1.5m"},
            "interval must be a non-zero Prometheus duration .*, got '1.5m'",
            id="interval-fraction",
        ),
        pytest.param(
            {"scrape_timeout": "10"},
            "scrape_timeout must be a non-zero Prometheus duration like '10s', got '10'",
            id="timeout-no-unit",
        ),
        pytest.param(
            {"scrape_timeout": "0s"},
            "scrape_timeout must be a non-zero Prometheus duration like '10s', got '0s'",
            id="timeout-zero",
        ),
        pytest.param(
            {"scrape_timeout": "31s"},
            "scrape_timeout must not be longer than interval, got '31s' > '30s'; the Prometheus Operator refuses",
            id="timeout-above-interval",
        ),
        pytest.param(
            {"interval": "1m", "scrape_timeout": "1m1s"},
            "scrape_timeout must not be longer than interval, got '1m1s' > '1m';",
            id="timeout-above-interval-mixed-units",
        ),
        pytest.param(
            {"labels": {"release name": "x"}},
            "labels keys must be label keys like 'release', got 'release name'",
            id="label-key",
        ),
        pytest.param(
            {"labels": {"release": "kube prometheus"}},
            re.escape("labels['release'] must be a label value") + ".*, got 'kube prometheus'",
            id="label-value",
        ),
        pytest.param(
            {"labels": {"app.kubernetes.io/name": "broker"}},
            "labels must not change the component label 'app.kubernetes.io/name' \\('rabbitmq'\\), got 'broker'; "
            "leave it out",
            id="label-overrides-component",
        ),
        pytest.param({"name": "RabbitMQ"}, "name must be a DNS-1123 label .*, got 'RabbitMQ'", id="name"),
    ],
)
def test_fails_when_service_monitor_props_are_invalid(mq: RabbitMq, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        monitor_props(mq, **overrides)


def test_fails_when_the_component_has_no_service(chart: Chart) -> None:
    bare = Component(chart, "Bare", name="bare", component="test", version="1.0.0")
    with pytest.raises(
        ValueError,
        match=re.escape(
            "component must have a client Service (.service), got 'test/Bare' (Component) without one; "
            "monitor a component that serves"
        ),
    ):
        monitor_props(bare)


def spring(chart: Chart, metrics: bool) -> SpringService:
    return SpringService(
        chart, "Api", SpringServiceProps(name="api", image="registry.example.com/app/api:v1.0.0", metrics=metrics)
    )


def test_fails_when_the_component_serves_no_metrics(chart: Chart) -> None:
    with pytest.raises(ValueError, match="^component 'api' serves no metrics .* metrics=True"):
        monitor_props(spring(chart, metrics=False), port="http")


def test_fails_when_the_path_is_not_the_one_the_component_serves(chart: Chart) -> None:
    with pytest.raises(
        ValueError, match="^path must be the component's metrics path '/actuator/prometheus', got '/metrics'"
    ):
        monitor_props(spring(chart, metrics=True), port="http", path="/metrics")


def test_fails_when_the_component_is_not_a_component() -> None:
    with pytest.raises(ValueError, match="^component must be a Component, got 'rabbitmq'$"):
        ComponentServiceMonitorProps(component="rabbitmq", port="prometheus")  # type: ignore[arg-type]


def test_props_are_frozen_keyword_only_and_every_field_is_documented() -> None:
    cls = ComponentServiceMonitorProps
    assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in inspect.signature(cls).parameters.values())
    attributes = (inspect.getdoc(cls) or "").split("Attributes:", 1)[1]
    for f in dataclasses.fields(cls):
        entry = re.search(rf"^\s+{f.name}:(.*?)(?=^\s+\w+:|\Z)", attributes, re.MULTILINE | re.DOTALL)
        assert entry, f"{f.name} is not documented"
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
            assert "Defaults to" in entry.group(1), f"{f.name} does not document its default"
