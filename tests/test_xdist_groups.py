"""The ``xdist_group`` marks hold under ``pytest -n N --dist loadgroup`` (``make test``).

The real-server tests that share a server are marked with one group so that the server starts
once, on one worker (tests/test_real_*.py). pytest-xdist 3.8 implements the mark by suffixing
``item._nodeid``, which pytest 9.2 no longer reads; tests/conftest.py adds the suffix itself
(``_join_group`` of tests/scheduling.py). This runs a small suite with that hook on two workers and checks where
each test ran.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent

CONFTEST = f"""
import importlib.util
spec = importlib.util.spec_from_file_location("scheduling", {str(HERE / "scheduling.py")!r})
project = importlib.util.module_from_spec(spec)
spec.loader.exec_module(project)
pytest_collection_modifyitems = project.pytest_collection_modifyitems
"""

TESTS = """
import os, pytest

def record(kind):
    with open(os.environ["WORKER_LOG"], "a") as log:
        log.write(f"{kind} {os.environ['PYTEST_XDIST_WORKER']}\\n")

@pytest.mark.xdist_group("shared-server")
@pytest.mark.parametrize("n", range(8))
def test_grouped(n):
    record("grouped")

@pytest.mark.parametrize("n", range(8))
def test_free(n):
    record("free")
"""


def test_the_tests_of_one_group_run_on_one_worker_and_the_others_anywhere(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_groups.py").write_text(textwrap.dedent(TESTS))
    log = tmp_path / "workers.log"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env={**os.environ, "WORKER_LOG": str(log)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    runs = [line.split() for line in log.read_text().splitlines()]
    grouped = {worker for kind, worker in runs if kind == "grouped"}
    assert len([kind for kind, _ in runs if kind == "grouped"]) == 8
    assert len(grouped) == 1, f"the group ran on {sorted(grouped)}"
    # The others are spread: both workers run tests (the group does not take the whole suite).
    assert {worker for _, worker in runs} == {"gw0", "gw1"}, runs
