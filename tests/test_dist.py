"""dist/ is what ArgoCD deploys: current, schema-valid, Pod Security "restricted", secret-free.

Every check here runs on the committed ``dist/``, on fresh synths of each everyday-task recipe
of the how-to pages (docs/how-to/: add an environment, bump an image, option B, no GPU worker; see
``tests/howtos.py``) applied to the fixture environment, and on each routine edit applied to
the live environment files (``tests/routine_edits.py``), so an everyday edit of an environment
file never needs a test change: the checks read what they check from the output and the
environment files.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import howtos
import pytest
import routine_edits
import yaml

import main
from aipp_constructs.aipp import load_environment
from aipp_constructs.checks import (
    KUBERNETES_VERSIONS,
    check_no_credential_values,
    check_pod_security,
    kubernetes_versions,
    load_crd_schemas,
    load_manifests,
    object_ref,
    pod_specs,
    validate_manifest,
)

DIST = main.PROJECT / "dist"


#: The committed output; each everyday-task recipe of the how-to pages applied to the fixture
#: environment; and each routine edit (tests/routine_edits.py: every vendor image bumped, the
#: linker off, option B with digests, a new environment, one with option B and no linker)
#: applied to the LIVE environment files, as the team would make it in a pull request.
VARIANTS = ["committed", *howtos.recipes(), *(f"live-{edit}" for edit in routine_edits.EDITS)]


def _live_base() -> str:
    """The live environment file the routine edits change: dev-meta's, else the first."""
    files = [path.name for path in main.environment_files()]
    return "dev-meta.yaml" if "dev-meta.yaml" in files else files[0]


