"""How ``aipp diff`` matches list items and reads embedded documents (aipp_constructs/review/manifest_diff.py).

Unit tests of :func:`diff_values` on small manifests, then the acceptance of issue 18: the
reference environment (tests/environments/reference.yaml) with the linker switched off,
compared by ``aipp diff`` with its own synth, names only linker objects and linker items.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import REFERENCE, write_environment

import main
from aipp_constructs.cli import aipp
from aipp_constructs.review.manifest_diff import (
    ABSENT,
    FieldChange,
    describe,
    diff_folders,
    diff_values,
    render_markdown,
    render_text,
    show_change,
)

# -- NetworkPolicy rules and peers -------------------------------------------------------------------


def _peer(app: str) -> dict[str, Any]:
    return {"podSelector": {"matchLabels": {"app": app}}}


def _rule(*apps: str, ports: tuple[int, ...] = (5432,)) -> dict[str, Any]:
    return {"from": [_peer(app) for app in apps], "ports": [{"port": port, "protocol": "TCP"} for port in ports]}


def _policy(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "NetworkPolicy", "spec": {"podSelector": {}, "ingress": list(rules)}}


def _shown(before: Any, after: Any) -> list[str]:
    return [show_change(change) for change in diff_values(before, after)]


def test_a_removed_rule_is_removed_by_its_peers_and_the_later_rules_are_unchanged() -> None:
    before = _policy(_rule("backend"), _rule("linker"), _rule("scheduler"), _rule("backup"))
    after = _policy(_rule("backend"), _rule("scheduler"), _rule("backup"))
    assert diff_values(before, after) == [
        FieldChange("spec.ingress[from=podSelector{app=linker}]", _rule("linker"), ABSENT, spelled="from")
    ]


def test_an_added_rule_is_added_by_its_peers() -> None:
    before = _policy(_rule("backend"), _rule("scheduler"))
    after = _policy(_rule("backend"), _rule("linker"), _rule("scheduler"))
    assert _shown(before, after) == [
        # its peers are in the path, the value shows the rest
        'spec.ingress[from=podSelector{app=linker}]: (absent) -> {"ports": [{"port": 5432, "protocol": "TCP"}]}'
    ]


def test_reordered_rules_are_one_order_change() -> None:
    before = _policy(_rule("backend"), _rule("scheduler"))
    after = _policy(_rule("scheduler"), _rule("backend"))
    assert _shown(before, after) == [
        'spec.ingress (order): ["podSelector{app=backend}", "podSelector{app=scheduler}"]'
        ' -> ["podSelector{app=scheduler}", "podSelector{app=backend}"]'
    ]


def test_a_rule_whose_ports_changed_reads_as_that_rules_ports() -> None:
    before = _policy(_rule("backend"), _rule("scheduler", ports=(5432,)))
    changed = _policy(_rule("backend"), _rule("scheduler", ports=(5433,)))
    assert _shown(before, changed) == ["spec.ingress[from=podSelector{app=scheduler}].ports[0].port: 5432 -> 5433"]
    widened = _policy(_rule("backend"), _rule("scheduler", ports=(5432, 9187)))
    assert _shown(before, widened) == [
        'spec.ingress[from=podSelector{app=scheduler}].ports[port=9187,protocol=TCP]: (absent) -> {"port": 9187, "protocol": "TCP"}'
    ]


def test_a_rule_that_gains_or_loses_a_peer_shows_that_peer_only() -> None:
    before = _policy(_rule("backend", "linker"), _rule("scheduler"))
    after = _policy(_rule("backend"), _rule("scheduler"))
    assert diff_values(before, after) == [
        FieldChange(
            "spec.ingress[from=podSelector{app=backend}, podSelector{app=linker}].from[podSelector{app=linker}]",
            _peer("linker"),
            ABSENT,
        )
    ]
    assert [change.path for change in diff_values(after, before)] == [
        "spec.ingress[from=podSelector{app=backend}].from[podSelector{app=linker}]"
    ]


def test_a_rule_whose_peers_were_all_replaced_is_removed_and_added_never_changed_in_place() -> None:
    before = _policy(_rule("backend"), _rule("linker"))
    after = _policy(_rule("backend"), _rule("scheduler"))
    changes = diff_values(before, after)
    assert [(change.path, change.before is ABSENT, change.after is ABSENT) for change in changes] == [
        ("spec.ingress[from=podSelector{app=scheduler}]", True, False),
        ("spec.ingress[from=podSelector{app=linker}]", False, True),
    ]


def test_rules_with_the_same_peers_are_matched_by_value() -> None:
    before = _policy(_rule("backend", ports=(80,)), _rule("backend", ports=(443,)))
    after = _policy(_rule("backend", ports=(443,)))
    assert [change.path for change in diff_values(before, after)] == [
        "spec.ingress[from[podSelector{app=backend}] ports[port=80,protocol=TCP]]"
    ]


def test_egress_rules_are_identified_by_their_destinations() -> None:
    before = {"egress": [{"to": [_peer("dns")]}, {"to": [_peer("db")], "ports": [{"port": 5432}]}]}
    after = {"egress": [{"to": [_peer("db")], "ports": [{"port": 5432}]}]}
    assert [change.path for change in diff_values(before, after)] == ["egress[to=podSelector{app=dns}]"]


# -- key fields, plain values ------------------------------------------------------------------------


def test_named_items_are_matched_by_name_and_a_new_one_is_one_added_item() -> None:
    before = {"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}
    after = {"env": [{"name": "NEW", "value": "x"}, {"name": "A", "value": "1"}, {"name": "B", "value": "3"}]}
    assert _shown(before, after) == [
        'env[name=NEW]: (absent) -> {"name": "NEW", "value": "x"}',
        'env[name=B].value: "2" -> "3"',
    ]


def test_the_first_key_field_with_distinct_values_identifies_the_items() -> None:
    mounts = [{"name": "data", "mountPath": "/a"}, {"name": "data", "mountPath": "/b", "subPath": "b"}]
    moved = [mounts[0], {**mounts[1], "subPath": "c"}]
    assert _shown({"volumeMounts": mounts}, {"volumeMounts": moved}) == [
        'volumeMounts[mountPath=/b].subPath: "b" -> "c"'
    ]
    claim = {"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": "20Gi"}}}}
    bigger = {"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": "30Gi"}}}}
    assert _shown({"volumeClaimTemplates": [claim]}, {"volumeClaimTemplates": [bigger]}) == [
        'volumeClaimTemplates[metadata.name=data].spec.resources.requests.storage: "20Gi" -> "30Gi"'
    ]
    ports = [{"containerPort": 8080}, {"containerPort": 9090, "protocol": "TCP"}]
    assert _shown({"ports": ports}, {"ports": ports[1:]}) == [
        'ports[containerPort=8080]: {"containerPort": 8080} -> (absent)'
    ]


def test_alerting_and_recording_rules_of_one_group_are_identified_by_alert_or_record() -> None:
    rules = [{"record": "job:up:sum", "expr": "sum(up)"}, {"alert": "Down", "expr": "up == 0", "for": "5m"}]
    changed = [rules[0], {**rules[1], "for": "10m"}, {"alert": "Linker", "expr": "x"}]
    assert _shown({"rules": rules}, {"rules": changed}) == [
        'rules[alert=Down].for: "5m" -> "10m"',
        'rules[alert=Linker]: (absent) -> {"alert": "Linker", "expr": "x"}',
    ]


def test_plain_values_change_in_place_and_a_reordering_is_reported_as_such() -> None:
    script = "set -eu; " * 20
    before = {"command": ["sh", "-c", script + "sleep 10"], "tags": ["a", "b", "c"]}
    after = {"command": ["sh", "-c", script + "sleep 20"], "tags": ["c", "a", "b"]}
    (command, tags) = _shown(before, after)
    assert command.startswith("command[2]: ...") and "sleep 10" in command and "sleep 20" in command
    assert tags == 'tags (order): ["a", "b", "c"] -> ["c", "a", "b"]'
    assert _shown({"tags": ["a", "b"]}, {"tags": ["b"]}) == ['tags[0]: "a" -> (absent)']


def test_describe_names_a_value_briefly() -> None:
    assert describe({"podSelector": {"matchLabels": {"app": "web", "tier": "db"}}}) == "podSelector{app=web,tier=db}"
    assert describe({"namespaceSelector": {}, "podSelector": {"matchExpressions": []}}) == (
        "namespaceSelector{} podSelector{matchExpressions[]}"
    )
    assert describe([{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]) == (
        "ipBlock{cidr=10.0.0.0/8 except[10.1.0.0/16]}"
    )
    assert describe({"port": 53, "protocol": "UDP", "endPort": None}) == "port=53,protocol=UDP,endPort=null"


# -- embedded documents ------------------------------------------------------------------------------


def _panel(title: str, number: int, expr: str) -> dict[str, Any]:
    target = {"datasource": {"type": "prometheus", "uid": "${datasource}"}, "expr": expr, "refId": "A"}
    return {"id": number, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 8 * number}, "title": title, "targets": [target]}


def _dashboard(*panels: tuple[str, str]) -> dict[str, Any]:
    document = {"title": "app", "uid": "app", "panels": [_panel(t, n, e) for n, (t, e) in enumerate(panels, 1)]}
    return {"kind": "ConfigMap", "data": {"app.json": json.dumps(document, indent=2)}}


def test_a_json_document_in_a_configmap_is_compared_panel_by_panel() -> None:
    redis = ("Redis memory", "redis_memory_used_bytes")
    before = _dashboard(("Overview", "up"), ("Linker", 'up{job="linker"}'), redis, ("Front", "up{job='front'}"))
    after = _dashboard(
        ("Overview", "up"), (redis[0], "redis_memory_used_bytes / redis_memory_max_bytes"), ("Front", "up{job='front'}")
    )
    redis_expr = '"redis_memory_used_bytes" -> "redis_memory_used_bytes / redis_memory_max_bytes"'
    assert _shown(before, after) == [
        'data["app.json"].panels[*].id (-1 in 2 items: title=Redis memory ... title=Front): [3, 4] -> [2, 3]',
        'data["app.json"].panels[*].gridPos.y (-8 in 2 items: title=Redis memory ... title=Front): [24, 32] -> [16, 24]',
        f'data["app.json"].panels[title=Redis memory].targets[0].expr: {redis_expr}',
        'data["app.json"].panels[title=Linker]: {"id": 2, "gridPos": {"h": 8...\\"linker\\"}", "refId": "A"}]} -> (absent)',
    ]


def test_a_yaml_document_in_a_configmap_is_compared_field_by_field() -> None:
    config = {"server": {"port": 80, "hosts": ["a", "b"]}, "log": "info"}
    before = {"data": {"config.yaml": yaml.safe_dump(config), "notes.txt": "port: 80\n"}}
    changed = {"server": {"port": 81, "hosts": ["a", "b", "c"]}, "log": "info"}
    after = {"data": {"config.yaml": yaml.safe_dump(changed), "notes.txt": "port: 81\n"}}
    assert _shown(before, after) == [
        'data["config.yaml"].server.hosts[2]: (absent) -> "c"',
        'data["config.yaml"].server.port: 80 -> 81',
        'data["notes.txt"]: "port: 80\\n" -> "port: 81\\n"',  # not a document name: text
    ]


def test_an_embedded_document_that_only_changed_its_layout_or_does_not_parse_is_compared_as_text() -> None:
    reformatted = _shown({"data": {"a.json": '{"x": 1}'}}, {"data": {"a.json": '{"x":1}'}})
    assert reformatted == ['data["a.json"]: "{\\"x\\": 1}" -> "{\\"x\\":1}"']
    broken = _shown({"data": {"a.yaml": "x: 1\n"}}, {"data": {"a.yaml": "x: [1\n"}})
    assert broken == ['data["a.yaml"]: "x: 1\\n" -> "x: [1\\n"']
    annotation = {"metadata": {"annotations": {"config": '{"replicas": 1, "image": "a"}'}}}
    edited = {"metadata": {"annotations": {"config": '{"replicas": 2, "image": "a"}'}}}
    assert _shown(annotation, edited) == ["metadata.annotations.config.replicas: 1 -> 2"]


def test_a_long_embedded_value_is_cut_around_its_difference() -> None:
    long = "sum by (pod) (rate(http_server_requests_seconds_count{namespace='aipp', service='backend'}[5m]))"
    before = _dashboard(("Requests", long))
    after = _dashboard(("Requests", long.replace("[5m]", "[10m]")))
    (line,) = _shown(before, after)
    assert line.startswith('data["app.json"].panels[title=Requests].targets[0].expr: ...')
    assert "[5m]" in line and "[10m]" in line and len(line) < 200


def test_a_long_value_that_differs_from_its_start_keeps_its_end() -> None:
    mirrored = {"image": "harbor.example.com/aipp/backend:v1.0.0"}
    vendor = {"image": "registry.vendor.example.com:10003/enai/prod/backend:v1.0.0@sha256:0123456789abcdef"}
    (line,) = _shown(mirrored, vendor)
    assert line == (
        'image: "harbor.example.com/aipp/backend:v1.0.0"'
        ' -> "registry.vendor.example.com....0.0@sha256:0123456789abcdef"'
    )


# -- folders and rendering ---------------------------------------------------------------------------


def _folder(path: Path, *docs: dict[str, Any]) -> Path:
    path.mkdir(parents=True)
    (path / "app.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return path


def test_text_and_markdown_show_the_identity_paths(tmp_path: Path) -> None:
    meta = {"apiVersion": "networking.k8s.io/v1", "metadata": {"name": "db", "namespace": "team"}}
    before = _folder(tmp_path / "before", {**meta, **_policy(_rule("backend"), _rule("linker"))})
    after = _folder(tmp_path / "after", {**meta, **_policy(_rule("backend"))})
    diff = diff_folders(before, after, "dist/team")
    path = "spec.ingress[from=podSelector{app=linker}]"
    assert render_text([diff])[:3] == [
        "dist/team:",
        "  changed networking.k8s.io/v1/NetworkPolicy/team/db",
        f'    {path}: {{"ports": [{{"port": 5432, "protocol": "TCP"}}]}} -> (absent)',
    ]
    markdown = render_markdown([diff], "Changes")
    assert f"  {path}: " in "\n".join(markdown) and markdown[0] == "### Changes: 1 changed, 0 added, 0 removed"


# -- acceptance: the linker switched off ---------------------------------------------------------------


@pytest.fixture(scope="module")
def linker_off(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The reference environment's synth in ``dist/``, and the reference with the linker disabled."""
    base = tmp_path_factory.mktemp("linker")
    for folder in ("on", "off"):
        (base / folder).mkdir()
    (env,) = main.load_environments(write_environment(base / "on", "reference", REFERENCE).parent)
    main.synth_environment(env, base / "dist", base / "on")
    off = write_environment(base / "off", "reference", REFERENCE, **{"components.enai-linker.enabled": False})
    return base / "dist", off


