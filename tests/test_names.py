"""Kubernetes names for Compose service names: the mapping rule, each refusal, collisions."""

from __future__ import annotations

import re

import pytest

from aipp_constructs import kubernetes_name, kubernetes_names


@pytest.mark.parametrize(
    ("compose_name", "expected"),
    [
        ("db_postgres", "db-postgres"),
        ("worker_beat", "worker-beat"),
        ("db-postgres", "db-postgres"),
        ("Redis", "redis"),
        ("Worker.Beat", "worker-beat"),
        ("api_v2.internal", "api-v2-internal"),
        ("a__b", "a--b"),
        ("x", "x"),
        ("s3", "s3"),
        ("a" * 63, "a" * 63),
    ],
)
def test_mapping(compose_name: str, expected: str) -> None:
    assert kubernetes_name(compose_name) == expected


@pytest.mark.parametrize(
    ("compose_name", "message"),
    [
        (
            "db postgres",
            "Compose service name 'db postgres' has characters with no Kubernetes mapping (' '); "
            "only ASCII letters, digits, '-', '_' and '.' are mapped: rename the service in the port",
        ),
        ("db:postgres/1", "Compose service name 'db:postgres/1' has characters with no Kubernetes mapping ('/', ':')"),
        ("café", "Compose service name 'café' has characters with no Kubernetes mapping ('é')"),
        # The Kelvin sign lowercases to an ASCII 'k': refused, not silently mapped.
        ("\u212aafka", "has characters with no Kubernetes mapping ('\u212a')"),
        (
            "_internal",
            "Compose service name '_internal' maps to '-internal', which starts or ends with '-'; "
            "rename the service in the port so that it starts and ends with a letter or digit",
        ),
        ("db.", "Compose service name 'db.' maps to 'db-', which starts or ends with '-'"),
        ("-db", "Compose service name '-db' maps to '-db', which starts or ends with '-'"),
        (
            "1password",
            "Compose service name '1password' maps to '1password', which does not start with a letter "
            "(a Service name is a DNS-1035 label); rename the service in the port, e.g. with a letter prefix",
        ),
        (
            "a" * 30 + "_" + "b" * 33,
            f"Compose service name {'a' * 30 + '_' + 'b' * 33!r} maps to {'a' * 30 + '-' + 'b' * 33!r}, "
            "which has 64 characters, more than the 63 of a DNS-1035 label; "
            "rename the service in the port to a shorter name",
        ),
        ("", "Compose service name must be a non-empty string, got ''"),
    ],
)
def test_refusals(compose_name: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        kubernetes_name(compose_name)


def test_kubernetes_names_maps_every_name() -> None:
    assert kubernetes_names(["db_postgres", "worker_beat", "web", "web"]) == {
        "db_postgres": "db-postgres",
        "worker_beat": "worker-beat",
        "web": "web",
    }
    assert kubernetes_names(iter(())) == {}


@pytest.mark.parametrize(
    ("names", "first", "second", "mapped"),
    [
        (["db_postgres", "db-postgres"], "db_postgres", "db-postgres", "db-postgres"),
        (["web", "Redis", "redis"], "Redis", "redis", "redis"),
        (["worker.beat", "worker_beat"], "worker.beat", "worker_beat", "worker-beat"),
    ],
)
def test_a_collision_names_both_compose_names(names: list[str], first: str, second: str, mapped: str) -> None:
    message = (
        f"Compose service names {first!r} and {second!r} both map to the Kubernetes name {mapped!r}; "
        "rename one of them in the port"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        kubernetes_names(names)


def test_kubernetes_names_reports_an_unmappable_name() -> None:
    with pytest.raises(ValueError, match=re.escape("Compose service name 'db@1' has characters")):
        kubernetes_names(["web", "db@1"])
