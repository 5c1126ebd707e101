"""The policy gate: checkov, every check enabled, over every synthesized folder, with no failure;
every exception is a ``checkov.io/skip<n>`` annotation with its reason, written by the construct
that owns the object, and ``aipp check --exceptions`` lists exactly the skips checkov reports.

checkov runs from its own pinned venv (``.tools/checkov``, built by ``make tools``, which
``make test`` depends on), offline: ``--skip-download``, ``BC_SKIP_MAPPING=TRUE``,
``CKV_SKIP_PACKAGE_UPDATE_CHECK=true``; framework ``kubernetes`` only, no ``--skip-check``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import cdk8s
import howtos
import pytest
import yaml
from conftest import REFERENCE

import main
from aipp_constructs import (
    ExecCheck,
    PortChart,
    PortDefaults,
    Probes,
    SecurityException,
    Telemetry,
    Workload,
    WorkloadProps,
)
from aipp_constructs.checks import load_manifests, object_ref
from aipp_constructs.cli import exception_lines
from aipp_constructs.core.policy import IMAGE_DIGEST, PULL_POLICY_ALWAYS, SKIP_ANNOTATION_PREFIX

PROJECT = main.PROJECT
CHECKOV = PROJECT / ".tools" / "checkov" / "bin" / "checkov"
#: The library's outputs: each environment's folder and its bootstrap, and each example's dist/.
EXAMPLE_DISTS = [PROJECT / "examples" / "langfuse" / "dist", PROJECT / "examples" / "dify" / "dist"]
DIGEST = "sha256:" + "0123456789abcdef" * 4


def gate_folders(dist: Path = main.PROJECT / "dist") -> list[Path]:
    """Every ``dist/<env>/`` and ``dist/bootstrap/<env>/`` of the environment files, and the examples' dist/."""
    names = [env.name for env in main.load_environments()]
    return [*(dist / name for name in names), *(dist / "bootstrap" / name for name in names), *EXAMPLE_DISTS]


