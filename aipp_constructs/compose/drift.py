"""Drift between a vendor's Compose file and a port's synthesized manifests.

A vendor ships a new Compose file; kompose would convert it again and lose every decision of
the port. :func:`find_drift` instead reports what the Compose file has that the port lacks,
so that each difference is either ported or explicitly ignored. For each Compose service:

* ``service``: no ``Deployment``, ``StatefulSet``, ``Job`` or ``CronJob`` named like the service (its Kubernetes
  name, below), nor one labelled ``app.kubernetes.io/name: <that name>``;
* ``port N/PROTO`` (not for a Job or CronJob, which serves none): a Compose container port
  (``ports:`` target or ``expose:``) that is no ``containerPort`` of any container of the
  workload's pod;
* ``env NAME``: a Compose ``environment`` name that the workload's main container does not
  define, neither in ``env`` nor through ``envFrom`` (keys of a ConfigMap, Secret or
  ExternalSecret of the same folder, with the ``prefix``). ``NAME`` also counts as defined when
  ``NAME_FILE`` is (the docker-library convention: ``POSTGRES_PASSWORD_FILE`` replaces
  ``POSTGRES_PASSWORD``). The main container is the one named like the workload or the service,
  else the first;
* ``volume NAME``: a persisted (named, declared) Compose volume of the service, and the workload
  has no ``persistentVolumeClaim`` volume nor ``volumeClaimTemplate`` at all, or has claims but
  none of them is mounted at the Compose path (nor at a folder above or below it);
* ``bind PATH``: a bind mount at container path ``PATH``. A folder (data, or a folder of
  configuration) needs, at that path or a folder above or below it, a mount from a
  PersistentVolumeClaim, a ConfigMap, a Secret, a projected volume or a hostPath: an
  ``emptyDir`` there loses the data with the pod, and nothing there loses it at once. A single
  file (configuration) needs a ConfigMap, Secret or projected volume mounted at that path, or
  mounted at a folder above it with the file as one of its keys (when the ConfigMap or Secret
  is in the port, its keys, or its ``items``, are checked);
* ``healthcheck``: a Compose health check (not ``NONE``), and the main container has neither a
  readiness nor a liveness probe (a startup probe alone does not tell when the service is
  ready).

What the port has beyond the Compose file (wiring, telemetry, probes, hardening) is never
drift. A service behind a Compose profile that is not selected (an optional part, such as
Dify's ``db_mysql``) is compared when the port has its workload; when it has none, that is no
finding: the report lists it as optional and not ported.

Kubernetes names. A service is looked for under, in this order: an explicit rename
(``--rename db_postgres=db``: the Compose name, ``=``, the Kubernetes name of its workload);
else :func:`~aipp_constructs.core.names.kubernetes_name` of the Compose name (``db_postgres`` ->
``db-postgres``); else, when no workload has that name, a rename *read from the port*: another
Compose service's variable names the service as a host (``DB_HOST=db_postgres``,
``http://plugin_daemon:5002``), and the same variable of that service's workload in the port
names, as a host, one workload that no other Compose service maps to (``DB_HOST=db``, or a
Kubernetes Service ``db`` that selects it, ``db.ns.svc`` included). The report lists each rename
read from the port with the variable it came from; when the port's variables point at two
workloads, nothing is read and a note asks for ``--rename``. A renamed service is checked like
any other.

Findings and ignores. Each finding has a key ``SERVICE.KIND[.ITEM]``: ``SERVICE.service``,
``SERVICE.port.N``, ``SERVICE.env.NAME``, ``SERVICE.volume.NAME``, ``SERVICE.bind.PATH`` or
``SERVICE.healthcheck``, with the Compose service name (a renamed service keeps it), and a
Compose path that names the same finding by Compose's own keys: ``SERVICE.ports.N``,
``SERVICE.environment.NAME``, ``SERVICE.volumes.NAME`` or ``SERVICE.volumes.PATH``. An ignore
rule is ``SERVICE`` (the whole service is not compared), either form of a key (one finding), or
a glob over either form (``fnmatch`` rules, case-sensitive: ``plugin_daemon.environment.*``,
``*.env.LOG_*``, ``certbot*``); a glob that could match no finding of the file is refused, and
a rule that matched nothing is reported as unused so that stale exclusions get removed.
Many rules, each with its reason, go in a file (:func:`read_ignore_file`, ``--ignore-file``):
one rule per line, ``#`` starts a comment.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import Any

from aipp_constructs.compose.model import ComposeFile, Service, Volume
from aipp_constructs.core.names import kubernetes_name

__all__ = [
    "KINDS",
    "DriftReport",
    "Finding",
    "Rename",
    "find_drift",
    "parse_ignore",
    "parse_rename",
    "read_ignore_file",
]

#: Kinds of findings, in the order the summary counts them.
KINDS = ("service", "port", "env", "volume", "bind", "healthcheck")

_WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job", "CronJob")
_NAME_LABEL = "app.kubernetes.io/name"
#: Finding kind -> the Compose key that holds it (the Compose path of a finding).
_COMPOSE_FIELD = {"port": "ports", "env": "environment", "volume": "volumes", "bind": "volumes"}
_ITEM_KINDS = ("port", "env", "volume", "bind", "ports", "environment", "volumes")
_GLOB = re.compile(r"[*?\[]")
#: Volume sources that keep a bind mount's content beyond the pod (data or configuration).
_KEEPING = ("claim", "configMap", "secret", "projected", "hostPath")
_CONFIG = ("configMap", "secret", "projected")
_HOST_TOKEN = re.compile(r"[A-Za-z0-9.-]+")


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the Compose file has that the port lacks.

    Attributes:
        service: The Compose service name.
        kind: One of :data:`KINDS`.
        item: The port (``8080``), variable, volume name or container path; empty for
            ``service`` and ``healthcheck``.
        message: The rest of the line: what is missing, where.
    """

    service: str
    kind: str
    item: str
    message: str

    @property
    def key(self) -> str:
        """The ``--ignore`` key: ``SERVICE.KIND[.ITEM]``."""
        return f"{self.service}.{self.kind}" + (f".{self.item}" if self.item else "")

    @property
    def compose_path(self) -> str:
        """The same finding by Compose's keys: ``SERVICE.environment.NAME``, ``SERVICE.volumes.PATH``..."""
        field = _COMPOSE_FIELD.get(self.kind, self.kind)
        return f"{self.service}.{field}" + (f".{self.item}" if self.item else "")

    def line(self, k8s_name: str | None = None) -> str:
        """``drift: <service>: <what> ...``; the Kubernetes name in parentheses when it differs."""
        who = self.service if k8s_name in (None, self.service) else f"{self.service} ({k8s_name})"
        return f"drift: {who}: {self.message}"

    def as_json(self, k8s_name: str | None = None) -> dict[str, str]:
        """The finding as a JSON object."""
        return {
            "service": self.service,
            "kubernetes_name": k8s_name or self.service,
            "kind": self.kind,
            "item": self.item,
            "key": self.key,
            "compose_path": self.compose_path,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Rename:
    """A Compose service compared with a workload of another name than its default one.

    Attributes:
        service: The Compose service name.
        kubernetes_name: The name its workload is looked for under.
        source: ``--rename``, or ``read from the port: ...`` with the variables that said so.
    """

    service: str
    kubernetes_name: str
    source: str

    @property
    def read_from_port(self) -> bool:
        """The rename was not given but read from the port's variables."""
        return self.source != "--rename"


@dataclass(frozen=True, slots=True)
class DriftReport:
    """What :func:`find_drift` found.

    Attributes:
        compared: Number of Compose services compared (ignored services excluded).
        findings: Findings not ignored, in Compose file order.
        ignored: Findings an ignore rule matched.
        unused_ignores: Ignore rules that matched nothing (stale exclusions).
        kubernetes_names: Compose name -> Kubernetes name.
        renames: Explicit renames and renames read from the port, in Compose file order.
        notes: Why a rename could not be read from the port (two candidates), one line each.
        optional: Services behind a profile that is not selected and without a workload in
            the port: not compared, not a finding.
    """

    compared: int
    findings: tuple[Finding, ...]
    ignored: tuple[Finding, ...]
    unused_ignores: tuple[str, ...]
    kubernetes_names: Mapping[str, str]
    renames: tuple[Rename, ...] = ()
    notes: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    def by_kind(self) -> dict[str, int]:
        """Findings (not ignored) per kind, in :data:`KINDS` order; kinds without one left out."""
        counts = Counter(finding.kind for finding in self.findings)
        return {kind: counts[kind] for kind in KINDS if counts[kind]}

    def lines(self) -> list[str]:
        """The renames read from the port, the ``drift:`` lines, the count per kind, the closing line."""
        out = [
            f"rename: {rename.service} -> {rename.kubernetes_name} ({rename.source})"
            for rename in self.renames
            if rename.read_from_port
        ]
        out += [finding.line(self.kubernetes_names.get(finding.service)) for finding in self.findings]
        if self.optional:
            out.append(f"not ported, behind a profile not selected: {', '.join(self.optional)}")
        if self.findings:
            out.append("findings by kind: " + ", ".join(f"{kind} {count}" for kind, count in self.by_kind().items()))
        closing = f"{self.compared} services compared, {len(self.findings)} findings"
        if self.ignored:
            closing += f" ({len(self.ignored)} ignored)"
        return [*out, closing]

    def as_json(self) -> dict[str, Any]:
        """The report as one JSON object (``aipp compose drift --format json``)."""
        names = self.kubernetes_names
        return {
            "compared": self.compared,
            "renames": [
                {"service": r.service, "kubernetes_name": r.kubernetes_name, "source": r.source} for r in self.renames
            ],
            "findings": [finding.as_json(names.get(finding.service)) for finding in self.findings],
            "by_kind": self.by_kind(),
            "ignored": [finding.as_json(names.get(finding.service)) for finding in self.ignored],
            "ignored_by_kind": dict(Counter(finding.kind for finding in self.ignored)),
            "unused_ignores": list(self.unused_ignores),
            "notes": list(self.notes),
            "optional": list(self.optional),
        }


# --------------------------------------------------------------------------------------------
# Command-line values.


def _service_names(compose: ComposeFile) -> list[str]:
    """Service names, longest first: service names may contain dots."""
    return sorted((service.name for service in compose.services), key=len, reverse=True)


def _candidate_keys(service: Service) -> list[str]:
    """Every key and Compose path a finding of the service could have (for checking globs)."""
    name = service.name
    keys = [name, f"{name}.service", f"{name}.healthcheck"]
    for port in service.ports:
        keys += [f"{name}.port.{port.target}", f"{name}.ports.{port.target}"]
    for var in service.environment:
        keys += [f"{name}.env.{var.name}", f"{name}.environment.{var.name}"]
    for volume in service.volumes:
        if volume.kind == "persisted" and volume.source:
            keys += [f"{name}.volume.{volume.source}", f"{name}.volumes.{volume.source}"]
        elif volume.kind in ("bind", "config"):
            keys += [f"{name}.bind.{volume.target}", f"{name}.volumes.{volume.target}"]
    return keys


def parse_ignore(spec: str, compose: ComposeFile) -> str:
    """Checks an ``--ignore`` value against the Compose file and returns it.

    ``SERVICE``, ``SERVICE.service``, ``SERVICE.healthcheck``, or ``SERVICE.KIND.ITEM`` with
    KIND one of port, env, volume, bind (or Compose's ports, environment, volumes). Service
    names may contain dots: the longest service name that prefixes the value is taken. A value
    with ``*``, ``?`` or ``[`` is a glob (:func:`fnmatch.fnmatchcase`) and must match a key or
    Compose path some finding of the file could have.

    Raises:
        ValueError: no service of the file matches, the rest is not a finding key, or a glob
            can match no finding.
    """
    if _GLOB.search(spec):
        if any(fnmatchcase(key, spec) for service in compose.services for key in _candidate_keys(service)):
            return spec
        raise ValueError(
            f"--ignore {spec}: the glob matches no finding key of {compose.path} (keys look like SERVICE.env.NAME, "
            f"SERVICE.environment.NAME, SERVICE.port.N, SERVICE.volumes.PATH); services: "
            f"{', '.join(service.name for service in compose.services)}"
        )
    for name in _service_names(compose):
        if spec == name:
            return spec
        if not spec.startswith(name + "."):
            continue
        rest = spec[len(name) + 1 :]
        kind, _, item = rest.partition(".")
        if kind in ("service", "healthcheck") and not item:
            return spec
        if kind in _ITEM_KINDS and item:
            return spec
        raise ValueError(
            f"--ignore {spec}: {rest!r} is not a finding key of service {name!r}; write {name}, {name}.env.NAME, "
            f"{name}.port.N, {name}.volume.NAME, {name}.bind.PATH, {name}.healthcheck, {name}.service, or a glob "
            f"such as '{name}.environment.*'"
        )
    raise ValueError(
        f"--ignore {spec}: names no service of {compose.path}; services: "
        f"{', '.join(service.name for service in compose.services)}"
    )


def read_ignore_file(path: Path, compose: ComposeFile) -> list[str]:
    """Ignore rules from a file, each checked by :func:`parse_ignore`.

    One rule per line; ``#`` starts a comment (write the reason there); blank lines are
    skipped. ``nginx  # replaced by the Ingress`` is the rule ``nginx``.

    Raises:
        ValueError: the file cannot be read, or a rule is refused (``FILE:LINE: --ignore ...``).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(
            f"--ignore-file {path}: cannot read it ({error.__class__.__name__}); give a text file, one rule a line"
        ) from None
    rules: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        rule = line.split("#", 1)[0].strip()
        if not rule:
            continue
        if len(rule.split()) > 1:
            raise ValueError(
                f"{path}:{number}: {rule!r} is more than one rule; write one rule a line, the reason after '#'"
            )
        try:
            rules.append(parse_ignore(rule, compose))
        except ValueError as error:
            raise ValueError(f"{path}:{number}: {error}") from None
    return rules


def parse_rename(spec: str, compose: ComposeFile) -> tuple[str, str]:
    """Checks a ``--rename COMPOSE=KUBERNETES`` value and returns ``(compose, kubernetes)``.

    Raises:
        ValueError: no ``=``, the left side names no service of the file, or the right side is
            not a Kubernetes name (a DNS label: lowercase letters, digits and ``-``).
    """
    compose_name, sep, k8s_name = spec.partition("=")
    if not sep or not compose_name or not k8s_name:
        raise ValueError(f"--rename {spec}: write COMPOSE_NAME=KUBERNETES_NAME, e.g. --rename db_postgres=db")
    names = [service.name for service in compose.services]
    if compose_name not in names:
        raise ValueError(
            f"--rename {spec}: {compose_name!r} names no service of {compose.path}; services: {', '.join(names)}"
        )
    try:
        valid = kubernetes_name(k8s_name) == k8s_name
    except ValueError:
        valid = False
    if not valid:
        raise ValueError(
            f"--rename {spec}: {k8s_name!r} is not a Kubernetes name; write the workload's metadata.name "
            "(lowercase letters, digits and '-', starting with a letter)"
        )
    return compose_name, k8s_name


# --------------------------------------------------------------------------------------------
# The port's manifests.


def _meta(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    return doc.get("metadata") or {}


def _labels(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    return _meta(doc).get("labels") or {}


def _workloads(manifests: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [doc for doc in manifests if doc.get("kind") in _WORKLOAD_KINDS]


def _find_workload(name: str, manifests: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    workloads = _workloads(manifests)
    for doc in workloads:
        if _meta(doc).get("name") == name:
            return doc
    for doc in workloads:
        if _labels(doc).get(_NAME_LABEL) == name:
            return doc
    return None


def _pod_spec(workload: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = workload.get("spec") or {}
    if workload.get("kind") == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return (spec.get("template") or {}).get("spec") or {}


def _main_container(workload: Mapping[str, Any], names: Iterable[str]) -> Mapping[str, Any] | None:
    containers: Sequence[Mapping[str, Any]] = _pod_spec(workload).get("containers") or []
    wanted = [_meta(workload).get("name"), *names]
    for want in wanted:
        for container in containers:
            if container.get("name") == want:
                return container
    return containers[0] if containers else None


def _object(
    kind: str, name: str, namespace: str | None, manifests: Sequence[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The object of that kind and name in the namespace (or without one)."""
    for doc in manifests:
        meta = _meta(doc)
        if doc.get("kind") == kind and meta.get("name") == name and meta.get("namespace") in (None, namespace):
            return doc
    return None


def _source_keys(
    kind: str, name: str, namespace: str | None, manifests: Sequence[Mapping[str, Any]]
) -> set[str] | None:
    """Keys of a ConfigMap (kind ``configMapRef``) or a Secret/ExternalSecret (``secretRef``)."""
    for doc in manifests:
        meta = _meta(doc)
        if namespace and meta.get("namespace") not in (None, namespace):
            continue
        if kind == "configMapRef" and doc.get("kind") == "ConfigMap" and meta.get("name") == name:
            return set(doc.get("data") or {}) | set(doc.get("binaryData") or {})
        if kind == "secretRef" and doc.get("kind") == "Secret" and meta.get("name") == name:
            return set(doc.get("data") or {}) | set(doc.get("stringData") or {})
        if kind == "secretRef" and doc.get("kind") == "ExternalSecret":
            spec = doc.get("spec") or {}
            target = spec.get("target") or {}
            if (target.get("name") or meta.get("name")) != name:
                continue
            keys = {entry.get("secretKey") for entry in spec.get("data") or [] if entry.get("secretKey")}
            keys |= set(((target.get("template") or {}).get("data")) or {})
            return keys
    return None


def _env_names(container: Mapping[str, Any], namespace: str | None, manifests: Sequence[Mapping[str, Any]]) -> set[str]:
    names = {entry.get("name") for entry in container.get("env") or [] if entry.get("name")}
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix") or ""
        for kind in ("configMapRef", "secretRef"):
            ref = source.get(kind)
            if not ref:
                continue
            keys = _source_keys(kind, ref.get("name", ""), namespace, manifests) or set()
            names |= {prefix + key for key in keys}
    return names


def _env_values(
    container: Mapping[str, Any], namespace: str | None, manifests: Sequence[Mapping[str, Any]]
) -> dict[str, str]:
    """Plain values of the container's variables: ``env`` values, and ConfigMap data via ``envFrom``."""
    values: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        ref = source.get("configMapRef")
        config = _object("ConfigMap", ref.get("name", ""), namespace, manifests) if ref else None
        for key, value in ((config or {}).get("data") or {}).items():
            values[(source.get("prefix") or "") + key] = str(value)
    for entry in container.get("env") or []:
        if entry.get("name") and isinstance(entry.get("value"), str):
            values[entry["name"]] = entry["value"]
    return values


@dataclass(frozen=True, slots=True)
class _Mount:
    """A volumeMount of a pod's container with the kind of the volume behind it."""

    path: PurePosixPath
    source: str  # claim, configMap, secret, projected, emptyDir, hostPath, ephemeral, other
    name: str | None  # the ConfigMap/Secret/claim name when the source has one
    sub_path: str | None
    volume: Mapping[str, Any]


def _source_of(volume: Mapping[str, Any]) -> tuple[str, str | None]:
    if "persistentVolumeClaim" in volume:
        return "claim", (volume["persistentVolumeClaim"] or {}).get("claimName")
    if "configMap" in volume:
        return "configMap", (volume["configMap"] or {}).get("name")
    if "secret" in volume:
        return "secret", (volume["secret"] or {}).get("secretName")
    for kind in ("projected", "emptyDir", "hostPath", "ephemeral"):
        if kind in volume:
            return kind, None
    return "other", None


def _mounts(workload: Mapping[str, Any]) -> list[_Mount]:
    pod = _pod_spec(workload)
    volumes: dict[str, Mapping[str, Any]] = {v.get("name", ""): v for v in pod.get("volumes") or []}
    templates = {_meta(t).get("name") for t in (workload.get("spec") or {}).get("volumeClaimTemplates") or []}
    mounts: list[_Mount] = []
    for container in pod.get("containers") or []:
        for mount in container.get("volumeMounts") or []:
            name = mount.get("name")
            if name in volumes:
                source, ref = _source_of(volumes[name])
                volume = volumes[name]
            elif name in templates:
                source, ref, volume = "claim", name, {}
            else:
                continue
            path = PurePosixPath(mount.get("mountPath") or "/")
            mounts.append(_Mount(path, source, ref, mount.get("subPath"), volume))
    return mounts


def _overlaps(a: PurePosixPath, b: PurePosixPath) -> bool:
    """``a`` and ``b`` are the same path, or one is a folder above the other."""
    return a == b or a in b.parents or b in a.parents


def _files_of(mount: _Mount, namespace: str | None, manifests: Sequence[Mapping[str, Any]]) -> set[str] | None:
    """File names a ConfigMap/Secret volume shows (its ``items`` paths, else its keys); None when unknown."""
    spec = mount.volume.get(mount.source) or {}
    items = spec.get("items") if isinstance(spec, Mapping) else None
    if items:
        return {item.get("path") for item in items if item.get("path")}
    if mount.source == "configMap" and mount.name:
        config = _object("ConfigMap", mount.name, namespace, manifests)
        if config is not None:
            return set(config.get("data") or {}) | set(config.get("binaryData") or {})
    if mount.source == "secret" and mount.name:
        return _source_keys("secretRef", mount.name, namespace, manifests)
    return None


# --------------------------------------------------------------------------------------------
# The comparison.


def _check_volume(
    service: Service,
    volume: Volume,
    what: str,
    workload: Mapping[str, Any],
    mounts: Sequence[_Mount],
    manifests: Sequence[Mapping[str, Any]],
) -> Finding | None:
    target = PurePosixPath(volume.target)
    namespace = _meta(workload).get("namespace")
    if volume.kind == "persisted":
        claims = [mount for mount in mounts if mount.source == "claim"]
        has_claim = bool((workload.get("spec") or {}).get("volumeClaimTemplates")) or any(
            "persistentVolumeClaim" in v for v in _pod_spec(workload).get("volumes") or []
        )
        if not has_claim:
            return Finding(
                service.name,
                "volume",
                volume.source or "",
                f"volume {volume.source} ({volume.target}): persisted in Compose, but {what} has no "
                "PersistentVolumeClaim volume or volumeClaimTemplate",
            )
        if any(_overlaps(mount.path, target) for mount in claims):
            return None
        mounted = ", ".join(sorted({str(mount.path) for mount in claims}))
        where = f"its claims are mounted at {mounted}" if mounted else "no container mounts its claims"
        return Finding(
            service.name,
            "volume",
            volume.source or "",
            f"volume {volume.source} ({volume.target}): persisted in Compose, but no PersistentVolumeClaim of "
            f"{what} is mounted at {volume.target} ({where})",
        )
    if volume.kind == "bind":
        there = [mount for mount in mounts if _overlaps(mount.path, target)]
        if any(mount.source in _KEEPING for mount in there):
            return None
        hint = (
            "a ConfigMap or Secret (read-only in Compose: configuration)"
            if volume.read_only
            else ("a PersistentVolumeClaim (data) or a ConfigMap (configuration)")
        )
        if there:
            kinds = " and ".join(sorted({mount.source for mount in there}))
            lost = f"{what} mounts only {kinds} there, which is lost with the pod"
        else:
            lost = f"nothing is mounted at {volume.target} in {what}"
        return Finding(
            service.name,
            "bind",
            volume.target,
            f"bind {volume.source} ({volume.target}): a host folder in Compose, but {lost}; mount {hint} there",
        )
    if volume.kind == "config":
        missing_key = ""
        for mount in mounts:
            if mount.source not in _CONFIG:
                continue
            if mount.path == target:
                files = _files_of(mount, namespace, manifests)
                if mount.sub_path is None or files is None or mount.sub_path in files:
                    return None
                missing_key = f"{mount.source} {mount.name} mounted there has no key {mount.sub_path!r}"
            elif mount.path in target.parents and mount.sub_path is None:
                relative = str(target.relative_to(mount.path))
                files = _files_of(mount, namespace, manifests)
                if files is None or relative in files:
                    return None
                missing_key = f"{mount.source} {mount.name} mounted at {mount.path} has no key {relative!r}"
        name = target.name
        detail = missing_key or (
            f"no ConfigMap, Secret or projected volume of {what} is mounted at {volume.target} "
            f"(nor one with a key {name!r} at {target.parent})"
        )
        return Finding(
            service.name,
            "bind",
            volume.target,
            f"bind {volume.source} ({volume.target}): a configuration file in Compose, but {detail}",
        )
    return None


def _compare(
    service: Service,
    k8s_name: str,
    workload: Mapping[str, Any] | None,
    manifests: Sequence[Mapping[str, Any]],
    port_dir: str,
) -> list[Finding]:
    if workload is None:
        return [
            Finding(
                service.name,
                "service",
                "",
                f"service: no Deployment, StatefulSet, Job or CronJob named {k8s_name!r} (or labelled {_NAME_LABEL}={k8s_name}) "
                f"in {port_dir}; if the port renamed it, give --rename {service.name}=NAME",
            )
        ]
    meta = _meta(workload)
    what = f"{workload.get('kind')} {meta.get('name')}"
    namespace = meta.get("namespace")
    pod = _pod_spec(workload)
    findings: list[Finding] = []

    container_ports = {
        (port.get("containerPort"), (port.get("protocol") or "TCP").lower())
        for container in pod.get("containers") or []
        for port in container.get("ports") or []
    }
    # A Job runs to completion: it serves no port and has no probe, so neither is compared.
    runs_once = workload.get("kind") in ("Job", "CronJob")
    seen_ports: set[tuple[int, str]] = set()
    for port in () if runs_once else service.ports:
        key = (port.target, port.protocol)
        if key in seen_ports:
            continue
        seen_ports.add(key)
        if key not in container_ports:
            have = ", ".join(sorted(f"{number}/{proto}" for number, proto in container_ports)) or "none"
            findings.append(
                Finding(
                    service.name,
                    "port",
                    str(port.target),
                    f"port {port.target}/{port.protocol}: not a container port of {what} (it has {have})",
                )
            )

    container = _main_container(workload, (k8s_name, service.name))
    container_name = (container or {}).get("name", "?")
    defined = _env_names(container, namespace, manifests) if container is not None else set()
    for var in service.environment:
        if var.name in defined or f"{var.name}_FILE" in defined:
            continue
        findings.append(
            Finding(
                service.name,
                "env",
                var.name,
                f"env {var.name}: not set in container {container_name} of {what} (env or envFrom)",
            )
        )

    mounts = _mounts(workload)
    for volume in service.volumes:
        finding = _check_volume(service, volume, what, workload, mounts, manifests)
        if finding is not None:
            findings.append(finding)

    check = service.healthcheck
    if check is not None and check.kind != "NONE" and not runs_once:
        probes = container is not None and any(key in container for key in ("readinessProbe", "livenessProbe"))
        if not probes:
            findings.append(
                Finding(
                    service.name,
                    "healthcheck",
                    "",
                    f"healthcheck: Compose checks the service ({check.kind}), but container {container_name} of "
                    f"{what} has no readiness or liveness probe",
                )
            )
    return findings


# --------------------------------------------------------------------------------------------
# Renames read from the port.


def _host_pattern(name: str) -> re.Pattern[str]:
    """``name`` as a host in a value: not inside a longer name (``x.name``, ``name2``, ``name_x``)."""
    return re.compile(rf"(?<![A-Za-z0-9_.]){re.escape(name)}(?![A-Za-z0-9_-])")


def _workload_for_host(host: str, manifests: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The workload a host name reaches: the workload of that name, or the one a Service of that name selects."""
    workloads = _workloads(manifests)
    for doc in workloads:
        if _meta(doc).get("name") == host:
            return doc
    for doc in manifests:
        if doc.get("kind") != "Service" or _meta(doc).get("name") != host:
            continue
        selector: Mapping[str, Any] = (doc.get("spec") or {}).get("selector") or {}
        if not selector:
            continue
        selected = [
            w
            for w in workloads
            if all(
                (((w.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels", {}).get(k) == v
                for k, v in selector.items()
            )
        ]
        if len(selected) == 1:
            return selected[0]
    return None


def _read_renames(
    compose: ComposeFile,
    names: dict[str, str],
    found: dict[str, Mapping[str, Any] | None],
    skip: set[str],
    manifests: Sequence[Mapping[str, Any]],
) -> tuple[list[Rename], list[str]]:
    """Renames of services without a workload, read from the variables of the others (module docs)."""
    claimed = {id(workload) for workload in found.values() if workload is not None}
    renames: list[Rename] = []
    notes: list[str] = []
    for missing in compose.services:
        if found[missing.name] is not None or missing.name in skip:
            continue
        pattern = _host_pattern(missing.name)
        candidates: dict[str, tuple[Mapping[str, Any], list[str]]] = {}
        for other in compose.services:
            workload = found[other.name]
            if workload is None or other is missing:
                continue
            container = _main_container(workload, (names[other.name], other.name))
            if container is None:
                continue
            values = _env_values(container, _meta(workload).get("namespace"), manifests)
            for var in other.environment:
                port_value = values.get(var.name)
                if var.value is None or port_value is None or not pattern.search(var.value):
                    continue
                for token in _HOST_TOKEN.findall(port_value):
                    target = _workload_for_host(token.split(".")[0], manifests)
                    if target is None or id(target) in claimed:
                        continue
                    name = str(_meta(target).get("name"))
                    candidates.setdefault(name, (target, []))[1].append(f"{other.name}'s {var.name}")
        if len(candidates) == 1:
            ((name, (target, evidence)),) = candidates.items()
            claimed.add(id(target))
            found[missing.name] = target
            names[missing.name] = name
            renames.append(Rename(missing.name, name, "read from the port: " + ", ".join(dict.fromkeys(evidence))))
        elif candidates:
            notes.append(
                f"{missing.name}: no workload {names[missing.name]!r}, and the port's variables that name it point at "
                f"{' and '.join(sorted(candidates))}; give --rename {missing.name}=NAME"
            )
    return renames, notes


def _active(service: Service) -> bool:
    """Compose starts the service: no profile, or a selected one (``Service.active``)."""
    return service.active


def _matches(finding: Finding, spec: str) -> bool:
    if _GLOB.search(spec):
        return any(fnmatchcase(text, spec) for text in (finding.key, finding.compose_path, finding.service))
    return spec in (finding.key, finding.compose_path, finding.service)


def find_drift(
    compose: ComposeFile,
    manifests: Sequence[Mapping[str, Any]],
    ignore: Sequence[str] = (),
    port_dir: str = "the port",
    renames: Mapping[str, str] | None = None,
) -> DriftReport:
    """Compares every Compose service with the port's manifests.

    Args:
        compose: The vendor's Compose file.
        manifests: Every object of the port (:func:`aipp_constructs.checks.load_manifests`).
        ignore: Rules checked by :func:`parse_ignore`: service names, keys, Compose paths, globs.
        port_dir: How findings name the port (its folder).
        renames: Compose name -> Kubernetes name of its workload (:func:`parse_rename`); other
            services keep :func:`~aipp_constructs.core.names.kubernetes_name` or a rename read
            from the port (module documentation).

    Raises:
        ValueError: a Compose service name without a rename has no Kubernetes name (see
            :mod:`aipp_constructs.core.names`).
    """
    given = dict(renames or {})
    names = {service.name: given.get(service.name) or kubernetes_name(service.name) for service in compose.services}
    skipped = {service.name for service in compose.services if service.name in ignore}
    found = {service.name: _find_workload(names[service.name], manifests) for service in compose.services}
    read, notes = _read_renames(compose, names, found, skipped | set(given), manifests)
    by_service = {rename.service: rename for rename in read}
    by_service.update({name: Rename(name, k8s, "--rename") for name, k8s in given.items()})
    findings: list[Finding] = []
    ignored: list[Finding] = []
    used: set[str] = set()
    optional: list[str] = []
    compared = 0
    for service in compose.services:
        if service.name in skipped:
            used.add(service.name)
            continue
        if found[service.name] is None and not _active(service):
            optional.append(service.name)
            continue
        compared += 1
        for finding in _compare(service, names[service.name], found[service.name], manifests, port_dir):
            rules = [spec for spec in ignore if _matches(finding, spec)]
            if rules:
                used.update(rules)
                ignored.append(finding)
            else:
                findings.append(finding)
    unused = tuple(spec for spec in dict.fromkeys(ignore) if spec not in used)
    return DriftReport(
        compared=compared,
        findings=tuple(findings),
        ignored=tuple(ignored),
        unused_ignores=unused,
        kubernetes_names=names,
        renames=tuple(by_service[s.name] for s in compose.services if s.name in by_service),
        notes=tuple(notes),
        optional=tuple(optional),
    )
