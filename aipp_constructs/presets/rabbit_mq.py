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

from constructs import Construct

from aipp_constructs.core._validation import (
    check_dns_label,
    check_dns_subdomain,
    check_ids,
    check_image,
    check_quantity_binary,
    image_tag,
    quantity_to_bytes,
)
from aipp_constructs.core.component import Component
from aipp_constructs.core.references import Endpoint, Resources, SecretKeyRef, check_labels
from aipp_constructs.core.vault_agent import AgentFile
from aipp_constructs.observability.service_monitor import MetricsEndpoint
from aipp_constructs.workloads.workload import (
    ClaimTemplate,
    EnvValue,
    FieldRef,
    InitStep,
    Port,
    Probe,
    Probes,
    ScratchVolume,
    SecretFile,
    TcpCheck,
    Workload,
    WorkloadProps,
    check_preset_env,
    data_service_props,
)

__all__ = ["PER_QUEUE_METRICS", "RabbitMq", "RabbitMqProps"]

#: The variables RabbitMq sets itself (``env`` may not repeat them), each with what to do instead.
_OWN_ENV = {
    "MY_POD_NAME": "it names the node",
    "MY_POD_NAMESPACE": "it names the node",
    "RABBITMQ_NODENAME": "the node name is derived from name",
    "RABBITMQ_USE_LONGNAME": "the node name is derived from name",
    "RABBITMQ_MNESIA_BASE": "the data directory is fixed",
    "RABBITMQ_DEFAULT_USER": "set username",
    "RABBITMQ_DEFAULT_PASS": "set password",
}

_UID = 999  # user "rabbitmq" in the official Ubuntu-based image
_CONFIG_KEY = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
# rabbitmq.conf keys the construct writes itself, and the prop to use instead.
_MANAGED_KEYS = {
    "total_memory_available_override_value": "set resources.memory_limit",
    "vm_memory_high_watermark.relative": "use the memory_high_watermark prop",
    "vm_memory_high_watermark.absolute": "use the memory_high_watermark prop (a fraction of resources.memory_limit)",
    "log.file": "logs go to the console only (the root filesystem is read-only)",
}
_HOME = "/var/lib/rabbitmq"
#: The oldest release line that starts under the read-only root filesystem.
_OLDEST = (3, 12)
_COOKIE_SECRET_DIR = "/run/secrets/erlang-cookie"
_PORTS = {"amqp": 5672, "management": 15672, "prometheus": 15692}
#: The rabbitmq_prometheus plugin's per-queue metrics on the ``prometheus`` port (``/metrics`` is
#: aggregated, without a ``queue`` label): ready and unacknowledged messages and consumers of each
#: queue, as ``rabbitmq_detailed_queue_*`` with labels ``vhost`` and ``queue``. Scrape it as a
#: further ServiceMonitor endpoint (``ComponentServiceMonitorProps.extra_endpoints``).
PER_QUEUE_METRICS = MetricsEndpoint(
    path="/metrics/detailed", params={"family": ("queue_coarse_metrics", "queue_consumer_count")}
)
# Erlang distribution ports, reachable only through the headless Service.
_CLUSTER_PORTS = {"epmd": 4369, "dist": 25672}

#: The Vault Agent's files (secret provider vault-agent).
_AGENT_CONFIG = "/vault/secrets/rabbitmq-credentials.conf"
_AGENT_COOKIE = "/vault/secrets/erlang-cookie"


