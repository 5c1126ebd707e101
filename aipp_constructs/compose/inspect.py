"""What a port of each Compose service needs: the facts, the construct, the props, the decisions.

:func:`inspect_compose` turns a :class:`~aipp_constructs.compose.model.ComposeFile` into one
:class:`ServiceReport` per service (file order); :func:`render_text` and :func:`render_json`
print them. Nothing here imports cdk8s: the report names constructs, it does not build them.

Construct heuristics, first match wins:

1. a GPU device reservation (``capabilities: [gpu]``) or ``gpus:`` -> ``GpuWorker``;
2. an image named ``postgres``, ``pgvector``, ``postgis`` or ``timescaledb`` (last path segment of the
   repository, or ``pgvector`` anywhere in it) -> ``PgvectorDb`` (``extensions=()`` unless the
   image ships pgvector);
3. ``redis``, ``valkey``, ``redis-stack-server`` -> ``RedisCache``;
4. ``rabbitmq`` -> ``RabbitMq``;
5. another well-known data store (``mysql``, ``mariadb``, ``mongo``, ``elasticsearch``,
   ``opensearch``, ``minio``, ``kafka``, ``zookeeper``, ``memcached``, ``etcd``, ``clickhouse``),
   or any remaining service with a persisted named volume -> a generic stateful service
   (the library has no construct for it: a StatefulSet written by hand);
6. a Spring Boot application: a ``SPRING_*`` or ``JAVA_*`` variable (``JAVA_OPTS``,
   ``JAVA_TOOL_OPTIONS``), or ``spring`` in the image name -> ``SpringService``;
7. a service with a container port -> ``WebFrontend`` (the port is assumed to speak HTTP);
8. otherwise a worker without ports (no construct in the library: a Deployment without a
   Service, written by hand).

Names: the Kubernetes name is :func:`aipp_constructs.names.kubernetes_name` of the Compose name;
both are shown when they differ, and a name that cannot be mapped, or two that collide, is a
"decide by hand" note.

Redaction: a variable value is shown as ``<redacted>`` when the name looks secret (it contains
``PASS``, ``SECRET``, ``TOKEN``, ``KEY``, ``SALT``, ``AUTH``, ``CREDENTIAL`` or ``PRIVATE``) or
the value holds a credential URL (``scheme://user:password@``). A value that is only a
reference to the ``.env`` file (``${NAME}`` or ``$NAME``) is shown as written: it names where the
secret lives, not the secret. Command and health-check arguments get the same treatment: the
argument after a secret-looking flag (``--requirepass x``), ``NAME=value`` arguments with a
secret-looking name, and credential URLs are redacted.

"Decide by hand" notes: moving image tags (``latest``, ``main-latest``, a tag without a minor
version such as ``7``, ``pg17``, ``3-management``; a digest pins), no image (``build`` only),
literal secrets in ``environment`` values, credentials from the ``.env`` file (which Vault key),
``env_file`` (its variables are not in this file), bind mounts (config file or host directory),
an unknown ``user`` (the image's default uid, maybe root) or a user name instead of a uid,
``privileged`` and ``cap_add`` (Pod Security "restricted" refuses both), ports published on the
host, ``depends_on`` with ``service_healthy`` (a start-up wait), ``service_completed_successfully``
(a one-shot Job) or ``required: false``, ``restart: no`` (a Job?), a command or entrypoint
override, more ports than the construct exposes, a GPU ``count: all``, and the Compose keys
this model does not map.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aipp_constructs.compose.model import ComposeFile, EnvVar, Healthcheck, Port, Service
from aipp_constructs.names import kubernetes_name
from aipp_constructs.wiring import NAMED_WIRING, SPRING_BOOT_WIRING, upper_snake

__all__ = [
    "REDACTED",
    "ServiceReport",
    "image_tag",
    "inspect_compose",
    "is_moving_tag",
    "is_reference",
    "looks_secret",
    "redact_args",
    "redacted_value",
    "render_json",
    "render_text",
]

REDACTED = "<redacted>"
_SECRET_NAME = re.compile(r"PASS|SECRET|TOKEN|KEY|SALT|AUTH|CREDENTIAL|PRIVATE", re.IGNORECASE)
_CREDENTIAL_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")
_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*")
_PINNED_VERSION = re.compile(r"\d+\.\d+")
_HEALTH_URL = re.compile(r"https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0)(?::(\d+))?(/[^\s'\"|;&]*)?")

_POSTGRES = ("postgres", "pgvector", "postgis", "timescaledb")
_REDIS = ("redis", "valkey", "redis-stack-server")
_RABBITMQ = ("rabbitmq",)
_OTHER_STORES = (
    "mysql", "mariadb", "mongo", "elasticsearch", "opensearch", "minio", "kafka", "zookeeper", "memcached",
    "etcd", "clickhouse", "clickhouse-server",
)
_APP_CONSTRUCTS = ("SpringService", "WebFrontend", "GpuWorker")
#: Construct -> the wiring protocol a dependent gets for it.
_PROTOCOL = {"PgvectorDb": "postgresql", "RedisCache": "redis", "RabbitMq": "amqp"}


@dataclass(frozen=True, slots=True)
class ServiceReport:
    """What :func:`inspect_compose` found for one service.

    Attributes:
        name: The Compose name.
        kubernetes_name: The Kubernetes name; ``None`` when the Compose name cannot be mapped.
        image: The image as written; ``None`` when only built.
        ports: Container ports as ``8080/tcp``, with ``(published 127.0.0.1:5432)`` or
            ``(expose)`` when so.
        command: ``command`` (with ``entrypoint`` first when set), secrets redacted; empty
            for the image's default.
        environment: ``(name, shown value)`` pairs, values redacted by the module's rule;
            the value is ``None`` when only the name is given.
        env_files: ``env_file`` paths.
        volumes: ``(kind, "source:target[:ro]")`` pairs; kind is persisted, scratch, config or bind.
        healthcheck: The health check in one line (secrets redacted); ``None`` when not set.
        depends_on: ``(service, condition)`` pairs in file order.
        user: ``user`` as written; ``None`` for the image's default.
        category: ``database``, ``cache``, ``message-broker``, ``gpu-worker``, ``spring-service``,
            ``web-frontend``, ``stateful`` or ``worker``.
        construct: The library construct it maps to; ``None`` when the library has none.
        props: ``(prop, value, why)`` triples to set on the construct, in the props' order.
        wired_env: Variable names the construct's wiring sets from ``depends_on``.
        decide_by_hand: One note per decision the tool cannot make.
        not_mapped: Compose keys this tool does not map.
    """

    name: str
    kubernetes_name: str | None
    image: str | None
    ports: tuple[str, ...]
    command: tuple[str, ...]
    environment: tuple[tuple[str, str | None], ...]
    env_files: tuple[str, ...]
    volumes: tuple[tuple[str, str], ...]
    healthcheck: str | None
    depends_on: tuple[tuple[str, str], ...]
    user: str | None
    category: str
    construct: str | None
    props: tuple[tuple[str, str, str], ...]
    wired_env: tuple[str, ...] = ()
    decide_by_hand: tuple[str, ...] = ()
    not_mapped: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (``--format json``)."""
        return {
            "name": self.name,
            "kubernetes_name": self.kubernetes_name,
            "image": self.image,
            "ports": list(self.ports),
            "command": list(self.command),
            "environment": [{"name": name, "value": value} for name, value in self.environment],
            "env_files": list(self.env_files),
            "volumes": [{"kind": kind, "mount": mount} for kind, mount in self.volumes],
            "healthcheck": self.healthcheck,
            "depends_on": [{"service": name, "condition": cond} for name, cond in self.depends_on],
            "user": self.user,
            "category": self.category,
            "construct": self.construct,
            "props": [{"prop": prop, "value": value, "why": why} for prop, value, why in self.props],
            "wired_env": list(self.wired_env),
            "decide_by_hand": list(self.decide_by_hand),
            "not_mapped": list(self.not_mapped),
        }


