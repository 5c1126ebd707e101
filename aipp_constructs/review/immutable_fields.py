"""Fields the Kubernetes API server will not update in place, and a check of an edit against them.

A manifest change can synthesize, pass every offline check, and still be refused when it is
applied to the objects that exist: ``updates to statefulset spec for fields other than ... are
forbidden``. :data:`RULES` lists those fields, each with the API server's own error text, the
Kubernetes source file that produces it, and the procedure that works instead (one line and a
link). :func:`violations` compares two sets of objects (the committed output and a fresh one,
keyed like :func:`~aipp_constructs.review.manifest_diff.object_key`) and returns every change that
the API server would refuse; :func:`check_folders` does it for two folders of manifests,
parsing only the files whose bytes differ.

What the check knows of ArgoCD (and only that):

* a hook with a delete policy (``argocd.argoproj.io/hook``; ArgoCD assumes
  ``BeforeHookCreation`` when none is given) is deleted and created again on each sync, and
  so is an object annotated ``argocd.argoproj.io/sync-options: Force=true,Replace=true``:
  their changes never reach an update;
* a StatefulSet's ``volumeClaimTemplates`` change is never sent to the API server when an
  ``Application`` syncing the StatefulSet's namespace ignores ``/spec/volumeClaimTemplates``
  of StatefulSets with ``RespectIgnoreDifferences=true`` (ArgoCD copies the live value into
  what it applies). Such a change is allowed when it only grows the requested storage and
  every replica's claim (``<template>-<statefulset>-<ordinal>``) is an object of the same
  output that grows with it: the claims are expanded in place, the template is for replicas
  created later. The Application must ignore the field before and after the edit (the one in
  the cluster is the one committed before it).

Sources (Kubernetes 1.33): ``pkg/apis/apps/validation/validation.go``,
``pkg/registry/apps/*/strategy.go``, ``pkg/apis/batch/validation/validation.go``,
``pkg/apis/core/validation/validation.go``, ``pkg/apis/rbac/validation/validation.go``,
``pkg/apis/storage/validation/validation.go``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from aipp_constructs.review.manifest_diff import ABSENT, diff_values, object_key

__all__ = [
    "GROWTH_NOTE",
    "RULES",
    "Rule",
    "Violation",
    "check_folders",
    "quantity",
    "render_table",
    "violations",
]

_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_HOOK = "argocd.argoproj.io/hook"
_SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
_CLAIM_TEMPLATES = "/spec/volumeClaimTemplates"
_RESTORE = "docs/how-to/restore-a-dump.md"

#: What a check returns: (field path, value before, value after) per refused change.
Found = list[tuple[str, Any, Any]]


@dataclass(frozen=True)
class Rule:
    """Fields of one kind the API server will not update in place.

    Attributes:
        kind: The object kind (``StatefulSet``).
        group: Its API group (``apps``; ``""`` for the core group).
        fields: The fields, as written in the table (``spec.selector``).
        message: The API server's error text for a change of them.
        source: The Kubernetes source file (and function) the message comes from.
        procedure: What works instead, one line.
        docs: Where that procedure is explained.
        check: ``check(before, after)``: the refused changes between two versions of an object.
    """

    kind: str
    group: str
    fields: str
    message: str
    source: str
    procedure: str
    docs: str
    check: Callable[[Mapping[str, Any], Mapping[str, Any]], Found]


@dataclass(frozen=True)
class Violation:
    """One change the API server would refuse.

    Attributes:
        key: The object's ``apiVersion/kind/namespace/name``.
        path: The changed field (``spec.volumeClaimTemplates[metadata.name=data].spec.storageClassName``).
        before: Its value in the existing object (``ABSENT`` when missing).
        after: Its value in the new one (``ABSENT`` when missing).
        rule: The rule it breaks.
    """

    key: str
    path: str
    before: Any
    after: Any
    rule: Rule

    @property
    def object(self) -> str:
        """``kind/namespace/name`` (``kind/name`` when cluster-scoped)."""
        _, kind, namespace, name = self.key.rsplit("/", 3)
        return "/".join(part for part in (kind, namespace, name) if part)

    def line(self) -> str:
        """One line: object, field, values, the API server's words and the procedure."""
        return (
            f"{self.object}: {self.path}: {_show(self.before)} -> {_show(self.after)} cannot be applied to the "
            f"existing object (API server: {self.rule.message}); instead {self.rule.procedure} ({self.rule.docs})"
        )


