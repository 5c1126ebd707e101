"""The synthesized alert rules under Prometheus' own tools: ``promtool check rules`` and
``promtool test rules`` (Debian's ``prometheus`` package, tests/real-server-packages.txt).

Every alert of ``dist/dev-meta`` has two unit tests, made of synthetic series: one above its
threshold, where it must fire with exactly the expected labels and annotations, and one below,
where it must stay silent. An alert without its two cases fails the suite.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import DIST
from realserver import load, require

NS = "aipp"
RULES = DIST / "dev-meta" / "aipp.k8s.yaml"


@dataclass(frozen=True)
class Case:
    """Series that make an alert fire (``fire``) and nearly the same that keep it silent."""

    fire: dict[str, str]
    silent: dict[str, str]
    eval_time: str
    labels: dict[str, str]


def _series(metric: str, **labels: str) -> str:
    return metric + "{" + ", ".join(f'{k}="{v}"' for k, v in {"namespace": NS, **labels}.items()) + "}"


# Series values use promtool's expanding notation: 'a+bxN' is a, a+b, ... (N+1 samples, one a minute).
CASES: dict[str, Case] = {
    "TargetDown": Case(
        fire={_series("up", service="rabbitmq", pod="rabbitmq-0"): "0x10"},
        silent={_series("up", service="rabbitmq", pod="rabbitmq-0"): "1x10"},
        eval_time="10m",
        labels={"service": "rabbitmq", "pod": "rabbitmq-0"},
    ),
    "PodRestarting": Case(
        fire={_series("kube_pod_container_status_restarts_total", pod="redis-0", container="redis"): "0+1x70"},
        silent={_series("kube_pod_container_status_restarts_total", pod="redis-0", container="redis"): "0+0x70"},
        eval_time="65m",
        labels={"pod": "redis-0", "container": "redis"},
    ),
    "VolumeFillingUp": Case(
        fire={
            _series("kubelet_volume_stats_used_bytes", persistentvolumeclaim="redis-data"): "90x10",
            _series("kubelet_volume_stats_capacity_bytes", persistentvolumeclaim="redis-data"): "100x10",
        },
        silent={
            _series("kubelet_volume_stats_used_bytes", persistentvolumeclaim="redis-data"): "70x10",
            _series("kubelet_volume_stats_capacity_bytes", persistentvolumeclaim="redis-data"): "100x10",
        },
        eval_time="10m",
        labels={"persistentvolumeclaim": "redis-data"},
    ),
    "JobFailed": Case(
        fire={_series("kube_job_status_failed", job_name="pgvector-backup-29012345"): "1x5"},
        # A failed Job of another name is none of the port's checks.
        silent={
            _series("kube_job_status_failed", job_name="pgvector-backup-29012345"): "0x5",
            _series("kube_job_status_failed", job_name="other-job"): "1x5",
        },
        eval_time="5m",
        labels={"job_name": "pgvector-backup-29012345"},
    ),
    "PostgresDown": Case(
        fire={_series("pg_up", service="pgvector", pod="pgvector-0"): "0x5"},
        silent={_series("pg_up", service="pgvector", pod="pgvector-0"): "1x5"},
        eval_time="5m",
        labels={"service": "pgvector", "pod": "pgvector-0"},
    ),
    "PostgresConnectionsNearLimit": Case(
        fire={
            _series("pg_stat_database_numbackends", service="pgvector", datname="aipp"): "70x15",
            _series("pg_stat_database_numbackends", service="pgvector", datname="postgres"): "15x15",
            _series("pg_settings_max_connections", service="pgvector"): "100x15",
        },
        silent={
            _series("pg_stat_database_numbackends", service="pgvector", datname="aipp"): "60x15",
            _series("pg_stat_database_numbackends", service="pgvector", datname="postgres"): "15x15",
            _series("pg_settings_max_connections", service="pgvector"): "100x15",
        },
        eval_time="15m",
        labels={"service": "pgvector"},
    ),
    "PostgresDatabaseGrowing": Case(
        # 20 MB a minute: 1.2 GB in an hour, above 1Gi; 10 MB a minute stays below.
        fire={_series("pg_database_size_bytes", service="pgvector", datname="aipp"): "0+20000000x70"},
        silent={_series("pg_database_size_bytes", service="pgvector", datname="aipp"): "0+10000000x70"},
        eval_time="65m",
        labels={"service": "pgvector", "datname": "aipp"},
    ),
    "RedisDown": Case(
        fire={_series("redis_up", service="redis", pod="redis-0"): "0x5"},
        silent={_series("redis_up", service="redis", pod="redis-0"): "1x5"},
        eval_time="5m",
        labels={"service": "redis", "pod": "redis-0"},
    ),
    "RedisMemoryNearLimit": Case(
        fire={
            _series("redis_memory_used_bytes", service="redis"): "95x15",
            _series("redis_memory_max_bytes", service="redis"): "100x15",
        },
        # No maxmemory (0) is no limit to be near.
        silent={
            _series("redis_memory_used_bytes", service="redis"): "95x15",
            _series("redis_memory_max_bytes", service="redis"): "0x15",
        },
        eval_time="15m",
        labels={"service": "redis"},
    ),
    "RedisRejectingConnections": Case(
        fire={_series("redis_rejected_connections_total", service="redis"): "0+1x10"},
        silent={_series("redis_rejected_connections_total", service="redis"): "3x10"},
        eval_time="10m",
        labels={"service": "redis"},
    ),
    "RabbitmqMemoryAlarm": Case(
        fire={_series("rabbitmq_alarms_memory_used_watermark", service="rabbitmq", pod="rabbitmq-0"): "1x5"},
        silent={_series("rabbitmq_alarms_memory_used_watermark", service="rabbitmq", pod="rabbitmq-0"): "0x5"},
        eval_time="5m",
        labels={"service": "rabbitmq", "pod": "rabbitmq-0"},
    ),
    "RabbitmqDiskAlarm": Case(
        fire={_series("rabbitmq_alarms_free_disk_space_watermark", service="rabbitmq", pod="rabbitmq-0"): "1x5"},
        silent={_series("rabbitmq_alarms_free_disk_space_watermark", service="rabbitmq", pod="rabbitmq-0"): "0x5"},
        eval_time="5m",
        labels={"service": "rabbitmq", "pod": "rabbitmq-0"},
    ),
    "RabbitmqUnackedMessagesGrowing": Case(
        fire={_series("rabbitmq_queue_messages_unacked", service="rabbitmq"): "1001+10x40"},
        # Many, but not growing.
        silent={_series("rabbitmq_queue_messages_unacked", service="rabbitmq"): "1500x40"},
        eval_time="30m",
        labels={"service": "rabbitmq"},
    ),
    "RabbitmqQueueWithoutConsumers": Case(
        fire={
            _series("rabbitmq_detailed_queue_messages_ready", service="rabbitmq", vhost="/", queue="jobs"): "5x20",
            _series("rabbitmq_detailed_queue_consumers", service="rabbitmq", vhost="/", queue="jobs"): "0x20",
            # Another queue with a consumer does not hide the one without.
            _series("rabbitmq_detailed_queue_messages_ready", service="rabbitmq", vhost="/", queue="links"): "5x20",
            _series("rabbitmq_detailed_queue_consumers", service="rabbitmq", vhost="/", queue="links"): "2x20",
        },
        silent={
            _series("rabbitmq_detailed_queue_messages_ready", service="rabbitmq", vhost="/", queue="jobs"): "5x20",
            _series("rabbitmq_detailed_queue_consumers", service="rabbitmq", vhost="/", queue="jobs"): "1x20",
            # An empty queue without consumers is no alert.
            _series("rabbitmq_detailed_queue_messages_ready", service="rabbitmq", vhost="/", queue="idle"): "0x20",
            _series("rabbitmq_detailed_queue_consumers", service="rabbitmq", vhost="/", queue="idle"): "0x20",
        },
        eval_time="20m",
        labels={"service": "rabbitmq", "vhost": "/", "queue": "jobs"},
    ),
    "SpringHttp5xx": Case(
        fire={
            _series("http_server_requests_seconds_count", service="enai-backend", status="500", uri="/api"): "0+10x10",
            _series("http_server_requests_seconds_count", service="enai-backend", status="200", uri="/api"): "0+90x10",
        },
        silent={
            _series("http_server_requests_seconds_count", service="enai-backend", status="500", uri="/api"): "0+1x10",
            _series("http_server_requests_seconds_count", service="enai-backend", status="200", uri="/api"): "0+99x10",
        },
        eval_time="10m",
        labels={"service": "enai-backend"},
    ),
    "SpringHeapNearLimit": Case(
        fire={
            _series("jvm_memory_used_bytes", service="enai-backend", pod="b-1", area="heap", id="G1 Old Gen"): "900x15",
            _series(
                "jvm_memory_used_bytes", service="enai-backend", pod="b-1", area="heap", id="G1 Eden Space"
            ): "50x15",
            _series("jvm_memory_max_bytes", service="enai-backend", pod="b-1", area="heap", id="G1 Old Gen"): "1000x15",
            # G1's young pools report no maximum (-1): left out of the limit.
            _series(
                "jvm_memory_max_bytes", service="enai-backend", pod="b-1", area="heap", id="G1 Eden Space"
            ): "-1x15",
        },
        silent={
            _series("jvm_memory_used_bytes", service="enai-backend", pod="b-1", area="heap", id="G1 Old Gen"): "500x15",
            _series(
                "jvm_memory_used_bytes", service="enai-backend", pod="b-1", area="heap", id="G1 Eden Space"
            ): "50x15",
            _series("jvm_memory_max_bytes", service="enai-backend", pod="b-1", area="heap", id="G1 Old Gen"): "1000x15",
            _series(
                "jvm_memory_max_bytes", service="enai-backend", pod="b-1", area="heap", id="G1 Eden Space"
            ): "-1x15",
        },
        eval_time="15m",
        labels={"service": "enai-backend", "pod": "b-1"},
    ),
}


def _rule_groups(manifest: Path = RULES) -> list[dict[str, Any]]:
    (rule,) = [d for d in load(manifest.read_text()) if d["kind"] == "PrometheusRule"]
    groups: list[dict[str, Any]] = rule["spec"]["groups"]
    return groups


def _alerts() -> dict[str, dict[str, Any]]:
    return {r["alert"]: r for group in _rule_groups() for r in group["rules"]}


def _render(template: str, labels: dict[str, str]) -> str:
    return re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels[m.group(1)], template)


@pytest.fixture(scope="module")
def rules_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require("promtool", root=False)
    path = tmp_path_factory.mktemp("rules") / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": _rule_groups()}, sort_keys=False))
    return path


def _promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["promtool", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_every_alert_has_a_firing_and_a_silent_case() -> None:
    assert sorted(_alerts()) == sorted(CASES)


def test_every_alert_names_its_severity_summary_and_runbook() -> None:
    for name, rule in _alerts().items():
        assert rule["labels"]["severity"] in ("critical", "warning"), name
        assert rule["annotations"]["summary"], name
        page = rule["annotations"]["runbook_url"].rstrip("/").rsplit("/", 1)[1].removesuffix(".md")
        assert rule["annotations"]["description"].endswith(f" Runbook: docs/runbooks/{page}.md."), name


def test_promtool_check_rules(rules_file: Path) -> None:
    result = _promtool("check", "rules", rules_file.name, cwd=rules_file.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(CASES)} rules found" in result.stdout


def _unit_tests(alerts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    tests = []
    for name, case in CASES.items():
        rule = alerts[name]
        labels = {"namespace": NS, **case.labels, **rule["labels"]}
        annotations = {key: _render(value, labels) for key, value in rule["annotations"].items()}
        for series, expected in (
            (case.fire, [{"exp_labels": labels, "exp_annotations": annotations}]),
            (case.silent, []),
        ):
            tests.append(
                {
                    "name": f"{name} {'fires' if expected else 'stays silent'}",
                    "interval": "1m",
                    "input_series": [{"series": s, "values": v} for s, v in series.items()],
                    "alert_rule_test": [{"eval_time": case.eval_time, "alertname": name, "exp_alerts": expected}],
                }
            )
    return {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": tests}


def test_promtool_test_rules_fire_above_and_stay_silent_below(rules_file: Path) -> None:
    tests = rules_file.parent / "tests.yaml"
    tests.write_text(yaml.safe_dump(_unit_tests(_alerts()), sort_keys=False))
    result = _promtool("test", "rules", tests.name, cwd=rules_file.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_a_wrong_expectation_fails_promtool(rules_file: Path) -> None:
    """The unit tests can fail: a silent case that expects the alert is reported."""
    broken = _unit_tests(_alerts())
    silent = next(t for t in broken["tests"] if t["name"] == "PostgresDown stays silent")
    fire = next(t for t in broken["tests"] if t["name"] == "PostgresDown fires")
    silent["alert_rule_test"][0]["exp_alerts"] = fire["alert_rule_test"][0]["exp_alerts"]
    tests = rules_file.parent / "broken.yaml"
    tests.write_text(yaml.safe_dump(broken, sort_keys=False))
    result = _promtool("test", "rules", tests.name, cwd=rules_file.parent)
    assert result.returncode == 1
    assert "PostgresDown stays silent" in result.stdout + result.stderr
