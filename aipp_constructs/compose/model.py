"""A model of a Docker Compose file that reads it as the Compose Specification does.

:func:`load_compose` parses a Compose file into frozen dataclasses, one :class:`Service` per
service in file order (the file's own services, then those of ``include:``d files). It reads
the keys a port has to decide on (image, ports, command, environment, env_file, volumes, health
check, dependencies, user, resources, restart policy, privileges, profiles, secrets, configs) in
every syntax the Compose Specification allows for them, and keeps every other key as "not
mapped" (:attr:`Service.unmapped`) instead of dropping it silently. Extension fields (``x-*``)
are ignored, as Compose does.

Reading follows Docker Compose, in its order:

1. YAML 1.2 scalars, as Compose (go-yaml v3) reads them: ``restart: no`` and ``DEBUG: off`` are
   strings, ``22:22`` is a string (YAML 1.1 would read the number 1342); duplicate keys are
   errors; anchors, aliases and merge keys (``<<``) are applied.
2. Interpolation of every string value (:mod:`.interpolation`: ``${VAR}``, ``${VAR:-default}``,
   ``${VAR:?error}``, ``${VAR:+alt}``, nesting, ``$$``...) with the shell environment over
   ``--env-file`` files (or the ``.env`` beside the file), BEFORE any short syntax is split:
   ``${MYSQL_HOST_VOLUME:-./volumes/mysql/data}:/var/lib/mysql`` is a bind mount of
   ``./volumes/mysql/data``. A variable that is not set and has no default is ``""`` and a note
   (:attr:`ComposeFile.notes`), as Compose warns. What was written stays available:
   :attr:`EnvVar.raw` (with :attr:`EnvVar.references` and :attr:`EnvVar.unset`),
   :attr:`Service.written`, :attr:`Healthcheck.test_written`.
3. ``include:`` (each included file with its own variables), ``extends:`` (same file or
   ``file:``, the base's relative paths rebased), ``profiles:`` (a service of a profile that is
   not selected is kept, with ``active=False``), ``env_file:`` (read from disk; a missing file
   is a note, not an error).
4. Validation with the official Compose Specification JSON schema (:mod:`.spec`), after this
   model's own checks.

A malformed file raises :class:`ComposeError`, a ``ValueError`` whose message is one line
``error: FILE:LINE: services.NAME.KEY: what is wrong; what to write`` (the line when known).

Volume kinds (:attr:`Volume.kind`):

* ``persisted``: a named volume declared under the top-level ``volumes:`` (a PVC in the port);
* ``scratch``: an anonymous volume or a ``tmpfs`` (an ``emptyDir``);
* ``config``: a bind mount of a single file (a ConfigMap or Secret). A source is a file when it
  exists as one next to the Compose file, else when its last path segment has an extension
  other than ``.d`` (``conf.d`` is a folder) and it does not end with ``/``;
* ``bind``: a bind mount of a host directory (decide by hand: a PVC, a ConfigMap or nothing).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any, Literal

import yaml

from aipp_constructs.compose.interpolation import (
    Interpolated,
    InterpolationError,
    Resolution,
    interpolate,
    interpolation_environment,
    read_env_file,
)
from aipp_constructs.compose.spec import schema_violations

__all__ = [
    "ComposeError",
    "ComposeFile",
    "Dependency",
    "Device",
    "EnvFile",
    "EnvVar",
    "FileMount",
    "FileResource",
    "Healthcheck",
    "Port",
    "ResourceSpec",
    "Resources",
    "Service",
    "Volume",
    "load_compose",
    "parse_compose",
]

VolumeKind = Literal["persisted", "scratch", "config", "bind"]
DependsOnCondition = Literal["service_started", "service_healthy", "service_completed_successfully"]

_CONDITIONS = ("service_started", "service_healthy", "service_completed_successfully")
#: Service keys this model reads; any other (non ``x-``) key is kept in ``Service.unmapped``.
MAPPED_KEYS = (
    "image",
    "build",
    "ports",
    "expose",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "volumes",
    "healthcheck",
    "depends_on",
    "user",
    "deploy",
    "restart",
    "privileged",
    "cap_add",
    "gpus",
    "profiles",
    "extends",
    "secrets",
    "configs",
)
_RESTARTS = ("no", "always", "on-failure", "unless-stopped")


class ComposeError(ValueError):
    """A Compose file this model refuses; the message is one ``error: ...`` line."""


@dataclass(frozen=True, slots=True)
class Port:
    """A container port of a service.

    Attributes:
        target: The port the container listens on.
        protocol: ``tcp``, ``udp`` or ``sctp``.
        published: The host port (or range) it is published on; ``None`` when not published
            (``expose:``, or a short form with the container port only).
        host_ip: The host address it is published on (``127.0.0.1``); ``None`` for all.
        exposed_only: Declared with ``expose:`` (reachable from other services, not the host).
        name: The long form's ``name``; ``None`` when not set.
        app_protocol: The long form's ``app_protocol`` (``http``, ``grpc``); ``None`` when not set.
    """

    target: int
    protocol: str = "tcp"
    published: str | None = None
    host_ip: str | None = None
    exposed_only: bool = False
    name: str | None = None
    app_protocol: str | None = None


@dataclass(frozen=True, slots=True)
class EnvVar:
    """One ``environment:`` entry (or one variable of an ``env_file:``).

    Attributes:
        name: The variable name.
        value: The value after interpolation (module documentation); ``None`` when only the
            name is given, which takes the value from the shell running ``docker compose``.
        raw: The value as written in the Compose file, before interpolation
            (``${PLUGIN_DAEMON_URL:-http://plugin_daemon:5002}``); equal to ``value`` when it
            names no variable; ``None`` with ``value`` ``None``, and for an ``env_file:``
            variable (its file holds the text).
        references: The variables the raw text names, in order (defaults included).
        unset: The referenced variables that were not set: ``value`` came from a default, an
            alternate or ``""``.
    """

    name: str
    value: str | None
    # How it was written is not part of what the variable is: EnvVar("A", "1") equals the
    # entry A=${A:-1} read from a file.
    raw: str | None = field(default=None, compare=False)
    references: tuple[str, ...] = field(default=(), compare=False)
    unset: tuple[str, ...] = field(default=(), compare=False)

    @property
    def interpolated(self) -> bool:
        """The raw text names a variable (or escapes a ``$``)."""
        return self.raw is not None and self.raw != self.value or bool(self.references)

    @property
    def from_default(self) -> bool:
        """The value is (or contains) the default of a variable that is not set."""
        return bool(self.unset)


@dataclass(frozen=True, slots=True)
class EnvFile:
    """One ``env_file:`` entry of a service.

    Attributes:
        path: The path as written (after interpolation).
        resolved: The file, relative to the Compose file's folder.
        required: ``False`` for ``required: false`` (Compose then starts without it).
        exists: The file was found; when not, :attr:`variables` is empty and the load has a
            note naming it (the port must supply those variables by hand).
        variables: Its variables, in file order, interpolated with the project's variables.
    """

    path: str
    resolved: Path
    required: bool = True
    exists: bool = False
    variables: tuple[EnvVar, ...] = ()


@dataclass(frozen=True, slots=True)
class Volume:
    """A mount of a service.

    Attributes:
        target: The path in the container.
        kind: ``persisted``, ``scratch``, ``config`` or ``bind`` (module documentation).
        source: The named volume, or the host path of a bind mount; ``None`` for anonymous
            volumes and tmpfs.
        read_only: Mounted read-only.
        on_disk: For a bind mount: ``file`` or ``folder`` as the source exists beside the Compose
            file; ``None`` when it does not exist there (the kind then follows the extension).
        unset: Variables the mount names that were not set (``${UPLOAD_LOCATION}:/data`` with
            UPLOAD_LOCATION unset: a bind mount whose host path is only that variable).
    """

    target: str
    kind: VolumeKind
    source: str | None = None
    read_only: bool = False
    on_disk: Literal["file", "folder"] | None = field(default=None, compare=False)
    unset: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class Healthcheck:
    """A service's ``healthcheck:``.

    Attributes:
        kind: ``CMD`` (exec form), ``CMD-SHELL`` (shell form) or ``NONE`` (disabled, also for
            ``disable: true``).
        test: The command: the exec arguments, or one shell string; empty for ``NONE``.
        interval: As written (``10s``); ``None`` when not set.
        timeout: As written; ``None`` when not set.
        retries: Consecutive failures before unhealthy; ``None`` when not set.
        start_period: As written; ``None`` when not set.
        test_written: :attr:`test` as written, before interpolation
            (``mysqladmin ping -p${DB_PASSWORD:-x}`` where ``test`` has the value).
    """

    kind: Literal["CMD", "CMD-SHELL", "NONE"]
    test: tuple[str, ...] = ()
    interval: str | None = None
    timeout: str | None = None
    retries: int | None = None
    start_period: str | None = None
    test_written: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class FileMount:
    """A ``secrets:`` or ``configs:`` entry of a service.

    Attributes:
        source: The name of the top-level secret or config.
        target: The path in the container (the default: ``/run/secrets/<source>`` for a secret,
            ``/<source>`` for a config).
        uid: As written; ``None`` when not set.
        gid: As written; ``None`` when not set.
        mode: As written (``0440``); ``None`` when not set.
    """

    source: str
    target: str
    uid: str | None = None
    gid: str | None = None
    mode: str | None = None


@dataclass(frozen=True, slots=True)
class FileResource:
    """A top-level ``secrets:`` or ``configs:`` entry.

    Attributes:
        name: Its key.
        file: The host file it is read from; ``None`` when not from a file.
        environment: The variable it is read from; ``None`` when not set.
        content: Inline content (configs only); ``None`` when not set.
        external: Created outside Compose.
    """

    name: str
    file: str | None = None
    environment: str | None = None
    content: str | None = None
    external: bool = False


@dataclass(frozen=True, slots=True)
class Dependency:
    """A ``depends_on`` entry.

    Attributes:
        service: The Compose name of the service depended on.
        condition: ``service_started`` (the short form), ``service_healthy`` or
            ``service_completed_successfully``.
        required: ``False`` when Compose starts without it. Defaults to ``True``.
    """

    service: str
    condition: DependsOnCondition = "service_started"
    required: bool = True


@dataclass(frozen=True, slots=True)
class Device:
    """A device reservation of ``deploy.resources.reservations.devices``.

    Attributes:
        capabilities: E.g. ``("gpu",)``.
        driver: E.g. ``nvidia``; ``None`` when not set.
        count: A number, ``"all"``, or ``None`` when not set (Compose then reserves all).
        device_ids: Explicit device ids; empty when not set.
    """

    capabilities: tuple[str, ...]
    driver: str | None = None
    count: int | str | None = None
    device_ids: tuple[str, ...] = ()

    @property
    def is_gpu(self) -> bool:
        """The reservation asks for a GPU."""
        return "gpu" in self.capabilities


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """``limits`` or ``reservations`` of ``deploy.resources``.

    Attributes:
        cpus: As written (``"0.5"``); ``None`` when not set.
        memory: As written (``512M``); ``None`` when not set.
        devices: Device reservations (``reservations`` only).
    """

    cpus: str | None = None
    memory: str | None = None
    devices: tuple[Device, ...] = ()


@dataclass(frozen=True, slots=True)
class Resources:
    """``deploy.resources``.

    Attributes:
        limits: The limits; empty when not set.
        reservations: The reservations; empty when not set.
    """

    limits: ResourceSpec = field(default_factory=ResourceSpec)
    reservations: ResourceSpec = field(default_factory=ResourceSpec)


@dataclass(frozen=True, slots=True)
class Service:
    """One Compose service.

    Attributes:
        name: The Compose service name.
        image: The image reference as written; ``None`` for a service that is only built.
        build: The service has a ``build:`` section.
        ports: ``ports:`` then ``expose:`` entries, in file order (port ranges expanded).
        command: ``command:`` as arguments (a string is split like a shell would);
            ``None`` when not set (the image's default).
        entrypoint: ``entrypoint:`` likewise.
        environment: ``environment:`` entries in file order.
        env_file: ``env_file:`` paths in file order.
        volumes: ``volumes:`` entries in file order.
        healthcheck: The health check; ``None`` when not set (the image's own, if any).
        depends_on: Dependencies in file order.
        user: ``user:`` as written (``"1000:1000"``, ``"node"``); ``None`` when not set.
        replicas: ``deploy.replicas``; ``None`` when not set.
        resources: ``deploy.resources``; ``None`` when not set.
        restart: ``restart:`` (``no``, ``always``, ``on-failure[:N]``, ``unless-stopped``);
            ``None`` when not set (Compose's default is ``no``).
        privileged: ``privileged: true``.
        cap_add: ``cap_add:`` capabilities.
        gpus: ``gpus:`` as written (``all`` or a list); ``None`` when not set.
        unmapped: Keys this model does not read (``container_name``, ``networks``...) with their
            values, plus ``deploy.<key>`` for ``deploy`` keys other than replicas/resources.
        line: Line of the service in the file (1-based); ``0`` when unknown.
        profiles: ``profiles:``; empty when the service always starts.
        active: Compose starts it: no profiles, or one of them selected (``--profile``,
            ``COMPOSE_PROFILES``). An inactive service is still in the model (an optional part).
        env_files: The ``env_file:`` entries with their variables (:attr:`env_file` keeps the
            paths only).
        secrets: ``secrets:`` entries.
        configs: ``configs:`` entries.
        extends: The service it extends (``extends:``, already merged in); ``None`` when none.
        file: The Compose file that defines it (an ``include:``d file for included services);
            ``None`` when the text was parsed without a file.
        written: The service's keys as written, before interpolation (anchors, merge keys and
            ``extends`` applied): ``written["command"]`` is
            ``["redis-server", "--requirepass", "${REDIS_AUTH}"]`` where :attr:`command` has the
            interpolated value.
    """

    name: str
    image: str | None = None
    build: bool = False
    ports: tuple[Port, ...] = ()
    command: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    environment: tuple[EnvVar, ...] = ()
    env_file: tuple[str, ...] = ()
    volumes: tuple[Volume, ...] = ()
    healthcheck: Healthcheck | None = None
    depends_on: tuple[Dependency, ...] = ()
    user: str | None = None
    replicas: int | None = None
    resources: Resources | None = None
    restart: str | None = None
    privileged: bool = False
    cap_add: tuple[str, ...] = ()
    gpus: Any = None
    unmapped: Mapping[str, Any] = field(default_factory=dict)
    line: int = 0
    profiles: tuple[str, ...] = ()
    active: bool = True
    env_files: tuple[EnvFile, ...] = ()
    secrets: tuple[FileMount, ...] = ()
    configs: tuple[FileMount, ...] = ()
    extends: str | None = None
    file: Path | None = None
    written: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def command_written(self) -> tuple[str, ...] | None:
        """``command:`` as written (before interpolation), as arguments; ``None`` when not set."""
        return _written_argv(self.written.get("command"))

    @property
    def entrypoint_written(self) -> tuple[str, ...] | None:
        """``entrypoint:`` as written (before interpolation), as arguments; ``None`` when not set."""
        return _written_argv(self.written.get("entrypoint"))

    @property
    def effective_environment(self) -> tuple[EnvVar, ...]:
        """The container's variables: those of the ``env_file:`` files, then ``environment:``
        (which wins), as Compose merges them."""
        merged: dict[str, EnvVar] = {}
        for env_file in self.env_files:
            for var in env_file.variables:
                merged[var.name] = var
        for var in self.environment:
            merged[var.name] = var
        return tuple(merged.values())

    @property
    def gpu_devices(self) -> tuple[Device, ...]:
        """The GPU device reservations."""
        if self.resources is None:
            return ()
        return tuple(device for device in self.resources.reservations.devices if device.is_gpu)

    @property
    def needs_gpu(self) -> bool:
        """A GPU device reservation, or a ``gpus:`` key."""
        return bool(self.gpu_devices) or self.gpus is not None

    def env(self, name: str) -> EnvVar | None:
        """The ``environment`` entry of that name, or ``None``."""
        return next((var for var in self.environment if var.name == name), None)


def _written_argv(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return tuple(shlex.split(value))
        except ValueError:
            return (value,)
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return None


def _plain(value: Any) -> Any:
    """``value`` with every interpolated string as a plain ``str`` (what the model hands out)."""
    if isinstance(value, Interpolated):
        return str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _as_written(value: Any) -> Any:
    """``value`` with every interpolated string back to its text as written."""
    if isinstance(value, Interpolated):
        return value.raw
    if isinstance(value, dict):
        return {key: _as_written(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_written(item) for item in value]
    return value


@dataclass(frozen=True, slots=True)
class ComposeFile:
    """A parsed Compose file.

    Attributes:
        path: The file.
        services: Services in file order.
        volumes: Names of the top-level named volumes, in file order.
        unmapped: Top-level keys other than ``services``, ``volumes``, ``name``, ``version``,
            ``include`` and ``x-*`` (``networks``, ``secrets``, ``configs``...).
        name: ``name:`` (the project name); ``None`` when not set.
        secrets: Top-level ``secrets:``.
        configs: Top-level ``configs:``.
        notes: What Compose would warn about, one line each (``note: FILE:LINE: path: ...``):
            a variable that is not set, an ``env_file`` that does not exist.
        profiles: The selected profiles (``--profile``, else ``COMPOSE_PROFILES``).
        env_files: The files the interpolation variables were read from (``--env-file``, else
            the ``.env`` beside the Compose file when it exists).
        included: The files read through ``include:`` (and ``extends: {file: ...}``).
    """

    path: Path
    services: tuple[Service, ...]
    volumes: tuple[str, ...] = ()
    unmapped: Mapping[str, Any] = field(default_factory=dict)
    name: str | None = None
    secrets: tuple[FileResource, ...] = ()
    configs: tuple[FileResource, ...] = ()
    notes: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    env_files: tuple[Path, ...] = ()
    included: tuple[Path, ...] = ()

    @property
    def active_services(self) -> tuple[Service, ...]:
        """The services Compose starts with the selected profiles."""
        return tuple(service for service in self.services if service.active)

    def service(self, name: str) -> Service:
        """The service of that Compose name.

        Raises:
            KeyError: no such service.
        """
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)


# --------------------------------------------------------------------------------------------
# YAML as Compose reads it (YAML 1.2 core schema for booleans and numbers).


class _ComposeLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans, integers and floats."""


_REPLACED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_ComposeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ComposeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_ComposeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_ComposeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."),
)


def _lines(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int], file: str) -> None:
    """Records the line of every key and list item; refuses duplicate keys."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                _lines(value_node, path, out, file)
                continue
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen and key_node.tag == "tag:yaml.org,2002:str":
                where = ".".join(str(part) for part in (*path, key))
                raise ComposeError(
                    f"error: {file}:{line}: {where}: duplicate key (first on line {seen[key]}); keep one of them"
                )
            seen[key] = line
            out.setdefault((*path, key), line)
            _lines(value_node, (*path, key), out, file)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out.setdefault((*path, index), item.start_mark.line + 1)
            _lines(item, (*path, index), out, file)


class _Context:
    """The file name and key lines, to build one-line errors."""

    def __init__(self, file: str, lines: Mapping[tuple[Any, ...], int]) -> None:
        self.file = file
        self.lines = lines

    def error(self, path: tuple[Any, ...], message: str) -> ComposeError:
        where = ""
        for part in path:
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        line = 0
        for end in range(len(path), 0, -1):
            line = self.lines.get(tuple(path[:end]), 0)
            if line:
                break
        at = f"{self.file}:{line}" if line else self.file
        return ComposeError(f"error: {at}: {where}: {message}" if where else f"error: {at}: {message}")


def _scalar_str(ctx: _Context, path: tuple[Any, ...], value: Any, what: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ctx.error(path, f"{what} must be a string, got {type(value).__name__}")


_TRUE = ("1", "t", "T", "true", "True", "TRUE")
_FALSE = ("0", "f", "F", "false", "False", "FALSE")


def _bool(ctx: _Context, path: tuple[Any, ...], value: Any) -> bool:
    """A boolean, or a string that reads as one (an interpolated value is a string)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in _TRUE + _FALSE:
        return value in _TRUE
    raise ctx.error(path, f"must be true or false, got {value!r}")


def _int(ctx: _Context, path: tuple[Any, ...], value: Any, what: str) -> int:
    """A non-negative integer, or a string of digits (an interpolated value is a string)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ctx.error(path, f"must be {what}, got {value!r}")
    return value


def _str_list(ctx: _Context, path: tuple[Any, ...], value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        raise ctx.error(path, f"{what} must be a string or a list of strings, got {type(value).__name__}")
    return tuple(_scalar_str(ctx, (*path, index), item, what) for index, item in enumerate(value))


def _argv(ctx: _Context, path: tuple[Any, ...], value: Any) -> tuple[str, ...] | None:
    """``command``/``entrypoint``: a string split like a shell, or a list."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return tuple(shlex.split(value))
        except ValueError as error:
            raise ctx.error(path, f"cannot split the command like a shell ({error}); write it as a list") from None
    if isinstance(value, list):
        return tuple(_scalar_str(ctx, (*path, index), item, "a command argument") for index, item in enumerate(value))
    raise ctx.error(path, f"must be a string or a list of arguments, got {type(value).__name__}")


# --------------------------------------------------------------------------------------------
# Ports.

_PROTOCOLS = ("tcp", "udp", "sctp")
_RANGE = re.compile(r"(\d+)(?:-(\d+))?")


def _port_range(ctx: _Context, path: tuple[Any, ...], text: str, what: str) -> list[int]:
    match = _RANGE.fullmatch(text)
    if not match:
        raise ctx.error(path, f"{what} {text!r} is not a port number or range; write e.g. '8080' or '8000-8010'")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if not 1 <= first <= last <= 65535:
        raise ctx.error(path, f"{what} {text!r} is outside 1-65535 (or the range is reversed)")
    if last - first >= 100:
        raise ctx.error(path, f"{what} {text!r} spans more than 100 ports; list the ports the service listens on")
    return list(range(first, last + 1))


def _short_port(ctx: _Context, path: tuple[Any, ...], text: str) -> list[Port]:
    """``[[HOST_IP:]PUBLISHED:]TARGET[/PROTOCOL]``; HOST_IP may be ``[::1]``."""
    spec, _, protocol = text.partition("/")
    protocol = protocol or "tcp"
    if protocol not in _PROTOCOLS:
        raise ctx.error(path, f"port {text!r} has protocol {protocol!r}; write tcp, udp or sctp")
    host_ip: str | None = None
    if spec.startswith("["):
        host_ip, sep, spec = spec[1:].partition("]")
        if not sep or not spec.startswith(":"):
            raise ctx.error(path, f"port {text!r}: write an IPv6 host address as '[::1]:PUBLISHED:TARGET'")
        spec = spec[1:]
        parts = spec.split(":")
        if len(parts) != 2:
            raise ctx.error(path, f"port {text!r}: write '[IP]:PUBLISHED:TARGET'")
    else:
        parts = spec.split(":")
        if len(parts) == 3:
            host_ip = parts.pop(0)
        elif len(parts) > 3:
            raise ctx.error(path, f"port {text!r} has too many ':'; write '[HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]'")
    published = parts[0] if len(parts) == 2 else None
    targets = _port_range(ctx, path, parts[-1], "container port")
    if published == "":
        published = None
    if published is not None:
        published_ports = _port_range(ctx, path, published, "published port")
        if len(published_ports) not in (1, len(targets)):
            raise ctx.error(path, f"port {text!r}: the published range must match the container range")
    return [Port(target=t, protocol=protocol, published=published, host_ip=host_ip or None) for t in targets]


def _ports(ctx: _Context, path: tuple[Any, ...], value: Any) -> list[Port]:
    if not isinstance(value, list):
        raise ctx.error(path, f"must be a list of ports, got {type(value).__name__}")
    ports: list[Port] = []
    for index, item in enumerate(value):
        where = (*path, index)
        if isinstance(item, bool):
            raise ctx.error(where, f"must be a port, got {item!r}")
        if isinstance(item, int):
            ports.extend(_short_port(ctx, where, str(item)))
        elif isinstance(item, str):
            ports.extend(_short_port(ctx, where, item))
        elif isinstance(item, dict):
            unknown = sorted(set(item) - {"target", "published", "protocol", "host_ip", "mode", "name", "app_protocol"})
            if unknown:
                raise ctx.error(
                    where,
                    f"unknown port key(s) {', '.join(map(str, unknown))}; allowed: target, published, protocol, "
                    "host_ip, mode, name, app_protocol",
                )
            if "target" not in item:
                raise ctx.error(where, "long-form port needs 'target' (the container port)")
            target = item["target"]
            if isinstance(target, bool) or not isinstance(target, (int, str)):
                raise ctx.error((*where, "target"), f"must be a port number 1-65535, got {target!r}")
            targets = _port_range(ctx, (*where, "target"), str(target).strip(), "container port")
            protocol = str(item.get("protocol") or "tcp")
            if protocol not in _PROTOCOLS:
                raise ctx.error((*where, "protocol"), f"is {protocol!r}; write tcp, udp or sctp")
            published = item.get("published")
            ports.extend(
                Port(
                    target=number,
                    protocol=protocol,
                    published=None if published in (None, "") else str(published),
                    host_ip=str(item["host_ip"]) if item.get("host_ip") else None,
                    name=None if item.get("name") is None else str(item["name"]),
                    app_protocol=None if item.get("app_protocol") is None else str(item["app_protocol"]),
                )
                for number in targets
            )
        else:
            raise ctx.error(where, f"must be a port string, number or mapping, got {type(item).__name__}")
    return ports


def _expose(ctx: _Context, path: tuple[Any, ...], value: Any) -> list[Port]:
    if not isinstance(value, list):
        raise ctx.error(path, f"must be a list of ports, got {type(value).__name__}")
    ports: list[Port] = []
    for index, item in enumerate(value):
        where = (*path, index)
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise ctx.error(where, f"must be a port number, got {item!r}")
        spec, _, protocol = str(item).partition("/")
        protocol = protocol or "tcp"
        if protocol not in _PROTOCOLS:
            raise ctx.error(where, f"port {item!r} has protocol {protocol!r}; write tcp, udp or sctp")
        targets = _port_range(ctx, where, spec, "port")
        ports.extend(Port(target=t, protocol=protocol, exposed_only=True) for t in targets)
    return ports


# --------------------------------------------------------------------------------------------
# Environment, volumes, health check, dependencies, resources.


def _environment(ctx: _Context, path: tuple[Any, ...], value: Any) -> list[EnvVar]:
    result: list[EnvVar] = []
    if isinstance(value, dict):
        for name, raw in value.items():
            if not isinstance(name, str) or not name:
                raise ctx.error(path, f"variable name must be a non-empty string, got {name!r}")
            if raw is None:
                result.append(EnvVar(name, None))
            else:
                value_text = _scalar_str(ctx, (*path, name), raw, "a variable value")
                result.append(_env_var(name, value_text, raw))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item or item.startswith("="):
                raise ctx.error((*path, index), f"must be 'NAME=VALUE' or 'NAME', got {item!r}")
            name, sep, value_text = item.partition("=")
            if not sep:
                result.append(EnvVar(name, None))
            elif isinstance(item, Interpolated):
                written = item.raw.partition("=")[2]
                result.append(EnvVar(name, value_text, written, item.references, item.unset))
            else:
                result.append(EnvVar(name, value_text, value_text))
    else:
        raise ctx.error(path, f"must be a list of 'NAME=VALUE' or a mapping, got {type(value).__name__}")
    seen: set[str] = set()
    for var in result:
        if var.name in seen:
            raise ctx.error(path, f"variable {var.name!r} is set twice; keep one")
        seen.add(var.name)
    return result


def _env_var(name: str, value: str, written: Any) -> EnvVar:
    """An ``environment`` entry with how it was written (``written`` is the YAML value)."""
    if isinstance(written, Interpolated):
        return EnvVar(name, value, written.raw, written.references, written.unset)
    return EnvVar(name, value, value)


def _env_file_entries(ctx: _Context, path: tuple[Any, ...], value: Any) -> list[tuple[str, bool]]:
    """``env_file:`` as (path, required) pairs: a string, a list, or long-form items."""
    if isinstance(value, str):
        return [(str(value), True)]
    if not isinstance(value, list):
        raise ctx.error(path, f"must be a path or a list of paths, got {type(value).__name__}")
    files: list[tuple[str, bool]] = []
    for index, item in enumerate(value):
        if isinstance(item, dict) and isinstance(item.get("path"), str):
            required = _bool(ctx, (*path, index, "required"), item.get("required", True))
            files.append((str(item["path"]), required))
        elif isinstance(item, str):
            files.append((str(item), True))
        else:
            raise ctx.error((*path, index), f"must be a path or {{path: ...}}, got {item!r}")
    return files


def _env_file(ctx: _Context, path: tuple[Any, ...], value: Any) -> list[str]:
    return [file for file, _ in _env_file_entries(ctx, path, value)]


def _on_disk(base: Path, source: str) -> Literal["file", "folder"] | None:
    """What a bind source is on disk beside the Compose file; ``None`` when it is not there."""
    candidate = Path(source).expanduser()
    if not candidate.is_absolute():
        candidate = base / candidate
    try:
        if candidate.is_dir():
            return "folder"
        if candidate.exists():
            return "file"
    except OSError:
        return None
    return None


def _is_file(base: Path, source: str) -> bool:
    """Whether a bind source is a single file: as it exists on disk, else by its extension."""
    found = _on_disk(base, source)
    if found is not None:
        return found == "file"
    # conf.d, init.d, sites-enabled.d: folders by convention.
    suffix = PurePosixPath(source.rstrip("/")).suffix
    return bool(suffix) and suffix != ".d" and not source.endswith("/")


def _bind(target: str, source: str, read_only: bool, base: Path, unset: tuple[str, ...] = ()) -> Volume:
    on_disk = _on_disk(base, source)
    kind: VolumeKind = "config" if _is_file(base, source) else "bind"
    return Volume(target=target, kind=kind, source=source, read_only=read_only, on_disk=on_disk, unset=unset)


def _is_bind_source(source: str) -> bool:
    return source.startswith((".", "/", "~", "$")) or "/" in source


def _volume(ctx: _Context, path: tuple[Any, ...], item: Any, declared: tuple[str, ...], base: Path) -> Volume:
    if isinstance(item, str):
        parts = item.split(":")
        if len(parts) == 1:
            source, target, mode = None, parts[0], ""
        elif len(parts) == 2:
            source, target, mode = parts[0], parts[1], ""
        elif len(parts) == 3:
            source, target, mode = parts
        else:
            raise ctx.error(path, f"volume {item!r} has too many ':'; write 'SOURCE:TARGET[:ro]'")
        if not target.startswith("/"):
            raise ctx.error(path, f"volume {item!r}: the container path {target!r} must be absolute ('/...')")
        read_only = "ro" in mode.split(",")
        if source is None:
            return Volume(target=target, kind="scratch")
        unset = item.unset if isinstance(item, Interpolated) else ()
        if not source and unset:
            # ${UPLOAD_LOCATION}:/data with the variable unset: a bind mount of a host path that
            # only the variable names (the load has a note for the variable).
            written = item.raw if isinstance(item, Interpolated) else item
            suffix = item[len(source) :]
            source = written.removesuffix(suffix)
            return Volume(target=target, kind="bind", source=source, read_only=read_only, unset=unset)
        if not source:
            raise ctx.error(path, f"volume {item!r} has an empty source; write 'SOURCE:TARGET' or only the target")
        if _is_bind_source(source):
            return _bind(target, source, read_only, base, unset)
        return _named(ctx, path, source, target, read_only, declared)
    if isinstance(item, dict):
        kind_key = item.get("type", "volume")
        raw_target = item.get("target")
        if not isinstance(raw_target, str) or not raw_target.startswith("/"):
            raise ctx.error((*path, "target"), f"must be an absolute container path, got {raw_target!r}")
        target = str(raw_target)
        read_only = _bool(ctx, (*path, "read_only"), item.get("read_only", False))
        source = item.get("source")
        if source is not None and not isinstance(source, str):
            raise ctx.error((*path, "source"), f"must be a string, got {type(source).__name__}")
        source = None if source is None else str(source)
        if kind_key == "tmpfs":
            return Volume(target=target, kind="scratch")
        if kind_key == "bind":
            if not source:
                raise ctx.error((*path, "source"), "a bind mount needs 'source' (the host path)")
            return _bind(target, source, read_only, base)
        if kind_key == "volume":
            if not source:
                return Volume(target=target, kind="scratch", read_only=read_only)
            return _named(ctx, path, source, target, read_only, declared)
        raise ctx.error((*path, "type"), f"is {kind_key!r}; this model reads volume, bind and tmpfs")
    raise ctx.error(path, f"must be 'SOURCE:TARGET[:MODE]' or a mapping, got {type(item).__name__}")


def _named(
    ctx: _Context, path: tuple[Any, ...], source: str, target: str, read_only: bool, declared: tuple[str, ...]
) -> Volume:
    if source not in declared:
        raise ctx.error(
            path,
            f"named volume {source!r} is not declared under the top-level 'volumes:'; declare it "
            f"('volumes: {{{source}: {{}}}}') or write './{source}' for a bind mount",
        )
    return Volume(target=target, kind="persisted", source=source, read_only=read_only)


def _healthcheck(ctx: _Context, path: tuple[Any, ...], value: Any) -> Healthcheck | None:
    if not isinstance(value, dict):
        raise ctx.error(path, f"must be a mapping (test, interval, timeout, retries, start_period), got {value!r}")
    unknown = sorted(
        set(value) - {"test", "interval", "timeout", "retries", "start_period", "start_interval", "disable"}
    )
    if unknown:
        raise ctx.error(
            (*path, unknown[0]),
            "is not a healthcheck key; allowed: test, interval, timeout, retries, "
            "start_period, start_interval, disable",
        )
    timing = {}
    for key in ("interval", "timeout", "start_period"):
        raw = value.get(key)
        timing[key] = None if raw is None else _scalar_str(ctx, (*path, key), raw, "a duration")
    retries = value.get("retries")
    if retries is not None:
        retries = _int(ctx, (*path, "retries"), retries, "a non-negative integer")
    if _bool(ctx, (*path, "disable"), value.get("disable", False)):
        return Healthcheck(kind="NONE")
    test = value.get("test")
    if test is None:
        if "disable" in value:
            return None  # disable: false and no test: the image's own health check
        raise ctx.error(path, 'has no \'test\'; write test: ["CMD", ...] or ["CMD-SHELL", "..."]')
    if isinstance(test, str):
        return Healthcheck(kind="CMD-SHELL", test=(test,), retries=retries, test_written=(_as_written(test),), **timing)
    if not isinstance(test, list) or not test:
        raise ctx.error((*path, "test"), f"must be a string or a non-empty list, got {test!r}")
    args = tuple(_scalar_str(ctx, (*path, "test", index), item, "a test argument") for index, item in enumerate(test))
    head = args[0]
    if head == "NONE":
        return Healthcheck(kind="NONE")
    if head == "CMD":
        if len(args) < 2:
            raise ctx.error((*path, "test"), "CMD needs a command after it")
        written = tuple(str(_as_written(item)) for item in test[1:])
        return Healthcheck(kind="CMD", test=args[1:], retries=retries, test_written=written, **timing)
    if head == "CMD-SHELL":
        if len(args) != 2:
            raise ctx.error((*path, "test"), "CMD-SHELL takes exactly one shell string")
        written = tuple(str(_as_written(item)) for item in test[1:])
        return Healthcheck(kind="CMD-SHELL", test=args[1:], retries=retries, test_written=written, **timing)
    raise ctx.error((*path, "test", 0), f"is {head!r}; a list test starts with CMD, CMD-SHELL or NONE")


def _depends_on(ctx: _Context, path: tuple[Any, ...], value: Any) -> list[Dependency]:
    if isinstance(value, list):
        deps = []
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise ctx.error((*path, index), f"must be a service name, got {item!r}")
            deps.append(Dependency(str(item)))
        return deps
    if not isinstance(value, dict):
        raise ctx.error(path, f"must be a list of service names or a mapping, got {type(value).__name__}")
    deps = []
    for name, spec in value.items():
        where = (*path, name)
        spec = spec or {}
        if not isinstance(spec, dict):
            raise ctx.error(where, f"must be a mapping (condition, required), got {spec!r}")
        unknown = sorted(set(spec) - {"condition", "required", "restart"})
        if unknown:
            raise ctx.error((*where, unknown[0]), "is not a depends_on key; allowed: condition, required, restart")
        condition = spec.get("condition", "service_started")
        if condition not in _CONDITIONS:
            raise ctx.error((*where, "condition"), f"is {condition!r}; write one of {', '.join(_CONDITIONS)}")
        required = _bool(ctx, (*where, "required"), spec.get("required", True))
        deps.append(Dependency(str(name), condition, required))
    return deps


def _resource_spec(ctx: _Context, path: tuple[Any, ...], value: Any, devices_allowed: bool) -> ResourceSpec:
    if value is None:
        return ResourceSpec()
    if not isinstance(value, dict):
        raise ctx.error(path, f"must be a mapping (cpus, memory), got {type(value).__name__}")
    allowed = {"cpus", "memory", "pids"} | ({"devices", "generic_resources"} if devices_allowed else set())
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ctx.error((*path, unknown[0]), f"is not a resources key; allowed: {', '.join(sorted(allowed))}")
    cpus = value.get("cpus")
    memory = value.get("memory")
    devices: list[Device] = []
    for index, device in enumerate(value.get("devices") or []):
        where = (*path, "devices", index)
        if not isinstance(device, dict):
            raise ctx.error(where, f"must be a mapping (capabilities, driver, count, device_ids), got {device!r}")
        capabilities = device.get("capabilities")
        if not isinstance(capabilities, list) or not capabilities:
            raise ctx.error((*where, "capabilities"), "is required: a list such as [gpu]")
        count = device.get("count")
        if isinstance(count, str) and count.isdigit():
            count = int(count)
        if count is not None and not (count == "all" or (isinstance(count, int) and not isinstance(count, bool))):
            raise ctx.error((*where, "count"), f"must be a number or 'all', got {count!r}")
        devices.append(
            Device(
                capabilities=tuple(str(c) for c in capabilities),
                driver=str(device["driver"]) if device.get("driver") else None,
                count=count,
                device_ids=tuple(str(d) for d in device.get("device_ids") or ()),
            )
        )
    return ResourceSpec(
        cpus=None if cpus is None else _scalar_str(ctx, (*path, "cpus"), cpus, "cpus"),
        memory=None if memory is None else _scalar_str(ctx, (*path, "memory"), memory, "memory"),
        devices=tuple(devices),
    )


# --------------------------------------------------------------------------------------------
# Services and the file.


@dataclass
class _Project:
    """What every service of one load shares: the declared names and the notes."""

    volumes: tuple[str, ...]
    secrets: tuple[str, ...]
    configs: tuple[str, ...]
    services: set[str]
    profiles: tuple[str, ...]
    loader: _Loader


def _file_mounts(
    ctx: _Context, path: tuple[Any, ...], value: Any, declared: tuple[str, ...], kind: str
) -> tuple[FileMount, ...]:
    """A service's ``secrets:`` (``kind`` ``secrets``) or ``configs:`` entries."""
    if not isinstance(value, list):
        raise ctx.error(path, f"must be a list of {kind} names or mappings, got {type(value).__name__}")
    mounts: list[FileMount] = []
    for index, item in enumerate(value):
        where = (*path, index)
        spec: dict[str, Any] = {"source": item} if isinstance(item, str) else item
        if not isinstance(spec, dict) or not isinstance(spec.get("source"), str) or not spec["source"]:
            raise ctx.error(where, f"must be a {kind[:-1]} name or a mapping with 'source', got {item!r}")
        source = str(spec["source"])
        if source not in declared:
            raise ctx.error(
                where,
                f"{kind[:-1]} {source!r} is not declared under the top-level '{kind}:'; declare it "
                f"('{kind}: {{{source}: {{file: ./{source}}}}}')",
            )
        target = spec.get("target")
        default = f"/run/secrets/{source}" if kind == "secrets" else f"/{source}"
        if target is None:
            target = default
        elif not str(target).startswith("/"):
            target = f"/run/secrets/{target}" if kind == "secrets" else f"/{target}"
        mounts.append(
            FileMount(
                source=source,
                target=str(target),
                uid=None if spec.get("uid") is None else str(spec["uid"]),
                gid=None if spec.get("gid") is None else str(spec["gid"]),
                mode=None if spec.get("mode") is None else str(spec["mode"]),
            )
        )
    return tuple(mounts)


def _file_resources(ctx: _Context, key: str, value: Any) -> tuple[FileResource, ...]:
    """The top-level ``secrets:`` or ``configs:``."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ctx.error((key,), f"must be a mapping of {key} names, got {type(value).__name__}")
    resources: list[FileResource] = []
    for name, spec in value.items():
        spec = spec or {}
        if not isinstance(spec, dict):
            raise ctx.error((key, name), f"must be a mapping (file, environment, external...), got {spec!r}")
        external = spec.get("external", False)
        resources.append(
            FileResource(
                name=str(name),
                file=None if spec.get("file") is None else str(spec["file"]),
                environment=None if spec.get("environment") is None else str(spec["environment"]),
                content=None if spec.get("content") is None else str(spec["content"]),
                external=bool(external)
                if isinstance(external, dict)
                else _bool(ctx, (key, name, "external"), external),
            )
        )
    return tuple(resources)


def _env_files(
    ctx: _Context, path: tuple[Any, ...], value: Any, base: Path, project: _Project, env: Mapping[str, str]
) -> tuple[EnvFile, ...]:
    """``env_file:`` entries read from disk; a missing file is a note, not an error."""
    result: list[EnvFile] = []
    for index, (written, required) in enumerate(_env_file_entries(ctx, path, value)):
        resolved = Path(written).expanduser()
        if not resolved.is_absolute():
            resolved = base / resolved
        if not resolved.is_file():
            consequence = (
                "Compose refuses to start without it" if required else "required: false, Compose starts without it"
            )
            project.loader.note(
                ctx,
                (*path, index),
                f"{written} does not exist beside the Compose file ({consequence}); its variables are "
                "unknown: TODO supply them in the port",
            )
            result.append(EnvFile(written, resolved, required, exists=False))
            continue

        def blank(variable: str, line: int, file: Path = resolved) -> None:
            project.loader.note_variable(f"{file}:{line}", variable)

        try:
            values = read_env_file(resolved, env, on_blank=blank)
        except ValueError as error:
            raise ComposeError(str(error)) from None
        variables = tuple(EnvVar(name, text) for name, text in values.items())
        result.append(EnvFile(written, resolved, required, exists=True, variables=variables))
    return tuple(result)


def _service(
    ctx: _Context,
    name: str,
    raw: Any,
    project: _Project,
    base: Path,
    env: Mapping[str, str],
    file: Path | None,
    extends: str | None,
) -> Service:
    path: tuple[Any, ...] = ("services", name)
    if not isinstance(raw, dict):
        raise ctx.error(path, f"must be a mapping of service keys, got {type(raw).__name__}")
    for key in raw:
        if not isinstance(key, str):
            raise ctx.error(path, f"key {key!r} must be a string")
    declared = project.volumes
    all_names = project.services
    image = raw.get("image")
    if image is not None and (not isinstance(image, str) or not image):
        raise ctx.error((*path, "image"), f"must be an image reference, got {image!r}")
    if image is None and "build" not in raw:
        raise ctx.error(path, "has neither 'image' nor 'build'; add the image reference")
    ports = _ports(ctx, (*path, "ports"), raw["ports"]) if raw.get("ports") is not None else []
    if raw.get("expose") is not None:
        ports += _expose(ctx, (*path, "expose"), raw["expose"])
    environment = _environment(ctx, (*path, "environment"), raw["environment"]) if raw.get("environment") else []
    volumes_raw = raw.get("volumes") or []
    if not isinstance(volumes_raw, list):
        raise ctx.error((*path, "volumes"), f"must be a list of mounts, got {type(volumes_raw).__name__}")
    volumes = [_volume(ctx, (*path, "volumes", index), item, declared, base) for index, item in enumerate(volumes_raw)]
    healthcheck = _healthcheck(ctx, (*path, "healthcheck"), raw["healthcheck"]) if "healthcheck" in raw else None
    depends_on = _depends_on(ctx, (*path, "depends_on"), raw["depends_on"]) if raw.get("depends_on") else []
    for dep in depends_on:
        if dep.service not in all_names:
            raise ctx.error(
                (*path, "depends_on", dep.service),
                f"names no service of this file; services: {', '.join(sorted(all_names))}",
            )
    user = raw.get("user")
    if user is not None:
        user = _scalar_str(ctx, (*path, "user"), user, "user")
    restart = raw.get("restart")
    if restart is not None:
        restart = _scalar_str(ctx, (*path, "restart"), restart, "restart")
        if restart.split(":")[0] not in _RESTARTS:
            raise ctx.error((*path, "restart"), f"is {restart!r}; write one of {', '.join(_RESTARTS)} (quote 'no')")
    privileged = _bool(ctx, (*path, "privileged"), raw.get("privileged", False))
    profiles = _str_list(ctx, (*path, "profiles"), raw["profiles"], "a profile") if raw.get("profiles") else ()
    unmapped: dict[str, Any] = {
        key: value for key, value in raw.items() if key not in MAPPED_KEYS and not key.startswith("x-")
    }
    replicas = None
    resources = None
    deploy = raw.get("deploy")
    if deploy is not None:
        if not isinstance(deploy, dict):
            raise ctx.error((*path, "deploy"), f"must be a mapping, got {type(deploy).__name__}")
        if deploy.get("replicas") is not None:
            replicas = _int(ctx, (*path, "deploy", "replicas"), deploy["replicas"], "a non-negative integer")
        if deploy.get("resources") is not None:
            res = deploy["resources"]
            where = (*path, "deploy", "resources")
            if not isinstance(res, dict):
                raise ctx.error(where, f"must be a mapping (limits, reservations), got {type(res).__name__}")
            unknown = sorted(set(res) - {"limits", "reservations"})
            if unknown:
                raise ctx.error((*where, unknown[0]), "is not a resources key; allowed: limits, reservations")
            resources = Resources(
                limits=_resource_spec(ctx, (*where, "limits"), res.get("limits"), False),
                reservations=_resource_spec(ctx, (*where, "reservations"), res.get("reservations"), True),
            )
        for key, value in deploy.items():
            if key not in ("replicas", "resources"):
                unmapped[f"deploy.{key}"] = value
    selected = project.profiles
    return Service(
        name=name,
        image=None if image is None else str(image),
        build="build" in raw,
        ports=tuple(ports),
        command=_argv(ctx, (*path, "command"), raw.get("command")),
        entrypoint=_argv(ctx, (*path, "entrypoint"), raw.get("entrypoint")),
        environment=tuple(environment),
        env_file=tuple(_env_file(ctx, (*path, "env_file"), raw["env_file"])) if raw.get("env_file") else (),
        volumes=tuple(volumes),
        healthcheck=healthcheck,
        depends_on=tuple(depends_on),
        user=user,
        replicas=replicas,
        resources=resources,
        restart=restart,
        privileged=privileged,
        cap_add=_str_list(ctx, (*path, "cap_add"), raw["cap_add"], "a capability") if raw.get("cap_add") else (),
        gpus=_plain(raw.get("gpus")),
        unmapped=MappingProxyType(_plain(unmapped)),
        line=ctx.lines.get(path, 0),
        profiles=profiles,
        active=not profiles or "*" in selected or any(profile in selected for profile in profiles),
        env_files=_env_files(ctx, (*path, "env_file"), raw["env_file"], base, project, env)
        if raw.get("env_file")
        else (),
        secrets=_file_mounts(ctx, (*path, "secrets"), raw["secrets"], project.secrets, "secrets")
        if raw.get("secrets")
        else (),
        configs=_file_mounts(ctx, (*path, "configs"), raw["configs"], project.configs, "configs")
        if raw.get("configs")
        else (),
        extends=extends,
        file=file,
        written=MappingProxyType(_as_written(raw)),
    )


# --------------------------------------------------------------------------------------------
# Documents: YAML, interpolation, include, extends, schema.


@dataclass
class _Doc:
    """One Compose file of a load, interpolated."""

    path: Path
    ctx: _Context
    data: dict[str, Any]
    env: Mapping[str, str]
    base: Path
    on_disk: bool


@dataclass
class _Table:
    """The services of a document and of what it includes, with the document of each."""

    services: dict[str, tuple[Any, _Doc]] = field(default_factory=dict)
    volumes: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, Any] = field(default_factory=dict)
    configs: dict[str, Any] = field(default_factory=dict)


def _yaml(text: str, file: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The YAML document (YAML 1.2 scalars, merge keys applied) and the line of every key."""
    loader = _ComposeLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[tuple[Any, ...], int] = {}
        if node is not None:
            _lines(node, (), lines, file)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f"{file}:{mark.line + 1}" if mark is not None else file
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ComposeError(f"error: {at}: not valid YAML: {problem}; fix the syntax") from None
    finally:
        loader.dispose()
    return data, lines


def _where(path: tuple[Any, ...]) -> str:
    where = ""
    for part in path:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    return where


_MAPPING_KEYS = ("environment", "labels", "annotations", "sysctls", "extra_hosts")
_REPLACED_KEYS = ("command", "entrypoint")


def _split_env(item: Any) -> tuple[str, Any]:
    """``NAME=VALUE`` (an ``Interpolated`` keeps its raw text) -> (name, value or None)."""
    text = str(item)
    name, sep, value = text.partition("=")
    if not sep:
        return name, None
    if isinstance(item, Interpolated):
        written = item.raw.partition("=")[2]
        return name, Interpolated(Resolution(value, item.references, item.unset), written)
    return name, value


def _as_mapping(value: Any) -> Any:
    if isinstance(value, list):
        return dict(_split_env(item) for item in value)
    return value


def _mount_target(item: Any) -> Any:
    if isinstance(item, dict):
        return item.get("target")
    parts = str(item).split(":")
    return parts[1] if len(parts) > 1 else parts[0]


def _depends_mapping(value: Any) -> Any:
    if isinstance(value, list):
        return {str(name): {"condition": "service_started"} for name in value}
    return value


def _merge(base: dict[str, Any], local: dict[str, Any], top: bool = True) -> dict[str, Any]:
    """``local`` over ``base``, as Compose merges an ``extends`` (or an override file).

    Mappings merge key by key (``environment`` and ``labels`` in list form too); ``command``,
    ``entrypoint`` and ``healthcheck.test`` are replaced; ``volumes`` merge by container path;
    ``depends_on`` by service; other lists are appended without duplicates; scalars replaced.
    """
    result = dict(base)
    for key, value in local.items():
        if key not in result:
            result[key] = value
            continue
        old = result[key]
        if top and key in _MAPPING_KEYS:
            old, value = _as_mapping(old), _as_mapping(value)
        if top and key == "depends_on":
            old, value = _depends_mapping(old), _depends_mapping(value)
        if top and key in _REPLACED_KEYS or key == "test":
            result[key] = value
        elif top and key == "volumes" and isinstance(old, list) and isinstance(value, list):
            targets = {_mount_target(item) for item in value}
            result[key] = [item for item in old if _mount_target(item) not in targets] + value
        elif isinstance(old, dict) and isinstance(value, dict):
            result[key] = _merge(old, value, top=False)
        elif isinstance(old, list) and isinstance(value, list):
            result[key] = old + [item for item in value if item not in old]
        else:
            result[key] = value
    return result


def _rebase_path(text: Any, source: Path, target: Path) -> Any:
    """A relative path of a file in ``source`` (a folder), as seen from ``target``."""
    if not isinstance(text, str) or not text or text.startswith(("/", "~", "$")):
        return text
    relative = os.path.relpath(source / text, target)
    return relative if relative.startswith("..") else f"./{relative}"


def _rebase(service: dict[str, Any], source: Path, target: Path) -> dict[str, Any]:
    """The relative host paths of a service from another folder (``extends: {file: ...}``)."""
    if source.resolve() == target.resolve():
        return service
    result = dict(service)
    volumes = result.get("volumes")
    if isinstance(volumes, list):
        rebased: list[Any] = []
        for item in volumes:
            if isinstance(item, str) and ":" in item and _is_bind_source(item.split(":", 1)[0]):
                first, rest = item.split(":", 1)
                rebased.append(f"{_rebase_path(first, source, target)}:{rest}")
            elif isinstance(item, dict) and item.get("type") == "bind":
                rebased.append({**item, "source": _rebase_path(item.get("source"), source, target)})
            else:
                rebased.append(item)
        result["volumes"] = rebased
    env_file = result.get("env_file")
    if isinstance(env_file, str):
        result["env_file"] = _rebase_path(env_file, source, target)
    elif isinstance(env_file, list):
        result["env_file"] = [
            {**item, "path": _rebase_path(item.get("path"), source, target)}
            if isinstance(item, dict)
            else _rebase_path(item, source, target)
            for item in env_file
        ]
    build = result.get("build")
    if isinstance(build, str):
        result["build"] = _rebase_path(build, source, target)
    elif isinstance(build, dict) and "context" in build:
        result["build"] = {**build, "context": _rebase_path(build["context"], source, target)}
    return result


class _Loader:
    """One load: the shell environment, the documents read and the notes."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.docs: list[_Doc] = []
        self.notes: list[str] = []
        self.noted: set[str] = set()
        self.cache: dict[Path, _Doc] = {}

    def note(self, ctx: _Context, path: tuple[Any, ...], message: str) -> None:
        """Records one ``note: FILE:LINE: path: message`` line."""
        where = _where(path)
        line = 0
        for end in range(len(path), 0, -1):
            line = ctx.lines.get(tuple(path[:end]), 0)
            if line:
                break
        at = f"{ctx.file}:{line}" if line else ctx.file
        text = f"note: {at}: {where}: {message}" if where else f"note: {at}: {message}"
        if text not in self.notes:
            self.notes.append(text)

    def note_variable(self, at: str, variable: str) -> None:
        """A variable that is not set and has no default (once per variable, as Compose warns)."""
        if variable in self.noted:
            return
        self.noted.add(variable)
        self.notes.append(
            f"note: {at}: variable {variable} is not set; Compose substitutes an empty string "
            "(set it in .env or give --env-file)"
        )

    def interpolate(self, value: Any, path: tuple[Any, ...], env: Mapping[str, str], ctx: _Context) -> Any:
        """Every string value of ``value`` interpolated; ``x-`` extension fields are left as written."""
        if isinstance(value, dict):
            return {
                key: item if str(key).startswith("x-") else self.interpolate(item, (*path, key), env, ctx)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self.interpolate(item, (*path, index), env, ctx) for index, item in enumerate(value)]
        if isinstance(value, str) and "$" in value:
            try:
                resolution = interpolate(value, env)
            except InterpolationError as error:
                raise ctx.error(path, f"{error}") from None
            for name in resolution.blank:
                line = 0
                for end in range(len(path), 0, -1):
                    line = ctx.lines.get(tuple(path[:end]), 0)
                    if line:
                        break
                at = f"{ctx.file}:{line}" if line else ctx.file
                self.note_variable(f"{at}: {_where(path)}", name)
            return Interpolated(resolution, value)
        return value

    def read(self, path: Path, text: str, env: Mapping[str, str], base: Path, on_disk: bool) -> _Doc:
        """Parses and interpolates one file."""
        file = str(path)
        data, lines = _yaml(text, file)
        ctx = _Context(file, lines)
        if not isinstance(data, dict):
            raise ctx.error((), "is not a Compose file (expected a mapping with 'services:')")
        data = self.interpolate(data, (), env, ctx)
        doc = _Doc(path, ctx, data, env, base, on_disk)
        self.docs.append(doc)
        return doc

    def read_file(self, path: Path, env: Mapping[str, str], base: Path, ctx: _Context, where: tuple[Any, ...]) -> _Doc:
        """Reads another file of the project (``include:``, ``extends: {file: ...}``), once."""
        key = path.resolve()
        if key in self.cache:
            return self.cache[key]
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ctx.error(where, f"cannot read {path} ({error.__class__.__name__}); give an existing file") from None
        doc = self.read(path, text, env, base, True)
        self.cache[key] = doc
        return doc

    def table(self, doc: _Doc, stack: tuple[Path, ...]) -> _Table:
        """The services of ``doc`` and of the files it includes (an included name may not repeat)."""
        ctx = doc.ctx
        table = _Table()
        services = doc.data.get("services")
        if services is not None and not isinstance(services, dict):
            raise ctx.error(("services",), f"must be a mapping of services, got {type(services).__name__}")
        for name, raw in (services or {}).items():
            if not isinstance(name, str) or not name:
                raise ctx.error(("services",), f"service name {name!r} must be a non-empty string")
            table.services[name] = (raw, doc)
        for key in ("volumes", "secrets", "configs"):
            value = doc.data.get(key)
            if value is not None and not isinstance(value, dict):
                raise ctx.error((key,), f"must be a mapping of {key} names, got {type(value).__name__}")
            getattr(table, key).update(value or {})
        include = doc.data.get("include")
        if include is None:
            return table
        if not isinstance(include, list):
            raise ctx.error(("include",), f"must be a list of files, got {type(include).__name__}")
        for index, entry in enumerate(include):
            where: tuple[Any, ...] = ("include", index)
            sub = self.include(doc, where, entry, stack)
            for name, item in sub.services.items():
                if name in table.services:
                    raise ctx.error(
                        where,
                        f"service {name!r} of {item[1].path} is already defined; rename one of them "
                        "(Compose refuses a service defined twice through include)",
                    )
                table.services[name] = item
            for key in ("volumes", "secrets", "configs"):
                for name, value in getattr(sub, key).items():
                    getattr(table, key).setdefault(name, value)
        return table

    def include(self, doc: _Doc, where: tuple[Any, ...], entry: Any, stack: tuple[Path, ...]) -> _Table:
        """One ``include:`` entry: its own project (variables from its env_file or .env, under the
        including project's)."""
        ctx = doc.ctx
        if isinstance(entry, str):
            entry = {"path": entry}
        if not isinstance(entry, dict) or not entry.get("path"):
            raise ctx.error(where, f"must be a file or a mapping with 'path', got {entry!r}")
        paths = entry["path"] if isinstance(entry["path"], list) else [entry["path"]]
        files = [doc.base / str(path) for path in paths]
        project_dir = doc.base / str(entry["project_directory"]) if entry.get("project_directory") else files[0].parent
        env_files_raw = entry.get("env_file")
        env_files = [env_files_raw] if isinstance(env_files_raw, str) else list(env_files_raw or [])
        try:
            # The including project's variables win over the included one's (Compose's rule).
            env, _ = interpolation_environment(project_dir, [doc.base / str(f) for f in env_files], doc.env)
        except ValueError as error:
            raise ctx.error((*where, "env_file"), " ".join(str(error).removeprefix("error: ").split())) from None
        merged: _Table | None = None
        for file in files:
            if file.resolve() in stack:
                raise ctx.error(where, f"includes {file}, which includes this file again; remove the cycle")
            if not file.is_file():
                raise ctx.error(where, f"{file} does not exist; give the path of a Compose file to include")
            sub_doc = self.read_file(file, env, project_dir, ctx, where)
            sub = self.table(sub_doc, (*stack, file.resolve()))
            if merged is None:
                merged = sub
                continue
            for name, (raw, sdoc) in sub.services.items():
                if name in merged.services and isinstance(raw, dict) and isinstance(merged.services[name][0], dict):
                    merged.services[name] = (_merge(merged.services[name][0], raw), merged.services[name][1])
                else:
                    merged.services[name] = (raw, sdoc)
        assert merged is not None
        return merged

    def extends(
        self, name: str, table: Mapping[str, tuple[Any, _Doc]], chain: tuple[tuple[Path, str], ...]
    ) -> tuple[Any, str | None]:
        """The service ``name`` with its ``extends:`` merged in (recursively), and the base's name."""
        raw, doc = table[name]
        if not isinstance(raw, dict) or raw.get("extends") is None:
            return raw, None
        where: tuple[Any, ...] = ("services", name, "extends")
        spec = raw["extends"]
        if isinstance(spec, str):
            spec = {"service": spec}
        if not isinstance(spec, dict) or not isinstance(spec.get("service"), str):
            raise doc.ctx.error(where, f"must be a service name or {{service: ..., file: ...}}, got {spec!r}")
        base_name = spec["service"]
        link = (doc.path.resolve(), name)
        if link in chain:
            raise doc.ctx.error(where, f"extends {base_name!r}, which extends {name!r} again; remove the cycle")
        if spec.get("file"):
            path = doc.base / str(spec["file"])
            if not path.is_file():
                raise doc.ctx.error(
                    (*where, "file"), f"{path} does not exist; give the file that defines {base_name!r}"
                )
            other = self.read_file(path, doc.env, path.parent, doc.ctx, where)
            own = other.data.get("services")
            if not isinstance(own, dict) or base_name not in own:
                raise doc.ctx.error((*where, "service"), f"{base_name!r} is not a service of {path}; name one of it")
            other_table = {key: (value, other) for key, value in own.items()}
            base_raw, _ = self.extends(base_name, other_table, (*chain, link))
            base_raw = _rebase(base_raw, other.base, doc.base) if isinstance(base_raw, dict) else base_raw
        else:
            if base_name not in table:
                raise doc.ctx.error(
                    (*where, "service"), f"{base_name!r} is not a service of this file; services: {', '.join(table)}"
                )
            base_raw, _ = self.extends(base_name, table, (*chain, link))
        if not isinstance(base_raw, dict):
            raise doc.ctx.error(where, f"{base_name!r} is not a mapping of service keys")
        local = {key: value for key, value in raw.items() if key != "extends"}
        return _merge(base_raw, local), base_name


def _selected_profiles(profiles: Sequence[str] | None, env: Mapping[str, str]) -> tuple[str, ...]:
    if profiles is not None:
        return tuple(profiles)
    return tuple(part.strip() for part in env.get("COMPOSE_PROFILES", "").split(",") if part.strip())


def _compose(
    loader: _Loader,
    text: str,
    path: Path,
    env: Mapping[str, str],
    profiles: Sequence[str] | None,
    env_files: tuple[Path, ...],
    on_disk: bool,
) -> ComposeFile:
    doc = loader.read(path, text, env, path.parent, on_disk)
    ctx = doc.ctx
    table = loader.table(doc, (path.resolve(),))
    if not table.services:
        raise ctx.error(("services",) if "services" in doc.data else (), "needs a non-empty 'services:' mapping")
    project = _Project(
        volumes=tuple(str(name) for name in table.volumes),
        secrets=tuple(str(name) for name in table.secrets),
        configs=tuple(str(name) for name in table.configs),
        services=set(table.services),
        profiles=_selected_profiles(profiles, env),
        loader=loader,
    )
    services: list[Service] = []
    for name, (_, service_doc) in table.services.items():
        raw, base_name = loader.extends(name, table.services, ())
        services.append(
            _service(
                service_doc.ctx,
                name,
                raw,
                project,
                service_doc.base,
                service_doc.env,
                service_doc.path if service_doc.on_disk else None,
                base_name,
            )
        )
    for checked in loader.docs:
        for violation in schema_violations(checked.data):
            raise checked.ctx.error(violation.path, f"{violation.message} (Compose Specification)")
    unmapped = {
        key: value
        for key, value in doc.data.items()
        if key not in ("services", "volumes", "name", "version", "include") and not str(key).startswith("x-")
    }
    project_name = doc.data.get("name")
    return ComposeFile(
        path=path,
        services=tuple(services),
        volumes=project.volumes,
        unmapped=MappingProxyType(_plain(unmapped)),
        name=None if project_name is None else str(project_name),
        secrets=_file_resources(ctx, "secrets", table.secrets or None),
        configs=_file_resources(ctx, "configs", table.configs or None),
        notes=tuple(loader.notes),
        profiles=project.profiles,
        env_files=env_files,
        included=tuple(dict.fromkeys(other.path for other in loader.docs if other is not doc)),
    )


def parse_compose(
    text: str,
    path: Path | str = "docker-compose.yml",
    *,
    env: Mapping[str, str] | None = None,
    profiles: Sequence[str] | None = None,
) -> ComposeFile:
    """Parses Compose YAML text.

    Args:
        text: The file content.
        path: The file name, used in errors and to resolve bind-mount sources, ``env_file``,
            ``include`` and ``extends`` files.
        env: The variables to interpolate with, exactly (``None``: none; no ``.env`` and no
            shell environment is read: :func:`load_compose` reads them).
        profiles: The selected profiles; ``None`` reads ``COMPOSE_PROFILES`` from ``env``.

    Raises:
        ComposeError: the YAML is invalid, a ``${VAR:?error}`` has no value, a key has a value
            this model refuses, or the file breaks the Compose Specification schema.
    """
    path = Path(path)
    return _compose(_Loader(dict(env or {})), text, path, dict(env or {}), profiles, (), path.is_file())


def load_compose(
    path: Path | str,
    *,
    env_files: Sequence[Path | str] = (),
    environ: Mapping[str, str] | None = None,
    profiles: Sequence[str] | None = None,
) -> ComposeFile:
    """Reads and parses a Compose file, with its variables as ``docker compose`` reads them.

    Args:
        path: The Compose file.
        env_files: ``--env-file`` files, in order (a later one wins); when empty, the ``.env``
            beside the Compose file is read if it exists.
        environ: The shell environment, which wins over the files; ``None`` is ``os.environ``.
        profiles: The selected profiles (``--profile``); ``None`` reads ``COMPOSE_PROFILES``.

    Raises:
        ComposeError: the file or an ``--env-file`` cannot be read, or :func:`parse_compose`
            refuses the file.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = f"{error.__class__.__name__}: {error}"
        raise ComposeError(f"error: {path}: cannot read the Compose file ({reason})") from None
    shell = dict(os.environ if environ is None else environ)
    try:
        env, files = interpolation_environment(path.parent, [Path(file) for file in env_files], shell)
    except ValueError as error:
        message = str(error)
        raise ComposeError(message if message.startswith("error: ") else f"error: {message}") from None
    return _compose(_Loader(shell), text, path, env, profiles, files, True)
