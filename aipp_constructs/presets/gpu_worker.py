"""``GpuWorker``: a service that needs NVIDIA GPUs (model inference, embeddings).

A preset over :class:`~aipp_constructs.workloads.workload.Workload`: a ``ConfigMap`` ``<name>-config``
(wave 0: the worker's non-secret settings, read with ``envFrom``), a ``Deployment`` and a
client ``Service`` ``<name>``, and ``<name>-files`` when config files are given.

GPU choices:

* ``nvidia.com/gpu`` (or another extended resource) in limits and, equal, in requests;
* placement by the node label ``nvidia.com/gpu.present: "true"`` (set by the GPU Operator's
  feature discovery) and a toleration of the ``nvidia.com/gpu`` taint; both overridable;
* ``runtimeClassName`` only when asked (GPU Operator 25.3 needs ``nvidia``; 25.10 with CDI
  does not);
* ``/dev/shm`` as a memory ``emptyDir`` with a size limit (PyTorch data loaders and NCCL
  use it). Its pages count against the memory limit, so the limit must leave room for it;
* strategy ``Recreate``: with one GPU, a surge pod of a rolling update would stay Pending
  until the rollout times out;
* a long startup budget for model loading (default 15 minutes).

The settings ConfigMap (the plan's "linker config") holds the wired hosts, ports and URLs
and the extra ``env``; a change rolls the pod. Credentials stay ``secretKeyRef`` variables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from constructs import Construct

from aipp_constructs.core._validation import LABEL_KEY, check_dns_label
from aipp_constructs.core.references import Endpoint, Resources, Toleration, check_label_value, check_shm_fits
from aipp_constructs.presets._app import AppProps, workload_props
from aipp_constructs.workloads.workload import HttpCheck, Port, Probe, Probes, ScratchVolume, TcpCheck, Workload

__all__ = ["GpuWorker", "GpuWorkerProps"]

_PATH = re.compile(r"/[-._a-zA-Z0-9/]*")
_QUALIFIED = LABEL_KEY


@dataclass(frozen=True, kw_only=True, slots=True)
class GpuWorkerProps(AppProps):
    """Props of :class:`GpuWorker`; the shared ones are documented on :class:`AppProps`.

    Attributes:
        port: Defaults to ``8000``.
        resources: Defaults to 1 CPU/8Gi requested, 4 CPU/8Gi limit.
        health_path: HTTP path for the probes; ``None`` probes the port with TCP.
            Defaults to ``None``.
        startup_timeout_seconds: Budget for loading models. Defaults to ``900``.
        gpu_count: GPUs per pod. Defaults to ``1``.
        gpu_resource: Extended resource name. Defaults to ``"nvidia.com/gpu"``.
        node_selector: Labels of the nodes it may run on. Defaults to
            ``{"nvidia.com/gpu.present": "true"}``.
        tolerations: Taints it tolerates. Defaults to ``nvidia.com/gpu`` (Exists, NoSchedule).
        runtime_class_name: ``runtimeClassName``, e.g. ``nvidia``. Defaults to none.
        shm_size: Size limit of the memory-backed ``/dev/shm``; must be below the memory
            limit. Defaults to ``"1Gi"``.

    See: https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/getting-started.html
    """

    port: int = 8000
    resources: Resources = field(
        default_factory=lambda: Resources(cpu_request="1", memory_request="8Gi", cpu_limit="4", memory_limit="8Gi")
    )
    health_path: str | None = None
    startup_timeout_seconds: int = 900
    gpu_count: int = 1
    gpu_resource: str = "nvidia.com/gpu"
    node_selector: Mapping[str, str] = field(default_factory=lambda: {"nvidia.com/gpu.present": "true"})
    tolerations: tuple[Toleration, ...] = (Toleration(key="nvidia.com/gpu"),)
    runtime_class_name: str | None = None
    shm_size: str = "1Gi"

    def __post_init__(self) -> None:
        AppProps.__post_init__(self)
        if self.health_path is not None and not _PATH.fullmatch(self.health_path):
            raise ValueError(f"health_path must be an absolute URL path like '/health', got {self.health_path!r}")
        if isinstance(self.gpu_count, bool) or not isinstance(self.gpu_count, int) or not 1 <= self.gpu_count <= 16:
            raise ValueError(
                f"gpu_count must be an integer from 1 to 16, got {self.gpu_count!r}; "
                "a worker without GPUs is not a GpuWorker"
            )
        if not _QUALIFIED.fullmatch(self.gpu_resource) or "/" not in self.gpu_resource:
            raise ValueError(
                f"gpu_resource must be an extended resource like 'nvidia.com/gpu', got {self.gpu_resource!r}"
            )
        for key, value in self.node_selector.items():
            if not _QUALIFIED.fullmatch(key):
                raise ValueError(f"node_selector keys must be label keys like 'nvidia.com/gpu.present', got {key!r}")
            check_label_value(f"node_selector[{key!r}]", value)
        if self.runtime_class_name is not None:
            check_dns_label("runtime_class_name", self.runtime_class_name)
        check_shm_fits(self.shm_size, self.resources)


class GpuWorker(Workload):
    """A GPU service; see the module documentation.

    Attributes:
        props: The :class:`GpuWorkerProps` it was built with.
        config: The ``<name>-config`` ConfigMap of non-secret settings.
    """

    #: Never ``None`` (the preset always serves its ``http`` port), so a port reads it without a check.
    endpoint: Endpoint

    def __init__(self, scope: Construct, id: str, props: GpuWorkerProps) -> None:
        check: HttpCheck | TcpCheck = (
            TcpCheck(port="http") if props.health_path is None else HttpCheck(path=props.health_path, port="http")
        )
        super().__init__(
            scope,
            id,
            workload_props(
                props,
                component_label="gpu-worker",
                telemetry_language="python",
                ports=(Port(name="http", number=props.port),),
                settings_in_config_map=True,
                extended_resources={props.gpu_resource: props.gpu_count},
                scratch=(ScratchVolume(name="shm", path="/dev/shm", size=props.shm_size, memory=True),),
                probes=Probes(
                    startup=Probe(check=check, timeout_seconds=5, failure_threshold=None),
                    readiness=Probe(check=check, timeout_seconds=5),
                    liveness=Probe(check=check, period_seconds=20, timeout_seconds=10, failure_threshold=6),
                ),
                # One GPU, one pod: the old pod must release it before the new one can start.
                strategy="Recreate",
                node_selector=props.node_selector,
                tolerations=props.tolerations,
                runtime_class_name=props.runtime_class_name,
                # Unchanged behaviour: of the presets, only WebFrontend sets a disruption budget.
                disruption_budget=False,
            ),
        )
        self.props: GpuWorkerProps = props
        self.config = self.settings
