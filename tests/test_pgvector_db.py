"""Tests of ``PgvectorDb``: effective defaults, every prop reaching the YAML, validation, wiring."""

from __future__ import annotations

import dataclasses
from pathlib import PurePosixPath
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
    PgvectorDb,
    PgvectorDbProps,
    Resources,
    SecretKeyRef,
)

IMAGE = "harbor.example/dockerhub-proxy/pgvector/pgvector:0.8.1-pg17-bookworm"
EXPORTER_IMAGE = "harbor.example/dockerhub-proxy/prometheuscommunity/postgres-exporter:v0.20.1"
USERNAME = SecretKeyRef(name="pgvector-credentials", key="username")
PASSWORD = SecretKeyRef(name="pgvector-credentials", key="password")


def props(**overrides: Any) -> PgvectorDbProps:
    return PgvectorDbProps(**{"image": IMAGE, "username": USERNAME, "password": PASSWORD, **overrides})


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    """The minimal-props synth, shared read-only by the defaults tests."""
    chart = new_chart()
    PgvectorDb(chart, "Pgvector", props())
    return synth(chart)


@pytest.fixture(scope="module")
def sts(manifests: list[dict[str, Any]]) -> dict[str, Any]:
    return one(manifests, "StatefulSet", "pgvector")


@pytest.fixture(scope="module")
def postgres(sts: dict[str, Any]) -> dict[str, Any]:
    return container(sts, "postgres")


# --- defaults, field by field -------------------------------------------------------------


def test_pgvector_creates_init_configmap_two_services_and_a_statefulset(manifests: list[dict[str, Any]]) -> None:
    assert sorted((m["kind"], m["metadata"]["name"]) for m in manifests) == [
        ("ConfigMap", "pgvector-init"),
        # The replica's claim as its own object, so a bigger size reaches the volume (how-to-grow-a-volume).
        ("PersistentVolumeClaim", "data-pgvector-0"),
        ("Service", "pgvector"),
        ("Service", "pgvector-headless"),
        ("StatefulSet", "pgvector"),
    ]
    assert {m["metadata"]["namespace"] for m in manifests} == {"test"}


def test_pgvector_headless_service_governs_the_statefulset(manifests: list[dict[str, Any]]) -> None:
    headless = one(manifests, "Service", "pgvector-headless")["spec"]
    assert headless["clusterIP"] == "None"
    assert headless["publishNotReadyAddresses"] is True
    assert headless["selector"] == {"app.kubernetes.io/name": "pgvector"}
    assert headless["ports"] == [{"name": "postgresql", "port": 5432, "protocol": "TCP", "targetPort": "postgresql"}]
    assert one(manifests, "StatefulSet")["spec"]["serviceName"] == "pgvector-headless"


def test_pgvector_client_service_is_cluster_ip_on_named_port(manifests: list[dict[str, Any]]) -> None:
    spec = one(manifests, "Service", "pgvector")["spec"]
    assert spec["type"] == "ClusterIP"
    assert "clusterIP" not in spec
    assert spec["selector"] == {"app.kubernetes.io/name": "pgvector"}
    assert spec["ports"] == [{"name": "postgresql", "port": 5432, "protocol": "TCP", "targetPort": "postgresql"}]


def test_pgvector_defaults_to_single_ordered_replica_with_retained_claims(sts: dict[str, Any]) -> None:
    spec = sts["spec"]
    assert spec["replicas"] == 1
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate"}
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert spec["selector"] == {"matchLabels": {"app.kubernetes.io/name": "pgvector"}}


def test_pgvector_claim_template_defaults_to_10gi_on_default_storage_class(sts: dict[str, Any]) -> None:
    [vct] = sts["spec"]["volumeClaimTemplates"]
    assert vct["metadata"] == {"name": "data", "labels": {"app.kubernetes.io/name": "pgvector"}}
    assert vct["spec"] == {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}}
    assert "storageClassName" not in vct["spec"]


def test_pgvector_claim_template_labels_never_carry_the_version(sts: dict[str, Any]) -> None:
    [vct] = sts["spec"]["volumeClaimTemplates"]
    assert "app.kubernetes.io/version" not in vct["metadata"]["labels"]


def test_pgvector_claim_template_carries_api_version_and_kind(sts: dict[str, Any]) -> None:
    [vct] = sts["spec"]["volumeClaimTemplates"]
    assert vct["apiVersion"] == "v1"
    assert vct["kind"] == "PersistentVolumeClaim"


def test_pgvector_container_exposes_postgresql_port(postgres: dict[str, Any]) -> None:
    assert postgres["ports"] == [{"containerPort": 5432, "name": "postgresql", "protocol": "TCP"}]
    assert postgres["image"] == IMAGE
    assert postgres["imagePullPolicy"] == "IfNotPresent"
    assert postgres["terminationMessagePolicy"] == "FallbackToLogsOnError"


