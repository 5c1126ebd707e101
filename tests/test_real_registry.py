"""``aipp images`` against real registries: the mirror never overwrites a release, ``--pin`` is true.

Two Distribution registries (Debian's ``docker-registry``) run on 127.0.0.1 as the vendor's
registry and as Harbor; ``skopeo`` (Debian) is the copier, as in production. The images are
built here (an OCI manifest, its config and one layer, pushed with the registry API), so
nothing is downloaded, and the vendor's ``:latest`` changes between runs as it does at the
vendor. The registries speak plain HTTP: ``CONTAINERS_REGISTRIES_CONF`` names a
``registries.conf`` that marks them ``insecure``, so the generated script is the production
one (no ``--tls-verify=false``).

Without the two programs the test skips saying what to install, except under ``CI``: then it fails.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import REFERENCE
from realserver import DEBIAN_PACKAGES

import main
from aipp_constructs.aipp import load_environment
from aipp_constructs.cli import aipp

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
#: Seconds a registry may take to start answering.
START_TIMEOUT = 10.0
VENDOR_ROWS = {
    "enai-front": "enai/prod/front-next",
    "enai-backend": "enai/prod/backend",
    "enai-data-processor": "enai/prod/catalog-collector",
    "enai-linker": "enai/prod/linker",
    "enai-scheduler": "enai/prod/scheduler",
}


def _require() -> None:
    missing = [p for p in ("docker-registry", "skopeo") if shutil.which(p) is None]
    if missing:
        message = (
            f"real-registry test: missing {', '.join(missing)}; install the Debian packages "
            f"{' '.join(DEBIAN_PACKAGES)} (`make test` does it as root)"
        )
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@dataclass
class Registry:
    """A running registry: its ``host:port`` and its process."""

    host: str
    process: subprocess.Popen[bytes]

    def _request(self, method: str, path: str, body: bytes = b"", content_type: str = "") -> Any:
        request = urllib.request.Request(f"http://{self.host}{path}", data=body or None, method=method)
        request.add_header("Accept", OCI_MANIFEST)
        if content_type:
            request.add_header("Content-Type", content_type)
        return urllib.request.urlopen(request, timeout=10)

    def push(self, repository: str, tag: str, image: dict[str, bytes]) -> str:
        """Upload the blobs and the manifest of ``image`` under ``repository:tag``; its digest."""
        for name, blob in image.items():
            if name != "manifest":
                digest = "sha256:" + hashlib.sha256(blob).hexdigest()
                with self._request("POST", f"/v2/{repository}/blobs/uploads/") as started:
                    location = urllib.parse.urlsplit(started.headers["Location"])
                query = f"{location.query}&digest={digest}".lstrip("&")
                self._request("PUT", f"{location.path}?{query}", blob, "application/octet-stream").close()
        with self._request("PUT", f"/v2/{repository}/manifests/{tag}", image["manifest"], OCI_MANIFEST) as answer:
            return str(answer.headers["Docker-Content-Digest"])

    def digest(self, repository: str, tag: str) -> str | None:
        """The registry's own digest of ``repository:tag`` (``Docker-Content-Digest``), None if absent."""
        try:
            with self._request("HEAD", f"/v2/{repository}/manifests/{tag}") as answer:
                return str(answer.headers["Docker-Content-Digest"])
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return None
            raise


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(folder: Path) -> Registry:
    folder.mkdir()
    port = _free_port()
    config = {
        "version": 0.1,
        "log": {"level": "error", "accesslog": {"disabled": True}},
        "storage": {"filesystem": {"rootdirectory": str(folder / "data")}, "delete": {"enabled": True}},
        "http": {"addr": f"127.0.0.1:{port}"},
    }
    (folder / "config.yml").write_text(yaml.safe_dump(config))
    with (folder / "registry.log").open("wb") as log:
        process = subprocess.Popen(["docker-registry", "serve", str(folder / "config.yml")], stdout=log, stderr=log)
    registry = Registry(f"127.0.0.1:{port}", process)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with registry._request("GET", "/v2/"):
                return registry
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(
                    f"docker-registry did not answer on {registry.host}: {(folder / 'registry.log').read_text()}"
                )
            time.sleep(0.05)


