"""Offline Pod Security Standards ``restricted`` check for synthesized manifests.

The Pod Security admission controller (PSA, ``k8s.io/pod-security-admission``) has no Python or
offline port, and checkov has no PSS mode (it misses 11 of 25 probed violations), so this module
re-implements the control list: every *baseline* control plus every *restricted* control, as
documented on the Kubernetes PSS page and in the PSA check sources.

Where PSA versions differ, this check applies the rule of the *oldest* version the project targets
(Kubernetes 1.27, the first entry of ``schemas.KUBERNETES_VERSIONS``) or the stricter reading, so
that a manifest passing here is admitted by every cluster from 1.27 to the newest:

- sysctls: only the 1.27 allow-list (the ``tcp_keepalive_*``/``tcp_fin_timeout`` sysctls of 1.29 and
  ``tcp_rmem``/``tcp_wmem`` of 1.32 are reported);
- volume types: the ``image`` volume of recent PSA versions is reported;
- SELinux type: ``container_engine_t`` (newer PSA) is reported;
- probe/lifecycle ``host`` fields (a 1.34 control) are checked whatever the version;
- the relaxations for ``spec.os.name: windows`` and ``hostUsers: false`` are not applied.

Everything here is pure Python over plain mappings: no I/O, and findings come out in a fixed order
(pod-level controls first, then each container in document order).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

__all__ = ["check_pod_security", "declared_exceptions", "object_ref", "pod_specs"]

# A declared exception (aipp_constructs.core.security): the pod template's annotations say what is
# relaxed and why. Kept as strings here so the checks stay free of the construct modules.
_EXCEPTION_ANNOTATION = "security.aipp-constructs.io/exception"
_REASON_ANNOTATION = "security.aipp-constructs.io/reason"
_LEVEL_ANNOTATION = "security.aipp-constructs.io/pod-security-level"
# What "baseline" lets a container add (Docker's default set): the most a declaration may cover.
_BASELINE_CAPABILITIES = frozenset(
    [
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    ]
)


class _Declared:
    """The relaxations a pod template declares (none without the annotation)."""

    def __init__(self, pod_metadata: Mapping[str, Any]) -> None:
        annotations = _mapping(pod_metadata.get("annotations"))
        self.text = str(annotations.get(_EXCEPTION_ANNOTATION, ""))
        self.reason = str(annotations.get(_REASON_ANNOTATION, ""))
        self.level = str(annotations.get(_LEVEL_ANNOTATION, ""))
        parts = dict(part.strip().partition("=")[::2] for part in self.text.split(";") if "=" in part)
        # Without a reason nothing counts as declared: an exception must say why.
        valid = bool(self.reason.strip())
        self.capabilities = (
            frozenset(parts.get("capabilities.add", "").split(",")) & _BASELINE_CAPABILITIES if valid else frozenset()
        )
        self.root = valid and parts.get("runAsUser") == "0"
        self.escalation = valid and parts.get("allowPrivilegeEscalation") == "true"


# Kinds whose pod template sits at spec.template (the PodTemplateSpec of a controller).
_TEMPLATE_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"})

_CONTAINER_FIELDS: tuple[tuple[str, str], ...] = (
    ("containers", "container"),
    ("initContainers", "initContainer"),
    ("ephemeralContainers", "ephemeralContainer"),
)

# Restricted control "Volume Types": everything else (hostPath, nfs, iscsi, ...) is reported.
# `image` is left out on purpose: only recent PSA versions allow it (see module docstring).
ALLOWED_VOLUME_TYPES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)

# Baseline control "Sysctls", as of PSA 1.27 (ip_local_reserved_ports was added in 1.27).
ALLOWED_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
    }
)

# Baseline control "SELinux": the empty string means "unset" for PSA.
ALLOWED_SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})

# Restricted controls "Seccomp" and "AppArmor" (field form) accept the same two profile types.
_ALLOWED_PROFILE_TYPES = ("RuntimeDefault", "Localhost")

# Restricted control "Capabilities": the only capability a restricted pod may add.
_ALLOWED_ADDED_CAPABILITIES = frozenset({"NET_BIND_SERVICE"})

_APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"

_PROBE_FIELDS = ("livenessProbe", "readinessProbe", "startupProbe")
_LIFECYCLE_HANDLERS = ("postStart", "preStop")
_HANDLER_ACTIONS = ("httpGet", "tcpSocket")


def _mapping(value: Any) -> Mapping[str, Any]:
    """Returns ``value`` if it is a mapping, else an empty one (absent or malformed fields)."""
    return value if isinstance(value, Mapping) else {}


def _sequence(value: Any) -> Sequence[Any]:
    """Returns ``value`` if it is a list-like sequence, else an empty one."""
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return value
    return ()


def object_ref(doc: Mapping[str, Any]) -> str:
    """Names a Kubernetes object as ``<kind>/<namespace>/<name>`` for findings.

    An empty namespace segment (``Kind//name``) means ``metadata.namespace`` is unset, which is
    normal for cluster-scoped kinds and worth a look for namespaced ones.

    Args:
        doc: A Kubernetes object.

    Returns:
        The reference string; missing parts are left empty rather than raising.
    """
    metadata = _mapping(doc.get("metadata"))
    kind = doc.get("kind") or ""
    namespace = metadata.get("namespace") or ""
    name = metadata.get("name") or ""
    return f"{kind}/{namespace}/{name}"


def _pod_templates(
    doc: Mapping[str, Any],
) -> list[tuple[str, str, Mapping[str, Any], Mapping[str, Any]]]:
    """Finds the pod spec of a workload together with the pod's metadata.

    The pod metadata is needed for the AppArmor control, which also looks at pod annotations.

    Returns:
        ``(spec location, metadata location, pod metadata, pod spec)`` tuples; empty for kinds
        without a pod spec.
    """
    kind = doc.get("kind")
    spec = _mapping(doc.get("spec"))
    if kind == "Pod":
        if "spec" not in doc:
            return []
        return [("spec", "metadata", _mapping(doc.get("metadata")), spec)]
    if kind in _TEMPLATE_KINDS:
        template = _mapping(spec.get("template"))
        prefix = "spec.template"
    elif kind == "CronJob":
        template = _mapping(_mapping(_mapping(spec.get("jobTemplate")).get("spec")).get("template"))
        prefix = "spec.jobTemplate.spec.template"
    else:
        return []
    if "spec" not in template:
        return []
    return [
        (
            f"{prefix}.spec",
            f"{prefix}.metadata",
            _mapping(template.get("metadata")),
            _mapping(template.get("spec")),
        )
    ]


def pod_specs(doc: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """Finds the pod spec(s) of a Kubernetes object.

    Args:
        doc: A Kubernetes object (one YAML document).

    Returns:
        ``(location, pod spec)`` pairs, where the location is a dotted path such as
        ``spec.template.spec`` (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
        ReplicationController), ``spec.jobTemplate.spec.template.spec`` (CronJob) or ``spec``
        (Pod). Empty for every other kind, and for a workload without a pod spec.
    """
    return [(location, spec) for location, _, _, spec in _pod_templates(doc)]


def _containers(pod_spec: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Yields ``(label, container)`` for containers, initContainers and ephemeralContainers.

    The label (e.g. ``initContainer "wait"``) is what findings use to name the container.
    """
    for field, role in _CONTAINER_FIELDS:
        for index, container in enumerate(_sequence(pod_spec.get(field))):
            container = _mapping(container)
            name = container.get("name")
            label = f'{role} "{name}"' if name else f"{field}[{index}]"
            yield label, container


def _check_pod_level(
    location: str,
    metadata_location: str,
    metadata: Mapping[str, Any],
    pod_spec: Mapping[str, Any],
) -> list[str]:
    """Checks the pod-level fields of one pod spec, in the order of the PSS table."""
    findings: list[str] = []
    psc = _mapping(pod_spec.get("securityContext"))
    sc_path = f"{location}.securityContext"

    # 1 HostProcess (baseline).
    host_process = _mapping(psc.get("windowsOptions")).get("hostProcess")
    if host_process:
        findings.append(f"{sc_path}.windowsOptions.hostProcess must be unset or false, got {host_process!r}")

    # 2 Host namespaces (baseline).
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod_spec.get(field):
            findings.append(f"{location}.{field} must be unset or false, got {pod_spec[field]!r}")

    # 5 HostPath volumes (baseline) and 13 Volume types (restricted). hostPath is not on the
    # restricted allow-list either, so one finding per volume covers both rows.
    for index, volume in enumerate(_sequence(pod_spec.get("volumes"))):
        volume = _mapping(volume)
        name = volume.get("name") or f"[{index}]"
        for volume_type in sorted(key for key in volume if key != "name"):
            if volume_type not in ALLOWED_VOLUME_TYPES:
                findings.append(
                    f'{location}.volumes "{name}" type {volume_type} is not allowed '
                    f"(allowed: {', '.join(sorted(ALLOWED_VOLUME_TYPES))})"
                )

    # 7 AppArmor (baseline): the deprecated annotation form and the field form.
    annotations = _mapping(metadata.get("annotations"))
    for key in sorted(annotations):
        if not key.startswith(_APPARMOR_ANNOTATION_PREFIX):
            continue
        value = annotations[key]
        # PSA accepts an empty value, runtime/default and any localhost/<profile>.
        if value and value != "runtime/default" and not str(value).startswith("localhost/"):
            findings.append(
                f'{metadata_location}.annotations "{key}" must be runtime/default or localhost/*, got {value!r}'
            )
    findings.extend(_check_apparmor_profile(sc_path, psc))

    # 8 SELinux (baseline).
    findings.extend(_check_selinux(sc_path, psc))

    # 10 Seccomp (baseline) and 17 Seccomp (restricted) at pod level. Containers that do not set
    # their own profile inherit this one, so an Unconfined pod profile is reported once, here.
    pod_seccomp = _mapping(psc.get("seccompProfile")).get("type")
    if pod_seccomp is not None and pod_seccomp not in _ALLOWED_PROFILE_TYPES:
        findings.append(f"{sc_path}.seccompProfile.type must be RuntimeDefault or Localhost, got {pod_seccomp!r}")

    # 11 Sysctls (baseline).
    for sysctl in _sequence(psc.get("sysctls")):
        name = _mapping(sysctl).get("name")
        if name not in ALLOWED_SYSCTLS:
            findings.append(f'{sc_path}.sysctls "{name}" is not allowed')

    # 15 Non-root (restricted): an explicit false at pod level is forbidden even when every
    # container sets true.
    if psc.get("runAsNonRoot") is False:
        findings.append(f"{sc_path}.runAsNonRoot must not be false")

    # 16 Non-root user (restricted).
    if "runAsUser" in psc and psc["runAsUser"] == 0:
        findings.append(f"{sc_path}.runAsUser must not be 0")

    return findings


def _check_apparmor_profile(prefix: str, security_context: Mapping[str, Any]) -> list[str]:
    """Checks ``appArmorProfile.type`` (the field form of AppArmor, Kubernetes 1.30+)."""
    profile = security_context.get("appArmorProfile")
    if profile is None:
        return []
    profile_type = _mapping(profile).get("type")
    if profile_type in _ALLOWED_PROFILE_TYPES:
        return []
    return [f"{prefix}.appArmorProfile.type must be RuntimeDefault or Localhost, got {profile_type!r}"]


def _check_selinux(prefix: str, security_context: Mapping[str, Any]) -> list[str]:
    """Checks ``seLinuxOptions``: a container type from the allow-list, no user, no role."""
    options = _mapping(security_context.get("seLinuxOptions"))
    findings: list[str] = []
    selinux_type = options.get("type", "")
    if selinux_type not in ALLOWED_SELINUX_TYPES:
        findings.append(
            f"{prefix}.seLinuxOptions.type must be unset or one of "
            f"{', '.join(sorted(t for t in ALLOWED_SELINUX_TYPES if t))}, got {selinux_type!r}"
        )
    for field in ("user", "role"):
        if options.get(field):
            findings.append(f"{prefix}.seLinuxOptions.{field} must be unset, got {options[field]!r}")
    return findings


def _check_container(
    label: str,
    container: Mapping[str, Any],
    pod_security_context: Mapping[str, Any],
    declared: _Declared | None = None,
) -> list[str]:
    """Checks one container (of any of the three lists), in the order of the PSS table;
    ``declared`` relaxations (with a reason) are not findings."""
    declared = declared or _Declared({})
    findings: list[str] = []
    sc = _mapping(container.get("securityContext"))
    where = f"{label} securityContext"

    # 1 HostProcess (baseline).
    host_process = _mapping(sc.get("windowsOptions")).get("hostProcess")
    if host_process:
        findings.append(f"{where}.windowsOptions.hostProcess must be unset or false, got {host_process!r}")

    # 3 Privileged (baseline).
    if sc.get("privileged"):
        findings.append(f"{where}.privileged must be unset or false, got {sc['privileged']!r}")

    # 4 Capabilities (baseline) and 18 Capabilities (restricted). The restricted add-list is a
    # subset of the baseline one, so a single finding covers both rows.
    capabilities = _mapping(sc.get("capabilities"))
    added = [str(cap) for cap in _sequence(capabilities.get("add"))]
    disallowed = [cap for cap in added if cap not in _ALLOWED_ADDED_CAPABILITIES | declared.capabilities]
    if disallowed:
        findings.append(f"{where}.capabilities.add may only contain NET_BIND_SERVICE, got {disallowed!r}")
    dropped = capabilities.get("drop")
    if "ALL" not in _sequence(dropped):
        findings.append(f"{where}.capabilities.drop must contain ALL, got {dropped!r}")

    # 6 Host ports (baseline).
    for index, port in enumerate(_sequence(container.get("ports"))):
        host_port = _mapping(port).get("hostPort")
        if host_port:
            findings.append(f"{label} ports[{index}].hostPort must be unset or 0, got {host_port!r}")

    # 7 AppArmor (baseline), field form.
    findings.extend(_check_apparmor_profile(where, sc))

    # 8 SELinux (baseline).
    findings.extend(_check_selinux(where, sc))

    # 9 /proc mount (baseline).
    proc_mount = sc.get("procMount")
    if proc_mount is not None and proc_mount != "Default":
        findings.append(f"{where}.procMount must be unset or Default, got {proc_mount!r}")

    # 10 Seccomp (baseline) and 17 Seccomp (restricted): the container's own profile wins; without
    # one the pod's applies (an invalid pod profile is reported at pod level, not per container).
    own_seccomp = _mapping(sc.get("seccompProfile")).get("type")
    pod_seccomp = _mapping(pod_security_context.get("seccompProfile")).get("type")
    if own_seccomp is not None:
        if own_seccomp not in _ALLOWED_PROFILE_TYPES:
            findings.append(f"{where}.seccompProfile.type must be RuntimeDefault or Localhost, got {own_seccomp!r}")
    elif pod_seccomp is None:
        findings.append(
            f"{where}.seccompProfile.type must be RuntimeDefault or Localhost (on the container or the pod), got None"
        )

    # 12 Probe and lifecycle handlers must not target another host (baseline, PSA 1.34+).
    handlers: list[tuple[str, Mapping[str, Any]]] = [(field, _mapping(container.get(field))) for field in _PROBE_FIELDS]
    lifecycle = _mapping(container.get("lifecycle"))
    handlers += [(f"lifecycle.{hook}", _mapping(lifecycle.get(hook))) for hook in _LIFECYCLE_HANDLERS]
    for field, handler in handlers:
        for action in _HANDLER_ACTIONS:
            host = _mapping(handler.get(action)).get("host")
            if host:
                findings.append(f"{label} {field}.{action}.host must be unset or empty, got {host!r}")

    # 14 Privilege escalation (restricted): must be false explicitly; unset means "allowed" for
    # the runtime, so it is a violation too.
    escalation = sc.get("allowPrivilegeEscalation")
    if escalation is not False and not (declared.escalation and escalation is True):
        findings.append(f"{where}.allowPrivilegeEscalation must be false, got {escalation!r}")

    # 15 Non-root (restricted): the container's value wins; an unset container value is fine only
    # when the pod sets true.
    run_as_non_root = sc.get("runAsNonRoot")
    if run_as_non_root is False and not declared.root:
        findings.append(f"{where}.runAsNonRoot must not be false")
    elif run_as_non_root is not True and pod_security_context.get("runAsNonRoot") is not True:
        findings.append(f"{where}.runAsNonRoot must be true (on the container or the pod), got {run_as_non_root!r}")

    # 16 Non-root user (restricted).
    if "runAsUser" in sc and sc["runAsUser"] == 0 and not declared.root:
        findings.append(f"{where}.runAsUser must not be 0")

    return findings


def check_pod_security(doc: Mapping[str, Any]) -> list[str]:
    """Checks a Kubernetes object against Pod Security Standards ``restricted``.

    Applies the baseline and restricted controls (policy-tools.md section 6, 18 rows) to the pod
    spec of Pods, controllers and CronJobs; other kinds yield no findings.

    Args:
        doc: A Kubernetes object (one YAML document).

    Returns:
        One string per violation, prefixed with ``<kind>/<namespace>/<name>: `` and naming the
        container (``container``, ``initContainer`` or ``ephemeralContainer``) and the field,
        e.g. ``StatefulSet/aipp/pgvector: initContainer "wait" securityContext.
        allowPrivilegeEscalation must be false, got None``. Empty when the object complies.
    """
    ref = object_ref(doc)
    findings: list[str] = []
    for location, metadata_location, metadata, pod_spec in _pod_templates(doc):
        messages = _check_pod_level(location, metadata_location, metadata, pod_spec)
        psc = _mapping(pod_spec.get("securityContext"))
        declared = _Declared(metadata)
        for label, container in _containers(pod_spec):
            messages.extend(_check_container(label, container, psc, declared))
        findings.extend(f"{ref}: {message}" for message in messages)
    return findings


def declared_exceptions(doc: Mapping[str, Any]) -> list[str]:
    """The security exceptions a Kubernetes object declares, with their reasons.

    A pod template annotated ``security.aipp-constructs.io/exception`` (what is relaxed),
    ``.../reason`` (why) and ``.../pod-security-level`` (the level it needs) is checked by
    :func:`check_pod_security` with those relaxations allowed, up to what Pod Security
    "baseline" admits; this lists them, so a report shows every exception beside its reason.

    Returns:
        ``<kind>/<namespace>/<name>: <relaxations> (needs Pod Security <level>): <reason>``
        per declaring pod template; empty without one.
    """
    ref = object_ref(doc)
    listed = []
    for _, _, metadata, _ in _pod_templates(doc):
        declared = _Declared(metadata)
        if declared.text:
            reason = declared.reason or "NO REASON GIVEN (the exception is not honoured)"
            listed.append(f"{ref}: {declared.text} (needs Pod Security {declared.level or '?'}): {reason}")
    return listed
