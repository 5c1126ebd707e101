"""``SharedClaim``: a PersistentVolumeClaim that several workloads mount (an uploads folder
shared by an API and its worker), or that one Deployment keeps across restarts.

Creates one ``PersistentVolumeClaim`` ``<name>`` in wave 0 (before any pod that mounts it),
kept by ArgoCD on prune and on deletion of the Application (``Prune=false,Delete=false``):
data outlives the manifests. Mount it with :meth:`SharedClaim.volume` in
``WorkloadProps.claims``.

Access modes: ``ReadWriteMany`` lets pods on several nodes write (Longhorn serves it over
NFS, from v1.1); ``ReadWriteOnce`` binds it to one node at a time, so every pod mounting it
must run there: use it for a single-replica ``Recreate`` workload only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from constructs import Construct

from aipp_constructs.core import _spec
from aipp_constructs.core._manifest import Manifest
from aipp_constructs.core._validation import check_dns_label, check_dns_subdomain, check_quantity_binary
from aipp_constructs.core.component import CONFIG_WAVE, KEEP_ON_PRUNE_AND_DELETE, SYNC_WAVE_ANNOTATION, port_default
from aipp_constructs.core.references import check_labels
from aipp_constructs.workloads.workload import ClaimVolume

__all__ = ["SharedClaim", "SharedClaimProps"]

AccessMode = Literal["ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod"]


@dataclass(frozen=True, kw_only=True, slots=True)
class SharedClaimProps:
    """Props of :class:`SharedClaim`.

    Attributes:
        name: Name of the claim. Required.
        size: Requested size (binary units). Required.
        access_modes: Access modes. Defaults to ``("ReadWriteMany",)``.
        storage_class_name: Storage class. Defaults to the port's
            ``PortDefaults.storage_class_name`` inside a :class:`~aipp_constructs.PortChart`,
            else the cluster's default class.
        part_of: ``app.kubernetes.io/part-of`` label. Defaults to the port's
            ``PortDefaults.part_of`` inside a :class:`~aipp_constructs.PortChart`, else none.
        labels: Further labels (e.g. Longhorn recurring-job labels). Defaults to none.
    """

    name: str
    size: str
    access_modes: tuple[AccessMode, ...] = ("ReadWriteMany",)
    storage_class_name: str | None = None
    part_of: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_dns_label("name", self.name)
        check_quantity_binary("size", self.size)
        allowed = ("ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod")
        if not self.access_modes or any(mode not in allowed for mode in self.access_modes):
            raise ValueError(f"access_modes must be one or more of {', '.join(allowed)}, got {self.access_modes!r}")
        if self.storage_class_name is not None:
            check_dns_subdomain("storage_class_name", self.storage_class_name)
        check_labels("labels", self.labels)


class SharedClaim(Construct):
    """A claim mounted by workloads; see the module documentation.

    Attributes:
        props: The props it was built with (as given: the port defaults it took are on ``claim``).
        claim: The ``PersistentVolumeClaim``.
    """

    def __init__(self, scope: Construct, id: str, props: SharedClaimProps) -> None:
        super().__init__(scope, id)
        self.props = props
        part_of: str | None = props.part_of or port_default(self, "part_of")
        storage_class: str | None = props.storage_class_name or port_default(self, "storage_class_name")
        labels = {"app.kubernetes.io/name": props.name, "app.kubernetes.io/managed-by": "cdk8s", **props.labels}
        if part_of:
            labels["app.kubernetes.io/part-of"] = part_of
        self.claim = Manifest(
            self,
            "Resource",
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {
                    "name": props.name,
                    "labels": labels,
                    "annotations": {SYNC_WAVE_ANNOTATION: str(CONFIG_WAVE), **KEEP_ON_PRUNE_AND_DELETE},
                },
                "spec": _spec.claim_spec(storage_class, props.size, props.access_modes),
            },
        )

    @property
    def name(self) -> str:
        return self.props.name

    def volume(self, path: str, *, name: str | None = None, read_only: bool = False) -> ClaimVolume:
        """This claim mounted at ``path`` (volume name: the claim's, unless given)."""
        return ClaimVolume(name=name or self.props.name, path=path, claim_name=self.props.name, read_only=read_only)
