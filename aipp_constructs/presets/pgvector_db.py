"""``PgvectorDb``: PostgreSQL with the pgvector extension, as a single-primary StatefulSet.

Creates:

* a ``ConfigMap`` ``<name>-init`` (wave 0) with the bootstrap, mounted at
  ``/etc/postgresql-bootstrap``: ``bootstrap.sh`` (the container's command), ``bootstrap.sql``
  and ``ready.sh`` (the readiness check), see "Bootstrap" below;
* a ``StatefulSet`` ``<name>`` with a ``volumeClaimTemplate`` (``apiVersion``/``kind`` set,
  storage class and size from props) retained on scale-down and deletion;
* a headless ``Service`` ``<name>-headless`` (the StatefulSet's governing service) and a
  client ``Service`` ``<name>`` on the PostgreSQL port;
* with ``metrics_exporter``, a sidecar ``postgres-exporter`` (postgres_exporter) in the pod on
  a port ``metrics`` (9187) that both Services publish, see "Metrics" below.

Facts of the official image it relies on (docker-library/postgres, pgvector/pgvector):
uid/gid 999 (Debian-based tags; ``postgres:*-alpine`` uses 70, see ``run_as_user``);
``PGDATA`` must be a subdirectory of an ext4 mount (``lost+found``);
``/var/run/postgresql`` and ``/tmp`` must be writable; ``/docker-entrypoint-initdb.d`` runs
only on an empty data directory, as ``POSTGRES_USER`` (a superuser) against ``POSTGRES_DB``;
``POSTGRES_PASSWORD_FILE`` is read instead of a password in the environment; the default
command is ``postgres``, and the entrypoint passes the arguments after it to the server.

Bootstrap: converged on every start, not only on an empty volume. The image's entrypoint sets
up the database only when the data directory is empty, so a first start that died after
``initdb`` (no application database, no extension, for ever) and an image bump that ships a
newer pgvector (``CREATE EXTENSION IF NOT EXISTS`` never upgrades) both stay broken. The
container's command is therefore ``bootstrap.sh``: it starts the image's entrypoint with the
server's arguments, waits until the server accepts TCP connections (the entrypoint's
first-start server listens on the socket only), then creates the application database when
it is missing and runs ``bootstrap.sql`` in it (``CREATE EXTENSION IF NOT EXISTS`` and
``ALTER EXTENSION ... UPDATE`` for each extension), retrying every 5 seconds until that
succeeds, and logs one line: ``bootstrap: database <db> converged: vector 0.8.1 (was 0.8.0)``.
It forwards SIGTERM and SIGINT to the server and exits with the server's status. The
readiness probe (``ready.sh``) passes only when the application database answers and every
extension is installed at the version the image ships; startup and liveness stay
``pg_isready`` (a missing extension makes the pod unready, it does not restart it).

Metrics (``metrics_exporter``, :mod:`~aipp_constructs.observability.metrics_exporter`): postgres_exporter
(``prometheuscommunity/postgres-exporter``, uid/gid 65534) runs beside the server and connects
to ``127.0.0.1:<port>/<database>`` (``DATA_SOURCE_URI``, ``sslmode=disable``: loopback) as the
superuser, reading the user name and the password from files of the same Secret keys
(``DATA_SOURCE_USER_FILE``, ``DATA_SOURCE_PASS_FILE``), never from variables. Only flags and
variables that postgres_exporter 0.11 and every later release understand are used
(``--web.listen-address``, ``--web.telemetry-path``, ``DATA_SOURCE_*``). Its probes ask its
landing page ``/``, never the database, so the exporter cannot make the pod unready while the
server is down (it reports ``pg_up 0``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from constructs import Construct

from aipp_constructs.core._validation import (
    check_dns_label,
    check_dns_subdomain,
    check_ids,
    check_image,
    check_port,
    check_quantity_binary,
)
from aipp_constructs.core.component import Component
from aipp_constructs.core.references import Endpoint, Resources, SecretKeyRef, check_labels, check_shm_fits
from aipp_constructs.core.vault_agent import AgentFile
from aipp_constructs.observability.metrics_exporter import (
    METRICS_PATH,
    METRICS_PORT,
    MetricsExporter,
    check_exporter,
    exporter_probes,
)
from aipp_constructs.workloads.workload import (
    ClaimTemplate,
    EnvValue,
    ExecCheck,
    Port,
    Probe,
    Probes,
    ScratchVolume,
    SecretFile,
    Sidecar,
    Workload,
    WorkloadProps,
    check_preset_env,
    data_service_props,
)

__all__ = ["PgvectorDb", "PgvectorDbProps"]

#: The variables PgvectorDb sets itself (``env`` may not repeat them), each with what to do instead.
_OWN_ENV = {
    "POSTGRES_USER": "set username",
    "POSTGRES_PASSWORD_FILE": "set password",  # pragma: allowlist secret
    "POSTGRES_DB": "set database",
    "PGDATA": "the data directory is fixed",
    "PGPORT": "set port",
}

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_UID = 999  # user "postgres" in the official Debian-based image
# Server options the construct sets itself (through PGPORT and PGDATA): the prop to use instead.
_MANAGED_OPTIONS = {
    "port": "use the port prop",
    "data_directory": "the data directory is fixed (PGDATA on the data volume)",
}
_DATA_MOUNT = "/var/lib/postgresql/data"
_BOOTSTRAP_DIR = "/etc/postgresql-bootstrap"
_PASSWORD_DIR = "/run/secrets/postgres"
_USERNAME_DIR = "/run/secrets/postgres-username"
#: postgres_exporter's registered port, and the user ``nobody`` of its image (busybox).
_EXPORTER_PORT = 9187
_EXPORTER_UID = 65534
#: Flags of postgres_exporter the construct sets, and what to do instead.
_EXPORTER_FLAGS = {
    "web.listen-address": "use metrics_exporter.port",
    "web.telemetry-path": f"the metrics path is fixed ({METRICS_PATH}), the ServiceMonitor scrapes it",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class PgvectorDbProps:
    """Props of :class:`PgvectorDb`.

    Attributes:
        image: Pinned image reference, e.g. ``registry/pgvector/pgvector:0.8.1-pg17-bookworm``.
            Required; moving tags are refused.
        username: Secret key holding the superuser name (``POSTGRES_USER``). Required.
        password: Secret key holding the superuser password (mounted as a file and read
            through ``POSTGRES_PASSWORD_FILE``, never put in the environment). Required.
        database: Application database (``POSTGRES_DB``), created on any start that finds it
            missing; the extensions are created in it. Defaults to ``"app"``.
        name: Name of the StatefulSet and the client Service. Defaults to ``"pgvector"``.
        part_of: ``app.kubernetes.io/part-of`` label. Defaults to the port's, else no label.
        port: PostgreSQL port. Defaults to ``5432``.
        storage_size: Size of the data volume. Defaults to ``"10Gi"``.
        storage_class_name: Storage class of the data volume. Defaults to the port's (inside a
            PortChart), else the cluster's default class.
        volume_labels: Extra labels on the data volume's claim, e.g. Longhorn's
            ``recurring-job.longhorn.io/*`` labels that attach snapshot and backup jobs.
            Defaults to none.
        shm_size: Size limit of the memory-backed ``/dev/shm`` (parallel HNSW index builds
            need at least ``maintenance_work_mem``). It counts against ``memory_limit``.
            Defaults to ``"256Mi"``.
        resources: Requests and limits. Defaults to 250m/1Gi requested, 2 CPU/1Gi limit.
        extensions: Extensions created in ``database`` and updated to the version the image
            ships, on every start. Defaults to ``("vector",)``.
        depends_on: Components applied before it (a later sync wave) and allowed through the
            NetworkPolicies; neither waited for nor wired. Defaults to none.
        env: Further variables of the main container, e.g. ``{"PG_BIGM": "on"}``:
            literals, Secret keys, templates or pod fields, as
            :class:`~aipp_constructs.workloads.workload.WorkloadProps` ``env`` takes them, written after
            the preset's own variables, which it may not repeat. Defaults to none.
        run_as_user: uid of the pod and of every container; the image must own its files for
            it. The official Debian-based images (``postgres:17``, ``pgvector/pgvector:*-bookworm``)
            run as ``999``; the Alpine-based ``postgres:*-alpine`` runs as ``70`` (gid 70).
            Must be at least 1 (Pod Security "restricted" refuses root). Defaults to ``999``.
        run_as_group: gid of the pod and every container, and the pod's ``fsGroup`` (the
            password file is readable by this group only). Defaults to ``run_as_user``.
        extra_args: Server options appended to the image's command, e.g.
            ``("-c", "max_connections=200")``: the container then gets
            ``args: ["postgres", *extra_args]``. ``-p``/``-D`` and the settings ``port`` and
            ``data_directory`` are refused (use ``port``; the data directory is fixed).
            Defaults to none (no ``args``: the image's default ``postgres``).
        metrics_exporter: A Prometheus exporter (postgres_exporter, image
            ``prometheuscommunity/postgres-exporter``) in the pod, on the port ``metrics``
            (``metrics_exporter.port``, 9187 by default) of both Services, serving ``/metrics``;
            it reads ``username`` and ``password`` as files and connects to ``database`` over
            ``127.0.0.1`` (see :mod:`~aipp_constructs.observability.metrics_exporter`). Scrape it with a
            :class:`~aipp_constructs.observability.service_monitor.ComponentServiceMonitor` on port ``metrics``,
            and let Prometheus through the NetworkPolicies to that port. Defaults to none.

    See: https://github.com/pgvector/pgvector, https://hub.docker.com/_/postgres,
    https://www.postgresql.org/docs/current/app-postgres.html
    """

    image: str
    username: SecretKeyRef
    password: SecretKeyRef
    database: str = "app"
    name: str = "pgvector"
    part_of: str | None = None
    port: int = 5432
    storage_size: str = "10Gi"
    storage_class_name: str | None = None
    volume_labels: Mapping[str, str] = field(default_factory=dict)
    shm_size: str = "256Mi"
    resources: Resources = field(
        default_factory=lambda: Resources(cpu_request="250m", memory_request="1Gi", cpu_limit="2", memory_limit="1Gi")
    )
    extensions: tuple[str, ...] = ("vector",)
    depends_on: tuple[Component, ...] = ()
    env: Mapping[str, EnvValue] = field(default_factory=dict)
    run_as_user: int = _UID
    run_as_group: int | None = None
    extra_args: tuple[str, ...] = ()
    metrics_exporter: MetricsExporter | None = None

    def __post_init__(self) -> None:
        check_preset_env("PgvectorDb", self.env, _OWN_ENV)
        check_image("image", self.image)
        check_dns_label("name", self.name)
        check_port("port", self.port)
        check_exporter(self.metrics_exporter, port=self.port, default_port=_EXPORTER_PORT, managed=_EXPORTER_FLAGS)
        check_quantity_binary("storage_size", self.storage_size)
        if self.storage_class_name is not None:
            check_dns_subdomain("storage_class_name", self.storage_class_name)
        check_labels("volume_labels", self.volume_labels)
        if not _IDENTIFIER.fullmatch(self.database):
            raise ValueError(f"database must be a lowercase SQL identifier ([a-z_][a-z0-9_]*), got {self.database!r}")
        for ext in self.extensions:
            if not _IDENTIFIER.fullmatch(ext):
                raise ValueError(f"extensions must be lowercase SQL identifiers, got {ext!r}")
        check_shm_fits(self.shm_size, self.resources)
        check_ids(self.run_as_user, self.run_as_group, "999 Debian, 70 Alpine")
        _check_extra_args(self.extra_args)


class PgvectorDb(Workload):
    """PostgreSQL + pgvector as a StatefulSet with a retained volume: a preset over
    :class:`~aipp_constructs.workloads.workload.Workload` (claim template ``data``, the init scripts as
    config files, the password as a secret file).

    Attributes:
        props: The :class:`PgvectorDbProps` it was built with.
        endpoint: Host ``<name>``, port ``postgresql``, credentials ``username``/``password``,
            properties ``database``, ``url``, ``jdbc_url``.
        metrics_port: Number of the Services' ``metrics`` port (the exporter's), or ``None``
            without ``metrics_exporter``.
        metrics_path: ``/metrics`` with ``metrics_exporter``, else ``None`` (PostgreSQL serves
            no metrics itself: a ServiceMonitor is refused).
        service: The client ``Service``.
        headless_service: The governing headless ``Service``.
        workload: The ``StatefulSet``.
        init_config: The ``ConfigMap`` ``<name>-init`` with the init script.

    Example::

        db = PgvectorDb(chart, "Pgvector", PgvectorDbProps(
            image="harbor.example/dockerhub-proxy/pgvector/pgvector:0.8.1-pg17-bookworm",
            username=secret.key("username"), password=secret.key("password"),
            database="aipp", storage_class_name="longhorn", storage_size="20Gi"))
    """

    #: Never ``None`` (the preset always serves), so a port reads it without a check.
    endpoint: Endpoint

    def __init__(self, scope: Construct, id: str, props: PgvectorDbProps) -> None:
        agent = props.password.from_vault_agent or props.username.from_vault_agent
        if agent and not (props.password.from_vault_agent and props.username.from_vault_agent):
            raise ValueError(f"{props.name}: username and password must both come from the Vault Agent, or neither")
        # Under vault-agent the user name is a file too (POSTGRES_USER_FILE), read where it is needed.
        user = '"$(cat "$POSTGRES_USER_FILE")"' if agent else '"$POSTGRES_USER"'
        alive = ExecCheck(
            command=("sh", "-c", f'exec pg_isready -U {user} -d "$POSTGRES_DB" -h 127.0.0.1 -p {props.port}')
        )
        converged = ExecCheck(command=("sh", f"{_BOOTSTRAP_DIR}/ready.sh"))
        exporter = props.metrics_exporter
        credentials: dict[str, object] = (
            {
                "env": {"POSTGRES_USER_FILE": _AGENT_USERNAME, "POSTGRES_PASSWORD_FILE": _AGENT_PASSWORD},
                "agent_files": (
                    AgentFile(
                        name=_AGENT_USERNAME.rpartition("/")[2],
                        template="${username}",
                        values={"username": props.username},
                    ),
                    AgentFile(
                        name=_AGENT_PASSWORD.rpartition("/")[2],
                        template="${password}",
                        values={"password": props.password},
                    ),
                ),
            }
            if agent
            else {
                "env": {"POSTGRES_USER": props.username, "POSTGRES_PASSWORD_FILE": f"{_PASSWORD_DIR}/password"},
                # Readable by the postgres group only (fsGroup = run_as_group).
                "secret_files": (SecretFile(name="password", path=f"{_PASSWORD_DIR}/password", secret=props.password),),
            }
        )
        metrics_port = (exporter.port or _EXPORTER_PORT) if exporter is not None else None
        super().__init__(
            scope,
            id,
            WorkloadProps(
                name=props.name,
                image=props.image,
                part_of=props.part_of,
                component_label="database",
                container_name="postgres",
                # bootstrap.sh runs the image's entrypoint with these arguments; without
                # extra_args none at all, and the script passes the image's default "postgres".
                command=("sh", f"{_BOOTSTRAP_DIR}/bootstrap.sh"),
                args=("postgres", *props.extra_args) if props.extra_args else None,
                ports=(Port(name="postgresql", number=props.port),),
                protocol="postgresql",
                # initdb on a fresh volume, or crash recovery after an unclean stop, can take
                # minutes: up to 5 minutes before liveness applies. Ready only once converged.
                probes=Probes(
                    startup=Probe(check=alive, timeout_seconds=5, failure_threshold=30),
                    readiness=Probe(check=converged, timeout_seconds=5),
                    liveness=Probe(check=alive, timeout_seconds=5, failure_threshold=6),
                ),
                resources=props.resources,
                run_as_user=props.run_as_user,
                run_as_group=props.run_as_group,
                **data_service_props(props.depends_on),  # type: ignore[arg-type]
                env={
                    **credentials["env"],  # type: ignore[dict-item]
                    "POSTGRES_DB": props.database,
                    # A subdirectory: the ext4 root of a fresh volume holds lost+found, and
                    # initdb refuses a non-empty directory.
                    "PGDATA": f"{_DATA_MOUNT}/pgdata",
                    "PGPORT": str(props.port),
                    **props.env,
                },
                config_files={
                    "bootstrap.sh": (_AGENT_USER_PRELUDE if agent else "")
                    + _bootstrap_sh(props.database, props.extensions),
                    "bootstrap.sql": _bootstrap_sql(props.extensions),
                    "ready.sh": _ready_sh(props.database, props.port, props.extensions, user),
                },
                config_dir=_BOOTSTRAP_DIR,
                config_map_name=f"{props.name}-init",
                tmp_size="1Gi",
                scratch=(
                    ScratchVolume(name="run", path="/var/run/postgresql", size="16Mi"),
                    ScratchVolume(name="shm", path="/dev/shm", size=props.shm_size, memory=True),
                ),
                secret_files=credentials.get("secret_files", ()),  # type: ignore[arg-type]
                agent_files=credentials.get("agent_files", ()),  # type: ignore[arg-type]
                claim_templates=(
                    ClaimTemplate(
                        name="data",
                        path=_DATA_MOUNT,
                        size=props.storage_size,
                        storage_class_name=props.storage_class_name,
                        labels=props.volume_labels,
                    ),
                ),
                # Kubernetes sends SIGTERM, which is PostgreSQL's "smart" shutdown: it waits for
                # every client to disconnect. A fast shutdown ends sessions and checkpoints.
                pre_stop_command=("sh", "-c", 'exec pg_ctl stop -D "$PGDATA" -m fast -w -t 50'),
                termination_grace_period_seconds=60,
                sidecars=(_exporter_sidecar(props, exporter, agent=agent),) if exporter is not None else (),
                # checkov exceptions, written only while the StatefulSet fails the check.
                policy_exceptions={
                    "CKV_K8S_35": "POSTGRES_USER is a variable because the exec probes pass it to pg_isready; "
                    "the password is a file (POSTGRES_PASSWORD_FILE)",
                    "CKV_K8S_40": "run_as_user is the user the official image is built for (999 Debian, 70 Alpine): "
                    "PostgreSQL refuses a data directory owned by another uid",
                },
            ),
        )
        self.props = props
        self.metrics_port = metrics_port
        self.metrics_path = METRICS_PATH if exporter is not None else None
        self.init_config = self.files
        name = props.name
        self.endpoint = Endpoint(
            host=name,
            ports={"postgresql": props.port},
            credentials={"username": props.username, "password": props.password},
            properties={
                "database": props.database,
                "url": f"postgresql://{name}:{props.port}/{props.database}",
                "jdbc_url": f"jdbc:postgresql://{name}:{props.port}/{props.database}",
            },
            protocol="postgresql",
        )


def _exporter_sidecar(props: PgvectorDbProps, exporter: MetricsExporter, *, agent: bool = False) -> Sidecar:
    """postgres_exporter beside the server: over loopback, the credentials as files (under
    vault-agent the agent's files, which every container of the pod sees)."""
    port = exporter.port or _EXPORTER_PORT
    uid = exporter.run_as_user or _EXPORTER_UID
    if agent:
        return Sidecar(
            name="postgres-exporter",
            image=exporter.image,
            args=exporter.args(
                (f"--web.listen-address=:{port}", f"--web.telemetry-path={METRICS_PATH}"), _EXPORTER_FLAGS
            ),
            env={
                "DATA_SOURCE_URI": f"127.0.0.1:{props.port}/{props.database}?sslmode=disable",
                "DATA_SOURCE_USER_FILE": _AGENT_USERNAME,
                "DATA_SOURCE_PASS_FILE": _AGENT_PASSWORD,
            },
            ports=(Port(name=METRICS_PORT, number=port),),
            probes=exporter_probes(),
            resources=exporter.resources,
            run_as_user=uid,
            run_as_group=exporter.run_as_group if exporter.run_as_group is not None else uid,
        )
    return Sidecar(
        name="postgres-exporter",
        image=exporter.image,
        args=exporter.args((f"--web.listen-address=:{port}", f"--web.telemetry-path={METRICS_PATH}"), _EXPORTER_FLAGS),
        env={
            # Loopback: the server's own pod; no TLS there.
            "DATA_SOURCE_URI": f"127.0.0.1:{props.port}/{props.database}?sslmode=disable",
            "DATA_SOURCE_USER_FILE": f"{_USERNAME_DIR}/username",
            "DATA_SOURCE_PASS_FILE": f"{_PASSWORD_DIR}/password",
        },
        ports=(Port(name=METRICS_PORT, number=port),),
        # On the landing page, which queries nothing: the database's state never makes it unready.
        probes=exporter_probes(),
        resources=exporter.resources,
        run_as_user=uid,
        run_as_group=exporter.run_as_group if exporter.run_as_group is not None else uid,
        # The server's password file (readable through the pod's fsGroup), and the user name
        # as a file of the exporter's own.
        volumes=("password",),
        secret_files=(SecretFile(name="exporter-username", path=f"{_USERNAME_DIR}/username", secret=props.username),),
    )


def _bootstrap_sql(extensions: tuple[str, ...]) -> str:
    lines = [
        "-- Run by bootstrap.sh on every start of the server, as POSTGRES_USER in the application",
        "-- database, with ON_ERROR_STOP. Idempotent: CREATE is skipped when the extension exists,",
        "-- UPDATE moves it to the version the image ships (a notice when it is already there).",
    ]
    for ext in extensions:
        lines += [f"CREATE EXTENSION IF NOT EXISTS {ext};", f"ALTER EXTENSION {ext} UPDATE;"]
    return "\n".join(lines) + "\n"


def _versions_query(extensions: tuple[str, ...]) -> str:
    names = ", ".join(f"'{ext}'" for ext in extensions)
    return (
        "SELECT coalesce(string_agg(extname || ' ' || extversion, ', ' ORDER BY extname), 'none') "
        f"FROM pg_extension WHERE extname IN ({names})"
    )


def _bootstrap_sh(database: str, extensions: tuple[str, ...]) -> str:
    # A ConfigMap file: Kubernetes expands $(VAR) in command and args only, never in files.
    return f"""\
# PgvectorDb's bootstrap, the container's command: converges the database on EVERY start.
# The image's entrypoint initialises an empty data directory only; this also repairs a first
# start that died after initdb and upgrades the extensions after an image bump.
set -u
say() {{ printf 'bootstrap: %s\\n' "$*"; }}
[ "$#" -gt 0 ] || set -- postgres
docker-entrypoint.sh "$@" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null' TERM
trap 'kill -INT "$server" 2>/dev/null' INT
(
  PGPASSWORD=$(cat "$POSTGRES_PASSWORD_FILE") || exit 1
  export PGPASSWORD PGHOST=127.0.0.1 PGUSER="$POSTGRES_USER" PGCONNECT_TIMEOUT=5
  psql="psql -X -w -q -v ON_ERROR_STOP=1"
  versions="{_versions_query(extensions)}"
  # TCP answers only once the real server runs: the entrypoint's first-start server is socket-only.
  until pg_isready -q -d postgres; do sleep 1; done
  until
    exists=$($psql -At -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '{database}'") &&
    {{ [ -n "$exists" ] || {{ $psql -d postgres -c 'CREATE DATABASE "{database}"' && say 'created the missing database {database}'; }}; }} &&
    before=$($psql -At -d {database} -c "$versions") &&
    $psql -d {database} -f {_BOOTSTRAP_DIR}/bootstrap.sql &&
    after=$($psql -At -d {database} -c "$versions")
  do
    say 'not converged yet (the error is above); retrying in 5s'
    sleep 5
  done
  say "database {database} converged: $after (was: $before)"
) &
# Wait for the server; a trapped signal interrupts wait, so wait again until it has exited.
while :; do
  wait "$server"
  status=$?
  kill -0 "$server" 2>/dev/null || exit "$status"
done
"""


#: Under vault-agent: the agent's files (secret provider vault-agent), and the first lines of
#: bootstrap.sh that read the user name (the image's entrypoint refuses POSTGRES_USER together
#: with POSTGRES_USER_FILE, so the file variable is dropped once read).
_AGENT_USERNAME = "/vault/secrets/postgres-username"
_AGENT_PASSWORD = "/vault/secrets/postgres-password"
_AGENT_USER_PRELUDE = """\
# Secrets provider vault-agent: the user name is the agent's file.
POSTGRES_USER=$(cat "$POSTGRES_USER_FILE") || exit 1
export POSTGRES_USER
unset POSTGRES_USER_FILE
"""


def _ready_sh(database: str, port: int, extensions: tuple[str, ...], user: str = '"$POSTGRES_USER"') -> str:
    names = ", ".join(f"('{ext}')" for ext in extensions)
    return f"""\
# PgvectorDb's readiness: the application database answers, and every extension is installed
# at the version the image ships (bootstrap.sh has converged).
PGPASSWORD=$(cat "$POSTGRES_PASSWORD_FILE") || exit 1
export PGPASSWORD
behind=$(psql -X -w -At -h 127.0.0.1 -p {port} -U {user} -d {database} -c "
  SELECT string_agg(wanted.name || ' ' || coalesce(a.installed_version, 'missing'), ', ')
  FROM (VALUES {names}) AS wanted(name) LEFT JOIN pg_available_extensions a USING (name)
  WHERE a.installed_version IS NULL OR a.installed_version <> a.default_version") || exit 1
[ -z "$behind" ] || {{ echo "not ready: extensions not converged: $behind"; exit 1; }}
"""


def _check_extra_args(extra_args: object) -> None:
    if not isinstance(extra_args, tuple) or not all(isinstance(a, str) and a for a in extra_args):
        raise ValueError(
            f"extra_args must be a tuple of non-empty strings, got {extra_args!r}; e.g. ('-c', 'max_connections=200')"
        )
    for i, arg in enumerate(extra_args):
        if "\n" in arg or "\x00" in arg:
            raise ValueError(f"extra_args must not contain newlines or NUL characters, got {arg!r}")
        if arg.startswith(("-p", "-D")):
            name = "port" if arg.startswith("-p") else "data_directory"
            raise ValueError(
                f"extra_args must not set options the construct manages, got {arg!r}; {_MANAGED_OPTIONS[name]}"
            )
        # A setting: "-c name=value", "-cname=value" or "--name=value".
        if arg.startswith("--") or arg.startswith("-c") and len(arg) > 2:
            setting = arg[2:]
        elif i > 0 and extra_args[i - 1] == "-c":
            setting = arg
        else:
            continue
        name = setting.split("=", 1)[0].strip().lower().replace("-", "_")
        if name in _MANAGED_OPTIONS:
            raise ValueError(
                f"extra_args must not set options the construct manages, got {arg!r}; {_MANAGED_OPTIONS[name]}"
            )
