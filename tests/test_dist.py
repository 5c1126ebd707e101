"""dist/ is what ArgoCD deploys: current, schema-valid, Pod Security "restricted", secret-free."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import main
from aipp_constructs.checks import (
    KUBERNETES_VERSIONS,
    check_pod_security,
    load_crd_schemas,
    load_manifests,
    object_ref,
    pod_specs,
    validate_manifest,
)

DIST = main.PROJECT / "dist"
MANIFESTS = load_manifests(DIST)
IDS = [object_ref(doc) for doc in MANIFESTS]
SENSITIVE = re.compile(r"PASS|SECRET|TOKEN|COOKIE|AUTH|CREDENTIAL|PRIVATE|API_?KEY", re.IGNORECASE)


def _tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_dist_equals_a_fresh_synth(tmp_path: Path) -> None:
    fresh = tmp_path / "dist"
    main.synth_all(fresh)
    assert _tree(fresh) == _tree(DIST), "dist/ is stale: run `make synth` and commit it"


def test_dist_has_one_folder_per_environment_and_their_applications() -> None:
    environments = sorted(p.stem for p in main.environment_files())
    assert sorted(p.name for p in DIST.iterdir()) == sorted([*environments, "bootstrap"])
    assert sorted(p.name for p in (DIST / "bootstrap").iterdir()) == environments
    for name in environments:
        assert sorted(p.name for p in (DIST / name).iterdir()) == ["aipp.k8s.yaml", "kustomization.yaml"]
        assert sorted(p.name for p in (DIST / "bootstrap" / name).iterdir()) == ["aipp.k8s.yaml"]


def test_each_kustomization_lists_the_files_of_its_folder() -> None:
    for path in DIST.glob("*/kustomization.yaml"):
        kustomization = yaml.safe_load(path.read_text())
        assert kustomization == {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": sorted(p.name for p in path.parent.glob("*.k8s.yaml")),
        }


def test_the_application_syncs_its_environment_folder_and_lives_outside_it() -> None:
    for env in main.load_environments():
        (app,) = [d for d in yaml.safe_load_all((DIST / "bootstrap" / env.name / "aipp.k8s.yaml").read_text()) if d]
        assert app["kind"] == "Application"
        assert app["spec"]["source"]["path"] == f"dist/{env.name}"
        assert app["spec"]["destination"]["namespace"] == env.namespace
        assert app["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
        assert "ServerSideApply=true" in app["spec"]["syncPolicy"]["syncOptions"]
        # The synced folder creates its own Namespace (with the Pod Security labels).
        assert not any(o.startswith("CreateNamespace") for o in app["spec"]["syncPolicy"]["syncOptions"])
        synced = (DIST / env.name / "aipp.k8s.yaml").read_text()
        assert "kind: Application\n" not in synced and "kind: Namespace\n" in synced


def test_custom_resources_skip_the_dry_run_and_data_volumes_survive_prune() -> None:
    for m in MANIFESTS:
        options = m["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-options", "")
        if m["kind"] in {"ExternalSecret", "ServiceMonitor", "RecurringJob"}:
            assert "SkipDryRunOnMissingResource=true" in options, m["metadata"]["name"]
        if m["kind"] in {"PersistentVolumeClaim", "Namespace"}:
            assert options == "Prune=false,Delete=false", m["metadata"]["name"]
        if m["kind"] == "StatefulSet":
            assert m["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}


def test_dist_is_not_empty() -> None:
    assert len(MANIFESTS) >= 15


@pytest.fixture(scope="module")
def crd_schemas() -> Any:
    return load_crd_schemas()


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_validates_strictly(version: str, crd_schemas: Any) -> None:
    errors = [e for doc in MANIFESTS for e in validate_manifest(doc, version, crd_schemas)]
    assert errors == []


def test_newest_bundled_kubernetes_version_is_checked() -> None:
    assert KUBERNETES_VERSIONS[0] == "1.27"
    assert tuple(int(x) for x in KUBERNETES_VERSIONS[1].split(".")) >= (1, 37)


@pytest.mark.parametrize("doc", MANIFESTS, ids=IDS)
def test_every_pod_template_is_pod_security_restricted(doc: dict[str, Any]) -> None:
    assert check_pod_security(doc) == []


def _pod_spec_docs() -> Iterator[tuple[str, dict[str, Any]]]:
    for doc in MANIFESTS:
        for _, spec in pod_specs(doc):
            yield object_ref(doc), spec


def test_every_container_is_hardened_beyond_pss() -> None:
    """Read-only root, explicit requests and limits, pinned pulls, no token, no service links."""
    problems = []
    for ref, spec in _pod_spec_docs():
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{ref}: automountServiceAccountToken")
        if spec.get("enableServiceLinks") is not False:
            problems.append(f"{ref}: enableServiceLinks")
        for c in spec["containers"] + spec.get("initContainers", []):
            if c["securityContext"].get("readOnlyRootFilesystem") is not True:
                problems.append(f"{ref}/{c['name']}: readOnlyRootFilesystem")
            if c.get("imagePullPolicy") != "IfNotPresent":
                problems.append(f"{ref}/{c['name']}: imagePullPolicy")
            for part in ("requests", "limits"):
                if set(c.get("resources", {}).get(part, {})) < {"cpu", "memory"}:
                    problems.append(f"{ref}/{c['name']}: resources.{part}")
            if re.search(r"(:|[-_.])latest(@|$)", c["image"]) or ":" not in c["image"].rsplit("/", 1)[-1]:
                problems.append(f"{ref}/{c['name']}: image {c['image']} is not pinned")
        # Long-running containers are probed; a Job's container runs to completion instead,
        # bounded by activeDeadlineSeconds.
        for c in spec["containers"] if not ref.startswith(("Job/", "CronJob/")) else []:
            if "readinessProbe" not in c or "livenessProbe" not in c:
                problems.append(f"{ref}/{c['name']}: probes")
    assert problems == []


def test_every_job_is_bounded() -> None:
    jobs = [m for m in MANIFESTS if m["kind"] in {"Job", "CronJob"}]
    assert jobs
    for m in jobs:
        spec = m["spec"]["jobTemplate"]["spec"] if m["kind"] == "CronJob" else m["spec"]
        assert spec["activeDeadlineSeconds"] > 0 and spec["backoffLimit"] <= 5, object_ref(m)
        assert spec["template"]["spec"]["restartPolicy"] == "Never", object_ref(m)


def test_no_secret_object_and_no_credential_value() -> None:
    assert [object_ref(d) for d in MANIFESTS if d["kind"] == "Secret"] == []
    literal = []
    for ref, spec in _pod_spec_docs():
        for c in spec["containers"] + spec.get("initContainers", []):
            for env in c.get("env", []):
                name = env["name"]
                if SENSITIVE.search(name) and not name.endswith("_FILE") and "value" in env:
                    literal.append(f"{ref}/{c['name']}: {name}")
    assert literal == []


def test_password_appears_only_as_key_names_and_references() -> None:
    """What `grep -ri password dist/` shows: keys, refs and $(VAR) expansions, never a value."""
    allowed = re.compile(
        r"^\s*(- )?("
        r"(name|key|secretKey|property): [\w-]*password[\w-]*"
        r"|name: (POSTGRES_PASSWORD_FILE|RABBITMQ_DEFAULT_PASS|REDIS_PASSWORD)"
        r"|value: /run/secrets/postgres/password"
        r"|path: password"
        r"|--requirepass|\$\(REDIS_PASSWORD\)"
        r"|name: password"
        r")\s*$",
        re.IGNORECASE,
    )
    hits = [
        f"{path.relative_to(DIST)}: {line.strip()}"
        for path in sorted(DIST.rglob("*.yaml"))
        for line in path.read_text().splitlines()
        if "password" in line.lower() and not allowed.match(line)
    ]
    assert hits == []


def test_names_and_selectors_carry_no_construct_path_or_hash() -> None:
    for doc in MANIFESTS:
        assert not re.search(r"-[0-9a-f]{8}$", doc["metadata"]["name"]), object_ref(doc)
        text = repr(doc)
        assert "cdk8s.io/metadata.addr" not in text, object_ref(doc)
