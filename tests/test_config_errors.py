"""A refused environment file: every mistake is reported, one line each, with its line number and fix."""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from aipp_constructs import ConfigError, ConfigErrors
from aipp_constructs.aipp import load_environment
from aipp_constructs.core._config_loader import locate

# The frozen fixture (a copy of dev-meta): routine edits of environments/ never break these tests.
DEV_META = Path(__file__).resolve().parent / "environments" / "reference.yaml"


def _dev_meta() -> dict[str, Any]:
    data = yaml.safe_load(DEV_META.read_text())
    assert isinstance(data, dict)
    return data


def _write(tmp_path: Path, data: dict[str, Any] | str, name: str = "dev-meta.yaml") -> tuple[Path, str]:
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
    path = tmp_path / name
    path.write_text(text)
    return path, text


def _line(text: str, *patterns: str) -> int:
    """1-based line of the last pattern, each searched (as a regex) after the previous one's line."""
    lines = text.splitlines()
    start = 0
    for pattern in patterns:
        start = next(i for i in range(start, len(lines)) if re.search(pattern, lines[i])) + 1
    return start


def _refused(path: Path) -> ConfigErrors:
    with pytest.raises(ConfigErrors) as info:
        load_environment(path, display="x.yaml")
    return info.value


def test_two_mistakes_give_exactly_two_errors_with_line_path_and_fix(tmp_path: Path) -> None:
    data = _dev_meta()
    backend = data["components"]["enai-backend"]
    backend["replica"] = backend.pop("replicas", 2)
    data["components"]["pgvector"]["storage_size"] = "10GB"
    path, text = _write(tmp_path, data)

    err = _refused(path)

    size_line = _line(text, r"^components:", r"^  pgvector:", r"^    storage_size: 10GB")
    typo_line = _line(text, r"^components:", r"^  enai-backend:", r"^    replica:")
    assert [(e.path, e.line) for e in err.errors] == [
        ("components.pgvector.storage_size", size_line),
        ("components.enai-backend.replica", typo_line),
    ]
    size, typo = err.errors
    assert "got '10GB'; write e.g. '10Gi'" in size.problem
    assert typo.problem.startswith("is not a known key; did you mean 'replicas'? allowed here: ")
    assert str(err).splitlines() == [
        f"x.yaml:{size_line}: components.pgvector.storage_size: {size.problem}",
        f"x.yaml:{typo_line}: components.enai-backend.replica: {typo.problem}",
    ]
    # The aggregate reads as its first error, and is still a ConfigError (a ValueError).
    assert isinstance(err, ConfigError) and isinstance(err, ValueError)
    assert (err.file, err.path, err.problem, err.line) == ("x.yaml", size.path, size.problem, size_line)


def test_many_mistakes_are_all_reported_in_line_order_each_with_a_fix(tmp_path: Path) -> None:
    data = _dev_meta()
    data["pod_security_version"] = 1.27
    data["telemetry"]["mode"] = "evn"
    del data["secrets"]["store"]
    data["network"]["dns_namespace"] = "Kube_System"
    data["ingress"]["routes"] = [{"path": "/", "service": "enai-frnt"}, {"path": "api", "service": "enai-backend"}]
    data["components"]["enai-front"]["replicas"] = "2"
    data["components"]["enai-front"]["depends_on"] = "enai-backend"
    path, _ = _write(tmp_path, data)

    err = _refused(path)

    lines = [e.line for e in err.errors]
    assert all(isinstance(n, int) for n in lines)
    assert lines == sorted(n or 0 for n in lines)
    problems = {e.path: e.problem for e in err.errors}
    assert problems == {
        "pod_security_version": 'must be a string (quote it in YAML), got 1.27; write "1.27"',
        "secrets.store": problems["secrets.store"],
        "telemetry.mode": "must be one of 'env', 'operator', 'off', got 'evn'; did you mean 'env'?",
        "network.dns_namespace": problems["network.dns_namespace"],
        "ingress.routes[0].service": problems["ingress.routes[0].service"],
        "ingress.routes[1].path": problems["ingress.routes[1].path"],
        "components.enai-front.replicas": "must be an integer, got '2'; write 2 without quotes",
        "components.enai-front.depends_on": "must be a list, got 'enai-backend'; write [enai-backend]",
    }
    assert problems["secrets.store"].startswith("is required; add 'store:' under 'secrets' (")
    assert problems["network.dns_namespace"].endswith("got 'Kube_System'; write e.g. 'kube-system'")
    assert "got 'enai-frnt'; did you mean 'enai-front'? known: " in problems["ingress.routes[0].service"]
    # Every message says what to write: "<problem>, got <value>; <what to write>".
    for e in err.errors:
        assert "; " in e.problem, e


