"""``aipp`` in any cdk8s project (docs/cli.md): a tiny project in a temporary folder, its own
``cdk8s.yaml`` and app, the installed ``aipp`` run there as a user runs it.

Each test pays one synth at most (about a second of jsii): the project is written once per test
and every command runs as a subprocess with the project (or a folder below it) as its cwd.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from aipp_constructs.cli import ChartGraph, Edge, Node, render_graphs

AIPP = Path(sys.executable).parent / "aipp"

#: Two PortCharts (namespaces): shop (db <- web) and tools (a lone job runner).
APP = """
import os
import cdk8s
import aipp_constructs as ac

WAIT = ac.WaitPolicy(image="registry.example.com/library/busybox:1.37.0")
TAG = os.environ.get("WEB_TAG", "2.0.1")


def defaults(namespace: str) -> ac.PortDefaults:
    return ac.PortDefaults(namespace=namespace, part_of="shop", telemetry=ac.Telemetry(mode="off"), wait=WAIT)


print("building the shop")  # on stdout: aipp graph keeps its stdout for the diagram
app = cdk8s.App()
shop = ac.PortChart(app, "shop", defaults("shop"))
db = ac.Workload(shop, "Db", ac.WorkloadProps(
    name="db", image="registry.example.com/shop/db:1.0.0", protocol="tcp", ports=(ac.Port(name="sql", number=5432),)))
ac.Workload(shop, "Web", ac.WorkloadProps(
    name="web", image=f"registry.example.com/shop/web:{TAG}", ports=(ac.Port(name="http", number=3000),),
    depends_on=(db,)))
shop.add_network_policies()
tools = ac.PortChart(app, "tools", defaults("tools"))
ac.Workload(tools, "Runner", ac.WorkloadProps(
    name="runner", image="registry.example.com/shop/runner:1.0.0", ports=(ac.Port(name="http", number=8080),)))
tools.add_network_policies()
if os.environ.get("BREAK_APP"):
    ac.Port(name="http", number=0)
if not os.environ.get("NO_SYNTH"):
    app.synth()
"""


def aipp(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(AIPP), *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The tiny project: cdk8s.yaml (the app run by this interpreter, output out/) and app.py."""
    root = tmp_path / "shop"
    root.mkdir()
    (root / "cdk8s.yaml").write_text(f"language: python\napp: {sys.executable} app.py\noutput: out\n")
    (root / "app.py").write_text(APP)
    return root


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_synth_diff_graph_and_check_work_in_a_project(project: Path) -> None:
    (project / "sub").mkdir()
    synth = aipp(project / "sub", "synth")  # found upward from a folder below the project
    assert (synth.returncode, synth.stdout) == (0, ""), synth.stderr
    assert synth.stderr == "building the shop\nsynthesized shop.k8s.yaml, tools.k8s.yaml into out\n"
    docs = [d for d in yaml.safe_load_all((project / "out" / "shop.k8s.yaml").read_text()) if d]
    assert {d["metadata"]["name"] for d in docs if d["kind"] == "Deployment"} == {"db", "web"}
    assert [p.name for p in project.iterdir() if p.name.startswith(".")] == []  # no staging left

    same = aipp(project, "diff")
    assert (same.returncode, same.stdout) == (0, "no difference in out\n"), same.stderr
    changed = aipp(project, "diff", "shop", WEB_TAG="2.0.2")
    assert changed.returncode == 1, changed.stderr
    assert "  changed apps/v1/Deployment/shop/web\n" in changed.stdout
    assert '.image: "registry.example.com/shop/web:2.0.1" -> "registry.example.com/shop/web:2.0.2"' in changed.stdout
    assert changed.stdout.endswith("2 changed, 0 added, 0 removed\n")  # the Deployment and its Service's label
    unknown = aipp(project, "diff", "nowhere")
    assert unknown.returncode == 2
    assert unknown.stderr == (
        "error: CHART 'nowhere' is no chart, file or folder of the output; the app writes: "
        "shop.k8s.yaml, tools.k8s.yaml\n"
    )

    both = aipp(project, "graph")
    assert both.returncode == 0, both.stderr
    lines = both.stdout.splitlines()
    assert both.stderr == "building the shop\n"
    assert lines[0] == "graph LR" and '  subgraph chart0["shop"]' in lines and '  subgraph chart1["tools"]' in lines
    assert '    db["db<br/>Deployment, wave 1<br/>port 5432"]' in lines
    assert "  web -->|5432| db" in lines
    shop = aipp(project, "graph", "shop", "--format", "dot")
    assert shop.returncode == 0 and shop.stdout.startswith('digraph "shop" {\n')
    assert '  "web" -> "db" [label="5432"];' in shop.stdout and "runner" not in shop.stdout
    assert aipp(project, "graph", "nowhere").stderr == (
        "building the shop\nerror: CHART 'nowhere' is not a PortChart of the app; name one of: shop, tools\n"
    )

    check = aipp(project, "check", "--no-tools")
    assert check.returncode == 0, check.stdout + check.stderr
    objects = sum(1 for f in (project / "out").glob("*.yaml") for d in yaml.safe_load_all(f.read_text()) if d)
    assert f"schema: {objects} passed, 0 failed" in check.stdout.splitlines()  # every object of out/, once
    assert check.stdout.splitlines()[-1].endswith(" passed, 0 failed")


