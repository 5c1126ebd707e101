"""The mirror plan, its script, the registry queries and the digest pins (aipp_constructs/aipp/images.py),
with a fake registry; tests/test_real_registry.py runs them against real ones."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REFERENCE, write_environment
from fakeregistry import PINNED_VENDOR_ROWS, FakeRegistry, digest_of

from aipp_constructs.aipp import load_environment
from aipp_constructs.aipp.config import EnvironmentConfig
from aipp_constructs.aipp.images import (
    MirrorStep,
    RegistryUnavailable,
    image_ref,
    mirror_script,
    mirror_source,
    mirror_target,
    pin_digests,
    plan_mirror,
    tool_query,
    vendor_components,
)
from aipp_constructs.core._config_loader import ConfigErrors
from aipp_constructs.core._validation import check_image

VENDOR = "registry.gitlab.enai-rnd-2.en-core.info:10003"
HARBOR = "harbor.dev.unifiedmeta.net"


@pytest.fixture(scope="module")
def env() -> EnvironmentConfig:
    return load_environment(REFERENCE)


# -- the plan ----------------------------------------------------------------------------------------


def test_vendor_components_are_the_enabled_vendor_rows_in_table_order(env: EnvironmentConfig) -> None:
    every = ["enai-front", "enai-backend", "enai-data-processor", "enai-linker", "enai-scheduler"]
    assert vendor_components(env) == every
    assert vendor_components(env, ["enai-scheduler", "enai-front"]) == ["enai-front", "enai-scheduler"]
    with pytest.raises(
        ValueError, match=r"^COMPONENT 'pgvector' is not a component with a vendor image in reference; "
    ):
        vendor_components(env, ["pgvector"])


def test_a_present_target_is_reported_with_its_digest_and_its_source_is_not_read(env: EnvironmentConfig) -> None:
    registry = FakeRegistry(
        {
            f"{HARBOR}/aipp/backend:v1.0.0": digest_of("released"),
            f"{VENDOR}/enai/prod/backend:latest": digest_of("newer"),
            f"{VENDOR}/enai/prod/scheduler:latest": digest_of("scheduler"),
        }
    )
    backend, scheduler = plan_mirror(env, ["enai-backend", "enai-scheduler"], registry)
    assert backend == MirrorStep(
        "enai-backend",
        f"{VENDOR}/enai/prod/backend:latest",
        f"{HARBOR}/aipp/backend:v1.0.0",
        None,
        digest_of("released"),
        None,
    )
    assert not backend.copies and scheduler.copies
    assert scheduler.source_by_digest == f"{VENDOR}/enai/prod/scheduler@{digest_of('scheduler')}"
    assert registry.asked == [
        f"{HARBOR}/aipp/backend:v1.0.0",
        f"{HARBOR}/aipp/scheduler:v1.0.0",
        f"{VENDOR}/enai/prod/scheduler:latest",
    ]
    (forced,) = plan_mirror(env, ["enai-backend"], registry, force=True)
    assert forced.copies and forced.source_digest == digest_of("newer")


def test_a_source_the_vendor_lacks_is_one_line_naming_it(env: EnvironmentConfig) -> None:
    with pytest.raises(ValueError) as info:
        plan_mirror(env, ["enai-linker"], FakeRegistry())
    assert str(info.value) == (
        f"images.enai-linker: the vendor has no image {VENDOR}/enai/prod/linker:main-latest; check the row's "
        "repository and vendor_tag against the vendor's registry"
    )


# -- the script -------------------------------------------------------------------------------------


def _steps(env: EnvironmentConfig, present: tuple[str, ...] = ()) -> list[MirrorStep]:
    registry = FakeRegistry()
    for component in vendor_components(env):
        registry.digests[mirror_source(env, component)] = digest_of(component)
        if component in present:
            registry.digests[mirror_target(env, component)] = digest_of(f"{component} in Harbor")
    return plan_mirror(env, vendor_components(env), registry)


FAKE_SKOPEO = """#!/bin/sh
# skopeo as far as the script uses it: each call logged; `inspect` answers from $REGISTRY_ANSWERS.
echo "$*" >> "$SKOPEO_LOG"
if [ "$1" = inspect ]; then
  answer=$(grep -F "$3 " "$REGISTRY_ANSWERS" | cut -d' ' -f2-)
  case $answer in
    present) echo '{}'; exit 0 ;;
    "") echo 'reading manifest: manifest unknown: manifest unknown' >&2; exit 1 ;;
    *) echo "$answer" >&2; exit 1 ;;
  esac
