"""The image policy every construct applies: Docker Hub by default, no moving tag unless a digest pins it."""

from __future__ import annotations

import re

import pytest

from aipp_constructs.core._validation import check_image, check_image_tag, is_moving_tag, normalize_image

DIGEST = "sha256:" + "0123456789abcdef" * 4

MOVING = [
    # (tag, why)
    ("latest", "latest"),
    ("main-latest", "latest"),
    ("dev_latest", "latest"),
    ("1.2.3-latest", "latest"),
    ("7", "major line"),
    ("7.2", "major.minor line"),
    ("v2", "major line after 'v'"),
    ("pg16", "major line after a letter prefix"),
    ("pg17", "major line after a letter prefix"),
    ("6-alpine", "major line with a variant"),
    ("3-management", "major line with a variant"),
    ("17-bookworm", "major line with a variant"),
    ("7.2-alpine3.20", "major.minor line with a variant"),
    ("alpine", "no version at all"),
    ("stable", "no version at all"),
    ("latest-fix", "no version at all"),
]

PINNED = [
    # (tag, why)
    ("7.2.7", "three components"),
    ("v1.0.0", "three components after 'v'"),
    ("0.8.1-pg17-bookworm", "version 0.8.1; pg17 is a qualifier after it"),
    ("3.13.7-management", "three components with a variant"),
    ("1.37.0", "three components"),
    ("2025.01.15", "three components (and a date)"),
    ("RELEASE.2025-09-07T16-13-09Z", "date-time stamp"),
    ("24.8.14.39", "four components"),
    ("3.0.0-alpha", "pre-release of a full version"),
    ("sha-1a2b3c4", "commit id"),
    ("jdk-17.0.2", "three components after a prefix and a separator"),
    ("bookworm-20240101", "date stamp"),
    ("7-1a2b3c4d", "commit id after a major"),
]


@pytest.mark.parametrize(("tag", "why"), MOVING, ids=[t for t, _ in MOVING])
def test_is_moving_tag_refuses_channels_and_release_lines(tag: str, why: str) -> None:
    assert is_moving_tag(tag), why


@pytest.mark.parametrize(("tag", "why"), PINNED, ids=[t for t, _ in PINNED])
def test_is_moving_tag_accepts_releases_and_stamps(tag: str, why: str) -> None:
    assert not is_moving_tag(tag), why


@pytest.mark.parametrize(
    "tag",
    [
        "cafe",  # hex, but too short and no digit: not a commit id
        "deadbeef-7",  # hex, but no digit: a word, not a commit id
        "2-3a",  # hex part too short
        "7-20251340",  # not a calendar date (month 13)
    ],
)
def test_look_alike_stamps_do_not_pin(tag: str) -> None:
    assert is_moving_tag(tag)


@pytest.mark.parametrize(
    "image",
    [
        "redis:7.2.7",
        "library/redis:7.2.7",
        "pgvector/pgvector:0.8.1-pg17-bookworm",
        "docker.io/library/redis:7.2.7",
        "harbor.example/dockerhub-proxy/pgvector/pgvector:0.8.1-pg17-bookworm",
        "registry:5000/team/app:1.2.3",
        "localhost/app:v1.0.0",
        "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z",
        "ghcr.io/team/app:sha-1a2b3c4",
        f"redis:7.2.7@{DIGEST}",
    ],
)
def test_check_image_accepts_pinned_references_with_or_without_a_registry_host(image: str) -> None:
    assert check_image("image", image) == image


@pytest.mark.parametrize(
    "image",
    [
        f"redis:7@{DIGEST}",
        f"redis:latest@{DIGEST}",
        f"harbor.example/library/rabbitmq:3-management@{DIGEST}",
        f"pgvector/pgvector:pg17@{DIGEST}",
    ],
)
def test_a_digest_pins_a_moving_tag(image: str) -> None:
    assert check_image("image", image) == image