def test_unknown_key_without_a_close_match_lists_the_allowed_keys(tmp_path: Path) -> None:
    data = _dev_meta()
    data["components"]["redis"]["zzz"] = 1
    err = _refused(_write(tmp_path, data)[0])
    (only,) = err.errors
    assert only.path == "components.redis.zzz"
    assert only.problem == "is not a known key; allowed here: resources, storage_size"


def test_a_wrong_value_is_reported_once_and_checks_that_read_it_are_skipped(tmp_path: Path) -> None:
    data = _dev_meta()
    # A wrong type inside resources: the limit-below-request rule of resources is not run.
    resources = data["components"]["pgvector"]["resources"]
    resources["memory_request"] = "64Gi"
    resources["cpu_limit"] = 2
    # A wrong `enabled`: the image-row check, which needs to know what is enabled, is skipped.
    data["components"]["enai-linker"]["enabled"] = "no"
    del data["images"]["enai-linker"]
    err = _refused(_write(tmp_path, data)[0])
    assert [e.path for e in err.errors] == [
        "components.pgvector.resources.cpu_limit",
        "components.enai-linker.enabled",
    ]


def test_a_misspelt_image_row_is_one_mistake(tmp_path: Path) -> None:
    data = _dev_meta()
    data["images"]["rabbitmg"] = data["images"].pop("rabbitmq")
    path, text = _write(tmp_path, data)
    (only,) = _refused(path).errors
    assert only.path == "images.rabbitmg"
    assert only.line == _line(text, r"^images:", r"^  rabbitmg:")
    assert only.problem.startswith("is not a component; did you mean 'rabbitmq'? known: ")


def test_missing_required_key_is_reported_at_its_parent_key(tmp_path: Path) -> None:
    data = _dev_meta()
    del data["secrets"]["store"]
    del data["gitops"]
    path, text = _write(tmp_path, data)
    err = _refused(path)
    assert [(e.path, e.line) for e in err.errors] == [("gitops", 1), ("secrets.store", _line(text, r"^secrets:"))]
    secrets = _line(text, r"^secrets:")
    assert str(err.errors[1]).startswith(f"x.yaml:{secrets}: secrets.store: is required; add 'store:'")
    assert "add 'gitops:' at the top level" in err.errors[0].problem


def test_yaml_syntax_error_keeps_its_line(tmp_path: Path) -> None:
    path, _ = _write(tmp_path, "namespace: aipp\nstorage_class: longhorn\n  bad: indent\n")
    (only,) = _refused(path).errors
    assert only.line == 3 and only.path == ""
    assert str(only).startswith("x.yaml:3: is not valid YAML at line 3, column")


def test_duplicate_keys_keep_their_lines(tmp_path: Path) -> None:
    text = "namespace: aipp\nsecrets:\n  store: a\n  store: b\nnamespace: other\n"
    err = _refused(_write(tmp_path, text)[0])
    assert [(e.line, e.path) for e in err.errors] == [(4, ""), (5, "")]
    assert str(err).splitlines() == [
        "x.yaml:4: duplicate key 'store' (first at line 3); keep only one of them",
        "x.yaml:5: duplicate key 'namespace' (first at line 1); keep only one of them",
    ]


