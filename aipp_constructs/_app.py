"""What every stateless application workload shares: ``SpringService``, ``WebFrontend`` and
``GpuWorker`` are this plus their own container settings.

An application workload is a ``Deployment`` and a client ``Service`` named after the
component, whose pod

* waits for each dependency (one init container per ``depends_on`` edge);
* is wired to each dependency through environment variables (names from a wiring table,
  credentials as ``secretKeyRef``);
* reports to OpenTelemetry (variables or operator annotation);
* gets extra literal variables and config files (a ConfigMap ``<name>-files``, wave 0,
  mounted read-only; a change rolls the pods through a checksum annotation);
* runs under the restricted security context with a writable ``/tmp``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdk8s_plus_27 import k8s
from constructs import Construct

from . import _pod
from ._validation import check_directory, check_dns_label, check_image, check_port, check_quantity_binary, image_tag
from .component import CONFIG_WAVE, Component
from .references import Endpoint, Resources, SecretKeyRef
from .startup_wait import WaitPolicy, wait_container
from .telemetry import Telemetry
from .wiring import NAMED_WIRING, Wiring, check_env_name, check_wiring, connection_env

__all__ = ["AppProps", "AppWorkload", "rolling_update"]

_FILE_NAME = re.compile(r"[-._a-zA-Z0-9]+")
#: Written by the construct; a user ``env`` entry with one of these names is refused.
_DOWNWARD_ENV = {"K8S_POD_NAME": "metadata.name", "K8S_NAMESPACE_NAME": "metadata.namespace"}


@dataclass(frozen=True, kw_only=True, slots=True)
class AppProps:
    """Props every application workload shares.

    Attributes:
        name: Name of the Deployment and the Service (the Compose service name). Required.
        image: Pinned image reference. Required.
        part_of: ``app.kubernetes.io/part-of`` label. Defaults to no label.
        replicas: Pod count. Defaults to ``1``.
        port: The HTTP port the process listens on (container and Service port ``http``).
            Defaults to ``8080``.
        resources: Requests and limits of the main container. Defaults to
            250m/512Mi requested, 1 CPU/512Mi limit.
        run_as_user: uid (and gid, fsGroup) of the pod; the vendor image must run as it.
            Defaults to ``1000``.
        depends_on: Components it connects to: waited for and wired. Defaults to none.
        after: Components it is applied after (wave only). Defaults to none.
        wait: How to wait for ``depends_on``; ``None`` adds no wait containers.
            Defaults to ``None``.
        wiring: Variable names by provider protocol. Defaults to the construct's table.
        wiring_overrides: Dependency name -> fact -> variable name, replacing the table for
            that dependency. Defaults to none.
        env: Extra literal variables (never secrets: use a Secret reference). Defaults to none.
        config_files: File name -> content, mounted read-only in ``config_dir``.
            Defaults to none (no ConfigMap).
        config_dir: Where ``config_files`` appear. Defaults to ``"/config"``.
        tmp_size: Size limit of the writable ``/tmp``. Defaults to ``"256Mi"``.
        telemetry: OpenTelemetry wiring. Defaults to ``Telemetry()`` (variables, collector on 4318).
        image_pull_secrets: Secrets to pull the image with. Defaults to none.
        startup_timeout_seconds: How long the process may take to start before the kubelet
            restarts it. Defaults to the construct's own budget.
    """

    name: str
    image: str
    part_of: str | None = None
    replicas: int = 1
    port: int = 8080
    resources: Resources = field(
        default_factory=lambda: Resources(cpu_request="250m", memory_request="512Mi", cpu_limit="1", memory_limit="512Mi")
    )
    run_as_user: int = 1000
    depends_on: tuple[Component, ...] = ()
    after: tuple[Component, ...] = ()
    wait: WaitPolicy | None = None
    wiring: Wiring = field(default_factory=lambda: NAMED_WIRING)
    wiring_overrides: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    config_files: Mapping[str, str] = field(default_factory=dict)
    config_dir: str = "/config"
    tmp_size: str = "256Mi"
    telemetry: Telemetry = field(default_factory=Telemetry)
    image_pull_secrets: tuple[str, ...] = ()
    startup_timeout_seconds: int = 300

    def __post_init__(self) -> None:
        check_dns_label("name", self.name)
        check_image("image", self.image)
        if isinstance(self.replicas, bool) or not isinstance(self.replicas, int) or not 0 <= self.replicas <= 100:
            raise ValueError(f"replicas must be an integer from 0 to 100, got {self.replicas!r}")
        check_port("port", self.port)
        if isinstance(self.run_as_user, bool) or not isinstance(self.run_as_user, int) or not 1 <= self.run_as_user <= 2**31 - 1:
            raise ValueError(
                f"run_as_user must be a non-root uid (1 or more), got {self.run_as_user!r}; "
                "Pod Security 'restricted' refuses root"
            )
        check_wiring("wiring", self.wiring)
        for dep, facts in self.wiring_overrides.items():
            for fact, var in facts.items():
                check_env_name(f"wiring_overrides.{dep}.{fact}", var.replace("{NAME}", "X"))
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
        if isinstance(self.startup_timeout_seconds, bool) or not isinstance(self.startup_timeout_seconds, int) or not (
            10 <= self.startup_timeout_seconds <= 7200
        ):
            raise ValueError(
                f"startup_timeout_seconds must be an integer from 10 to 7200, got {self.startup_timeout_seconds!r}"
            )


class AppWorkload(Component):
    """Base of the application workload constructs; see the module documentation.

    Attributes:
        props: The props it was built with.
        files: The ``<name>-files`` ConfigMap, or ``None`` without config files.
        service: The client ``Service``.
        workload: The ``Deployment`` (set by :meth:`_deploy`).
    """

    #: Value of ``app.kubernetes.io/component``; set by subclasses.
    component_label = "app"
    #: Language of the OpenTelemetry Operator's inject annotation; set by subclasses.
    telemetry_language = "java"

    def __init__(self, scope: Construct, id: str, props: AppProps) -> None:
        # Checked before the node joins the tree, so a refused edge leaves nothing behind.
        for dep in props.depends_on:
            if dep.endpoint is None:
                raise ValueError(f"depends_on: {props.name} depends on {dep.name}, which serves no endpoint")
        self.wired = connection_env(
            [(dep.name, dep.endpoint) for dep in props.depends_on if dep.endpoint is not None],
            props.wiring,
            props.wiring_overrides,
        )
        super().__init__(
            scope,
            id,
            name=props.name,
            component=self.component_label,
            version=image_tag(props.image),
            part_of=props.part_of,
            depends_on=props.depends_on,
            after=props.after,
        )
        self.props = props
        self.files = (
            k8s.KubeConfigMap(
                self,
                "Files",
                metadata=self.object_meta(f"{props.name}-files", wave=CONFIG_WAVE),
                data=dict(props.config_files),
            )
            if props.config_files
            else None
        )

    # -- pieces for subclasses -------------------------------------------------------------

    def wait_containers(self) -> list[k8s.Container]:
        """``wait-for-<dependency>`` init containers, one per ``depends_on`` edge."""
        if self.props.wait is None:
            return []
        return [
            wait_container(dep.name, dep.endpoint.host, dep.endpoint.main_port, self.props.wait)
            for dep in self.props.depends_on
            if dep.endpoint is not None
        ]

    def environment(
        self, own: Sequence[tuple[str, str]] = (), *, literals_in_config_map: bool = False
    ) -> list[k8s.EnvVar]:
        """The main container's variables, in this order: downward API (when telemetry needs
        it), wired dependencies, the construct's own settings, telemetry, the user's ``env``.

        Args:
            own: The subclass's settings (``JAVA_TOOL_OPTIONS``...).
            literals_in_config_map: Leave out the wired non-secret values and the user's
                ``env``: the subclass serves them from a ConfigMap
                (:meth:`literal_settings`). Secret references always stay here.

        Raises:
            ValueError: a user ``env`` entry repeats a variable the construct sets.
        """
        props = self.props
        telemetry = props.telemetry.env(
            service_name=props.name, service_namespace=props.part_of, version=image_tag(props.image)
        )
        env: list[k8s.EnvVar] = []
        if telemetry:
            env += [_pod.env_from_field(name, path) for name, path in _DOWNWARD_ENV.items()]
        for var, value in self.wired:
            if isinstance(value, SecretKeyRef):
                env.append(_pod.env_from_secret(var, value))
            elif not literals_in_config_map:
                env.append(_pod.env_value(var, value))
        env += [_pod.env_value(var, value) for var, value in [*own, *telemetry]]
        taken = {var.name for var in env} | {var for var, _ in self.wired}
        for var in props.env:
            if var in taken:
                raise ValueError(
                    f"env.{var} is already set by the construct (wiring, telemetry or its own settings); "
                    f"change it through wiring_overrides or the matching prop instead"
                )
        if not literals_in_config_map:
            env += [_pod.env_value(var, value) for var, value in props.env.items()]
        return env

    def literal_settings(self) -> dict[str, str]:
        """The wired non-secret values and the user's ``env``, for a settings ConfigMap."""
        return {
            **{var: value for var, value in self.wired if not isinstance(value, SecretKeyRef)},
            **self.props.env,
        }

    def base_volumes(self) -> tuple[list[k8s.Volume], list[k8s.VolumeMount]]:
        """``/tmp`` and, with config files, the read-only ``config_dir``."""
        volumes = [_pod.empty_dir("tmp", size_limit=self.props.tmp_size)]
        mounts = [k8s.VolumeMount(name="tmp", mount_path="/tmp")]
        if self.files is not None:
            volumes.append(
                k8s.Volume(
                    name="files", config_map=k8s.ConfigMapVolumeSource(name=f"{self.props.name}-files", default_mode=0o444)
                )
            )
            mounts.append(k8s.VolumeMount(name="files", mount_path=self.props.config_dir, read_only=True))
        return volumes, mounts

    def pod_annotations(self, *config: Mapping[str, str]) -> dict[str, str]:
        """Telemetry annotation and a checksum of the mounted configuration (rolls the pods)."""
        documents = [dict(self.props.config_files), *map(dict, config)]
        return {
            **self.props.telemetry.pod_annotations(self.telemetry_language),
            **({"checksum/config": _pod.config_checksum(*documents)} if any(documents) else {}),
        }

    def startup_failures(self, period: int) -> int:
        """Failure threshold giving the startup probe ``startup_timeout_seconds``."""
        return max(1, math.ceil(self.props.startup_timeout_seconds / period))

    def _deploy(
        self,
        *,
        container: k8s.Container,
        volumes: Sequence[k8s.Volume],
        pod_annotations: Mapping[str, str],
        strategy: k8s.DeploymentStrategy,
        termination_grace_period_seconds: int = 30,
        service_ports: Mapping[str, int] | None = None,
        **pod_fields: object,
    ) -> None:
        """The client Service (``http`` first) and the Deployment around the main container.

        Sets :attr:`endpoint`: host ``<name>``, port ``http``, protocol ``http``, fact ``url``.
        """
        props = self.props
        self.service = self.add_client_service(service_ports or {"http": props.port})
        self.endpoint = Endpoint(
            host=props.name,
            ports={"http": props.port},
            properties={"url": f"http://{props.name}:{props.port}"},
            protocol="http",
        )
        self.workload = k8s.KubeDeployment(
            self,
            "Resource",
            metadata=self.object_meta(),
            spec=k8s.DeploymentSpec(
                replicas=props.replicas,
                revision_history_limit=3,
                # A rollout may legitimately take the whole startup budget; only after that
                # (plus margin) should ArgoCD call the Deployment degraded.
                progress_deadline_seconds=props.startup_timeout_seconds + 300,
                strategy=strategy,
                selector=self.label_selector(),
                template=k8s.PodTemplateSpec(
                    metadata=self.pod_meta(pod_annotations or None),
                    spec=_pod.pod_spec(
                        containers=[container],
                        init_containers=self.wait_containers(),
                        uid=props.run_as_user,
                        volumes=volumes,
                        termination_grace_period_seconds=termination_grace_period_seconds,
                        image_pull_secrets=props.image_pull_secrets,
                        **pod_fields,  # type: ignore[arg-type]
                    ),
                ),
            ),
        )


def rolling_update(max_surge: int, max_unavailable: int) -> k8s.DeploymentStrategy:
    """A RollingUpdate strategy with absolute surge and unavailability."""
    return k8s.DeploymentStrategy(
        type="RollingUpdate",
        rolling_update=k8s.RollingUpdateDeployment(
            max_surge=k8s.IntOrString.from_number(max_surge),
            max_unavailable=k8s.IntOrString.from_number(max_unavailable),
        ),
    )
