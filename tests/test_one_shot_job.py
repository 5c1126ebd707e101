"""OneShotJob: a Workload that runs to completion, optionally as an ArgoCD hook."""

from __future__ import annotations

from typing import Any

import pytest
from cdk8s import Chart
from conftest import container, one, pod_spec, synth

from aipp_constructs import (
    Component,
    ExecCheck,
    OneShotJob,
    OneShotJobProps,
    Port,
    Probe,
    Probes,
    SecretKeyRef,
    Telemetry,
    WaitPolicy,
)
from aipp_constructs.core.policy import DIGEST_REASON, PULL_POLICY_REASON
from aipp_constructs.core.references import Endpoint

IMAGE = "registry.example.com/minio/mc:RELEASE.2025-08-13T08-35-41Z"
WAIT = WaitPolicy(image="registry.example.com/library/busybox:1.37.0")


def _props(**overrides: Any) -> OneShotJobProps:
    return OneShotJobProps(**{"name": "create-bucket", "image": IMAGE, "telemetry": Telemetry(mode="off"), **overrides})


def test_defaults_are_a_bounded_hardened_job_without_a_service(chart: Chart) -> None:
    OneShotJob(chart, "Job", _props(args=("mc", "mb", "s3/bucket")))
    manifests = synth(chart)
    assert [m["kind"] for m in manifests] == ["Job"]
    job = one(manifests, "Job", "create-bucket")
    assert job["spec"]["backoffLimit"] == 2 and job["spec"]["activeDeadlineSeconds"] == 3600
    assert "ttlSecondsAfterFinished" not in job["spec"]
    assert pod_spec(job)["restartPolicy"] == "Never"
    assert pod_spec(job)["securityContext"]["runAsNonRoot"] is True
    assert container(job, "create-bucket")["args"] == ["mc", "mb", "s3/bucket"]
    # The image has no digest: checkov's digest and pull-policy checks are explained on the Job.
    assert job["metadata"]["annotations"] == {
        "argocd.argoproj.io/sync-wave": "1",
        "checkov.io/skip1": f"CKV_K8S_15={PULL_POLICY_REASON}",
        "checkov.io/skip2": f"CKV_K8S_43={DIGEST_REASON}",
    }
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "job"


def test_a_hook_job_waits_for_what_it_needs_and_reads_secrets(chart: Chart) -> None:
    minio = Component(chart, "Minio", name="minio", component="object-store", version="1")
    minio.endpoint = Endpoint(host="minio", ports={"api": 9000})
    OneShotJob(
        chart,
        "Job",
        _props(
            hook="PostSync",
            waits_for=(minio,),
            wait=WAIT,
            backoff_limit=0,
            active_deadline_seconds=120,
            ttl_seconds_after_finished=600,
            env={"MC_PASSWORD": SecretKeyRef(name="minio", key="password")},
        ),
    )
    job = one(synth(chart), "Job")
    assert {k: v for k, v in job["metadata"]["annotations"].items() if not k.startswith("checkov.io/")} == {
        "argocd.argoproj.io/sync-wave": "2",
        "argocd.argoproj.io/hook": "PostSync",
        "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
    }
    assert job["spec"]["backoffLimit"] == 0 and job["spec"]["activeDeadlineSeconds"] == 120
    assert job["spec"]["ttlSecondsAfterFinished"] == 600
    assert [c["name"] for c in pod_spec(job)["initContainers"]] == ["wait-for-minio"]
    assert container(job, "create-bucket")["env"] == [
        {"name": "MC_PASSWORD", "valueFrom": {"secretKeyRef": {"key": "password", "name": "minio"}}}
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ports": (Port(name="http", number=80),)}, "ports does not apply to a OneShotJob"),
        (
            {"probes": Probes(liveness=Probe(check=ExecCheck(command=("true",))))},
            "probes does not apply to a OneShotJob",
        ),
        ({"replicas": 2}, "replicas does not apply to a OneShotJob"),
        ({"backoff_limit": 11}, "backoff_limit must be an integer from 0 to 10"),
        ({"active_deadline_seconds": 5}, "active_deadline_seconds must be an integer from 10 to 86400"),
        ({"ttl_seconds_after_finished": -1}, "ttl_seconds_after_finished must be an integer"),
        ({"hook": "PreDelete"}, "hook must be PreSync, Sync, PostSync or None"),
    ],
)
def test_validation(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _props(**overrides)
