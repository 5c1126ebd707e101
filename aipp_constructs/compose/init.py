"""``aipp compose init``: a first port program written from a Compose file.

:func:`render_port` turns a :class:`~aipp_constructs.compose.model.ComposeFile` into the source of
a complete Python program that uses only the public API (``import aipp_constructs as ac``, in the
style of ``examples/langfuse/langfuse.py``): ``python port.py`` synthesizes it into ``dist/``
beside the program, and the output passes ``aipp check``. Every value the tool had to guess
carries a ``# TODO(port):`` comment on the line before it; nothing else does. The program is:

* a :class:`~aipp_constructs.platform.port_chart.PortChart` with
  :class:`~aipp_constructs.core.port_defaults.PortDefaults` (namespace and ``part_of`` from the
  project name, a Vault secret store, start-up waits, telemetry off);
* a second chart ``<project>-baseline`` at Pod Security "baseline" when a service runs as root
  or adds capabilities, holding those services, each with an explicit
  :class:`~aipp_constructs.core.security.SecurityException` (never a failure);
* one Vault secret per chart (``chart.vault_secret``): a variable whose name says it is a
  credential (by the inspector's rule, :func:`~aipp_constructs.compose.inspect.looks_secret`, or
  the credential check's, :data:`~aipp_constructs.checks.secrets.SENSITIVE_NAME`), or whose value
  is a URL with a password, becomes a key named after the ``.env`` variable it reads (kebab
  case), else after itself; no credential value is ever written;
* a variable whose value as written embeds a ``.env`` variable in the user or password of a URL
  (``postgres://notes:${DB_PASSWORD}@db:5432/notes``) becomes the ``ac.EnvTemplate`` that
  ``aipp compose inspect`` suggests: over the endpoint facts of a service of the file
  (``postgres://{username}:{password}@{host}:{port}/notes``), else of Vault keys, whether a
  ``.env`` file set the variable or not; when it cannot be built so, the whole URL is a Vault
  key named after the variable itself, with a TODO naming the variable
  (:meth:`_Program._connection_url`);
* one construct per active service, in creation order (``depends_on`` first, the inspector's
  order as the tie-break): ``PgvectorDb`` for PostgreSQL images, ``RedisCache`` for Redis and
  Valkey, ``OneShotJob`` for ``restart: "no"`` or a service another waits for with
  ``service_completed_successfully``, else ``Workload``. Literal values are written out with
  other services' host names renamed to their Kubernetes names (``wiring={}``: no variable is
  added behind the Compose file's back); ``depends_on`` becomes ``depends_on`` (``after`` for a
  job or a service without ports); a service named in another's environment becomes a
  ``connects_to`` edge (``connect_to`` after both exist when it is created later), so the
  NetworkPolicies let the call through;
* named volumes and bind-mounted folders become claim templates (a ``SharedClaim`` when several
  services mount the same one), anonymous volumes and ``tmpfs`` scratch volumes; single-file
  bind mounts, host paths and sockets are left out with a TODO;
* ports published on the host become ``TlsIngress`` routes (HTTP assumed, said in a TODO), and
  the ingress controller is let through by ``add_network_policies``.

The program is formatted with ``ruff format`` (the configuration found for the output path)
when ruff is installed; without it the program is still valid and close to ruff's style.
"""

from __future__ import annotations

import keyword
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from aipp_constructs.compose.inspect import (
    REDACTED,
    ServiceReport,
    _Ref,
    _scan,
    image_moves,
    inspect_compose,
    looks_secret,
    redact_args,
)
from aipp_constructs.compose.model import ComposeFile, EnvVar, Healthcheck, Service, Volume
from aipp_constructs.core.names import kubernetes_name
from aipp_constructs.core.security import BASELINE_CAPABILITIES, RESTRICTED_CAPABILITIES

__all__ = ["TODO", "format_program", "pin_guess", "render_port"]

#: The marker of every decision left to a person.
TODO = "# TODO(port):"
BUSYBOX = "busybox:1.37.0"
_POSTGRES = ("postgres", "pgvector", "postgis", "timescaledb")
_REDIS = ("redis", "valkey", "redis-stack-server")
#: Published ports that do not speak HTTP: not routed through the Ingress.
_NOT_HTTP = frozenset({22, 25, 53, 443, 1883, 2181, 3306, 5432, 5672, 6379, 8443, 9042, 9092, 11211, 27017})
_HEALTH_URL = re.compile(
    r"(?:https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d+))?|\b(?:localhost|127\.0\.0\.1):(\d+))"
    r"(/[^\s'\"|;&]*)?"
)
_TCP_CHECK = re.compile(r"\b(?:nc|netcat)\s[^|;&]*?(?:localhost|127\.0\.0\.1|0\.0\.0\.0)\s+(\d+)")
_URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@", re.IGNORECASE)
#: ``scheme://user:password@host[:port]`` in a value whose references are masked with ``\x01``
#: (see :meth:`_Program._connection_url`): groups user, password, host, port.
_USERINFO_HOST = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/\s:@]*):([^/\s@]*)@([A-Za-z0-9_.\x01-]+)(?::(\d+))?")
#: Placeholder names an endpoint's facts may use: a variable's own placeholder may not shadow one.
_FACT_NAMES = frozenset({"host", "port", "url", "username", "password", "database", "jdbc_url", "lbrace"})
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?+][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|us|ns|m|s)")
_LEADING_VERSION = re.compile(r"\A([A-Za-z]*[-_.]?)(\d+(?:\.\d+)*)(.*)\Z", re.DOTALL)
_REPORT_PORT = re.compile(r'Port\(name="([a-z0-9-]+)", number=(\d+)')
_RESERVED = frozenset({"app", "ac", "chart", "box", "keys", "box_keys", "routes", "controller", "sys", "main", "build"})
_SYSTEM_PATHS = ("/var/run", "/run", "/proc", "/sys", "/dev", "/etc/localtime", "/etc/timezone")


def _py(text: str) -> str:
    """A Python string literal (double quotes, as ruff writes them)."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{body}"'


def _one_line(text: str, limit: int = 160) -> str:
    """Text for a comment or a reason: one line, no ``=`` (checkov's annotations), at most ``limit``."""
    flat = " ".join(text.split()).replace("=", " is ")
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _dns_label(text: str, fallback: str) -> str:
    label = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:40].strip("-")
    return label if label and label[0].isalpha() else f"{fallback}-{label}".strip("-")[:40]


def _kebab(variable: str) -> str:
    return _dns_label(variable.replace("_", "-"), "key")


def _seconds(duration: str | None) -> int | None:
    if not duration:
        return None
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 1e-6, "ns": 1e-9}
    total = sum(float(number) * units[unit] for number, unit in _DURATION.findall(duration))
    return max(1, round(total)) if total else None


def _repo(image: str) -> tuple[str, str | None, str | None]:
    """``host/org/name:tag@digest`` -> (repository, tag, digest)."""
    rest, _, digest = image.partition("@")
    slash, colon = rest.rfind("/"), rest.rfind(":")
    if colon > slash:
        return rest[:colon], rest[colon + 1 :], digest or None
    return rest, None, digest or None


def _last(image: str | None) -> str:
    return _repo(image)[0].rsplit("/", 1)[-1].lower() if image else ""


def pin_guess(image: str) -> str | None:
    """A pinned reference guessed for a moving ``image`` (``redis:7`` -> ``redis:7.0.0``); ``None``
    when it is pinned already. The guess is only well-formed: a person must pin a real release."""
    if not image_moves(image):
        return None
    repository, tag, _digest = _repo(image)
    match = _LEADING_VERSION.match(tag or "")
    if match is None or not tag or tag.endswith("latest"):
        return f"{repository}:0.0.0"
    prefix, version, rest = match.groups()
    parts = version.split(".")
    for length in (2, 3):
        padded = [*parts, *["0"] * (length - len(parts))]
        guess = f"{repository}:{prefix}{'.'.join(padded)}{rest}"
        if not image_moves(guess):
            return guess
    return f"{repository}:0.0.0"


