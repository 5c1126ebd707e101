"""The command outputs and figures the hand-written pages show, produced on every ``make docs``.

``tools/docs/gen.py`` calls :func:`produce` beside its own snippet makers: each command runs in
this process (through Click's test runner, so the build stays fast) and its output becomes a file
of ``build/docs-snippets/`` (gitignored), written and cached with gen.py's other snippets (kept
while none of ``gen.SNIPPET_INPUTS`` changed); the pages include those files with
pymdownx.snippets (``--8<-- "build/docs-snippets/NAME"``), so no output in the docs is pasted and
none can go stale. Every command that synthesizes reads the frozen fixture
``tests/environments/reference.yaml`` saved as ``dev-meta``, or the committed ``dist/``, never
what a routine edit of ``environments/`` changes mid-build.

Run with the project venv: ``.venv/bin/python tools/docs/gen.py`` (which writes these too).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "environments" / "reference.yaml"

#: The Compose file the porting guide runs ``aipp compose inspect`` on.
ACME_COMPOSE = """\
services:
  db_postgres:
    image: postgres:17.6
    environment:
      POSTGRES_PASSWORD: ${DB_PASSWORD}
    volumes:
      - pgdata:/var/lib/postgresql/data
  worker:
    image: acme/worker:2.4.1
    command: ["celery", "-A", "app", "worker"]
    environment:
      DATABASE_URL: postgres://app:${DB_PASSWORD}@db_postgres:5432/app
    depends_on:
      db_postgres:
        condition: service_healthy
volumes:
  pgdata: {}
