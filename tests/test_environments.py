"""One YAML snapshot per environment: ``dist/<env>/aipp.k8s.yaml`` itself (one copy in git).

A snapshot change is reviewed like code: ``make snapshot`` (or ``pytest --snapshot-update``)
rewrites ``dist/``; read its diff before committing it. Each object starts with a comment
``# <kind>/<namespace>/<name>``, so a diff hunk says which object changed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REFERENCE

import main
from aipp_constructs import SYNC_WAVE_ANNOTATION
from aipp_constructs.aipp import load_environment

ENV_FILES = main.environment_files()


def _synth_yaml(path: Path, tmp_path: Path) -> str:
    return main.render(main.build_app(load_environment(path), str(tmp_path)))


@pytest.mark.parametrize("env_file", ENV_FILES, ids=[p.stem for p in ENV_FILES])
def test_synth(env_file: Path, tmp_path: Path, dist_snapshot: Any, request: pytest.FixtureRequest) -> None:
    dist_file = main.PROJECT / "dist" / env_file.stem / main.MANIFEST_FILE
    if not dist_file.exists() and not request.config.option.update_snapshots:
        pytest.fail(
            f"{dist_file.relative_to(main.PROJECT)} does not exist: `make snapshot` synthesizes it "
            f"from {env_file.relative_to(main.PROJECT)}; read it, then commit it",
            pytrace=False,
        )
    assert _synth_yaml(env_file, tmp_path) == dist_snapshot(name=env_file.stem)


def test_each_object_is_preceded_by_a_comment_naming_it(tmp_path: Path) -> None:
    text = _synth_yaml(REFERENCE, tmp_path)
    documents = text.split("---\n")
    assert len(documents) > 10
    for document in documents:
        comment, _, body = document.partition("\n")
        obj = yaml.safe_load(body)
        meta = obj["metadata"]
        expected = "/".join(p for p in (obj["kind"], meta.get("namespace"), meta["name"]) if p)
        assert comment == f"# {expected}"


def test_dev_meta_waves_follow_the_plan(tmp_path: Path) -> None:
    env = load_environment(REFERENCE)
    docs = list(yaml.safe_load_all(_synth_yaml(REFERENCE, tmp_path)))
    waves: dict[str, set[str]] = {}
    for doc in docs:
        component = doc["metadata"].get("labels", {}).get("app.kubernetes.io/name", "-")
        key = (
            doc["kind"]
            if doc["kind"]
            in {
                "Namespace",
                "ExternalSecret",
                "ConfigMap",
                "NetworkPolicy",
                "Ingress",
                "RecurringJob",
                "PrometheusRule",
            }
            else component
        )
        waves.setdefault(key, set()).add(doc["metadata"]["annotations"][SYNC_WAVE_ANNOTATION])
    # The plan's table (docs/plan.md), derived from the graph of the plan's dev-meta (the fixture):
    # wave 0 namespace + secrets + config maps; 1 data tier; 2 backend; 3 workers; 4 front + Ingress.
    plan = {
        "Namespace": {"0"},
        "ExternalSecret": {"0"},
        "ConfigMap": {"0"},
        "NetworkPolicy": {"0"},
        "pgvector": {"1"},
        "redis": {"1"},
        "rabbitmq": {"1"},
        "enai-backend": {"2"},
        "enai-data-processor": {"3"},
        "enai-linker": {"3"},
        "enai-scheduler": {"3"},
        "enai-front": {"4"},
        "Ingress": {"4"},
        # Not in the plan's table, derived the same way: the Longhorn jobs are configuration;
        # the nightly dump follows pgvector; each PostSync check follows what it checks.
        "RecurringJob": {"0"},
        "PrometheusRule": {"0"},
        "pgvector-backup": {"2"},
        "verify-pgvector": {"2"},
        "verify-enai-backend": {"3"},
        "verify-enai-data-processor": {"4"},
        "verify-enai-scheduler": {"4"},
        "verify-enai-front": {"5"},
    }
    # A disabled component (the linker on a cluster without GPUs) leaves the others' waves alone.
    assert waves == {key: wave for key, wave in plan.items() if key not in env.components.by_name() or env.enabled(key)}


def test_dev_meta_has_a_network_policy_per_node_of_the_readme_graph_and_two_more(tmp_path: Path) -> None:
    """What docs/aipp-port.md says of wave 0, for the plan's dev-meta (the fixture) with every
    component enabled: ``default-deny``, ``allow-dns`` and one NetworkPolicy per node of the
    README's picture (the graph ``make synth`` draws there)."""
    data = yaml.safe_load(REFERENCE.read_text())
    for settings in data.get("components", {}).values():
        if isinstance(settings, dict) and "enabled" in settings:
            settings["enabled"] = True
    path = tmp_path / "dev-meta.yaml"
    path.write_text(yaml.safe_dump(data))
    documents = yaml.safe_load_all(_synth_yaml(path, tmp_path))
    policies = sorted(d["metadata"]["name"] for d in documents if d and d["kind"] == "NetworkPolicy")
    readme = (main.PROJECT / "README.md").read_text()
    block = readme.split("<!-- graph:begin", 1)[1].split("<!-- graph:end -->", 1)[0]
    nodes = re.findall(r'^  (\S+)\["', block, flags=re.MULTILINE)
    assert len(nodes) > 8
    assert policies == sorted(["default-deny", "allow-dns", *nodes])
