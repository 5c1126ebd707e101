"""The public API (docs/versioning.md) is exactly the recorded list, tests/public-api.txt.

A removal or a rename breaks the ports of other teams: it needs a CHANGELOG.md entry and the
deprecation policy of docs/versioning.md. An addition is recorded too, so the record stays exact
(and the changelog's "Added" can be checked against its diff).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "api_record.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("api_record", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


api_record = _tool()


def removed_message(removed: list[str]) -> str:
    return (
        f"{len(removed)} item(s) of the public API were removed or renamed:\n"
        + "".join(f"  - {line}\n" for line in removed)
        + "This breaks the ports of other teams. Follow the deprecation policy of docs/versioning.md "
        "(keep the old name working, deprecated, for at least one minor release; remove it in a major "
        "release, or a minor one while the version is 0.x) and add the entry to CHANGELOG.md "
        '("Deprecated" now, "Removed" when it goes); then record the new API: '
        f"{api_record.WRITE}"
    )


def added_message(added: list[str]) -> str:
    return (
        f"{len(added)} item(s) of the public API are not recorded in tests/public-api.txt:\n"
        + "".join(f"  + {line}\n" for line in added)
        + f'Record them: {api_record.WRITE} (and add an "Added" entry to CHANGELOG.md).'
    )


def test_no_public_name_field_key_or_command_was_removed_or_renamed() -> None:
    removed = sorted(set(api_record.recorded()) - set(api_record.current()))
    assert not removed, removed_message(removed)


def test_every_public_name_field_key_and_command_is_recorded() -> None:
    added = sorted(set(api_record.current()) - set(api_record.recorded()))
    assert not added, added_message(added)


def test_the_record_is_sorted_and_generated() -> None:
    lines = api_record.recorded()
    assert lines == sorted(set(lines)), f"tests/public-api.txt is not generated: run {api_record.WRITE}"
    assert Path(api_record.RECORD).read_text().startswith(api_record.HEADER)


def test_a_removed_name_fails_naming_the_changelog_and_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    import aipp_constructs

    monkeypatch.setattr(aipp_constructs, "__all__", [n for n in aipp_constructs.__all__ if n != "RedisCache"])
    removed = sorted(set(api_record.recorded()) - set(api_record.current()))
    assert removed == ["name RedisCache"]
    message = removed_message(removed)
    assert "CHANGELOG.md" in message and "deprecation policy of docs/versioning.md" in message
    assert "tools/api_record.py --write" in message


def test_an_added_field_fails_until_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    current = api_record.current()
    monkeypatch.setattr(api_record, "current", lambda: sorted([*current, "field RedisCacheProps.new_knob"]))
    added = sorted(set(api_record.current()) - set(api_record.recorded()))
    assert added == ["field RedisCacheProps.new_knob"]
    assert "tools/api_record.py --write" in added_message(added)


def test_the_tool_checks_and_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert api_record.main(["--check"]) == 0
    assert api_record.main([]) == 0
    assert "name RedisCache" in capsys.readouterr().out.splitlines()
    assert api_record.main(["--nope"]) == 2


def test_the_changelog_has_unreleased_and_every_version_down_to_0_1_0() -> None:
    changelog = (Path(api_record.PROJECT) / "CHANGELOG.md").read_text()
    versions = re.findall(r"^## \[([^\]]+)\]", changelog, re.MULTILINE)
    assert versions[0] == "Unreleased" and versions[-1] == "0.1.0", versions
    for version in versions:
        assert f"\n[{version}]: " in changelog, f"CHANGELOG.md: no link for [{version}]"