# --------------------------------------------------------------------------------------------
# Secrets and images.


def looks_secret(name: str) -> bool:
    """Whether a variable or flag name looks like it holds a credential."""
    return bool(_SECRET_NAME.search(name))


def is_reference(value: str) -> bool:
    """Whether a value is only a reference to the ``.env`` file (``${NAME}`` or ``$NAME``)."""
    return bool(_REFERENCE.fullmatch(value))


def redacted_value(name: str, value: str | None) -> str | None:
    """The value to show for a variable, by the module's redaction rule."""
    if value is None or is_reference(value):
        return value
    if looks_secret(name) or _CREDENTIAL_URL.search(value):
        return REDACTED
    return value


def redact_args(args: Iterable[str]) -> tuple[str, ...]:
    """Command arguments with secret values replaced by :data:`REDACTED`."""
    out: list[str] = []
    secret_next = False
    for arg in args:
        if secret_next and not is_reference(arg):
            out.append(REDACTED)
            secret_next = False
            continue
        secret_next = False
        if arg.startswith("-") and looks_secret(arg.split("=", 1)[0]):
            flag, sep, value = arg.partition("=")
            if sep:
                out.append(f"{flag}={value if is_reference(value) else REDACTED}")
            else:
                out.append(arg)
                secret_next = True
            continue
        name, sep, value = arg.partition("=")
        if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and looks_secret(name) and not is_reference(value):
            out.append(f"{name}={REDACTED}")
        elif _CREDENTIAL_URL.search(arg):
            out.append(_CREDENTIAL_URL.sub(lambda m: m.group(0).split("://")[0] + f"://{REDACTED}@", arg))
        else:
            out.append(arg)
    return tuple(out)