def test_list_items_are_located_at_the_item(tmp_path: Path) -> None:
    data = _dev_meta()
    data["ingress"]["routes"] = [
        {"path": "/", "service": "enai-front"},
        {"path": "/api", "service": "enai-bakend"},
        "enai-front",
        {"path": "/x"},
    ]
    path, text = _write(tmp_path, data)
    err = _refused(path)
    routes = _line(text, r"^ingress:", r"^  routes:")
    assert [(e.path, e.line) for e in err.errors] == [
        ("ingress.routes[1].service", _line(text, r"^  routes:", r"- path: /api", r"service: enai-bakend")),
        ("ingress.routes[2]", _line(text, r"^  routes:", r"^  - enai-front")),
        ("ingress.routes[3].service", _line(text, r"^  routes:", r"^  - path: /x")),
    ]
    assert all(e.line is not None and e.line > routes for e in err.errors)
    assert err.errors[1].problem.startswith("must be a mapping, got 'enai-front'; ")
    assert err.errors[2].problem.startswith("is required; add 'service:' under 'ingress.routes[3]'")


def test_flow_list_items_share_the_item_line(tmp_path: Path) -> None:
    text = DEV_META.read_text()
    route = re.search(r"^    - \{path: /, service: enai-front\}$", text, re.MULTILINE)
    assert route, "dev-meta.yaml has its route as a flow mapping"
    bad = text.replace(route.group(0), "    - {path: /, service: enai-frnt}", 1)
    (only,) = _refused(_write(tmp_path, bad)[0]).errors
    assert only.path == "ingress.routes[0].service"
    assert only.line == text[: route.start()].count("\n") + 1


def test_locate_finds_the_deepest_existing_node(tmp_path: Path) -> None:
    text = (
        "a:\n"  # 1
        "  b:\n"  # 2
        "    - x: 1\n"  # 3
        "      y: 2\n"  # 4
        "    - {x: 3}\n"  # 5
        "  labels:\n"  # 6
        "    app.kubernetes.io/name: q\n"  # 7
    )
    assert locate(text, "a") == 1
    assert locate(text, "a.b") == 2
    assert locate(text, "a.b[0]") == 3
    assert locate(text, "a.b[0].y") == 4
    assert locate(text, "a.b[1].x") == 5
    assert locate(text, "a.labels.app.kubernetes.io/name") == 7  # a key with dots
    assert locate(text, "a.b[7].x") == 2  # no such item: its list
    assert locate(text, "a.missing.deeper") == 1  # no such key: its parent
    assert locate(text, "nothing") == 1  # not even the first key: the top of the file
    assert locate(text, "(chart)") == 1
    path, _ = _write(tmp_path, text, "f.yaml")
    assert locate(path, "a.b[0].y") == 4
    assert locate(str(path), "a.b[0].y") == 4
    assert locate(tmp_path / "missing.yaml", "a") is None
    assert locate(str(tmp_path / "missing.yaml"), "a") is None
    assert locate("a: [b\n", "a") is None  # not YAML
    assert locate(DEV_META, "components.enai-backend.replicas") == _line(
        DEV_META.read_text(), r"^components:", r"^  enai-backend:", r"^    replicas:"
    )


def test_gitops_path_must_be_the_environment_folder(tmp_path: Path) -> None:
    data = _dev_meta()
    data["gitops"]["path"] = "dist/other"
    path, text = _write(tmp_path, data)
    (only,) = _refused(path).errors
    assert str(only) == (
        f"x.yaml:{_line(text, r'^gitops:', r'^  path:')}: gitops.path: must be 'dist/dev-meta' (the folder this "
        "environment synthesizes to), got 'dist/other'; remove the key (it defaults to dist/dev-meta)"
    )
    data["gitops"]["path"] = "dist/dev-meta"
    env = load_environment(_write(tmp_path, data)[0])
    assert env.gitops.path == "dist/dev-meta" and env.gitops_path == "dist/dev-meta"


