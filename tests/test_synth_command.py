"""`make synth` as the platform team runs it: one `error:` line per mistake and nothing else,
output untouched; every command that reads an environment file reports the same way."""

from __future__ import annotations

import json
import os
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


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's Makefile, main.py and environments, with its set-up linked in."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("Makefile", "main.py", "requirements.txt", "pyproject.toml", "package.json", "package-lock.json"):
        shutil.copy2(main.PROJECT / name, root / name)
        os.utime(root / name, (0, 0))  # older than the linked set-up: make does not redo it
    for name in (".venv", "node_modules"):
        (root / name).symlink_to(main.PROJECT / name)
    shutil.copytree(main.ENVIRONMENTS_DIR, root / "environments")
    dev_meta = root / "environments" / "dev-meta.yaml"
    dev_meta.write_text(_two_mistakes(REFERENCE.read_text()))
    (root / "dist").mkdir()
    (root / "dist" / "sentinel").write_text("previous output\n")
    return root


def test_make_synth_prints_exactly_one_line_per_mistake(project: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    result = subprocess.run(
        ["make", "--no-print-directory", "synth"],
        cwd=project,
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("error: environments/dev-meta.yaml:")
    assert "components.pgvector.storage_size: must be a quantity" in lines[0] and "write e.g. '20Gi'" in lines[0]
    assert "components.enai-backend.replica: is not a known key; did you mean 'replicas'?" in lines[1]
    for line in lines:
        number = int(line.split(":")[2])
        source = (project / "environments" / "dev-meta.yaml").read_text().splitlines()[number - 1]
        assert line.split(": ", 3)[2].rsplit(".", 1)[-1] in source
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
