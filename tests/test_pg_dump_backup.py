"""Tests of ``PgDumpBackup``: effective defaults, every prop reaching the YAML, validation, the
graph, and the backup script run for real against a stub ``pg_dump``."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path
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
    synth,
)

from aipp_constructs import (
    Component,
    Endpoint,
    GraphNetworkPolicies,
    GraphNetworkPoliciesProps,
    PgvectorDb,
    PgvectorDbProps,
    RedisCache,
    RedisCacheProps,
    Resources,
    SecretKeyRef,
)
from aipp_constructs.checks.pod_security import check_pod_security
from aipp_constructs.checks.reachability import reachability
from aipp_constructs.checks.schemas import KUBERNETES_VERSIONS, validate_manifest
from aipp_constructs.platform.pg_dump_backup import PgDumpBackup, PgDumpBackupProps

IMAGE = "harbor.example/dockerhub-proxy/pgvector/pgvector:0.8.1-pg17-bookworm"
USERNAME = SecretKeyRef(name="pgvector-credentials", key="username")
PASSWORD = SecretKeyRef(name="pgvector-credentials", key="password")
WAVE = "argocd.argoproj.io/sync-wave"


def database(chart: Chart, **overrides: Any) -> PgvectorDb:
    return PgvectorDb(
        chart, "Pgvector", PgvectorDbProps(**{"image": IMAGE, "username": USERNAME, "password": PASSWORD, **overrides})
    )


def props(db: Component, **overrides: Any) -> PgDumpBackupProps:
    return PgDumpBackupProps(**{"database": db, "image": IMAGE, **overrides})


def backup_objects(manifests: list[dict[str, Any]], name: str = "pgvector-backup") -> list[dict[str, Any]]:
    return [m for m in manifests if m["metadata"]["name"] == name]


def job_pod(cron_job: Mapping[str, Any]) -> dict[str, Any]:
    pod: dict[str, Any] = cron_job["spec"]["jobTemplate"]["spec"]["template"]
    return pod


def pg_dump_container(cron_job: Mapping[str, Any]) -> dict[str, Any]:
    return container(cron_job["spec"]["jobTemplate"], "pg-dump")


def script_of(cron_job: Mapping[str, Any]) -> str:
    command = pg_dump_container(cron_job)["command"]
    assert command[:2] == ["sh", "-c"] and len(command) == 3
    script: str = command[2]
    return script


@pytest.fixture(scope="module")
def db() -> PgvectorDb:
    """A database for props-only tests (validation builds no objects)."""
    return database(new_chart())


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    """The minimal-props synth (database and backup), shared read-only by the defaults tests."""
    chart = new_chart()
    PgDumpBackup(chart, "Backup", props(database(chart)))
    return synth(chart)


@pytest.fixture(scope="module")
def cron_job(manifests: list[dict[str, Any]]) -> dict[str, Any]:
    return one(manifests, "CronJob", "pgvector-backup")


@pytest.fixture(scope="module")
def pg_dump(cron_job: dict[str, Any]) -> dict[str, Any]:
    return pg_dump_container(cron_job)


# --- defaults, field by field -------------------------------------------------------------


def test_backup_creates_a_claim_and_a_cron_job(manifests: list[dict[str, Any]]) -> None:
    assert sorted((m["apiVersion"], m["kind"], m["metadata"]["name"]) for m in backup_objects(manifests)) == [
        ("batch/v1", "CronJob", "pgvector-backup"),
        ("v1", "PersistentVolumeClaim", "pgvector-backup"),
    ]
    assert {m["metadata"]["namespace"] for m in manifests} == {"test"}


def test_backup_claim_defaults_to_20gi_rwo_on_default_storage_class(manifests: list[dict[str, Any]]) -> None:
    claim = one(manifests, "PersistentVolumeClaim", "pgvector-backup")
    assert claim["spec"] == {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}}


def test_backup_claim_is_protected_from_argocd_prune_and_delete(manifests: list[dict[str, Any]]) -> None:
    annotations = one(manifests, "PersistentVolumeClaim", "pgvector-backup")["metadata"]["annotations"]
    assert annotations == {"argocd.argoproj.io/sync-options": "Prune=false,Delete=false", WAVE: "2"}


def test_backup_cron_job_runs_daily_at_0230_one_at_a_time(cron_job: dict[str, Any]) -> None:
    spec = cron_job["spec"]
    assert {k: v for k, v in spec.items() if k != "jobTemplate"} == {
        "schedule": "30 2 * * *",
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": 3600,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 3,
    }
    assert "timeZone" not in spec


def test_backup_job_retries_twice_within_an_hour_in_fresh_pods(cron_job: dict[str, Any]) -> None:
    job = cron_job["spec"]["jobTemplate"]["spec"]
    assert {k: v for k, v in job.items() if k != "template"} == {"backoffLimit": 2, "activeDeadlineSeconds": 3600}
    assert job_pod(cron_job)["spec"]["restartPolicy"] == "Never"


def test_backup_container_runs_the_script_with_sh(pg_dump: dict[str, Any]) -> None:
    assert pg_dump["image"] == IMAGE
    assert pg_dump["imagePullPolicy"] == "IfNotPresent"
    assert pg_dump["terminationMessagePolicy"] == "FallbackToLogsOnError"
    assert pg_dump["command"][:2] == ["sh", "-c"]
    assert "args" not in pg_dump
    assert "ports" not in pg_dump
    assert not {"startupProbe", "readinessProbe", "livenessProbe"} & set(pg_dump)


def test_backup_script_dumps_to_a_partial_name_renames_then_prunes(cron_job: dict[str, Any]) -> None:
    assert script_of(cron_job) == (
        "set -eu\n"
        "PGUSER=$(cat /run/secrets/env/PGUSER/value) || exit 1\n"
        "export PGUSER\n"
        "PGPASSWORD=$(cat /run/secrets/env/PGPASSWORD/value) || exit 1\n"
        "export PGPASSWORD\n"
        "find /backups -maxdepth 1 -name '*.dump.partial' -delete\n"
        'dump="/backups/app-$(date -u +%Y%m%dT%H%M%SZ).dump"\n'
        "trap 'rm -f \"$dump.partial\"' EXIT\n"
        'pg_dump --format=custom --no-owner --file "$dump.partial"\n'
        'mv "$dump.partial" "$dump"\n'
        "trap - EXIT\n"
        "removed=$(find /backups -maxdepth 1 -name '*.dump' -mtime +7 -print -delete | wc -l)\n"
        'echo "pg_dump of database $PGDATABASE on $PGHOST:$PGPORT written to $dump '
        '($(du -h "$dump" | cut -f1)); removed $removed dumps older than 7 days"\n'
    )


def _kubernetes_expand(text: str, env: Mapping[str, str]) -> str:
    """What the kubelet does to ``command``/``args``: ``$(NAME)`` -> env value, ``$$`` -> ``$``.

    A port of k8s.io/kubernetes third_party/forked/golang/expansion: an undefined ``$(...)``
    is kept as written.
    """
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "$" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt == "(":
                close = text.find(")", i + 2)
                if close != -1:
                    name = text[i + 2 : close]
                    out.append(env.get(name, f"$({name})"))
                    i = close + 1
                    continue
            out.append(text[i : i + 2])
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def test_backup_script_survives_kubernetes_variable_expansion(
    cron_job: dict[str, Any], pg_dump: dict[str, Any]
) -> None:
    env = {name: f"<{name}>" for name in env_of(pg_dump)}
    script = script_of(cron_job)
    assert _kubernetes_expand(script, env) == script
    # The port of the expansion does expand, so the assertion above is not vacuous.
    assert _kubernetes_expand("$(PGHOST) $$HOME", env) == "<PGHOST> $HOME"


def test_backup_env_names_the_database_and_no_secret(pg_dump: dict[str, Any]) -> None:
    assert env_of(pg_dump) == {
        "PGHOST": "pgvector",
        "PGPORT": "5432",
        "PGDATABASE": "app",
        "PGCONNECT_TIMEOUT": "30",
    }


def test_backup_reads_the_credentials_from_secret_files_never_literally(chart: Chart) -> None:
    db = database(
        chart,
        username=SecretKeyRef(name="pg", key="the-user-key"),
        password=SecretKeyRef(name="pg", key="the-password-key"),
    )
    PgDumpBackup(chart, "Backup", props(db))
    cron_job = one(synth(chart), "CronJob")
    container = pg_dump_container(cron_job)
    assert all("valueFrom" not in e for e in container["env"])
    volumes = {v["name"]: v for v in job_pod(cron_job)["spec"]["volumes"]}
    assert volumes["secret-env-pguser"]["secret"] == {
        "secretName": "pg",
        "items": [{"key": "the-user-key", "path": "value"}],
        "defaultMode": 0o440,
    }
    assert volumes["secret-env-pgpassword"]["secret"] == {
        "secretName": "pg",
        "items": [{"key": "the-password-key", "path": "value"}],
        "defaultMode": 0o440,
    }
    script = script_of(cron_job)
    assert "PGPASSWORD=$(cat /run/secrets/env/PGPASSWORD/value) || exit 1\nexport PGPASSWORD\n" in script
    assert "--password" not in script
    # The policy gate's secrets-as-environment exception is gone with the variables.
    assert not any("CKV_K8S_35" in v for v in cron_job["metadata"]["annotations"].values())


def test_backup_mounts_the_claim_at_backups_a_limited_tmp_and_the_credentials(
    cron_job: dict[str, Any], pg_dump: dict[str, Any]
) -> None:
    assert pg_dump["volumeMounts"] == [
        {"name": "backups", "mountPath": "/backups"},
        {"name": "tmp", "mountPath": "/tmp"},
        {"name": "secret-env-pguser", "mountPath": "/run/secrets/env/PGUSER", "readOnly": True},
        {"name": "secret-env-pgpassword", "mountPath": "/run/secrets/env/PGPASSWORD", "readOnly": True},
    ]
    assert job_pod(cron_job)["spec"]["volumes"][:2] == [
        {"name": "backups", "persistentVolumeClaim": {"claimName": "pgvector-backup"}},
        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
    ]


def test_backup_resources_default_to_100m_256mi_requests_and_1_cpu_512mi_limits(pg_dump: dict[str, Any]) -> None:
    assert pg_dump["resources"] == {
        "requests": {"cpu": "100m", "memory": "256Mi"},
        "limits": {"cpu": "1", "memory": "512Mi"},
    }


def test_backup_pod_runs_restricted_as_uid_999(cron_job: dict[str, Any]) -> None:
    spec = job_pod(cron_job)["spec"]
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
    assert [c["name"] for c in spec["containers"]] == ["pg-dump"]
    assert "initContainers" not in spec
    assert spec["containers"][0]["securityContext"] == RESTRICTED_CONTAINER_CONTEXT
    assert check_pod_security(cron_job) == []


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_backup_objects_pass_the_strict_kubernetes_schema(manifests: list[dict[str, Any]], version: str) -> None:
    for m in backup_objects(manifests):
        assert validate_manifest(m, version, {}) == []


def test_backup_labels_every_object_job_and_pod(manifests: list[dict[str, Any]], cron_job: dict[str, Any]) -> None:
    labels = {
        "app.kubernetes.io/name": "pgvector-backup",
        "app.kubernetes.io/component": "backup",
        "app.kubernetes.io/version": "0.8.1-pg17-bookworm",
        "app.kubernetes.io/managed-by": "cdk8s",
    }
    for m in backup_objects(manifests):
        assert m["metadata"]["labels"] == labels, m["kind"]
    assert cron_job["spec"]["jobTemplate"]["metadata"] == {"labels": labels}
    assert job_pod(cron_job)["metadata"] == {"labels": labels}


def test_backup_has_no_cdk8s_address_label_anywhere(manifests: list[dict[str, Any]]) -> None:
    assert not [k for k in keys_anywhere(manifests) if k.startswith("cdk8s.io/")]


def test_backup_is_one_wave_after_the_database_on_every_object(chart: Chart) -> None:
    upstream = Component(chart, "Upstream", name="upstream", component="test", version="1")
    db = database(chart, depends_on=(upstream,))
    backup = PgDumpBackup(chart, "Backup", props(db))
    assert (db.wave, backup.wave) == (2, 3)
    assert backup.depends_on == (db,)
    waves = {(m["kind"], m["metadata"]["annotations"][WAVE]) for m in backup_objects(synth(chart))}
    assert waves == {("PersistentVolumeClaim", "3"), ("CronJob", "3")}


def test_backup_serves_nothing_and_exposes_claim_and_cron_job(chart: Chart) -> None:
    backup = PgDumpBackup(chart, "Backup", props(database(chart)))
    assert backup.endpoint is None
    assert backup.claim.kind == "PersistentVolumeClaim" and backup.claim.name == "pgvector-backup"
    assert backup.cron_job.kind == "CronJob" and backup.cron_job.name == "pgvector-backup"
    assert backup.cron_job.api_version == "batch/v1"


def test_graph_network_policies_open_exactly_the_database_port_to_the_backup(chart: Chart) -> None:
    db = database(chart)
    backup = PgDumpBackup(chart, "Backup", props(db))
    GraphNetworkPolicies(chart, "Policies", GraphNetworkPoliciesProps(components=(db, backup)))
    assert reachability(synth(chart)) == {("pgvector-backup", "pgvector", 5432)}


# --- every prop reaches the YAML ----------------------------------------------------------


def test_backup_every_prop_reaches_the_yaml(chart: Chart) -> None:
    db = database(
        chart,
        name="vectors",
        database="aipp",
        port=5433,
        username=SecretKeyRef(name="vectors-auth", key="user"),
        password=SecretKeyRef(name="vectors-auth", key="pass"),
    )
    values: dict[str, Any] = {
        "database": db,
        "image": "registry.example:5000/mirror/postgres:17.2-bookworm",
        "name": "vectors-dump",
        "part_of": "aipp",
        "schedule": "15 3 * * 1-5",
        "retention_days": 14,
        "storage_size": "50Gi",
        "storage_class_name": "longhorn-backup",
        "claim_labels": {"recurring-job-group.longhorn.io/default": "enabled"},
        "resources": Resources(cpu_request="200m", memory_request="512Mi", cpu_limit="2", memory_limit="1Gi"),
        "time_zone": "Europe/Berlin",
    }
    fields = {f.name: f for f in dataclasses.fields(PgDumpBackupProps)}
    assert set(values) == set(fields), "a PgDumpBackupProps field is not covered by this test"
    for name, f in fields.items():
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            continue  # required: no default to differ from (database and image differ from the fixtures)
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        assert values[name] != default, f"{name} is set to its default"

    PgDumpBackup(chart, "Backup", PgDumpBackupProps(**values))
    manifests = backup_objects(synth(chart), "vectors-dump")
    claim = one(manifests, "PersistentVolumeClaim")
    cron_job = one(manifests, "CronJob")
    pg_dump = pg_dump_container(cron_job)
    script = script_of(cron_job)

    # database: host, port, database name and credential references of its endpoint
    assert env_of(pg_dump) == {
        "PGHOST": "vectors",
        "PGPORT": "5433",
        "PGDATABASE": "aipp",
        "PGCONNECT_TIMEOUT": "30",
    }
    secret_files = [v["secret"] for v in job_pod(cron_job)["spec"]["volumes"] if "secret" in v]
    assert [(f["secretName"], f["items"][0]["key"]) for f in secret_files] == [
        ("vectors-auth", "user"),
        ("vectors-auth", "pass"),
    ]
    assert 'dump="/backups/aipp-$(date -u +%Y%m%dT%H%M%SZ).dump"' in script
    # image
    assert pg_dump["image"] == "registry.example:5000/mirror/postgres:17.2-bookworm"
    assert cron_job["metadata"]["labels"]["app.kubernetes.io/version"] == "17.2-bookworm"
    # name
    assert sorted((m["kind"], m["metadata"]["name"]) for m in manifests) == [
        ("CronJob", "vectors-dump"),
        ("PersistentVolumeClaim", "vectors-dump"),
    ]
    assert job_pod(cron_job)["spec"]["volumes"][0] == {
        "name": "backups",
        "persistentVolumeClaim": {"claimName": "vectors-dump"},
    }
    # part_of
    for labels in (
        claim["metadata"]["labels"],
        cron_job["metadata"]["labels"],
        job_pod(cron_job)["metadata"]["labels"],
    ):
        assert labels["app.kubernetes.io/part-of"] == "aipp"
    # schedule, time_zone
    assert cron_job["spec"]["schedule"] == "15 3 * * 1-5"
    assert cron_job["spec"]["timeZone"] == "Europe/Berlin"
    # retention_days
    assert "-mtime +14 -print -delete" in script
    assert "older than 14 days" in script
    assert "+7" not in script
    # storage_size, storage_class_name
    assert claim["spec"]["resources"] == {"requests": {"storage": "50Gi"}}
    assert claim["spec"]["storageClassName"] == "longhorn-backup"
    # claim_labels: on the claim only, next to the component labels
    assert claim["metadata"]["labels"] == {
        "app.kubernetes.io/name": "vectors-dump",
        "app.kubernetes.io/part-of": "aipp",
        "app.kubernetes.io/component": "backup",
        "app.kubernetes.io/version": "17.2-bookworm",
        "app.kubernetes.io/managed-by": "cdk8s",
        "recurring-job-group.longhorn.io/default": "enabled",
    }
    assert "recurring-job-group.longhorn.io/default" not in cron_job["metadata"]["labels"]
    assert "recurring-job-group.longhorn.io/default" not in job_pod(cron_job)["metadata"]["labels"]
    # resources
    assert pg_dump["resources"] == {
        "requests": {"cpu": "200m", "memory": "512Mi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }
    for version in KUBERNETES_VERSIONS:
        assert [e for m in manifests for e in validate_manifest(m, version, {})] == []


def test_backup_claim_labels_are_copied_and_frozen(db: PgvectorDb) -> None:
    labels = {"recurring-job.longhorn.io/source": "enabled"}
    p = props(db, claim_labels=labels)
    labels["recurring-job.longhorn.io/source"] = "changed"
    assert dict(p.claim_labels) == {"recurring-job.longhorn.io/source": "enabled"}
    with pytest.raises(TypeError):
        p.claim_labels["other"] = "x"  # type: ignore[index]


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"image": "harbor.example/library/postgres:latest"},
            "image uses the moving tag 'latest', got 'harbor.example/library/postgres:latest'",
            id="image-latest",
        ),
        pytest.param(
            {"image": "harbor.example/library/postgres"},
            "image has no tag, got 'harbor.example/library/postgres'",
            id="image-no-tag",
        ),
        pytest.param(
            {"image": "postgres:17"},
            "image uses the moving tag '17', got 'postgres:17'",
            id="image-release-line",
        ),
        pytest.param({"name": "Backup"}, "name must be a DNS-1123 label .*, got 'Backup'", id="name-upper"),
        pytest.param(
            {"name": "pgvector"},
            "name must differ from the database component's name, got 'pgvector'",
            id="name-is-database",
        ),
        pytest.param({"part_of": "a b"}, "part_of must be a label value .*, got 'a b'", id="part-of"),
        pytest.param({"schedule": "@daily"}, "schedule must be five cron fields .*, got '@daily'", id="schedule-macro"),
        pytest.param(
            {"schedule": "30 2 * *"}, r"schedule must be five cron fields .*, got '30 2 \* \*'", id="schedule-four"
        ),
        pytest.param(
            {"schedule": "0 30 2 * * *"},
            r"schedule must be five cron fields .*, got '0 30 2 \* \* \*'",
            id="schedule-six",
        ),
        pytest.param(
            {"schedule": "30  2 * * *"},
            r"schedule must be five cron fields .*, got '30  2 \* \* \*'",
            id="schedule-double-space",
        ),
        pytest.param(
            {"schedule": "CRON_TZ=UTC 30 2 * *"},
            r"schedule must be five cron fields .*, got 'CRON_TZ=UTC 30 2 \* \*'",
            id="schedule-tz-prefix",
        ),
        pytest.param({"schedule": 5}, "schedule must be five cron fields .*, got 5", id="schedule-not-str"),
        pytest.param(
            {"retention_days": 0}, "retention_days must be an integer from 1 to 365, got 0", id="retention-zero"
        ),
        pytest.param(
            {"retention_days": 366}, "retention_days must be an integer from 1 to 365, got 366", id="retention-high"
        ),
        pytest.param(
            {"retention_days": True}, "retention_days must be an integer from 1 to 365, got True", id="retention-bool"
        ),
        pytest.param(
            {"retention_days": "7"}, "retention_days must be an integer from 1 to 365, got '7'", id="retention-str"
        ),
        pytest.param(
            {"storage_size": "20GB"}, "storage_size must be a quantity in binary units .*, got '20GB'", id="storage-GB"
        ),
        pytest.param(
            {"storage_class_name": "Fast SSD"},
            "storage_class_name must be a DNS-1123 subdomain .*, got 'Fast SSD'",
            id="storage-class",
        ),
        pytest.param(
            {"claim_labels": [("a", "b")]},
            r"claim_labels must be a mapping of label keys to values, got \[\('a', 'b'\)\]",
            id="claim-labels-not-mapping",
        ),
        pytest.param(
            {"claim_labels": {"bad key!": "x"}},
            "claim_labels keys must be label keys .*, got 'bad key!'",
            id="claim-label-key",
        ),
        pytest.param(
            {"claim_labels": {"Longhorn.IO/x": "x"}},
            "claim_labels keys must be label keys .*, got 'Longhorn.IO/x'",
            id="claim-label-prefix",
        ),
        pytest.param(
            {"claim_labels": {"recurring-job.longhorn.io/source": "not ok"}},
            r"claim_labels\['recurring-job.longhorn.io/source'\] must be a label value .*, got 'not ok'",
            id="claim-label-value",
        ),
        pytest.param(
            {"claim_labels": {"app.kubernetes.io/name": "other"}},
            r"claim_labels must not set app.kubernetes.io/\* labels, which the construct sets, got 'app.kubernetes.io/name'",
            id="claim-label-reserved",
        ),
        pytest.param({"time_zone": "Local"}, "time_zone must be an IANA time zone name .*, got 'Local'", id="tz-local"),
        pytest.param(
            {"time_zone": "Europe/ Berlin"},
            "time_zone must be an IANA time zone name .*, got 'Europe/ Berlin'",
            id="tz-space",
        ),
        pytest.param(
            {"time_zone": "/etc/localtime"},
            "time_zone must be an IANA time zone name .*, got '/etc/localtime'",
            id="tz-path",
        ),
        pytest.param({"time_zone": ""}, "time_zone must be an IANA time zone name .*, got ''", id="tz-empty"),
    ],
)
def test_fails_when_a_prop_is_invalid(db: PgvectorDb, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        props(db, **overrides)


def _bare(chart: Chart) -> Component:
    return Component(chart, "Bare", name="bare", component="test", version="1")


def _redis(chart: Chart) -> Component:
    return RedisCache(
        chart,
        "Redis",
        RedisCacheProps(image="harbor.example/library/redis:7.2.7", password=SecretKeyRef(name="r", key="p")),
    )


def _postgres_endpoint(**overrides: Any) -> Callable[[Chart], Component]:
    def build(chart: Chart) -> Component:
        component = Component(chart, "Fake", name="fake", component="database", version="1")
        component.endpoint = Endpoint(
            **{
                "host": "fake",
                "ports": {"postgresql": 5432},
                "credentials": {"username": USERNAME, "password": PASSWORD},
                "properties": {"database": "app"},
                "protocol": "postgresql",
                **overrides,
            }
        )
        return component

    return build


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            lambda chart: "pgvector",
            "database must be a Component such as a PgvectorDb, got 'pgvector'",
            id="not-a-component",
        ),
        pytest.param(
            _bare,
            "database must be a component with a 'postgresql' endpoint, got component 'bare' with endpoint protocol None",
            id="no-endpoint",
        ),
        pytest.param(
            _redis,
            "database must be a component with a 'postgresql' endpoint, got component 'redis' with endpoint protocol 'redis'",
            id="redis",
        ),
        pytest.param(
            _postgres_endpoint(properties={}),
            r"database endpoint must have a 'database' property, got component 'fake' with properties \[\]",
            id="no-database-property",
        ),
        pytest.param(
            _postgres_endpoint(credentials={"username": USERNAME}),
            r"database endpoint must have 'username' and 'password' credentials, got component 'fake' without \['password'\]",
            id="no-password",
        ),
        pytest.param(
            _postgres_endpoint(credentials={}),
            r"database endpoint must have 'username' and 'password' credentials, got component 'fake' "
            r"without \['username', 'password'\]",
            id="no-credentials",
        ),
        pytest.param(
            _postgres_endpoint(properties={"database": "app; rm -rf /"}),
            r"database endpoint property 'database' must be a plain name .*, got 'app; rm -rf /' on component 'fake'",
            id="unsafe-database-name",
        ),
        pytest.param(
            _postgres_endpoint(properties={"database": "-app"}),
            r"database endpoint property 'database' must be a plain name .*, got '-app' on component 'fake'",
            id="database-name-option",
        ),
    ],
)
def test_fails_when_the_database_is_not_a_usable_postgresql_component(
    chart: Chart, build: Callable[[Chart], Any], message: str
) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        props(build(chart))


def test_accepts_a_generic_postgresql_component_and_valid_edge_values(chart: Chart) -> None:
    fake = _postgres_endpoint(properties={"database": "App_1.db-x"})(chart)
    p = props(fake, schedule="*/15 0-6 ? JAN-DEC MON,FRI", retention_days=365, time_zone="Etc/GMT+5")
    PgDumpBackup(chart, "Backup", p)
    cron_job = one(synth(chart), "CronJob")
    assert '"/backups/App_1.db-x-$(date' in script_of(cron_job)
    assert props(fake, retention_days=1).retention_days == 1


# --- stable names -------------------------------------------------------------------------


def test_backup_names_and_selectors_survive_construct_id_changes() -> None:
    def shape(chart_id: str, db_id: str, backup_id: str) -> list[tuple[str, str, Any]]:
        chart = new_chart(chart_id)
        db = PgvectorDb(
            chart, db_id, PgvectorDbProps(image=IMAGE, username=USERNAME, password=PASSWORD, part_of="aipp")
        )
        PgDumpBackup(chart, backup_id, props(db, part_of="aipp"))
        return names_and_selectors(synth(chart))

    assert shape("test", "Pgvector", "Backup") == shape("other-chart", "Database", "NightlyDump")


# --- the script, run for real -------------------------------------------------------------

# A pg_dump that writes its arguments and the environment it reads into the file it is given,
# and fails when PG_DUMP_FAILS is set (after writing, like a dump cut off halfway).
_PG_DUMP_STUB = """
pg_dump() {
  for last in "$@"; do :; done
  printf '%s\\n' "$@" "host=$PGHOST port=$PGPORT db=$PGDATABASE user=$PGUSER" > "$last"
  ls "$(dirname "$last")" >> "$last"
  if [ -n "${PG_DUMP_FAILS:-}" ]; then return 3; fi
}
"""


def _run_script(cron_job: Mapping[str, Any], backups: Path, **env: str) -> subprocess.CompletedProcess[str]:
    script = script_of(cron_job)
    assert script.count("/backups") == 3
    # The mounted Secret files: the user name, and a password made up for this run.
    secrets = backups.parent / "secrets"
    for var, value in {"PGUSER": "postgres", "PGPASSWORD": os.urandom(8).hex()}.items():
        (secrets / var).mkdir(parents=True, exist_ok=True)
        (secrets / var / "value").write_text(value)
    script = script.replace("/backups", str(backups)).replace("/run/secrets/env", str(secrets))
    return subprocess.run(
        ["sh", "-c", _PG_DUMP_STUB + script],
        env={
            "PATH": os.environ["PATH"],
            "PGHOST": "pgvector",
            "PGPORT": "5432",
            "PGDATABASE": "app",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )


def _age(path: Path, days: float) -> Path:
    path.write_text("old")
    stamp = time.time() - days * 86400
    os.utime(path, (stamp, stamp))
    return path


def test_script_writes_a_complete_dump_and_removes_only_expired_dumps(cron_job: dict[str, Any], tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / "lost+found").mkdir()
    expired = _age(backups / "app-20240101T023000Z.dump", 9)
    kept = _age(backups / "app-20240105T023000Z.dump", 6.5)
    leftover = _age(backups / "app-20240106T023000Z.dump.partial", 1)
    other = _age(backups / "notes.txt", 30)

    result = _run_script(cron_job, backups)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    new = sorted(set(backups.iterdir()) - {expired, kept, leftover, other, backups / "lost+found"})
    assert len(new) == 1 and re.fullmatch(r"app-\d{8}T\d{6}Z\.dump", new[0].name), new
    written = new[0].read_text().splitlines()
    # pg_dump got the custom format, no owners, and wrote to the partial name; the leftover
    # partial of an interrupted run was removed first; the final name did not exist yet.
    assert written[:4] == ["--format=custom", "--no-owner", "--file", f"{new[0]}.partial"]
    assert written[4] == "host=pgvector port=5432 db=app user=postgres"
    assert sorted(written[5:]) == sorted([expired.name, kept.name, "lost+found", f"{new[0].name}.partial", other.name])
    assert sorted(p.name for p in backups.iterdir()) == sorted([kept.name, "lost+found", new[0].name, other.name])
    assert re.fullmatch(
        rf"pg_dump of database app on pgvector:5432 written to {re.escape(str(new[0]))} \(\S+\); "
        r"removed 1 dumps older than 7 days\n",
        result.stdout,
    ), result.stdout
    assert "secret" not in result.stdout + result.stderr


def test_script_failure_leaves_no_partial_and_removes_nothing(cron_job: dict[str, Any], tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    expired = _age(backups / "app-20240101T023000Z.dump", 30)

    result = _run_script(cron_job, backups, PG_DUMP_FAILS="1")

    assert result.returncode == 3
    assert result.stdout == ""
    # A failing database never empties the volume, and the half-written file is gone.
    assert list(backups.iterdir()) == [expired]