def _image(text: str) -> dict[str, bytes]:
    """A one-layer OCI image whose only file, /release, holds ``text``."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("release")
        info.size, info.mtime = len(text.encode()), 0
        tar.addfile(info, io.BytesIO(text.encode()))
    layer = gzip.compress(raw.getvalue(), mtime=0)
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()]},
        }
    ).encode()

    def descriptor(media_type: str, blob: bytes) -> dict[str, Any]:
        return {"mediaType": media_type, "digest": "sha256:" + hashlib.sha256(blob).hexdigest(), "size": len(blob)}

    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": descriptor("application/vnd.oci.image.config.v1+json", config),
        "layers": [descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layer)],
    }
    return {"config": config, "layer": layer, "manifest": json.dumps(manifest).encode()}


@pytest.fixture
def registries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Registry, Registry]]:
    """(the vendor's registry, Harbor), both empty, and skopeo told they speak plain HTTP."""
    _require()
    vendor = _start(tmp_path / "vendor")
    try:
        harbor = _start(tmp_path / "harbor")
    except BaseException:
        vendor.process.kill()
        raise
    conf = tmp_path / "registries.conf"
    conf.write_text("".join(f'[[registry]]\nlocation = "{r.host}"\ninsecure = true\n\n' for r in (vendor, harbor)))
    # skopeo 1.9 reads no CONTAINERS_REGISTRIES_CONF: a `skopeo` first on PATH passes the file.
    shim = tmp_path / "bin" / "skopeo"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec {shutil.which("skopeo")} --registries-conf {conf} "$@"\n')
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(tmp_path / "auth.json"))  # no login of this machine's user
    try:
        yield vendor, harbor
    finally:
        for registry in (vendor, harbor):
            registry.process.kill()
            registry.process.wait(timeout=10)


def _environment(folder: Path, vendor: Registry, harbor: Registry) -> Path:
    """The reference environment (comments and all) pointing at the two registries."""
    text = REFERENCE.read_text()
    data = yaml.safe_load(text)["registry"]
    text = text.replace(f"host: {data['host']}\n", f"host: {harbor.host}\n", 1)
    text = text.replace(f"vendor_host: {data['vendor_host']}\n", f"vendor_host: {vendor.host}\n", 1)
    folder.mkdir()
    path = folder / "registry-test.yaml"
    path.write_text(text)
    return path


def _aipp(*args: str) -> Result:
    return CliRunner().invoke(aipp, list(args), catch_exceptions=False)


