"""What the presets over :class:`~aipp_constructs.workloads.workload.Workload` share: ``SpringService``,
``WebFrontend`` and ``GpuWorker`` take :class:`AppProps` (plus their own settings) and turn
them into one ``WorkloadProps``.

A preset's workload is a ``Deployment`` and a client ``Service`` named after the component,
whose pod

* waits for each dependency (one init container per ``depends_on`` edge);
* is wired to each dependency through environment variables (names from a wiring table,
  credentials as ``secretKeyRef``);
* reports to OpenTelemetry (variables or operator annotation);
* gets extra literal variables and config files (a ConfigMap ``<name>-files``, wave 0,
  mounted read-only; a change rolls the pods through a checksum annotation);
* runs under the restricted security context with a writable ``/tmp``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from aipp_constructs.core._validation import (
    check_directory,
    check_dns_label,
    check_image,
    check_port,
    check_quantity_binary,
)
from aipp_constructs.core.component import Component
from aipp_constructs.core.policy import DEFAULT_RUN_AS_USER, HIGH_UID, SECRETS_AS_ENV, policy_exceptions
from aipp_constructs.core.references import Resources
from aipp_constructs.core.startup_wait import WaitPolicy
from aipp_constructs.core.telemetry import Telemetry
from aipp_constructs.core.wiring import (
    NAMED_WIRING,
    FactVariables,
    Wiring,
    check_env_name,
    check_wiring,
    check_wiring_tables,
)
from aipp_constructs.workloads.workload import WorkloadProps

__all__ = ["AppProps", "workload_props"]

_FILE_NAME = re.compile(r"[-._a-zA-Z0-9]+")
#: Written by the construct; a user ``env`` entry with one of these names is refused.
_DOWNWARD_ENV = {"K8S_POD_NAME": "metadata.name", "K8S_NAMESPACE_NAME": "metadata.namespace"}


@dataclass(frozen=True, kw_only=True, slots=True)
class AppProps:
    """Props every application workload shares.

    Attributes:
        name: Name of the Deployment and the Service (the Compose service name). Required.
        image: Pinned image reference. Required.
        part_of: ``app.kubernetes.io/part-of`` label. Defaults to the port's, else no label.
        replicas: Pod count. Defaults to ``1``.
        port: The HTTP port the process listens on (container and Service port ``http``).
            Defaults to ``8080``.
        resources: Requests and limits of the main container. Defaults to
            250m/512Mi requested, 1 CPU/512Mi limit.
        run_as_user: uid (and gid, fsGroup) of the pod; the image must run as it (an image
            built for a fixed uid sets that uid). Defaults to ``10001``
            (:data:`~aipp_constructs.core.policy.DEFAULT_RUN_AS_USER`, which passes checkov's CKV_K8S_40).
        depends_on: Components it connects to: waited for and wired. Defaults to none.
        after: Components it is applied after (wave only). Defaults to none.
        wait: How to wait for ``depends_on``. Defaults to the port's; without a port,
            ``None``: no wait containers.
        wiring: Variable names by provider protocol. Defaults to the construct's table.
        wiring_overrides: Dependency name -> fact -> variable name(s) (a tuple sets each
            from the fact), replacing the table for that dependency. Defaults to none.
        wiring_updates: Dependency name -> fact -> variable name(s) or ``None``, merged over
            the table for that dependency (``None`` drops a fact; the facts not named keep
            their variables); not for a dependency in ``wiring_overrides``. Defaults to none.
        env: Extra literal variables (never secrets: use a Secret reference). Defaults to none.
        config_files: File name -> content, mounted read-only in ``config_dir``.
            Defaults to none (no ConfigMap).
        config_dir: Where ``config_files`` appear. Defaults to ``"/config"``.
        tmp_size: Size limit of the writable ``/tmp``. Defaults to ``"256Mi"``.
        telemetry: OpenTelemetry wiring. Defaults to the port's (inside a
            :class:`~aipp_constructs.platform.port_chart.PortChart`), else ``Telemetry()`` (variables,
            collector on 4318).
        image_pull_secrets: Secrets to pull the image with. Defaults to the port's, else none.
        startup_timeout_seconds: How long the process may take to start before the kubelet
            restarts it. Defaults to the construct's own budget.
        policy_exceptions: checkov checks the workload cannot meet, check id -> reason, added
            to (and replacing for the same check) the presets' own, :data:`APP_POLICY_EXCEPTIONS`;
            see :class:`~aipp_constructs.workloads.workload.WorkloadProps`. Defaults to none.
    """

    name: str
    image: str
    part_of: str | None = None
    replicas: int = 1
    port: int = 8080
    resources: Resources = field(
        default_factory=lambda: Resources(
            cpu_request="250m", memory_request="512Mi", cpu_limit="1", memory_limit="512Mi"
        )
    )
    run_as_user: int = DEFAULT_RUN_AS_USER
    depends_on: tuple[Component, ...] = ()
    after: tuple[Component, ...] = ()
    wait: WaitPolicy | None = None
    wiring: Wiring = field(default_factory=lambda: NAMED_WIRING)
    wiring_overrides: Mapping[str, Mapping[str, FactVariables]] = field(default_factory=dict)
    wiring_updates: Mapping[str, Mapping[str, FactVariables | None]] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    config_files: Mapping[str, str] = field(default_factory=dict)
    config_dir: str = "/config"
    tmp_size: str = "256Mi"
    telemetry: Telemetry | None = None
    image_pull_secrets: tuple[str, ...] = ()
    startup_timeout_seconds: int = 300
    policy_exceptions: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_dns_label("name", self.name)
        check_image("image", self.image)
        if isinstance(self.replicas, bool) or not isinstance(self.replicas, int) or not 0 <= self.replicas <= 100:
            raise ValueError(f"replicas must be an integer from 0 to 100, got {self.replicas!r}")
        check_port("port", self.port)
        if (
            isinstance(self.run_as_user, bool)
            or not isinstance(self.run_as_user, int)
            or not 1 <= self.run_as_user <= 2**31 - 1
        ):
            raise ValueError(
                f"run_as_user must be a non-root uid (1 or more), got {self.run_as_user!r}; "
                "Pod Security 'restricted' refuses root"
            )
        check_wiring("wiring", self.wiring)
        check_wiring_tables(self.wiring_overrides, self.wiring_updates)
        for var in self.env:
            check_env_name(f"env.{var}", var)
            if var in _DOWNWARD_ENV:
                raise ValueError(f"env.{var} is set by the construct from the downward API; use another name")
        for file_name in self.config_files:
            if not _FILE_NAME.fullmatch(file_name) or file_name in (".", ".."):
                raise ValueError(
                    f"config_files keys must be file names ([-._a-zA-Z0-9]+), got {file_name!r}; "
                    "every file lands in config_dir"
                )
        check_directory("config_dir", self.config_dir, reserved=("/tmp",))
        check_quantity_binary("tmp_size", self.tmp_size)
        for secret in self.image_pull_secrets:
            check_dns_label("image_pull_secrets[]", secret)
        if (
            isinstance(self.startup_timeout_seconds, bool)
            or not isinstance(self.startup_timeout_seconds, int)
            or not (10 <= self.startup_timeout_seconds <= 7200)
        ):
            raise ValueError(
                f"startup_timeout_seconds must be an integer from 10 to 7200, got {self.startup_timeout_seconds!r}"
            )
        policy_exceptions("policy_exceptions", self.policy_exceptions)


#: The checkov exceptions of the application presets (``SpringService``, ``WebFrontend``,
#: ``GpuWorker``), each written only while the workload fails the check: a vendor image takes
#: its connection credentials the way its Compose file passes them, and runs as its own uid.
APP_POLICY_EXCEPTIONS = {
    SECRETS_AS_ENV: "the vendor image takes its connection credentials as environment variables, as its "  # pragma: allowlist secret
    "Compose file passes them; no file setting is known for it",
    HIGH_UID: "run_as_user is the uid the vendor image is built for; a uid of 10000 or more passes "
    "where the image allows it",
}


def workload_props(props: AppProps, **fields: object) -> WorkloadProps:
    """The :class:`~aipp_constructs.workloads.workload.WorkloadProps` of a preset: what every preset
    passes through from :class:`AppProps`, plus the preset's own ``fields``."""
    return WorkloadProps(
        name=props.name,
        image=props.image,
        part_of=props.part_of,
        replicas=props.replicas,
        resources=props.resources,
        run_as_user=props.run_as_user,
        depends_on=props.depends_on,
        after=props.after,
        wait=props.wait,
        wiring=props.wiring,
        wiring_overrides=props.wiring_overrides,
        wiring_updates=props.wiring_updates,
        env=props.env,
        config_files=props.config_files,
        config_dir=props.config_dir,
        tmp_size=props.tmp_size,
        telemetry=props.telemetry,
        image_pull_secrets=props.image_pull_secrets,
        startup_timeout_seconds=props.startup_timeout_seconds,
        policy_exceptions={**APP_POLICY_EXCEPTIONS, **props.policy_exceptions},
        **fields,  # type: ignore[arg-type]
    )
