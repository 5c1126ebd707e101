"""``SharedClaim`` takes what its props leave out from the port's ``PortDefaults``
(``storage_class_name``, ``part_of``), as the workloads do; its own props win. So do
``GrafanaDashboard`` and ``PrometheusAlerts`` (``part_of``)."""

from __future__ import annotations

import cdk8s
from conftest import one, synth

from aipp_constructs import (
    AlertGroup,
    AlertRule,
    GrafanaDashboard,
    GrafanaDashboardProps,
    PortChart,
    PortDefaults,
    PrometheusAlerts,
    PrometheusAlertsProps,
    SharedClaim,
    SharedClaimProps,
)

DEFAULTS = PortDefaults(namespace="acme", part_of="acme", storage_class_name="longhorn-rwx")


def test_a_claim_in_a_port_chart_takes_the_port_defaults() -> None:
    chart = PortChart(cdk8s.Testing.app(), "port", DEFAULTS)
    SharedClaim(chart, "Uploads", SharedClaimProps(name="uploads", size="5Gi"))
    claim = one(synth(chart), "PersistentVolumeClaim", "uploads")
    assert claim["spec"]["storageClassName"] == "longhorn-rwx"
    assert claim["metadata"]["labels"]["app.kubernetes.io/part-of"] == "acme"


def test_the_claim_props_win_over_the_port_defaults() -> None:
    chart = PortChart(cdk8s.Testing.app(), "port", DEFAULTS)
    props = SharedClaimProps(name="uploads", size="5Gi", storage_class_name="fast", part_of="uploads-team")
    SharedClaim(chart, "Uploads", props)
    claim = one(synth(chart), "PersistentVolumeClaim", "uploads")
    assert claim["spec"]["storageClassName"] == "fast"
    assert claim["metadata"]["labels"]["app.kubernetes.io/part-of"] == "uploads-team"


def test_outside_a_port_chart_the_cluster_default_class_and_no_part_of() -> None:
    chart = cdk8s.Chart(cdk8s.Testing.app(), "plain")
    SharedClaim(chart, "Uploads", SharedClaimProps(name="uploads", size="5Gi"))
    claim = one(synth(chart), "PersistentVolumeClaim", "uploads")
    assert "storageClassName" not in claim["spec"]
    assert "app.kubernetes.io/part-of" not in claim["metadata"]["labels"]


def test_dashboards_and_alerts_take_the_port_part_of_too() -> None:
    """GrafanaDashboard and PrometheusAlerts: ``part_of`` from the port unless given."""
    chart = PortChart(cdk8s.Testing.app(), "port", DEFAULTS)
    dashboard = {"title": "Acme", "panels": []}
    GrafanaDashboard(chart, "Dashboard", GrafanaDashboardProps(name="acme", dashboard=dashboard))
    GrafanaDashboard(chart, "Own", GrafanaDashboardProps(name="own", dashboard=dashboard, part_of="team"))
    rule = AlertRule(alert="AcmeDown", expr="up == 0", summary="acme is down", description="no target is up")
    PrometheusAlerts(
        chart, "Alerts", PrometheusAlertsProps(name="acme", groups=(AlertGroup(name="acme", rules=(rule,)),))
    )
    manifests = synth(chart)
    assert one(manifests, "ConfigMap", "acme")["metadata"]["labels"]["app.kubernetes.io/part-of"] == "acme"
    assert one(manifests, "ConfigMap", "own")["metadata"]["labels"]["app.kubernetes.io/part-of"] == "team"
    assert one(manifests, "PrometheusRule", "acme")["metadata"]["labels"]["app.kubernetes.io/part-of"] == "acme"
