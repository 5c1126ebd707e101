"""A small, strict-enough model of a Docker Compose file: what a port to Kubernetes needs.

:func:`load_compose` parses a Compose file into frozen dataclasses, one :class:`Service` per
service in file order. It reads the keys a port has to decide on (image, ports, command,
environment, volumes, health check, dependencies, user, resources, restart policy, privileges)
in every syntax the Compose specification allows for them, and keeps every other key as
"not mapped" (:attr:`Service.unmapped`) instead of dropping it silently. Extension fields
(``x-*``) are ignored, as Compose does.

Parsing follows Docker Compose, not PyYAML's defaults:

* YAML 1.2 scalars, as Compose (go-yaml v3) reads them: ``restart: no`` and ``DEBUG: off`` are
  strings, ``22:22`` is a string (YAML 1.1 would read the number 1342);
* duplicate keys are errors;
* values are kept as written: ``${VAR}``, ``${VAR:-default}`` and ``$$`` are not interpolated
  (the ``.env`` file is the vendor's, and its values are secrets more often than not).

A malformed file raises :class:`ComposeError`, a ``ValueError`` whose message is one line
``error: FILE:LINE: services.NAME.KEY: what is wrong; what to write`` (the line when known).

Volume kinds (:attr:`Volume.kind`):

* ``persisted``: a named volume declared under the top-level ``volumes:`` (a PVC in the port);
* ``scratch``: an anonymous volume or a ``tmpfs`` (an ``emptyDir``);
* ``config``: a bind mount of a single file (a ConfigMap or Secret). A source is a file when it
  exists as one next to the Compose file, else when its last path segment has an extension;
* ``bind``: a bind mount of a host directory (decide by hand: a PVC, a ConfigMap or nothing).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any, Literal

import yaml

__all__ = [
    "ComposeError",
    "ComposeFile",
    "Dependency",
    "Device",
    "EnvVar",
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
    """

    target: int
    protocol: str = "tcp"
    published: str | None = None
    host_ip: str | None = None
    exposed_only: bool = False


@dataclass(frozen=True, slots=True)
class EnvVar:
    """One ``environment:`` entry.

    Attributes:
        name: The variable name.
        value: The value as written (not interpolated); ``None`` when only the name is given,
            which takes the value from the shell running ``docker compose``.
    """

    name: str
    value: str | None


