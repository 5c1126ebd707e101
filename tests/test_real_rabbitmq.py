"""RabbitMq run for real (tests/realserver.py): the StatefulSet ``rabbitmq`` of dist/dev-meta.

The server is Debian's rabbitmq-server 3.10.8 on Erlang/OTP 25, while the manifest pins the
image ``rabbitmq:3.13.7-management``. What differs, and how the test keeps to the manifest:

* **Every key of the generated 20-kubernetes.conf** (``total_memory_available_override_value``,
  ``vm_memory_high_watermark.relative``, ``log.file``) and of the image's 10-defaults.conf
  exists in 3.10 with the same meaning: 3.10 starts with them, and a key it does not know
  stops it (see the broken-line test), so none is silently ignored.
* **The upgrade log (finding 6):** 3.10 (and 3.11) open ``<node>_upgrade.log`` under
  ``/var/log/rabbitmq`` at boot even with ``log.file = false``, which the read-only root
  refuses (``BOOT FAILED``, shown by a test below); the pinned 3.13.7 writes nothing there
  (checked by hand against the real image), and RabbitMq refuses tags before 3.12. The
  stand-in image sets ``RABBITMQ_UPGRADE_LOG=-`` (3.10's own variable for that file; ``-``
  is the console) so that 3.10 starts as 3.13.7 does: the root stays read-only.
* **The image:** see :func:`image`; the entrypoint is a stand-in (tests/images/rabbitmq) and
  the programs are Debian's real scripts in ``/usr/lib/rabbitmq/bin`` (``/usr/sbin/rabbitmq-server``
  is a wrapper that insists on root or Debian's rabbitmq user and logs to /var/log/rabbitmq).

Credentials and the Erlang cookie are made up for each run. Clients connect to the Service
name, from another address than loopback (:data:`realserver.SERVICE_ADDRESS`), as other pods
do: the image lets ``guest`` in from anywhere if that user exists.
"""

from __future__ import annotations

import functools
import secrets as random_secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import realmetrics as rm
import realserver as rs

#: The tests of the module's broker (the ``server`` fixture) run on one worker (`--dist loadgroup`),
#: so it starts once; so do those of the scraped broker (:func:`_broker_scrapes`). Each other test
#: starts a broker of its own and runs on any worker, alongside the rest of the suite.
shares_the_server = pytest.mark.xdist_group("real-rabbitmq-server")
shares_the_scrape = pytest.mark.xdist_group("real-rabbitmq-scrape")

DIST = rs.PROJECT / "dist" / "dev-meta" / "aipp.k8s.yaml"
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")
HOSTS = ("rabbitmq", "rabbitmq-headless", "rabbitmq-0.rabbitmq-headless")
#: The manifest's default user and password, as a mutation removes them.
DEFAULT_USER_ENV = """\
            - name: RABBITMQ_DEFAULT_USER
              valueFrom:
                secretKeyRef:
                  key: username
                  name: rabbitmq-credentials
            - name: RABBITMQ_DEFAULT_PASS
              valueFrom:
                secretKeyRef:
                  key: password
                  name: rabbitmq-credentials
"""
#: An AMQP 0-9-1 client (pika, from the venv): log in, then a round trip through a queue.
AMQP_CLIENT = """
import os, sys
import pika
credentials = pika.PlainCredentials(os.environ["AMQP_USER"], os.environ["AMQP_PASSWORD"])
parameters = pika.ConnectionParameters(
    host=sys.argv[1], port=int(sys.argv[2]), credentials=credentials, connection_attempts=1, socket_timeout=10
)
try:
    connection = pika.BlockingConnection(parameters)
except pika.exceptions.AMQPConnectionError as error:
    sys.exit(f"login refused: {error!r}")
channel = connection.channel()
queue = channel.queue_declare("", exclusive=True).method.queue
channel.basic_publish("", queue, b"round trip")
method, properties, body = channel.basic_get(queue, auto_ack=True)
connection.close()
print(f"login accepted; the queue returned {body!r}")
"""
HTTP_GET = "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())"
#: A durable queue with one message and no consumer, for the per-queue metrics.
QUEUE = "realmetrics"
DECLARE_QUEUE = f"""
import os, pika
credentials = pika.PlainCredentials(os.environ["AMQP_USER"], os.environ["AMQP_PASSWORD"])
connection = pika.BlockingConnection(pika.ConnectionParameters(host="rabbitmq", port=5672, credentials=credentials))
channel = connection.channel()
channel.queue_declare("{QUEUE}", durable=True)
channel.basic_publish("", "{QUEUE}", b"one message")
connection.close()
"""
#: The per-queue families of RabbitMQ's detailed endpoint (``/metrics/detailed``): message
#: counts and consumers, by queue, what a queue-depth or no-consumer alert needs.
DETAILED_QUERY = "?family=queue_coarse_metrics&family=queue_consumer_count"
#: The logger handlers that write a file (Erlang, evaluated in the broker).
LOG_FILES = (
    "[maps:get(id, H) || H <- logger:get_handler_config(), maps:get(type, maps:get(config, H, #{}), none) =:= file]."
)