@pytest.mark.parametrize(
    ("image", "tag", "names"),
    [
        ("redis:7", "7", "a release line"),
        ("redis:7.2", "7.2", "a release line"),
        ("redis:6-alpine", "6-alpine", "a release line"),
        ("pgvector/pgvector:pg16", "pg16", "a release line"),
        ("harbor.example/library/rabbitmq:3-management", "3-management", "a release line"),
        ("postgres:17-bookworm", "17-bookworm", "a release line"),
        ("h.example/a/b:v2", "v2", "a release line"),
        ("redis:latest", "latest", "whatever was pushed last"),
        ("h.example/a/b:main-latest", "main-latest", "whatever was pushed last"),
    ],
)
def test_check_image_refuses_a_moving_tag_naming_field_value_and_fix(image: str, tag: str, names: str) -> None:
    with pytest.raises(ValueError) as info:
        check_image("spec.image", image)
    message = str(info.value)
    assert message.startswith(f"spec.image uses the moving tag {tag!r}, got {image!r}; "), message
    assert f"{tag!r} names {names}, not a release" in message
    assert "use a full version like '7.2.7' or add @sha256:<digest>" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        ("redis", "has no tag"),
        (f"redis@{DIGEST}", "has no tag"),
        ("Redis:7.2.7", "has an invalid repository path component 'Redis'"),
        ("library/Redis:7.2.7", "has an invalid repository path component 'Redis'"),
        ("h_example.com/a:1.2.3", "has an invalid registry host 'h_example.com'"),
        ("redis:-1", "has an invalid tag '-1'"),
        ("redis:7.2.7@sha256:abc", "has a malformed digest"),
        ("redis:7.2.7@", "has a malformed digest"),
        ("", "has an invalid repository path component ''"),
        ("redis:7.2.7\n", "has an invalid tag"),
    ],
)
def test_check_image_refuses_malformed_references_naming_field_value_and_fix(image: str, problem: str) -> None:
    pattern = f"^image {re.escape(problem)}.*, got {re.escape(repr(image))}; pin a released tag, like 'redis:7.2.7'"
    with pytest.raises(ValueError, match=pattern):
        check_image("image", image)


def test_check_image_refuses_a_non_string() -> None:
    with pytest.raises(ValueError, match="^image is not a string, got None; pin a released tag"):
        check_image("image", None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "message_of",
    [
        lambda: check_image("image", "redis:7"),
        lambda: check_image("image", "redis"),
        lambda: check_image_tag("tag", "latest"),
        lambda: normalize_image("Redis:7"),
    ],
)
def test_generic_messages_name_no_aipp_command(message_of: object) -> None:
    with pytest.raises(ValueError) as info:
        message_of()  # type: ignore[operator]
    assert "aipp" not in str(info.value).lower()


def test_check_image_tag_applies_the_same_rule_unless_a_digest_pins_the_tag() -> None:
    assert check_image_tag("tag", "7.2.7") == "7.2.7"
    with pytest.raises(ValueError) as info:
        check_image_tag("images.redis.tag", "6-alpine")
    assert str(info.value) == (
        "images.redis.tag is the moving tag '6-alpine', which is refused; pin a released tag: '6-alpine' names "
        "a release line, not a release, so use a full version like '7.2.7' or add a digest"
    )
    assert check_image_tag("tag", "6-alpine", pinned=True) == "6-alpine"
    with pytest.raises(ValueError, match="^tag must be an image tag"):
        check_image_tag("tag", "a/b", pinned=True)


@pytest.mark.parametrize(
    ("ref", "normalized"),
    [
        ("redis:7.2.7", "docker.io/library/redis:7.2.7"),
        ("library/redis:7.2.7", "docker.io/library/redis:7.2.7"),
        ("pgvector/pgvector:0.8.1-pg17", "docker.io/pgvector/pgvector:0.8.1-pg17"),
        ("docker.io/redis:7.2.7", "docker.io/library/redis:7.2.7"),
        ("index.docker.io/library/redis:7.2.7", "docker.io/library/redis:7.2.7"),
        ("docker.io/pgvector/pgvector:0.8.1-pg17", "docker.io/pgvector/pgvector:0.8.1-pg17"),
        (f"redis:7@{DIGEST}", f"docker.io/library/redis:7@{DIGEST}"),
        ("redis", "docker.io/library/redis"),
        ("harbor.example/dockerhub-proxy/library/redis:7.2.7", "harbor.example/dockerhub-proxy/library/redis:7.2.7"),
        ("registry:5000/app:1.2.3", "registry:5000/app:1.2.3"),
        ("localhost/app:1.2.3", "localhost/app:1.2.3"),
        # A single segment is a repository, never a host (as Docker reads it): tag 1.2.3 of 'localhost'.
        ("localhost:1.2.3", "docker.io/library/localhost:1.2.3"),
    ],
)
def test_normalize_image_names_docker_hub_when_no_registry_host_is_given(ref: str, normalized: str) -> None:
    assert normalize_image(ref) == normalized
    assert normalize_image(normalized) == normalized


def test_normalize_image_refuses_a_malformed_reference() -> None:
    with pytest.raises(ValueError, match=r"^image reference has an invalid repository path component 'Redis'"):
        normalize_image("Redis:7.2.7")
