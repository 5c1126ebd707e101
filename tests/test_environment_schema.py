"""schemas/environment.schema.json: equal to the models, read by editors, and right about the files."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from aipp_constructs.aipp.schema import SCHEMA_FILE, SCHEMA_HEADER, environment_schema, schema_text

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / SCHEMA_FILE
ENVIRONMENTS = sorted((ROOT / "environments").glob("*.yaml"))
FILES = [*ENVIRONMENTS, ROOT / "tests" / "environments" / "reference.yaml"]


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _errors(validator: jsonschema.protocols.Validator, data: Any) -> list[str]:
    return sorted(f"{'.'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(data))


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_schema_file_is_what_the_models_give() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == schema_text(), (
        f"{SCHEMA_FILE} is older than the models in aipp_constructs/aipp/config.py; run `make synth`"
    )


def test_the_schema_is_draft_2020_12_and_closed_at_every_level() -> None:
    schema = environment_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    for name, definition in schema["$defs"].items():
        assert definition["additionalProperties"] is False, name
        assert definition["description"], name
        for key, prop in definition["properties"].items():
            assert prop.get("description"), f"{name}.{key} has no description"


def test_the_environment_name_is_not_a_key() -> None:
    schema = environment_schema()
    assert "name" not in schema["properties"]
    assert "name" not in schema["required"]
    assert {"namespace", "storage_class", "registry", "secrets", "images", "ingress", "gitops"} == set(
        schema["required"]
    )


@pytest.mark.parametrize("path", ENVIRONMENTS, ids=lambda p: p.name)
def test_every_environment_file_names_the_schema_in_its_first_line(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == SCHEMA_HEADER
    assert (path.parent / SCHEMA_HEADER.split("$schema=", 1)[1]).resolve() == SCHEMA


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_schema_accepts_every_environment_file(validator: jsonschema.protocols.Validator, path: Path) -> None:
    assert _errors(validator, _load(path)) == []


@pytest.mark.parametrize(
    ("where", "key"),
    [
        ((), "storage_clas"),
        (("registry",), "insecure"),
        (("components", "enai-backend"), "replica"),
        (("components", "enai-backend", "resources"), "cpu_requests"),
        (("images", "redis"), "sha"),
    ],
)
def test_the_schema_refuses_an_unknown_key(
    validator: jsonschema.protocols.Validator, where: tuple[str, ...], key: str
) -> None:
    data = copy.deepcopy(_load(ENVIRONMENTS[0]))
    section = data
    for part in where:
        section = section.setdefault(part, {})
    section[key] = 1
    errors = _errors(validator, data)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{'.'.join(where)}: ")
    # (an optional section, `X | null`, reports the whole value; a required one the key)
    assert f"'{key}' was unexpected" in errors[0] or f"'{key}': 1}} is not valid under any" in errors[0], errors


@pytest.mark.parametrize(
    ("where", "value", "expected"),
    [
        (("wait", "attempts"), "60", "is not of type 'integer'"),
        (("components", "enai-backend", "replicas"), "2", "is not valid under any of the given schemas"),
        (("components", "enai-front", "enabled"), "yes", "is not of type 'boolean'"),
        (("namespace",), 7, "is not of type 'string'"),
        (("registry", "vendor_images"), "mirrored", "is not one of ['mirror', 'vendor']"),
        (("components", "enai-backend", "depends_on"), "pgvector", "is not of type 'array'"),
        (("images", "redis-cache"), {"repository": "library/redis", "tag": "7.4.2"}, "is not one of"),
    ],
)
def test_the_schema_refuses_a_wrong_type(
    validator: jsonschema.protocols.Validator, where: tuple[str, ...], value: object, expected: str
) -> None:
    data = copy.deepcopy(_load(ENVIRONMENTS[0]))
    section = data
    for part in where[:-1]:
        section = section.setdefault(part, {})
    section[where[-1]] = value
    errors = _errors(validator, data)
    assert len(errors) == 1, errors
    assert expected in errors[0], errors


def test_a_missing_required_section_is_refused(validator: jsonschema.protocols.Validator) -> None:
    data = _load(ENVIRONMENTS[0])
    del data["gitops"]
    assert _errors(validator, data) == [": 'gitops' is a required property"]
