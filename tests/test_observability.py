"""PrometheusAlerts, GrafanaDashboard and AIPP's alerts and dashboard built from them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from cdk8s import App, Chart
from conftest import DIST, write_environment
from fakeregistry import PINNED_VENDOR_ROWS

import main
from aipp_constructs.aipp import load_environment
from aipp_constructs.aipp.observability import KUBERNETES_METRICS, METRICS, metric_names
from aipp_constructs.observability.grafana_dashboard import (
    DashboardLink,
    DashboardRow,
    GrafanaDashboard,
    GrafanaDashboardProps,
    Panel,
    Query,
    dashboard_model,
)
from aipp_constructs.observability.prometheus_rule import AlertGroup, AlertRule, PrometheusAlerts, PrometheusAlertsProps

DEV_META = DIST / "dev-meta" / "aipp.k8s.yaml"
KNOWN = {name for names in METRICS.values() for name in names} | set(KUBERNETES_METRICS)


def _rule(**kw: Any) -> AlertRule:
    return AlertRule(**{"alert": "ThingDown", "expr": 'up{job="thing"} == 0', "summary": "thing is down", **kw})


def _synth(build: Any) -> list[dict[str, Any]]:
    app = App()
    chart = Chart(app, "test", namespace="ns")
    build(chart)
    return [d for d in yaml.safe_load_all(app.synth_yaml()) if d]


def _env_docs(path: Path, tmp_path: Path) -> list[dict[str, Any]]:
    return [
        d for d in yaml.safe_load_all(main.build_app(load_environment(path), str(tmp_path / "out")).synth_yaml()) if d
    ]


# --- PrometheusAlerts --------------------------------------------------------------------


def test_alert_rule_defaults() -> None:
    rule = _rule()
    assert (rule.severity, rule.for_, rule.description, rule.runbook_url, dict(rule.labels)) == (
        "warning",
        "5m",
        None,
        None,
        {},
    )


def test_prometheus_alerts_writes_one_rule_with_every_prop() -> None:
    rule = _rule(
        severity="critical",
        for_="1m",
        description="what it means",
        runbook_url="https://example.com/runbook#thingdown",
        labels={"team": "platform"},
    )
    props = PrometheusAlertsProps(
        name="thing-alerts",
        groups=(AlertGroup(name="thing", rules=(rule,), interval="1m"),),
        labels={"release": "kube-prometheus-stack"},
        part_of="thing",
        wave=2,
    )
    (doc,) = _synth(lambda chart: PrometheusAlerts(chart, "Alerts", props))
    assert doc["apiVersion"] == "monitoring.coreos.com/v1" and doc["kind"] == "PrometheusRule"
    assert doc["metadata"]["name"] == "thing-alerts" and doc["metadata"]["namespace"] == "ns"
    assert doc["metadata"]["labels"] == {
        "app.kubernetes.io/name": "thing-alerts",
        "app.kubernetes.io/component": "alerts",
        "app.kubernetes.io/part-of": "thing",
        "release": "kube-prometheus-stack",
    }
    assert doc["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "2"
    assert doc["metadata"]["annotations"]["argocd.argoproj.io/sync-options"] == "SkipDryRunOnMissingResource=true"
    assert doc["spec"]["groups"] == [
        {
            "name": "thing",
            "interval": "1m",
            "rules": [
                {
                    "alert": "ThingDown",
                    "expr": 'up{job="thing"} == 0',
                    "for": "1m",
                    "labels": {"severity": "critical", "team": "platform"},
                    "annotations": {
                        "summary": "thing is down",
                        "description": "what it means",
                        "runbook_url": "https://example.com/runbook#thingdown",
                    },
                }
            ],
        }
    ]


def test_prometheus_alerts_links_each_rule_without_its_own_runbook_under_the_base_url() -> None:
    own = _rule(alert="ThingDown", runbook_url="https://wiki.example.com/thing")
    props = PrometheusAlertsProps(
        name="a",
        groups=(AlertGroup(name="g", rules=(own, _rule(alert="ThingHTTPErrors"), _rule(alert="Spring5xxHigh"))),),
        runbook_base_url="https://docs.example.com/port",
    )
    (doc,) = _synth(lambda chart: PrometheusAlerts(chart, "Alerts", props))
    assert [r["annotations"]["runbook_url"] for r in doc["spec"]["groups"][0]["rules"]] == [
        "https://wiki.example.com/thing",
        "https://docs.example.com/port/runbooks/thing-http-errors/",
        "https://docs.example.com/port/runbooks/spring5xx-high/",
    ]
    assert _rule(alert="PostgresConnectionsNearLimit").runbook_page == "postgres-connections-near-limit"


@pytest.mark.parametrize("url", ["docs.example.com", "https://docs.example.com/", "https://d.example.com/x#a"])
def test_prometheus_alerts_refuse_a_runbook_base_url_that_is_not_a_base(url: str) -> None:
    with pytest.raises(ValueError, match="runbook_base_url must be an http"):
        PrometheusAlertsProps(name="a", groups=(AlertGroup(name="g", rules=(_rule(),)),), runbook_base_url=url)


def test_prometheus_alerts_leaves_out_unset_fields() -> None:
    props = PrometheusAlertsProps(name="a", groups=(AlertGroup(name="g", rules=(_rule(),)),))
    (doc,) = _synth(lambda chart: PrometheusAlerts(chart, "Alerts", props))
    (group,) = doc["spec"]["groups"]
    assert "interval" not in group
    assert group["rules"][0]["annotations"] == {"summary": "thing is down"}
    assert doc["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "0"
    assert "app.kubernetes.io/part-of" not in doc["metadata"]["labels"]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"alert": "thing-down"}, "alert must be a Prometheus name"),
        ({"expr": " "}, "expr must be a PromQL expression"),
        ({"summary": ""}, "summary must be one non-empty line"),
        ({"summary": "a\nb"}, "summary must be one non-empty line"),
        ({"severity": "page"}, "severity must be one of critical, warning, info"),
        ({"for_": "5 minutes"}, "for_ must be a Prometheus duration"),
        ({"runbook_url": "README.md"}, r"runbook_url must be an http\(s\) URL"),
        ({"labels": {"severity": "x"}}, "labels keys must be Prometheus label names other than severity"),
        ({"labels": {"team-name": "x"}}, "labels keys must be Prometheus label names"),
    ],
)
def test_alert_rule_refuses(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _rule(**kw)


def test_alert_group_and_props_refuse() -> None:
    with pytest.raises(ValueError, match="rule group name"):
        AlertGroup(name="", rules=(_rule(),))
    with pytest.raises(ValueError, match="non-empty tuple of AlertRule"):
        AlertGroup(name="g", rules=())
    with pytest.raises(ValueError, match=r"alert names must be unique in a group, got \['ThingDown'\]"):
        AlertGroup(name="g", rules=(_rule(), _rule()))
    with pytest.raises(ValueError, match="interval must be a non-zero Prometheus duration"):
        AlertGroup(name="g", rules=(_rule(),), interval="0s")
    group = AlertGroup(name="g", rules=(_rule(),))
    with pytest.raises(ValueError, match="groups must have unique names"):
        PrometheusAlertsProps(name="a", groups=(group, group))
    with pytest.raises(ValueError, match="groups must be a non-empty tuple"):
        PrometheusAlertsProps(name="a", groups=())
    with pytest.raises(ValueError, match="name"):
        PrometheusAlertsProps(name="Not_A_Name", groups=(group,))
    with pytest.raises(ValueError, match="labels keys must be label keys"):
        PrometheusAlertsProps(name="a", groups=(group,), labels={"bad key": "x"})


# --- GrafanaDashboard --------------------------------------------------------------------


def _model(**kw: Any) -> dict[str, Any]:
    rows = (
        DashboardRow(
            title="db",
            panels=(
                Panel(title="up", kind="stat", queries=(Query(expr='pg_up{namespace="ns"}'),)),
                Panel(
                    title="size",
                    queries=(Query(expr='pg_database_size_bytes{namespace="ns"}', legend="{{datname}}"),),
                    unit="bytes",
                    description="how big",
                ),
                Panel(title="logs", kind="logs", queries=(Query(expr='{namespace="ns"}'),)),
            ),
        ),
    )
    return dashboard_model(**{"title": "T", "uid": "t-1", "rows": rows, **kw})


def test_dashboard_model_lays_out_rows_and_panels() -> None:
    model = _model(tags=("a",), links=(DashboardLink(title="Runbooks", url="https://example.com/r"),))
    assert (model["uid"], model["title"], model["tags"], model["editable"]) == ("t-1", "T", ["a"], False)
    assert [v["name"] for v in model["templating"]["list"]] == ["datasource", "logs"]
    assert model["links"] == [
        {"title": "Runbooks", "url": "https://example.com/r", "type": "link", "targetBlank": True}
    ]
    row, stat, size, logs = model["panels"]
    assert row["type"] == "row" and row["gridPos"] == {"h": 1, "w": 24, "x": 0, "y": 0}
    assert stat["gridPos"] == {"h": 4, "w": 12, "x": 0, "y": 1}
    assert size["gridPos"] == {"h": 8, "w": 12, "x": 12, "y": 1}
    assert logs["gridPos"] == {"h": 8, "w": 24, "x": 0, "y": 9}
    assert [p["id"] for p in model["panels"]] == [1, 2, 3, 4]
    assert size["targets"] == [
        {
            "refId": "A",
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "expr": 'pg_database_size_bytes{namespace="ns"}',
            "legendFormat": "{{datname}}",
        }
    ]
    assert size["fieldConfig"]["defaults"]["unit"] == "bytes" and size["description"] == "how big"
    assert logs["datasource"] == {"type": "loki", "uid": "${logs}"}
    assert "fieldConfig" not in stat and "description" not in stat


def test_dashboard_model_refuses() -> None:
    with pytest.raises(ValueError, match="uid must be at most 40"):
        _model(uid="x" * 41)
    with pytest.raises(ValueError, match="rows must hold at least one"):
        dashboard_model(title="T", uid="t", rows=())
    row = DashboardRow(title="a", panels=(Panel(title="p", queries=(Query(expr="up{}"),)),))
    with pytest.raises(ValueError, match="distinct titles"):
        dashboard_model(title="T", uid="t", rows=(row, row))
    with pytest.raises(ValueError, match="queries must be a non-empty tuple"):
        Panel(title="p", queries=())
    with pytest.raises(ValueError, match="width must be from 1 to 24"):
        Panel(title="p", queries=(Query(expr="up{}"),), width=25)
    with pytest.raises(ValueError, match="expr must be a query"):
        Query(expr="")
    with pytest.raises(ValueError, match="url must be an http"):
        DashboardLink(title="x", url="javascript:alert(1)")


def test_grafana_dashboard_config_map() -> None:
    model = _model()
    props = GrafanaDashboardProps(name="thing-dashboard", dashboard=model, folder="Things", part_of="thing")
    (doc,) = _synth(lambda chart: GrafanaDashboard(chart, "Dashboard", props))
    assert doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == "thing-dashboard"
    assert doc["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "thing"
    assert doc["metadata"]["annotations"] == {"argocd.argoproj.io/sync-wave": "0", "grafana_folder": "Things"}
    assert json.loads(doc["data"]["thing-dashboard.json"]) == model


def test_grafana_dashboard_props_reach_the_config_map_and_are_checked() -> None:
    props = GrafanaDashboardProps(
        name="d", dashboard=_model(), sidecar_label=("dash", "yes"), folder_annotation="example.com/folder", folder="F"
    )
    (doc,) = _synth(lambda chart: GrafanaDashboard(chart, "Dashboard", props))
    assert doc["metadata"]["labels"]["dash"] == "yes" and "grafana_dashboard" not in doc["metadata"]["labels"]
    assert doc["metadata"]["annotations"]["example.com/folder"] == "F"
    with pytest.raises(ValueError, match="dashboard must be a Grafana JSON model"):
        GrafanaDashboardProps(name="d", dashboard={"title": "x"})
    with pytest.raises(ValueError, match="folder must be a Grafana folder name"):
        GrafanaDashboardProps(name="d", dashboard=_model(), folder="a/b")
    with pytest.raises(ValueError, match="must be label keys"):
        GrafanaDashboardProps(name="d", dashboard=_model(), sidecar_label=("bad key", "1"))


# --- AIPP's alerts and dashboard, in dist/ -------------------------------------------------


def _docs(path: Path = DEV_META) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _dashboard(docs: list[dict[str, Any]]) -> dict[str, Any]:
    (cm,) = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-dashboard")]
    (text,) = cm["data"].values()
    model: dict[str, Any] = json.loads(text)
    return model


def test_metric_names_reads_names_with_matchers_only() -> None:
    assert metric_names('sum(rate(a_total{x="1"}[5m])) / b{y="2"} > 0 and on() vector(1)') == {"a_total", "b"}


def test_every_alert_reads_known_metrics_only() -> None:
    (rule,) = [d for d in _docs() if d["kind"] == "PrometheusRule"]
    for group in rule["spec"]["groups"]:
        for alert in group["rules"]:
            names = metric_names(alert["expr"])
            assert names and names <= KNOWN, (alert["alert"], names - KNOWN)
            assert 'namespace="aipp"' in alert["expr"]


def test_the_dashboard_is_valid_json_and_every_panel_queries_known_metrics() -> None:
    model = _dashboard(_docs())
    panels = [p for p in model["panels"] if p["type"] != "row"]
    assert panels
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["expr"].strip(), panel["title"]
            if panel["type"] == "logs":
                assert target["expr"].startswith('{namespace="aipp", app_kubernetes_io_name="')
                continue
            names = metric_names(target["expr"])
            assert names and names <= KNOWN, (panel["title"], names - KNOWN)
    rows = [p["title"] for p in model["panels"] if p["type"] == "row"]
    assert rows[0] == "Overview"
    workloads = [d["metadata"]["name"] for d in _docs() if d["kind"] in ("Deployment", "StatefulSet")]
    assert sorted(rows[1:]) == sorted(workloads)


def test_dashboard_settings_from_the_environment_file(tmp_path: Path) -> None:
    changes: dict[str, Any] = {
        "monitoring.dashboard": {"label": "dash", "label_value": "on", "folder": "Platform", "loki_label": "app"},
        "monitoring.alerts": {"restarts_per_hour": 7, "runbook_base_url": "https://docs.example.com/aipp"},
    }
    path = write_environment(tmp_path, "obs", **changes)
    docs = _env_docs(path, tmp_path)
    (cm,) = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-dashboard")]
    assert cm["metadata"]["labels"]["dash"] == "on" and cm["metadata"]["annotations"]["grafana_folder"] == "Platform"
    logs = [p for p in _dashboard(docs)["panels"] if p["type"] == "logs"]
    assert logs and all(', app="' in p["targets"][0]["expr"] for p in logs)
    (rule,) = [d for d in docs if d["kind"] == "PrometheusRule"]
    alerts = {a["alert"]: a for g in rule["spec"]["groups"] for a in g["rules"]}
    assert alerts["PodRestarting"]["expr"].endswith("[1h]) > 7")
    assert alerts["PodRestarting"]["annotations"]["runbook_url"] == (
        "https://docs.example.com/aipp/runbooks/pod-restarting/"
    )
    assert _dashboard(docs)["links"][0]["url"] == "https://docs.example.com/aipp/runbooks/"


def test_alerts_and_dashboard_can_be_turned_off(tmp_path: Path) -> None:
    changes: dict[str, Any] = {"monitoring.dashboard": {"enabled": False}, "monitoring.alerts": {"enabled": False}}
    path = write_environment(tmp_path, "quiet", **changes)
    kinds = {(d["kind"], d["metadata"]["name"]) for d in _env_docs(path, tmp_path)}
    assert not any(kind == "PrometheusRule" or name.endswith("-dashboard") for kind, name in kinds)


#: The Micrometer meters the Spring alerts and panels read, as Spring Boot and Micrometer document
#: them (Spring Boot reference, "Metrics", "Supported Metrics": ``http.server.requests``, a Timer
#: with tags method, uri, status, outcome, exception; Micrometer ``JvmMemoryMetrics``:
#: ``jvm.memory.used`` and ``jvm.memory.max``, gauges in bytes with tags area, id), with the kind
#: and base unit that name them in Prometheus.
MICROMETER_METERS = {
    "http.server.requests": ("timer", "seconds"),
    "jvm.memory.used": ("gauge", "bytes"),
    "jvm.memory.max": ("gauge", "bytes"),
}


def _prometheus_names(meter: str, kind: str, unit: str) -> set[str]:
    """Micrometer's PrometheusNamingConvention: dots to underscores, the base unit appended; a
    Timer is a summary (``_count``, ``_sum``) and a gauge ``_max``."""
    base = f"{meter.replace('.', '_')}_{unit}"
    return {f"{base}_count", f"{base}_sum", f"{base}_max"} if kind == "timer" else {base}


def test_the_spring_metric_names_are_micrometers_documented_names() -> None:
    documented = {
        name for meter, (kind, unit) in MICROMETER_METERS.items() for name in _prometheus_names(meter, kind, unit)
    }
    assert set(METRICS["spring"]) <= documented
    # and the labels the rules select by are the meters' documented tags
    (rule,) = [d for d in _docs() if d["kind"] == "PrometheusRule"]
    spring = [a["expr"] for g in rule["spec"]["groups"] for a in g["rules"] if a["alert"].startswith("Spring")]
    assert spring and all(('status=~"5.."' in e) or ('area="heap"' in e) for e in spring)


def test_option_b_with_the_linker_off_leaves_no_trace_of_it_in_rules_or_dashboard(tmp_path: Path) -> None:
    """Issue 13 acceptance 4: the registry option does not touch the alerts or the dashboard, and a
    disabled component leaves no rule, panel or query behind, with option A or B."""
    observed: dict[str, list[Any]] = {}
    for option in ("mirror", "vendor"):
        changes: dict[str, Any] = {"registry.vendor_images": option, "components.enai-linker.enabled": False}
        changes |= PINNED_VENDOR_ROWS  # option B pulls the vendor's images by digest
        (tmp_path / option).mkdir()
        path = write_environment(tmp_path / option, "reference", **changes)
        docs = _env_docs(path, tmp_path / option)
        watched = [
            d
            for d in docs
            if d["kind"] == "PrometheusRule"
            or (d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-dashboard"))
        ]
        assert len(watched) == 2
        assert "linker" not in yaml.safe_dump(watched)
        observed[option] = watched
    assert observed["mirror"] == observed["vendor"]