def test_pgvector_container_runs_the_bootstrap_with_no_args_by_default(postgres: dict[str, Any]) -> None:
    # bootstrap.sh runs the image's entrypoint with its arguments, "postgres" when there are none.
    assert postgres["command"] == ["sh", "/etc/postgresql-bootstrap/bootstrap.sh"]
    assert "args" not in postgres


def test_pgvector_probes_are_pg_isready_and_ready_means_converged(postgres: dict[str, Any]) -> None:
    alive = ["sh", "-c", 'exec pg_isready -U "$POSTGRES_USER" -d "$POSTGRES_DB" -h 127.0.0.1 -p 5432']
    converged = ["sh", "/etc/postgresql-bootstrap/ready.sh"]

    def probe(failures: int, command: list[str] = alive) -> dict[str, Any]:
        return {
            "exec": {"command": command},
            "initialDelaySeconds": 0,
            "periodSeconds": 10,
            "timeoutSeconds": 5,
            "failureThreshold": failures,
            "successThreshold": 1,
        }

    assert postgres["startupProbe"] == probe(30)
    assert postgres["readinessProbe"] == probe(3, converged)
    assert postgres["livenessProbe"] == probe(6)


def test_pgvector_stops_with_a_fast_shutdown(sts: dict[str, Any], postgres: dict[str, Any]) -> None:
    assert postgres["lifecycle"] == {
        "preStop": {"exec": {"command": ["sh", "-c", 'exec pg_ctl stop -D "$PGDATA" -m fast -w -t 50']}}
    }
    assert pod_spec(sts)["terminationGracePeriodSeconds"] == 60


def test_pgvector_env_reads_credentials_from_the_secret_not_literals(postgres: dict[str, Any]) -> None:
    assert env_of(postgres) == {
        "POSTGRES_USER": {"secretKeyRef": {"name": "pgvector-credentials", "key": "username"}},
        "POSTGRES_PASSWORD_FILE": "/run/secrets/postgres/password",
        "POSTGRES_DB": "app",
        "PGDATA": "/var/lib/postgresql/data/pgdata",
        "PGPORT": "5432",
    }
    assert "POSTGRES_PASSWORD" not in env_of(postgres)


def test_pgvector_pgdata_is_a_subdirectory_of_the_data_mount(postgres: dict[str, Any]) -> None:
    pgdata = PurePosixPath(env_of(postgres)["PGDATA"])
    [data_mount] = [m for m in postgres["volumeMounts"] if m["name"] == "data"]
    mount = PurePosixPath(data_mount["mountPath"])
    assert pgdata != mount
    assert pgdata.is_relative_to(mount)


def test_pgvector_password_file_points_into_the_mounted_secret_volume(
    sts: dict[str, Any], postgres: dict[str, Any]
) -> None:
    password_file = PurePosixPath(env_of(postgres)["POSTGRES_PASSWORD_FILE"])
    [mount] = [m for m in postgres["volumeMounts"] if PurePosixPath(m["mountPath"]) == password_file.parent]
    assert mount["readOnly"] is True
    [volume] = [v for v in pod_spec(sts)["volumes"] if v["name"] == mount["name"]]
    assert volume["secret"] == {
        "secretName": "pgvector-credentials",
        "items": [{"key": "password", "path": password_file.name}],
        "defaultMode": 0o440,
    }


def test_pgvector_mounts_data_init_password_and_writable_scratch(postgres: dict[str, Any]) -> None:
    assert postgres["volumeMounts"] == [
        {"name": "tmp", "mountPath": "/tmp"},
        {"name": "files", "mountPath": "/etc/postgresql-bootstrap", "readOnly": True},
        {"name": "run", "mountPath": "/var/run/postgresql"},
        {"name": "shm", "mountPath": "/dev/shm"},
        {"name": "data", "mountPath": "/var/lib/postgresql/data"},
        {"name": "password", "mountPath": "/run/secrets/postgres", "readOnly": True},
    ]


def test_pgvector_volumes_are_size_limited_with_memory_backed_shm(sts: dict[str, Any]) -> None:
    volumes = {v["name"]: v for v in pod_spec(sts)["volumes"]}
    assert set(volumes) == {"files", "password", "run", "tmp", "shm"}
    assert volumes["run"]["emptyDir"] == {"sizeLimit": "16Mi"}
    assert volumes["tmp"]["emptyDir"] == {"sizeLimit": "1Gi"}
    assert volumes["shm"]["emptyDir"] == {"medium": "Memory", "sizeLimit": "256Mi"}
    assert volumes["files"]["configMap"] == {"name": "pgvector-init", "defaultMode": 0o444}


