"""Tests of ``WebFrontend``: effective defaults, every prop reaching the YAML, validation, stable names."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from cdk8s import Chart
from conftest import (
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
    Resources,
    SpringService,
    SpringServiceProps,
    Telemetry,
    WaitPolicy,
    WebFrontend,
    WebFrontendProps,
)

IMAGE = "registry.example.com/aipp/web:v1.2.3"
BACKEND_IMAGE = "registry.example.com/aipp/backend:v1.0.0"
WAIT_IMAGE = "registry.example.com/mirror/busybox:1.36.1"
SELECTOR = {"matchLabels": {"app.kubernetes.io/name": "web"}}
WAVE = "argocd.argoproj.io/sync-wave"
OTEL_INJECT = "instrumentation.opentelemetry.io/inject-nodejs"


def props(**overrides: Any) -> WebFrontendProps:
    return WebFrontendProps(**{"name": "web", "image": IMAGE, **overrides})


def build(chart: Chart, **overrides: Any) -> list[dict[str, Any]]:
    WebFrontend(chart, "Web", props(**overrides))
    return synth(chart)


def backend(chart: Chart, name: str = "enai-backend") -> SpringService:
    return SpringService(chart, name, SpringServiceProps(name=name, image=BACKEND_IMAGE))


def http_probe(path: str, period: int, timeout: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": "http", "scheme": "HTTP"},
        "initialDelaySeconds": 0,
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "failureThreshold": failures,
        "successThreshold": 1,
    }


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    """The minimal-props synth, shared read-only by the defaults tests."""
    return build(new_chart())


@pytest.fixture(scope="module")
def deployment(manifests: list[dict[str, Any]]) -> dict[str, Any]:
    return one(manifests, "Deployment", "web")


@pytest.fixture(scope="module")
def web(deployment: dict[str, Any]) -> dict[str, Any]:
    return container(deployment, "web")


# --- defaults, field by field -------------------------------------------------------------


def test_web_creates_deployment_service_and_disruption_budget(manifests: list[dict[str, Any]]) -> None:
    assert sorted((m["kind"], m["metadata"]["name"]) for m in manifests) == [
        ("Deployment", "web"),
        ("PodDisruptionBudget", "web"),
        ("Service", "web"),
    ]
    assert {m["metadata"]["namespace"] for m in manifests} == {"test"}


def test_web_defaults_to_two_replicas_rolled_without_losing_capacity(deployment: dict[str, Any]) -> None:
    spec = deployment["spec"]
    assert spec["replicas"] == 2
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    assert spec["selector"] == SELECTOR
    assert spec["revisionHistoryLimit"] == 3
    assert spec["progressDeadlineSeconds"] == 120 + 300


def test_web_serves_port_3000_as_http_on_container_and_service(
    manifests: list[dict[str, Any]], web: dict[str, Any]
) -> None:
    assert web["ports"] == [{"containerPort": 3000, "name": "http", "protocol": "TCP"}]
    service = one(manifests, "Service", "web")["spec"]
    assert service["type"] == "ClusterIP"
    assert service["selector"] == {"app.kubernetes.io/name": "web"}
    assert service["ports"] == [{"name": "http", "port": 3000, "protocol": "TCP", "targetPort": "http"}]


def test_web_probes_are_http_on_root_with_a_120s_startup_budget(web: dict[str, Any]) -> None:
    assert web["startupProbe"] == http_probe("/", period=5, timeout=3, failures=24)  # ceil(120 / 5)
    assert web["readinessProbe"] == http_probe("/", period=10, timeout=3, failures=3)
    assert web["livenessProbe"] == http_probe("/", period=10, timeout=5, failures=6)


def test_web_env_sets_port_pm2_home_and_otel_variables(web: dict[str, Any]) -> None:
    assert env_of(web) == {
        "K8S_POD_NAME": {"fieldRef": {"fieldPath": "metadata.name"}},
        "K8S_NAMESPACE_NAME": {"fieldRef": {"fieldPath": "metadata.namespace"}},
        "PORT": "3000",
        "PM2_HOME": "/pm2",
        "OTEL_SERVICE_NAME": "web",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://opentelemetry-collector.observability.svc:4318",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_RESOURCE_ATTRIBUTES": (
            "service.version=v1.2.3,k8s.namespace.name=$(K8S_NAMESPACE_NAME),k8s.pod.name=$(K8S_POD_NAME)"
        ),
        "OTEL_LOGS_EXPORTER": "none",
    }
    # The downward variables come first: OTEL_RESOURCE_ATTRIBUTES refers to them.
    assert [e["name"] for e in web["env"]][:2] == ["K8S_POD_NAME", "K8S_NAMESPACE_NAME"]


def test_web_writes_only_to_size_limited_tmp_and_pm2_home(deployment: dict[str, Any], web: dict[str, Any]) -> None:
    assert web["securityContext"]["readOnlyRootFilesystem"] is True
    assert web["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}, {"name": "pm2", "mountPath": "/pm2"}]
    assert pod_spec(deployment)["volumes"] == [
        {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}},
        {"name": "pm2", "emptyDir": {"sizeLimit": "256Mi"}},
    ]


def test_web_spreads_pods_across_nodes_without_blocking_one_node_clusters(deployment: dict[str, Any]) -> None:
    assert pod_spec(deployment)["topologySpreadConstraints"] == [
        {
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": deployment["spec"]["selector"],
        }
    ]
    assert deployment["spec"]["selector"] == SELECTOR


def test_web_disruption_budget_keeps_one_pod_in_the_deployment_wave(manifests: list[dict[str, Any]]) -> None:
    budget = one(manifests, "PodDisruptionBudget", "web")
    deployment = one(manifests, "Deployment", "web")
    assert budget["apiVersion"] == "policy/v1"
    assert budget["spec"] == {"minAvailable": 1, "selector": deployment["spec"]["selector"]}
    assert budget["metadata"]["annotations"][WAVE] == deployment["metadata"]["annotations"][WAVE] == "1"


def test_web_pod_runs_restricted_as_the_default_uid_10001_with_explicit_resources(
    deployment: dict[str, Any], web: dict[str, Any]
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
    assert web["securityContext"] == {
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
    assert spec["terminationGracePeriodSeconds"] == 30
    assert "initContainers" not in spec
    assert "imagePullSecrets" not in spec
    assert web["resources"] == {
        "requests": {"cpu": "250m", "memory": "512Mi"},
        "limits": {"cpu": "1", "memory": "512Mi"},
    }
    assert web["image"] == IMAGE
    assert web["imagePullPolicy"] == "IfNotPresent"


def test_web_labels_every_object_as_a_frontend(manifests: list[dict[str, Any]]) -> None:
    labels = {
        "app.kubernetes.io/name": "web",
        "app.kubernetes.io/component": "frontend",
        "app.kubernetes.io/version": "v1.2.3",
        "app.kubernetes.io/managed-by": "cdk8s",
    }
    for m in manifests:
        assert m["metadata"]["labels"] == labels, m["kind"]
    template = one(manifests, "Deployment")["spec"]["template"]["metadata"]
    assert template["labels"] == labels
    assert "annotations" not in template  # no operator annotation, no config checksum
    assert not [k for k in keys_anywhere(manifests) if k.startswith("cdk8s.io/")]


def test_web_endpoint_is_the_http_url_of_its_service(chart: Chart) -> None:
    endpoint = WebFrontend(chart, "Web", props()).endpoint
    assert endpoint is not None
    assert (endpoint.host, dict(endpoint.ports), endpoint.protocol) == ("web", {"http": 3000}, "http")
    assert dict(endpoint.properties) == {"url": "http://web:3000"}


# --- each prop reaches the YAML -----------------------------------------------------------


def test_web_with_one_replica_has_no_disruption_budget(chart: Chart) -> None:
    frontend = WebFrontend(chart, "Web", props(replicas=1))
    manifests = synth(chart)
    assert [m for m in manifests if m["kind"] == "PodDisruptionBudget"] == []
    assert frontend.disruption_budget is None
    assert one(manifests, "Deployment", "web")["spec"]["replicas"] == 1


def test_web_with_three_replicas_keeps_the_disruption_budget(chart: Chart) -> None:
    manifests = build(chart, replicas=3)
    assert one(manifests, "Deployment", "web")["spec"]["replicas"] == 3
    assert one(manifests, "PodDisruptionBudget", "web")["spec"] == {"minAvailable": 1, "selector": SELECTOR}


def test_web_health_path_is_used_by_all_three_probes(chart: Chart) -> None:
    web = container(one(build(chart, health_path="/healthz"), "Deployment"), "web")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert web[probe]["httpGet"] == {"path": "/healthz", "port": "http", "scheme": "HTTP"}, probe


@pytest.mark.parametrize(("timeout", "failures"), [(300, 60), (12, 3), (10, 2)])
def test_web_startup_timeout_sets_the_startup_failure_threshold(chart: Chart, timeout: int, failures: int) -> None:
    deployment = one(build(chart, startup_timeout_seconds=timeout), "Deployment")
    startup = container(deployment, "web")["startupProbe"]
    assert (startup["periodSeconds"], startup["failureThreshold"]) == (5, failures)
    assert deployment["spec"]["progressDeadlineSeconds"] == timeout + 300


def test_web_cache_dirs_get_one_empty_dir_each_of_cache_size(chart: Chart) -> None:
    deployment = one(build(chart, cache_dirs=("/app/.next/cache", "/home/node/.cache"), cache_size="1Gi"), "Deployment")
    assert pod_spec(deployment)["volumes"] == [
        {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}},
        {"name": "pm2", "emptyDir": {"sizeLimit": "1Gi"}},
        {"name": "cache-0", "emptyDir": {"sizeLimit": "1Gi"}},
        {"name": "cache-1", "emptyDir": {"sizeLimit": "1Gi"}},
    ]
    assert container(deployment, "web")["volumeMounts"] == [
        {"name": "tmp", "mountPath": "/tmp"},
        {"name": "pm2", "mountPath": "/pm2"},
        {"name": "cache-0", "mountPath": "/app/.next/cache"},
        {"name": "cache-1", "mountPath": "/home/node/.cache"},
    ]


def test_web_port_reaches_container_service_env_and_endpoint(chart: Chart) -> None:
    frontend = WebFrontend(chart, "Web", props(port=8081))
    manifests = synth(chart)
    web = container(one(manifests, "Deployment"), "web")
    assert web["ports"] == [{"containerPort": 8081, "name": "http", "protocol": "TCP"}]
    assert env_of(web)["PORT"] == "8081"
    assert one(manifests, "Service", "web")["spec"]["ports"] == [
        {"name": "http", "port": 8081, "protocol": "TCP", "targetPort": "http"}
    ]
    assert frontend.endpoint is not None
    assert frontend.endpoint.properties["url"] == "http://web:8081"


def test_web_operator_telemetry_annotates_the_pod_for_nodejs_and_sets_no_otel_env(chart: Chart) -> None:
    deployment = one(build(chart, telemetry=Telemetry(mode="operator")), "Deployment")
    assert deployment["spec"]["template"]["metadata"]["annotations"] == {OTEL_INJECT: "true"}
    env = env_of(container(deployment, "web"))
    assert env == {"PORT": "3000", "PM2_HOME": "/pm2"}
    assert not [var for var in env if var.startswith("OTEL_")]


def test_web_telemetry_off_sets_neither_annotation_nor_env(chart: Chart) -> None:
    deployment = one(build(chart, telemetry=Telemetry(mode="off")), "Deployment")
    assert "annotations" not in deployment["spec"]["template"]["metadata"]
    assert env_of(container(deployment, "web")) == {"PORT": "3000", "PM2_HOME": "/pm2"}


def test_web_env_is_appended_after_the_construct_variables(chart: Chart) -> None:
    web = container(
        one(
            build(chart, telemetry=Telemetry(mode="off"), env={"NEXT_PUBLIC_TITLE": "AIPP", "TZ": "UTC"}), "Deployment"
        ),
        "web",
    )
    assert web["env"] == [
        {"name": "PORT", "value": "3000"},
        {"name": "PM2_HOME", "value": "/pm2"},
        {"name": "NEXT_PUBLIC_TITLE", "value": "AIPP"},
        {"name": "TZ", "value": "UTC"},
    ]


@pytest.mark.parametrize("var", ["PORT", "PM2_HOME", "OTEL_SERVICE_NAME"])
def test_web_env_may_not_repeat_a_construct_variable(chart: Chart, var: str) -> None:
    with pytest.raises(ValueError, match=f"^env.{var} is already set by the construct"):
        WebFrontend(chart, "Web", props(env={var: "x"}))


def test_web_config_files_are_a_wave_0_config_map_mounted_read_only(chart: Chart) -> None:
    manifests = build(chart, config_files={"app.json": '{"title": "AIPP"}'}, config_dir="/etc/web")
    files = one(manifests, "ConfigMap", "web-files")
    assert files["data"] == {"app.json": '{"title": "AIPP"}'}
    assert files["metadata"]["annotations"] == {WAVE: "0"}
    deployment = one(manifests, "Deployment", "web")
    assert {"name": "files", "configMap": {"name": "web-files", "defaultMode": 0o444}} in pod_spec(deployment)[
        "volumes"
    ]
    assert {"name": "files", "mountPath": "/etc/web", "readOnly": True} in container(deployment, "web")["volumeMounts"]
    checksum = deployment["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
    assert len(checksum) == 64


def test_web_config_change_changes_the_pod_checksum() -> None:
    def checksum(content: str) -> str:
        deployment = one(build(new_chart(), config_files={"app.json": content}), "Deployment")
        value: str = deployment["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
        return value

    assert checksum("{}") != checksum('{"a": 1}')


def test_web_without_config_files_has_no_config_map(manifests: list[dict[str, Any]]) -> None:
    assert not [m for m in manifests if m["kind"] == "ConfigMap"]


def test_web_depending_on_a_spring_service_is_wired_and_waits_for_it(chart: Chart) -> None:
    dependency = backend(chart)
    WebFrontend(chart, "Web", props(depends_on=(dependency,), wait=WaitPolicy(image=WAIT_IMAGE)))
    manifests = synth(chart)
    deployment = one(manifests, "Deployment", "web")
    assert env_of(container(deployment, "web"))["ENAI_BACKEND_URL"] == "http://enai-backend:8080"
    wait = container(deployment, "wait-for-enai-backend")
    assert [c["name"] for c in pod_spec(deployment)["initContainers"]] == ["wait-for-enai-backend"]
    assert wait["image"] == WAIT_IMAGE
    assert wait["command"][:2] == ["sh", "-c"]
    assert "until nc -z -w 2 enai-backend 8080; do" in wait["command"][2]
    assert wait["securityContext"]["runAsUser"] == 65534
    # One wave after the backend, the disruption budget included.
    assert {m["metadata"]["annotations"][WAVE] for m in manifests if m["metadata"]["name"] == "web"} == {"2"}


def test_web_depends_on_without_wait_policy_wires_but_does_not_wait(chart: Chart) -> None:
    deployment = one(build(chart, depends_on=(backend(chart),)), "Deployment", "web")
    assert "initContainers" not in pod_spec(deployment)
    assert env_of(container(deployment, "web"))["ENAI_BACKEND_URL"] == "http://enai-backend:8080"


def test_web_depends_on_another_frontend_by_its_http_endpoint(chart: Chart) -> None:
    api = WebFrontend(chart, "Api", props(name="bff-api", port=4000))
    deployment = one(build(chart, depends_on=(api,), wait=WaitPolicy(image=WAIT_IMAGE)), "Deployment", "web")
    assert env_of(container(deployment, "web"))["BFF_API_URL"] == "http://bff-api:4000"
    assert "until nc -z -w 2 bff-api 4000; do" in container(deployment, "wait-for-bff-api")["command"][2]


def test_web_refuses_a_dependency_without_endpoint(chart: Chart) -> None:
    silent = Component(chart, "Silent", name="silent", component="test", version="1")
    with pytest.raises(ValueError, match="^depends_on: web depends on silent, which serves no endpoint"):
        WebFrontend(chart, "Web", props(depends_on=(silent,)))


def test_web_every_prop_reaches_the_yaml(chart: Chart) -> None:
    enai, search = backend(chart, "enai-backend"), backend(chart, "search")
    migrations = Component(chart, "Migrations", name="migrations", component="job", version="1", depends_on=(enai,))
    values: dict[str, Any] = {
        "name": "portal",
        "image": "registry.example.com/aipp/portal:2.0.1",
        "part_of": "aipp",
        "replicas": 3,
        "port": 8081,
        "resources": Resources(cpu_request="100m", memory_request="256Mi", cpu_limit="2", memory_limit="1Gi"),
        "run_as_user": 1001,
        "depends_on": (enai, search),
        "after": (migrations,),
        "wait": WaitPolicy(image=WAIT_IMAGE, attempts=10),
        "wiring": {"http": {"url": "{NAME}_ORIGIN"}},
        "wiring_overrides": {"search": {"url": "SEARCH_API"}},
        "wiring_updates": {"enai-backend": {"url": ("ENAI_BACKEND_ORIGIN", "API_ORIGIN")}},
        "env": {"TZ": "UTC"},
        "config_files": {"app.json": "{}"},
        "config_dir": "/etc/portal",
        "tmp_size": "64Mi",
        "telemetry": Telemetry(mode="operator", instrumentation="observability/nodejs"),
        "image_pull_secrets": ("harbor-pull",),
        "startup_timeout_seconds": 60,
        "health_path": "/api/health",
        "cache_dirs": ("/app/.next/cache",),
        "cache_size": "512Mi",
        "policy_exceptions": {
            "CKV_K8S_35": "the portal would read its session key from the environment",
            "CKV_K8S_40": "the portal image's files belong to uid 1001",
        },
    }
    fields = {f.name: f for f in dataclasses.fields(WebFrontendProps)}
    assert set(values) == set(fields), "a WebFrontendProps field is not covered by this test"
    for name, f in fields.items():
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        assert values[name] != default, f"{name} is set to its default"

    WebFrontend(chart, "Web", WebFrontendProps(**values))
    manifests = [m for m in synth(chart) if m["metadata"]["name"].startswith("portal")]
    deployment = one(manifests, "Deployment", "portal")
    spec = pod_spec(deployment)
    portal = container(deployment, "portal")
    selector = {"app.kubernetes.io/name": "portal", "app.kubernetes.io/part-of": "aipp"}

    # name, part_of
    assert sorted((m["kind"], m["metadata"]["name"]) for m in manifests) == [
        ("ConfigMap", "portal-files"),
        ("Deployment", "portal"),
        ("PodDisruptionBudget", "portal"),
        ("Service", "portal"),
    ]
    assert deployment["spec"]["selector"] == {"matchLabels": selector}
    assert one(manifests, "Service")["spec"]["selector"] == selector
    assert one(manifests, "PodDisruptionBudget")["spec"]["selector"] == {"matchLabels": selector}
    assert spec["topologySpreadConstraints"][0]["labelSelector"] == {"matchLabels": selector}
    # image
    assert portal["image"] == "registry.example.com/aipp/portal:2.0.1"
    assert deployment["metadata"]["labels"]["app.kubernetes.io/version"] == "2.0.1"
    # replicas
    assert deployment["spec"]["replicas"] == 3
    # port
    assert portal["ports"] == [{"containerPort": 8081, "name": "http", "protocol": "TCP"}]
    assert one(manifests, "Service")["spec"]["ports"][0]["port"] == 8081
    # resources
    assert portal["resources"] == {
        "requests": {"cpu": "100m", "memory": "256Mi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }
    # run_as_user
    assert spec["securityContext"]["runAsUser"] == spec["securityContext"]["fsGroup"] == 1001
    assert (portal["securityContext"]["runAsUser"], portal["securityContext"]["runAsGroup"]) == (1001, 1001)
    # depends_on, wait
    assert [c["name"] for c in spec["initContainers"]] == ["wait-for-enai-backend", "wait-for-search"]
    assert 'if [ "$n" -ge 10 ]; then' in container(deployment, "wait-for-search")["command"][2]
    # wiring, wiring_overrides, wiring_updates, env, telemetry (operator: no OTEL_ variables)
    assert env_of(portal) == {
        "ENAI_BACKEND_ORIGIN": "http://enai-backend:8080",
        "API_ORIGIN": "http://enai-backend:8080",
        "SEARCH_API": "http://search:8080",
        "PORT": "8081",
        "PM2_HOME": "/pm2",
        "TZ": "UTC",
    }
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations[OTEL_INJECT] == "observability/nodejs"
    # after: one wave after migrations (wave 2), the budget and Service included
    assert {
        m["metadata"]["name"]: m["metadata"]["annotations"][WAVE] for m in manifests if m["kind"] != "ConfigMap"
    } == {"portal": "3"}
    # config_files, config_dir
    assert one(manifests, "ConfigMap", "portal-files")["data"] == {"app.json": "{}"}
    assert {"name": "files", "mountPath": "/etc/portal", "readOnly": True} in portal["volumeMounts"]
    assert "checksum/config" in annotations
    # tmp_size, cache_dirs, cache_size
    assert {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}} in spec["volumes"]
    assert {"name": "pm2", "emptyDir": {"sizeLimit": "512Mi"}} in spec["volumes"]
    assert {"name": "cache-0", "emptyDir": {"sizeLimit": "512Mi"}} in spec["volumes"]
    assert {"name": "cache-0", "mountPath": "/app/.next/cache"} in portal["volumeMounts"]
    # image_pull_secrets
    assert spec["imagePullSecrets"] == [{"name": "harbor-pull"}]
    # startup_timeout_seconds, health_path
    assert portal["startupProbe"] == http_probe("/api/health", period=5, timeout=3, failures=12)
    assert portal["readinessProbe"]["httpGet"]["path"] == portal["livenessProbe"]["httpGet"]["path"] == "/api/health"
    # policy_exceptions: on the Deployment only; CKV_K8S_35 is not written, the portal reads no Secret
    skips = {k: v for k, v in deployment["metadata"]["annotations"].items() if k.startswith("checkov.io/")}
    assert [v.partition("=")[0] for v in skips.values()] == ["CKV_K8S_15", "CKV_K8S_40", "CKV_K8S_43"]
    assert skips["checkov.io/skip2"] == "CKV_K8S_40=the portal image's files belong to uid 1001"
    assert not [k for k in annotations if k.startswith("checkov.io/")]


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "bad"),
    [
        pytest.param({"health_path": "healthz"}, "health_path", "healthz", id="health-path-relative"),
        pytest.param({"health_path": ""}, "health_path", "", id="health-path-empty"),
        pytest.param({"health_path": "/health?full=1"}, "health_path", "/health?full=1", id="health-path-query"),
        pytest.param({"cache_dirs": ("/tmp",)}, "cache_dirs", "/tmp", id="cache-tmp"),
        pytest.param({"cache_dirs": ("/pm2",)}, "cache_dirs", "/pm2", id="cache-pm2"),
        pytest.param({"cache_dirs": ("/",)}, "cache_dirs", "/", id="cache-root"),
        pytest.param({"cache_dirs": ("/config",)}, "cache_dirs", "/config", id="cache-config-dir"),
        pytest.param({"cache_dirs": ("app/cache",)}, "cache_dirs", "app/cache", id="cache-relative"),
        pytest.param({"cache_dirs": ("/app/cache", "/app/cache")}, "cache_dirs", "/app/cache", id="cache-duplicate"),
        pytest.param({"cache_dirs": ("/tmp/",)}, "cache_dirs", "/tmp/", id="cache-tmp-trailing-slash"),
        pytest.param({"cache_dirs": ("/pm2/x",)}, "cache_dirs", "/pm2/x", id="cache-inside-pm2"),
        pytest.param({"cache_dirs": ("/app/../tmp",)}, "cache_dirs", "/app/../tmp", id="cache-dot-dot"),
        pytest.param({"config_dir": "/pm2"}, "config_dir", "/pm2", id="config-dir-pm2"),
        pytest.param({"cache_size": "1GB"}, "cache_size", "1GB", id="cache-size-GB"),
        pytest.param({"cache_size": "0Mi"}, "cache_size", "0Mi", id="cache-size-zero"),
        pytest.param(
            {"image": "registry.example.com/aipp/web:latest"},
            "image",
            "registry.example.com/aipp/web:latest",
            id="image-latest",
        ),
        pytest.param({"image": "web:v1.2"}, "image", "web:v1.2", id="image-release-line"),
        pytest.param({"replicas": -1}, "replicas", -1, id="replicas-negative"),
        pytest.param({"replicas": 101}, "replicas", 101, id="replicas-too-many"),
        pytest.param({"port": 0}, "port", 0, id="port-zero"),
        pytest.param({"name": "Web"}, "name", "Web", id="name-upper"),
        pytest.param({"startup_timeout_seconds": 5}, "startup_timeout_seconds", 5, id="startup-too-short"),
        pytest.param({"tmp_size": "1G"}, "tmp_size", "1G", id="tmp-size-decimal"),
        pytest.param({"run_as_user": 0}, "run_as_user", 0, id="run-as-root"),
    ],
)
def test_fails_when_a_prop_is_invalid(overrides: dict[str, Any], field: str, bad: Any) -> None:
    with pytest.raises(ValueError) as error:
        props(**overrides)
    message = str(error.value)
    assert message.startswith(f"{field} "), message
    assert f"got {bad!r}" in message, message


def test_cache_dirs_may_use_config_dir_paths_other_than_the_configured_one() -> None:
    # /config is only refused because it is the default config_dir.
    assert props(config_dir="/etc/web", cache_dirs=("/config",)).cache_dirs == ("/config",)


# --- stable names -------------------------------------------------------------------------


def test_web_names_and_selectors_survive_construct_id_changes() -> None:
    def shape(chart_id: str, construct_id: str) -> list[tuple[str, str, Any]]:
        chart = new_chart(chart_id)
        WebFrontend(chart, construct_id, props(part_of="aipp", config_files={"app.json": "{}"}))
        return names_and_selectors(synth(chart))

    first, second = shape("test", "Web"), shape("other-chart", "Frontend")
    assert first == second
    assert sorted((kind, name) for kind, name, _ in first) == [
        ("ConfigMap", "web-files"),
        ("Deployment", "web"),
        ("PodDisruptionBudget", "web"),
        ("Service", "web"),
    ]
