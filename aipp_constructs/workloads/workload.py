"""``Workload``: the general application construct, for any shape of Compose service.

A Compose service is an image with a command, zero or more ports, a health check, an
environment, volumes, and the services it talks to. ``Workload`` expresses each of these:

* ``command`` / ``args`` (Compose ``entrypoint`` / ``command``);
* zero or more named ``ports`` (:class:`Port`); with none there is no Service and nothing
  can connect to it (a queue worker), with some there is a ClusterIP Service named after the
  workload, and the first port is the one dependents connect to and wait for;
* a health check per probe (:class:`Probes` of :class:`HttpCheck`, :class:`TcpCheck` or
  :class:`ExecCheck`, or none), with a start-up budget that the startup probe and the
  rollout deadline are derived from;
* ``env`` from literals, from any Secret key (:class:`~aipp_constructs.core.references.SecretKeyRef`,
  e.g. ``VaultSecret.key("api-key")``) and from :class:`EnvTemplate` values that combine
  literals, wired facts and secrets (``postgresql://{username}:{password}@{host}:{port}/{database}``);
* volumes: a writable ``/tmp``, config files (a ConfigMap mounted read-only), scratch space
  (:class:`ScratchVolume`, on disk or in memory) and shared claims (:class:`ClaimVolume`,
  e.g. a :class:`~aipp_constructs.workloads.shared_claim.SharedClaim` used by an API and its worker);
* replicas, a PodDisruptionBudget, spreading over nodes, uid and gid, node selection and
  extended resources (GPUs);
* edges that say what they mean: ``waits_for`` (an init container waits until the
  dependency answers; the NetworkPolicies let it through), ``connects_to`` (its connection
  facts are wired into the environment; the NetworkPolicies let it through; no start-up
  order), ``after`` (a later sync wave only), and ``depends_on``, the shorthand for both
  ``waits_for`` and ``connects_to`` (what Compose's ``depends_on`` usually means).

Every pod is hardened as the rest of the library: non-root, no privilege escalation, all
capabilities dropped, seccomp ``RuntimeDefault``, read-only root filesystem, explicit
requests and limits, no service-account token, no service links, ``IfNotPresent`` pulls of a
pinned image. ``SpringService``, ``WebFrontend`` and ``GpuWorker`` are presets over it.

The workload object carries a ``checkov.io/skip<n>`` annotation, with its reason, for each
checkov check it cannot meet (:mod:`aipp_constructs.core.policy`): the image digest and pull policy
checks while an image of the pod has no digest, and what ``policy_exceptions`` declares.

Environment order matters: Kubernetes expands ``$(NAME)`` only for variables defined
earlier in the list. The container's variables are written in this order: the downward API
(pod name and namespace, when telemetry uses them), the wired connection facts, the preset's
``base_env``, the telemetry variables, then ``env`` in the order given, each template right
after the secret variables it refers to.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from constructs import Construct

from aipp_constructs.core import _spec
from aipp_constructs.core._manifest import Manifest, plain
from aipp_constructs.core._validation import (
    DEFAULT_KUBERNETES_VERSION,
    LABEL_KEY,
    PRE_STOP_SLEEP_SINCE,
    check_directory,
    check_dns_label,
    check_dns_subdomain,
    check_image,
    check_kubernetes_version,
    check_port,
    check_quantity_binary,
    image_tag,
    kubernetes_minor,
)
from aipp_constructs.core.component import (
    CONFIG_WAVE,
    KEEP_ON_PRUNE_AND_DELETE,
    Component,
    namespace_of,
    require_components,
)
from aipp_constructs.core.policy import DEFAULT_RUN_AS_USER, policy_annotations, policy_exceptions
from aipp_constructs.core.port_defaults import AGENT_ENV_WAYS, ENV_FILES_SINCE, port_of, vault_agent_of
from aipp_constructs.core.references import (
    Endpoint,
    Resources,
    SecretKeyRef,
    Toleration,
    check_client_ports,
    check_label_value,
    check_labels,
)
from aipp_constructs.core.security import SecurityException
from aipp_constructs.core.startup_wait import WaitPolicy, wait_container
from aipp_constructs.core.telemetry import Telemetry
from aipp_constructs.core.vault_agent import (
    ENV_FILE,
    ENV_FILE_MOUNT,
    ENV_FILE_VOLUME,
    VAULT_SECRETS_DIR,
    AgentFile,
    agent_pod_annotations,
    env_file_variable,
    env_file_volume,
    token_volume,
)
from aipp_constructs.core.wiring import (
    NAMED_WIRING,
    FactVariables,
    Wiring,
    check_env_name,
    check_wiring,
    check_wiring_tables,
    connection_env,
    upper_snake,
)

__all__ = [
    "AgentEnvRefused",
    "ClaimTemplate",
    "ClaimVolume",
    "EnvTemplate",
    "EnvValue",
    "ExecCheck",
    "FieldRef",
    "HttpCheck",
    "InitStep",
    "Port",
    "Probe",
    "Probes",
    "ScratchVolume",
    "SecretFile",
    "Sidecar",
    "TcpCheck",
    "Workload",
    "WorkloadProps",
]

_PORT_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?")
_URL_PATH = re.compile(r"/[-._~%!$&'()*+,;=:@a-zA-Z0-9/?]*")
_FILE_NAME = re.compile(r"[-._a-zA-Z0-9]+")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: Written by the construct when telemetry needs them; ``env`` may not repeat them.
_DOWNWARD_ENV = {"K8S_POD_NAME": "metadata.name", "K8S_NAMESPACE_NAME": "metadata.namespace"}
#: Volume names the construct uses itself.
_RESERVED_VOLUMES = ("tmp", "files")


class _Named(Protocol):
    """A volume by name: scratch, claims, claim templates and secret files."""

    @property
    def name(self) -> str: ...


class _Mounted(_Named, Protocol):
    """A volume mounted as a folder: scratch, claims and claim templates."""

    @property
    def path(self) -> str: ...


def _check_int(field_name: str, value: object, low: int, high: int, hint: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{field_name} must be an integer from {low} to {high}, got {value!r}{hint}")


@dataclass(frozen=True, kw_only=True, slots=True)
class Port:
    """A port the process listens on: a container port and, with ``expose``, a Service port.

    Attributes:
        name: Port name (an IANA service name: at most 15 of ``[a-z0-9-]``), used by probes,
            the Service's ``targetPort`` and routes. Required.
        number: Port number. Required.
        protocol: ``TCP`` or ``UDP``. Defaults to ``"TCP"``.
        expose: Whether the Service publishes it. Defaults to ``True``.
    """

    name: str
    number: int
    protocol: Literal["TCP", "UDP"] = "TCP"
    expose: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _PORT_NAME.fullmatch(self.name) or "--" in self.name:
            raise ValueError(
                f"ports[].name must be a port name (at most 15 of lowercase letters, digits and '-', "
                f"with a letter), got {self.name!r}; e.g. 'http', 'metrics', 'grpc'"
            )
        if not any(ch.isalpha() for ch in self.name):
            raise ValueError(f"ports[].name must contain a letter, got {self.name!r}; e.g. 'p{self.name}'")
        check_port(f"ports[{self.name}].number", self.number)
        if self.protocol not in ("TCP", "UDP"):
            raise ValueError(f"ports[{self.name}].protocol must be 'TCP' or 'UDP', got {self.protocol!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class HttpCheck:
    """Healthy when ``GET <path>`` on the named port answers 2xx or 3xx.

    Attributes:
        path: URL path. Defaults to ``"/"``.
        port: Name of one of the workload's ports. Defaults to ``"http"``.
    """

    path: str = "/"
    port: str = "http"

    def __post_init__(self) -> None:
        if not isinstance(self.path, str) or not _URL_PATH.fullmatch(self.path):
            raise ValueError(f"HttpCheck.path must be an absolute URL path like '/health', got {self.path!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class TcpCheck:
    """Healthy when the named port accepts a connection.

    Attributes:
        port: Name of one of the workload's ports. Defaults to ``"http"``.
    """

    port: str = "http"


@dataclass(frozen=True, kw_only=True, slots=True)
class ExecCheck:
    """Healthy when the command exits 0 inside the container (Compose ``healthcheck.test``).

    Attributes:
        command: The command and its arguments, e.g. ``("celery", "inspect", "ping")``;
            a shell is only used if you write one (``("sh", "-c", "...")``). Required.
    """

    command: tuple[str, ...]

    def __post_init__(self) -> None:
        if (
            not isinstance(self.command, tuple)
            or not self.command
            or not all(isinstance(part, str) and part for part in self.command)
        ):
            raise ValueError(
                f"ExecCheck.command must be a non-empty tuple of non-empty strings, got {self.command!r}; "
                "e.g. ('pg_isready', '-h', '127.0.0.1')"
            )


Check = HttpCheck | TcpCheck | ExecCheck


@dataclass(frozen=True, kw_only=True, slots=True)
class Probe:
    """One probe: a check and its timing.

    Attributes:
        check: What is checked. Required.
        period_seconds: How often. Defaults to ``10``.
        timeout_seconds: How long one check may take. Defaults to ``3``.
        failure_threshold: Failures in a row before the kubelet acts. Defaults to ``3``; for
            the startup probe, ``None`` (the default there) derives it from the workload's
            ``startup_timeout_seconds``.
    """

    check: Check
    period_seconds: int = 10
    timeout_seconds: int = 3
    failure_threshold: int | None = 3

    def __post_init__(self) -> None:
        if not isinstance(self.check, (HttpCheck, TcpCheck, ExecCheck)):
            raise ValueError(f"Probe.check must be an HttpCheck, TcpCheck or ExecCheck, got {self.check!r}")
        _check_int("Probe.period_seconds", self.period_seconds, 1, 3600)
        _check_int("Probe.timeout_seconds", self.timeout_seconds, 1, 3600)
        if self.timeout_seconds > self.period_seconds:
            raise ValueError(
                f"Probe.timeout_seconds must not exceed period_seconds, got {self.timeout_seconds} > "
                f"{self.period_seconds}; lengthen the period or shorten the timeout"
            )
        if self.failure_threshold is not None:
            _check_int("Probe.failure_threshold", self.failure_threshold, 1, 1000)


@dataclass(frozen=True, kw_only=True, slots=True)
class Probes:
    """The probes of the main container; each may be left out.

    Attributes:
        startup: Holds readiness and liveness off until the process has started; its
            failure threshold defaults to covering ``startup_timeout_seconds``. Defaults to none.
        readiness: Takes the pod out of its Service while failing. Defaults to none.
        liveness: Restarts the container while failing; should not depend on other
            services (a database outage would restart every pod). Defaults to none.
    """

    startup: Probe | None = None
    readiness: Probe | None = None
    liveness: Probe | None = None

    @classmethod
    def of(cls, check: Check, *, period_seconds: int = 10, timeout_seconds: int = 3) -> Probes:
        """The same check for all three probes: liveness tolerates 6 failures, readiness 3."""
        return cls(
            startup=Probe(
                check=check, period_seconds=period_seconds, timeout_seconds=timeout_seconds, failure_threshold=None
            ),
            readiness=Probe(check=check, period_seconds=period_seconds, timeout_seconds=timeout_seconds),
            liveness=Probe(
                check=check, period_seconds=period_seconds, timeout_seconds=timeout_seconds, failure_threshold=6
            ),
        )

    def all(self) -> list[tuple[str, Probe]]:
        return [
            (kind, p)
            for kind, p in (("startup", self.startup), ("readiness", self.readiness), ("liveness", self.liveness))
            if p
        ]


@dataclass(frozen=True, kw_only=True, slots=True)
class ScratchVolume:
    """A writable ``emptyDir`` under the read-only root filesystem, lost with the pod.

    Attributes:
        name: Volume name (a DNS label). Required.
        path: Where it is mounted. Required.
        size: Size limit (binary units). Defaults to ``"256Mi"``.
        memory: Memory-backed (``tmpfs``, e.g. ``/dev/shm``); its pages count against the
            container's memory limit. Defaults to ``False``.
    """

    name: str
    path: str
    size: str = "256Mi"
    memory: bool = False

    def __post_init__(self) -> None:
        check_dns_label("scratch[].name", self.name)
        check_directory(f"scratch[{self.name}].path", self.path)
        check_quantity_binary(f"scratch[{self.name}].size", self.size)


@dataclass(frozen=True, kw_only=True, slots=True)
class ClaimVolume:
    """A PersistentVolumeClaim mounted into the pod, e.g. a shared uploads folder.

    Attributes:
        name: Volume name (a DNS label). Required.
        path: Where it is mounted. Required.
        claim_name: Name of the claim (see :class:`~aipp_constructs.workloads.shared_claim.SharedClaim`). Required.
        read_only: Mount it read-only. Defaults to ``False``.
    """

    name: str
    path: str
    claim_name: str
    read_only: bool = False

    def __post_init__(self) -> None:
        check_dns_label("claims[].name", self.name)
        check_directory(f"claims[{self.name}].path", self.path)
        check_dns_label(f"claims[{self.name}].claim_name", self.claim_name)


@dataclass(frozen=True, kw_only=True, slots=True)
class ClaimTemplate:
    """A persistent volume per replica (a StatefulSet ``volumeClaimTemplate``): a database's data.

    The claim of replica ``n`` is ``<name>-<workload>-<n>``, also emitted as an object
    (:attr:`Workload.claims`) so that a bigger ``size`` grows it in place. It outlives the
    workload: the StatefulSet retains it on scale-down and deletion, and a claim template can
    never change on an existing StatefulSet, so its labels carry no version.

    Attributes:
        name: Volume and claim-template name (a DNS label). Required.
        path: Where it is mounted. Required.
        size: Requested size (binary units). Required.
        storage_class_name: Storage class. Defaults to the cluster's default class.
        access_modes: Access modes. Defaults to ``("ReadWriteOnce",)``.
        labels: Further labels on the claims (e.g. Longhorn recurring-job labels). Defaults to none.
    """

    name: str
    path: str
    size: str
    storage_class_name: str | None = None
    access_modes: tuple[str, ...] = ("ReadWriteOnce",)
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_dns_label("claim_templates[].name", self.name)
        check_directory(f"claim_templates[{self.name}].path", self.path)
        check_quantity_binary(f"claim_templates[{self.name}].size", self.size)
        if self.storage_class_name is not None:
            check_dns_subdomain(f"claim_templates[{self.name}].storage_class_name", self.storage_class_name)
        allowed = ("ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod")
        if not self.access_modes or any(mode not in allowed for mode in self.access_modes):
            raise ValueError(
                f"claim_templates[{self.name}].access_modes must be one or more of {', '.join(allowed)}, "
                f"got {self.access_modes!r}"
            )
        check_labels(f"claim_templates[{self.name}].labels", self.labels)


@dataclass(frozen=True, kw_only=True, slots=True)
class SecretFile:
    """One Secret key as a read-only file, for images that read ``*_FILE`` paths (the value
    stays out of the environment and out of ``/proc/<pid>/environ``).

    Attributes:
        name: Volume name (a DNS label). Required.
        path: Absolute path of the file, e.g. ``/run/secrets/db/password``; its folder holds
            only this file. Required.
        secret: The Secret key. Required.
        mode: File mode. Defaults to ``0o440`` (readable by the pod's group, i.e. fsGroup).
    """

    name: str
    path: str
    secret: SecretKeyRef
    mode: int = 0o440

    def __post_init__(self) -> None:
        check_dns_label("secret_files[].name", self.name)
        folder, _, file_name = self.path.rpartition("/")
        check_directory(f"secret_files[{self.name}].path's folder", folder or "/")
        if not _FILE_NAME.fullmatch(file_name):
            raise ValueError(f"secret_files[{self.name}].path must end in a file name, got {self.path!r}")
        _check_int(f"secret_files[{self.name}].mode", self.mode, 0, 0o777, " (an octal mode like 0o440)")

    @property
    def folder(self) -> str:
        return self.path.rpartition("/")[0]


@dataclass(frozen=True, kw_only=True, slots=True)
class FieldRef:
    """A variable from the pod's own metadata (the downward API), e.g. its name for a node name.

    Attributes:
        field_path: ``metadata.name``, ``metadata.namespace``, ``status.podIP``,
            ``spec.nodeName``... Required.
    """

    field_path: str

    def __post_init__(self) -> None:
        if not re.fullmatch(r"(metadata|spec|status)\.[A-Za-z.\[\]'/-]+", self.field_path):
            raise ValueError(f"FieldRef.field_path must be like 'metadata.name', got {self.field_path!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class InitStep:
    """A command run to completion in the workload's image before the main container starts
    (after the start-up waits): copying a file into place, fixing a permission.

    Attributes:
        name: Container name (a DNS label). Required.
        command: The command and its arguments. Required.
        volumes: Names of the workload's volumes it mounts, at the same paths as the main
            container (``tmp``, ``files``, scratch, claims, claim templates, secret files). Defaults to none.
        resources: Requests and limits. Defaults to 10m/16Mi requested, 100m/32Mi limit.
    """

    name: str
    command: tuple[str, ...]
    volumes: tuple[str, ...] = ()
    resources: Resources = field(
        default_factory=lambda: Resources(
            cpu_request="10m", memory_request="16Mi", cpu_limit="100m", memory_limit="32Mi"
        )
    )

    def __post_init__(self) -> None:
        check_dns_label("init_steps[].name", self.name)
        if not isinstance(self.command, tuple) or not self.command or not all(isinstance(c, str) for c in self.command):
            raise ValueError(
                f"init_steps[{self.name}].command must be a non-empty tuple of strings, got {self.command!r}"
            )


@dataclass(frozen=True, kw_only=True, slots=True)
class EnvTemplate:
    """A variable composed of literals and secrets: ``{name}`` placeholders filled from ``values``.

    Literal values are written in place; each secret becomes a variable of its own
    (``<VARIABLE>_<PLACEHOLDER>``, from its Secret) defined just before, and is referred to
    as ``$(...)``, which Kubernetes expands when the container starts: the secret's value
    never appears in the manifest. A value is inserted as it is, so secrets used in URLs
    must be URL-safe (letters and digits).

    Attributes:
        text: The template, e.g. ``"postgresql://{username}:{password}@{host}:{port}/{database}"``. Required.
        values: Placeholder -> literal or Secret key; a dependency's
            ``endpoint.facts()`` offers ``host``, ``port``, ``url``, ``username``, ``password``...
            Required; every placeholder needs a value.

    Example::

        EnvTemplate(text="redis://:{password}@{host}:{port}/1", values=redis.endpoint.facts())
    """

    text: str
    values: Mapping[str, str | SecretKeyRef]

    def __post_init__(self) -> None:
        missing = sorted(set(_PLACEHOLDER.findall(self.text)) - set(self.values))
        if missing:
            raise ValueError(
                f"EnvTemplate {self.text!r} names {', '.join(missing)}, which values does not give; "
                f"known: {', '.join(sorted(self.values)) or 'none'}"
            )

    def render(self, variable: str) -> tuple[list[tuple[str, SecretKeyRef]], str]:
        """(the secret variables to define first, the value referring to them)."""
        secrets: list[tuple[str, SecretKeyRef]] = []

        def fill(match: re.Match[str]) -> str:
            key = match.group(1)
            value = self.values[key]
            if isinstance(value, SecretKeyRef):
                name = f"{variable}_{upper_snake(key)}"
                if name not in (n for n, _ in secrets):
                    secrets.append((name, value))
                return f"$({name})"
            # A literal "$(" would be expanded by Kubernetes: "$$(" writes it verbatim.
            return str(value).replace("$(", "$$(")

        return secrets, _PLACEHOLDER.sub(fill, self.text.replace("$(", "$$("))


EnvValue = str | SecretKeyRef | EnvTemplate | FieldRef


@dataclass(frozen=True, kw_only=True, slots=True)
class Sidecar:
    """A second long-running container in the workload's pod, beside the main one: a metrics
    exporter or a log shipper that reaches the main process over ``localhost``.

    It is hardened like every container of the library (non-root with an explicit uid and gid,
    read-only root filesystem, no privilege escalation, all capabilities dropped, seccomp
    ``RuntimeDefault``, explicit requests and limits, ``IfNotPresent`` pulls of a pinned
    image); the workload's ``security_exception`` applies to the main container only.
    Kubernetes counts every container in a pod's readiness: a sidecar that is not running, or
    fails its readiness probe, takes the whole pod out of its Services. A sidecar should
    therefore exit only on a mistake of its own configuration, and its readiness probe should
    ask the sidecar alone (its own HTTP page), never the main process or another service; a
    liveness probe restarts the sidecar alone. A workload that runs to completion
    (:class:`~aipp_constructs.workloads.one_shot_job.OneShotJob`) refuses sidecars: its pod would never
    complete.

    Attributes:
        name: Container name (a DNS label), distinct from the workload's other containers. Required.
        image: Pinned image reference. Required.
        command: Replaces the image's entrypoint. Defaults to the image's.
        args: Replaces the image's command. Defaults to the image's.
        env: Variables: literals, Secret keys (:class:`~aipp_constructs.core.references.SecretKeyRef`)
            or pod fields (:class:`FieldRef`). Where the program reads a secret from a file,
            prefer ``secret_files``. Defaults to none.
        ports: Its ports (:class:`Port`): container ports of the sidecar and, with ``expose``,
            ports of the workload's Services, never the endpoint dependents connect to. Names
            and numbers distinct from the workload's ports. Defaults to none.
        probes: Its probes, on its own ports (:class:`HttpCheck`, :class:`TcpCheck`) or
            commands (:class:`ExecCheck`). Defaults to none.
        resources: Requests and limits. Defaults to 10m/32Mi requested, 100m/64Mi limit.
        run_as_user: uid of the container; the image must run as it (non-root). Defaults to
            the workload's ``run_as_user``.
        run_as_group: gid of the container. Defaults to ``run_as_user`` when that is set, else
            the workload's group. The pod's ``fsGroup`` (the workload's group) is a
            supplementary group of every container, so the pod's secret files (mode 0440) stay
            readable whatever the sidecar's own gid.
        volumes: Names of the workload's volumes it mounts, at the main container's paths
            (``tmp``, ``files``, scratch, claims, claim templates, secret files). Defaults to none.
        scratch: Writable ``emptyDir`` volumes of its own (:class:`ScratchVolume`), mounted in
            this container, not in the main one. Defaults to none.
        secret_files: Secret keys mounted as read-only files in this container, not in the main
            one (:class:`SecretFile`). Defaults to none.

    Its own volumes (``scratch``, ``secret_files``) have names distinct from every other volume
    of the pod; an :class:`InitStep` of the workload may name them, and mounts them at the
    sidecar's paths (to prepare a file the sidecar reads).

    Example::

        Sidecar(name="exporter", image="registry.example.com/acme/exporter:1.2.3",
                args=("--listen=:9100",), ports=(Port(name="metrics", number=9100),),
                run_as_user=65534, volumes=("password",))
    """

    name: str
    image: str
    command: tuple[str, ...] | None = None
    args: tuple[str, ...] | None = None
    env: Mapping[str, str | SecretKeyRef | FieldRef] = field(default_factory=dict)
    ports: tuple[Port, ...] = ()
    probes: Probes | None = None
    resources: Resources = field(
        default_factory=lambda: Resources(
            cpu_request="10m", memory_request="32Mi", cpu_limit="100m", memory_limit="64Mi"
        )
    )
    run_as_user: int | None = None
    run_as_group: int | None = None
    volumes: tuple[str, ...] = ()
    scratch: tuple[ScratchVolume, ...] = ()
    secret_files: tuple[SecretFile, ...] = ()

    def __post_init__(self) -> None:
        check_dns_label("sidecars[].name", self.name)
        where = f"sidecars[{self.name}]"
        check_image(f"{where}.image", self.image)
        for key in ("command", "args"):
            value = getattr(self, key)
            if value is not None and (not isinstance(value, tuple) or not all(isinstance(v, str) for v in value)):
                raise ValueError(f"{where}.{key} must be a tuple of strings, got {value!r}; e.g. ('--port=9100',)")
        for var, value in self.env.items():
            check_env_name(f"{where}.env.{var}", var)
            if not isinstance(value, (str, SecretKeyRef, FieldRef)):
                raise ValueError(f"{where}.env.{var} must be a string, a SecretKeyRef or a FieldRef, got {value!r}")
        if not isinstance(self.ports, tuple) or not all(isinstance(p, Port) for p in self.ports):
            raise ValueError(f"{where}.ports must be a tuple of Port, got {self.ports!r}")
        names = [p.name for p in self.ports]
        if self.probes is not None:
            for kind, probe in self.probes.all():
                port = getattr(probe.check, "port", None)
                if port is not None and port not in names:
                    raise ValueError(
                        f"{where}.probes.{kind} checks port {port!r}, which is not one of the sidecar's ports "
                        f"({', '.join(names) or 'none'}); name one of them or use an ExecCheck"
                    )
        if not isinstance(self.resources, Resources):
            raise ValueError(f"{where}.resources must be a Resources, got {self.resources!r}")
        if self.run_as_user is not None:
            _check_int(
                f"{where}.run_as_user", self.run_as_user, 1, 2**31 - 1, "; Pod Security 'restricted' refuses root"
            )
        if self.run_as_group is not None:
            _check_int(f"{where}.run_as_group", self.run_as_group, 0, 2**31 - 1)
        if not isinstance(self.volumes, tuple) or not all(isinstance(v, str) for v in self.volumes):
            raise ValueError(f"{where}.volumes must be a tuple of volume names, got {self.volumes!r}; e.g. ('tmp',)")
        if not isinstance(self.scratch, tuple) or not all(isinstance(v, ScratchVolume) for v in self.scratch):
            raise ValueError(f"{where}.scratch must be a tuple of ScratchVolume, got {self.scratch!r}")
        if not isinstance(self.secret_files, tuple) or not all(isinstance(f, SecretFile) for f in self.secret_files):
            raise ValueError(f"{where}.secret_files must be a tuple of SecretFile, got {self.secret_files!r}")
        own = [v.name for v in self.own_volumes()]
        paths = [path for _, path in self.own_mounts()]
        if len(set(own)) != len(own) or len(set(paths)) != len(paths):
            raise ValueError(
                f"{where}: its scratch and secret_files must have distinct names and paths, got "
                f"{[(v.name, p) for v, (_, p) in zip(self.own_volumes(), self.own_mounts(), strict=True)]}"
            )
        if set(own) & set(self.volumes):
            raise ValueError(
                f"{where}.volumes names {', '.join(sorted(set(own) & set(self.volumes)))}, which its own scratch or "
                "secret_files name too; give the sidecar's own volumes names of their own"
            )

    def own_volumes(self) -> tuple[ScratchVolume | SecretFile, ...]:
        """Its own volumes: scratch, then secret files."""
        return (*self.scratch, *self.secret_files)

    def own_mounts(self) -> list[tuple[str, str]]:
        """(volume name, mount path) of its own volumes: a secret file's folder."""
        return [(v.name, v.path) if isinstance(v, ScratchVolume) else (v.name, v.folder) for v in self.own_volumes()]


class AgentEnvRefused(ValueError):
    """A workload's variable comes from the Vault Agent, its port's ``VaultAgent.agent_env`` is
    ``auto``, and neither way applies: the image's entrypoint is not known (``shell-env``) and
    the cluster is older than v1.35 (``env-file``). ``str(err)`` is one line naming both fixes.

    Attributes:
        workload: The workload's name.
        variable: The first such variable.
        kubernetes_version: The workload's Kubernetes version.
    """

    def __init__(self, message: str, *, workload: str, variable: str, kubernetes_version: str) -> None:
        super().__init__(message)
        self.workload = workload
        self.variable = variable
        self.kubernetes_version = kubernetes_version


@dataclass(frozen=True, kw_only=True, slots=True)
class WorkloadProps:
    """Props of :class:`Workload`.

    Attributes:
        name: Name of the Deployment and its Service (the Compose service name mapped with
            :func:`~aipp_constructs.core.names.kubernetes_name`). Required.
        image: Pinned image reference. Required.
        part_of: ``app.kubernetes.io/part-of`` label. Defaults to the port's, else no label.
        component_label: ``app.kubernetes.io/component`` label. Defaults to ``"app"``.
        container_name: Name of the main container (``kubectl logs -c``). Defaults to ``name``.
        command: Replaces the image's entrypoint (Compose ``entrypoint``). Defaults to the image's.
        args: Replaces the image's command (Compose ``command``). Defaults to the image's.
        ports: The ports; the first exposed one is the main port, which dependents are
            wired with and wait for. Defaults to none (no Service: nothing can connect to it).
        client_ports: Names of the exposed ``ports`` dependents open connections to: every
            edge to the workload opens each in the NetworkPolicies of both sides (the
            endpoint's ``client_ports``), e.g. ``("http", "grpc")``. Must include the main
            port. Defaults to ``()``: the main port only.
        protocol: What speaks on the first port (``http``, ``postgresql``, ``redis``, ``amqp``,
            ``tcp``...); selects dependents' variable names (:mod:`~aipp_constructs.core.wiring`)
            and, for ``http``, adds the ``url`` fact. Defaults to ``"http"``.
        probes: The probes. Defaults to none; a long-running service should have readiness
            and liveness.
        startup_timeout_seconds: How long the process may take to start: the startup probe's
            budget and, plus five minutes, the rollout deadline. Defaults to ``300``.
        replicas: Pod count. Defaults to ``1``.
        strategy: ``RollingUpdate`` (one extra pod at a time, none unavailable) or
            ``Recreate`` (for a singleton, or a pod holding a GPU or a ReadWriteOnce volume).
            Defaults to ``"RollingUpdate"``.
        disruption_budget: A PodDisruptionBudget with ``minAvailable: 1``. Defaults to
            ``None``: only with more than one replica (with one it would block every drain).
        spread_over_nodes: Spread replicas over nodes (``ScheduleAnyway``). Defaults to ``False``.
        resources: Requests and limits. Defaults to 250m/512Mi requested, 1 CPU/512Mi limit.
        extended_resources: Extended resources (``{"nvidia.com/gpu": 1}``), in limits and
            requests alike. Defaults to none.
        run_as_user: uid of the pod; the image must run as it (non-root). Defaults to
            ``10001`` (:data:`~aipp_constructs.core.policy.DEFAULT_RUN_AS_USER`, which passes
            checkov's CKV_K8S_40); an image built for a fixed uid sets that uid.
        run_as_group: gid (and fsGroup). Defaults to ``run_as_user``.
        depends_on: Components it waits for at start-up and connects to. Defaults to none.
        waits_for: Components it only waits for. Defaults to none.
        connects_to: Components it only connects to (wired, allowed by the NetworkPolicies;
            neither waited for nor ordered before it). Defaults to none.
        after: Components it is applied after (sync wave only). Defaults to none.
        wait: How to wait. Defaults to the port's; ``None`` without a port: no wait containers.
        wiring: Variable names by provider protocol. Defaults to
            :data:`~aipp_constructs.core.wiring.NAMED_WIRING` (``<DEPENDENCY>_<FACT>``).
        wiring_overrides: Dependency name -> fact -> variable name(s) (a tuple sets each
            from the fact), replacing the wiring of that dependency; names that are not dependencies are ignored when
            ``ignore_unknown_overrides`` is set. Defaults to none.
        wiring_updates: Dependency name -> fact -> variable name(s) or ``None``, merged over
            the wiring of that dependency's protocol: a fact named is renamed, ``None`` drops
            it, the facts not named keep their default variables. A dependency named here
            may not be named in ``wiring_overrides``. Defaults to none.
        ignore_unknown_overrides: Let one shared ``wiring_overrides`` (and ``wiring_updates``)
            table serve several workloads. Defaults to ``False`` (an unknown name is an error,
            to catch typos).
        base_env: The variables a preset sets for its image; written after the wired ones
            and before telemetry; ``env`` may not repeat them. Defaults to none.
        env: Further variables: literals, Secret keys (:class:`~aipp_constructs.core.references.SecretKeyRef`),
            templates (:class:`EnvTemplate`) or pod fields (:class:`FieldRef`); see the module
            documentation. Defaults to none.
        settings_in_config_map: Serve the literal variables (wired and ``env``) from a
            ConfigMap ``<name>-config`` read with ``envFrom`` (a change rolls the pods);
            secrets and templates stay variables. Defaults to ``False``.
        config_files: File name -> content, in a ConfigMap ``<name>-files`` mounted read-only
            in ``config_dir``. Defaults to none.
        config_dir: Where ``config_files`` appear. Defaults to ``"/config"``.
        config_map_name: Name of the config-files ConfigMap. Defaults to ``"<name>-files"``.
        config_files_mount: ``directory`` mounts the ConfigMap as ``config_dir`` (hiding what
            the image has there); ``files`` mounts each file into ``config_dir`` with a
            ``subPath``, beside the image's own files (a ``conf.d`` drop-in). Defaults to ``"directory"``.
        init_steps: Commands run in the workload's image before the main container, after
            the waits (:class:`InitStep`). Defaults to none.
        sidecars: Further long-running containers of the pod, after the main one
            (:class:`Sidecar`), e.g. a metrics exporter reaching the main process over
            ``localhost``; their exposed ports join the workload's Services. Defaults to none.
        tmp_size: Size limit of the writable ``/tmp``; ``None`` mounts none. Defaults to ``"256Mi"``.
        scratch: Further writable scratch volumes. Defaults to none.
        claims: Claims to mount (persistent, possibly shared). Defaults to none.
        claim_templates: A persistent volume per replica; with any, the workload is a
            StatefulSet governed by a headless Service ``<name>-headless`` (stable pod names
            and DNS, ordered start, claims retained). Defaults to none (a Deployment).
        secret_files: Secret keys mounted as files. Defaults to none.
        agent_files: Files the Vault Agent renders into ``/vault/secrets`` (secret provider
            ``vault-agent``, :class:`~aipp_constructs.core.vault_agent.AgentFile`): the pod gets
            the injector's annotations, its own ServiceAccount and a projected token for the
            agent. Refused outside a ``vault-agent`` port. Defaults to none.
        agent_env: How the variables whose value comes from the Vault Agent (wired
            credentials, ``env`` secrets and templates) reach the program: ``spring-properties``
            renders them into ``/vault/secrets/agent-env.properties`` (each as ``NAME=value`` for
            ``${NAME}`` placeholders and as its relaxed Spring property, ``SPRING_DATASOURCE_PASSWORD``
            -> ``spring.datasource.password``) imported with ``SPRING_CONFIG_IMPORT``;
            ``shell-env`` renders them into ``/vault/secrets/agent-env.sh`` (``export NAME='value'``)
            and wraps ``command`` (which must be given: the image's entrypoint, with ``args`` its
            command) in ``sh -c '. /vault/secrets/agent-env.sh && exec "$@"'``, so the program
            gets them as variables of its own process, never of the pod spec; ``env-file``
            (Kubernetes v1.35+, or v1.34 with the ``EnvFiles`` gate) renders them into an env file
            (``KEY='value'`` each) in the pod's memory volume ``agent-env``, which only the agent
            containers mount, and gives the container each as ``valueFrom.fileKeyRef``: the kubelet
            reads it when the container starts, the image's entrypoint is kept, and a value
            holding ``'`` (which the format cannot hold) fails the agent naming its property;
            ``None`` takes the port's ``VaultAgent.agent_env`` (``auto`` chooses among these),
            and without one refuses them in one line. Defaults to ``None``.
        node_selector: Labels of the nodes it may run on. Defaults to none.
        tolerations: Taints it tolerates. Defaults to none.
        runtime_class_name: ``runtimeClassName``. Defaults to none.
        pre_stop_command: A command run before SIGTERM. Defaults to none.
        pre_stop_sleep_seconds: A pause before SIGTERM while the endpoints drain: the native
            ``sleep`` action when ``kubernetes_version`` is v1.30 or later, else ``sleep`` run
            in the container (the image needs it on the ``PATH``). ``0``: no pause. Not
            together with ``pre_stop_command``. Defaults to ``0``.
        kubernetes_version: The cluster's Kubernetes version, e.g. ``"v1.30"``; it picks the
            form of ``pre_stop_sleep_seconds``. Defaults to the port's, else ``"v1.27"``.
        termination_grace_period_seconds: Time from SIGTERM to SIGKILL. Defaults to ``30``.
        telemetry: OpenTelemetry wiring. Defaults to the port's (see
            :class:`~aipp_constructs.platform.port_chart.PortChart`), else ``Telemetry()``.
        telemetry_language: Language of the OpenTelemetry Operator's inject annotation
            (``java``, ``nodejs``, ``python``, ``dotnet``, ``go``). Defaults to ``"java"``.
        image_pull_secrets: Secrets to pull the image with. Defaults to the port's, else none.
        security_exception: What the main container needs beyond the hardened default, with
            the reason (:class:`~aipp_constructs.core.security.SecurityException`); written on the
            objects as annotations, with checkov's skip annotation (its reason) for each check
            the relaxations fail, and refused by a port chart whose namespace does not admit
            it. Defaults to none.
        policy_exceptions: checkov checks the workload cannot meet, check id -> reason (one
            line, no ``=``), e.g. ``{"CKV_K8S_40": "runs as the user the vendor image is built
            for"}``; written on the workload object as ``checkov.io/skip<n>`` annotations, those
            of ``CKV_K8S_35`` (a Secret in an environment variable) and ``CKV_K8S_40`` (a uid
            below 10000) only while the workload fails that check. ``CKV_K8S_43`` and
            ``CKV_K8S_15`` are refused: the construct writes them itself while an image has no
            digest (see :mod:`~aipp_constructs.core.policy`); so are the checks ``security_exception``
            derives (:meth:`~aipp_constructs.core.security.SecurityException.policy_exceptions`).
            Defaults to none.
    """

    name: str
    image: str
    part_of: str | None = None
    component_label: str = "app"
    container_name: str | None = None
    command: tuple[str, ...] | None = None
    args: tuple[str, ...] | None = None
    ports: tuple[Port, ...] = ()
    client_ports: tuple[str, ...] = ()
    protocol: str = "http"
    probes: Probes | None = None
    startup_timeout_seconds: int = 300
    replicas: int = 1
    strategy: Literal["RollingUpdate", "Recreate"] = "RollingUpdate"
    disruption_budget: bool | None = None
    spread_over_nodes: bool = False
    resources: Resources = field(
        default_factory=lambda: Resources(
            cpu_request="250m", memory_request="512Mi", cpu_limit="1", memory_limit="512Mi"
        )
    )
    extended_resources: Mapping[str, int] = field(default_factory=dict)
    run_as_user: int = DEFAULT_RUN_AS_USER
    run_as_group: int | None = None
    depends_on: tuple[Component, ...] = ()
    waits_for: tuple[Component, ...] = ()
    connects_to: tuple[Component, ...] = ()
    after: tuple[Component, ...] = ()
    wait: WaitPolicy | None = None
    wiring: Wiring = field(default_factory=lambda: NAMED_WIRING)
    wiring_overrides: Mapping[str, Mapping[str, FactVariables]] = field(default_factory=dict)
    wiring_updates: Mapping[str, Mapping[str, FactVariables | None]] = field(default_factory=dict)
    ignore_unknown_overrides: bool = False
    base_env: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, EnvValue] = field(default_factory=dict)
    settings_in_config_map: bool = False
    config_files: Mapping[str, str] = field(default_factory=dict)
    config_dir: str = "/config"
    config_map_name: str | None = None
    config_files_mount: Literal["directory", "files"] = "directory"
    init_steps: tuple[InitStep, ...] = ()
    sidecars: tuple[Sidecar, ...] = ()
    tmp_size: str | None = "256Mi"
    scratch: tuple[ScratchVolume, ...] = ()
    claims: tuple[ClaimVolume, ...] = ()
    claim_templates: tuple[ClaimTemplate, ...] = ()
    secret_files: tuple[SecretFile, ...] = ()
    agent_files: tuple[AgentFile, ...] = ()
    agent_env: Literal["spring-properties", "shell-env", "env-file"] | None = None
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: tuple[Toleration, ...] = ()
    runtime_class_name: str | None = None
    pre_stop_command: tuple[str, ...] | None = None
    pre_stop_sleep_seconds: int = 0
    kubernetes_version: str | None = None
    termination_grace_period_seconds: int = 30
    telemetry: Telemetry | None = None
    telemetry_language: str = "java"
    image_pull_secrets: tuple[str, ...] = ()
    security_exception: SecurityException | None = None
    policy_exceptions: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_dns_label("name", self.name)
        check_image("image", self.image)
        check_dns_label("component_label", self.component_label)
        for key in ("command", "args"):
            value = getattr(self, key)
            if value is not None and (not isinstance(value, tuple) or not all(isinstance(v, str) for v in value)):
                raise ValueError(f"{key} must be a tuple of strings, got {value!r}; e.g. ('celery', 'worker')")
        names = [p.name for p in self.ports]
        numbers = [(p.number, p.protocol) for p in self.ports]
        if len(set(names)) != len(names) or len(set(numbers)) != len(numbers):
            raise ValueError(
                f"ports must have distinct names and numbers, got {[(p.name, p.number) for p in self.ports]}"
            )
        exposed = {p.name: p.number for p in self.ports if p.expose}
        if self.client_ports != () and not exposed:
            raise ValueError(
                f"client_ports names {self.client_ports!r}, but {self.name} exposes no port; "
                "give it ports with expose=True, or leave client_ports out"
            )
        if exposed:
            check_client_ports("client_ports", self.client_ports, exposed)
        if self.probes is not None:
            for kind, probe in self.probes.all():
                port = getattr(probe.check, "port", None)
                if port is not None and port not in names:
                    raise ValueError(
                        f"probes.{kind} checks port {port!r}, which is not one of ports ({', '.join(names) or 'none'}); "
                        "name one of them or use an ExecCheck"
                    )
        _check_int("startup_timeout_seconds", self.startup_timeout_seconds, 10, 7200)
        _check_int("replicas", self.replicas, 0, 100)
        if self.strategy not in ("RollingUpdate", "Recreate"):
            raise ValueError(f"strategy must be 'RollingUpdate' or 'Recreate', got {self.strategy!r}")
        for resource, count in self.extended_resources.items():
            if not LABEL_KEY.fullmatch(resource) or "/" not in resource:
                raise ValueError(f"extended_resources keys must be like 'nvidia.com/gpu', got {resource!r}")
            _check_int(f"extended_resources[{resource!r}]", count, 1, 64)
        _check_int("run_as_user", self.run_as_user, 1, 2**31 - 1, "; Pod Security 'restricted' refuses root (uid 0)")
        if self.run_as_group is not None:
            _check_int("run_as_group", self.run_as_group, 0, 2**31 - 1)
        if self.wait is not None and not isinstance(self.wait, WaitPolicy):
            raise ValueError(f"wait must be a WaitPolicy or None, got {self.wait!r}")
        check_wiring("wiring", self.wiring)
        check_wiring_tables(self.wiring_overrides, self.wiring_updates)
        for var in (*self.base_env, *self.env):
            check_env_name(f"env.{var}", var)
            if var in _DOWNWARD_ENV:
                raise ValueError(f"env.{var} is set by the construct from the downward API; use another name")
        for var, value in self.env.items():
            if not isinstance(value, (str, SecretKeyRef, EnvTemplate, FieldRef)):
                raise ValueError(
                    f"env.{var} must be a string, a SecretKeyRef, an EnvTemplate or a FieldRef, got {value!r}"
                )
        for file_name in self.config_files:
            if not _FILE_NAME.fullmatch(file_name) or file_name in (".", ".."):
                raise ValueError(
                    f"config_files keys must be file names ([-._a-zA-Z0-9]+), got {file_name!r}; "
                    "every file lands in config_dir"
                )
        check_directory("config_dir", self.config_dir, reserved=("/tmp",) if self.tmp_size else ())
        if self.tmp_size is not None:
            check_quantity_binary("tmp_size", self.tmp_size)
        if self.claim_templates and self.strategy != "RollingUpdate":
            raise ValueError(
                f"strategy must be 'RollingUpdate' with claim_templates (a StatefulSet replaces pods one by one "
                f"in order), got {self.strategy!r}"
            )
        if not isinstance(self.agent_files, tuple) or not all(isinstance(f, AgentFile) for f in self.agent_files):
            raise ValueError(f"agent_files must be a tuple of AgentFile, got {self.agent_files!r}")
        if self.agent_env is not None and self.agent_env not in AGENT_ENV_WAYS:
            raise ValueError(
                f"agent_env must be one of {', '.join(AGENT_ENV_WAYS)} (or None: the port's), got {self.agent_env!r}"
            )
        named: tuple[_Named, ...] = (*self.scratch, *self.claims, *self.claim_templates, *self.secret_files)
        volumes = [v.name for v in named]
        for volume in volumes:
            if volume in _RESERVED_VOLUMES or volumes.count(volume) > 1:
                raise ValueError(
                    f"scratch and claims names must be distinct and not {', '.join(_RESERVED_VOLUMES)}, got {volume!r}"
                )
        # Mounts may nest (a claim inside a scratch folder), but two may not share a path, and
        # nothing may be mounted inside the read-only config folder.
        mount_paths = [
            *(["/tmp"] if self.tmp_size else []),
            *([self.config_dir] if self.config_files and self.config_files_mount == "directory" else []),
        ]
        config = (self.config_dir,) if self.config_files and self.config_files_mount == "directory" else ()
        mounted: tuple[_Mounted, ...] = (*self.scratch, *self.claims, *self.claim_templates)
        for name, path in [
            *((v.name, v.path) for v in mounted),
            *((f.name, f.folder) for f in self.secret_files),
        ]:
            check_directory(f"{name}.path", path, reserved=config)
            if path in mount_paths:
                raise ValueError(f"{name}.path {path!r} is already mounted; give each volume its own path")
            mount_paths.append(path)
        if self.container_name is not None:
            check_dns_label("container_name", self.container_name)
        if self.config_map_name is not None:
            check_dns_label("config_map_name", self.config_map_name)
        if self.config_files_mount not in ("directory", "files"):
            raise ValueError(f"config_files_mount must be 'directory' or 'files', got {self.config_files_mount!r}")
        known_volumes = {*(["tmp"] if self.tmp_size else []), *(["files"] if self.config_files else []), *volumes}
        paths = {
            **({"tmp": "/tmp"} if self.tmp_size else {}),
            **({"files": self.config_dir} if self.config_files else {}),
            **{v.name: v.path for v in mounted},
            **{f.name: f.folder for f in self.secret_files},
        }
        sidecar_volumes = self._check_sidecars(paths)
        for step in self.init_steps:
            unknown = sorted(set(step.volumes) - known_volumes - sidecar_volumes)
            if unknown:
                raise ValueError(
                    f"init_steps[{step.name}].volumes names {', '.join(unknown)}, which the workload does not have; "
                    f"known: {', '.join(sorted(known_volumes | sidecar_volumes)) or 'none'}"
                )
        for key, value in self.node_selector.items():
            if not LABEL_KEY.fullmatch(key):
                raise ValueError(f"node_selector keys must be label keys like 'nvidia.com/gpu.present', got {key!r}")
            check_label_value(f"node_selector[{key!r}]", value)
        if self.runtime_class_name is not None:
            check_dns_label("runtime_class_name", self.runtime_class_name)
        if self.pre_stop_command is not None and not self.pre_stop_command:
            raise ValueError("pre_stop_command must not be empty; leave it None for no preStop hook")
        _check_int("pre_stop_sleep_seconds", self.pre_stop_sleep_seconds, 0, 3600)
        if self.pre_stop_sleep_seconds and self.pre_stop_command is not None:
            raise ValueError(
                f"pre_stop_sleep_seconds must be 0 when pre_stop_command is set, got {self.pre_stop_sleep_seconds!r}; "
                "a container has one preStop hook: put the pause into the command"
            )
        if self.kubernetes_version is not None:
            check_kubernetes_version("kubernetes_version", self.kubernetes_version)
        _check_int("termination_grace_period_seconds", self.termination_grace_period_seconds, 0, 3600)
        for secret in self.image_pull_secrets:
            check_dns_label("image_pull_secrets[]", secret)
        if self.security_exception is not None and not isinstance(self.security_exception, SecurityException):
            raise ValueError(f"security_exception must be a SecurityException, got {self.security_exception!r}")
        policy_exceptions("policy_exceptions", self.policy_exceptions)
        derived = {e.check for e in self.security_exception.policy_exceptions()} if self.security_exception else set()
        if restated := sorted(derived & set(self.policy_exceptions)):
            raise ValueError(
                f"policy_exceptions declares {', '.join(restated)}, which security_exception derives "
                f"(with its reason); remove {', '.join(restated)} from policy_exceptions"
            )

    def _check_sidecars(self, paths: Mapping[str, str]) -> set[str]:
        """Sidecar names, ports and volumes against the rest of the pod (``paths``: the
        workload's volumes and where the main container mounts them); the names of the
        sidecars' own volumes."""
        known_volumes = set(paths)
        if not isinstance(self.sidecars, tuple) or not all(isinstance(s, Sidecar) for s in self.sidecars):
            raise ValueError(f"sidecars must be a tuple of Sidecar, got {self.sidecars!r}")
        containers = [self.container_name or self.name, *(step.name for step in self.init_steps)]
        ports = [(p.name, p.number, p.protocol) for p in self.ports]
        taken = set(known_volumes) | set(_RESERVED_VOLUMES)
        for sidecar in self.sidecars:
            if sidecar.name in containers:
                raise ValueError(
                    f"sidecars[{sidecar.name}].name is already the name of a container of the pod; "
                    f"taken: {', '.join(containers)}"
                )
            containers.append(sidecar.name)
            for port in sidecar.ports:
                for name, number, protocol in ports:
                    if port.name == name or (port.number, port.protocol) == (number, protocol):
                        raise ValueError(
                            f"sidecars[{sidecar.name}].ports[{port.name}] ({port.number}) collides with port "
                            f"{name!r} ({number}) of the pod; the containers of a pod share one network"
                        )
                ports.append((port.name, port.number, port.protocol))
            unknown = sorted(set(sidecar.volumes) - known_volumes)
            if unknown:
                raise ValueError(
                    f"sidecars[{sidecar.name}].volumes names {', '.join(unknown)}, which the workload does not have; "
                    f"known: {', '.join(sorted(known_volumes)) or 'none'}"
                )
            mounted = [paths[v] for v in sidecar.volumes] + [path for _, path in sidecar.own_mounts()]
            if len(set(mounted)) != len(mounted):
                raise ValueError(
                    f"sidecars[{sidecar.name}] mounts two volumes at one path, got {sorted(mounted)}; "
                    "give its own volumes paths of their own"
                )
            for volume in sidecar.own_volumes():
                if volume.name in taken:
                    raise ValueError(
                        f"sidecars[{sidecar.name}]: its volume {volume.name!r} is already a volume of the pod; "
                        "give it a name of its own"
                    )
                taken.add(volume.name)
        return taken - known_volumes - set(_RESERVED_VOLUMES)


class Workload(Component):
    """A Compose service as a Deployment (plus its Service, ConfigMaps and disruption budget).

    Attributes:
        spec: The :class:`WorkloadProps` it was built with.
        props: The props it was built with (a preset's own props for a preset).
        files: The ``<name>-files`` ConfigMap, or ``None``.
        settings: The ``<name>-config`` ConfigMap (``settings_in_config_map``), or ``None``.
        service: The client ``Service``, or ``None`` without exposed ports.
        headless_service: The governing ``<name>-headless`` Service of a StatefulSet, or ``None``.
        workload: The ``Deployment`` (a ``StatefulSet`` with claim templates).
        claims: Each replica's ``PersistentVolumeClaim`` of each claim template (none without).
        disruption_budget: The ``PodDisruptionBudget``, or ``None``.
        endpoint: Host ``<name>``, every exposed port, the ``url`` fact for ``http``; ``None``
            without exposed ports (a worker). :attr:`required_endpoint` is the same, typed
            as never ``None``, raising one line when the workload declares no ports.

    Example::

        worker = Workload(chart, "Worker", WorkloadProps(
            name="worker", image="registry.example.com/acme/api:2.4.1",
            args=("celery", "-A", "app", "worker"), depends_on=(db, cache), wait=wait,
            probes=Probes(liveness=Probe(check=ExecCheck(command=("celery", "-A", "app", "inspect", "ping")),
                                         period_seconds=60, timeout_seconds=30)),
            env={"SECRET_KEY": app_secret.key("secret-key"),
                 "DATABASE_URL": EnvTemplate(text="postgresql://{username}:{password}@{host}:{port}/{database}",
                                             values=db.endpoint.facts())}))
    """

    def __init__(self, scope: Construct, id: str, props: WorkloadProps) -> None:
        props = _with_port_defaults(scope, props)
        if props.sidecars and self._restart_policy() is not None:
            raise ValueError(
                f"sidecars: {props.name} runs to completion, and a long-running sidecar "
                f"({', '.join(s.name for s in props.sidecars)}) would keep its pod from completing; "
                "leave sidecars out"
            )
        # Checked before the node joins the tree, so a refused edge leaves nothing behind.
        for edge in ("depends_on", "waits_for", "connects_to", "after"):
            require_components(f"{scope.node.path}/{id}: {edge}", getattr(props, edge))
        for edge in ("depends_on", "waits_for", "connects_to"):
            for dep in getattr(props, edge):
                if dep.endpoint is None:
                    raise ValueError(
                        f"{edge}: {props.name} {edge.replace('_', ' ')} {dep.name}, which serves no endpoint"
                    )
        wired_deps = _distinct((*props.depends_on, *props.connects_to))
        overrides = props.wiring_overrides
        updates = props.wiring_updates
        if props.ignore_unknown_overrides:
            overrides = {name: facts for name, facts in overrides.items() if name in {d.name for d in wired_deps}}
            updates = {name: facts for name, facts in updates.items() if name in {d.name for d in wired_deps}}
        self._wiring_overrides: dict[str, Mapping[str, FactVariables]] = dict(overrides)
        self._wiring_updates: dict[str, Mapping[str, FactVariables | None]] = dict(updates)
        self.wired = connection_env(
            [(dep.name, dep.endpoint) for dep in wired_deps if dep.endpoint is not None],
            props.wiring,
            overrides,
            updates,
            seen_from=namespace_of(scope),
        )
        super().__init__(
            scope,
            id,
            name=props.name,
            component=props.component_label,
            version=image_tag(props.image),
            part_of=props.part_of,
            depends_on=props.depends_on,
            waits_for=props.waits_for,
            connects_to=props.connects_to,
            after=props.after,
        )
        self.spec = props
        self.props: object = props
        self._check_vault_agent_refs()
        #: The variables rendered by the agent (``agent_env``): name -> (template, values).
        self._agent_env: dict[str, tuple[str, dict[str, SecretKeyRef]]] = {}
        # Built first: it refuses an env entry that repeats a variable the construct sets.
        env = self._environment()
        agent_files = props.agent_files
        command, args = props.command, props.args
        port_agent = vault_agent_of(self)
        agent_env = self._effective_agent_env()
        if self._agent_env and agent_env == "shell-env" and command is None and port_agent is not None:
            known = port_agent[1].entrypoint(props.image)
            if known is not None:
                command, args = known[0], known[1] if args is None else args
        if self._agent_env and agent_env == "shell-env":
            if command is None:
                raise ValueError(
                    f"{props.name}: agent_env 'shell-env' wraps the container's command, and none is given; set "
                    "command to the image's entrypoint (and args to its command)"
                )
            agent_files = (*agent_files, self._agent_shell_file())
            command = ("sh", "-c", f'. {VAULT_SECRETS_DIR}/{AGENT_SHELL_FILE} && exec "$@"', "agent-env", *command)
        elif self._agent_env and agent_env == "spring-properties":
            agent_files = (*agent_files, self._agent_env_file())
            env.append(_spec.env_value("SPRING_CONFIG_IMPORT", f"file:{VAULT_SECRETS_DIR}/{AGENT_ENV_FILE}"))
        elif self._agent_env and agent_env == "env-file":
            agent_files = (*agent_files, self._agent_kubelet_env_file())
            env += [env_file_variable(var) for var in sorted(self._agent_env)]
        env_file = bool(self._agent_env) and agent_env == "env-file"
        agent = vault_agent_of(self) if agent_files else None
        if agent_files and agent is None:
            raise ValueError(
                f"{props.name}: agent_files need a port whose secret_store has provider 'vault-agent'; "
                "with External Secrets use secret_files"
            )
        #: The Vault role of the pod's agent, or ``None`` without agent files.
        self.vault_role: str | None = None
        #: The Vault Agent settings of the port when the pod has an agent, else ``None``.
        self.vault_agent = agent[1] if agent is not None else None
        self.files = (
            self._config_map("Files", props.config_map_name or f"{props.name}-files", props.config_files)
            if props.config_files
            else None
        )
        settings = self._literal_settings() if props.settings_in_config_map else None
        self.settings = self._config_map("Config", f"{props.name}-config", settings) if settings is not None else None
        exposed = {p.name: p.number for p in props.ports if p.expose}
        # The Services publish the sidecars' exposed ports too (a metrics port); the endpoint
        # dependents connect to has the main container's only.
        all_ports = [*props.ports, *(p for sidecar in props.sidecars for p in sidecar.ports)]
        published = {p.name: p.number for p in all_ports if p.expose}
        protocols = {p.name: p.protocol for p in all_ports}
        self.service = self.add_client_service(published, protocols=protocols) if published else None
        self.headless_service = (
            self.add_headless_service(published, protocols=protocols) if props.claim_templates else None
        )
        self.endpoint = (
            Endpoint(
                host=props.name,
                ports=exposed,
                properties={"url": f"http://{props.name}:{next(iter(exposed.values()))}"}
                if props.protocol == "http"
                else {},
                protocol=props.protocol,
                client_ports=props.client_ports,
            )
            if exposed
            else None
        )
        volumes, mounts = self._volumes()
        if env_file:
            volumes.append(env_file_volume())
        container = _spec.container(
            name=props.container_name or props.name,
            image=props.image,
            uid=props.run_as_user,
            gid=props.run_as_group,
            resources_=props.resources,
            command=command,
            args=args,
            env=env,
            env_from=[{"configMapRef": {"name": f"{props.name}-config"}}] if settings is not None else (),
            ports={p.name: p.number for p in props.ports},
            protocols={p.name: p.protocol for p in props.ports},
            volume_mounts=mounts,
            extended_resources=props.extended_resources,
            startup_probe=self._probe(props.probes.startup if props.probes else None, startup=True),
            readiness_probe=self._probe(props.probes.readiness if props.probes else None),
            liveness_probe=self._probe(props.probes.liveness if props.probes else None),
            lifecycle=_lifecycle(props),
            exception=props.security_exception,
        )
        sidecars = [self._sidecar_container(sidecar, mounts) for sidecar in props.sidecars]
        for sidecar in props.sidecars:
            volumes += [_spec.empty_dir(v.name, size_limit=v.size, memory=v.memory) for v in sidecar.scratch]
            volumes += [_secret_file_volume(f) for f in sidecar.secret_files]
        documents = [dict(props.config_files), *([settings] if settings is not None else [])]
        exception = props.security_exception.annotations() if props.security_exception else {}
        assert props.telemetry is not None  # _with_port_defaults always sets it
        pod_annotations = {
            **exception,
            **props.telemetry.pod_annotations(props.telemetry_language),
            **({"checksum/config": _spec.config_checksum(*documents)} if any(documents) else {}),
        }
        service_account = None
        if agent is not None:
            defaults, vault = agent
            gid = props.run_as_group if props.run_as_group is not None else props.run_as_user
            pod_annotations |= agent_pod_annotations(
                defaults,
                vault,
                props.name,
                agent_files,
                gid=gid,
                pre_populate_only=self._restart_policy() is not None,
                init_first=bool(props.init_steps),
                agent_mounts={ENV_FILE_VOLUME: ENV_FILE_MOUNT} if env_file else None,
            )
            self.vault_role = vault.role(defaults.namespace, props.name)
            volumes.append(token_volume(vault))
            service_account = self.add_service_account()
        template = {
            "metadata": {"labels": dict(self.labels), "annotations": pod_annotations or None},
            "spec": _spec.pod_spec(
                containers=[container, *sidecars],
                init_containers=[*self._wait_containers(), *self._init_step_containers(mounts)],
                uid=props.run_as_user,
                gid=props.run_as_group,
                volumes=volumes,
                termination_grace_period_seconds=props.termination_grace_period_seconds,
                image_pull_secrets=props.image_pull_secrets,
                node_selector=props.node_selector,
                tolerations=[
                    {"key": t.key, "operator": t.operator, "value": t.value, "effect": t.effect}
                    for t in props.tolerations
                ],
                runtime_class_name=props.runtime_class_name,
                topology_spread_constraints=[
                    {
                        "maxSkew": 1,
                        "topologyKey": "kubernetes.io/hostname",
                        "whenUnsatisfiable": "ScheduleAnyway",
                        "labelSelector": self.selector(),
                    }
                ]
                if props.spread_over_nodes
                else (),
                restart_policy=self._restart_policy(),
            ),
        }
        if service_account is not None:
            template["spec"]["serviceAccountName"] = props.name
        # checkov's skip annotations, on the workload object (the one checkov reads).
        # A security exception brings the checks its relaxations fail (WorkloadProps refuses them
        # in policy_exceptions too).
        derived = props.security_exception.policy_exceptions() if props.security_exception else ()
        self.policy_annotations = policy_annotations(
            props.name, template["spec"], (*policy_exceptions("policy_exceptions", props.policy_exceptions), *derived)
        )
        self.workload = self._emit(template)
        self.claims = self._replica_claims()
        budget = props.disruption_budget if props.disruption_budget is not None else props.replicas > 1
        self.disruption_budget = (
            Manifest(
                self,
                "DisruptionBudget",
                {
                    "apiVersion": "policy/v1",
                    "kind": "PodDisruptionBudget",
                    "metadata": self.meta(),
                    "spec": {"minAvailable": 1, "selector": self.selector()},
                },
            )
            if budget
            else None
        )

    def _agent_env_file(self) -> AgentFile:
        """The properties file of ``agent_env`` (``spring-properties``): each variable as
        ``NAME=value`` and as its relaxed Spring property name."""
        if "SPRING_CONFIG_IMPORT" in self.spec.env:
            raise ValueError(
                f"{self.spec.name}: env SPRING_CONFIG_IMPORT is set, but agent_env imports the agent's properties "
                "file with it; drop it from env"
            )
        lines: list[str] = []
        values: dict[str, SecretKeyRef] = {}
        for index, (var, (template, refs)) in enumerate(sorted(self._agent_env.items())):
            text = template
            for key, ref in refs.items():
                placeholder = f"v{index}_{key}"
                text = text.replace(f"${{{key}}}", f"${{{placeholder}}}")
                values[placeholder] = ref
            lines += [f"{var}={text}", f"{var.lower().replace('_', '.')}={text}"]
        return AgentFile(name=AGENT_ENV_FILE, template="".join(f"{line}\n" for line in lines), values=values)

    def _agent_variable_parts(self) -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
        """Each agent variable, sorted, with its template split into parts: ``(text, None)`` for
        literal text, ``(name, key)`` for the Vault value ``key`` of the template, whose
        placeholder in the file is ``name`` (``v<index>_<key>``, unique in the file)."""
        for index, (var, (template, refs)) in enumerate(sorted(self._agent_env.items())):
            parts: list[tuple[str, str | None]] = []
            for part in re.split(r"(\$\{[A-Za-z_][A-Za-z0-9_]*\})", template):
                key = part[2:-1] if part.startswith("${") and part[2:-1] in refs else None
                if key is not None:
                    parts.append((f"v{index}_{key}", key))
                elif part:
                    parts.append((part, None))
            yield var, parts

    def _agent_values(self) -> dict[str, SecretKeyRef]:
        """Placeholder -> Vault value of every agent variable (see ``_agent_variable_parts``)."""
        return {
            name: self._agent_env[var][1][key]
            for var, parts in self._agent_variable_parts()
            for name, key in parts
            if key is not None
        }

    def _agent_shell_file(self) -> AgentFile:
        """The shell file of ``agent_env`` (``shell-env``): ``export NAME='value'`` per variable."""
        lines = [
            f"export {var}="
            + "".join(f"${{{text}:sh}}" if key else "'" + text.replace("'", "'\\''") + "'" for text, key in parts)
            for var, parts in self._agent_variable_parts()
        ]
        return AgentFile(
            name=AGENT_SHELL_FILE, template="".join(f"{line}\n" for line in lines), values=self._agent_values()
        )

    def _agent_kubelet_env_file(self) -> AgentFile:
        """The env file of ``agent_env`` (``env-file``): ``NAME='value'`` per variable, the
        kubelet's ``fileKeyRef`` format (single-quoted, literal), written into the pod's volume
        ``agent-env`` (mounted at ``/vault/secrets/env`` in the agent containers)."""
        lines: list[str] = []
        for var, parts in self._agent_variable_parts():
            for text, key in parts:
                if key is None and "'" in text:
                    raise ValueError(
                        f"{self.spec.name}: env {var} holds a single quote in {text!r}, which an env file "
                        "(agent_env 'env-file', KEY='value') cannot hold; remove it or use agent_env 'shell-env'"
                    )
            lines.append(f"{var}='" + "".join(f"${{{text}:env}}" if key else text for text, key in parts) + "'")
        file = f"{ENV_FILE_MOUNT.removeprefix(VAULT_SECRETS_DIR + '/')}/{ENV_FILE}"
        return AgentFile(
            name=ENV_FILE, template="".join(f"{line}\n" for line in lines), values=self._agent_values(), file=file
        )

    def add_service_account(self) -> Manifest:
        """The component's own ServiceAccount ``<name>`` (wave 0), the identity its Vault role is
        bound to; no token is mounted from it (``automountServiceAccountToken: false``)."""
        return Manifest(
            self,
            "ServiceAccount",
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": self.meta(wave=CONFIG_WAVE),
                "automountServiceAccountToken": False,
            },
        )

    def _effective_agent_env(self) -> str | None:
        """``agent_env``, else the port's Vault Agent default (``auto``: ``shell-env`` when the
        image's entrypoint is known, else ``env-file`` from Kubernetes v1.35), else ``None``."""
        if self.spec.agent_env is not None:
            return self.spec.agent_env
        found = vault_agent_of(self)
        way = found[1].agent_env if found is not None else None
        if way != "auto" or found is None:
            return way
        if self.spec.command is not None or found[1].entrypoint(self.spec.image) is not None:
            return "shell-env"
        if self._kubernetes_minor() >= ENV_FILES_SINCE:
            return "env-file"
        return None

    def _kubernetes_minor(self) -> tuple[int, int]:
        return kubernetes_minor("kubernetes_version", self.spec.kubernetes_version or DEFAULT_KUBERNETES_VERSION)

    def _check_vault_agent_refs(self) -> None:
        """Refuse a Vault Agent secret where only a Kubernetes Secret works (a variable, a
        secret file): under ``vault-agent`` there is no Secret; the program reads an agent file."""
        props = self.spec
        places: list[tuple[str, object]] = []
        if self._effective_agent_env() is None:
            places += [(f"env {var} (wired)", v) for var, v in self.wired]
            for var, value in props.env.items():
                places.append((f"env {var}", value))
                if isinstance(value, EnvTemplate):
                    places += [(f"env {var}", v) for v in value.values.values()]
        places += [(f"secret_files {f.name}", f.secret) for f in props.secret_files]
        for sidecar in props.sidecars:
            places += [(f"sidecar {sidecar.name} env {var}", v) for var, v in sidecar.env.items()]
            places += [(f"sidecar {sidecar.name} secret_files {f.name}", f.secret) for f in sidecar.secret_files]
        found = vault_agent_of(self)
        auto = props.agent_env is None and found is not None and found[1].agent_env == "auto"
        for where, ref in places:
            if isinstance(ref, SecretKeyRef) and ref.from_vault_agent and auto and where.startswith("env "):
                version = props.kubernetes_version or DEFAULT_KUBERNETES_VERSION
                raise AgentEnvRefused(
                    f"{props.name}: {where} reads {ref.vault_path} {ref.property_name} from the Vault Agent, and "
                    f"neither way applies: give the image's entrypoint (command, or VaultAgent.entrypoints) for "
                    f"agent_env 'shell-env', or target Kubernetes v1.35 or later (kubernetes_version, now {version}) "
                    "for agent_env 'env-file'",
                    workload=props.name,
                    variable=where.split(" ")[1],
                    kubernetes_version=version,
                )
            if isinstance(ref, SecretKeyRef) and ref.from_vault_agent:
                raise ValueError(
                    f"{props.name}: {where} reads {ref.vault_path} {ref.property_name} from the Vault Agent "
                    "(secrets provider vault-agent), which renders files, not Kubernetes Secrets; "
                    "this workload does not support vault-agent yet (render it with agent_files)"
                )

    def _config_map(self, id: str, name: str, data: Mapping[str, str]) -> Manifest:
        """A ConfigMap the pods read at start: wave 0, before the workload."""
        return Manifest(
            self,
            id,
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": self.meta(name, wave=CONFIG_WAVE),
                "data": dict(data),
            },
        )

    # -- the workload object ----------------------------------------------------------------

    def workload_meta(self, annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Metadata of the workload object: the component's, plus the security exception's
        annotations (what is relaxed, why, and the Pod Security level it needs) and the policy
        exceptions' (``checkov.io/skip<n>``)."""
        exception = self.spec.security_exception
        return self.meta(
            annotations={
                **(exception.annotations() if exception else {}),
                **self.policy_annotations,
                **(annotations or {}),
            }
        )

    def _replica_claims(self) -> list[Manifest]:
        """Each replica's claim of each claim template, as its own object.

        Named ``<template>-<workload>-<ordinal>``, the claim the StatefulSet controller looks
        for (and adopts when it exists), with the template's labels and spec, at the
        StatefulSet's wave and kept by ArgoCD on prune and delete. A claim template never
        changes on an existing StatefulSet, but a claim may grow: with these objects a bigger
        ``size`` reaches the existing volumes (ArgoCD patches the claims, Longhorn expands
        them) while the Application ignores the template (docs/how-to-grow-a-volume.md).
        """
        props = self.spec
        return [
            Manifest(
                self,
                f"Claim-{claim.name}-{ordinal}",
                {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": {
                        "name": f"{claim.name}-{props.name}-{ordinal}",
                        "labels": {**self.selector_labels, **claim.labels},
                        "annotations": self.meta(annotations=KEEP_ON_PRUNE_AND_DELETE)["annotations"],
                    },
                    "spec": _spec.claim_spec(claim.storage_class_name, claim.size, claim.access_modes),
                },
            )
            for claim in props.claim_templates
            for ordinal in range(props.replicas)
        ]

    def _restart_policy(self) -> str | None:
        """The pod's restart policy; the kind of workload decides (``None``: the default, Always)."""
        return None

    def _emit(self, template: dict[str, Any]) -> Manifest:
        """The Deployment, or the StatefulSet when the workload has claim templates."""
        props = self.spec
        if props.claim_templates:
            return Manifest(
                self,
                "Resource",
                {
                    "apiVersion": "apps/v1",
                    "kind": "StatefulSet",
                    "metadata": self.workload_meta(),
                    "spec": {
                        "replicas": props.replicas,
                        "revisionHistoryLimit": 3,
                        "serviceName": f"{props.name}-headless",
                        "podManagementPolicy": "OrderedReady",
                        "updateStrategy": {"type": "RollingUpdate"},
                        # The data outlives the StatefulSet: deleting or scaling it never deletes a volume.
                        "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
                        "selector": self.selector(),
                        "template": template,
                        # With apiVersion and kind (the cdk8s L1 serializer dropped them): without
                        # them ArgoCD (server-side apply) shows the StatefulSet out of sync (argo-cd#11143).
                        "volumeClaimTemplates": [
                            {
                                "apiVersion": "v1",
                                "kind": "PersistentVolumeClaim",
                                "metadata": {"name": claim.name, "labels": {**self.selector_labels, **claim.labels}},
                                "spec": _spec.claim_spec(claim.storage_class_name, claim.size, claim.access_modes),
                            }
                            for claim in props.claim_templates
                        ],
                    },
                },
            )
        strategy: dict[str, Any] = (
            {"type": "Recreate"}
            if props.strategy == "Recreate"
            else {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
        )
        return Manifest(
            self,
            "Resource",
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": self.workload_meta(),
                "spec": {
                    "replicas": props.replicas,
                    "revisionHistoryLimit": 3,
                    # A rollout may legitimately take the whole startup budget; only after that
                    # (plus margin) should ArgoCD call the Deployment degraded.
                    "progressDeadlineSeconds": props.startup_timeout_seconds + 300,
                    "strategy": strategy,
                    "selector": self.selector(),
                    "template": template,
                },
            },
        )

    # -- pieces ----------------------------------------------------------------------------

    def client_pod_ports(self) -> tuple[tuple[int, str], ...]:
        """``(port, protocol)`` of each client port (``client_ports``), as the container
        declares it: what the NetworkPolicies open on every edge to the workload."""
        if self.endpoint is None:
            return ()
        protocols = {p.name: p.protocol for p in self.spec.ports}
        return tuple((self.endpoint.ports[name], protocols.get(name, "TCP")) for name in self.endpoint.client_ports)

    def _no_endpoint(self) -> str:
        exposed = [p.name for p in self.spec.ports if p.expose]
        if self.spec.ports and not exposed:
            return (
                f"{self.name} exposes none of its ports ({', '.join(p.name for p in self.spec.ports)}); "
                "set expose=True on the port dependents use"
            )
        return (
            f"{self.name} declares no ports, so it serves no endpoint; give it ports=(Port(name=..., number=...),) "
            "or read endpoint, which is None for a worker"
        )

    def _wait_containers(self) -> list[dict[str, Any]]:
        """``wait-for-<dependency>`` init containers, one per waited-for component."""
        if self.spec.wait is None:
            return []
        return [
            wait_container(dep.name, dep.endpoint.host_from(self.namespace), dep.endpoint.main_port, self.spec.wait)
            for dep in _distinct((*self.depends_on, *self.waits_for))
            if dep.endpoint is not None
        ]

    def _late_edge(self, edge: str, other: Component, wiring: Mapping[str, FactVariables] | None) -> None:
        """Render an edge added after construction into the objects already built: the
        wired variables (main container's ``env``, or the settings ConfigMap and its checksum)
        and the ``wait-for-`` init container. Nothing changes when it raises."""
        props = self.spec
        pod = self.workload._manifest["spec"]["template"]
        changed_pod = dict(pod)
        pod_spec = dict(pod["spec"])
        settings_data: dict[str, str] | None = None
        wired = self.wired
        overrides = self._wiring_overrides
        if edge in ("connects_to", "depends_on"):
            if wiring is not None:
                overrides = {**overrides, other.name: dict(wiring)}
            deps = _distinct((*self.depends_on, *self.connects_to, other))
            wired = connection_env(
                [(dep.name, dep.endpoint) for dep in deps if dep.endpoint is not None],
                props.wiring,
                overrides,
                self._wiring_updates,
                seen_from=self.namespace,
            )
            before = self.wired
            self.wired = wired
            try:
                env = self._environment()
                if props.settings_in_config_map:
                    settings_data = self._literal_settings()
            finally:
                self.wired = before
            if settings_data is not None and self.settings is None and settings_data:
                raise ValueError(
                    f"{self.node.path}: {edge}: {props.name} has no settings ConfigMap to carry {other.name}'s "
                    f"wiring; pass {other.name} in the {edge} prop instead"
                )
            main = dict(pod_spec["containers"][0])
            main["env"] = env or None
            pod_spec["containers"] = [plain(main), *pod_spec["containers"][1:]]
            if settings_data is not None and self.settings is not None:
                documents = [dict(props.config_files), settings_data]
                annotations = dict(pod["metadata"].get("annotations") or {})
                annotations["checksum/config"] = _spec.config_checksum(*documents)
                changed_pod["metadata"] = plain({**pod["metadata"], "annotations": annotations})
        if edge in ("waits_for", "depends_on") and props.wait is not None and other.endpoint is not None:
            waits = len(self._wait_containers())
            inits = list(pod_spec.get("initContainers") or [])
            new_wait = wait_container(
                other.name, other.endpoint.host_from(self.namespace), other.endpoint.main_port, props.wait
            )
            pod_spec["initContainers"] = [*inits[:waits], plain(new_wait), *inits[waits:]]
        changed_pod["spec"] = plain(pod_spec)
        # Every check passed: record the edge's rendering.
        self.wired = wired
        self._wiring_overrides = overrides
        self.workload._manifest["spec"]["template"] = changed_pod
        if settings_data is not None and self.settings is not None:
            self.settings._manifest["data"] = plain(settings_data)

    def _init_step_containers(self, mounts: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """The ``init_steps``, each mounting the volumes it names where the main container does
        (a sidecar's own volume where that sidecar does)."""
        props = self.spec
        mounts = [*mounts, *(mount for sidecar in props.sidecars for mount in _own_mounts(sidecar))]
        return [
            _spec.container(
                name=step.name,
                image=props.image,
                uid=props.run_as_user,
                gid=props.run_as_group,
                resources_=step.resources,
                command=step.command,
                volume_mounts=[mount for mount in mounts if mount["name"] in step.volumes],
            )
            for step in props.init_steps
        ]

    def _environment(self) -> list[dict[str, Any]]:
        props = self.spec
        assert props.telemetry is not None  # _with_port_defaults always sets it
        telemetry = props.telemetry.env(
            service_name=props.name, service_namespace=props.part_of, version=image_tag(props.image)
        )
        in_config_map = props.settings_in_config_map
        env: list[dict[str, Any]] = []
        if telemetry:
            env += [_spec.env_from_field(name, path) for name, path in _DOWNWARD_ENV.items()]
        for var, value in self.wired:
            if isinstance(value, SecretKeyRef) and value.from_vault_agent:
                self._agent_env[var] = ("${value}", {"value": value})
            elif isinstance(value, SecretKeyRef):
                env.append(_spec.env_from_secret(var, value))
            elif not in_config_map:
                env.append(_spec.env_value(var, value))
        env += [_spec.env_value(var, value) for var, value in [*props.base_env.items(), *telemetry]]
        taken = {var["name"] for var in env} | {var for var, _ in self.wired}
        for var in props.env:
            if var in taken:
                raise ValueError(
                    f"env.{var} is already set by the construct (wiring, telemetry or its own settings); "
                    f"change it through wiring_overrides or the matching prop instead"
                )
        for var, entry in props.env.items():
            if isinstance(entry, SecretKeyRef) and entry.from_vault_agent:
                self._agent_env[var] = ("${value}", {"value": entry})
            elif isinstance(entry, EnvTemplate) and any(
                isinstance(v, SecretKeyRef) and v.from_vault_agent for v in entry.values.values()
            ):
                self._agent_env[var] = _agent_template(entry)
            elif isinstance(entry, SecretKeyRef):
                env.append(_spec.env_from_secret(var, entry))
            elif isinstance(entry, EnvTemplate):
                secrets, text = entry.render(var)
                for secret_var, ref in secrets:
                    if secret_var in taken or secret_var in props.env:
                        raise ValueError(f"env.{var}: the template's variable {secret_var} is already set; rename one")
                    env.append(_spec.env_from_secret(secret_var, ref))
                env.append(_spec.env_value(var, text))
            elif isinstance(entry, FieldRef):
                env.append(_spec.env_from_field(var, entry.field_path))
            elif not in_config_map:
                env.append(_spec.env_value(var, entry))
        return env

    def _literal_settings(self) -> dict[str, str]:
        """The wired non-secret values and the literal ``env``, for the settings ConfigMap."""
        return {
            **{var: value for var, value in self.wired if not isinstance(value, SecretKeyRef)},
            **{var: value for var, value in self.spec.env.items() if isinstance(value, str)},
        }

    def _volumes(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        props = self.spec
        volumes: list[dict[str, Any]] = []
        mounts: list[dict[str, Any]] = []
        if props.tmp_size is not None:
            volumes.append(_spec.empty_dir("tmp", size_limit=props.tmp_size))
            mounts.append(_spec.volume_mount("tmp", "/tmp"))
        if self.files is not None:
            name = props.config_map_name or f"{props.name}-files"
            volumes.append({"name": "files", "configMap": {"name": name, "defaultMode": 0o444}})
            if props.config_files_mount == "directory":
                mounts.append(_spec.volume_mount("files", props.config_dir, read_only=True))
            else:
                mounts += [
                    _spec.volume_mount("files", f"{props.config_dir}/{file}", read_only=True, sub_path=file)
                    for file in props.config_files
                ]
        for scratch in props.scratch:
            volumes.append(_spec.empty_dir(scratch.name, size_limit=scratch.size, memory=scratch.memory))
            mounts.append(_spec.volume_mount(scratch.name, scratch.path))
        for claim in props.claims:
            claim_source = {"claimName": claim.claim_name, "readOnly": True if claim.read_only else None}
            volumes.append({"name": claim.name, "persistentVolumeClaim": claim_source})
            mounts.append(_spec.volume_mount(claim.name, claim.path, read_only=claim.read_only))
        for claim_template in props.claim_templates:
            mounts.append(_spec.volume_mount(claim_template.name, claim_template.path))
        for secret_file in props.secret_files:
            volumes.append(_secret_file_volume(secret_file))
            mounts.append(_spec.volume_mount(secret_file.name, secret_file.folder, read_only=True))
        return volumes, mounts

    def _sidecar_container(self, sidecar: Sidecar, mounts: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """A sidecar: hardened, with the workload's volumes it names (at the main container's
        paths) and its own secret files; its uid and gid default to the pod's."""
        props = self.spec
        env: list[dict[str, Any]] = []
        for var, value in sidecar.env.items():
            if isinstance(value, SecretKeyRef):
                env.append(_spec.env_from_secret(var, value))
            elif isinstance(value, FieldRef):
                env.append(_spec.env_from_field(var, value.field_path))
            else:
                env.append(_spec.env_value(var, value))
        uid = sidecar.run_as_user if sidecar.run_as_user is not None else props.run_as_user
        if sidecar.run_as_group is not None:
            gid = sidecar.run_as_group
        elif sidecar.run_as_user is not None:
            gid = sidecar.run_as_user
        else:
            gid = props.run_as_group if props.run_as_group is not None else props.run_as_user
        probes = sidecar.probes
        return _spec.container(
            name=sidecar.name,
            image=sidecar.image,
            uid=uid,
            gid=gid,
            resources_=sidecar.resources,
            command=sidecar.command,
            args=sidecar.args,
            env=env,
            ports={p.name: p.number for p in sidecar.ports},
            protocols={p.name: p.protocol for p in sidecar.ports},
            volume_mounts=[*(mount for mount in mounts if mount["name"] in sidecar.volumes), *_own_mounts(sidecar)],
            startup_probe=self._probe(probes.startup if probes else None, startup=True),
            readiness_probe=self._probe(probes.readiness if probes else None),
            liveness_probe=self._probe(probes.liveness if probes else None),
        )

    def _probe(self, probe: Probe | None, *, startup: bool = False) -> dict[str, Any] | None:
        if probe is None:
            return None
        failures = probe.failure_threshold
        if failures is None:
            failures = max(1, math.ceil(self.spec.startup_timeout_seconds / probe.period_seconds)) if startup else 3
        timing = {"period": probe.period_seconds, "timeout": probe.timeout_seconds, "failures": failures}
        check = probe.check
        if isinstance(check, HttpCheck):
            return _spec.http_probe(check.path, check.port, **timing)
        if isinstance(check, TcpCheck):
            return _spec.tcp_probe(check.port, **timing)
        return _spec.exec_probe(check.command, **timing)


#: The files ``agent_env`` renders, in ``/vault/secrets``.
AGENT_ENV_FILE = "agent-env.properties"
AGENT_SHELL_FILE = "agent-env.sh"


def _agent_template(template: EnvTemplate) -> tuple[str, dict[str, SecretKeyRef]]:
    """An :class:`EnvTemplate` as an agent template: literals in place, each Vault value a placeholder."""
    refs: dict[str, SecretKeyRef] = {}

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        value = template.values[key]
        if isinstance(value, SecretKeyRef):
            if not value.from_vault_agent:
                raise ValueError(
                    f"EnvTemplate {template.text!r}: {key} is a Kubernetes Secret, but the template is rendered by "
                    "the Vault Agent; read every secret of it from Vault"
                )
            refs[key] = value
            return f"${{{key}}}"
        return str(value)

    return _PLACEHOLDER.sub(fill, template.text), refs


def _own_mounts(sidecar: Sidecar) -> list[dict[str, Any]]:
    """The mounts of a sidecar's own volumes (secret files read-only)."""
    return [
        _spec.volume_mount(name, path, read_only=name in {f.name for f in sidecar.secret_files})
        for name, path in sidecar.own_mounts()
    ]


def _secret_file_volume(secret_file: SecretFile) -> dict[str, Any]:
    """The ``secret`` volume of a :class:`SecretFile`: that one key, as the file's name."""
    return _spec.secret_key_volume(
        secret_file.name, secret_file.secret, secret_file.path.rpartition("/")[2], secret_file.mode
    )


def data_service_props(depends_on: Sequence[Component]) -> dict[str, object]:
    """What the data-service presets (``PgvectorDb``, ``RedisCache``, ``RabbitMq``) share: the
    components they depend on come first (a later sync wave) and may be reached through the
    NetworkPolicies, but are neither waited for nor wired; and no OpenTelemetry (the official
    images carry no agent; RabbitMQ serves its own Prometheus metrics)."""
    require_components("depends_on", depends_on)
    return {
        "after": tuple(depends_on),
        "connects_to": tuple(dep for dep in depends_on if dep.endpoint is not None),
        "wiring": {},
        "telemetry": Telemetry(mode="off"),
    }


def check_preset_env(preset: str, env: Mapping[str, EnvValue], own: Mapping[str, str]) -> None:
    """The extra ``env`` of a data preset (``PgvectorDb``, ``RedisCache``, ``RabbitMq``):
    variable names and values as :class:`WorkloadProps` takes them, and none of the preset's
    own variables (``own``: variable -> what to do instead, e.g. ``"set password"``)."""
    if not isinstance(env, Mapping):
        raise ValueError(f"env must be a mapping of variable -> value, got {env!r}")
    for var, value in env.items():
        check_env_name(f"env.{var}", var)
        if var in own:
            raise ValueError(f"env.{var} is set by {preset} itself, got {var!r} in env; {own[var]}")
        if not isinstance(value, (str, SecretKeyRef, EnvTemplate, FieldRef)):
            raise ValueError(f"env.{var} must be a string, a SecretKeyRef, an EnvTemplate or a FieldRef, got {value!r}")


def _lifecycle(props: WorkloadProps) -> dict[str, Any] | None:
    """The container's ``lifecycle``: the preStop command, or the pause in the form the
    cluster's version allows."""
    if props.pre_stop_command:
        return {"preStop": {"exec": {"command": list(props.pre_stop_command)}}}
    if not props.pre_stop_sleep_seconds:
        return None
    version = kubernetes_minor("kubernetes_version", props.kubernetes_version or DEFAULT_KUBERNETES_VERSION)
    if version >= PRE_STOP_SLEEP_SINCE:
        return {"preStop": {"sleep": {"seconds": props.pre_stop_sleep_seconds}}}
    return {"preStop": {"exec": {"command": ["sleep", str(props.pre_stop_sleep_seconds)]}}}


def _with_port_defaults(scope: Construct, props: WorkloadProps) -> WorkloadProps:
    """``props`` with the enclosing port chart's defaults for what it does not set, and the
    security exception checked against the port's Pod Security level."""
    port = port_of(scope)
    changes: dict[str, object] = {}
    if port is not None:
        defaults = port.defaults
        if props.part_of is None:
            changes["part_of"] = defaults.part_of
        if props.wait is None and defaults.wait is not None:
            changes["wait"] = defaults.wait
        if props.telemetry is None:
            changes["telemetry"] = defaults.telemetry
        if props.kubernetes_version is None:
            changes["kubernetes_version"] = defaults.kubernetes_version
        if not props.image_pull_secrets and defaults.image_pull_secrets:
            changes["image_pull_secrets"] = defaults.image_pull_secrets
        if defaults.storage_class_name and any(t.storage_class_name is None for t in props.claim_templates):
            changes["claim_templates"] = tuple(
                replace(t, storage_class_name=t.storage_class_name or defaults.storage_class_name)
                for t in props.claim_templates
            )
        exception = props.security_exception
        if exception is not None:
            port.check_security(props.name, exception.level, exception.describe())
    if props.telemetry is None and "telemetry" not in changes:
        changes["telemetry"] = Telemetry()
    return replace(props, **changes) if changes else props  # type: ignore[arg-type]


def _distinct(components: Sequence[Component]) -> tuple[Component, ...]:
    seen: dict[int, Component] = {}
    for component in components:
        seen.setdefault(id(component), component)
    return tuple(seen.values())
