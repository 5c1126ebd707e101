"""Property: whatever is done to a valid environment file, ``make synth`` either refuses it
cleanly or writes manifests that pass the Pod Security check; never a traceback.

Each example mutates the frozen reference (tests/environments/reference.yaml): a value
anywhere in it replaced by a value of another type or shape (numbers huge and negative,
floats, empty, unicode and huge strings, lists, mappings, null, booleans, or a value taken
from another field), a key deleted, an unknown key added, or the text itself corrupted
(truncated, a character inserted or deleted, a line repeated). The mutated file is written
alone as ``reference.yaml`` into a fresh folder, and ``main.synth_all`` runs on it with an
output folder that already holds a marker file. Then either:

* a :class:`ConfigError` is raised, and every line is ``error: reference.yaml:<line>: ...``
  (the line in the file; only the environment name, which comes from the file name, has
  none), one line each, with a field path unless the mistake is not in one field (YAML
  syntax, a repeated key), and the output folder is byte-identical; or
* the synthesis succeeds, and every object of ``dist/reference/`` and of its bootstrap folder
  passes :func:`aipp_constructs.checks.check_pod_security`.

Any other exception fails the test, and Hypothesis prints the mutation (and ``note`` the
file's text). Real randomness (``database=None``): each run tries new files, 100 in a local
``make test`` (issue 18 keeps it within 90 s on the 2-core machine) and 400 in CI (``CI`` set,
where time is not short); ``FUZZ_EXAMPLES=N`` sets any number.

Speed: most mutations are refused while the file is read (milliseconds); only those that
parse are synthesized (about half a second each), so a run takes about a minute on one core.
"""

from __future__ import annotations

import collections.abc
import contextlib
import os
import re
import tempfile
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import main
from aipp_constructs import ConfigError
from aipp_constructs.aipp.config import BOOTSTRAP_DIR, EnvironmentConfig
from aipp_constructs.checks import check_pod_security, load_manifests

REFERENCE = Path(__file__).resolve().parent / "environments" / "reference.yaml"
TEXT = REFERENCE.read_text(encoding="utf-8")
DATA = yaml.safe_load(TEXT)

# The whole run on one xdist worker: its synthesis shares the worker's jsii runtime.
pytestmark = pytest.mark.xdist_group("config_fuzz")

Path_ = tuple[Any, ...]


def _paths(node: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every key path of the parsed reference (mapping keys and list indexes)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


def _leaves(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _leaves(value)
    elif isinstance(node, list):
        for value in node:
            yield from _leaves(value)
    else:
        yield node


def _get(data: Any, path: Path_) -> Any:
    for key in path:
        data = data[key]
    return data


PATHS = sorted(_paths(DATA), key=repr)
MAPPING_PATHS = [(), *(p for p in PATHS if isinstance(_get(DATA, p), dict))]
LEAVES = sorted({repr(v): v for v in _leaves(DATA)}.values(), key=repr)

#: Values that look like what the file holds, but are wrong somewhere (or right elsewhere).
# fmt: off
TRICKY = [
    "", " ", "latest", "main-latest", "7", "10GB", "-1Gi", "1.5.2Gi", "0Gi", "0", "-1", "v1.0.0", "v1.99",
    "enai-front", "enai-backend", "enai-linker", "enai-scheduler", "pgvector", "redis", "rabbitmq", "wait-for",
    "none", "null", "true", "x" * 300, "ünïcødé", "日本語", "\x00", "a: b", "{", "*", "~", "0 3 * * *", "* * * * * *",
    "61 * * * *", "sha256:" + "0" * 64, "sha256:", "http://", "https://x:99999", "/", "..", "/app/../etc", "A_B",
    "env", "operator", "off", "vendor", "mirror", "dockerhub", "ClusterSecretStore", "grpc", "Equal", "Exists",
    "harbor.example.com", "harbor..example", "a.b:0", "a.b:port", "secret/", "dist/reference", "dist/other",
    "1h", "30s", "0s", "100m", "0m", "2", "1e3", "10.0.0.0/8", "10.0.0.0/33", "::/0", "http/protobuf",
]
# fmt: on
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, -1, 1, 2, 100000, -100000, 65536, 2**31, 2**63, 10**30, -(10**30)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=4),
    st.sampled_from(TRICKY),
    st.sampled_from(LEAVES),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.one_of(st.text(max_size=8), st.integers(), st.sampled_from(TRICKY)), inner, max_size=3)
    ),
    max_leaves=5,
)
COMPONENTS = ["pgvector", "redis", "rabbitmq", "enai-front", "enai-backend", "enai-data-processor", "enai-linker"]