@dataclass
class _Unit:
    """One active service as the program builds it."""

    service: Service
    name: str
    var: str
    construct: str
    chart: str = "chart"
    ports: list[tuple[str, int, str]] = field(default_factory=list)
    http_port: str | None = None
    todos: list[str] = field(default_factory=list)
    root: bool = False
    capabilities: tuple[str, ...] = ()
    dropped_capabilities: tuple[str, ...] = ()


class _Writer:
    """Accumulates the program's lines and its Vault keys."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.keys: dict[str, dict[str, None]] = {"chart": {}, "box": {}}
        #: Python variables of constructs that a later line names.
        self.used: set[str] = set()

    def names(self, *variables: str) -> str:
        """Variables as a tuple's items, recorded as used."""
        self.used.update(variables)
        return ", ".join(variables)

    def add(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text if text else "")

    def todo(self, indent: int, text: str) -> None:
        self.add(indent, f"{TODO} {' '.join(text.split())}")

    def key(self, chart: str, key: str) -> str:
        self.keys[chart][key] = None
        return f"{'keys' if chart == 'chart' else 'box_keys'}.key({_py(key)})"


def _var(name: str, taken: set[str]) -> str:
    ident = re.sub(r"\W", "_", name.replace("-", "_"))
    if not ident or ident[0].isdigit():
        ident = f"svc_{ident}"
    if keyword.iskeyword(ident) or ident in _RESERVED or ident in dir(__builtins__):
        ident += "_"
    while ident in taken:
        ident += "_"
    taken.add(ident)
    return ident


def _active(service: Service) -> bool:
    """Services of a profile are inactive unless the reader marked them selected."""
    profiles = getattr(service, "profiles", ())
    return not profiles or bool(getattr(service, "active", False))


def _with_profile_services_in_use(services: Sequence[Service]) -> list[Service]:
    """The active services, and the services of a profile one of them requires (``depends_on``
    without ``required: false``: Compose starts those too), in file order."""
    chosen = {s.name for s in services if _active(s)}
    changed = True
    while changed:
        changed = False
        for user in [s for s in services if s.name in chosen]:
            for dep in user.depends_on:
                if dep.required and dep.service not in chosen and any(s.name == dep.service for s in services):
                    chosen.add(dep.service)
                    changed = True
    return [s for s in services if s.name in chosen]


def _host_pattern(compose_name: str) -> str:
    """A Compose service name used as a host: ``db``, ``db:5432``, ``http://db/``."""
    return rf"(?<![A-Za-z0-9_.$-]){re.escape(compose_name)}(?=:\d|/|\Z|,|\s)"


def _order(services: Sequence[Service]) -> list[Service]:
    """Creation order: every ``depends_on`` target first, the order of ``services`` as the tie-break."""
    by_name = {s.name: s for s in services}
    done: list[Service] = []
    seen: set[str] = set()

    def visit(service: Service, stack: tuple[str, ...]) -> None:
        if service.name in seen or service.name in stack:
            return
        for dep in service.depends_on:
            if dep.service in by_name:
                visit(by_name[dep.service], (*stack, service.name))
        seen.add(service.name)
        done.append(service)

    for service in services:
        visit(service, ())
    return done


def _environment(service: Service) -> tuple[EnvVar, ...]:
    """The container's variables: those of its ``env_file:`` files then ``environment:``, when the
    model reads the files (``effective_environment``), else ``environment:``."""
    merged = getattr(service, "effective_environment", None)
    return tuple(merged) if merged is not None else service.environment


def _raw(var: EnvVar) -> str | None:
    """The value as written in the file (the reader keeps it beside the interpolated one)."""
    raw = getattr(var, "raw", None)
    return raw if isinstance(raw, str) else var.value


def _is_credential(name: str, value: str) -> bool:
    """Whether ``aipp check`` or the inspector reads the variable as a credential."""
    # Imported here: the checks package loads the schema validators, which inspect does not need.
    from aipp_constructs.checks.secrets import NOT_A_CREDENTIAL, SENSITIVE_NAME

    if _URL_WITH_PASSWORD.search(value):
        return True
    return looks_secret(name) or bool(SENSITIVE_NAME.search(name) and not NOT_A_CREDENTIAL.search(name))


_TEMPLATE = "ac.EnvTemplate("


def _shell_text(raw: str, span: tuple[int, int]) -> str:
    """A piece of a value as written, for a TODO: its references shown by name (``${DB_HOST}``)."""
    piece = raw[span[0] : span[1]]
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}", r"${\1}", piece)


def _reads_secret(entry: str) -> bool:
    """Whether an ``env`` entry of the program reads the Vault secret (a key, or a template
    :meth:`_Program._connection_url` wrote, which always fills a credential)."""
    value = entry.split(": ", 1)[1]
    return ".key(" in value or value.startswith(_TEMPLATE)


def _health_port(check: Healthcheck | None) -> tuple[str, int, str | None] | None:
    """(kind, port, path) of a health check that polls a port: ``http`` or ``tcp``."""
    if check is None or check.kind == "NONE" or not check.test:
        return None
    text = " ".join(check.test)
    http = _HEALTH_URL.search(text)
    if http and ("curl" in text or "wget" in text or "http" in text):
        number = http.group(1) or http.group(2)
        return "http", int(number) if number else 80, http.group(3) or "/"
    tcp = _TCP_CHECK.search(text)
    if tcp:
        return "tcp", int(tcp.group(1)), None
    return None


def _healthcheck_disabled(service: Service) -> bool:
    check = service.healthcheck
    return check is None or check.kind == "NONE" or bool(getattr(check, "disable", False))


def _ports(service: Service, report: ServiceReport | None) -> tuple[list[tuple[str, int, str]], str | None]:
    """The ports (name, number, protocol) and the name of the HTTP one; the inspector's
    inferred ports first (it knows the port others call), then the file's."""
    numbers: list[tuple[int, str]] = []
    names: dict[tuple[int, str], str] = {}
    for prop, value, _why in report.props if report else ():
        if prop == "ports":
            for name, number in _REPORT_PORT.findall(value):
                if (int(number), "tcp") not in names:
                    numbers.append((int(number), "tcp"))
                    names[(int(number), "tcp")] = name
    for port in service.ports:
        key = (port.target, port.protocol)
        # A Kubernetes container port has one protocol per number: the first one written wins.
        if port.protocol in ("tcp", "udp") and all(number != port.target for number, _ in numbers):
            numbers.append(key)
    polled = _health_port(service.healthcheck) if not _healthcheck_disabled(service) else None
    http_number = polled[1] if polled and polled[0] == "http" else None
    if polled and polled[1] is not None and all(number != polled[1] for number, _ in numbers):
        numbers.append((polled[1], "tcp"))
    result: list[tuple[str, int, str]] = []
    used: set[str] = set()
    http_name: str | None = None
    for number, protocol in numbers:
        name = names.get((number, protocol))
        if name is None:
            if protocol == "tcp" and number == http_number and "http" not in used:
                name = "http"
            else:
                name = f"p{number}" if protocol == "tcp" else f"p{number}-{protocol}"
        if name in used:
            name = f"p{number}-{protocol}"
        used.add(name)
        result.append((name, number, protocol))
        if number == http_number and protocol == "tcp":
            http_name = name
    return result, http_name


