"""Connection wiring, telemetry settings and start-up waits: the pieces every application workload shares."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pytest

from aipp_constructs import (
    NAMED_WIRING,
    SPRING_BOOT_WIRING,
    Endpoint,
    Resources,
    SecretKeyRef,
    Telemetry,
    WaitPolicy,
    connection_env,
)
from aipp_constructs.core.startup_wait import wait_container
from aipp_constructs.core.wiring import check_wiring, upper_snake

USER = SecretKeyRef(name="db-credentials", key="username")
PASSWORD = SecretKeyRef(name="db-credentials", key="password")
DB = Endpoint(
    host="pgvector",
    ports={"postgresql": 5432},
    credentials={"username": USER, "password": PASSWORD},
    properties={"database": "aipp", "jdbc_url": "jdbc:postgresql://pgvector:5432/aipp"},
    protocol="postgresql",
)
API = Endpoint(
    host="enai-backend", ports={"http": 8080}, properties={"url": "http://enai-backend:8080"}, protocol="http"
)
IMAGE = "registry.example.com/library/busybox:1.37.0"


def test_endpoint_facts_are_host_main_port_properties_and_credential_references() -> None:
    assert DB.facts() == {
        "host": "pgvector",
        "port": "5432",
        "database": "aipp",
        "jdbc_url": "jdbc:postgresql://pgvector:5432/aipp",
        "username": USER,
        "password": PASSWORD,
    }
    assert Endpoint(host="mq", ports={"amqp": 5672, "management": 15672}).main_port == 5672


def test_endpoint_refuses_a_fact_defined_twice_and_no_ports() -> None:
    with pytest.raises(ValueError, match="defines the fact 'host' twice"):
        Endpoint(host="db", ports={"p": 1}, properties={"host": "other"}).facts()
    with pytest.raises(ValueError, match=r"Endpoint.ports must name at least one port, got \{\}"):
        Endpoint(host="db", ports={})


def test_spring_wiring_names_spring_boot_properties_and_keeps_credentials_as_references() -> None:
    assert connection_env([("pgvector", DB)], SPRING_BOOT_WIRING) == [
        ("SPRING_DATASOURCE_URL", "jdbc:postgresql://pgvector:5432/aipp"),
        ("SPRING_DATASOURCE_USERNAME", USER),
        ("SPRING_DATASOURCE_PASSWORD", PASSWORD),
    ]


def test_named_wiring_uses_the_dependency_name() -> None:
    assert connection_env([("enai-backend", API)], NAMED_WIRING) == [("ENAI_BACKEND_URL", "http://enai-backend:8080")]


def test_an_unknown_protocol_wires_nothing() -> None:
    plain = Endpoint(host="thing", ports={"tcp": 1234})
    assert connection_env([("thing", plain)], SPRING_BOOT_WIRING) == []


def test_an_override_replaces_the_wiring_of_that_dependency_only() -> None:
    wired = connection_env(
        [("pgvector", DB), ("enai-backend", API)],
        SPRING_BOOT_WIRING,
        {"pgvector": {"host": "DB_HOST", "password": "DB_PASS"}},
    )
    assert wired == [("DB_HOST", "pgvector"), ("DB_PASS", PASSWORD), ("ENAI_BACKEND_URL", "http://enai-backend:8080")]
    assert connection_env([("pgvector", DB)], SPRING_BOOT_WIRING, {"pgvector": {}}) == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"redis": {"host": "X"}}, "wiring names 'redis', which is not a dependency; dependencies: pgvector"),
        ({"pgvector": {"schema": "X"}}, "wiring.pgvector.schema: pgvector offers no fact 'schema'; known: database,"),
        (
            {"pgvector": {"host": "1BAD"}},
            "wiring.pgvector.host must be a variable name ([A-Za-z_][A-Za-z0-9_]*), got '1BAD'",
        ),
    ],
    ids=["not-a-dependency", "unknown-fact", "bad-name"],
)
def test_bad_overrides_are_refused_naming_the_dependency(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        connection_env([("pgvector", DB)], SPRING_BOOT_WIRING, overrides)


def test_a_wiring_override_names_the_dependencies_there_are() -> None:
    with pytest.raises(ValueError, match=r"^wiring names 'redis', which is not a dependency; dependencies: none$"):
        connection_env([], SPRING_BOOT_WIRING, {"redis": {}})
    with pytest.raises(ValueError, match=r"; dependencies: pgvector, enai-backend$"):
        connection_env([("pgvector", DB), ("enai-backend", API)], SPRING_BOOT_WIRING, {"redis": {}})


@pytest.mark.parametrize(
    ("name", "snake"), [("enai-backend", "ENAI_BACKEND"), ("Api.V2", "API_V2"), ("redis", "REDIS"), ("a_b", "A_B")]
)
def test_upper_snake_replaces_what_is_not_a_letter_or_digit(name: str, snake: str) -> None:
    assert upper_snake(name) == snake


def test_check_wiring_names_the_protocol_and_fact_of_a_bad_variable_name() -> None:
    check_wiring("wiring", SPRING_BOOT_WIRING)
    check_wiring("wiring", NAMED_WIRING)
    with pytest.raises(ValueError) as info:
        check_wiring("spec.wiring", {"http": {"url": "{NAME}_URL", "host": "{NAME}-HOST"}})
    assert str(info.value) == ("spec.wiring.http.host must be a variable name ([A-Za-z_][A-Za-z0-9_]*), got 'X-HOST'")


def test_two_dependencies_cannot_set_the_same_variable() -> None:
    other = Endpoint(host="other-db", ports={"postgresql": 5432}, properties={"jdbc_url": "x"}, protocol="postgresql")
    with pytest.raises(ValueError, match="wiring sets SPRING_DATASOURCE_URL for both pgvector and other-db"):
        connection_env([("pgvector", DB), ("other-db", other)], {"postgresql": {"jdbc_url": "SPRING_DATASOURCE_URL"}})


def test_telemetry_env_mode_sets_the_otel_variables_with_downward_api_references() -> None:
    env = dict(
        Telemetry(resource_attributes={"deployment.environment.name": "dev"}).env(
            service_name="api", service_namespace="aipp", version="v1"
        )
    )
    assert env == {
        "OTEL_SERVICE_NAME": "api",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://opentelemetry-collector.observability.svc:4318",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_RESOURCE_ATTRIBUTES": "service.namespace=aipp,service.version=v1,deployment.environment.name=dev,"
        "k8s.namespace.name=$(K8S_NAMESPACE_NAME),k8s.pod.name=$(K8S_POD_NAME)",
        "OTEL_LOGS_EXPORTER": "none",
    }
    assert Telemetry().pod_annotations("java") == {}


def test_telemetry_operator_mode_only_annotates() -> None:
    telemetry = Telemetry(mode="operator", instrumentation="observability/java")
    assert telemetry.env(service_name="api", service_namespace=None, version="v1") == []
    assert telemetry.pod_annotations("java") == {"instrumentation.opentelemetry.io/inject-java": "observability/java"}


def test_telemetry_off_sets_nothing() -> None:
    telemetry = Telemetry(mode="off")
    assert (
        telemetry.env(service_name="a", service_namespace=None, version="1"),
        telemetry.pod_annotations("java"),
    ) == ([], {})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "agent"}, "telemetry.mode must be 'env', 'operator' or 'off', got 'agent'"),
        ({"endpoint": "collector:4318"}, "telemetry.endpoint must be an http(s) URL"),
        ({"resource_attributes": {"team": "a,b"}}, "telemetry.resource_attributes must map"),
    ],
)
def test_telemetry_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        Telemetry(**kwargs)


def test_wait_container_waits_with_bounded_attempts_and_says_what_it_waits_for() -> None:
    c = wait_container("pgvector", "pgvector", 5432, WaitPolicy(image=IMAGE, attempts=3, interval_seconds=2))
    assert (c["name"], c["image"], c["command"][:2]) == ("wait-for-pgvector", IMAGE, ["sh", "-c"])
    script = c["command"][2]
    assert "until nc -z -w 2 pgvector 5432; do" in script
    assert 'if [ "$n" -ge 3 ]; then' in script
    assert "pgvector:5432 did not answer after 3 attempts; giving up" in script
    assert "sleep 2" in script


def test_wait_container_runs_exactly_this_script_as_nobody_with_the_policys_resources() -> None:
    resources = Resources(cpu_request="5m", memory_request="8Mi", cpu_limit="50m", memory_limit="16Mi")
    policy = WaitPolicy(image=IMAGE, attempts=3, interval_seconds=2, connect_timeout_seconds=4, resources=resources)
    c = wait_container("db", "pgvector", 5432, policy)
    assert c["command"] == [
        "sh",
        "-c",
        (
            "n=0\n"
            "until nc -z -w 4 pgvector 5432; do\n"
            "  n=$((n+1))\n"
            '  if [ "$n" -ge 3 ]; then\n'
            '    echo "wait-for-db: pgvector:5432 did not answer after 3 attempts; giving up"\n'
            "    exit 1\n"
            "  fi\n"
            '  echo "wait-for-db: pgvector:5432 not answering yet (attempt $n/3), retrying in 2s"\n'
            "  sleep 2\n"
            "done\n"
            'echo "wait-for-db: pgvector:5432 answers"\n'
        ),
    ]
    assert (c["securityContext"]["runAsUser"], c["securityContext"]["runAsGroup"]) == (65534, 65534)
    assert c["resources"] == {"requests": {"cpu": "5m", "memory": "8Mi"}, "limits": {"cpu": "50m", "memory": "16Mi"}}


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_wait_script_gives_up_after_the_attempts_with_a_clear_log_line() -> None:
    """Run the real script with an ``nc`` that always fails: it must stop, exit 1 and say why."""
    c = wait_container("db", "db", 5432, WaitPolicy(image=IMAGE, attempts=2, interval_seconds=1))
    script = "nc() { return 1; }; sleep() { :; }\n" + c["command"][2]
    result = subprocess.run(["sh", "-c", script], check=False, capture_output=True, text=True, timeout=10)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "wait-for-db: db:5432 not answering yet (attempt 1/2), retrying in 1s",
        "wait-for-db: db:5432 did not answer after 2 attempts; giving up",
    ]
    ok = subprocess.run(
        ["sh", "-c", "nc() { return 0; }\n" + c["command"][2]], check=False, capture_output=True, text=True, timeout=10
    )
    assert (ok.returncode, ok.stdout) == (0, "wait-for-db: db:5432 answers\n")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"image": "registry.example.com/library/busybox:latest"}, "wait.image uses the moving tag 'latest'"),
        ({"attempts": 0}, "wait.attempts must be an integer from 1 to 3600, got 0"),
        ({"interval_seconds": True}, "wait.interval_seconds must be an integer from 1 to 3600, got True"),
    ],
)
def test_wait_policy_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        WaitPolicy(**{"image": IMAGE, **kwargs})


def test_wait_policy_defaults_wait_about_five_minutes_with_small_containers() -> None:
    policy = WaitPolicy(image=IMAGE)
    assert (policy.attempts, policy.interval_seconds, policy.connect_timeout_seconds) == (60, 5, 2)
    assert policy.resources == Resources(
        cpu_request="10m", memory_request="16Mi", cpu_limit="100m", memory_limit="32Mi"
    )
    script = wait_container("db", "db", 5432, policy)["command"][2]
    assert "until nc -z -w 2 db 5432; do" in script
    assert 'if [ "$n" -ge 60 ]; then' in script
    assert "  sleep 5\n" in script


@pytest.mark.parametrize("name", ["attempts", "interval_seconds", "connect_timeout_seconds"])
def test_wait_policy_numbers_range_from_1_to_3600(name: str) -> None:
    for good in (1, 3600):
        number: dict[str, Any] = {name: good}
        assert getattr(WaitPolicy(image=IMAGE, **number), name) == good
    for bad in (0, 3601, -1, "5", 5.0, False):
        message = f"wait.{name} must be an integer from 1 to 3600, got {bad!r}"
        wrong: dict[str, Any] = {name: bad}
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            WaitPolicy(image=IMAGE, **wrong)
