"""The ``aipp`` command in this project (aipp_constructs/cli/, with the AIPP port's commands of
aipp_constructs/aipp/cli.py), through Click's test runner.

A synth costs about a second: ``diff`` and ``graph`` build charts, so the tests that need one
share it where they can (the graph fixture, the modified environment file).
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import howtos
import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import DIST, PROJECT, REFERENCE, write_environment
from fakeregistry import FakeRegistry, digest_of

import main
from aipp_constructs import cli
from aipp_constructs.aipp import cli as aipp_cli
from aipp_constructs.aipp import images, load_environment
from aipp_constructs.checks import load_manifests
from aipp_constructs.cli import aipp
from aipp_constructs.review.manifest_diff import diff_folders, render_markdown, render_text

DEV_META = PROJECT / "environments" / "dev-meta.yaml"
DUMP = "aipp-20261126T023000Z.dump"
ANSI = "\x1b["


def env_file(tmp_path: Path, changes: dict[str, Any], name: str = "reference", source: Path = REFERENCE) -> Path:
    """``source`` saved as ``tmp_path/<name>.yaml`` with ``changes`` (see ``write_environment``)."""
    return write_environment(tmp_path, name, source, **changes)


def run(*args: str, env: dict[str, str] | None = None, color: bool = False) -> Result:
    return CliRunner().invoke(aipp, list(args), env=env, color=color, catch_exceptions=False)


def last_line(text: str) -> str:
    return text.rstrip("\n").rsplit("\n", 1)[-1]


# -- the group -------------------------------------------------------------------------------------

COMMANDS = [[], ["synth"], ["check"], ["diff"], ["graph"], ["images"], ["restore"], ["vault-setup"], ["compose"]]
COMMANDS += [["compose", "inspect"], ["compose", "drift"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "aipp")
def test_every_command_has_help_with_a_one_line_description_and_an_example(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Usage: ")
    assert lines[1] == "" and lines[2].strip() and lines[3] == ""  # the one-line description
    # `\b` keeps the example's lines as written: each its own line, indented under "Example:".
    example = lines[lines.index("  Example:") + 1]
    assert example.startswith("    aipp ") and " ".join(command) in example


def test_the_group_lists_every_command_and_the_exit_codes() -> None:
    out = run("--help").stdout
    for name in ("synth", "check", "diff", "graph", "images", "restore", "vault-setup", "compose"):
        assert re.search(rf"^  {name} +\S", out, re.MULTILINE), name
    assert "Exit codes: 0 ok; 1 findings" in " ".join(out.split())


@pytest.mark.parametrize(
    "args",
    [
        ["no-such-command"],
        ["images"],
        ["images", "dev-meta", "--tool", "podman"],
        ["restore", "dev-meta"],
        ["graph", "dev-meta", "--format", "png"],
        ["diff"],
        ["diff", "dev-meta", "--dist", "no-such-folder"],
        ["check", "no-such-folder"],
        ["check", "dist/dev-meta", "--kubernetes-version", "1.30"],
        ["compose", "drift", "vendor/aipp/docker-compose.yml"],
        ["compose", "inspect", "vendor/aipp/docker-compose.yml", "--format", "xml"],
    ],
)
def test_usage_errors_exit_2(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Error: " in result.stderr or "error: " in result.stderr


def test_a_folder_without_manifests_is_a_usage_error(tmp_path: Path) -> None:
    result = run("check", str(tmp_path))
    assert result.exit_code == 2 and f"no *.yaml manifests under {tmp_path}" in result.stderr


def test_python_m_aipp_constructs_is_the_same_command_and_aipp_is_installed() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "aipp_constructs", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT,
        check=False,
    )
    assert out.returncode == 0 and out.stdout.startswith("Usage: python -m aipp_constructs [OPTIONS] COMMAND")
    (script,) = importlib.metadata.entry_points(group="console_scripts", name="aipp")
    assert script.value == "aipp_constructs.cli:main"


def test_no_colour_unless_on_a_terminal(tmp_path: Path) -> None:
    bad = env_file(tmp_path, {"images.enai-backend.tag": "latest"})
    assert ANSI not in run("images", str(bad)).stderr
    assert ANSI in run("images", str(bad), color=True).stderr  # what a terminal would get


# -- bad environment files -------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["images"], ["restore", "--dump", DUMP], ["graph"], ["diff"]])
def test_a_bad_environment_file_is_one_error_line(command: list[str], tmp_path: Path) -> None:
    bad = env_file(tmp_path, {"images.enai-backend.tag": "latest"}, "dev-meta")
    result = run(command[0], str(bad), *command[1:])
    assert result.exit_code == (2 if command == ["diff"] else 1)  # diff's 1 means "different"
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {bad}:") and "images.enai-backend.tag: is the moving tag 'latest'" in line


def test_a_missing_environment_is_one_error_line(tmp_path: Path) -> None:
    result = run("graph", str(tmp_path / "nowhere.yaml"))
    assert (result.exit_code, result.stderr) == (1, f"error: {tmp_path / 'nowhere.yaml'}: no such environment file\n")


def test_a_chart_stage_mistake_is_located_like_the_parsers(tmp_path: Path) -> None:
    cycle = env_file(tmp_path, {"components.enai-backend.depends_on": ["enai-linker"]})
    result = run("graph", str(cycle))
    assert result.exit_code == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert re.match(rf"error: {re.escape(str(cycle))}:\d+: components.enai-backend.depends_on: dependency cycle", line)


# -- synth -----------------------------------------------------------------------------------------


def test_synth_of_one_environment_writes_what_main_writes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "other").mkdir(parents=True)
    result = run("synth", "dev-meta", env={"AIPP_OUTDIR": str(out)})
    assert result.exit_code == 0, result.output
    assert result.stderr == f"synthesized dev-meta into {out}\n"
    for folder in ("dev-meta", "bootstrap/dev-meta"):
        for file in (DIST / folder).iterdir():
            assert (out / folder / file.name).read_text() == file.read_text()
    assert (out / "other").is_dir()  # only the named environment's folders are replaced


def test_synth_refuses_bad_files_with_one_line_each_and_leaves_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environments = tmp_path / "environments"
    environments.mkdir()
    env_file(environments, {"images.enai-backend.tag": "latest", "wait.attempts": 0}, "dev-meta")
    monkeypatch.setattr(main, "ENVIRONMENTS_DIR", environments)
    out = tmp_path / "out"
    out.mkdir()
    (out / "sentinel").write_text("previous output\n")
    for args in (["synth"], ["synth", "dev-meta"]):
        result = run(*args, env={"AIPP_OUTDIR": str(out)})
        assert result.exit_code == 1 and result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 2 and all(line.startswith("error: ") for line in lines), result.stderr
        assert sorted(p.name for p in out.iterdir()) == ["sentinel"]
    result = run("synth", "staging", env={"AIPP_OUTDIR": str(out)})
    assert result.exit_code == 1 and "staging.yaml: no such environment file" in result.stderr


# -- check -----------------------------------------------------------------------------------------


def _privileged_copy(tmp_path: Path) -> Path:
    """dist/dev-meta with enai-backend's container privileged."""
    copy = tmp_path / "dev-meta"
    copy.mkdir()
    docs = [d for d in yaml.safe_load_all((DIST / "dev-meta" / "aipp.k8s.yaml").read_text()) if d]
    (backend,) = [d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "enai-backend"]
    backend["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = True
    (copy / "aipp.k8s.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return copy


def _tools_line(out: str, tool: str) -> str:
    (line,) = [line for line in out.splitlines() if line.startswith(f"{tool}: ")]
    return line


def test_check_passes_dist_dev_meta_with_every_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT)
    result = run("check", "dist/dev-meta")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # progress only on a terminal
    assert re.fullmatch(r"[1-9][0-9]* passed, 0 failed", last_line(result.stdout))
    objects = len(load_manifests(DIST / "dev-meta"))
    for check in ("pod-security", "credentials", "schema"):
        assert _tools_line(result.stdout, check) == f"{check}: {objects} passed, 0 failed"
    for tool in ("checkov", "detect-secrets"):
        ran = cli.find_tool(tool) is not None
        assert re.fullmatch(rf"{tool}: [1-9][0-9]* passed, 0 failed.*", _tools_line(result.stdout, tool)) or not ran
    passed = sum(int(line.split()[1]) for line in result.stdout.splitlines()[:-1] if " passed, " in line)
    assert last_line(result.stdout) == f"{passed} passed, 0 failed"


def test_check_fails_a_privileged_container_and_names_the_object(tmp_path: Path) -> None:
    result = run("check", str(_privileged_copy(tmp_path)))
    assert result.exit_code == 1
    findings = [line for line in result.stdout.splitlines() if line.startswith("Deployment/aipp/enai-backend: ")]
    assert findings[0] == (
        "Deployment/aipp/enai-backend: pod-security: "
        'container "enai-backend" securityContext.privileged must be unset or false, got True'
    )
    if cli.find_tool("checkov"):
        assert "Deployment/aipp/enai-backend: checkov CKV_K8S_16: Container should not be privileged" in findings
    assert last_line(result.stdout).endswith(f" passed, {len(findings)} failed")


def test_check_says_which_tools_are_missing_and_names_the_objects_of_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret found by detect-secrets is reported on the object whose lines hold it."""
    if cli.find_tool("detect-secrets") is None:
        pytest.skip("detect-secrets is not installed (make tools)")
    real = cli.find_tool
    monkeypatch.setattr(cli, "find_tool", lambda name: None if name == "checkov" else real(name))
    # Made up for each run (and never a literal here, which the scan of this file would find).
    credential = "x" + secrets.token_urlsafe(12)
    meta = {"namespace": "team"}
    docs = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {**meta, "name": "clean"}, "data": {"a": "b"}},
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {**meta, "name": "leaky"},
            "data": {"password": credential},
        },
    ]
    file = tmp_path / "app.yaml"
    file.write_text(yaml.safe_dump_all(docs))
    number = file.read_text().splitlines().index(f"  password: {credential}") + 1
    result = run("check", str(tmp_path))
    assert result.exit_code == 1
    assert _tools_line(result.stdout, "checkov") == "checkov: skipped: not installed"
    assert _tools_line(result.stdout, "detect-secrets") == "detect-secrets: 1 passed, 1 failed"
    assert f"ConfigMap/team/leaky: detect-secrets: Secret Keyword on line {number} of {file}\n" in result.stdout


def test_the_built_in_secret_scan_options_are_those_of_the_project() -> None:
    assert cli.DETECT_SECRETS_ARGS == tuple(
        (PROJECT / "tools" / "detect-secrets" / "scan.args").read_text().splitlines()
    )


# -- diff ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture environment (tests/environments/reference.yaml) synthesized as ``dev-meta``."""
    return howtos.synth_fixture(tmp_path_factory.mktemp("fixture"))


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture environment as ``dev-meta`` with enai-backend at 3 replicas and image tag v1.0.1."""
    changes = {"components.enai-backend.replicas": 3, "images.enai-backend.tag": "v1.0.1"}
    return env_file(tmp_path_factory.mktemp("edited"), changes, "dev-meta")


@pytest.mark.parametrize("name", [path.stem for path in main.environment_files()])
def test_diff_of_a_clean_tree_is_no_difference(name: str) -> None:
    result = run("diff", name)
    assert (result.exit_code, result.stdout) == (0, f"no difference in dist/{name}, dist/bootstrap/{name}\n")


def test_diff_lists_the_changed_objects_and_fields(edited: Path, fixture_dist: Path) -> None:
    result = run("diff", str(edited), "--dist", str(fixture_dist))
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert out.startswith(f"{fixture_dist}/dev-meta:\n")
    assert "  changed apps/v1/Deployment/aipp/enai-backend\n" in out
    assert "    spec.replicas: 1 -> 3\n" in out
    image = "harbor.dev.unifiedmeta.net/aipp/backend"
    assert f'    spec.template.spec.containers[name=enai-backend].image: "{image}:v1.0.0" -> "{image}:v1.0.1"\n' in out
    assert "  changed v1/Service/aipp/enai-backend\n" in out  # its version label
    assert "enai-front" not in out
    assert last_line(out) == "3 changed, 0 added, 0 removed"


def test_diff_markdown_is_a_pull_request_section(edited: Path, fixture_dist: Path) -> None:
    result = run("diff", str(edited), "--markdown", "--dist", str(fixture_dist))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "### Manifest changes of `dev-meta`: 3 changed, 0 added, 0 removed"
    assert "**Changed** (3)" in lines and "| object | folder | fields changed |" in lines
    assert any(line.startswith("| `apps/v1/Deployment/aipp/enai-backend` |") for line in lines)
    details = lines[lines.index("<details>") :]
    assert details[1].startswith("<summary>Field changes (") and details[3] == "```text"
    assert "  spec.replicas: 1 -> 3" in details and details[-1] == "</details>"


def test_diff_against_a_folder_that_is_missing_an_environment(edited: Path, tmp_path: Path) -> None:
    result = run("diff", str(edited), "--dist", str(tmp_path))
    assert result.exit_code == 1
    assert re.search(r"^  added apps/v1/Deployment/aipp/enai-backend$", result.stdout, re.MULTILINE)
    assert f"{tmp_path}/dev-meta does not exist yet" in result.stdout


def _folder(path: Path, *docs: dict[str, Any]) -> Path:
    path.mkdir(parents=True)
    (path / "app.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return path


def _deployment(name: str, env: list[dict[str, str]], image: str = "app:1.0.0") -> dict[str, Any]:
    container = {"name": "app", "image": image, "env": env}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "team", "annotations": {"argocd.argoproj.io/sync-wave": "1"}},
        "spec": {"template": {"spec": {"containers": [container]}}},
    }


def test_manifest_diff_keys_objects_and_matches_named_lists_by_name(tmp_path: Path) -> None:
    a, b = {"name": "A", "value": "1"}, {"name": "B", "value": "2"}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "team"}}
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}
    before = _folder(tmp_path / "before", namespace, _deployment("web", [a, b]), service)
    changed = _deployment("web", [{"name": "NEW", "value": "x"}, b, a], image="app:1.0.1")
    changed["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] = "2"
    after = _folder(tmp_path / "after", namespace, changed, {**service, "apiVersion": "v2"})
    diff = diff_folders(before, after, "dist/team")
    assert [(item.change, item.key) for item in diff.objects] == [
        ("changed", "apps/v1/Deployment/team/web"),
        ("added", "v2/Service/team/web"),
        ("removed", "v1/Service/team/web"),
    ]
    assert render_text([diff]) == [
        "dist/team:",
        "  changed apps/v1/Deployment/team/web",
        '    metadata.annotations["argocd.argoproj.io/sync-wave"]: "1" -> "2"',
        '    spec.template.spec.containers[name=app].image: "app:1.0.0" -> "app:1.0.1"',
        '    spec.template.spec.containers[name=app].env[name=NEW]: (absent) -> {"name": "NEW", "value": "x"}',
        '    spec.template.spec.containers[name=app].env (order): ["A", "B"] -> ["B", "A"]',
        "  added v2/Service/team/web",
        "  removed v1/Service/team/web",
        "1 changed, 1 added, 1 removed",
    ]
    markdown = render_markdown([diff], "Changes")
    assert markdown[0] == "### Changes: 1 changed, 1 added, 1 removed"
    assert "| `v2/Service/team/web` | `dist/team` |" in markdown


def test_manifest_diff_shortens_values_around_the_difference_and_sees_text_only_changes(tmp_path: Path) -> None:
    script = "set -eu; " * 20
    before = _folder(tmp_path / "before", _deployment("web", [{"name": "S", "value": script + "sleep 10"}]))
    after = _folder(tmp_path / "after", _deployment("web", [{"name": "S", "value": script + "sleep 20"}]))
    (line,) = render_text([diff_folders(before, after, "x")])[2:3]
    assert line.startswith("    spec.template.spec.containers[name=app].env[name=S].value: ...")
    assert "sleep 10" in line and "sleep 20" in line and len(line) < 200
    (after / "app.yaml").write_text("# a comment\n" + (before / "app.yaml").read_text())
    same = diff_folders(before, after, "x")
    assert same.objects == () and same.notes == (
        "x/app.yaml: same objects, different text (order, comments or formatting)",
    )
    assert not diff_folders(before, before, "x").differs


# -- graph -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference_as_dev_meta(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture environment saved as ``dev-meta.yaml``: the graph the README draws (tests/test_readme.py)."""
    return env_file(tmp_path_factory.mktemp("graph"), {}, "dev-meta")


@pytest.fixture(scope="module")
def mermaid(reference_as_dev_meta: Path) -> str:
    result = run("graph", str(reference_as_dev_meta))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_mermaid_graph_has_waves_ports_and_edge_kinds(mermaid: str) -> None:
    lines = mermaid.splitlines()
    assert lines[0] == "graph LR"
    assert '  pgvector["pgvector<br/>StatefulSet, wave 1<br/>port 5432"]' in lines
    assert '  rabbitmq["rabbitmq<br/>StatefulSet, wave 1<br/>ports 5672, 15672, 15692"]' in lines
    assert '  enai-front["enai-front<br/>Deployment, wave 4<br/>port 3000"]' in lines
    assert '  verify-pgvector["verify-pgvector<br/>Job, PostSync hook"]' in lines
    assert "  enai-backend -->|5432| pgvector" in lines
    assert "  enai-front -.->|after| enai-linker" in lines
    # Every edge the environment file declares is drawn, with its kind.
    env = load_environment(REFERENCE)
    declared = {
        (name, target, kind)
        for name, settings in env.components.by_name().items()
        for kind in ("depends_on", "after")
        for target in getattr(settings, kind, ())
    }
    drawn = {
        (m[1], m[4], "after" if m[3] == "after" else "depends_on")
        for m in (re.fullmatch(r"  (\S+) (-->|-\.->)\|([^|]*)\| (\S+)", line) for line in lines)
        if m and m[1] in env.components.by_name()
    }
    assert drawn == declared


def test_the_dot_graph(reference_as_dev_meta: Path) -> None:
    result = run("graph", str(reference_as_dev_meta), "--format", "dot")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:3] == ['digraph "dev-meta" {', "  rankdir=LR;", "  node [shape=box];"] and lines[-1] == "}"
    assert '  "pgvector" [label="pgvector\\nStatefulSet, wave 1\\nport 5432"];' in lines
    assert '  "enai-backend" -> "pgvector" [label="5432"];' in lines
    assert '  "enai-front" -> "enai-linker" [label="after", style=dotted];' in lines


