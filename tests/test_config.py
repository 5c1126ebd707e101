"""Environment files: parsed strictly, and a bad file is refused before anything is written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

import main
from aipp_constructs import ConfigError, ConfigErrors
from aipp_constructs.aipp import load_environment
from aipp_constructs.aipp.config import EnvironmentConfig
from aipp_constructs.aipp.images import image_ref
from aipp_constructs.core._validation import check_image

# The frozen fixture (a copy of dev-meta): routine edits of environments/ never break these tests.
DEV_META = Path(__file__).resolve().parent / "environments" / "reference.yaml"


def _write(tmp_path: Path, text: str, name: str = "dev-meta.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _mutated(tmp_path: Path, old: str, new: str, name: str = "dev-meta.yaml") -> Path:
    text = DEV_META.read_text()
    assert old in text, f"{old!r} not in dev-meta.yaml"
    return _write(tmp_path, text.replace(old, new, 1), name)


def test_an_environment_parses_into_typed_immutable_config() -> None:
    env = load_environment(DEV_META)
    assert isinstance(env, EnvironmentConfig)
    assert env.name == "reference"  # from the file name
    assert env.namespace == "aipp"
    assert env.storage_class == "longhorn"
    assert env.registry.host == "harbor.dev.unifiedmeta.net"
    assert env.registry.dockerhub_proxy_project == "dockerhub-proxy"
    assert env.secrets.store_kind == "ClusterSecretStore"
    assert env.secrets.vault_path == "secret/aipp"
    assert env.components.pgvector.storage_size == "20Gi"
    with pytest.raises(ValidationError, match="frozen"):
        env.namespace = "other"  # type: ignore[misc]

    with pytest.raises(TypeError):
        env.images["redis"] = env.images["pgvector"]  # type: ignore[index]


def test_every_environment_file_parses() -> None:
    assert [env.name for env in main.load_environments()] == [p.stem for p in main.environment_files()]


BAD_FILES = [
    # (id, old text, new text, field path in the message, fragment of the message)
    ("unknown-key", "namespace: aipp\n", "namespace: aipp\nnamepsace: typo\n", "namepsace", "is not a known key"),
    (
        "unknown-nested-key",
        "    storage_size: 5Gi\n",
        "    storage_size: 5Gi\n    storage_sise: 5Gi\n",
        "components.redis.storage_sise",
        "allowed here: resources, storage_size",
    ),
    (
        "wrong-type",
        "pod_security_version: v1.27",
        "pod_security_version: 1.27",
        "pod_security_version",
        "must be a string",
    ),
    (
        "wrong-type-mapping",
        '  redis:\n    storage_size: 5Gi\n    resources: {cpu_request: 100m, memory_request: 256Mi, cpu_limit: "1", memory_limit: 512Mi}\n',
        "  redis: small\n",
        "components.redis",
        "must be a mapping, got 'small'",
    ),
    ("10GB", "    storage_size: 20Gi", "    storage_size: 10GB", "components.pgvector.storage_size", "'10GB'"),
    ("moving-tag", "tag: 7.2.7", "tag: latest", "images.redis.tag", "moving tag 'latest'"),
    ("main-latest", "tag: 7.2.7", "tag: main-latest", "images.redis.tag", "moving tag 'main-latest'"),
    ("release-line", "tag: 7.2.7", "tag: '7'", "images.redis.tag", "moving tag '7', which is refused"),
    ("major-minor-line", "tag: 7.2.7", "tag: '7.2'", "images.redis.tag", "'7.2' names a release line, not a release"),
    ("variant-line", "tag: 3.13.7-management", "tag: 3-management", "images.rabbitmq.tag", "moving tag '3-management'"),
    ("pg-line", "tag: 0.8.1-pg17-bookworm", "tag: pg17", "images.pgvector.tag", "or add a digest"),
    ("vendor-line", "tag: v1.0.0", "tag: v1", "images.enai-front.tag", "aipp images <environment>"),
    ("bad-tag-once", "tag: 7.2.7", "tag: 7/2", "images.redis.tag", "must be an image tag"),
    (
        "tag-in-repository",
        "repository: library/redis",
        "repository: library/redis:7",
        "images.redis.repository",
        "without tag",
    ),
    ("non-dns-namespace", "namespace: aipp", "namespace: AIPP_ns", "namespace", "DNS-1123"),
    (
        "kubernetes-version-without-v",
        "kubernetes_version: v1.27",
        "kubernetes_version: '1.30'",
        "kubernetes_version",
        "must be a Kubernetes version like 'v1.30'",
    ),
    ("non-dns-store", "store: vault-backend", "store: Vault_Backend", "secrets.store", "DNS-1123"),
    ("bad-cpu", 'cpu_limit: "2"', "cpu_limit: 2", "components.pgvector.resources.cpu_limit", "quote it in YAML"),
    (
        "limit-below-request",
        "memory_request: 2Gi",
        "memory_request: 4Gi",
        "components.pgvector.resources",
        "memory_limit must be at least",
    ),
    ("bad-digest", "tag: 7.2.7\n", "tag: 7.2.7\n    digest: sha256:abc\n", "images.redis.digest", "64 lowercase hex"),
    (
        "missing-image",
        "  rabbitmq:\n    # 3.13",
        "  rabbitmq-old:\n    # 3.13",
        "images.rabbitmq-old",
        "is not a component",
    ),
    ("literal-choice", "store_kind: ClusterSecretStore", "store_kind: Vault", "secrets.store_kind", "must be one of"),
    ("exporter-moving-tag", "tag: v0.20.1", "tag: latest", "images.postgres-exporter.tag", "moving tag 'latest'"),
    ("exporter-release-line", "tag: v1.93.0", "tag: v1.93", "images.redis-exporter.tag", "names a release line"),
    (
        "exporter-vendor-source",
        "    repository: oliver006/redis_exporter\n",
        "    repository: oliver006/redis_exporter\n    source: vendor\n",
        "images.redis-exporter.source",
        "must be 'dockerhub' for redis-exporter, got 'vendor'",
    ),
    (
        "exporters-not-a-switch",
        "  interval: 30s\n",
        "  interval: 30s\n  exporters: 'yes'\n",
        "monitoring.exporters",
        "must be true or false",
    ),
    ("duplicate-key", "namespace: aipp\n", "namespace: aipp\nnamespace: other\n", "", "duplicate key 'namespace'"),
]


@pytest.mark.parametrize(("old", "new", "path", "fragment"), [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES])
def test_bad_environment_file_is_refused_with_a_one_line_error(
    tmp_path: Path, old: str, new: str, path: str, fragment: str
) -> None:
    bad = _mutated(tmp_path, old, new)
    with pytest.raises(ConfigErrors) as info:
        load_environment(bad, display="environments/dev-meta.yaml")
    message = str(info.value)
    assert "\n" not in message and len(info.value.errors) == 1, message
    # FILE:LINE: path: problem (the path-less form for a file-level mistake).
    location = rf"environments/dev-meta\.yaml:{info.value.line}: " + (rf"{re.escape(path)}: " if path else "")
    assert isinstance(info.value.line, int) and re.match(location, message), message
    assert fragment in message, message


def test_a_digest_pins_a_moving_tag_of_an_image_row(tmp_path: Path) -> None:
    digest = "sha256:" + "ab" * 32
    good = _mutated(tmp_path, "tag: 7.2.7\n", f"tag: '7'\n    digest: {digest}\n")
    env = load_environment(good)
    assert (env.images["redis"].tag, env.images["redis"].digest) == ("7", digest)
    assert image_ref(env, "redis") == f"harbor.dev.unifiedmeta.net/dockerhub-proxy/library/redis:7@{digest}"
    assert check_image("image", image_ref(env, "redis"))


def test_a_moving_tag_of_a_dockerhub_row_names_no_mirror_command(tmp_path: Path) -> None:
    with pytest.raises(ConfigErrors) as info:
        load_environment(_mutated(tmp_path, "tag: 7.2.7", "tag: 6-alpine"))
    assert "images.redis.tag: is the moving tag '6-alpine', which is refused" in str(info.value)
    assert "aipp_constructs images" not in str(info.value)


def test_props_rule_is_reported_against_the_environment_field(tmp_path: Path) -> None:
    bad = _mutated(tmp_path, "shm_size: 512Mi", "shm_size: 2Gi")
    with pytest.raises(ConfigError, match=r"components\.pgvector\.shm_size: must be below"):
        load_environment(bad)  # the parser checks the rule too (one pass)
    # The construct's own check, reached when the parser is bypassed, is located the same way.
    env = load_environment(_mutated(tmp_path, "shm_size: 512Mi", "shm_size: 512Mi"))
    pgvector = env.components.pgvector.model_copy(update={"shm_size": "2Gi"})
    env = env.model_copy(update={"components": env.components.model_copy(update={"pgvector": pgvector})})
    with pytest.raises(ConfigError) as info:
        main.build_app(env, str(tmp_path / "out"), tmp_path)
    message = str(info.value)
    assert re.match(
        rf"{re.escape(str(tmp_path / 'dev-meta.yaml'))}(:\d+)?: components\.pgvector\.shm_size: must be below resources\.memory_limit",
        message,
    ), message
    assert "'2Gi'" in message and "\n" not in message


def test_missing_image_row_is_named(tmp_path: Path) -> None:
    bad = _mutated(tmp_path, "  rabbitmq:\n    # 3.13", "  rabbitmq-old:\n    # 3.13")
    data = yaml.safe_load(bad.read_text())
    del data["images"]["rabbitmq-old"]
    with pytest.raises(ConfigError, match=r"^x\.yaml:\d+: images\.rabbitmq: is required"):
        load_environment(_write(tmp_path, yaml.safe_dump(data), "x.yaml"), display="x.yaml")


def test_the_exporter_rows_are_required_while_the_exporters_are_on(tmp_path: Path) -> None:
    data = yaml.safe_load(DEV_META.read_text())
    assert data.get("monitoring", {}).get("exporters", True) is True  # on by default
    del data["images"]["postgres-exporter"], data["images"]["redis-exporter"]
    with pytest.raises(ConfigErrors) as info:
        load_environment(_write(tmp_path, yaml.safe_dump(data), "x.yaml"), display="x.yaml")
    assert [(e.path, e.problem) for e in info.value.errors] == [
        (
            f"images.{row}",
            "is required while monitoring.exporters is on: the metrics exporter needs a pinned image; "
            f"add '{row}: {{repository: ..., tag: ...}}' under images, or set 'monitoring.exporters: false'",
        )
        for row in ("postgres-exporter", "redis-exporter")
    ]
    # Off: the rows may go, or stay (unused).
    data["monitoring"]["exporters"] = False
    assert load_environment(_write(tmp_path, yaml.safe_dump(data), "y.yaml")).monitoring.exporters is False
    data = yaml.safe_load(DEV_META.read_text())
    data["monitoring"]["exporters"] = False
    env = load_environment(_write(tmp_path, yaml.safe_dump(data), "z.yaml"))
    assert (
        image_ref(env, "redis-exporter")
        == "harbor.dev.unifiedmeta.net/dockerhub-proxy/oliver006/redis_exporter:v1.93.0"
    )


def test_missing_required_key_is_named(tmp_path: Path) -> None:
    data = yaml.safe_load(DEV_META.read_text())
    del data["secrets"]["store"]
    with pytest.raises(ConfigError, match=r"^x\.yaml:\d+: secrets\.store: is required; add 'store:' under 'secrets'"):
        load_environment(_write(tmp_path, yaml.safe_dump(data), "x.yaml"), display="x.yaml")


def test_environment_name_comes_from_a_dns_file_name(tmp_path: Path) -> None:
    bad = _write(tmp_path, DEV_META.read_text(), "Dev_Meta.yaml")
    with pytest.raises(ConfigError, match=r"name: must be a DNS-1123 label.*'Dev_Meta'"):
        load_environment(bad)


def test_invalid_yaml_names_line_and_column(tmp_path: Path) -> None:
    bad = _write(tmp_path, "namespace: [aipp\n")
    with pytest.raises(ConfigError, match=r"is not valid YAML at line 2"):
        load_environment(bad)


def _tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_failed_synth_leaves_previous_output_byte_identical(tmp_path: Path) -> None:
    envs = tmp_path / "environments"
    envs.mkdir()
    (envs / "dev-meta.yaml").write_text(DEV_META.read_text())
    out = tmp_path / "out"
    main.synth_all(out, envs)
    before = _tree(out)
    assert before
    _mutated(envs, "    storage_size: 20Gi", "    storage_size: 10GB")
    # A second, valid environment must not be written either: nothing is, unless all are good.
    (envs / "another.yaml").write_text(DEV_META.read_text())
    with pytest.raises(ConfigError):
        main.synth_all(out, envs)
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["environments", "out"], "staging folder left behind"


def test_main_prints_one_line_error_and_exits_1(tmp_path: Path) -> None:
    envs = tmp_path / "environments"
    envs.mkdir()
    _mutated(envs, "    storage_size: 20Gi", "    storage_size: 10GB")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.yaml").write_text("kept: true\n")
    script = (
        "import sys, main; from pathlib import Path\n"
        f"main.ENVIRONMENTS_DIR = Path({str(envs)!r})\n"
        "sys.exit(main.main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        cwd=main.PROJECT,
        env={**os.environ, "AIPP_OUTDIR": str(out)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert re.search(
        r"dev-meta\.yaml(:\d+)?: components\.pgvector\.storage_size: must be a quantity in binary units", lines[0]
    )
    assert "'10GB'" in lines[0]
    assert _tree(out) == {"keep.yaml": b"kept: true\n"}
