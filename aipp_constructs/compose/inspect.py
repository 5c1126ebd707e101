"""What a port of each Compose service needs: the facts, the construct, the props, the decisions.

:func:`inspect_compose` turns a :class:`~aipp_constructs.compose.model.ComposeFile` into one
:class:`ServiceReport` per service, in creation order (what a service depends on or connects to
first, Compose order as the tie-break; docs/compose.md); :func:`render_text` and :func:`render_json`
print them. Nothing here imports cdk8s: the report names constructs and writes their props as
Python, it does not build them. The target style is ``examples/langfuse/langfuse.py``.

Constructs, first match wins:

1. a GPU device reservation (``capabilities: [gpu]``) or ``gpus:`` -> ``GpuWorker``;
2. an image named ``postgres``, ``pgvector``, ``postgis`` or ``timescaledb`` (last path segment of the
   repository, or ``pgvector`` anywhere in it) -> ``PgvectorDb`` (``extensions=()`` unless the
   image ships pgvector; ``run_as_user`` from ``user:``, else 70 for an alpine image);
3. ``redis``, ``valkey``, ``redis-stack-server`` -> ``RedisCache`` (``password`` from
   ``--requirepass``; ``--maxmemory-policy`` -> ``maxmemory_policy``; the other server flags but
   ``--port``/``--dir``/``--appendonly``/``--maxmemory`` -> ``extra_args``);
4. ``rabbitmq`` -> ``RabbitMq``;
5. ``restart: "no"``, or a service another one waits for with
   ``service_completed_successfully`` -> ``OneShotJob`` (a Job: no ports, no probes);
6. another well-known data store without a preset (``mysql``, ``mariadb``, ``mongo``,
   ``elasticsearch``, ``opensearch``, ``minio``, ``kafka``, ``zookeeper``, ``memcached``, ``etcd``,
   ``clickhouse``, ``weaviate``, ``qdrant``...) -> ``Workload`` with ``claim_templates``
   (category ``stateful-no-preset``: a StatefulSet);
7. a Spring Boot application: a ``SPRING_*`` or ``JAVA_*`` variable (``JAVA_OPTS``,
   ``JAVA_TOOL_OPTIONS``), or ``spring`` in the image name -> ``SpringService``;
8. any other service -> ``Workload``: ``stateful`` with a named volume, ``service`` with ports,
   ``worker`` without (no Service).

``Workload`` (and ``OneShotJob``) props, from the Compose keys:

* ``command`` / ``args`` from ``entrypoint`` / ``command``;
* ``ports=(Port(name=..., number=...), ...)``: the declared ports plus the ports others reach the
  service at (a URL or ``host:port`` in another service's environment or command, defaults
  included; a ``<X>_HOST``/``<X>_PORT`` pair; an upstream in a configuration file another service
  bind-mounts, read beside the Compose file; its own health check), the main port first (the one
  called most, then the health check's, then the first declared); ``http`` for a port called
  over HTTP or polled by an HTTP health check, or for an HTTP-ish number (80, 3000, 8000,
  8080...) when the image suggests HTTP; ``https`` for 443/8443; else ``p<number>``
  (``p5003``). No ports: no Service;
* ``probes``: a ``curl``/``wget`` of ``http://localhost:<port><path>`` ->
  ``Probes.of(HttpCheck(path=..., port=...))``; ``nc -z localhost <port>`` ->
  ``Probes.of(TcpCheck(port=...))``; any other ``CMD`` test -> ``ExecCheck(command=(...))``,
  ``CMD-SHELL`` -> ``ExecCheck(command=("sh", "-c", "..."))`` (``Probes.of`` with ports,
  ``Probes(liveness=Probe(...))`` without); ``interval``/``timeout`` -> ``period_seconds``/
  ``timeout_seconds``;
* ``run_as_user`` / ``run_as_group`` from ``user: "uid[:gid]"`` (a user name: find the uid);
* ``env``: read as Compose reads it without a ``.env`` file (a non-secret ``${VAR:-default}`` is
  its default); a literal as a string (another service's host, its own too, renamed to its
  Kubernetes name); a ``${VAR}`` credential -> ``<secret>.key("var")``, a key of a Vault secret
  (``PortChart.vault_secret``, written in the report's ``prelude``); a value composed of
  references and another service's host and port (``postgresql://${U}:${P}@postgres:5432/${DB}``)
  -> ``EnvTemplate(text=..., values=<dep>.endpoint.facts())`` (a preset's credentials and
  database become its facts, and so does a user or password written in a credential URL to a
  preset; a literal ``{`` is the placeholder ``{lbrace}``); a variable the construct's wiring sets
  from its edges is left out, the wiring matching the file's own variables
  (``wiring_overrides``, ``wiring={}`` when it reads no fact of any dependency);
* named volumes -> ``ClaimTemplate(name=..., path=..., size="?")`` (a StatefulSet); a named volume
  that several services mount -> a ``SharedClaim`` (in the prelude of the first) and a
  ``ClaimVolume`` on each; single-file bind mounts -> ``config_files`` (+ ``config_dir``);
  ``tmpfs`` and anonymous volumes -> ``ScratchVolume`` (``/tmp`` is mounted already);
* ``depends_on`` with ``service_healthy``/``service_started`` -> ``depends_on`` (waited for, wired,
  allowed); ``required: false``, ``service_completed_successfully``, a job or a service without
  ports -> ``after`` (an optional one whose host is in ``env``: ``connects_to``); a service whose
  host appears in ``env`` without ``depends_on`` -> ``connects_to``, or ``connect_to`` in
  ``afterwards`` when it is created later (a cycle);
* ``cap_add``, ``user: root`` -> ``security_exception=SecurityException(reason=..., ...)`` and a
  note that the namespace must be declared baseline (``PortDefaults.pod_security_level``);
  ``privileged`` and capabilities outside Docker's default set have no exception: a note;
* ``deploy.replicas`` -> ``replicas``, ``deploy.resources`` -> ``resources``.

Images: the tag policy is the library's (:func:`aipp_constructs.core._validation.is_moving_tag`,
:func:`image_moves`): ``redis:7`` moves, ``postgres:17.11`` (PostgreSQL's two-number releases) and
``quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z`` (a date stamp) are pinned; a digest pins.

Names: the Kubernetes name is :func:`aipp_constructs.core.names.kubernetes_name` of the Compose name;
both are shown when they differ, and a name that cannot be mapped, or two that collide, is a
"decide by hand" note. Python variables in props are the Kubernetes names with ``_``.

Secrets: a variable name looks secret by :func:`looks_secret` (a secret word as a whole word or
the end of the name; never when the last word names an address, a path, a switch, a size or a
user). A literal value is shown as ``<redacted>`` when the name looks secret (a value starting
with ``/`` is a path, not a secret) or when it holds a credential URL with a literal password
(``scheme://USER:PASSWORD@``). A value that is only a reference to the ``.env`` file is shown as
written, the default of a secret reference as ``<redacted>``: it names where the secret lives. A
``.env`` variable is a secret when its own name looks secret, when a secret-looking variable is
set to it, when it feeds a preset's user or password, or when it is the user or password of a
credential URL; one verdict holds for the whole file. Its Vault key is its name in kebab case, in
the Vault secret of the preset it feeds, else of the service that uses it in its command or under
its own name, else of the first service that uses it; the secret is written before the first
service created that uses it. Command and health-check arguments get the same redaction: the
argument after a password flag (``--requirepass x``, ``redis-cli -a x``, never the next flag),
MySQL's ``-px``, ``NAME=value`` arguments with a secret-looking name, and credential URLs.

"Decide by hand" notes: moving image tags, no image (``build`` only), literal secrets,
credentials from the ``.env`` file (which Vault key) and other ``.env`` values (the value),
``env_file``, bind mounts of directories, an unknown ``user`` or a user name instead of a uid,
``privileged``, ``cap_add`` and root, ports published on the host, ``depends_on`` conditions,
``restart: no``, ``${VAR}`` in a command (Kubernetes expands ``$(VAR)``), preset command
overrides, more ports than a preset exposes, a GPU ``count: all``, sizes of claims, and the
Compose keys this model does not map.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from aipp_constructs.compose.model import ComposeFile, EnvVar, Healthcheck, Port, Service, Volume
from aipp_constructs.core._validation import is_moving_tag, normalize_image
from aipp_constructs.core.names import kubernetes_name
from aipp_constructs.core.security import BASELINE_CAPABILITIES, RESTRICTED_CAPABILITIES
from aipp_constructs.core.wiring import NAMED_WIRING, SPRING_BOOT_WIRING, fact_variables, upper_snake

__all__ = [
    "REDACTED",
    "ServiceReport",
    "image_moves",
    "image_tag",
    "inspect_compose",
    "is_reference",
    "looks_secret",
    "redact_args",
    "redacted_value",
    "render_json",
    "render_text",
]

REDACTED = "<redacted>"
#: Words of a variable or flag name that make it a credential: a whole word (``DB_PASSWORD``,
#: ``INNER_API_KEY_FOR_PLUGIN``) or the end of the name (``REQUIREPASS``, ``APIKEY``).
_SECRET_WORDS = frozenset(
    {
        "PASSWORD",
        "PASSWORDS",
        "PASSWD",
        "PASS",
        "SECRET",
        "SECRETS",
        "TOKEN",
        "TOKENS",
        "KEY",
        "KEYS",
        "APIKEY",
        "SALT",
        "CREDENTIAL",
        "CREDENTIALS",
        "COOKIE",
    }
)
#: Secret words that count only as the last word (``REDIS_AUTH``, not ``AUTH_VERSION``).
_SECRET_LAST_WORDS = frozenset({"AUTH"})
_SECRET_SUFFIX = re.compile(r"(?:PASSWORD|PASSWD|PASS|SECRET|TOKEN|APIKEY|AUTH)\Z")
#: Last words of names of addresses, paths, switches, sizes, users and the like: never a
#: secret value, whatever else the name holds (``CERT_KEY_FILENAME``, ``TOKENS_LENGTH``).
_NOT_SECRET_LAST_WORDS = frozenset(
    {
        "URL",
        "URLS",
        "URI",
        "HOST",
        "HOSTS",
        "HOSTNAME",
        "PORT",
        "ENDPOINT",
        "FILE",
        "FILES",
        "FILENAME",
        "PATH",
        "DIR",
        "ENABLED",
        "DISABLED",
        "ENABLE",
        "DISABLE",
        "TYPE",
        "LENGTH",
        "SIZE",
        "TIMEOUT",
        "TTL",
        "EXPIRES",
        "EXPIRY",
        "EXPIRE",
        "EXPIRATION",
        "VERSION",
        "ALGORITHM",
        "METHOD",
        "MODE",
        "COUNT",
        "LIMIT",
        "PREFIX",
        "USER",
        "USERS",
        "USERNAME",
        "NAME",
        "REGION",
        "HEADER",
        "PROVIDER",
    }
)
#: ``scheme://user:password@``, the password possibly empty.
_USERINFO_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/\s:@]*):([^/\s@]*)@")
_CREDENTIAL_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/\s:@]*):([^/\s@]+)@")
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATOR = re.compile(r":?[-?+]")
_HEALTH_URL = re.compile(r"(https?)://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d+))?(/[^\s'\"|;&]*)?")
_TCP_CHECK = re.compile(r"\b(?:nc|netcat)\s[^|;&]*?(?:localhost|127\.0\.0\.1|0\.0\.0\.0)\s+(\d+)")
_URL_HOST = re.compile(r"(?P<pre>[A-Za-z][A-Za-z0-9+.-]*://(?:[^/@\s]*@)?)(?P<host>[A-Za-z0-9_.-]+)(?::(?P<port>\d+))?")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|us|ns|m|s)")

_POSTGRES = ("postgres", "pgvector", "postgis", "timescaledb")
_REDIS = ("redis", "valkey", "redis-stack-server")
_RABBITMQ = ("rabbitmq",)
_OTHER_STORES = (
    "mysql",
    "mariadb",
    "mongo",
    "mongodb",
    "elasticsearch",
    "opensearch",
    "minio",
    "kafka",
    "zookeeper",
    "memcached",
    "etcd",
    "clickhouse",
    "clickhouse-server",
    "weaviate",
    "qdrant",
    "milvus",
    "cassandra",
    "neo4j",
    "influxdb",
    "meilisearch",
    "typesense",
)
_HTTP_PORTS = (80, 3000, 3001, 3030, 4000, 5000, 8000, 8008, 8080, 8081, 8088, 8888)
_HTTP_IMAGES = ("nginx", "httpd", "caddy", "traefik", "web", "ui", "front", "api", "gateway", "proxy", "node")
_PRESETS = ("PgvectorDb", "RedisCache", "RabbitMq")
_APP_CONSTRUCTS = ("SpringService", "WebFrontend", "GpuWorker")
_GENERAL = ("Workload", "OneShotJob")
#: Construct -> the wiring protocol a dependent gets for it.
_PROTOCOL = {"PgvectorDb": "postgresql", "RedisCache": "redis", "RabbitMq": "amqp"}
#: Preset -> its own variable -> the endpoint fact a dependent's template uses for it.
_PRESET_FACTS = {
    "PgvectorDb": {"POSTGRES_USER": "username", "POSTGRES_PASSWORD": "password", "POSTGRES_DB": "database"},
    "RedisCache": {"REDIS_PASSWORD": "password"},
    "RabbitMq": {"RABBITMQ_DEFAULT_USER": "username", "RABBITMQ_DEFAULT_PASS": "password"},
}
_CATEGORY_TEXT = {
    "stateful-no-preset": "stateful-no-preset: no preset for this image; claim_templates make it a StatefulSet",
    "stateful": "stateful: claim_templates make it a StatefulSet",
    "service": "service: a Deployment and its Service",
    "worker": "worker: no ports, no Service",
    "one-shot": "one-shot: a Job",
}


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
            ``one-shot``, ``stateful-no-preset``, ``stateful``, ``service`` or ``worker``.
        construct: The library construct it maps to.
        props: ``(prop, value, why)`` triples to set on the construct, in the props' order;
            values are Python (``env["NAME"]`` is one entry of ``env``).
        wired_env: Variable names the construct's wiring sets from its edges.
        decide_by_hand: One note per decision the tool cannot make.
        not_mapped: Compose keys this tool does not map.
        prelude: Python statements to write before the construct: the Vault secrets this
            service owns (``PortChart.vault_secret``) and the shared claims it creates.
        main_port: The port others call (a dependent's ``{port}``; a preset's own without
            ports in Compose); ``None`` without an endpoint (no ports, a job).
        reached: Why it has the ports it does not declare, one line per evidence
            (``5002: api: PLUGIN_DAEMON_URL=http://plugin_daemon:5002``).
        afterwards: Python statements to write once every construct exists: the connections
            to services created after it (``api.connect_to(plugin_daemon)``).
        profiles: The Compose profiles it belongs to; empty when it always starts.
        active: Compose starts it (no profile, or one selected); ``False``: an optional part.
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
    prelude: tuple[str, ...] = ()
    main_port: int | None = None
    reached: tuple[str, ...] = ()
    afterwards: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    active: bool = True

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
            "prelude": list(self.prelude),
            "props": [{"prop": prop, "value": value, "why": why} for prop, value, why in self.props],
            "wired_env": list(self.wired_env),
            "decide_by_hand": list(self.decide_by_hand),
            "not_mapped": list(self.not_mapped),
            "main_port": self.main_port,
            "reached": list(self.reached),
            "afterwards": list(self.afterwards),
            "profiles": list(self.profiles),
            "active": self.active,
        }


# --------------------------------------------------------------------------------------------
# Secrets and images.


def _name_words(name: str) -> list[str]:
    """``--require-pass`` -> ``["REQUIRE", "PASS"]``: the words of a variable or flag name."""
    return [word for word in re.split(r"[^A-Za-z0-9]+", name.upper()) if word]


def looks_secret(name: str) -> bool:
    """Whether a variable or flag name looks like it holds a credential: a secret word
    (``PASSWORD``, ``PASS``, ``SECRET``, ``TOKEN``, ``KEY``, ``SALT``, ``CREDENTIALS``,
    ``COOKIE``...) as a whole word or at the end of the name (``REQUIREPASS``), ``AUTH`` as
    the last word; never when the last word names an address, a path, a switch, a size or a
    user (``NEXTAUTH_URL``, ``CERT_KEY_FILENAME``, ``TOKENS_LENGTH``, ``AUTH_VERSION``).
    ``TOKENIZER`` holds no secret word."""
    words = _name_words(name)
    if not words or words[-1] in _NOT_SECRET_LAST_WORDS:
        return False
    if any(word in _SECRET_WORDS for word in words) or words[-1] in _SECRET_LAST_WORDS:
        return True
    return bool(_SECRET_SUFFIX.search(words[-1]))


_ADDRESS_WORDS = frozenset(
    {"URL", "URLS", "URI", "HOST", "HOSTS", "HOSTNAME", "PORT", "ENDPOINT", "FILE", "FILES", "FILENAME", "PATH", "DIR"}
    | {"ENABLED", "DISABLED", "ENABLE", "DISABLE"}
)


def _address_name(name: str) -> bool:
    """Whether a name's last word names an address, a path or a switch (never a credential,
    even when a secret-looking variable is set to it)."""
    words = _name_words(name)
    return bool(words) and words[-1] in _ADDRESS_WORDS


@dataclass(frozen=True, slots=True)
class _Ref:
    """One ``${NAME<op>arg}`` or ``$NAME`` in a Compose string (``op`` ``""`` for none)."""

    start: int
    end: int
    name: str
    op: str = ""
    arg: str = ""

    @property
    def default(self) -> str | None:
        """The text Compose uses when the variable is unset: the ``:-``/``-`` default, ``""``
        for ``:+``/``+``; ``None`` when an unset variable has no value of the file's own."""
        if self.op in (":-", "-"):
            return self.arg
        if self.op in (":+", "+"):
            return ""
        return None


