"""The tag policy is extensible: a port lists the projects whose ``major.minor`` tags name one
release (:class:`ImagePolicy`, :func:`set_image_policy`); PostgreSQL is listed by default."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest

from aipp_constructs import (
    TWO_NUMBER_RELEASES,
    ImagePolicy,
    RedisCacheProps,
    SecretKeyRef,
    image_policy,
    set_image_policy,
)
from aipp_constructs.core._validation import check_image, check_image_tag, is_moving_tag

SQUID = ImagePolicy(two_number_releases=TWO_NUMBER_RELEASES | {"ubuntu/squid", "redis"})


@pytest.fixture
def squid_admitted() -> Iterator[None]:
    previous = set_image_policy(SQUID)
    try:
        yield
    finally:
        set_image_policy(previous)


def test_by_default_only_postgres_has_two_number_releases() -> None:
    assert image_policy() == ImagePolicy()
    assert ImagePolicy().two_number_releases == frozenset({"postgres"})
    assert check_image("image", "postgres:17.6") == "postgres:17.6"
    with pytest.raises(
        ValueError,
        match="^image uses the moving tag '6.10', got 'ubuntu/squid:6.10'; pin a released tag: .*, or list "
        "'ubuntu/squid' in ImagePolicy.two_number_releases if its releases have two numbers$",
    ):
        check_image("image", "ubuntu/squid:6.10")


@pytest.mark.usefixtures("squid_admitted")
def test_a_listed_project_two_number_tags_are_releases_everywhere() -> None:
    assert check_image("image", "ubuntu/squid:6.10-24.10_beta") == "ubuntu/squid:6.10-24.10_beta"
    assert check_image("image", "harbor.example/proxy/ubuntu/squid:6.10")  # through a mirror
    assert check_image_tag("images.squid.tag", "6.10", repository="ubuntu/squid") == "6.10"
    assert RedisCacheProps(image="redis:6.2", password=SecretKeyRef(name="r", key="p")).image == "redis:6.2"
    assert check_image("image", "postgres:17.6")  # the default entry is kept
    with pytest.raises(ValueError, match="moving tag '6'"):
        check_image("image", "ubuntu/squid:6")  # a release line stays moving
    with pytest.raises(ValueError, match="moving tag '6.10'"):
        check_image("image", "other/squid:6.10")  # an entry with a path matches that path only
    with pytest.raises(ValueError, match="moving tag '6.2'"):
        check_image("image", "redis-proxy:6.2")  # a whole segment, not a prefix


def test_a_policy_can_be_passed_to_one_check() -> None:
    assert not is_moving_tag("6.10", "ubuntu/squid", policy=SQUID)
    assert is_moving_tag("6.10", "ubuntu/squid")


def test_set_image_policy_returns_the_previous_one() -> None:
    previous = set_image_policy(SQUID)
    try:
        assert image_policy() is SQUID
    finally:
        assert set_image_policy(previous) is SQUID
    assert image_policy() is previous


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ("postgres", "^two_number_releases must be a set of repository paths, got 'postgres'"),
        (frozenset({"Ubuntu/Squid"}), "^two_number_releases\\[\\] has an invalid repository path component 'Ubuntu'"),
        (frozenset({"squid:6"}), "^two_number_releases\\[\\] has an invalid repository path component 'squid:6'"),
        (frozenset({7}), "^two_number_releases\\[\\] must be a repository path, got 7"),
    ],
)
def test_entries_are_repository_paths(entries: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ImagePolicy(two_number_releases=entries)


def test_set_image_policy_takes_an_image_policy() -> None:
    with pytest.raises(ValueError, match="^set_image_policy takes an ImagePolicy, got"):
        set_image_policy(cast(ImagePolicy, frozenset({"squid"})))