def rabbitmq_image() -> rs.Image:
    """The official image ``rabbitmq:3.13.7-management`` as this machine provides it.

    * ``ENTRYPOINT ["docker-entrypoint.sh"]``: the stand-in of tests/images/rabbitmq (what the
      image's script does as a non-root user); ``CMD ["rabbitmq-server"]``.
    * ``PATH``: Debian's ``/usr/lib/rabbitmq/bin`` (``rabbitmq-server``, ``rabbitmqctl``,
      ``rabbitmq-diagnostics``...: the scripts of the generic build the image has in
      /opt/rabbitmq/sbin); not ``/usr/sbin``'s wrappers.
    * ``ENV``: ``HOME`` and ``RABBITMQ_DATA_DIR`` /var/lib/rabbitmq, the UTF-8 locale; plus
      ``RABBITMQ_UPGRADE_LOG=-``, the one stand-in for 3.13 (module documentation).
      ``RABBITMQ_HOME`` (/opt/rabbitmq in the image) is left to Debian's scripts.
    * Files: ``/etc/rabbitmq`` with ``conf.d/10-defaults.conf`` (``loopback_users.guest =
      false``, ``log.console = true``) and ``enabled_plugins`` (management and prometheus).
    """
    root = rs.staged("rabbitmq-image", rs.HERE / "images" / "rabbitmq")
    return rs.Image(
        path=(root, Path("/usr/lib/rabbitmq/bin")),
        entrypoint=("docker-entrypoint.sh",),
        cmd=("rabbitmq-server",),
        env={
            "HOME": "/var/lib/rabbitmq",
            "RABBITMQ_DATA_DIR": "/var/lib/rabbitmq",
            "LANG": "C.UTF-8",
            "LANGUAGE": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "RABBITMQ_UPGRADE_LOG": "-",
        },
        folders={"/etc/rabbitmq": root / "etc" / "rabbitmq"},
    )


@pytest.fixture(scope="module")
def image() -> rs.Image:
    rs.require("rabbitmq-server", "erl", modules=("pika",))
    return rabbitmq_image()


@pytest.fixture(scope="module")
def credentials() -> dict[str, dict[str, str]]:
    # Made up for each run: never a value in git.
    return {
        "rabbitmq-credentials": {
            "username": f"aipp-{random_secrets.token_hex(4)}",
            "password": random_secrets.token_urlsafe(16),
            "erlang-cookie": random_secrets.token_hex(20).upper(),
        }
    }


def sandbox() -> rs.Sandbox:
    return rs.Sandbox(users={"rabbitmq": 999}, hosts=HOSTS)


@pytest.fixture
def box(image: rs.Image) -> Iterator[rs.Sandbox]:
    made = sandbox()
    yield made
    made.close()


def broker_pod(
    box: rs.Sandbox, image: rs.Image, credentials: dict[str, dict[str, str]], *, text: str | None = None
) -> rs.Pod:
    objects = rs.load(text if text is not None else DIST.read_text())
    workload = rs.find(objects, "StatefulSet", "rabbitmq")
    return rs.Pod(box, objects, workload, images={"rabbitmq": image}, secrets=credentials)


def start(
    box: rs.Sandbox, image: rs.Image, credentials: dict[str, dict[str, str]], *, text: str | None = None
) -> rs.Container:
    """The pod as the kubelet starts it: the init container to completion, then the broker."""
    pod = broker_pod(box, image, credentials, text=text)
    cookie = pod.container("install-erlang-cookie").run(timeout=30)
    assert cookie.ok, cookie.output
    broker = pod.main
    broker.start()
    return broker


def started(
    box: rs.Sandbox, image: rs.Image, credentials: dict[str, dict[str, str]], *, text: str | None = None
) -> rs.Container:
    broker = start(box, image, credentials, text=text)
    up = broker.wait_until("startupProbe", timeout=120)
    assert up.ok, f"{up.output}\n{broker.log()}"
    return broker


