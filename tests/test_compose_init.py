"""``aipp compose init``: a port program from any Compose file of the corpus, synthesized and checked.

Acceptance 2 of issue 20, per corpus file, in a scratch folder: ``aipp compose init FILE -o
port.py``, ``python port.py`` synthesizes ``dist/``, ``aipp check dist`` reports 0 failed
(checkov and detect-secrets too when ``make tools`` installed them), and ``ruff check``,
``ruff format --check`` and ``mypy --strict port.py`` are clean, and ``aipp compose drift
FILE dist`` finds nothing that a ``# TODO(port):`` of the program does not name. The unit tests below read the
program's text: credentials never printed, creation order, the baseline chart, the TODOs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aipp_constructs.cli import aipp
from aipp_constructs.compose import __main__ as compose_main
from aipp_constructs.compose.init import TODO, format_program, pin_guess, render_port
from aipp_constructs.compose.model import load_compose, parse_compose

PROJECT = Path(__file__).resolve().parent.parent
CORPUS = PROJECT / "tests" / "compose" / "corpus"
BIN = Path(sys.executable).parent

#: (Compose file, --env-file or None, marks): the issue's corpus, and the hand-written fixtures.
CASES = [
    pytest.param(CORPUS / "dify.yml", None, id="dify"),
    pytest.param(CORPUS / "immich.yml", None, id="immich"),
    pytest.param(CORPUS / "airflow.yml", CORPUS / "airflow.env", id="airflow"),
    pytest.param(CORPUS / "mastodon.yml", None, id="mastodon"),
    pytest.param(PROJECT / "examples" / "langfuse" / "docker-compose.yml", None, id="langfuse"),
    pytest.param(PROJECT / "vendor" / "aipp" / "docker-compose.yml", None, id="aipp"),
    pytest.param(PROJECT / "tests" / "compose" / "forms.yml", None, id="forms"),
    pytest.param(PROJECT / "tests" / "compose" / "workloads.yml", None, id="workloads"),
    pytest.param(PROJECT / "tests" / "compose" / "credential-urls.yml", None, id="credential-urls"),
]


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, check=False, env={**os.environ, **env}, timeout=300
    )


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for every program: the library is analysed once."""
    return tmp_path_factory.mktemp("mypy-cache")


@pytest.mark.parametrize(("compose_file", "env_file"), CASES)
def test_init_writes_a_port_that_synthesizes_passes_aipp_check_ruff_and_mypy(
    compose_file: Path, env_file: Path | None, tmp_path: Path, mypy_cache: Path
) -> None:
    program = tmp_path / "port.py"
    args = [sys.executable, "-m", "aipp_constructs", "compose", "init", str(compose_file), "-o", str(program)]
    if env_file is not None:
        args += ["--env-file", str(env_file)]
    written = _run(args, tmp_path)
    assert written.returncode == 0, written.stderr
    assert f"wrote {program}" in written.stderr
    synth = _run([sys.executable, str(program)], tmp_path)
    assert synth.returncode == 0, synth.stderr[-3000:]
    assert list((tmp_path / "dist").glob("*.yaml")), "python port.py wrote no manifests into dist/"
    check = _run([sys.executable, "-m", "aipp_constructs", "check", "dist"], tmp_path)
    assert check.returncode == 0 and check.stdout.rstrip().endswith(", 0 failed"), check.stdout + check.stderr
    ruff = str(BIN / "ruff")
    lint = _run([ruff, "check", "--no-cache", "port.py"], tmp_path)
    assert lint.returncode == 0, lint.stdout
    layout = _run([ruff, "format", "--check", "--no-cache", "port.py"], tmp_path)
    assert layout.returncode == 0, layout.stdout
    mypy = [str(BIN / "mypy"), "--strict", "--cache-dir", str(mypy_cache), "port.py"]
    types = _run(mypy, tmp_path, MYPYPATH=str(PROJECT))
    assert types.returncode == 0, types.stdout
    drift = _run(
        [sys.executable, "-m", "aipp_constructs", "compose", "drift", "--format", "json", str(compose_file), "dist"],
        tmp_path,
    )
    assert drift.returncode in (0, 1), drift.stderr
    assert _unexplained(json.loads(drift.stdout)["findings"], program.read_text()) == []


def _unexplained(findings: list[dict[str, Any]], program: str) -> list[dict[str, Any]]:
    """The drift findings no ``# TODO(port):`` line of the program names: a TODO must name the
    finding's service and its item (the variable, port or path), when it has one."""
    todos = [line for line in program.splitlines() if TODO in line]
    return [
        finding
        for finding in findings
        if not any(
            finding["service"] in todo and (finding["kind"] == "service" or str(finding["item"]) in todo)
            for todo in todos
        )
    ]


# -- the program's text -------------------------------------------------------------------------

