"""Policy exceptions: the checkov checks an object cannot meet, each with its reason, on the object.

``make test`` runs checkov (its Kubernetes checks, all of them, no global skip list) over every
synthesized ``dist/`` folder and fails on any failed check. Where the library cannot honestly
meet a check for one object, the construct that owns the object says so on it, in checkov's
own annotation, so that a reviewer reads the reason beside the object and checkov reports the
check as skipped with that reason instead of failed::

    metadata:
      annotations:
        checkov.io/skip1: CKV_K8S_15=IfNotPresent on purpose: ...
        checkov.io/skip2: CKV_K8S_40=runs as the user the official image is built for ...

checkov reads these annotations on the metadata of the object it scans (the Deployment,
StatefulSet, Job or CronJob; its checks of the pod template count as checks of that object),
not on the pod template, so they are written on the workload object only and a change of
reason never rolls the pods. checkov splits the value at ``=``: a reason may not contain one.

A construct declares its exceptions as ``policy_exceptions`` (check id -> reason, checked by
:func:`policy_exceptions`). For the checks the library can judge itself (:data:`SECRETS_AS_ENV`,
:data:`HIGH_UID`) an exception is written only while the object fails the check
(:func:`policy_annotations`): a preset declares why its image needs a low uid, and the
annotation disappears when ``run_as_user`` is 10000 or more, so no exception outlives its
cause. A workload's ``SecurityException`` derives the checks its relaxations fail, with its
reason (:meth:`~aipp_constructs.core.security.SecurityException.policy_exceptions`: capabilities
:data:`ADDED_CAPABILITIES`; root :data:`ROOT_CONTAINERS` and :data:`HIGH_UID`; privilege
escalation :data:`PRIVILEGE_ESCALATION`; a writable root filesystem
:data:`READ_ONLY_ROOT_FILESYSTEM`), so they are not declared again. Two are never declared but
derived from the images (:func:`image_exceptions`): an image
given by tag without a digest fails :data:`IMAGE_DIGEST` and, pulled ``IfNotPresent``,
:data:`PULL_POLICY_ALWAYS`; an image ``name:tag@sha256:<digest>`` passes both, and the two
annotations disappear once every image of the pod has a digest.

Pull policy, decided: the library pulls ``IfNotPresent``. With ``Always`` the kubelet asks the
registry on every container start, restarts included, so a registry outage would keep a
crashed database down although its image is on the node; with a released tag (moving tags are
refused) the cached image is the one the tag named when it was pulled. checkov's
``CKV_K8S_15`` passes ``IfNotPresent`` when the image has a digest, which is the real fix:
then the cache cannot hold anything else.

See: https://www.checkov.io/2.Basics/Suppressing%20and%20Skipping%20Policies.html
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ADDED_CAPABILITIES",
    "CHECKS",
    "DEFAULT_RUN_AS_USER",
    "DIGEST_REASON",
    "HIGH_UID",
    "IMAGE_DIGEST",
    "PRIVILEGE_ESCALATION",
    "PULL_POLICY_ALWAYS",
    "PULL_POLICY_REASON",
    "READ_ONLY_ROOT_FILESYSTEM",
    "ROOT_CONTAINERS",
    "SECRETS_AS_ENV",
    "SKIP_ANNOTATION_PREFIX",
    "PolicyException",
    "image_exceptions",
    "policy_annotations",
    "policy_exceptions",
]

#: checkov's annotation: ``checkov.io/skip1``, ``checkov.io/skip2``... one check each.
SKIP_ANNOTATION_PREFIX = "checkov.io/skip"
#: "Image Pull Policy should be Always" (passes ``IfNotPresent`` with a digest).
PULL_POLICY_ALWAYS = "CKV_K8S_15"
#: "Prefer using secrets as files over secrets as environment variables".
SECRETS_AS_ENV = "CKV_K8S_35"
#: "Containers should run as a high UID to avoid host conflict" (10000 or more).
HIGH_UID = "CKV_K8S_40"
#: "Image should use digest".
IMAGE_DIGEST = "CKV_K8S_43"
#: "Containers should not run with allowPrivilegeEscalation" (derived from a ``SecurityException``).
PRIVILEGE_ESCALATION = "CKV_K8S_20"
#: "Use read-only filesystem for containers where possible" (derived from a ``SecurityException``).
READ_ONLY_ROOT_FILESYSTEM = "CKV_K8S_22"
#: "Minimize the admission of root containers" (derived from a ``SecurityException``).
ROOT_CONTAINERS = "CKV_K8S_23"
#: "Minimize the admission of containers with added capability": any ``capabilities.add``
#: (derived from a ``SecurityException``; CKV_K8S_28 and CKV_K8S_37 still pass, as ALL stays dropped).
ADDED_CAPABILITIES = "CKV_K8S_25"
#: The checks the library knows how to tell failing, and what each asks for.
CHECKS = {
    PULL_POLICY_ALWAYS: "imagePullPolicy Always, or an image with a digest",
    SECRETS_AS_ENV: "no Secret read into an environment variable",  # pragma: allowlist secret
    HIGH_UID: "a uid of 10000 or more",
    IMAGE_DIGEST: "every image with a digest",
}
#: The uid from which :data:`HIGH_UID` passes.
HIGH_UID_FROM = 10000
#: The default ``run_as_user`` of ``WorkloadProps`` and ``AppProps``: a uid of
#: :data:`HIGH_UID_FROM` or more, so a generic workload passes :data:`HIGH_UID` without an
#: exception (and shares no uid with a host account). An image built for a fixed uid (files
#: owned by it, a ``USER 1000`` it must keep) sets ``run_as_user`` to that uid.
DEFAULT_RUN_AS_USER = 10001
#: Written for :data:`IMAGE_DIGEST` when an image of the pod has no digest.
DIGEST_REASON = (
    "an image of the pod is pinned by a released tag without a digest; "
    "give every image a sha256 digest (name:tag@sha256:...) to pin its bytes"
)
#: Written for :data:`PULL_POLICY_ALWAYS` when an image of the pod has no digest.
PULL_POLICY_REASON = (
    "IfNotPresent on purpose: with Always no container starts while the registry is down, not even one "
    "whose image is on the node; a digest on every image passes this check"
)

_CHECK_ID = re.compile(r"CKV2?_K8S_[1-9][0-9]*")
_REASON_MIN, _REASON_MAX = 10, 300


@dataclass(frozen=True, kw_only=True, slots=True)
class PolicyException:
    """One checkov check that an object cannot meet, and why.

    Attributes:
        check: The checkov check id, ``CKV_K8S_<n>`` or ``CKV2_K8S_<n>``, e.g. ``"CKV_K8S_40"``. Required.
        reason: Why the object cannot meet it, true for that object, in one line of 10 to 300
            characters without ``=`` (checkov splits the annotation at ``=``), e.g. ``"runs as
            the user the official image is built for"``. Required.
    """

    check: str
    reason: str

    def __post_init__(self) -> None:
        if not isinstance(self.check, str) or not _CHECK_ID.fullmatch(self.check):
            raise ValueError(
                f"policy_exceptions: check must be a checkov Kubernetes check id like 'CKV_K8S_40', "
                f"got {self.check!r}; see checkov's list of Kubernetes checks"
            )
        reason = self.reason
        if (
            not isinstance(reason, str)
            or not _REASON_MIN <= len(reason.strip()) <= _REASON_MAX
            or reason != reason.strip()
            or any(ch in reason for ch in "\r\n")
        ):
            raise ValueError(
                f"policy_exceptions[{self.check}]: reason must say in one line ({_REASON_MIN} to {_REASON_MAX} "
                f"characters, no surrounding spaces) why the object cannot meet the check, got {reason!r}"
            )
        if "=" in reason:
            raise ValueError(
                f"policy_exceptions[{self.check}]: reason must not contain '=' (checkov splits the annotation "
                f"value at '='), got {reason!r}; reword it, e.g. 'set to' instead of '='"
            )

    def annotation_value(self) -> str:
        """The annotation's value: ``<check>=<reason>``."""
        return f"{self.check}={self.reason}"