# -- images, restore, compose ----------------------------------------------------------------------


def _pairs(lines: list[str], pattern: str) -> list[tuple[str, str]]:
    return [(m[1], m[2]) for m in (re.fullmatch(pattern, line) for line in lines) if m]


VENDOR_TAGS = {"enai-front": "front-next", "enai-backend": "backend", "enai-data-processor": "catalog-collector"}
VENDOR_TAGS |= {"enai-linker": "linker", "enai-scheduler": "scheduler"}


def _registries(env: Path, present: tuple[str, ...] = ()) -> FakeRegistry:
    """The vendor serving every source tag of ``env``; Harbor holding the targets of ``present``."""
    loaded = load_environment(env, vendor_digests=False)
    registry = FakeRegistry()
    for component in VENDOR_TAGS:
        registry.digests[images.mirror_source(loaded, component)] = digest_of(f"{component} at the vendor")
        if component in present:
            registry.digests[images.mirror_target(loaded, component)] = digest_of(f"{component} in Harbor")
    return registry


def test_images_script_and_crane(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = env_file(tmp_path, {})
    _registries(env).install(monkeypatch)
    skopeo = run("images", str(env)).stdout.splitlines()
    crane = run("images", str(env), "--tool", "crane", "--script")
    assert crane.exit_code == 0
    script = crane.stdout.splitlines()
    assert script[:2] == ["#!/bin/sh", "set -eu"] and script[2].startswith("# Mirror the vendor images of reference")
    pairs = _pairs([line.strip() for line in script], r"crane copy (\S+) (\S+)")
    assert len(pairs) == 5
    assert pairs == _pairs(
        [line.strip() for line in skopeo], r"skopeo copy --all --preserve-digests docker://(\S+) docker://(\S+)"
    )
    assert all("@sha256:" in source and ":v1.0.0" in target for source, target in pairs)
    assert "#   crane auth login harbor.dev.unifiedmeta.net" in script
    path = tmp_path / "mirror.sh"
    path.write_text(crane.stdout)
    assert subprocess.run(["sh", "-n", str(path)], capture_output=True, timeout=30, check=False).returncode == 0
    docker = [line.strip() for line in run("images", str(env), "--tool", "docker", "--script").stdout.splitlines()]
    assert docker[:2] == ["#!/bin/sh", "set -eu"] and sum(line.startswith("docker pull ") for line in docker) == 5
    assert "#   docker login registry.gitlab.enai-rnd-2.en-core.info:10003" in docker


def test_images_names_components_and_plans_only_missing_targets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = env_file(tmp_path, {})
    registry = _registries(env, present=("enai-front", "enai-backend")).install(monkeypatch)
    result = run("images", str(env), "enai-backend", "enai-scheduler")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    present = digest_of("enai-backend in Harbor")
    assert f"# present, not copied: harbor.dev.unifiedmeta.net/aipp/backend:v1.0.0 ({present})" in lines
    copies = [line.strip() for line in lines if "skopeo copy" in line]
    scheduler = digest_of("enai-scheduler at the vendor")
    assert copies == [
        f"skopeo copy --all --preserve-digests docker://registry.gitlab.enai-rnd-2.en-core.info:10003/enai/prod/"
        f"scheduler@{scheduler} docker://harbor.dev.unifiedmeta.net/aipp/scheduler:v1.0.0"
    ]
    # The source of a present target is not read; front-end was not named.
    assert not any("front-next" in ref or "prod/backend" in ref for ref in registry.asked)
    forced = run("images", str(env), "enai-backend", "--force").stdout
    assert "# --force: the copies overwrite the target tags that exist" in forced and "missing" not in forced
    assert "skopeo copy --all --preserve-digests" in forced


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["enai-linker"],
            "COMPONENT 'enai-linker' is disabled in reference; name one of the enabled vendor components: ",
        ),
        (["redis"], "COMPONENT 'redis' is not a component with a vendor image in reference; name one of"),
        (["--force", "--pin"], "--force copies and --pin writes the file: run the copy first, then --pin alone"),
    ],
)
def test_images_usage_mistakes_are_one_line_exit_2(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = env_file(tmp_path, {"components.enai-linker.enabled": False})
    FakeRegistry().install(monkeypatch)
    result = run("images", str(env), *args)
    assert (result.exit_code, result.stdout) == (2, "")
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {message}"), line


@pytest.mark.parametrize(("tool", "login"), [("skopeo", "skopeo login"), ("crane", "crane auth login")])
def test_images_an_unreadable_registry_is_one_error_with_the_login(
    tool: str, login: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = env_file(tmp_path, {})
    FakeRegistry(down={"harbor.dev.unifiedmeta.net"}).install(monkeypatch)
    result = run("images", str(env), "--tool", tool)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        "error: cannot read the registry harbor.dev.unifiedmeta.net: unauthorized: authentication required; "
        f"log in with `{login} harbor.dev.unifiedmeta.net`"
    ]


def test_images_pin_writes_the_digests_of_the_mirrored_tags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / "reference.yaml"
    env.write_text(REFERENCE.read_text())
    registry = _registries(env, present=tuple(VENDOR_TAGS)).install(monkeypatch)
    result = run("images", str(env), "enai-backend", "--pin")
    pinned = digest_of("enai-backend in Harbor")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"pinned: images.enai-backend.digest: {pinned} (harbor.dev.unifiedmeta.net/aipp/backend:v1.0.0)\n"
    )
    assert env.read_text() == REFERENCE.read_text().replace(
        "    repository: enai/prod/backend\n    vendor_tag: latest\n    tag: v1.0.0\n",
        f"    repository: enai/prod/backend\n    vendor_tag: latest\n    tag: v1.0.0\n    digest: {pinned}\n",
    )
    # A second --pin replaces the digest; a target Harbor lacks is refused and nothing is written.
    registry.digests[images.mirror_target(load_environment(env), "enai-backend")] = digest_of("rebuilt")
    assert run("images", str(env), "enai-backend", "--pin").exit_code == 0
    assert f"    digest: {digest_of('rebuilt')}\n" in env.read_text() and pinned not in env.read_text()
    before = env.read_text()
    del registry.digests["harbor.dev.unifiedmeta.net/aipp/scheduler:v1.0.0"]
    del registry.digests["harbor.dev.unifiedmeta.net/aipp/linker:v1.0.0"]
    refused = run("images", str(env), "--pin")
    assert refused.exit_code == 1 and env.read_text() == before
    assert [line.split(": ", 2)[1] for line in refused.stderr.splitlines()] == [
        "images.enai-linker",
        "images.enai-scheduler",
    ]
    assert "is not in Harbor, so there is no digest to pin; mirror it first: aipp images" in refused.stderr


