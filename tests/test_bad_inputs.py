"""Bad input: every file of tests/bad_inputs/ is refused with exactly its expected line.

Each case is a whole environment file with one mistake (or, for the one-pass cases, a few
independent ones); its first lines are ``# expect: error: <a line make synth prints>``, one
per mistake, in the order printed (tests/bad_inputs/README.md). The
file is copied alone into a fresh folder as ``reference.yaml`` (the environment is named
after its file, so gitops defaults derive from that name), the folder is the working
directory (the file is shown as ``reference.yaml``, as ``make synth`` shows
``environments/<name>.yaml``), and ``main.synth_all`` runs with an output folder that
already holds a marker file. The refusal must be a :class:`ConfigError` whose lines, as
``main.main()`` prints them, are exactly the expected ones, and the output folder must be
byte-identical afterwards.

``PYTHONPATH=. .venv/bin/python tests/test_bad_inputs.py FILE...`` prints what each file
gives, for writing a new case.
"""

from __future__ import annotations

import contextlib
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

import main
from aipp_constructs import ConfigError, ConfigErrors
from aipp_constructs.aipp import load_environment
from aipp_constructs.core._config_loader import key_text, with_fix
from aipp_constructs.core._validation import check_cron

CASES_DIR = Path(__file__).resolve().parent / "bad_inputs"
CASES = sorted(CASES_DIR.glob("*.yaml"))
REFERENCE = Path(__file__).resolve().parent / "environments" / "reference.yaml"
_EXPECT = re.compile(rb"# expect: (error: [^\n]*)\n?")
_NAME = re.compile(r"[0-9]{2}-[A-Za-z0-9.-]+\.yaml")


def expected_lines(case: Path) -> list[str]:
    """The lines after ``# expect: `` on the first lines of ``case`` (read as bytes: one case is
    not UTF-8 on purpose)."""
    data, found = case.read_bytes(), []
    while match := _EXPECT.match(data):
        found.append(match.group(1).decode("utf-8"))
        data = data[match.end() :]
    assert found, f"{case.name}: the first line must be '# expect: error: <the expected line>'"
    return found


def expected_line(case: Path) -> str:
    """The one expected line of a one-mistake case."""
    (line,) = expected_lines(case)
    return line


def workspace(source: Path, workdir: Path) -> tuple[Path, Path]:
    """``source`` alone as ``workdir/environments/reference.yaml``, and the output folder
    ``workdir/dist`` holding a marker file."""
    envs, out = workdir / "environments", workdir / "dist"
    envs.mkdir(parents=True)
    out.mkdir()
    (envs / "reference.yaml").write_bytes(source.read_bytes())
    (out / "MARKER").write_text("left by the test\n")
    return envs, out


