"""AIPP's alerts and dashboard: what an operator watches after a sync (docs/runbooks/index.md).

Both are derived from the same facts as the ServiceMonitors and NetworkPolicies: the enabled
components, which of them are scraped and what serves their metrics (``AippChart.metrics_targets``),
and the Jobs the chart writes. A disabled component (the linker switch) or an exporter that is
off leaves no rule, panel or query behind.

Every metric name an alert or a panel reads is listed once, below, by where it comes from; the
test suite checks the exporter and RabbitMQ names against real scrapes, the Spring names against
Micrometer's documented names, and that every query reads only listed names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from aipp_constructs.core._validation import quantity_to_bytes
from aipp_constructs.observability.grafana_dashboard import DashboardLink, DashboardRow, Panel, Query, dashboard_model
from aipp_constructs.observability.prometheus_rule import AlertGroup, AlertRule, runbook_page

from .config import EnvironmentConfig, repository_web_url

__all__ = [
    "KUBERNETES_METRICS",
    "METRICS",
    "MetricsKind",
    "Observed",
    "alert_groups",
    "dashboard",
    "metric_names",
]

MetricsKind = Literal["postgres", "redis", "rabbitmq", "spring"]

#: Metric names read by the alerts and panels, by what serves them.
METRICS: Mapping[MetricsKind, tuple[str, ...]] = {
    # postgres_exporter (default collectors), scraped from the pgvector pod's exporter sidecar.
    "postgres": (
        "pg_up",
        "pg_stat_database_numbackends",
        "pg_settings_max_connections",
        "pg_database_size_bytes",
    ),
    # redis_exporter, scraped from the redis pod's exporter sidecar.
    "redis": (
        "redis_up",
        "redis_memory_used_bytes",
        "redis_memory_max_bytes",
        "redis_rejected_connections_total",
        "redis_connected_clients",
    ),
    # RabbitMQ's rabbitmq_prometheus plugin on port 15692: /metrics (aggregated) and /metrics/detailed.
    "rabbitmq": (
        "rabbitmq_alarms_memory_used_watermark",
        "rabbitmq_alarms_free_disk_space_watermark",
        "rabbitmq_queue_messages_unacked",
        "rabbitmq_queue_messages_ready",
        "rabbitmq_queue_consumers",
        # Per queue (labels vhost, queue): /metrics/detailed, rabbit_mq.PER_QUEUE_METRICS.
        "rabbitmq_detailed_queue_messages_ready",
        "rabbitmq_detailed_queue_consumers",
    ),
    # Micrometer's names as Spring Boot's /actuator/prometheus serves them (Prometheus naming:
    # base unit suffix, _count of a timer); see tests/test_alert_rules.py for the source.
    "spring": (
        "http_server_requests_seconds_count",
        "jvm_memory_used_bytes",
        "jvm_memory_max_bytes",
    ),
}
#: Names from the cluster's own exporters (kube-prometheus-stack): Prometheus' ``up``,
#: kube-state-metrics and the kubelet.
KUBERNETES_METRICS = (
    "up",
    "kube_pod_container_status_restarts_total",
    "kube_job_status_failed",
    "kube_deployment_status_replicas_available",
    "kube_statefulset_status_replicas_ready",
    "kubelet_volume_stats_used_bytes",
    "kubelet_volume_stats_capacity_bytes",
)
#: The folder of the runbooks, a page per alert (``AlertRule.runbook_page``).
RUNBOOK_DIR = "docs/runbooks"

# A metric name as the queries write it: always followed by its label matchers.
_METRIC = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{")


def metric_names(expr: str) -> set[str]:
    """The metric names a query reads (the queries always give a metric its ``{...}`` matchers)."""
    return set(_METRIC.findall(expr))


@dataclass(frozen=True, kw_only=True, slots=True)
class Observed:
    """What the alerts and the dashboard are made from.

    Attributes:
        env: The environment.
        scraped: Scraped component -> what serves its metrics.
        workloads: Every enabled component -> its kind (``Deployment`` or ``StatefulSet``).
        jobs: Names of the Jobs whose failure is an alert (the PostSync checks).
        cronjobs: Names of the CronJobs whose Jobs' failure is an alert (the nightly dump).
    """

    env: EnvironmentConfig
    scraped: Mapping[str, MetricsKind]
    workloads: Mapping[str, str]
    jobs: tuple[str, ...]
    cronjobs: tuple[str, ...]

    def of_kind(self, kind: MetricsKind) -> list[str]:
        return [name for name, k in self.scraped.items() if k == kind]


def _sel(namespace: str, **labels: str) -> str:
    """A label matcher ``{namespace="aipp", service="redis"}``; a value starting with ``~`` is a regex."""
    parts = [f'namespace="{namespace}"']
    for key, value in labels.items():
        parts.append(f'{key}=~"{value[1:]}"' if value.startswith("~") else f'{key}="{value}"')
    return "{" + ", ".join(parts) + "}"


def _alternatives(names: list[str] | tuple[str, ...]) -> str:
    # Component names are DNS labels: no regular-expression metacharacters to escape.
    return "~" + "|".join(names)


def alert_groups(seen: Observed) -> tuple[AlertGroup, ...]:
    """The rule groups of the environment's PrometheusRule."""
    ns = seen.env.namespace
    limits = seen.env.monitoring.alerts

    def rule(
        alert: str, expr: str, summary: str, severity: Literal["critical", "warning"], for_: str, what: str
    ) -> AlertRule:
        return AlertRule(
            alert=alert,
            expr=expr,
            summary=summary,
            severity=severity,
            for_=for_,
            description=f"{what} Runbook: {RUNBOOK_DIR}/{runbook_page(alert)}.md.",
        )

    groups: list[AlertGroup] = []
    kubernetes = []
    if seen.scraped:
        kubernetes.append(
            rule(
                "TargetDown",
                f"up{_sel(ns, service=_alternatives(list(seen.scraped)))} == 0",
                "{{ $labels.service }}: Prometheus cannot scrape pod {{ $labels.pod }}",
                "warning",
                "5m",
                "The metrics endpoint does not answer: the pod is down, restarting, or the NetworkPolicy "
                "or ServiceMonitor no longer matches.",
            )
        )
    kubernetes += [
        rule(
            "PodRestarting",
            f"increase(kube_pod_container_status_restarts_total{_sel(ns)}[1h]) > {limits.restarts_per_hour}",
            f"{{{{ $labels.pod }}}} ({{{{ $labels.container }}}}) restarted more than {limits.restarts_per_hour} "
            "times in an hour",
            "warning",
            "0m",
            "A container keeps restarting: a failing liveness probe, an out-of-memory kill or a crash.",
        ),
        rule(
            "VolumeFillingUp",
            f"kubelet_volume_stats_used_bytes{_sel(ns)} / kubelet_volume_stats_capacity_bytes{_sel(ns)} * 100 "
            f"> {limits.volume_used_percent}",
            f"volume {{{{ $labels.persistentvolumeclaim }}}} is more than {limits.volume_used_percent}% full",
            "warning",
            "5m",
            "A data volume is filling up; a full volume stops the database or broker that writes to it.",
        ),
    ]
    failing = [*seen.jobs, *(f"{name}-[0-9]+" for name in seen.cronjobs)]
    if failing:
        kubernetes.append(
            rule(
                "JobFailed",
                f"kube_job_status_failed{_sel(ns, job_name='~' + '|'.join(failing))} > 0",
                "Job {{ $labels.job_name }} failed",
                "warning",
                "0m",
                "A PostSync verification or the nightly pg_dump failed: read its log before the next sync or night.",
            )
        )
    groups.append(AlertGroup(name=f"{ns}.kubernetes", rules=tuple(kubernetes)))

    for name in seen.of_kind("postgres"):
        on = _sel(ns, service=name)
        database = seen.env.components.pgvector.database
        growth = quantity_to_bytes(limits.postgres_growth_per_hour)
        groups.append(
            AlertGroup(
                name=f"{ns}.{name}",
                rules=(
                    rule(
                        "PostgresDown",
                        f"pg_up{on} == 0",
                        f"{name} (PostgreSQL) does not answer its exporter",
                        "critical",
                        "1m",
                        "The exporter in the database pod cannot connect: the server is down or refuses logins.",
                    ),
                    rule(
                        "PostgresConnectionsNearLimit",
                        f"sum by (namespace, service) (pg_stat_database_numbackends{on}) / "
                        f"max by (namespace, service) (pg_settings_max_connections{on}) * 100 "
                        f"> {limits.postgres_connections_percent}",
                        f"{name} (PostgreSQL) uses more than {limits.postgres_connections_percent}% of max_connections",
                        "warning",
                        "10m",
                        "New connections will soon be refused; a service may be leaking connections.",
                    ),
                    rule(
                        "PostgresDatabaseGrowing",
                        f"delta(pg_database_size_bytes{_sel(ns, service=name, datname=database)}[1h]) > {growth}",
                        f"database {database} on {name} (PostgreSQL) grew more than "
                        f"{limits.postgres_growth_per_hour} in an hour",
                        "warning",
                        "0m",
                        "Unusual growth: check what writes, and the volume's room (VolumeFillingUp).",
                    ),
                ),
            )
        )
    for name in seen.of_kind("redis"):
        on = _sel(ns, service=name)
        groups.append(
            AlertGroup(
                name=f"{ns}.{name}",
                rules=(
                    rule(
                        "RedisDown",
                        f"redis_up{on} == 0",
                        f"{name} (Redis) does not answer its exporter",
                        "critical",
                        "1m",
                        "The exporter in the Redis pod cannot connect: the server is down or its credentials changed.",
                    ),
                    rule(
                        "RedisMemoryNearLimit",
                        f"redis_memory_used_bytes{on} / (redis_memory_max_bytes{on} > 0) * 100 "
                        f"> {limits.redis_memory_percent}",
                        f"{name} (Redis) uses more than {limits.redis_memory_percent}% of maxmemory",
                        "warning",
                        "10m",
                        "With the noeviction policy Redis refuses writes once maxmemory is reached.",
                    ),
                    rule(
                        "RedisRejectingConnections",
                        f"increase(redis_rejected_connections_total{on}[5m]) > 0",
                        f"{name} (Redis) rejected connections",
                        "warning",
                        "0m",
                        "Redis refused clients: maxclients reached.",
                    ),
                ),
            )
        )
    for name in seen.of_kind("rabbitmq"):
        on = _sel(ns, service=name)
        by = "sum by (namespace, service)"
        per_queue = "max by (namespace, service, vhost, queue)"
        groups.append(
            AlertGroup(
                name=f"{ns}.{name}",
                rules=(
                    rule(
                        "RabbitmqMemoryAlarm",
                        f"max by (namespace, service, pod) (rabbitmq_alarms_memory_used_watermark{on}) == 1",
                        f"{name} (RabbitMQ) raised its memory alarm: publishers are blocked",
                        "critical",
                        "1m",
                        "The broker is above its memory high watermark and blocks every publishing connection.",
                    ),
                    rule(
                        "RabbitmqDiskAlarm",
                        f"max by (namespace, service, pod) (rabbitmq_alarms_free_disk_space_watermark{on}) == 1",
                        f"{name} (RabbitMQ) raised its disk alarm: publishers are blocked",
                        "critical",
                        "1m",
                        "The broker's volume is below its free-disk limit and blocks every publishing connection.",
                    ),
                    rule(
                        "RabbitmqUnackedMessagesGrowing",
                        f"{by} (rabbitmq_queue_messages_unacked{on}) > {limits.rabbitmq_unacked_messages} "
                        f"and {by} (delta(rabbitmq_queue_messages_unacked{on}[15m])) > 0",
                        f"{name} (RabbitMQ) has more than {limits.rabbitmq_unacked_messages} unacknowledged "
                        "messages, still growing",
                        "warning",
                        "15m",
                        "Consumers take messages but do not acknowledge them: a stuck or too slow worker.",
                    ),
                    rule(
                        "RabbitmqQueueWithoutConsumers",
                        f"{per_queue} (rabbitmq_detailed_queue_messages_ready{on}) > 0 "
                        f"and {per_queue} (rabbitmq_detailed_queue_consumers{on}) == 0",
                        f"{name} (RabbitMQ): queue {{{{ $labels.queue }}}} has ready messages and no consumer",
                        "warning",
                        "15m",
                        "Messages wait and nothing consumes them: the consuming services are down or disconnected.",
                    ),
                ),
            )
        )
    spring = seen.of_kind("spring")
    if spring:
        services = _alternatives(spring)
        requests = f"rate(http_server_requests_seconds_count{_sel(ns, service=services)}[5m])"
        errors = f"rate(http_server_requests_seconds_count{_sel(ns, service=services, status='~5..')}[5m])"
        by = "sum by (namespace, service)"
        heap = "sum by (namespace, service, pod)"
        groups.append(
            AlertGroup(
                name=f"{ns}.spring",
                rules=(
                    rule(
                        "SpringHttp5xx",
                        f"{by} ({errors}) / {by} ({requests}) * 100 > {limits.http_5xx_percent}",
                        f"{{{{ $labels.service }}}} answers more than {limits.http_5xx_percent}% of requests with 5xx",
                        "warning",
                        "5m",
                        "Server errors: read the service's log and its dependencies' alerts.",
                    ),
                    rule(
                        "SpringHeapNearLimit",
                        f"{heap} (jvm_memory_used_bytes{_sel(ns, service=services, area='heap')}) / "
                        f"{heap} (jvm_memory_max_bytes{_sel(ns, service=services, area='heap')} > 0) * 100 "
                        f"> {limits.jvm_heap_percent}",
                        f"{{{{ $labels.service }}}} pod {{{{ $labels.pod }}}} uses more than {limits.jvm_heap_percent}% "
                        "of its maximum heap",
                        "warning",
                        "10m",
                        "Long garbage collections and then an OutOfMemoryError: raise the memory limit.",
                    ),
                ),
            )
        )
    return tuple(groups)


