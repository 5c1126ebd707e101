"""``PgDumpBackup``: a nightly ``pg_dump`` of a PostgreSQL component onto its own volume.

Creates:

* a ``PersistentVolumeClaim`` ``<name>`` (ReadWriteOnce) that holds the dumps, protected
  from ArgoCD prune and delete (``argocd.argoproj.io/sync-options: Prune=false,Delete=false``)
  and labelled with ``claim_labels`` (e.g. Longhorn recurring-job labels, so that the
  volume itself is snapshotted and shipped off the cluster);
* a ``CronJob`` ``<name>`` (``batch/v1``) whose pod runs ``pg_dump --format=custom`` against
  the database endpoint, writes ``/backups/<database>-<UTC timestamp>.dump`` (first under a
  ``.partial`` name, renamed only when complete) and deletes dumps older than
  ``retention_days``.

The component depends on the database (``depends_on=(database,)``): its wave is one after
the database's, and graph-derived NetworkPolicies open exactly the database's main port to
it. It serves nothing (``endpoint`` is ``None``).

Facts it relies on:

* the official postgres image (and images built on it, such as pgvector/pgvector) runs as
  uid/gid 999 ("postgres") and ships ``pg_dump``; ``pg_dump`` refuses servers of a newer
  major version, so ``image`` should be the database's own image;
* ``pg_dump`` reads ``PGHOST``, ``PGPORT``, ``PGDATABASE``, ``PGUSER``, ``PGPASSWORD`` and
  ``PGCONNECT_TIMEOUT`` from the environment (libpq), so no credential is on a command line;
  the user name and password are Secret keys mounted as files (``/run/secrets/env/<VAR>/value``,
  mode 0440) that the script reads into ``PGUSER`` and ``PGPASSWORD`` itself: no secret is an
  environment variable of the pod spec (checkov ``CKV_K8S_35``), where ``kubectl describe``
  and every process of the container would see it;
* an ext4 volume root holds ``lost+found`` (mode 0700, root), which uid 999 cannot read:
  ``find`` is kept at ``-maxdepth 1`` so it never tries to descend into it.

Storage class: the claim has no consumer until the first scheduled run. With a
``WaitForFirstConsumer`` class it stays ``Pending`` until then, which ArgoCD reports as
``Progressing``, holding every later sync wave. Use a class that binds immediately
(Longhorn's default class does).

See: https://www.postgresql.org/docs/current/app-pgdump.html,
https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from constructs import Construct

from aipp_constructs.core import _spec
from aipp_constructs.core._manifest import Manifest
from aipp_constructs.core._validation import (
    check_dns_label,
    check_dns_subdomain,
    check_image,
    check_quantity_binary,
    image_tag,
)
from aipp_constructs.core.component import KEEP_ON_PRUNE_AND_DELETE, Component, port_default, require_components
from aipp_constructs.core.policy import HIGH_UID, policy_annotations, policy_exceptions
from aipp_constructs.core.references import Resources, check_label_value
from aipp_constructs.core.vault_agent import agent_variable_files, attach_agent

__all__ = ["PgDumpBackup", "PgDumpBackupProps"]

_UID = 999  # user "postgres" in the official image
_BACKUP_DIR = "/backups"
#: checkov exceptions of the CronJob, each written only while it fails the check.
_POLICY_EXCEPTIONS = policy_exceptions(
    "PgDumpBackup policy_exceptions",
    {
        HIGH_UID: "runs as 999, the postgres user of the database image that provides pg_dump, "
        "who owns the dumps on the retained volume",
    },
)
# One cron field: digits, names (MON, JAN), '*', '?', ranges, lists and steps. Macros such as
# '@daily' and 'CRON_TZ=' prefixes are not five fields and are refused (use time_zone).
_CRON_FIELD = re.compile(r"[0-9A-Za-z*?,/-]+")
# The database name goes into the dump file name and the shell script: no quoting needed.
_SAFE_DATABASE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}")
# An IANA time zone name such as 'Etc/UTC', 'Europe/Berlin' or 'Etc/GMT+5'.
_TIME_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*")
_LABEL_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
_RESERVED_LABEL_PREFIX = "app.kubernetes.io/"


@dataclass(frozen=True, kw_only=True, slots=True)
class PgDumpBackupProps:
    """Props of :class:`PgDumpBackup`.

    Attributes:
        database: The PostgreSQL component to dump, e.g. a :class:`PgvectorDb`. Its endpoint
            must speak ``postgresql`` and carry a ``database`` property and ``username`` and
            ``password`` credentials. Required.
        image: Pinned image reference that provides ``pg_dump``, e.g.
            ``registry/pgvector/pgvector:0.8.1-pg17-bookworm``. Use the database's own image:
            ``pg_dump`` must be at least the server's major version. Required.
        name: Name of the CronJob and of the claim, and the ``app.kubernetes.io/name`` label;
            must differ from the database's name. Defaults to ``"pgvector-backup"``.
        part_of: ``app.kubernetes.io/part-of`` label. Defaults to the port's, else no label.
        schedule: When to dump: five cron fields (minute hour day-of-month month
            day-of-week), evaluated in ``time_zone``. Defaults to ``"30 2 * * *"`` (02:30 daily).
        retention_days: Dumps are deleted once they are more than this many whole days old
            (``find -mtime +<n>``), at the end of each successful run. From 1 to 365.
            Defaults to ``7``.
        storage_size: Size of the backup volume; it must hold ``retention_days + 1`` dumps.
            Defaults to ``"20Gi"``.
        storage_class_name: Storage class of the backup volume; it should bind immediately
            (see the module documentation). Defaults to the port's (inside a PortChart), else
            the cluster's default class.
        claim_labels: Extra labels of the claim, e.g. ``{"recurring-job-group.longhorn.io/
            default": "enabled"}``; ``app.kubernetes.io/`` keys are the construct's own and
            are refused. Defaults to none.
        resources: Requests and limits of the ``pg-dump`` container. Defaults to 100m/256Mi
            requested, 1 CPU/512Mi limit.
        time_zone: ``spec.timeZone`` of the CronJob, an IANA name such as ``"Etc/UTC"``
            (GA in Kubernetes 1.27). Defaults to none: the kube-controller-manager's zone.

    See: https://www.postgresql.org/docs/current/app-pgdump.html
    """

    database: Component
    image: str
    name: str = "pgvector-backup"
    part_of: str | None = None
    schedule: str = "30 2 * * *"
    retention_days: int = 7
    storage_size: str = "20Gi"
    storage_class_name: str | None = None
    claim_labels: Mapping[str, str] = field(default_factory=dict)
    resources: Resources = field(
        default_factory=lambda: Resources(
            cpu_request="100m", memory_request="256Mi", cpu_limit="1", memory_limit="512Mi"
        )
    )
    time_zone: str | None = None

    def __post_init__(self) -> None:
        _check_database("database", self.database)
        check_image("image", self.image)
        check_dns_label("name", self.name)
        if self.name == self.database.name:
            raise ValueError(
                f"name must differ from the database component's name, got {self.name!r}; the backup pods "
                f"would carry the database's selector labels and receive its Service traffic"
            )
        if self.part_of is not None:
            check_label_value("part_of", self.part_of)
        fields = self.schedule.split(" ") if isinstance(self.schedule, str) else []
        if len(fields) != 5 or not all(_CRON_FIELD.fullmatch(f) for f in fields):
            raise ValueError(
                f"schedule must be five cron fields separated by single spaces (minute hour day-of-month "
                f"month day-of-week), got {self.schedule!r}; e.g. '30 2 * * *' (set time_zone for the zone)"
            )
        if (
            isinstance(self.retention_days, bool)
            or not isinstance(self.retention_days, int)
            or not 1 <= self.retention_days <= 365
        ):
            raise ValueError(f"retention_days must be an integer from 1 to 365, got {self.retention_days!r}")
        check_quantity_binary("storage_size", self.storage_size)
        if self.storage_class_name is not None:
            check_dns_subdomain("storage_class_name", self.storage_class_name)
        if not isinstance(self.claim_labels, Mapping):
            raise ValueError(f"claim_labels must be a mapping of label keys to values, got {self.claim_labels!r}")
        for key, value in self.claim_labels.items():
            _check_label_key("claim_labels", key)
            check_label_value(f"claim_labels[{key!r}]", value)
        # Frozen all the way down, like Endpoint: the caller's dict cannot change the claim later.
        object.__setattr__(self, "claim_labels", MappingProxyType(dict(self.claim_labels)))
        if self.time_zone is not None and (
            not isinstance(self.time_zone, str)
            or not _TIME_ZONE.fullmatch(self.time_zone)
            or self.time_zone.lower() == "local"
        ):
            raise ValueError(
                f"time_zone must be an IANA time zone name such as 'Etc/UTC' or 'Europe/Berlin' "
                f"('Local' is refused by Kubernetes), got {self.time_zone!r}"
            )


class PgDumpBackup(Component):
    """Scheduled ``pg_dump`` of a PostgreSQL component, kept on a retained volume.

    Attributes:
        claim: The ``PersistentVolumeClaim`` ``<name>`` holding the dumps.
        cron_job: The ``CronJob`` ``<name>``.
        endpoint: ``None``: the backup serves nothing.

    Example::

        PgDumpBackup(chart, "Backup", PgDumpBackupProps(
            database=db, image=db.props.image, time_zone="Etc/UTC",
            storage_class_name="longhorn",
            claim_labels={"recurring-job-group.longhorn.io/default": "enabled"}))
    """

    def __init__(self, scope: Construct, id: str, props: PgDumpBackupProps) -> None:
        super().__init__(
            scope,
            id,
            name=props.name,
            component="backup",
            version=image_tag(props.image),
            part_of=props.part_of,
            depends_on=(props.database,),
        )
        self.props = props
        endpoint = props.database.required_endpoint  # checked by PgDumpBackupProps
        database = endpoint.properties["database"]

        storage_class = props.storage_class_name or port_default(self, "storage_class_name")
        self.claim = Manifest(
            self,
            "Claim",
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": self.meta(annotations=KEEP_ON_PRUNE_AND_DELETE, labels=props.claim_labels),
                "spec": _spec.claim_spec(storage_class, props.storage_size),
            },
        )

        variables = {"PGUSER": endpoint.credentials["username"], "PGPASSWORD": endpoint.credentials["password"]}
        # Secrets provider vault-agent: the pod's agent renders a file per variable.
        agent_files, agent_script = (
            agent_variable_files(variables) if any(ref.from_vault_agent for ref in variables.values()) else ((), "")
        )
        credentials = _spec.secret_variables({} if agent_files else variables)
        pg_dump = _spec.container(
            name="pg-dump",
            image=props.image,
            uid=_UID,
            resources_=props.resources,
            # The image's entrypoint is for starting a server; run the script directly.
            command=["sh", "-c", _script(database, props.retention_days, agent_script or credentials.script)],
            env=[
                _spec.env_value("PGHOST", endpoint.host_from(self.namespace)),
                _spec.env_value("PGPORT", str(endpoint.main_port)),
                _spec.env_value("PGDATABASE", database),
                # A database that is down fails the attempt in 30 s (and the Job retries)
                # instead of hanging on the TCP timeout.
                _spec.env_value("PGCONNECT_TIMEOUT", "30"),
            ],
            volume_mounts=[
                _spec.volume_mount("backups", _BACKUP_DIR),
                _spec.volume_mount("tmp", "/tmp"),
                *credentials.mounts,
            ],
        )
        pod_labels = {"labels": dict(self.labels)}
        pod_metadata: dict[str, Any] = {"labels": dict(self.labels)}
        pod = _spec.pod_spec(
            containers=[pg_dump],
            uid=_UID,
            # Never, not OnFailure: each retry is a new pod and a failed pod stays (with its logs)
            # until its Job leaves the history, so a failed night can be read in the morning;
            # with OnFailure the Job controller deletes the pod once backoffLimit is reached.
            # Retries can still use the ReadWriteOnce volume: a failed pod releases it.
            restart_policy="Never",
            volumes=[
                {"name": "backups", "persistentVolumeClaim": {"claimName": props.name}},
                _spec.empty_dir("tmp", size_limit="64Mi"),
                *credentials.volumes,
            ],
        )
        #: The Vault role of the pod's agent (secrets provider vault-agent), else ``None``.
        self.vault_role: str | None = None
        if agent_files:
            attach_agent(self, pod_metadata, pod, agent_files, gid=_UID, pre_populate_only=True)
        #: checkov's skip annotations of the CronJob (see :mod:`aipp_constructs.core.policy`).
        self.policy_annotations = policy_annotations(props.name, pod, _POLICY_EXCEPTIONS)
        self.cron_job = Manifest(
            self,
            "Resource",
            {
                "apiVersion": "batch/v1",
                "kind": "CronJob",
                "metadata": self.meta(annotations=self.policy_annotations or None),
                "spec": {
                    "schedule": props.schedule,
                    "timeZone": props.time_zone,
                    # Two dumps at once would double the load and race on the same volume.
                    "concurrencyPolicy": "Forbid",
                    # After a controller outage, a run more than an hour late is skipped, not caught up.
                    "startingDeadlineSeconds": 3600,
                    "successfulJobsHistoryLimit": 3,
                    "failedJobsHistoryLimit": 3,
                    "jobTemplate": {
                        "metadata": pod_labels,
                        "spec": {
                            "backoffLimit": 2,
                            "activeDeadlineSeconds": 3600,
                            "template": {"metadata": pod_metadata, "spec": pod},
                        },
                    },
                },
            },
        )
        self.endpoint = None


def _script(database: str, retention_days: int, credentials: str) -> str:
    """The ``sh -c`` script of the pg-dump container.

    Kubernetes expands ``$(NAME)`` in ``command`` and ``args`` when ``NAME`` is a variable of
    the container env, and turns ``$$`` into ``$``. ``$(date ...)``, ``$(find ...)`` and
    ``$(du ...)`` name no variable and reach the shell unchanged; the script must never use
    ``$$`` or a command substitution spelled like a variable, e.g. ``$(PGHOST)``.
    ``credentials`` are the lines that read the Secret files into ``PGUSER`` and ``PGPASSWORD``.
    """
    return (
        "\n".join(
            [
                "set -eu",
                credentials.rstrip("\n"),
                # A run killed by the OOM killer or activeDeadlineSeconds cannot clean up after itself.
                # -maxdepth 1: find must not descend into lost+found (root, 0700), unreadable for 999.
                f"find {_BACKUP_DIR} -maxdepth 1 -name '*.dump.partial' -delete",
                f'dump="{_BACKUP_DIR}/{database}-$(date -u +%Y%m%dT%H%M%SZ).dump"',
                # A half-written dump never carries the .dump name, so it is never mistaken for a
                # finished one (a restore picks the newest *.dump) and never counts for retention.
                "trap 'rm -f \"$dump.partial\"' EXIT",
                'pg_dump --format=custom --no-owner --file "$dump.partial"',
                'mv "$dump.partial" "$dump"',
                "trap - EXIT",
                # Only after a successful dump: a failing database never empties the volume.
                f"removed=$(find {_BACKUP_DIR} -maxdepth 1 -name '*.dump' -mtime +{retention_days} -print -delete | wc -l)",
                (
                    f'echo "pg_dump of database $PGDATABASE on $PGHOST:$PGPORT written to $dump '
                    f'($(du -h "$dump" | cut -f1)); removed $removed dumps older than {retention_days} days"'
                ),
            ]
        )
        + "\n"
    )


def _check_database(field_name: str, database: object) -> None:
    """``database`` is a component whose endpoint is a usable PostgreSQL endpoint."""
    if isinstance(database, Construct):
        require_components(field_name, database)  # a kplus workload: name the adapter
    if not isinstance(database, Component):
        # ValueError like every other props check (callers catch one exception type).
        raise ValueError(f"{field_name} must be a Component such as a PgvectorDb, got {database!r}")
    endpoint = database.endpoint
    if endpoint is None or endpoint.protocol != "postgresql":
        protocol = None if endpoint is None else endpoint.protocol
        raise ValueError(
            f"{field_name} must be a component with a 'postgresql' endpoint, got component "
            f"{database.name!r} with endpoint protocol {protocol!r}"
        )
    if "database" not in endpoint.properties:
        raise ValueError(
            f"{field_name} endpoint must have a 'database' property, got component {database.name!r} "
            f"with properties {sorted(endpoint.properties)!r}"
        )
    missing = [key for key in ("username", "password") if key not in endpoint.credentials]
    if missing:
        raise ValueError(
            f"{field_name} endpoint must have 'username' and 'password' credentials, got component "
            f"{database.name!r} without {missing!r}"
        )
    name = endpoint.properties["database"]
    if not _SAFE_DATABASE.fullmatch(name):
        raise ValueError(
            f"{field_name} endpoint property 'database' must be a plain name ([A-Za-z0-9_.-], at most 63, "
            f"no leading '.' or '-') to be used in a file name, got {name!r} on component {database.name!r}"
        )


def _check_label_key(field_name: str, key: str) -> None:
    """A label key (optional DNS-subdomain prefix and a name of at most 63) not reserved for the construct."""
    prefix, slash, name = key.rpartition("/") if isinstance(key, str) else ("", "", "")
    valid = (
        isinstance(key, str)
        and _LABEL_NAME.fullmatch(name) is not None
        and (
            not slash
            or (
                len(prefix) <= 253
                and all(re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", part) for part in prefix.split("."))
            )
        )
    )
    if not valid:
        raise ValueError(f"{field_name} keys must be label keys like 'recurring-job.longhorn.io/source', got {key!r}")
    if key.startswith(_RESERVED_LABEL_PREFIX):
        raise ValueError(
            f"{field_name} must not set {_RESERVED_LABEL_PREFIX}* labels, which the construct sets, got {key!r}"
        )