def test_a_failing_app_leaves_the_output_untouched(project: Path) -> None:
    out = project / "out"
    out.mkdir()
    (out / "shop.k8s.yaml").write_text("# the previous output\n")
    before = _files(out)
    mistake = "error: ValueError: ports[http].number must be a port number between 1 and 65535, got 0"
    ran = f"error: the app ({sys.executable} app.py) exited with status 1"
    # synth and diff run the app (its traceback becomes its last line); graph runs it in-process
    # (what it prints goes to stderr).
    for command, status, lines in (
        ("synth", 1, [mistake, ran]),
        ("diff", 2, [mistake, ran]),
        ("graph", 1, ["building the shop", mistake]),
    ):
        result = aipp(project, command, BREAK_APP="1")
        assert (result.returncode, result.stdout) == (status, ""), (command, result.stderr)
        assert result.stderr.splitlines() == lines, command
        assert _files(out) == before
    # An app that writes nothing (no app.synth(), or its own outdir) replaces nothing either.
    silent = aipp(project, "synth", NO_SYNTH="1")
    assert silent.returncode == 1 and silent.stderr.startswith(
        f"error: the app ({sys.executable} app.py) wrote no *.yaml"
    )
    assert _files(out) == before
    assert sorted(p.name for p in project.iterdir()) == ["app.py", "cdk8s.yaml", "out"]


def test_the_library_commands_only_and_a_project_s_own(project: Path, tmp_path: Path) -> None:
    plain = aipp(project, "--help")
    assert plain.returncode == 0
    commands = plain.stdout.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    assert [line.split()[0] for line in commands.splitlines()] == ["check", "compose", "diff", "graph", "synth"]

    # A port adds its own commands (and may replace the library's) in its pyproject.toml.
    (project / "shop_cli.py").write_text(
        "import click\n\n\n@click.command()\ndef hello() -> None:\n"
        '    """Say hello."""\n    click.echo("hello from the shop")\n\n\nCOMMANDS = [hello]\n'
    )
    (project / "pyproject.toml").write_text('[tool.aipp]\ncommands = ["shop_cli:COMMANDS"]\n')
    assert "  hello " in aipp(project, "--help").stdout
    assert aipp(project, "hello").stdout == "hello from the shop\n"
    # --project (or $AIPP_PROJECT) names the project from anywhere; the same commands there.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert aipp(elsewhere, "--project", str(project), "hello").stdout == "hello from the shop\n"
    assert aipp(elsewhere, "hello", AIPP_PROJECT=str(project)).stdout == "hello from the shop\n"
    (project / "pyproject.toml").write_text('[tool.aipp]\ncommands = ["shop_cli:nothing"]\n')
    broken = aipp(project, "hello")
    assert broken.returncode == 2
    assert "[tool.aipp] commands: cannot load 'shop_cli:nothing': module 'shop_cli' has no attribute" in broken.stderr

    nowhere = aipp(elsewhere, "synth")
    assert nowhere.returncode == 2
    assert f"no cdk8s.yaml in {elsewhere} or any folder above it; run aipp in a cdk8s project" in nowhere.stderr
    assert "no cdk8s.yaml there" in aipp(elsewhere, "--project", str(tmp_path), "synth").stderr


def test_an_edge_to_another_chart_is_drawn_to_that_chart_s_box() -> None:
    """Edges across charts (namespaces): the target is looked up in its own chart first, then in
    the others; drawn alone, a chart shows the foreign target as a plain box."""
    web = Node("web", "Deployment", 2, ports=(3000,))
    db = Node("db", "StatefulSet", 1, ports=(5432,))
    sandbox = Node("sandbox", "Deployment", 1, ports=(8194,))
    app = ("app", [web, db], [Edge("web", "db", "depends_on", 5432), Edge("web", "sandbox", "connects_to", 8194)])
    isolated: ChartGraph = ("isolated", [sandbox], [])
    both = render_graphs([app, isolated], "mermaid", "shop")
    assert both == [
        "graph LR",
        '  subgraph chart0["app"]',
        '    web["web<br/>Deployment, wave 2<br/>port 3000"]',
        '    db["db<br/>StatefulSet, wave 1<br/>port 5432"]',
        "  end",
        '  subgraph chart1["isolated"]',
        '    sandbox["sandbox<br/>Deployment, wave 1<br/>port 8194"]',
        "  end",
        "  web -->|5432| db",
        "  web -.->|connect 8194| sandbox",
    ]
    alone = render_graphs([app], "mermaid", "shop")
    assert alone[-3:] == ['  sandbox["sandbox"]', "  web -->|5432| db", "  web -.->|connect 8194| sandbox"]
    dot = render_graphs([app, isolated], "dot", "shop")
    assert '  subgraph "cluster_1" {' in dot and '    label="isolated";' in dot
    assert '  "web" -> "sandbox" [label="connect 8194", style=dashed];' in dot
    # The same name in two charts: DOT qualifies it by chart, each chart's edge to its own component.
    twin = ("twin", [Node("web", "Deployment", 1), Node("db", "StatefulSet", 0)], [Edge("web", "db", "depends_on")])
    lines = render_graphs([app, twin], "dot", "shop")
    assert '  "app/web" -> "app/db" [label="5432"];' in lines
    assert '  "twin/web" -> "twin/db" [label="depends_on"];' in lines
