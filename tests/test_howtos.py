"""The everyday-task recipes of the how-to pages (docs/how-to/) exist, and what they promise holds.

tests/test_dist.py runs every check of dist/ on each recipe applied (see tests/howtos.py);
these tests check what each recipe says besides "the output is valid".
"""

from __future__ import annotations

import difflib
from pathlib import Path

import howtos
import pytest
import yaml

import main
from aipp_constructs.core._config_loader import ConfigErrors


def test_the_how_to_pages_have_the_five_recipes() -> None:
    assert set(howtos.recipes()) == {"add-environment", "bump-image", "option-b", "no-gpu", "newer-cluster"}


def test_a_recipe_named_twice_is_refused(tmp_path: Path) -> None:
    block = "<!-- howto: no-gpu -->\n```yaml\ncomponents: {enai-linker: {enabled: false}}\n```\n"
    (tmp_path / "a.md").write_text(block)
    assert set(howtos.recipes(tmp_path)) == {"no-gpu"}
    (tmp_path / "b.md").write_text(block)
    with pytest.raises(ValueError, match="'no-gpu' is there twice"):
        howtos.recipes(tmp_path)


def test_a_copied_environment_syncs_its_own_folder_under_its_own_name(tmp_path: Path) -> None:
    howtos.apply(howtos.recipes()["add-environment"], tmp_path / "environments")
    main.synth_all(tmp_path / "dist", tmp_path / "environments")
    apps = {
        path.parent.name: yaml.safe_load(path.read_text().split("\n", 1)[1])
        for path in (tmp_path / "dist" / "bootstrap").glob("*/aipp.k8s.yaml")
    }
    assert {env: app["spec"]["source"]["path"] for env, app in apps.items()} == {
        "dev-meta": "dist/dev-meta",
        "staging": "dist/staging",
    }
    assert apps["staging"]["metadata"]["name"] != apps["dev-meta"]["metadata"]["name"]


@pytest.mark.parametrize("keep", ["namespace", "ingress", "secrets"])
def test_a_copy_that_keeps_a_unique_key_is_refused_naming_both_files(tmp_path: Path, keep: str) -> None:
    copy_as, edit = howtos.recipes()["add-environment"]
    howtos.apply((copy_as, {k: v for k, v in edit.items() if k != keep}), tmp_path / "environments")
    with pytest.raises(ConfigErrors) as caught:
        main.load_environments(tmp_path / "environments")
    (error,) = caught.value.errors
    assert error.file.endswith("staging.yaml") and "dev-meta.yaml" in error.problem
    assert error.line is not None and error.path.startswith(keep)


@pytest.fixture(scope="module")
def fixture_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture environment synthesized as it is: what each recipe is compared with."""
    return howtos.synth_fixture(tmp_path_factory.mktemp("fixture"))


def test_a_bump_changes_only_the_bumped_workload(tmp_path: Path, fixture_dist: Path) -> None:
    howtos.apply(howtos.recipes()["bump-image"], tmp_path / "environments")
    main.synth_all(tmp_path / "dist", tmp_path / "environments")
    before = (fixture_dist / "dev-meta" / main.MANIFEST_FILE).read_text().split("---\n")
    after = (tmp_path / "dist" / "dev-meta" / main.MANIFEST_FILE).read_text().split("---\n")
    changed = [a.split("\n", 1)[0] for a, b in zip(after, before, strict=True) if a != b]
    service = next(iter(howtos.recipes()["bump-image"][1]["images"]))
    # Its Deployment (image, version labels) and the objects carrying its version label.
    assert f"# Deployment/aipp/{service}" in changed
    assert all(comment.endswith(f"/{service}") for comment in changed), changed


def test_a_newer_cluster_changes_only_the_spring_pre_stop_hooks(tmp_path: Path, fixture_dist: Path) -> None:
    howtos.apply(howtos.recipes()["newer-cluster"], tmp_path / "environments")
    main.synth_all(tmp_path / "dist", tmp_path / "environments")
    before = (fixture_dist / "dev-meta" / main.MANIFEST_FILE).read_text().splitlines()
    after = (tmp_path / "dist" / "dev-meta" / main.MANIFEST_FILE).read_text().splitlines()
    diff = [line for line in difflib.unified_diff(before, after, lineterm="", n=0) if line[:1] in "+-"][2:]
    removed = [line[1:].strip() for line in diff if line.startswith("-")]
    added = [line[1:].strip() for line in diff if line.startswith("+")]
    assert removed == ["exec:", "command:", "- sleep", '- "10"'] * 3, removed
    assert added == ["sleep:", "seconds: 10"] * 3, added
    hooks = [after[i + 1].strip() for i, line in enumerate(after) if line.strip() == "preStop:"]
    assert hooks.count("sleep:") == 3
