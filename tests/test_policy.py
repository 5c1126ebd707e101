"""Policy exceptions (aipp_constructs.core.policy): validated, written on the workload object only,
only while the object fails the check, and the image ones only while an image has no digest."""

from __future__ import annotations

from typing import Any

import pytest
from cdk8s import Chart
from conftest import one, pod_spec, synth

from aipp_constructs import (
    DEFAULT_RUN_AS_USER,
    Endpoint,
    PgDumpBackup,
    PgDumpBackupProps,
    PgvectorDb,
    PgvectorDbProps,
    PolicyException,
    PostSyncCheck,
    PostSyncCheckProps,
    RabbitMq,
    RabbitMqProps,
    RedisCache,
    RedisCacheProps,
    SecretKeyRef,
    Telemetry,
    Workload,
    WorkloadProps,
)
from aipp_constructs.core.component import Component
from aipp_constructs.core.policy import DIGEST_REASON, HIGH_UID_FROM, PULL_POLICY_REASON, policy_exceptions

TAG = "registry.example.com/acme/api:1.2.3"
DIGEST = "sha256:" + "a" * 64
SECRET = SecretKeyRef(name="api", key="token")


def _skips(obj: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in obj["metadata"]["annotations"].items() if k.startswith("checkov.io/")}


def _workload(chart: Chart, **changes: Any) -> dict[str, Any]:
    props: dict[str, Any] = {"name": "api", "image": TAG, "telemetry": Telemetry(mode="off"), **changes}
    Workload(chart, "Api", WorkloadProps(**props))
    return one(synth(chart), "Deployment", "api")


# --- PolicyException ----------------------------------------------------------------------


def test_an_exception_is_a_check_id_and_a_one_line_reason() -> None:
    exception = PolicyException(check="CKV_K8S_40", reason="the image's files belong to uid 999")
    assert exception.annotation_value() == "CKV_K8S_40=the image's files belong to uid 999"
    assert PolicyException(check="CKV2_K8S_6", reason="a graph check, by id").check == "CKV2_K8S_6"


