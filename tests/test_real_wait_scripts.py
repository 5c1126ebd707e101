"""The ``wait-for-*`` init containers of dist/dev-meta, run for real (tests/realserver.py).

Those of ``enai-backend`` (pgvector, redis, rabbitmq; the other enai-* Deployments have the
same scripts) run against the real servers of tests/test_real_postgres.py,
tests/test_real_redis.py and tests/test_real_rabbitmq.py, started from the same manifest in
one pod network, and then against none (on a copy of the YAML with 2 attempts instead of
60, so that giving up takes 5 seconds, not 5 minutes).

The image is ``busybox:1.37.0``: its ``sh`` and ``sleep`` are Debian's BusyBox (1.35) here.
Its ``nc`` is not: Debian builds BusyBox without netcat 1.10 compatibility
(``CONFIG_NC_110_COMPAT``), so Debian's ``busybox nc`` has no ``-z`` ("invalid option"),
while the image is built from ``make defconfig``, where that option is on (default y): the
image's ``nc -z -w 2 HOST PORT`` connects, sends nothing and exits 0, or exits 1 when
nothing answers within 2 seconds. netcat-openbsd's ``nc`` takes the same flags with the same
meaning and stands in for it (:func:`realserver.busybox`).
"""

from __future__ import annotations

import secrets as random_secrets
import time
from collections.abc import Iterator

import pytest
import realserver as rs
import test_real_postgres as pg
import test_real_rabbitmq as rabbitmq
import test_real_redis as redis
from test_real_postgres import images  # noqa: F401 - the pgvector images (a fixture)

DIST = rs.PROJECT / "dist" / "dev-meta" / "aipp.k8s.yaml"
WAITS = {"wait-for-pgvector": "pgvector:5432", "wait-for-redis": "redis:6379", "wait-for-rabbitmq": "rabbitmq:5672"}
HOSTS = ("pgvector", "pgvector-headless", "redis", *rabbitmq.HOSTS)


def busybox_image() -> rs.Image:
    """``busybox:1.37.0`` (module documentation): ``sh`` and ``sleep`` of BusyBox, ``nc`` of netcat-openbsd."""
    return rs.Image(path=(rs.busybox("sh", "sleep", "nc"),), cmd=("sh",))


@pytest.fixture(scope="module")
def credentials() -> dict[str, dict[str, str]]:
    # Made up for each run: never a value in git.
    return {
        "pgvector-credentials": {"username": pg.USER, "password": random_secrets.token_urlsafe(16)},
        "redis-credentials": {"password": random_secrets.token_urlsafe(16)},
        "rabbitmq-credentials": {
            "username": f"aipp-{random_secrets.token_hex(4)}",
            "password": random_secrets.token_urlsafe(16),
            "erlang-cookie": random_secrets.token_hex(20).upper(),
        },
    }


@pytest.fixture(scope="module")
def busybox() -> rs.Image:
    rs.require("busybox", "nc.openbsd")
    return busybox_image()


def sandbox() -> rs.Sandbox:
    return rs.Sandbox(users={"postgres": 999, "redis": 999, "rabbitmq": 999}, hosts=HOSTS)


@pytest.fixture
def box(busybox: rs.Image) -> Iterator[rs.Sandbox]:
    made = sandbox()
    yield made
    made.close()


def backend(box: rs.Sandbox, busybox: rs.Image, *, text: str | None = None) -> rs.Pod:
    objects = rs.load(text if text is not None else DIST.read_text())
    return rs.Pod(box, objects, rs.find(objects, "Deployment", "enai-backend"), images={"busybox": busybox}, secrets={})


@pytest.fixture(scope="module")
def servers(
    images: dict[str, dict[str, rs.Image]],  # noqa: F811 - images is the imported fixture
    credentials: dict[str, dict[str, str]],
    busybox: rs.Image,
) -> Iterator[rs.Sandbox]:
    """pgvector, redis and rabbitmq of dist/dev-meta, up in one pod network."""
    rs.require("redis-server", "rabbitmq-server", "erl")
    made = sandbox()
    try:
        pgvector = pg.start(pg.database(made, images["0.8.2"], credentials))
        cache = redis.start(made, credentials)
        broker = rabbitmq.start(made, rabbitmq.rabbitmq_image(), credentials)
        for server in (pgvector, cache, broker):
            ready = server.wait_until("readinessProbe", timeout=120)
            assert ready.ok, f"{server.name}: {ready.output}\n{server.log()}"
        yield made
        for server in (pgvector, cache, broker):
            server.stop(grace=0)
    finally:
        made.close()


def test_every_wait_script_passes_when_its_server_answers(servers: rs.Sandbox, busybox: rs.Image) -> None:
    pod = backend(servers, busybox)
    assert [c["name"] for c in pod.spec["initContainers"]] == list(WAITS)
    for name, address in WAITS.items():
        result = pod.container(name).run(timeout=30)
        assert result.ok, f"{name}: {result.output}"
        assert result.output == f"{name}: {address} answers\n", result.output


def test_every_wait_script_gives_up_when_its_server_never_answers(box: rs.Sandbox, busybox: rs.Image) -> None:
    text = DIST.read_text()
    for old in ('[ "$n" -ge 60 ]', "after 60 attempts", "$n/60"):
        text = rs.mutate(text, old, old.replace("60", "2"))
    pod = backend(box, busybox, text=text)
    # The three at once (a pod runs them one after the other: this only saves time).
    waits = {name: pod.container(name) for name in WAITS}
    for wait in waits.values():
        wait.start()
    for name, wait in waits.items():
        assert wait.process.wait(timeout=30) == 1, wait.log()
        address = WAITS[name]
        assert wait.log().splitlines() == [
            f"{name}: {address} not answering yet (attempt 1/2), retrying in 5s",
            f"{name}: {address} did not answer after 2 attempts; giving up",
        ], wait.log()


def test_a_wait_script_lets_the_pod_go_on_once_its_server_comes_up(
    box: rs.Sandbox, busybox: rs.Image, credentials: dict[str, dict[str, str]]
) -> None:
    rs.require("redis-server", "redis-cli")
    wait = backend(box, busybox).container("wait-for-redis")
    wait.start()
    first = "wait-for-redis: redis:6379 not answering yet (attempt 1/60), retrying in 5s"
    assert first in wait.wait_for_log(first, timeout=10), wait.log()
    started = time.monotonic()
    redis.start(box, credentials)
    assert wait.process.wait(timeout=15) == 0, wait.log()
    assert wait.log().splitlines()[-1] == "wait-for-redis: redis:6379 answers"
    assert time.monotonic() - started < 10  # the next attempt, not a later one
