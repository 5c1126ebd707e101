"""``RabbitMq``: a single RabbitMQ node with the management plugin, as a StatefulSet.

Creates:

* a ``ConfigMap`` ``<name>-config`` (wave 0) with a ``conf.d`` drop-in that tells RabbitMQ
  its memory limit (it reads host memory otherwise and sets its watermark too high) and
  turns off the log file (the root filesystem is read-only; logs go to the console);
* a ``StatefulSet`` ``<name>`` with a ``volumeClaimTemplate`` for the message store,
  retained on scale-down and deletion;
* a headless ``Service`` ``<name>-headless`` (stable node DNS name) and a client ``Service``
  ``<name>`` with AMQP (5672), management (15672) and Prometheus (15692).

Facts of the official image it relies on (docker-library/rabbitmq, rabbitmq/cluster-operator):
uid/gid 999; data lives under ``mnesia/<node name>``, so the node name must be stable
(``rabbit@<pod>.<headless service>.<namespace>``, long names); the Erlang cookie must be a
file with mode 0600 owned by the user, which a Secret volume cannot provide, so an init
container copies it into the writable home directory. Probes are TCP checks, not
``rabbitmq-diagnostics`` calls, which can hang terminating pods (cluster-operator#409).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cdk8s_plus_27 import k8s
from constructs import Construct

from . import _pod
from ._validation import (
    check_dns_label,
    check_dns_subdomain,
    check_image,
    check_quantity_binary,
    image_tag,
    quantity_to_bytes,
)
from .component import CONFIG_WAVE, Component
from .references import Endpoint, Resources, SecretKeyRef, check_labels

__all__ = ["RabbitMq", "RabbitMqProps"]

_UID = 999  # user "rabbitmq" in the official image
_HOME = "/var/lib/rabbitmq"
_COOKIE_SECRET_DIR = "/run/secrets/erlang-cookie"
_PORTS = {"amqp": 5672, "management": 15672, "prometheus": 15692}
# Erlang distribution ports, reachable only through the headless Service.
_CLUSTER_PORTS = {"epmd": 4369, "dist": 25672}


@dataclass(frozen=True, kw_only=True, slots=True)
class RabbitMqProps:
    """Props of :class:`RabbitMq`.

    Attributes:
        image: Pinned image reference with the management plugin, e.g.
            ``registry/library/rabbitmq:3.13.7-management``. Required.
        username: Secret key holding the default user (``RABBITMQ_DEFAULT_USER``). Required.
        password: Secret key holding its password (``RABBITMQ_DEFAULT_PASS``). Required.
        erlang_cookie: Secret key holding the Erlang cookie. Required.
        name: Name of the StatefulSet and the client Service. Defaults to ``"rabbitmq"``.
        part_of: ``app.kubernetes.io/part-of`` label. Defaults to no label.
        storage_size: Size of the message-store volume. Defaults to ``"8Gi"``.
        storage_class_name: Storage class of the volume. Defaults to the cluster's default class.
        volume_labels: Extra labels on the data volume's claim, e.g. Longhorn's
            ``recurring-job.longhorn.io/*`` labels that attach snapshot and backup jobs.
            Defaults to none.
        resources: Requests and limits. Defaults to 250m/1Gi requested, 1 CPU/1Gi limit.
        memory_high_watermark: Fraction of the memory limit at which RabbitMQ blocks
            publishers. Defaults to ``0.6``.
        depends_on: Components that must be up first. Defaults to none.

    See: https://www.rabbitmq.com/docs/configure, https://hub.docker.com/_/rabbitmq
    """

    image: str
    username: SecretKeyRef
    password: SecretKeyRef
    erlang_cookie: SecretKeyRef
    name: str = "rabbitmq"
    part_of: str | None = None
    storage_size: str = "8Gi"
    storage_class_name: str | None = None
    volume_labels: Mapping[str, str] = field(default_factory=dict)
    resources: Resources = field(
        default_factory=lambda: Resources(
            cpu_request="250m", memory_request="1Gi", cpu_limit="1", memory_limit="1Gi"
        )
    )
    memory_high_watermark: float = 0.6
    depends_on: tuple[Component, ...] = ()

    def __post_init__(self) -> None:
        check_image("image", self.image)
        check_dns_label("name", self.name)
        check_quantity_binary("storage_size", self.storage_size)
        if self.storage_class_name is not None:
            check_dns_subdomain("storage_class_name", self.storage_class_name)
        check_labels("volume_labels", self.volume_labels)
        if not 0.1 <= self.memory_high_watermark <= 0.9:
            raise ValueError(
                f"memory_high_watermark must be between 0.1 and 0.9 of the memory limit, "
                f"got {self.memory_high_watermark!r}"
            )


class RabbitMq(Component):
    """RabbitMQ (one node) with management UI and Prometheus metrics.

    Attributes:
        endpoint: Host ``<name>``, ports ``amqp``/``management``/``prometheus``, credentials
            ``username``/``password``.
        service: The client ``Service``.
        headless_service: The governing headless ``Service``.
        workload: The ``StatefulSet``.
        config: The ``ConfigMap`` with the ``conf.d`` drop-in.
    """

    def __init__(self, scope: Construct, id: str, props: RabbitMqProps) -> None:
        super().__init__(
            scope,
            id,
            name=props.name,
            component="message-broker",
            version=image_tag(props.image),
            part_of=props.part_of,
            depends_on=props.depends_on,
        )
        self.props = props
        name = props.name
        headless = f"{name}-headless"
        limit_bytes = quantity_to_bytes(props.resources.memory_limit)
        config_data = {
            "20-kubernetes.conf": (
                "# Generated: RabbitMQ reads host memory, not the container limit.\n"
                f"total_memory_available_override_value = {limit_bytes}\n"
                f"vm_memory_high_watermark.relative = {props.memory_high_watermark}\n"
                "# Logs go to the console only: the root filesystem is read-only.\n"
                "log.file = false\n"
            )
        }
        self.config = k8s.KubeConfigMap(
            self, "Config", metadata=self.object_meta(f"{name}-config", wave=CONFIG_WAVE), data=config_data
        )

        install_cookie = _pod.container(
            name="install-erlang-cookie",
            image=props.image,
            uid=_UID,
            resources_=Resources(cpu_request="10m", memory_request="16Mi", cpu_limit="100m", memory_limit="32Mi"),
            command=[
                "sh",
                "-c",
                f"cp {_COOKIE_SECRET_DIR}/.erlang.cookie {_HOME}/.erlang.cookie"
                f" && chmod 600 {_HOME}/.erlang.cookie",
            ],
            volume_mounts=[
                k8s.VolumeMount(name="home", mount_path=_HOME),
                k8s.VolumeMount(name="erlang-cookie", mount_path=_COOKIE_SECRET_DIR, read_only=True),
            ],
        )
        amqp = _pod.tcp_probe("amqp", period=10, timeout=5, failures=3)
        rabbitmq = _pod.container(
            name="rabbitmq",
            image=props.image,
            uid=_UID,
            resources_=props.resources,
            env=[
                _pod.env_from_field("MY_POD_NAME", "metadata.name"),
                _pod.env_from_field("MY_POD_NAMESPACE", "metadata.namespace"),
                # Stable across restarts and reschedules: the message store is keyed by it.
                _pod.env_value("RABBITMQ_NODENAME", f"rabbit@$(MY_POD_NAME).{headless}.$(MY_POD_NAMESPACE)"),
                _pod.env_value("RABBITMQ_USE_LONGNAME", "true"),
                _pod.env_value("RABBITMQ_MNESIA_BASE", f"{_HOME}/mnesia"),
                _pod.env_from_secret("RABBITMQ_DEFAULT_USER", props.username),
                _pod.env_from_secret("RABBITMQ_DEFAULT_PASS", props.password),
            ],
            ports={**_PORTS, **_CLUSTER_PORTS},
            volume_mounts=[
                k8s.VolumeMount(name="home", mount_path=_HOME),
                k8s.VolumeMount(name="data", mount_path=f"{_HOME}/mnesia"),
                k8s.VolumeMount(
                    name="config",
                    mount_path="/etc/rabbitmq/conf.d/20-kubernetes.conf",
                    sub_path="20-kubernetes.conf",
                    read_only=True,
                ),
                k8s.VolumeMount(name="tmp", mount_path="/tmp"),
            ],
            # Boot, plugin expansion and message-store recovery: up to 5 minutes.
            startup_probe=_pod.tcp_probe("amqp", period=10, timeout=5, failures=30),
            readiness_probe=amqp,
            liveness_probe=_pod.tcp_probe("amqp", period=30, timeout=10, failures=6),
        )
        volumes = [
            _pod.empty_dir("home", size_limit="64Mi"),
            _pod.empty_dir("tmp", size_limit="256Mi"),
            k8s.Volume(
                name="erlang-cookie",
                secret=k8s.SecretVolumeSource(
                    secret_name=props.erlang_cookie.name,
                    items=[k8s.KeyToPath(key=props.erlang_cookie.key, path=".erlang.cookie")],
                    # Readable by the rabbitmq group (fsGroup 999) only; the init container
                    # copies it to a 0600 file owned by the rabbitmq user.
                    default_mode=0o440,
                ),
            ),
            k8s.Volume(
                name="config", config_map=k8s.ConfigMapVolumeSource(name=f"{name}-config", default_mode=0o444)
            ),
        ]
        self.headless_service = self.add_headless_service({"amqp": _PORTS["amqp"], **_CLUSTER_PORTS})
        self.service = self.add_client_service(_PORTS)
        self.workload = self.add_single_node_statefulset(
            pod_spec=_pod.pod_spec(
                containers=[rabbitmq],
                init_containers=[install_cookie],
                uid=_UID,
                volumes=volumes,
                # RabbitMQ stops gracefully on SIGTERM; give queues time to sync to disk.
                termination_grace_period_seconds=120,
            ),
            pod_annotations={"checksum/config": _pod.config_checksum(config_data)},
            storage_class_name=props.storage_class_name,
            storage_size=props.storage_size,
            claim_labels=props.volume_labels,
        )
        self.endpoint = Endpoint(
            host=name,
            ports=_PORTS,
            credentials={"username": props.username, "password": props.password},
            properties={"url": f"amqp://{name}:{_PORTS['amqp']}"},
            protocol="amqp",
        )