def policy_exceptions(field: str, value: object) -> tuple[PolicyException, ...]:
    """``policy_exceptions`` as given to a construct (check id -> reason), validated.

    Checks :data:`IMAGE_DIGEST` and :data:`PULL_POLICY_ALWAYS` are refused: the construct
    derives them from its images (:func:`image_exceptions`).
    """
    if not isinstance(value, Mapping):
        raise ValueError(
            f"{field} must be a mapping of checkov check id to reason, got {value!r}; "
            "e.g. {'CKV_K8S_40': 'runs as the user the official image is built for'}"
        )
    exceptions = []
    for check, reason in value.items():
        if check in (IMAGE_DIGEST, PULL_POLICY_ALWAYS):
            raise ValueError(
                f"{field} must not name {check}, got it with {reason!r}; the construct writes it itself "
                "while an image has no digest: give every image a digest (name:tag@sha256:<digest>) instead"
            )
        try:
            exceptions.append(PolicyException(check=check, reason=reason))
        except ValueError as error:
            raise ValueError(str(error).replace("policy_exceptions", field, 1)) from None
    return tuple(exceptions)


def image_exceptions(images: Iterable[str]) -> tuple[PolicyException, ...]:
    """:data:`IMAGE_DIGEST` and :data:`PULL_POLICY_ALWAYS`, when one of ``images`` has no digest."""
    if all("@" in image for image in images):
        return ()
    return (
        PolicyException(check=IMAGE_DIGEST, reason=DIGEST_REASON),
        PolicyException(check=PULL_POLICY_ALWAYS, reason=PULL_POLICY_REASON),
    )


