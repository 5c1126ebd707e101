"""Tests of ``SpringService``: effective defaults, every prop reaching the YAML, dependencies, validation."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from cdk8s import Chart
from conftest import container, env_of, names_and_selectors, new_chart, one, pod_spec, synth

from aipp_constructs import (
    NAMED_WIRING,
    PgvectorDb,
    PgvectorDbProps,
    RabbitMq,
    RabbitMqProps,
    RedisCache,
    RedisCacheProps,
    Resources,
    SecretKeyRef,
    SpringService,
    SpringServiceProps,
    Telemetry,
    WaitPolicy,
)

IMAGE = "harbor.example/aipp/backend:1.4.2"
WAIT_IMAGE = "harbor.example/dockerhub-proxy/library/busybox:1.37.0"
WAVE = "argocd.argoproj.io/sync-wave"
PG_USER = SecretKeyRef(name="pgvector-credentials", key="username")
PG_PASSWORD = SecretKeyRef(name="pgvector-credentials", key="password")
REDIS_PASSWORD = SecretKeyRef(name="redis-credentials", key="password")
MQ_USER = SecretKeyRef(name="rabbitmq-credentials", key="username")
MQ_PASSWORD = SecretKeyRef(name="rabbitmq-credentials", key="password")


def props(**overrides: Any) -> SpringServiceProps:
    return SpringServiceProps(**{"name": "backend", "image": IMAGE, **overrides})


def pgvector(chart: Chart) -> PgvectorDb:
    return PgvectorDb(
        chart,
        "Pgvector",
        PgvectorDbProps(
            image="harbor.example/dockerhub-proxy/pgvector/pgvector:0.8.1-pg17-bookworm",
            username=PG_USER,
            password=PG_PASSWORD,
            database="aipp",
        ),
    )


def redis(chart: Chart) -> RedisCache:
    return RedisCache(
        chart,
        "Redis",
        RedisCacheProps(image="harbor.example/dockerhub-proxy/library/redis:7.2.7", password=REDIS_PASSWORD),
    )


def rabbitmq(chart: Chart) -> RabbitMq:
    return RabbitMq(
        chart,
        "RabbitMq",
        RabbitMqProps(
            image="harbor.example/dockerhub-proxy/library/rabbitmq:3.13.7-management",
            username=MQ_USER,
            password=MQ_PASSWORD,
            erlang_cookie=SecretKeyRef(name="rabbitmq-credentials", key="erlang-cookie"),
        ),
    )


def build(chart: Chart, **overrides: Any) -> tuple[SpringService, list[dict[str, Any]], dict[str, Any]]:
    """A SpringService in ``chart``: the construct, the chart's manifests and its Deployment."""
    service = SpringService(chart, "Spring", props(**overrides))
    manifests = synth(chart)
    return service, manifests, one(manifests, "Deployment", service.props.name)


def http_probe(path: str, port: str, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": port, "scheme": "HTTP"},
        "initialDelaySeconds": 0,
        "periodSeconds": 10,
        "timeoutSeconds": 3,
        "failureThreshold": failures,
        "successThreshold": 1,
    }


def env_names(c: dict[str, Any]) -> list[str]:
    return [e["name"] for e in c["env"]]


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    """The minimal-props synth, shared read-only by the defaults tests."""
    chart = new_chart()
    SpringService(chart, "Backend", props())
    return synth(chart)


@pytest.fixture(scope="module")
def deployment(manifests: list[dict[str, Any]]) -> dict[str, Any]:
    return one(manifests, "Deployment", "backend")


@pytest.fixture(scope="module")
def backend(deployment: dict[str, Any]) -> dict[str, Any]:
    return container(deployment, "backend")


# --- defaults, field by field -------------------------------------------------------------


def test_spring_creates_one_deployment_and_one_service_named_after_name(manifests: list[dict[str, Any]]) -> None:
    assert sorted((m["kind"], m["metadata"]["name"]) for m in manifests) == [
        ("Deployment", "backend"),
        ("Service", "backend"),
    ]
    assert {m["metadata"]["annotations"][WAVE] for m in manifests} == {"1"}


def test_spring_service_is_cluster_ip_on_the_http_port(manifests: list[dict[str, Any]]) -> None:
    spec = one(manifests, "Service", "backend")["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["selector"] == {"app.kubernetes.io/name": "backend"}
    assert spec["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP", "targetPort": "http"}]