fi
"""


def _run_script(
    lines: list[str], tmp_path: Path, answers: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """The script run by sh with a fake skopeo; (the run, skopeo's calls)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "skopeo").write_text(FAKE_SKOPEO)
    (bin_dir / "skopeo").chmod(0o755)
    (tmp_path / "answers").write_text("".join(f"docker://{ref} {answer}\n" for ref, answer in answers.items()))
    log = tmp_path / "skopeo.log"
    log.write_text("")
    (tmp_path / "mirror.sh").write_text("\n".join(lines) + "\n")
    environ = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "SKOPEO_LOG": str(log),
        "REGISTRY_ANSWERS": str(tmp_path / "answers"),
    }
    done = subprocess.run(
        ["sh", str(tmp_path / "mirror.sh")], capture_output=True, text=True, timeout=30, env=environ, check=False
    )
    return done, log.read_text().splitlines()


def test_the_script_checks_each_target_before_copying_it_by_digest(env: EnvironmentConfig, tmp_path: Path) -> None:
    steps = _steps(env, present=("enai-front",))
    lines = mirror_script(env, steps, "skopeo", command="aipp images reference --script")
    assert lines[:2] == ["#!/bin/sh", "set -eu"]
    assert f"#   skopeo login {VENDOR}" in lines and f"#   skopeo login {HARBOR}" in lines
    assert f"# present, not copied: {HARBOR}/aipp/front-next:v1.0.0 ({digest_of('enai-front in Harbor')})" in lines
    # Someone copied the scheduler after the plan: the script leaves it.
    done, calls = _run_script(lines, tmp_path, {f"{HARBOR}/aipp/scheduler:v1.0.0": "present"})
    assert done.returncode == 0, done.stderr
    copies = [c for c in calls if c.startswith("copy ")]
    assert copies == [
        f"copy --all --preserve-digests docker://{VENDOR}/enai/prod/{name}@{digest_of(component)} "
        f"docker://{HARBOR}/aipp/{name}:v1.0.0"
        for component, name in [
            ("enai-backend", "backend"),
            ("enai-data-processor", "catalog-collector"),
            ("enai-linker", "linker"),
        ]
    ]
    assert f"present, not copied: {HARBOR}/aipp/scheduler:v1.0.0" in done.stdout.splitlines()
    assert next(c for c in calls if c.startswith("inspect ")) == f"inspect --raw docker://{HARBOR}/aipp/backend:v1.0.0"


def test_the_script_stops_when_harbor_cannot_answer(env: EnvironmentConfig, tmp_path: Path) -> None:
    lines = mirror_script(env, _steps(env), "skopeo", command="aipp images reference --script")
    denied = "reading manifest v1.0.0: unauthorized: authentication required"
    done, calls = _run_script(
        lines,
        tmp_path,
        {f"{HARBOR}/aipp/data-processor:v1.0.0": denied} | {f"{HARBOR}/aipp/catalog-collector:v1.0.0": denied},
    )
    assert done.returncode == 1
    assert done.stderr.strip() == f"error: cannot read {HARBOR}/aipp/catalog-collector:v1.0.0: {denied}"
    assert [c.split()[-1] for c in calls if c.startswith("copy ")] == [
        f"docker://{HARBOR}/aipp/front-next:v1.0.0",
        f"docker://{HARBOR}/aipp/backend:v1.0.0",
    ]


