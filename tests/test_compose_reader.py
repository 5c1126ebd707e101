"""The Compose reader follows the Compose Specification (issue 20, first bullet).

Interpolation in every form (table-driven), Compose's precedence of variables, interpolation
before the short syntaxes are split, env_file, extends, include, profiles, anchors, secrets and
configs, and validation with the vendored Compose Specification schema. Every file of the corpus
(tests/compose/corpus, examples/langfuse, vendor/aipp) loads unmodified.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from aipp_constructs.cli import aipp
from aipp_constructs.compose.__main__ import main as compose_main
from aipp_constructs.compose.interpolation import (
    Interpolated,
    InterpolationError,
    interpolate,
    interpolation_environment,
    read_env_file,
)
from aipp_constructs.compose.model import (
    ComposeError,
    ComposeFile,
    EnvVar,
    FileMount,
    Healthcheck,
    Port,
    Volume,
    load_compose,
    parse_compose,
)
from aipp_constructs.compose.spec import SCHEMA_PATH, compose_schema, schema_violations

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "compose"
CORPUS = DATA / "corpus"
READER = DATA / "reader"
EVERY_FILE = [
    *sorted(CORPUS.glob("*.yml")),
    ROOT / "examples" / "langfuse" / "docker-compose.yml",
    ROOT / "vendor" / "aipp" / "docker-compose.yml",
]

# --------------------------------------------------------------------------------------------
# Interpolation, form by form.

ENV = {"SET": "value", "EMPTY": "", "B": "bee"}


@pytest.mark.parametrize(
    ("text", "expected", "unset"),
    [
        ("$SET", "value", ()),
        ("${SET}", "value", ()),
        ("a-${SET}-b", "a-value-b", ()),
        ("$SET.txt", "value.txt", ()),
        ("${MISSING}", "", ("MISSING",)),
        ("$MISSING", "", ("MISSING",)),
        ("${SET:-d}", "value", ()),
        ("${EMPTY:-d}", "d", ()),
        ("${MISSING:-d}", "d", ("MISSING",)),
        ("${SET-d}", "value", ()),
        ("${EMPTY-d}", "", ()),
        ("${MISSING-d}", "d", ("MISSING",)),
        ("${SET:?err}", "value", ()),
        ("${EMPTY?err}", "", ()),
        ("${SET:+alt}", "alt", ()),
        ("${EMPTY:+alt}", "", ()),
        ("${MISSING:+alt}", "", ("MISSING",)),
        ("${SET+alt}", "alt", ()),
        ("${EMPTY+alt}", "alt", ()),
        ("${MISSING+alt}", "", ("MISSING",)),
        ("${MISSING:-${B}}", "bee", ("MISSING",)),
        ("${MISSING:-${OTHER:-x}}", "x", ("MISSING", "OTHER")),
        ("${MISSING:-${OTHER:-${B}}-z}", "bee-z", ("MISSING", "OTHER")),
        ("${SET:-${OTHER:-x}}", "value", ()),
        ("$$", "$", ()),
        ("$${SET}", "${SET}", ()),
        ("$$SET", "$SET", ()),
        ("cost: 5$", "cost: 5$", ()),
        ("$1 and $ alone", "$1 and $ alone", ()),
        ("${MISSING:-./volumes/mysql/data}:/var/lib/mysql", "./volumes/mysql/data:/var/lib/mysql", ("MISSING",)),
        ("${MISSING:-http://localhost/e/{hook_id}}", "http://localhost/e/{hook_id}", ("MISSING",)),
        ("${MISSING:-a:b}", "a:b", ("MISSING",)),
        ("${MISSING-:2283:2283}", ":2283:2283", ("MISSING",)),
    ],
)
def test_every_interpolation_form(text: str, expected: str, unset: tuple[str, ...]) -> None:
    resolution = interpolate(text, ENV)
    assert resolution.value == expected
    assert resolution.unset == unset


def test_interpolation_records_references_and_blanks() -> None:
    resolution = interpolate("${A:-${B}}/${C}/$D", {"B": "b"})
    assert resolution.value == "b//"
    assert resolution.references == ("A", "B", "C", "D")
    assert resolution.unset == ("A", "C", "D")
    assert resolution.blank == ("C", "D")  # A had a default


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${MISSING:?set it in .env}", "required variable MISSING is missing a value: set it in .env"),
        ("${EMPTY:?no empty}", "required variable EMPTY is missing a value: no empty"),
        ("${MISSING?}", "required variable MISSING is missing a value: unset"),
        ("${SET", "without its closing '}'"),
        ("${1X}", "is not a variable"),
        ("${SET!x}", "has '!' after the name"),
    ],
)
def test_interpolation_errors(text: str, message: str) -> None:
    with pytest.raises(InterpolationError) as error:
        interpolate(text, ENV)
    assert message in str(error.value)


def test_a_required_variable_error_names_the_file_line_and_key() -> None:
    text = "services:\n  a:\n    image: x\n    environment:\n      TOKEN: ${TOKEN:?set TOKEN in .env}\n"
    with pytest.raises(ComposeError) as error:
        parse_compose(text, "c.yml")
    assert str(error.value) == (
        "error: c.yml:5: services.a.environment.TOKEN: required variable TOKEN is missing a value: set TOKEN in .env"
    )


# --------------------------------------------------------------------------------------------
# Interpolation happens before the short syntaxes are split.


def test_interpolation_comes_before_the_short_syntaxes() -> None:
    text = (
        "services:\n"
        "  db:\n"
        "    image: mysql:${MYSQL_VERSION:-8.0}\n"
        "    ports:\n"
        "      - ${EXPOSE_HOST:-5003}:${EXPOSE_TARGET:-5003}\n"
        "      - ${EXPOSE_PORT-:2283:2283}\n"
        "    volumes:\n"
        "      - ${MYSQL_HOST_VOLUME:-./volumes/mysql/data}:/var/lib/mysql\n"
        "    healthcheck:\n"
        "      test: [CMD, mysqladmin, ping]\n"
        "      retries: ${RETRIES:-5}\n"
        "    deploy:\n"
        "      replicas: ${REPLICAS:-2}\n"
        "  worker:\n"
        "    image: w:1\n"
        "    privileged: ${PRIVILEGED:-false}\n"
        "    healthcheck:\n"
        "      test: [CMD, celery, inspect, ping]\n"
        "      disable: ${COMPOSE_WORKER_HEALTHCHECK_DISABLED:-true}\n"
    )
    compose = parse_compose(text, "c.yml")
    db = compose.service("db")
    assert db.image == "mysql:8.0"
    assert db.ports == (Port(5003, published="5003"), Port(2283, published="2283"))
    assert db.volumes == (Volume("/var/lib/mysql", "bind", "./volumes/mysql/data"),)
    assert db.volumes[0].unset == ("MYSQL_HOST_VOLUME",)
    assert db.healthcheck is not None and db.healthcheck.retries == 5
    assert db.replicas == 2
    worker = compose.service("worker")
    assert worker.privileged is False
    assert worker.healthcheck == Healthcheck("NONE")


def test_ports_long_and_short_after_interpolation() -> None:
    text = (
        "services:\n"
        "  web:\n"
        "    image: x\n"
        "    ports:\n"
        "      - target: ${WEB_PORT:-3000}\n"
        "        published: ${WEB_PUBLISHED:-80}\n"
        "        host_ip: ${BIND:-127.0.0.1}\n"
        "        name: web\n"
        "        app_protocol: http\n"
        "      - target: 7000-7001\n"
        "        protocol: udp\n"
        "      - ${GRPC_IP:-[::1]}:${GRPC:-50051}:50051/tcp\n"
        "      - 9000-9001:9000-9001\n"
    )
    assert parse_compose(text, "c.yml").service("web").ports == (
        Port(3000, published="80", host_ip="127.0.0.1", name="web", app_protocol="http"),
        Port(7000, protocol="udp"),
        Port(7001, protocol="udp"),
        Port(50051, published="50051", host_ip="::1"),
        Port(9000, published="9000-9001"),
        Port(9001, published="9000-9001"),
    )


def test_environment_keeps_the_raw_text_and_the_variables() -> None:
    text = (
        "services:\n"
        "  api:\n"
        "    image: x\n"
        "    environment:\n"
        "      PLUGIN_DAEMON_URL: ${PLUGIN_DAEMON_URL:-http://plugin_daemon:5002}\n"
        "      DB_HOST: ${DB_HOST:-db_postgres}\n"
        "      PLAIN: text\n"
        "      NUMBER: 42\n"
        "      FROM_SHELL:\n"
        "  web:\n"
        "    image: y\n"
        "    environment:\n"
        "      - API_URL=http://${API_HOST:-api}:5001\n"
        "      - PRICE=5$$\n"
    )
    compose = parse_compose(text, "c.yml", env={"DB_HOST": "postgres.internal"})
    api = compose.service("api")
    url = api.env("PLUGIN_DAEMON_URL")
    assert url is not None
    assert (url.value, url.raw) == ("http://plugin_daemon:5002", "${PLUGIN_DAEMON_URL:-http://plugin_daemon:5002}")
    assert (url.references, url.unset, url.from_default, url.interpolated) == (
        ("PLUGIN_DAEMON_URL",),
        ("PLUGIN_DAEMON_URL",),
        True,
        True,
    )
    host = api.env("DB_HOST")
    assert host is not None
    assert (host.value, host.raw, host.unset, host.from_default) == (
        "postgres.internal",
        "${DB_HOST:-db_postgres}",
        (),
        False,
    )
    plain = api.env("PLAIN")
    assert plain is not None and (plain.value, plain.raw, plain.interpolated) == ("text", "text", False)
    assert api.env("NUMBER") == EnvVar("NUMBER", "42")
    assert api.env("FROM_SHELL") == EnvVar("FROM_SHELL", None)
    web = compose.service("web")
    api_url = web.env("API_URL")
    assert api_url is not None
    assert (api_url.value, api_url.raw, api_url.unset) == (
        "http://api:5001",
        "http://${API_HOST:-api}:5001",
        ("API_HOST",),
    )
    price = web.env("PRICE")
    assert price is not None and (price.value, price.raw) == ("5$", "5$$")


def test_command_and_health_check_keep_their_written_text() -> None:
    text = (
        "services:\n"
        "  redis:\n"
        "    image: redis:7\n"
        '    command: ["redis-server", "--requirepass", "${REDIS_AUTH}"]\n'
        "    entrypoint: docker-entrypoint.sh --user ${REDIS_USER:-default}\n"
        "    healthcheck:\n"
        '      test: ["CMD-SHELL", "redis-cli -a ${REDIS_AUTH:-x} ping"]\n'
    )
    redis = parse_compose(text, "c.yml", env={"REDIS_AUTH": "s3cret"}).service("redis")
    assert redis.command == ("redis-server", "--requirepass", "s3cret")
    assert redis.command_written == ("redis-server", "--requirepass", "${REDIS_AUTH}")
    assert redis.entrypoint == ("docker-entrypoint.sh", "--user", "default")
    assert redis.entrypoint_written == ("docker-entrypoint.sh", "--user", "${REDIS_USER:-default}")
    assert redis.healthcheck is not None
    assert redis.healthcheck.test == ("redis-cli -a s3cret ping",)
    assert redis.healthcheck.test_written == ("redis-cli -a ${REDIS_AUTH:-x} ping",)
    assert redis.written["image"] == "redis:7"


def test_an_unset_variable_without_default_is_empty_with_a_note() -> None:
    text = "services:\n  a:\n    image: x\n    environment:\n      A: ${NOT_SET}\n      B: pre-${NOT_SET}\n"
    compose = parse_compose(text, "c.yml")
    assert compose.service("a").env("A") == EnvVar("A", "")
    assert compose.notes == (
        "note: c.yml:5: services.a.environment.A: variable NOT_SET is not set; Compose substitutes an empty "
        "string (set it in .env or give --env-file)",
    )


def test_extension_fields_are_not_interpolated() -> None:
    text = "x-doc: ${NOT_SET:?never read}\nservices:\n  a:\n    image: x\n    x-note: ${ALSO:?never}\n"
    compose = parse_compose(text, "c.yml")
    assert compose.notes == ()
    assert dict(compose.service("a").unmapped) == {}


# --------------------------------------------------------------------------------------------
# Where the variables come from: shell over --env-file over .env.


def test_precedence_shell_over_env_files_over_dotenv(tmp_path: Path) -> None:
    (tmp_path / "compose.yml").write_text(
        "services:\n  a:\n    image: app:${TAG}\n    environment:\n      X: ${X}\n      Y: ${Y:-none}\n"
    )
    (tmp_path / ".env").write_text("TAG=from-dotenv\nX=dotenv\n")
    (tmp_path / "one.env").write_text("TAG=from-one\nX=one\nY=one\n")
    (tmp_path / "two.env").write_text("TAG=from-two\n")

    dotenv = load_compose(tmp_path / "compose.yml", environ={})
    assert dotenv.service("a").image == "app:from-dotenv"
    assert dotenv.env_files == (tmp_path / ".env",)

    files = load_compose(tmp_path / "compose.yml", env_files=[tmp_path / "one.env", tmp_path / "two.env"], environ={})
    a = files.service("a")
    assert a.image == "app:from-two"  # a later --env-file wins
    assert a.env("X") == EnvVar("X", "one")  # .env is not read with --env-file
    assert a.env("Y") == EnvVar("Y", "one")

    shell = load_compose(tmp_path / "compose.yml", env_files=[tmp_path / "one.env"], environ={"TAG": "shell"})
    assert shell.service("a").image == "app:shell"


def test_a_missing_env_file_option_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "compose.yml").write_text("services:\n  a:\n    image: x\n")
    with pytest.raises(ComposeError) as error:
        load_compose(tmp_path / "compose.yml", env_files=[tmp_path / "nope.env"], environ={})
    assert str(error.value) == f"error: --env-file {tmp_path / 'nope.env'}: no such file; give an existing file"


def test_env_file_syntax(tmp_path: Path) -> None:
    file = tmp_path / "x.env"
    file.write_text(
        "# comment\n"
        "\n"
        "export A=1\n"
        "B = two words  # a comment\n"
        "C='${A} stays'\n"
        'D="line\\nbreak ${A}"  # comment\n'
        "E=${A}-${MISSING:-d}\n"
        "F=#not a comment\n"
        "G\n"
        "H=\n"
    )
    assert read_env_file(file, {"G": "from-lookup"}) == {
        "A": "1",
        "B": "two words",
        "C": "${A} stays",
        "D": "line\nbreak 1",
        "E": "1-d",
        "F": "#not a comment",
        "G": "from-lookup",
        "H": "",
    }
    (tmp_path / "bad.env").write_text("OK=1\nnot valid\n")
    with pytest.raises(ValueError, match=r"bad.env:2: 'not valid' is not a variable name; write KEY=VALUE"):
        read_env_file(tmp_path / "bad.env")


def test_interpolation_environment_without_any_file(tmp_path: Path) -> None:
    assert interpolation_environment(tmp_path, (), {"A": "1"}) == ({"A": "1"}, ())


# --------------------------------------------------------------------------------------------
# A project split in files: include, extends, env_file, profiles, secrets, configs (tests/compose/reader).


@pytest.fixture(scope="module")
def project() -> ComposeFile:
    """tests/compose/reader/compose.yml with its .env, no shell variables, no profile."""
    return load_compose(READER / "compose.yml", environ={})


def test_include_brings_services_with_their_own_variables(project: ComposeFile) -> None:
    compose = project
    assert [service.name for service in compose.services] == ["base", "api", "worker", "debug", "db"]
    db = compose.service("db")
    assert db.image == "postgres:16.4"  # PG_VERSION from the include's env_file (db/db.env)
    assert db.file == READER / "db" / "compose.yml"
    assert db.volumes == (Volume("/var/lib/postgresql/data", "persisted", "db-data"),)
    assert db.healthcheck == Healthcheck("CMD", ("pg_isready",))  # disable: ${...:-false}
    assert compose.volumes == ("db-data",)
    assert READER / "db" / "compose.yml" in compose.included
    assert compose.name == "reader"


def test_the_including_projects_variables_win(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "compose.yml").write_text("services:\n  db:\n    image: postgres:${PG}\n")
    (tmp_path / "db" / ".env").write_text("PG=15\n")
    (tmp_path / "compose.yml").write_text("include: [db/compose.yml]\nservices:\n  a:\n    image: x\n")
    assert load_compose(tmp_path / "compose.yml", environ={}).service("db").image == "postgres:15"
    (tmp_path / ".env").write_text("PG=17\n")
    assert load_compose(tmp_path / "compose.yml", environ={}).service("db").image == "postgres:17"


def test_extends_in_the_same_file(project: ComposeFile) -> None:
    compose = project
    api = compose.service("api")
    assert api.extends == "base"
    assert api.image == "example/base:1.2"  # BASE_TAG from .env
    assert api.command == ("serve", "--api")  # replaced, not appended
    assert api.environment == (
        EnvVar("LOG_LEVEL", "debug"),  # the local value wins
        EnvVar("FROM_BASE", "yes"),
        EnvVar("DB_URL", "postgres://db:5432/app"),
    )
    assert api.volumes == (Volume("/etc/app/conf.d", "bind", "./shared/conf.d", read_only=True),)
    assert api.ports == (Port(8080, published="9090"),)  # API_PORT from .env
    assert api.restart == "unless-stopped"  # the merge key
    assert api.depends_on[0].condition == "service_healthy"


def test_extends_from_another_file_rebases_its_paths(project: ComposeFile) -> None:
    compose = project
    worker = compose.service("worker")
    assert worker.extends == "worker-base"
    assert worker.image == "example/worker:3.0"
    assert [(v.target, v.kind, v.source, v.on_disk) for v in worker.volumes] == [
        ("/etc/worker/conf.d", "bind", "./shared/conf.d", "folder"),  # a folder on disk
        ("/etc/worker/worker.ini", "config", "./shared/worker.ini", "file"),
    ]


def test_env_file_long_form_missing_and_present(project: ComposeFile) -> None:
    compose = project
    worker = compose.service("worker")
    assert worker.env_file == ("./missing.env", "app.env")
    missing, present = worker.env_files
    assert (missing.required, missing.exists, missing.variables) == (False, False, ())
    assert present.exists and present.required
    assert present.variables == (
        EnvVar("APP_MODE", "production"),
        EnvVar("APP_URL", "http://api:9090/v1"),  # interpolated with the project's variables
        EnvVar("LITERAL", "${NOT_INTERPOLATED}"),
    )
    assert compose.notes == (
        "note: "
        f"{READER / 'compose.yml'}:38: services.worker.env_file[0]: ./missing.env does not exist beside the "
        "Compose file (required: false, Compose starts without it); its variables are unknown: TODO supply "
        "them in the port",
    )


def test_a_missing_env_file_is_a_note_not_a_crash() -> None:
    compose = load_compose(CORPUS / "mastodon.yml", environ={})
    web = compose.service("web")
    assert web.env_file == (".env.production",)
    assert not web.env_files[0].exists
    assert any("services.web.env_file[0]: .env.production does not exist" in note for note in compose.notes)


def test_effective_environment_lets_environment_win() -> None:
    text = "services:\n  a:\n    image: x\n    env_file: vars.env\n    environment:\n      B: local\n"
    compose = parse_compose(text, READER / "nowhere" / "c.yml")
    assert compose.service("a").effective_environment == (EnvVar("B", "local"),)
    with_file = load_compose(READER / "compose.yml", environ={}).service("worker")
    assert [var.name for var in with_file.effective_environment] == ["APP_MODE", "APP_URL", "LITERAL"]


def test_profiles_keep_optional_services_marked() -> None:
    default = load_compose(READER / "compose.yml", environ={})
    assert default.service("debug").profiles == ("debug",)
    assert not default.service("debug").active
    assert [service.name for service in default.active_services] == ["base", "api", "worker", "db"]
    selected = load_compose(READER / "compose.yml", environ={}, profiles=["debug"])
    assert selected.service("debug").active and selected.profiles == ("debug",)
    from_env = load_compose(READER / "compose.yml", environ={"COMPOSE_PROFILES": "other,debug"})
    assert from_env.service("debug").active
    every = load_compose(READER / "compose.yml", environ={}, profiles=["*"])
    assert all(service.active for service in every.services)


def test_secrets_and_configs(project: ComposeFile) -> None:
    compose = project
    worker = compose.service("worker")
    assert worker.secrets == (
        FileMount("db_password", "/run/secrets/db_password"),
        FileMount("api_key", "/run/secrets/api.key", mode="0400"),
    )
    assert worker.configs == (FileMount("app_config", "/app_config"),)
    assert [(s.name, s.file, s.environment) for s in compose.secrets] == [
        ("db_password", "./secrets/db_password.txt", None),
        ("api_key", None, "API_KEY"),
    ]
    assert [(c.name, c.content) for c in compose.configs] == [("app_config", "level=info")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "services:\n  a:\n    image: x\n    secrets: [nope]\n",
            "c.yml:4: services.a.secrets[0]: secret 'nope' is not declared under the top-level 'secrets:'",
        ),
        (
            "services:\n  a:\n    extends: b\n    image: x\n",
            "c.yml:3: services.a.extends.service: 'b' is not a service of this file",
        ),
        (
            "services:\n  a:\n    extends: b\n  b:\n    extends: a\n",
            "services.a.extends: extends 'b', which extends 'a' again; remove the cycle",
        ),
        (
            "include: [nowhere.yml]\nservices:\n  a:\n    image: x\n",
            "c.yml:1: include[0]:",
        ),
    ],
)
def test_project_errors_are_one_line(text: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ComposeError) as error:
        parse_compose(text, "c.yml")
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_an_included_service_may_not_repeat_a_name(tmp_path: Path) -> None:
    (tmp_path / "other.yml").write_text("services:\n  a:\n    image: y\n")
    (tmp_path / "compose.yml").write_text("include:\n  - other.yml\nservices:\n  a:\n    image: x\n")
    with pytest.raises(ComposeError, match=r"compose.yml:2: include\[0\]: service 'a' of .*other.yml is already"):
        load_compose(tmp_path / "compose.yml", environ={})


def test_include_with_an_override_file(tmp_path: Path) -> None:
    (tmp_path / "base.yml").write_text("services:\n  cache:\n    image: redis:7\n    ports: ['6379']\n")
    (tmp_path / "override.yml").write_text("services:\n  cache:\n    image: redis:7.4\n    command: [redis-server]\n")
    (tmp_path / "compose.yml").write_text(
        "include:\n  - path: [base.yml, override.yml]\nservices:\n  a:\n    image: x\n    depends_on: [cache]\n"
    )
    cache = load_compose(tmp_path / "compose.yml", environ={}).service("cache")
    assert (cache.image, cache.command, cache.ports) == ("redis:7.4", ("redis-server",), (Port(6379),))


def test_include_cycle_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("include: [b.yml]\nservices:\n  a:\n    image: x\n")
    (tmp_path / "b.yml").write_text("include: [a.yml]\nservices:\n  b:\n    image: y\n")
    with pytest.raises(ComposeError, match="which includes this file again; remove the cycle"):
        load_compose(tmp_path / "a.yml", environ={})


def test_anchors_and_merge_keys() -> None:
    text = (
        "x-common: &common\n"
        "  image: app:1.0\n"
        "  environment: &env\n"
        "    SHARED: ${SHARED:-yes}\n"
        "services:\n"
        "  a:\n"
        "    <<: *common\n"
        "  b:\n"
        "    <<: *common\n"
        "    environment:\n"
        "      <<: *env\n"
        "      OWN: b\n"
    )
    compose = parse_compose(text, "c.yml")
    assert compose.service("a").environment == (EnvVar("SHARED", "yes"),)
    assert compose.service("b").environment == (EnvVar("SHARED", "yes"), EnvVar("OWN", "b"))
    assert compose.service("b").image == "app:1.0"


def test_a_bind_mount_folder_or_file_from_the_disk(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "noext").write_text("a file without an extension\n")
    (tmp_path / "dir.json").mkdir()
    (tmp_path / "compose.yml").write_text(
        "services:\n  a:\n    image: x\n    volumes:\n"
        "      - ./conf.d:/etc/conf.d\n      - ./noext:/etc/noext\n      - ./dir.json:/etc/dir\n"
        "      - ./absent.conf:/etc/absent.conf\n      - ./absent/nginx.d:/etc/nginx.d\n"
    )
    volumes = load_compose(tmp_path / "compose.yml", environ={}).service("a").volumes
    assert [(v.kind, v.on_disk) for v in volumes] == [
        ("bind", "folder"),
        ("config", "file"),
        ("bind", "folder"),  # the disk wins over the extension
        ("config", None),  # not there: by its extension
        ("bind", None),  # .d is a folder by convention
    ]


def test_an_unset_bind_source_is_a_bind_mount_of_the_variable() -> None:
    compose = load_compose(CORPUS / "immich.yml", environ={})
    data = compose.service("immich-server").volumes[0]
    assert (data.target, data.kind, data.source, data.unset) == (
        "/data",
        "bind",
        "${UPLOAD_LOCATION}",
        ("UPLOAD_LOCATION",),
    )
    assert compose.service("immich-server").ports == (Port(2283, published="2283"),)


def _interpolated_values(value: object, where: str) -> list[str]:
    if isinstance(value, Interpolated):
        return [where]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            found
            for item in dataclasses.fields(value)
            if item.name != "written"
            for found in _interpolated_values(getattr(value, item.name), f"{where}.{item.name}")
        ]
    if isinstance(value, Mapping):
        return [found for key, item in value.items() for found in _interpolated_values(item, f"{where}[{key!r}]")]
    if isinstance(value, (list, tuple)):
        return [found for index, item in enumerate(value) for found in _interpolated_values(item, f"{where}[{index}]")]
    return []


@pytest.mark.parametrize("file", [*EVERY_FILE, READER / "compose.yml"], ids=lambda path: path.name)
def test_the_model_hands_out_plain_strings(file: Path) -> None:
    # Interpolated (a str subclass that remembers its raw text) stays inside the reader:
    # yaml.safe_dump, for one, refuses a str subclass.
    compose = load_compose(file, environ={})
    assert _interpolated_values(compose, file.name) == []
    assert compose.services[0].written  # the text as written is there, on purpose


# --------------------------------------------------------------------------------------------
# The Compose Specification schema.


def test_the_vendored_schema_is_the_one_its_readme_names() -> None:
    readme = (SCHEMA_PATH.parent / "README.md").read_text()
    digest = hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest()
    assert f"`{digest}`" in readme
    assert "`00655e2222608fa6eaecdf12ac5195889ca2244a`" in readme
    schema = json.loads(SCHEMA_PATH.read_text())
    assert schema["title"] == "Compose Specification"
    assert compose_schema()["$id"] == "compose_spec.json"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "services:\n  a:\n    image: x\n    ports:\n      - target: 80\n        published: [1]\n",
            "error: bad.yml:6: services.a.ports[0].published: [1] is not of type string or integer "
            "(Compose Specification)",
        ),
        (
            "services:\n  a:\n    image: x\n    restartt: always\n",
            "error: bad.yml:4: services.a.restartt: restartt: not a key the specification allows here; remove or "
            "rename it (Compose Specification)",
        ),
        (
            "services:\n  a:\n    image: x\n    mem_limit: {a: 1}\n",
            "error: bad.yml:4: services.a.mem_limit: {'a': 1} is not of type number or string (Compose Specification)",
        ),
        (
            "services:\n  a:\n    image: x\n    cap_add: [NET_ADMIN, NET_ADMIN]\n",
            "error: bad.yml:4: services.a.cap_add: has the same item twice; keep one (Compose Specification)",
        ),
        (
            "services:\n  a:\n    image: x\n    read_only: ${RO:-[1]}\n    cpus: ${CPUS:-1}\n    ulimits:\n"
            "      nofile: {soft: 1}\n",
            "error: bad.yml:7: services.a.ulimits.nofile: 'hard' is a required property (Compose Specification)",
        ),
    ],
)
def test_a_schema_violation_names_file_line_and_path(text: str, message: str) -> None:
    with pytest.raises(ComposeError) as error:
        parse_compose(text, "bad.yml")
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_validation_comes_after_interpolation() -> None:
    # retries: ${R:-3} is the string "3" after interpolation, which the specification allows; a
    # value that is only valid once interpolated (a port list item) passes too.
    text = "services:\n  a:\n    image: x\n    healthcheck:\n      test: [CMD, t]\n      retries: ${R:-3}\n"
    assert parse_compose(text, "c.yml").service("a").healthcheck == Healthcheck("CMD", ("t",), retries=3)


def test_a_violation_in_a_real_file_names_its_line() -> None:
    text = (CORPUS / "dify.yml").read_text()
    anchor = "  api:\n    image: langgenius/dify-api:1.13.3\n"
    assert anchor in text
    broken = text.replace(anchor, anchor + "    stop_grace_period: 10\n", 1)
    line = broken[: broken.index("stop_grace_period")].count("\n") + 1
    with pytest.raises(ComposeError) as error:
        parse_compose(broken, "dify.yml")
    assert str(error.value) == (
        f"error: dify.yml:{line}: services.api.stop_grace_period: 10 is not of type string (Compose Specification)"
    )
    assert not list(schema_violations({"services": {"api": {"image": "x", "stop_grace_period": "10s"}}}))


# --------------------------------------------------------------------------------------------
# The corpus, unmodified, through the command line.


@pytest.mark.parametrize("file", EVERY_FILE, ids=lambda path: path.name)
def test_every_corpus_file_loads_with_exit_0(file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["inspect", str(file)]
    if file.name == "airflow.yml":
        args += ["--env-file", str(CORPUS / "airflow.env")]
    assert compose_main(args) == 0
    err = capsys.readouterr().err
    assert all(line.startswith("note: ") for line in err.splitlines()), err


def test_dify_loads_without_edits() -> None:
    compose = load_compose(CORPUS / "dify.yml", environ={})
    assert len(compose.services) == 17
    mysql = compose.service("db_mysql")
    assert mysql.volumes == (Volume("/var/lib/mysql", "bind", "./volumes/mysql/data"),)
    assert not mysql.active and mysql.profiles == ("mysql",)
    plugin_daemon = compose.service("plugin_daemon")
    assert plugin_daemon.ports == (Port(5003, published="5003"),)
    assert compose.service("worker").healthcheck == Healthcheck("NONE")  # disable: ${...:-true}
    template = compose.service("api").env("ENDPOINT_URL_TEMPLATE")
    assert template is not None and template.value == "http://localhost/e/{hook_id}"
    assert [s.name for s in compose.services if not s.active] == [
        "db_postgres",
        "db_mysql",
        "certbot",
        "weaviate",
        "oceanbase",
        "seekdb",
        "pgvector",
    ]


def test_airflow_with_its_env_file_and_a_profile() -> None:
    plain = load_compose(CORPUS / "airflow.yml", environ={})
    assert plain.service("airflow-apiserver").image == "apache/airflow:|version|"  # the docs placeholder
    compose = load_compose(CORPUS / "airflow.yml", env_files=[CORPUS / "airflow.env"], environ={}, profiles=["flower"])
    assert compose.service("airflow-apiserver").image == "apache/airflow:3.1.3"
    assert compose.service("flower").active
    assert not compose.service("airflow-cli").active
    assert compose.env_files == (CORPUS / "airflow.env",)


def test_aipp_compose_inspect_takes_env_file_and_profile(tmp_path: Path) -> None:
    (tmp_path / "compose.yml").write_text(
        "services:\n  app:\n    image: example/app:${TAG}\n  extra:\n    image: example/extra:1.0\n"
        "    profiles: [extra]\n"
    )
    (tmp_path / "tag.env").write_text("TAG=9.9.9\n")
    result = CliRunner().invoke(
        aipp,
        [
            "compose",
            "inspect",
            str(tmp_path / "compose.yml"),
            "--env-file",
            str(tmp_path / "tag.env"),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "example/app:9.9.9" in result.output
    missing = CliRunner().invoke(aipp, ["compose", "inspect", str(tmp_path / "compose.yml")])
    assert missing.exit_code == 0
    assert "note: " in missing.stderr and "variable TAG is not set" in missing.stderr
    bad = CliRunner().invoke(
        aipp, ["compose", "inspect", str(tmp_path / "compose.yml"), "--env-file", str(tmp_path / "none.env")]
    )
    assert bad.exit_code == 2
    assert "--env-file" in bad.stderr and "no such file" in bad.stderr