class _Program:
    """Builds the program text of one Compose file."""

    def __init__(self, compose: ComposeFile, project: str, reports: Mapping[str, ServiceReport]) -> None:
        self.compose = compose
        self.project = project
        self.reports = reports
        self.w = _Writer()
        active = _with_profile_services_in_use(compose.services)
        self.pulled_in = {s.name for s in active if not _active(s)}
        self.left_out = [s.name for s in compose.services if s not in active]
        taken: set[str] = set()
        self.units: dict[str, _Unit] = {}
        names_taken: set[str] = set()
        # The inspector's order (its creation order) as the tie-break, then depends_on first.
        rank = {name: index for index, name in enumerate(reports)}
        for service in _order(sorted(active, key=lambda s: rank.get(s.name, len(rank)))):
            name = self._name(service.name, names_taken)
            self.units[service.name] = self._unit(service, name, _var(name, taken))
        self.jobs_waited = {
            dep.service for s in active for dep in s.depends_on if dep.condition == "service_completed_successfully"
        }
        for unit in self.units.values():
            if unit.service.name in self.jobs_waited and unit.construct == "Workload":
                unit.construct = "OneShotJob"
                unit.ports = []
                unit.http_port = None
        self.mounts = self._mount_users()

    # -- units -----------------------------------------------------------------------------

    def _name(self, compose_name: str, taken: set[str]) -> str:
        try:
            name = kubernetes_name(compose_name)
        except ValueError:
            name = _dns_label(compose_name, "svc")
        while name in taken:
            name = f"{name}-x"
        taken.add(name)
        return name

    def _unit(self, service: Service, name: str, var: str) -> _Unit:
        last = _last(service.image)
        if any(p in last for p in _POSTGRES) and service.image:
            construct = "PgvectorDb"
        elif last in _REDIS and service.image:
            construct = "RedisCache"
        elif service.restart == "no":
            construct = "OneShotJob"
        else:
            construct = "Workload"
        unit = _Unit(service=service, name=name, var=var, construct=construct)
        if construct == "Workload":
            unit.ports, unit.http_port = _ports(service, self.reports.get(service.name))
        elif construct == "PgvectorDb":
            unit.ports = [("postgresql", 5432, "tcp")]
        elif construct == "RedisCache":
            unit.ports = [("redis", 6379, "tcp")]
        user = (service.user or "").split(":", 1)[0]
        unit.root = construct in ("Workload", "OneShotJob") and user in ("root", "0")
        caps = tuple(c.upper().removeprefix("CAP_") for c in service.cap_add)
        if construct in ("Workload", "OneShotJob"):
            unit.capabilities = tuple(c for c in caps if c in BASELINE_CAPABILITIES)
            unit.dropped_capabilities = tuple(c for c in caps if c not in BASELINE_CAPABILITIES)
        if unit.root or set(unit.capabilities) - RESTRICTED_CAPABILITIES:
            unit.chart = "box"
        return unit

    def _mount_users(self) -> dict[str, list[str]]:
        """Claim source (named volume or bind folder) -> the services that mount it."""
        users: dict[str, list[str]] = {}
        for unit in self.units.values():
            if unit.construct not in ("Workload", "OneShotJob"):
                continue
            for volume in unit.service.volumes:
                source = self._claim_source(volume)
                if source is not None and unit.service.name not in users.setdefault(source, []):
                    users[source].append(unit.service.name)
        return users

    @staticmethod
    def _claim_source(volume: Volume) -> str | None:
        if volume.kind == "persisted" and volume.source:
            return volume.source
        if volume.kind == "bind" and volume.source and not volume.read_only:
            source = volume.source
            if source.startswith(("/", "~")) or volume.target.startswith(_SYSTEM_PATHS):
                return None
            return source
        return None

    # -- helpers ---------------------------------------------------------------------------

    def has_box(self) -> bool:
        return any(u.chart == "box" for u in self.units.values())

    def namespace(self, chart: str) -> str:
        return self.project if chart == "chart" else f"{self.project}-baseline"

    def serves(self, unit: _Unit) -> bool:
        return bool(unit.ports) and unit.construct != "OneShotJob"

    def mentions(self, unit: _Unit, value: str) -> list[_Unit]:
        found = []
        for other in self.units.values():
            if other is not unit and re.search(_host_pattern(other.service.name), value):
                found.append(other)
        return found

    def renamed(self, unit: _Unit, value: str) -> str:
        for other in self.units.values():
            if other is unit:
                continue
            host = other.name if other.chart == unit.chart else f"{other.name}.{self.namespace(other.chart)}.svc"
            if host != other.service.name:
                value = re.sub(_host_pattern(other.service.name), host, value)
        return value

    # -- the program -----------------------------------------------------------------------

    def render(self) -> str:
        text = "\n".join([*self._header(), *self._body(), ""])
        # A construct no other line names is not assigned (ruff's F841).
        for unit in self.units.values():
            if unit.var not in self.w.used:
                text = text.replace(f"\n    {unit.var} = ac.", "\n    ac.", 1)
        return text

    def _header(self) -> list[str]:
        file = self.compose.path.name
        lines = [
            f'"""{self.project} on Kubernetes: a first port of {file}, written by `aipp compose init`.',
            "",
            f"Every `{TODO}` comment marks a decision to make before this runs in a cluster; nothing",
            f"else is guessed. `aipp compose inspect {file}` explains each service, and",
            f"`aipp compose drift {file} dist` lists what the port does not do yet.",
            "`python port.py` writes dist/ beside this file; `aipp check dist` checks it.",
            '"""',
            "",
        ]
        if self.has_box():
            lines.append("import dataclasses")
        lines += [
            "import sys",
            "from pathlib import Path",
            "",
            "from cdk8s import App",
            "",
            "import aipp_constructs as ac",
            "",
            f"{TODO} the public domain of the Ingress hosts",
            'DOMAIN = "example.com"',
            f"BUSYBOX = {_py(BUSYBOX)}  # the start-up waits' image",
            'OUTDIR = Path(__file__).resolve().parent / "dist"',
            "",
            "",
        ]
        return lines

    def _body(self) -> list[str]:
        w = self.w
        charts = "tuple[ac.PortChart, ac.PortChart]" if self.has_box() else "ac.PortChart"
        w.add(0, f"def build(app: App) -> {charts}:")
        w.add(1, f'"""The port of {self.compose.path.name}: one construct per Compose service."""')
        w.add(1, "defaults = ac.PortDefaults(")
        w.add(2, f"namespace={_py(self.project)},")
        w.add(2, f"part_of={_py(self.project)},")
        w.add(2, 'telemetry=ac.Telemetry(mode="off"),')
        w.add(2, "wait=ac.WaitPolicy(image=BUSYBOX),")
        w.todo(2, "the cluster's External Secrets store, and the Vault path of this port's keys")
        w.add(2, f'secret_store=ac.SecretStore(name="vault-backend", vault_path={_py("secret/" + self.project)}),')
        w.todo(2, "the storage class of the claims; image_mirror=ac.ImageMirror(...) to pull through a mirror")
        w.add(2, "storage_class_name=None,")
        w.add(1, ")")
        w.add(1, f"chart = ac.PortChart(app, {_py(self.project)}, defaults)")
        if self.has_box():
            boxed = ", ".join(u.service.name for u in self.units.values() if u.chart == "box")
            w.add(1, f'# Pod Security "baseline" for what "restricted" refuses (root, capabilities): {boxed}')
            w.add(1, "box = ac.PortChart(")
            w.add(2, "app,")
            w.add(2, f"{_py(self.namespace('box'))},")
            w.add(2, "dataclasses.replace(")
            w.add(3, f'defaults, namespace={_py(self.namespace("box"))}, pod_security_level="baseline"')
            w.add(2, "),")
            w.add(1, ")")
        secrets_at = len(w.lines)
        if self.left_out:
            profiles = {s.name: ",".join(getattr(s, "profiles", ())) for s in self.compose.services}
            shown = ", ".join(f"{name} ({profiles[name]})" for name in self.left_out)
            w.todo(
                1,
                f"left out, in a Compose profile not selected: {shown}; select those you use with "
                "--profile, or COMPOSE_PROFILES in an --env-file, and run init again",
            )
        self._claims()
        self._shared_env()
        self.written_groups: set[str] = set()
        created: set[str] = set()
        late: list[tuple[_Unit, _Unit]] = []
        for unit in self.units.values():
            late += self._construct(unit, created)
            created.add(unit.service.name)
        for source, target in late:
            w.names(source.var, target.var)
            w.add(1, f"{source.var}.connect_to({target.var})  # it calls {target.service.name}, created after it")
        self._ingress()
        w.add(1, "return (chart, box)" if self.has_box() else "return chart")
        secrets = self._secrets()
        w.lines[secrets_at:secrets_at] = secrets
        w.add(0, "")
        w.add(0, "")
        w.add(0, "def main(outdir: Path = OUTDIR) -> int:")
        w.add(1, '"""Synthesizes the port into ``outdir``."""')
        w.add(1, "app = App(outdir=str(outdir))")
        w.add(1, "build(app)")
        w.add(1, "app.synth()")
        w.add(1, f'print(f"synthesized {self.project} into {{outdir}}", file=sys.stderr)')
        w.add(1, "return 0")
        w.add(0, "")
        w.add(0, "")
        w.add(0, 'if __name__ == "__main__":')
        w.add(1, "sys.exit(main())")
        return w.lines

    def _secrets(self) -> list[str]:
        out: list[str] = []
        for chart, var in (("chart", "keys"), ("box", "box_keys")):
            keys = self.w.keys[chart]
            if not keys:
                continue
            ns = self.namespace(chart)
            out.append(f"    # Vault {('secret/' + self.project)}/app, keys named after the variables that read them.")
            out.append(f"    {var} = {chart}.vault_secret(")
            out.append(f"        {_py(self.project + ('-app' if chart == 'chart' else '-baseline-app'))},")
            out.append('        "app",')
            out.append("        {")
            out += [f"            {_py(k)}: {_py(k)}," for k in keys]
            out.append("        },")
            out.append("    )")
            del ns
        return out

    def _claims(self) -> None:
        """Shared claims: a source several services (or a job) mount."""
        w = self.w
        self.shared: dict[str, str] = {}
        taken: set[str] = set()
        for source, users in self.mounts.items():
            # A job has no claim templates: what it mounts is a claim of its own.
            if len(users) < 2 and self.units[users[0]].construct != "OneShotJob":
                continue
            name = _dns_label(source.lstrip("./").replace("/", "-"), "data")
            while name in taken:
                name += "-x"
            taken.add(name)
            var = "claim_" + name.replace("-", "_")
            self.shared[source] = var
            charts = {self.units[user].chart for user in users}
            chart = self.units[users[0]].chart
            if len(charts) > 1:
                w.todo(1, f"{source} is mounted in both namespaces, which no claim can be: split it")
            w.todo(
                1, f"the size of {source} (mounted by {', '.join(users)}); ReadWriteMany needs a storage class with it"
            )
            w.add(1, f"{var} = ac.SharedClaim(")
            w.add(2, f'{chart}, {_py("Claim-" + name)}, ac.SharedClaimProps(name={_py(name)}, size="10Gi")')
            w.add(1, ")")

    # -- one construct ---------------------------------------------------------------------

    def _construct(self, unit: _Unit, created: set[str]) -> list[tuple[_Unit, _Unit]]:
        w = self.w
        s = unit.service
        self._write_shared_env(unit)
        w.add(1, "")
        w.add(1, f"# {s.name}" + (f" (Kubernetes name {unit.name})" if unit.name != s.name else ""))
        if s.name in self.pulled_in:
            w.todo(
                1,
                f"{s.name} is in the Compose profile {', '.join(getattr(s, 'profiles', ()))}, not selected; it is "
                "here because another service requires it (depends_on)",
            )
        image = self._image(unit)
        if unit.construct == "PgvectorDb":
            self._postgres(unit, image)
            return []
        if unit.construct == "RedisCache":
            self._redis(unit, image)
            return []
        _entries, late, deps, after, connects = self._edges_env(unit, created)
        props = "OneShotJobProps" if unit.construct == "OneShotJob" else "WorkloadProps"
        chart = unit.chart
        for text in self._notes(unit):
            w.todo(1, text)
        w.add(1, f"{unit.var} = ac.{unit.construct}(")
        w.add(2, f"{chart},")
        w.add(2, f"{_py(self._id(unit))},")
        w.add(2, f"ac.{props}(")
        w.add(3, f"name={_py(unit.name)},")
        w.add(3, f"image={chart}.image({_py(image)}),")
        if s.entrypoint is not None:
            entrypoint = self._secret_args(unit, s.entrypoint, getattr(s, "entrypoint_written", None))
            w.add(3, f"command={self._tuple(entrypoint)},")
        if s.command is not None:
            command = self._secret_args(unit, s.command, getattr(s, "command_written", None))
            w.add(3, f"args={self._tuple(command)},")
        self._ids(unit)
        if unit.construct == "Workload":
            self._ports_and_probes(unit)
        if s.replicas is not None and s.replicas != 1 and unit.construct == "Workload":
            w.add(3, f"replicas={s.replicas},")
        if deps:
            w.add(3, f"depends_on=({w.names(*deps)}{',' if len(deps) == 1 else ''}),")
        if after:
            w.add(3, f"after=({w.names(*after)}{',' if len(after) == 1 else ''}),")
        if connects:
            w.add(3, f"connects_to=({w.names(*connects)}{',' if len(connects) == 1 else ''}),")
        w.add(3, "wiring={},  # every variable is written out below, as Compose sets it")
        secret_names = self._env(unit)
        self._volumes(unit)
        if s.resources is not None:
            w.todo(3, f"requests and limits; Compose: {self._compose_resources(s)}")
        self._security(unit)
        self._exceptions(unit, secret_names)
        w.add(2, "),")
        w.add(1, ")")
        return late

    def _secret_args(self, unit: _Unit, args: Sequence[str], written: Sequence[str] | None) -> tuple[str, ...]:
        """``args`` with each credential (the inspector's redaction rule) replaced by ``$(VAR)``,
        which Kubernetes expands from the container's variable VAR, a new Vault key of ``env``."""
        shown = redact_args(args)
        out = list(args)
        items = self.env_items.setdefault(unit.service.name, [])
        present = {name for name, _todo, _line in items}
        for index, (arg, redacted) in enumerate(zip(args, shown, strict=True)):
            if REDACTED not in redacted or redacted == arg:
                continue
            as_written = written[index] if written is not None and len(written) == len(args) else ""
            refs = [a or b for a, b in _REFERENCE.findall(as_written)]
            if redacted == REDACTED:
                fallback = args[index - 1].lstrip("-") if index else "secret"
            else:
                fallback = redacted.split("=", 1)[0].split("://", 1)[0].lstrip("-")
            var = re.sub(r"[^A-Za-z0-9_]", "_", refs[0] if len(refs) == 1 else fallback).upper().strip("_") or "SECRET"
            if var[0].isdigit():
                var = f"SECRET_{var}"
            if redacted == REDACTED:
                out[index] = f"$({var})"
            elif redacted.endswith("=" + REDACTED):
                out[index] = redacted[: -len(REDACTED)] + f"$({var})"
            else:  # a URL with a password: the password only
                reference = f"$({var})@"
                out[index] = re.sub(r"([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@", rf"\g<1>{reference}", arg)
            if var not in present:
                present.add(var)
                line = f"{_py(var)}: {self.w.key(unit.chart, _kebab(var))},"
                items.append(
                    (var, f"{unit.service.name}'s command reads {var} as $({var}) (Kubernetes expands it)", line)
                )
        return tuple(out)

    def _id(self, unit: _Unit) -> str:
        return "".join(part.capitalize() for part in re.split(r"[-_.]", unit.name) if part) or unit.var

    def _tuple(self, items: Iterable[str]) -> str:
        values = [_py(i) for i in items]
        return f"({values[0]},)" if len(values) == 1 else f"({', '.join(values)})"

    def _image(self, unit: _Unit) -> str:
        s = unit.service
        if not s.image:
            self.w.todo(1, f"Compose builds {s.name}'s image: push it to a registry and pin that tag (a guess here)")
            return f"registry.example.com/{self.project}/{unit.name}:0.0.0"
        try:
            guess = pin_guess(s.image)
        except ValueError:
            guess = None
        if guess is not None:
            self.w.todo(1, f"{s.image} is a moving tag; {guess} is a guess: pin a release you tested (or a digest)")
            return guess
        return s.image

    def _notes(self, unit: _Unit) -> list[str]:
        s = unit.service
        notes = []

        user = s.user
        if user is None and not unit.root:
            notes.append(
                f"the uid {s.name}'s image runs as (10001 here): run_as_user=..., the image must own its files"
            )
        elif user is not None and not unit.root and not user.split(":", 1)[0].isdigit():
            notes.append(f"Compose runs {s.name} as the user {user!r}: set run_as_user to its uid (10001 here)")
        read = getattr(s, "env_files", None)
        if read is None:  # a model that keeps the paths only
            for env_file in s.env_file:
                notes.append(f"Compose reads {env_file} (env_file) into {s.name}; its variables are not written here")
        for env_file in read or ():
            if not getattr(env_file, "exists", True):
                notes.append(
                    f"Compose reads {env_file.path} (env_file) into {s.name}, which is missing: "
                    "write its variables in env"
                )
        if s.privileged:
            notes.append(
                f"Compose runs {s.name} privileged, which no Pod Security level here admits: find what it needs"
            )
        if unit.dropped_capabilities:
            notes.append(f"cap_add {', '.join(unit.dropped_capabilities)} is outside Pod Security baseline: left out")
        for volume in s.volumes:
            if volume.kind == "config":
                notes.append(
                    f"Compose mounts the file {volume.source} at {volume.target} in {s.name}: add it to config_files "
                    "(config_dir / config_files_mount) if the image needs it; left out"
                )
            elif volume.kind == "bind" and self._claim_source(volume) is None:
                notes.append(
                    f"Compose mounts the host path {volume.source} at {volume.target} in {s.name}: left out (config? data?)"
                )
        kept = {(number, protocol) for _name, number, protocol in unit.ports}
        for port in s.ports:
            if port.protocol not in ("tcp", "udp"):
                notes.append(f"port {port.target}/{port.protocol} is not TCP or UDP: left out")
            elif unit.construct == "Workload" and (port.target, port.protocol) not in kept:
                notes.append(
                    f"{s.name}'s port {port.target}/{port.protocol}: a container port has one protocol per number; "
                    "left out (a second Service, or drop it)"
                )
        for var in _environment(s):
            if var.value is None:
                notes.append(f"{s.name}'s {var.name} comes from the shell that runs docker compose: set it in env")
        return notes

    def _ids(self, unit: _Unit) -> None:
        user = unit.service.user
        if unit.root or user is None:
            return
        uid, _, gid = user.partition(":")
        if uid.isdigit() and int(uid) >= 1:
            self.w.add(3, f"run_as_user={int(uid)},")
            if gid.isdigit():
                self.w.add(3, f"run_as_group={int(gid)},")

    def _ports_and_probes(self, unit: _Unit) -> None:
        w = self.w
        s = unit.service
        if unit.ports:
            items = []
            for name, number, protocol in unit.ports:
                extra = ', protocol="UDP"' if protocol == "udp" else ""
                items.append(f"ac.Port(name={_py(name)}, number={number}{extra})")
            w.add(3, f"ports=({', '.join(items)},),")
        probe = self._probe(unit)
        if probe is not None:
            w.add(3, f"probes={probe},")
        elif not _healthcheck_disabled(s) or s.healthcheck is None:
            pass

    def _probe(self, unit: _Unit) -> str | None:
        s = unit.service
        check = s.healthcheck
        timing = ""
        if check is not None and not _healthcheck_disabled(s):
            period, timeout = _seconds(check.interval), _seconds(check.timeout)
            if period:
                timing += f", period_seconds={period}"
            # The probe's timeout may not exceed its period (3 seconds by default).
            timeout = min(timeout or 3, period or 10)
            if timeout != 3:
                timing += f", timeout_seconds={timeout}"
        port_names = {number: name for name, number, protocol in unit.ports if protocol == "tcp"}
        polled = _health_port(check) if not _healthcheck_disabled(s) else None
        if polled and polled[1] in port_names:
            kind, number, path = polled
            if kind == "http":
                return f"ac.Probes.of(ac.HttpCheck(path={_py(path or '/')}, port={_py(port_names[number])}){timing})"
            return f"ac.Probes.of(ac.TcpCheck(port={_py(port_names[number])}){timing})"
        if check is not None and not _healthcheck_disabled(s) and check.test:
            if redact_args(check.test) != tuple(check.test) or any(
                REDACTED in a for a in redact_args(check.test[0].split())
            ):
                self.w.todo(3, f"{s.name}'s health check holds a credential as written: read it from a variable")
            command = self._tuple(("sh", "-c", check.test[0]) if check.kind == "CMD-SHELL" else check.test)
            if unit.ports:
                return f"ac.Probes.of(ac.ExecCheck(command={command}){timing})"
            return f"ac.Probes(liveness=ac.Probe(check=ac.ExecCheck(command={command}){timing}))"
        tcp = [name for name, _number, protocol in unit.ports if protocol == "tcp"]
        if tcp:
            self.w.todo(3, f"Compose checks no health of {s.name}: a TCP check of its first port is a guess")
            return f"ac.Probes.of(ac.TcpCheck(port={_py(tcp[0])}))"
        return None

    def _edges_env(
        self, unit: _Unit, created: set[str]
    ) -> tuple[list[tuple[str, str, str | None]], list[tuple[_Unit, _Unit]], list[str], list[str], list[str]]:
        s = unit.service
        deps: list[str] = []
        after: list[str] = []
        named: set[str] = set()
        for dep in s.depends_on:
            other = self.units.get(dep.service)
            if other is None:
                if dep.required:  # Compose starts without an optional one
                    self.w.todo(1, f"{s.name} depends on {dep.service}, which is not in this port")
                continue
            named.add(other.service.name)
            if self.serves(other) and dep.condition != "service_completed_successfully":
                deps.append(other.var)
            else:
                after.append(other.var)
        env: list[tuple[str, str, str | None]] = []
        connects: list[str] = []
        late: list[tuple[_Unit, _Unit]] = []
        for var in _environment(s):
            if var.value is None:
                continue
            for other in self.mentions(unit, var.value):
                if other.service.name in named or not self.serves(other):
                    continue
                named.add(other.service.name)
                if other.service.name in created:
                    connects.append(other.var)
                else:
                    late.append((unit, other))
            env.append((var.name, var.value, _raw(var)))
        return env, late, deps, after, connects

    def _preset_facts(self, dep: _Unit) -> dict[str, str]:
        """The ``.env`` variables a preset's own settings read whole -> its endpoint's fact
        (``POSTGRES_PASSWORD: ${DB_PASSWORD}`` -> ``DB_PASSWORD``: ``password``)."""
        s = dep.service
        own: dict[str, str] = {}
        written: list[tuple[str, str]] = []
        if dep.construct == "PgvectorDb":
            own = {"POSTGRES_USER": "username", "POSTGRES_PASSWORD": "password", "POSTGRES_DB": "database"}
        elif dep.construct == "RedisCache":
            own = {"REDIS_PASSWORD": "password"}
            args = list(getattr(s, "command_written", None) or s.command or ())
            if "--requirepass" in args[:-1]:
                written.append((args[args.index("--requirepass") + 1], "password"))
        env = self._env_map(s)
        written += [(_raw(env[name]) or "", fact) for name, fact in own.items() if name in env]
        found: dict[str, str] = {}
        for text, fact in written:
            refs = _scan(text)
            if len(refs) == 1 and refs[0].start == 0 and refs[0].end == len(text):
                found.setdefault(refs[0].name, fact)
        return found

    def _connection_url(self, unit: _Unit, var: EnvVar) -> tuple[str | None, str] | None:
        """(TODO or ``None``, the Python value) of a variable whose value as written embeds a
        ``.env`` variable in the user or password of a URL
        (``postgres://notes:${DB_PASSWORD}@db:5432/notes``); ``None`` for any other variable.

        Mapped: an ``ac.EnvTemplate``, as ``aipp compose inspect`` suggests. To a service of
        the file, over its endpoint's facts (a preset's user, password and database are its
        facts; another credential is a Vault key named after its variable), so the URL holds
        the credentials the dependency really has, whether a ``.env`` file gave them or not; to
        another host, that host written out and the credentials Vault keys. Else the whole URL
        is a Vault key named after the variable itself, with a TODO naming the variable: never
        the URL interpolated without its password, nor the key of the bare password."""
        raw = getattr(var, "raw", None)
        if not isinstance(raw, str):
            return None
        refs = _scan(raw)
        masked = list(raw)
        for ref in refs:
            masked[ref.start : ref.end] = "\x01" * (ref.end - ref.start)
        urls = [
            match for match in _USERINFO_HOST.finditer("".join(masked)) if "\x01" in match.group(1) + match.group(2)
        ]
        if not urls:
            return None
        problem = self._url_template(unit, var, refs, urls)
        if not isinstance(problem, str):
            return None, problem[0]
        hosts = ", ".join(dict.fromkeys(_shell_text(var.raw or "", match.span(3)) for match in urls))
        whole = self.w.key(unit.chart, _kebab(var.name))
        todo = (
            f"{var.name} embeds a .env variable in a URL to {hosts}, which init cannot map ({problem}): "
            "write it as an ac.EnvTemplate (of the endpoint's facts and Vault keys), or store the whole URL in Vault "
            f"({_kebab(var.name)}, as here)"
        )
        return todo, whole

    def _url_template(
        self, unit: _Unit, var: EnvVar, refs: Sequence[_Ref], urls: Sequence[re.Match[str]]
    ) -> tuple[str] | str:
        """``(the EnvTemplate,)`` of :meth:`_connection_url`, or why it cannot be written."""
        raw = var.raw or ""
        hosts = {match.group(3) for match in urls}
        if any("\x01" in host for host in hosts):
            return "its host is a variable"
        if len(hosts) > 1:
            return f"it names {' and '.join(sorted(hosts))}"
        host = hosts.pop()
        graph = {s.name for s in self.compose.services}
        dep = self.units.get(host)
        if host in graph and (dep is None or not self.serves(dep)):
            return f"{host} is not a service of this port with a port"
        if dep is not None:
            order = list(self.units)
            if order.index(dep.service.name) > order.index(unit.service.name):
                return f"{dep.service.name} is created after {unit.service.name}"
        credentials = (
            {"PgvectorDb": ("username", "password"), "RedisCache": ("password",)}.get(dep.construct, ())
            if dep is not None
            else ()
        )
        facts = self._preset_facts(dep) if dep is not None else {}
        secret_used = False
        extra: dict[str, str] = {}
        cuts: list[tuple[int, int, str]] = []

        def placeholder(ref: _Ref, in_userinfo: bool) -> str | None:
            nonlocal secret_used
            fact = facts.get(ref.name)
            if fact is not None:
                secret_used = secret_used or fact in credentials
                return "{" + fact + "}"
            if credentials and in_userinfo:
                return None  # a preset has one user and password: another variable would not log in
            if in_userinfo or _is_credential(ref.name, ""):  # a Vault key, its default never written
                key = ref.name.lower()
                if key in _FACT_NAMES:
                    return None
                extra[key] = _kebab(ref.name)  # a Vault key, registered once the template is written
                secret_used = True
                return "{" + key + "}"
            if ref.name in var.unset and ref.default is not None and not _scan(ref.default):
                # Unset, as Compose reads it here: its default.
                return self.renamed(unit, ref.default).replace("$$", "$").replace("{", "{lbrace}")
            return None

        for match in urls:
            for group, fact in ((1, "username"), (2, "password")):
                start, end = match.span(group)
                inside = [ref for ref in refs if start <= ref.start < end]
                if not inside:
                    if start == end or (fact == "username" and not credentials):
                        continue  # no user, or the literal user name of a service without one of its own
                    if fact not in credentials:
                        return f"its {fact} is written in the URL"
                    cuts.append((start, end, "{" + fact + "}"))  # the preset's own, from Vault
                    secret_used = True
                    continue
                if len(inside) > 1 or inside[0].start != start or inside[0].end != end:
                    return f"its {fact} is not one variable"
                value = placeholder(inside[0], True)
                if value is None:
                    return f"${{{inside[0].name}}} is not a {fact} {host} is given"
                cuts.append((start, end, value))
            if dep is not None:  # another host stays as written
                port = match.group(4)
                main = dep.ports[0][1] if dep.ports else None
                address = "{host}" + ((":{port}" if int(port) == main else f":{port}") if port else "")
                cuts.append((match.start(3), match.end(4) if port else match.end(3), address))
        for ref in refs:
            if any(start <= ref.start < end for start, end, _ in cuts):
                continue
            value = placeholder(ref, False)
            if value is None:
                return f"${{{ref.name}}} has no value init may write"
            cuts.append((ref.start, ref.end, value))
        if not secret_used:
            return "no credential of the URL is a fact or a Vault key"
        pieces: list[str] = []
        last = 0
        for start, end, value in sorted(cuts):
            pieces.append(self.renamed(unit, raw[last:start]).replace("$$", "$").replace("{", "{lbrace}"))
            pieces.append(value)
            last = end
        pieces.append(self.renamed(unit, raw[last:]).replace("$$", "$").replace("{", "{lbrace}"))
        text = "".join(pieces)
        entries = [f"{_py(k)}: {self.w.key(unit.chart, key)}" for k, key in extra.items()]
        if "{lbrace}" in text:
            entries.append(f'"lbrace": {_py("{")}')
        if dep is None:
            return (f"{_TEMPLATE}text={_py(text)}, values={{{', '.join(entries)}}})",)
        seen = f"seen_from={_py(self.namespace(unit.chart))}" if dep.chart != unit.chart else ""
        # A Workload's endpoint is typed optional (none without ports): required_endpoint for mypy.
        endpoint = "endpoint" if credentials else "required_endpoint"
        values = f"{self.w.names(dep.var)}.{endpoint}.facts({seen})"
        if entries:
            values = "{**" + values + ", " + ", ".join(entries) + "}"
        return (f"{_TEMPLATE}text={_py(text)}, values={values})",)

    def _env_items(self, unit: _Unit) -> list[tuple[str, str | None, str]]:
        """The ``env`` entries of a workload: (variable, TODO or ``None``, the Python entry)."""
        items: list[tuple[str, str | None, str]] = []
        for var in _environment(unit.service):
            name, value = var.name, var.value
            if value is None:
                continue
            url = self._connection_url(unit, var)
            if url is not None:
                items.append((name, url[0], f"{_py(name)}: {url[1]},"))
            elif _is_credential(name, value):
                refs = [a or b for a, b in _REFERENCE.findall(_raw(var) or "")]
                key = _kebab(refs[0] if len(refs) == 1 else name)
                todo = None
                if _URL_WITH_PASSWORD.search(value):
                    todo = f"{name} is a URL with a password: in Vault whole (or an ac.EnvTemplate of the facts)"
                items.append((name, todo, f"{_py(name)}: {self.w.key(unit.chart, key)},"))
            else:
                items.append((name, None, f"{_py(name)}: {_py(self.renamed(unit, value))},"))
        return items

    def _shared_env(self) -> None:
        """Entries several workloads have alike (Dify's ``x-shared-env``) become one dictionary each
        group of workloads spreads (``env={**shared_env, ...}``), written before the first of them."""
        self.env_items = {
            unit.service.name: self._env_items(unit)
            for unit in self.units.values()
            if unit.construct in ("Workload", "OneShotJob")
        }
        counts: dict[tuple[str, str | None, str], int] = {}
        for items in self.env_items.values():
            for item in items:
                counts[item] = counts.get(item, 0) + 1
        groups: dict[tuple[tuple[str, str | None, str], ...], list[str]] = {}
        for service, items in self.env_items.items():
            common = tuple(item for item in items if counts[item] > 1)
            if len(common) >= 8:
                groups.setdefault(common, []).append(service)
        self.env_groups: dict[str, tuple[str, tuple[tuple[str, str | None, str], ...]]] = {}
        for number, (common, services) in enumerate((g for g in groups.items() if len(g[1]) > 1), start=1):
            name = "shared_env" if len([g for g in groups.values() if len(g) > 1]) == 1 else f"shared_env_{number}"
            for service in services:
                self.env_groups[service] = (name, common)

    def _write_shared_env(self, unit: _Unit) -> None:
        """The shared dictionary of ``unit``'s group, when ``unit`` is the first of the group."""
        group = self.env_groups.get(unit.service.name)
        if group is None or group[0] in self.written_groups:
            return
        name, common = group
        self.written_groups.add(name)
        users = [service for service, (other, _) in self.env_groups.items() if other == name]
        w = self.w
        w.add(1, "")
        w.add(1, f"# The variables {', '.join(users)} have alike in Compose.")
        kinds = "str | ac.SecretKeyRef" + (" | ac.EnvTemplate" if any(_TEMPLATE in line for *_, line in common) else "")
        w.add(1, f"{name}: dict[str, {kinds}] = {{")
        for _var, todo, line in common:
            if todo is not None:
                w.todo(2, todo)
            w.add(2, line)
        w.add(1, "}")

    def _env(self, unit: _Unit) -> list[str]:
        """Writes ``env={...}``; returns the names of the variables read from Vault."""
        w = self.w
        items = self.env_items.get(unit.service.name, [])
        if not items:
            return []
        # An EnvTemplate of init's always fills a credential: a variable from the Secret too.
        secret_names = [name for name, _todo, line in items if _reads_secret(line)]
        group = self.env_groups.get(unit.service.name)
        shared = set(group[1]) if group is not None else set()
        w.add(3, "env={")
        if group is not None:
            w.add(4, f"**{group[0]},")
        for item in items:
            if item in shared:
                continue
            _name, todo, line = item
            if todo is not None:
                w.todo(4, todo)
            w.add(4, line)
        w.add(3, "},")
        return secret_names

    def _volumes(self, unit: _Unit) -> None:
        w = self.w
        claims: list[str] = []
        templates: list[str] = []
        scratch: list[str] = []
        names: set[str] = set()

        def volume_name(base: str) -> str:
            name = _dns_label(base, "data")[:30].strip("-") or "data"
            while name in names:
                name += "-x"
            names.add(name)
            return name

        for volume in unit.service.volumes:
            source = self._claim_source(volume)
            if source is not None and source in self.shared:
                claims.append(f"{w.names(self.shared[source])}.volume({_py(volume.target)})")
            elif source is not None:
                name = volume_name(PurePosixPath(source).name if volume.kind == "bind" else source)
                what = "the bind-mounted folder" if volume.kind == "bind" else "the volume"
                templates.append(f"{what} {source}: its size")
                templates.append(f'ac.ClaimTemplate(name={_py(name)}, path={_py(volume.target)}, size="10Gi")')
            elif volume.kind == "scratch" and volume.target != "/tmp":
                name = volume_name(PurePosixPath(volume.target).name or "scratch")
                scratch.append(f"ac.ScratchVolume(name={_py(name)}, path={_py(volume.target)})")
        if claims:
            w.add(3, f"claims=({', '.join(claims)},),")
        if templates:
            w.add(3, "claim_templates=(")
            for note, template in zip(templates[::2], templates[1::2], strict=True):
                w.todo(4, note)
                w.add(4, f"{template},")
            w.add(3, "),")
        if scratch:
            w.add(3, f"scratch=({', '.join(scratch)},),")

    @staticmethod
    def _compose_resources(service: Service) -> str:
        res = service.resources
        if res is None:
            return "none"
        parts = []
        for what, spec in (("limits", res.limits), ("reservations", res.reservations)):
            if spec.cpus or spec.memory:
                parts.append(f"{what} cpus {spec.cpus or '-'}, memory {spec.memory or '-'}")
            if spec.devices:
                parts.append(f"{what} devices {', '.join(c for d in spec.devices for c in d.capabilities)}")
        return "; ".join(parts) or "none"

    def _security(self, unit: _Unit) -> None:
        if not (unit.root or unit.capabilities):  # NET_BIND_SERVICE alone stays "restricted"
            return
        w = self.w
        needs = []
        if unit.root:
            needs.append(f"runs as root (user: {unit.service.user})")
        if unit.capabilities:
            needs.append(f"adds {', '.join(unit.capabilities)} (cap_add)")
        w.todo(3, f"verify why {unit.service.name} needs this, and write the reason; Compose {' and '.join(needs)}")
        w.add(3, "security_exception=ac.SecurityException(")
        reason = _one_line(f"Compose {' and '.join(needs)}; why the image needs it is not verified yet", 290)
        w.add(4, f"reason={_py(reason)},")
        if unit.root:
            w.add(4, "run_as_root=True,")
        if unit.capabilities:
            w.add(4, f"add_capabilities={self._tuple(unit.capabilities)},")
        w.add(3, "),")

    def _exceptions(self, unit: _Unit, secret_names: Sequence[str]) -> None:
        w = self.w
        exceptions: list[tuple[str, str]] = []
        if secret_names:
            shown = ", ".join(secret_names[:4]) + (" ..." if len(secret_names) > 4 else "")
            exceptions.append(
                ("CKV_K8S_35", f"Compose passes {shown} as variables; whether the image reads files is unverified")
            )
        uid = (unit.service.user or "").split(":", 1)[0]
        if uid.isdigit() and 1 <= int(uid) < 10000 and not unit.root:
            exceptions.append(("CKV_K8S_40", f"{uid} is the uid Compose runs the image as"))
        if unit.construct == "Workload" and self._probe_less(unit):
            why = f"Compose checks no health of {unit.service.name} and it serves no port"
            exceptions += [("CKV_K8S_8", why), ("CKV_K8S_9", why)]
        elif unit.construct == "Workload" and not unit.ports and unit.service.healthcheck is not None:
            exceptions.append(("CKV_K8S_9", "it serves no port: nothing to be ready for"))
        if not exceptions:
            return
        w.todo(3, "each exception's reason: confirm it, or remove the exception by meeting the check")
        w.add(3, "policy_exceptions={")
        for check, why in exceptions:
            w.add(4, f"{_py(check)}: {_py(_one_line(why, 200))},")
        w.add(3, "},")

    def _probe_less(self, unit: _Unit) -> bool:
        s = unit.service
        return not unit.ports and (_healthcheck_disabled(s) or not s.healthcheck or not s.healthcheck.test)

    # -- presets ---------------------------------------------------------------------------

    def _env_map(self, service: Service) -> dict[str, EnvVar]:
        return {v.name: v for v in _environment(service)}

    def _secret_key(self, unit: _Unit, var: EnvVar | None, fallback: str) -> str:
        if var is None:
            return self.w.key(unit.chart, fallback)
        refs = [a or b for a, b in _REFERENCE.findall(_raw(var) or "")]
        return self.w.key(unit.chart, _kebab(refs[0] if len(refs) == 1 else var.name))

    def _preset_env(self, unit: _Unit, own: Iterable[str]) -> list[str]:
        lines = []
        for var in _environment(unit.service):
            if var.name in own or var.value is None:
                continue
            if _is_credential(var.name, var.value):
                refs = [a or b for a, b in _REFERENCE.findall(_raw(var) or "")]
                key = _kebab(refs[0] if len(refs) == 1 else var.name)
                lines.append(f"{_py(var.name)}: {self.w.key(unit.chart, key)},")
            else:
                lines.append(f"{_py(var.name)}: {_py(self.renamed(unit, var.value))},")
        return lines

    def _preset_volumes_note(self, unit: _Unit, data_path: str) -> None:
        for volume in unit.service.volumes:
            if volume.target.rstrip("/") != data_path and volume.kind != "scratch":
                source = volume.source or "(anonymous)"
                self.w.todo(1, f"Compose mounts {source} at {volume.target} in {unit.service.name}: left out")

    def _postgres(self, unit: _Unit, image: str) -> None:
        w = self.w
        s = unit.service
        env = self._env_map(s)
        user = env.get("POSTGRES_USER")
        if user is None:
            w.todo(1, "Compose sets no POSTGRES_USER (the image's default is postgres): put the user name in Vault")
        database = env.get("POSTGRES_DB")
        db_name = database.value if database is not None and database.value else None
        if db_name is None or not re.fullmatch(r"[a-z_][a-z0-9_]*", db_name):
            w.todo(1, f"the database to create (Compose: {db_name or 'the user name'})")
            db_name = "app"
        self._preset_volumes_note(unit, "/var/lib/postgresql/data")
        uid_text = (s.user or "").split(":", 1)[0]
        if uid_text.isdigit() and int(uid_text) >= 1:
            uid = int(uid_text)
        else:
            uid = 70 if "alpine" in (_repo(image)[1] or "") else 999
        extensions = '("vector",)' if "vector" in image else "()"
        w.add(1, f"{unit.var} = ac.PgvectorDb(")
        w.add(2, f"{unit.chart},")
        w.add(2, f"{_py(self._id(unit))},")
        w.add(2, "ac.PgvectorDbProps(")
        w.add(3, f"name={_py(unit.name)},")
        w.add(3, f"image={unit.chart}.image({_py(image)}),")
        w.add(3, f"database={_py(db_name)},")
        w.add(3, f"extensions={extensions},")
        w.add(3, f"username={self._secret_key(unit, user, 'postgres-user')},")
        w.add(3, f"password={self._secret_key(unit, env.get('POSTGRES_PASSWORD'), 'postgres-password')},")
        w.todo(3, "the size of the database's volume")
        w.add(3, 'storage_size="10Gi",')
        if not (uid_text.isdigit() and int(uid_text) >= 1):
            w.todo(3, f"{uid} is the postgres user of the official images; check it for {_repo(image)[0]}")
        w.add(3, f"run_as_user={uid},")
        args = self._postgres_args(s)
        if args:
            w.add(3, f"extra_args={self._tuple(args)},")
        own = ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "POSTGRES_PASSWORD_FILE", "PGDATA")
        env_lines = self._preset_env(unit, own)
        if env_lines:
            w.add(3, "env={")
            for line in env_lines:
                w.add(4, line)
            w.add(3, "},")
        w.add(2, "),")
        w.add(1, ")")

    def _postgres_args(self, service: Service) -> tuple[str, ...]:
        command = list(service.command or ())
        if command[:1] == ["postgres"]:
            command = command[1:]
        pairs = bool(command) and len(command) % 2 == 0 and all(flag == "-c" for flag in command[::2])
        managed = any(v.split("=", 1)[0].strip() in ("port", "data_directory") for v in command[1::2])
        if pairs and not managed:
            return tuple(command)
        if command:
            shown = " ".join(redact_args(command))
            self.w.todo(1, f"Compose runs postgres with {shown}: not mapped (extra_args takes -c pairs)")
        return ()

    def _redis(self, unit: _Unit, image: str) -> None:
        w = self.w
        s = unit.service
        env = self._env_map(s)
        command = list(s.command or ())
        password: str | None = None
        if "--requirepass" in command:
            index = command.index("--requirepass")
            if index + 1 < len(command):
                refs = [a or b for a, b in _REFERENCE.findall(command[index + 1])]
                password = w.key(unit.chart, _kebab(refs[0]) if len(refs) == 1 else "redis-password")
        if password is None and "REDIS_PASSWORD" in env:
            password = self._secret_key(unit, env["REDIS_PASSWORD"], "redis-password")
        if password is None:
            w.todo(1, f"Compose runs {s.name} without a password; the preset needs one: give it to the clients too")
            password = w.key(unit.chart, "redis-password")
        if command:
            shown = " ".join(redact_args(command))
            w.todo(1, f"Compose runs {s.name} with {shown}: the preset writes its own flags (extra_args for others)")
        self._preset_volumes_note(unit, "/data")
        w.add(1, f"{unit.var} = ac.RedisCache(")
        w.add(2, f"{unit.chart},")
        w.add(2, f"{_py(self._id(unit))},")
        w.add(2, "ac.RedisCacheProps(")
        w.add(3, f"name={_py(unit.name)},")
        w.add(3, f"image={unit.chart}.image({_py(image)}),")
        w.add(3, f"password={password},")
        w.todo(3, f"the size of {s.name}'s volume")
        w.add(3, 'storage_size="5Gi",')
        w.todo(3, "999 is the redis user of the official images; check it for this image")
        w.add(3, "run_as_user=999,")
        env_lines = self._preset_env(unit, ("REDIS_PASSWORD", "REDISCLI_AUTH"))
        if env_lines:
            w.add(3, "env={")
            for line in env_lines:
                w.add(4, line)
            w.add(3, "},")
        w.add(2, "),")
        w.add(1, ")")

    # -- ingress ---------------------------------------------------------------------------

    def _ingress(self) -> None:
        w = self.w
        routes: dict[str, list[tuple[_Unit, str, int]]] = {"chart": [], "box": []}
        for unit in self.units.values():
            if not self.serves(unit):
                continue
            names = {number: name for name, number, protocol in unit.ports if protocol == "tcp"}
            published = [p.target for p in unit.service.ports if p.published is not None and p.protocol == "tcp"]
            for number in dict.fromkeys(published):
                if number not in names:
                    continue
                if number in _NOT_HTTP:
                    w.add(1, "")
                    w.todo(1, f"{unit.service.name} publishes {number} on the host in Compose: not routed (not HTTP)")
                    continue
                routes[unit.chart].append((unit, names[number], number))
        for chart in ("chart", "box"):
            ingress: dict[str, list[int]] = {}
            if routes[chart]:
                w.add(1, "")
                w.todo(1, "each published port is assumed to speak HTTP; the hosts are guesses under DOMAIN")
                w.add(1, f"{'routes' if chart == 'chart' else 'box_routes'} = (")
                for unit, port_name, number in routes[chart]:
                    suffix = (
                        ""
                        if port_name == "http" or len([r for r in routes[chart] if r[0] is unit]) == 1
                        else (f"-{number}")
                    )
                    host = f'f"{unit.name}{suffix}.{{DOMAIN}}"'
                    w.add(2, f"ac.IngressRoute(host={host}, target={w.names(unit.var)}, port={_py(port_name)}),")
                    ingress.setdefault(unit.name, []).append(number)
                w.add(1, ")")
                w.todo(1, "the ingress class and the cert-manager issuer of the cluster")
                w.add(1, "ac.TlsIngress(")
                w.add(2, f"{chart},")
                w.add(2, '"Ingress",')
                w.add(2, "ac.TlsIngressProps(")
                w.add(3, f"name={_py(self.namespace(chart))},")
                w.add(3, 'ingress_class_name="nginx",')
                w.add(3, 'cluster_issuer="letsencrypt",')
                w.add(3, f"routes={'routes' if chart == 'chart' else 'box_routes'},")
                w.add(2, "),")
                w.add(1, ")")
            if chart == "box" and not self.has_box():
                continue
            w.add(1, "")
            w.todo(
                1, "egress to the internet where a service needs it: egress={name: (ac.ExternalPeer.internet([443]),)}"
            )
            if ingress:
                w.todo(1, "the namespace and pod labels of the cluster's ingress controller")
                w.add(1, f"{chart}.add_network_policies(")
                w.add(2, "ingress={")
                for name, numbers in ingress.items():
                    ports = ", ".join(str(n) for n in numbers)
                    w.add(3, f'{_py(name)}: (ac.ExternalPeer(ports=({ports},), namespace="ingress-nginx"),),')
                w.add(2, "},")
                w.add(1, ")")
            else:
                w.add(1, f"{chart}.add_network_policies()")


