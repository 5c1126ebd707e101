"""Workload: the general application construct, one Compose service shape at a time."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import pytest
from cdk8s import Chart
from conftest import container, env_of, new_chart, one, pod_spec, synth

from aipp_constructs import (
    ClaimTemplate,
    ClaimVolume,
    Component,
    EnvTemplate,
    ExecCheck,
    FieldRef,
    GraphNetworkPolicies,
    GraphNetworkPoliciesProps,
    HttpCheck,
    InitStep,
    Port,
    Probe,
    Probes,
    Resources,
    ScratchVolume,
    SecretFile,
    SecretKeyRef,
    SharedClaim,
    SharedClaimProps,
    Sidecar,
    TcpCheck,
    Telemetry,
    Toleration,
    WaitPolicy,
    Workload,
    WorkloadProps,
)
from aipp_constructs.core.references import Endpoint

IMAGE = "registry.example.com/acme/api:2.4.1"
WAIT = WaitPolicy(image="registry.example.com/library/busybox:1.37.0")
OFF = Telemetry(mode="off")


def _props(**overrides: Any) -> WorkloadProps:
    return WorkloadProps(**{"name": "api", "image": IMAGE, "telemetry": OFF, **overrides})


def _provider(chart: Chart, name: str = "db", protocol: str = "postgresql", port: int = 5432) -> Component:
    provider = Component(chart, name.title(), name=name, component="database", version="1")
    provider.endpoint = Endpoint(
        host=name,
        ports={protocol: port},
        credentials={
            "username": SecretKeyRef(name=f"{name}-credentials", key="username"),
            "password": SecretKeyRef(name=f"{name}-credentials", key="password"),
        },
        properties={"database": "app", "url": f"{protocol}://{name}:{port}/app"},
        protocol=protocol,
    )
    return provider


def _build(chart: Chart, **overrides: Any) -> tuple[Workload, list[dict[str, Any]]]:
    workload = Workload(chart, "Api", _props(**overrides))
    return workload, synth(chart)


@pytest.mark.parametrize(
    ("version", "lifecycle"),
    [
        (None, {"preStop": {"exec": {"command": ["sleep", "7"]}}}),
        ("v1.27", {"preStop": {"exec": {"command": ["sleep", "7"]}}}),
        ("v1.29", {"preStop": {"exec": {"command": ["sleep", "7"]}}}),
        ("v1.30", {"preStop": {"sleep": {"seconds": 7}}}),
        ("v1.34", {"preStop": {"sleep": {"seconds": 7}}}),
    ],
)
def test_pre_stop_pause_is_the_native_sleep_action_from_v1_30(
    chart: Chart, version: str | None, lifecycle: dict[str, Any]
) -> None:
    _, manifests = _build(chart, pre_stop_sleep_seconds=7, kubernetes_version=version)
    assert container(one(manifests, "Deployment", "api"), "api")["lifecycle"] == lifecycle


# --- defaults -------------------------------------------------------------------------------


def test_defaults_are_a_hardened_deployment_without_a_service(chart: Chart) -> None:
    workload, manifests = _build(chart)
    assert [m["kind"] for m in manifests] == ["Deployment"]
    assert workload.service is None and workload.endpoint is None and workload.disruption_budget is None
    deployment = one(manifests, "Deployment", "api")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["progressDeadlineSeconds"] == 600
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }
    spec = pod_spec(deployment)
    assert spec["securityContext"] == {
        "fsGroup": 10001,
        "fsGroupChangePolicy": "OnRootMismatch",
        "runAsGroup": 10001,
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert spec["automountServiceAccountToken"] is False and spec["enableServiceLinks"] is False
    main = container(deployment, "api")
    assert main["securityContext"]["readOnlyRootFilesystem"] is True
    assert main["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert main["resources"] == {
        "limits": {"cpu": "1", "memory": "512Mi"},
        "requests": {"cpu": "250m", "memory": "512Mi"},
    }
    assert main["volumeMounts"] == [{"mountPath": "/tmp", "name": "tmp"}]
    assert not {"command", "args", "ports", "env", "startupProbe", "readinessProbe", "livenessProbe"} & set(main)
    assert deployment["metadata"]["labels"]["app.kubernetes.io/component"] == "app"


# --- every prop reaches the YAML --------------------------------------------------------------


def test_command_args_ports_and_the_service(chart: Chart) -> None:
    workload, manifests = _build(
        chart,
        command=("/bin/daemon",),
        args=("--listen", "0.0.0.0"),
        ports=(
            Port(name="api", number=5002),
            Port(name="plugins", number=5003),
            Port(name="debug", number=9229, expose=False),
            Port(name="dns", number=5353, protocol="UDP"),
        ),
        protocol="tcp",
    )
    main = container(one(manifests, "Deployment"), "api")
    assert main["command"] == ["/bin/daemon"] and main["args"] == ["--listen", "0.0.0.0"]
    assert main["ports"] == [
        {"containerPort": 5002, "name": "api", "protocol": "TCP"},
        {"containerPort": 5003, "name": "plugins", "protocol": "TCP"},
        {"containerPort": 9229, "name": "debug", "protocol": "TCP"},
        {"containerPort": 5353, "name": "dns", "protocol": "UDP"},
    ]
    service = one(manifests, "Service", "api")
    assert service["spec"]["ports"] == [
        {"name": "api", "port": 5002, "protocol": "TCP", "targetPort": "api"},
        {"name": "plugins", "port": 5003, "protocol": "TCP", "targetPort": "plugins"},
        {"name": "dns", "port": 5353, "protocol": "UDP", "targetPort": "dns"},
    ]
    assert workload.endpoint is not None
    assert dict(workload.endpoint.ports) == {"api": 5002, "plugins": 5003, "dns": 5353}
    assert workload.endpoint.main_port == 5002 and workload.endpoint.protocol == "tcp"
    assert dict(workload.endpoint.properties) == {}


def test_an_http_service_offers_its_url(chart: Chart) -> None:
    workload, _ = _build(chart, ports=(Port(name="http", number=3000),))
    assert workload.endpoint is not None and dict(workload.endpoint.properties) == {"url": "http://api:3000"}


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (HttpCheck(path="/health", port="http"), {"httpGet": {"path": "/health", "port": "http", "scheme": "HTTP"}}),
        (TcpCheck(port="http"), {"tcpSocket": {"port": "http"}}),
        (ExecCheck(command=("celery", "inspect", "ping")), {"exec": {"command": ["celery", "inspect", "ping"]}}),
    ],
)
def test_each_kind_of_check_with_its_timing(chart: Chart, check: Any, expected: dict[str, Any]) -> None:
    _, manifests = _build(
        chart,
        ports=(Port(name="http", number=8000),),
        probes=Probes.of(check, period_seconds=20, timeout_seconds=5),
        startup_timeout_seconds=90,
    )
    main = container(one(manifests, "Deployment"), "api")
    timing = {"initialDelaySeconds": 0, "periodSeconds": 20, "timeoutSeconds": 5, "successThreshold": 1}
    assert main["startupProbe"] == {**expected, **timing, "failureThreshold": 5}  # ceil(90 / 20)
    assert main["readinessProbe"] == {**expected, **timing, "failureThreshold": 3}
    assert main["livenessProbe"] == {**expected, **timing, "failureThreshold": 6}


def test_only_the_probes_given_are_written(chart: Chart) -> None:
    _, manifests = _build(chart, probes=Probes(liveness=Probe(check=ExecCheck(command=("true",)), failure_threshold=2)))
    main = container(one(manifests, "Deployment"), "api")
    assert "startupProbe" not in main and "readinessProbe" not in main
    assert main["livenessProbe"]["failureThreshold"] == 2


def test_env_from_literals_secrets_and_templates_in_order(chart: Chart) -> None:
    db = _provider(chart)
    _, manifests = _build(
        chart,
        connects_to=(db,),
        wiring_overrides={"db": {}},
        env={
            "MODE": "production",
            "SALT": SecretKeyRef(name="app-secrets", key="salt"),
            "DATABASE_URL": EnvTemplate(
                text="postgresql://{username}:{password}@{host}:{port}/{database}?sslmode=$(NOT_A_VAR)",
                values=db.endpoint.facts(),  # type: ignore[union-attr]
            ),
        },
    )
    env = container(one(manifests, "Deployment"), "api")["env"]

    def secret(key: str) -> dict[str, Any]:
        return {"valueFrom": {"secretKeyRef": {"key": key, "name": "db-credentials"}}}

    assert env == [
        {"name": "MODE", "value": "production"},
        {"name": "SALT", "valueFrom": {"secretKeyRef": {"key": "salt", "name": "app-secrets"}}},
        {"name": "DATABASE_URL_USERNAME", **secret("username")},
        {"name": "DATABASE_URL_PASSWORD", **secret("password")},
        {
            "name": "DATABASE_URL",
            # Secrets by reference, expanded by the kubelet; a literal "$(" is escaped.
            "value": "postgresql://$(DATABASE_URL_USERNAME):$(DATABASE_URL_PASSWORD)@db:5432/app?sslmode=$$(NOT_A_VAR)",
        },
    ]


def test_settings_in_a_config_map_keep_secrets_and_templates_as_variables(chart: Chart) -> None:
    workload, manifests = _build(
        chart,
        settings_in_config_map=True,
        env={
            "MODE": "fast",
            "TOKEN": SecretKeyRef(name="s", key="token"),
            "URL": EnvTemplate(text="x://{t}", values={"t": "y"}),
        },
    )
    assert workload.settings is not None
    assert one(manifests, "ConfigMap", "api-config")["data"] == {"MODE": "fast"}
    main = container(one(manifests, "Deployment"), "api")
    assert main["envFrom"] == [{"configMapRef": {"name": "api-config"}}]
    assert [e["name"] for e in main["env"]] == ["TOKEN", "URL"]
    assert "checksum/config" in one(manifests, "Deployment")["spec"]["template"]["metadata"]["annotations"]


def test_volumes_scratch_memory_config_files_and_claims(chart: Chart) -> None:
    uploads = SharedClaim(chart, "Uploads", SharedClaimProps(name="uploads", size="5Gi", storage_class_name="longhorn"))
    _, manifests = _build(
        chart,
        config_files={"app.yaml": "a: 1\n"},
        config_dir="/etc/app",
        tmp_size="64Mi",
        scratch=(
            ScratchVolume(name="shm", path="/dev/shm", size="1Gi", memory=True),
            ScratchVolume(name="cache", path="/var/cache/app"),
        ),
        claims=(
            uploads.volume("/data/uploads"),
            ClaimVolume(name="models", path="/models", claim_name="models", read_only=True),
        ),
    )
    spec = pod_spec(one(manifests, "Deployment"))
    assert spec["volumes"] == [
        {"emptyDir": {"sizeLimit": "64Mi"}, "name": "tmp"},
        {"configMap": {"defaultMode": 0o444, "name": "api-files"}, "name": "files"},
        {"emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}, "name": "shm"},
        {"emptyDir": {"sizeLimit": "256Mi"}, "name": "cache"},
        {"name": "uploads", "persistentVolumeClaim": {"claimName": "uploads"}},
        {"name": "models", "persistentVolumeClaim": {"claimName": "models", "readOnly": True}},
    ]
    assert container(one(manifests, "Deployment"), "api")["volumeMounts"] == [
        {"mountPath": "/tmp", "name": "tmp"},
        {"mountPath": "/etc/app", "name": "files", "readOnly": True},
        {"mountPath": "/dev/shm", "name": "shm"},
        {"mountPath": "/var/cache/app", "name": "cache"},
        {"mountPath": "/data/uploads", "name": "uploads"},
        {"mountPath": "/models", "name": "models", "readOnly": True},
    ]
    claim = one(manifests, "PersistentVolumeClaim", "uploads")
    assert claim["spec"] == {
        "accessModes": ["ReadWriteMany"],
        "resources": {"requests": {"storage": "5Gi"}},
        "storageClassName": "longhorn",
    }
    assert claim["metadata"]["annotations"] == {
        "argocd.argoproj.io/sync-options": "Prune=false,Delete=false",
        "argocd.argoproj.io/sync-wave": "0",
    }


def test_claim_templates_make_a_stateful_set_with_a_headless_service(chart: Chart) -> None:
    workload, manifests = _build(
        chart,
        name="clickhouse",
        run_as_user=101,
        ports=(Port(name="http", number=8123), Port(name="native", number=9000)),
        claim_templates=(
            ClaimTemplate(
                name="data",
                path="/var/lib/clickhouse",
                size="50Gi",
                storage_class_name="longhorn",
                labels={"recurring-job.longhorn.io/source": "enable"},
            ),
            ClaimTemplate(name="logs", path="/var/log/clickhouse-server", size="5Gi"),
        ),
        secret_files=(
            SecretFile(
                name="password", path="/run/secrets/clickhouse/password", secret=SecretKeyRef(name="ch", key="password")
            ),
        ),
    )
    assert [(m["kind"], m["metadata"]["name"]) for m in manifests] == [
        ("Service", "clickhouse"),
        ("Service", "clickhouse-headless"),
        ("StatefulSet", "clickhouse"),
        # Each replica's claim of each template, named as the StatefulSet controller names it.
        ("PersistentVolumeClaim", "data-clickhouse-0"),
        ("PersistentVolumeClaim", "logs-clickhouse-0"),
    ]
    headless = one(manifests, "Service", "clickhouse-headless")["spec"]
    assert headless["clusterIP"] == "None" and headless["publishNotReadyAddresses"] is True
    stateful = one(manifests, "StatefulSet")
    spec = stateful["spec"]
    assert spec["serviceName"] == "clickhouse-headless" and spec["podManagementPolicy"] == "OrderedReady"
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert spec["volumeClaimTemplates"] == [
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {
                "labels": {"app.kubernetes.io/name": "clickhouse", "recurring-job.longhorn.io/source": "enable"},
                "name": "data",
            },
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "50Gi"}},
                "storageClassName": "longhorn",
            },
        },
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"labels": {"app.kubernetes.io/name": "clickhouse"}, "name": "logs"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}},
        },
    ]
    assert "progressDeadlineSeconds" not in spec and "strategy" not in spec
    main = container(stateful, "clickhouse")
    assert main["volumeMounts"] == [
        {"mountPath": "/tmp", "name": "tmp"},
        {"mountPath": "/var/lib/clickhouse", "name": "data"},
        {"mountPath": "/var/log/clickhouse-server", "name": "logs"},
        {"mountPath": "/run/secrets/clickhouse", "name": "password", "readOnly": True},
    ]
    assert pod_spec(stateful)["volumes"][-1] == {
        "name": "password",
        "secret": {"defaultMode": 0o440, "items": [{"key": "password", "path": "password"}], "secretName": "ch"},
    }
    assert workload.headless_service is not None and workload.endpoint is not None
    # The claims are the templates' claims as objects: same labels and spec, the StatefulSet's
    # wave, kept by ArgoCD on prune and delete.
    for claim, template in zip(
        (one(manifests, "PersistentVolumeClaim", f"{name}-clickhouse-0") for name in ("data", "logs")),
        spec["volumeClaimTemplates"],
    ):
        assert claim["metadata"]["labels"] == template["metadata"]["labels"]
        assert claim["spec"] == template["spec"]
        assert claim["metadata"]["annotations"] == {
            "argocd.argoproj.io/sync-options": "Prune=false,Delete=false",
            "argocd.argoproj.io/sync-wave": stateful["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"],
        }
    assert [claim.name for claim in workload.claims] == ["data-clickhouse-0", "logs-clickhouse-0"]


def test_a_stateful_set_has_a_claim_per_replica(chart: Chart) -> None:
    _, manifests = _build(
        chart,
        name="db",
        replicas=3,
        ports=(Port(name="pg", number=5432),),
        claim_templates=(ClaimTemplate(name="data", path="/data", size="1Gi"),),
    )
    claims = [m["metadata"]["name"] for m in manifests if m["kind"] == "PersistentVolumeClaim"]
    assert claims == ["data-db-0", "data-db-1", "data-db-2"]


def test_a_stateful_set_rolls_pods_in_order_only() -> None:
    with pytest.raises(ValueError, match="strategy must be 'RollingUpdate' with claim_templates"):
        _props(strategy="Recreate", claim_templates=(ClaimTemplate(name="data", path="/data", size="1Gi"),))


def test_replicas_budget_spread_placement_identity_and_lifecycle(chart: Chart) -> None:
    workload, manifests = _build(
        chart,
        replicas=3,
        spread_over_nodes=True,
        strategy="Recreate",
        run_as_user=101,
        run_as_group=2000,
        resources=Resources(cpu_request="1", memory_request="1Gi", cpu_limit="2", memory_limit="2Gi"),
        extended_resources={"nvidia.com/gpu": 2},
        node_selector={"pool": "gpu"},
        tolerations=(Toleration(key="nvidia.com/gpu"),),
        runtime_class_name="nvidia",
        pre_stop_command=("sleep", "5"),
        termination_grace_period_seconds=45,
        image_pull_secrets=("vendor-registry",),
        component_label="worker",
        part_of="acme",
    )
    deployment = one(manifests, "Deployment")
    spec = pod_spec(deployment)
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert spec["topologySpreadConstraints"][0]["whenUnsatisfiable"] == "ScheduleAnyway"
    assert spec["securityContext"]["runAsUser"] == 101 and spec["securityContext"]["runAsGroup"] == 2000
    assert spec["securityContext"]["fsGroup"] == 2000
    assert spec["nodeSelector"] == {"pool": "gpu"} and spec["runtimeClassName"] == "nvidia"
    assert spec["tolerations"] == [{"effect": "NoSchedule", "key": "nvidia.com/gpu", "operator": "Exists"}]
    assert spec["terminationGracePeriodSeconds"] == 45 and spec["imagePullSecrets"] == [{"name": "vendor-registry"}]
    main = container(deployment, "api")
    assert main["resources"]["limits"]["nvidia.com/gpu"] == 2 and main["resources"]["requests"]["nvidia.com/gpu"] == 2
    assert main["securityContext"]["runAsGroup"] == 2000
    assert main["lifecycle"] == {"preStop": {"exec": {"command": ["sleep", "5"]}}}
    assert one(manifests, "PodDisruptionBudget")["spec"]["minAvailable"] == 1
    assert workload.labels["app.kubernetes.io/component"] == "worker"
    assert workload.labels["app.kubernetes.io/part-of"] == "acme"


def test_container_name_field_refs_init_steps_and_config_files_beside_the_image_s(chart: Chart) -> None:
    _, manifests = _build(
        chart,
        name="rabbitmq",
        container_name="broker",
        env={"POD": FieldRef(field_path="metadata.name"), "NODE": "rabbit@$(POD).rabbitmq-headless"},
        config_files={"20-kubernetes.conf": "log.file = false\n"},
        config_dir="/etc/rabbitmq/conf.d",
        config_map_name="rabbitmq-config",
        config_files_mount="files",
        scratch=(ScratchVolume(name="home", path="/var/lib/rabbitmq", size="64Mi"),),
        claim_templates=(ClaimTemplate(name="data", path="/var/lib/rabbitmq/mnesia", size="1Gi"),),
        init_steps=(InitStep(name="install-cookie", command=("sh", "-c", "cp a b"), volumes=("home",)),),
    )
    assert one(manifests, "ConfigMap", "rabbitmq-config")["data"] == {"20-kubernetes.conf": "log.file = false\n"}
    stateful = one(manifests, "StatefulSet")
    main = container(stateful, "broker")
    assert main["env"] == [
        {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "NODE", "value": "rabbit@$(POD).rabbitmq-headless"},
    ]
    assert main["volumeMounts"] == [
        {"mountPath": "/tmp", "name": "tmp"},
        {
            "mountPath": "/etc/rabbitmq/conf.d/20-kubernetes.conf",
            "name": "files",
            "readOnly": True,
            "subPath": "20-kubernetes.conf",
        },
        {"mountPath": "/var/lib/rabbitmq", "name": "home"},
        {"mountPath": "/var/lib/rabbitmq/mnesia", "name": "data"},
    ]
    step = container(stateful, "install-cookie")
    assert step["command"] == ["sh", "-c", "cp a b"] and step["image"] == IMAGE
    assert step["volumeMounts"] == [{"mountPath": "/var/lib/rabbitmq", "name": "home"}]
    assert step["securityContext"]["runAsUser"] == 10001


def test_an_explicit_budget_overrides_the_replica_rule(chart: Chart) -> None:
    _, manifests = _build(chart, replicas=3, disruption_budget=False)
    assert [m for m in manifests if m["kind"] == "PodDisruptionBudget"] == []


# --- edges that say what they mean ------------------------------------------------------------


def _edges(**edges: Any) -> tuple[Workload, list[dict[str, Any]], Component]:
    chart = new_chart()
    db = _provider(chart)
    workload = Workload(
        chart, "Api", _props(wait=WAIT, ports=(Port(name="http", number=8080),), **{k: (db,) for k in edges})
    )
    policies = GraphNetworkPolicies(chart, "Policies", GraphNetworkPoliciesProps(components=(db, workload)))
    del policies
    return workload, synth(chart), db


@pytest.mark.parametrize(
    ("edge", "waits", "wired", "later_wave"),
    [
        ("depends_on", True, True, True),
        ("waits_for", True, False, True),
        ("connects_to", False, True, False),
        ("after", False, False, True),
    ],
)
def test_each_edge_kind(edge: str, waits: bool, wired: bool, later_wave: bool) -> None:
    workload, manifests, db = _edges(**{edge: True})
    deployment = one(manifests, "Deployment")
    assert [c["name"] for c in pod_spec(deployment).get("initContainers", [])] == (["wait-for-db"] if waits else [])
    assert ("DB_HOST" in env_of(container(deployment, "api"))) is wired
    assert (workload.wave == db.wave + 1) is later_wave
    egress = one(manifests, "NetworkPolicy", "api")["spec"].get("egress", [])
    opened = [
        rule for rule in egress if rule["to"][0].get("podSelector", {}).get("matchLabels") == dict(db.selector_labels)
    ]
    assert bool(opened) is (edge != "after")


def test_a_shared_overrides_table_may_name_other_workloads_when_asked(chart: Chart) -> None:
    db = _provider(chart)
    table = {"db": {"host": "DB_SERVER"}, "cache": {"host": "CACHE_SERVER"}}
    with pytest.raises(ValueError, match="wiring names 'cache', which is not a dependency"):
        Workload(chart, "Strict", _props(name="strict", connects_to=(db,), wiring_overrides=table))
    workload = Workload(
        chart,
        "Lenient",
        _props(name="lenient", connects_to=(db,), wiring_overrides=table, ignore_unknown_overrides=True),
    )
    assert [var for var, _ in workload.wired] == ["DB_SERVER"]


def test_an_edge_to_a_component_without_endpoint_is_refused(chart: Chart) -> None:
    worker = Workload(chart, "Worker", _props(name="worker"))
    with pytest.raises(ValueError, match="^connects_to: api connects to worker, which serves no endpoint$"):
        Workload(chart, "Api", _props(connects_to=(worker,)))


def test_operator_telemetry_uses_the_language(chart: Chart) -> None:
    _, manifests = _build(chart, telemetry=Telemetry(mode="operator"), telemetry_language="python")
    annotations = one(manifests, "Deployment")["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {"instrumentation.opentelemetry.io/inject-python": "true"}


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "Api"}, "name must be a DNS-1123 label"),
        ({"command": ["sh"]}, "command must be a tuple of strings"),
        ({"ports": (Port(name="a", number=1), Port(name="a", number=2))}, "ports must have distinct names and numbers"),
        ({"ports": (Port(name="a", number=1), Port(name="b", number=1))}, "ports must have distinct names and numbers"),
        ({"probes": Probes.of(TcpCheck(port="http"))}, "probes.startup checks port 'http', which is not one of ports"),
        ({"startup_timeout_seconds": 5}, "startup_timeout_seconds must be an integer from 10 to 7200, got 5"),
        ({"replicas": -1}, "replicas must be an integer from 0 to 100, got -1"),
        ({"strategy": "Blue"}, "strategy must be 'RollingUpdate' or 'Recreate'"),
        ({"extended_resources": {"gpu": 1}}, "extended_resources keys must be like 'nvidia.com/gpu'"),
        (
            {"extended_resources": {"nvidia.com/gpu": 0}},
            "extended_resources\\['nvidia.com/gpu'\\] must be an integer from 1 to 64",
        ),
        ({"run_as_user": 0}, "run_as_user must be an integer from 1 to 2147483647, got 0; Pod Security"),
        ({"env": {"1X": "a"}}, "env.1X must be a variable name"),
        ({"env": {"K8S_POD_NAME": "a"}}, "env.K8S_POD_NAME is set by the construct"),
        ({"env": {"X": 1}}, "env.X must be a string, a SecretKeyRef, an EnvTemplate or a FieldRef"),
        ({"config_files": {"a/b": "x"}}, "config_files keys must be file names"),
        ({"tmp_size": "1G"}, "tmp_size must be a quantity in binary units"),
        (
            {"scratch": (ScratchVolume(name="tmp", path="/x"),)},
            "scratch and claims names must be distinct and not tmp, files",
        ),
        ({"scratch": (ScratchVolume(name="a", path="/tmp"),)}, "a.path ./tmp. is already mounted"),
        (
            {"config_files": {"a": "b"}, "scratch": (ScratchVolume(name="a", path="/config/x"),)},
            "a.path must not be or be inside /config",
        ),
        (
            {"init_steps": (InitStep(name="s", command=("true",), volumes=("nope",)),)},
            "init_steps\\[s\\].volumes names nope",
        ),
        ({"node_selector": {"bad key!": "x"}}, "node_selector keys must be label keys"),
        ({"pre_stop_command": ()}, "pre_stop_command must not be empty"),
        (
            {"pre_stop_command": ("true",), "pre_stop_sleep_seconds": 5},
            "^pre_stop_sleep_seconds must be 0 when pre_stop_command is set, got 5",
        ),
        ({"pre_stop_sleep_seconds": -1}, "^pre_stop_sleep_seconds must be an integer from 0 to 3600"),
        ({"kubernetes_version": "1.30"}, "^kubernetes_version must be a Kubernetes version like 'v1.30'.*got '1.30'"),
        ({"kubernetes_version": "v2.0"}, "^kubernetes_version must be a Kubernetes version"),
        (
            {"termination_grace_period_seconds": 4000},
            "termination_grace_period_seconds must be an integer from 0 to 3600",
        ),
        ({"image_pull_secrets": ("Bad",)}, "image_pull_secrets\\[\\] must be a DNS-1123 label"),
    ],
)
def test_props_validation(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _props(**overrides)


# (cast(Any, ...): a value outside the field's Literal type, on purpose: the runtime check is under test)
@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Port(name="HTTP", number=80), "ports\\[\\].name must be a port name"),
        (lambda: Port(name="123", number=80), "ports\\[\\].name must contain a letter"),
        (lambda: Port(name="http", number=0), "ports\\[http\\].number must be a port number"),
        (
            lambda: Port(name="http", number=80, protocol=cast(Any, "SCTP")),
            "ports\\[http\\].protocol must be 'TCP' or 'UDP'",
        ),
        (lambda: HttpCheck(path="health"), "HttpCheck.path must be an absolute URL path"),
        (lambda: ExecCheck(command=()), "ExecCheck.command must be a non-empty tuple"),
        (
            lambda: Probe(check=TcpCheck(), timeout_seconds=20, period_seconds=10),
            "Probe.timeout_seconds must not exceed period_seconds",
        ),
        (
            lambda: Probe(check=TcpCheck(), failure_threshold=0),
            "Probe.failure_threshold must be an integer from 1 to 1000",
        ),
        (
            lambda: ScratchVolume(name="a", path="relative"),
            "scratch\\[a\\].path must be a normalised absolute directory",
        ),
        (
            lambda: ClaimVolume(name="a", path="/a", claim_name="Bad"),
            "claims\\[a\\].claim_name must be a DNS-1123 label",
        ),
        (
            lambda: EnvTemplate(text="{a}{b}", values={"a": "1"}),
            "EnvTemplate '\\{a\\}\\{b\\}' names b, which values does not give",
        ),
        (
            lambda: SharedClaimProps(name="a", size="1Gi", access_modes=(cast(Any, "ReadWriteSome"),)),
            "access_modes must be one or more of",
        ),
        (lambda: ClaimTemplate(name="data", path="/d", size="1G"), "claim_templates\\[data\\].size must be a quantity"),
        (
            lambda: ClaimTemplate(name="data", path="/d", size="1Gi", access_modes=("Any",)),
            "access_modes must be one or more",
        ),
        (
            lambda: SecretFile(name="pw", path="/run/secrets/", secret=SecretKeyRef(name="s", key="k")),
            "must end in a file name",
        ),
        (
            lambda: SecretFile(name="pw", path="/run/pw", secret=SecretKeyRef(name="s", key="k"), mode=0o1000),
            "mode must be an integer",
        ),
    ],
)
def test_value_type_validation(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_an_env_entry_repeating_a_wired_variable_is_refused(chart: Chart) -> None:
    db = _provider(chart)
    with pytest.raises(ValueError, match="env.DB_HOST is already set by the construct"):
        Workload(chart, "Api", _props(connects_to=(db,), env={"DB_HOST": "elsewhere"}))


def test_names_do_not_depend_on_construct_ids() -> None:
    first, second = new_chart(), new_chart()
    Workload(first, "A", _props(ports=(Port(name="http", number=80),), replicas=2))
    Workload(second, "Renamed", _props(ports=(Port(name="http", number=80),), replicas=2))
    assert synth(first) == synth(second)


# --- sidecars -----------------------------------------------------------------------------------

SIDECAR_IMAGE = "registry.example.com/acme/exporter:1.2.3"
HARDENED = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "privileged": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def test_a_sidecar_defaults_to_a_hardened_container_of_the_pods_user(chart: Chart) -> None:
    workload, manifests = _build(
        chart,
        ports=(Port(name="http", number=8080),),
        run_as_user=999,
        run_as_group=1999,
        sidecars=(Sidecar(name="exporter", image=SIDECAR_IMAGE),),
    )
    spec = pod_spec(one(manifests, "Deployment", "api"))
    assert [c["name"] for c in spec["containers"]] == ["api", "exporter"]  # the main container first
    sidecar = container(one(manifests, "Deployment", "api"), "exporter")
    assert sidecar == {
        "name": "exporter",
        "image": SIDECAR_IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "resources": {"limits": {"cpu": "100m", "memory": "64Mi"}, "requests": {"cpu": "10m", "memory": "32Mi"}},
        "securityContext": {**HARDENED, "runAsUser": 999, "runAsGroup": 1999},
        "terminationMessagePolicy": "FallbackToLogsOnError",
    }
    # Without ports of its own, the Service and the endpoint are the main container's.
    assert one(manifests, "Service", "api")["spec"]["ports"] == [
        {"name": "http", "port": 8080, "protocol": "TCP", "targetPort": "http"}
    ]
    assert workload.endpoint is not None and dict(workload.endpoint.ports) == {"http": 8080}


def test_every_sidecar_field_reaches_the_yaml(chart: Chart) -> None:
    token = SecretKeyRef(name="exporter-credentials", key="token")
    values: dict[str, Any] = {
        "name": "exporter",
        "image": SIDECAR_IMAGE,
        "command": ("/bin/exporter",),
        "args": ("--listen=:9100", "--path=/metrics"),
        "env": {"MODE": "fast", "TOKEN": token, "POD": FieldRef(field_path="metadata.name")},
        "ports": (Port(name="metrics", number=9100), Port(name="debug", number=6060, expose=False)),
        "probes": Probes(readiness=Probe(check=HttpCheck(path="/", port="metrics")), liveness=None),
        "resources": Resources(cpu_request="20m", memory_request="48Mi", cpu_limit="300m", memory_limit="96Mi"),
        "run_as_user": 65534,
        "run_as_group": 65533,
        "volumes": ("password", "tmp"),
        "scratch": (ScratchVolume(name="exporter-run", path="/run/exporter", size="1Mi", memory=True),),
        "secret_files": (SecretFile(name="exporter-user", path="/run/secrets/user/username", secret=token),),
    }
    fields = {f.name: f for f in dataclasses.fields(Sidecar)}
    assert set(values) == set(fields), "a Sidecar field is not covered by this test"
    for name, f in fields.items():
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        assert values[name] != default, f"{name} is set to its default"
    password = SecretFile(name="password", path="/run/secrets/db/password", secret=token)
    workload, manifests = _build(
        chart,
        ports=(Port(name="http", number=8080),),
        secret_files=(password,),
        claim_templates=(ClaimTemplate(name="data", path="/data", size="1Gi"),),
        sidecars=(Sidecar(**values),),
    )
    sts = one(manifests, "StatefulSet", "api")
    sidecar = container(sts, "exporter")
    main = container(sts, "api")
    assert sidecar["image"] == SIDECAR_IMAGE
    assert sidecar["command"] == ["/bin/exporter"] and sidecar["args"] == ["--listen=:9100", "--path=/metrics"]
    assert env_of(sidecar) == {
        "MODE": "fast",
        "TOKEN": {"secretKeyRef": {"name": "exporter-credentials", "key": "token"}},
        "POD": {"fieldRef": {"fieldPath": "metadata.name"}},
    }
    assert sidecar["ports"] == [
        {"containerPort": 9100, "name": "metrics", "protocol": "TCP"},
        {"containerPort": 6060, "name": "debug", "protocol": "TCP"},
    ]
    assert sidecar["readinessProbe"]["httpGet"] == {"path": "/", "port": "metrics", "scheme": "HTTP"}
    assert "livenessProbe" not in sidecar and "startupProbe" not in sidecar
    assert sidecar["resources"] == {
        "limits": {"cpu": "300m", "memory": "96Mi"},
        "requests": {"cpu": "20m", "memory": "48Mi"},
    }
    assert sidecar["securityContext"] == {**HARDENED, "runAsUser": 65534, "runAsGroup": 65533}
    # The pod's volumes it names, at the main container's paths; its own, in it alone.
    assert sidecar["volumeMounts"] == [
        {"mountPath": "/tmp", "name": "tmp"},
        {"mountPath": "/run/secrets/db", "name": "password", "readOnly": True},
        {"mountPath": "/run/exporter", "name": "exporter-run"},
        {"mountPath": "/run/secrets/user", "name": "exporter-user", "readOnly": True},
    ]
    assert {m["name"] for m in main["volumeMounts"]} == {"tmp", "data", "password"}
    volumes = {v["name"]: v for v in pod_spec(sts)["volumes"]}
    assert volumes["exporter-run"] == {"name": "exporter-run", "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}}
    assert volumes["exporter-user"]["secret"] == {
        "secretName": "exporter-credentials",
        "items": [{"key": "token", "path": "username"}],
        "defaultMode": 0o440,
    }
    # Its exposed ports join both Services; the endpoint stays the main container's.
    for service in ("api", "api-headless"):
        assert [p["name"] for p in one(manifests, "Service", service)["spec"]["ports"]] == ["http", "metrics"]
    assert workload.endpoint is not None and dict(workload.endpoint.ports) == {"http": 8080}


def test_a_sidecar_without_its_own_uid_takes_the_group_of_the_pod_and_with_one_its_own(chart: Chart) -> None:
    _, manifests = _build(
        chart,
        run_as_user=999,
        sidecars=(
            Sidecar(name="pods", image=SIDECAR_IMAGE),
            Sidecar(name="own", image=SIDECAR_IMAGE, run_as_user=59000),
        ),
    )
    deployment = one(manifests, "Deployment", "api")
    contexts = {c["name"]: c["securityContext"] for c in pod_spec(deployment)["containers"]}
    assert (contexts["pods"]["runAsUser"], contexts["pods"]["runAsGroup"]) == (999, 999)
    assert (contexts["own"]["runAsUser"], contexts["own"]["runAsGroup"]) == (59000, 59000)
    # The pod's fsGroup stays the workload's: the sidecar reads the pod's secret files through it.
    assert pod_spec(deployment)["securityContext"]["fsGroup"] == 999


def test_an_init_step_mounts_a_sidecars_own_volume_where_the_sidecar_does(chart: Chart) -> None:
    _, manifests = _build(
        chart,
        init_steps=(InitStep(name="prepare", command=("sh", "-c", "echo x > /run/exporter/x"), volumes=("run",)),),
        sidecars=(
            Sidecar(name="exporter", image=SIDECAR_IMAGE, scratch=(ScratchVolume(name="run", path="/run/exporter"),)),
        ),
    )
    deployment = one(manifests, "Deployment", "api")
    assert container(deployment, "prepare")["volumeMounts"] == [{"mountPath": "/run/exporter", "name": "run"}]
    assert container(deployment, "exporter")["volumeMounts"] == [{"mountPath": "/run/exporter", "name": "run"}]
    assert container(deployment, "api")["volumeMounts"] == [{"mountPath": "/tmp", "name": "tmp"}]


def test_a_worker_without_ports_gets_a_service_for_its_sidecars_metrics_only(chart: Chart) -> None:
    workload, manifests = _build(
        chart, sidecars=(Sidecar(name="exporter", image=SIDECAR_IMAGE, ports=(Port(name="metrics", number=9100),)),)
    )
    assert one(manifests, "Service", "api")["spec"]["ports"] == [
        {"name": "metrics", "port": 9100, "protocol": "TCP", "targetPort": "metrics"}
    ]
    assert workload.endpoint is None  # nothing may depend on it


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(lambda: Sidecar(name="Exporter", image=SIDECAR_IMAGE), "sidecars\\[\\].name must be", id="name"),
        pytest.param(
            lambda: Sidecar(name="x", image="acme/exporter:latest"),
            "sidecars\\[x\\].image uses the moving tag 'latest'",
            id="image-moving",
        ),
        pytest.param(
            lambda: Sidecar(name="x", image=SIDECAR_IMAGE, args="--flag"),  # type: ignore[arg-type]
            "sidecars\\[x\\].args must be a tuple of strings, got '--flag'",
            id="args-string",
        ),
        pytest.param(
            lambda: Sidecar(name="x", image=SIDECAR_IMAGE, env={"bad-name": "1"}),
            "sidecars\\[x\\].env.bad-name must be a variable name",
            id="env-name",
        ),
        pytest.param(
            lambda: Sidecar(name="x", image=SIDECAR_IMAGE, env={"X": EnvTemplate(text="a", values={})}),  # type: ignore[dict-item]
            "sidecars\\[x\\].env.X must be a string, a SecretKeyRef or a FieldRef",
            id="env-template",
        ),
        pytest.param(
            lambda: Sidecar(name="x", image=SIDECAR_IMAGE, probes=Probes.of(TcpCheck(port="metrics"))),
            "sidecars\\[x\\].probes.startup checks port 'metrics', which is not one of the sidecar's ports \\(none\\)",
            id="probe-port",
        ),
        pytest.param(
            lambda: Sidecar(name="x", image=SIDECAR_IMAGE, run_as_user=0),
            "sidecars\\[x\\].run_as_user must be an integer from 1 to 2147483647, got 0; Pod Security",
            id="uid-root",
        ),
        pytest.param(
            lambda: Sidecar(name="x", image=SIDECAR_IMAGE, run_as_group=-1),
            "sidecars\\[x\\].run_as_group must be an integer from 0",
            id="gid-negative",
        ),
        pytest.param(
            lambda: Sidecar(name="x", image=SIDECAR_IMAGE, resources="small"),  # type: ignore[arg-type]
            "sidecars\\[x\\].resources must be a Resources",
            id="resources",
        ),
        pytest.param(
            lambda: Sidecar(name="x", image=SIDECAR_IMAGE, volumes="tmp"),  # type: ignore[arg-type]
            "sidecars\\[x\\].volumes must be a tuple of volume names, got 'tmp'",
            id="volumes-string",
        ),
        pytest.param(
            lambda: Sidecar(
                name="x",
                image=SIDECAR_IMAGE,
                scratch=(ScratchVolume(name="a", path="/run/a"),),
                secret_files=(SecretFile(name="a", path="/run/b/f", secret=SecretKeyRef(name="s", key="k")),),
            ),
            "sidecars\\[x\\]: its scratch and secret_files must have distinct names and paths",
            id="own-volume-twice",
        ),
        pytest.param(
            lambda: Sidecar(
                name="x", image=SIDECAR_IMAGE, volumes=("a",), scratch=(ScratchVolume(name="a", path="/run/a"),)
            ),
            "sidecars\\[x\\].volumes names a, which its own scratch or secret_files name too",
            id="own-and-shared",
        ),
        pytest.param(
            lambda: _props(sidecars=(Sidecar(name="api", image=SIDECAR_IMAGE),)),
            "sidecars\\[api\\].name is already the name of a container of the pod; taken: api",
            id="name-of-main",
        ),
        pytest.param(
            lambda: _props(sidecars=(Sidecar(name="x", image=SIDECAR_IMAGE), Sidecar(name="x", image=SIDECAR_IMAGE))),
            "sidecars\\[x\\].name is already the name of a container of the pod; taken: api, x",
            id="name-twice",
        ),
        pytest.param(
            lambda: _props(
                ports=(Port(name="http", number=8080),),
                sidecars=(Sidecar(name="x", image=SIDECAR_IMAGE, ports=(Port(name="metrics", number=8080),)),),
            ),
            "sidecars\\[x\\].ports\\[metrics\\] \\(8080\\) collides with port 'http' \\(8080\\) of the pod",
            id="port-number",
        ),
        pytest.param(
            lambda: _props(
                ports=(Port(name="metrics", number=8080),),
                sidecars=(Sidecar(name="x", image=SIDECAR_IMAGE, ports=(Port(name="metrics", number=9100),)),),
            ),
            "sidecars\\[x\\].ports\\[metrics\\] \\(9100\\) collides with port 'metrics' \\(8080\\) of the pod",
            id="port-name",
        ),
        pytest.param(
            lambda: _props(sidecars=(Sidecar(name="x", image=SIDECAR_IMAGE, volumes=("data",)),)),
            "sidecars\\[x\\].volumes names data, which the workload does not have; known: tmp",
            id="unknown-volume",
        ),
        pytest.param(
            lambda: _props(
                scratch=(ScratchVolume(name="cache", path="/cache"),),
                sidecars=(
                    Sidecar(name="x", image=SIDECAR_IMAGE, scratch=(ScratchVolume(name="cache", path="/run/c"),)),
                ),
            ),
            "sidecars\\[x\\]: its volume 'cache' is already a volume of the pod",
            id="own-volume-of-the-pod",
        ),
        pytest.param(
            lambda: _props(
                sidecars=(Sidecar(name="x", image=SIDECAR_IMAGE, scratch=(ScratchVolume(name="tmp", path="/t"),)),),
                tmp_size=None,
            ),
            "sidecars\\[x\\]: its volume 'tmp' is already a volume of the pod",
            id="own-volume-reserved",
        ),
        pytest.param(
            lambda: _props(
                sidecars=(
                    Sidecar(
                        name="x", image=SIDECAR_IMAGE, volumes=("tmp",), scratch=(ScratchVolume(name="t", path="/tmp"),)
                    ),
                )
            ),
            "sidecars\\[x\\] mounts two volumes at one path, got \\['/tmp', '/tmp'\\]",
            id="own-volume-over-a-shared-one",
        ),
        pytest.param(
            lambda: _props(sidecars=("exporter",)),
            "sidecars must be a tuple of Sidecar, got \\('exporter',\\)",
            id="not-a-sidecar",
        ),
        pytest.param(
            lambda: _props(init_steps=(InitStep(name="prepare", command=("true",), volumes=("run",)),)),
            "init_steps\\[prepare\\].volumes names run, which the workload does not have; known: tmp",
            id="init-step-unknown",
        ),
    ],
)
def test_sidecar_validation(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        build()


def test_a_job_refuses_a_sidecar_that_would_keep_its_pod_from_completing(chart: Chart) -> None:
    from aipp_constructs import OneShotJob, OneShotJobProps

    with pytest.raises(
        ValueError, match="^sidecars: migrate runs to completion, and a long-running sidecar \\(exporter\\)"
    ):
        OneShotJob(
            chart,
            "Migrate",
            OneShotJobProps(
                name="migrate",
                image=IMAGE,
                telemetry=OFF,
                sidecars=(Sidecar(name="exporter", image=SIDECAR_IMAGE),),
            ),
        )
    assert synth(chart) == []  # nothing left behind
