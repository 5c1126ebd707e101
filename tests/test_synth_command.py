"""`make synth` as the platform team runs it: one `error:` line per mistake and nothing else,
output untouched; every command that reads an environment file reports the same way."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import main

#: The frozen reference environment (a copy of dev-meta), so routine edits never break this file.
REFERENCE = Path(__file__).resolve().parent / "environments" / "reference.yaml"


def _two_mistakes(text: str) -> str:
    """The reference environment with a bad quantity (pgvector) and a typo (enai-backend's `replicas`)."""
    text = text.replace("    storage_size: 20Gi\n    shm_size", "    storage_size: 20GB\n    shm_size", 1)
    backend = text.index("  enai-backend:\n")
    return text[:backend] + text[backend:].replace("    replicas: 1", "    replica: 1", 1)


def _copy_with_three_mistakes(text: str) -> str:
    """A new environment copied from the reference (its own namespace, host and Vault path) with
    a bad quantity, a misspelt key and a dependency on a service that is not a component."""
    text = text.replace("\nnamespace: aipp\n", "\nnamespace: aipp-copy\n", 1)
    text = text.replace("  host: aipp.dev.unifiedmeta.net\n", "  host: aipp-copy.dev.unifiedmeta.net\n", 1)
    text = text.replace("  vault_path: secret/aipp\n", "  vault_path: secret/aipp-copy\n", 1)
    text = text.replace("    storage_size: 20Gi\n    shm_size", "    storage_size: 10GB\n    shm_size", 1)
    scheduler = text.index("  enai-scheduler:\n    depends_on")
    text = text[:scheduler] + text[scheduler:].replace("    replicas: 1", "    replica: 2", 1)
    front = text.index("  enai-front:\n    depends_on")
    return text[:front] + text[front:].replace("[enai-backend]", "[enai-backend, elasticsearch]", 1)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's Makefile and main.py, with its set-up linked in, and two
    environments: the reference as dev-meta, and a copy of it with three mistakes."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("Makefile", "main.py", "requirements.txt", "pyproject.toml", "package.json", "package-lock.json"):
        shutil.copy2(main.PROJECT / name, root / name)
        os.utime(root / name, (0, 0))  # older than the linked set-up: make does not redo it
    for name in (".venv", "node_modules"):
        (root / name).symlink_to(main.PROJECT / name)
    (root / "environments").mkdir()
    (root / "environments" / "dev-meta.yaml").write_text(REFERENCE.read_text())
    (root / "environments" / "copy.yaml").write_text(_copy_with_three_mistakes(REFERENCE.read_text()))
    (root / "dist").mkdir()
    (root / "dist" / "sentinel").write_text("previous output\n")
    return root


def test_make_synth_prints_every_mistake_in_one_run_and_fails_at_once(project: Path) -> None:
    """Three mistakes of three kinds (a value, a key, the graph): three `error:` lines in the first
    run, then make's own one line; no sleep, no signal (it used to sleep 5 s and exit 130)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    result = subprocess.run(
        ["make", "-s", "--no-print-directory", "synth"],
        cwd=project,
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    # GNU make's own status for a failed recipe is 2 (main.py's is 1): never 130 (a signal).
    assert result.returncode == 2, result.stderr
    # No delay: the recipe neither sleeps nor signals make (a timing assertion would be flaky on
    # a loaded machine; `make -n` prints the commands the recipe runs).
    recipe = subprocess.run(
        ["make", "-n", "--no-print-directory", "synth"],
        cwd=project,
        check=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    ).stdout
    assert "main.py" in recipe and "sleep" not in recipe and "kill" not in recipe, recipe
    assert result.stdout == ""
    *lines, make_line = result.stderr.splitlines()
    assert re.fullmatch(r"make: \*\*\* \[Makefile:[0-9]+: synth\] Error 1", make_line), result.stderr
    assert [line.split(": ", 3)[2] for line in lines] == [
        "components.pgvector.storage_size",
        "components.enai-scheduler.replica",
        "components.enai-front.depends_on",
    ]
    assert "got '10GB'; write e.g. '10Gi'" in lines[0]
    assert "is not a known key; did you mean 'replicas'?" in lines[1]
    assert "names 'elasticsearch' in depends_on, which is not a component;" in lines[2]
    source = (project / "environments" / "copy.yaml").read_text().splitlines()
    for line in lines:
        file, number = line.split(": ", 2)[1].split(":")
        assert file == "environments/copy.yaml"
        assert line.split(": ", 3)[2].rsplit(".", 1)[-1] in source[int(number) - 1]
    assert sorted(p.name for p in (project / "dist").iterdir()) == ["sentinel"]


def test_main_exits_1_with_exactly_the_three_lines(project: Path) -> None:
    result = subprocess.run(
        [str(project / ".venv" / "bin" / "python"), "main.py"],
        cwd=project,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert [line.split(": ", 3)[2] for line in result.stderr.splitlines()] == [
        "components.pgvector.storage_size",
        "components.enai-scheduler.replica",
        "components.enai-front.depends_on",
    ]
    assert sorted(p.name for p in (project / "dist").iterdir()) == ["sentinel"]


def test_the_image_command_reports_every_mistake_on_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "dev-meta.yaml"
    path.write_text(_two_mistakes(REFERENCE.read_text()))
    result = subprocess.run(
        [sys.executable, "-m", "aipp_constructs", "images", str(path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert [line.split(": ", 3)[2] for line in result.stderr.splitlines()] == [
        "components.pgvector.storage_size",
        "components.enai-backend.replica",
    ]
    assert yaml.safe_load(path.read_text())  # still a YAML file: the mistakes are values and keys


def test_the_compose_tooling_is_a_subcommand_of_the_main_command() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "aipp_constructs",
            "compose",
            "inspect",
            "vendor/aipp/docker-compose.yml",
            "--format",
            "json",
        ],
        cwd=main.PROJECT,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(json.loads(result.stdout)["services"]) == 8