def refusal_lines(envs: Path, out: Path) -> list[str]:
    """The ``error:`` lines ``main.main()`` would print for the files of ``envs``; anything but
    a refusal (a synthesis, another exception) fails."""
    with pytest.raises(ConfigError) as info:
        main.synth_all(out, directory=envs)
    return [f"error: {problem}" for problem in main._errors_of(info.value)]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_bad_file_is_refused_with_its_expected_lines_and_dist_untouched(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = expected_lines(case)
    envs, out = workspace(case, tmp_path)
    monkeypatch.chdir(envs)  # the file is shown as reference.yaml
    before = _snapshot(out)
    assert refusal_lines(envs, out) == expected
    assert _snapshot(out) == before, "the refusal changed the output folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "environments"], "a staging folder was left"


def test_make_synth_prints_the_expected_line_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``main.main()`` (``make synth``) prints exactly the expected line on stderr, nothing else."""
    case = next(c for c in CASES if "env-wired-variable" in c.name)  # refused at the chart stage
    envs, out = workspace(case, tmp_path)
    monkeypatch.chdir(envs)
    monkeypatch.setattr(main, "ENVIRONMENTS_DIR", envs)
    monkeypatch.setenv("AIPP_OUTDIR", str(out))
    before = _snapshot(out)
    assert main.main() == 1
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", f"{expected_line(case)}\n")
    assert _snapshot(out) == before


def test_make_synth_reports_a_value_a_key_and_a_graph_mistake_in_one_run_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad quantity, a misspelt key and an unknown dependency: all three lines at once (the
    dependency used to come only once the other two were fixed), nothing else, exit status 1."""
    case = CASES_DIR / "86-three-mistakes-one-run.yaml"
    envs, out = workspace(case, tmp_path)
    monkeypatch.chdir(envs)
    monkeypatch.setattr(main, "ENVIRONMENTS_DIR", envs)
    monkeypatch.setenv("AIPP_OUTDIR", str(out))
    before = _snapshot(out)
    assert main.main() == 1
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == "" and lines == expected_lines(case)
    assert [line.split(": ")[2] for line in lines] == [
        "components.pgvector.storage_size",
        "components.enai-scheduler.replica",
        "components.enai-front.depends_on",
    ]
    assert _snapshot(out) == before


def test_there_are_at_least_30_cases_each_named_and_headed_as_the_readme_says() -> None:
    assert len(CASES) >= 30
    for case in CASES:
        assert _NAME.fullmatch(case.name), f"{case.name}: name it NN-slug.yaml"
        expected_lines(case)
    numbers = [case.name[:2] for case in CASES]
    assert len(set(numbers)) == len(numbers), "two cases share a number"


def test_the_comment_stripped_reference_synthesizes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The base every case starts from is valid, so each case fails only because of its mistake."""
    lines = [
        re.sub(r"\s+#\s.*$", "", line)
        for line in REFERENCE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    envs, out = tmp_path / "environments", tmp_path / "dist"
    envs.mkdir()
    (envs / "reference.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.chdir(envs)
    assert main.synth_all(out, directory=envs) == ["reference"]
    assert (out / "reference" / main.MANIFEST_FILE).is_file()


def test_a_case_with_a_wrong_expectation_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison is exact: one character off is a failure, and so is a file that synthesizes."""
    wrong = tmp_path / "wrong.yaml"
    wrong.write_bytes(CASES[0].read_bytes().replace(b"# expect: error: ", b"# expect: error: x", 1))
    envs, out = workspace(wrong, tmp_path / "wrong")
    monkeypatch.chdir(envs)
    assert refusal_lines(envs, out) != [expected_line(wrong)]
    envs, out = workspace(REFERENCE, tmp_path / "valid")
    monkeypatch.chdir(envs)
    with pytest.raises(pytest.fail.Exception):
        refusal_lines(envs, out)


# -- unit tests of the library fixes the cases and the fuzzer (test_config_fuzz.py) asked for --------


def _refused(tmp_path: Path, text: str | bytes) -> list[ConfigError]:
    path = tmp_path / "x.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(ConfigErrors) as info:
        load_environment(path, display="x.yaml")
    return list(info.value.errors)


def _base() -> dict[str, Any]:
    data = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _with(tmp_path: Path, field: str, value: Any) -> list[ConfigError]:
    """The reference with ``field`` (dotted, component keys included) set to ``value``, loaded."""
    data = _base()
    *parents, last = field.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return _refused(tmp_path, yaml.safe_dump(data, sort_keys=False))


def test_a_character_yaml_refuses_is_a_located_error_not_a_traceback(tmp_path: Path) -> None:
    # PyYAML raised its ReaderError while building the loader, outside the error handling.
    (err,) = _refused(tmp_path, "namespace: aipp\nstorage_class: long\x07horn\n")
    assert (err.line, err.path) == (2, "")
    assert err.problem.startswith("is not valid YAML at line 2, column 20: the character 0x0007 is not allowed")
    assert "; remove it" in err.problem


@pytest.mark.parametrize("character", ["\x85", "\u2028", "\u2029", "\r"])
def test_a_line_break_only_yaml_counts_is_refused_so_line_numbers_stay_right(tmp_path: Path, character: str) -> None:
    # Found by the fuzzer: YAML counts U+0085 (NEL) as a new line, so every later error was
    # reported a line too far down.
    (err,) = _refused(tmp_path, f"namespace: aipp\nstorage_class: 'long{character}horn'\nregistry: {{}}\n")
    assert (err.line, err.path) == (2, "")
    assert err.problem.startswith(
        f"is not valid YAML at line 2, column 21: the character {ord(character):#06x} is a line break"
    )


def test_windows_line_ends_are_fine(tmp_path: Path) -> None:
    errors = _refused(tmp_path, "namespace: aipp\r\nstorage_class: 42\r\n")
    assert all("line break" not in e.problem for e in errors)


def test_a_file_that_is_not_utf8_is_a_located_error(tmp_path: Path) -> None:
    (err,) = _refused(tmp_path, b"namespace: aipp\nstorage_class: caf\xe9\n")
    assert err.line == 2
    assert err.problem == (
        "is not valid YAML at line 2, column 19: byte 0xe9 is not UTF-8; "
        "save the file as UTF-8 (YAML files are UTF-8 text)"
    )


def test_a_control_character_in_a_string_is_refused_at_its_field(tmp_path: Path) -> None:
    # A YAML escape gets it past the reader; the manifests would then not be readable YAML.
    errors = _with(tmp_path, "gitops.revision", "main\x80")
    assert [(e.path, e.problem) for e in errors] == [
        ("gitops.revision", "must not contain the control character U+0080, got 'main\\x80'; remove it")
    ]
    # Tabs and line ends are text, as in a config file.
    data = _base()
    data["components"]["enai-front"]["config_files"] = {"a.conf": "x\n\ty\r\n"}
    (tmp_path / "ok.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    load_environment(tmp_path / "ok.yaml")


def test_a_strange_key_is_shown_quoted_on_one_line_at_its_own_line(tmp_path: Path) -> None:
    text = REFERENCE.read_text(encoding="utf-8") + "'': 1\n\"a\\nb\": 2\n"
    errors = _refused(tmp_path, text)
    last = text.count("\n")
    assert [(e.path, e.line) for e in errors] == [("''", last - 1), ("'a\\nb'", last)]
    assert all("\n" not in str(e) for e in errors)
    assert key_text("enai-front") == "enai-front" and key_text("../x") == "'../x'" and key_text(3) == "3"


def test_a_check_names_the_key_inside_the_value_it_checks(tmp_path: Path) -> None:
    errors = _with(tmp_path, "monitoring.service_monitor_labels", {"release": "a b"})
    assert [e.path for e in errors] == ["monitoring.service_monitor_labels.release"]
    errors = _with(tmp_path, "network.egress", {"enai-linker": [{"cidr": "10.0.0.0/8", "ports": [443, 0]}]})
    assert [e.path for e in errors] == ["network.egress.enai-linker[0].ports[1]"]
    errors = _with(tmp_path, "ingress.rabbitmq_management_host", "aipp.dev.unifiedmeta.net")
    assert [e.path for e in errors] == ["ingress.rabbitmq_management_host"]


def test_a_semicolon_inside_the_bad_value_is_not_taken_for_advice() -> None:
    message = "x must be a DNS-1123 label, got 'a;b'"
    assert with_fix(message, "a;b").startswith(f"{message}; write e.g. ")
    assert with_fix("x must be an integer from 0 to 100, got 101", 101).endswith("; write a whole number from 0 to 100")
    assert with_fix("x is wrong, got 'a'; write b", "a") == "x is wrong, got 'a'; write b"


@pytest.mark.parametrize(
    ("field", "value", "path", "start"),
    [
        ("registry.host", "harbor..example.com", "registry.host", "must be a registry host name"),
        ("registry.host", "harbor.example.com:0", "registry.host", "must be a registry host name"),
        ("backups.backup.cron", "0 25 * * *", "backups.backup.cron", "has an invalid hour field '25'"),
        ("backups.pg_dump.schedule", "a b c d e", "backups.pg_dump.schedule", "has an invalid minute field 'a'"),
        ("backups.snapshot.retain", 101, "backups.snapshot.retain", "must be an integer from 1 to 100"),
        ("backups.pg_dump.retention_days", 0, "backups.pg_dump.retention_days", "must be an integer from 1 to 365"),
        ("wait.interval_seconds", 0, "wait.interval_seconds", "must be an integer from 1 to 3600"),
        ("pod_security_version", "v1", "pod_security_version", "must be 'latest' or a version like 'v1.27'"),
        ("secrets.refresh_interval", "1d", "secrets.refresh_interval", "must be a duration of hours, minutes"),
        ("telemetry.endpoint", "http://collector:99999", "telemetry.endpoint", "must be an http(s) URL"),
        ("gitops.repo_url", "gitlab.example.com/x", "gitops.repo_url", "must be a git URL"),
        ("gitops.revision", "a b", "gitops.revision", "must be a branch, tag or commit"),
        ("ingress.external_dns_prefix", "external-dns", "ingress.external_dns_prefix", "must be an annotation prefix"),
        ("ingress.annotations", {"a b": "x"}, "ingress.annotations.'a b'", "is not an annotation key"),
        ("ingress.routes", [], "ingress.routes", "must list at least one route"),
        ("ingress.routes", [{"service": "enai-front"}] * 2, "ingress.routes[1].path", "repeats the path"),
        ("ingress.controller_pod_labels", {"a": "-x"}, "ingress.controller_pod_labels.a", "must be a label value"),
        ("network.dns_pod_labels", {"a b": "x"}, "network.dns_pod_labels.'a b'", "is not a label key"),
        ("network.egress", {"enai-linker": [{"ports": [443]}]}, "network.egress.enai-linker[0]", "needs exactly one"),
        ("components.pgvector.database", "My-DB", "components.pgvector.database", "must be a lowercase SQL identifier"),
        ("components.enai-linker.gpu_count", 0, "components.enai-linker.gpu_count", "must be an integer from 1 to 16"),
        ("components.enai-linker.node_selector", {"gpu": ""}, None, None),  # an empty label value is valid
        ("components.enai-front.env", {"A-B": "x"}, "components.enai-front.env.A-B", "is not a variable name"),
        ("components.enai-front.env", {"Ab": "1", "AB": "2"}, "components.enai-front.env.AB", "differs from the"),
        (
            "components.enai-front.config_files",
            {"..": "x"},
            "components.enai-front.config_files.'..'",
            "must be a file",
        ),
        ("images.redis.repository", "library/Redis", "images.redis.repository", "has an invalid repository path"),
        ("images.rabbitmq.tag", "3.11.28", "images.rabbitmq.tag", "is RabbitMQ 3.11"),
    ],
)
def test_a_value_the_constructs_would_refuse_is_refused_while_reading(
    tmp_path: Path, field: str, value: Any, path: str | None, start: str | None
) -> None:
    if path is None:
        data = _base()
        data["components"]["enai-linker"]["node_selector"] = value
        file = tmp_path / "ok.yaml"
        file.write_text(yaml.safe_dump(data, sort_keys=False))
        load_environment(file)
        return
    (err,) = _with(tmp_path, field, value)
    assert (err.path, err.problem[: len(start or "")]) == (path, start)
    assert err.line is not None and "; " in err.problem


def _accepts(check: Any, value: Any) -> bool:
    try:
        check(value)
    except ValueError:
        return False
    return True


def _matching(pattern: re.Pattern[str]) -> Any:
    def check(value: str) -> None:
        if not pattern.fullmatch(value):
            raise ValueError(value)

    return check


def test_each_rule_checked_while_reading_refuses_what_its_construct_refuses() -> None:
    """The parser repeats some construct rules (so that every mistake of a file is reported at its
    key, at once): whatever the construct refuses, the parser refuses too."""
    from aipp_constructs.aipp import config
    from aipp_constructs.core.startup_wait import WaitPolicy
    from aipp_constructs.core.telemetry import Telemetry
    from aipp_constructs.platform import longhorn_recurring_jobs, tls_ingress
    from aipp_constructs.platform.external_secret import VaultSecretProps
    from aipp_constructs.platform.gitops_application import GitOpsApplicationProps
    from aipp_constructs.platform.namespace import RestrictedNamespaceProps
    from aipp_constructs.platform.network_policies import ExternalPeer
    from aipp_constructs.presets import pgvector_db, rabbit_mq
    from aipp_constructs.presets.spring_service import SpringServiceProps
    from aipp_constructs.workloads import workload

    def wait(v: int) -> None:
        WaitPolicy(image="library/busybox:1.37.0", attempts=v)

    def cron(v: str) -> None:
        longhorn_recurring_jobs.RecurringJobSpec(name="snap", task="snapshot", cron=v, retain=1)

    pairs: list[tuple[Any, Any, list[Any]]] = [
        (lambda v: config._check_range(1, 3600, "")("f", v), wait, [-1, 0, 1, 5, 3600, 3601]),
        (lambda v: check_cron("f", v), cron, ["0 3 * * *", "0 25 * * *", "*/5 * * * MON-FRI", "* * * *", "0  3 * * *"]),
        (
            lambda v: config._check_pod_security_version("f", v),
            lambda v: RestrictedNamespaceProps(name="a", pod_security_version=v),
            ["v1.27", "latest", "1.27", "v1", "v1.x", "", "v1.27 "],
        ),
        (
            lambda v: config._check_refresh_interval("f", v),
            lambda v: VaultSecretProps(
                name="a", store_name="s", remote_key="secret/a", keys={"a": "a"}, refresh_interval=v
            ),
            ["1h", "30m", "1h30m10s", "", "hourly", "1d", "10s", "m"],
        ),
        (
            lambda v: config._check_otlp_endpoint("f", v),
            lambda v: Telemetry(endpoint=v),
            ["http://c.o.svc:4318", "https://c", "c:4318", "http://c:4318/v1", "http://c:4318 x", "ftp://c"],
        ),
        (
            lambda v: config._check_git_url("f", v),
            lambda v: GitOpsApplicationProps(name="a", repo_url=v, path="dist/a", destination_namespace="a"),
            ["https://g/x.git", "ssh://g/x", "git@g:x.git", "g/x", "https://", "https://g x"],
        ),
        (
            lambda v: config._check_revision("f", v),
            lambda v: GitOpsApplicationProps(
                name="a", repo_url="https://g/x", revision=v, path="d", destination_namespace="a"
            ),
            ["main", "", "a b", "v1.0.0"],
        ),
        (
            lambda v: config._check_cidr("f", v),
            lambda v: ExternalPeer(cidr=v, ports=(443,)),
            ["10.0.0.0/8", "10.0.0.1/8", "10.0.0.0/33", "::/0", "x", "10.0.0.0"],
        ),
        (lambda v: config._check_url_path("f", v), _matching(tls_ingress._PATH), ["/", "/api", "api", "/a b", "/é"]),
        (lambda v: config._check_dns_prefix("f", v), _matching(tls_ingress._PREFIX), ["a.io/", "a", "A.io/", "-a/"]),
        (
            lambda v: config._check_database("f", v),
            _matching(pgvector_db._IDENTIFIER),
            ["aipp", "a_b", "A", "1a", "a-b"],
        ),
        (lambda v: config._check_config_files("f", {v: ""}), _matching(workload._FILE_NAME), ["a.yaml", "a/b", "a b"]),
        (
            lambda v: config.SpringConfig.model_validate({"replicas": v}),
            lambda v: SpringServiceProps(name="a", image="library/busybox:1.37.0", replicas=v),
            [-1, 0, 1, 100, 101, 100000],
        ),
        (
            lambda v: config.SpringConfig.model_validate({"startup_timeout_seconds": v}),
            lambda v: SpringServiceProps(name="a", image="library/busybox:1.37.0", startup_timeout_seconds=v),
            [-600, 0, 9, 10, 600, 7200, 7201],
        ),
    ]
    for parser_rule, construct_rule, samples in pairs:
        for value in samples:
            if not _accepts(construct_rule, value):
                assert not _accepts(parser_rule, value), f"the parser accepts {value!r}, which its construct refuses"
    assert config._RABBITMQ_OLDEST == rabbit_mq._OLDEST


def test_a_chart_stage_error_is_moved_to_the_field_its_message_names_with_a_line_and_advice(tmp_path: Path) -> None:
    source = tmp_path / "x.yaml"
    source.write_text(REFERENCE.read_text(encoding="utf-8"))
    text = source.read_text()
    (err,) = main._located(
        ConfigError("x.yaml", "(chart)", "refresh_interval must be a duration, got 'x'"), source
    ).errors
    assert (err.path, err.line) == ("secrets.refresh_interval", text.splitlines().index("  refresh_interval: 1h") + 1)
    assert err.problem == "must be a duration, got 'x'; see docs/environment-files.md"
    (err,) = main._located(ConfigError("x.yaml", "gitops", "repo_url must be a git URL, got 'x'"), source).errors
    assert err.path == "gitops.repo_url" and err.line == text.splitlines().index("gitops:") + 2
    # A message naming no field of the file stays where it was, with the line of that field.
    (err,) = main._located(
        ConfigError("x.yaml", "ingress", "port must be a named port of a (http), got 'b'"), source
    ).errors
    assert (err.path, err.line) == ("ingress", text.splitlines().index("ingress:") + 1)
    assert err.problem.endswith("got 'b'; see docs/environment-files.md")


if __name__ == "__main__":
    # Print what each given file gives, to write its '# expect:' line.
    for name in sys.argv[1:]:
        with tempfile.TemporaryDirectory() as tmp:
            envs, out = workspace(Path(name).resolve(), Path(tmp))
            with contextlib.chdir(envs):
                try:
                    found = refusal_lines(envs, out)
                except BaseException as err:  # noqa: BLE001 - a synthesis (pytest.fail) or a traceback
                    found = [f"not refused: {type(err).__name__}: {err}"]
        print(f"{name}:", *found, sep="\n  ")
