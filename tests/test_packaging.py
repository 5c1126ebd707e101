"""What `pip install` of the library brings: one top-level package, with its CRD bindings inside."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import main


def test_the_wheel_holds_only_aipp_constructs_with_the_bindings_inside_and_py_typed(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            ".",
        ],
        cwd=main.PROJECT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/", 1)[0] for name in names} == {"aipp_constructs", "aipp_constructs-0.1.0.dist-info"}
    bindings = sorted(Path(name).parts[2] for name in names if name.endswith(".jsii.tgz"))
    assert bindings == sorted(p.name for p in (main.PROJECT / "imports").iterdir())
    # PEP 561: a port's `mypy --strict` reads the library's types only when the marker ships.
    assert "aipp_constructs/py.typed" in names


def test_the_library_never_imports_the_top_level_imports_package() -> None:
    library = main.PROJECT / "aipp_constructs"
    sources = [p for p in library.rglob("*.py") if p.relative_to(library).parts[0] != "imports"]
    assert [str(p) for p in sources if "from imports" in p.read_text() or "import imports" in p.read_text()] == []
