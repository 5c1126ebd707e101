"""GitOpsApplication: the ArgoCD Application of a rendered folder.

The construct is tested with made-up props; the Application of an environment file is tested
on the frozen fixture ``tests/environments/reference.yaml``, never on environments/dev-meta.yaml.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from cdk8s import Chart
from conftest import one, synth

import main
from aipp_constructs import GitOpsApplication, GitOpsApplicationProps
from aipp_constructs.aipp import load_environment

REFERENCE = Path(__file__).resolve().parent / "environments" / "reference.yaml"

REQUIRED = {
    "name": "app",
    "repo_url": "https://git.example.com/platform/app.git",
    "path": "dist/dev",
    "destination_namespace": "app",
}


def _application(chart: Chart, **overrides: Any) -> dict[str, Any]:
    GitOpsApplication(chart, "Application", GitOpsApplicationProps(**{**REQUIRED, **overrides}))
    return one(synth(chart), "Application")


def test_defaults(chart: Chart) -> None:
    app = _application(chart)
    assert app["apiVersion"] == "argoproj.io/v1alpha1"
    assert app["metadata"] == {"name": "app", "namespace": "argocd"}
    assert app["spec"] == {
        "destination": {"namespace": "app", "server": "https://kubernetes.default.svc"},
        "project": "default",
        "source": {"path": "dist/dev", "repoURL": "https://git.example.com/platform/app.git", "targetRevision": "main"},
        # Claim templates never change on an existing StatefulSet: ArgoCD applies the live ones
        # (RespectIgnoreDifferences); a bigger size reaches the volumes through the claims.
        "ignoreDifferences": [{"group": "apps", "kind": "StatefulSet", "jsonPointers": ["/spec/volumeClaimTemplates"]}],
        "syncPolicy": {
            "automated": {"prune": True, "selfHeal": True},
            "retry": {"backoff": {"duration": "10s", "factor": 2, "maxDuration": "5m"}, "limit": 5},
            # The folder brings its own Namespace: no CreateNamespace; it is pruned last.
            "syncOptions": ["ServerSideApply=true", "PruneLast=true", "RespectIgnoreDifferences=true"],
        },
    }


def test_every_prop_reaches_the_yaml(chart: Chart) -> None:
    app = _application(
        chart,
        revision="v1.2.0",
        project="platform",
        argocd_namespace="gitops",
        destination_server="https://10.0.0.1:6443",
        retry_limit=9,
        retry_backoff="30s",
        retry_max_backoff="1h",
    )
    assert app["metadata"]["namespace"] == "gitops"
    assert app["spec"]["project"] == "platform"
    assert app["spec"]["source"]["targetRevision"] == "v1.2.0"
    assert app["spec"]["destination"]["server"] == "https://10.0.0.1:6443"
    assert app["spec"]["syncPolicy"]["retry"] == {
        "backoff": {"duration": "30s", "factor": 2, "maxDuration": "1h"},
        "limit": 9,
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "App"}, "name must be a DNS-1123 label"),
        (
            {"repo_url": "gitlab.example.com/app"},
            "repo_url must be a git URL (https://, ssh:// or git@), got 'gitlab.example.com/app'",
        ),
        (
            {"path": "/dist/dev"},
            "path must be a relative folder in the repository like 'dist/dev-meta', got '/dist/dev'",
        ),
        ({"path": "dist/../secrets"}, "path must be a relative folder"),
        ({"revision": "main branch"}, "revision must be a branch, tag or commit, got 'main branch'"),
        ({"retry_limit": -1}, "retry_limit must be an integer from 0 to 100, got -1"),
        ({"retry_backoff": "10"}, "retry_backoff must be a duration like '10s' or '5m', got '10'"),
        ({"destination_namespace": "App"}, "destination_namespace must be a DNS-1123 label"),
    ],
)
def test_validation(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        GitOpsApplicationProps(**{**REQUIRED, **overrides})


def test_an_environment_without_path_and_name_gets_its_folder_and_its_namespace() -> None:
    """The fixture sets neither gitops.path nor gitops.application_name: both are derived,
    the path from the file name (reference.yaml -> dist/reference), the name from the namespace."""
    env = load_environment(REFERENCE)
    assert env.name == "reference" and env.namespace == "aipp"
    with tempfile.TemporaryDirectory() as outdir:
        text = main.build_bootstrap(env, outdir).synth_yaml()
    app = one([d for d in yaml.safe_load_all(text) if d], "Application")
    assert app["metadata"] == {"name": "aipp", "namespace": "argocd"}
    assert app["spec"]["source"] == {
        "path": "dist/reference",
        "repoURL": "https://gitlab.dev.unifiedmeta.net/platform/aipp-k8s.git",
        "targetRevision": "main",
    }
    assert app["spec"]["destination"] == {"namespace": "aipp", "server": "https://kubernetes.default.svc"}
    assert app["spec"]["project"] == "default"