def _scan(text: str) -> list[_Ref]:
    """The references of a Compose string at its top level, as Compose reads them: ``$$`` is a
    literal ``$``; a reference ends at the first ``}`` not closing a nested ``${`` (so
    ``${X:-a/{id}}`` is the reference ``${X:-a/{id}`` and a literal ``}``, as in Compose)."""
    refs: list[_Ref] = []
    index = 0
    while index < len(text):
        if text[index] != "$":
            index += 1
            continue
        if text.startswith("$$", index):
            index += 2
            continue
        if text.startswith("${", index):
            name = _VAR_NAME.match(text, index + 2)
            if name is None:
                index += 1
                continue
            operator = _OPERATOR.match(text, name.end())
            start = operator.end() if operator else name.end()
            depth, cursor = 1, start
            while cursor < len(text):
                if text.startswith("$$", cursor):
                    cursor += 2
                    continue
                if text.startswith("${", cursor):
                    depth, cursor = depth + 1, cursor + 2
                    continue
                if text[cursor] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                cursor += 1
            if cursor >= len(text) or (operator is None and cursor != name.end()):
                index += 1
                continue
            refs.append(_Ref(index, cursor + 1, name.group(), operator.group() if operator else "", text[start:cursor]))
            index = cursor + 1
            continue
        name = _VAR_NAME.match(text, index + 1)
        if name is None:
            index += 1
            continue
        refs.append(_Ref(index, name.end(), name.group()))
        index = name.end()
    return refs


def _substitute(text: str, replace: Callable[[_Ref], str | None]) -> str:
    """``text`` with each top-level reference replaced by ``replace(ref)`` (kept when ``None``)."""
    pieces: list[str] = []
    last = 0
    for ref in _scan(text):
        replacement = replace(ref)
        if replacement is None:
            continue
        pieces.append(text[last : ref.start])
        pieces.append(replacement)
        last = ref.end
    pieces.append(text[last:])
    return "".join(pieces)


def is_reference(value: str) -> bool:
    """Whether a value is only a reference to the ``.env`` file (``${NAME}``, ``${NAME:-default}``
    or ``$NAME``)."""
    refs = _scan(value)
    return len(refs) == 1 and refs[0].start == 0 and refs[0].end == len(value)


def _refs(value: str) -> list[str]:
    """The ``.env`` variables a value refers to, in order, those of defaults included
    (``$$`` is a literal ``$``)."""
    names: list[str] = []
    for ref in _scan(value):
        names.append(ref.name)
        names.extend(_refs(ref.arg))
    return names


def _only_refs(value: str) -> bool:
    """Whether nothing but references (and no literal characters) make up ``value``."""
    return not _substitute(value, lambda ref: "").strip()


def _with_defaults(value: str, keep: Callable[[str], bool] = lambda name: False) -> str:
    """``value`` as Compose reads it with no ``.env`` file: each reference replaced by its
    default (recursively); a reference without one, or whose name ``keep`` accepts (a
    secret: its Vault key stands for it), is kept as written."""

    def replace(ref: _Ref) -> str | None:
        if keep(ref.name) or ref.default is None:
            return None
        return _with_defaults(ref.default, keep)

    return _substitute(value, replace)


def _hide_defaults(value: str, secret: Callable[[str], bool]) -> str:
    """``value`` with the default of each secret reference shown as :data:`REDACTED`
    (``${DB_PASSWORD:-<redacted>}``) and the password of a credential URL in any default hidden."""

    def replace(ref: _Ref) -> str | None:
        if not ref.arg or ref.op not in (":-", "-", ":+", "+"):
            return None
        if secret(ref.name):
            return f"${{{ref.name}{ref.op}{REDACTED}}}"
        hidden = _hide_defaults(ref.arg, secret)
        if _literal_credential(hidden):
            hidden = _CREDENTIAL_URL.sub(lambda m: f"{m.group(1)}://{REDACTED}@", hidden)
        return f"${{{ref.name}{ref.op}{hidden}}}"

    return _substitute(value, replace)


def _literal_credential(value: str) -> bool:
    """A credential URL whose password is written out (not a reference)."""
    return any(not _only_refs(match.group(3)) for match in _CREDENTIAL_URL.finditer(value))


def redacted_value(name: str, value: str | None, secret: Callable[[str], bool] | None = None) -> str | None:
    """The value to show for a variable, by the module's redaction rule.

    ``secret`` tells whether a ``.env`` variable is a credential (defaults to
    :func:`looks_secret`); the default of a secret reference is never shown
    (``${DB_PASSWORD:-<redacted>}``), nor the password of a credential URL in a default."""
    if value is None:
        return None
    is_secret = secret or looks_secret
    if is_reference(value):
        own = _scan(value)[0].name
        return _hide_defaults(value, lambda ref: is_secret(ref) or (ref == own and looks_secret(name)))
    if value.startswith("/"):
        return value
    if _literal_credential(value):
        return REDACTED
    if looks_secret(name) and not _only_refs(value):
        return REDACTED
    return _hide_defaults(value, lambda ref: is_secret(ref) or looks_secret(name))


#: Clients whose password is a short flag: ``-pVALUE`` (MySQL's family) or ``-a VALUE`` (Redis).
_ATTACHED_PASSWORD_TOOLS = ("mysql", "mysqladmin", "mysqldump", "mariadb", "mariadb-admin", "obclient")
_REDIS_CLIENTS = ("redis-cli", "valkey-cli", "keydb-cli")
_FLAG = re.compile(r"(-{1,2}[A-Za-z][A-Za-z0-9_.-]*)(?:=(.*))?", re.DOTALL)


