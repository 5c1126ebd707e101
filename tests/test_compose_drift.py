"""Tests of ``aipp compose drift`` that scales (issue 20): renames, glob ignores, bind mounts
checked against the port's claims and ConfigMaps, the count per kind of finding.

The Compose side is ``tests/compose/drift-dify-like.yml`` (Dify's shape in small) and, once the
Compose-Spec reader reads it, Dify's own file; the port side is built here as manifests (a tiny
port: one workload per service, the way the library synthesizes them) or is
``examples/dify/dist``, the committed port of Dify.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from aipp_constructs.checks import load_manifests
from aipp_constructs.compose.__main__ import main
from aipp_constructs.compose.drift import DriftReport, Rename, find_drift, parse_ignore, parse_rename, read_ignore_file
from aipp_constructs.compose.model import ComposeFile, load_compose, parse_compose

PROJECT = Path(__file__).resolve().parent.parent
FIXTURE = PROJECT / "tests" / "compose" / "drift-dify-like.yml"
DIFY = PROJECT / "tests" / "compose" / "corpus" / "dify.yml"
DIFY_PORT = PROJECT / "examples" / "dify" / "dist"

Doc = dict[str, Any]

# --------------------------------------------------------------------------------------------
# A tiny port of the fixture.


def _workload(kind: str, name: str, container: Doc, volumes: list[Doc] | None = None, **spec: Any) -> Doc:
    labels = {"app.kubernetes.io/name": name}
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": "dify", "labels": labels},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container], "volumes": volumes or []}},
            **spec,
        },
    }


def _env(**values: str) -> list[Doc]:
    return [{"name": name, "value": value} for name, value in values.items()]


def _probe() -> Doc:
    return {"tcpSocket": {"port": 1}}


def _port() -> list[Doc]:
    """The fixture ported: db_postgres is ``db``; api leaves LOG_FILE out (logs on stdout), the
    plugin daemon sets only DB_HOST and SERVER_PORT and does not publish its debugging port."""
    api = _workload(
        "Deployment",
        "api",
        {
            "name": "api",
            "env": _env(DB_HOST="db", DB_PORT="5432"),
            "envFrom": [{"configMapRef": {"name": "api-config"}}],
            "volumeMounts": [{"name": "storage", "mountPath": "/app/api/storage"}],
            "readinessProbe": _probe(),
        },
        [{"name": "storage", "persistentVolumeClaim": {"claimName": "app-storage"}}],
    )
    daemon = _workload(
        "StatefulSet",
        "plugin-daemon",
        {
            "name": "plugin-daemon",
            "env": _env(DB_HOST="db", SERVER_PORT="5002"),
            "ports": [{"containerPort": 5002}],
            "volumeMounts": [{"name": "storage", "mountPath": "/app/storage"}],
        },
        volumeClaimTemplates=[{"metadata": {"name": "storage"}}],
    )
    db = _workload(
        "StatefulSet",
        "db",
        {
            "name": "postgres",
            "env": _env(POSTGRES_USER="postgres", POSTGRES_DB="dify", PGDATA="/var/lib/postgresql/data/pgdata"),
            "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"}],
            "readinessProbe": _probe(),
        },
        volumeClaimTemplates=[{"metadata": {"name": "data"}}],
    )
    nginx = _workload(
        "Deployment",
        "nginx",
        {
            "name": "nginx",
            "ports": [{"containerPort": 80}],
            "volumeMounts": [
                {"name": "conf", "mountPath": "/etc/nginx/nginx.conf", "subPath": "nginx.conf"},
                {"name": "conf", "mountPath": "/etc/nginx/proxy.conf", "subPath": "proxy.conf"},
                {"name": "sites", "mountPath": "/etc/nginx/sites"},
            ],
        },
        [
            {"name": "conf", "configMap": {"name": "nginx-config"}},
            {"name": "sites", "configMap": {"name": "nginx-sites"}},
        ],
    )
    redis = _workload(
        "Deployment",
        "redis",
        {"name": "redis", "volumeMounts": [{"name": "data", "mountPath": "/data"}]},
        [{"name": "data", "persistentVolumeClaim": {"claimName": "redis-data"}}],
    )

    def config(name: str, *keys: str) -> Doc:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "dify"},
            "data": {key: "x" for key in keys},
        }

    return [
        api,
        daemon,
        db,
        nginx,
        redis,
        config("api-config", "LOG_LEVEL"),
        config("nginx-config", "nginx.conf", "proxy.conf"),
        config("nginx-sites", "default.conf"),
    ]


#: What the port of the fixture lacks, with db_postgres known as ``db``.
BASELINE = [
    "api.env.LOG_FILE",
    "plugin_daemon.port.5003",
    "plugin_daemon.env.PLUGIN_REMOTE_INSTALLING_HOST",
    "plugin_daemon.env.PLUGIN_REMOTE_INSTALLING_PORT",
    "plugin_daemon.env.LOG_LEVEL",
]


@pytest.fixture(scope="module")
def compose() -> ComposeFile:
    return load_compose(FIXTURE)


def _find(docs: list[Doc], name: str) -> Doc:
    return next(d for d in docs if d["metadata"]["name"] == name and d["kind"] in ("Deployment", "StatefulSet"))


def _container(docs: list[Doc], name: str) -> Doc:
    found: Doc = _find(docs, name)["spec"]["template"]["spec"]["containers"][0]
    return found


def _keys(report: DriftReport) -> list[str]:
    return [finding.key for finding in report.findings]


def _write(tmp_path: Path, docs: list[Doc]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "port.k8s.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
    return tmp_path


# --------------------------------------------------------------------------------------------
# Renames.


def test_a_renamed_service_is_checked_with_one_rename(compose: ComposeFile) -> None:
    docs = _port()
    env = _container(docs, "db")["env"]
    env[:] = [entry for entry in env if entry["name"] != "POSTGRES_DB"]
    report = find_drift(compose, docs, renames={"db_postgres": "db"})
    assert _keys(report) == [*BASELINE, "db_postgres.env.POSTGRES_DB"]
    assert (
        "drift: db_postgres (db): env POSTGRES_DB: not set in container postgres of StatefulSet db (env or envFrom)"
        in report.lines()
    )
    assert report.renames == (Rename("db_postgres", "db", "--rename"),)
    assert report.compared == 5


def test_without_the_rename_the_database_is_a_missing_service(compose: ComposeFile) -> None:
    docs = _port()
    for name in ("api", "plugin-daemon"):  # nothing in the port names the database any more
        env = _container(docs, name)["env"]
        env[:] = [entry for entry in env if entry["name"] != "DB_HOST"]
    report = find_drift(compose, docs, port_dir="port")
    assert "db_postgres.service" in _keys(report)
    assert report.renames == ()
    line = next(line for line in report.lines() if line.startswith("drift: db_postgres"))
    assert line == (
        "drift: db_postgres (db-postgres): service: no Deployment, StatefulSet, Job or CronJob named 'db-postgres' (or labelled "
        "app.kubernetes.io/name=db-postgres) in port; if the port renamed it, give --rename db_postgres=NAME"
    )


def test_the_rename_is_read_from_the_variables_that_name_the_service(compose: ComposeFile) -> None:
    docs = _port()
    env = _container(docs, "db")["env"]
    env[:] = [entry for entry in env if entry["name"] != "PGDATA"]
    report = find_drift(compose, docs)
    assert report.renames == (
        Rename("db_postgres", "db", "read from the port: api's DB_HOST, plugin_daemon's DB_HOST"),
    )
    assert report.lines()[0] == "rename: db_postgres -> db (read from the port: api's DB_HOST, plugin_daemon's DB_HOST)"
    assert sorted(_keys(report)) == sorted([*BASELINE, "db_postgres.env.PGDATA"])


def test_the_rename_is_read_through_a_kubernetes_service(compose: ComposeFile) -> None:
    docs = _port()
    _container(docs, "api")["env"][0]["value"] = "postgres-rw.dify.svc.cluster.local"
    _container(docs, "plugin-daemon")["env"][0]["value"] = "postgres-rw"
    docs.append(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "postgres-rw", "namespace": "dify"},
            "spec": {"selector": {"app.kubernetes.io/name": "db"}, "ports": [{"port": 5432}]},
        }
    )
    report = find_drift(compose, docs)
    assert [(r.service, r.kubernetes_name) for r in report.renames] == [("db_postgres", "db")]
    assert sorted(_keys(report)) == sorted(BASELINE)


def test_two_candidates_are_not_guessed(compose: ComposeFile) -> None:
    docs = _port()
    second = copy.deepcopy(_find(docs, "db"))
    second["metadata"]["name"] = second["metadata"]["labels"]["app.kubernetes.io/name"] = "db2"
    docs.append(second)
    _container(docs, "plugin-daemon")["env"][0]["value"] = "db2"
    report = find_drift(compose, docs)
    assert report.renames == ()
    assert "db_postgres.service" in _keys(report)
    assert report.notes == (
        "db_postgres: no workload 'db-postgres', and the port's variables that name it point at db and db2; "
        "give --rename db_postgres=NAME",
    )
    # The explicit rename settles it.
    assert sorted(_keys(find_drift(compose, docs, renames={"db_postgres": "db2"}))) == sorted(BASELINE)


def test_an_explicit_rename_wins_over_the_port(compose: ComposeFile) -> None:
    report = find_drift(compose, _port(), renames={"db_postgres": "postgres"})
    assert "db_postgres.service" in _keys(report)
    assert report.kubernetes_names["db_postgres"] == "postgres"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("db_postgres", "write COMPOSE_NAME=KUBERNETES_NAME"),
        ("=db", "write COMPOSE_NAME=KUBERNETES_NAME"),
        ("postgres=db", "'postgres' names no service of"),
        ("db_postgres=db_main", "'db_main' is not a Kubernetes name"),
        ("db_postgres=DB", "'DB' is not a Kubernetes name"),
    ],
)
def test_parse_rename_refuses(compose: ComposeFile, spec: str, message: str) -> None:
    assert parse_rename("db_postgres=db", compose) == ("db_postgres", "db")
    with pytest.raises(ValueError, match=message):
        parse_rename(spec, compose)


def test_cli_rename_acceptance_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = _port()
    for name in ("api", "plugin-daemon"):
        _container(docs, name)["env"][0]["value"] = "10.0.0.5"  # nothing to read the rename from
    env = _container(docs, "db")["env"]
    env[:] = [entry for entry in env if entry["name"] != "POSTGRES_DB"]
    port = _write(tmp_path / "port", docs)
    args = ["drift", str(FIXTURE), str(port), "--ignore", "plugin_daemon", "--ignore", "api.env.LOG_FILE"]
    assert main([*args, "--rename", "db_postgres=db"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "drift: db_postgres (db): env POSTGRES_DB: not set in container postgres of StatefulSet db (env or envFrom)",
        "findings by kind: env 1",
        "4 services compared, 1 findings (1 ignored)",
    ]
    assert main(args) == 1  # without the rename: the database is missing, its variables unchecked
    out = capsys.readouterr().out.splitlines()
    assert "POSTGRES_DB" not in "\n".join(out)
    assert out[0].startswith("drift: db_postgres (db-postgres): service: no Deployment, StatefulSet, Job or CronJob")
    assert main([*args, "--rename", "db_postgres=db", "--rename", "db_postgres=db2"]) == 2
    assert "error: --rename db_postgres=db: the service is renamed twice" in capsys.readouterr().err
    assert main([*args, "--rename", "postgres=db"]) == 2
    assert "error: --rename postgres=db: 'postgres' names no service of" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# Ignores: exact keys, Compose paths, globs.


@pytest.mark.parametrize(
    ("rules", "left"),
    [
        (["plugin_daemon.environment.*"], ["api.env.LOG_FILE", "plugin_daemon.port.5003"]),
        (["plugin_daemon.env.*"], ["api.env.LOG_FILE", "plugin_daemon.port.5003"]),
        (["*.env.LOG_*"], [BASELINE[1], BASELINE[2], BASELINE[3]]),
        (["plugin_daemon.*"], ["api.env.LOG_FILE"]),
        (["plugin_daemon"], ["api.env.LOG_FILE"]),
        (["api.environment.LOG_FILE", "plugin_daemon.ports.5003"], BASELINE[2:]),
        (
            ["api.env.LOG_FILE", "plugin_daemon.port.5003", "plugin_daemon.env.PLUGIN_REMOTE_INSTALLING_[HP]O[SR]T"],
            [BASELINE[4]],
        ),
    ],
)
def test_ignore_rules(compose: ComposeFile, rules: list[str], left: list[str]) -> None:
    checked = [parse_ignore(rule, compose) for rule in rules]
    report = find_drift(compose, _port(), checked, renames={"db_postgres": "db"})
    assert _keys(report) == left
    assert len(report.ignored) == (0 if rules == ["plugin_daemon"] else len(BASELINE) - len(left))
    assert report.unused_ignores == ()


def test_a_glob_that_can_match_nothing_is_refused_and_an_unused_one_is_reported(compose: ComposeFile) -> None:
    with pytest.raises(ValueError, match=r"--ignore worker\.\*: the glob matches no finding key of .*services: api"):
        parse_ignore("worker.*", compose)
    with pytest.raises(ValueError, match="'environ.X' is not a finding key of service 'api'"):
        parse_ignore("api.environ.X", compose)
    assert parse_ignore("nginx.volumes./etc/nginx/*", compose) == "nginx.volumes./etc/nginx/*"
    report = find_drift(compose, _port(), ["nginx.volumes./etc/nginx/*"], renames={"db_postgres": "db"})
    assert report.unused_ignores == ("nginx.volumes./etc/nginx/*",)


# --------------------------------------------------------------------------------------------
# Bind mounts and named volumes against the port's mounts.


def _mounts(docs: list[Doc], name: str) -> list[Doc]:
    found: list[Doc] = _container(docs, name)["volumeMounts"]
    return found


def _volumes(docs: list[Doc], name: str) -> list[Doc]:
    found: list[Doc] = _find(docs, name)["spec"]["template"]["spec"]["volumes"]
    return found


def _no_storage_mount(docs: list[Doc]) -> None:
    _mounts(docs, "api").clear()


def _storage_on_empty_dir(docs: list[Doc]) -> None:
    _volumes(docs, "api")[0] = {"name": "storage", "emptyDir": {}}


def _storage_claim_above(docs: list[Doc]) -> None:
    _mounts(docs, "api")[0]["mountPath"] = "/app/api"


def _config_key_missing(docs: list[Doc]) -> None:
    config = next(d for d in docs if d["metadata"]["name"] == "nginx-config")
    del config["data"]["proxy.conf"]


def _config_folder_mount(docs: list[Doc]) -> None:
    _mounts(docs, "nginx")[:2] = [{"name": "conf", "mountPath": "/etc/nginx"}]


def _config_folder_mount_items(docs: list[Doc]) -> None:
    _mounts(docs, "nginx")[:2] = [{"name": "conf", "mountPath": "/etc/nginx"}]
    _volumes(docs, "nginx")[0]["configMap"]["items"] = [{"key": "nginx.conf", "path": "nginx.conf"}]


def _config_on_empty_dir(docs: list[Doc]) -> None:
    _volumes(docs, "nginx")[0] = {"name": "conf", "emptyDir": {}}


def _config_folder_missing(docs: list[Doc]) -> None:
    del _mounts(docs, "nginx")[2]


def _named_volume_elsewhere(docs: list[Doc]) -> None:
    _mounts(docs, "redis")[0]["mountPath"] = "/var/lib/redis"


def _named_volume_unmounted(docs: list[Doc]) -> None:
    _mounts(docs, "redis").clear()


def _named_volume_gone(docs: list[Doc]) -> None:
    _volumes(docs, "redis")[0] = {"name": "data", "emptyDir": {}}


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            _no_storage_mount,
            [
                "drift: api: bind ./volumes/app/storage (/app/api/storage): a host folder in Compose, but nothing is "
                "mounted at /app/api/storage in Deployment api; mount a PersistentVolumeClaim (data) or a ConfigMap "
                "(configuration) there"
            ],
        ),
        (
            _storage_on_empty_dir,
            [
                "drift: api: bind ./volumes/app/storage (/app/api/storage): a host folder in Compose, but Deployment "
                "api mounts only emptyDir there, which is lost with the pod; mount a PersistentVolumeClaim (data) or "
                "a ConfigMap (configuration) there"
            ],
        ),
        (_storage_claim_above, []),
        (
            _config_key_missing,
            [
                "drift: nginx: bind ./nginx/proxy.conf (/etc/nginx/proxy.conf): a configuration file in Compose, but "
                "configMap nginx-config mounted there has no key 'proxy.conf'"
            ],
        ),
        (_config_folder_mount, []),
        (
            _config_folder_mount_items,
            [
                "drift: nginx: bind ./nginx/proxy.conf (/etc/nginx/proxy.conf): a configuration file in Compose, but "
                "configMap nginx-config mounted at /etc/nginx has no key 'proxy.conf'"
            ],
        ),
        (
            _config_on_empty_dir,
            [
                "drift: nginx: bind ./nginx/nginx.conf (/etc/nginx/nginx.conf): a configuration file in Compose, but "
                "no ConfigMap, Secret or projected volume of Deployment nginx is mounted at /etc/nginx/nginx.conf "
                "(nor one with a key 'nginx.conf' at /etc/nginx)",
                "drift: nginx: bind ./nginx/proxy.conf (/etc/nginx/proxy.conf): a configuration file in Compose, but "
                "no ConfigMap, Secret or projected volume of Deployment nginx is mounted at /etc/nginx/proxy.conf "
                "(nor one with a key 'proxy.conf' at /etc/nginx)",
            ],
        ),
        (
            _config_folder_missing,
            [
                "drift: nginx: bind ./nginx/sites (/etc/nginx/sites): a host folder in Compose, but nothing is "
                "mounted at /etc/nginx/sites in Deployment nginx; mount a ConfigMap or Secret (read-only in "
                "Compose: configuration) there"
            ],
        ),
        (
            _named_volume_elsewhere,
            [
                "drift: redis: volume redis-data (/data): persisted in Compose, but no PersistentVolumeClaim of "
                "Deployment redis is mounted at /data (its claims are mounted at /var/lib/redis)"
            ],
        ),
        (
            _named_volume_unmounted,
            [
                "drift: redis: volume redis-data (/data): persisted in Compose, but no PersistentVolumeClaim of "
                "Deployment redis is mounted at /data (no container mounts its claims)"
            ],
        ),
        (
            _named_volume_gone,
            [
                "drift: redis: volume redis-data (/data): persisted in Compose, but Deployment redis has no "
                "PersistentVolumeClaim volume or volumeClaimTemplate"
            ],
        ),
    ],
)
def test_mounts(compose: ComposeFile, mutate: Callable[[list[Doc]], None], expected: list[str]) -> None:
    docs = _port()
    mutate(docs)
    report = find_drift(compose, docs, ["api.env.LOG_FILE", "plugin_daemon"], renames={"db_postgres": "db"})
    assert [finding.line() for finding in report.findings] == expected
    assert all(finding.kind in ("bind", "volume") for finding in report.findings)


def test_bind_keys_are_container_paths(compose: ComposeFile) -> None:
    docs = _port()
    _no_storage_mount(docs)
    report = find_drift(compose, docs, ["api.env.LOG_FILE", "plugin_daemon"], renames={"db_postgres": "db"})
    (finding,) = report.findings
    assert (finding.key, finding.compose_path) == ("api.bind./app/api/storage", "api.volumes./app/api/storage")
    for rule in ("api.bind./app/api/storage", "api.volumes./app/api/storage", "*.bind.*", "api.volumes.*"):
        assert (
            find_drift(compose, docs, ["api.env.LOG_FILE", "plugin_daemon", parse_ignore(rule, compose)]).findings == ()
        )


def test_a_config_file_from_a_secret_or_an_external_config_map() -> None:
    compose = parse_compose(
        "services:\n  app:\n    image: x:1.0\n    volumes:\n      - ./tls/key.pem:/etc/tls/key.pem:ro\n"
        "      - ./app.ini:/etc/app/app.ini:ro\n",
        "c.yml",
    )
    container = {
        "name": "app",
        "volumeMounts": [
            {"name": "tls", "mountPath": "/etc/tls"},
            {"name": "ini", "mountPath": "/etc/app/app.ini", "subPath": "app.ini"},
        ],
    }
    volumes = [
        {"name": "tls", "secret": {"secretName": "app-tls", "items": [{"key": "tls.key", "path": "key.pem"}]}},
        {"name": "ini", "configMap": {"name": "made-elsewhere"}},  # not in the port's folder: keys unknown
    ]
    assert find_drift(compose, [_workload("Deployment", "app", container, volumes)]).findings == ()


# --------------------------------------------------------------------------------------------
# The count per kind, text and JSON.


def test_the_summary_counts_each_kind(compose: ComposeFile, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = _port()
    _no_storage_mount(docs)
    docs.remove(_find(docs, "redis"))
    report = find_drift(compose, docs, renames={"db_postgres": "db"})
    assert report.by_kind() == {"service": 1, "port": 1, "env": 4, "bind": 1}
    assert report.lines()[-2:] == [
        "findings by kind: service 1, port 1, env 4, bind 1",
        "5 services compared, 7 findings",
    ]
    port = _write(tmp_path, docs)
    args = ["drift", str(FIXTURE), str(port), "--rename", "db_postgres=db", "--ignore", "*.env.LOG_*"]
    assert main([*args, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["by_kind"] == {"service": 1, "port": 1, "env": 2, "bind": 1}
    assert data["ignored_by_kind"] == {"env": 2}
    assert data["compared"] == 5
    assert data["renames"] == [{"service": "db_postgres", "kubernetes_name": "db", "source": "--rename"}]
    assert [f["key"] for f in data["findings"]] == [
        "api.bind./app/api/storage",
        "plugin_daemon.port.5003",
        "plugin_daemon.env.PLUGIN_REMOTE_INSTALLING_HOST",
        "plugin_daemon.env.PLUGIN_REMOTE_INSTALLING_PORT",
        "redis.service",
    ]
    assert data["findings"][0]["compose_path"] == "api.volumes./app/api/storage"
    assert data["findings"][0]["kubernetes_name"] == "api"
    assert main([*args, "--format", "xml"]) == 2


def test_no_summary_line_without_findings(compose: ComposeFile) -> None:
    report = find_drift(compose, _port(), ["api.env.LOG_FILE", "plugin_daemon"], renames={"db_postgres": "db"})
    assert report.lines() == ["4 services compared, 0 findings (1 ignored)"]


# --------------------------------------------------------------------------------------------
# Dify's own file (needs the Compose-Spec reader: the plain one refuses it).


def _dify_port_renamed(tmp_path: Path) -> Path:
    """examples/dify/dist with db-postgres renamed to db and POSTGRES_DB removed from it."""
    docs = load_manifests(DIFY_PORT)
    db = _find(docs, "db-postgres")
    db["metadata"]["name"] = db["metadata"]["labels"]["app.kubernetes.io/name"] = "db"
    env = db["spec"]["template"]["spec"]["containers"][0]["env"]
    env[:] = [entry for entry in env if entry["name"] != "POSTGRES_DB"]
    return _write(tmp_path, docs)


def test_dify_acceptance_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = _dify_port_renamed(tmp_path)
    assert main(["drift", str(DIFY), str(port), "--rename", "db_postgres=db", "--ignore", "plugin_daemon"]) == 1
    out = capsys.readouterr().out
    assert (
        "drift: db_postgres (db): env POSTGRES_DB: not set in container postgres of StatefulSet db (env or envFrom)"
        in out.splitlines()
    )
    assert "db_postgres.service" not in out and "no Deployment, StatefulSet, Job or CronJob named 'db'" not in out


#: The differences examples/dify/FACTS.md explains ("Services", "The sandbox's exception"), as
#: ignore rules: what the port replaced or left out on purpose.
DIFY_EXPLAINED = (
    "init_permissions",  # replaced by fsGroup 1001 and the InitStep init-permissions of api and worker
    "nginx",  # replaced by the TlsIngress dify (same routes)
    "sandbox.volumes.*",  # /conf and /dependencies not mounted: the image's own files apply
    "ssrf_proxy.volumes.*",  # the port's own squid.conf (a ConfigMap at /config), no template, no entrypoint mount
)


def test_dify_against_its_port_differs_only_in_variables() -> None:
    compose = load_compose(DIFY)
    report = find_drift(compose, load_manifests(DIFY_PORT), [parse_ignore(rule, compose) for rule in DIFY_EXPLAINED])
    # Every data bind mount (api and worker storage, db_postgres, redis, weaviate, the plugin
    # daemon) is on a claim in the port, every port and health check is ported, every service
    # the port needs has its workload; what is left is the variables the port left out.
    assert set(report.by_kind()) == {"env"}, report.lines()
    assert report.optional == ("db_mysql", "certbot", "oceanbase", "seekdb", "pgvector")
    assert report.renames == ()
    assert report.compared == 10  # 17 services, 2 replaced, 5 optional
    assert report.unused_ignores == ()
    assert [finding.key for finding in report.ignored] == [
        "sandbox.bind./dependencies",
        "sandbox.bind./conf",
        "ssrf_proxy.bind./etc/squid/squid.conf.template",
        "ssrf_proxy.bind./docker-entrypoint-mount.sh",
    ]


# --------------------------------------------------------------------------------------------
# Rules from a file, and the `aipp compose drift` command.


def test_ignore_file(compose: ComposeFile, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "drift-ignore"
    rules.write_text(
        "# explained differences of the port\n\napi.env.LOG_FILE  # logs on stdout\nplugin_daemon.environment.*\n",
        encoding="utf-8",
    )
    assert read_ignore_file(rules, compose) == ["api.env.LOG_FILE", "plugin_daemon.environment.*"]
    port = _write(tmp_path / "port", _port())
    args = ["drift", str(FIXTURE), str(port), "--rename", "db_postgres=db", "--ignore-file", str(rules)]
    assert main([*args, "--ignore", "plugin_daemon.port.5003"]) == 0
    assert capsys.readouterr().out == "5 services compared, 0 findings (5 ignored)\n"
    rules.write_text("api.env.LOG_FILE\nworker.*  # gone\n", encoding="utf-8")
    assert main(args) == 2
    assert capsys.readouterr().err.startswith(f"error: {rules}:2: --ignore worker.*: the glob matches no finding key")
    rules.write_text("api.env.LOG_FILE api.env.X\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r":1: 'api.env.LOG_FILE api.env.X' is more than one rule"):
        read_ignore_file(rules, compose)
    with pytest.raises(ValueError, match="--ignore-file .*missing: cannot read it"):
        read_ignore_file(tmp_path / "missing", compose)


def test_aipp_compose_drift_takes_the_options(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from aipp_constructs.cli import aipp

    port = _write(tmp_path, _port())
    args = ["compose", "drift", str(FIXTURE), str(port), "--rename", "db_postgres=db", "--format", "json"]
    result = CliRunner().invoke(aipp, [*args, "--ignore", "api.env.LOG_FILE", "--ignore", "plugin_daemon.*"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ignored_by_kind"] == {"port": 1, "env": 4}
    assert CliRunner().invoke(aipp, args).exit_code == 1


def test_a_job_and_a_cron_job_are_compared_without_ports_or_probes() -> None:
    """A one-shot Compose service ported as a Job (or CronJob) is found and its environment
    compared; a Job serves no port and has no probe, so neither is a finding."""
    compose = parse_compose(
        "services:\n"
        "  migrate:\n"
        "    image: example/migrate:1.0.0\n"
        "    ports: ['8080:8080']\n"
        "    environment: {DB_HOST: db, MODE: migrate}\n"
        "    healthcheck: {test: [CMD, 'true']}\n"
    )
    container = {"name": "migrate", "env": _env(DB_HOST="db")}
    job = _workload("Job", "migrate", container)
    assert _keys(find_drift(compose, [job])) == ["migrate.env.MODE"]
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "migrate", "namespace": "dify"},
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": job["spec"]}},
    }
    assert _keys(find_drift(compose, [cron])) == ["migrate.env.MODE"]
    assert _keys(find_drift(compose, [])) == ["migrate.service"]