def test_disabling_the_linker_removes_only_linker_objects_and_linker_items(linker_off: tuple[Path, Path]) -> None:
    dist, off = linker_off
    result = CliRunner().invoke(aipp, ["diff", str(off), "--dist", str(dist)], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{dist}/reference:" and not any(line.startswith(f"{dist}/bootstrap") for line in lines)
    objects: dict[tuple[str, str], list[str]] = {}  # (change, key) -> its field lines
    for line in lines[1:-1]:
        if line.startswith("    "):
            objects[next(reversed(objects))].append(line.strip())
        else:
            change, key = line.split()
            objects[change, key] = []
    assert {change for change, _ in objects} == {"changed", "removed"}  # nothing added
    assert all(key.rsplit("/", 1)[-1].startswith("enai-linker") for change, key in objects if change == "removed")
    for (change, key), fields in objects.items():
        # a field line is a removed linker item, or (in a ConfigMap) panels renumbered by the removal
        for field in fields:
            path = field.split(": ")[0]
            if "[*]." in path:
                assert "/ConfigMap/" in key and ".panels[*]." in path and "enai-linker" not in field, field
            else:
                assert field.endswith(" -> (absent)") and "enai-linker" in path, f"{key}: {field}"
        assert change == "removed" or fields
    peer = "spec.ingress[from=podSelector{app.kubernetes.io/name=enai-linker,app.kubernetes.io/part-of=aipp}]"
    assert objects["changed", "networking.k8s.io/v1/NetworkPolicy/aipp/pgvector"][0].startswith(peer + ": ")
    dashboard = [field for (_, key), fields in objects.items() if "/ConfigMap/" in key for field in fields]
    assert sum('.json"].panels[title=enai-linker' in field for field in dashboard) >= 2  # its row and panels
    changed, removed = (sum(change == kind for change, _ in objects) for kind in ("changed", "removed"))
    assert lines[-1] == f"{changed} changed, 0 added, {removed} removed"