def _split_image(image: str) -> tuple[str, str | None, str | None]:
    """``registry:5000/org/name:tag@sha256:...`` -> (repository with registry, tag, digest)."""
    rest, _, digest = image.partition("@")
    last_slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > last_slash:
        return rest[:colon], rest[colon + 1 :], digest or None
    return rest, None, digest or None


def image_tag(image: str) -> str | None:
    """The tag of an image reference; ``None`` when it has none."""
    return _split_image(image)[1]


def is_moving_tag(image: str) -> bool:
    """Whether an image reference moves: no digest and a ``latest`` tag, no tag, or a tag
    without a minor version (``7``, ``pg17``, ``3-management``)."""
    _, tag, digest = _split_image(image)
    if digest:
        return False
    if tag is None or "latest" in tag.lower():
        return True
    return not _PINNED_VERSION.search(tag)


def _repo_name(image: str | None) -> str:
    """The last path segment of the repository, lowercase."""
    if not image:
        return ""
    repository = _split_image(image)[0]
    return repository.rsplit("/", 1)[-1].lower()


# --------------------------------------------------------------------------------------------
# Formatting facts.


def _port_text(port: Port) -> str:
    text = f"{port.target}/{port.protocol}"
    if port.exposed_only:
        return f"{text} (expose)"
    if port.published is not None:
        host = f"{port.host_ip}:" if port.host_ip else ""
        return f"{text} (published {host}{port.published})"
    return text


def _healthcheck_text(check: Healthcheck) -> str:
    if check.kind == "NONE":
        return "disabled (NONE)"
    if check.kind == "CMD":
        test = " ".join(redact_args(check.test))
    else:
        test = " ".join(redact_args(check.test[0].split())) if check.test else ""
    timing = [
        f"{label} {value}"
        for label, value in (
            ("every", check.interval),
            ("timeout", check.timeout),
            ("retries", check.retries),
            ("start period", check.start_period),
        )
        if value is not None
    ]
    return f"{check.kind} {test}" + (f" ({', '.join(timing)})" if timing else "")


def _health_path(check: Healthcheck | None) -> str | None:
    """The HTTP path a health check polls on localhost, if it does."""
    if check is None or check.kind == "NONE":
        return None
    match = _HEALTH_URL.search(" ".join(check.test))
    if not match:
        return None
    return match.group(2) or "/"


def _quantity(value: str | None, cpu: bool) -> str | None:
    """Compose ``0.5`` / ``512M`` -> Kubernetes ``500m`` / ``512Mi`` (Compose units are binary)."""
    if value is None:
        return None
    text = value.strip()
    if cpu:
        try:
            millis = round(float(text) * 1000)
        except ValueError:
            return text
        return f"{millis // 1000}" if millis % 1000 == 0 else f"{millis}m"
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([bkmgt]?)b?", text, re.IGNORECASE)
    if not match:
        return text
    number, unit = match.groups()
    suffix = {"": "", "b": "", "k": "Ki", "m": "Mi", "g": "Gi", "t": "Ti"}[unit.lower()]
    return f"{number}{suffix}"