def test_pgvector_init_configmap_holds_the_bootstrap(
    manifests: list[dict[str, Any]], sts: dict[str, Any], postgres: dict[str, Any]
) -> None:
    config = one(manifests, "ConfigMap", "pgvector-init")
    assert sorted(config["data"]) == ["bootstrap.sh", "bootstrap.sql", "ready.sh"]
    sql = config["data"]["bootstrap.sql"].splitlines()
    assert sql[-2:] == ["CREATE EXTENSION IF NOT EXISTS vector;", "ALTER EXTENSION vector UPDATE;"]
    script = config["data"]["bootstrap.sh"]
    # The image's entrypoint in the background, the server's status as the container's.
    assert 'docker-entrypoint.sh "$@" &' in script
    assert """CREATE DATABASE "app\"""" in script
    assert "$psql -d app -f /etc/postgresql-bootstrap/bootstrap.sql" in script
    assert 'say "database app converged: $after (was: $before)"' in script
    assert "FROM (VALUES ('vector')) AS wanted(name)" in config["data"]["ready.sh"]
    assert "-d app -c" in config["data"]["ready.sh"]
    for text in config["data"].values():
        assert text.endswith("\n")
    [mount] = [m for m in postgres["volumeMounts"] if m["mountPath"] == "/etc/postgresql-bootstrap"]
    [volume] = [v for v in pod_spec(sts)["volumes"] if v["name"] == mount["name"]]
    assert volume["configMap"]["name"] == config["metadata"]["name"]
    assert len(sts["spec"]["template"]["metadata"]["annotations"]["checksum/config"]) == 64