def _bare(tp: Any) -> Any:
    """``tp`` without its ``Annotated`` validators."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _optional(tp: Any) -> Any:
    """``X`` of ``X | None``; other types as they are (both without ``Annotated``)."""
    tp = _bare(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return _bare(inner)
    return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """The model's YAML keys and their types."""
    return {f.alias or name: f.annotation for name, f in model.model_fields.items()}


def _typed(tp: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of the schema type ``tp``, often valid, often just wrong: they get past the type
    checks, so the value checks and the constructs behind them are reached too."""
    tp = _bare(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(_typed(_optional(tp), depth), st.none())
    if origin is typing.Literal:
        return st.sampled_from(list(args))
    if _is_model(tp) and depth < 2:
        fields = {key: _typed(field_tp, depth + 1) for key, field_tp in _fields(tp).items()}
        return st.fixed_dictionaries({}, optional=fields)
    if origin is tuple:
        return st.lists(_typed(args[0], depth + 1), max_size=3)
    if origin is collections.abc.Mapping:
        names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_./-]{0,12}", fullmatch=True)
        keys = st.one_of(st.sampled_from(COMPONENTS + TRICKY), names)
        return st.dictionaries(keys, _typed(args[1], depth + 1), max_size=3)
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.one_of(st.integers(-2, 70000), st.sampled_from([0, 1, 2, 3, 100, 101, 3600, 3601, 65535, 65536]))
    if tp is str:
        return st.one_of(st.sampled_from(TRICKY + COMPONENTS), st.text(max_size=8))
    return VALUES


def _schema_at(path: Path_) -> Any:
    """The schema type of the value at ``path`` of the file (``None`` when it is not in the schema)."""
    tp: Any = EnvironmentConfig
    for key in path:
        tp = _optional(tp)
        if _is_model(tp):
            by_key = _fields(tp)
            if key not in by_key:
                return None
            tp = by_key[key]
        elif typing.get_origin(tp) in (tuple, collections.abc.Mapping):
            tp = typing.get_args(tp)[-1 if typing.get_origin(tp) is collections.abc.Mapping else 0]
        else:
            return None
    return tp


#: The mappings of the file that are a section of the schema (``registry``, ``components.redis``...).
SECTION_PATHS = [p for p in MAPPING_PATHS if _is_model(_optional(_schema_at(p)))]


#: Characters inserted into the text: YAML's syntax characters first.
INSERTED = st.one_of(st.sampled_from(list(":-{}[],#&*!|>'\"%@`?\t\n \\")), st.characters(codec="utf-8"))


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


@st.composite
def mutated_files(draw: st.DrawFn) -> str:
    """The text of a mutated copy of the reference environment file."""
    kind = draw(st.sampled_from(["replace", "replace", "typed", "typed", "delete", "add", "set", "text"]))
    data = yaml.safe_load(TEXT)  # a fresh copy
    if kind in ("replace", "typed"):
        path = draw(st.sampled_from(PATHS))
        tp = _schema_at(path) if kind == "typed" else None
        value = draw(_typed(tp) if tp is not None else VALUES)
        note(f"replace {path!r} with {value!r}")
        _get(data, path[:-1])[path[-1]] = value
    elif kind == "set":
        path = draw(st.sampled_from(SECTION_PATHS))
        section = _optional(_schema_at(path))
        key, field_tp = draw(st.sampled_from(sorted(_fields(section).items())))
        value = draw(_typed(field_tp))
        note(f"set {key!r}: {value!r} under {path!r}")
        _get(data, path)[key] = value
    elif kind == "delete":
        path = draw(st.sampled_from(PATHS))
        note(f"delete {path!r}")
        parent = _get(data, path[:-1])
        del parent[path[-1]]
    elif kind == "add":
        path = draw(st.sampled_from(MAPPING_PATHS))
        key = draw(st.one_of(st.text(max_size=10), st.sampled_from(TRICKY), st.integers(), st.none()))
        value = draw(VALUES)
        note(f"add {key!r}: {value!r} under {path!r}")
        _get(data, path)[key] = value
    else:
        return draw(_corrupted_text())
    return _dump(data)


@st.composite
def _corrupted_text(draw: st.DrawFn) -> str:
    how = draw(st.sampled_from(["truncate", "insert", "delete", "repeat line"]))
    if how == "repeat line":
        lines = TEXT.splitlines(keepends=True)
        index = draw(st.integers(0, len(lines) - 1))
        note(f"repeat line {index + 1}: {lines[index]!r}")
        return "".join([*lines[: index + 1], lines[index], *lines[index + 1 :]])
    at = draw(st.integers(0, len(TEXT)))
    if how == "truncate":
        note(f"truncate at {at}")
        return TEXT[:at]
    if how == "delete":
        note(f"delete the character at {at}: {TEXT[at : at + 1]!r}")
        return TEXT[:at] + TEXT[at + 1 :]
    char = draw(INSERTED)
    note(f"insert {char!r} at {at}")
    return TEXT[:at] + char + TEXT[at:]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


#: One refusal line: the file, its line (absent only for the environment name, which comes
#: from the file name), a field path unless the mistake is not in one field, then the problem.
_LINE = re.compile(r"error: reference\.yaml(?::(?P<line>[0-9]+))?: (?P<rest>.+)")
#: Mistakes that are not in one field: the file is not YAML, or repeats a key.
_FIELDLESS = ("is not valid YAML at line ", "duplicate key ")


def check_refusal(err: ConfigError, text: str) -> None:
    """Every line of the refusal names the file, its line and the field, and says what to write."""
    lines = [f"error: {problem}" for problem in main._errors_of(err)]
    assert lines, "a refusal without a line"
    last_line = text.count("\n") + 1
    for problem, shown in zip(main._errors_of(err), lines, strict=True):
        match = _LINE.fullmatch(shown)
        assert match, f"not one 'error: reference.yaml:LINE: ...' line: {shown!r}"
        assert problem.file == "reference.yaml", shown
        if problem.path == "name" and problem.line is None:
            assert "reserved" in problem.problem or "DNS-1123" in problem.problem, shown  # from the file name
        else:
            in_file = problem.line is not None and 1 <= problem.line <= last_line
            assert in_file, f"no line, or not in the file: {shown!r}"
        if problem.path:
            assert not problem.path.startswith("(chart"), f"a chart-stage error not located in the file: {shown!r}"
            assert match.group("rest").startswith(f"{problem.path}: "), shown
        else:
            assert problem.problem.startswith(_FIELDLESS), f"an error that names no field: {shown!r}"
        assert "; " in problem.problem, f"no advice on what to write: {shown!r}"


@contextlib.contextmanager
def _workspace() -> Iterator[tuple[Path, Path, Path]]:
    """(environment folder, output folder, marker) in a fresh folder, which is the working
    directory meanwhile (so the file is shown as ``reference.yaml``)."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        root = Path(tmp)
        envs, out = root / "environments", root / "dist"
        envs.mkdir()
        out.mkdir()
        marker = out / "MARKER"
        marker.write_text("left by the test\n")
        with contextlib.chdir(envs):
            yield envs, out, marker


@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES") or (400 if os.environ.get("CI") else 100)),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(text=mutated_files())
def test_a_mutated_file_is_refused_cleanly_or_synthesizes_to_restricted_pods(text: str) -> None:
    note(f"the file:\n{text}")
    with _workspace() as (envs, out, _marker):
        (envs / "reference.yaml").write_text(text, encoding="utf-8")
        before = _snapshot(out)
        try:
            main.synth_all(out, directory=envs)
        except ConfigError as err:
            check_refusal(err, text)
            assert _snapshot(out) == before, "a refusal changed the output folder"
            return
        for folder in (out / "reference", out / BOOTSTRAP_DIR / "reference"):
            findings = [f for doc in load_manifests(folder) for f in check_pod_security(doc)]
            assert findings == [], findings


def test_the_reference_itself_synthesizes_and_passes() -> None:
    """The unmutated file is valid: every refusal above comes from its mutation."""
    with _workspace() as (envs, out, marker):
        (envs / "reference.yaml").write_text(TEXT, encoding="utf-8")
        assert main.synth_all(out, directory=envs) == ["reference"]
        assert not marker.exists()
        docs = load_manifests(out / "reference")
        assert docs and all(check_pod_security(doc) == [] for doc in docs)


def test_check_refusal_can_fail() -> None:
    """The property's checks reject an unlocated chart error and one without advice."""
    with pytest.raises(AssertionError, match="not located"):
        check_refusal(ConfigError("reference.yaml", "(chart)", "x must be y; write z", line=1), "a\n")
    with pytest.raises(AssertionError, match="no advice"):
        check_refusal(ConfigError("reference.yaml", "wait", "must be y", line=1), "a\n")
    with pytest.raises(AssertionError, match="no line"):
        check_refusal(ConfigError("reference.yaml", "wait", "must be y; write z"), "a\n")