def test_force_leaves_the_check_out_and_nothing_to_copy_is_still_a_script(
    env: EnvironmentConfig, tmp_path: Path
) -> None:
    command = "aipp images reference --force"
    forced = mirror_script(env, _steps(env), "skopeo", command=command, force=True, script=False)
    assert not any(line.startswith("#!") or "missing" in line for line in forced)
    done, calls = _run_script(forced, tmp_path, {f"{HARBOR}/aipp/backend:v1.0.0": "present"})
    assert done.returncode == 0, done.stderr
    assert len(calls) == 5 and all(c.startswith("copy --all --preserve-digests ") for c in calls)
    crane = mirror_script(env, _steps(env), "crane", command=command, force=True)
    assert sum(line.startswith("crane copy ") for line in crane) == 5
    every = tuple(vendor_components(env))
    nothing = mirror_script(env, _steps(env, present=every), "docker", command="aipp images reference")
    assert nothing[-1] == "# nothing to copy: every target tag is present in Harbor"
    assert f"#   docker login {HARBOR}" in nothing
    assert subprocess.run(["sh", "-n"], input="\n".join(nothing), text=True, timeout=30, check=False).returncode == 0


# -- the queries ------------------------------------------------------------------------------------


class _Run:
    """A stand-in for subprocess.run: one answer, and the argv it was called with."""

    def __init__(self, code: int = 0, out: bytes = b"", err: bytes = b"", error: Exception | None = None) -> None:
        self.answer = (code, out, err)
        self.error = error
        self.argv: list[str] = []

    def __call__(self, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        self.argv = argv
        assert kwargs["timeout"] > 0 and kwargs["check"] is False
        if self.error:
            raise self.error
        code, out, err = self.answer
        return subprocess.CompletedProcess(argv, code, out, err)


def test_skopeo_query_is_the_digest_of_the_raw_manifest() -> None:
    manifest = b'{"schemaVersion":2}'
    run = _Run(out=manifest)
    assert tool_query("skopeo", run)(f"{HARBOR}/aipp/backend:v1") == "sha256:" + hashlib.sha256(manifest).hexdigest()
    assert run.argv == ["skopeo", "inspect", "--raw", f"docker://{HARBOR}/aipp/backend:v1"]


@pytest.mark.parametrize(
    "err",
    [
        b"reading manifest v1 in h/aipp/backend: manifest unknown: manifest unknown",
        b"GET https://h/v2/aipp/backend/manifests/v1: MANIFEST_UNKNOWN: manifest unknown; map[Tag:v1]",
        b"reading manifest v1: not found: artifact aipp/backend:v1 not found",
        b"NAME_UNKNOWN: repository name not known to registry",
    ],
)
def test_a_missing_tag_is_none(err: bytes) -> None:
    assert tool_query("crane", _Run(code=1, err=err))(f"{HARBOR}/aipp/backend:v1") is None


@pytest.mark.parametrize(
    ("run", "reason"),
    [
        (_Run(code=1, err=b"unauthorized:\n authentication required"), "unauthorized: authentication required"),
        (_Run(out=b"not a digest\n"), "crane answered 'not a digest', not a sha256 digest"),
        (
            _Run(code=1, err=b'time="2026-12-05T19:36:38Z" level=fatal msg="pinging \\"h\\": no such host"\n'),
            'pinging "h": no such host',
        ),
        (_Run(error=FileNotFoundError("crane")), "crane is not installed"),
        (_Run(error=subprocess.TimeoutExpired("crane", 60)), "no answer within 60 s"),
    ],
)
def test_a_registry_that_cannot_answer_is_refused_naming_it(run: _Run, reason: str) -> None:
    with pytest.raises(RegistryUnavailable) as info:
        tool_query("crane", run)(f"{HARBOR}/aipp/backend:v1")
    assert (info.value.host, info.value.reason) == (HARBOR, reason)
    assert run.argv == ["crane", "digest", f"{HARBOR}/aipp/backend:v1"]


def test_crane_and_docker_answer_the_digest() -> None:
    digest = digest_of("x")
    assert tool_query("crane", _Run(out=f"{digest}\n".encode()))("h.example/a:v1") == digest
    docker = _Run(out=digest.encode())
    assert tool_query("docker", docker)("h.example/a:v1") == digest
    assert docker.argv[:4] == ["docker", "buildx", "imagetools", "inspect"]


# -- pinning ----------------------------------------------------------------------------------------


def test_pin_adds_the_digest_after_the_tag_keeping_comments_and_layout() -> None:
    text = "# top\nimages:\n  enai-backend:\n    source: vendor  # ours\n    tag: v1.0.1  # bumped\n    vendor_tag: latest\n"
    pinned = pin_digests(text, {"enai-backend": digest_of("a")})
    assert pinned == text.replace("# bumped\n", f"# bumped\n    digest: {digest_of('a')}\n")
    assert pin_digests(pinned, {"enai-backend": digest_of("b")}) == pinned.replace(digest_of("a"), digest_of("b"))
    empty = "images:\n  enai-backend:\n    tag: v1.0.1\n    digest:\n    source: vendor\n"
    assert pin_digests(empty, {"enai-backend": digest_of("a")}) == empty.replace("digest:", f"digest: {digest_of('a')}")
    flow = "images:\n  enai-front: {source: vendor, tag: v1.0.0}\n"
    assert pin_digests(flow, {"enai-front": digest_of("c")}) == (
        f"images:\n  enai-front: {{source: vendor, tag: v1.0.0, digest: {digest_of('c')}}}\n"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("images:\n  redis: {tag: 7.2.7}\n", "images.enai-backend: no row to pin in the file"),
        ("images:\n  enai-backend: {source: vendor}\n", "images.enai-backend.tag: missing"),
    ],
)
def test_pin_refuses_a_row_it_cannot_find(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=f"^{problem}"):
        pin_digests(text, {"enai-backend": digest_of("a")})


