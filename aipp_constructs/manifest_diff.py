"""Object-by-object comparison of two folders of Kubernetes manifests (``aipp diff``).

Pure Python over the ``*.yaml`` files of each folder (``kustomization.yaml`` is compared as a
file, not as an object). Objects are keyed by ``apiVersion/kind/namespace/name``; each is
added, removed or changed, and a changed object lists its changed field paths
(``spec.template.spec.containers[0].image: "a" -> "b"``, values shortened). Lists whose items
are all mappings with distinct ``name`` fields (containers, env, ports, volumes) are matched
by name, so inserting a variable shows one added item rather than every later one changed;
a change of their order alone is reported as such. Files whose text differs while their
objects are equal (order, comments, formatting) are reported too, so "no difference" means
the folders hold the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

__all__ = [
    "ABSENT",
    "FieldChange",
    "FolderDiff",
    "ObjectChange",
    "diff_folders",
    "diff_values",
    "load_objects",
    "object_key",
    "render_markdown",
    "render_text",
    "show_change",
]

Change = Literal["added", "removed", "changed"]
#: The order change kinds are listed in.
CHANGES: tuple[Change, ...] = ("changed", "added", "removed")
#: The longest value shown, in characters (longer ones are cut with ``...``).
VALUE_WIDTH = 60
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Absent:
    """The value of a field one side does not have."""

    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class FieldChange:
    """One changed field: its path, and its value before and after (``ABSENT`` when missing).

    ``order`` is set when only the order of a named list changed; the values are then the
    lists of names.
    """

    path: str
    before: Any
    after: Any
    order: bool = False


@dataclass(frozen=True)
class ObjectChange:
    """One object of a folder that was added, removed or changed."""

    key: str
    change: Change
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class FolderDiff:
    """The differences between two versions of one folder.

    Attributes:
        label: How the folder is named in the output (``dist/dev-meta``).
        objects: The object changes, changed first, then added, then removed.
        notes: Differences that are not objects': a folder or file that exists on one side
            only, a file whose text differs while its objects are equal.
    """

    label: str
    objects: tuple[ObjectChange, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def differs(self) -> bool:
        return bool(self.objects or self.notes)

    def count(self, change: Change) -> int:
        return sum(1 for item in self.objects if item.change == change)


def object_key(doc: Mapping[str, Any]) -> str:
    """``apiVersion/kind/namespace/name`` (an empty namespace for cluster-scoped objects)."""
    metadata = doc.get("metadata")
    if not isinstance(metadata, Mapping):
        metadata = {}
    parts = (doc.get("apiVersion"), doc.get("kind"), metadata.get("namespace"), metadata.get("name"))
    return "/".join(str(part or "") for part in parts)


def _manifest_files(folder: Path) -> dict[str, Path]:
    """The ``*.yaml`` files under ``folder`` by path relative to it (none when it is missing)."""
    if not folder.is_dir():
        return {}
    return {file.relative_to(folder).as_posix(): file for file in sorted(folder.rglob("*.yaml")) if file.is_file()}


def load_objects(folder: Path) -> dict[str, dict[str, Any]]:
    """Every object under ``folder`` by :func:`object_key`, in file order.

    Raises:
        yaml.YAMLError: a file is not valid YAML.
        TypeError: a document is not a mapping.
        ValueError: two objects have the same key.
    """
    objects: dict[str, dict[str, Any]] = {}
    for relative, file in _manifest_files(folder).items():
        if file.name == "kustomization.yaml":
            continue
        for doc in yaml.load_all(file.read_text(encoding="utf-8"), Loader=_LOADER):
            if doc is None:
                continue
            if not isinstance(doc, dict):
                raise TypeError(f"{file}: a document is not a mapping, got {type(doc).__name__}")
            key = object_key(doc)
            if key in objects:
                raise ValueError(f"{folder}: {key} is defined twice (in {relative})")
            objects[key] = doc
    return objects


def diff_folders(before: Path, after: Path, label: str) -> FolderDiff:
    """What changed from ``before`` to ``after`` (``before`` may be missing: everything is added).

    Raises:
        yaml.YAMLError, TypeError, ValueError: as :func:`load_objects`.
    """
    old, new = load_objects(before), load_objects(after)
    changes: dict[Change, list[ObjectChange]] = {change: [] for change in CHANGES}
    for key, doc in new.items():
        if key not in old:
            changes["added"].append(ObjectChange(key, "added"))
        elif old[key] != doc:
            changes["changed"].append(ObjectChange(key, "changed", tuple(diff_values(old[key], doc))))
    changes["removed"] = [ObjectChange(key, "removed") for key in old if key not in new]
    notes: list[str] = []
    if not before.is_dir():
        notes.append(f"{label} does not exist yet")
    old_files, new_files = _manifest_files(before), _manifest_files(after)
    for name in sorted(old_files.keys() | new_files.keys()):
        if name not in old_files:
            if before.is_dir():
                notes.append(f"{label}/{name}: new file")
        elif name not in new_files:
            notes.append(f"{label}/{name}: file removed")
        elif old_files[name].read_bytes() != new_files[name].read_bytes() and not any(changes.values()):
            notes.append(f"{label}/{name}: same objects, different text (order, comments or formatting)")
    return FolderDiff(label, tuple(item for change in CHANGES for item in changes[change]), tuple(notes))


def diff_values(before: Any, after: Any, path: str = "") -> list[FieldChange]:
    """The changed leaves between two values, as field paths from ``path``."""
    if before == after and type(before) is type(after):
        return []
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        found: list[FieldChange] = []
        for key in [*before, *(key for key in after if key not in before)]:
            here = _join(path, str(key))
            if key not in after:
                found.append(FieldChange(here, before[key], ABSENT))
            elif key not in before:
                found.append(FieldChange(here, ABSENT, after[key]))
            else:
                found += diff_values(before[key], after[key], here)
        return found
    if isinstance(before, list) and isinstance(after, list):
        return _diff_lists(before, after, path)
    return [FieldChange(path, before, after)]


def _names(items: Sequence[Any]) -> list[str] | None:
    """The ``name`` of every item when all are mappings with distinct string names, else None."""
    names = [item.get("name") if isinstance(item, Mapping) else None for item in items]
    if not all(isinstance(name, str) for name in names) or len(set(names)) != len(names):
        return None
    return [str(name) for name in names]


def _diff_lists(before: list[Any], after: list[Any], path: str) -> list[FieldChange]:
    old_names, new_names = _names(before), _names(after)
    found: list[FieldChange] = []
    if old_names is None or new_names is None or not (before and after):
        for index in range(max(len(before), len(after))):
            here = f"{path}[{index}]"
            if index >= len(after):
                found.append(FieldChange(here, before[index], ABSENT))
            elif index >= len(before):
                found.append(FieldChange(here, ABSENT, after[index]))
            else:
                found += diff_values(before[index], after[index], here)
        return found
    old_at = {name: index for index, name in enumerate(old_names)}
    for index, name in enumerate(new_names):
        if name in old_at:
            found += diff_values(before[old_at[name]], after[index], f"{path}[{index}]")
        else:
            found.append(FieldChange(f"{path}[{index}]", ABSENT, after[index]))
    found += [
        FieldChange(f"{path}[{old_at[name]}]", before[old_at[name]], ABSENT)
        for name in old_names
        if name not in new_names
    ]
    kept_old = [name for name in old_names if name in new_names]
    kept_new = [name for name in new_names if name in old_at]
    if kept_old != kept_new:
        found.append(FieldChange(path, kept_old, kept_new, order=True))
    return found


def _join(path: str, key: str) -> str:
    if _IDENTIFIER.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def _text(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _shorten(before: str, after: str, width: int = VALUE_WIDTH) -> tuple[str, str]:
    """Both texts cut to ``width``, from a little before their first difference when it is far in."""
    start = 0
    common = next((i for i, (a, b) in enumerate(zip(before, after)) if a != b), min(len(before), len(after)))
    if common > width // 2 and max(len(before), len(after)) > width:
        start = common - width // 3

    def cut(text: str) -> str:
        shown = ("..." if start else "") + text[start:]
        return shown if len(shown) <= width else shown[: width - 3] + "..."

    return cut(before), cut(after)


def show_change(change: FieldChange, width: int = VALUE_WIDTH) -> str:
    """``path: before -> after``, values as JSON, shortened to ``width``."""
    before, after = _shorten(_text(change.before), _text(change.after), width)
    return f"{change.path or '(whole object)'}{' (order)' if change.order else ''}: {before} -> {after}"


def _summary(diffs: Sequence[FolderDiff]) -> str:
    counts = {change: sum(diff.count(change) for diff in diffs) for change in CHANGES}
    return ", ".join(f"{counts[change]} {change}" for change in CHANGES)


def render_text(diffs: Sequence[FolderDiff], style: Any = None) -> list[str]:
    """The plain-text report: per folder with differences, its objects and their field changes,
    then a closing line ``N changed, M added, K removed`` (or ``no difference``).

    Args:
        style: ``style(text, change)`` colours a change word (e.g. with ``click.style``); none by default.
    """
    paint = style or (lambda text, _change: text)
    lines: list[str] = []
    for diff in diffs:
        if not diff.differs:
            continue
        lines.append(f"{diff.label}:")
        for item in diff.objects:
            lines.append(f"  {paint(item.change, item.change)} {item.key}")
            lines += [f"    {show_change(change)}" for change in item.fields]
        lines += [f"  note: {note}" for note in diff.notes]
    if not any(diff.differs for diff in diffs):
        return [f"no difference in {', '.join(diff.label for diff in diffs)}"]
    return [*lines, _summary(diffs)]


def _fence(lines: Iterable[str]) -> str:
    """A code fence longer than any run of backticks in ``lines``."""
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def render_markdown(diffs: Sequence[FolderDiff], title: str) -> list[str]:
    """A pull-request section: a summary line with the counts, a table per change kind, and the
    field changes of the changed objects in a collapsible ``<details>`` block."""
    folders = ", ".join(f"`{diff.label}`" for diff in diffs)
    if not any(diff.differs for diff in diffs):
        return [f"### {title}: no difference", "", f"{folders}: what the environment file synthesizes, unchanged."]
    lines = [f"### {title}: {_summary(diffs)}", "", f"Compared with {folders}."]
    for change in CHANGES:
        items = [(diff.label, item) for diff in diffs for item in diff.objects if item.change == change]
        if not items:
            continue
        lines += ["", f"**{change.capitalize()}** ({len(items)})", ""]
        if change == "changed":
            lines += ["| object | folder | fields changed |", "|---|---|---:|"]
            lines += [f"| `{item.key}` | `{label}` | {len(item.fields)} |" for label, item in items]
        else:
            lines += ["| object | folder |", "|---|---|"]
            lines += [f"| `{item.key}` | `{label}` |" for label, item in items]
    notes = [note for diff in diffs for note in diff.notes]
    if notes:
        lines += ["", "**Other differences**", "", *(f"- {note}" for note in notes)]
    details = [
        line
        for diff in diffs
        for item in diff.objects
        if item.fields
        for line in (item.key, *(f"  {show_change(change)}" for change in item.fields))
    ]
    if details:
        fields = sum(len(item.fields) for diff in diffs for item in diff.objects)
        objects = sum(1 for diff in diffs for item in diff.objects if item.fields)
        fence = _fence(details)
        lines += [
            "",
            "<details>",
            f"<summary>Field changes ({fields} in {objects} object{'s' if objects != 1 else ''})</summary>",
            "",
            f"{fence}text",
            *details,
            fence,
            "",
            "</details>",
        ]
    return lines