def test_spring_deployment_rolls_one_extra_pod_with_a_deadline_past_the_startup_budget(
    deployment: dict[str, Any],
) -> None:
    spec = deployment["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    assert spec["revisionHistoryLimit"] == 3
    assert spec["progressDeadlineSeconds"] == 600 + 300
    assert spec["selector"] == {"matchLabels": {"app.kubernetes.io/name": "backend"}}
    assert "annotations" not in spec["template"]["metadata"]
    assert "initContainers" not in pod_spec(deployment)


def test_spring_container_exposes_http_and_probes_the_actuator_groups(backend: dict[str, Any]) -> None:
    assert backend["ports"] == [{"containerPort": 8080, "name": "http", "protocol": "TCP"}]
    # The startup probe carries the 600 s budget: ceil(600 / 10) failures.
    assert backend["startupProbe"] == http_probe("/actuator/health/liveness", "http", 60)
    assert backend["readinessProbe"] == http_probe("/actuator/health/readiness", "http", 3)
    assert backend["livenessProbe"] == http_probe("/actuator/health/liveness", "http", 6)


def test_spring_env_sizes_the_jvm_and_shuts_down_gracefully(backend: dict[str, Any]) -> None:
    env = env_of(backend)
    assert env["JAVA_TOOL_OPTIONS"] == "-XX:MaxRAMPercentage=75"
    assert env["SERVER_PORT"] == "8080"
    assert env["MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED"] == "true"
    # No metrics unless asked for: the image's own exposure settings are overridden.
    assert env["MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE"] == "health"
    assert env["SERVER_SHUTDOWN"] == "graceful"
    assert env["SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE"] == "30s"
    for absent in ("MANAGEMENT_SERVER_PORT", "SPRING_CONFIG_ADDITIONAL_LOCATION"):
        assert absent not in env


def test_spring_env_is_downward_api_then_own_settings_then_telemetry(backend: dict[str, Any]) -> None:
    assert env_names(backend) == [
        "K8S_POD_NAME",
        "K8S_NAMESPACE_NAME",
        "SERVER_PORT",
        "MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED",
        "JAVA_TOOL_OPTIONS",
        "MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE",
        "SERVER_SHUTDOWN",
        "SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE",
        "OTEL_SERVICE_NAME",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_LOGS_EXPORTER",
    ]


def test_spring_env_reports_to_the_collector_with_pod_attributes(backend: dict[str, Any]) -> None:
    env = env_of(backend)
    assert env["OTEL_SERVICE_NAME"] == "backend"
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://opentelemetry-collector.observability.svc:4318"
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    assert env["OTEL_LOGS_EXPORTER"] == "none"
    assert env["OTEL_RESOURCE_ATTRIBUTES"] == (
        "service.version=1.4.2,k8s.namespace.name=$(K8S_NAMESPACE_NAME),k8s.pod.name=$(K8S_POD_NAME)"
    )
    assert env["K8S_POD_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["K8S_NAMESPACE_NAME"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    # $(VAR) expands only to variables defined earlier in the list.
    names = env_names(backend)
    assert names.index("K8S_POD_NAME") < names.index("OTEL_RESOURCE_ATTRIBUTES")
    assert names.index("K8S_NAMESPACE_NAME") < names.index("OTEL_RESOURCE_ATTRIBUTES")


def test_spring_pauses_before_stop_and_grants_the_grace_period(
    deployment: dict[str, Any], backend: dict[str, Any]
) -> None:
    assert backend["lifecycle"] == {"preStop": {"exec": {"command": ["sleep", "10"]}}}
    # 10 s preStop + 30 s Spring shutdown + 5 s margin.
    assert pod_spec(deployment)["terminationGracePeriodSeconds"] == 45


def test_spring_pauses_with_the_native_sleep_action_on_v1_30_and_later(chart: Chart) -> None:
    _, _, deployment = build(chart, kubernetes_version="v1.30")
    assert container(deployment, "backend")["lifecycle"] == {"preStop": {"sleep": {"seconds": 10}}}


def test_spring_mounts_a_limited_writable_tmp_only(deployment: dict[str, Any], backend: dict[str, Any]) -> None:
    assert backend["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
    assert pod_spec(deployment)["volumes"] == [{"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}}]


def test_spring_pod_runs_restricted_as_the_default_uid_10001(
    deployment: dict[str, Any], backend: dict[str, Any]
) -> None:
    spec = pod_spec(deployment)
    assert spec["securityContext"] == {
        "fsGroup": 10001,
        "fsGroupChangePolicy": "OnRootMismatch",
        "runAsGroup": 10001,
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert backend["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsGroup": 10001,
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert spec["automountServiceAccountToken"] is False
    assert spec["enableServiceLinks"] is False
    assert "imagePullSecrets" not in spec


def test_spring_container_pins_pull_policy_and_explicit_resources(backend: dict[str, Any]) -> None:
    assert backend["image"] == IMAGE
    assert backend["imagePullPolicy"] == "IfNotPresent"
    assert backend["resources"] == {
        "requests": {"cpu": "250m", "memory": "512Mi"},
        "limits": {"cpu": "1", "memory": "512Mi"},
    }


def test_spring_labels_every_object_as_backend(manifests: list[dict[str, Any]]) -> None:
    labels = {
        "app.kubernetes.io/name": "backend",
        "app.kubernetes.io/component": "backend",
        "app.kubernetes.io/version": "1.4.2",
        "app.kubernetes.io/managed-by": "cdk8s",
    }
    for m in manifests:
        assert m["metadata"]["labels"] == labels, m["metadata"]["name"]
    assert one(manifests, "Deployment")["spec"]["template"]["metadata"]["labels"] == labels


def test_spring_endpoint_is_http_on_name_and_port(chart: Chart) -> None:
    endpoint = SpringService(chart, "Spring", props(port=9000, management_port=9001)).endpoint
    assert endpoint is not None
    # Every Service port is offered; dependents connect to the first (http).
    assert (endpoint.host, dict(endpoint.ports), endpoint.protocol) == (
        "backend",
        {"http": 9000, "management": 9001},
        "http",
    )
    assert endpoint.main_port == 9000
    assert dict(endpoint.properties) == {"url": "http://backend:9000"}


# --- every prop reaches the YAML ----------------------------------------------------------


def test_spring_every_prop_reaches_the_yaml(chart: Chart) -> None:
    cache = redis(chart)
    broker = rabbitmq(chart)
    database = pgvector(chart)
    earlier = SpringService(chart, "Earlier", props(name="earlier", depends_on=(database,)))
    values: dict[str, Any] = {
        "name": "worker",
        "image": "registry.example:5000/mirror/worker:2.0.1",
        "part_of": "aipp",
        "replicas": 2,
        "port": 9000,
        "resources": Resources(cpu_request="500m", memory_request="1Gi", cpu_limit="2", memory_limit="2Gi"),
        "run_as_user": 2000,
        "depends_on": (cache, broker),
        "after": (earlier,),
        "wait": WaitPolicy(image=WAIT_IMAGE),
        "wiring": NAMED_WIRING,
        "wiring_overrides": {"redis": {"host": "CACHE_HOST"}},
        "wiring_updates": {"rabbitmq": {"url": None, "port": ("RABBITMQ_PORT", "MQ_PORT")}},
        "env": {"FEATURE_X": "on"},
        "config_files": {"application.yaml": "feature: x\n"},
        "config_dir": "/etc/worker",
        "tmp_size": "1Gi",
        "telemetry": Telemetry(mode="operator", instrumentation="observability/java"),
        "image_pull_secrets": ("harbor-pull",),
        "startup_timeout_seconds": 125,
        "management_port": 9001,
        "max_ram_percentage": 60,
        "java_options": "-XX:+UseG1GC",
        "pre_stop_seconds": 0,
        "kubernetes_version": "v1.30",
        "shutdown_timeout_seconds": 20,
        "singleton": True,
        "leader_elected": True,
        "metrics": True,
        "policy_exceptions": {"CKV_K8S_40": "the worker image's files belong to uid 2000"},
    }
    fields = {f.name: f for f in dataclasses.fields(SpringServiceProps)}
    assert set(values) == set(fields), "a SpringServiceProps field is not covered by this test"
    for name, f in fields.items():
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        assert values[name] != default, f"{name} is set to its default"

    worker = SpringService(chart, "Worker", SpringServiceProps(**values))
    manifests = [m for m in synth(chart) if m["metadata"]["name"].startswith("worker")]
    deployment = one(manifests, "Deployment", "worker")
    service = one(manifests, "Service", "worker")
    files = one(manifests, "ConfigMap", "worker-files")
    spec = pod_spec(deployment)
    main = container(deployment, "worker")
    env = env_of(main)
    selector = {"app.kubernetes.io/name": "worker", "app.kubernetes.io/part-of": "aipp"}

    # name
    assert sorted((m["kind"], m["metadata"]["name"]) for m in manifests) == [
        ("ConfigMap", "worker-files"),
        ("Deployment", "worker"),
        ("Service", "worker"),
    ]
    # image
    assert main["image"] == "registry.example:5000/mirror/worker:2.0.1"
    assert deployment["metadata"]["labels"]["app.kubernetes.io/version"] == "2.0.1"
    # part_of
    assert deployment["spec"]["selector"]["matchLabels"] == selector
    assert service["spec"]["selector"] == selector
    for m in manifests:
        assert m["metadata"]["labels"]["app.kubernetes.io/part-of"] == "aipp"
    # replicas, singleton, leader_elected: a leader-elected singleton may roll
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    # port, management_port
    assert main["ports"] == [
        {"containerPort": 9000, "name": "http", "protocol": "TCP"},
        {"containerPort": 9001, "name": "management", "protocol": "TCP"},
    ]
    assert service["spec"]["ports"] == [
        {"name": "http", "port": 9000, "protocol": "TCP", "targetPort": "http"},
        {"name": "management", "port": 9001, "protocol": "TCP", "targetPort": "management"},
    ]
    assert env["SERVER_PORT"] == "9000"
    assert env["MANAGEMENT_SERVER_PORT"] == "9001"
    # metrics
    assert env["MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE"] == "health,prometheus"
    assert worker.metrics_path == "/actuator/prometheus"
    # startup_timeout_seconds: ceil(125 / 10) = 13 failures; deadline 125 + 300
    assert main["startupProbe"] == http_probe("/actuator/health/liveness", "management", 13)
    assert main["readinessProbe"] == http_probe("/actuator/health/readiness", "management", 3)
    assert main["livenessProbe"] == http_probe("/actuator/health/liveness", "management", 6)
    assert deployment["spec"]["progressDeadlineSeconds"] == 425
    # max_ram_percentage, java_options
    assert env["JAVA_TOOL_OPTIONS"] == "-XX:MaxRAMPercentage=60 -XX:+UseG1GC"
    # pre_stop_seconds 0, shutdown_timeout_seconds
    assert "lifecycle" not in main
    assert env["SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE"] == "20s"
    assert spec["terminationGracePeriodSeconds"] == 0 + 20 + 5
    # resources
    assert main["resources"] == {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "2Gi"}}
    # run_as_user
    assert spec["securityContext"]["runAsUser"] == 2000
    # policy_exceptions: the caller's reason replaces the preset's for CKV_K8S_40; the preset's
    # CKV_K8S_35 stays (the wired Redis and RabbitMQ credentials are variables)
    skips = {k: v for k, v in deployment["metadata"]["annotations"].items() if k.startswith("checkov.io/")}
    assert skips["checkov.io/skip3"] == "CKV_K8S_40=the worker image's files belong to uid 2000"
    assert skips["checkov.io/skip2"].startswith("CKV_K8S_35=the vendor image takes its connection credentials")
    assert spec["securityContext"]["fsGroup"] == 2000
    assert (main["securityContext"]["runAsUser"], main["securityContext"]["runAsGroup"]) == (2000, 2000)
    # depends_on, wait
    assert [c["name"] for c in spec["initContainers"]] == ["wait-for-redis", "wait-for-rabbitmq"]
    assert {c["image"] for c in spec["initContainers"]} == {WAIT_IMAGE}
    # wiring (NAMED_WIRING for rabbitmq), wiring_overrides (redis: the host only),
    # wiring_updates (rabbitmq: no url, the port twice)
    assert env["CACHE_HOST"] == "redis"
    assert not [var for var in env if var.startswith(("REDIS_", "SPRING_DATA_REDIS_"))]
    assert env["RABBITMQ_HOST"] == "rabbitmq"
    assert env["RABBITMQ_PORT"] == env["MQ_PORT"] == "5672"
    assert "RABBITMQ_URL" not in env
    assert env["RABBITMQ_USERNAME"] == {"secretKeyRef": {"name": "rabbitmq-credentials", "key": "username"}}
    assert env["RABBITMQ_PASSWORD"] == {"secretKeyRef": {"name": "rabbitmq-credentials", "key": "password"}}
    # after: wave 1 + earlier's wave 2, no wait and no wiring for it
    assert (earlier.wave, worker.wave) == (2, 3)
    assert deployment["metadata"]["annotations"][WAVE] == "3"
    assert service["metadata"]["annotations"][WAVE] == "3"
    assert "EARLIER_URL" not in env
    # env
    assert env["FEATURE_X"] == "on"
    assert env_names(main)[-1] == "FEATURE_X"
    # config_files, config_dir
    assert files["data"] == {"application.yaml": "feature: x\n"}
    assert files["metadata"]["annotations"] == {WAVE: "0"}
    assert main["volumeMounts"] == [
        {"name": "tmp", "mountPath": "/tmp"},
        {"name": "files", "mountPath": "/etc/worker", "readOnly": True},
    ]
    assert env["SPRING_CONFIG_ADDITIONAL_LOCATION"] == "optional:file:/etc/worker/"
    # tmp_size
    assert spec["volumes"] == [
        {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}},
        {"name": "files", "configMap": {"name": "worker-files", "defaultMode": 0o444}},
    ]
    # telemetry: the operator injects; the pod carries only the annotation
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["instrumentation.opentelemetry.io/inject-java"] == "observability/java"
    assert not [var for var in env if var.startswith(("OTEL_", "K8S_"))]
    # image_pull_secrets
    assert spec["imagePullSecrets"] == [{"name": "harbor-pull"}]


def test_spring_config_files_roll_the_pods_through_a_checksum_that_follows_the_content() -> None:
    def checksum(content: str) -> str:
        _, _, deployment = build(new_chart(), config_files={"application.yaml": content})
        value: str = deployment["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
        return value

    first = checksum("feature: x\n")
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert checksum("feature: x\n") == first
    assert checksum("feature: y\n") != first


def test_spring_config_files_default_to_a_read_only_config_dir(chart: Chart) -> None:
    _, manifests, deployment = build(chart, config_files={"application.yaml": "a: 1\n", "logback.xml": "<x/>"})
    files = one(manifests, "ConfigMap", "backend-files")
    assert files["data"] == {"application.yaml": "a: 1\n", "logback.xml": "<x/>"}
    assert files["metadata"]["annotations"] == {WAVE: "0"}
    backend = container(deployment, "backend")
    assert backend["volumeMounts"][1] == {"name": "files", "mountPath": "/config", "readOnly": True}
    assert env_of(backend)["SPRING_CONFIG_ADDITIONAL_LOCATION"] == "optional:file:/config/"


def test_spring_telemetry_off_sets_neither_variables_nor_annotation(chart: Chart) -> None:
    _, _, deployment = build(chart, telemetry=Telemetry(mode="off"))
    env = env_of(container(deployment, "backend"))
    assert not [var for var in env if var.startswith(("OTEL_", "K8S_"))]
    assert "annotations" not in deployment["spec"]["template"]["metadata"]


def test_spring_telemetry_env_follows_endpoint_protocol_and_part_of(chart: Chart) -> None:
    telemetry = Telemetry(endpoint="http://otel.example:4317", protocol="grpc")
    _, _, deployment = build(chart, telemetry=telemetry, part_of="aipp")
    env = env_of(container(deployment, "backend"))
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel.example:4317"
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "grpc"
    assert env["OTEL_RESOURCE_ATTRIBUTES"].startswith("service.namespace=aipp,service.version=1.4.2,")


# --- dependencies: waits, wiring, waves ---------------------------------------------------


def test_spring_waits_for_each_dependency_in_depends_on_order(chart: Chart) -> None:
    deps = (redis(chart), pgvector(chart), rabbitmq(chart))
    _, _, deployment = build(chart, depends_on=deps, wait=WaitPolicy(image=WAIT_IMAGE, attempts=12))
    waits = pod_spec(deployment)["initContainers"]
    assert [c["name"] for c in waits] == ["wait-for-redis", "wait-for-pgvector", "wait-for-rabbitmq"]
    for c, target in zip(waits, ("redis 6379", "pgvector 5432", "rabbitmq 5672"), strict=True):
        assert c["image"] == WAIT_IMAGE
        assert c["command"][:2] == ["sh", "-c"]
        script = c["command"][2]
        assert f"until nc -z -w 2 {target}; do" in script
        assert 'if [ "$n" -ge 12 ]; then' in script
        assert c["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "runAsGroup": 65534,
            "runAsNonRoot": True,
            "runAsUser": 65534,
            "seccompProfile": {"type": "RuntimeDefault"},
        }
        assert c["resources"] == {
            "requests": {"cpu": "10m", "memory": "16Mi"},
            "limits": {"cpu": "100m", "memory": "32Mi"},
        }


def test_spring_without_wait_policy_has_no_wait_containers(chart: Chart) -> None:
    _, _, deployment = build(chart, depends_on=(redis(chart),))
    assert "initContainers" not in pod_spec(deployment)
    assert env_of(container(deployment, "backend"))["SPRING_DATA_REDIS_HOST"] == "redis"


def test_spring_is_wired_to_its_dependencies_with_spring_boot_names(chart: Chart) -> None:
    deps = (pgvector(chart), redis(chart), rabbitmq(chart))
    _, _, deployment = build(chart, depends_on=deps)
    backend = container(deployment, "backend")
    env = env_of(backend)

    def ref(secret: SecretKeyRef) -> dict[str, Any]:
        return {"secretKeyRef": {"name": secret.name, "key": secret.key}}

    assert env["SPRING_DATASOURCE_URL"] == "jdbc:postgresql://pgvector:5432/aipp"
    assert env["SPRING_DATASOURCE_USERNAME"] == ref(PG_USER)
    assert env["SPRING_DATASOURCE_PASSWORD"] == ref(PG_PASSWORD)
    assert env["SPRING_DATA_REDIS_HOST"] == "redis"
    assert env["SPRING_DATA_REDIS_PORT"] == "6379"
    assert env["SPRING_DATA_REDIS_PASSWORD"] == ref(REDIS_PASSWORD)
    assert env["SPRING_RABBITMQ_HOST"] == "rabbitmq"
    assert env["SPRING_RABBITMQ_PORT"] == "5672"
    assert env["SPRING_RABBITMQ_USERNAME"] == ref(MQ_USER)
    assert env["SPRING_RABBITMQ_PASSWORD"] == ref(MQ_PASSWORD)
    credentials = {
        "SPRING_DATASOURCE_USERNAME",
        "SPRING_DATASOURCE_PASSWORD",
        "SPRING_DATA_REDIS_PASSWORD",
        "SPRING_RABBITMQ_USERNAME",
        "SPRING_RABBITMQ_PASSWORD",
    }
    assert [e for e in backend["env"] if e["name"] in credentials and "value" in e] == []
    # Wired variables come after the downward API and before the service's own settings.
    assert env_names(backend)[2:12] == [
        "SPRING_DATASOURCE_URL",
        "SPRING_DATASOURCE_USERNAME",
        "SPRING_DATASOURCE_PASSWORD",
        "SPRING_DATA_REDIS_HOST",
        "SPRING_DATA_REDIS_PORT",
        "SPRING_DATA_REDIS_PASSWORD",
        "SPRING_RABBITMQ_HOST",
        "SPRING_RABBITMQ_PORT",
        "SPRING_RABBITMQ_USERNAME",
        "SPRING_RABBITMQ_PASSWORD",
    ]
    assert env_names(backend)[12] == "SERVER_PORT"


def test_spring_wiring_override_replaces_the_dependency_wiring_entirely(chart: Chart) -> None:
    _, _, deployment = build(chart, depends_on=(pgvector(chart),), wiring_overrides={"pgvector": {"url": "DB_URL"}})
    env = env_of(container(deployment, "backend"))
    assert env["DB_URL"] == "postgresql://pgvector:5432/aipp"
    assert not [var for var in env if var.startswith("SPRING_DATASOURCE_")]


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        pytest.param(
            {"rabbitmq": {"host": "MQ_HOST"}}, ("'rabbitmq'", "not a dependency", "pgvector"), id="not-a-dependency"
        ),
        pytest.param({"pgvector": {"schema": "DB_SCHEMA"}}, ("pgvector", "no fact 'schema'"), id="unknown-fact"),
    ],
)
def test_spring_fails_when_a_wiring_override_names_something_unknown(
    chart: Chart, overrides: dict[str, dict[str, str]], named: tuple[str, ...]
) -> None:
    database = pgvector(chart)
    with pytest.raises(ValueError) as raised:
        SpringService(chart, "Spring", props(depends_on=(database,), wiring_overrides=overrides))
    for part in named:
        assert part in str(raised.value)


def test_spring_fails_when_env_repeats_a_wired_variable(chart: Chart) -> None:
    cache = redis(chart)
    with pytest.raises(ValueError, match=r"^env\.SPRING_DATA_REDIS_HOST is already set by the construct"):
        SpringService(chart, "Spring", props(depends_on=(cache,), env={"SPRING_DATA_REDIS_HOST": "other"}))


@pytest.mark.parametrize(
    "variable", ["JAVA_TOOL_OPTIONS", "OTEL_SERVICE_NAME", "SERVER_PORT", "MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE"]
)
def test_spring_fails_when_env_repeats_a_variable_it_sets_itself(chart: Chart, variable: str) -> None:
    with pytest.raises(ValueError, match=f"^env\\.{variable} is already set by the construct"):
        SpringService(chart, "Spring", props(env={variable: "x"}))


def test_spring_depending_on_a_data_component_is_wave_2(chart: Chart) -> None:
    database = pgvector(chart)
    service, manifests, deployment = build(chart, depends_on=(database,), config_files={"a.yaml": "a: 1\n"})
    assert (database.wave, service.wave) == (1, 2)
    assert deployment["metadata"]["annotations"][WAVE] == "2"
    assert one(manifests, "Service", "backend")["metadata"]["annotations"][WAVE] == "2"
    assert one(manifests, "ConfigMap", "backend-files")["metadata"]["annotations"][WAVE] == "0"


def test_spring_after_orders_without_waiting_or_wiring(chart: Chart) -> None:
    cache = redis(chart)
    earlier = SpringService(chart, "Earlier", props(name="earlier", depends_on=(cache,)))
    service = SpringService(chart, "Later", props(name="later", after=(earlier,), wait=WaitPolicy(image=WAIT_IMAGE)))
    manifests = synth(chart)
    deployment = one(manifests, "Deployment", "later")
    assert (earlier.wave, service.wave) == (2, 3)
    assert deployment["metadata"]["annotations"][WAVE] == "3"
    assert one(manifests, "Service", "later")["metadata"]["annotations"][WAVE] == "3"
    assert "initContainers" not in pod_spec(deployment)
    env = env_of(container(deployment, "later"))
    assert "EARLIER_URL" not in env
    assert not [var for var in env if "REDIS" in var]


# --- singleton ----------------------------------------------------------------------------


def test_spring_singleton_refuses_more_than_one_replica() -> None:
    with pytest.raises(ValueError, match=r"^replicas must be 1 for scheduler\b.*got 2"):
        props(name="scheduler", singleton=True, replicas=2)


def test_spring_leader_elected_singleton_may_roll_several_replicas(chart: Chart) -> None:
    _, _, deployment = build(chart, singleton=True, leader_elected=True, replicas=2)
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }


def test_spring_singleton_with_one_replica_is_recreated_never_doubled(chart: Chart) -> None:
    _, _, deployment = build(chart, singleton=True)
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "bad"),
    [
        pytest.param({"name": "Backend"}, "name", "Backend", id="name-upper"),
        pytest.param({"name": "back_end"}, "name", "back_end", id="name-underscore"),
        pytest.param(
            {"image": "harbor.example/aipp/backend:latest"},
            "image",
            "harbor.example/aipp/backend:latest",
            id="image-latest",
        ),
        pytest.param(
            {"image": "harbor.example/aipp/backend"}, "image", "harbor.example/aipp/backend", id="image-no-tag"
        ),
        pytest.param({"replicas": -1}, "replicas", -1, id="replicas-negative"),
        pytest.param({"replicas": True}, "replicas", True, id="replicas-bool"),
        pytest.param({"port": 0}, "port", 0, id="port-zero"),
        pytest.param({"run_as_user": 0}, "run_as_user", 0, id="run-as-root"),
        pytest.param({"wiring": {"http": {"url": "{NAME}-URL"}}}, "wiring.http.url", "X-URL", id="wiring-var"),
        pytest.param(
            {"wiring_overrides": {"pgvector": {"url": "DB-URL"}}},
            "wiring_overrides.pgvector.url",
            "DB-URL",
            id="override-var",
        ),
        pytest.param({"env": {"1BAD": "x"}}, "env.1BAD", "1BAD", id="env-name"),
        pytest.param({"config_files": {"a/b": "x"}}, "config_files", "a/b", id="config-file-path"),
        pytest.param({"config_files": {"..": "x"}}, "config_files", "..", id="config-file-dotdot"),
        pytest.param({"config_dir": "/tmp"}, "config_dir", "/tmp", id="config-dir-tmp"),
        pytest.param({"config_dir": "config"}, "config_dir", "config", id="config-dir-relative"),
        pytest.param({"config_dir": "/tmp/"}, "config_dir", "/tmp/", id="config-dir-tmp-trailing-slash"),
        pytest.param({"config_dir": "/tmp/conf"}, "config_dir", "/tmp/conf", id="config-dir-inside-tmp"),
        pytest.param({"config_dir": "/config/.."}, "config_dir", "/config/..", id="config-dir-dot-dot"),
        pytest.param({"config_dir": "//"}, "config_dir", "//", id="config-dir-double-slash"),
        pytest.param({"tmp_size": "1GB"}, "tmp_size", "1GB", id="tmp-size"),
        pytest.param({"image_pull_secrets": ("Harbor",)}, "image_pull_secrets[]", "Harbor", id="pull-secret"),
        pytest.param({"startup_timeout_seconds": 5}, "startup_timeout_seconds", 5, id="startup-short"),
        pytest.param({"management_port": 70000}, "management_port", 70000, id="management-port-high"),
        pytest.param({"management_port": 8080}, "management_port", 8080, id="management-port-is-port"),
        pytest.param({"max_ram_percentage": 95}, "max_ram_percentage", 95, id="ram-95"),
        pytest.param({"max_ram_percentage": 5}, "max_ram_percentage", 5, id="ram-5"),
        pytest.param({"java_options": "-Xmx2g"}, "java_options", "-Xmx2g", id="java-xmx"),
        pytest.param(
            {"java_options": "-XX:MaxRAMPercentage=50"}, "java_options", "-XX:MaxRAMPercentage=50", id="java-ram"
        ),
        pytest.param({"pre_stop_seconds": 301}, "pre_stop_seconds", 301, id="pre-stop-long"),
        pytest.param({"shutdown_timeout_seconds": -1}, "shutdown_timeout_seconds", -1, id="shutdown-negative"),
        pytest.param({"metrics": "yes"}, "metrics", "yes", id="metrics-not-bool"),
        pytest.param({"kubernetes_version": "1.30"}, "kubernetes_version", "1.30", id="version-no-v"),
    ],
)
def test_fails_when_a_prop_is_invalid(overrides: dict[str, Any], field: str, bad: Any) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(field)} ") as raised:
        props(**overrides)
    assert f"got {bad!r}" in str(raised.value)


def test_fails_when_env_sets_a_downward_api_variable() -> None:
    with pytest.raises(ValueError, match=r"^env\.K8S_POD_NAME is set by the construct from the downward API"):
        props(env={"K8S_POD_NAME": "x"})


# --- stable names -------------------------------------------------------------------------


def test_spring_names_and_selectors_survive_construct_id_changes() -> None:
    def shape(chart_id: str, construct_id: str) -> list[tuple[str, str, Any]]:
        chart = new_chart(chart_id)
        SpringService(chart, construct_id, props(part_of="aipp", config_files={"application.yaml": "a: 1\n"}))
        return names_and_selectors(synth(chart))

    first = shape("test", "Backend")
    assert first == shape("other-chart", "Api")
    assert sorted(name for _, name, _ in first) == ["backend", "backend", "backend-files"]
