"""``LonghornRecurringJobs``: scheduled snapshots and backups of Longhorn volumes, declared in Git.

Creates one ``RecurringJob`` (``longhorn.io/v1beta2``, wave 0) per :class:`RecurringJobSpec`,
named exactly after the spec, in Longhorn's own namespace (``longhorn-system``; Longhorn only
reads RecurringJobs there), whatever the chart namespace is. Each object carries
``SkipDryRunOnMissingResource`` so that ArgoCD's dry run does not fail while the Longhorn CRDs
are still being installed.

A RecurringJob does nothing until a volume refers to it. :meth:`LonghornRecurringJobs.volume_labels`
returns the labels to put on a PersistentVolumeClaim for that::

    recurring-job.longhorn.io/source: enable        # the PVC is the source of the volume's job labels
    recurring-job.longhorn.io/<job name>: enabled   # one per job

With ``recurring-job.longhorn.io/source: enable`` Longhorn's volume controller copies the PVC's
recurring-job labels to the Longhorn volume and keeps them in sync; they then replace every job
label set on the volume by other means (UI, ``default`` group). Without it, labels on the PVC are
ignored. Requires Longhorn >= 1.5 (enhancement ``20230517-set-recurring-job-to-pvc``).

Operational facts this module relies on (longhorn-manager's RecurringJob webhook and controller):

* Longhorn runs each job as a CronJob of the same name in ``longhorn-system``, without a time
  zone: ``cron`` is read in the time zone of kube-controller-manager (UTC on most clusters).
* Longhorn silently shortens names longer than 40 characters, after which ArgoCD no longer finds
  the object it applied; names are therefore limited to 40 characters.
* For ``snapshot-cleanup`` and ``filesystem-trim`` Longhorn rewrites ``retain`` to 0; any other
  value would show as a permanent ArgoCD diff, so ``retain`` must be 0 for those tasks.
* ``retain`` above the Longhorn setting ``recurring-job-max-retention`` (default 100) is refused.
* RecurringJobs are cluster-wide in effect (one namespace): two environments sharing a cluster
  must use different job names, e.g. prefixed with the environment.

A StatefulSet's ``volumeClaimTemplates`` cannot change after creation, and PVCs that already
exist never receive labels added to a template later: put :meth:`volume_labels` on the claim
template when the StatefulSet is first created, or ``kubectl label`` existing PVCs.

See: https://longhorn.io/docs/latest/snapshots-and-backups/scheduling-backups-and-snapshots/
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, get_args

from constructs import Construct

from aipp_constructs.core._manifest import Manifest
from aipp_constructs.core._validation import LABEL_KEY, check_dns_label, cron_problem
from aipp_constructs.core.component import CONFIG_WAVE, SKIP_DRY_RUN_ON_MISSING_RESOURCE, SYNC_WAVE_ANNOTATION
from aipp_constructs.core.references import check_label_value

__all__ = [
    "LONGHORN_JOB_LABEL_PREFIX",
    "LONGHORN_JOB_SOURCE_LABEL",
    "LonghornRecurringJobs",
    "LonghornRecurringJobsProps",
    "RecurringJobSpec",
    "RecurringJobTask",
]

#: Label on a PVC that makes it the source of its Longhorn volume's recurring-job labels.
LONGHORN_JOB_SOURCE_LABEL = "recurring-job.longhorn.io/source"
#: Prefix of the label ``<prefix><job name>: enabled`` that attaches one job to a volume.
LONGHORN_JOB_LABEL_PREFIX = "recurring-job.longhorn.io/"

RecurringJobTask = Literal[
    "snapshot",
    "snapshot-force-create",
    "snapshot-cleanup",
    "snapshot-delete",
    "backup",
    "backup-force-create",
    "filesystem-trim",
]
_TASKS = frozenset(get_args(RecurringJobTask))
# Tasks that keep nothing: Longhorn's webhook rewrites their retain to 0.
_NO_RETAIN_TASKS = frozenset({"snapshot-cleanup", "filesystem-trim"})
_MAX_RETAIN = 100  # Longhorn setting recurring-job-max-retention, default value
_MAX_NAME = 40  # longhorn-manager datastore.NameMaximumLength; longer names are rewritten

_LABEL_KEY = LABEL_KEY
_CRON_ADVICE = (
    "write five fields 'minute hour day-of-month month day-of-week' separated by single spaces, "
    "e.g. '0 2 * * *' for 02:00 every day"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class RecurringJobSpec:
    """One Longhorn recurring job: what to do to a volume, when, and how much to keep.

    Attributes:
        name: Name of the RecurringJob (and of the CronJob Longhorn runs it as); the label
            ``recurring-job.longhorn.io/<name>`` attaches it to a volume. A DNS label of at most
            40 characters. Required.
        task: ``snapshot``, ``backup`` (to the backup target), their ``-force-create`` variants
            (which create even when nothing changed), ``snapshot-delete`` (delete snapshots beyond
            ``retain``), ``snapshot-cleanup`` (purge system snapshots) or ``filesystem-trim``. Required.
        cron: Standard 5-field cron expression, read in kube-controller-manager's time zone
            (usually UTC), e.g. ``"0 2 * * *"``. Required.
        retain: How many snapshots or backups of this job to keep per volume, 1 to 100; must be
            0 for ``snapshot-cleanup`` and ``filesystem-trim``, which keep nothing. Required.
        concurrency: How many volumes the job processes at the same time. Defaults to ``1``.
        groups: Recurring-job groups the job belongs to (the ``default`` group applies to every
            volume without job labels of its own). Defaults to none.
        labels: Labels Longhorn puts on every snapshot or backup the job creates. Defaults to none.
    """

    name: str
    task: RecurringJobTask
    cron: str
    retain: int
    concurrency: int = 1
    groups: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_dns_label("RecurringJobSpec.name", self.name)
        if len(self.name) > _MAX_NAME:
            raise ValueError(
                f"RecurringJobSpec.name must be at most {_MAX_NAME} characters, got {self.name!r} "
                f"({len(self.name)}); Longhorn would rename the job and ArgoCD would lose track of it"
            )
        if self.task not in _TASKS:
            raise ValueError(f"RecurringJobSpec.task must be one of {sorted(_TASKS)}, got {self.task!r}")
        problem = cron_problem(self.cron)
        if problem:
            raise ValueError(f"RecurringJobSpec.cron {problem}, got {self.cron!r}; {_CRON_ADVICE}")
        _check_retain(self.task, self.retain)
        if isinstance(self.concurrency, bool) or not isinstance(self.concurrency, int) or self.concurrency < 1:
            raise ValueError(f"RecurringJobSpec.concurrency must be an integer of at least 1, got {self.concurrency!r}")
        object.__setattr__(self, "groups", tuple(self.groups))
        for group in self.groups:
            check_dns_label("RecurringJobSpec.groups[]", group)
        if len(set(self.groups)) != len(self.groups):
            raise ValueError(f"RecurringJobSpec.groups must not repeat a group, got {self.groups!r}")
        _check_labels("RecurringJobSpec.labels", self.labels)
        object.__setattr__(self, "labels", MappingProxyType(dict(self.labels)))


@dataclass(frozen=True, kw_only=True, slots=True)
class LonghornRecurringJobsProps:
    """Props of :class:`LonghornRecurringJobs`.

    Attributes:
        jobs: The recurring jobs, at least one, with unique names. Required.
        namespace: Namespace of the RecurringJobs: the one Longhorn is installed in (it reads
            RecurringJobs nowhere else). Defaults to ``"longhorn-system"``.
        labels: Labels of every RecurringJob object. Defaults to none.

    See: https://longhorn.io/docs/latest/snapshots-and-backups/scheduling-backups-and-snapshots/
    """

    jobs: tuple[RecurringJobSpec, ...]
    namespace: str = "longhorn-system"
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "jobs", tuple(self.jobs))
        if not self.jobs:
            raise ValueError("jobs must hold at least one RecurringJobSpec, got (); remove the construct instead")
        for job in self.jobs:
            if not isinstance(job, RecurringJobSpec):
                raise ValueError(f"jobs must hold RecurringJobSpec values, got {job!r}")
        names = [job.name for job in self.jobs]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"jobs must have unique names, got {repeated!r} more than once; rename one of them")
        check_dns_label("namespace", self.namespace)
        _check_labels("labels", self.labels)


class LonghornRecurringJobs(Construct):
    """Longhorn RecurringJobs, and the PVC labels that attach them to volumes.

    Attributes:
        names: The job names, in the order given.
        namespace: Namespace of the RecurringJobs.
        resources: Job name -> its ``RecurringJob`` object.
    """

    def __init__(self, scope: Construct, id: str, props: LonghornRecurringJobsProps) -> None:
        super().__init__(scope, id)
        self.names: tuple[str, ...] = tuple(job.name for job in props.jobs)
        self.namespace = props.namespace
        self.resources: dict[str, Manifest] = {}
        for job in props.jobs:
            self.resources[job.name] = Manifest(
                self,
                job.name,
                {
                    "apiVersion": "longhorn.io/v1beta2",
                    "kind": "RecurringJob",
                    "metadata": {
                        "name": job.name,
                        # Set explicitly, so the chart's namespace does not apply.
                        "namespace": props.namespace,
                        "labels": dict(props.labels) or None,
                        "annotations": {SYNC_WAVE_ANNOTATION: str(CONFIG_WAVE), **SKIP_DRY_RUN_ON_MISSING_RESOURCE},
                    },
                    "spec": {
                        "name": job.name,
                        "task": job.task,
                        "cron": job.cron,
                        "retain": job.retain,
                        "concurrency": job.concurrency,
                        # Written even when empty: Longhorn's webhook sets [] and {} otherwise,
                        # and the manifest should say what the cluster holds.
                        "groups": list(job.groups),
                        "labels": dict(job.labels),
                    },
                },
            )

    def volume_labels(self) -> dict[str, str]:
        """The labels that attach every job of this construct to the volume of a PVC.

        ``recurring-job.longhorn.io/source: enable`` plus ``recurring-job.longhorn.io/<name>:
        enabled`` per job (see the module documentation). A new dict on every call.
        """
        return {
            LONGHORN_JOB_SOURCE_LABEL: "enable",
            **{f"{LONGHORN_JOB_LABEL_PREFIX}{name}": "enabled" for name in self.names},
        }


def _check_retain(task: str, retain: int) -> None:
    if isinstance(retain, bool) or not isinstance(retain, int):
        raise ValueError(f"RecurringJobSpec.retain must be an integer, got {retain!r}")
    if task in _NO_RETAIN_TASKS:
        if retain != 0:
            raise ValueError(
                f"RecurringJobSpec.retain must be 0 for task {task!r}, got {retain!r}; "
                "the task keeps nothing and Longhorn rewrites any other value to 0"
            )
    elif not 1 <= retain <= _MAX_RETAIN:
        raise ValueError(
            f"RecurringJobSpec.retain must be from 1 to {_MAX_RETAIN} for task {task!r}, got {retain!r}; "
            "Longhorn refuses more than its setting recurring-job-max-retention (default 100)"
        )


def _check_labels(field: str, labels: Mapping[str, str]) -> None:
    for key, value in labels.items():
        if not isinstance(key, str) or not _LABEL_KEY.fullmatch(key):
            raise ValueError(f"{field} keys must be label keys like 'example.com/tier' or 'tier', got {key!r}")
        check_label_value(f"{field}[{key!r}]", value)