@pytest.fixture(scope="session")
def variant_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Variant name -> (environments folder, dist folder); built once per run, on first use, by
    the first pytest-xdist worker that needs them (the others wait on a lock and read them:
    the folder is shared by the run's workers)."""
    base = tmp_path_factory.getbasetemp()
    # Under pytest-xdist each worker's base folder sits in the run's own folder; alone, the base
    # folder is the run's (its parent holds earlier runs' folders).
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "dist-variants"
    shared.mkdir(exist_ok=True)
    with (shared / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / ".built").exists():
            _build_variants(shared)
            (shared / ".built").touch()
    built = {"committed": (main.ENVIRONMENTS_DIR, DIST)}
    for name in VARIANTS[1:]:
        built[name] = (shared / name / "environments", shared / name / "dist")
    return built


def _build_variants(shared: Path) -> None:
    for name, recipe in howtos.recipes().items():
        root = shared / name
        howtos.apply(recipe, root / "environments")
        main.synth_all(root / "dist", root / "environments")
    for edit in routine_edits.EDITS:
        root = shared / f"live-{edit}"
        shutil.copytree(main.ENVIRONMENTS_DIR, root / "environments")
        routine_edits.apply(edit, root / "environments", _live_base())
        main.synth_all(root / "dist", root / "environments")


@pytest.fixture(params=VARIANTS)
def variant(request: pytest.FixtureRequest, variant_dirs: dict[str, tuple[Path, Path]]) -> tuple[Path, Path]:
    return variant_dirs[request.param]


@pytest.fixture
def manifests(variant: tuple[Path, Path]) -> list[dict[str, Any]]:
    return load_manifests(variant[1])


def _tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_dist_equals_a_fresh_synth(tmp_path: Path) -> None:
    fresh = tmp_path / "dist"
    main.synth_all(fresh)
    assert _tree(fresh) == _tree(DIST), (
        "dist/ is stale: run `make synth` (or `make snapshot`), read the diff, commit it"
    )


def test_no_file_is_a_byte_copy_of_a_file_under_dist() -> None:
    """One copy of the output in git: the snapshot of an environment is its dist/ file."""
    outputs = {p.read_bytes() for p in DIST.rglob("*.k8s.yaml")}
    copies = [
        str(p.relative_to(main.PROJECT))
        for p in main.PROJECT.rglob("*")
        if p.is_file()
        and not p.is_relative_to(DIST)
        and not any(part in {".git", ".venv", "node_modules"} for part in p.relative_to(main.PROJECT).parts)
        and p.stat().st_size > 1000
        and p.read_bytes() in outputs
    ]
    assert copies == []


def test_dist_has_one_folder_per_environment_and_their_applications(variant: tuple[Path, Path]) -> None:
    environments_dir, dist = variant
    environments = sorted(p.stem for p in main.environment_files(environments_dir))
    assert sorted(p.name for p in dist.iterdir()) == sorted([*environments, "bootstrap"])
    assert sorted(p.name for p in (dist / "bootstrap").iterdir()) == environments
    for name in environments:
        assert sorted(p.name for p in (dist / name).iterdir()) == ["aipp.k8s.yaml", "kustomization.yaml"]
        assert sorted(p.name for p in (dist / "bootstrap" / name).iterdir()) == ["aipp.k8s.yaml"]


def test_each_kustomization_lists_the_files_of_its_folder(variant: tuple[Path, Path]) -> None:
    for path in variant[1].glob("*/kustomization.yaml"):
        kustomization = yaml.safe_load(path.read_text())
        assert kustomization == {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": sorted(p.name for p in path.parent.glob("*.k8s.yaml")),
        }


def test_the_application_syncs_its_environment_folder_and_lives_outside_it(variant: tuple[Path, Path]) -> None:
    environments_dir, dist = variant
    names = set()
    for env in main.load_environments(environments_dir):
        (app,) = [d for d in yaml.safe_load_all((dist / "bootstrap" / env.name / "aipp.k8s.yaml").read_text()) if d]
        assert app["kind"] == "Application"
        assert app["metadata"]["name"] == env.application_name
        names.add(app["metadata"]["name"])
        assert app["spec"]["source"]["path"] == f"dist/{env.name}"
        assert app["spec"]["destination"]["namespace"] == env.namespace
        assert app["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
        assert "ServerSideApply=true" in app["spec"]["syncPolicy"]["syncOptions"]
        # The synced folder creates its own Namespace (with the Pod Security labels).
        assert not any(o.startswith("CreateNamespace") for o in app["spec"]["syncPolicy"]["syncOptions"])
        synced = (dist / env.name / "aipp.k8s.yaml").read_text()
        assert "kind: Application\n" not in synced and "kind: Namespace\n" in synced
    # Two environments never share an Application (one would overwrite the other in ArgoCD).
    assert len(names) == len(main.environment_files(environments_dir))


def test_every_image_is_the_one_its_environment_file_names(variant: tuple[Path, Path]) -> None:
    """The tag (and digest) of each image row is what the workloads pull: a bump is one edit."""
    environments_dir, dist = variant
    for path in main.environment_files(environments_dir):
        env = load_environment(path)
        pulled = {
            c["image"]
            for doc in load_manifests(dist / env.name)
            for _, spec in pod_specs(doc)
            for c in spec["containers"] + spec.get("initContainers", [])
        }
        for name, row in env.images.items():
            if env.enabled(name) if name in env.components.by_name() else True:
                # Option B pulls a vendor image by the tag the vendor publishes (and the digest).
                option_b = row.source == "vendor" and env.registry.vendor_images == "vendor"
                tag = (row.vendor_tag or row.tag) if option_b else row.tag
                suffix = f":{tag}@{row.digest}" if row.digest else f":{tag}"
                assert any(image.endswith(f"/{row.repository.rsplit('/', 1)[-1]}{suffix}") for image in pulled), name


def test_custom_resources_skip_the_dry_run_and_data_volumes_survive_prune(manifests: list[dict[str, Any]]) -> None:
    for m in manifests:
        options = m["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-options", "")
        if m["kind"] in {"ExternalSecret", "ServiceMonitor", "RecurringJob"}:
            assert "SkipDryRunOnMissingResource=true" in options, m["metadata"]["name"]
        if m["kind"] in {"PersistentVolumeClaim", "Namespace"}:
            assert options == "Prune=false,Delete=false", m["metadata"]["name"]
        if m["kind"] == "StatefulSet":
            assert m["spec"]["persistentVolumeClaimRetentionPolicy"] == {
                "whenDeleted": "Retain",
                "whenScaled": "Retain",
            }


def test_dist_is_not_empty(manifests: list[dict[str, Any]]) -> None:
    assert len(manifests) >= 15


@pytest.fixture(scope="session")
def crd_schemas() -> Any:
    return load_crd_schemas()


@pytest.mark.parametrize("end", ["oldest", "newest"])
def test_every_object_validates_strictly(end: str, crd_schemas: Any, variant: tuple[Path, Path]) -> None:
    """Each environment's objects against its own ``kubernetes_version`` and the newest minor."""
    environments, dist = variant
    errors = []
    for env in main.load_environments(environments):
        versions = kubernetes_versions(env.kubernetes_version)
        version = versions[0] if end == "oldest" else versions[-1]
        for folder in (dist / env.name, dist / "bootstrap" / env.name):
            errors += [e for doc in load_manifests(folder) for e in validate_manifest(doc, version, crd_schemas)]
    assert errors == []


def test_an_environment_on_a_newer_cluster_is_validated_against_its_version() -> None:
    assert kubernetes_versions("v1.31") == ("1.31", KUBERNETES_VERSIONS[1])
    assert kubernetes_versions(None) == KUBERNETES_VERSIONS
    assert kubernetes_versions(f"v{KUBERNETES_VERSIONS[1]}") == (KUBERNETES_VERSIONS[1],)


def test_newest_bundled_kubernetes_version_is_checked() -> None:
    assert KUBERNETES_VERSIONS[0] == "1.27"
    assert tuple(int(x) for x in KUBERNETES_VERSIONS[1].split(".")) >= (1, 37)


def test_every_pod_template_is_pod_security_restricted(manifests: list[dict[str, Any]]) -> None:
    assert [finding for doc in manifests for finding in check_pod_security(doc)] == []


def _pod_spec_docs(manifests: list[dict[str, Any]]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for doc in manifests:
        for _, spec in pod_specs(doc):
            yield object_ref(doc), spec


def test_every_container_is_hardened_beyond_pss(manifests: list[dict[str, Any]]) -> None:
    """Read-only root, explicit requests and limits, pinned pulls, no token, no service links."""
    problems = []
    for ref, spec in _pod_spec_docs(manifests):
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
            # A digest pins a moving tag (option B pulls the vendor's `latest@sha256:...`).
            if re.search(r"(:|[-_.])latest$", c["image"]) or ":" not in c["image"].rsplit("/", 1)[-1]:
                problems.append(f"{ref}/{c['name']}: image {c['image']} is not pinned")
        # Long-running containers are probed; a Job's container runs to completion instead,
        # bounded by activeDeadlineSeconds.
        for c in spec["containers"] if not ref.startswith(("Job/", "CronJob/")) else []:
            if "readinessProbe" not in c or "livenessProbe" not in c:
                problems.append(f"{ref}/{c['name']}: probes")
    assert problems == []


def test_every_job_is_bounded(manifests: list[dict[str, Any]]) -> None:
    jobs = [m for m in manifests if m["kind"] in {"Job", "CronJob"}]
    assert jobs
    for m in jobs:
        spec = m["spec"]["jobTemplate"]["spec"] if m["kind"] == "CronJob" else m["spec"]
        assert spec["activeDeadlineSeconds"] > 0 and spec["backoffLimit"] <= 5, object_ref(m)
        assert spec["template"]["spec"]["restartPolicy"] == "Never", object_ref(m)


def test_no_secret_object_and_no_credential_value(manifests: list[dict[str, Any]]) -> None:
    assert [object_ref(d) for d in manifests if d["kind"] == "Secret"] == []
    assert [finding for doc in manifests for finding in check_no_credential_values(doc)] == []


#: What a line mentioning "password" may be: a key name, a reference, a $(VAR) expansion, the
#: reason of a checkov exception (aipp_constructs.core.policy: prose that names variables, e.g. PGPASSWORD).
_PASSWORD_LINE = re.compile(
    r"^\s*(- )?("
    r'checkov\.io/skip[1-9][0-9]*: "?CKV_K8S_[0-9]+=[^=]*'
    r"|"
    r"(name|key|secretKey|property): [\w-]*password[\w-]*"
    r"|name: (POSTGRES_PASSWORD_FILE|RABBITMQ_DEFAULT_PASS|REDIS_PASSWORD)"
    r"|value: /run/secrets/postgres/password"
    r"|path: password"
    r"|--requirepass|\$\(REDIS_PASSWORD\)"
    r"|name: password"
    # PgvectorDb's bootstrap and readiness scripts read the password file at run time.
    r'|PGPASSWORD=\$\(cat "\$POSTGRES_PASSWORD_FILE"\) \|\| exit 1'
    r"|export PGPASSWORD( PGHOST=127\.0\.0\.1 PGUSER=\"\$POSTGRES_USER\" PGCONNECT_TIMEOUT=5)?"
    # Secret keys mounted as files, read by the scripts of PgDumpBackup and PostSyncCheck.
    r"|PGPASSWORD=\$\$?\(cat /run/secrets/env/PGPASSWORD/value\) \|\| exit 1"
    r"|mountPath: /run/secrets/env/PGPASSWORD"
    # RedisCache's exporter: the init step reads the password file and writes the exporter's
    # password map, whose path the exporter's flag names.
    r"|secret=\$\(cat /run/secrets/redis/password\)"
    r"|--redis\.password-file=/run/redis-exporter/auth\.json"
    r")\s*$",
    re.IGNORECASE,
)


def _password_lines(dist: Path) -> list[str]:
    """What `grep -ri password dist/` shows, less the External Secrets template lines, which
    :func:`check_no_credential_values` parses (they may only reference keys)."""
    hits = []
    for path in sorted(dist.rglob("*.yaml")):
        for line in path.read_text().splitlines():
            lowered = line.lower()
            if "password" in lowered and "{{" not in line and not _PASSWORD_LINE.match(line):
                hits.append(f"{path.relative_to(dist)}: {line.strip()}")
    return hits


def test_password_appears_only_as_key_names_and_references(variant: tuple[Path, Path]) -> None:
    assert _password_lines(variant[1]) == []


def test_the_secret_checks_catch_a_literal_credential(
    variant_dirs: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    """Option B's template passes only because it references keys: a literal fails both checks."""
    dist = tmp_path / "dist"
    shutil.copytree(variant_dirs["option-b"][1], dist)
    manifest = dist / "dev-meta" / "aipp.k8s.yaml"
    text = manifest.read_text()
    template = '{{ printf "%s:%s" .username .password | b64enc }}'
    assert template in text
    manifest.write_text(text.replace(template, "dXNlcjpodW50ZXIy").replace("- --requirepass", "- --password=hunter2"))
    findings = [f for doc in load_manifests(dist) for f in check_no_credential_values(doc)]
    assert any("template data .dockerconfigjson: template field 'auth' has a literal value" in f for f in findings)
    assert _password_lines(dist) != []


def test_names_and_selectors_carry_no_construct_path_or_hash(manifests: list[dict[str, Any]]) -> None:
    for doc in manifests:
        assert not re.search(r"-[0-9a-f]{8}$", doc["metadata"]["name"]), object_ref(doc)
        text = repr(doc)
        assert "cdk8s.io/metadata.addr" not in text, object_ref(doc)