def _secret_ref(var: EnvVar | None, vault_key: str, prop_key: str) -> str:
    source = f" (Compose: {var.name}={redacted_value(var.name, var.value)})" if var is not None else ""
    return f'SecretKeyRef(name="{vault_key}", key="{prop_key}"){source}'


# --------------------------------------------------------------------------------------------
# Mapping.


def _category(service: Service) -> tuple[str, str | None]:
    repo = _repo_name(service.image)
    full = (service.image or "").lower()
    if service.needs_gpu:
        return "gpu-worker", "GpuWorker"
    if repo in _POSTGRES or "pgvector" in full:
        return "database", "PgvectorDb"
    if repo in _REDIS:
        return "cache", "RedisCache"
    if repo in _RABBITMQ:
        return "message-broker", "RabbitMq"
    if repo in _OTHER_STORES:
        return "stateful", None
    if any(var.name.startswith(("SPRING_", "JAVA_")) for var in service.environment) or "spring" in full:
        return "spring-service", "SpringService"
    if any(volume.kind == "persisted" for volume in service.volumes):
        return "stateful", None
    if service.ports:
        return "web-frontend", "WebFrontend"
    return "worker", None


def _props(
    service: Service, k8s_name: str | None, construct: str | None, deps: Sequence[tuple[str, str | None]]
) -> list[tuple[str, str, str]]:
    """(prop, value, why) triples for the construct."""
    props: list[tuple[str, str, str]] = []
    name = k8s_name or "?"
    image = service.image or "?"
    pin = "pin a version (the tag moves)" if service.image and is_moving_tag(service.image) else "as in Compose"
    tcp = [port.target for port in service.ports if port.protocol == "tcp"]
    if construct is None:
        return props
    if construct == "PgvectorDb":
        props.append(("name", f'"{name}"', "the Compose service name"))
        props.append(("image", f'"{image}"', pin))
        user = service.env("POSTGRES_USER")
        password = service.env("POSTGRES_PASSWORD")
        database = service.env("POSTGRES_DB")
        props.append(("username", _secret_ref(user, name, "username"), "a Vault key, read by External Secrets"))
        props.append(("password", _secret_ref(password, name, "password"), "a Vault key, read by External Secrets"))
        if database is not None and database.value and not is_reference(database.value):
            props.append(("database", f'"{database.value}"', "POSTGRES_DB"))
        elif database is not None:
            props.append(("database", "?", f"POSTGRES_DB is {database.value or 'taken from the shell'}"))
        if tcp and tcp[0] != 5432:
            props.append(("port", str(tcp[0]), "the container port"))
        props.append(("storage_size", "?", "Compose volumes have no size: size the PVC"))
        ships_vector = "pgvector" in (service.image or "").lower()
        props.append(("extensions", '("vector",)' if ships_vector else "()", "the image ships pgvector"
                      if ships_vector else "a plain postgres image has no pgvector"))
    elif construct == "RedisCache":
        props.append(("name", f'"{name}"', "the Compose service name"))
        props.append(("image", f'"{image}"', pin))
        args = service.command or ()
        if "--requirepass" in args or service.env("REDIS_PASSWORD") is not None:
            props.append(("password", _secret_ref(service.env("REDIS_PASSWORD"), name, "password"),
                          "Compose sets a password (--requirepass)"))
        else:
            props.append(("password", _secret_ref(None, name, "password"),
                          "required by the construct; Compose runs without a password"))
        if tcp and tcp[0] != 6379:
            props.append(("port", str(tcp[0]), "the container port"))
        props.append(("storage_size", "?", "Compose volumes have no size: size the PVC"))
    elif construct == "RabbitMq":
        props.append(("name", f'"{name}"', "the Compose service name"))
        props.append(("image", f'"{image}"', pin))
        props.append(("username", _secret_ref(service.env("RABBITMQ_DEFAULT_USER"), name, "username"),
                      "a Vault key, read by External Secrets"))
        props.append(("password", _secret_ref(service.env("RABBITMQ_DEFAULT_PASS"), name, "password"),
                      "a Vault key, read by External Secrets"))
        props.append(("erlang_cookie", _secret_ref(service.env("RABBITMQ_ERLANG_COOKIE"), name, "erlang-cookie"),
                      "clustering needs one; Compose usually lets the image make it up"))
        props.append(("storage_size", "?", "Compose volumes have no size: size the PVC"))
    else:
        props.append(("name", f'"{name}"', "the Compose service name"))
        props.append(("image", f'"{image}"', pin))
        if tcp:
            props.append(("port", str(tcp[0]), "the container port"))
        if service.replicas is not None:
            props.append(("replicas", str(service.replicas), "deploy.replicas"))
        if deps:
            components = ", ".join(d or "?" for _, d in deps)
            props.append(("depends_on", f"({components}{',' if len(deps) == 1 else ''})",
                          "the components of these services: waited for and wired"))
        if service.user and re.fullmatch(r"\d+(:\d+)?", service.user):
            props.append(("run_as_user", service.user.split(":")[0], "user"))
        health = _health_path(service.healthcheck)
        if health and construct in ("WebFrontend", "GpuWorker"):
            props.append(("health_path", f'"{health}"', "the Compose health check polls it"))
        if construct == "GpuWorker":
            counts = [device.count for device in service.gpu_devices]
            count = counts[0] if counts else None
            if isinstance(count, int):
                props.append(("gpu_count", str(count), "the GPU reservation"))
        if service.resources is not None:
            limits, requests = service.resources.limits, service.resources.reservations
            values = {
                "cpu_request": _quantity(requests.cpus, True),
                "memory_request": _quantity(requests.memory, False),
                "cpu_limit": _quantity(limits.cpus, True),
                "memory_limit": _quantity(limits.memory, False),
            }
            shown = ", ".join(f'{key}="{value}"' for key, value in values.items() if value)
            if shown:
                props.append(("resources", f"Resources({shown})", "deploy.resources"))
    return props