@pytest.fixture(scope="module")
def server(image: rs.Image, credentials: dict[str, dict[str, str]]) -> Iterator[rs.Container]:
    """One broker of dist/dev-meta for the tests that only read (or use a queue of their own)."""
    made = sandbox()
    try:
        broker = started(made, image, credentials)
        yield broker
        broker.stop(grace=0)  # nothing to learn from its shutdown here
    finally:
        made.close()


def login(box: rs.Sandbox, user: str, password: str, *, host: str = "rabbitmq") -> rs.Result:
    """An AMQP login to ``host`` (the Service name by default) from another pod's address."""
    env = {"AMQP_USER": user, "AMQP_PASSWORD": password}
    return box.client([sys.executable, "-c", AMQP_CLIENT, host, "5672"], env=env, timeout=60)


def ctl(broker: rs.Container, *args: str) -> rs.Result:
    """``rabbitmqctl`` in the broker's container (its Erlang cookie, its node name)."""
    return broker.run(["rabbitmqctl", *args], timeout=60)


def evaluate(broker: rs.Container, expression: str) -> str:
    result = ctl(broker, "eval", expression)
    assert result.ok, result.output
    return result.output.strip()


def exited(broker: rs.Container) -> str:
    """The log of a broker that stopped by itself, never ready. 3.10's rabbitmq-server script
    exits 0 even then (it waits for the VM with ``|| true``): the kubelet restarts it all the same."""
    broker.process.wait(timeout=60)
    assert not broker.probe("startupProbe").ok
    return broker.log()


@shares_the_server
def test_the_erlang_cookie_comes_from_the_secret_and_the_cli_tools_use_it(
    server: rs.Container, credentials: dict[str, dict[str, str]]
) -> None:
    cookie = server.pod.volumes["home"] / ".erlang.cookie"
    assert cookie.read_text() == credentials["rabbitmq-credentials"]["erlang-cookie"]
    assert cookie.stat().st_mode & 0o777 == 0o600 and cookie.stat().st_uid == 999
    status = ctl(server, "status")
    assert status.ok, status.output
    assert "rabbit@rabbitmq-0.rabbitmq-headless.aipp" in status.output
    # Mnesia lives on the claim at RABBITMQ_MNESIA_BASE, not in the home emptyDir.
    assert (server.pod.volumes["data"] / "rabbit@rabbitmq-0.rabbitmq-headless.aipp").is_dir()


@shares_the_server
def test_the_manifests_user_logs_in_over_amqp_and_guest_is_refused(
    server: rs.Container, credentials: dict[str, dict[str, str]]
) -> None:
    secret = credentials["rabbitmq-credentials"]
    accepted = login(server.pod.sandbox, secret["username"], secret["password"])
    assert accepted.ok and "login accepted; the queue returned b'round trip'" in accepted.output, accepted.output
    for user, password in (("guest", "guest"), (secret["username"], "not-" + secret["password"])):
        refused = login(server.pod.sandbox, user, password)
        assert not refused.ok and "ACCESS_REFUSED" in refused.output, f"{user}: {refused.output}"
    users = ctl(server, "list_users", "--quiet", "--no-table-headers")
    assert [line.split()[0] for line in users.output.splitlines() if line.strip()] == [secret["username"]]


def test_without_the_manifests_user_guest_would_log_in_from_any_pod(
    box: rs.Sandbox, image: rs.Image, credentials: dict[str, dict[str, str]]
) -> None:
    """The mutation that proves the test above can fail: the image's guest/guest is open."""
    broker = started(box, image, credentials, text=rs.mutate(DIST.read_text(), DEFAULT_USER_ENV, ""))
    guest = login(box, "guest", "guest")
    assert guest.ok, guest.output
    secret = credentials["rabbitmq-credentials"]
    assert not login(box, secret["username"], secret["password"]).ok
    broker.stop(grace=0)