def test_gitops_defaults_follow_the_environment(tmp_path: Path) -> None:
    data = _dev_meta()
    data["namespace"] = "aipp-staging"
    data["gitops"].pop("path", None)
    data["gitops"].pop("application_name", None)
    env = load_environment(_write(tmp_path, data, "staging.yaml")[0])
    assert env.gitops.path is None and env.gitops.application_name is None
    assert env.gitops_path == "dist/staging"
    assert env.application_name == "aipp-staging"  # defaults to the namespace

    data["gitops"]["application_name"] = "aipp-stage"
    env = load_environment(_write(tmp_path, data, "staging.yaml")[0])
    assert env.application_name == "aipp-stage"

    data["gitops"]["application_name"] = "Aipp_Stage"
    (only,) = _refused(_write(tmp_path, data, "staging.yaml")[0]).errors
    assert only.path == "gitops.application_name"
    assert only.problem.endswith("got 'Aipp_Stage'; write e.g. 'aipp-stage'")


def test_environment_name_errors_point_at_the_file_name(tmp_path: Path) -> None:
    data = _dev_meta()
    data["name"] = "other"
    path, text = _write(tmp_path, data, "Dev_Meta.yaml")
    err = _refused(path)
    assert [(e.path, e.line) for e in err.errors] == [("name", None), ("name", _line(text, r"^name:"))]
    assert str(err.errors[0]).startswith("x.yaml: name: must be a DNS-1123 label")
    assert "write e.g. 'dev-meta'" in err.errors[0].problem
    assert err.errors[1].problem.startswith("is not a known key; the environment is named after its file; remove")


def test_config_error_formats() -> None:
    assert str(ConfigError("f.yaml", "a.b", "is wrong", line=3)) == "f.yaml:3: a.b: is wrong"
    assert str(ConfigError("f.yaml", "a.b", "is wrong")) == "f.yaml: a.b: is wrong"
    assert str(ConfigError("f.yaml", "", "is empty", line=1)) == "f.yaml:1: is empty"
    assert str(ConfigError("f.yaml", "", "is  not\n one line")) == "f.yaml: is not one line"
    first, second = ConfigError("f.yaml", "a", "x; y", line=2), ConfigError("g.yaml", "b", "z; w")
    both = ConfigErrors([first, ConfigErrors([second])])  # nested aggregates are flattened
    assert both.errors == (first, second)
    assert str(both) == "f.yaml:2: a: x; y\ng.yaml: b: z; w"
    assert (both.file, both.path, both.problem, both.line) == ("f.yaml", "a", "x; y", 2)
    copy = pickle.loads(pickle.dumps(both))
    assert str(copy) == str(both) and copy.errors[0].line == 2
    with pytest.raises(ValueError, match="at least one"):
        ConfigErrors([])


# -- one pass: graph mistakes beside field mistakes, known lists, collisions -------------------------


def _problems(path: Path) -> list[tuple[str, str]]:
    return [(e.path, e.problem) for e in _refused(path).errors]


def test_an_unknown_dependency_is_reported_with_the_field_mistakes_of_the_same_component(tmp_path: Path) -> None:
    data = _dev_meta()
    front = data["components"]["enai-front"]
    front["depends_on"] = ["enai-backend", "elasticsearch"]
    front["replica"] = front.pop("replicas")  # a field mistake in the component whose edge is wrong
    data["components"]["pgvector"]["storage_size"] = "10GB"
    path, text = _write(tmp_path, data)
    err = _refused(path)
    assert [e.path for e in err.errors] == [
        "components.pgvector.storage_size",
        "components.enai-front.depends_on",
        "components.enai-front.replica",
    ]
    depends = err.errors[1]
    assert depends.line == _line(text, r"^components:", r"^  enai-front:", r"^    depends_on:")
    assert depends.problem.startswith("enai-front names 'elasticsearch' in depends_on, which is not a component; ")


