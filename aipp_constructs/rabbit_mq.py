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
uid/gid 999 (the Ubuntu-based tags; ``rabbitmq:*-alpine`` uses uid 100, gid 101); data lives
under ``mnesia/<node name>``, so the node name must be stable
(``rabbit@<pod>.<headless service>.<namespace>``, long names); the Erlang cookie must be a
file with mode 0600 owned by the user, which a Secret volume cannot provide, so an init
container copies it into the writable home directory. Probes are TCP checks, not
``rabbitmq-diagnostics`` calls, which can hang terminating pods (cluster-operator#409).
"""

from __future__ import annotations

import re
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
from .component import CONFIG_WAVE, Component, port_default
from .references import Endpoint, Resources, SecretKeyRef, check_labels

__all__ = ["RabbitMq", "RabbitMqProps"]

_UID = 999  # user "rabbitmq" in the official Ubuntu-based image
_MAX_ID = 2**31 - 1
_CONFIG_KEY = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
# rabbitmq.conf keys the construct writes itself, and the prop to use instead.
_MANAGED_KEYS = {
    "total_memory_available_override_value": "set resources.memory_limit",
    "vm_memory_high_watermark.relative": "use the memory_high_watermark prop",
    "vm_memory_high_watermark.absolute": "use the memory_high_watermark prop (a fraction of resources.memory_limit)",
    "log.file": "logs go to the console only (the root filesystem is read-only)",
}
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
        part_of: ``app.kubernetes.io/part-of`` label. Defaults to the port's, else no label.
        storage_size: Size of the message-store volume. Defaults to ``"8Gi"``.
        storage_class_name: Storage class of the volume. Defaults to the port's (inside a PortChart),
            else the cluster's default class.
        volume_labels: Extra labels on the data volume's claim, e.g. Longhorn's
            ``recurring-job.longhorn.io/*`` labels that attach snapshot and backup jobs.
            Defaults to none.
        resources: Requests and limits. Defaults to 250m/1Gi requested, 1 CPU/1Gi limit.
        memory_high_watermark: Fraction of the memory limit at which RabbitMQ blocks
            publishers. Defaults to ``0.6``.
        depends_on: Components that must be up first. Defaults to none.
        run_as_user: uid of the pod and of every container (the cookie-installing init
            container too). The official Ubuntu-based images run as ``999``; the Alpine-based
            ``rabbitmq:*-alpine`` runs as ``100`` (with gid ``101``: set ``run_as_group``).
            Must be at least 1 (Pod Security "restricted" refuses root). Defaults to ``999``.
        run_as_group: gid of the pod and every container, and the pod's ``fsGroup`` (the
            cookie Secret is readable by this group only). Defaults to ``run_as_user``.
        extra_config: ``rabbitmq.conf`` settings appended to the generated ``conf.d`` drop-in,
            one ``key = value`` line each, e.g. ``{"consumer_timeout": "3600000"}``. RabbitMQ
            takes its configuration from files, not from server arguments, so there is no
            ``extra_args`` here. Keys are rabbitmq.conf keys (``[a-z0-9_]`` segments joined by
            dots); values are single lines. The keys the construct writes
            (``total_memory_available_override_value``, ``vm_memory_high_watermark.*``,
            ``log.file``) are refused. A change rolls the pod (``checksum/config``).
            Defaults to none.

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
    run_as_user: int = _UID
    run_as_group: int | None = None
    extra_config: Mapping[str, str] = field(default_factory=dict)

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
        _check_ids(self.run_as_user, self.run_as_group)
        _check_extra_config(self.extra_config)


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
                + _extra_config_lines(props.extra_config)
            )
        }
        self.config = k8s.KubeConfigMap(
            self, "Config", metadata=self.object_meta(f"{name}-config", wave=CONFIG_WAVE), data=config_data
        )

        gid = props.run_as_user if props.run_as_group is None else props.run_as_group
        install_cookie = _pod.container(
            name="install-erlang-cookie",
            image=props.image,
            uid=props.run_as_user,
            gid=gid,
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
            uid=props.run_as_user,
            gid=gid,
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
                    # Readable by the rabbitmq group (fsGroup = run_as_group) only; the init container
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
                uid=props.run_as_user,
                gid=gid,
                volumes=volumes,
                # RabbitMQ stops gracefully on SIGTERM; give queues time to sync to disk.
                termination_grace_period_seconds=120,
            ),
            pod_annotations={"checksum/config": _pod.config_checksum(config_data)},
            storage_class_name=props.storage_class_name or port_default(self, "storage_class_name"),
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


def _check_ids(run_as_user: object, run_as_group: object) -> None:
    if isinstance(run_as_user, bool) or not isinstance(run_as_user, int) or not 1 <= run_as_user <= _MAX_ID:
        raise ValueError(
            f"run_as_user must be an integer from 1 to {_MAX_ID}, got {run_as_user!r}; "
            "Pod Security 'restricted' refuses root (uid 0): use the image's user (999 Ubuntu, 100 Alpine)"
        )
    if run_as_group is not None and (
        isinstance(run_as_group, bool) or not isinstance(run_as_group, int) or not 0 <= run_as_group <= _MAX_ID
    ):
        raise ValueError(
            f"run_as_group must be an integer from 0 to {_MAX_ID} or None, got {run_as_group!r}; "
            "None uses run_as_user"
        )


def _check_extra_config(extra_config: object) -> None:
    if not isinstance(extra_config, Mapping):
        raise ValueError(
            f"extra_config must be a mapping of rabbitmq.conf keys to values, got {extra_config!r}; "
            "e.g. {'consumer_timeout': '3600000'}"
        )
    for key, value in extra_config.items():
        if not isinstance(key, str) or not _CONFIG_KEY.fullmatch(key):
            raise ValueError(
                f"extra_config keys must be rabbitmq.conf keys ([a-z0-9_] segments joined by dots), got {key!r}; "
                "e.g. 'consumer_timeout' or 'management.path_prefix'"
            )
        if key in _MANAGED_KEYS:
            raise ValueError(
                f"extra_config must not set keys the construct manages, got {key!r}; {_MANAGED_KEYS[key]}"
            )
        if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n\x00"):
            raise ValueError(
                f"extra_config[{key!r}] must be a non-empty single-line string, got {value!r}; "
                "rabbitmq.conf takes one 'key = value' per line"
            )


def _extra_config_lines(extra_config: Mapping[str, str]) -> str:
    if not extra_config:
        return ""
    lines = ["# Settings from extra_config."]
    lines += [f"{key} = {value.strip()}" for key, value in extra_config.items()]
    return "\n".join(lines) + "\n"