STACK = """\
services:
  web:
    image: example/web:2.1.0
    ports: ["8080:8080"]
    environment:
      DATABASE_URL: postgresql://app:pw-in-url-123@db_postgres:5432/app  # pragma: allowlist secret
      DB_HOST: db_postgres
      API_URL: http://api:5001/v1
      SECRET_KEY: literal-secret-value-xyz
      LOG_LEVEL: info
    depends_on: [db_postgres]
  db_postgres:
    image: postgres:15-alpine
    environment:
      POSTGRES_PASSWORD: pg-literal-pass-456
      POSTGRES_DB: app
    volumes: [pgdata:/var/lib/postgresql/data]
  cache:
    image: redis:7.4.1
    command: ["redis-server", "--requirepass", "redis-literal-789"]
  api:
    image: example/api:2.1.0
    expose: ["5001"]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:5001/health"]
      interval: 30s
      timeout: 5s
  sandbox:
    image: example/sandbox:0.2.14
    user: root
    cap_add: [SYS_CHROOT, NET_ADMIN]
    expose: ["8194"]
  migrate:
    image: example/api:2.1.0
    restart: "no"
volumes:
  pgdata: {}
"""


@pytest.fixture(scope="module")
def stack() -> str:
    return render_port(parse_compose(STACK, "/srv/shop/docker-compose.yml"))


def test_no_credential_value_of_the_compose_file_is_written(stack: str) -> None:
    for value in ("pw-in-url-123", "literal-secret-value-xyz", "pg-literal-pass-456", "redis-literal-789"):
        assert value not in stack
    assert '"SECRET_KEY": keys.key("secret-key")' in stack
    assert '"DATABASE_URL": keys.key("database-url")' in stack
    # the requirepass became a Vault key
    assert '"redis-password": "redis-password"' in stack  # pragma: allowlist secret
    assert '"LOG_LEVEL": "info"' in stack


def test_constructs_come_in_creation_order_with_presets_and_renamed_hosts(stack: str) -> None:
    # The inspector's creation order: what web calls (api) comes before it, depends_on first.
    assert stack.index("ac.PgvectorDb(") < stack.index('"Api",') < stack.index('"Web",')
    assert '"DB_HOST": "db-postgres"' in stack
    assert "depends_on=(db_postgres,)" in stack
    # web calls api: an edge, so the NetworkPolicies allow the call.
    assert "connects_to=(api,)" in stack
    assert 'ac.Probes.of(ac.HttpCheck(path="/health", port="http"), period_seconds=30, timeout_seconds=5)' in stack
    assert "ac.OneShotJob(" in stack and "ac.RedisCache(" in stack
    assert "wiring={}" in stack


def test_root_and_capabilities_get_a_baseline_chart_and_an_explicit_exception(stack: str) -> None:
    assert 'pod_security_level="baseline"' in stack
    sandbox = stack[stack.index("# sandbox") : stack.index("# migrate")]
    assert "box," in sandbox and "run_as_root=True" in sandbox
    assert 'add_capabilities=("SYS_CHROOT",)' in sandbox
    assert "NET_ADMIN is outside Pod Security baseline: left out" in sandbox
    assert f"{TODO} verify why sandbox needs this" in sandbox
    assert "return (chart, box)" in stack


def test_every_guess_carries_a_todo(stack: str) -> None:
    lines = stack.splitlines()
    guessed = ('"10Gi"', "postgres:15.0-alpine", "run_as_user=70")
    guesses = [i for i, line in enumerate(lines) if TODO not in line and any(g in line for g in guessed)]
    assert guesses
    for i in guesses:
        statement = lines[max(0, i - 8) : i]
        assert any(TODO in line for line in statement), lines[i]
    assert f"{TODO} postgres:15-alpine is a moving tag; postgres:15.0-alpine is a guess" in stack
    assert f'{TODO} the public domain of the Ingress hosts\nDOMAIN = "example.com"' in stack
    # The published port is routed; the controller is let through to it.
    assert 'ac.IngressRoute(host=f"web.{DOMAIN}", target=web, port="http")' in stack
    assert '"web": (ac.ExternalPeer(ports=(8080,), namespace="ingress-nginx"),)' in stack


@pytest.mark.parametrize(
    ("image", "guess"),
    [
        ("redis:7", "redis:7.0.0"),
        ("postgres:15-alpine", "postgres:15.0-alpine"),
        ("nginx:latest", "nginx:0.0.0"),
        ("certbot/certbot", "certbot/certbot:0.0.0"),
        ("mysql:8.0", "mysql:8.0.0"),
        ("redis:7.4.1", None),
        ("quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z", None),
    ],
)
def test_a_moving_tag_is_pinned_to_a_guess(image: str, guess: str | None) -> None:
    assert pin_guess(image) == guess


