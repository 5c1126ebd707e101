"""Tests of ``GpuWorker``: effective defaults, every prop reaching the YAML, the settings ConfigMap, validation."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from cdk8s import Chart
from conftest import container, env_of, names_and_selectors, new_chart, one, pod_spec, synth

from aipp_constructs import (
    Component,
    GpuWorker,
    GpuWorkerProps,
    PgvectorDb,
    PgvectorDbProps,
    RedisCache,
    RedisCacheProps,
    Resources,
    SecretKeyRef,
    SpringService,
    SpringServiceProps,
    Telemetry,
    Toleration,
    WaitPolicy,
)

IMAGE = "registry.example.com/aipp/embedder:v1.2.3"
WAIT_IMAGE = "registry.example.com/library/busybox:1.36.1"
PG_USERNAME = SecretKeyRef(name="pgvector-credentials", key="username")
PG_PASSWORD = SecretKeyRef(name="pgvector-credentials", key="password")
REDIS_PASSWORD = SecretKeyRef(name="redis-credentials", key="password")


def props(**overrides: Any) -> GpuWorkerProps:
    return GpuWorkerProps(**{"name": "embedder", "image": IMAGE, **overrides})


def pgvector(chart: Chart) -> PgvectorDb:
    return PgvectorDb(
        chart,
        "Pgvector",
        PgvectorDbProps(
            image="harbor.example/dockerhub-proxy/pgvector/pgvector:0.8.1-pg17-bookworm",
            username=PG_USERNAME,
            password=PG_PASSWORD,
        ),
    )


def redis(chart: Chart) -> RedisCache:
    return RedisCache(
        chart,
        "Redis",
        RedisCacheProps(image="harbor.example/dockerhub-proxy/library/redis:7.2.7", password=REDIS_PASSWORD),
    )


def backend(chart: Chart) -> SpringService:
    return SpringService(
        chart, "Backend", SpringServiceProps(name="enai-backend", image="registry.example.com/aipp/backend:v1.0.0")
    )


def checksum(**overrides: Any) -> str:
    chart = new_chart()
    GpuWorker(chart, "Worker", props(**overrides))
    value: str = one(synth(chart), "Deployment", "embedder")["spec"]["template"]["metadata"]["annotations"][
        "checksum/config"
    ]
    return value


# --- defaults, field by field -------------------------------------------------------------


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    """The minimal-props synth, shared read-only by the defaults tests."""
    chart = new_chart()
    GpuWorker(chart, "Worker", props())
    return synth(chart)


@pytest.fixture(scope="module")
def deployment(manifests: list[dict[str, Any]]) -> dict[str, Any]:
    return one(manifests, "Deployment", "embedder")


@pytest.fixture(scope="module")
def worker(deployment: dict[str, Any]) -> dict[str, Any]:
    return container(deployment, "embedder")


def test_gpu_worker_creates_config_map_deployment_and_service(manifests: list[dict[str, Any]]) -> None:
    assert sorted((m["kind"], m["metadata"]["name"]) for m in manifests) == [
        ("ConfigMap", "embedder-config"),
        ("Deployment", "embedder"),
        ("Service", "embedder"),
    ]
    waves = {m["kind"]: m["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] for m in manifests}
    assert waves == {"ConfigMap": "0", "Deployment": "1", "Service": "1"}
    assert {m["metadata"]["namespace"] for m in manifests} == {"test"}


def test_gpu_worker_labels_every_object_as_gpu_worker(manifests: list[dict[str, Any]]) -> None:
    labels = {
        "app.kubernetes.io/name": "embedder",
        "app.kubernetes.io/component": "gpu-worker",
        "app.kubernetes.io/version": "v1.2.3",
        "app.kubernetes.io/managed-by": "cdk8s",
    }
    for m in manifests:
        assert m["metadata"]["labels"] == labels, m["kind"]
    assert one(manifests, "Deployment")["spec"]["template"]["metadata"]["labels"] == labels


def test_gpu_worker_service_and_container_serve_port_8000(
    manifests: list[dict[str, Any]], worker: dict[str, Any]
) -> None:
    spec = one(manifests, "Service", "embedder")["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["selector"] == {"app.kubernetes.io/name": "embedder"}
    assert spec["ports"] == [{"name": "http", "port": 8000, "protocol": "TCP", "targetPort": "http"}]
    assert worker["ports"] == [{"containerPort": 8000, "name": "http", "protocol": "TCP"}]
    assert worker["image"] == IMAGE
    assert worker["imagePullPolicy"] == "IfNotPresent"


def test_gpu_worker_defaults_to_one_replica_recreated_without_rolling_update(deployment: dict[str, Any]) -> None:
    spec = deployment["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "Recreate"}
    assert "rollingUpdate" not in spec["strategy"]
    assert spec["selector"] == {"matchLabels": {"app.kubernetes.io/name": "embedder"}}
    # 900 s startup budget + 300 s margin.
    assert spec["progressDeadlineSeconds"] == 1200


def test_gpu_worker_requests_and_limits_one_gpu_and_default_cpu_memory(worker: dict[str, Any]) -> None:
    assert worker["resources"] == {
        "requests": {"cpu": "1", "memory": "8Gi", "nvidia.com/gpu": 1},
        "limits": {"cpu": "4", "memory": "8Gi", "nvidia.com/gpu": 1},
    }


def test_gpu_worker_lands_on_gpu_nodes_and_tolerates_the_gpu_taint(deployment: dict[str, Any]) -> None:
    spec = pod_spec(deployment)
    assert spec["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert spec["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert "runtimeClassName" not in spec


def test_gpu_worker_mounts_memory_shm_of_1gi_and_tmp(deployment: dict[str, Any], worker: dict[str, Any]) -> None:
    assert pod_spec(deployment)["volumes"] == [
        {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}},
        {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}},
    ]
    assert worker["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}, {"name": "shm", "mountPath": "/dev/shm"}]


def test_gpu_worker_probes_tcp_http_port_with_a_15_minute_startup_budget(worker: dict[str, Any]) -> None:
    def probe(period: int, timeout: int, failures: int) -> dict[str, Any]:
        return {
            "tcpSocket": {"port": "http"},
            "initialDelaySeconds": 0,
            "periodSeconds": period,
            "timeoutSeconds": timeout,
            "failureThreshold": failures,
            "successThreshold": 1,
        }

    assert worker["startupProbe"] == probe(10, 5, 90)  # ceil(900 / 10)
    assert worker["readinessProbe"] == probe(10, 5, 3)
    assert worker["livenessProbe"] == probe(20, 10, 6)


def test_gpu_worker_reads_settings_from_its_config_map(manifests: list[dict[str, Any]], worker: dict[str, Any]) -> None:
    assert worker["envFrom"] == [{"configMapRef": {"name": "embedder-config"}}]
    assert one(manifests, "ConfigMap", "embedder-config")["data"] == {}
    # Only the downward API and telemetry variables stay in the container env.
    assert list(env_of(worker)) == [
        "K8S_POD_NAME",
        "K8S_NAMESPACE_NAME",
        "OTEL_SERVICE_NAME",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_LOGS_EXPORTER",
    ]


def test_gpu_worker_pod_runs_restricted_as_the_default_uid_10001(
    deployment: dict[str, Any], worker: dict[str, Any]
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
    assert spec["automountServiceAccountToken"] is False
    assert spec["enableServiceLinks"] is False
    assert "initContainers" not in spec
    assert worker["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsGroup": 10001,
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


# --- every prop reaches the YAML ----------------------------------------------------------


@pytest.fixture(scope="module")
def custom() -> dict[str, Any]:
    """Every GpuWorkerProps field set to a non-default value, with the objects it produces."""
    chart = new_chart()
    cache = redis(chart)
    api = backend(chart)
    # Wave 2: applying the worker after it puts the worker in wave 3.
    upstream = Component(chart, "Upstream", name="upstream", component="test", version="1", depends_on=(cache,))
    values: dict[str, Any] = {
        "name": "reranker",
        "image": "registry.example.com/aipp/reranker:v2.0.1",
        "part_of": "aipp",
        "replicas": 2,
        "port": 9000,
        "resources": Resources(cpu_request="2", memory_request="16Gi", cpu_limit="8", memory_limit="24Gi"),
        "run_as_user": 2000,
        "depends_on": (cache, api),
        "after": (upstream,),
        "wait": WaitPolicy(image=WAIT_IMAGE),
        "wiring": {"http": {"url": "{NAME}_ENDPOINT"}},
        "wiring_overrides": {"redis": {"url": "CACHE_URL", "password": "CACHE_PASSWORD"}},
        "wiring_updates": {"enai-backend": {"host": "BACKEND_HOST"}},
        "env": {"MODEL_ID": "bge-reranker-v2"},
        "config_files": {"model.yaml": "batch: 8\n"},
        "config_dir": "/etc/worker",
        "tmp_size": "1Gi",
        "telemetry": Telemetry(mode="operator"),
        "image_pull_secrets": ("harbor-pull",),
        "startup_timeout_seconds": 1800,
        "health_path": "/health",
        "gpu_count": 2,
        "gpu_resource": "amd.com/gpu",
        "node_selector": {"node.kubernetes.io/instance-type": "g5.2xlarge"},
        "tolerations": (
            Toleration(key="amd.com/gpu"),
            Toleration(key="dedicated", operator="Equal", value="inference", effect="NoExecute"),
        ),
        "runtime_class_name": "nvidia",
        "shm_size": "2Gi",
        "policy_exceptions": {"CKV_K8S_35": "the reranker reads its cache password from the environment only"},
    }
    GpuWorker(chart, "Worker", GpuWorkerProps(**values))
    manifests = [m for m in synth(chart) if m["metadata"]["name"].startswith("reranker")]
    deployment = one(manifests, "Deployment", "reranker")
    return {
        "values": values,
        "manifests": manifests,
        "deployment": deployment,
        "pod": pod_spec(deployment),
        "worker": container(deployment, "reranker"),
        "config": one(manifests, "ConfigMap", "reranker-config")["data"],
    }


def test_every_prop_is_covered_with_a_non_default_value(custom: dict[str, Any]) -> None:
    fields = {f.name: f for f in dataclasses.fields(GpuWorkerProps)}
    assert set(custom["values"]) == set(fields), "a GpuWorkerProps field is not covered by this test"
    for name, f in fields.items():
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        assert custom["values"][name] != default, f"{name} is set to its default"


def test_policy_exceptions_replace_the_presets_reason_for_the_same_check(custom: dict[str, Any]) -> None:
    skips = {k: v for k, v in custom["deployment"]["metadata"]["annotations"].items() if k.startswith("checkov.io/")}
    assert skips["checkov.io/skip2"] == "CKV_K8S_35=the reranker reads its cache password from the environment only"
    assert skips["checkov.io/skip3"].startswith("CKV_K8S_40=run_as_user is the uid the vendor image is built for")
    assert "checkov.io/" not in str(custom["deployment"]["spec"]["template"]["metadata"])


def test_gpu_count_and_gpu_resource_reach_limits_and_requests(custom: dict[str, Any]) -> None:
    assert custom["worker"]["resources"] == {
        "requests": {"cpu": "2", "memory": "16Gi", "amd.com/gpu": 2},
        "limits": {"cpu": "8", "memory": "24Gi", "amd.com/gpu": 2},
    }
    assert "nvidia.com/gpu" not in json.dumps(custom["worker"]["resources"])


def test_node_selector_tolerations_and_runtime_class_replace_the_defaults(custom: dict[str, Any]) -> None:
    pod = custom["pod"]
    assert pod["nodeSelector"] == {"node.kubernetes.io/instance-type": "g5.2xlarge"}
    assert pod["tolerations"] == [
        {"key": "amd.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "dedicated", "operator": "Equal", "value": "inference", "effect": "NoExecute"},
    ]
    assert pod["runtimeClassName"] == "nvidia"


def test_shm_size_and_tmp_size_reach_the_volumes(custom: dict[str, Any]) -> None:
    volumes = {v["name"]: v for v in custom["pod"]["volumes"]}
    assert volumes["shm"] == {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "2Gi"}}
    assert volumes["tmp"] == {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}


def test_health_path_switches_every_probe_to_http_get(custom: dict[str, Any]) -> None:
    worker = custom["worker"]
    for name in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert worker[name]["httpGet"] == {"path": "/health", "port": "http", "scheme": "HTTP"}, name
        assert "tcpSocket" not in worker[name], name
    assert (worker["readinessProbe"]["failureThreshold"], worker["livenessProbe"]["failureThreshold"]) == (3, 6)


def test_startup_timeout_sets_startup_failures_and_progress_deadline(custom: dict[str, Any]) -> None:
    assert custom["worker"]["startupProbe"]["periodSeconds"] == 10
    assert custom["worker"]["startupProbe"]["failureThreshold"] == 180
    assert custom["deployment"]["spec"]["progressDeadlineSeconds"] == 2100


def test_name_part_of_image_replicas_port_and_uid_reach_the_yaml(custom: dict[str, Any]) -> None:
    manifests, deployment, worker = custom["manifests"], custom["deployment"], custom["worker"]
    assert sorted((m["kind"], m["metadata"]["name"]) for m in manifests) == [
        ("ConfigMap", "reranker-config"),
        ("ConfigMap", "reranker-files"),
        ("Deployment", "reranker"),
        ("Service", "reranker"),
    ]
    selector = {"app.kubernetes.io/name": "reranker", "app.kubernetes.io/part-of": "aipp"}
    assert deployment["spec"]["selector"] == {"matchLabels": selector}
    assert one(manifests, "Service")["spec"]["selector"] == selector
    assert one(manifests, "Service")["spec"]["ports"] == [
        {"name": "http", "port": 9000, "protocol": "TCP", "targetPort": "http"}
    ]
    assert worker["ports"] == [{"containerPort": 9000, "name": "http", "protocol": "TCP"}]
    assert worker["image"] == "registry.example.com/aipp/reranker:v2.0.1"
    assert deployment["metadata"]["labels"]["app.kubernetes.io/version"] == "v2.0.1"
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert (worker["securityContext"]["runAsUser"], custom["pod"]["securityContext"]["fsGroup"]) == (2000, 2000)
    assert custom["pod"]["imagePullSecrets"] == [{"name": "harbor-pull"}]


def test_depends_on_after_and_wait_set_waves_and_init_containers(custom: dict[str, Any]) -> None:
    waves = {
        (m["kind"], m["metadata"]["name"]): m["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
        for m in custom["manifests"]
    }
    assert waves == {
        ("ConfigMap", "reranker-config"): "0",
        ("ConfigMap", "reranker-files"): "0",
        ("Service", "reranker"): "3",
        ("Deployment", "reranker"): "3",
    }
    init = custom["pod"]["initContainers"]
    assert [c["name"] for c in init] == ["wait-for-redis", "wait-for-enai-backend"]
    assert {c["image"] for c in init} == {WAIT_IMAGE}
    assert "until nc -z -w 2 enai-backend 8080; do" in init[1]["command"][-1]


def test_wiring_overrides_and_env_reach_config_map_and_secret_env(custom: dict[str, Any]) -> None:
    assert custom["config"] == {
        "CACHE_URL": "redis://redis:6379",
        "ENAI_BACKEND_ENDPOINT": "http://enai-backend:8080",
        "BACKEND_HOST": "enai-backend",
        "MODEL_ID": "bge-reranker-v2",
    }
    # telemetry mode operator: no OTEL_* variables, so no downward API variables either.
    assert env_of(custom["worker"]) == {
        "CACHE_PASSWORD": {"secretKeyRef": {"name": "redis-credentials", "key": "password"}}
    }


def test_config_files_telemetry_and_checksum_reach_the_pod(custom: dict[str, Any]) -> None:
    files = one(custom["manifests"], "ConfigMap", "reranker-files")
    assert files["data"] == {"model.yaml": "batch: 8\n"}
    volumes = {v["name"]: v for v in custom["pod"]["volumes"]}
    assert volumes["files"] == {"name": "files", "configMap": {"name": "reranker-files", "defaultMode": 0o444}}
    assert {"name": "files", "mountPath": "/etc/worker", "readOnly": True} in custom["worker"]["volumeMounts"]
    annotations = custom["deployment"]["spec"]["template"]["metadata"]["annotations"]
    assert set(annotations) == {"instrumentation.opentelemetry.io/inject-python", "checksum/config"}
    assert annotations["instrumentation.opentelemetry.io/inject-python"] == "true"


def test_empty_node_selector_and_tolerations_leave_the_fields_out(chart: Chart) -> None:
    GpuWorker(chart, "Worker", props(node_selector={}, tolerations=()))
    spec = pod_spec(one(synth(chart), "Deployment", "embedder"))
    assert "nodeSelector" not in spec
    assert "tolerations" not in spec


# --- the settings ConfigMap ---------------------------------------------------------------


@pytest.fixture(scope="module")
def wired() -> dict[str, Any]:
    """A worker depending on pgvector, redis and an HTTP backend, with one extra setting."""
    chart = new_chart()
    deps = (pgvector(chart), redis(chart), backend(chart))
    GpuWorker(chart, "Worker", props(depends_on=deps, env={"MODEL_ID": "bge-m3"}, wait=WaitPolicy(image=WAIT_IMAGE)))
    manifests = synth(chart)
    deployment = one(manifests, "Deployment", "embedder")
    return {
        "config": one(manifests, "ConfigMap", "embedder-config"),
        "deployment": deployment,
        "worker": container(deployment, "embedder"),
    }


def test_config_map_holds_wired_non_secret_values_and_user_env(wired: dict[str, Any]) -> None:
    assert wired["config"]["data"] == {
        "PGVECTOR_HOST": "pgvector",
        "PGVECTOR_PORT": "5432",
        "PGVECTOR_DATABASE": "app",
        "PGVECTOR_URL": "postgresql://pgvector:5432/app",
        "REDIS_HOST": "redis",
        "REDIS_PORT": "6379",
        "REDIS_URL": "redis://redis:6379",
        "ENAI_BACKEND_URL": "http://enai-backend:8080",
        "MODEL_ID": "bge-m3",
    }
    assert wired["config"]["metadata"]["annotations"] == {"argocd.argoproj.io/sync-wave": "0"}


def test_credentials_are_secret_refs_in_env_and_nowhere_in_the_config_map(wired: dict[str, Any]) -> None:
    env = env_of(wired["worker"])
    assert env["PGVECTOR_USERNAME"] == {"secretKeyRef": {"name": "pgvector-credentials", "key": "username"}}
    assert env["PGVECTOR_PASSWORD"] == {"secretKeyRef": {"name": "pgvector-credentials", "key": "password"}}
    assert env["REDIS_PASSWORD"] == {"secretKeyRef": {"name": "redis-credentials", "key": "password"}}
    config = json.dumps(wired["config"])
    for needle in ("PGVECTOR_USERNAME", "PGVECTOR_PASSWORD", "REDIS_PASSWORD", "credentials", "secretKeyRef"):
        assert needle not in config, needle
    # The ConfigMap values are not repeated as literal container variables.
    assert not set(env) & set(wired["config"]["data"])


def test_wait_policy_adds_one_wait_container_per_dependency(wired: dict[str, Any]) -> None:
    init = pod_spec(wired["deployment"])["initContainers"]
    assert [c["name"] for c in init] == ["wait-for-pgvector", "wait-for-redis", "wait-for-enai-backend"]
    scripts = [c["command"][-1] for c in init]
    assert "until nc -z -w 2 pgvector 5432; do" in scripts[0]
    assert "until nc -z -w 2 redis 6379; do" in scripts[1]
    assert "until nc -z -w 2 enai-backend 8080; do" in scripts[2]


def test_config_checksum_changes_only_when_a_setting_changes(wired: dict[str, Any]) -> None:
    annotation = wired["deployment"]["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
    assert len(annotation) == 64 and int(annotation, 16) >= 0
    assert checksum(env={"MODEL_ID": "bge-m3"}) == checksum(env={"MODEL_ID": "bge-m3"})
    assert checksum(env={"MODEL_ID": "bge-m3"}) != checksum(env={"MODEL_ID": "e5-large"})


@pytest.mark.parametrize("variable", ["PGVECTOR_HOST", "PGVECTOR_PASSWORD", "REDIS_URL", "OTEL_SERVICE_NAME"])
def test_user_env_repeating_a_construct_variable_is_refused(chart: Chart, variable: str) -> None:
    deps = (pgvector(chart), redis(chart))
    with pytest.raises(ValueError, match=f"^env.{variable} is already set by the construct"):
        GpuWorker(chart, "Worker", props(depends_on=deps, env={variable: "x"}))


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "needles"),
    [
        pytest.param({"gpu_count": 0}, ("gpu_count", "0"), id="gpu-count-zero"),
        pytest.param({"gpu_count": 17}, ("gpu_count", "17"), id="gpu-count-17"),
        pytest.param({"gpu_count": True}, ("gpu_count", "True"), id="gpu-count-bool"),
        pytest.param({"gpu_resource": "gpu"}, ("gpu_resource", "'gpu'"), id="gpu-resource-no-slash"),
        pytest.param({"node_selector": {"bad key": "x"}}, ("node_selector", "'bad key'"), id="node-selector-key"),
        pytest.param(
            {"node_selector": {"gpu": "not a value!"}}, ("node_selector", "'not a value!'"), id="node-selector-value"
        ),
        pytest.param({"runtime_class_name": "Bad_Name"}, ("runtime_class_name", "'Bad_Name'"), id="runtime-class"),
        pytest.param({"shm_size": "8Gi"}, ("shm_size", "memory_limit", "'8Gi'"), id="shm-equals-memory-limit"),
        pytest.param({"shm_size": "1GB"}, ("shm_size", "'1GB'"), id="shm-decimal-unit"),
        pytest.param({"health_path": "health"}, ("health_path", "'health'"), id="health-path-relative"),
    ],
)
def test_fails_when_a_gpu_prop_is_invalid(overrides: dict[str, Any], needles: tuple[str, ...]) -> None:
    with pytest.raises(ValueError) as error:
        props(**overrides)
    for needle in needles:
        assert needle in str(error.value), needle


def test_shm_size_just_below_the_memory_limit_is_accepted() -> None:
    assert props(shm_size="7Gi").shm_size == "7Gi"


@pytest.mark.parametrize(
    ("kwargs", "needles"),
    [
        pytest.param({"key": "bad key"}, ("key", "'bad key'"), id="bad-key"),
        pytest.param({"key": "k", "operator": "In"}, ("operator", "'In'"), id="bad-operator"),
        pytest.param({"key": "k", "value": "on"}, ("operator", "'Exists'", "value", "'on'"), id="exists-with-value"),
        pytest.param({"key": "k", "operator": "Equal"}, ("operator", "'Equal'", "value", "None"), id="equal-no-value"),
        pytest.param({"key": "k", "effect": "NoRun"}, ("effect", "'NoRun'"), id="bad-effect"),
        pytest.param(
            {"key": "k", "operator": "Equal", "value": "bad value!"}, ("value", "'bad value!'"), id="bad-value"
        ),
    ],
)
def test_fails_when_a_toleration_is_invalid(kwargs: dict[str, Any], needles: tuple[str, ...]) -> None:
    with pytest.raises(ValueError) as error:
        Toleration(**kwargs)
    message = str(error.value)
    assert message.startswith("toleration ")
    for needle in needles:
        assert needle in message, needle


# --- stable names ---------------------------------------------------------------------------


def test_names_and_selectors_survive_construct_id_changes() -> None:
    def shape(chart_id: str, construct_id: str) -> list[tuple[str, str, Any]]:
        chart = new_chart(chart_id)
        GpuWorker(chart, construct_id, props(part_of="aipp"))
        return names_and_selectors(synth(chart))

    first, second = shape("test", "Worker"), shape("other-chart", "Embedder")
    assert first == second
    assert [(kind, name) for kind, name, _ in first] == [
        ("ConfigMap", "embedder-config"),
        ("Service", "embedder"),
        ("Deployment", "embedder"),
    ]