def run_checkov(folders: Iterable[Path], *, quiet: bool = True) -> dict[str, Any]:
    """One checkov process over every YAML file of ``folders``: its JSON report."""
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: run `make tools` (make test does)")
    files = sorted(str(f) for folder in folders for f in folder.rglob("*.yaml") if f.name != "kustomization.yaml")
    assert files, "no manifest to check"
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "LOG_LEVEL": "WARNING"}
    command = [
        str(CHECKOV),
        "--framework",
        "kubernetes",
        "--skip-download",
        "--compact",
        "-o",
        "json",
        "--file",
        *files,
    ]
    result = subprocess.run(
        [*command, *(["--quiet"] if quiet else [])], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    # Exit 1 means failed checks; anything else but 0 is checkov failing.
    assert result.returncode in (0, 1), f"checkov exited {result.returncode}: {result.stderr[-2000:]}"
    report = json.loads(result.stdout)
    reports: list[dict[str, Any]] = report if isinstance(report, list) else [report]
    assert [r["check_type"] for r in reports] == ["kubernetes"], result.stdout[:500]
    return reports[0]


def failures(report: dict[str, Any]) -> list[str]:
    return [f"{f['check_id']} {f['resource']} {f['file_path']}" for f in report["results"]["failed_checks"]]


def exceptions_in(folders: Iterable[Path]) -> dict[tuple[str, str], list[str]]:
    """(check, reason) -> the objects (``<folder>: Kind/namespace/name``) whose annotation says so."""
    found: dict[tuple[str, str], list[str]] = {}
    for folder in folders:
        label = folder.relative_to(PROJECT).as_posix()
        for doc in load_manifests(folder):
            for key, value in ((doc.get("metadata") or {}).get("annotations") or {}).items():
                if key.startswith(SKIP_ANNOTATION_PREFIX):
                    check, _, reason = value.partition("=")
                    found.setdefault((check, reason), []).append(f"`{label}`: `{object_ref(doc)}`")
    return found


# --- the gate ---------------------------------------------------------------------------------


#: The tests that read the gate's one report run on one pytest-xdist worker (the
#: ``checkov-report`` group), so checkov's run over every folder happens once.
@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return run_checkov(gate_folders(), quiet=False)


@pytest.mark.xdist_group("checkov-report")
def test_checkov_passes_every_folder_with_every_check(report: dict[str, Any]) -> None:
    summary = report["summary"]
    assert failures(report) == [], "checkov failed checks (fix, or explain on the object):\n" + "\n".join(
        failures(report)
    )
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 1000, summary  # every workload was checked
    assert summary["checkov_version"] == "3.3.30"


@pytest.mark.xdist_group("checkov-report")
def test_every_skip_has_a_reason_and_no_check_is_skipped_without_an_annotation(report: dict[str, Any]) -> None:
    skipped = report["results"]["skipped_checks"]
    assert skipped, "no exception at all: is checkov reading the annotations?"
    for check in skipped:
        assert check["check_result"].get("suppress_comment") not in (None, "", "No comment provided"), check
    assert len(skipped) == sum(len(objects) for objects in exceptions_in(gate_folders()).values())


def test_the_gate_fails_when_an_exception_is_removed(tmp_path: Path) -> None:
    """Remove every checkov annotation from the output of the fixture environment: the gate
    reports what they explained."""
    folder = howtos.synth_fixture(tmp_path) / "dev-meta"
    for path in folder.rglob("*.yaml"):
        path.write_text(re.sub(r"^ +checkov\.io/skip[0-9]+: .*\n", "", path.read_text(), flags=re.MULTILINE))
    found = failures(run_checkov([folder]))
    assert {line.split()[0] for line in found} == {"CKV_K8S_15", "CKV_K8S_35", "CKV_K8S_40", "CKV_K8S_43"}
    assert any(line.startswith("CKV_K8S_40 StatefulSet.aipp.pgvector ") for line in found), found


def test_an_environment_that_pins_every_digest_has_no_digest_or_pull_policy_exception(tmp_path: Path) -> None:
    """The digest exception disappears when the environment file gives digests, and checkov then
    passes CKV_K8S_43 and CKV_K8S_15 for every object, without any annotation."""
    rows = yaml.safe_load(REFERENCE.read_text())["images"]
    folder = howtos.synth_fixture(tmp_path, {"images": {name: {"digest": DIGEST} for name in rows}}) / "dev-meta"
    text = (folder / "aipp.k8s.yaml").read_text()
    assert f"@{DIGEST}" in text
    assert f"={IMAGE_DIGEST}" not in text and f"{IMAGE_DIGEST}=" not in text
    assert f"{PULL_POLICY_ALWAYS}=" not in text
    report = run_checkov([folder], quiet=False)
    assert failures(report) == []
    passed = {(c["check_id"], c["resource"]) for c in report["results"]["passed_checks"]}
    for resource in ("Deployment.aipp.enai-front", "StatefulSet.aipp.pgvector", "CronJob.aipp.pgvector-backup"):
        assert (IMAGE_DIGEST, resource) in passed and (PULL_POLICY_ALWAYS, resource) in passed, resource
    skipped = {c["check_id"] for c in report["results"]["skipped_checks"]}
    assert skipped == {"CKV_K8S_35", "CKV_K8S_40"}


def test_checkov_agrees_with_the_skips_a_security_exception_derives(tmp_path: Path) -> None:
    """A workload relaxing everything a SecurityException can: checkov fails nothing and skips
    exactly the checks the exception derives, with its reason; without those annotations it
    fails exactly those checks (so none is missing and none is superfluous)."""
    reason = "the sandbox switches to a per-run user and chroots into the run folder"
    exception = SecurityException(
        reason=reason,
        add_capabilities=("SETUID", "SETGID", "SYS_CHROOT"),
        run_as_root=True,
        allow_privilege_escalation=True,
        writable_root_filesystem=True,
    )
    defaults = PortDefaults(namespace="acme", part_of="acme", pod_security_level="baseline")
    chart = PortChart(cdk8s.Testing.app(), "port", defaults)
    props = WorkloadProps(
        name="sandbox",
        image=f"registry.example.com/acme/sandbox:0.2.0@{DIGEST}",
        security_exception=exception,
        telemetry=Telemetry(mode="off"),
        probes=Probes.of(ExecCheck(command=("true",))),
    )
    Workload(chart, "Sandbox", props)
    chart.add_network_policies()
    derived = {e.check for e in exception.policy_exceptions()}
    assert derived == {"CKV_K8S_20", "CKV_K8S_22", "CKV_K8S_23", "CKV_K8S_25", "CKV_K8S_40"}
    manifests = cdk8s.Testing.synth(chart)
    (tmp_path / "with").mkdir()
    (tmp_path / "with" / "sandbox.yaml").write_text(yaml.safe_dump_all(manifests))

    report = run_checkov([tmp_path / "with"], quiet=False)
    assert failures(report) == [], failures(report)
    skipped = {(c["check_id"], c["resource"]) for c in report["results"]["skipped_checks"]}
    assert skipped == {(check, "Deployment.acme.sandbox") for check in derived}
    assert {c["check_result"]["suppress_comment"] for c in report["results"]["skipped_checks"]} == {reason}

    for manifest in manifests:
        annotations = manifest["metadata"].get("annotations", {})
        for key in [key for key in annotations if key.startswith(SKIP_ANNOTATION_PREFIX)]:
            del annotations[key]
    (tmp_path / "without").mkdir()
    (tmp_path / "without" / "sandbox.yaml").write_text(yaml.safe_dump_all(manifests))
    assert {line.split()[0] for line in failures(run_checkov([tmp_path / "without"]))} == derived


# --- aipp check --exceptions lists every exception -------------------------------------------------


@pytest.mark.xdist_group("checkov-report")
def test_aipp_check_exceptions_lists_exactly_the_skips_checkov_reports(report: dict[str, Any]) -> None:
    listed = {
        (line.split(": ")[2].removeprefix("checkov "), line.split(": ")[1])
        for line in exception_lines(gate_folders())
        if ": checkov " in line
    }
    skipped = {(c["check_id"], "/".join(c["resource"].split(".", 2))) for c in report["results"]["skipped_checks"]}
    assert listed == skipped
