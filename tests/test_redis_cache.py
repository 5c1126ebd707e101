"""Tests of ``RedisCache``: effective defaults, every prop reaching the YAML, validation, wiring."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from cdk8s import Chart
from conftest import (
    RESTRICTED_CONTAINER_CONTEXT,
    container,
    env_of,
    keys_anywhere,
    names_and_selectors,
    new_chart,
    one,
    pod_spec,
    synth,
)

from aipp_constructs import (
    Component,
    ComponentServiceMonitor,
    ComponentServiceMonitorProps,
    MetricsExporter,
    RedisCache,
    RedisCacheProps,
    Resources,
    SecretKeyRef,
)

IMAGE = "harbor.example/dockerhub-proxy/library/redis:7.2.7"
EXPORTER_IMAGE = "harbor.example/dockerhub-proxy/oliver006/redis_exporter:v1.93.0"
PASSWORD = SecretKeyRef(name="redis-credentials", key="password")


def props(**overrides: Any) -> RedisCacheProps:
    return RedisCacheProps(**{"image": IMAGE, "password": PASSWORD, **overrides})


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    """The minimal-props synth, shared read-only by the defaults tests."""
    chart = new_chart()
    RedisCache(chart, "Redis", props())
    return synth(chart)


@pytest.fixture(scope="module")
def deployment(manifests: list[dict[str, Any]]) -> dict[str, Any]:
    return one(manifests, "Deployment", "redis")


@pytest.fixture(scope="module")
def redis(deployment: dict[str, Any]) -> dict[str, Any]:
    return container(deployment, "redis")


# --- defaults, field by field -------------------------------------------------------------


def test_redis_creates_claim_service_and_deployment(manifests: list[dict[str, Any]]) -> None:
    assert sorted((m["kind"], m["metadata"]["name"]) for m in manifests) == [
        ("Deployment", "redis"),
        ("PersistentVolumeClaim", "redis-data"),
        ("Service", "redis"),
    ]
    assert {m["metadata"]["namespace"] for m in manifests} == {"test"}


def test_redis_client_service_is_cluster_ip_on_named_port(manifests: list[dict[str, Any]]) -> None:
    spec = one(manifests, "Service", "redis")["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["selector"] == {"app.kubernetes.io/name": "redis"}
    assert spec["ports"] == [{"name": "redis", "port": 6379, "protocol": "TCP", "targetPort": "redis"}]


def test_redis_defaults_to_one_replica_recreated_not_rolled(deployment: dict[str, Any]) -> None:
    spec = deployment["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "Recreate"}
    assert spec["selector"] == {"matchLabels": {"app.kubernetes.io/name": "redis"}}


def test_redis_claim_defaults_to_5gi_rwo_on_default_storage_class(manifests: list[dict[str, Any]]) -> None:
    claim = one(manifests, "PersistentVolumeClaim", "redis-data")
    assert claim["spec"] == {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}
    assert "storageClassName" not in claim["spec"]


def test_redis_claim_is_protected_from_argocd_prune_and_delete(manifests: list[dict[str, Any]]) -> None:
    annotations = one(manifests, "PersistentVolumeClaim")["metadata"]["annotations"]
    assert annotations == {
        "argocd.argoproj.io/sync-options": "Prune=false,Delete=false",
        "argocd.argoproj.io/sync-wave": "1",
    }


def test_redis_container_exposes_redis_port(redis: dict[str, Any]) -> None:
    assert redis["ports"] == [{"containerPort": 6379, "name": "redis", "protocol": "TCP"}]
    assert redis["image"] == IMAGE
    assert redis["imagePullPolicy"] == "IfNotPresent"
    assert redis["terminationMessagePolicy"] == "FallbackToLogsOnError"
    assert "command" not in redis


def test_redis_args_enable_append_only_and_require_the_password_from_env(redis: dict[str, Any]) -> None:
    args = redis["args"]
    assert args == [
        "redis-server",
        "--port",
        "6379",
        "--dir",
        "/data",
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--requirepass",
        "$(REDIS_PASSWORD)",
        # 75% of the 512Mi limit: Redis refuses writes there instead of being OOM-killed.
        "--maxmemory",
        str(512 * 2**20 * 75 // 100),
        "--maxmemory-policy",
        "noeviction",
    ]
    # $(VAR) expansion needs the variable in the container env.
    assert "REDIS_PASSWORD" in env_of(redis)


def test_redis_env_reads_password_and_cli_auth_from_the_secret(redis: dict[str, Any]) -> None:
    ref = {"secretKeyRef": {"name": "redis-credentials", "key": "password"}}
    assert env_of(redis) == {"REDIS_PASSWORD": ref, "REDISCLI_AUTH": ref}
    assert all("value" not in e for e in redis["env"])


def test_redis_probes_ping_with_every_timing_field(redis: dict[str, Any]) -> None:
    command = ["sh", "-c", "redis-cli -h 127.0.0.1 -p 6379 ping | grep -qx PONG"]

    def probe(period: int, timeout: int, failures: int) -> dict[str, Any]:
        return {
            "exec": {"command": command},
            "initialDelaySeconds": 0,
            "periodSeconds": period,
            "timeoutSeconds": timeout,
            "failureThreshold": failures,
            "successThreshold": 1,
        }

    assert redis["startupProbe"] == probe(5, 3, 60)
    assert redis["readinessProbe"] == probe(10, 3, 3)
    assert redis["livenessProbe"] == probe(10, 5, 6)
    # The password stays in REDISCLI_AUTH, off the probe command line.
    for probe_name in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert " -a " not in redis[probe_name]["exec"]["command"][-1]
        assert "PASSWORD" not in redis[probe_name]["exec"]["command"][-1]


def test_redis_mounts_the_claim_at_data_and_a_limited_tmp(deployment: dict[str, Any], redis: dict[str, Any]) -> None:
    assert redis["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}, {"name": "data", "mountPath": "/data"}]
    assert pod_spec(deployment)["volumes"] == [
        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
        {"name": "data", "persistentVolumeClaim": {"claimName": "redis-data"}},
    ]


def test_redis_resources_default_to_100m_256mi_requests_and_1_cpu_512mi_limits(redis: dict[str, Any]) -> None:
    assert redis["resources"] == {
        "requests": {"cpu": "100m", "memory": "256Mi"},
        "limits": {"cpu": "1", "memory": "512Mi"},
    }


def test_redis_pod_runs_restricted_as_uid_999(deployment: dict[str, Any]) -> None:
    spec = pod_spec(deployment)
    assert spec["securityContext"] == {
        "fsGroup": 999,
        "fsGroupChangePolicy": "OnRootMismatch",
        "runAsGroup": 999,
        "runAsNonRoot": True,
        "runAsUser": 999,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert spec["automountServiceAccountToken"] is False
    assert spec["enableServiceLinks"] is False
    assert spec["terminationGracePeriodSeconds"] == 30
    for c in spec["containers"] + spec.get("initContainers", []):
        assert c["securityContext"] == RESTRICTED_CONTAINER_CONTEXT, c["name"]


def test_redis_labels_every_object_and_selects_by_name_only(manifests: list[dict[str, Any]]) -> None:
    labels = {
        "app.kubernetes.io/name": "redis",
        "app.kubernetes.io/component": "cache",
        "app.kubernetes.io/version": "7.2.7",
        "app.kubernetes.io/managed-by": "cdk8s",
    }
    for m in manifests:
        assert m["metadata"]["labels"] == labels, m["metadata"]["name"]
    deployment = one(manifests, "Deployment")
    assert deployment["spec"]["template"]["metadata"]["labels"] == labels
    assert "annotations" not in deployment["spec"]["template"]["metadata"]


def test_redis_has_no_cdk8s_address_label_anywhere(manifests: list[dict[str, Any]]) -> None:
    assert not [k for k in keys_anywhere(manifests) if k.startswith("cdk8s.io/")]


def test_redis_objects_are_all_wave_1(manifests: list[dict[str, Any]]) -> None:
    waves = {
        (m["kind"], m["metadata"]["name"]): m["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
        for m in manifests
    }
    # The claim shares the Deployment's wave so a WaitForFirstConsumer class cannot deadlock.
    assert waves == {
        ("PersistentVolumeClaim", "redis-data"): "1",
        ("Service", "redis"): "1",
        ("Deployment", "redis"): "1",
    }


# --- every prop reaches the YAML ----------------------------------------------------------


def test_redis_every_prop_reaches_the_yaml(chart: Chart) -> None:
    upstream = Component(chart, "Upstream", name="upstream", component="test", version="1")
    values: dict[str, Any] = {
        "image": "registry.example:5000/mirror/redis:7.4.1-alpine",
        "password": SecretKeyRef(name="cache-auth", key="requirepass"),
        "name": "cache",
        "part_of": "aipp",
        "port": 6380,
        "storage_size": "1Gi",
        "storage_class_name": "longhorn",
        "resources": Resources(cpu_request="200m", memory_request="512Mi", cpu_limit="2", memory_limit="1Gi"),
        "depends_on": (upstream,),
        "env": {"TZ": "UTC"},
        "volume_labels": {"recurring-job.longhorn.io/source": "enable", "recurring-job.longhorn.io/backup": "enabled"},
        "run_as_user": 1999,
        "run_as_group": 1000,
        "extra_args": ("--appendfsync", "always"),
        "maxmemory_percent": 50,
        "maxmemory_policy": "allkeys-lru",
        "metrics_exporter": MetricsExporter(
            image="registry.example:5000/mirror/redis_exporter:v1.67.0",
            port=9300,
            resources=Resources(cpu_request="20m", memory_request="48Mi", cpu_limit="300m", memory_limit="96Mi"),
            run_as_user=10001,
            run_as_group=10002,
            extra_args=("--include-system-metrics",),
        ),
    }
    fields = {f.name: f for f in dataclasses.fields(RedisCacheProps)}
    assert set(values) == set(fields), "a RedisCacheProps field is not covered by this test"
    for name, f in fields.items():
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        assert values[name] != default, f"{name} is set to its default"

    cache = RedisCache(chart, "Redis", RedisCacheProps(**values))
    manifests = synth(chart)
    deployment = one(manifests, "Deployment", "cache")
    redis = container(deployment, "redis")
    claim = one(manifests, "PersistentVolumeClaim", "cache-data")
    assert {
        k: claim["metadata"]["labels"][k]
        for k in {"recurring-job.longhorn.io/source": "enable", "recurring-job.longhorn.io/backup": "enabled"}
    } == {"recurring-job.longhorn.io/source": "enable", "recurring-job.longhorn.io/backup": "enabled"}
    service = one(manifests, "Service", "cache")
    selector = {"app.kubernetes.io/name": "cache", "app.kubernetes.io/part-of": "aipp"}

    # image
    assert redis["image"] == "registry.example:5000/mirror/redis:7.4.1-alpine"
    assert deployment["metadata"]["labels"]["app.kubernetes.io/version"] == "7.4.1-alpine"
    # password
    ref = {"secretKeyRef": {"name": "cache-auth", "key": "requirepass"}}
    assert env_of(redis) == {"REDIS_PASSWORD": ref, "REDISCLI_AUTH": ref, "TZ": "UTC"}  # and env
    # name
    assert sorted((m["kind"], m["metadata"]["name"]) for m in manifests) == [
        ("Deployment", "cache"),
        ("PersistentVolumeClaim", "cache-data"),
        ("Service", "cache"),
    ]
    volumes = {v["name"]: v for v in pod_spec(deployment)["volumes"]}
    assert volumes["data"] == {"name": "data", "persistentVolumeClaim": {"claimName": "cache-data"}}
    # part_of
    assert deployment["spec"]["selector"]["matchLabels"] == selector
    assert service["spec"]["selector"] == selector
    for m in manifests:
        assert m["metadata"]["labels"]["app.kubernetes.io/part-of"] == "aipp"
    # port, metrics_exporter.port
    assert service["spec"]["ports"] == [
        {"name": "redis", "port": 6380, "protocol": "TCP", "targetPort": "redis"},
        {"name": "metrics", "port": 9300, "protocol": "TCP", "targetPort": "metrics"},
    ]
    assert redis["ports"] == [{"containerPort": 6380, "name": "redis", "protocol": "TCP"}]
    assert redis["args"][1:3] == ["--port", "6380"]
    assert "-p 6380 " in redis["livenessProbe"]["exec"]["command"][-1]
    # storage_size, storage_class_name
    assert claim["spec"]["resources"] == {"requests": {"storage": "1Gi"}}
    assert claim["spec"]["storageClassName"] == "longhorn"
    # resources
    assert redis["resources"] == {
        "requests": {"cpu": "200m", "memory": "512Mi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }
    # depends_on
    assert cache.after == (upstream,) and cache.wave == upstream.wave + 1
    assert {m["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] for m in manifests} == {"2"}
    # run_as_user, run_as_group
    context = pod_spec(deployment)["securityContext"]
    assert (context["runAsUser"], context["runAsGroup"], context["fsGroup"]) == (1999, 1000, 1000)
    assert (redis["securityContext"]["runAsUser"], redis["securityContext"]["runAsGroup"]) == (1999, 1000)
    # extra_args, after the generated ones
    limit = {"Mi": 2**20, "Gi": 2**30}
    memory = values["resources"].memory_limit
    expected_bytes = int(memory[:-2]) * limit[memory[-2:]] * 50 // 100
    assert redis["args"][-7:] == [
        "$(REDIS_PASSWORD)", "--maxmemory", str(expected_bytes), "--maxmemory-policy", "allkeys-lru",
        "--appendfsync", "always",
    ]  # fmt: skip
    # metrics_exporter (image, port, resources, run_as_user, run_as_group, extra_args), and the
    # port and password it reads
    exporter = container(deployment, "redis-exporter")
    assert exporter["image"] == "registry.example:5000/mirror/redis_exporter:v1.67.0"
    assert exporter["args"] == [
        "--web.listen-address=:9300",
        "--web.telemetry-path=/metrics",
        "--redis.addr=redis://127.0.0.1:6380",
        "--redis.password-file=/run/redis-exporter/auth.json",
        "--include-system-metrics",
    ]
    assert exporter["ports"] == [{"containerPort": 9300, "name": "metrics", "protocol": "TCP"}]
    assert exporter["resources"] == {
        "requests": {"cpu": "20m", "memory": "48Mi"},
        "limits": {"cpu": "300m", "memory": "96Mi"},
    }
    assert (exporter["securityContext"]["runAsUser"], exporter["securityContext"]["runAsGroup"]) == (10001, 10002)
    assert volumes["password"]["secret"]["secretName"] == "cache-auth"  # pragma: allowlist secret
    assert volumes["password"]["secret"]["items"] == [{"key": "requirepass", "path": "password"}]
    auth = container(deployment, "redis-exporter-auth")
    assert "'redis://127.0.0.1:6380'" in auth["command"][2]
    assert auth["image"] == "registry.example:5000/mirror/redis:7.4.1-alpine"
    assert (auth["securityContext"]["runAsUser"], auth["securityContext"]["runAsGroup"]) == (1999, 1000)
    assert (cache.metrics_port, cache.metrics_path) == (9300, "/metrics")


def test_redis_has_no_exporter_and_serves_no_metrics_by_default(
    manifests: list[dict[str, Any]], deployment: dict[str, Any]
) -> None:
    assert [c["name"] for c in pod_spec(deployment)["containers"]] == ["redis"]
    assert "initContainers" not in pod_spec(deployment)
    assert [v["name"] for v in pod_spec(deployment)["volumes"]] == ["tmp", "data"]
    chart = new_chart()
    cache = RedisCache(chart, "Redis", props())
    assert (cache.metrics_port, cache.metrics_path) == (None, None)
    with pytest.raises(ValueError, match="^component 'redis' serves no metrics"):
        ComponentServiceMonitorProps(component=cache, port="redis")


def test_redis_metrics_exporter_defaults(chart: Chart) -> None:
    cache = RedisCache(chart, "Redis", props(metrics_exporter=MetricsExporter(image=EXPORTER_IMAGE)))
    manifests = synth(chart)
    deployment = one(manifests, "Deployment", "redis")
    spec = pod_spec(deployment)
    assert [c["name"] for c in spec["containers"]] == ["redis", "redis-exporter"]
    exporter = container(deployment, "redis-exporter")
    # redis_exporter's own flags, the ones 1.45 and every later release know; no variable at all.
    assert exporter["args"] == [
        "--web.listen-address=:9121",
        "--web.telemetry-path=/metrics",
        "--redis.addr=redis://127.0.0.1:6379",
        "--redis.password-file=/run/redis-exporter/auth.json",
    ]
    assert "command" not in exporter and "env" not in exporter
    assert exporter["volumeMounts"] == [{"mountPath": "/run/redis-exporter", "name": "exporter-auth"}]
    # 59000:59000, the user of the official image; hardened like every container.
    assert exporter["securityContext"] == {**RESTRICTED_CONTAINER_CONTEXT, "runAsUser": 59000, "runAsGroup": 59000}
    assert exporter["imagePullPolicy"] == "IfNotPresent" and exporter["image"] == EXPORTER_IMAGE
    assert exporter["resources"] == {
        "requests": {"cpu": "10m", "memory": "32Mi"},
        "limits": {"cpu": "200m", "memory": "64Mi"},
    }
    assert exporter["ports"] == [{"containerPort": 9121, "name": "metrics", "protocol": "TCP"}]
    for kind in ("readinessProbe", "livenessProbe"):
        assert exporter[kind]["httpGet"] == {"path": "/", "port": "metrics", "scheme": "HTTP"}
    # The password map: written by an init container in the Redis image, from the password as a
    # file, into a memory volume of the exporter's own (the redis container does not mount it).
    [auth] = spec["initContainers"]
    assert auth["name"] == "redis-exporter-auth" and auth["image"] == IMAGE
    assert auth["securityContext"] == RESTRICTED_CONTAINER_CONTEXT
    assert auth["command"][:2] == ["sh", "-c"]
    script = auth["command"][2]
    assert "secret=$(cat /run/secrets/redis/password)" in script
    assert (
        """printf '{"%s": "%s"}\\n' 'redis://127.0.0.1:6379' "$escaped" > /run/redis-exporter/auth.json.partial"""
        in script
    )
    assert "umask 0337" in script  # 0440: the exporter reads it through the pod's group
    assert auth["volumeMounts"] == [
        {"mountPath": "/run/secrets/redis", "name": "password", "readOnly": True},
        {"mountPath": "/run/redis-exporter", "name": "exporter-auth"},
    ]
    redis = container(deployment, "redis")
    assert "exporter-auth" not in {m["name"] for m in redis["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["exporter-auth"]["emptyDir"] == {"medium": "Memory", "sizeLimit": "1Mi"}
    assert volumes["password"]["secret"] == {
        "secretName": "redis-credentials",
        "items": [{"key": "password", "path": "password"}],
        "defaultMode": 0o440,
    }
    assert spec["securityContext"]["fsGroup"] == 999
    assert one(manifests, "Service", "redis")["spec"]["ports"][1] == {
        "name": "metrics",
        "port": 9121,
        "protocol": "TCP",
        "targetPort": "metrics",
    }
    assert cache.endpoint is not None and dict(cache.endpoint.ports) == {"redis": 6379}
    assert (cache.metrics_port, cache.metrics_path) == (9121, "/metrics")
    skips = {
        k: v.split("=")[0] for k, v in deployment["metadata"]["annotations"].items() if k.startswith("checkov.io/")
    }
    assert sorted(skips.values()) == ["CKV_K8S_15", "CKV_K8S_35", "CKV_K8S_40", "CKV_K8S_43"]


def test_redis_metrics_exporter_is_monitored_on_its_port(chart: Chart) -> None:
    cache = RedisCache(chart, "Redis", props(metrics_exporter=MetricsExporter(image=EXPORTER_IMAGE)))
    ComponentServiceMonitor(chart, "Monitor", ComponentServiceMonitorProps(component=cache, port="metrics"))
    [endpoint] = one(synth(chart), "ServiceMonitor", "redis")["spec"]["endpoints"]
    assert (endpoint["port"], endpoint["path"]) == ("metrics", "/metrics")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"metrics_exporter": EXPORTER_IMAGE},
            f"metrics_exporter must be a MetricsExporter or None, got '{EXPORTER_IMAGE}'",
            id="not-an-exporter",
        ),
        pytest.param(
            {"metrics_exporter": MetricsExporter(image=EXPORTER_IMAGE, port=6379)},
            "metrics_exporter.port must differ from port \\(6379\\), got 6379",
            id="port-of-redis",
        ),
        *(
            pytest.param(
                {"metrics_exporter": MetricsExporter(image=EXPORTER_IMAGE, extra_args=(flag,))},
                f"metrics_exporter.extra_args must not set flags the construct manages, got '{flag}'; {fix}",
                id=flag.split("=")[0].lstrip("-"),
            )
            for flag, fix in (
                ("--web.listen-address=:1", "use metrics_exporter.port"),
                ("--web.telemetry-path=/m", "the metrics path is fixed"),
                ("--redis.addr=redis://redis:6379", "the exporter scrapes the Redis of its own pod"),
                ("--redis.password=x", "the exporter reads the password prop, as a file"),
                ("--redis.password-file=/p.json", "the exporter reads the password prop, as a file"),
                ("--redis.user=exporter", "the construct authenticates with the password prop alone"),
            )
        ),
    ],
)
def test_fails_when_the_metrics_exporter_is_invalid(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        props(**overrides)


def test_redis_run_as_user_70_reaches_the_pod_and_every_container(chart: Chart) -> None:
    RedisCache(chart, "Redis", props(run_as_user=70))
    spec = pod_spec(one(synth(chart), "Deployment", "redis"))
    assert spec["securityContext"] == {
        "fsGroup": 70,
        "fsGroupChangePolicy": "OnRootMismatch",
        "runAsGroup": 70,
        "runAsNonRoot": True,
        "runAsUser": 70,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    all_containers = spec["containers"] + spec.get("initContainers", [])
    assert [c["name"] for c in all_containers] == ["redis"]
    for c in all_containers:
        assert c["securityContext"] == {**RESTRICTED_CONTAINER_CONTEXT, "runAsUser": 70, "runAsGroup": 70}, c["name"]


def test_redis_extra_args_are_appended_after_the_generated_arguments(chart: Chart) -> None:
    RedisCache(chart, "Redis", props(extra_args=("--appendfsync", "always", "--rename-command", "FLUSHALL", "")))
    redis = container(one(synth(chart), "Deployment", "redis"), "redis")
    assert redis["args"] == [
        "redis-server",
        "--port",
        "6379",
        "--dir",
        "/data",
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--requirepass",
        "$(REDIS_PASSWORD)",
        "--maxmemory",
        str(512 * 2**20 * 75 // 100),
        "--maxmemory-policy",
        "noeviction",
        # The later --appendfsync wins; an empty string renames a command away.
        "--appendfsync",
        "always",
        "--rename-command",
        "FLUSHALL",
        "",
    ]


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"image": "harbor.example/library/redis:latest"},
            "image uses the moving tag 'latest', got 'harbor.example/library/redis:latest'",
            id="image-latest",
        ),
        pytest.param(
            {"image": "harbor.example/library/redis:main-latest"},
            "image uses the moving tag 'main-latest', got 'harbor.example/library/redis:main-latest'",
            id="image-main-latest",
        ),
        pytest.param(
            {"image": "harbor.example/library/redis"},
            "image has no tag, got 'harbor.example/library/redis'",
            id="image-no-tag",
        ),
        pytest.param(
            {"image": "redis:7"},
            "image uses the moving tag '7', got 'redis:7'",
            id="image-release-line",
        ),
        pytest.param({"name": "Redis"}, "name must be a DNS-1123 label .*, got 'Redis'", id="name-upper"),
        pytest.param({"name": "redis."}, r"name must be a DNS-1123 label .*, got 'redis\.'", id="name-dot"),
        pytest.param({"port": 0}, "port must be a port number between 1 and 65535, got 0", id="port-zero"),
        pytest.param({"port": 70000}, "port must be a port number between 1 and 65535, got 70000", id="port-high"),
        pytest.param(
            {"storage_size": "10GB"}, "storage_size must be a quantity in binary units .*, got '10GB'", id="storage-GB"
        ),
        pytest.param(
            {"storage_size": "0Gi"}, "storage_size must be a quantity in binary units .*, got '0Gi'", id="storage-zero"
        ),
        pytest.param(
            {"storage_class_name": "Fast SSD"},
            "storage_class_name must be a DNS-1123 subdomain .*, got 'Fast SSD'",
            id="storage-class",
        ),
    ],
)
def test_fails_when_a_prop_is_invalid(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        props(**overrides)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"run_as_user": 0},
            "run_as_user must be an integer from 1 to 2147483647, got 0; Pod Security 'restricted' refuses root",
            id="uid-root",
        ),
        pytest.param(
            {"run_as_user": 2**31}, "run_as_user must be an integer from 1 to 2147483647, got 2147483648", id="uid-high"
        ),
        pytest.param({"run_as_user": 999.0}, r"run_as_user must be an integer .*, got 999\.0", id="uid-float"),
        pytest.param(
            {"run_as_group": -1},
            "run_as_group must be an integer from 0 to 2147483647 or None, got -1; None uses run_as_user",
            id="gid-neg",
        ),
        pytest.param(
            {"extra_args": "--maxmemory 256mb"},
            "extra_args must be a tuple of strings, got '--maxmemory 256mb'",
            id="args-string",
        ),
        pytest.param({"extra_args": ("--save", 256)}, "extra_args must be a tuple of strings", id="args-int"),
        pytest.param(
            {"extra_args": ("--maxmemory", "1gb")},
            "extra_args must not set options the construct manages, got .--maxmemory.; use the maxmemory_percent prop",
            id="args-maxmemory",
        ),
        pytest.param(
            {"maxmemory_percent": 95}, "maxmemory_percent must be an integer from 10 to 90", id="maxmemory-95"
        ),
        pytest.param({"maxmemory_policy": "evict-all"}, "maxmemory_policy must be one of noeviction", id="policy"),
        pytest.param(
            {"extra_args": ("--save", "1mb\nrequirepass x")},
            "extra_args must not contain newlines or NUL characters",
            id="args-newline",
        ),
        pytest.param(
            {"extra_args": ("--requirepass", "hunter2")},
            "extra_args must not set options the construct manages, got '--requirepass'; use the password prop",
            id="args-requirepass",
        ),
        pytest.param(
            {"extra_args": ("--REQUIREPASS", "hunter2")},
            "extra_args must not set options the construct manages, got '--REQUIREPASS'; use the password prop",
            id="args-requirepass-upper",
        ),
        pytest.param(
            {"extra_args": ("--port", "6380")},
            "extra_args must not set options the construct manages, got '--port'; use the port prop",
            id="args-port",
        ),
        pytest.param(
            {"extra_args": ("--dir", "/tmp")},
            "extra_args must not set options the construct manages, got '--dir'; the data directory is fixed",
            id="args-dir",
        ),
        pytest.param(
            {"extra_args": ("--appendonly", "no")},
            "extra_args must not set options the construct manages, got '--appendonly'; append-only persistence",
            id="args-appendonly",
        ),
    ],
)
def test_fails_when_a_new_prop_is_invalid(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        props(**overrides)


# --- stable names, endpoint, dependencies -------------------------------------------------


def test_redis_names_and_selectors_survive_construct_id_changes() -> None:
    def shape(chart_id: str, construct_id: str) -> list[tuple[str, str, Any]]:
        chart = new_chart(chart_id)
        RedisCache(chart, construct_id, props(part_of="aipp"))
        return names_and_selectors(synth(chart))

    assert shape("test", "Redis") == shape("other-chart", "Cache")


def test_redis_endpoint_names_host_port_and_password(chart: Chart) -> None:
    endpoint = RedisCache(chart, "Redis", props()).endpoint
    assert endpoint is not None
    assert endpoint.host == "redis"
    assert dict(endpoint.ports) == {"redis": 6379}
    assert endpoint.port("redis") == 6379
    assert dict(endpoint.credentials) == {"password": SecretKeyRef(name="redis-credentials", key="password")}
    assert dict(endpoint.properties) == {"url": "redis://redis:6379"}
    assert endpoint.protocol == "redis"


def test_redis_endpoint_follows_name_and_port(chart: Chart) -> None:
    endpoint = RedisCache(chart, "Redis", props(name="cache", port=6380)).endpoint
    assert endpoint is not None
    assert (endpoint.host, dict(endpoint.ports)) == ("cache", {"redis": 6380})
    assert endpoint.properties["url"] == "redis://cache:6380"


def test_redis_with_a_dependency_is_wave_2_on_every_object(chart: Chart) -> None:
    first = RedisCache(chart, "First", props(name="first"))
    second = RedisCache(chart, "Second", props(name="second", depends_on=(first,)))
    assert (first.wave, second.wave) == (1, 2)
    waves = {
        (m["kind"], m["metadata"]["name"]): m["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
        for m in synth(chart)
        if m["metadata"]["name"].startswith("second")
    }
    assert waves == {
        ("PersistentVolumeClaim", "second-data"): "2",
        ("Service", "second"): "2",
        ("Deployment", "second"): "2",
    }


def test_redis_version_label_is_the_tag_when_the_image_has_a_digest(chart: Chart) -> None:
    cache = RedisCache(chart, "Redis", props(image=f"{IMAGE}@sha256:{'a' * 64}"))
    assert cache.labels["app.kubernetes.io/version"] == "7.2.7"
