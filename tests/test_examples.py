"""The examples: other vendors' Compose stacks ported with the public API only, each with its
own snapshot and the same checks as AIPP (strict schemas, CRD schemas, Pod Security
"restricted", no credential value), and no drift from its Compose file."""

from __future__ import annotations

import ast
import importlib.util
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from cdk8s import App

import main
from aipp_constructs.checks import (
    KUBERNETES_VERSIONS,
    check_no_credential_values,
    check_pod_security,
    load_crd_schemas,
    load_manifests,
    validate_manifest,
)
from aipp_constructs.compose.__main__ import main as compose_cli

EXAMPLES = main.PROJECT / "examples"
LANGFUSE = EXAMPLES / "langfuse"


def _module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def langfuse_yaml() -> str:
    app = App()
    _module(LANGFUSE / "langfuse.py").build(app)
    return app.synth_yaml()


def test_the_langfuse_snapshot_is_what_the_example_synthesizes(langfuse_yaml: str) -> None:
    committed = LANGFUSE / "dist" / "langfuse.k8s.yaml"
    assert committed.exists(), "examples/langfuse/dist/langfuse.k8s.yaml is missing: run `make synth`"
    assert committed.read_text() == langfuse_yaml, "the Langfuse snapshot is stale: run `make synth`, read the diff"


def test_the_langfuse_port_passes_every_check(langfuse_yaml: str) -> None:
    docs = [doc for doc in yaml.safe_load_all(langfuse_yaml) if doc]
    schemas = load_crd_schemas()
    findings = [f for doc in docs for version in KUBERNETES_VERSIONS for f in validate_manifest(doc, version, schemas)]
    findings += [f for doc in docs for f in check_pod_security(doc) + check_no_credential_values(doc)]
    assert findings == []
    assert {d["kind"] for d in docs} >= {
        "Namespace",
        "ExternalSecret",
        "StatefulSet",
        "Deployment",
        "NetworkPolicy",
        "Ingress",
    }


def test_the_langfuse_port_has_no_drift_from_its_compose_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert compose_cli(["drift", str(LANGFUSE / "docker-compose.yml"), str(LANGFUSE / "dist")]) == 0
    assert capsys.readouterr().out.strip().endswith("6 services compared, 0 findings")


def _workload(docs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(d for d in docs if d["metadata"]["name"] == name and d["kind"] in ("Deployment", "StatefulSet"))


def _drop(docs: list[dict[str, Any]], name: str) -> None:
    docs.remove(_workload(docs, name))


def _remove_env(docs: list[dict[str, Any]]) -> None:
    env = _workload(docs, "langfuse-worker")["spec"]["template"]["spec"]["containers"][0]["env"]
    env[:] = [e for e in env if e["name"] != "CLICKHOUSE_URL"]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda docs: _drop(docs, "minio"), "drift: minio"),
        (_remove_env, "drift: langfuse-worker: env CLICKHOUSE_URL: not set"),
        (
            lambda docs: _workload(docs, "clickhouse")["spec"].pop("volumeClaimTemplates"),
            "drift: clickhouse: volume clickhouse-data",
        ),
    ],
)
def test_drift_reports_a_service_a_variable_or_a_volume_the_port_lost(
    tmp_path: Path, mutate: Any, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = load_manifests(LANGFUSE / "dist")
    mutate(docs)
    (tmp_path / "langfuse.k8s.yaml").write_text(yaml.safe_dump_all(docs))
    assert compose_cli(["drift", str(LANGFUSE / "docker-compose.yml"), str(tmp_path)]) == 1
    assert expected in capsys.readouterr().out


def test_examples_use_only_the_public_api() -> None:
    for path in EXAMPLES.rglob("*.py"):
        text = path.read_text()
        assert "JsonPatch" not in text and "add_json_patch" not in text, path
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom):
                modules = (node.module or "").split(".")
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                modules = [part for alias in node.names for part in alias.name.split(".")]
                names = []
            else:
                continue
            assert not any(part.startswith("_") for part in modules), (path, modules)
            assert not any(name.startswith("_") for name in names), (path, names)


def test_the_langfuse_example_is_short() -> None:
    assert len((LANGFUSE / "langfuse.py").read_text().splitlines()) <= 150


def test_an_example_writes_its_snapshot_folder(tmp_path: Path) -> None:
    example = _module(LANGFUSE / "langfuse.py")
    assert example.main(tmp_path / "dist") == 0
    assert (tmp_path / "dist" / "langfuse.k8s.yaml").read_text() == (
        LANGFUSE / "dist" / "langfuse.k8s.yaml"
    ).read_text()
    shutil.rmtree(tmp_path / "dist")


def test_the_langfuse_port_synthesizes_under_vault_agent_with_no_secret(tmp_path: Path) -> None:
    """examples/langfuse/vault_agent.py: the same port with the secrets provider vault-agent (no
    ExternalSecret, no Secret, no secretKeyRef, no CKV_K8S_35); every offline check passes."""
    from click.testing import CliRunner

    from aipp_constructs.cli import aipp

    app = App(outdir=str(tmp_path))
    _module(LANGFUSE / "vault_agent.py").build(app)
    text = app.synth_yaml()
    docs = [doc for doc in yaml.safe_load_all(text) if doc]
    assert not [d for d in docs if d["kind"] in {"ExternalSecret", "Secret"}]
    assert "secretKeyRef" not in text and "CKV_K8S_35" not in text
    web = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "langfuse-web")
    (main_container,) = [c for c in web["spec"]["template"]["spec"]["containers"] if c["name"] == "langfuse-web"]
    assert main_container["command"] == [
        "sh", "-c", '. /vault/secrets/agent-env.sh && exec "$@"', "agent-env", "dumb-init", "--", "./web/entrypoint.sh",
    ]  # fmt: skip
    assert main_container["args"] == ["node", "./web/server.js", "--keepAliveTimeout", "110000"]
    agents = {
        d["metadata"]["name"]
        for d in docs
        if d["kind"] in {"Deployment", "StatefulSet"}
        and d["spec"]["template"]["metadata"].get("annotations", {}).get("vault.hashicorp.com/agent-inject") == "true"
    }
    assert agents == {"postgres", "redis", "clickhouse", "minio", "langfuse-web", "langfuse-worker"}
    app.synth()
    result = CliRunner().invoke(aipp, ["check", str(tmp_path), "--kubernetes-version", "v1.30"])
    assert result.exit_code == 0 and result.output.rstrip().endswith(" 0 failed"), result.output