@pytest.mark.parametrize(
    ("check", "reason", "message"),
    [
        ("CKV_AWS_20", "ten or more chars", "must be a checkov Kubernetes check id like .CKV_K8S_40., got .CKV_AWS"),
        ("ckv_k8s_40", "ten or more chars", "got 'ckv_k8s_40'"),
        ("CKV_K8S_040", "ten or more chars", "got 'CKV_K8S_040'"),
        ("CKV_K8S_40", "too short", "reason must say in one line .* got 'too short'"),
        ("CKV_K8S_40", "two\nlines of reasons", "reason must say in one line"),
        ("CKV_K8S_40", " padded reason text", "no surrounding spaces"),
        ("CKV_K8S_40", "x" * 301, "10 to 300"),
        ("CKV_K8S_40", "uid=999 is the image's", "must not contain '=' \\(checkov splits the annotation value"),
    ],
)
def test_a_bad_exception_is_refused_naming_field_value_and_fix(check: str, reason: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PolicyException(check=check, reason=reason)


def test_policy_exceptions_is_a_mapping_and_leaves_the_image_checks_to_the_construct() -> None:
    assert policy_exceptions("policy_exceptions", {}) == ()
    with pytest.raises(ValueError, match="policy_exceptions must be a mapping of checkov check id to reason"):
        policy_exceptions("policy_exceptions", [("CKV_K8S_40", "the image's user")])
    for check in ("CKV_K8S_43", "CKV_K8S_15"):
        with pytest.raises(ValueError, match=f"policy_exceptions must not name {check}.*give every image a digest"):
            policy_exceptions("policy_exceptions", {check: "we like tags better"})
    with pytest.raises(ValueError, match="^policy_exceptions\\[CKV_K8S_35\\]: reason must not contain '='"):
        WorkloadProps(name="api", image=TAG, policy_exceptions={"CKV_K8S_35": "TOKEN=from the Secret"})


# --- on the workload object -----------------------------------------------------------------


def test_defaults_a_tag_without_digest_explains_digest_and_pull_policy_on_the_object_only(chart: Chart) -> None:
    deployment = _workload(chart)
    assert _skips(deployment) == {
        "checkov.io/skip1": f"CKV_K8S_15={PULL_POLICY_REASON}",
        "checkov.io/skip2": f"CKV_K8S_43={DIGEST_REASON}",
    }
    assert "checkov" not in str(deployment["spec"]["template"]["metadata"])
    assert deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"


def test_a_digest_on_every_image_removes_the_image_exceptions(chart: Chart) -> None:
    assert _skips(_workload(chart, image=f"{TAG}@{DIGEST}")) == {}


def test_one_image_without_digest_keeps_them(chart: Chart) -> None:
    """An init step runs the workload's image; a wait container another one, without a digest."""
    from aipp_constructs import WaitPolicy

    dep = Component(chart, "Db", name="db", component="test", version="1")
    dep.endpoint = Endpoint(host="db", ports={"pg": 5432})
    deployment = _workload(
        chart, image=f"{TAG}@{DIGEST}", waits_for=(dep,), wait=WaitPolicy(image="registry.example.com/busybox:1.37.0")
    )
    assert [v.partition("=")[0] for v in _skips(deployment).values()] == ["CKV_K8S_15", "CKV_K8S_43"]


def test_declared_exceptions_are_written_only_while_the_object_fails_the_check(chart: Chart) -> None:
    declared = {
        "CKV_K8S_35": "the image reads its token only from the environment",
        "CKV_K8S_40": "the image's files belong to uid 1000",
    }
    failing = _workload(chart, policy_exceptions=declared, env={"TOKEN": SECRET}, run_as_user=1000)
    assert _skips(failing) == {
        "checkov.io/skip1": f"CKV_K8S_15={PULL_POLICY_REASON}",
        "checkov.io/skip2": "CKV_K8S_35=the image reads its token only from the environment",
        "checkov.io/skip3": "CKV_K8S_40=the image's files belong to uid 1000",
        "checkov.io/skip4": f"CKV_K8S_43={DIGEST_REASON}",
    }


def test_a_met_check_leaves_no_annotation(chart: Chart) -> None:
    declared = {"CKV_K8S_35": "the image reads its token only from the environment", "CKV_K8S_40": "uid of the image"}
    meeting = _workload(chart, image=f"{TAG}@{DIGEST}", policy_exceptions=declared, run_as_user=10001)
    assert _skips(meeting) == {}


def test_the_default_uid_passes_the_high_uid_check_without_an_exception(chart: Chart) -> None:
    assert WorkloadProps(name="api", image=f"{TAG}@{DIGEST}").run_as_user == DEFAULT_RUN_AS_USER >= HIGH_UID_FROM
    deployment = _workload(chart, image=f"{TAG}@{DIGEST}", policy_exceptions={"CKV_K8S_40": "uid of the image"})
    assert _skips(deployment) == {}
    assert pod_spec(deployment)["securityContext"]["runAsUser"] == 10001


def test_a_check_the_library_cannot_judge_is_always_written(chart: Chart) -> None:
    deployment = _workload(
        chart, image=f"{TAG}@{DIGEST}", policy_exceptions={"CKV_K8S_9": "no readiness probe: a batch worker"}
    )
    assert _skips(deployment) == {"checkov.io/skip1": "CKV_K8S_9=no readiness probe: a batch worker"}


def test_checkov_s_annotations_stay_beside_the_other_annotations(chart: Chart) -> None:
    deployment = _workload(chart)
    assert deployment["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "1"


# --- the constructs' own reasons --------------------------------------------------------------


def _data_tier(chart: Chart, uid: int) -> list[dict[str, Any]]:
    key = SecretKeyRef(name="creds", key="password")
    PgvectorDb(chart, "Db", PgvectorDbProps(image="postgres:17.6", username=key, password=key, run_as_user=uid))
    RedisCache(chart, "Redis", RedisCacheProps(image="redis:7.4.11", password=key, run_as_user=uid))
    RabbitMq(
        chart,
        "Mq",
        RabbitMqProps(
            image="rabbitmq:3.13.7-management", username=key, password=key, erlang_cookie=key, run_as_user=uid
        ),
    )
    return [m for m in synth(chart) if m["kind"] in ("StatefulSet", "Deployment")]


def test_the_data_presets_explain_secrets_as_env_and_their_image_s_uid(chart: Chart) -> None:
    for workload in _data_tier(chart, 999):
        checks = [v.partition("=")[0] for v in _skips(workload).values()]
        assert checks == ["CKV_K8S_15", "CKV_K8S_35", "CKV_K8S_40", "CKV_K8S_43"], workload["metadata"]["name"]
        assert "999" in _skips(workload)["checkov.io/skip3"]


def test_a_high_uid_removes_the_data_presets_uid_exception(chart: Chart) -> None:
    for workload in _data_tier(chart, 10999):
        checks = [v.partition("=")[0] for v in _skips(workload).values()]
        assert checks == ["CKV_K8S_15", "CKV_K8S_35", "CKV_K8S_43"], workload["metadata"]["name"]


def test_post_sync_check_needs_no_exception_for_secret_env(chart: Chart) -> None:
    # secret_env is mounted as files and read by the script: no secret is a pod-spec variable.
    target = Component(chart, "Db", name="db", component="test", version="1")
    target.endpoint = Endpoint(host="db", ports={"pg": 5432})
    common: dict[str, Any] = {
        "image": f"postgres:17.6@{DIGEST}",
        "script": "true",
        "description": "d",
        "target": target,
    }
    PostSyncCheck(chart, "Plain", PostSyncCheckProps(name="plain", **common))
    PostSyncCheck(chart, "Sql", PostSyncCheckProps(name="sql", secret_env={"PGPASSWORD": SECRET}, **common))
    manifests = synth(chart)
    assert _skips(one(manifests, "Job", "plain")) == {}
    assert _skips(one(manifests, "Job", "sql")) == {}


def test_pg_dump_backup_explains_its_uid_and_its_image(chart: Chart) -> None:
    key = SecretKeyRef(name="creds", key="password")
    db = PgvectorDb(chart, "Db", PgvectorDbProps(image="postgres:17.6", username=key, password=key))
    PgDumpBackup(chart, "Backup", PgDumpBackupProps(database=db, image="postgres:17.6"))
    cron_job = one(synth(chart), "CronJob")
    assert [v.partition("=")[0] for v in _skips(cron_job).values()] == [
        "CKV_K8S_15",
        "CKV_K8S_40",
        "CKV_K8S_43",
    ]
    assert "checkov" not in str(cron_job["spec"]["jobTemplate"])
