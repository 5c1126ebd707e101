"""RedisCache run for real (tests/realserver.py): the Deployment ``redis`` of dist/dev-meta.

The server is Debian's redis-server 7.0.15 (the manifest pins the image ``redis:7.2.7``); every
flag the manifest passes (``--port --dir --appendonly --appendfsync --requirepass --maxmemory
--maxmemory-policy``) exists with the same meaning in both. It is started with exactly the
manifest's arguments, through the image's entrypoint as it behaves for a non-root user (see
:data:`REDIS`), with a password made up for each run. The exporter sidecar is Debian's
redis_exporter 1.45.0 (the manifest pins ``oliver006/redis_exporter:v1.93.0``, whose entrypoint
is the same program), run with the manifest's flags, which both understand (``--redis.addr``,
``--redis.password-file``, ``--web.listen-address``, ``--web.telemetry-path``), after the
manifest's init container has written its password file. Each behaviour is also run on a
mutated copy of the YAML, which must fail.
"""

from __future__ import annotations

import functools
import json
import secrets as random_secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import realmetrics as rm
import realserver as rs

DIST = rs.PROJECT / "dist" / "dev-meta" / "aipp.k8s.yaml"
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")
#: The official image: ``redis-server`` and ``redis-cli`` on PATH (here Debian's, in /usr/bin),
#: ``CMD ["redis-server"]``, and a ``docker-entrypoint.sh`` that, when the container does not run
#: as root and its first argument is ``redis-server``, only sets the umask to 0077 (when it is
#: 0022) and ``exec``s its arguments: the stand-in below does exactly that.
REDIS = rs.Image(
    entrypoint=("sh", "-c", 'if [ "$(umask)" = 0022 ]; then umask 0077; fi; exec "$@"', "docker-entrypoint.sh"),
    cmd=("redis-server",),
)
#: The image ``oliver006/redis_exporter``: ``ENTRYPOINT ["/redis_exporter"]``, here Debian's
#: build of the same program.
EXPORTER = rs.Image(entrypoint=("prometheus-redis-exporter",))
IMAGES = {"redis": REDIS, "redis_exporter": EXPORTER}
#: The tests of the module's server (the ``server`` fixture) run on one worker (`--dist
#: loadgroup`), so it starts once; so do those of the scrape of :func:`exporter_scrape`. Each other
#: test starts a server of its own and runs on any worker, alongside the rest of the suite.
shares_the_server = pytest.mark.xdist_group("real-redis-server")
shares_the_scrape = pytest.mark.xdist_group("real-redis-scrape")


@pytest.fixture(scope="module")
def credentials() -> dict[str, dict[str, str]]:
    # Made up for each run: never a value in git.
    return {"redis-credentials": {"password": random_secrets.token_urlsafe(16)}}


def sandbox() -> rs.Sandbox:
    rs.require("redis-server", "redis-cli")
    return rs.Sandbox(users={"redis": 999}, hosts=("redis",))


@pytest.fixture
def box() -> Iterator[rs.Sandbox]:
    made = sandbox()
    yield made
    made.close()


def redis_pod(box: rs.Sandbox, credentials: dict[str, dict[str, str]], *, text: str | None = None) -> rs.Pod:
    objects = rs.load(text if text is not None else DIST.read_text())
    return rs.Pod(box, objects, rs.find(objects, "Deployment", "redis"), images=IMAGES, secrets=credentials)


def start(box: rs.Sandbox, credentials: dict[str, dict[str, str]], *, text: str | None = None) -> rs.Container:
    redis = redis_pod(box, credentials, text=text).main
    redis.start()
    return redis


def started(box: rs.Sandbox, credentials: dict[str, dict[str, str]]) -> rs.Container:
    redis = start(box, credentials)
    up = redis.wait_until("startupProbe", timeout=30)
    assert up.ok, f"{up.output}\n{redis.log()}"
    return redis


@pytest.fixture(scope="module")
def server(credentials: dict[str, dict[str, str]]) -> Iterator[rs.Container]:
    """One Redis of dist/dev-meta for the tests that only read (and write a key or two)."""
    made = sandbox()
    try:
        yield started(made, credentials)
    finally:
        made.close()


def cli(redis: rs.Container, *command: str, host: str = "127.0.0.1") -> rs.Result:
    """``redis-cli`` in the container, with its environment (REDISCLI_AUTH from the Secret)."""
    return redis.run(["redis-cli", "-h", host, "-p", "6379", *command], timeout=10)


def argument(redis: rs.Container, flag: str) -> str:
    """The value the manifest gives ``flag`` in the container's arguments."""
    args = list(redis.spec["args"])
    return str(args[args.index(flag) + 1])