@dataclass(frozen=True, kw_only=True, slots=True)
class RabbitMqProps:
    """Props of :class:`RabbitMq`.

    Attributes:
        image: Pinned image reference with the management plugin, e.g.
            ``registry/library/rabbitmq:3.13.7-management``. RabbitMQ 3.12 or later:
            3.10 and 3.11 write an upgrade log under ``/var/log/rabbitmq`` and cannot start on
            the read-only root filesystem. Required.
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
        depends_on: Components applied before it (a later sync wave) and allowed through the
            NetworkPolicies; neither waited for nor wired. Defaults to none.
        env: Further variables of the main container, e.g. ``{"RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "+S 2:2"}``:
            literals, Secret keys, templates or pod fields, as
            :class:`~aipp_constructs.workloads.workload.WorkloadProps` ``env`` takes them, written after
            the preset's own variables, which it may not repeat. Defaults to none.
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
        default_factory=lambda: Resources(cpu_request="250m", memory_request="1Gi", cpu_limit="1", memory_limit="1Gi")
    )
    memory_high_watermark: float = 0.6
    depends_on: tuple[Component, ...] = ()
    env: Mapping[str, EnvValue] = field(default_factory=dict)
    run_as_user: int = _UID
    run_as_group: int | None = None
    extra_config: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_preset_env("RabbitMq", self.env, _OWN_ENV)
        check_image("image", self.image)
        version = re.match(r"v?(\d+)\.(\d+)", image_tag(self.image))
        if version and (int(version.group(1)), int(version.group(2))) < _OLDEST:
            raise ValueError(
                f"image is RabbitMQ {version.group(1)}.{version.group(2)}, got {self.image!r}; RabbitMQ before "
                f"{_OLDEST[0]}.{_OLDEST[1]} cannot start on a read-only root filesystem (3.10 and 3.11 write an "
                f"upgrade log under /var/log/rabbitmq): use {_OLDEST[0]}.{_OLDEST[1]} or later"
            )
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
        check_ids(self.run_as_user, self.run_as_group, "999 Ubuntu, 100 Alpine")
        _check_extra_config(self.extra_config)


class RabbitMq(Workload):
    """RabbitMQ (one node) with management UI and Prometheus metrics: a preset over
    :class:`~aipp_constructs.workloads.workload.Workload` (claim template for the message store, a
    ``conf.d`` drop-in beside the image's own, the Erlang cookie copied into place by an
    init step).

    Attributes:
        props: The :class:`RabbitMqProps` it was built with.
        endpoint: Host ``<name>``, ports ``amqp``/``management``/``prometheus``, credentials
            ``username``/``password``.
        service: The client ``Service``.
        headless_service: The governing headless ``Service``.
        workload: The ``StatefulSet``.
        config: The ``ConfigMap`` with the ``conf.d`` drop-in.
    """

    #: Never ``None`` (the preset always serves), so a port reads it without a check.
    endpoint: Endpoint

    def __init__(self, scope: Construct, id: str, props: RabbitMqProps) -> None:
        name = props.name
        limit_bytes = quantity_to_bytes(props.resources.memory_limit)
        amqp = TcpCheck(port="amqp")
        refs = (props.username, props.password, props.erlang_cookie)
        agent = any(ref.from_vault_agent for ref in refs)
        if agent and not all(ref.from_vault_agent for ref in refs):
            raise ValueError(
                f"{name}: username, password and erlang_cookie must all come from the Vault Agent, or none"
            )
        cookie_source = _AGENT_COOKIE if agent else f"{_COOKIE_SECRET_DIR}/.erlang.cookie"
        secrets: dict[str, object] = (
            {
                # The first user from a config file the agent renders (RabbitMQ reads its main
                # config file and the image's conf.d drop-ins alike).
                "env": {"RABBITMQ_CONFIG_FILE": _AGENT_CONFIG},
                "agent_files": (
                    AgentFile(
                        name=_AGENT_CONFIG.rpartition("/")[2],
                        template="default_user = ${username}\ndefault_pass = ${password}\n",
                        values={"username": props.username, "password": props.password},
                    ),
                    AgentFile(
                        name=_AGENT_COOKIE.rpartition("/")[2],
                        template="${cookie}",
                        values={"cookie": props.erlang_cookie},
                    ),
                ),
                "cookie_volumes": ("home",),
            }
            if agent
            else {
                "env": {"RABBITMQ_DEFAULT_USER": props.username, "RABBITMQ_DEFAULT_PASS": props.password},
                # Readable by the rabbitmq group only (fsGroup); the init step copies it to a
                # 0600 file owned by the rabbitmq user, as Erlang demands.
                "secret_files": (
                    SecretFile(
                        name="erlang-cookie", path=f"{_COOKIE_SECRET_DIR}/.erlang.cookie", secret=props.erlang_cookie
                    ),
                ),
                "cookie_volumes": ("home", "erlang-cookie"),
            }
        )
        super().__init__(
            scope,
            id,
            WorkloadProps(
                name=name,
                image=props.image,
                part_of=props.part_of,
                component_label="message-broker",
                container_name="rabbitmq",
                ports=(
                    *(Port(name=port, number=number) for port, number in _PORTS.items()),
                    # Erlang distribution: in the container only (one node, no peers to reach it).
                    *(Port(name=port, number=number, expose=False) for port, number in _CLUSTER_PORTS.items()),
                ),
                protocol="amqp",
                # Boot, plugin expansion and message-store recovery: up to 5 minutes.
                probes=Probes(
                    startup=Probe(check=amqp, timeout_seconds=5, failure_threshold=30),
                    readiness=Probe(check=amqp, timeout_seconds=5),
                    liveness=Probe(check=amqp, period_seconds=30, timeout_seconds=10, failure_threshold=6),
                ),
                resources=props.resources,
                run_as_user=props.run_as_user,
                run_as_group=props.run_as_group,
                **data_service_props(props.depends_on),  # type: ignore[arg-type]
                env={
                    "MY_POD_NAME": FieldRef(field_path="metadata.name"),
                    "MY_POD_NAMESPACE": FieldRef(field_path="metadata.namespace"),
                    # Stable across restarts and reschedules: the message store is keyed by it.
                    "RABBITMQ_NODENAME": f"rabbit@$(MY_POD_NAME).{name}-headless.$(MY_POD_NAMESPACE)",
                    "RABBITMQ_USE_LONGNAME": "true",
                    "RABBITMQ_MNESIA_BASE": f"{_HOME}/mnesia",
                    **secrets["env"],  # type: ignore[dict-item]
                    **props.env,
                },
                config_files={
                    "20-kubernetes.conf": (
                        "# Generated: RabbitMQ reads host memory, not the container limit.\n"
                        f"total_memory_available_override_value = {limit_bytes}\n"
                        f"vm_memory_high_watermark.relative = {props.memory_high_watermark}\n"
                        "# Logs go to the console only: the root filesystem is read-only.\n"
                        "log.file = false\n" + _extra_config_lines(props.extra_config)
                    )
                },
                config_dir="/etc/rabbitmq/conf.d",
                config_map_name=f"{name}-config",
                # Beside the image's own conf.d files, which stay in effect.
                config_files_mount="files",
                scratch=(ScratchVolume(name="home", path=_HOME, size="64Mi"),),
                secret_files=secrets.get("secret_files", ()),  # type: ignore[arg-type]
                agent_files=secrets.get("agent_files", ()),  # type: ignore[arg-type]
                init_steps=(
                    InitStep(
                        name="install-erlang-cookie",
                        command=(
                            "sh",
                            "-c",
                            f"cp {cookie_source} {_HOME}/.erlang.cookie && chmod 600 {_HOME}/.erlang.cookie",
                        ),
                        volumes=secrets["cookie_volumes"],  # type: ignore[arg-type]
                    ),
                ),
                claim_templates=(
                    ClaimTemplate(
                        name="data",
                        path=f"{_HOME}/mnesia",
                        size=props.storage_size,
                        storage_class_name=props.storage_class_name,
                        labels=props.volume_labels,
                    ),
                ),
                # RabbitMQ stops gracefully on SIGTERM; give queues time to sync to disk.
                termination_grace_period_seconds=120,
                # checkov exceptions, written only while the StatefulSet fails the check.
                policy_exceptions={
                    "CKV_K8S_35": "the first user comes from RABBITMQ_DEFAULT_USER and RABBITMQ_DEFAULT_PASS; "
                    "default_user and default_pass in a conf.d file from the Secret would avoid it (not built yet)",
                    "CKV_K8S_40": "run_as_user is the user the official RabbitMQ image is built for (999 by default, "
                    "Ubuntu), who owns the image's /var/lib/rabbitmq",
                },
            ),
        )
        self.props = props
        self.config = self.files
        self.endpoint = Endpoint(
            host=name,
            ports=_PORTS,
            credentials={"username": props.username, "password": props.password},
            properties={"url": f"amqp://{name}:{_PORTS['amqp']}"},
            protocol="amqp",
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
            raise ValueError(f"extra_config must not set keys the construct manages, got {key!r}; {_MANAGED_KEYS[key]}")
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