def test_every_vendor_row_of_the_reference_pinned_is_accepted(tmp_path: Path) -> None:
    digests = {key.split(".")[1]: value for key, value in PINNED_VENDOR_ROWS.items()}
    path = tmp_path / "reference.yaml"
    path.write_text(pin_digests(REFERENCE.read_text(), digests))
    assert {c: load_environment(path).images[c].digest for c in digests} == digests
    assert len(path.read_text().splitlines()) == len(REFERENCE.read_text().splitlines()) + 5


# -- option B --------------------------------------------------------------------------------------


def test_option_b_refuses_a_release_tag_the_vendor_does_not_publish(tmp_path: Path) -> None:
    changes: dict[str, Any] = {"registry.vendor_images": "vendor", "components.enai-linker.enabled": False}
    path = write_environment(tmp_path, **changes)
    with pytest.raises(ConfigErrors) as info:
        load_environment(path)
    problems = [str(e) for e in info.value.errors]
    assert len(problems) == 4 and not any("enai-linker" in p for p in problems)  # a disabled row is not pulled
    row = yaml.safe_load(path.read_text())["images"]["enai-backend"]
    assert (
        "images.enai-backend.tag: is 'v1.0.0', a release tag the vendor does not publish (it publishes 'latest'), "
        "and registry.vendor_images: vendor pulls from the vendor; pin the mirrored digest: "
        "aipp images reference enai-backend --pin"
        in problems[1]
        and row["tag"] == "v1.0.0"
    )
    assert load_environment(path, vendor_digests=False).registry.vendor_images == "vendor"


def test_option_b_pulls_the_vendor_tag_at_the_pinned_digest(tmp_path: Path) -> None:
    changes: dict[str, Any] = {"registry.vendor_images": "vendor", **PINNED_VENDOR_ROWS}
    env = load_environment(write_environment(tmp_path, **changes))
    digest = PINNED_VENDOR_ROWS["images.enai-linker.digest"]
    assert image_ref(env, "enai-linker") == f"{VENDOR}/enai/prod/linker:main-latest@{digest}"
    assert check_image("image", image_ref(env, "enai-linker"))
    (tmp_path / "a").mkdir()
    mirror = load_environment(write_environment(tmp_path / "a", **PINNED_VENDOR_ROWS))
    assert image_ref(mirror, "enai-linker") == f"{HARBOR}/aipp/linker:v1.0.0@{digest}"


def test_option_b_accepts_a_row_whose_release_tag_the_vendor_publishes(tmp_path: Path) -> None:
    changes: dict[str, Any] = {"registry.vendor_images": "vendor", "images.enai-backend.vendor_tag": None}
    changes |= {k: v for k, v in PINNED_VENDOR_ROWS.items() if "enai-backend" not in k}
    env = load_environment(write_environment(tmp_path, **changes))
    assert image_ref(env, "enai-backend") == f"{VENDOR}/enai/prod/backend:v1.0.0"