@shares_the_server
def test_every_flag_of_the_manifest_is_in_effect(server: rs.Container) -> None:
    argv = server.argv()[len(REDIS.entrypoint) :]
    assert argv[0] == "redis-server" and len(argv) % 2 == 1, argv
    flags = dict(zip(argv[1::2], argv[2::2], strict=True))
    assert {"--appendonly", "--requirepass", "--maxmemory", "--maxmemory-policy"} <= set(flags), flags
    for flag, value in flags.items():
        name = flag.removeprefix("--")
        assert cli(server, "config", "get", name).output.splitlines() == [name, value], flag


@shares_the_server
def test_every_probe_passes_when_up_and_fails_with_a_wrong_password(
    server: rs.Container, credentials: dict[str, dict[str, str]]
) -> None:
    wrong = {"REDISCLI_AUTH": "not-" + credentials["redis-credentials"]["password"]}
    for kind in PROBES:
        passed = server.probe(kind)
        assert passed.ok, f"{kind}: {passed.output}"
        refused = server.probe(kind, env=wrong)
        assert not refused.ok, kind
        assert "WRONGPASS" in refused.output, f"{kind}: {refused.output}"


@shares_the_server
def test_an_unauthenticated_ping_is_refused(server: rs.Container) -> None:
    # From another pod's address (the Service name), with no password: refused, not PONG.
    anonymous = server.run(["sh", "-c", "unset REDISCLI_AUTH; exec redis-cli -h redis -p 6379 ping"], timeout=10)
    assert "NOAUTH Authentication required" in anonymous.output, anonymous.output
    assert "PONG" not in anonymous.output
    # The same with the Secret's password answers.
    assert cli(server, "ping", host="redis").output.strip() == "PONG"


@shares_the_server
def test_append_only_is_on_and_written_to_the_data_volume(server: rs.Container) -> None:
    assert cli(server, "config", "get", "appendonly").output.split() == ["appendonly", "yes"]
    assert cli(server, "config", "get", "appendfsync").output.split() == ["appendfsync", "everysec"]
    data = server.pod.volumes["data"]
    assert cli(server, "config", "get", "dir").output.split() == ["dir", str(data)]
    marker = random_secrets.token_hex(8)
    assert cli(server, "set", "aof-marker", marker).output.strip() == "OK"
    # Redis 7 keeps the append-only file as a base, an increment and a manifest in appendonlydir.
    aof = data / "appendonlydir"
    deadline = time.monotonic() + 5
    while not any(marker.encode() in f.read_bytes() for f in aof.glob("*.incr.aof")) and time.monotonic() < deadline:
        time.sleep(0.1)
    names = sorted(f.name for f in aof.iterdir())
    assert any(n.endswith(".manifest") for n in names) and any(n.endswith(".base.rdb") for n in names), names
    assert any(marker.encode() in f.read_bytes() for f in aof.glob("*.incr.aof")), names


