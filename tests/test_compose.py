"""Unit tests for ``aipp_constructs.compose``: the Compose model, ``inspect`` and ``drift``.

Data: ``tests/compose/forms.yml`` (every syntax form the model reads), ``tests/compose/small.yml``
(one service per mapping heuristic, literal secrets, mapped names), ``tests/compose/workloads.yml``
(generic services: a worker, a capability, a shared volume, a one-shot task), the Langfuse
example ``examples/langfuse/docker-compose.yml``, and the AIPP restatement
``vendor/aipp/docker-compose.yml`` against the committed ``dist/dev-meta``.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from aipp_constructs.aipp import load_environment
from aipp_constructs.compose import (
    ComposeError,
    Dependency,
    Device,
    EnvVar,
    Healthcheck,
    Port,
    Volume,
    find_drift,
    inspect_compose,
    load_compose,
    parse_compose,
    parse_ignore,
)
from aipp_constructs.compose.__main__ import main
from aipp_constructs.compose.inspect import REDACTED, image_moves, looks_secret, redact_args, redacted_value

PROJECT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "compose"
AIPP = PROJECT / "vendor" / "aipp" / "docker-compose.yml"
LANGFUSE = PROJECT / "examples" / "langfuse" / "docker-compose.yml"
#: The committed AIPP port; checked for drift against the vendor's Compose file, except for the
#: components its environment file disables (a routine edit: the GPU worker off).
DIST_DEV_META = PROJECT / "dist" / "dev-meta"
#: The AIPP port's one explained drift: the vendor's init script is a file bind mounted into
#: /docker-entrypoint-initdb.d, while the port runs the same SQL (CREATE EXTENSION vector)
#: through PgvectorDb's bootstrap (ConfigMap pgvector-init, key bootstrap.sql, another path).
AIPP_EXPLAINED = ("pgvector.bind./docker-entrypoint-initdb.d/01-extensions.sql",)


@functools.cache
def _reference_port() -> Path:
    """The frozen reference environment (tests/environments/reference.yaml) synthesized once:
    the mutation tests change copies of it, so routine edits of environments/ never break them."""
    import main

    out = Path(tempfile.mkdtemp(prefix="reference-port-"))
    env = load_environment(PROJECT / "tests" / "environments" / "reference.yaml")
    (out / "aipp.k8s.yaml").write_text(main.render(main.build_app(env, str(out))))
    return out


class _Port:
    """``str(DEV_META)`` and ``DEV_META`` in paths resolve to the synthesized reference port."""

    def __fspath__(self) -> str:
        return str(_reference_port())

    def __str__(self) -> str:
        return str(_reference_port())


DEV_META = _Port()


@pytest.fixture(scope="module")
def forms() -> Any:
    return load_compose(DATA / "forms.yml")


@pytest.fixture(scope="module")
def small() -> Any:
    return load_compose(DATA / "small.yml")


# --------------------------------------------------------------------------------------------
# The model: every syntax form.


def test_services_are_in_file_order(forms: Any) -> None:
    assert [s.name for s in forms.services] == ["short", "long", "gpu", "disabled", "plain", "built"]
    assert forms.volumes == ("data",)
    assert dict(forms.unmapped) == {"networks": {"back": {}}}


def test_short_port_forms(forms: Any) -> None:
    ports = forms.service("short").ports
    assert ports[0] == Port(8080, "tcp", "8080")
    assert ports[1] == Port(5432, "tcp", "5432", "127.0.0.1")
    assert ports[2] == Port(9000)  # a bare number: container port only
    assert ports[3] == Port(9100)
    assert ports[4] == Port(7001, "udp", "7000", "::1")
    # YAML 1.1 would read 22:22 as the number 1342; Compose (YAML 1.2) reads a string.
    assert ports[5] == Port(22, "tcp", "22")
    assert [p.target for p in ports[6:9]] == [6000, 6001, 6002]
    assert ports[9] == Port(9200, exposed_only=True)
    assert ports[10] == Port(9300, "udp", exposed_only=True)


def test_long_port_form(forms: Any) -> None:
    assert forms.service("long").ports == (Port(80, "tcp", "8081"), Port(53, "udp"))


def test_command_and_entrypoint_as_list_or_string(forms: Any) -> None:
    short, long = forms.service("short"), forms.service("long")
    assert short.command == ("serve", "--port", "8080")
    assert short.entrypoint == ("/docker-entrypoint.sh", "--verbose")
    assert long.command == ("run", "--flag", "two words")
    assert long.entrypoint == ("/bin/sh", "-c")
    assert forms.service("gpu").command is None


def test_environment_list_form(forms: Any) -> None:
    assert forms.service("short").environment == (
        EnvVar("PLAIN", "value"),
        EnvVar("EMPTY", ""),
        EnvVar("FROM_SHELL", None),
        EnvVar("WITH_EQUALS", "a=b"),
    )


def test_environment_mapping_form_reads_yaml_1_2_scalars(forms: Any) -> None:
    assert forms.service("long").environment == (
        EnvVar("MAPPED", "value"),
        EnvVar("NUMBER", "42"),
        EnvVar("FLAG", "true"),
        EnvVar("OFF", "off"),  # YAML 1.1 would read False
        EnvVar("NULL_VALUE", None),
    )


def test_env_file_forms(forms: Any) -> None:
    assert forms.service("short").env_file == (".env",)
    assert forms.service("long").env_file == ("./a.env", "./b.env")


def test_volume_short_forms(forms: Any) -> None:
    assert forms.service("short").volumes == (
        Volume("/var/lib/data", "persisted", "data"),
        Volume("/etc/app/app.yaml", "config", "./conf/app.yaml", read_only=True),
        Volume("/srv/shared", "bind", "./shared"),
        Volume("/scratch", "scratch"),
    )


def test_volume_long_forms(forms: Any) -> None:
    assert forms.service("long").volumes == (
        Volume("/data", "persisted", "data", read_only=True),
        Volume("/docker-entrypoint-initdb.d/schema.sql", "config", "./init/schema.sql"),
        Volume("/tmp", "scratch"),
        Volume("/anonymous", "scratch"),
    )


def test_healthcheck_forms(forms: Any) -> None:
    assert forms.service("short").healthcheck == Healthcheck(
        "CMD-SHELL", ("curl -fsS http://localhost:8080/health",), "10s", "3s", 3, "30s"
    )
    assert forms.service("long").healthcheck == Healthcheck("CMD", ("pg_isready", "-U", "app"))
    gpu_test = ("curl -f http://localhost:8000/ready || exit 1",)
    assert forms.service("gpu").healthcheck == Healthcheck("CMD-SHELL", gpu_test)
    assert forms.service("disabled").healthcheck == Healthcheck("NONE")
    assert forms.service("plain").healthcheck == Healthcheck("NONE")
    assert forms.service("built").healthcheck is None


def test_depends_on_forms(forms: Any) -> None:
    assert forms.service("short").depends_on == (Dependency("long"),)
    assert forms.service("long").depends_on == (
        Dependency("gpu", "service_healthy"),
        Dependency("disabled", "service_completed_successfully", required=False),
        Dependency("plain"),
    )


def test_user_restart_privileges_and_merge_keys(forms: Any) -> None:
    short, long = forms.service("short"), forms.service("long")
    assert short.user == "1000:1000"
    assert short.restart == "no"  # written after the merged 'unless-stopped'
    assert long.restart == "on-failure:3"
    assert long.privileged is True and long.cap_add == ("NET_ADMIN",)
    assert forms.service("gpu").restart is None


def test_deploy_resources_and_gpu(forms: Any) -> None:
    long, gpu = forms.service("long"), forms.service("gpu")
    assert long.replicas == 2
    assert long.resources is not None
    assert (long.resources.limits.cpus, long.resources.limits.memory) == ("0.5", "512M")
    assert (long.resources.reservations.cpus, long.resources.reservations.memory) == ("0.25", "256M")
    assert not long.needs_gpu
    assert gpu.gpu_devices == (Device(("gpu", "utility"), "nvidia", 2, ("0", "1")),)
    assert gpu.needs_gpu


def test_unknown_keys_are_kept_as_not_mapped(forms: Any) -> None:
    assert dict(forms.service("short").unmapped) == {"container_name": "short-1", "networks": ["back"]}
    assert dict(forms.service("long").unmapped) == {"deploy.placement": {"constraints": ["node.role == manager"]}}
    built = forms.service("built")
    assert built.image is None and built.build


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "services:\n  a:\n    image: x\n    ports: ['1:2:3:4']\n",
            "bad.yml:4: services.a.ports[0]: port '1:2:3:4' has too many ':'",
        ),
        (
            "services:\n  a:\n    image: x\n    ports: ['http']\n",
            "bad.yml:4: services.a.ports[0]: container port 'http' is not a port number",
        ),
        (
            "services:\n  a:\n    image: x\n    ports: [{published: 80}]\n",
            "services.a.ports[0]: long-form port needs 'target'",
        ),
        (
            "services:\n  a:\n    image: x\n    volumes: ['data:/x']\n",
            "services.a.volumes[0]: named volume 'data' is not declared under the top-level 'volumes:'",
        ),
        (
            "services:\n  a:\n    image: x\n    volumes: ['./x:relative']\n",
            "services.a.volumes[0]: volume './x:relative': the container path 'relative' must be absolute",
        ),
        (
            "services:\n  a:\n    image: x\n    depends_on: [b]\n",
            "bad.yml:4: services.a.depends_on.b: names no service of this file",
        ),
        (
            "services:\n  a:\n    image: x\n    depends_on: {a: {condition: healthy}}\n",
            "services.a.depends_on.a.condition: is 'healthy'; write one of service_started",
        ),
        (
            "services:\n  a:\n    image: x\n    healthcheck: {test: [CURL, x]}\n",
            "services.a.healthcheck.test[0]: is 'CURL'; a list test starts with CMD, CMD-SHELL or NONE",
        ),
        (
            "services:\n  a:\n    image: x\n    healthcheck: {test: x, every: 5s}\n",
            "services.a.healthcheck.every: is not a healthcheck key",
        ),
        (
            "services:\n  a:\n    image: x\n    environment: [A=1, A=2]\n",
            "services.a.environment: variable 'A' is set twice",
        ),
        ("services:\n  a:\n    image: x\n    restart: sometimes\n", "services.a.restart: is 'sometimes'"),
        (
            "services:\n  a:\n    image: x\n    deploy: {resources: {reservations: {devices: [{count: 1}]}}}\n",
            "services.a.deploy.resources.reservations.devices[0].capabilities: is required",
        ),
        ("services:\n  a:\n    ports: ['80']\n", "bad.yml:2: services.a: has neither 'image' nor 'build'"),
        (
            "services:\n  a:\n    image: x\n  a:\n    image: y\n",
            "bad.yml:4: services.a: duplicate key (first on line 2)",
        ),
        ("services:\n  a:\n    image: [x\n", "bad.yml:4: not valid YAML"),
        ("version: '3'\n", "bad.yml: needs a non-empty 'services:' mapping"),
    ],
)
def test_malformed_files_name_the_file_and_the_key(text: str, message: str) -> None:
    with pytest.raises(ComposeError) as error:
        parse_compose(text, "bad.yml")
    assert str(error.value).startswith("error: ")
    assert message in str(error.value)
    assert "\n" not in str(error.value)


# --------------------------------------------------------------------------------------------
# Redaction, tags.


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("DB_PASSWORD", "hunter2", REDACTED),
        ("API_TOKEN", "abc", REDACTED),
        ("JWT_SECRET", "abc", REDACTED),
        ("PASSWORD_SALT", "abc", REDACTED),
        ("OAUTH_CLIENT_SECRET", "abc", REDACTED),
        ("OAUTH_CLIENT", "abc", "abc"),  # a client id: no secret word
        ("AWS_CREDENTIALS", "abc", REDACTED),
        ("PRIVATE_KEY", "abc", REDACTED),
        ("DATABASE_URL", "postgres://app:hunter2@db:5432/app", REDACTED),  # pragma: allowlist secret
        ("DATABASE_URL", "postgres://db:5432/app", "postgres://db:5432/app"),
        ("DB_PASSWORD", "${DB_PASSWORD}", "${DB_PASSWORD}"),  # a reference names where it lives
        ("DB_PASSWORD", None, None),
        ("LOG_LEVEL", "debug", "debug"),
        ("NEXTAUTH_URL", "https://langfuse.example.com", "https://langfuse.example.com"),  # an address
        ("REDIS_TLS_KEY", "/certs/redis.key", "/certs/redis.key"),  # a path, not a key
        ("DATABASE_URL", "postgresql://${U}:${P}@db:5432/app", "postgresql://${U}:${P}@db:5432/app"),
        ("REDIS_URL", "redis://:hunter2@redis:6379", REDACTED),
    ],
)
def test_redacted_value(name: str, value: str | None, shown: str | None) -> None:
    assert redacted_value(name, value) == shown


def test_redact_args() -> None:
    assert redact_args(["redis-server", "--requirepass", "s3cr3t", "--port", "6379"]) == (
        "redis-server",
        "--requirepass",
        REDACTED,
        "--port",
        "6379",
    )
    assert redact_args(["--requirepass", "${REDIS_PASSWORD}"]) == ("--requirepass", "${REDIS_PASSWORD}")
    assert redact_args(["--password=x", "API_TOKEN=y", "amqp://u:p@mq"]) == (
        f"--password={REDACTED}",
        f"API_TOKEN={REDACTED}",
        f"amqp://{REDACTED}@mq",
    )


@pytest.mark.parametrize(
    ("image", "moving"),
    [
        ("redis:7", True),
        ("redis", True),
        ("pgvector/pgvector:pg17", True),
        ("rabbitmq:3-management", True),
        ("host:10003/enai/prod/linker:main-latest", True),
        ("host:10003/enai/prod/backend:latest", True),
        ("redis:7.2.7", False),
        ("pgvector/pgvector:0.8.1-pg17-bookworm", False),
        ("harbor/aipp/backend:v1.0.0", False),
        ("redis:7@sha256:" + "a" * 64, False),
        ("postgres:17.11", False),  # PostgreSQL releases have two numbers
        ("postgres:17", True),
        ("quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z", False),  # a date stamp
        ("example/app:${TAG}", True),
    ],
)
def test_moving_tags_follow_the_library_policy(image: str, moving: bool) -> None:
    assert image_moves(image) is moving


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("NEXTAUTH_SECRET", True),
        ("REDIS_AUTH", True),
        ("NEXTAUTH_URL", False),
        ("REDIS_TLS_KEY_FILE", False),
        ("API_KEY_PATH", False),
        ("AUTH_ENABLED", False),
        ("SMTP_PORT", False),
        ("S3_ENDPOINT", False),
    ],
)
def test_addresses_and_switches_are_not_secrets(name: str, secret: bool) -> None:
    assert looks_secret(name) is secret


def test_the_module_has_no_tag_policy_of_its_own() -> None:
    import aipp_constructs.core._validation as validation
    from aipp_constructs.compose import inspect

    # (read from the module's namespace: inspect imports the function, it does not export it)
    assert vars(inspect)["is_moving_tag"] is validation.is_moving_tag


# --------------------------------------------------------------------------------------------
# inspect.


@pytest.fixture(scope="module")
def small_reports(small: Any) -> dict[str, Any]:
    return {report.name: report for report in inspect_compose(small)}


@pytest.mark.parametrize(
    ("service", "category", "construct"),
    [
        ("db_postgres", "database", "PgvectorDb"),
        ("cache", "cache", "RedisCache"),
        ("queue", "message-broker", "RabbitMq"),
        ("api", "spring-service", "SpringService"),
        ("web.ui", "service", "Workload"),
        ("embedder", "gpu-worker", "GpuWorker"),
        ("worker", "one-shot", "OneShotJob"),  # restart: "no"
        ("search", "stateful-no-preset", "Workload"),
    ],
)
def test_each_heuristic(small_reports: dict[str, Any], service: str, category: str, construct: str) -> None:
    report = small_reports[service]
    assert (report.category, report.construct) == (category, construct)


def test_inspect_maps_names(small_reports: dict[str, Any]) -> None:
    assert small_reports["db_postgres"].kubernetes_name == "db-postgres"
    assert small_reports["web.ui"].kubernetes_name == "web-ui"
    assert ("depends_on", "(db_postgres, cache)") == small_reports["api"].props[3][:2]  # Python variables
    assert ("name", '"web-ui"') == small_reports["web.ui"].props[0][:2]


def test_inspect_props(small_reports: dict[str, Any]) -> None:
    db = {prop: value for prop, value, _ in small_reports["db_postgres"].props}
    assert db["name"] == '"db-postgres"'
    assert db["database"] == '"shop"'
    assert db["extensions"] == "()"
    web = {prop: value for prop, value, _ in small_reports["web.ui"].props}
    assert web["ports"] == '(Port(name="http", number=3000),)'
    assert web["probes"] == 'Probes.of(HttpCheck(path="/healthz"))'
    assert web["run_as_user"] == "?"
    search = {prop: value for prop, value, _ in small_reports["search"].props}
    assert search["claim_templates"] == (
        '(ClaimTemplate(name="es-data", path="/usr/share/elasticsearch/data", size="?"),)'
    )
    gpu = {prop: value for prop, value, _ in small_reports["embedder"].props}
    assert gpu["resources"] == 'Resources(memory_limit="8Gi")'
    api = {prop: value for prop, value, _ in small_reports["api"].props}
    assert api["run_as_user"] == "1001"


def test_inspect_decide_by_hand(small_reports: dict[str, Any]) -> None:
    def notes(service: str) -> str:
        return "\n".join(small_reports[service].decide_by_hand)

    assert "image tag 'latest' moves" in notes("cache")
    assert "command holds a literal secret" in notes("cache")
    assert "image tag '7' moves" in notes("web.ui")
    assert "user 'node' is a name" in notes("web.ui")
    assert "cap_add NET_ADMIN" in notes("web.ui")
    assert "published on the host (80)" in notes("web.ui")
    assert "published on the host (127.0.0.1:5433)" in notes("db_postgres")
    assert "environment POSTGRES_PASSWORD: the Compose file holds a literal secret" in notes("db_postgres")
    assert "depends_on db_postgres (service_healthy): becomes a start-up wait" in notes("api")
    assert "init container wait-for-db-postgres" in notes("api")
    assert "environment DATABASE_URL: the Compose file holds a literal secret" in notes("api")
    assert "restart: no" in notes("worker") and "privileged" in notes("worker")
    assert "user not set" in notes("worker")
    assert "GPU count 'all'" in notes("embedder")
    assert "credential from the .env file (${RABBIT_PASS})" in notes("queue")


def test_inspect_text_redacts_every_secret_and_keeps_file_order() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "aipp_constructs.compose", "inspect", str(DATA / "small.yml")],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT,
    )
    assert out.returncode == 0, out.stderr
    for secret in ("hunter2", "s3cr3t", "abc123", "plain-text-secret"):
        assert secret not in out.stdout
    assert "POSTGRES_PASSWORD=<redacted>" in out.stdout
    assert "API_TOKEN=<redacted>" in out.stdout
    assert "POSTGRES_USER=app" in out.stdout
    assert "service db_postgres -> db-postgres" in out.stdout
    assert "service cache\n" in out.stdout
    blocks = [line.split()[1] for line in out.stdout.splitlines() if line.startswith("service ")]
    assert blocks == ["db_postgres", "cache", "queue", "api", "web.ui", "embedder", "worker", "search"]


def test_inspect_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(DATA / "small.yml"), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    services = {s["name"]: s for s in document["services"]}
    assert services["db_postgres"]["kubernetes_name"] == "db-postgres"
    assert services["db_postgres"]["construct"] == "PgvectorDb"
    assert {"name": "POSTGRES_PASSWORD", "value": "<redacted>"} in services["db_postgres"]["environment"]
    assert services["worker"]["construct"] == "OneShotJob"
    assert services["web.ui"]["construct"] == "Workload"
    assert services["db_postgres"]["prelude"] == [
        'db_postgres_keys = port.vault_secret("db-postgres", "db-postgres", {"username": "username", '
        '"password": "password"})'
    ]
    assert "hunter2" not in json.dumps(document)


def test_inspect_aipp(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(AIPP)]) == 0
    reports = {r.name: r for r in inspect_compose(load_compose(AIPP))}
    assert {name: r.construct for name, r in reports.items()} == {
        "pgvector": "PgvectorDb",
        "redis": "RedisCache",
        "rabbitmq": "RabbitMq",
        "enai-backend": "SpringService",
        "enai-data-processor": "SpringService",
        "enai-linker": "GpuWorker",
        "enai-scheduler": "SpringService",
        "enai-front": "Workload",
    }
    assert "SPRING_DATASOURCE_PASSWORD" in reports["enai-backend"].wired_env
    assert any("'main-latest' moves" in note for note in reports["enai-linker"].decide_by_hand)


def test_inspect_collision_is_a_note() -> None:
    compose = parse_compose("services:\n  db_main: {image: x:1.0}\n  db-main: {image: y:1.0}\n", "c.yml")
    reports = inspect_compose(compose)
    assert all(any("both map to 'db-main'" in note for note in r.decide_by_hand) for r in reports)


# --------------------------------------------------------------------------------------------
# drift.


def _drift(compose: Path, port: Path, *ignore: str) -> tuple[int, str, str]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "aipp_constructs.compose",
            "drift",
            str(compose),
            str(port),
            *[arg for spec in (*AIPP_EXPLAINED, *ignore) for arg in ("--ignore", spec)],
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT,
    )
    return out.returncode, out.stdout, out.stderr


def test_aipp_is_drift_free() -> None:
    env = load_environment(PROJECT / "environments" / "dev-meta.yaml")
    disabled = [name for name in env.components.by_name() if not env.enabled(name)]
    code, out, err = _drift(AIPP, DIST_DEV_META, *disabled)
    assert (code, out, err) == (0, f"{8 - len(disabled)} services compared, 0 findings (1 ignored)\n", "")


def test_the_reference_port_is_drift_free() -> None:
    code, out, err = _drift(AIPP, Path(DEV_META))
    assert (code, out, err) == (0, "8 services compared, 0 findings (1 ignored)\n", "")


def _mutated(tmp_path: Path, mutate: Callable[[list[dict[str, Any]]], None]) -> Path:
    port = tmp_path / "port"
    shutil.copytree(DEV_META, port)
    manifest = port / "aipp.k8s.yaml"
    docs = [doc for doc in yaml.safe_load_all(manifest.read_text(encoding="utf-8")) if doc]
    mutate(docs)
    manifest.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
    return port


def _workload(docs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(d for d in docs if d["kind"] in ("Deployment", "StatefulSet") and d["metadata"]["name"] == name)


def _container(docs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    found: dict[str, Any] = _workload(docs, name)["spec"]["template"]["spec"]["containers"][0]
    return found


def _remove_deployment(docs: list[dict[str, Any]]) -> None:
    docs.remove(_workload(docs, "enai-scheduler"))


def _remove_env(docs: list[dict[str, Any]]) -> None:
    container = _container(docs, "enai-backend")
    container["env"] = [e for e in container["env"] if e["name"] != "SPRING_RABBITMQ_HOST"]


def _remove_configmap_key(docs: list[dict[str, Any]]) -> None:
    config = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "enai-linker-config")
    del config["data"]["REDIS_HOST"]


def _remove_pvc(docs: list[dict[str, Any]]) -> None:
    pod = _workload(docs, "redis")["spec"]["template"]["spec"]
    pod["volumes"] = [v for v in pod["volumes"] if "persistentVolumeClaim" not in v]


def _remove_claim_template(docs: list[dict[str, Any]]) -> None:
    del _workload(docs, "pgvector")["spec"]["volumeClaimTemplates"]


def _remove_probes(docs: list[dict[str, Any]]) -> None:
    container = _container(docs, "rabbitmq")
    del container["readinessProbe"], container["livenessProbe"]


def _remove_port(docs: list[dict[str, Any]]) -> None:
    container = _container(docs, "rabbitmq")
    container["ports"] = [p for p in container["ports"] if p["containerPort"] != 15672]


@pytest.mark.parametrize(
    ("mutate", "finding"),
    [
        (
            _remove_deployment,
            "drift: enai-scheduler: service: no Deployment, StatefulSet, Job or CronJob named 'enai-scheduler'",
        ),
        (
            _remove_env,
            "drift: enai-backend: env SPRING_RABBITMQ_HOST: not set in container enai-backend of "
            "Deployment enai-backend (env or envFrom)",
        ),
        (_remove_configmap_key, "drift: enai-linker: env REDIS_HOST: not set in container enai-linker"),
        (
            _remove_pvc,
            "drift: redis: volume redis-data (/data): persisted in Compose, but Deployment redis has no "
            "PersistentVolumeClaim volume or volumeClaimTemplate",
        ),
        (
            _remove_claim_template,
            "drift: pgvector: volume pgvector-data (/var/lib/postgresql/data): persisted in "
            "Compose, but StatefulSet pgvector has no PersistentVolumeClaim",
        ),
        (
            _remove_probes,
            "drift: rabbitmq: healthcheck: Compose checks the service (CMD), but container rabbitmq of "
            "StatefulSet rabbitmq has no readiness or liveness probe",
        ),
        (_remove_port, "drift: rabbitmq: port 15672/tcp: not a container port of StatefulSet rabbitmq"),
    ],
)
def test_each_mutation_reports_exactly_its_finding(
    tmp_path: Path, mutate: Callable[[list[dict[str, Any]]], None], finding: str
) -> None:
    code, out, _ = _drift(AIPP, _mutated(tmp_path, mutate))
    lines = out.splitlines()
    assert code == 1
    assert len(lines) == 3, out
    assert lines[0].startswith(finding)
    assert lines[1] == f"findings by kind: {finding.split(': ')[2].split()[0]} 1"
    assert lines[2] == "8 services compared, 1 findings (1 ignored)"


def test_a_workload_found_by_its_name_label(tmp_path: Path) -> None:
    def rename(docs: list[dict[str, Any]]) -> None:
        _workload(docs, "enai-front")["metadata"]["name"] = "front-renamed"

    assert _drift(AIPP, _mutated(tmp_path, rename))[0] == 0


def test_ignore_flags(tmp_path: Path) -> None:
    def remove_env_and_port(docs: list[dict[str, Any]]) -> None:
        _remove_env(docs)
        _remove_port(docs)

    port = _mutated(tmp_path, remove_env_and_port)
    code, out, err = _drift(AIPP, port, "enai-backend.env.SPRING_RABBITMQ_HOST", "rabbitmq")
    assert code == 0
    assert out == "7 services compared, 0 findings (2 ignored)\n"
    assert err == ""
    code, out, err = _drift(AIPP, port, "enai-backend", "rabbitmq.port.15672", "redis.healthcheck")
    assert code == 0
    assert "note: --ignore redis.healthcheck matched no finding; remove it" in err


def test_compose_names_with_underscores_map_to_kubernetes_names() -> None:
    compose = parse_compose(
        "services:\n  db_main:\n    image: postgres:16.4\n    ports: ['5432']\n    environment: [PGDATA=/x]\n",
        "c.yml",
    )
    manifests = [
        {
            "kind": "StatefulSet",
            "metadata": {"name": "db-main"},
            "spec": {"template": {"spec": {"containers": [{"name": "postgres", "ports": [{"containerPort": 5433}]}]}}},
        }
    ]
    report = find_drift(compose, manifests, port_dir="port")
    assert report.lines() == [
        "drift: db_main (db-main): port 5432/tcp: not a container port of StatefulSet db-main (it has 5433/tcp)",
        "drift: db_main (db-main): env PGDATA: not set in container postgres of StatefulSet db-main (env or envFrom)",
        "findings by kind: port 1, env 1",
        "1 services compared, 2 findings",
    ]


def test_file_variant_defines_the_variable() -> None:
    compose = parse_compose("services:\n  db:\n    image: postgres:16.4\n    environment: [POSTGRES_PASSWORD=x]\n")
    container = {"name": "db", "env": [{"name": "POSTGRES_PASSWORD_FILE", "value": "/run/secrets/pw"}]}
    manifests = [
        {"kind": "Deployment", "metadata": {"name": "db"}, "spec": {"template": {"spec": {"containers": [container]}}}}
    ]
    assert find_drift(compose, manifests).findings == ()


def test_parse_ignore_refuses_unknown_keys() -> None:
    compose = parse_compose("services:\n  worker.beat: {image: x:1.0}\n")
    assert parse_ignore("worker.beat.env.X", compose) == "worker.beat.env.X"
    with pytest.raises(ValueError, match="names no service"):
        parse_ignore("nothing", compose)
    with pytest.raises(ValueError, match="is not a finding key"):
        parse_ignore("worker.beat.probe", compose)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "the following arguments are required"),
        (["drift", "FILE"], "the following arguments are required: PORT_DIR"),
        (["inspect", "missing.yml"], "error: missing.yml: cannot read the Compose file"),
        (["drift", str(AIPP), "missing-dir"], "error: missing-dir is not a directory"),
        (["drift", str(AIPP), str(DEV_META), "--ignore", "nothing"], "error: --ignore nothing: names no service"),
        (["inspect", str(AIPP), "--format", "xml"], "invalid choice: 'xml'"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_empty_port_dir_and_malformed_compose_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drift", str(AIPP), str(tmp_path)]) == 2
    assert "error: no *.yaml manifests under" in capsys.readouterr().err
    bad = tmp_path / "docker-compose.yml"
    bad.write_text("services:\n  a:\n    image: x\n    ports: ['1:2:3:4']\n", encoding="utf-8")
    assert main(["drift", str(bad), str(DEV_META)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {bad}:4: services.a.ports[0]:")


def test_the_package_does_not_import_cdk8s() -> None:
    code = (
        "import sys, aipp_constructs.compose, aipp_constructs.compose.__main__; "
        "print(any(m.split('.')[0] in ('cdk8s', 'cdk8s_plus_27', 'jsii') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------------------------
# inspect: the general constructs (Workload, OneShotJob, SharedClaim, SecurityException).


def _props(report: Any) -> dict[str, str]:
    return {prop: value for prop, value, _ in report.props}


@pytest.fixture(scope="module")
def langfuse() -> dict[str, Any]:
    return {report.name: report for report in inspect_compose(load_compose(LANGFUSE))}


@pytest.fixture(scope="module")
def workloads() -> dict[str, Any]:
    return {report.name: report for report in inspect_compose(load_compose(DATA / "workloads.yml"))}


def test_langfuse_maps_every_service_to_a_construct(langfuse: dict[str, Any]) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "aipp_constructs.compose", "inspect", str(LANGFUSE)],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT,
    )
    assert out.returncode == 0, out.stderr
    assert "no library construct" not in out.stdout
    assert {name: r.construct for name, r in langfuse.items()} == {
        "langfuse-web": "Workload",
        "langfuse-worker": "Workload",
        "postgres": "PgvectorDb",
        "clickhouse": "Workload",
        "redis": "RedisCache",
        "minio": "Workload",
    }
    for stateful in ("clickhouse", "minio"):
        assert langfuse[stateful].category == "stateful-no-preset"
        assert "claim_templates" in _props(langfuse[stateful])
    assert _props(langfuse["clickhouse"])["claim_templates"] == (
        '(ClaimTemplate(name="data", path="/var/lib/clickhouse", size="?"), '
        'ClaimTemplate(name="logs", path="/var/log/clickhouse-server", size="?"))'
    )


def test_langfuse_web_props(langfuse: dict[str, Any]) -> None:
    web = langfuse["langfuse-web"]
    props = _props(web)
    assert props["image"] == 'port.image("langfuse/langfuse:3.199.0")'
    assert props["ports"] == '(Port(name="http", number=3000),)'
    assert props["probes"].startswith('Probes.of(HttpCheck(path="/api/public/health")')
    assert props["run_as_user"] == "1001"
    assert props["depends_on"] == "(postgres, clickhouse, redis, minio)"
    assert props['env["DATABASE_URL"]'] == (
        'EnvTemplate(text="postgresql://{username}:{password}@{host}:{port}/{database}", '
        "values=postgres.endpoint.facts())"
    )
    assert props['env["NEXTAUTH_SECRET"]'] == 'langfuse_web_keys.key("nextauth-secret")'
    assert props['env["LANGFUSE_S3_EVENT_UPLOAD_SECRET_ACCESS_KEY"]'] == 'minio_keys.key("minio-root-password")'
    assert props['env["CLICKHOUSE_PASSWORD"]'] == 'clickhouse_keys.key("clickhouse-password")'
    assert props['env["HOSTNAME"]'] == '"0.0.0.0"'
    # NEXTAUTH_URL is an address, not a credential (AUTH in its name notwithstanding).
    assert props['env["NEXTAUTH_URL"]'] == '"?"'
    notes = "\n".join(web.decide_by_hand)
    assert "NEXTAUTH_URL: from the .env file (${LANGFUSE_PUBLIC_URL}), not a secret" in notes
    assert "NEXTAUTH_URL: a credential" not in notes
    assert "DATABASE_URL" not in notes  # references, not a literal secret
    # Wired from depends_on: the construct sets them, env may not repeat them.
    assert {"REDIS_HOST", "REDIS_PORT", "CLICKHOUSE_URL"} <= set(web.wired_env)
    assert 'env["REDIS_HOST"]' not in props
    assert dict(web.environment)["DATABASE_URL"] == (
        "postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/${POSTGRES_DB}"
    )


def test_langfuse_presets_and_images(langfuse: dict[str, Any]) -> None:
    postgres, redis, minio = (_props(langfuse[name]) for name in ("postgres", "redis", "minio"))
    assert postgres["extensions"] == "()" and postgres["run_as_user"] == "999"
    assert redis["maxmemory_policy"] == '"noeviction"'
    assert redis["password"] == 'redis_keys.key("redis-auth")'
    assert minio["command"] == '("sh", "-c")'
    assert minio["args"].startswith('("mkdir -p /data/langfuse && exec minio server')
    assert minio["probes"].startswith('Probes.of(ExecCheck(command=("mc", "ready", "local"))')
    assert langfuse["minio"].prelude == (
        'minio_keys = port.vault_secret("minio", "minio", {"minio-root-user": "minio-root-user", '
        '"minio-root-password": "minio-root-password"})',  # pragma: allowlist secret
    )
    for report in langfuse.values():  # every image is pinned: postgres:17.11 and MinIO's RELEASE tag too
        assert not any("moves" in note for note in report.decide_by_hand), report.name


def test_a_worker_without_ports_is_a_workload_with_an_exec_check(workloads: dict[str, Any]) -> None:
    worker = workloads["worker"]
    assert (worker.category, worker.construct) == ("worker", "Workload")
    props = _props(worker)
    assert "ports" not in props
    assert props["args"] == '("celery", "-A", "app", "worker")'
    assert props["probes"] == (
        'Probes(liveness=Probe(check=ExecCheck(command=("sh", "-c", "celery -A app inspect ping -d celery@$HOSTNAME")), '
        "period_seconds=60, timeout_seconds=30))"
    )


def test_cap_add_is_a_security_exception(workloads: dict[str, Any]) -> None:
    worker = workloads["worker"]
    assert _props(worker)["security_exception"] == (
        'SecurityException(reason="?", add_capabilities=("CHOWN", "SETUID"))'
    )
    assert any("must be declared baseline (PortDefaults.pod_security_level" in note for note in worker.decide_by_hand)
    assert _props(workloads["migrate"])["security_exception"] == 'SecurityException(reason="?", run_as_root=True)'


def test_a_shared_named_volume_is_a_shared_claim(workloads: dict[str, Any]) -> None:
    claim = '(ClaimVolume(name="uploads", path="/srv/uploads", claim_name="uploads"),)'
    assert _props(workloads["api"])["claims"] == claim
    assert _props(workloads["worker"])["claims"] == claim
    assert "claim_templates" not in _props(workloads["api"])
    assert workloads["api"].category == "service"
    # Declared before the first service created that mounts it (worker: api also waits for s3).
    assert (
        workloads["worker"]
        .prelude[0]
        .startswith('uploads = SharedClaim(port, "uploads", SharedClaimProps(name="uploads", size="?"')
    )
    assert not any("SharedClaim(" in line for line in workloads["api"].prelude)  # written once


def test_restart_no_is_a_one_shot_job(workloads: dict[str, Any]) -> None:
    migrate = workloads["migrate"]
    assert (migrate.category, migrate.construct) == ("one-shot", "OneShotJob")
    assert _props(migrate)["args"] == '("alembic", "upgrade", "head")'
    assert "probes" not in _props(migrate) and "ports" not in _props(migrate)


def test_generic_service_props(workloads: dict[str, Any]) -> None:
    api = _props(workloads["api"])
    assert api["ports"] == '(Port(name="p5002", number=5002),)'  # not HTTP as far as the file shows
    assert api["probes"] == 'Probes.of(TcpCheck(port="p5002"))'
    assert api["depends_on"] == "(db,)"
    assert api["after"] == "(migrate, s3)"  # a job, and required: false
    assert api['env["DATABASE_URL"]'] == (
        'EnvTemplate(text="postgresql://{username}:{password}@{host}:{port}/app", values=db.endpoint.facts())'
    )
    assert api['env["REDIS_TLS_KEY"]'] == '"/certs/redis.key"'  # a path, not a secret
    assert api["scratch"] == '(ScratchVolume(name="api", path="/var/cache/api"),)'
    assert api["config_files"] == '{"api.yaml": Path("./conf/api.yaml").read_text()}'
    assert api["config_dir"] == '"/etc/api"'
    db = _props(workloads["db"])
    assert db["run_as_user"] == "70" and db["username"] == 'db_keys.key("db-user")'
    s3 = workloads["s3"]
    assert (s3.category, s3.construct) == ("stateful-no-preset", "Workload")
    assert not any("moves" in note for note in s3.decide_by_hand)


def test_inspect_output_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    outputs = []
    for _ in range(2):
        assert main(["inspect", str(DATA / "workloads.yml"), "--format", "json"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    document = json.loads(outputs[0])
    # Creation order: the job and the database before the services that need them.
    assert [(s["name"], s["construct"]) for s in document["services"]] == [
        ("migrate", "OneShotJob"),
        ("db", "PgvectorDb"),
        ("worker", "Workload"),
        ("s3", "Workload"),
        ("api", "Workload"),
    ]
