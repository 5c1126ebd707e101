"""docs/tutorial.md works as written: its steps, read from the page itself, run in a scratch folder.

The page marks each command and each edit (``<!-- tutorial: run NAME -->``, ``<!-- tutorial: edit
-->``; tools/docs/tutorial.py reads them, and tools/docs/gen.py runs the same steps for the outputs
the page shows). Here every step runs in order in a new folder holding only
``docs/tutorial/docker-compose.yml``, and each is checked: its exit status is the one the page
expects, and what it must have done is there, up to ``aipp check`` with 0 failed (checkov and
detect-secrets included when ``make tools`` installed them) and ``aipp compose drift`` with no
finding.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
#: One worker runs the module (make test's pytest-xdist): the page's steps run once, for every test.
pytestmark = pytest.mark.xdist_group("tutorial")


def _tutorial() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_tutorial", ROOT / "tools" / "docs" / "tutorial.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


tutorial = _tutorial()


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Each named step's result, after running the whole page; the folder under ``"folder"``."""
    folder = tmp_path_factory.mktemp("tutorial") / "notes"
    ran = tutorial.run_all(folder)
    steps = tutorial.steps()
    assert len(ran) == len(steps), (
        f"step {len(ran)} of docs/tutorial.md (`{ran[-1].step.body.strip()[:80]}`) exited {ran[-1].exit_code}, "
        f"the page expects {ran[-1].step.exit_code}:\n{ran[-1].output[-3000:]}"
    )
    named: dict[str, Any] = {result.step.name: result for result in ran if result.step.name}
    named["folder"] = folder
    return named


def test_the_page_has_the_steps_of_a_port_in_order() -> None:
    commands = [step.body.strip() for step in tutorial.steps() if step.kind == "run"]
    expected = ["aipp compose inspect", "aipp compose init", "python port.py", "aipp check dist", "aipp compose drift"]
    positions = [next((i for i, c in enumerate(commands) if c.startswith(want)), -1) for want in expected]
    assert -1 not in positions and positions == sorted(positions), commands
    assert [step.kind for step in tutorial.steps()].count("edit") >= 1


def test_every_output_the_page_shows_is_one_a_step_writes() -> None:
    """The page includes ``build/docs-snippets/tutorial/NAME.txt`` only for a step named NAME, and
    shows the output of every named step (gen.py writes exactly those)."""
    page = tutorial.PAGE.read_text()
    included = set(re.findall(r'--8<-- "build/docs-snippets/tutorial/([a-z0-9-]+)\.txt"', page))
    named = {step.name for step in tutorial.steps() if step.name}
    assert included == named


def test_inspect_maps_the_three_services(results: dict[str, Any]) -> None:
    output = results["inspect"].output
    assert re.search(r"^docker-compose\.yml: 3 services$", output, re.MULTILINE), output
    for service, construct in (("db", "PgvectorDb"), ("cache", "RedisCache"), ("web", "Workload")):
        assert re.search(rf"^service {service}\n(?:  .*\n)*?  maps to: {construct}\b", output, re.MULTILINE), service


def test_init_writes_a_program_with_todos(results: dict[str, Any]) -> None:
    assert re.search(r"wrote port\.py: 3 Compose services, \d+ TODO\(port\) decisions", results["init"].output)
    listed = results["todos"].output.splitlines()
    left = int(results["todos-left"].output)
    assert 0 < left < len(listed), "the edit resolves some TODO(port) lines and leaves the others"


