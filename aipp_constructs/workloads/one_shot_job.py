"""``OneShotJob``: a task that runs to completion (migrations, bucket creation, permission
fixes), optionally as an ArgoCD hook.

It is a :class:`~aipp_constructs.workloads.workload.Workload` whose pod runs once: the same image,
command, environment (literals, Secret keys, templates), volumes, start-up waits, wiring and
hardening, emitted as a ``batch/v1`` ``Job`` with ``restartPolicy: Never``, a bounded number
of retries and a deadline, and no Service (nothing connects to a job).

As a plain Job it is applied in its sync wave like everything else; ArgoCD treats a Job
that has not completed as progressing, so later waves wait for it. As a hook
(``hook="PreSync"``, ``"Sync"`` or ``"PostSync"``) it runs in that phase of every sync
and is replaced before the next one (``BeforeHookCreation``), so its log stays until then.

See: https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from constructs import Construct

from aipp_constructs.core._manifest import Manifest
from aipp_constructs.workloads.workload import Workload, WorkloadProps, _check_int

__all__ = ["OneShotJob", "OneShotJobProps"]

_HOOK = "argocd.argoproj.io/hook"
_HOOK_DELETE_POLICY = "argocd.argoproj.io/hook-delete-policy"


@dataclass(frozen=True, kw_only=True, slots=True)
class OneShotJobProps(WorkloadProps):
    """Props of :class:`OneShotJob`; the shared ones are documented on
    :class:`~aipp_constructs.workloads.workload.WorkloadProps` (``ports``, ``probes``, ``replicas``,
    ``strategy``, ``claim_templates`` and ``disruption_budget`` do not apply to a job).

    Attributes:
        component_label: Defaults to ``"job"``.
        backoff_limit: Retries of a failed pod before the Job fails. Defaults to ``2``.
        active_deadline_seconds: Time every attempt together may take. Defaults to ``3600``.
        ttl_seconds_after_finished: Delete the finished Job after this long; ``None`` keeps it
            (ArgoCD would otherwise recreate it on the next sync and run it again). Defaults to ``None``.
        hook: Run it as an ArgoCD ``PreSync``, ``Sync`` or ``PostSync`` hook on every sync.
            Defaults to ``None`` (a plain Job, run once).
    """

    component_label: str = "job"
    backoff_limit: int = 2
    active_deadline_seconds: int = 3600
    ttl_seconds_after_finished: int | None = None
    hook: Literal["PreSync", "Sync", "PostSync"] | None = None

    def __post_init__(self) -> None:
        WorkloadProps.__post_init__(self)
        for name, unwanted in (
            ("ports", ()),
            ("probes", None),
            ("claim_templates", ()),
        ):
            if getattr(self, name) != unwanted:
                raise ValueError(f"{name} does not apply to a OneShotJob, got {getattr(self, name)!r}; leave it out")
        if self.replicas != 1:
            raise ValueError(f"replicas does not apply to a OneShotJob (it runs one pod), got {self.replicas!r}")
        _check_int("backoff_limit", self.backoff_limit, 0, 10)
        _check_int("active_deadline_seconds", self.active_deadline_seconds, 10, 86400)
        if self.ttl_seconds_after_finished is not None:
            _check_int("ttl_seconds_after_finished", self.ttl_seconds_after_finished, 0, 604800)
        if self.hook not in (None, "PreSync", "Sync", "PostSync"):
            raise ValueError(f"hook must be PreSync, Sync, PostSync or None, got {self.hook!r}")


class OneShotJob(Workload):
    """A task run to completion; see the module documentation.

    Attributes:
        props: The :class:`OneShotJobProps` it was built with.
        workload: The ``Job``.

    Example::

        OneShotJob(chart, "CreateBucket", OneShotJobProps(
            name="create-bucket", image="minio/mc:RELEASE.2025-08-13T08-35-41Z", wait=wait,
            depends_on=(minio,), args=("sh", "-c", "mc alias set s3 http://minio:9000 \\"$U\\" \\"$P\\" && mc mb -p s3/langfuse"),
            env={"U": minio_secret.key("user"), "P": minio_secret.key("password")}, tmp_size="16Mi"))
    """

    def __init__(self, scope: Construct, id: str, props: OneShotJobProps) -> None:
        super().__init__(scope, id, props)
        self.props = props

    def _restart_policy(self) -> str | None:
        # A failed attempt is a new pod, counted against backoffLimit, its log kept.
        return "Never"

    def _emit(self, template: dict[str, Any]) -> Manifest:
        props = self.spec
        assert isinstance(props, OneShotJobProps)
        hook = {_HOOK: props.hook, _HOOK_DELETE_POLICY: "BeforeHookCreation"} if props.hook else {}
        return Manifest(
            self,
            "Resource",
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": self.workload_meta(hook),
                "spec": {
                    "backoffLimit": props.backoff_limit,
                    "activeDeadlineSeconds": props.active_deadline_seconds,
                    "ttlSecondsAfterFinished": props.ttl_seconds_after_finished,
                    "template": template,
                },
            },
        )