def test_maxmemory_is_the_manifests_and_writes_past_it_are_refused_not_oom_killed(
    box: rs.Sandbox, credentials: dict[str, dict[str, str]]
) -> None:
    redis = started(box, credentials)
    maxmemory = int(argument(redis, "--maxmemory"))
    policy = argument(redis, "--maxmemory-policy")
    assert cli(redis, "config", "get", "maxmemory").output.split() == ["maxmemory", str(maxmemory)]
    assert cli(redis, "config", "get", "maxmemory-policy").output.split() == ["maxmemory-policy", policy]
    assert policy == "noeviction"
    limit = rs.quantity(redis.spec["resources"]["limits"]["memory"])
    assert maxmemory < limit
    # Values filled server-side (SETRANGE zero-fills up to the offset), half of maxmemory each:
    # after the first, writes are accepted; after the second (past maxmemory), refused.
    half = str(maxmemory // 2)
    assert cli(redis, "setrange", "filler-1", half, "x").output.strip() == str(maxmemory // 2 + 1)
    assert cli(redis, "set", "below", "1").output.strip() == "OK"
    assert cli(redis, "setrange", "filler-2", half, "x").output.strip() == str(maxmemory // 2 + 1)
    refused = cli(redis, "set", "above", "1")
    assert "OOM command not allowed when used memory > 'maxmemory'" in refused.output, refused.output
    assert cli(redis, "exists", "filler-1", "filler-2", "below").output.strip() == "3"  # noeviction
    # Still alive and ready (reads and PING are not refused), and well under the memory limit.
    assert all(redis.probe(kind).ok for kind in PROBES)
    assert cli(redis, "get", "below").output.strip() == "1"
    info = dict(line.split(":", 1) for line in cli(redis, "info", "memory").output.split() if ":" in line)
    rss = int(info["used_memory_rss"])
    assert maxmemory < rss < limit, (maxmemory, rss, limit)


def test_every_probe_fails_when_the_server_is_down(box: rs.Sandbox, credentials: dict[str, dict[str, str]]) -> None:
    redis = started(box, credentials)
    assert redis.stop() == 0, redis.log()
    for kind in PROBES:
        assert not redis.probe(kind).ok, kind


def test_a_bad_redis_flag_stops_the_server_with_the_error(
    box: rs.Sandbox, credentials: dict[str, dict[str, str]]
) -> None:
    text = rs.mutate(DIST.read_text(), "            - --appendonly\n", "            - --apendonly\n")
    redis = start(box, credentials, text=text)
    assert redis.process.wait(timeout=30) != 0, redis.log()
    log = redis.log()
    assert "FATAL CONFIG FILE ERROR" in log and "apendonly" in log, log
    assert "Bad directive or wrong number of arguments" in log, log
    assert not redis.probe("startupProbe").ok


def test_a_probe_typo_fails(box: rs.Sandbox, credentials: dict[str, dict[str, str]]) -> None:
    text = rs.mutate(DIST.read_text(), "ping | grep -qx PONG", "pign | grep -qx PONG")
    redis = start(box, credentials, text=text)
    deadline = time.monotonic() + 30
    while cli(redis, "ping").output.strip() != "PONG" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert cli(redis, "ping").output.strip() == "PONG", redis.log()  # the server is up
    for kind in PROBES:
        assert not redis.probe(kind).ok, kind


# --- the metrics exporter (redis_exporter, a sidecar of the pod) ----------------------------------


def exporter_of(pod: rs.Pod) -> rs.Container:
    """The pod's exporter sidecar, started after the init container that writes its password
    file (as the kubelet orders them); ready (its probes, from the manifest) or failed."""
    auth = pod.container("redis-exporter-auth").run(timeout=30)
    assert auth.ok, auth.output
    exporter = pod.container("redis-exporter")
    exporter.start()
    ready = exporter.wait_until("readinessProbe", timeout=30)
    assert ready.ok, f"{ready.output}\n{exporter.log()}"
    return exporter


def metrics_url() -> str:
    """Where Prometheus scrapes the exporter: the ServiceMonitor's port and path."""
    return rm.endpoint_url(rs.load(DIST.read_text()), "redis")


def up(pod: rs.Pod) -> rs.Container:
    """The pod's server, up (its startup probe)."""
    redis = pod.main
    redis.start()
    ready = redis.wait_until("startupProbe", timeout=30)
    assert ready.ok, f"{ready.output}\n{redis.log()}"
    return redis


@functools.cache
def exporter_scrape() -> rm.Scrape:
    """The exporter of dist/dev-meta against its server, scraped once per test process
    (:func:`realmetrics.scrape_of`): the server, the init container, then the sidecar."""
    rs.require("redis-server", "redis-cli", "prometheus-redis-exporter")
    box = rs.Sandbox(users={"redis": 999}, hosts=("redis",))
    try:
        pod = redis_pod(box, {"redis-credentials": {"password": random_secrets.token_urlsafe(16)}})
        up(pod)
        exporter = exporter_of(pod)
        return rm.scrape(box, metrics_url(), source="redis-exporter", pid=exporter.process.pid)
    finally:
        box.close()


@shares_the_scrape
def test_the_exporter_serves_the_servers_core_metrics() -> None:
    scrape = exporter_scrape()
    print(f"\nredis_exporter metric names ({len(scrape.names)}):", *sorted(scrape.names), sep="\n  ")
    assert scrape.value("redis_up") == 1
    assert scrape.value("redis_exporter_last_scrape_error") == 0
    # The manifest's settings, as the server reports them.
    redis = rs.find(rs.load(DIST.read_text()), "Deployment", "redis")["spec"]["template"]["spec"]["containers"][0]
    args = redis["args"]
    assert scrape.value("redis_memory_max_bytes") == int(args[args.index("--maxmemory") + 1])
    assert scrape.value("redis_aof_enabled") == 1
    assert scrape.value("redis_connected_clients") >= 1  # the exporter itself
    assert scrape.value("redis_rdb_last_bgsave_status") == 1
    assert {"redis_memory_used_bytes", "redis_evicted_keys_total", "redis_rejected_connections_total"} <= scrape.names
    [version] = [s.labels["redis_version"] for s in scrape.samples if s.name == "redis_instance_info"]
    assert version.startswith("7."), version


@shares_the_scrape
def test_the_exporter_fits_its_resources_and_runs_as_the_manifest_says() -> None:
    scrape = exporter_scrape()
    spec = rs.find(rs.load(DIST.read_text()), "Deployment", "redis")["spec"]["template"]["spec"]
    [sidecar] = [c for c in spec["containers"] if c["name"] == "redis-exporter"]
    limit = rs.quantity(sidecar["resources"]["limits"]["memory"])
    assert scrape.rss_bytes is not None and scrape.rss_bytes < limit * 0.75, (scrape.rss_bytes, limit)
    context = sidecar["securityContext"]
    assert (context["runAsUser"], context["runAsGroup"], context["readOnlyRootFilesystem"]) == (59000, 59000, True)
    assert "env" not in sidecar  # no password variable: the password file


def test_the_init_container_writes_the_exporters_password_map_for_the_pods_group_only(
    box: rs.Sandbox, credentials: dict[str, dict[str, str]]
) -> None:
    rs.require("prometheus-redis-exporter")
    pod = redis_pod(box, credentials)
    auth = pod.container("redis-exporter-auth").run(timeout=30)
    assert auth.ok, auth.output
    exporter = pod.container("redis-exporter")
    flags = dict(arg.split("=", 1) for arg in exporter.spec["args"])
    written = Path(exporter.translate(flags["--redis.password-file"]))
    assert json.loads(written.read_text()) == {flags["--redis.addr"]: credentials["redis-credentials"]["password"]}
    assert written.stat().st_mode & 0o777 == 0o440
    assert (written.stat().st_uid, written.stat().st_gid) == (999, pod.fs_group)
    assert f"wrote the credentials of {flags['--redis.addr']} to" in auth.output


def test_a_password_with_a_quote_and_a_backslash_is_escaped_in_the_map(box: rs.Sandbox) -> None:
    rs.require("prometheus-redis-exporter")
    pod = redis_pod(box, {"redis-credentials": {"password": 'pa"ss\\word'}})
    up(pod)
    exporter_of(pod)
    assert rm.scrape(box, metrics_url(), source="redis-exporter").value("redis_up") == 1


def test_a_password_map_for_another_address_leaves_the_exporter_unauthenticated(
    box: rs.Sandbox, credentials: dict[str, dict[str, str]]
) -> None:
    rs.require("prometheus-redis-exporter")
    text = rs.mutate(DIST.read_text(), "'redis://127.0.0.1:6379' \"$escaped\"", "'redis://localhost:6379' \"$escaped\"")
    pod = redis_pod(box, credentials, text=text)
    up(pod)
    exporter = exporter_of(pod)
    assert rm.scrape(box, metrics_url(), source="redis-exporter").value("redis_up") == 0
    assert "NOAUTH" in exporter.log(), exporter.log()


def test_without_the_init_container_the_exporter_stops_with_the_error(
    box: rs.Sandbox, credentials: dict[str, dict[str, str]]
) -> None:
    rs.require("prometheus-redis-exporter")
    exporter = redis_pod(box, credentials).container("redis-exporter")
    exporter.start()
    assert exporter.process.wait(timeout=30) != 0
    assert "auth.json" in exporter.log(), exporter.log()


def test_the_exporter_stays_ready_and_reports_redis_up_0_while_the_server_is_down(
    box: rs.Sandbox, credentials: dict[str, dict[str, str]]
) -> None:
    rs.require("prometheus-redis-exporter")
    pod = redis_pod(box, credentials)
    redis = up(pod)
    exporter = exporter_of(pod)
    assert rm.scrape(box, metrics_url(), source="redis-exporter").value("redis_up") == 1
    assert redis.stop() == 0, redis.log()
    assert rm.scrape(box, metrics_url(), source="redis-exporter").value("redis_up") == 0
    # Its probes ask its own page, never Redis: the pod does not go unready because of it.
    assert exporter.process.poll() is None, exporter.log()
    for kind in ("readinessProbe", "livenessProbe"):
        assert exporter.probe(kind).ok, kind


@shares_the_scrape
def test_every_redis_metric_of_the_alerts_and_dashboard_is_in_the_real_scrape() -> None:
    """Issue 13: a rule or panel on a metric the redis-exporter does not serve would never fire or draw."""
    from aipp_constructs.aipp.observability import METRICS

    used = {name for name in rm.used_in_dist() if name.startswith("redis_")}
    assert used, "dist/dev-meta reads no redis_* metric: are the alerts and the dashboard there?"
    assert used <= set(METRICS["redis"])
    missing = set(METRICS["redis"]) - rm.metric_names("redis-exporter")
    assert not missing, f"not in the real scrape of redis-exporter: {sorted(missing)}"