@shares_the_server
def test_the_settings_of_20_kubernetes_conf_are_in_effect(server: rs.Container) -> None:
    text = rs.find(rs.load(DIST.read_text()), "ConfigMap", "rabbitmq-config")["data"]["20-kubernetes.conf"]
    conf = dict(line.split(" = ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    assert sorted(conf) == ["log.file", "total_memory_available_override_value", "vm_memory_high_watermark.relative"]
    # The total RabbitMQ sees is the container's memory limit, not the machine's memory.
    total = int(conf["total_memory_available_override_value"])
    assert total == rs.quantity(server.spec["resources"]["limits"]["memory"])
    assert evaluate(server, "vm_memory_monitor:get_total_memory().") == str(total)
    watermark = float(conf["vm_memory_high_watermark.relative"])
    assert float(evaluate(server, "vm_memory_monitor:get_vm_memory_high_watermark().")) == watermark
    assert evaluate(server, "vm_memory_monitor:get_memory_limit().") == str(int(total * watermark))
    # log.file = false: the logger has handlers, none of them writes a file (the console only).
    assert conf["log.file"] == "false"
    assert evaluate(server, LOG_FILES) == "[]"
    assert evaluate(server, "length(logger:get_handler_config()) > 0.") == "true"
    files = ctl(server, "status").output
    for name in ("/etc/rabbitmq/conf.d/10-defaults.conf", "/etc/rabbitmq/conf.d/20-kubernetes.conf"):
        assert name in files, files


@shares_the_server
def test_the_service_monitors_endpoints_answer(server: rs.Container) -> None:
    objects = rs.load(DIST.read_text())
    endpoints = rs.find(objects, "ServiceMonitor", "rabbitmq")["spec"]["endpoints"]
    assert len(endpoints) == 2  # /metrics, and /metrics/detailed per queue
    for index in range(len(endpoints)):
        url = rm.endpoint_url(objects, "rabbitmq", index=index)
        scrape = server.pod.sandbox.client([sys.executable, "-c", HTTP_GET, url])
        assert scrape.ok, scrape.output
        assert "rabbitmq_build_info" in scrape.output or "rabbitmq_identity_info" in scrape.output, scrape.output[:2000]


def test_every_probe_passes_when_up_and_fails_when_down(
    box: rs.Sandbox, image: rs.Image, credentials: dict[str, dict[str, str]]
) -> None:
    broker = started(box, image, credentials)
    for kind in PROBES:
        assert broker.probe(kind).ok, kind
    assert broker.stop() == 0, broker.log()
    for kind in PROBES:
        down = broker.probe(kind)
        assert not down.ok and "Connection refused" in down.output, f"{kind}: {down.output}"


def test_a_broken_config_line_stops_the_broker_with_the_error(
    box: rs.Sandbox, image: rs.Image, credentials: dict[str, dict[str, str]]
) -> None:
    line = "vm_memory_high_watermark.relative = 0.6"
    text = rs.mutate(DIST.read_text(), line, line.replace("relative", "relatve"))
    log = exited(start(box, image, credentials, text=text))
    assert "Conf file attempted to set unknown variable: vm_memory_high_watermark.relatve" in log, log


def test_a_cookie_readable_by_others_stops_the_broker(
    box: rs.Sandbox, image: rs.Image, credentials: dict[str, dict[str, str]]
) -> None:
    chmod = "&& chmod 600 /var/lib/rabbitmq/.erlang.cookie"
    text = rs.mutate(DIST.read_text(), chmod, chmod.replace("600", "644"))
    log = exited(start(box, image, credentials, text=text))
    assert "Cookie file /var/lib/rabbitmq/.erlang.cookie must be accessible by owner only" in log, log


def test_rabbitmq_3_10_cannot_start_on_the_read_only_root(
    box: rs.Sandbox, image: rs.Image, credentials: dict[str, dict[str, str]]
) -> None:
    """Finding 6, and why the stand-in image sets RABBITMQ_UPGRADE_LOG (module documentation)."""
    plain = replace(image, env={k: v for k, v in image.env.items() if k != "RABBITMQ_UPGRADE_LOG"})
    log = exited(start(box, plain, credentials))
    assert "BOOT FAILED" in log and "_upgrade.log', reason: read-only file system" in log, log


# --- RabbitMQ's own Prometheus endpoint, scraped as the ServiceMonitor says -----------------------


@functools.cache
def _broker_scrapes() -> dict[str, rm.Scrape]:
    """One broker of dist/dev-meta with a queue holding one message, scraped at the
    ServiceMonitor's URL (``/metrics``, aggregated) and at ``/metrics/detailed`` with
    :data:`DETAILED_QUERY` (per queue); once per test process (:func:`realmetrics.scrape_of`)."""
    rs.require("rabbitmq-server", "erl", modules=("pika",))
    box = sandbox()
    try:
        secret = {
            "username": f"aipp-{random_secrets.token_hex(4)}",
            "password": random_secrets.token_urlsafe(16),
            "erlang-cookie": random_secrets.token_hex(20).upper(),
        }
        broker = started(box, rabbitmq_image(), {"rabbitmq-credentials": secret})
        env = {"AMQP_USER": secret["username"], "AMQP_PASSWORD": secret["password"]}
        declared = box.client([sys.executable, "-c", DECLARE_QUEUE], env=env)
        assert declared.ok, declared.output
        url = rm.endpoint_url(rs.load(DIST.read_text()), "rabbitmq")
        # The aggregated metrics are refreshed every few seconds: wait for the queue's message.
        deadline = time.monotonic() + 30
        while True:
            aggregated = rm.scrape(box, url, source="rabbitmq")
            if aggregated.values("rabbitmq_queue_messages_ready") == [1] or time.monotonic() > deadline:
                break
            time.sleep(1)
        detailed_url = rm.endpoint_url(rs.load(DIST.read_text()), "rabbitmq", index=1)
        assert detailed_url == url.replace("/metrics", "/metrics/detailed", 1) + DETAILED_QUERY
        detailed = rm.scrape(box, detailed_url, source="rabbitmq-detailed")
        broker.stop(grace=0)
        return {"rabbitmq": aggregated, "rabbitmq-detailed": detailed}
    finally:
        box.close()


def prometheus_scrape() -> rm.Scrape:
    """What the ServiceMonitor ``rabbitmq`` scrapes (``/metrics`` on port ``prometheus``)."""
    return _broker_scrapes()["rabbitmq"]


def detailed_scrape() -> rm.Scrape:
    """``/metrics/detailed`` with the per-queue families (:data:`DETAILED_QUERY`)."""
    return _broker_scrapes()["rabbitmq-detailed"]


@shares_the_scrape
def test_the_prometheus_endpoint_serves_the_core_metrics_with_the_manifests_settings() -> None:
    scrape = prometheus_scrape()
    print(f"\nrabbitmq /metrics metric names ({len(scrape.names)}):", *sorted(scrape.names), sep="\n  ")
    assert scrape.url == "http://rabbitmq:15692/metrics"
    [version] = [s.labels["rabbitmq_version"] for s in scrape.samples if s.name == "rabbitmq_build_info"]
    assert version.startswith("3.10."), version
    assert scrape.value("rabbitmq_identity_info", rabbitmq_node="rabbit@rabbitmq-0.rabbitmq-headless.aipp") == 1
    # The memory limit RabbitMQ computes from 20-kubernetes.conf (the container limit, the watermark).
    text = rs.find(rs.load(DIST.read_text()), "ConfigMap", "rabbitmq-config")["data"]["20-kubernetes.conf"]
    conf = dict(line.split(" = ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    limit = int(conf["total_memory_available_override_value"]) * float(conf["vm_memory_high_watermark.relative"])
    assert scrape.value("rabbitmq_resident_memory_limit_bytes") == int(limit)
    assert scrape.value("rabbitmq_alarms_memory_used_watermark") == 0
    assert scrape.value("rabbitmq_alarms_free_disk_space_watermark") == 0
    # Aggregated over every queue: the count, not the queue's name.
    assert scrape.value("rabbitmq_queues") == 1
    assert scrape.value("rabbitmq_queue_messages_ready") == 1
    assert {"rabbitmq_connections", "rabbitmq_consumers", "rabbitmq_queue_messages_unacked"} <= scrape.names
    assert not any("queue" in s.labels for s in scrape.samples)


@shares_the_scrape
def test_debians_3_10_serves_the_detailed_per_queue_metrics() -> None:
    scrape = detailed_scrape()
    print(f"\nrabbitmq /metrics/detailed metric names ({len(scrape.names)}):", *sorted(scrape.names), sep="\n  ")
    assert scrape.value("rabbitmq_detailed_queue_messages_ready", vhost="/", queue=QUEUE) == 1
    assert scrape.value("rabbitmq_detailed_queue_messages_unacked", vhost="/", queue=QUEUE) == 0
    assert scrape.value("rabbitmq_detailed_queue_consumers", vhost="/", queue=QUEUE) == 0
    # Only the families asked for (and the identity), nothing else of the broker.
    assert {name for name in scrape.names if not name.startswith("rabbitmq_detailed_queue_")} <= {
        "rabbitmq_identity_info",
        "rabbitmq_build_info",
    }


@shares_the_scrape
def test_every_rabbitmq_metric_of_the_alerts_and_dashboard_is_in_the_real_scrape() -> None:
    """Issue 13: a rule or panel on a metric the rabbitmq does not serve would never fire or draw."""
    from aipp_constructs.aipp.observability import METRICS

    used = {name for name in rm.used_in_dist() if name.startswith("rabbitmq_")}
    assert used, "dist/dev-meta reads no rabbitmq_* metric: are the alerts and the dashboard there?"
    assert used <= set(METRICS["rabbitmq"])
    missing = set(METRICS["rabbitmq"]) - rm.metric_names("rabbitmq") - rm.metric_names("rabbitmq-detailed")
    assert not missing, f"not in the real scrape of rabbitmq: {sorted(missing)}"
