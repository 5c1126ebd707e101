"""``RedisCache``: a password-protected, persistent single Redis as a Deployment.

Creates:

* a ``PersistentVolumeClaim`` ``<name>-data`` (same wave as the Deployment, so a
  WaitForFirstConsumer class cannot deadlock the sync), protected from ArgoCD prune and
  delete (``argocd.argoproj.io/sync-options: Prune=false,Delete=false``);
* a ``Deployment`` ``<name>`` with one replica and strategy ``Recreate`` (the volume is
  ReadWriteOnce: a surge pod could not mount it);
* a client ``Service`` ``<name>``;
* with ``metrics_exporter``, a sidecar ``redis-exporter`` (redis_exporter) in the pod on a
  port ``metrics`` (9121) that the Service publishes, see "Metrics" below.

Facts of the official image it relies on (docker-library/redis): uid/gid 999 (the Alpine
tags: uid 999, gid 1000), data in ``/data``; no password variable, so the password is passed as
``--requirepass $(REDIS_PASSWORD)`` (Kubernetes expands ``$(VAR)`` from the container env);
``redis-cli`` reads the password from ``REDISCLI_AUTH``, keeping it off probe command lines.

Metrics (``metrics_exporter``, :mod:`~aipp_constructs.observability.metrics_exporter`): redis_exporter
(``oliver006/redis_exporter``, uid/gid 59000) runs beside the server and connects to
``redis://127.0.0.1:<port>``. It reads no password variable: ``--redis.password-file`` takes a
JSON map from server address to password (the exporter's only file form), which an init
container ``redis-exporter-auth`` writes, in the Redis image, from the password Secret key
mounted as a file, into a memory-backed volume the exporter reads (mode 0440, the pod's
group); a double quote or a backslash in the password is escaped, a line break is not supported (generate
passwords of letters and digits). Only flags that redis_exporter 1.45 and every later release
understand are used (``--redis.addr``, ``--redis.password-file``, ``--web.listen-address``,
``--web.telemetry-path``). Its probes ask its landing page ``/``, never Redis, so the exporter
cannot make the pod unready while the server is down (it reports ``redis_up 0``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from constructs import Construct

from aipp_constructs.core import _spec
from aipp_constructs.core._manifest import Manifest
from aipp_constructs.core._validation import (
    check_dns_label,
    check_dns_subdomain,
    check_ids,
    check_image,
    check_port,
    check_quantity_binary,
    quantity_to_bytes,
)
from aipp_constructs.core.component import KEEP_ON_PRUNE_AND_DELETE, Component, port_default
from aipp_constructs.core.references import Endpoint, Resources, SecretKeyRef, check_labels
from aipp_constructs.core.vault_agent import AgentFile
from aipp_constructs.observability.metrics_exporter import (
    METRICS_PATH,
    METRICS_PORT,
    MetricsExporter,
    check_exporter,
    exporter_probes,
)
from aipp_constructs.workloads.workload import (
    ClaimVolume,
    EnvValue,
    ExecCheck,
    InitStep,
    Port,
    Probe,
    Probes,
    ScratchVolume,
    SecretFile,
    Sidecar,
    Workload,
    WorkloadProps,
    check_preset_env,
    data_service_props,
)

__all__ = ["RedisCache", "RedisCacheProps"]

#: The variables RedisCache sets itself (``env`` may not repeat them), each with what to do instead.
_OWN_ENV = {"REDIS_PASSWORD": "set password", "REDISCLI_AUTH": "set password"}  # pragma: allowlist secret

_UID = 999  # user "redis" in the official image (Debian and Alpine tags)
# Options the construct sets itself, and the prop to use instead (Redis matches them case-insensitively).
_MANAGED_OPTIONS = {
    "--requirepass": "use the password prop",
    "--port": "use the port prop",
    "--dir": "the data directory is fixed (the claim is mounted at /data)",
    "--appendonly": "append-only persistence is always on (tune it with --appendfsync)",
    "--maxmemory": "use the maxmemory_percent prop (a share of the memory limit)",
    "--maxmemory-policy": "use the maxmemory_policy prop",
}
#: redis_exporter's registered port, and the user its image runs as (USER 59000:59000).
_EXPORTER_PORT = 9121
_EXPORTER_UID = 59000
#: Flags of redis_exporter the construct sets, and what to do instead.
_EXPORTER_FLAGS = {
    "web.listen-address": "use metrics_exporter.port",
    "web.telemetry-path": f"the metrics path is fixed ({METRICS_PATH}), the ServiceMonitor scrapes it",
    "redis.addr": "the exporter scrapes the Redis of its own pod (127.0.0.1 and the port prop)",
    **dict.fromkeys(("redis.password", "redis.password-file"), "the exporter reads the password prop, as a file"),
    "redis.user": "the construct authenticates with the password prop alone",
}
_PASSWORD_DIR = "/run/secrets/redis"
_EXPORTER_AUTH_DIR = "/run/redis-exporter"
#: The Vault Agent's files (secret provider vault-agent).
_AGENT_CONFIG = "/vault/secrets/redis-auth.conf"
_AGENT_PASSWORD = "/vault/secrets/redis-password"
_AGENT_EXPORTER_AUTH = "/vault/secrets/redis-exporter-auth.json"
MaxmemoryPolicy = Literal[
    "noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random",
    "volatile-ttl",
]  # fmt: skip


@dataclass(frozen=True, kw_only=True, slots=True)
class RedisCacheProps:
    """Props of :class:`RedisCache`.

    Attributes:
        image: Pinned image reference, e.g. ``registry/library/redis:7.2.7``. Required.
        password: Secret key holding the password (``requirepass``). Required.
        name: Name of the Deployment, the Service and the ``<name>-data`` claim.
            Defaults to ``"redis"``.
        part_of: ``app.kubernetes.io/part-of`` label. Defaults to the port's, else no label.
        port: Redis port. Defaults to ``6379``.
        storage_size: Size of the append-only-file volume. Defaults to ``"5Gi"``.
        storage_class_name: Storage class of the volume. Defaults to the port's (inside a PortChart),
            else the cluster's default class.
        volume_labels: Extra labels on the data volume's claim, e.g. Longhorn's
            ``recurring-job.longhorn.io/*`` labels that attach snapshot and backup jobs.
            Defaults to none.
        resources: Requests and limits. Defaults to 100m/256Mi requested, 1 CPU/512Mi limit.
        depends_on: Components applied before it (a later sync wave) and allowed through the
            NetworkPolicies; neither waited for nor wired. Defaults to none.
        env: Further variables of the main container, e.g. ``{"TZ": "UTC"}``:
            literals, Secret keys, templates or pod fields, as
            :class:`~aipp_constructs.workloads.workload.WorkloadProps` ``env`` takes them, written after
            the preset's own variables, which it may not repeat. Defaults to none.
        run_as_user: uid of the pod and of the container. The official images run as ``999``,
            both the Debian-based and the Alpine-based ``redis:*-alpine`` tags. Must be at
            least 1, since Pod Security "restricted" refuses root. Defaults to ``999``.
        run_as_group: gid of the pod and the container, and the pod's ``fsGroup``. The Debian
            tags use gid 999, the Alpine tags gid 1000; either works, since the data volume is
            made writable through ``fsGroup``. Defaults to ``run_as_user``.
        extra_args: Server options appended after the generated ones, e.g.
            ``("--appendfsync", "always")``; a later option overrides an earlier one.
            ``--requirepass``, ``--port``, ``--dir``, ``--appendonly``, ``--maxmemory`` and
            ``--maxmemory-policy`` are refused: use the props. Defaults to none.
        maxmemory_percent: Share of ``resources.memory_limit`` Redis may fill with data
            (``--maxmemory``); the rest covers the process, client buffers and the fork of an
            append-only rewrite. Defaults to ``75``.
        maxmemory_policy: What Redis does at ``maxmemory`` (``--maxmemory-policy``):
            ``noeviction`` refuses writes, the others evict keys. Defaults to ``"noeviction"``
            (a queue or a session store must not lose keys silently).
        metrics_exporter: A Prometheus exporter (redis_exporter, image
            ``oliver006/redis_exporter``) in the pod, on the port ``metrics``
            (``metrics_exporter.port``, 9121 by default) of the Service, serving ``/metrics``;
            it connects to ``127.0.0.1`` with ``password``, read from a file (see the module
            documentation). Scrape it with a
            :class:`~aipp_constructs.observability.service_monitor.ComponentServiceMonitor` on port ``metrics``,
            and let Prometheus through the NetworkPolicies to that port. Defaults to none.

    See: https://hub.docker.com/_/redis, https://redis.io/docs/latest/operate/oss_and_stack/management/config/,
    https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/
    """

    image: str
    password: SecretKeyRef
    name: str = "redis"
    part_of: str | None = None
    port: int = 6379
    storage_size: str = "5Gi"
    storage_class_name: str | None = None
    volume_labels: Mapping[str, str] = field(default_factory=dict)
    resources: Resources = field(
        default_factory=lambda: Resources(
            cpu_request="100m", memory_request="256Mi", cpu_limit="1", memory_limit="512Mi"
        )
    )
    depends_on: tuple[Component, ...] = ()
    env: Mapping[str, EnvValue] = field(default_factory=dict)
    run_as_user: int = _UID
    run_as_group: int | None = None
    extra_args: tuple[str, ...] = ()
    maxmemory_percent: int = 75
    maxmemory_policy: MaxmemoryPolicy = "noeviction"
    metrics_exporter: MetricsExporter | None = None

    def __post_init__(self) -> None:
        check_preset_env("RedisCache", self.env, _OWN_ENV)
        check_image("image", self.image)
        check_dns_label("name", self.name)
        check_port("port", self.port)
        check_exporter(self.metrics_exporter, port=self.port, default_port=_EXPORTER_PORT, managed=_EXPORTER_FLAGS)
        check_quantity_binary("storage_size", self.storage_size)
        if self.storage_class_name is not None:
            check_dns_subdomain("storage_class_name", self.storage_class_name)
        check_labels("volume_labels", self.volume_labels)
        check_ids(self.run_as_user, self.run_as_group, "999 in the official images")
        _check_extra_args(self.extra_args)
        if (
            isinstance(self.maxmemory_percent, bool)
            or not isinstance(self.maxmemory_percent, int)
            or not (10 <= self.maxmemory_percent <= 90)
        ):
            raise ValueError(
                f"maxmemory_percent must be an integer from 10 to 90, got {self.maxmemory_percent!r}; the rest of "
                "the memory limit covers the process, client buffers and the fork of append-only rewrites"
            )
        if self.maxmemory_policy not in get_args(MaxmemoryPolicy):
            raise ValueError(
                f"maxmemory_policy must be one of {', '.join(get_args(MaxmemoryPolicy))}, got {self.maxmemory_policy!r}"
            )


class RedisCache(Workload):
    """Redis with a password and append-only persistence: a preset over
    :class:`~aipp_constructs.workloads.workload.Workload` (one replica, ``Recreate``, its own claim).

    Attributes:
        props: The :class:`RedisCacheProps` it was built with.
        endpoint: Host ``<name>``, port ``redis``, credential ``password``.
        service: The client ``Service``.
        workload: The ``Deployment``.
        claim: The ``PersistentVolumeClaim``.
        metrics_port: Number of the Service's ``metrics`` port (the exporter's), or ``None``
            without ``metrics_exporter``.
        metrics_path: ``/metrics`` with ``metrics_exporter``, else ``None`` (Redis serves no
            metrics itself: a ServiceMonitor is refused).
    """

    #: Never ``None`` (the preset always serves), so a port reads it without a check.
    endpoint: Endpoint

    def __init__(self, scope: Construct, id: str, props: RedisCacheProps) -> None:
        claim_name = f"{props.name}-data"
        agent = props.password.from_vault_agent
        # Under vault-agent the probes' redis-cli reads the password from the agent's file.
        auth = f'REDISCLI_AUTH="$(cat {_AGENT_PASSWORD})" ' if agent else ""
        ping = ExecCheck(command=("sh", "-c", f"{auth}redis-cli -h 127.0.0.1 -p {props.port} ping | grep -qx PONG"))
        exporter = props.metrics_exporter
        # The password: an include of the agent's rendered config, or --requirepass from the Secret's variable.
        password_args = ("--include", _AGENT_CONFIG) if agent else ("--requirepass", "$(REDIS_PASSWORD)")
        extra: dict[str, object] = {}
        if exporter is not None:
            extra = _agent_exporter_props(props, exporter) if agent else _exporter_props(props, exporter)
        super().__init__(
            scope,
            id,
            WorkloadProps(
                name=props.name,
                image=props.image,
                part_of=props.part_of,
                component_label="cache",
                container_name="redis",
                args=(
                    "redis-server",
                    "--port",
                    str(props.port),
                    "--dir",
                    "/data",
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    "everysec",
                    *password_args,
                    # Below the container's memory limit, so Redis refuses writes (or evicts,
                    # by maxmemory_policy) instead of being OOM-killed.
                    "--maxmemory",
                    str(quantity_to_bytes(props.resources.memory_limit) * props.maxmemory_percent // 100),
                    "--maxmemory-policy",
                    props.maxmemory_policy,
                    *props.extra_args,
                ),
                ports=(Port(name="redis", number=props.port),),
                protocol="redis",
                # Loading a large append-only file after a restart can take a while.
                probes=Probes(
                    startup=Probe(check=ping, period_seconds=5, failure_threshold=60),
                    readiness=Probe(check=ping),
                    liveness=Probe(check=ping, timeout_seconds=5, failure_threshold=6),
                ),
                resources=props.resources,
                run_as_user=props.run_as_user,
                run_as_group=props.run_as_group,
                **data_service_props(props.depends_on),  # type: ignore[arg-type]
                env={
                    **({} if agent else {"REDIS_PASSWORD": props.password, "REDISCLI_AUTH": props.password}),
                    **props.env,
                },
                tmp_size="64Mi",
                claims=(ClaimVolume(name="data", path="/data", claim_name=claim_name),),
                **extra,  # type: ignore[arg-type]
                agent_files=_agent_files(props) if agent else (),
                # ReadWriteOnce volume: the old pod must be gone before the new one mounts it.
                strategy="Recreate",
                # checkov exceptions, written only while the Deployment fails the check.
                policy_exceptions={
                    "CKV_K8S_35": "the official Redis image has no password file setting: redis-server gets "
                    "--requirepass $(REDIS_PASSWORD) and the probes' redis-cli reads REDISCLI_AUTH",
                    "CKV_K8S_40": "run_as_user is the user the official Redis image is built for (999 by default), "
                    "who owns the image's /data",
                },
            ),
        )
        self.props = props
        self.metrics_port = (exporter.port or _EXPORTER_PORT) if exporter is not None else None
        self.metrics_path = METRICS_PATH if exporter is not None else None
        # In the Deployment's wave, so a WaitForFirstConsumer class cannot deadlock the sync.
        storage_class = props.storage_class_name or port_default(self, "storage_class_name")
        self.claim = Manifest(
            self,
            "Data",
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": self.meta(claim_name, annotations=KEEP_ON_PRUNE_AND_DELETE, labels=props.volume_labels),
                "spec": _spec.claim_spec(storage_class, props.storage_size),
            },
        )
        self.endpoint = Endpoint(
            host=props.name,
            ports={"redis": props.port},
            credentials={"password": props.password},
            properties={"url": f"redis://{props.name}:{props.port}"},
            protocol="redis",
        )


def _agent_files(props: RedisCacheProps) -> tuple[AgentFile, ...]:
    """Under vault-agent: the server's config include (``requirepass``, the password as a quoted
    string), the password alone for the probes' redis-cli, and with an exporter its password map."""
    values = {"password": props.password}
    files = [
        AgentFile(name=_AGENT_CONFIG.rpartition("/")[2], template="requirepass ${password:json}\n", values=values),
        AgentFile(name=_AGENT_PASSWORD.rpartition("/")[2], template="${password}", values=values),
    ]
    if props.metrics_exporter is not None:
        address = f"redis://127.0.0.1:{props.port}"
        files.append(
            AgentFile(
                name=_AGENT_EXPORTER_AUTH.rpartition("/")[2],
                template=f'{{"{address}": ${{password:json}}}}\n',
                values=values,
            )
        )
    return tuple(files)


def _agent_exporter_props(props: RedisCacheProps, exporter: MetricsExporter) -> dict[str, object]:
    """The exporter under vault-agent: it reads the password map the agent renders."""
    return {"sidecars": (_exporter_sidecar(props, exporter, _AGENT_EXPORTER_AUTH),)}


def _exporter_sidecar(
    props: RedisCacheProps, exporter: MetricsExporter, auth_file: str, scratch: tuple[ScratchVolume, ...] = ()
) -> Sidecar:
    """redis_exporter beside the server, reading its password map from ``auth_file``."""
    port = exporter.port or _EXPORTER_PORT
    uid = exporter.run_as_user or _EXPORTER_UID
    return Sidecar(
        name="redis-exporter",
        image=exporter.image,
        args=exporter.args(
            (
                f"--web.listen-address=:{port}",
                f"--web.telemetry-path={METRICS_PATH}",
                f"--redis.addr=redis://127.0.0.1:{props.port}",
                f"--redis.password-file={auth_file}",
            ),
            _EXPORTER_FLAGS,
        ),
        ports=(Port(name=METRICS_PORT, number=port),),
        # On the landing page, which queries nothing: Redis's state never makes it unready.
        probes=exporter_probes(),
        resources=exporter.resources,
        run_as_user=uid,
        run_as_group=exporter.run_as_group if exporter.run_as_group is not None else uid,
        scratch=scratch,
    )


def _exporter_props(props: RedisCacheProps, exporter: MetricsExporter) -> dict[str, object]:
    """What the exporter adds to the workload: the password as a file, an init container that
    writes redis_exporter's password map from it into a memory volume, and the sidecar."""
    address = f"redis://127.0.0.1:{props.port}"
    auth_file = f"{_EXPORTER_AUTH_DIR}/auth.json"
    # redis_exporter's password file is a JSON map from server address to password: the key is
    # its --redis.addr exactly, the value the Secret's, JSON-escaped (a double quote, a
    # backslash). Mode 0440: the exporter reads it through the pod's group (fsGroup).
    script = (
        "set -eu\n"
        f"secret=$(cat {_PASSWORD_DIR}/password)\n"
        "escaped=$(printf '%s' \"$secret\" | sed 's/[\\\\\"]/\\\\&/g')\n"
        "umask 0337\n"
        f'printf \'{{"%s": "%s"}}\\n\' \'{address}\' "$escaped" > {auth_file}.partial\n'
        f"mv {auth_file}.partial {auth_file}\n"
        f"echo 'redis-exporter-auth: wrote the credentials of {address} to {auth_file}'\n"
    )
    return {
        # The server's password as a file too (the init step reads it).
        "secret_files": (SecretFile(name="password", path=f"{_PASSWORD_DIR}/password", secret=props.password),),
        "init_steps": (
            InitStep(name="redis-exporter-auth", command=("sh", "-c", script), volumes=("password", "exporter-auth")),
        ),
        "sidecars": (
            _exporter_sidecar(
                props,
                exporter,
                auth_file,
                # Its own memory volume, where the init step writes the password map.
                (ScratchVolume(name="exporter-auth", path=_EXPORTER_AUTH_DIR, size="1Mi", memory=True),),
            ),
        ),
    }


def _check_extra_args(extra_args: object) -> None:
    # Empty strings are allowed: ("--rename-command", "FLUSHALL", "") disables a command.
    if not isinstance(extra_args, tuple) or not all(isinstance(a, str) for a in extra_args):
        raise ValueError(f"extra_args must be a tuple of strings, got {extra_args!r}; e.g. ('--maxmemory', '256mb')")
    for arg in extra_args:
        if "\n" in arg or "\r" in arg or "\x00" in arg:
            raise ValueError(f"extra_args must not contain newlines or NUL characters, got {arg!r}")
        option = arg.split("=", 1)[0].lower()
        if option in _MANAGED_OPTIONS:
            raise ValueError(
                f"extra_args must not set options the construct manages, got {arg!r}; {_MANAGED_OPTIONS[option]}"
            )
