"""``BootstrapChart``: the ArgoCD Application of one environment (the plan's ``bootstrap/aipp.yaml``).

Synthesized into ``dist/bootstrap/<environment>/``, outside the folder the Application syncs,
and applied once (``kubectl apply -f dist/bootstrap/<environment>/``) or by an app-of-apps.
"""

from __future__ import annotations

from cdk8s import Chart
from constructs import Construct

from aipp_constructs.platform.gitops_application import GitOpsApplication, GitOpsApplicationProps

from .config import EnvironmentConfig

__all__ = ["BootstrapChart"]


class BootstrapChart(Chart):
    """The ``Application`` of ``env``.

    Attributes:
        application: The ``GitOpsApplication``.
    """

    def __init__(self, scope: Construct, id: str, env: EnvironmentConfig) -> None:
        super().__init__(scope, id, disable_resource_name_hashes=True)
        gitops = env.gitops
        self.application = GitOpsApplication(
            self,
            "Application",
            GitOpsApplicationProps(
                name=env.application_name,
                repo_url=gitops.repo_url,
                revision=gitops.revision,
                path=env.gitops_path,
                destination_namespace=env.namespace,
                project=gitops.project,
                argocd_namespace=gitops.argocd_namespace,
            ),
        )
