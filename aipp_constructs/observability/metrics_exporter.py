"""``MetricsExporter``: a Prometheus exporter run beside a data service, in its pod.

PostgreSQL and Redis serve no Prometheus metrics of their own; an exporter translates their
statistics (``pg_stat_*``, ``INFO``) into the Prometheus text format. :class:`PgvectorDb` and
:class:`RedisCache` take a ``metrics_exporter`` and run it as a :class:`~aipp_constructs.workloads.workload.Sidecar`
of the database pod:

* it reaches the server over ``127.0.0.1`` (no NetworkPolicy edge, no Service hop), with the
  credentials the server already has, read from the same Secret keys as files (never
  environment variables);
* it listens on a port named ``metrics`` (:data:`METRICS_PORT`) that the component's Services
  publish, serving ``/metrics`` (:data:`METRICS_PATH`): a
  :class:`~aipp_constructs.observability.service_monitor.ComponentServiceMonitor` on that port scrapes it,
  and the NetworkPolicies must let only Prometheus open it;
* it is hardened like every container: the uid and gid the official image runs as, read-only
  root filesystem, no privilege escalation, all capabilities dropped, seccomp
  ``RuntimeDefault``, explicit requests and limits;
* its readiness and liveness probes ask its landing page ``/`` (:func:`exporter_probes`),
  which answers as soon as the exporter serves, whatever the server's state: a pod is ready
  only when every container is, so the exporter's probes must never depend on the database
  (a database outage shows as ``pg_up 0`` or ``redis_up 0``, not as an unready exporter). The
  exporters keep running while the server is down, and exit only on a bad flag or an
  unreadable credential file, which a rollout shows at once.

The construct that runs it knows the exporter's flags; this value type says which image, how
much of the node it may use, as which user, and what else to pass.

See: https://github.com/prometheus-community/postgres_exporter, https://github.com/oliver006/redis_exporter
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from aipp_constructs.core._validation import check_image, check_port
from aipp_constructs.core.references import Resources
from aipp_constructs.workloads.workload import HttpCheck, Probe, Probes

__all__ = ["METRICS_PATH", "METRICS_PORT", "MetricsExporter", "check_exporter", "exporter_probes"]

#: Name of the exporter's port, on its container and the component's Services.
METRICS_PORT = "metrics"
#: Where the exporter serves its metrics.
METRICS_PATH = "/metrics"
#: One exporter flag: ``--name`` or ``--name=value`` (a single argument, so a managed flag
#: cannot hide in the next argument).
_FLAG = re.compile(r"--(?P<name>[A-Za-z][-A-Za-z0-9_.]*)(?:=(?P<value>.*))?", re.DOTALL)
_MAX_ID = 2**31 - 1


@dataclass(frozen=True, kw_only=True, slots=True)
class MetricsExporter:
    """A Prometheus exporter for a data service, run as a sidecar in its pod (see the module
    documentation).

    Attributes:
        image: Pinned image of the exporter, e.g.
            ``harbor.example/dockerhub-proxy/prometheuscommunity/postgres-exporter:v0.20.1`` for
            :class:`~aipp_constructs.presets.pgvector_db.PgvectorDb`,
            ``.../oliver006/redis_exporter:v1.93.0`` for :class:`~aipp_constructs.presets.redis_cache.RedisCache`.
            Required; moving tags are refused.
        port: Port of the metrics endpoint (named ``metrics``). Defaults to ``None``: the
            exporter's registered port, 9187 for postgres_exporter and 9121 for redis_exporter.
        resources: Requests and limits of the exporter's container. Defaults to 10m/32Mi
            requested, 200m/64Mi limit (both exporters use about 10 to 20 MiB).
        run_as_user: uid of the exporter's container. Defaults to ``None``: the user the
            official image runs as, 65534 (``nobody``) for ``prometheuscommunity/postgres-exporter``
            and 59000 for ``oliver006/redis_exporter``.
        run_as_group: gid of the exporter's container. Defaults to ``None``: ``run_as_user``
            when that is set, else the official image's group (65534, 59000). The pod's
            ``fsGroup`` is a supplementary group of the container, so it reads the pod's
            credential files whatever its own gid.
        extra_args: Further exporter flags, one argument each (``--flag`` or ``--flag=value``),
            appended after the generated ones, e.g. ``("--collector.long_running_transactions",)``
            or ``("--include-system-metrics",)``. The flags the construct sets (listen address,
            metrics path, the server's address and credentials) are refused. Defaults to none.
    """

    image: str
    port: int | None = None
    resources: Resources = field(
        default_factory=lambda: Resources(
            cpu_request="10m", memory_request="32Mi", cpu_limit="200m", memory_limit="64Mi"
        )
    )
    run_as_user: int | None = None
    run_as_group: int | None = None
    extra_args: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_image("metrics_exporter.image", self.image)
        if self.port is not None:
            check_port("metrics_exporter.port", self.port)
        if not isinstance(self.resources, Resources):
            raise ValueError(f"metrics_exporter.resources must be a Resources, got {self.resources!r}")
        for key, low in (("run_as_user", 1), ("run_as_group", 0)):
            value = getattr(self, key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not low <= value <= _MAX_ID
            ):
                raise ValueError(
                    f"metrics_exporter.{key} must be an integer from {low} to {_MAX_ID} or None, got {value!r}; "
                    "None runs the official image's user (Pod Security 'restricted' refuses root)"
                )
        if not isinstance(self.extra_args, tuple):
            raise ValueError(
                f"metrics_exporter.extra_args must be a tuple of flags, got {self.extra_args!r}; "
                "e.g. ('--collector.long_running_transactions',)"
            )
        for arg in self.extra_args:
            if not isinstance(arg, str) or not _FLAG.fullmatch(arg):
                raise ValueError(
                    f"metrics_exporter.extra_args must be flags of one argument each, '--flag' or '--flag=value', "
                    f"got {arg!r}; write e.g. '--log.level=debug'"
                )
            if any(c in arg for c in "\r\n\x00"):
                raise ValueError(
                    f"metrics_exporter.extra_args must not contain newlines or NUL characters, got {arg!r}"
                )

    def args(self, generated: tuple[str, ...], managed: Mapping[str, str]) -> tuple[str, ...]:
        """The exporter's arguments: ``generated``, then ``extra_args``; an extra flag named in
        ``managed`` (flag name -> the prop to use instead) is refused."""
        for arg in self.extra_args:
            match = _FLAG.fullmatch(arg)
            assert match is not None  # checked in __post_init__
            name = match.group("name")
            if name in managed:
                raise ValueError(
                    f"metrics_exporter.extra_args must not set flags the construct manages, got {arg!r}; "
                    f"{managed[name]}"
                )
        return (*generated, *self.extra_args)


def check_exporter(exporter: object, *, port: int, default_port: int, managed: Mapping[str, str]) -> None:
    """A data construct's ``metrics_exporter`` prop: ``None`` or a :class:`MetricsExporter` whose
    port (``default_port`` when unset) is not the server's ``port`` and whose ``extra_args`` set
    no flag in ``managed``.

    Raises:
        ValueError: naming the prop, the bad value and the fix.
    """
    if exporter is None:
        return
    if not isinstance(exporter, MetricsExporter):
        raise ValueError(f"metrics_exporter must be a MetricsExporter or None, got {exporter!r}")
    if (exporter.port or default_port) == port:
        raise ValueError(
            f"metrics_exporter.port must differ from port ({port}), got {exporter.port or default_port}; "
            "the containers of a pod share one network"
        )
    exporter.args((), managed)  # refuses a managed flag now, with the props


def exporter_probes() -> Probes:
    """Readiness and liveness of an exporter: ``GET /`` on its ``metrics`` port, the landing
    page, which queries nothing (``/metrics`` would query the server on every probe, and fail
    while it is down). Liveness restarts a wedged exporter after a minute."""
    page = HttpCheck(path="/", port=METRICS_PORT)
    return Probes(
        readiness=Probe(check=page, timeout_seconds=5),
        liveness=Probe(check=page, timeout_seconds=5, failure_threshold=6),
    )