def test_pgvector_resources_default_to_250m_1gi_requests_and_2_cpu_1gi_limits(postgres: dict[str, Any]) -> None:
    assert postgres["resources"] == {
        "requests": {"cpu": "250m", "memory": "1Gi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }


def test_pgvector_pod_runs_restricted_as_uid_999(sts: dict[str, Any]) -> None:
    spec = pod_spec(sts)
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
    for c in spec["containers"] + spec.get("initContainers", []):
        assert c["securityContext"] == RESTRICTED_CONTAINER_CONTEXT, c["name"]


def test_pgvector_labels_every_object_and_selects_by_name_only(manifests: list[dict[str, Any]]) -> None:
    labels = {
        "app.kubernetes.io/name": "pgvector",
        "app.kubernetes.io/component": "database",
        "app.kubernetes.io/version": "0.8.1-pg17-bookworm",
        "app.kubernetes.io/managed-by": "cdk8s",
    }
    for m in manifests:
        if m["kind"] == "PersistentVolumeClaim":
            # The claim the StatefulSet controller would create: the claim template's labels (no version).
            assert (
                m["metadata"]["labels"]
                == one(manifests, "StatefulSet")["spec"]["volumeClaimTemplates"][0]["metadata"]["labels"]
            )
            continue
        assert m["metadata"]["labels"] == labels, m["metadata"]["name"]
    sts = one(manifests, "StatefulSet")
    assert sts["spec"]["template"]["metadata"]["labels"] == labels
    assert sts["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": "pgvector"}


def test_pgvector_has_no_cdk8s_address_label_anywhere(manifests: list[dict[str, Any]]) -> None:
    assert not [k for k in keys_anywhere(manifests) if k.startswith("cdk8s.io/")]


def test_pgvector_configmap_is_wave_0_and_everything_else_wave_1(manifests: list[dict[str, Any]]) -> None:
    # (checkov's skip annotations aside: tests/test_policy.py)
    waves = {
        (m["kind"], m["metadata"]["name"]): {
            k: v for k, v in m["metadata"]["annotations"].items() if "checkov" not in k
        }
        for m in manifests
    }
    assert waves == {
        ("ConfigMap", "pgvector-init"): {"argocd.argoproj.io/sync-wave": "0"},
        ("Service", "pgvector-headless"): {"argocd.argoproj.io/sync-wave": "1"},
        ("Service", "pgvector"): {"argocd.argoproj.io/sync-wave": "1"},
        ("StatefulSet", "pgvector"): {"argocd.argoproj.io/sync-wave": "1"},
        # The replica's claim, at the StatefulSet's wave, kept by ArgoCD like every data volume.
        ("PersistentVolumeClaim", "data-pgvector-0"): {
            "argocd.argoproj.io/sync-wave": "1",
            "argocd.argoproj.io/sync-options": "Prune=false,Delete=false",
        },
    }
    template_annotations = one(manifests, "StatefulSet")["spec"]["template"]["metadata"]["annotations"]
    assert "argocd.argoproj.io/sync-wave" not in template_annotations


# --- every prop reaches the YAML ----------------------------------------------------------


def test_pgvector_every_prop_reaches_the_yaml(chart: Chart) -> None:
    upstream = Component(chart, "Upstream", name="upstream", component="test", version="1")
    username = SecretKeyRef(name="db-user", key="user")
    password = SecretKeyRef(name="db-pass", key="secret")
    values: dict[str, Any] = {
        "image": "registry.example:5000/mirror/pgvector:0.8.0-pg16",
        "username": username,
        "password": password,
        "database": "aipp",
        "name": "vectors",
        "part_of": "aipp",
        "port": 6543,
        "storage_size": "20Gi",
        "storage_class_name": "longhorn",
        "shm_size": "512Mi",
        "resources": Resources(cpu_request="500m", memory_request="2Gi", cpu_limit="4", memory_limit="3Gi"),
        "extensions": ("vector", "pg_trgm"),
        "depends_on": (upstream,),
        "env": {"PGUSER": "aipp"},
        "volume_labels": {"recurring-job.longhorn.io/source": "enable", "recurring-job.longhorn.io/backup": "enabled"},
        "run_as_user": 70,
        "run_as_group": 1070,
        "extra_args": ("-c", "max_connections=200", "-c", "shared_buffers=256MB"),
        "metrics_exporter": MetricsExporter(
            image="registry.example:5000/mirror/postgres-exporter:v0.17.1",
            port=9300,
            resources=Resources(cpu_request="20m", memory_request="48Mi", cpu_limit="300m", memory_limit="96Mi"),
            run_as_user=10001,
            run_as_group=10002,
            extra_args=("--collector.long_running_transactions",),
        ),
    }
    fields = {f.name: f for f in dataclasses.fields(PgvectorDbProps)}
    assert set(values) == set(fields), "a PgvectorDbProps field is not covered by this test"
    for name, f in fields.items():
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        assert values[name] != default, f"{name} is set to its default"

    db = PgvectorDb(chart, "Pgvector", PgvectorDbProps(**values))
    manifests = synth(chart)
    sts = one(manifests, "StatefulSet", "vectors")
    postgres = container(sts, "postgres")
    env = env_of(postgres)
    volumes = {v["name"]: v for v in pod_spec(sts)["volumes"]}
    [vct] = sts["spec"]["volumeClaimTemplates"]
    assert {
        k: vct["metadata"]["labels"][k]
        for k in {"recurring-job.longhorn.io/source": "enable", "recurring-job.longhorn.io/backup": "enabled"}
    } == {"recurring-job.longhorn.io/source": "enable", "recurring-job.longhorn.io/backup": "enabled"}
    selector = {"app.kubernetes.io/name": "vectors", "app.kubernetes.io/part-of": "aipp"}

    # image
    assert postgres["image"] == "registry.example:5000/mirror/pgvector:0.8.0-pg16"
    assert sts["metadata"]["labels"]["app.kubernetes.io/version"] == "0.8.0-pg16"
    # username, password
    assert env["POSTGRES_USER"] == {"secretKeyRef": {"name": "db-user", "key": "user"}}
    assert volumes["password"]["secret"]["secretName"] == "db-pass"  # pragma: allowlist secret
    assert volumes["password"]["secret"]["items"] == [{"key": "secret", "path": "password"}]
    # database
    assert env["POSTGRES_DB"] == "aipp"
    # name
    assert sorted((m["kind"], m["metadata"]["name"]) for m in manifests) == [
        ("ConfigMap", "vectors-init"),
        ("PersistentVolumeClaim", "data-vectors-0"),
        ("Service", "vectors"),
        ("Service", "vectors-headless"),
        ("StatefulSet", "vectors"),
    ]
    assert sts["spec"]["serviceName"] == "vectors-headless"
    assert volumes["files"]["configMap"]["name"] == "vectors-init"
    # part_of
    assert sts["spec"]["selector"]["matchLabels"] == selector
    assert vct["metadata"]["labels"] == {
        **selector,
        "recurring-job.longhorn.io/source": "enable",
        "recurring-job.longhorn.io/backup": "enabled",
    }
    for m in manifests:
        assert m["metadata"]["labels"]["app.kubernetes.io/part-of"] == "aipp"
    for service in (one(manifests, "Service", "vectors"), one(manifests, "Service", "vectors-headless")):
        assert service["spec"]["selector"] == selector
        # port, metrics_exporter.port
        assert service["spec"]["ports"] == [
            {"name": "postgresql", "port": 6543, "protocol": "TCP", "targetPort": "postgresql"},
            {"name": "metrics", "port": 9300, "protocol": "TCP", "targetPort": "metrics"},
        ]
    assert postgres["ports"] == [{"containerPort": 6543, "name": "postgresql", "protocol": "TCP"}]
    assert env["PGPORT"] == "6543"
    assert postgres["livenessProbe"]["exec"]["command"][-1].endswith("-p 6543")
    assert "psql -X -w -At -h 127.0.0.1 -p 6543" in one(manifests, "ConfigMap", "vectors-init")["data"]["ready.sh"]
    # storage_size, storage_class_name
    assert vct["spec"]["resources"] == {"requests": {"storage": "20Gi"}}
    assert vct["spec"]["storageClassName"] == "longhorn"
    # shm_size
    assert volumes["shm"]["emptyDir"] == {"medium": "Memory", "sizeLimit": "512Mi"}
    # resources
    assert postgres["resources"] == {
        "requests": {"cpu": "500m", "memory": "2Gi"},
        "limits": {"cpu": "4", "memory": "3Gi"},
    }
    # extensions
    files = one(manifests, "ConfigMap", "vectors-init")["data"]
    sql = files["bootstrap.sql"].splitlines()
    for ext in ("vector", "pg_trgm"):
        assert f"CREATE EXTENSION IF NOT EXISTS {ext};" in sql
        assert f"ALTER EXTENSION {ext} UPDATE;" in sql
    assert "FROM (VALUES ('vector'), ('pg_trgm')) AS wanted(name)" in files["ready.sh"]
    assert "WHERE extname IN ('vector', 'pg_trgm')" in files["bootstrap.sh"]
    # database
    assert "-d aipp -c" in files["ready.sh"] and """CREATE DATABASE "aipp\"""" in files["bootstrap.sh"]
    # env
    assert env["PGUSER"] == "aipp"
    # depends_on
    assert db.after == (upstream,) and db.wave == upstream.wave + 1
    assert sts["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "2"
    # run_as_user, run_as_group
    context = pod_spec(sts)["securityContext"]
    assert (context["runAsUser"], context["runAsGroup"], context["fsGroup"]) == (70, 1070, 1070)
    assert (postgres["securityContext"]["runAsUser"], postgres["securityContext"]["runAsGroup"]) == (70, 1070)
    # extra_args
    assert postgres["args"] == ["postgres", "-c", "max_connections=200", "-c", "shared_buffers=256MB"]
    # metrics_exporter (image, port, resources, run_as_user, run_as_group, extra_args), and the
    # port, database, username and password it reads
    exporter = container(sts, "postgres-exporter")
    assert exporter["image"] == "registry.example:5000/mirror/postgres-exporter:v0.17.1"
    assert exporter["args"] == [
        "--web.listen-address=:9300",
        "--web.telemetry-path=/metrics",
        "--collector.long_running_transactions",
    ]
    assert exporter["ports"] == [{"containerPort": 9300, "name": "metrics", "protocol": "TCP"}]
    assert exporter["resources"] == {
        "requests": {"cpu": "20m", "memory": "48Mi"},
        "limits": {"cpu": "300m", "memory": "96Mi"},
    }
    assert (exporter["securityContext"]["runAsUser"], exporter["securityContext"]["runAsGroup"]) == (10001, 10002)
    assert env_of(exporter)["DATA_SOURCE_URI"] == "127.0.0.1:6543/aipp?sslmode=disable"
    assert volumes["exporter-username"]["secret"] == {
        "secretName": "db-user",
        "items": [{"key": "user", "path": "username"}],
        "defaultMode": 0o440,
    }
    assert (db.metrics_port, db.metrics_path) == (9300, "/metrics")


def test_pgvector_has_no_exporter_and_serves_no_metrics_by_default(
    manifests: list[dict[str, Any]], sts: dict[str, Any]
) -> None:
    assert [c["name"] for c in pod_spec(sts)["containers"]] == ["postgres"]
    assert "metrics" not in {p["name"] for m in manifests if m["kind"] == "Service" for p in m["spec"]["ports"]}
    chart = new_chart()
    db = PgvectorDb(chart, "Pgvector", props())
    assert (db.metrics_port, db.metrics_path) == (None, None)
    with pytest.raises(ValueError, match="^component 'pgvector' serves no metrics"):
        ComponentServiceMonitorProps(component=db, port="postgresql")


def test_pgvector_metrics_exporter_defaults(chart: Chart) -> None:
    db = PgvectorDb(chart, "Pgvector", props(metrics_exporter=MetricsExporter(image=EXPORTER_IMAGE)))
    manifests = synth(chart)
    sts = one(manifests, "StatefulSet", "pgvector")
    assert [c["name"] for c in pod_spec(sts)["containers"]] == ["postgres", "postgres-exporter"]
    exporter = container(sts, "postgres-exporter")
    # postgres_exporter's own flags and variables, the ones 0.11 and every later release know.
    assert exporter["args"] == ["--web.listen-address=:9187", "--web.telemetry-path=/metrics"]
    assert "command" not in exporter  # the image's entrypoint, /bin/postgres_exporter
    assert env_of(exporter) == {
        "DATA_SOURCE_URI": "127.0.0.1:5432/app?sslmode=disable",
        "DATA_SOURCE_USER_FILE": "/run/secrets/postgres-username/username",
        "DATA_SOURCE_PASS_FILE": "/run/secrets/postgres/password",
    }
    # The credentials are files of the same Secret keys, never variables.
    assert not any("valueFrom" in var for var in exporter["env"])
    assert exporter["volumeMounts"] == [
        {"mountPath": "/run/secrets/postgres", "name": "password", "readOnly": True},
        {"mountPath": "/run/secrets/postgres-username", "name": "exporter-username", "readOnly": True},
    ]
    volumes = {v["name"]: v for v in pod_spec(sts)["volumes"]}
    assert volumes["exporter-username"]["secret"] == {
        "secretName": "pgvector-credentials",
        "items": [{"key": "username", "path": "username"}],
        "defaultMode": 0o440,  # readable through the pod's group (fsGroup 999)
    }
    assert "exporter-username" not in {m["name"] for m in container(sts, "postgres")["volumeMounts"]}
    # nobody (65534), the user of the official image; hardened like every container.
    assert exporter["securityContext"] == {**RESTRICTED_CONTAINER_CONTEXT, "runAsUser": 65534, "runAsGroup": 65534}
    assert pod_spec(sts)["securityContext"]["fsGroup"] == 999
    assert exporter["imagePullPolicy"] == "IfNotPresent" and exporter["image"] == EXPORTER_IMAGE
    assert exporter["resources"] == {
        "requests": {"cpu": "10m", "memory": "32Mi"},
        "limits": {"cpu": "200m", "memory": "64Mi"},
    }
    assert exporter["ports"] == [{"containerPort": 9187, "name": "metrics", "protocol": "TCP"}]
    for kind in ("readinessProbe", "livenessProbe"):
        assert exporter[kind]["httpGet"] == {"path": "/", "port": "metrics", "scheme": "HTTP"}
    assert "startupProbe" not in exporter
    # Both Services publish it; the endpoint dependents connect to is PostgreSQL's alone.
    for name in ("pgvector", "pgvector-headless"):
        assert one(manifests, "Service", name)["spec"]["ports"][1] == {
            "name": "metrics",
            "port": 9187,
            "protocol": "TCP",
            "targetPort": "metrics",
        }
    assert db.endpoint is not None and dict(db.endpoint.ports) == {"postgresql": 5432}
    assert (db.metrics_port, db.metrics_path) == (9187, "/metrics")
    # The exporter adds no checkov exception: it has both probes, no secret variable, a high uid.
    skips = {k: v.split("=")[0] for k, v in sts["metadata"]["annotations"].items() if k.startswith("checkov.io/")}
    assert sorted(skips.values()) == ["CKV_K8S_15", "CKV_K8S_35", "CKV_K8S_40", "CKV_K8S_43"]


def test_pgvector_metrics_exporter_is_monitored_on_its_port(chart: Chart) -> None:
    db = PgvectorDb(chart, "Pgvector", props(metrics_exporter=MetricsExporter(image=EXPORTER_IMAGE)))
    ComponentServiceMonitor(chart, "Monitor", ComponentServiceMonitorProps(component=db, port="metrics"))
    [endpoint] = one(synth(chart), "ServiceMonitor", "pgvector")["spec"]["endpoints"]
    assert (endpoint["port"], endpoint["path"]) == ("metrics", "/metrics")


def test_pgvector_run_as_user_70_reaches_the_pod_and_every_container(chart: Chart) -> None:
    alpine = "harbor.example/dockerhub-proxy/library/postgres:17.6-alpine3.22"
    PgvectorDb(chart, "Pgvector", props(image=alpine, run_as_user=70))
    spec = pod_spec(one(synth(chart), "StatefulSet", "pgvector"))
    assert spec["securityContext"] == {
        "fsGroup": 70,
        "fsGroupChangePolicy": "OnRootMismatch",
        "runAsGroup": 70,
        "runAsNonRoot": True,
        "runAsUser": 70,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    all_containers = spec["containers"] + spec.get("initContainers", [])
    assert [c["name"] for c in all_containers] == ["postgres"]
    for c in all_containers:
        assert c["securityContext"] == {**RESTRICTED_CONTAINER_CONTEXT, "runAsUser": 70, "runAsGroup": 70}, c["name"]


def test_pgvector_extra_args_follow_the_postgres_command(chart: Chart) -> None:
    PgvectorDb(chart, "Pgvector", props(extra_args=("-c", "max_connections=200")))
    postgres = container(one(synth(chart), "StatefulSet", "pgvector"), "postgres")
    assert postgres["args"] == ["postgres", "-c", "max_connections=200"]
    assert postgres["command"] == ["sh", "/etc/postgresql-bootstrap/bootstrap.sh"]


def test_pgvector_pod_template_checksum_follows_the_init_script() -> None:
    def checksum(**overrides: Any) -> str:
        chart = new_chart()
        PgvectorDb(chart, "Pgvector", props(**overrides))
        value: str = one(synth(chart), "StatefulSet")["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
        return value

    assert checksum() == checksum()
    assert checksum() != checksum(extensions=("vector", "pg_trgm"))


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"image": "harbor.example/dockerhub-proxy/pgvector/pgvector:latest"},
            "image uses the moving tag 'latest', got 'harbor.example/dockerhub-proxy/pgvector/pgvector:latest'",
            id="image-latest",
        ),
        pytest.param(
            {"image": "harbor.example/aipp/pgvector:main-latest"},
            "image uses the moving tag 'main-latest', got 'harbor.example/aipp/pgvector:main-latest'",
            id="image-main-latest",
        ),
        pytest.param(
            {"image": "harbor.example/dockerhub-proxy/pgvector/pgvector"},
            "image has no tag, got 'harbor.example/dockerhub-proxy/pgvector/pgvector'",
            id="image-no-tag",
        ),
        pytest.param(
            {"image": "pgvector/pgvector:pg17"},
            "image uses the moving tag 'pg17', got 'pgvector/pgvector:pg17'",
            id="image-release-line",
        ),
        pytest.param({"name": "PgVector"}, "name must be a DNS-1123 label .*, got 'PgVector'", id="name-upper"),
        pytest.param({"name": "pg_vector"}, "name must be a DNS-1123 label .*, got 'pg_vector'", id="name-underscore"),
        pytest.param({"port": 0}, "port must be a port number between 1 and 65535, got 0", id="port-zero"),
        pytest.param({"port": 65536}, "port must be a port number between 1 and 65535, got 65536", id="port-high"),
        pytest.param(
            {"storage_size": "10GB"}, "storage_size must be a quantity in binary units .*, got '10GB'", id="storage-GB"
        ),
        pytest.param(
            {"storage_size": "10G"}, "storage_size must be a quantity in binary units .*, got '10G'", id="storage-G"
        ),
        pytest.param({"shm_size": "256MB"}, "shm_size must be a quantity in binary units .*, got '256MB'", id="shm-MB"),
        pytest.param(
            {"shm_size": "1Gi"},
            "shm_size must be below resources.memory_limit .*, got shm_size '1Gi' and memory_limit '1Gi'",
            id="shm-equals-limit",
        ),
        pytest.param(
            {"shm_size": "2Gi"},
            "shm_size must be below resources.memory_limit .*, got shm_size '2Gi' and memory_limit '1Gi'",
            id="shm-above-limit",
        ),
        pytest.param(
            {"storage_class_name": "Longhorn_SSD"},
            "storage_class_name must be a DNS-1123 subdomain .*, got 'Longhorn_SSD'",
            id="storage-class",
        ),
        pytest.param(
            {"database": "my-db"}, "database must be a lowercase SQL identifier .*, got 'my-db'", id="database-dash"
        ),
        pytest.param(
            {"database": "AIPP"}, "database must be a lowercase SQL identifier .*, got 'AIPP'", id="database-upper"
        ),
        pytest.param(
            {"extensions": ("vector", "pg-trgm")},
            "extensions must be lowercase SQL identifiers, got 'pg-trgm'",
            id="extension-dash",
        ),
        pytest.param(
            {"extensions": ("vector; DROP TABLE x",)},
            "extensions must be lowercase SQL identifiers, got 'vector; DROP TABLE x'",
            id="extension-injection",
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
        pytest.param({"run_as_user": -1}, "run_as_user must be an integer from 1 to 2147483647, got -1", id="uid-neg"),
        pytest.param(
            {"run_as_user": 2**31}, "run_as_user must be an integer from 1 to 2147483647, got 2147483648", id="uid-high"
        ),
        pytest.param({"run_as_user": "70"}, "run_as_user must be an integer .*, got '70'", id="uid-string"),
        pytest.param({"run_as_user": True}, "run_as_user must be an integer .*, got True", id="uid-bool"),
        pytest.param(
            {"run_as_group": -1},
            "run_as_group must be an integer from 0 to 2147483647 or None, got -1; None uses run_as_user",
            id="gid-neg",
        ),
        pytest.param({"run_as_group": 2**31}, "run_as_group must be an integer .*, got 2147483648", id="gid-high"),
        pytest.param(
            {"extra_args": ["-c", "max_connections=200"]},
            r"extra_args must be a tuple of non-empty strings, got \['-c', 'max_connections=200'\]",
            id="args-list",
        ),
        pytest.param(
            {"extra_args": "-c max_connections=200"},
            "extra_args must be a tuple of non-empty strings, got '-c max_connections=200'",
            id="args-string",
        ),
        pytest.param({"extra_args": ("-c", "")}, "extra_args must be a tuple of non-empty strings", id="args-empty"),
        pytest.param(
            {"extra_args": ("-c", "a=1\nb=2")},
            r"extra_args must not contain newlines or NUL characters, got 'a=1\\nb=2'",
            id="args-newline",
        ),
        pytest.param(
            {"extra_args": ("-p", "5433")},
            "extra_args must not set options the construct manages, got '-p'; use the port prop",
            id="args-p",
        ),
        pytest.param(
            {"extra_args": ("-c", "port=5433")},
            "extra_args must not set options the construct manages, got 'port=5433'; use the port prop",
            id="args-c-port",
        ),
        pytest.param(
            {"extra_args": ("--port=5433",)},
            "extra_args must not set options the construct manages, got '--port=5433'; use the port prop",
            id="args-long-port",
        ),
        pytest.param(
            {"extra_args": ("-D", "/tmp/data")},
            "extra_args must not set options the construct manages, got '-D'; the data directory is fixed",
            id="args-D",
        ),
        pytest.param(
            {"extra_args": ("-cdata_directory=/tmp",)},
            "extra_args must not set options the construct manages, got '-cdata_directory=/tmp'; the data directory",
            id="args-c-data-directory",
        ),
    ],
)
def test_fails_when_a_new_prop_is_invalid(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        props(**overrides)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"metrics_exporter": EXPORTER_IMAGE},
            f"metrics_exporter must be a MetricsExporter or None, got '{EXPORTER_IMAGE}'",
            id="not-an-exporter",
        ),
        pytest.param(
            {"metrics_exporter": MetricsExporter(image=EXPORTER_IMAGE, port=5432)},
            "metrics_exporter.port must differ from port \\(5432\\), got 5432",
            id="port-of-postgres",
        ),
        pytest.param(
            {"port": 9187, "metrics_exporter": MetricsExporter(image=EXPORTER_IMAGE)},
            "metrics_exporter.port must differ from port \\(9187\\), got 9187",
            id="postgres-on-the-exporter-port",
        ),
        pytest.param(
            {"metrics_exporter": MetricsExporter(image=EXPORTER_IMAGE, extra_args=("--web.listen-address=:1",))},
            "metrics_exporter.extra_args must not set flags the construct manages, got '--web.listen-address=:1'; "
            "use metrics_exporter.port",
            id="managed-listen-address",
        ),
        pytest.param(
            {"metrics_exporter": MetricsExporter(image=EXPORTER_IMAGE, extra_args=("--web.telemetry-path=/m",))},
            "metrics_exporter.extra_args must not set flags the construct manages, got '--web.telemetry-path=/m'; "
            "the metrics path is fixed",
            id="managed-path",
        ),
    ],
)
def test_fails_when_the_metrics_exporter_is_invalid(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        props(**overrides)


def test_pgvector_extra_args_accept_other_settings_and_the_alpine_uid() -> None:
    ok = props(run_as_user=70, run_as_group=0, extra_args=("-c", "max_connections=200", "--shared_buffers=256MB"))
    assert ok.extra_args == ("-c", "max_connections=200", "--shared_buffers=256MB")


# --- stable names, endpoint, dependencies -------------------------------------------------


def test_pgvector_names_and_selectors_survive_construct_id_changes() -> None:
    def shape(chart_id: str, construct_id: str) -> list[tuple[str, str, Any]]:
        chart = new_chart(chart_id)
        PgvectorDb(chart, construct_id, props(part_of="aipp"))
        return names_and_selectors(synth(chart))

    assert shape("test", "Pgvector") == shape("other-chart", "SomethingElse")


def test_pgvector_endpoint_names_host_port_credentials_and_database(chart: Chart) -> None:
    endpoint = PgvectorDb(chart, "Pgvector", props()).endpoint
    assert endpoint is not None
    assert endpoint.host == "pgvector"
    assert dict(endpoint.ports) == {"postgresql": 5432}
    assert endpoint.port("postgresql") == 5432
    assert dict(endpoint.credentials) == {
        "username": SecretKeyRef(name="pgvector-credentials", key="username"),
        "password": SecretKeyRef(name="pgvector-credentials", key="password"),
    }
    assert dict(endpoint.properties) == {
        "database": "app",
        "url": "postgresql://pgvector:5432/app",
        "jdbc_url": "jdbc:postgresql://pgvector:5432/app",
    }
    assert endpoint.protocol == "postgresql"


def test_pgvector_endpoint_follows_name_port_and_database(chart: Chart) -> None:
    endpoint = PgvectorDb(chart, "Pgvector", props(name="vectors", port=6543, database="aipp")).endpoint
    assert endpoint is not None
    assert (endpoint.host, dict(endpoint.ports), dict(endpoint.properties)) == (
        "vectors",
        {"postgresql": 6543},
        {
            "database": "aipp",
            "url": "postgresql://vectors:6543/aipp",
            "jdbc_url": "jdbc:postgresql://vectors:6543/aipp",
        },
    )


def test_pgvector_with_a_dependency_is_wave_2_but_configmap_stays_wave_0(chart: Chart) -> None:
    first = PgvectorDb(chart, "First", props(name="first"))
    second = PgvectorDb(chart, "Second", props(name="second", depends_on=(first,)))
    assert (first.wave, second.wave) == (1, 2)
    waves = {
        (m["kind"], m["metadata"]["name"]): m["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
        for m in synth(chart)
        if m["metadata"]["name"].startswith("second")
    }
    assert waves == {
        ("ConfigMap", "second-init"): "0",
        ("Service", "second-headless"): "2",
        ("Service", "second"): "2",
        ("StatefulSet", "second"): "2",
    }


def test_pgvector_version_label_is_the_tag_when_the_image_has_a_digest(chart: Chart) -> None:
    db = PgvectorDb(chart, "Pgvector", props(image=f"{IMAGE}@sha256:{'a' * 64}"))
    assert db.labels["app.kubernetes.io/version"] == "0.8.1-pg17-bookworm"