def _wired(construct: str | None, deps: Sequence[tuple[str, str | None]], constructs: Mapping[str, str | None]
           ) -> list[str]:
    """Names the construct's wiring sets for its ``depends_on`` (all facts of each protocol)."""
    if construct not in _APP_CONSTRUCTS:
        return []
    wiring = SPRING_BOOT_WIRING if construct == "SpringService" else NAMED_WIRING
    names: list[str] = []
    for compose_name, k8s in deps:
        protocol = _PROTOCOL.get(constructs.get(compose_name) or "", "http")
        for template in wiring.get(protocol, {}).values():
            names.append(template.replace("{NAME}", upper_snake(k8s or compose_name)))
    return names


def _notes(service: Service, construct: str | None, category: str, wired: Sequence[str], name_note: str | None
           ) -> list[str]:
    notes: list[str] = []
    if name_note:
        notes.append(name_note)
    if service.image is None:
        notes.append("no image, only 'build': build the image, push it to the registry and pin its tag")
    elif is_moving_tag(service.image):
        tag = image_tag(service.image) or "(none: latest)"
        notes.append(f"image tag {tag!r} moves: pin a version (or a digest) in the port")
    if category == "stateful":
        notes.append("stateful service without a library construct: write a StatefulSet with a volumeClaimTemplate")
    if category == "worker":
        notes.append("worker without ports: no library construct; write a Deployment without a Service")
    for var in service.environment:
        if var.value is None:
            notes.append(f"environment {var.name}: no value in Compose (taken from the shell): find the value")
            continue
        secret = looks_secret(var.name) or bool(_CREDENTIAL_URL.search(var.value))
        if not secret:
            continue
        if is_reference(var.value):
            if var.name in wired:
                continue
            notes.append(f"environment {var.name}: a credential from the .env file ({var.value}): store it in Vault "
                         "and reference it (secretKeyRef), never as a literal env value")
        else:
            notes.append(f"environment {var.name}: the Compose file holds a literal secret: move it to Vault and "
                         "reference it (secretKeyRef); rotate it, it has been shipped in the file")
    for what, args in (("command", service.command), ("entrypoint", service.entrypoint)):
        if args is not None and REDACTED in redact_args(args):
            notes.append(f"{what} holds a literal secret: move it to Vault, pass it as a variable "
                         "(secretKeyRef, then $(NAME) in args); rotate it, it has been shipped in the file")
    for env_file in service.env_file:
        notes.append(f"env_file {env_file}: its variables are not in this file: read it, move credentials to Vault "
                     "and the rest to env")
    for volume in service.volumes:
        mode = ":ro" if volume.read_only else ""
        if volume.kind == "config":
            notes.append(f"bind mount {volume.source}:{volume.target}{mode}: a config file: a ConfigMap "
                         "(config_files) or a Secret, with the file's content")
        elif volume.kind == "bind":
            notes.append(f"bind mount {volume.source}:{volume.target}{mode}: a host directory: a PVC, a ConfigMap "
                         "or nothing")
        elif volume.kind == "persisted" and construct in _APP_CONSTRUCTS:
            notes.append(f"volume {volume.source}:{volume.target}: {construct} has no persistent volume: "
                         "decide (a PVC by hand, or object storage)")
    if construct in _APP_CONSTRUCTS or construct is None:
        if service.user is None:
            notes.append("user not set: the image's default uid (maybe root); find it (docker inspect) and set "
                         "run_as_user: Pod Security 'restricted' refuses root")
        elif not re.fullmatch(r"\d+(:\d+)?", service.user):
            notes.append(f"user {service.user!r} is a name: Kubernetes needs a numeric uid (run_as_user)")
    if service.privileged:
        notes.append("privileged: Pod Security 'restricted' refuses it: find what needs it")
    if service.cap_add:
        notes.append(f"cap_add {', '.join(service.cap_add)}: Pod Security 'restricted' allows only "
                     "NET_BIND_SERVICE: find what needs them")
    for port in service.ports:
        if port.published is not None:
            host = f"{port.host_ip}:" if port.host_ip else ""
            notes.append(f"port {port.target} is published on the host ({host}{port.published}): in the cluster "
                         "a ClusterIP Service; expose it through the Ingress only if users need it")
    if construct in _APP_CONSTRUCTS:
        extra = [str(port.target) for port in service.ports[1:]]
        if extra:
            notes.append(f"more ports ({', '.join(extra)}): {construct} exposes one port: decide")
    for dep in service.depends_on:
        if dep.condition == "service_healthy":
            notes.append(f"depends_on {dep.service} (service_healthy): becomes a start-up wait (init container "
                         f"wait-for-{_safe_name(dep.service)}) until its port answers")
        elif dep.condition == "service_completed_successfully":
            notes.append(f"depends_on {dep.service} (service_completed_successfully): {dep.service} is a one-shot "
                         "task: a Job in an earlier sync wave (or a hook)")
        if not dep.required:
            notes.append(f"depends_on {dep.service} (required: false): an optional dependency: wire it or not")
    if service.restart == "no":
        notes.append("restart: no: runs once? a Job rather than a Deployment")
    if service.command is not None or service.entrypoint is not None:
        if construct in ("RedisCache", "PgvectorDb", "RabbitMq"):
            notes.append(f"command override: {construct} sets its own arguments: check the Compose flags are covered")
        else:
            notes.append("command override: the construct runs the image's default command: decide")
    for device in service.gpu_devices:
        if device.count == "all" or device.count is None:
            notes.append("GPU count 'all' (or unset): decide gpu_count")
    if service.gpus is not None:
        notes.append(f"gpus: {service.gpus!r}: decide gpu_count")
    return notes