def test_every_graph_mistake_of_a_file_is_reported_once(tmp_path: Path) -> None:
    data = _dev_meta()
    components = data["components"]
    components["enai-front"]["after"] = ["enai-worker"]
    components["enai-data-processor"]["depends_on"] = ["enai-data-processor", "pgvector"]
    components["enai-backend"]["depends_on"] = ["pgvector", "enai-scheduler"]  # the scheduler depends on it
    problems = _problems(_write(tmp_path, data)[0])
    assert sorted(path for path, _ in problems) == [
        "components.enai-backend.depends_on",
        "components.enai-data-processor.depends_on",
        "components.enai-front.after",
    ]
    found = dict(problems)
    assert found["components.enai-backend.depends_on"].startswith(
        "dependency cycle enai-backend -> enai-scheduler -> enai-backend; "
    )
    assert found["components.enai-data-processor.depends_on"] == (
        "enai-data-processor names itself in depends_on; remove it"
    )
    assert (
        "'enai-worker' in after, which is not a component; remove it or name a known one"
        in (found["components.enai-front.after"])
    )


def test_known_lists_only_enabled_components_and_a_disabled_one_is_named_disabled(tmp_path: Path) -> None:
    data = _dev_meta()
    data["components"]["enai-linker"]["enabled"] = False
    data["components"]["enai-front"]["depends_on"] = ["enai-backend", "elasticsearch", "enai-linker"]
    data["ingress"]["routes"].append({"path": "/search", "service": "elastic"})
    problems = _problems(_write(tmp_path, data)[0])
    assert [path for path, _ in problems] == [
        "ingress.routes[1].service",
        "components.enai-front.depends_on",
        "components.enai-front.depends_on",
    ]
    route, unknown, disabled = (problem for _, problem in problems)
    assert unknown.split("known: ", 1)[1].split(", ") == sorted(_enabled_in_order(data))
    assert "enai-linker" not in route and route.endswith("known: " + ", ".join(_enabled_in_order(data)))
    # The disabled dependency is its own line, saying it is disabled.
    assert disabled == (
        "enai-front depends on enai-linker, which is disabled; "
        "enable enai-linker or remove it from the depends_on of enai-front"
    )


def _enabled_in_order(data: dict[str, Any]) -> list[str]:
    order = ["pgvector", "redis", "rabbitmq", "enai-front", "enai-backend", "enai-data-processor", "enai-linker"]
    order.append("enai-scheduler")
    return [name for name in order if data["components"].get(name, {}).get("enabled", True)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("depends_on", "enai-backend"),  # a string, not a list: the schema's one line
        ("depends_on", ["enai-backend", 3]),  # an item that is not a name: the schema's one line
        ("enabled", "no"),  # unknown whether enabled: no disabled-dependency line besides it
    ],
)
def test_a_malformed_edge_or_flag_is_one_line_not_also_a_graph_line(tmp_path: Path, field: str, value: Any) -> None:
    data = _dev_meta()
    data["components"]["enai-front"][field] = value
    (only,) = _refused(_write(tmp_path, data)[0]).errors
    assert only.path.startswith(f"components.enai-front.{field}")


def test_an_edge_to_a_misspelt_component_key_is_the_key_mistake_only(tmp_path: Path) -> None:
    data = _dev_meta()
    data["components"]["enai-searcher"] = {"replicas": 1}
    data["components"]["enai-front"]["after"] = ["enai-searcher"]
    (only,) = _refused(_write(tmp_path, data)[0]).errors
    assert only.path == "components.enai-searcher"


def _two_environments(tmp_path: Path, copy: dict[str, Any]) -> tuple[Path, str, str]:
    """``environments/copy.yaml`` (``copy``) and ``environments/dev-meta.yaml`` (the reference)."""
    folder = tmp_path / "environments"
    folder.mkdir()
    _, copy_text = _write(folder, copy, "copy.yaml")
    (folder / "dev-meta.yaml").write_text(DEV_META.read_text())
    return folder, copy_text, DEV_META.read_text()


