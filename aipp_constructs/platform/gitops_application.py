"""``GitOpsApplication``: the ArgoCD ``Application`` that syncs one folder of rendered manifests.

Creates one ``argoproj.io/v1alpha1`` Application in ArgoCD's namespace with

* source: repository, revision and path (the committed ``dist/<environment>/``);
* automated sync with ``prune`` and ``selfHeal``; a retry with exponential back-off, so a
  sync that races a CRD or a webhook heals itself;
* ``ServerSideApply=true`` (large objects, fields owned by controllers);
* ``ignoreDifferences`` for the ``volumeClaimTemplates`` of every StatefulSet, with
  ``RespectIgnoreDifferences=true``: the API server refuses any change of a claim template,
  so ArgoCD applies a StatefulSet with the live templates (it copies the ignored field from
  the live object into what it applies, before the server-side apply) and the change reaches
  the volumes through the replicas' claims, which the workload emits as objects
  (docs/how-to-grow-a-volume.md). A new StatefulSet is created with its templates as written;
* no ``CreateNamespace``: the synced folder carries its own Namespace (with the Pod Security
  labels) at wave 0, which ArgoCD creates first; ``PruneLast=true`` removes it last;
* no ``resources-finalizer``: deleting the Application leaves the workloads and, above all,
  the data volumes in place (they also carry ``Prune=false,Delete=false``).

The Application must live outside the folder it syncs (otherwise it would manage itself),
so it is synthesized into its own folder and applied once by hand or by an app-of-apps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from constructs import Construct

from aipp_constructs.core._manifest import Manifest
from aipp_constructs.core._validation import check_dns_label

__all__ = ["GitOpsApplication", "GitOpsApplicationProps"]

#: The ``ignoreDifferences`` entry of every Application: StatefulSets' claim templates.
IGNORE_CLAIM_TEMPLATES = {"group": "apps", "kind": "StatefulSet", "jsonPointers": ["/spec/volumeClaimTemplates"]}

_REPO = re.compile(r"(https://|ssh://|git@)[^\s]+")
_PATH = re.compile(r"[-._a-zA-Z0-9/]+")


@dataclass(frozen=True, kw_only=True, slots=True)
class GitOpsApplicationProps:
    """Props of :class:`GitOpsApplication`.

    Attributes:
        name: Name of the Application. Required.
        repo_url: Git repository (``https://...``, ``ssh://...`` or ``git@...``). Required.
        path: Folder of the manifests in the repository, relative. Required.
        destination_namespace: Namespace the manifests go to. Required.
        revision: Branch, tag or commit. Defaults to ``"main"``.
        project: ArgoCD project. Defaults to ``"default"``.
        argocd_namespace: Namespace of ArgoCD (where Applications live). Defaults to ``"argocd"``.
        destination_server: API server. Defaults to ``"https://kubernetes.default.svc"`` (ArgoCD's own cluster).
        retry_limit: Sync retries. Defaults to ``5``.
        retry_backoff: First back-off, doubled each retry up to ``retry_max_backoff``. Defaults to ``"10s"``.
        retry_max_backoff: Longest back-off. Defaults to ``"5m"``.

    See: https://argo-cd.readthedocs.io/en/stable/user-guide/auto_sync/
    """

    name: str
    repo_url: str
    path: str
    destination_namespace: str
    revision: str = "main"
    project: str = "default"
    argocd_namespace: str = "argocd"
    destination_server: str = "https://kubernetes.default.svc"
    retry_limit: int = 5
    retry_backoff: str = "10s"
    retry_max_backoff: str = "5m"

    def __post_init__(self) -> None:
        check_dns_label("name", self.name)
        check_dns_label("destination_namespace", self.destination_namespace)
        check_dns_label("project", self.project)
        check_dns_label("argocd_namespace", self.argocd_namespace)
        if not _REPO.fullmatch(self.repo_url):
            raise ValueError(f"repo_url must be a git URL (https://, ssh:// or git@), got {self.repo_url!r}")
        if not _PATH.fullmatch(self.path) or self.path.startswith("/") or ".." in self.path.split("/"):
            raise ValueError(
                f"path must be a relative folder in the repository like 'dist/dev-meta', got {self.path!r}"
            )
        if not self.revision or any(c.isspace() for c in self.revision):
            raise ValueError(f"revision must be a branch, tag or commit, got {self.revision!r}")
        if (
            isinstance(self.retry_limit, bool)
            or not isinstance(self.retry_limit, int)
            or not 0 <= self.retry_limit <= 100
        ):
            raise ValueError(f"retry_limit must be an integer from 0 to 100, got {self.retry_limit!r}")
        for field in ("retry_backoff", "retry_max_backoff"):
            if not re.fullmatch(r"[0-9]+[smh]", getattr(self, field)):
                raise ValueError(f"{field} must be a duration like '10s' or '5m', got {getattr(self, field)!r}")


class GitOpsApplication(Construct):
    """See the module documentation.

    Attributes:
        resource: The ``Application``.
    """

    def __init__(self, scope: Construct, id: str, props: GitOpsApplicationProps) -> None:
        super().__init__(scope, id)
        self.resource = Manifest(
            self,
            "Resource",
            {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "metadata": {"name": props.name, "namespace": props.argocd_namespace},
                "spec": {
                    "project": props.project,
                    "source": {"repoURL": props.repo_url, "targetRevision": props.revision, "path": props.path},
                    "destination": {"server": props.destination_server, "namespace": props.destination_namespace},
                    # Claim templates never change on an existing StatefulSet: applied from the live object.
                    "ignoreDifferences": [{**IGNORE_CLAIM_TEMPLATES, "jsonPointers": ["/spec/volumeClaimTemplates"]}],
                    "syncPolicy": {
                        "automated": {"prune": True, "selfHeal": True},
                        "syncOptions": ["ServerSideApply=true", "PruneLast=true", "RespectIgnoreDifferences=true"],
                        "retry": {
                            "limit": props.retry_limit,
                            "backoff": {
                                "duration": props.retry_backoff,
                                "factor": 2,
                                "maxDuration": props.retry_max_backoff,
                            },
                        },
                    },
                },
            },
        )