def test_images_under_option_b_pins_and_notes_a_stale_digest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Option B without digests is refused by synth, not by the command that writes them."""
    vendor = env_file(tmp_path, {"registry.vendor_images": "vendor", "images.enai-front.digest": digest_of("old")})
    _registries(vendor, present=tuple(VENDOR_TAGS)).install(monkeypatch)
    result = run("images", str(vendor), "--script")
    assert (
        result.exit_code == 0
        and "pulls vendor images from registry.gitlab.enai-rnd-2.en-core.info:10003 by digest" in result.stderr
    )
    assert "images.enai-front.digest is " + digest_of("old") + ", but harbor" in result.stderr
    assert result.stdout.splitlines()[:2] == ["#!/bin/sh", "set -eu"]
    assert "# nothing to copy: every target tag is present in Harbor" in result.stdout
    assert run("images", str(vendor), "--pin").exit_code == 0
    assert load_environment(vendor).images["enai-front"].digest == digest_of("enai-front in Harbor")


def test_restore_is_the_restore_procedure() -> None:
    result = run("restore", "dev-meta", "--dump", DUMP)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == aipp_cli.restore_commands(load_environment(DEV_META), DUMP)
    bad = run("restore", "dev-meta", "--dump", "../x.dump")
    assert bad.exit_code == 1 and bad.stderr.startswith("error: --dump must be a file name")


def test_compose_commands(monkeypatch: pytest.MonkeyPatch, fixture_dist: Path) -> None:
    monkeypatch.chdir(PROJECT)
    # The port runs the vendor's init SQL through PgvectorDb's bootstrap, not /docker-entrypoint-initdb.d.
    explained = "pgvector.bind./docker-entrypoint-initdb.d/01-extensions.sql"
    drift = run(
        "compose", "drift", "vendor/aipp/docker-compose.yml", str(fixture_dist / "dev-meta"), "--ignore", explained
    )
    assert (drift.exit_code, drift.stdout) == (0, "8 services compared, 0 findings (1 ignored)\n")
    inspect = run("compose", "inspect", "vendor/aipp/docker-compose.yml", "--format", "json")
    assert inspect.exit_code == 0 and len(yaml.safe_load(inspect.stdout)["services"]) == 8
    missing = run("compose", "drift", "vendor/aipp/docker-compose.yml", "no-such-dir")
    assert missing.exit_code == 2 and "error: no-such-dir is not a directory" in missing.stderr


def test_the_checkout_program_is_the_module_the_tests_import() -> None:
    assert aipp_cli._load_program() is main


@pytest.mark.parametrize("own_node", [True, False])
def test_aipp_runs_jsii_on_the_projects_own_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_node: bool
) -> None:
    """Before a project's commands are loaded (loading constructs starts jsii), ``aipp`` points
    ``JSII_NODE`` at the project's ``node_modules/.bin/node`` when there is one and the variable
    is unset; the machine's Node may print an end-of-life banner on every run."""
    (tmp_path / "cdk8s.yaml").write_text("language: python\napp: python main.py\n")
    node = tmp_path / "node_modules" / ".bin" / "node"
    if own_node:
        node.parent.mkdir(parents=True)
        node.write_text("")
    monkeypatch.delenv("JSII_NODE", raising=False)
    result = CliRunner().invoke(aipp, ["--project", str(tmp_path), "graph", "--help"])
    assert result.exit_code == 0, result.output
    if own_node:
        assert os.environ.get("JSII_NODE") == str(node)
    else:
        assert "JSII_NODE" not in os.environ
