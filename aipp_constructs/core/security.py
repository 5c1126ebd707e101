"""Explicit security exceptions: what a workload needs beyond the hardened default, and why.

Every pod of the library is hardened the same way (non-root, no privilege escalation, all
capabilities dropped, read-only root filesystem, seccomp ``RuntimeDefault``): that passes the
Pod Security Standard "restricted". A few images cannot run like that: a code sandbox that
switches users needs ``SETUID``/``SETGID``/``SYS_CHROOT``, an image that writes all over its
root filesystem needs it writable. Such a workload declares a :class:`SecurityException`
with a reason. Then, and only then:

* its main container gets exactly those relaxations (wait containers stay hardened);
* the workload object and its pods carry the annotations :data:`EXCEPTION_ANNOTATION`
  (what is relaxed), :data:`REASON_ANNOTATION` (why) and :data:`LEVEL_ANNOTATION` (the Pod
  Security level it needs), so a reviewer sees it in the manifest;
* a port chart refuses it unless its namespace is declared at a Pod Security level that
  admits it (``baseline`` for the capabilities of Docker's default set, root or privilege
  escalation; a writable root filesystem is this library's own rule and needs no level);
* the offline checks (``python -m aipp_constructs.checks``) list the exception and its
  reason, and report anything relaxed beyond it as a finding;
* the workload object carries checkov's skip annotation, with the exception's reason, for
  each check the relaxations fail (:meth:`SecurityException.policy_exceptions`): they are
  not restated as ``policy_exceptions``.

Capabilities outside Docker's default set (``SYS_ADMIN``, ``NET_ADMIN``...) need a
``privileged`` namespace, which this library does not deploy: they are refused.

See: https://kubernetes.io/docs/concepts/security/pod-security-standards/
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aipp_constructs.core.policy import (
    ADDED_CAPABILITIES,
    HIGH_UID,
    PRIVILEGE_ESCALATION,
    READ_ONLY_ROOT_FILESYSTEM,
    ROOT_CONTAINERS,
    PolicyException,
)

__all__ = [
    "BASELINE_CAPABILITIES",
    "EXCEPTION_ANNOTATION",
    "LEVELS",
    "LEVEL_ANNOTATION",
    "REASON_ANNOTATION",
    "PodSecurityLevel",
    "SecurityException",
    "admits",
]

PodSecurityLevel = Literal["restricted", "baseline"]
#: Pod Security levels from the strictest; a namespace admits its own level and stricter ones.
LEVELS: tuple[PodSecurityLevel, ...] = ("restricted", "baseline")
#: What the workload relaxes, e.g. ``capabilities.add=SETGID,SETUID; readOnlyRootFilesystem=false``.
EXCEPTION_ANNOTATION = "security.aipp-constructs.io/exception"
#: Why, in the author's words.
REASON_ANNOTATION = "security.aipp-constructs.io/reason"
#: The Pod Security level the relaxations need.
LEVEL_ANNOTATION = "security.aipp-constructs.io/pod-security-level"
#: Capabilities the "baseline" level lets a container add (Docker's default set).
BASELINE_CAPABILITIES = frozenset(
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
#: The one capability "restricted" lets a container add.
RESTRICTED_CAPABILITIES = frozenset({"NET_BIND_SERVICE"})


def admits(namespace_level: PodSecurityLevel, needed: PodSecurityLevel) -> bool:
    """Whether a namespace enforcing ``namespace_level`` admits a pod needing ``needed``."""
    return LEVELS.index(needed) <= LEVELS.index(namespace_level)


@dataclass(frozen=True, kw_only=True, slots=True)
class SecurityException:
    """Relaxations of the hardened default for one workload's main container.

    Attributes:
        reason: Why the image needs them, e.g. ``"the sandbox drops to a per-run user with
            setuid"``, in one line of 10 to 300 characters without ``=`` (it is also the
            reason of checkov's skip annotations). Required; written on the object.
        add_capabilities: Capabilities to add (after dropping ALL), from Docker's default set
            (:data:`BASELINE_CAPABILITIES`). Defaults to none.
        run_as_root: Run the container as uid 0 (needs ``baseline``). Defaults to ``False``.
        allow_privilege_escalation: Let setuid binaries gain privileges (needs ``baseline``).
            Defaults to ``False``.
        writable_root_filesystem: A writable root filesystem (this library's rule, not a Pod
            Security control). Defaults to ``False``.
    """

    reason: str
    add_capabilities: tuple[str, ...] = ()
    run_as_root: bool = False
    allow_privilege_escalation: bool = False
    writable_root_filesystem: bool = False

    def __post_init__(self) -> None:
        if (
            not isinstance(self.reason, str)
            or not 10 <= len(self.reason.strip()) <= 300
            or self.reason != self.reason.strip()
            or any(ch in self.reason for ch in "\r\n")
        ):
            raise ValueError(
                f"security_exception.reason must say in one line (10 to 300 characters, no surrounding spaces) "
                f"why the image needs the exception, got {self.reason!r}"
            )
        if "=" in self.reason:
            raise ValueError(
                f"security_exception.reason must not contain '=' (it is the reason of checkov's skip annotations, "
                f"which checkov splits at '='), got {self.reason!r}; reword it, e.g. 'set to' instead of '='"
            )
        if not isinstance(self.add_capabilities, tuple):
            raise ValueError(f"security_exception.add_capabilities must be a tuple, got {self.add_capabilities!r}")
        beyond = sorted(cap for cap in self.add_capabilities if cap not in BASELINE_CAPABILITIES)
        if beyond:
            raise ValueError(
                f"security_exception.add_capabilities may only name capabilities of Docker's default set "
                f"({', '.join(sorted(BASELINE_CAPABILITIES))}), got {', '.join(beyond)}; those need a privileged "
                "namespace, which this library does not deploy"
            )
        if len(set(self.add_capabilities)) != len(self.add_capabilities):
            raise ValueError(f"security_exception.add_capabilities repeats a capability, got {self.add_capabilities!r}")
        if not (
            self.add_capabilities
            or self.run_as_root
            or self.allow_privilege_escalation
            or self.writable_root_filesystem
        ):
            raise ValueError("security_exception relaxes nothing; leave it out")

    @property
    def level(self) -> PodSecurityLevel:
        """The Pod Security level the relaxations need."""
        if self.run_as_root or self.allow_privilege_escalation:
            return "baseline"
        if any(cap not in RESTRICTED_CAPABILITIES for cap in self.add_capabilities):
            return "baseline"
        return "restricted"

    def describe(self) -> str:
        """What is relaxed, as written in :data:`EXCEPTION_ANNOTATION`."""
        parts = []
        if self.add_capabilities:
            parts.append(f"capabilities.add={','.join(sorted(self.add_capabilities))}")
        if self.run_as_root:
            parts.append("runAsUser=0")
        if self.allow_privilege_escalation:
            parts.append("allowPrivilegeEscalation=true")
        if self.writable_root_filesystem:
            parts.append("readOnlyRootFilesystem=false")
        return "; ".join(parts)

    def policy_exceptions(self) -> tuple[PolicyException, ...]:
        """The checkov checks the relaxations fail, each with :attr:`reason`: ``CKV_K8S_25``
        for added capabilities (the container still drops ALL, so ``CKV_K8S_28`` and
        ``CKV_K8S_37`` pass), ``CKV_K8S_23`` and ``CKV_K8S_40`` for root, ``CKV_K8S_20`` for
        privilege escalation, ``CKV_K8S_22`` for a writable root filesystem; in check-id order."""
        checks = [
            *([ADDED_CAPABILITIES] if self.add_capabilities else []),
            *([ROOT_CONTAINERS, HIGH_UID] if self.run_as_root else []),
            *([PRIVILEGE_ESCALATION] if self.allow_privilege_escalation else []),
            *([READ_ONLY_ROOT_FILESYSTEM] if self.writable_root_filesystem else []),
        ]
        checks.sort(key=lambda check: int(check.rpartition("_")[2]))
        return tuple(PolicyException(check=check, reason=self.reason) for check in checks)

    def annotations(self) -> dict[str, str]:
        """The annotations written on the workload object and its pods."""
        return {EXCEPTION_ANNOTATION: self.describe(), REASON_ANNOTATION: self.reason, LEVEL_ANNOTATION: self.level}