def _mirror(env_file: Path, tmp_path: Path, *args: str) -> list[str]:
    """``aipp images ENV ARGS --script`` run with sh; its lines saying what it copied (not skopeo's progress)."""
    made = _aipp("images", str(env_file), *args, "--script")
    assert made.exit_code == 0, made.output
    script = tmp_path / "mirror.sh"
    script.write_text(made.stdout)
    done = subprocess.run(["sh", str(script)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line.startswith(("copied: ", "present, not copied: "))]


def _set_tag(env_file: Path, component: str, old: str, new: str) -> None:
    """The bump of docs/how-to/bump-an-image.md: the row's tag edited in place."""
    text = env_file.read_text()
    row = f"  {component}:\n    source: vendor\n    repository: {VENDOR_ROWS[component]}\n"
    start = text.index(row)
    end = text.index(f"tag: {old}\n", start + len(row)) + len(f"tag: {old}\n")
    env_file.write_text(text[:start] + text[start:end].replace(f"    tag: {old}\n", f"    tag: {new}\n") + text[end:])


def _pulled_images(env_file: Path, out: Path) -> dict[str, str]:
    """Container name -> image of the vendor workloads a synth of ``env_file`` writes."""
    env = load_environment(env_file)
    main.synth_environment(env, out, env_file.parent)
    docs = [d for d in yaml.safe_load_all((out / env.name / main.MANIFEST_FILE).read_text()) if d]
    return {
        d["metadata"]["name"]: next(c["image"] for c in d["spec"]["template"]["spec"]["containers"])
        for d in docs
        if d["kind"] in ("Deployment", "StatefulSet") and d["metadata"]["name"] in VENDOR_ROWS
    }


def test_the_mirror_never_overwrites_a_release_and_pin_writes_the_real_digests(
    registries: tuple[Registry, Registry], tmp_path: Path
) -> None:
    vendor, harbor = registries
    env_file = _environment(tmp_path / "environments", vendor, harbor)
    rows = yaml.safe_load(env_file.read_text())["images"]
    first, second, third = _image("release 1"), _image("release 2"), _image("a rebuild")
    for component, repository in VENDOR_ROWS.items():
        vendor.push(repository, rows[component]["vendor_tag"], first)
    released = vendor.digest("enai/prod/backend", "latest")

    # Release v1.0.0: every vendor image copied, by digest, digests preserved.
    out = _mirror(env_file, tmp_path)
    assert sum(line.startswith("copied: ") for line in out) == 5, out
    assert harbor.digest("aipp/backend", "v1.0.0") == released

    # The vendor publishes a new :latest; the team bumps enai-backend and mirrors it alone.
    vendor.push("enai/prod/backend", "latest", second)
    _set_tag(env_file, "enai-backend", "v1.0.0", "v1.0.1")
    plan = _aipp("images", str(env_file), "enai-backend")
    assert plan.exit_code == 0 and "skopeo copy --all --preserve-digests" in plan.stdout, plan.output
    assert f"#   skopeo login {vendor.host}\n" in plan.stdout and f"#   skopeo login {harbor.host}\n" in plan.stdout
    assert _mirror(env_file, tmp_path, "enai-backend") == [
        f"copied: {vendor.host}/enai/prod/backend@{vendor.digest('enai/prod/backend', 'latest')} "
        f"-> {harbor.host}/aipp/backend:v1.0.1"
    ]
    assert harbor.digest("aipp/backend", "v1.0.0") == released  # the first release is untouched
    new = harbor.digest("aipp/backend", "v1.0.1")
    assert new == vendor.digest("enai/prod/backend", "latest") != released

    # A re-run of everything copies nothing, and says what is present with its digest.
    again = _aipp("images", str(env_file))
    assert again.exit_code == 0 and "# nothing to copy: every target tag is present in Harbor\n" in again.stdout
    assert f"# present, not copied: {harbor.host}/aipp/backend:v1.0.1 ({new})" in again.stdout
    assert _mirror(env_file, tmp_path) == []
    # A script planned before someone else copied the tag does not overwrite it.
    _set_tag(env_file, "enai-scheduler", "v1.0.0", "v1.0.1")
    planned = _aipp("images", str(env_file), "enai-scheduler", "--script").stdout
    theirs = harbor.push("aipp/scheduler", "v1.0.1", first)
    script = tmp_path / "planned.sh"
    script.write_text(planned)
    late = subprocess.run(["sh", str(script)], capture_output=True, text=True, timeout=60, check=False)
    assert (late.returncode, late.stdout) == (0, f"present, not copied: {harbor.host}/aipp/scheduler:v1.0.1\n"), late
    assert harbor.digest("aipp/scheduler", "v1.0.1") == theirs

    # --force overwrites the tags it names, and only those.
    vendor.push("enai/prod/backend", "latest", third)
    forced = _mirror(env_file, tmp_path, "enai-backend", "--force")
    assert forced == [
        f"copied: {vendor.host}/enai/prod/backend@{vendor.digest('enai/prod/backend', 'latest')} -> {harbor.host}/aipp/backend:v1.0.1"
    ]
    assert harbor.digest("aipp/backend", "v1.0.1") == vendor.digest("enai/prod/backend", "latest") != new
    assert harbor.digest("aipp/backend", "v1.0.0") == released

    # --pin writes the registry's digests into the file, comments kept, and synths pull them.
    before = env_file.read_text()
    pinned = _aipp("images", str(env_file), "--pin")
    assert pinned.exit_code == 0, pinned.output
    text = env_file.read_text()
    added = [line for line in text.splitlines() if line not in before.splitlines()]
    assert [line for line in text.splitlines() if line not in added] == before.splitlines()  # comments kept
    assert len(added) == 5 and all(line.startswith("    digest: sha256:") for line in added), added
    digests = {
        c: harbor.digest(f"aipp/{r.rsplit('/', 1)[1]}", yaml.safe_load(text)["images"][c]["tag"])
        for c, r in VENDOR_ROWS.items()
    }
    assert {c: row.get("digest") for c, row in yaml.safe_load(text)["images"].items() if c in VENDOR_ROWS} == digests
    option_a = _pulled_images(env_file, tmp_path / "dist-a")
    assert option_a["enai-backend"] == f"{harbor.host}/aipp/backend:v1.0.1@{digests['enai-backend']}"
    assert option_a["enai-front"] == f"{harbor.host}/aipp/front-next:v1.0.0@{digests['enai-front']}"
    env_file.write_text(text.replace("vendor_images: mirror\n", "vendor_images: vendor\n", 1))
    option_b = _pulled_images(env_file, tmp_path / "dist-b")
    assert option_b["enai-backend"] == f"{vendor.host}/enai/prod/backend:latest@{digests['enai-backend']}"
    assert option_b["enai-linker"] == f"{vendor.host}/enai/prod/linker:main-latest@{digests['enai-linker']}"
    # Option B pulls the same bytes: the vendor still serves each pinned digest.
    for component, repository in VENDOR_ROWS.items():
        digest = digests[component]
        assert digest is not None and vendor.digest(repository, digest) == digest
