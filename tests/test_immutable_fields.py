"""immutable_fields: the fields the API server will not update in place, held against recorded
cases, and the refusal of ``make synth`` / ``aipp diff`` on the frozen reference environment.

tests/immutable_cases/refused/*.yaml: an object before and after an edit, the API server's
message that edit provokes and the Kubernetes source file it comes from; allowed/*.yaml: edits
the API server applies in place. The acceptance runs on copies of
tests/environments/reference.yaml, never on environments/.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import PROJECT, REFERENCE

import main
from aipp_constructs.cli import aipp
from aipp_constructs.core._config_loader import ConfigErrors
from aipp_constructs.review import immutable_fields
from aipp_constructs.review.immutable_fields import RULES, check_folders, quantity, render_table, violations
from aipp_constructs.review.manifest_diff import diff_folders, object_key

CASES = Path(__file__).resolve().parent / "immutable_cases"
REFUSED = sorted((CASES / "refused").glob("*.yaml"))
ALLOWED = sorted((CASES / "allowed").glob("*.yaml"))


def _case(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = yaml.safe_load(path.read_text())
    return case


def _keyed(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {object_key(doc): doc for doc in docs}


# -- the table against the recorded cases -------------------------------------------------------


@pytest.mark.parametrize("path", REFUSED, ids=[p.stem for p in REFUSED])
def test_a_refused_edit_is_one_violation_with_the_api_servers_message(path: Path) -> None:
    case = _case(path)
    found = violations(_keyed(case["before"]), _keyed(case["after"]))
    assert [(v.path, v.rule.message, v.rule.source) for v in found] == [
        (case["field"], case["message"], case["source"])
    ]
    line = found[0].line()
    assert "\n" not in line and case["field"] in line and found[0].rule.procedure in line


@pytest.mark.parametrize("path", ALLOWED, ids=[p.stem for p in ALLOWED])
def test_an_edit_the_api_server_applies_in_place_passes(path: Path) -> None:
    case = _case(path)
    assert case["before"] != case["after"]
    assert violations(_keyed(case["before"]), _keyed(case["after"])) == []


def test_every_rule_has_a_recorded_case_and_every_case_a_source_file() -> None:
    hit = set()
    for path in REFUSED:
        case = _case(path)
        assert path.read_text().startswith("# ") and case["source"].split(" ")[0].startswith("pkg/")
        hit |= {id(v.rule) for v in violations(_keyed(case["before"]), _keyed(case["after"]))}
    assert [rule.kind + " " + rule.fields for rule in RULES if id(rule) not in hit] == []
    kinds = {doc["kind"] for path in REFUSED for doc in _case(path)["after"]}
    assert {"StatefulSet", "Deployment", "DaemonSet", "ReplicaSet", "Job", "Service"} <= kinds
    assert {"PersistentVolumeClaim", "ConfigMap", "Secret", "RoleBinding", "ClusterRoleBinding"} <= kinds


def test_a_new_object_or_a_new_name_is_created_not_updated() -> None:
    case = _case(CASES / "refused" / "pvc-storage-class.yaml")
    renamed = [{**doc, "metadata": {**doc["metadata"], "name": "data-v2"}} for doc in case["after"]]
    assert violations(_keyed(case["before"]), _keyed(renamed)) == []
    assert violations({}, _keyed(case["after"])) == []


def test_force_replace_objects_are_recreated() -> None:
    case = _case(CASES / "refused" / "job-template.yaml")

    def annotated(options: str) -> dict[str, dict[str, Any]]:
        annotations = {"argocd.argoproj.io/sync-options": options}
        return _keyed([{**doc, "metadata": {**doc["metadata"], "annotations": annotations}} for doc in case["after"]])

    assert violations(_keyed(case["before"]), annotated("Force=true,Replace=true")) == []
    # Replace alone is an update (kubectl replace): still refused.
    assert len(violations(_keyed(case["before"]), annotated("Replace=true"))) == 1


def test_claim_growth_needs_every_replicas_claim() -> None:
    case = _case(CASES / "allowed" / "statefulset-claim-growth-ignored-with-claims.yaml")
    notes: list[str] = []
    assert violations(_keyed(case["before"]), _keyed(case["after"]), notes=notes) == []
    assert notes == [f"StatefulSet/team/db: {immutable_fields.GROWTH_NOTE}"]
    after = [doc for doc in case["after"] if doc["metadata"]["name"] != "data-db-1"]
    found = violations(_keyed(case["before"]), _keyed(after))
    assert [v.path for v in found] == ["spec.volumeClaimTemplates[metadata.name=data].spec.resources.requests.storage"]
    smaller = [
        {**doc, "spec": {**doc["spec"], "resources": {"requests": {"storage": "25Gi"}}}}
        if doc["kind"] == "PersistentVolumeClaim"
        else doc
        for doc in case["after"]
    ]
    assert len(violations(_keyed(case["before"]), _keyed(smaller))) == 1


def test_quantities_compare_across_units() -> None:
    assert quantity("1Gi") == quantity("1024Mi") and quantity("1G") == quantity("1000M")
    assert quantity("1.5Gi") == quantity("1536Mi") and quantity("500m") == quantity("0.5")
    assert quantity("20Gi") is not None and quantity("30Gi") > quantity("20Gi")  # type: ignore[operator]
    assert quantity("lots") is None and quantity(True) is None


def test_check_folders_reads_only_the_files_that_changed(tmp_path: Path) -> None:
    case = _case(CASES / "refused" / "statefulset-service-name.yaml")
    for side in ("before", "after"):
        folder = tmp_path / side / "env"
        folder.mkdir(parents=True)
        (folder / "app.yaml").write_text(yaml.safe_dump_all(case[side]))
        (folder / "broken.yaml").write_text("{ not: yaml: at all\n")  # the same bytes on both sides
    found = check_folders(tmp_path / "before", tmp_path / "after", ["env"])
    assert [v.path for v in found] == ["spec.serviceName"]
    assert check_folders(tmp_path / "missing", tmp_path / "after") == []


def test_docs_immutable_fields_is_the_rendered_table() -> None:
    text = (PROJECT / "docs" / "immutable-fields.md").read_text()
    assert text == render_table(), "make synth regenerates it"
    assert all(rule.message in text.replace("\\|", "|") for rule in RULES)


def test_the_generic_module_knows_nothing_of_aipp() -> None:
    source = Path(immutable_fields.__file__).read_text().lower().replace("aipp_constructs", "")
    assert "aipp" not in source and "pgvector" not in source


# -- acceptance: the reference environment -------------------------------------------------------


def _environment(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reference.yaml").write_text(text)
    return folder


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture()
def synthesized(tmp_path: Path) -> tuple[Path, Path]:
    """The reference environment synthesized into ``tmp_path/dist`` (the committed output)."""
    envs = _environment(tmp_path / "environments", REFERENCE.read_text())
    dist = tmp_path / "dist"
    main.synth_all(dist, envs)
    return envs, dist


def _edit(envs: Path, old: str, new: str) -> None:
    file = envs / "reference.yaml"
    text = file.read_text()
    assert text.count(old) == 1
    file.write_text(text.replace(old, new))


PGVECTOR_SIZE = "    storage_size: 20Gi\n    shm_size"


def test_a_bigger_pgvector_volume_lands_as_changes_an_existing_statefulset_accepts(
    synthesized: tuple[Path, Path], tmp_path: Path
) -> None:
    envs, dist = synthesized
    before = tmp_path / "before"
    main.synth_all(before, envs)
    _edit(envs, PGVECTOR_SIZE, "    storage_size: 30Gi\n    shm_size")
    main.synth_all(dist, envs)
    (change,) = [d for d in [diff_folders(before / "reference", dist / "reference", "reference")] if d.differs]
    changed = {item.key: [(f.path, f.before, f.after) for f in item.fields] for item in change.objects}
    assert {item.change for item in change.objects} == {"changed"}
    # Only mutable fields of existing objects: the claim grows (Longhorn expands it) and the
    # claim template, which the Application ignores (RespectIgnoreDifferences), follows.
    assert changed == {
        "apps/v1/StatefulSet/aipp/pgvector": [
            ("spec.volumeClaimTemplates[metadata.name=data].spec.resources.requests.storage", "20Gi", "30Gi")
        ],
        "v1/PersistentVolumeClaim/aipp/data-pgvector-0": [("spec.resources.requests.storage", "20Gi", "30Gi")],
    }
    application = yaml.safe_load((dist / "bootstrap" / "reference" / "aipp.k8s.yaml").read_text())
    assert {"group": "apps", "kind": "StatefulSet", "jsonPointers": ["/spec/volumeClaimTemplates"]} in application[
        "spec"
    ]["ignoreDifferences"]
    assert "RespectIgnoreDifferences=true" in application["spec"]["syncPolicy"]["syncOptions"]


@pytest.mark.parametrize(
    ("old", "new", "fields"),
    [
        (PGVECTOR_SIZE, "    storage_size: 10Gi\n    shm_size", ["StatefulSet/aipp/pgvector"]),
        (
            "storage_class: longhorn\n",
            "storage_class: longhorn-fast\n",
            [
                "StatefulSet/aipp/pgvector",
                "PersistentVolumeClaim/aipp/redis-data",
                "StatefulSet/aipp/rabbitmq",
                "PersistentVolumeClaim/aipp/pgvector-backup",
            ],
        ),
    ],
    ids=["shrink", "storage-class"],
)
def test_a_volume_that_cannot_follow_is_refused_one_line_each_and_dist_untouched(
    synthesized: tuple[Path, Path], old: str, new: str, fields: list[str]
) -> None:
    envs, dist = synthesized
    untouched = _digest(dist)
    _edit(envs, old, new)
    with pytest.raises(ConfigErrors) as refused:
        main.synth_all(dist, envs)
    lines = str(refused.value).splitlines()
    assert [line.split(": ", 2)[1] for line in lines] == fields
    field = "storageClassName" if "class" in new else "resources.requests.storage"
    for line in lines:
        assert line.startswith(f"{envs / 'reference.yaml'}: ")
        assert field in line and "cannot be applied to the existing object" in line
        assert "docs/how-to/restore-a-dump.md" in line
    assert _digest(dist) == untouched


def test_aipp_diff_names_the_immutable_field_and_the_procedure(synthesized: tuple[Path, Path]) -> None:
    envs, dist = synthesized
    _edit(envs, PGVECTOR_SIZE, "    storage_size: 10Gi\n    shm_size")
    result = CliRunner().invoke(aipp, ["diff", str(envs / "reference.yaml"), "--dist", str(dist)])
    assert result.exit_code == 1, result.output
    tail = result.stdout.splitlines()[-2:]
    assert tail[0] == "cannot be applied to the existing objects (1):"
    assert tail[1].startswith(
        "  StatefulSet/aipp/pgvector: spec.volumeClaimTemplates[metadata.name=data].spec.resources.requests.storage: "
    )
    assert "20Gi -> 10Gi" in tail[1] and "a data migration" in tail[1]
    markdown = CliRunner().invoke(aipp, ["diff", str(envs / "reference.yaml"), "--dist", str(dist), "--markdown"])
    assert "**Cannot be applied to the existing objects** (1)" in markdown.stdout.splitlines()
    assert markdown.stdout.splitlines()[-1].startswith("- StatefulSet/aipp/pgvector: ")


def test_aipp_diff_of_a_growth_lists_no_refusal(synthesized: tuple[Path, Path]) -> None:
    envs, dist = synthesized
    _edit(envs, PGVECTOR_SIZE, "    storage_size: 30Gi\n    shm_size")
    result = CliRunner().invoke(aipp, ["diff", str(envs / "reference.yaml"), "--dist", str(dist)])
    assert result.exit_code == 1 and "cannot be applied" not in result.stdout
    *_, summary, note = result.stdout.splitlines()
    assert summary == "2 changed, 0 added, 0 removed"
    assert note.startswith("note: StatefulSet/aipp/pgvector: spec.volumeClaimTemplates grows: ")
    assert "docs/how-to-grow-a-volume.md" in note


@pytest.mark.parametrize("names", [(), ("reference",)], ids=["every-environment", "one-environment"])
def test_aipp_synth_refuses_with_one_error_line_and_leaves_the_output(
    synthesized: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, names: tuple[str, ...]
) -> None:
    envs, dist = synthesized
    monkeypatch.setattr(main, "ENVIRONMENTS_DIR", envs)
    untouched = _digest(dist)
    _edit(envs, PGVECTOR_SIZE, "    storage_size: 10Gi\n    shm_size")
    result = CliRunner().invoke(aipp, ["synth", *names], env={"AIPP_OUTDIR": str(dist)})
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {envs / 'reference.yaml'}: StatefulSet/aipp/pgvector: spec.volumeClaimTemplates")
    assert _digest(dist) == untouched
