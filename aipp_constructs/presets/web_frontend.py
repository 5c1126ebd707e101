"""``WebFrontend``: a Node.js web front end run by PM2, highly available.

A preset over :class:`~aipp_constructs.workloads.workload.Workload`: a ``Deployment`` and a client
``Service`` ``<name>``, a ``PodDisruptionBudget`` ``<name>`` (``minAvailable: 1``) when there
is more than one replica, and ``<name>-files`` when config files are given.

Front-end choices:

* two replicas by default, spread across nodes (``topologySpreadConstraints`` on
  ``kubernetes.io/hostname``, ``ScheduleAnyway`` so a one-node cluster still runs both),
  rolled one at a time without losing capacity (``maxSurge 1``, ``maxUnavailable 0``);
* HTTP startup, readiness and liveness probes on ``health_path``;
* a read-only root filesystem with writable ``PM2_HOME`` (PM2 writes its pid files, logs
  and sockets there; the default ``~/.pm2`` is not writable) and writable cache folders.

Image facts it relies on: PM2 in the foreground (``pm2-runtime``), honouring ``PM2_HOME``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from constructs import Construct

from aipp_constructs.core._validation import check_directory, check_quantity_binary
from aipp_constructs.core.references import Endpoint
from aipp_constructs.presets._app import AppProps, workload_props
from aipp_constructs.workloads.workload import HttpCheck, Port, Probe, Probes, ScratchVolume, Workload

__all__ = ["WebFrontend", "WebFrontendProps"]

_PATH = re.compile(r"/[-._a-zA-Z0-9/]*")
_PM2_HOME = "/pm2"


@dataclass(frozen=True, kw_only=True, slots=True)
class WebFrontendProps(AppProps):
    """Props of :class:`WebFrontend`; the shared ones are documented on :class:`AppProps`.

    Attributes:
        replicas: Defaults to ``2``.
        port: Defaults to ``3000``.
        health_path: HTTP path that answers 2xx when the front end serves. Defaults to ``"/"``.
        startup_timeout_seconds: Defaults to ``120``.
        cache_dirs: Further writable folders (e.g. a Next.js ``.next/cache``), each an
            ``emptyDir`` of ``cache_size``. Defaults to none.
        cache_size: Size limit of each cache folder and of ``PM2_HOME``. Defaults to ``"256Mi"``.

    See: https://pm2.keymetrics.io/docs/usage/docker-pm2-nodejs/
    """

    replicas: int = 2
    port: int = 3000
    health_path: str = "/"
    startup_timeout_seconds: int = 120
    cache_dirs: tuple[str, ...] = ()
    cache_size: str = "256Mi"

    def __post_init__(self) -> None:
        AppProps.__post_init__(self)
        if not isinstance(self.health_path, str) or not _PATH.fullmatch(self.health_path):
            raise ValueError(
                f"health_path must be an absolute URL path like '/' or '/health', got {self.health_path!r}"
            )
        check_quantity_binary("cache_size", self.cache_size)
        check_directory("config_dir", self.config_dir, reserved=("/tmp", _PM2_HOME))
        taken: tuple[str, ...] = ("/tmp", _PM2_HOME, self.config_dir)
        for path in self.cache_dirs:
            check_directory("cache_dirs", path, reserved=taken)
            taken += (path,)


class WebFrontend(Workload):
    """A PM2-run web front end; see the module documentation.

    Attributes:
        props: The :class:`WebFrontendProps` it was built with.
        disruption_budget: The ``PodDisruptionBudget``, or ``None`` with one replica (a
            budget of one available pod out of one would block every node drain).
    """

    #: Never ``None`` (the preset always serves its ``http`` port), so a port reads it without a check.
    endpoint: Endpoint

    def __init__(self, scope: Construct, id: str, props: WebFrontendProps) -> None:
        health = HttpCheck(path=props.health_path, port="http")
        super().__init__(
            scope,
            id,
            workload_props(
                props,
                component_label="frontend",
                telemetry_language="nodejs",
                ports=(Port(name="http", number=props.port),),
                base_env={"PORT": str(props.port), "PM2_HOME": _PM2_HOME},
                scratch=(
                    ScratchVolume(name="pm2", path=_PM2_HOME, size=props.cache_size),
                    *(
                        ScratchVolume(name=f"cache-{index}", path=path, size=props.cache_size)
                        for index, path in enumerate(props.cache_dirs)
                    ),
                ),
                probes=Probes(
                    startup=Probe(check=health, period_seconds=5, failure_threshold=None),
                    readiness=Probe(check=health),
                    liveness=Probe(check=health, timeout_seconds=5, failure_threshold=6),
                ),
                spread_over_nodes=True,
            ),
        )
        self.props: WebFrontendProps = props