def redact_args(args: Iterable[str], secret: Callable[[str], bool] | None = None) -> tuple[str, ...]:
    """Command arguments with secret values replaced by :data:`REDACTED`: the value after a
    password flag (``--requirepass x``, ``redis-cli -a x``; never the next flag), the value of
    ``--password=x``, ``-pVALUE`` of a MySQL client, ``NAME=value`` with a secret name,
    credential URLs, and the defaults of secret references (``${DB_PASSWORD:-<redacted>}``)."""
    is_secret = secret or looks_secret
    out: list[str] = []
    secret_next = False
    tools: set[str] = set()
    for arg in args:
        tools.add(arg.rsplit("/", 1)[-1])
        if secret_next and not arg.startswith("-"):
            secret_next = False
            out.append(_hide_defaults(arg, lambda ref: True) if is_reference(arg) else REDACTED)
            continue
        secret_next = False
        flag = _FLAG.fullmatch(arg)
        if arg.startswith("-p") and not arg.startswith("--") and len(arg) > 2 and tools & set(_ATTACHED_PASSWORD_TOOLS):
            value = arg[2:]
            out.append("-p" + (_hide_defaults(value, lambda ref: True) if is_reference(value) else REDACTED))
            continue
        if flag is not None and (looks_secret(flag.group(1)) or (arg == "-a" and tools & set(_REDIS_CLIENTS))):
            if flag.group(2) is not None:
                value = flag.group(2)
                out.append(
                    f"{flag.group(1)}=" + (_hide_defaults(value, lambda ref: True) if is_reference(value) else REDACTED)
                )
            else:
                out.append(arg)
                secret_next = True
            continue
        name, sep, value = arg.partition("=")
        if sep and _VAR_NAME.fullmatch(name) and looks_secret(name) and not is_reference(value):
            out.append(f"{name}={REDACTED}")
        elif _literal_credential(arg):
            out.append(_CREDENTIAL_URL.sub(lambda m: f"{m.group(1)}://{REDACTED}@", arg))
        else:
            named_secret = bool(sep) and looks_secret(name)

            def hide(ref: str, named: bool = named_secret) -> bool:
                return named or is_secret(ref)

            out.append(_hide_defaults(arg, hide))
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


def image_moves(image: str) -> bool:
    """Whether an image reference moves, by the library's one policy
    (:func:`aipp_constructs.core._validation.is_moving_tag`): no digest and no tag, a tag set from a
    variable, ``latest``, or a release line (``7``, ``pg17``, ``3-management``)."""
    repository, tag, digest = _split_image(image)
    if digest:
        return False
    if tag is None or "$" in tag:
        return True
    return is_moving_tag(tag, repository=repository)


def _repo_name(image: str | None) -> str:
    """The last path segment of the repository, lowercase."""
    if not image:
        return ""
    repository = _split_image(image)[0]
    return repository.rsplit("/", 1)[-1].lower()


def _is_docker_hub(image: str) -> bool:
    try:
        return normalize_image(image).startswith("docker.io/")
    except ValueError:
        return False


# --------------------------------------------------------------------------------------------
# Formatting facts.


def _port_text(port: Port, reached: Mapping[int, tuple[list[str], bool]] | None = None) -> str:
    """``8080/tcp``, with how it is published, or why it is a port when Compose does not declare it."""
    text = f"{port.target}/{port.protocol}"
    if reached and port.target in reached and isinstance(port, _InferredPort):
        evidence = sorted(reached[port.target][0], key=lambda line: line.startswith("its own"))
        more = f"; +{len(evidence) - 1} more" if len(evidence) > 1 else ""
        return f"{text} (not declared; called: {evidence[0]}{more})"
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
    return match.group(3) or "/"


def _seconds(duration: str | None) -> int | None:
    """A Compose duration (``10s``, ``1m30s``, ``500ms``) in whole seconds, at least 1."""
    if duration is None:
        return None
    parts = _DURATION.findall(duration.strip())
    if not parts:
        return None
    factor = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
    return max(1, math.ceil(sum(float(number) * factor[unit] for number, unit in parts)))


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


# --------------------------------------------------------------------------------------------
# Mapping.


def _py(text: str) -> str:
    """A Python string literal (double quotes, as the examples write them)."""
    return json.dumps(text, ensure_ascii=False)


def _tuple(items: Sequence[str]) -> str:
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _ident(name: str) -> str:
    """A Python variable for a Kubernetes (or Compose) name: ``langfuse-web`` -> ``langfuse_web``."""
    ident = re.sub(r"[^A-Za-z0-9_]", "_", name).lower()
    return f"s_{ident}" if ident[:1].isdigit() else ident


def _kebab(variable: str) -> str:
    """A Vault key for a variable: ``MINIO_ROOT_PASSWORD`` -> ``minio-root-password``."""
    return re.sub(r"[^a-z0-9]+", "-", variable.lower()).strip("-") or "value"


def _dns_label(text: str, fallback: str) -> str:
    try:
        return kubernetes_name(text)[:63].strip("-") or fallback
    except ValueError:
        return fallback


def _user_ids(user: str | None) -> tuple[int, int | None] | None:
    """``"1001:1001"`` -> (1001, 1001); ``None`` for a name or no user."""
    if user and re.fullmatch(r"\d+(:\d+)?", user):
        uid, _, gid = user.partition(":")
        return int(uid), (int(gid) if gid else None)
    return None


def _is_root(user: str | None) -> bool:
    return user is not None and user.split(":")[0] in ("root", "0")


def _category(service: Service, one_shot: bool) -> tuple[str, str]:
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
    if one_shot:
        return "one-shot", "OneShotJob"
    if repo in _OTHER_STORES:
        return "stateful-no-preset", "Workload"
    if any(var.name.startswith(("SPRING_", "JAVA_")) for var in service.environment) or "spring" in full:
        return "spring-service", "SpringService"
    if any(volume.kind == "persisted" for volume in service.volumes):
        return "stateful", "Workload"
    if service.ports:
        return "service", "Workload"
    return "worker", "Workload"


def _written(var: EnvVar) -> str | None:
    """A variable's value as the Compose file writes it (``${X:-default}`` uninterpolated):
    the reader's raw text when it keeps one (``EnvVar.raw``), else ``value``."""
    raw = getattr(var, "raw", None)
    return raw if isinstance(raw, str) else var.value


#: An address in a configuration file: ``proxy_pass http://api:5001``, ``server web:3000;``.
_CONFIG_SERVER = re.compile(r"\bserver\s+(?P<host>[A-Za-z0-9_.-]+):(?P<port>\d+)")
_HTTP_SCHEMES = ("http", "https", "ws", "wss")
_CONFIG_BYTES = 256 * 1024
_CONFIG_FILES = 50
_CONFIG_ENTRIES = 500


def _mounted_texts(compose: ComposeFile, service: Service) -> list[tuple[str, str]]:
    """(path as shown, text) of the configuration a service bind-mounts, as it exists beside
    the Compose file: a file, or the files of a folder (at most 50 among its first 500 entries,
    256 KiB each)."""
    base = Path(compose.path).parent
    texts: list[tuple[str, str]] = []
    for volume in service.volumes:
        if volume.kind not in ("config", "bind") or not volume.source:
            continue
        source = _with_defaults(volume.source)
        if "$" in source:
            continue
        path = Path(source).expanduser()
        path = path if path.is_absolute() else base / path
        if path.is_file():
            files = [path]
        elif path.is_dir():
            # A data folder may hold millions of files: look at the first entries only.
            files = sorted(p for p in itertools.islice(path.rglob("*"), _CONFIG_ENTRIES) if p.is_file())[:_CONFIG_FILES]
        else:
            continue
        for file in files:
            try:
                if file.stat().st_size > _CONFIG_BYTES:
                    continue
                text = file.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            shown = source if file == path else f"{source.rstrip('/')}/{file.relative_to(path).as_posix()}"
            texts.append((shown, text))
    return texts


def _addresses(text: str, names: Iterable[str]) -> list[tuple[str, int, bool, str]]:
    """(service, port, called over HTTP, the address as written) of each ``scheme://host:port``,
    ``server host:port`` or whole ``host:port`` in ``text`` whose host is one of ``names``."""
    known = set(names)
    found: list[tuple[str, int, bool, str]] = []
    for match in _URL_HOST.finditer(text):
        if match.group("host") in known and match.group("port"):
            scheme = match.group("pre").split(":", 1)[0].lower()
            address = f"{match.group('pre').split('//', 1)[0]}//{match.group('host')}:{match.group('port')}"
            found.append((match.group("host"), int(match.group("port")), scheme in _HTTP_SCHEMES, address))
    for match in _CONFIG_SERVER.finditer(text):
        if match.group("host") in known:
            found.append((match.group("host"), int(match.group("port")), False, match.group(0)))
    whole = re.fullmatch(r"([A-Za-z0-9_.-]+):(\d+)", text.strip())
    if whole and whole.group(1) in known:
        found.append((whole.group(1), int(whole.group(2)), False, whole.group(0)))
    return found


def _reached_ports(compose: ComposeFile) -> dict[str, dict[int, tuple[list[str], bool]]]:
    """Service -> port -> (evidence, called over HTTP): where other services call it (a URL or
    ``host:port`` in their environment or command, defaults of variables included; a
    ``<X>_HOST``/``<X>_PORT`` pair; an upstream in a configuration file they bind-mount) and
    the port its own health check polls."""
    names = [service.name for service in compose.services]
    reached: dict[str, dict[int, tuple[list[str], bool]]] = {}

    def add(target: str, port: int, http: bool, evidence: str) -> None:
        entry = reached.setdefault(target, {}).setdefault(port, ([], False))
        if evidence not in entry[0]:
            entry[0].append(evidence)
        reached[target][port] = (entry[0], entry[1] or http)

    for service in compose.services:
        others = [name for name in names if name != service.name]
        values: dict[str, str] = {}
        given: dict[str, str] = {}
        for var in service.effective_environment:  # env_file variables included
            written = _written(var)
            if written is not None:
                values[var.name] = _with_defaults(written)
            if var.value is not None and var.value != written:
                given[var.name] = var.value  # as the reader interpolated it (a value set in .env...)
        for name, value in [*values.items(), *given.items()]:
            for target, port, http, text in _addresses(value, others):
                add(target, port, http, f"{service.name}: {name}={text}")
            if name.endswith("_HOST") and value in others:
                port_value = values.get(name[: -len("_HOST")] + "_PORT", "")
                if port_value.isdigit():
                    add(value, int(port_value), False, f"{service.name}: {name}={value}, {name[:-5]}_PORT={port_value}")
        for arg in (*(service.entrypoint or ()), *(service.command or ())):
            for target, port, http, text in _addresses(_with_defaults(arg), others):
                add(target, port, http, f"{service.name}: its command calls {text}")
        for shown, text in _mounted_texts(compose, service):
            for target, port, http, address in _addresses(text, others):
                add(target, port, http, f"{service.name}: {shown} ({address})")
        check = service.healthcheck
        if check is not None and check.kind != "NONE":
            joined = _with_defaults(" ".join(check.test))
            health = _HEALTH_URL.search(joined)
            if health:
                number = int(health.group(2)) if health.group(2) else (443 if health.group(1) == "https" else 80)
                add(service.name, number, True, "its own health check polls it")
            tcp = _TCP_CHECK.search(joined)
            if tcp:
                add(service.name, int(tcp.group(1)), False, "its own health check connects to it")
    return reached


def _effective_ports(
    service: Service, reached: Mapping[int, tuple[list[str], bool]]
) -> tuple[int | None, tuple[Port, ...]]:
    """(main port, ports) of a service: its declared ports plus the ports others reach it at,
    the main port first. The main port is the one most other services call (Dify's
    plugin_daemon: 5002, not its published debug port 5003), then the one its health check
    polls, then the first declared TCP port."""
    declared = list(service.ports)
    numbers = [port.target for port in declared if port.protocol == "tcp"]

    def callers(port: int) -> int:
        return len({evidence.split(":", 1)[0] for evidence in reached[port][0] if not evidence.startswith("its own")})

    main: int | None = None
    if reached:
        main = max(
            reached,
            key=lambda port: (
                callers(port),
                any(evidence.startswith("its own") for evidence in reached[port][0]),
                -(numbers.index(port) if port in numbers else len(numbers)),
                -port,
            ),
        )
    elif numbers:
        main = numbers[0]
    inferred = [_InferredPort(target=port) for port in reached if port not in numbers]
    ports = declared + inferred
    ports.sort(key=lambda port: port.target != main or port.protocol != "tcp")
    return main, tuple(ports)