def test_a_collision_names_both_files_and_lines_and_is_reported_with_the_other_mistakes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import main

    copy = _dev_meta()  # keeps the namespace; its own host and Vault path
    copy["ingress"]["host"] = "aipp-copy.dev.unifiedmeta.net"
    copy["secrets"]["vault_path"] = "secret/aipp-copy"
    copy["components"]["pgvector"]["storage_size"] = "10GB"
    folder, copy_text, dev_meta_text = _two_environments(tmp_path, copy)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigErrors) as info:
        main.load_environments(folder)
    size, collision = info.value.errors
    assert (size.file, size.path) == ("environments/copy.yaml", "components.pgvector.storage_size")
    copy_line, dev_meta_line = _line(copy_text, r"^namespace:"), _line(dev_meta_text, r"^namespace:")
    # Blamed on the file that sorts later, naming the other with its line.
    assert str(collision) == (
        f"environments/dev-meta.yaml:{dev_meta_line}: namespace: 'aipp' is also used by "
        f"environments/copy.yaml:{copy_line}; every environment needs its own namespace: "
        "change it in one of the two files (docs/how-to/add-an-environment.md)"
    )


def test_a_value_with_a_mistake_takes_no_part_in_collisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import main

    copy = _dev_meta()
    copy["namespace"] = "aipp-copy"
    copy["ingress"]["host"] = "aipp-copy.dev.unifiedmeta.net"
    copy["secrets"]["vault_path"] = ["secret/aipp"]  # wrong type: its own line, not also a collision
    copy["gitops"]["application_name"] = "aipp"  # explicit: collides with dev-meta's derived name
    folder, _, _ = _two_environments(tmp_path, copy)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigErrors) as info:
        main.load_environments(folder)
    assert [(e.file, e.path) for e in info.value.errors] == [
        ("environments/copy.yaml", "secrets.vault_path"),
        ("environments/dev-meta.yaml", "gitops.application_name"),
    ]
    assert "'aipp' is also used by environments/copy.yaml:" in info.value.errors[1].problem


@pytest.mark.parametrize(
    ("settings", "paths"),
    [
        ({"replicas": 2}, ["components.enai-scheduler.replicas"]),
        ({"replicas": 2, "leader_elected": True}, []),  # allowed: the service takes a leader lock
        ({"replicas": 1}, []),
        ({"replicas": 200}, ["components.enai-scheduler.replicas"]),  # the range's line only
        ({"replicas": 2, "leader_elected": "yes"}, ["components.enai-scheduler.leader_elected"]),
    ],
)
def test_a_singleton_with_two_replicas_is_refused_while_reading_with_the_other_mistakes(
    tmp_path: Path, settings: dict[str, Any], paths: list[str]
) -> None:
    """The construct's rule (spring_service.py) is checked again while reading, so that it comes in
    the same run as a bad quantity instead of after it is fixed."""
    data = _dev_meta()
    data["components"]["enai-scheduler"].update(settings)
    data["components"]["pgvector"]["storage_size"] = "10GB"
    errors = _refused(_write(tmp_path, data)[0]).errors
    assert [e.path for e in errors] == ["components.pgvector.storage_size", *paths]
    if paths == ["components.enai-scheduler.replicas"] and settings["replicas"] == 2:
        assert errors[1].problem.startswith("must be 1 for enai-scheduler, which runs scheduled jobs")