@dataclass(frozen=True, slots=True)
class Volume:
    """A mount of a service.

    Attributes:
        target: The path in the container.
        kind: ``persisted``, ``scratch``, ``config`` or ``bind`` (module documentation).
        source: The named volume, or the host path of a bind mount; ``None`` for anonymous
            volumes and tmpfs.
        read_only: Mounted read-only.
    """

    target: str
    kind: VolumeKind
    source: str | None = None
    read_only: bool = False


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
    """

    kind: Literal["CMD", "CMD-SHELL", "NONE"]
    test: tuple[str, ...] = ()
    interval: str | None = None
    timeout: str | None = None
    retries: int | None = None
    start_period: str | None = None


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


@dataclass(frozen=True, slots=True)
class ComposeFile:
    """A parsed Compose file.

    Attributes:
        path: The file.
        services: Services in file order.
        volumes: Names of the top-level named volumes, in file order.
        unmapped: Top-level keys other than ``services``, ``volumes``, ``name``, ``version``
            and ``x-*`` (``networks``, ``secrets``, ``configs``...).
    """

    path: Path
    services: tuple[Service, ...]
    volumes: tuple[str, ...] = ()
    unmapped: Mapping[str, Any] = field(default_factory=dict)

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
            if isinstance(target, bool) or not isinstance(target, int) or not 1 <= target <= 65535:
                raise ctx.error((*where, "target"), f"must be a port number 1-65535, got {target!r}")
            protocol = str(item.get("protocol") or "tcp")
            if protocol not in _PROTOCOLS:
                raise ctx.error((*where, "protocol"), f"is {protocol!r}; write tcp, udp or sctp")
            published = item.get("published")
            ports.append(
                Port(
                    target=target,
                    protocol=protocol,
                    published=None if published in (None, "") else str(published),
                    host_ip=str(item["host_ip"]) if item.get("host_ip") else None,
                )
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
                result.append(EnvVar(name, _scalar_str(ctx, (*path, name), raw, "a variable value")))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item or item.startswith("="):
                raise ctx.error((*path, index), f"must be 'NAME=VALUE' or 'NAME', got {item!r}")
            name, sep, raw_value = item.partition("=")
            result.append(EnvVar(name, raw_value if sep else None))
    else:
        raise ctx.error(path, f"must be a list of 'NAME=VALUE' or a mapping, got {type(value).__name__}")
    seen: set[str] = set()
    for var in result:
        if var.name in seen:
            raise ctx.error(path, f"variable {var.name!r} is set twice; keep one")
        seen.add(var.name)
    return result


def _env_file(ctx: _Context, path: tuple[Any, ...], value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise ctx.error(path, f"must be a path or a list of paths, got {type(value).__name__}")
    files: list[str] = []
    for index, item in enumerate(value):
        if isinstance(item, dict) and isinstance(item.get("path"), str):
            files.append(item["path"])
        elif isinstance(item, str):
            files.append(item)
        else:
            raise ctx.error((*path, index), f"must be a path or {{path: ...}}, got {item!r}")
    return files


def _is_file(base: Path, source: str) -> bool:
    """Whether a bind source is a single file: as it exists on disk, else by its extension."""
    candidate = Path(source).expanduser()
    if not candidate.is_absolute():
        candidate = base / candidate
    if candidate.exists():
        return candidate.is_file()
    return bool(PurePosixPath(source).suffix)


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
        if not source:
            raise ctx.error(path, f"volume {item!r} has an empty source; write 'SOURCE:TARGET' or only the target")
        if _is_bind_source(source):
            kind: VolumeKind = "config" if _is_file(base, source) else "bind"
            return Volume(target=target, kind=kind, source=source, read_only=read_only)
        return _named(ctx, path, source, target, read_only, declared)
    if isinstance(item, dict):
        kind_key = item.get("type", "volume")
        raw_target = item.get("target")
        if not isinstance(raw_target, str) or not raw_target.startswith("/"):
            raise ctx.error((*path, "target"), f"must be an absolute container path, got {raw_target!r}")
        target = raw_target
        read_only = item.get("read_only") is True
        source = item.get("source")
        if source is not None and not isinstance(source, str):
            raise ctx.error((*path, "source"), f"must be a string, got {type(source).__name__}")
        if kind_key == "tmpfs":
            return Volume(target=target, kind="scratch")
        if kind_key == "bind":
            if not source:
                raise ctx.error((*path, "source"), "a bind mount needs 'source' (the host path)")
            return Volume(
                target=target, kind="config" if _is_file(base, source) else "bind", source=source, read_only=read_only
            )
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


def _healthcheck(ctx: _Context, path: tuple[Any, ...], value: Any) -> Healthcheck:
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
    if retries is not None and (isinstance(retries, bool) or not isinstance(retries, int) or retries < 0):
        raise ctx.error((*path, "retries"), f"must be a non-negative integer, got {retries!r}")
    if value.get("disable") is True:
        return Healthcheck(kind="NONE")
    test = value.get("test")
    if test is None:
        raise ctx.error(path, 'has no \'test\'; write test: ["CMD", ...] or ["CMD-SHELL", "..."]')
    if isinstance(test, str):
        return Healthcheck(kind="CMD-SHELL", test=(test,), retries=retries, **timing)
    if not isinstance(test, list) or not test:
        raise ctx.error((*path, "test"), f"must be a string or a non-empty list, got {test!r}")
    args = tuple(_scalar_str(ctx, (*path, "test", index), item, "a test argument") for index, item in enumerate(test))
    head = args[0]
    if head == "NONE":
        return Healthcheck(kind="NONE")
    if head == "CMD":
        if len(args) < 2:
            raise ctx.error((*path, "test"), "CMD needs a command after it")
        return Healthcheck(kind="CMD", test=args[1:], retries=retries, **timing)
    if head == "CMD-SHELL":
        if len(args) != 2:
            raise ctx.error((*path, "test"), "CMD-SHELL takes exactly one shell string")
        return Healthcheck(kind="CMD-SHELL", test=args[1:], retries=retries, **timing)
    raise ctx.error((*path, "test", 0), f"is {head!r}; a list test starts with CMD, CMD-SHELL or NONE")


def _depends_on(ctx: _Context, path: tuple[Any, ...], value: Any) -> list[Dependency]:
    if isinstance(value, list):
        deps = []
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise ctx.error((*path, index), f"must be a service name, got {item!r}")
            deps.append(Dependency(item))
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
        required = spec.get("required", True)
        if not isinstance(required, bool):
            raise ctx.error((*where, "required"), f"must be true or false, got {required!r}")
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


def _service(ctx: _Context, name: str, raw: Any, declared: tuple[str, ...], base: Path, all_names: set[str]) -> Service:
    path: tuple[Any, ...] = ("services", name)
    if not isinstance(raw, dict):
        raise ctx.error(path, f"must be a mapping of service keys, got {type(raw).__name__}")
    for key in raw:
        if not isinstance(key, str):
            raise ctx.error(path, f"key {key!r} must be a string")
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
    privileged = raw.get("privileged", False)
    if not isinstance(privileged, bool):
        raise ctx.error((*path, "privileged"), f"must be true or false, got {privileged!r}")
    unmapped: dict[str, Any] = {
        key: value for key, value in raw.items() if key not in MAPPED_KEYS and not key.startswith("x-")
    }
    replicas = None
    resources = None
    deploy = raw.get("deploy")
    if deploy is not None:
        if not isinstance(deploy, dict):
            raise ctx.error((*path, "deploy"), f"must be a mapping, got {type(deploy).__name__}")
        replicas = deploy.get("replicas")
        if replicas is not None and (isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0):
            raise ctx.error((*path, "deploy", "replicas"), f"must be a non-negative integer, got {replicas!r}")
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
    return Service(
        name=name,
        image=image,
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
        gpus=raw.get("gpus"),
        unmapped=MappingProxyType(unmapped),
        line=ctx.lines.get(path, 0),
    )


def parse_compose(text: str, path: Path | str = "docker-compose.yml") -> ComposeFile:
    """Parses Compose YAML text.

    Args:
        text: The file content.
        path: The file name, used in errors and to resolve bind-mount sources.

    Raises:
        ComposeError: the YAML is invalid, or a key has a value this model refuses.
    """
    path = Path(path)
    file = str(path)
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
    ctx = _Context(file, lines)
    if not isinstance(data, dict):
        raise ctx.error((), "is not a Compose file (expected a mapping with 'services:')")
    services_raw = data.get("services")
    if not isinstance(services_raw, dict) or not services_raw:
        raise ctx.error(("services",) if "services" in data else (), "needs a non-empty 'services:' mapping")
    volumes_raw = data.get("volumes") or {}
    if not isinstance(volumes_raw, dict):
        raise ctx.error(("volumes",), f"must be a mapping of volume names, got {type(volumes_raw).__name__}")
    declared = tuple(str(name) for name in volumes_raw)
    names = set()
    for name in services_raw:
        if not isinstance(name, str) or not name:
            raise ctx.error(("services",), f"service name {name!r} must be a non-empty string")
        names.add(name)
    services = tuple(_service(ctx, name, raw, declared, path.parent, names) for name, raw in services_raw.items())
    unmapped = {
        key: value
        for key, value in data.items()
        if key not in ("services", "volumes", "name", "version") and not str(key).startswith("x-")
    }
    return ComposeFile(path=path, services=services, volumes=declared, unmapped=MappingProxyType(unmapped))


def load_compose(path: Path | str) -> ComposeFile:
    """Reads and parses a Compose file.

    Raises:
        ComposeError: the file cannot be read, or :func:`parse_compose` refuses it.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = f"{error.__class__.__name__}: {error}"
        raise ComposeError(f"error: {path}: cannot read the Compose file ({reason})") from None
    return parse_compose(text, path)