def test_init_refuses_to_overwrite_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(STACK)
    program = tmp_path / "port.py"
    program.write_text("# mine\n")
    assert compose_main.main(["init", str(compose), "-o", str(program)]) == 2
    assert capsys.readouterr().err.strip() == f"error: {program} exists; give another -o, or --force to replace it"
    assert program.read_text() == "# mine\n"
    result = CliRunner().invoke(aipp, ["compose", "init", str(compose), "-o", str(program), "--force"])
    assert result.exit_code == 0, result.output
    assert program.read_text().startswith(
        f'"""{tmp_path.name.lower().replace("_", "-")} on Kubernetes'
    )  # the folder's name


def test_a_malformed_file_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    compose = tmp_path / "compose.yml"
    compose.write_text("services:\n  web:\n    image: [1\n")
    assert compose_main.main(["init", str(compose), "-o", str(tmp_path / "port.py")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {compose}")
    assert not (tmp_path / "port.py").exists()


def test_without_ruff_the_program_is_written_unformatted_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda *_args, **_kwargs: None)
    text, note = format_program("x = 1\n", Path("port.py"))
    assert (text, note) == ("x = 1\n", "ruff is not installed: the program is not formatted")


PROFILES = """\
services:
  api:
    image: example/api:2.1.0
    expose: ["5001"]
    depends_on:
      cache: {condition: service_started}
      db: {condition: service_started, required: false}
  cache:
    image: example/cache:1.0.0
    expose: ["7000"]
    profiles: [cache]
  db:
    image: example/db:1.0.0
    expose: ["5432"]
    profiles: [db]
"""


def test_a_service_of_a_profile_is_left_out_unless_an_active_one_requires_it() -> None:
    text = render_port(parse_compose(PROFILES, "/srv/p/docker-compose.yml"))
    assert '"Cache",' in text and "cache is in the Compose profile cache, not selected" in text
    assert '"Db",' not in text
    assert f"{TODO} left out, in a Compose profile not selected: db (db)" in text


def test_net_bind_service_alone_is_an_exception_in_the_restricted_chart() -> None:
    compose = "services:\n  proxy:\n    image: example/proxy:1.2.3\n    cap_add: [NET_BIND_SERVICE]\n"
    text = render_port(parse_compose(compose, "/srv/p/docker-compose.yml"))
    assert 'add_capabilities=("NET_BIND_SERVICE",)' in text
    assert "pod_security_level" not in text and "box = " not in text


def test_a_credential_in_a_command_becomes_a_variable_kubernetes_expands() -> None:
    compose = """\
services:
  cache:
    image: example/keydb:6.3.4
    command: ["keydb-server", "--requirepass", "hunter2-literal", "--masterauth=other-literal-1"]
    expose: ["6379"]
"""
    text = render_port(parse_compose(compose, "/srv/p/docker-compose.yml"))
    assert "hunter2-literal" not in text and "other-literal-1" not in text
    assert '"$(REQUIREPASS)"' in text and '"--masterauth=$(MASTERAUTH)"' in text
    assert '"REQUIREPASS": keys.key("requirepass"),' in text


def test_a_call_to_a_service_created_later_is_a_connect_to_after_both_exist() -> None:
    compose = """\
services:
  daemon:
    image: example/daemon:1.0.0
    expose: ["5002"]
    environment:
      INNER_API_URL: http://api:5001
  api:
    image: example/api:1.0.0
    expose: ["5001"]
    depends_on: [daemon]
"""
    text = render_port(parse_compose(compose, "/srv/p/docker-compose.yml"))
    assert text.index('"Daemon",') < text.index('"Api",')
    assert "daemon.connect_to(api)  # it calls api, created after it" in text


# -- credential URLs to a service of the file (the tutorial's DATABASE_URL) ---------------------

TUTORIAL = PROJECT / "docs" / "tutorial" / "docker-compose.yml"


@pytest.mark.parametrize("with_env", [False, True], ids=["no-env-file", "env-file"])
def test_a_credential_url_to_a_service_becomes_a_template_of_its_facts(with_env: bool, tmp_path: Path) -> None:
    """``postgres://notes:${DB_PASSWORD}@db:5432/notes``: without a ``.env`` file Compose reads it
    with an empty password, with one it holds the password; both ways the port builds it from
    ``db``'s facts (no literal, not the key of the bare password), it synthesizes to variables
    of the Secret with no credential value, passes ``aipp check``, and drift finds nothing."""
    (tmp_path / "docker-compose.yml").write_text(TUTORIAL.read_text())
    passwords = {
        "DB_PASSWORD": "made-up-db-7341",  # pragma: allowlist secret
        "REDIS_PASSWORD": "made-up-r-5518",  # pragma: allowlist secret
    }
    if with_env:
        (tmp_path / ".env").write_text("".join(f"{name}={value}\n" for name, value in passwords.items()))
    cli = [sys.executable, "-m", "aipp_constructs"]
    written = _run([*cli, "compose", "init", "docker-compose.yml", "-o", "port.py"], tmp_path)
    assert written.returncode == 0, written.stderr
    program = (tmp_path / "port.py").read_text()
    flat = " ".join(program.split())
    assert (
        '"DATABASE_URL": ac.EnvTemplate( text="postgres://{username}:{password}@{host}:{port}/notes", '
        "values=db.endpoint.facts(), )" in flat
    )
    assert (
        '"REDIS_URL": ac.EnvTemplate( text="redis://:{password}@{host}:{port}/0", values=cache.endpoint.facts(), )'
        in flat
    )
    assert "notes:@db" not in program and ":@cache" not in program
    assert not any("DATABASE_URL" in line or "REDIS_URL" in line for line in program.splitlines() if TODO in line)
    assert '"CKV_K8S_35": "Compose passes DATABASE_URL, REDIS_URL as variables' in program
    synth = _run([sys.executable, "port.py"], tmp_path)
    assert synth.returncode == 0, synth.stderr[-3000:]
    manifests = (tmp_path / "dist" / "notes.k8s.yaml").read_text()
    assert "value: postgres://$(DATABASE_URL_USERNAME):$(DATABASE_URL_PASSWORD)@db:5432/notes" in manifests
    assert "value: redis://:$(REDIS_URL_PASSWORD)@cache:6379/0" in manifests
    for value in passwords.values():
        assert value not in program and value not in manifests
    check = _run([*cli, "check", "dist"], tmp_path)
    assert check.returncode == 0 and check.stdout.rstrip().endswith(", 0 failed"), check.stdout + check.stderr
    drift = _run([*cli, "compose", "drift", "docker-compose.yml", "dist"], tmp_path)
    assert drift.returncode == 0 and "0 findings" in drift.stdout, drift.stdout + drift.stderr


CREDENTIAL_URLS = PROJECT / "tests" / "compose" / "credential-urls.yml"


@pytest.mark.parametrize(
    ("variable", "why"),
    [
        ("OTHER_URL", "${OTHER_USER} is not a username db is given"),
        ("TWO_URL", "it names cache and db"),
        ("REGION_URL", "${REGION} has no value init may write"),
        ("JOB_URL", "migrate is not a service of this port with a port"),
        ("HOST_URL", "its host is a variable"),
        ("STRAY_URL", "${REGION} has no value init may write"),
    ],
)
def test_a_credential_url_init_cannot_map_is_a_todo_naming_it_and_a_key_of_its_own(variable: str, why: str) -> None:
    text = render_port(load_compose(CREDENTIAL_URLS))
    lines = text.splitlines()
    entry = next(index for index, line in enumerate(lines) if line.strip().startswith(f'"{variable}":'))
    assert lines[entry].strip() == f'"{variable}": keys.key("{variable.lower().replace("_", "-")}"),'
    assert lines[entry - 1].strip().startswith(f"{TODO} {variable} embeds a .env variable in a URL to ")
    assert f"cannot map ({why})" in lines[entry - 1]
    # A key of a template that could not be written is not asked of Vault.
    assert "stray-token" not in text


def test_a_credential_url_maps_facts_keys_defaults_and_the_other_namespace() -> None:
    text = " ".join(render_port(load_compose(CREDENTIAL_URLS)).split())
    # A preset's user, password and database are its facts, whatever the variables are called.
    assert (
        '"PG_URL": ac.EnvTemplate(text="postgres://{username}:{password}@{host}:{port}/{database}", '
        "values=db.endpoint.facts())," in text
    )
    # A workload's: its own secrets are the Vault keys of their variables (defaults never written),
    # an unset variable that is no secret is its default.
    assert (
        '"API_URL": ac.EnvTemplate(text="http://svc:{api_token}@{host}:{port}/v1?db=main&t={session_secret}", '
        'values={**api.required_endpoint.facts(), "api_token": keys.key("api-token"), '
        '"session_secret": keys.key("session-secret")}),' in text
    )
    assert "made-up-default" not in text and '"API_TOKEN": keys.key("api-token"),' in text
    # To a host outside the file: written out, the credential a Vault key.
    assert (
        '"EXT_URL": ac.EnvTemplate(text="postgres://app:{ext_password}@pg.example.com:5432/app", '
        'values={"ext_password": keys.key("ext-password")}),' in text
    )
    # Across the two namespaces, the facts as seen from the dependent's.
    assert 'values={**rooty.required_endpoint.facts(seen_from="credential-urls"),' in text
    assert 'values=db.endpoint.facts(seen_from="credential-urls-baseline")' in text