def _secret_args(resolved: tuple[str, ...] | None, written: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Arguments as Compose runs them, but an argument that carries a secret as written
    (``--requirepass ${REDIS_PASSWORD:-x}``): the Vault key of the variable stands for it, and
    its default is never written (the reader interpolates commands)."""
    if resolved is None or written is None or len(resolved) != len(written) or resolved == written:
        return resolved
    shown = redact_args(resolved)
    merged = [
        raw if _refs(raw) and (REDACTED in red or any(looks_secret(ref) for ref in _refs(raw))) else arg
        for arg, raw, red in zip(resolved, written, shown, strict=True)
    ]
    return tuple(merged)


def _secret_check(check: Healthcheck | None) -> Healthcheck | None:
    """A health check with :func:`_secret_args` applied; a shell test that carries a secret
    as written is the written test."""
    if check is None or not check.test_written or check.test == check.test_written:
        return check
    if check.kind == "CMD":
        return replace(check, test=_secret_args(check.test, check.test_written) or check.test)
    written = " ".join(check.test_written)
    refs = _refs(written)
    if refs and (REDACTED in " ".join(redact_args(" ".join(check.test).split())) or any(map(looks_secret, refs))):
        return replace(check, test=check.test_written)
    return check


@dataclass(frozen=True, slots=True)
class _InferredPort(Port):
    """A port Compose does not declare but others call (or the health check polls)."""

    @property
    def inferred(self) -> bool:
        """Always: the port was found, not declared."""
        return True


def _folder(compose: ComposeFile, volume: Volume) -> Volume:
    """A bind mount the model took for a single file that is a folder: one that exists as a
    folder beside the Compose file, or whose name ends in ``.d`` (``./nginx/conf.d``) or ``/``."""
    if volume.kind != "config" or not volume.source:
        return volume
    source = _with_defaults(volume.source)
    path = Path(source).expanduser()
    path = path if path.is_absolute() else Path(compose.path).parent / path
    if path.is_dir() or (not path.exists() and (source.endswith("/") or PurePosixPath(source).suffix == ".d")):
        return replace(volume, kind="bind")
    return volume


class _Plan:
    """What the whole file decides for each service: names, constructs, secrets, shared volumes."""

    def __init__(self, compose: ComposeFile) -> None:
        self.compose = compose
        #: service -> port -> evidence that others (or its own health check) call it there.
        self.reached = _reached_ports(compose)
        #: port numbers called with an HTTP URL (``http://api:5001``, ``proxy_pass http://...``).
        self.http_ports = {
            name: {port for port, (_, http) in ports.items() if http} for name, ports in self.reached.items()
        }
        effective: list[Service] = []
        for service in compose.services:
            _, ports = _effective_ports(service, self.reached.get(service.name, {}))
            effective.append(
                replace(
                    service,
                    ports=ports,
                    volumes=tuple(_folder(compose, v) for v in service.volumes),
                    command=_secret_args(service.command, service.command_written),
                    entrypoint=_secret_args(service.entrypoint, service.entrypoint_written),
                    healthcheck=_secret_check(service.healthcheck),
                )
            )
        self.effective = tuple(effective)
        self.services = {service.name: service for service in self.effective}
        self.k8s: dict[str, str | None] = {}
        self.name_notes: dict[str, str] = {}
        owners: dict[str, str] = {}
        for service in self.effective:
            try:
                mapped: str | None = kubernetes_name(service.name)
            except ValueError as error:
                mapped = None
                self.name_notes[service.name] = f"name: {error}"
            self.k8s[service.name] = mapped
            if mapped is not None:
                other = owners.get(mapped)
                if other is not None:
                    note = f"name: Compose names {other!r} and {service.name!r} both map to {mapped!r}: rename one"
                    self.name_notes[service.name] = note
                    self.name_notes[other] = note
                owners.setdefault(mapped, service.name)
        completed = {
            dep.service
            for s in self.effective
            for dep in s.depends_on
            if dep.condition == "service_completed_successfully"
        }
        self.categories = {s.name: _category(s, s.restart == "no" or s.name in completed) for s in self.effective}
        self.constructs = {name: construct for name, (_, construct) in self.categories.items()}
        self.volume_users: dict[str, list[str]] = {}
        for service in self.effective:
            for volume in service.volumes:
                if volume.kind == "persisted" and volume.source:
                    users = self.volume_users.setdefault(volume.source, [])
                    if service.name not in users:
                        users.append(service.name)
        for service in self.effective:  # a volume shared with another service is a SharedClaim, not state
            if self.categories[service.name] == ("stateful", "Workload") and not any(
                v.kind == "persisted" and len(self.volume_users.get(v.source or "", [])) == 1 for v in service.volumes
            ):
                self.categories[service.name] = ("service" if service.ports else "worker", "Workload")
        self._classify_secrets()
        #: owner service -> Vault keys, in the order they are first used.
        self.keys: dict[str, list[str]] = {}
        self.claim_preludes: dict[str, list[str]] = {}
        #: Compose names in the order their constructs must be created (set by :func:`inspect_compose`).
        self.position: dict[str, int] = {service.name: index for index, service in enumerate(self.effective)}
        #: service -> statements to write once every construct exists (``a.connect_to(b)``).
        self.afterwards: dict[str, list[str]] = {}
        #: The service whose props are being written; owner -> the services using its Vault keys.
        self.current: str | None = None
        self.key_users: dict[str, set[str]] = {}
        #: service -> dependency -> fact -> its own variables (the wiring of that dependency).
        self.overrides: dict[str, dict[str, dict[str, list[str]]]] = {}
        #: (service, value, variable): the value a reader interpolated for a secret reference
        #: (``REDISCLI_AUTH: ${REDIS_PASSWORD:-x}`` read as ``x``), to recognize it in commands.
        self.resolved: list[tuple[str, str, str]] = []
        for service in self.effective:
            for var in service.environment:
                written = _written(var)
                if written is None or var.value is None or not var.value or written == var.value:
                    continue
                if is_reference(written) and self.is_secret(_scan(written)[0].name):
                    self.resolved.append((service.name, var.value, _scan(written)[0].name))

    def interpolated(self, text: str, service: str) -> str | None:
        """The secret variable whose interpolated value ``text`` is (or holds), the service's
        own variables first; ``None`` when it is none (a literal of the file)."""
        for owner, value, variable in sorted(self.resolved, key=lambda entry: entry[0] != service):
            if value == text or (len(value) >= 6 and value in text):
                return variable
        return None

    def is_secret(self, variable: str) -> bool:
        """The one verdict on a ``.env`` variable: a credential (a Vault key) or not."""
        return variable in self.secret_vars

    def _classify_secrets(self) -> None:
        """Which ``.env`` variables are secrets, and the service whose Vault secret holds each."""
        self.secret_vars: set[str] = set()
        self.owner: dict[str, str] = {}
        first: dict[str, str] = {}
        in_command: dict[str, str] = {}
        same_name: dict[str, str] = {}
        preset_user: dict[str, str] = {}
        for service in self.effective:
            preset_own = _PRESET_FACTS.get(self.constructs[service.name], {})
            for var in service.environment:
                written = _written(var)
                if written is None:
                    continue
                refs = _refs(written)
                if preset_own.get(var.name) in ("username", "password") and is_reference(written):
                    self.secret_vars.add(refs[0])  # a preset's credential: its endpoint's fact, a Vault key
                    preset_user.setdefault(refs[0], service.name)
                for ref in refs:
                    first.setdefault(ref, service.name)
                    if looks_secret(ref):
                        self.secret_vars.add(ref)
                    if ref == var.name:
                        same_name.setdefault(ref, service.name)
                if is_reference(written) and looks_secret(var.name):
                    self.secret_vars.update(ref for ref in refs if not _address_name(ref))
                for match in _CREDENTIAL_URL.finditer(written):
                    self.secret_vars.update(_refs(match.group(2)) + _refs(match.group(3)))
            args = [*(service.entrypoint or ()), *(service.command or ())]
            for index, arg in enumerate(args):
                refs = _refs(arg)
                for ref in refs:
                    first.setdefault(ref, service.name)
                    in_command.setdefault(ref, service.name)
                    if looks_secret(ref):
                        self.secret_vars.add(ref)
                previous = args[index - 1] if index else ""
                if refs and previous.startswith("-") and looks_secret(previous):
                    self.secret_vars.update(refs)
        # The owner: the preset whose credential it is, else the service that uses it in its command,
        # else the one whose name prefixes it (CLICKHOUSE_PASSWORD -> clickhouse), else the one that
        # sets a variable of its name, else the first.
        prefixes = sorted(((upper_snake(s.name) + "_", s.name) for s in self.effective), key=lambda p: -len(p[0]))
        for ref, service_name in first.items():
            named = next((name for prefix, name in prefixes if ref.startswith(prefix)), None)
            self.owner[ref] = preset_user.get(ref) or in_command.get(ref) or named or same_name.get(ref) or service_name

    def name(self, compose_name: str) -> str:
        return self.k8s.get(compose_name) or compose_name

    def var(self, compose_name: str) -> str:
        """The Python variable of a service's construct."""
        return _ident(self.name(compose_name))

    def key(self, owner: str, key: str) -> str:
        """``<owner>_keys.key("<key>")``, registering the key in the owner's Vault secret."""
        if self.current is not None:
            self.key_users.setdefault(owner, set()).add(self.current)
        keys = self.keys.setdefault(owner, [])
        if key not in keys:
            keys.append(key)
        return f"{self.var(owner)}_keys.key({_py(key)})"

    def env_key(self, variable: str) -> str:
        """The Vault key of a ``.env`` variable."""
        return self.key(self.owner.get(variable, ""), _kebab(variable))

    def main_port(self, compose_name: str) -> int | None:
        """The port dependents connect to: a preset's own, else the first TCP port."""
        service = self.services[compose_name]
        construct = self.constructs[compose_name]
        tcp = [port.target for port in service.ports if port.protocol == "tcp"]
        default = {"PgvectorDb": 5432, "RedisCache": 6379, "RabbitMq": 5672}.get(construct)
        if default is not None:
            return tcp[0] if tcp and construct != "RabbitMq" else default
        return tcp[0] if tcp else None

    def has_endpoint(self, compose_name: str) -> bool:
        construct = self.constructs[compose_name]
        if construct == "OneShotJob":
            return False
        return construct in _PRESETS or self.main_port(compose_name) is not None

    def protocol(self, compose_name: str) -> str | None:
        if not self.has_endpoint(compose_name):
            return None
        return _PROTOCOL.get(self.constructs[compose_name], "http")

    def preset_fact(self, compose_name: str, variable: str) -> str | None:
        """The endpoint fact of a preset that a ``.env`` variable feeds, e.g. ``POSTGRES_PASSWORD`` ->
        ``password`` when the postgres service sets ``POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}``."""
        construct = self.constructs[compose_name]
        service = self.services[compose_name]
        for own, fact in _PRESET_FACTS.get(construct, {}).items():
            var = service.env(own)
            written = _written(var) if var is not None else None
            if written is not None and is_reference(written) and _refs(written)[0] == variable:
                return fact
        if construct == "RedisCache":
            password = _redis_password(service)
            if password is not None and _refs(password) == [variable]:
                return "password"
        return None


def _redis_password(service: Service) -> str | None:
    args = list(service.command or ())
    if "--requirepass" in args[:-1]:
        return args[args.index("--requirepass") + 1]
    var = service.env("REDIS_PASSWORD")
    return _written(var) if var is not None else None


def _port_names(service: Service, http_called: Iterable[int] = ()) -> dict[tuple[int, str], str]:
    """Port name per (number, protocol), see the module documentation; ``http_called``: ports
    others call with an HTTP URL (``http`` for the first of them)."""
    called = set(http_called)
    check = service.healthcheck
    http_target: int | None = None
    if check is not None and check.kind != "NONE":
        match = _HEALTH_URL.search(" ".join(check.test))
        if match:
            http_target = int(match.group(2)) if match.group(2) else (443 if match.group(1) == "https" else 80)
    suggests_http = http_target is not None or any(word in _repo_name(service.image) for word in _HTTP_IMAGES)
    names: dict[tuple[int, str], str] = {}
    taken: set[str] = set()
    ordered = sorted(service.ports, key=lambda p: (p.target != http_target and p.target not in called, 0))
    for port in ordered:
        key = (port.target, port.protocol)
        if key in names:
            continue
        name = f"p{port.target}" + ("" if port.protocol == "tcp" else f"-{port.protocol}")
        if port.protocol == "tcp":
            if port.target == http_target or port.target in called or (suggests_http and port.target in _HTTP_PORTS):
                name = "http"
            elif port.target in (443, 8443):
                name = "https"
        if name in taken:
            name = f"p{port.target}" + ("" if port.protocol == "tcp" else f"-{port.protocol}")
        names[key] = name
        taken.add(name)
    return {(p.target, p.protocol): names[(p.target, p.protocol)] for p in service.ports}


def _shell(text: str) -> str:
    """A Compose string as the container sees it: ``$$`` is a literal ``$``."""
    return text.replace("$$", "$")


def _probes(service: Service, ports: Mapping[tuple[int, str], str]) -> tuple[str, str, list[str]] | None:
    """(value, why, notes) of the ``probes`` prop, from the Compose health check."""
    check = service.healthcheck
    if check is None or check.kind == "NONE" or not check.test:
        return None
    notes: list[str] = []
    period, timeout = _seconds(check.interval), _seconds(check.timeout)
    timing: list[str] = []
    if period is not None and period != 10:
        timing.append(f"period_seconds={period}")
    if timeout is not None:
        timeout = min(timeout, period or 10)
        if timeout != 3:
            timing.append(f"timeout_seconds={timeout}")
    extra = "".join(f", {item}" for item in timing)
    joined = " ".join(check.test)
    has_ports = bool(ports)
    match = _HEALTH_URL.search(joined)
    if match and re.search(r"\b(curl|wget)\b", joined):
        number = int(match.group(2)) if match.group(2) else (443 if match.group(1) == "https" else 80)
        name = ports.get((number, "tcp"))
        path = match.group(3) or "/"
        if name is not None:
            args = ([f"path={_py(path)}"] if path != "/" else []) + ([f"port={_py(name)}"] if name != "http" else [])
            return (
                f"Probes.of(HttpCheck({', '.join(args)}){extra})",
                f"the health check {'curl' if 'curl' in joined else 'wget'}s {path} on port {number}",
                notes,
            )
        notes.append(
            f"health check polls port {number}, which the service does not declare: an ExecCheck "
            "(or declare the port and use an HttpCheck)"
        )
    tcp = _TCP_CHECK.search(joined)
    if tcp and ports.get((int(tcp.group(1)), "tcp")):
        return (
            f"Probes.of(TcpCheck(port={_py(ports[(int(tcp.group(1)), 'tcp')])}){extra})",
            f"the health check connects to port {tcp.group(1)}",
            notes,
        )
    if check.kind == "CMD":
        command = redact_args(_shell(arg) for arg in check.test)
    else:
        shown = " ".join(redact_args(_shell(check.test[0]).split()))
        command = ("sh", "-c", shown if REDACTED in shown else _shell(check.test[0]))
    if REDACTED in " ".join(command):
        notes.append(
            "health check holds a secret (a literal, or a default of a reference): pass it as a variable "
            "(a Vault key) and refer to it"
        )
    exec_check = f"ExecCheck(command={_tuple([_py(part) for part in command])})"
    if has_ports:
        return f"Probes.of({exec_check}{extra})", f"the Compose health check ({check.kind})", notes
    timing_args = "".join(f", {item}" for item in timing)
    return (
        f"Probes(liveness=Probe(check={exec_check}{timing_args}))",
        f"the Compose health check ({check.kind}); no ports: liveness only",
        notes,
    )


#: Preset -> the credential facts its endpoint offers (a URL's user and password become them).
_CREDENTIAL_FACTS = {
    "PgvectorDb": ("username", "password"),
    "RedisCache": ("password",),
    "RabbitMq": ("username", "password"),
}
#: A literal ``{`` in an EnvTemplate's text: the placeholder ``{lbrace}`` filled with ``"{"``.
_LBRACE = "lbrace"


def _env_entry(plan: _Plan, service: Service, var: EnvVar, hosts_out: list[str]) -> tuple[str, str]:
    """(value, why) of one ``env`` entry of a Workload; ``hosts_out`` collects the services named.

    The value is read as Compose reads it without a ``.env`` file: a non-secret reference with
    a default is its default (``${DB_HOST:-db_postgres}`` -> ``"db-postgres"``), a secret
    reference is a Vault key (its default, a credential, is never written)."""
    written = _written(var)
    if written is None:
        return '"?"', "no value in Compose (taken from the shell): find the value"
    text = _with_defaults(written, plan.is_secret)
    defaulted = list(
        dict.fromkeys(ref.name for ref in _scan(written) if not plan.is_secret(ref.name) and ref.default is not None)
    )
    origin = f"the default of {', '.join('${' + name + '}' for name in defaulted)}" if defaulted else ""
    # A variable the reader found set (--env-file, .env, the shell): its value, unless a secret is involved.
    given = [ref for ref in getattr(var, "references", ()) if ref not in getattr(var, "unset", ())]
    if given and var.value is not None and not any(plan.is_secret(ref) for ref in _refs(written)):
        text = var.value.replace("$", "$$")
        origin = f"{', '.join('${' + name + '}' for name in given)} as set (--env-file, .env or the shell)"
    if is_reference(text):
        ref = _scan(text)[0]
        if plan.is_secret(ref.name):
            hidden = " (its default, a credential, is not written)" if ref.default else ""
            return plan.env_key(ref.name), f"${{{ref.name}}} from the .env file: a Vault key{hidden}"
        return '"?"', f"${{{ref.name}}} from the .env file, no default, not a secret: write its value"
    # Other services named in the value: a URL authority, or the whole value (host or host:port).
    found: list[tuple[int, int, str, str | None]] = []  # (start, end, service, port)
    for match in _URL_HOST.finditer(text):
        if match.group("host") in plan.services:
            found.append((match.start("host"), match.end(), match.group("host"), match.group("port")))
    whole = re.fullmatch(r"([A-Za-z0-9_.-]+)(?::(\d+))?", text)
    if whole and whole.group(1) in plan.services and whole.group(1) != service.name:
        found = [(0, len(text), whole.group(1), whole.group(2))]
    own_host = [f for f in found if f[2] == service.name]  # renamed, not a connection
    found = [f for f in found if f[2] != service.name]
    for _, _, host, _ in found:
        if host not in hosts_out:
            hosts_out.append(host)
    dep = found[0][2] if len({f[2] for f in found}) == 1 else None
    # A credential URL to a preset: its user and password are the preset's facts (Vault keys).
    credential_facts = _CREDENTIAL_FACTS.get(plan.constructs[dep], ()) if dep is not None else ()
    credentials: list[tuple[int, int, str]] = []  # (start, end, fact) of literal users/passwords
    for match in _USERINFO_URL.finditer(text):
        if not any(start == match.end() for start, _, _, _ in found):
            continue
        for group, credential in ((2, "username"), (3, "password")):
            part = match.group(group)
            # An empty password (redis://:@redis:6379) gets the preset's: the preset requires one.
            if credential in credential_facts and (part or credential == "password") and not _scan(part):
                credentials.append((match.start(group), match.end(group), credential))
    renamed = [h for h in dict.fromkeys(f[2] for f in [*found, *own_host]) if plan.name(h) != h]
    if not _scan(text) and not credentials:
        if redacted_value(var.name, text, plan.is_secret) == REDACTED:
            return (
                plan.key(service.name, _kebab(var.name)),
                f"a literal secret in Compose{' (' + origin + ')' if origin else ''}: a Vault key (rotate it, it has been shipped)",
            )
        literal = text
        for start, end, host, port in sorted([*found, *own_host], reverse=True):
            literal = literal[:start] + plan.name(host) + (f":{port}" if port else "") + literal[end:]
        why = "; ".join(part for part in (origin, f"host {', '.join(renamed)} renamed" if renamed else "") if part)
        return _py(_shell(literal)), why or "a literal"
    # A template: references, hosts and credentials become placeholders; a literal "{" is {lbrace}.
    values: dict[str, str] = {}
    unknown: list[str] = []
    cuts: list[tuple[int, int, str]] = []
    for start, end, host, port in found:
        if dep is not None:
            cuts.append(
                (
                    start,
                    end,
                    "{host}" + ((":{port}" if int(port) == plan.main_port(dep) else f":{port}") if port else ""),
                )
            )
        else:
            cuts.append((start, end, plan.name(host) + (f":{port}" if port else "")))
    cuts.extend((start, end, plan.name(host) + (f":{port}" if port else "")) for start, end, host, port in own_host)
    cuts.extend((start, end, "{" + credential + "}") for start, end, credential in credentials)
    for ref in _scan(text):
        fact = plan.preset_fact(dep, ref.name) if dep is not None else None
        if fact is not None:
            cuts.append((ref.start, ref.end, "{" + fact + "}"))
            continue
        key = ref.name.lower()
        if plan.is_secret(ref.name):
            values[key] = plan.env_key(ref.name)
        else:
            values[key] = '"?"'
            unknown.append(ref.name)
        cuts.append((ref.start, ref.end, "{" + key + "}"))
    pieces: list[str] = []
    last = 0
    for start, end, replacement in sorted(cuts):
        if start < last:
            continue
        pieces.append(_shell(text[last:start]).replace("{", "{" + _LBRACE + "}"))
        pieces.append(replacement)
        last = end
    pieces.append(_shell(text[last:]).replace("{", "{" + _LBRACE + "}"))
    template = "".join(pieces)
    if "{" + _LBRACE + "}" in template:
        values[_LBRACE] = '"{"'
    extra = ", ".join(f"{_py(k)}: {v}" for k, v in values.items())
    if dep is not None:
        facts = f"{plan.var(dep)}.endpoint.facts()"
        shown = f"{{**{facts}, {extra}}}" if extra else facts
    else:
        shown = f"{{{extra}}}"
    refs = [ref.name for ref in _scan(text)]
    parts = [f"${{{'}, ${'.join(dict.fromkeys(refs))}}}" if refs else "", origin]
    if credentials:
        parts.append(
            f"the URL's {' and '.join(dict.fromkeys(f for _, _, f in credentials))} from {plan.name(dep or '')}'s facts (Vault), not the Compose literal"
        )
    if dep is not None:
        parts.append(f"{plan.name(dep)}'s facts")
    why = "; ".join(part for part in parts if part)
    if unknown:
        why += f"; write the value of {', '.join(dict.fromkeys(unknown))} (from the .env file, not a secret)"
    return f"EnvTemplate(text={_py(template)}, values={shown})", why


def _secret_prop(plan: _Plan, service: Service, variable: str, fallback_key: str) -> tuple[str, str]:
    """(value, why) of a preset's credential prop, from the service's own variable."""
    var = service.env(variable)
    written = _written(var) if var is not None else None
    if written is None:
        return plan.key(service.name, fallback_key), f"a Vault key; Compose sets no {variable}"
    if is_reference(written):
        ref = _refs(written)[0]
        return plan.env_key(ref), f"Compose: {variable}=${{{ref}}} from the .env file: a Vault key"
    shown = redacted_value(variable, written)
    return plan.key(service.name, fallback_key), f"Compose: {variable}={shown} (a literal): store it in Vault"


def _image_prop(service: Service) -> tuple[str, str, str]:
    image = service.image or "?"
    if service.image is None:
        why = "no image in Compose (build only): push one and pin its tag"
    elif image_moves(service.image):
        why = "pin a version (the tag moves)"
    else:
        why = "pinned; Docker Hub images are pulled through the port's mirror" if _is_docker_hub(image) else "pinned"
    return "image", f"port.image({_py(image)})", why


def _resources_prop(service: Service) -> tuple[str, str, str] | None:
    if service.resources is None:
        return None
    limits, requests = service.resources.limits, service.resources.reservations
    values = {
        "cpu_request": _quantity(requests.cpus, True),
        "memory_request": _quantity(requests.memory, False),
        "cpu_limit": _quantity(limits.cpus, True),
        "memory_limit": _quantity(limits.memory, False),
    }
    shown = ", ".join(f'{key}="{value}"' for key, value in values.items() if value)
    return ("resources", f"Resources({shown})", "deploy.resources") if shown else None


def _ids_props(service: Service) -> list[tuple[str, str, str]]:
    ids = _user_ids(service.user)
    if ids is None:
        return []
    uid, gid = ids
    props = [("run_as_user", str(uid), f"user: {service.user}")]
    if gid is not None and gid != uid:
        props.append(("run_as_group", str(gid), f"user: {service.user}"))
    return props


def _preset_props(plan: _Plan, service: Service, construct: str, name: str) -> list[tuple[str, str, str]]:
    props: list[tuple[str, str, str]] = [("name", _py(name), "the Compose service name"), _image_prop(service)]
    tcp = [port.target for port in service.ports if port.protocol == "tcp"]
    alpine = "alpine" in (image_tag(service.image or "") or "")
    if construct == "PgvectorDb":
        props.append(("username", *_secret_prop(plan, service, "POSTGRES_USER", "username")))
        props.append(("password", *_secret_prop(plan, service, "POSTGRES_PASSWORD", "password")))
        database = service.env("POSTGRES_DB")
        written = _written(database) if database is not None else None
        name_of_db = _with_defaults(written) if written else None
        if written and name_of_db and not _scan(name_of_db):
            why = "POSTGRES_DB" if name_of_db == written else f"POSTGRES_DB: the default of {written}"
            props.append(("database", _py(name_of_db), why))
        elif database is not None:
            props.append(("database", '"?"', f"POSTGRES_DB is {written or 'taken from the shell'}: write it"))
        if tcp and tcp[0] != 5432:
            props.append(("port", str(tcp[0]), "the container port"))
        props.append(("storage_size", '"?"', "Compose volumes have no size: size the PVC"))
        ships_vector = "pgvector" in (service.image or "").lower()
        props.append(
            (
                "extensions",
                '("vector",)' if ships_vector else "()",
                "the image ships pgvector" if ships_vector else "a plain postgres image has no pgvector",
            )
        )
        ids = _ids_props(service)
        if ids:
            props.extend(ids)
        elif alpine:
            props.append(("run_as_user", "70", "user 'postgres' of the alpine image (Debian images: 999, the default)"))
        args = list(service.command or ())
        if args and args[0] == "postgres":
            args = args[1:]
        if args:
            props.append(
                ("extra_args", _tuple([_py(a) for a in redact_args(args)]), "the Compose command's server options")
            )
    elif construct == "RedisCache":
        password = _redis_password(service)
        interpolated = plan.interpolated(password, service.name) if password and not is_reference(password) else None
        if password is not None and not password and interpolated is None:
            # An unset variable the reader interpolated to "": redis-cli's own password names it.
            for own in ("REDISCLI_AUTH", "REDIS_PASSWORD"):
                var = service.env(own)
                written = _written(var) if var is not None else None
                if written and is_reference(written):
                    interpolated = _scan(written)[0].name
                    break
        if interpolated is not None:
            props.append(
                (
                    "password",
                    plan.env_key(interpolated),
                    f"--requirepass: the value of ${{{interpolated}}} (interpolated): a Vault key",
                )
            )
        elif password is not None and is_reference(password):
            ref = _refs(password)[0]
            props.append(("password", plan.env_key(ref), f"--requirepass ${{{ref}}} from the .env file: a Vault key"))
        elif password is not None:
            props.append(
                (
                    "password",
                    plan.key(service.name, "password"),
                    "Compose sets a literal password (--requirepass): store it in Vault",
                )
            )
        else:
            props.append(
                (
                    "password",
                    plan.key(service.name, "password"),
                    "required by the construct; Compose runs without a password",
                )
            )
        if tcp and tcp[0] != 6379:
            props.append(("port", str(tcp[0]), "the container port"))
        props.append(("storage_size", '"?"', "Compose volumes have no size: size the PVC"))
        props.extend(_ids_props(service))
        args = list(service.command or ())
        if args and args[0].rsplit("/", 1)[-1] in ("redis-server", "valkey-server"):
            args = args[1:]
        extra: list[str] = []
        index = 0
        while index < len(args):
            arg = args[index]
            if arg.lower() == "--maxmemory-policy" and index + 1 < len(args):
                props.append(("maxmemory_policy", _py(args[index + 1]), "the Compose --maxmemory-policy"))
                index += 2
                continue
            if arg.lower() in ("--requirepass", "--appendonly", "--port", "--dir", "--maxmemory"):
                index += 2
                continue
            if not arg.startswith("-") and not extra:
                index += 1  # a configuration file: decided by hand (a note)
                continue
            extra.append(arg)
            index += 1
        if extra:
            props.append(
                (
                    "extra_args",
                    _tuple([_py(a) for a in redact_args(extra)]),
                    "the Compose flags beyond --requirepass/--appendonly",
                )
            )
    else:  # RabbitMq
        props.append(("username", *_secret_prop(plan, service, "RABBITMQ_DEFAULT_USER", "username")))
        props.append(("password", *_secret_prop(plan, service, "RABBITMQ_DEFAULT_PASS", "password")))
        props.append(("erlang_cookie", *_secret_prop(plan, service, "RABBITMQ_ERLANG_COOKIE", "erlang-cookie")))
        props.append(("storage_size", '"?"', "Compose volumes have no size: size the PVC"))
        props.extend(_ids_props(service))
    resources = _resources_prop(service)
    if resources:
        props.append(resources)
    return props


def _app_props(plan: _Plan, service: Service, construct: str, name: str) -> list[tuple[str, str, str]]:
    """SpringService and GpuWorker: the presets over Workload with one port."""
    props: list[tuple[str, str, str]] = [("name", _py(name), "the Compose service name"), _image_prop(service)]
    tcp = [port.target for port in service.ports if port.protocol == "tcp"]
    if tcp:
        props.append(("port", str(tcp[0]), "the container port"))
    if service.replicas is not None:
        props.append(("replicas", str(service.replicas), "deploy.replicas"))
    if service.depends_on:
        deps = [plan.var(dep.service) for dep in service.depends_on]
        props.append(("depends_on", _tuple(deps), "the components of these services: waited for and wired"))
    props.extend(_ids_props(service)[:1])
    health = _health_path(service.healthcheck)
    if health and construct == "GpuWorker":
        props.append(("health_path", _py(health), "the Compose health check polls it"))
    if construct == "GpuWorker":
        counts = [device.count for device in service.gpu_devices]
        count = counts[0] if counts else None
        if isinstance(count, int):
            props.append(("gpu_count", str(count), "the GPU reservation"))
    resources = _resources_prop(service)
    if resources:
        props.append(resources)
    return props


@dataclass
class _Edges:
    depends_on: list[str] = field(default_factory=list)
    connects_to: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _edges(plan: _Plan, service: Service, hosts: Sequence[str]) -> _Edges:
    edges = _Edges()
    for dep in service.depends_on:
        target = dep.service
        if not dep.required and target in hosts and plan.has_endpoint(target):
            edges.connects_to.append(target)
            edges.notes.append(
                f"depends_on {target} (required: false), and its host is in env: connects_to (wired and "
                "allowed, no start-up wait: Compose starts without it)"
            )
        elif not dep.required:
            edges.after.append(target)
            edges.notes.append(
                f"depends_on {target} (required: false): an optional dependency: after (a later "
                "sync wave only); wire it with connects_to if the service uses it"
            )
        elif dep.condition == "service_completed_successfully" or plan.constructs[target] == "OneShotJob":
            edges.after.append(target)
        elif not plan.has_endpoint(target):
            edges.after.append(target)
            edges.notes.append(f"depends_on {target}: it has no ports (no endpoint to wait for): after")
        else:
            edges.depends_on.append(target)
    for host in hosts:
        taken = (*edges.depends_on, *edges.after, *edges.connects_to)
        if host not in taken and plan.has_endpoint(host):
            edges.connects_to.append(host)
    return edges


def _workload_props(
    plan: _Plan, service: Service, construct: str, category: str, name: str, wired: Sequence[str]
) -> tuple[list[tuple[str, str, str]], list[str], list[str]]:
    """(props, notes, hosts) of a Workload or OneShotJob."""
    job = construct == "OneShotJob"
    props: list[tuple[str, str, str]] = [("name", _py(name), "the Compose service name"), _image_prop(service)]
    notes: list[str] = []
    if service.entrypoint is not None:
        props.append(("command", _tuple([_py(_shell(a)) for a in redact_args(service.entrypoint)]), "entrypoint"))
    if service.command is not None:
        props.append(("args", _tuple([_py(_shell(a)) for a in redact_args(service.command)]), "command"))
    ports = _port_names(service, plan.http_ports.get(service.name, ()))
    if ports and not job:
        shown = [
            f"Port(name={_py(port_name)}, number={number}"
            + (f', protocol="{protocol.upper()}"' if protocol != "tcp" else "")
            + ")"
            for (number, protocol), port_name in ports.items()
            if protocol in ("tcp", "udp")
        ]
        props.append(("ports", _tuple(shown), "ports and expose; the first is the one dependents connect to"))
    elif job and ports:
        notes.append("ports: a OneShotJob has none (nothing connects to a job): left out")
    if not job:
        probes = _probes(service, ports)
        if probes is not None:
            props.append(("probes", probes[0], probes[1]))
            notes.extend(probes[2])
        elif ports and (service.healthcheck is None or service.healthcheck.kind == "NONE"):
            notes.append("no health check in Compose: add probes (Probes.of(HttpCheck(...)) or TcpCheck)")
    if service.replicas is not None and not job:
        props.append(("replicas", str(service.replicas), "deploy.replicas"))
    ids = _ids_props(service)
    if ids:
        props.extend(ids)
    elif service.user is not None and not _is_root(service.user):
        props.append(("run_as_user", "?", f"user {service.user!r} is a name: decide by hand: find the uid"))
    # Environment.
    hosts: list[str] = []
    for var in service.environment:
        if var.name in wired:
            continue
        value, why = _env_entry(plan, service, var, hosts)
        props.append((f"env[{_py(var.name)}]", value, why))
    # Hosts of the wired variables too (left out of env, still connections).
    hosts.extend(host for host in _hosts(plan, service) if host not in hosts)
    edges = _edges(plan, service, hosts)
    notes.extend(edges.notes)
    own = plan.position[service.name]
    # A connection to a service created later (a cycle of connections): connect_to once both exist.
    late = [n for n in edges.connects_to if plan.position[n] > own]
    early = [n for n in edges.connects_to if n not in late]
    for prop, names, why in (
        ("depends_on", edges.depends_on, "waited for at start-up, wired and allowed (Compose depends_on)"),
        ("connects_to", early, "its host is in env: wired and allowed, no start-up order"),
        ("after", edges.after, "a later sync wave only"),
    ):
        if names:
            props.append((prop, _tuple([plan.var(n) for n in names]), why))
    # The wiring of a dependency whose default variables the Compose file does not read: the
    # Compose variables that carry its facts (DB_HOST, DB_PORT...), or nothing.
    overrides = plan.overrides.get(service.name, {})
    wired_targets = [*edges.depends_on, *early]
    if wired_targets and all(not overrides.get(target, {"default": []}) for target in wired_targets):
        example = ", ".join(_wired_names(plan, wired_targets[0])[:2])
        props.append(
            (
                "wiring",
                "{}",
                f"the Compose environment sets its own connection variables: without it the pod also gets {example}...",
            )
        )
    elif any(target in overrides for target in wired_targets):
        tables = ", ".join(
            f"{_py(plan.name(target))}: {_fact_table(overrides[target])}"
            for target in wired_targets
            if target in overrides
        )
        props.append(
            (
                "wiring_overrides",
                f"{{{tables}}}",
                "the Compose variables that carry each dependency's facts ({} for none): not the default names",
            )
        )
    for later in late:
        wiring_arg = f", wiring={_fact_table(overrides[later])}" if later in overrides else ""
        plan.afterwards.setdefault(service.name, []).append(
            f"{plan.var(service.name)}.connect_to({plan.var(later)}{wiring_arg})"
            f"  # its host is in env; {plan.name(later)} is created later (it connects back)"
        )
    # Volumes.
    templates: list[str] = []
    claims: list[str] = []
    scratch: list[str] = []
    files: list[str] = []
    folders: list[str] = []
    used: set[str] = set()

    def volume_name(text: str, fallback: str) -> str:
        base = _dns_label(text, fallback)
        if base.startswith(f"{name}-") and len(base) > len(name) + 1:
            base = base[len(name) + 1 :]
        candidate, number = base, 2
        while candidate in used or candidate in ("tmp", "files"):
            candidate, number = f"{base}-{number}", number + 1
        used.add(candidate)
        return candidate

    for volume in service.volumes:
        if volume.kind == "persisted" and volume.source:
            users = plan.volume_users.get(volume.source, [])
            claim = _dns_label(volume.source, "data")
            if len(users) > 1 or job:
                vol = volume_name(volume.source, "data")
                claims.append(
                    f"ClaimVolume(name={_py(vol)}, path={_py(volume.target)}, claim_name={_py(claim)}"
                    + (", read_only=True" if volume.read_only else "")
                    + ")"
                )
                if users and users[0] == service.name or (not users):
                    others = ", ".join(users) if len(users) > 1 else service.name
                    access = '"ReadWriteMany",' if len(users) > 1 else '"ReadWriteOnce",'
                    plan.claim_preludes.setdefault(service.name, []).append(
                        f'{_ident(claim)} = SharedClaim(port, "{claim}", SharedClaimProps(name={_py(claim)}, '
                        f'size="?", access_modes=({access})))  # volume {volume.source}, mounted by {others}'
                    )
            else:
                vol = volume_name(volume.source, "data")
                templates.append(f'ClaimTemplate(name={_py(vol)}, path={_py(volume.target)}, size="?")')
                if volume.read_only:
                    notes.append(f"volume {volume.source}:{volume.target}:ro: a claim template mounts read-write")
        elif volume.kind == "scratch":
            if volume.target == "/tmp":
                continue  # the construct mounts a writable /tmp (tmp_size)
            vol = volume_name(PurePosixPath(volume.target).name or "scratch", "scratch")
            scratch.append(f"ScratchVolume(name={_py(vol)}, path={_py(volume.target)})")
        elif volume.kind == "config" and volume.source:
            target = PurePosixPath(volume.target)
            files.append(f"{_py(target.name)}: Path({_py(volume.source)}).read_text()")
            folders.append(str(target.parent))
    if templates:
        why = "named volumes: a persistent claim per replica (a StatefulSet); size each"
        if category == "stateful-no-preset":
            why = "no preset for this image: " + why
        props.append(("claim_templates", _tuple(templates), why))
    if claims:
        props.append(("claims", _tuple(claims), "a SharedClaim (see the prelude of the first service that mounts it)"))
    if scratch:
        props.append(("scratch", _tuple(scratch), "tmpfs and anonymous volumes: emptyDir, lost with the pod"))
    if files:
        props.append(
            (
                "config_files",
                "{" + ", ".join(files) + "}",
                "single-file bind mounts: a ConfigMap mounted read-only over config_dir",
            )
        )
        distinct = list(dict.fromkeys(folders))
        if distinct != ["/config"]:
            props.append(
                (
                    "config_dir",
                    _py(distinct[0]),
                    "where Compose mounts the file (the ConfigMap hides the image's other files there)",
                )
            )
        if len(distinct) > 1:
            notes.append(f"config files in several folders ({', '.join(distinct)}): config_dir is one: decide")
    # Security.
    caps = list(service.cap_add)
    allowed = tuple(cap for cap in caps if cap in BASELINE_CAPABILITIES)
    beyond = [cap for cap in caps if cap not in BASELINE_CAPABILITIES]
    root = _is_root(service.user)
    if allowed or root:
        args = ['reason="?"']
        if allowed:
            args.append(f"add_capabilities={_tuple([_py(cap) for cap in allowed])}")
        if root:
            args.append("run_as_root=True")
        props.append(
            (
                "security_exception",
                f"SecurityException({', '.join(args)})",
                "cap_add/user root: say why the image needs it",
            )
        )
        if root or any(cap not in RESTRICTED_CAPABILITIES for cap in allowed):
            notes.append(
                "security exception: the namespace must be declared baseline "
                '(PortDefaults.pod_security_level="baseline")'
            )
    if beyond:
        notes.append(
            f"cap_add {', '.join(beyond)}: outside Docker's default set: SecurityException refuses it "
            "(a privileged namespace, which the library does not deploy): find what needs it"
        )
    resources = _resources_prop(service)
    if resources:
        props.append(resources)
    return props, notes, hosts


def _wired_names(plan: _Plan, compose_name: str) -> list[str]:
    """The variables :data:`NAMED_WIRING` sets on a dependent of one service."""
    protocol = plan.protocol(compose_name)
    if protocol is None:
        return []
    return [
        template.replace("{NAME}", upper_snake(plan.name(compose_name)))
        for fact, variables in NAMED_WIRING.get(protocol, {}).items()
        for template in fact_variables(f"wiring.{protocol}.{fact}", variables)
    ]


#: Names of variables that hold a host (``VECTOR_STORE=weaviate`` names a kind, not a host).
_HOST_NAMES = ("HOST", "HOSTNAME", "SERVER", "ADDR", "ADDRESS")


def _own_wiring(plan: _Plan, service: Service, target: str) -> dict[str, list[str]]:
    """Fact -> the service's own variables that carry it, for a dependency whose default
    variable names it does not read: a variable whose value (its default) is the dependency's
    host (``DB_HOST=${DB_HOST:-db_postgres}``) -> ``host``; ``<X>_PORT`` beside ``<X>_HOST`` set
    to its main port -> ``port``; ``<X>_DATABASE``/``<X>_DB`` set to a database's name ->
    ``database``; ``http://<host>:<main port>`` of a Workload -> ``url``; a reference to the
    variable that feeds a preset's credential -> that fact."""
    mapping: dict[str, list[str]] = {}
    hosts = {target, plan.name(target)}
    # A Workload's url fact: http://<name>:<main port> (the construct's endpoint).
    urls = {f"http://{host}:{plan.main_port(target)}" for host in hosts} if plan.protocol(target) == "http" else set()
    prefixes: list[str] = []
    values: dict[str, str] = {}
    for var in service.environment:
        written = _written(var)
        if written is None:
            continue
        value = values[var.name] = _with_defaults(written, plan.is_secret)
        if value in hosts and var.name.endswith(_HOST_NAMES):
            mapping.setdefault("host", []).append(var.name)
            if var.name.endswith("_HOST"):
                prefixes.append(var.name[: -len("_HOST")])
        elif value in urls:
            mapping.setdefault("url", []).append(var.name)
        elif is_reference(value):
            fact = plan.preset_fact(target, _scan(value)[0].name)
            if fact is not None:
                mapping.setdefault(fact, []).append(var.name)
    database = plan.services[target].env("POSTGRES_DB") if plan.constructs[target] == "PgvectorDb" else None
    database_name = _with_defaults(_written(database) or "") if database is not None else None
    for prefix in prefixes:
        if values.get(f"{prefix}_PORT") == str(plan.main_port(target)):
            mapping.setdefault("port", []).append(f"{prefix}_PORT")
        for suffix in ("_DATABASE", "_DB"):
            if database_name and values.get(prefix + suffix) == database_name and "database" not in mapping:
                mapping["database"] = [prefix + suffix]
    return mapping


def _fact_table(mapping: Mapping[str, Sequence[str]]) -> str:
    """``{"host": "DB_HOST", "port": ("A", "B")}`` as Python."""
    entries = [
        f"{_py(fact)}: {_py(names[0]) if len(names) == 1 else _tuple([_py(n) for n in names])}"
        for fact, names in mapping.items()
    ]
    return "{" + ", ".join(entries) + "}"


def _wired(plan: _Plan, service: Service, construct: str, hosts: Sequence[str]) -> list[str]:
    """Names the construct's wiring sets for its edges (all facts of each protocol)."""
    if construct in _PRESETS:
        return []
    if construct in _APP_CONSTRUCTS:
        wiring, targets = (
            (SPRING_BOOT_WIRING if construct == "SpringService" else NAMED_WIRING),
            [dep.service for dep in service.depends_on],
        )
    else:
        edges = _edges(plan, service, hosts)
        wiring, targets = NAMED_WIRING, []
        for target in (*edges.depends_on, *edges.connects_to):
            if any(service.env(name) for name in _wired_names(plan, target)):
                targets.append(target)  # the default names: the Compose file reads them
                continue
            own = _own_wiring(plan, service, target)
            plan.overrides.setdefault(service.name, {})[target] = own
    names: list[str] = [
        name for own in plan.overrides.get(service.name, {}).values() for vs in own.values() for name in vs
    ]
    for compose_name in targets:
        protocol = plan.protocol(compose_name)
        if protocol is None:
            continue
        for fact, variables in wiring.get(protocol, {}).items():
            for template in fact_variables(f"wiring.{protocol}.{fact}", variables):
                names.append(template.replace("{NAME}", upper_snake(plan.name(compose_name))))
    return names


def _hosts(plan: _Plan, service: Service) -> list[str]:
    """Other services named in the service's environment (a first pass, for the wiring)."""
    hosts: list[str] = []
    scratch = _Plan.__new__(_Plan)
    scratch.__dict__.update(plan.__dict__)
    scratch.keys = {}
    scratch.key_users = {}
    for var in service.environment:
        if _written(var) is not None:
            _env_entry(scratch, service, var, hosts)
    return hosts


def _notes(plan: _Plan, service: Service, construct: str, category: str, wired: Sequence[str]) -> list[str]:
    notes: list[str] = []
    name_note = plan.name_notes.get(service.name)
    if name_note:
        notes.append(name_note)
    if service.image is None:
        notes.append("no image, only 'build': build the image, push it to the registry and pin its tag")
    elif image_moves(service.image):
        tag = image_tag(service.image) or "(none: latest)"
        notes.append(f"image tag {tag!r} moves: pin a version (or a digest) in the port")
    profiles = tuple(getattr(service, "profiles", ()))
    if profiles and not getattr(service, "active", True):
        notes.append(
            f"profile {', '.join(profiles)}: Compose starts it only when the profile is selected (--profile): "
            "an optional part: port it if the port uses it, else leave it out (and the edges to it)"
        )
    waiting = [s.name for s in plan.effective for dep in s.depends_on if dep.service == service.name and dep.required]
    if waiting and not service.ports and construct in _GENERAL and category != "one-shot":
        notes.append(
            f"{', '.join(waiting)} depend(s) on it, but it declares no port and nothing in this file calls it at "
            "one (a URL, a proxy's upstream on disk, its health check): find the port it listens on (the image's "
            "EXPOSE) and declare it, or they are only ordered after it"
        )
    if category == "stateful-no-preset":
        notes.append(
            f"no preset for {_repo_name(service.image)}: a Workload with claim_templates (a StatefulSet): "
            "size each claim; check the image runs as non-root with a read-only root filesystem"
        )
    for var in service.environment:
        written = _written(var)
        if written is None:
            notes.append(f"environment {var.name}: no value in Compose (taken from the shell): find the value")
            continue
        if var.name in wired:
            continue
        if is_reference(written):
            ref = _scan(written)[0]
            shown = redacted_value(var.name, written, plan.is_secret)
            if plan.is_secret(ref.name):
                key = f"{plan.name(plan.owner.get(ref.name, service.name))}/{_kebab(ref.name)}"
                notes.append(
                    f"environment {var.name}: a credential from the .env file ({shown}): store it in "
                    f"Vault ({key}) and reference it (secretKeyRef), never as a literal env value"
                )
            elif construct in _GENERAL and ref.default is None:
                notes.append(
                    f"environment {var.name}: from the .env file ({shown}), not a secret: write its value in the port"
                )
        elif redacted_value(var.name, written, plan.is_secret) == REDACTED:
            notes.append(
                f"environment {var.name}: the Compose file holds a literal secret: move it to Vault and "
                "reference it (secretKeyRef); rotate it, it has been shipped in the file"
            )
    for what, args in (("command", service.command), ("entrypoint", service.entrypoint)):
        if args is None:
            continue
        interpolated = plan.interpolated(" ".join(args), service.name)
        if REDACTED in redact_args(args) and interpolated is not None:
            notes.append(
                f"{what} holds the value of ${{{interpolated}}} (interpolated): set the variable from its Vault "
                f"key in env and write $({interpolated}) in args"
            )
        elif REDACTED in redact_args(args):
            notes.append(
                f"{what} holds a literal secret: move it to Vault, pass it as a variable "
                "(secretKeyRef, then $(NAME) in args); rotate it, it has been shipped in the file"
            )
        refs = list(dict.fromkeys(ref for arg in args for ref in _refs(arg)))
        if refs and construct in _GENERAL:
            notes.append(
                f"{what} uses {', '.join('${' + r + '}' for r in refs)}: Kubernetes expands $(NAME), not "
                "${NAME}: set the variable in env (a Vault key for a secret) and write $(NAME)"
            )
    for env_file in service.env_file:
        notes.append(
            f"env_file {env_file}: its variables are not in this file: read it, move credentials to Vault "
            "and the rest to env"
        )
    for volume in service.volumes:
        mode = ":ro" if volume.read_only else ""
        if volume.kind == "config" and construct not in _GENERAL:
            notes.append(
                f"bind mount {volume.source}:{volume.target}{mode}: a config file: a ConfigMap "
                "(config_files) or a Secret, with the file's content"
            )
        elif volume.kind == "config" and looks_secret(PurePosixPath(volume.target).name):
            notes.append(
                f"bind mount {volume.source}:{volume.target}: a secret file? a SecretFile (Vault), not config_files"
            )
        elif volume.kind == "bind":
            notes.append(
                f"bind mount {volume.source}:{volume.target}{mode}: a host directory: a claim "
                "(ClaimTemplate or SharedClaim), config_files or nothing"
            )
        elif volume.kind == "persisted" and construct in _APP_CONSTRUCTS:
            notes.append(
                f"volume {volume.source}:{volume.target}: {construct} has no persistent volume: "
                "decide (a Workload with claim_templates, or object storage)"
            )
        elif (
            volume.kind == "persisted"
            and construct in _GENERAL
            and len(plan.volume_users.get(volume.source or "", [])) > 1
        ):
            others = [s for s in plan.volume_users[volume.source or ""] if s != service.name]
            notes.append(
                f"volume {volume.source} is shared with {', '.join(others)}: a SharedClaim "
                "(ReadWriteMany) mounted by each: size it"
            )
    if construct in _APP_CONSTRUCTS or construct in _GENERAL:
        if service.user is None:
            notes.append(
                "user not set: the image's default uid (maybe root); find it (docker inspect) and set "
                "run_as_user: Pod Security 'restricted' refuses root"
            )
        elif _is_root(service.user):
            notes.append(
                f"user {service.user!r} is root: a SecurityException(run_as_root=True), or find a uid the image runs as"
            )
        elif _user_ids(service.user) is None:
            notes.append(f"user {service.user!r} is a name: Kubernetes needs a numeric uid (run_as_user): find the uid")
    if service.privileged:
        notes.append(
            "privileged: Pod Security refuses it and SecurityException has no such relaxation: find what "
            "needs it (a capability of Docker's default set?)"
        )
    if service.cap_add and construct not in _GENERAL:
        notes.append(
            f"cap_add {', '.join(service.cap_add)}: Pod Security 'restricted' allows only "
            "NET_BIND_SERVICE: find what needs them (a SecurityException on a Workload)"
        )
    for port in service.ports:
        if port.published is not None:
            host = f"{port.host_ip}:" if port.host_ip else ""
            notes.append(
                f"port {port.target} is published on the host ({host}{port.published}): in the cluster "
                "a ClusterIP Service; expose it through the Ingress only if users need it"
            )
    if construct in _APP_CONSTRUCTS:
        extra = [str(port.target) for port in service.ports[1:]]
        if extra:
            notes.append(f"more ports ({', '.join(extra)}): {construct} exposes one port: decide")
    for dep in service.depends_on:
        if dep.condition == "service_healthy" and dep.required:
            notes.append(
                f"depends_on {dep.service} (service_healthy): becomes a start-up wait (init container "
                f"wait-for-{plan.name(dep.service)}) until its port answers"
            )
        elif dep.condition == "service_completed_successfully":
            notes.append(
                f"depends_on {dep.service} (service_completed_successfully): {dep.service} is a one-shot "
                "task: a OneShotJob in an earlier sync wave (after), or a PreSync hook"
            )
        if not dep.required and construct not in _GENERAL:
            notes.append(f"depends_on {dep.service} (required: false): an optional dependency: wire it or not")
    if service.restart == "no":
        notes.append(
            'restart: no: runs once: a OneShotJob (a Job in its sync wave; hook="PreSync" to run it '
            "before every sync, e.g. migrations)"
            if construct == "OneShotJob"
            else "restart: no: runs once? a OneShotJob rather than a long-running workload"
        )
    if service.command is not None or service.entrypoint is not None:
        if construct in _PRESETS:
            notes.append(
                f"command override: {construct} sets its own arguments: check the Compose flags are covered "
                "(extra_args)"
            )
        elif construct in _APP_CONSTRUCTS:
            notes.append("command override: the construct runs the image's default command: decide")
    for device in service.gpu_devices:
        if device.count == "all" or device.count is None:
            notes.append("GPU count 'all' (or unset): decide gpu_count")
    if service.gpus is not None:
        notes.append(f"gpus: {service.gpus!r}: decide gpu_count")
    return notes


def _reachable(start: str, edges: Mapping[str, set[str]], done: set[str]) -> set[str]:
    """The services not yet created that ``start`` needs, directly or through others."""
    seen: set[str] = set()
    stack = [start]
    while stack:
        for target in edges[stack.pop()] - done:
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _creation_order(plan: _Plan) -> list[str]:
    """Compose names in the order their constructs must be created: after what they depend on
    (``depends_on``) and what they connect to (a host in their environment), Compose order as
    the tie-break. A cycle of connections is broken at the first service in Compose order whose
    ``depends_on`` are all created; its connection to a later one becomes ``connect_to``."""
    index = {service.name: number for number, service in enumerate(plan.effective)}
    hard: dict[str, set[str]] = {}
    every: dict[str, set[str]] = {}
    for service in plan.effective:
        construct = plan.constructs[service.name]
        hard[service.name] = {dep.service for dep in service.depends_on if dep.service in index} - {service.name}
        hosts = _hosts(plan, service) if construct in _GENERAL else []
        soft = {host for host in hosts if host in index and plan.has_endpoint(host)} - {service.name}
        every[service.name] = hard[service.name] | soft
    placed: list[str] = []
    done: set[str] = set()
    remaining = [service.name for service in plan.effective]
    while remaining:
        ready = [name for name in remaining if every[name] <= done]
        if not ready:  # a cycle of connections: start with the one that reaches the fewest others
            ready = [name for name in remaining if hard[name] <= done] or remaining
            reach = {name: len(_reachable(name, every, done)) for name in ready}
            fewest = min(reach.values())
            ready = [name for name in ready if reach[name] == fewest]
        chosen = min(ready, key=index.__getitem__)
        placed.append(chosen)
        done.add(chosen)
        remaining.remove(chosen)
    return placed


def inspect_compose(compose: ComposeFile) -> list[ServiceReport]:
    """One report per service, in creation order (:func:`_creation_order`: dependencies and
    the services a service connects to first, Compose order as the tie-break)."""
    plan = _Plan(compose)
    order = _creation_order(plan)
    plan.position = {name: number for number, name in enumerate(order)}
    for users in plan.volume_users.values():
        users.sort(key=plan.position.__getitem__)
    built: list[tuple[Service, list[tuple[str, str, str]], list[str], list[str]]] = []
    for compose_name in order:
        service = plan.services[compose_name]
        plan.current = compose_name
        category, construct = plan.categories[service.name]
        name = plan.k8s[service.name] or "?"
        hosts = _hosts(plan, service) if construct in _GENERAL else []
        wired = _wired(plan, service, construct, hosts)
        extra_notes: list[str] = []
        if construct in _PRESETS:
            props = _preset_props(plan, service, construct, name)
        elif construct in _APP_CONSTRUCTS:
            props = _app_props(plan, service, construct, name)
        else:
            props, extra_notes, _ = _workload_props(plan, service, construct, category, name, wired)
        notes = _notes(plan, service, construct, category, wired) + extra_notes
        built.append((service, props, wired, notes))
    plan.current = None
    # A Vault secret is written before the first service created that uses one of its keys.
    secret_preludes: dict[str, list[str]] = {}
    for owner, keys in plan.keys.items():
        key_users = plan.key_users.get(owner, set()) | {owner}
        first = min((user for user in key_users if user in plan.position), key=plan.position.__getitem__)
        mapping = ", ".join(f"{_py(key)}: {_py(key)}" for key in keys)
        name = plan.name(owner)
        secret_preludes.setdefault(first, []).append(
            f"{plan.var(owner)}_keys = port.vault_secret({_py(name)}, {_py(name)}, {{{mapping}}})"
        )
    reports: list[ServiceReport] = []
    for service, props, wired, notes in built:
        category, construct = plan.categories[service.name]
        prelude: list[str] = list(secret_preludes.get(service.name, ()))
        prelude.extend(plan.claim_preludes.get(service.name, []))
        command = (service.entrypoint or ()) + (service.command or ())
        reports.append(
            ServiceReport(
                name=service.name,
                kubernetes_name=plan.k8s[service.name],
                image=service.image,
                ports=tuple(_port_text(port, plan.reached.get(service.name, {})) for port in service.ports),
                command=redact_args(command, plan.is_secret),
                environment=tuple(
                    (var.name, redacted_value(var.name, _written(var), plan.is_secret)) for var in service.environment
                ),
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
                props=tuple(props),
                wired_env=tuple(name for name in wired if service.env(name) is not None),
                decide_by_hand=tuple(notes),
                not_mapped=tuple(service.unmapped),
                prelude=tuple(prelude),
                main_port=plan.main_port(service.name) if plan.has_endpoint(service.name) else None,
                reached=tuple(
                    f"{port}: {evidence}"
                    for port, (evidences, _) in plan.reached.get(service.name, {}).items()
                    for evidence in evidences
                ),
                afterwards=tuple(plan.afterwards.get(service.name, ())),
                profiles=tuple(getattr(service, "profiles", ())),
                active=bool(getattr(service, "active", True)),
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
        if report.profiles:
            title += f" (profile {', '.join(report.profiles)}{'' if report.active else ': not started by default'})"
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
        if report.prelude:
            lines.append("  before it:")
            lines.extend(f"    {statement}" for statement in report.prelude)
        lines.append(f"  maps to: {report.construct} ({_CATEGORY_TEXT.get(report.category, report.category)})")
        for prop, value, why in report.props:
            lines.append(f"    {prop} = {value}  # {why}")
        if report.afterwards:
            lines.append("  once every construct exists:")
            lines.extend(f"    {statement}" for statement in report.afterwards)
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