def dashboard(seen: Observed) -> dict[str, object]:
    """The Grafana JSON model of the environment's dashboard: an overview row, then a row per component."""
    env = seen.env
    ns = env.namespace
    loki = env.monitoring.dashboard.loki_label

    def logs(name: str) -> Panel:
        return Panel(
            title=f"{name} logs",
            kind="logs",
            queries=(Query(expr=f'{{namespace="{ns}", {loki}="{name}"}}'),),
            description=f"Loki stream of the {name} pods; traces: service.name={name}, k8s.namespace.name={ns}.",
        )

    def available(name: str) -> Panel:
        if seen.workloads[name] == "StatefulSet":
            expr = f"kube_statefulset_status_replicas_ready{_sel(ns, statefulset=name)}"
        else:
            expr = f"kube_deployment_status_replicas_available{_sel(ns, deployment=name)}"
        return Panel(title=f"{name} ready pods", kind="stat", queries=(Query(expr=expr),), unit="short")

    def restarts(name: str) -> Panel:
        return Panel(
            title=f"{name} restarts (1h)",
            queries=(
                Query(
                    expr=f"increase(kube_pod_container_status_restarts_total{_sel(ns, pod='~' + name + '-.*')}[1h])",
                    legend="{{pod}} {{container}}",
                ),
            ),
            unit="short",
        )

    rows = [
        DashboardRow(
            title="Overview",
            panels=(
                Panel(
                    title="Scrape targets up",
                    kind="stat",
                    queries=(Query(expr=f"sum by (service) (up{_sel(ns)})", legend="{{service}}"),),
                ),
                Panel(
                    title="Data volumes used",
                    queries=(
                        Query(
                            expr=f"kubelet_volume_stats_used_bytes{_sel(ns)} / kubelet_volume_stats_capacity_bytes{_sel(ns)} * 100",
                            legend="{{persistentvolumeclaim}}",
                        ),
                    ),
                    unit="percent",
                ),
                Panel(
                    title="Failed jobs",
                    queries=(Query(expr=f"kube_job_status_failed{_sel(ns)} > 0", legend="{{job_name}}"),),
                    unit="short",
                ),
            ),
        )
    ]
    for name in seen.workloads:
        kind = seen.scraped.get(name)
        on = _sel(ns, service=name)
        panels: list[Panel] = [available(name)]
        if kind == "postgres":
            panels += [
                Panel(title=f"{name} up", kind="stat", queries=(Query(expr=f"pg_up{on}"),)),
                Panel(
                    title=f"{name} connections (% of max)",
                    queries=(
                        Query(
                            expr=f"sum(pg_stat_database_numbackends{on}) / max(pg_settings_max_connections{on}) * 100"
                        ),
                    ),
                    unit="percent",
                ),
                Panel(
                    title=f"{name} database size",
                    queries=(Query(expr=f"pg_database_size_bytes{on}", legend="{{datname}}"),),
                    unit="bytes",
                ),
            ]
        elif kind == "redis":
            panels += [
                Panel(title=f"{name} up", kind="stat", queries=(Query(expr=f"redis_up{on}"),)),
                Panel(
                    title=f"{name} memory (% of maxmemory)",
                    queries=(Query(expr=f"redis_memory_used_bytes{on} / (redis_memory_max_bytes{on} > 0) * 100"),),
                    unit="percent",
                ),
                Panel(
                    title=f"{name} clients and rejected connections",
                    queries=(
                        Query(expr=f"redis_connected_clients{on}", legend="clients"),
                        Query(expr=f"increase(redis_rejected_connections_total{on}[5m])", legend="rejected (5m)"),
                    ),
                    unit="short",
                ),
            ]
        elif kind == "rabbitmq":
            panels += [
                Panel(
                    title=f"{name} alarms",
                    queries=(
                        Query(expr=f"max(rabbitmq_alarms_memory_used_watermark{on})", legend="memory"),
                        Query(expr=f"max(rabbitmq_alarms_free_disk_space_watermark{on})", legend="disk"),
                    ),
                    unit="short",
                ),
                Panel(
                    title=f"{name} messages",
                    queries=(
                        Query(expr=f"sum(rabbitmq_queue_messages_ready{on})", legend="ready"),
                        Query(expr=f"sum(rabbitmq_queue_messages_unacked{on})", legend="unacknowledged"),
                        Query(expr=f"sum(rabbitmq_queue_consumers{on})", legend="consumers"),
                    ),
                    unit="short",
                ),
                Panel(
                    title=f"{name} ready messages and consumers per queue",
                    queries=(
                        Query(
                            expr=f"max by (vhost, queue) (rabbitmq_detailed_queue_messages_ready{on})",
                            legend="{{queue}} ready",
                        ),
                        Query(
                            expr=f"max by (vhost, queue) (rabbitmq_detailed_queue_consumers{on})",
                            legend="{{queue}} consumers",
                        ),
                    ),
                    unit="short",
                ),
            ]
        elif kind == "spring":
            panels += [
                Panel(
                    title=f"{name} HTTP 5xx (% of requests)",
                    queries=(
                        Query(
                            expr=f"sum(rate(http_server_requests_seconds_count{_sel(ns, service=name, status='~5..')}[5m])) "
                            f"/ sum(rate(http_server_requests_seconds_count{on}[5m])) * 100"
                        ),
                    ),
                    unit="percent",
                ),
                Panel(
                    title=f"{name} heap (% of max)",
                    queries=(
                        Query(
                            expr=f"sum by (pod) (jvm_memory_used_bytes{_sel(ns, service=name, area='heap')}) / "
                            f"sum by (pod) (jvm_memory_max_bytes{_sel(ns, service=name, area='heap')} > 0) * 100",
                            legend="{{pod}}",
                        ),
                    ),
                    unit="percent",
                ),
            ]
        panels += [restarts(name), logs(name)]
        rows.append(DashboardRow(title=name, panels=tuple(panels)))
    links = (DashboardLink(title="Runbooks", url=runbook_link(env, None)),)
    return dashboard_model(
        title=f"AIPP ({env.name}, namespace {ns})",
        uid=f"aipp-{env.name}"[:40],
        rows=tuple(rows),
        tags=("aipp", env.name),
        links=links,
    )


def runbook_link(env: EnvironmentConfig, page: str | None) -> str:
    """Where the runbook ``page`` (``None``: the index of the runbooks) is read: on the
    documentation site when ``monitoring.alerts.runbook_base_url`` names it, else in the
    repository ArgoCD reads, as GitLab shows a file (``-/blob``) or a folder (``-/tree``)."""
    base = env.monitoring.alerts.runbook_base_url
    if base is not None:
        return f"{base}/runbooks/{page}/" if page else f"{base}/runbooks/"
    repository, revision = repository_web_url(env.gitops.repo_url), env.gitops.revision
    if page is None:
        return f"{repository}/-/tree/{revision}/{RUNBOOK_DIR}"
    return f"{repository}/-/blob/{revision}/{RUNBOOK_DIR}/{page}.md"