"""


@contextlib.contextmanager
def _scratch() -> Iterator[Path]:
    """A temporary folder, made the working directory (commands show paths relative to it)."""
    here = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="aipp-docs-") as scratch:
        os.chdir(scratch)
        try:
            yield Path(scratch)
        finally:
            os.chdir(here)


def _fixture(root: Path, edit: Callable[[str], str] | None = None, name: str = "dev-meta") -> Path:
    """The fixture saved as ``root/environments/<name>.yaml``, its text passed through ``edit``."""
    folder = root / "environments"
    folder.mkdir(parents=True, exist_ok=True)
    text = REFERENCE.read_text()
    (folder / f"{name}.yaml").write_text(edit(text) if edit else text)
    return folder / f"{name}.yaml"


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise SystemExit(f"error: tools/docs/outputs.py expects {old!r} once in {REFERENCE.relative_to(ROOT)}")
    return text.replace(old, new)


#: The rules docs/compose.md keeps beside the Dify port (tests/test_compose_drift.py's DIFY_EXPLAINED).
DIFY_IGNORE = """\
# examples/dify: differences FACTS.md explains
init_permissions        # fsGroup 1001 and the InitStep init-permissions
nginx                   # the TlsIngress dify, same routes
sandbox.volumes.*       # /conf and /dependencies: the image's own files apply
ssrf_proxy.volumes.*    # the port's own squid.conf, a ConfigMap at /config
"""


def _tail(text: str, count: int) -> str:
    """The last ``count`` lines of ``text`` (what ``| tail -n COUNT`` shows)."""
    return "".join(text.splitlines(keepends=True)[-count:])


def _invoke(command: Any, *args: str, expect: int = 0) -> str:
    """``aipp ARGS`` run in this process: its output (stdout, then stderr), checked for its exit status."""
    from click.testing import CliRunner

    result = CliRunner().invoke(command, list(args), catch_exceptions=False)
    if result.exit_code != expect:
        raise SystemExit(f"error: aipp {' '.join(args)} exited {result.exit_code}, expected {expect}:\n{result.output}")
    return result.stdout + result.stderr


def _refusal(run: Callable[[], object]) -> str:
    """The ``error:`` lines ``make synth`` prints for what ``run`` refuses."""
    import main
    from aipp_constructs.core._config_loader import ConfigError

    try:
        run()
    except ConfigError as err:
        return "".join(f"error: {problem}\n" for problem in main.errors_of(err))
    raise SystemExit("error: tools/docs/outputs.py expected a refusal, and the environment was accepted")


def check_outputs() -> dict[str, str]:
    from aipp_constructs.cli import aipp

    clean = "$ aipp check --no-tools dist/dev-meta\n" + _invoke(
        aipp, "check", "--no-tools", str(ROOT / "dist/dev-meta")
    )
    with _scratch() as root:
        # The Deployment of enai-backend alone (checking one object is quick), made privileged.
        documents = yaml.safe_load_all((ROOT / "dist" / "dev-meta" / "aipp.k8s.yaml").read_text())
        backend = next(
            d for d in documents if d and d["kind"] == "Deployment" and d["metadata"]["name"] == "enai-backend"
        )
        backend["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = True
        (root / "enai-backend").mkdir()
        (root / "enai-backend" / "deployment.yaml").write_text(yaml.safe_dump(backend, sort_keys=False))
        privileged = "$ aipp check --no-tools enai-backend\n" + _invoke(
            aipp, "check", "--no-tools", "enai-backend", expect=1
        )
    return {"check-dev-meta.txt": clean, "check-privileged.txt": privileged}


def diff_outputs() -> dict[str, str]:
    import main
    from aipp_constructs.aipp import cli

    with _scratch() as root:
        path = _fixture(root)
        main.synth_all(Path("dist"), Path("environments"))
        data = yaml.safe_load(path.read_text())
        data["images"]["enai-backend"]["tag"] = "v1.0.1"  # the bump recipe
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        text = _invoke(cli.diff, "environments/dev-meta.yaml", "--dist", "dist", expect=1)
        markdown = _invoke(cli.diff, "environments/dev-meta.yaml", "--dist", "dist", "--markdown", expect=1)
        data["images"]["enai-backend"]["tag"] = yaml.safe_load(REFERENCE.read_text())["images"]["enai-backend"]["tag"]
        data["components"]["enai-linker"]["enabled"] = False  # the no-gpu recipe
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        linker_off = _invoke(cli.diff, "environments/dev-meta.yaml", "--dist", "dist", expect=1)
        data = yaml.safe_load(REFERENCE.read_text())
        data["components"]["pgvector"]["storage_size"] = "30Gi"  # the grow-a-volume recipe
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        grow = _invoke(cli.diff, "environments/dev-meta.yaml", "--dist", "dist", expect=1)
    return {
        "diff-grow-volume.txt": "$ aipp diff dev-meta\n" + grow,
        "diff-bump.txt": "$ aipp diff dev-meta\n" + text,
        "diff-bump-markdown.txt": markdown,
        "diff-linker-off.txt": "$ aipp diff dev-meta\n" + linker_off,
    }


def refusal_outputs() -> dict[str, str]:
    import main

    outputs = {}
    with _scratch() as root:
        _fixture(root)
        staging = yaml.safe_load(REFERENCE.read_text())
        staging["ingress"]["host"] = "aipp.staging.example.com"
        staging["secrets"]["vault_path"] = "secret/aipp-staging"
        (root / "environments" / "staging.yaml").write_text(yaml.safe_dump(staging, sort_keys=False))
        outputs["add-environment-refused.txt"] = _refusal(lambda: main.load_environments(Path("environments")))
    with _scratch() as root:

        def typos(text: str) -> str:
            text = _replace_once(text, "    storage_size: 20Gi\n", "    storage_size: 20GB\n")
            return _replace_once(
                text,
                "    depends_on: [pgvector, redis, rabbitmq]\n    replicas: 1\n",
                "    depends_on: [pgvector, redis, rabbitmq]\n    replica: 1\n",
            )

        _fixture(root, typos)
        outputs["environment-file-errors.txt"] = _refusal(lambda: main.load_environments(Path("environments")))
    with _scratch() as root:
        _fixture(root, lambda text: _replace_once(text, "  vendor_images: mirror\n", "  vendor_images: vendor\n"))
        outputs["option-b-without-digests.txt"] = _refusal(lambda: main.load_environments(Path("environments")))
    with _scratch() as root:
        _fixture(
            root,
            lambda text: _replace_once(
                text,
                "    depends_on: [pgvector, redis, rabbitmq]\n",
                "    depends_on: [pgvector, redis, rabbitmq, enai-linker]\n",
            ),
        )
        outputs["graph-cycle-error.txt"] = _refusal(lambda: main.synth_all(Path("dist"), Path("environments")))
    return outputs


def compose_outputs() -> dict[str, str]:
    from aipp_constructs.cli import aipp

    outputs = {"compose-acme.yaml": ACME_COMPOSE}
    with _scratch() as root:
        (root / "docker-compose.yml").write_text(ACME_COMPOSE)
        outputs["compose-inspect.txt"] = "$ aipp compose inspect docker-compose.yml\n" + _invoke(
            aipp, "compose", "inspect", "docker-compose.yml"
        )
    with _scratch() as root:
        # A number where the Compose Specification wants a duration string.
        (root / "docker-compose.yml").write_text(
            ACME_COMPOSE.replace(
                "    image: acme/worker:2.4.1\n", "    image: acme/worker:2.4.1\n    stop_grace_period: 10\n", 1
            )
        )
        outputs["compose-spec-error.txt"] = "$ aipp compose inspect docker-compose.yml\n" + _invoke(
            aipp, "compose", "inspect", "docker-compose.yml", expect=2
        )
    with _scratch() as root:
        shutil.copytree(ROOT / "examples" / "langfuse" / "dist", root / "langfuse-edited")
        for manifest in (root / "langfuse-edited").glob("*.yaml"):
            documents = list(yaml.safe_load_all(manifest.read_text()))
            for document in documents:
                if document and document["kind"] == "Deployment" and document["metadata"]["name"] == "langfuse-worker":
                    for container in document["spec"]["template"]["spec"]["containers"]:
                        container["env"] = [v for v in container.get("env", []) if v["name"] != "CLICKHOUSE_URL"]
            manifest.write_text(yaml.safe_dump_all(documents, sort_keys=False))
        compose = str(ROOT / "examples" / "langfuse" / "docker-compose.yml")
        outputs["compose-drift-langfuse.txt"] = (
            "$ aipp compose drift examples/langfuse/docker-compose.yml langfuse-edited\n"
            + _invoke(aipp, "compose", "drift", compose, "langfuse-edited", expect=1)
        )
    # Against the fixture's output, not the committed dist/dev-meta: an environment with the
    # linker off (a routine edit) differs from the vendor's file, and must not fail the build.
    import main

    with _scratch() as root:
        _fixture(root)
        main.synth_all(Path("dist"), Path("environments"))
        ignore = "pgvector.bind./docker-entrypoint-initdb.d/01-extensions.sql"
        vendor = str(ROOT / "vendor" / "aipp" / "docker-compose.yml")
        outputs["compose-drift-vendor.txt"] = (
            f"$ aipp compose drift vendor/aipp/docker-compose.yml dist/dev-meta \\\n    --ignore {ignore}\n"
            + _invoke(aipp, "compose", "drift", vendor, "dist/dev-meta", "--ignore", ignore)
        )
    outputs.update(dify_drift_outputs())
    return outputs


def dify_drift_outputs() -> dict[str, str]:
    """docs/compose.md's drift of Dify's Compose file against its port: the rules file, the text
    output with those rules (its middle elided), and the counts without them and with one more."""
    from aipp_constructs.cli import aipp

    compose, port = "tests/compose/corpus/dify.yml", "examples/dify/dist"
    outputs = {"compose-dify.ignore": DIFY_IGNORE}
    with _scratch() as scratch:
        (scratch / "dify.ignore").write_text(DIFY_IGNORE)
        rules = str(scratch / "dify.ignore")
        with contextlib.chdir(ROOT):
            explained = _invoke(aipp, "compose", "drift", compose, port, "--ignore-file", rules, expect=1)
            bare = _invoke(aipp, "compose", "drift", compose, port, expect=1)
            anchor = _invoke(
                aipp,
                "compose",
                "drift",
                compose,
                port,
                "--ignore-file",
                rules,
                "--ignore",
                "plugin_daemon.environment.*",
                expect=1,
            )
    lines = explained.splitlines(keepends=True)
    if len(lines) < 6:
        raise SystemExit(f"error: aipp compose drift {compose} {port} printed fewer lines than docs/compose.md shows")
    outputs["compose-drift-dify.txt"] = (
        f"$ aipp compose drift {compose} {port} --ignore-file dify.ignore\n" + lines[0] + "...\n" + _tail(explained, 3)
    )
    outputs["compose-drift-dify-counts.txt"] = (
        f"$ aipp compose drift {compose} {port} | tail -n 3\n"
        + _tail(bare, 3)
        + f"$ aipp compose drift {compose} {port} --ignore-file dify.ignore \\\n"
        + "    --ignore 'plugin_daemon.environment.*' | tail -n 2\n"
        + _tail(anchor, 2)
    )
    return outputs


def langfuse_outputs() -> dict[str, str]:
    """The variables an ``EnvTemplate`` becomes, from the committed output of the Langfuse port."""
    documents = yaml.safe_load_all((ROOT / "examples" / "langfuse" / "dist" / "langfuse.k8s.yaml").read_text())
    web = next(d for d in documents if d and d["kind"] == "Deployment" and d["metadata"]["name"] == "langfuse-web")
    env = web["spec"]["template"]["spec"]["containers"][0]["env"]
    shown = [v for v in env if v["name"].startswith("DATABASE_URL")]
    return {"langfuse-database-url.yaml": yaml.safe_dump(shown, sort_keys=False)}


def graph_outputs() -> dict[str, str]:
    """The README's dependency picture (``aipp graph`` of the fixture, as tools/docs/readme_graph.py
    writes it into the README on ``make synth``)."""
    from tools.docs import readme_graph

    return {"graph-dev-meta.mmd": readme_graph.mermaid()}


def adopt_outputs() -> dict[str, str]:
    """The one-line error of docs/adopting-a-cdk8s-workload.md: the page's kplus Deployment passed
    to an edge itself instead of through ``AdoptedWorkload``."""
    import cdk8s
    import cdk8s_plus_27 as kplus

    from aipp_constructs import Port, PortChart, PortDefaults, Telemetry, WaitPolicy, Workload, WorkloadProps

    app = cdk8s.App()
    chart = PortChart(
        app, "shop", PortDefaults(namespace="shop", part_of="shop", wait=WaitPolicy(image="busybox:1.37.0"))
    )
    web = kplus.Deployment(
        chart, "Web", containers=[kplus.ContainerProps(name="web", image="nginx:1.27.3", port_number=8080)]
    )
    props = WorkloadProps(
        name="api",
        image="acme/api:1.2.3",
        ports=(Port(name="http", number=8000),),
        depends_on=(web,),  # type: ignore[arg-type]  # the mistake the page shows
        telemetry=Telemetry(mode="off"),
    )
    try:
        Workload(chart, "Api", props)
    except ValueError as err:
        return {"adopt-foreign-object-error.txt": f"{err}\n"}
    raise SystemExit("error: tools/docs/outputs.py expected Workload to refuse a kplus Deployment in depends_on")


def produce() -> dict[str, str]:
    """Every output: file name under build/docs-snippets/ -> its text."""
    out: dict[str, str] = {}
    for make in (
        graph_outputs,
        adopt_outputs,
        check_outputs,
        diff_outputs,
        refusal_outputs,
        compose_outputs,
        langfuse_outputs,
    ):
        out.update(make())
    return out
