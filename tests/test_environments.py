"""One YAML snapshot per environment, byte-identical to dist/<env>/aipp.k8s.yaml.

A snapshot change is reviewed like code: `pytest --snapshot-update`, then read the diff of
tests/__snapshots__/ before committing it (and run `make synth` so dist/ matches).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import main
from aipp_constructs import SYNC_WAVE_ANNOTATION
from aipp_constructs.aipp import load_environment

ENV_FILES = main.environment_files()


def _synth_yaml(path: Path, tmp_path: Path) -> str:
    return main.build_app(load_environment(path), str(tmp_path)).synth_yaml()


@pytest.mark.parametrize("env_file", ENV_FILES, ids=[p.stem for p in ENV_FILES])
def test_synth(env_file: Path, tmp_path: Path, snapshot_yaml: Any) -> None:
    assert _synth_yaml(env_file, tmp_path) == snapshot_yaml


@pytest.mark.parametrize("env_file", ENV_FILES, ids=[p.stem for p in ENV_FILES])
def test_snapshot_is_byte_identical_to_dist(env_file: Path, tmp_path: Path) -> None:
    dist_file = main.PROJECT / "dist" / env_file.stem / f"{main.CHART_ID}.k8s.yaml"
    assert dist_file.read_text() == _synth_yaml(env_file, tmp_path)


def test_dev_meta_waves_follow_the_plan(tmp_path: Path) -> None:
    docs = list(yaml.safe_load_all(_synth_yaml(main.ENVIRONMENTS_DIR / "dev-meta.yaml", tmp_path)))
    waves: dict[str, set[str]] = {}
    for doc in docs:
        component = doc["metadata"].get("labels", {}).get("app.kubernetes.io/name", "-")
        key = (
            doc["kind"]
            if doc["kind"] in {"Namespace", "ExternalSecret", "ConfigMap", "NetworkPolicy", "Ingress", "RecurringJob"}
            else component
        )
        waves.setdefault(key, set()).add(doc["metadata"]["annotations"][SYNC_WAVE_ANNOTATION])
    # The plan's table (SEED.md), derived from the graph in environments/dev-meta.yaml:
    # wave 0 namespace + secrets + config maps; 1 data tier; 2 backend; 3 workers; 4 front + Ingress.
    assert waves == {
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
        "pgvector-backup": {"2"},
        "verify-pgvector": {"2"},
        "verify-enai-backend": {"3"},
        "verify-enai-data-processor": {"4"},
        "verify-enai-scheduler": {"4"},
        "verify-enai-front": {"5"},
    }