def policy_annotations(
    name: str, pod_spec: Mapping[str, Any], declared: Sequence[PolicyException] = ()
) -> dict[str, str]:
    """The ``checkov.io/skip<n>`` annotations of a workload object whose pod spec is ``pod_spec``:
    the image exceptions it needs and those of ``declared`` whose check the pod spec fails (every
    declared check the library cannot judge, :data:`CHECKS`), numbered in check-id order.
    ``name`` names the object in errors.
    """
    containers = [*(pod_spec.get("initContainers") or []), *pod_spec["containers"]]
    exceptions = [*image_exceptions(c["image"] for c in containers)]
    for exception in declared:
        if exception.check in (IMAGE_DIGEST, PULL_POLICY_ALWAYS):
            raise ValueError(f"policy_exceptions: {name} declares {exception.check}, which the construct derives")
        if _fails(exception.check, pod_spec, containers) is not False:
            exceptions.append(exception)
    exceptions.sort(key=lambda e: (e.check.startswith("CKV2"), int(e.check.rpartition("_")[2])))
    return {f"{SKIP_ANNOTATION_PREFIX}{n}": e.annotation_value() for n, e in enumerate(exceptions, start=1)}


def _fails(check: str, pod_spec: Mapping[str, Any], containers: Sequence[Mapping[str, Any]]) -> bool | None:
    """Whether the pod spec fails ``check`` as checkov judges it; ``None`` for a check not modelled."""
    if check == SECRETS_AS_ENV:
        return any(
            "secretKeyRef" in (var.get("valueFrom") or {}) for c in containers for var in c.get("env") or []
        ) or any("secretRef" in source for c in containers for source in c.get("envFrom") or [])
    if check == HIGH_UID:
        pod_uid = (pod_spec.get("securityContext") or {}).get("runAsUser")
        uids = [(c.get("securityContext") or {}).get("runAsUser", pod_uid) for c in pod_spec["containers"]]
        return any(uid is None or uid < HIGH_UID_FROM for uid in uids)
    return None