@pytest.mark.parametrize(
    ("component", "settings", "line"),
    [
        ("enai-linker", {"shm_size": "16Gi"}, "16Gi' and memory_limit '8Gi'"),  # the file's limit
        ("enai-linker", {"shm_size": "16Gi", "resources": None}, "16Gi' and memory_limit '8Gi'"),  # the default
        ("pgvector", {"shm_size": "2Gi"}, "2Gi' and memory_limit '2Gi'"),  # equal is too big
        ("enai-linker", {"shm_size": "16Gi", "enabled": False}, None),  # not deployed: not checked
        ("enai-linker", {"shm_size": "1Gi"}, None),
        ("enai-linker", {"shm_size": "16GB"}, "the quantity's line only"),
    ],
)
def test_a_shm_size_above_the_memory_limit_is_refused_while_reading_with_the_other_mistakes(
    tmp_path: Path, component: str, settings: dict[str, Any], line: str | None
) -> None:
    data = _dev_meta()
    data["components"][component].update(settings)
    data["components"]["redis"]["storage_size"] = "5GB"
    errors = _refused(_write(tmp_path, data)[0]).errors
    shm = [e for e in errors if e.path == f"components.{component}.shm_size"]
    assert "components.redis.storage_size" in [e.path for e in errors]
    if line is None:
        assert shm == []
    elif line.startswith("the quantity"):
        (only,) = shm
        assert only.problem.startswith("must be a quantity in binary units")
    else:
        (only,) = shm
        assert only.problem.startswith("must be below resources.memory_limit because /dev/shm pages count")
        assert f"got shm_size '{line}; raise the limit or shrink shm_size" in only.problem


def test_an_egress_entry_of_an_unknown_component_is_refused_at_its_key_and_of_a_disabled_one_dropped(
    tmp_path: Path,
) -> None:
    data = _dev_meta()
    data["components"]["enai-linker"]["enabled"] = False
    rule = [{"cidr": "203.0.113.0/24", "ports": [443]}]
    data["network"]["egress"] = {"enai-linker": rule, "enai-api": rule}
    path, text = _write(tmp_path, data)
    (only,) = _refused(path).errors
    assert (only.path, only.line) == ("network.egress.enai-api", _line(text, r"^network:", r"^    enai-api:"))
    assert only.problem.startswith("is not a component, got 'enai-api'; remove it or name a known one; known: ")
    assert "enai-linker" not in only.problem


def test_a_disabled_singleton_may_keep_its_replicas(tmp_path: Path) -> None:
    data = _dev_meta()
    data["components"]["enai-scheduler"].update({"replicas": 2, "enabled": False})
    load_environment(_write(tmp_path, data)[0])  # not deployed: nothing runs twice


def test_a_malformed_enabled_is_one_line_even_when_its_component_closes_a_cycle(tmp_path: Path) -> None:
    data = _dev_meta()
    data["components"]["enai-scheduler"]["enabled"] = "no"  # meant false: then there is no cycle
    data["components"]["enai-backend"]["depends_on"] = ["pgvector", "enai-scheduler"]
    (only,) = _refused(_write(tmp_path, data)[0]).errors
    assert only.path == "components.enai-scheduler.enabled"
    data["components"]["enai-scheduler"]["enabled"] = True
    (cycle,) = _refused(_write(tmp_path, data)[0]).errors
    assert cycle.problem.startswith("dependency cycle enai-backend -> enai-scheduler -> enai-backend")


def test_parse_environments_returns_the_files_that_parsed_with_every_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a caller needs to go on with the valid files (their chart-stage mistakes in the same run)."""
    import main

    copy = _dev_meta()
    for key, value in (("namespace", "aipp-copy"), ("storage_class", "Long_Horn")):
        copy[key] = value
    copy["ingress"]["host"] = "aipp-copy.dev.unifiedmeta.net"
    copy["secrets"]["vault_path"] = "secret/aipp-copy"
    folder, _, _ = _two_environments(tmp_path, copy)
    monkeypatch.chdir(tmp_path)
    envs, problems = main.parse_environments(folder)
    assert [env.name for env in envs] == ["dev-meta"]
    assert [(p.file, p.path) for p in problems] == [("environments/copy.yaml", "storage_class")]
    with pytest.raises(ConfigErrors) as info:
        main.load_environments(folder)
    assert [str(p) for p in info.value.errors] == [str(p) for p in problems]
    later_first = [problems[0], ConfigError("environments/dev-meta.yaml", "x", "y", line=1)][::-1]
    assert [p.file for p in main.in_file_order(later_first, folder)] == [
        "environments/copy.yaml",
        "environments/dev-meta.yaml",
    ]
