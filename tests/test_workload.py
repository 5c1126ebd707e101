"""Workload: the general application construct, one Compose service shape at a time."""

from __future__ import annotations

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
    TcpCheck,
    Telemetry,
    Toleration,
    WaitPolicy,
    Workload,
    WorkloadProps,
)
from aipp_constructs.references import Endpoint

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
        "fsGroup": 1000,
        "fsGroupChangePolicy": "OnRootMismatch",
        "runAsGroup": 1000,
        "runAsNonRoot": True,
        "runAsUser": 1000,
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
    assert step["securityContext"]["runAsUser"] == 1000


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