def test_the_urls_are_built_from_the_secret(results: dict[str, Any]) -> None:
    """Without a .env file Compose reads the URLs with an empty password; the port builds both
    from the secret's variables (init writes them so, step 3)."""
    folder: Path = results["folder"]
    program = (folder / "port.py").read_text()
    assert "postgres://notes:@db" not in program and "redis://:@cache" not in program
    manifests = [obj for obj in yaml.safe_load_all((folder / "dist" / "notes.k8s.yaml").read_text()) if obj]
    web = next(obj for obj in manifests if obj["kind"] == "Deployment" and obj["metadata"]["name"] == "web")
    env = {item["name"]: item for item in web["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["DATABASE_URL"]["value"] == "postgres://$(DATABASE_URL_USERNAME):$(DATABASE_URL_PASSWORD)@db:5432/notes"
    assert env["DATABASE_URL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"key": "db-password", "name": "notes-app"}
    assert env["REDIS_URL"]["value"] == "redis://:$(REDIS_URL_PASSWORD)@cache:6379/0"
    assert "$(DATABASE_URL_PASSWORD)" in results["url"].output


def test_synth_writes_the_manifests(results: dict[str, Any]) -> None:
    assert results["synth"].output.strip() == f"synthesized notes into {tutorial.SHOWN_FOLDER}/dist"


def test_aipp_check_ends_with_0_failed(results: dict[str, Any]) -> None:
    output: str = results["check"].output
    assert output.rstrip().splitlines()[-1].endswith(" passed, 0 failed"), output
    if _checkov_installed() and (ROOT / ".tools" / "detect-secrets" / "bin" / "detect-secrets").exists():
        assert "skipped: not installed" not in output, output
        assert re.search(r"^checkov: \d+ passed, 0 failed \(\d+ skipped", output, re.MULTILINE), output


def test_drift_finds_nothing(results: dict[str, Any]) -> None:
    assert results["drift"].output.strip() == "3 services compared, 0 findings"


def test_a_wrong_edit_fails_its_step(tmp_path: Path) -> None:
    """The runner does fail: an edit that no longer matches the program stops the tutorial."""
    page = tmp_path / "tutorial.md"
    text = tutorial.PAGE.read_text()
    page.write_text(text.replace("-        storage_class_name=None,", "-        storage_class_name='gone',", 1))
    ran = tutorial.run_all(tmp_path / "notes", page)
    assert ran[-1].step.kind == "edit" and ran[-1].exit_code != 0


def _checkov_installed() -> bool:
    return (ROOT / ".tools" / "checkov" / "bin" / "checkov").exists()


def _synth_and_check(folder: Path) -> tuple[int, str]:
    env = tutorial.environment()
    synth = subprocess.run(
        [sys.executable, "port.py"], cwd=folder, env=env, capture_output=True, text=True, check=False, timeout=300
    )
    assert synth.returncode == 0, synth.stderr[-3000:]
    check = subprocess.run(
        [sys.executable, "-m", "aipp_constructs", "check", "dist"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    return check.returncode, check.stdout + check.stderr


def test_what_the_page_says_of_the_program_before_and_without_the_exception(
    results: dict[str, Any], tmp_path: Path
) -> None:
    """Step 3: init's program passes `aipp check` as written, its URLs templates of db's and
    cache's facts. Step 6: without the exception of step 4, checkov's CKV_K8S_35 fails on web."""
    done: Path = results["folder"]
    as_written = tmp_path / "as-written"
    tutorial.prepare(as_written)
    init = [sys.executable, "-m", "aipp_constructs", "compose", "init", "docker-compose.yml", "-o", "port.py"]
    assert subprocess.run(init, cwd=as_written, capture_output=True, check=False).returncode == 0
    status, output = _synth_and_check(as_written)
    assert status == 0 and output.rstrip().endswith(", 0 failed"), output
    # Step 3: the URLs are templates of the facts, not the URLs read without a .env file.
    written = " ".join((as_written / "port.py").read_text().split())
    assert 'text="postgres://{username}:{password}@{host}:{port}/notes", values=db.endpoint.facts()' in written
    assert 'text="redis://:{password}@{host}:{port}/0", values=cache.endpoint.facts()' in written
    assert "notes:@db" not in written
    if not _checkov_installed():
        pytest.skip("checkov is not installed (make tools): the CKV_K8S_35 half needs it")
    without = tmp_path / "without-exception"
    tutorial.prepare(without)
    program = (done / "port.py").read_text()
    block = re.search(r"\n {12}policy_exceptions=\{\n.*?\n {12}\},", program, re.DOTALL)
    assert block is not None, "the edited program declares the CKV_K8S_35 exception"
    (without / "port.py").write_text(program.replace(block[0], ""))
    status, output = _synth_and_check(without)
    assert status == 1 and "Deployment/notes/web: checkov CKV_K8S_35:" in output, output
