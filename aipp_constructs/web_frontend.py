"""``WebFrontend``: a Node.js web front end run by PM2, highly available.

Creates a ``Deployment`` and a client ``Service`` ``<name>``, a ``PodDisruptionBudget``
``<name>`` (``minAvailable: 1``) when there is more than one replica, and ``<name>-files``
when config files are given; see :mod:`aipp_constructs._app` for what every application
workload shares.

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

from cdk8s_plus_27 import k8s
from constructs import Construct

from . import _pod
from ._app import AppProps, AppWorkload, rolling_update
from ._validation import check_directory, check_quantity_binary

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
            raise ValueError(f"health_path must be an absolute URL path like '/' or '/health', got {self.health_path!r}")
        check_quantity_binary("cache_size", self.cache_size)
        check_directory("config_dir", self.config_dir, reserved=("/tmp", _PM2_HOME))
        taken: tuple[str, ...] = ("/tmp", _PM2_HOME, self.config_dir)
        for path in self.cache_dirs:
            check_directory("cache_dirs", path, reserved=taken)
            taken += (path,)


class WebFrontend(AppWorkload):
    """A PM2-run web front end; see the module documentation.

    Attributes:
        disruption_budget: The ``PodDisruptionBudget``, or ``None`` with one replica (a
            budget of one available pod out of one would block every node drain).
    """

    component_label = "frontend"
    telemetry_language = "nodejs"

    def __init__(self, scope: Construct, id: str, props: WebFrontendProps) -> None:
        super().__init__(scope, id, props)
        volumes, mounts = self.base_volumes()
        volumes.append(_pod.empty_dir("pm2", size_limit=props.cache_size))
        mounts.append(k8s.VolumeMount(name="pm2", mount_path=_PM2_HOME))
        for index, path in enumerate(props.cache_dirs):
            volumes.append(_pod.empty_dir(f"cache-{index}", size_limit=props.cache_size))
            mounts.append(k8s.VolumeMount(name=f"cache-{index}", mount_path=path))
        container = _pod.container(
            name=props.name,
            image=props.image,
            uid=props.run_as_user,
            resources_=props.resources,
            env=self.environment([("PORT", str(props.port)), ("PM2_HOME", _PM2_HOME)]),
            ports={"http": props.port},
            volume_mounts=mounts,
            startup_probe=_pod.http_probe(
                props.health_path, "http", period=5, timeout=3, failures=self.startup_failures(5)
            ),
            readiness_probe=_pod.http_probe(props.health_path, "http", period=10, timeout=3, failures=3),
            liveness_probe=_pod.http_probe(props.health_path, "http", period=10, timeout=5, failures=6),
        )
        self._deploy(
            container=container,
            volumes=volumes,
            pod_annotations=self.pod_annotations(),
            strategy=rolling_update(1, 0),
            topology_spread_constraints=[
                k8s.TopologySpreadConstraint(
                    max_skew=1,
                    topology_key="kubernetes.io/hostname",
                    when_unsatisfiable="ScheduleAnyway",
                    label_selector=self.label_selector(),
                )
            ],
        )
        self.disruption_budget = (
            k8s.KubePodDisruptionBudget(
                self,
                "DisruptionBudget",
                metadata=self.object_meta(),
                spec=k8s.PodDisruptionBudgetSpec(
                    min_available=k8s.IntOrString.from_number(1), selector=self.label_selector()
                ),
            )
            if props.replicas > 1
            else None
        )
