"""The presets' ``endpoint`` is typed ``Endpoint``, never ``None``: a port reads
``redis.endpoint.facts()`` without ``assert redis.endpoint is not None`` (mypy --strict reads
the class annotation this test reads)."""

from __future__ import annotations

import typing

import pytest

from aipp_constructs import (
    Endpoint,
    GpuWorker,
    PgvectorDb,
    RabbitMq,
    RedisCache,
    SpringService,
    WebFrontend,
    Workload,
)


@pytest.mark.parametrize("preset", [PgvectorDb, RabbitMq, RedisCache, SpringService, WebFrontend, GpuWorker])
def test_a_preset_declares_its_endpoint_never_none(preset: type[Workload]) -> None:
    assert typing.get_type_hints(preset)["endpoint"] is Endpoint


def test_a_plain_workload_may_serve_nothing() -> None:
    """The narrowing is the presets' own: a ``Workload`` without an exposed port has none."""
    assert "endpoint" not in typing.get_type_hints(Workload)