def render_port(compose: ComposeFile, *, project: str | None = None) -> str:
    """The source of a port program for ``compose`` (not yet formatted by ruff).

    Args:
        compose: The Compose file.
        project: The port's name: namespace, ``part_of`` and chart name. Defaults to the
            Compose project name (``name:``) when the model has one, else the Compose file's
            folder name for ``docker-compose.yml``/``compose.yaml`` and its stem for another
            name (``dify.yml`` -> ``dify``), as a DNS label.

    Returns:
        The program text; see the module documentation.
    """
    stem = compose.path.name.removesuffix(".yml").removesuffix(".yaml")
    generic = stem in ("docker-compose", "compose") or stem.startswith(("docker-compose.", "compose."))
    name = project or getattr(compose, "name", None) or (compose.path.resolve().parent.name if generic else stem)
    label = _dns_label(str(name), "port")
    reports = {report.name: report for report in inspect_compose(compose)}
    return _Program(compose, label, reports).render()


def format_program(text: str, path: Path) -> tuple[str, str | None]:
    """``text`` formatted by ``ruff format`` with the configuration found for ``path``.

    Returns:
        The formatted text and ``None``, or ``text`` unchanged and a note why it is not
        formatted (ruff is not installed, or refused the text).
    """
    ruff = shutil.which("ruff", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if ruff is None:
        return text, "ruff is not installed: the program is not formatted"
    # The imports sorted (first-party or not by the configuration), then the layout.
    for command in (["check", "--select", "I", "--fix", "--quiet", "--exit-zero"], ["format", "--quiet"]):
        result = subprocess.run(
            [ruff, *command, "--stdin-filename", str(path), "-"],
            input=text,
            capture_output=True,
            text=True,
            check=False,
            cwd=path.parent if path.parent.is_dir() else None,  # ruff finds the configuration from here
        )
        if result.returncode != 0:
            return text, f"ruff {command[0]} refused the program: {' '.join(result.stderr.split())[:300]}"
        text = result.stdout
    return text, None