def _safe_name(compose_name: str) -> str:
    try:
        return kubernetes_name(compose_name)
    except ValueError:
        return compose_name


def inspect_compose(compose: ComposeFile) -> list[ServiceReport]:
    """One report per service, in file order."""
    k8s_names: dict[str, str | None] = {}
    name_notes: dict[str, str | None] = {}
    owners: dict[str, str] = {}
    for service in compose.services:
        try:
            mapped: str | None = kubernetes_name(service.name)
        except ValueError as error:
            mapped = None
            name_notes[service.name] = f"name: {error}"
        k8s_names[service.name] = mapped
        if mapped is not None:
            other = owners.get(mapped)
            if other is not None:
                note = f"name: Compose names {other!r} and {service.name!r} both map to {mapped!r}: rename one"
                name_notes[service.name] = note
                name_notes[other] = note
            owners.setdefault(mapped, service.name)
    categories = {service.name: _category(service) for service in compose.services}
    constructs = {name: construct for name, (_, construct) in categories.items()}
    reports: list[ServiceReport] = []
    for service in compose.services:
        category, construct = categories[service.name]
        k8s_name = k8s_names[service.name]
        deps = [(dep.service, k8s_names.get(dep.service)) for dep in service.depends_on]
        wired = _wired(construct, deps, constructs)
        command = (service.entrypoint or ()) + (service.command or ())
        reports.append(
            ServiceReport(
                name=service.name,
                kubernetes_name=k8s_name,
                image=service.image,
                ports=tuple(_port_text(port) for port in service.ports),
                command=redact_args(command),
                environment=tuple((var.name, redacted_value(var.name, var.value)) for var in service.environment),
                env_files=service.env_file,
                volumes=tuple(
                    (v.kind, f"{v.source + ':' if v.source else ''}{v.target}{':ro' if v.read_only else ''}")
                    for v in service.volumes
                ),
                healthcheck=None if service.healthcheck is None else _healthcheck_text(service.healthcheck),
                depends_on=tuple((dep.service, dep.condition) for dep in service.depends_on),
                user=service.user,
                category=category,
                construct=construct,
                props=tuple(_props(service, k8s_name, construct, deps)),
                wired_env=tuple(name for name in wired if service.env(name) is not None),
                decide_by_hand=tuple(_notes(service, construct, category, wired, name_notes.get(service.name))),
                not_mapped=tuple(service.unmapped),
            )
        )
    return reports


