"""examples/dify: Dify 1.13 (11 services of ../shared/compose-corpus/dify.yml) ported with the
public API only, the code sandbox in a "baseline" namespace of its own and everything else
"restricted"; its snapshot, its checks, its two mutual pairs and an independent reachability
check of its NetworkPolicies against the edges of Dify's Compose file."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

import main
from aipp_constructs.checks import (
    KUBERNETES_VERSIONS,
    check_no_credential_values,
    check_pod_security,
    load_crd_schemas,
    validate_manifest,
)
from aipp_constructs.checks.reachability import Pod, reachability

DIFY = main.PROJECT / "examples" / "dify"
SNAPSHOTS = ("dify.k8s.yaml", "dify-sandbox.k8s.yaml")
WORKLOADS = ("Deployment", "StatefulSet")


def _module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's main() into a fresh folder: what `make synth` writes to examples/dify/dist."""
    outdir = tmp_path_factory.mktemp("dify") / "dist"
    assert _module(DIFY / "dify.py").main(outdir) == 0
    return outdir


@pytest.fixture(scope="module")
def docs(synthesized: Path) -> list[dict[str, Any]]:
    return [doc for name in SNAPSHOTS for doc in yaml.safe_load_all((synthesized / name).read_text()) if doc]


def _workloads(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] in WORKLOADS}


def _env(workload: dict[str, Any]) -> dict[str, Any]:
    """The main container's variables as the process sees them: ``$(NAME)`` of a variable
    defined earlier expanded, as Kubernetes does; a Secret's reference as written."""
    env: dict[str, Any] = {}
    for var in workload["spec"]["template"]["spec"]["containers"][0].get("env", []):
        value = var.get("value", var.get("valueFrom"))
        if isinstance(value, str):
            value = re.sub(r"\$\((\w+)\)", lambda m: str(env.get(m.group(1), m.group(0))), value)
        env[var["name"]] = value
    return env


def test_the_dify_snapshot_is_what_the_example_synthesizes(synthesized: Path) -> None:
    assert sorted(p.name for p in synthesized.iterdir()) == sorted(SNAPSHOTS)
    for name in SNAPSHOTS:
        committed = DIFY / "dist" / name
        assert committed.exists(), f"examples/dify/dist/{name} is missing: run `make synth`"
        assert committed.read_text() == (synthesized / name).read_text(), f"{name} is stale: run `make synth`"


def test_the_dify_port_passes_every_check(docs: list[dict[str, Any]]) -> None:
    schemas = load_crd_schemas()
    findings = [f for doc in docs for version in KUBERNETES_VERSIONS for f in validate_manifest(doc, version, schemas)]
    findings += [f for doc in docs for f in check_pod_security(doc) + check_no_credential_values(doc)]
    assert findings == []


def test_the_sandbox_alone_is_in_a_baseline_namespace_and_the_rest_restricted(docs: list[dict[str, Any]]) -> None:
    levels = {
        d["metadata"]["name"]: d["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
        for d in docs
        if d["kind"] == "Namespace"
    }
    assert levels == {"dify": "restricted", "dify-sandbox": "baseline"}
    namespaces = {name: w["metadata"]["namespace"] for name, w in _workloads(docs).items()}
    # Compose's 11 services: init_permissions is a step of the pods that mount the storage
    # (fsGroup does its chown), nginx the Ingress; the optional vector stores are left out.
    assert namespaces == {
        **dict.fromkeys(("db-postgres", "redis", "weaviate", "ssrf-proxy", "plugin-daemon"), "dify"),
        **dict.fromkeys(("api", "worker", "worker-beat", "web"), "dify"),
        "sandbox": "dify-sandbox",
    }
    workloads = _workloads(docs)
    for name in ("api", "worker"):
        steps = [c["name"] for c in workloads[name]["spec"]["template"]["spec"]["initContainers"]]
        assert "init-permissions" in steps
    sandbox = workloads["sandbox"]["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    assert sandbox["runAsUser"] == 0 and sandbox["readOnlyRootFilesystem"] is False
    assert sandbox["capabilities"] == {
        "drop": ["ALL"],
        "add": ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID", "SYS_CHROOT"],
    }
    for name, workload in workloads.items():
        if name != "sandbox":
            context = workload["spec"]["template"]["spec"]["containers"][0]["securityContext"]
            assert context["runAsNonRoot"] is True and context["capabilities"] == {"drop": ["ALL"]}, name


def test_both_mutual_pairs_are_wired_both_ways(docs: list[dict[str, Any]]) -> None:
    workloads = _workloads(docs)
    assert _env(workloads["api"])["PLUGIN_DAEMON_URL"] == "http://plugin-daemon:5002"
    assert _env(workloads["plugin-daemon"])["DIFY_INNER_API_URL"] == "http://api:5001"
    # Across the namespaces the host is the other's Service (bare, or namespaced once the
    # library wires cross-namespace edges by <svc>.<ns>.svc).
    assert re.fullmatch(r"http://ssrf-proxy(\.dify\.svc)?:3128", _env(workloads["sandbox"])["HTTP_PROXY"])
    assert re.fullmatch(r"sandbox(\.dify-sandbox\.svc)?", _env(workloads["ssrf-proxy"])["SANDBOX_HOST"])
    assert _env(workloads["ssrf-proxy"])["SANDBOX_PORT"] == "8194"
    # One proxy URL for both schemes, as in Compose.
    sandbox = _env(workloads["sandbox"])
    assert sandbox["HTTPS_PROXY"] == sandbox["HTTP_PROXY"]
    for name in ("api", "worker"):
        env = _env(workloads[name])
        assert env["SSRF_PROXY_HTTPS_URL"] == env["SSRF_PROXY_HTTP_URL"] == "http://ssrf-proxy:3128", name
    assert "SSRF_PROXY_HTTPS_URL" not in _env(workloads["worker-beat"])


INGRESS_CONTROLLER = Pod("ingress-nginx", "ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
# Written out from Dify's Compose file (the services' URLs and depends_on), not from the library.
DIFY_EDGES = {
    *{(app, dep, port) for app in ("api", "worker") for dep, port in (
        ("db-postgres", 5432), ("redis", 6379), ("weaviate", 8080), ("plugin-daemon", 5002),
        ("ssrf-proxy", 3128), ("sandbox", 8194),
    )},
    ("worker-beat", "db-postgres", 5432), ("worker-beat", "redis", 6379),
    ("plugin-daemon", "db-postgres", 5432), ("plugin-daemon", "redis", 6379), ("plugin-daemon", "api", 5001),
    ("sandbox", "ssrf-proxy", 3128), ("ssrf-proxy", "sandbox", 8194),
    # nginx (the Ingress controller) -> api, web and the plugin daemon's /e/ hooks
    ("ingress-nginx", "api", 5001), ("ingress-nginx", "web", 3000), ("ingress-nginx", "plugin-daemon", 5002),
}  # fmt: skip


def test_the_network_policies_of_both_namespaces_allow_exactly_difys_edges(docs: list[dict[str, Any]]) -> None:
    assert reachability(docs, outsiders=[INGRESS_CONTROLLER]) == DIFY_EDGES


def test_the_example_is_short_typed_and_hand_writes_no_url_or_pod_label() -> None:
    text = (DIFY / "dify.py").read_text()
    assert len(text.splitlines()) <= 220
    assert "type: ignore" not in text and not re.search(r"^\s*assert\b", text, re.MULTILINE)
    assert not re.search(r"https?://[a-z0-9-]+(\.[a-z0-9-]+\.svc)?(:\d+|/|\")", text.replace(".example.com", ""))
    assert "app.kubernetes.io" not in text