def _show(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    text = text.removesuffix("\n...").strip()
    return text if len(text) <= 60 else text[:57] + "..."


# -- quantities -------------------------------------------------------------------------------------

_QUANTITY = re.compile(r"([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?")
_FACTORS = {
    None: Fraction(1),
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
    "Pi": Fraction(2**50),
    "Ei": Fraction(2**60),
}


def quantity(value: Any) -> Fraction | None:
    """A Kubernetes quantity (``20Gi``, ``500M``, ``1.5``) as an exact number; ``None`` if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Fraction(value)
    match = _QUANTITY.fullmatch(str(value).strip())
    if not match:
        return None
    return Fraction(match.group(1)) * _FACTORS[match.group(2)]


# -- the checks -----------------------------------------------------------------------------------


def _get(doc: Mapping[str, Any], *path: str) -> Any:
    value: Any = doc
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return ABSENT
        value = value[key]
    return value


def _changes(before: Any, after: Any, path: str) -> Found:
    """Each changed leaf below ``path`` (the whole value when one side is missing)."""
    if before == after:
        return []
    if before is ABSENT or after is ABSENT:
        return [(path, before, after)]
    return [(change.path, change.before, change.after) for change in diff_values(before, after, path)]


def _fields(*names: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], Found]:
    """A check refusing any change of the fields at the dotted paths ``names`` (``spec.selector``)."""

    def check(before: Mapping[str, Any], after: Mapping[str, Any]) -> Found:
        found: Found = []
        for name in names:
            keys = name.split(".")
            found += _changes(_get(before, *keys), _get(after, *keys), name)
        return found

    return check


#: What an allowed claim-template growth means, for a reviewer.
GROWTH_NOTE = (
    "spec.volumeClaimTemplates grows: ArgoCD keeps the live template (ignoreDifferences, "
    "RespectIgnoreDifferences) and grows each replica's claim in place; the storage class must allow "
    "expansion (docs/how-to-grow-a-volume.md)"
)

#: The StatefulSet spec fields an update may change (ValidateStatefulSetUpdate).
STATEFULSET_MUTABLE = (
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "revisionHistoryLimit",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
)


def _statefulset_spec(*, templates: bool) -> Callable[[Mapping[str, Any], Mapping[str, Any]], Found]:
    def check(before: Mapping[str, Any], after: Mapping[str, Any]) -> Found:
        old, new = _get(before, "spec"), _get(after, "spec")
        old = old if isinstance(old, Mapping) else {}
        new = new if isinstance(new, Mapping) else {}
        found: Found = []
        for key in [*old, *(k for k in new if k not in old)]:
            if key in STATEFULSET_MUTABLE or (key == "volumeClaimTemplates") != templates:
                continue
            found += _changes(old.get(key, ABSENT), new.get(key, ABSENT), f"spec.{key}")
        return found

    return check


def _service_cluster_ip(before: Mapping[str, Any], after: Mapping[str, Any]) -> Found:
    """A set ``clusterIP`` (``None`` for headless) that changes or appears/disappears."""
    old, new = _get(before, "spec", "clusterIP"), _get(after, "spec", "clusterIP")
    found: Found = []
    if old != new and (old is not ABSENT or new == "None") and (new is not ABSENT or old == "None"):
        found.append(("spec.clusterIP", old, new))
    old_ips, new_ips = _get(before, "spec", "clusterIPs"), _get(after, "spec", "clusterIPs")
    if old_ips is not ABSENT and new_ips is not ABSENT and old_ips != new_ips:
        found.append(("spec.clusterIPs", old_ips, new_ips))
    return found


def _claim_spec(before: Mapping[str, Any], after: Mapping[str, Any]) -> Found:
    old, new = _get(before, "spec"), _get(after, "spec")
    old = old if isinstance(old, Mapping) else {}
    new = new if isinstance(new, Mapping) else {}
    found: Found = []
    for key in [*old, *(k for k in new if k not in old)]:
        if key in ("resources", "volumeAttributesClassName"):
            continue
        found += _changes(old.get(key, ABSENT), new.get(key, ABSENT), f"spec.{key}")
    return found


def _claim_shrink(before: Mapping[str, Any], after: Mapping[str, Any]) -> Found:
    old = _get(before, "spec", "resources", "requests", "storage")
    new = _get(after, "spec", "resources", "requests", "storage")
    old_size, new_size = quantity(old), quantity(new)
    if old_size is not None and new_size is not None and new_size < old_size:
        return [("spec.resources.requests.storage", old, new)]
    return []


def _when_immutable(*names: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], Found]:
    """Changes of top-level ``names`` of an object created with ``immutable: true``."""

    def check(before: Mapping[str, Any], after: Mapping[str, Any]) -> Found:
        if before.get("immutable") is not True:
            return []
        found: Found = []
        for name in names:
            found += _changes(before.get(name, ABSENT), after.get(name, ABSENT), name)
        return found

    return check


def _role_ref(before: Mapping[str, Any], after: Mapping[str, Any]) -> Found:
    return _changes(before.get("roleRef", ABSENT), after.get("roleRef", ABSENT), "roleRef")


def _top_level(*names: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], Found]:
    def check(before: Mapping[str, Any], after: Mapping[str, Any]) -> Found:
        found: Found = []
        for name in names:
            found += _changes(before.get(name, ABSENT), after.get(name, ABSENT), name)
        return found

    return check


_RECREATE = (
    "give the object a new name (ArgoCD creates it, then prunes the old one), or delete it just before "
    "the sync so ArgoCD creates it again"
)

RULES: tuple[Rule, ...] = (
    Rule(
        "StatefulSet",
        "apps",
        "spec.volumeClaimTemplates",
        "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
        "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' "
        "are forbidden",
        "pkg/apis/apps/validation/validation.go (ValidateStatefulSetUpdate)",
        "only a bigger size can land, as the replicas' claims growing in place while the Application ignores "
        "the template (see the link); a smaller size or another storage class, access mode or template needs a new volume "
        f"and a data migration ({_RESTORE})",
        "docs/how-to-grow-a-volume.md",
        _statefulset_spec(templates=True),
    ),
    Rule(
        "StatefulSet",
        "apps",
        "spec (selector, serviceName, podManagementPolicy... all but " + ", ".join(STATEFULSET_MUTABLE) + ")",
        "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
        "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' "
        "are forbidden",
        "pkg/apis/apps/validation/validation.go (ValidateStatefulSetUpdate)",
        "delete the StatefulSet with `kubectl delete statefulset NAME --cascade=orphan` (pods and claims stay) "
        "just before the sync, and ArgoCD creates it again with the new spec",
        "https://kubernetes.io/docs/tasks/run-application/delete-stateful-set/",
        _statefulset_spec(templates=False),
    ),
    Rule(
        "Deployment",
        "apps",
        "spec.selector",
        "spec.selector: Invalid value: v1.LabelSelector{...}: field is immutable",
        "pkg/registry/apps/deployment/strategy.go (ValidateUpdate)",
        _RECREATE,
        "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#label-selector-updates",
        _fields("spec.selector"),
    ),
    Rule(
        "DaemonSet",
        "apps",
        "spec.selector",
        "spec.selector: Invalid value: v1.LabelSelector{...}: field is immutable",
        "pkg/registry/apps/daemonset/strategy.go (ValidateUpdate)",
        _RECREATE,
        "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/#updating-a-daemonset",
        _fields("spec.selector"),
    ),
    Rule(
        "ReplicaSet",
        "apps",
        "spec.selector",
        "spec.selector: Invalid value: v1.LabelSelector{...}: field is immutable",
        "pkg/registry/apps/replicaset/strategy.go (ValidateUpdate)",
        _RECREATE,
        "https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#isolating-pods-from-a-replicaset",
        _fields("spec.selector"),
    ),
    Rule(
        "Job",
        "batch",
        "spec.selector, spec.template, spec.completionMode, spec.completions, spec.podFailurePolicy, "
        "spec.successPolicy, spec.managedBy",
        "spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable",
        "pkg/apis/batch/validation/validation.go (ValidateJobSpecUpdate)",
        "make the Job an ArgoCD hook with a delete policy (re-created each sync), or give it a new name for "
        "the new spec",
        "https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/#hook-deletion-policies",
        _fields(
            "spec.selector",
            "spec.template",
            "spec.completionMode",
            "spec.completions",
            "spec.podFailurePolicy",
            "spec.successPolicy",
            "spec.managedBy",
        ),
    ),
    Rule(
        "Service",
        "",
        "spec.clusterIP, spec.clusterIPs (a set address, and the headless 'None' <-> allocated switch)",
        'spec.clusterIPs[0]: Invalid value: []string{"None"}: may not change once set',
        "pkg/apis/core/validation/validation.go (ValidateServiceUpdate)",
        "leave clusterIP out so the API server keeps its address; to switch between headless and ClusterIP, "
        "create the Service under a new name (or delete it just before the sync) and point clients at it",
        "https://kubernetes.io/docs/concepts/services-networking/service/#headless-services",
        _service_cluster_ip,
    ),
    Rule(
        "PersistentVolumeClaim",
        "",
        "spec (storageClassName, accessModes, volumeMode, selector, volumeName, dataSource... all but "
        "resources and volumeAttributesClassName)",
        "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName "
        "for bound claims",
        "pkg/apis/core/validation/validation.go (ValidatePersistentVolumeClaimUpdate)",
        f"a new claim under a new name and a data migration into it ({_RESTORE})",
        "https://kubernetes.io/docs/concepts/storage/persistent-volumes/#persistentvolumeclaims",
        _claim_spec,
    ),
    Rule(
        "PersistentVolumeClaim",
        "",
        "spec.resources.requests.storage (may only grow)",
        "spec.resources.requests.storage: Forbidden: field can not be less than status.capacity",
        "pkg/apis/core/validation/validation.go (ValidatePersistentVolumeClaimUpdate)",
        f"a claim only grows: a smaller volume is a new claim and a data migration ({_RESTORE})",
        "https://kubernetes.io/docs/concepts/storage/persistent-volumes/#expanding-persistent-volumes-claims",
        _claim_shrink,
    ),
    Rule(
        "ConfigMap",
        "",
        "data, binaryData, immutable (once immutable: true)",
        "data: Forbidden: field is immutable when `immutable` is set",
        "pkg/apis/core/validation/validation.go (ValidateConfigMapUpdate)",
        "give the ConfigMap a new name (e.g. a hash of its data) and point the pods at it",
        "https://kubernetes.io/docs/concepts/configuration/configmap/#configmap-immutable",
        _when_immutable("data", "binaryData", "immutable"),
    ),
    Rule(
        "Secret",
        "",
        "data, stringData, immutable (once immutable: true)",
        "data: Forbidden: field is immutable when `immutable` is set",
        "pkg/apis/core/validation/validation.go (ValidateSecretUpdate)",
        "give the Secret a new name (e.g. a hash of its data) and point the pods at it",
        "https://kubernetes.io/docs/concepts/configuration/secret/#secret-immutable",
        _when_immutable("data", "stringData", "immutable"),
    ),
    Rule(
        "Secret",
        "",
        "type",
        'type: Invalid value: "kubernetes.io/tls": field is immutable',
        "pkg/apis/core/validation/validation.go (ValidateSecretUpdate)",
        _RECREATE,
        "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
        _top_level("type"),
    ),
    Rule(
        "RoleBinding",
        "rbac.authorization.k8s.io",
        "roleRef",
        "roleRef: Invalid value: rbac.RoleRef{...}: cannot change roleRef",
        "pkg/apis/rbac/validation/validation.go (ValidateRoleBindingUpdate)",
        _RECREATE,
        "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#clusterrolebinding-example",
        _role_ref,
    ),
    Rule(
        "ClusterRoleBinding",
        "rbac.authorization.k8s.io",
        "roleRef",
        "roleRef: Invalid value: rbac.RoleRef{...}: cannot change roleRef",
        "pkg/apis/rbac/validation/validation.go (ValidateClusterRoleBindingUpdate)",
        _RECREATE,
        "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#clusterrolebinding-example",
        _role_ref,
    ),
    Rule(
        "StorageClass",
        "storage.k8s.io",
        "provisioner, parameters, reclaimPolicy, volumeBindingMode",
        "parameters: Forbidden: updates to parameters are forbidden.",
        "pkg/apis/storage/validation/validation.go (ValidateStorageClassUpdate)",
        "create a StorageClass under a new name for new volumes (existing volumes keep theirs)",
        "https://kubernetes.io/docs/concepts/storage/storage-classes/",
        _top_level("provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"),
    ),
)


# -- the comparison ---------------------------------------------------------------------------------


def _group(doc: Mapping[str, Any]) -> str:
    api_version = str(doc.get("apiVersion") or "")
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def _recreated(doc: Mapping[str, Any]) -> bool:
    """A hook (deleted before it is created again) or ``Force=true,Replace=true``: never updated."""
    annotations = _get(doc, "metadata", "annotations")
    if not isinstance(annotations, Mapping):
        return False
    if annotations.get(_HOOK):
        return True
    options = {option.strip() for option in str(annotations.get(_SYNC_OPTIONS, "")).split(",")}
    return {"Force=true", "Replace=true"} <= options


def _ignores_claim_templates(application: Mapping[str, Any], statefulset: Mapping[str, Any]) -> bool:
    """Whether ``application`` syncs the StatefulSet's namespace, ignores its claim templates, and
    respects that when applying."""
    spec = application.get("spec")
    if not isinstance(spec, Mapping):
        return False
    namespace = _get(statefulset, "metadata", "namespace")
    if _get(spec, "destination", "namespace") != namespace:
        return False
    options = _get(spec, "syncPolicy", "syncOptions")
    if not isinstance(options, list) or "RespectIgnoreDifferences=true" not in options:
        return False
    for entry in spec.get("ignoreDifferences") or ():
        if not isinstance(entry, Mapping) or entry.get("group") != "apps" or entry.get("kind") != "StatefulSet":
            continue
        if entry.get("name") not in (None, _get(statefulset, "metadata", "name")):
            continue
        if entry.get("namespace") not in (None, namespace):
            continue
        if _CLAIM_TEMPLATES in (entry.get("jsonPointers") or ()):
            return True
    return False


def _applications(objects: Mapping[str, Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [doc for doc in objects.values() if doc.get("kind") == "Application" and _group(doc) == "argoproj.io"]


def _growth_only(before: Any, after: Any) -> bool:
    """Whether two claim-template lists differ only by larger storage requests."""
    if not isinstance(before, list) or not isinstance(after, list) or len(before) != len(after):
        return False
    for old, new in zip(before, after):
        if not isinstance(old, Mapping) or not isinstance(new, Mapping):
            return False
        for change in diff_values(old, new):
            if not change.path.endswith("spec.resources.requests.storage"):
                return False
            old_size, new_size = quantity(change.before), quantity(change.after)
            if old_size is None or new_size is None or new_size < old_size:
                return False
    return True


def _claims_follow(statefulset: Mapping[str, Any], after: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether every replica's claim of every template is an object of ``after`` asking for at
    least the template's size (ArgoCD then expands it in place)."""
    name = _get(statefulset, "metadata", "name")
    namespace = _get(statefulset, "metadata", "namespace")
    replicas = _get(statefulset, "spec", "replicas")
    replicas = 1 if replicas is ABSENT else replicas
    if not isinstance(replicas, int):
        return False
    for template in _get(statefulset, "spec", "volumeClaimTemplates") or ():
        wanted = quantity(_get(template, "spec", "resources", "requests", "storage"))
        for ordinal in range(replicas):
            claim_name = f"{_get(template, 'metadata', 'name')}-{name}-{ordinal}"
            claim = after.get(f"v1/PersistentVolumeClaim/{namespace or ''}/{claim_name}")
            size = quantity(_get(claim or {}, "spec", "resources", "requests", "storage"))
            if claim is None or wanted is None or size is None or size < wanted:
                return False
    return True


def _claim_of(key: str, statefulsets: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The StatefulSet key whose claim template names the claim ``key`` (``<tpl>-<sts>-<n>``)."""
    _, _, namespace, claim = key.split("/", 3)
    for sts_key, doc in statefulsets.items():
        name = _get(doc, "metadata", "name")
        if namespace and _get(doc, "metadata", "namespace") != namespace:
            continue
        for template in _get(doc, "spec", "volumeClaimTemplates") or ():
            prefix = f"{_get(template, 'metadata', 'name')}-{name}-"
            if claim.startswith(prefix) and claim[len(prefix) :].isdigit():
                return sts_key
    return None


def violations(
    before: Mapping[str, Mapping[str, Any]],
    after: Mapping[str, Mapping[str, Any]],
    *,
    applications: Sequence[Mapping[str, Any]] | None = None,
    notes: list[str] | None = None,
) -> list[Violation]:
    """The changes from ``before`` (the objects that exist) to ``after`` that the API server
    would refuse, in ``after``'s order, one per changed field.

    Args:
        before: Objects by ``apiVersion/kind/namespace/name``.
        after: The same for the new output; an object under a new key is created, not updated.
        applications: ArgoCD Applications that sync these objects before the edit (default: those
            of ``before``); with those of ``after``, they decide whether a claim-template
            change is ignored on apply.
        notes: When given, a line is appended for each change that is allowed only because
            ArgoCD applies it another way (a claim template that grows with its claims).
    """
    before_apps = list(_applications(before) if applications is None else applications)
    after_apps = _applications(after) or before_apps
    found: list[Violation] = []
    folded: set[str] = set()
    for key, new in after.items():
        old = before.get(key)
        if old is None or old == new or _recreated(old) or _recreated(new):
            continue
        for rule in RULES:
            if new.get("kind") != rule.kind or _group(new) != rule.group:
                continue
            changes = rule.check(old, new)
            if (
                changes
                and rule is RULES[0]
                and _growth_only(_get(old, "spec", "volumeClaimTemplates"), _get(new, "spec", "volumeClaimTemplates"))
                and any(_ignores_claim_templates(app, old) for app in before_apps)
                and any(_ignores_claim_templates(app, new) for app in after_apps)
                and _claims_follow(new, after)
            ):
                if notes is not None:
                    notes.append(f"{Violation(key, '', None, None, rule).object}: {GROWTH_NOTE}")
                continue
            if changes and rule is RULES[0]:
                folded.add(key)
            found += [Violation(key, path, was, now, rule) for path, was, now in changes]
    statefulsets = {key: doc for key, doc in after.items() if key in folded}
    # A claim-template change also shows on each replica's claim: one line (the template's) says it.
    return [v for v in found if v.rule.kind != "PersistentVolumeClaim" or _claim_of(v.key, statefulsets) is None]


# -- folders ----------------------------------------------------------------------------------------


def _yaml_files(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {
        file.relative_to(folder).as_posix(): file
        for file in sorted(folder.rglob("*.yaml"))
        if file.is_file() and file.name != "kustomization.yaml"
    }


#: A document separator line of a YAML stream (a block scalar's lines are indented: never one).
_SEPARATOR = re.compile(r"^---[ \t]*\n?", re.MULTILINE)
#: Unchanged documents still needed: claims (a template's growth needs them) and Applications.
_CONTEXT = re.compile(r"^kind: (PersistentVolumeClaim|Application)[ \t]*$", re.MULTILINE)


def _objects(texts: Iterable[str]) -> dict[str, dict[str, Any]]:
    objects: dict[str, dict[str, Any]] = {}
    for text in texts:
        for doc in yaml.load_all(text, Loader=_LOADER):
            if isinstance(doc, dict):
                objects[object_key(doc)] = doc
    return objects


def _documents(file: Path) -> list[str]:
    return [doc for doc in _SEPARATOR.split(file.read_text(encoding="utf-8")) if doc.strip()]


def check_folders(
    before: Path, after: Path, folders: Sequence[str] | None = None, notes: list[str] | None = None
) -> list[Violation]:
    """:func:`violations` between the manifests under ``before`` and ``after`` (``*.yaml``,
    ``kustomization.yaml`` aside), or under their ``folders`` (relative) only; ``notes`` as
    :func:`violations`.

    Cheap enough for every synthesis: files whose bytes are equal are skipped, and of the others
    only the documents whose text differs are parsed (with libyaml when available), plus the
    unchanged claims and ArgoCD ``Application`` s the rules need. A missing ``before`` has no
    objects.

    Raises:
        yaml.YAMLError: a changed document is not valid YAML.
    """
    old_files: dict[str, Path] = {}
    new_files: dict[str, Path] = {}
    for folder in folders if folders is not None else ("",):
        old_files |= {f"{folder}/{k}": v for k, v in _yaml_files(before / folder).items()}
        new_files |= {f"{folder}/{k}": v for k, v in _yaml_files(after / folder).items()}
    common = [name for name in new_files if name in old_files]
    changed = [name for name in common if old_files[name].read_bytes() != new_files[name].read_bytes()]
    if not changed:
        return []
    old_texts: list[str] = []
    new_texts: list[str] = []
    context: list[str] = []
    for name in common:
        if name not in changed:
            text = new_files[name].read_text(encoding="utf-8")
            context += [text] if _CONTEXT.search(text) else []
            continue
        old_docs, new_docs = _documents(old_files[name]), _documents(new_files[name])
        same = set(old_docs) & set(new_docs)
        old_texts += [doc for doc in old_docs if doc not in same]
        new_texts += [doc for doc in new_docs if doc not in same]
        context += [doc for doc in same if _CONTEXT.search(doc)]
    unchanged = _objects(context)
    old, new = {**unchanged, **_objects(old_texts)}, {**unchanged, **_objects(new_texts)}
    return violations(old, new, notes=notes)


# -- the table, for the docs ------------------------------------------------------------------------


def render_table() -> str:
    """``docs/immutable-fields.md``: the rules as a Markdown table (a test keeps the file equal)."""
    lines = [
        "# Fields the API server will not update in place",
        "",
        "Generated from `aipp_constructs/review/immutable_fields.py` (`RULES`, `render_table()`) by `make synth`;",
        "a test keeps this file equal to it. A fresh output that changes one of these fields of an object",
        "of the committed output is refused (`make synth`) and listed (`diff`), each with the procedure",
        "that works. Sources are files of https://github.com/kubernetes/kubernetes (release 1.33).",
        "",
        "Not refused: objects ArgoCD deletes and creates again (hooks, `Force=true,Replace=true`), and a",
        "StatefulSet claim template that only grows while its claims grow with it and the Application",
        "ignores the template (docs/how-to-grow-a-volume.md).",
        "",
        "| kind | fields | API server says | source | instead |",
        "|---|---|---|---|---|",
    ]
    for rule in RULES:
        kind = f"{rule.kind} ({rule.group or 'core'})"
        cells = (kind, rule.fields, f"`{rule.message}`", f"`{rule.source}`", f"{rule.procedure} ({rule.docs})")
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