def _env_line(name: str, value: str | None, wired: Sequence[str]) -> str:
    shown = name if value is None else f"{name}={value}"
    return f"{shown}  (wired from depends_on)" if name in wired else shown


def render_text(compose: ComposeFile, reports: Sequence[ServiceReport]) -> str:
    """Plain text: a header, then one block per service."""
    lines = [f"{compose.path}: {len(reports)} services"]
    if compose.unmapped:
        lines.append(f"not mapped (top level): {', '.join(map(str, compose.unmapped))}")
    for report in reports:
        lines.append("")
        title = report.name
        if report.kubernetes_name is not None and report.kubernetes_name != report.name:
            title += f" -> {report.kubernetes_name}"
        elif report.kubernetes_name is None:
            title += " -> (no Kubernetes name)"
        lines.append(f"service {title}")
        lines.append(f"  image: {report.image or '(none: build only)'}")
        lines.append(f"  ports: {', '.join(report.ports) or 'none'}")
        lines.append(f"  command: {' '.join(report.command) if report.command else '(image default)'}")
        if report.environment:
            lines.append("  environment:")
            lines.extend(f"    {_env_line(name, value, report.wired_env)}" for name, value in report.environment)
        else:
            lines.append("  environment: none")
        if report.env_files:
            lines.append(f"  env_file: {', '.join(report.env_files)}")
        if report.volumes:
            lines.append("  volumes:")
            lines.extend(f"    {kind}: {mount}" for kind, mount in report.volumes)
        else:
            lines.append("  volumes: none")
        lines.append(f"  health check: {report.healthcheck or 'none'}")
        deps = ", ".join(f"{name} ({condition})" for name, condition in report.depends_on)
        lines.append(f"  depends_on: {deps or 'none'}")
        lines.append(f"  user: {report.user or '(image default)'}")
        if report.construct is not None:
            lines.append(f"  maps to: {report.construct} ({report.category})")
        else:
            lines.append(f"  maps to: no library construct ({report.category})")
        for prop, value, why in report.props:
            lines.append(f"    {prop} = {value}  # {why}")
        if report.decide_by_hand:
            lines.append("  decide by hand:")
            lines.extend(f"    - {note}" for note in report.decide_by_hand)
        if report.not_mapped:
            lines.append(f"  not mapped: {', '.join(report.not_mapped)}")
    return "\n".join(lines) + "\n"


def render_json(compose: ComposeFile, reports: Sequence[ServiceReport]) -> str:
    """JSON: ``{"file", "not_mapped", "services": [...]}`` with :meth:`ServiceReport.as_dict`."""
    document = {
        "file": str(compose.path),
        "not_mapped": [str(key) for key in compose.unmapped],
        "services": [report.as_dict() for report in reports],
    }
    return json.dumps(document, indent=2) + "\n"
