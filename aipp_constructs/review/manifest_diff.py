"""Object-by-object comparison of two folders of Kubernetes manifests (``aipp diff``).

Pure Python over the ``*.yaml`` files of each folder (``kustomization.yaml`` is compared as a
file, not as an object). Objects are keyed by ``apiVersion/kind/namespace/name``; each is
added, removed or changed, and a changed object lists its changed field paths
(``spec.template.spec.containers[name=web].image: "a" -> "b"``, values shortened).

List items are matched by identity, never by position alone:

* by a key field (:data:`KEY_FIELDS`: ``name``, ``mountPath``, ``containerPort``, ``title``,
  ``uid``, ``alert``...), the first one every item has with distinct values, shown in the
  path as ``env[name=LOG_LEVEL]``;
* NetworkPolicy rules (items with ``from`` or ``to``) by their peers:
  ``spec.ingress[from=podSelector{app=web}]``;
* other items (peers, ports, scripts' arguments) by value: equal items are matched wherever
  they are; what remains is removed (``ports[port=80,protocol=TCP]: {...} -> (absent)``) and
  added, except that two leftover items read as one item changed (``targets[0].expr``) when
  as many remain on each side and they agree on a field and differ in plain values only.

A change of order alone is reported as such (``env (order): ["A", "B"] -> ["B", "A"]``), and
one number moved by the same amount in several items of a list (panel ids and positions
renumbered after a panel was removed) as one change of ``panels[*].id``. A string holding a
JSON object or array, or the text of a ``*.json``/``*.yaml``/``*.yml`` field (ConfigMap data),
is compared as the document it holds when both sides parse:
``data["dashboard.json"].panels[title=Memory].targets[0].expr``. Files whose text differs
while their objects are equal (order, comments, formatting) are reported too, so "no
difference" means the folders hold the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

__all__ = [
    "ABSENT",
    "FieldChange",
    "FolderDiff",
    "ObjectChange",
    "describe",
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
#: Fields that identify an item of a list of mappings, in the order they are tried (a dot
#: reaches into a mapping: ``metadata.name`` for the claim templates of a StatefulSet).
KEY_FIELDS: tuple[str, ...] = (
    "name",
    "metadata.name",
    "mountPath",
    "devicePath",
    "containerPort",
    "title",
    "uid",
    "alert",
    "record",
    "key",
    "host",
    "path",
    "ip",
)
#: Fields whose value identifies an item without a key field: a NetworkPolicy rule by its peers.
PEER_FIELDS: tuple[str, ...] = ("from", "to")
#: Names of fields (ConfigMap data keys) whose text is compared as a YAML or JSON document.
EMBEDDED_SUFFIXES: tuple[str, ...] = (".json", ".yaml", ".yml")
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

    ``order`` is set when only the order of a list changed; the values are then the lists of
    the items' identities. ``items`` is set when one number of several items of a list moved by
    the same amount (panel ids and positions renumbered after a panel was removed): the path
    reads ``list[*].field``, ``items`` names those items and the values are the lists of their
    numbers. ``spelled`` names a field of an added or removed item that its path already
    spells out in full (a NetworkPolicy rule's peers): it is left out of the value shown.
    """

    path: str
    before: Any
    after: Any
    order: bool = False
    items: tuple[str, ...] = ()
    spelled: str = ""


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


def diff_values(before: Any, after: Any, path: str = "", *, name: str = "") -> list[FieldChange]:
    """The changed leaves between two values, as field paths from ``path``.

    Lists are matched item by item by identity (see the module's documentation). A string that
    holds a JSON object or array, or the text of a field ``name`` ending in ``.json``, ``.yaml``
    or ``.yml`` that parses as a mapping or list, is compared as the document it holds when
    both sides parse (the paths then continue inside it).
    """
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
                found += diff_values(before[key], after[key], here, name=str(key))
        return found
    if isinstance(before, list) and isinstance(after, list):
        return _diff_lists(before, after, path)
    if isinstance(before, str) and isinstance(after, str):
        old, new = _embedded(before, name), _embedded(after, name)
        if old is not None and new is not None and old != new:
            return diff_values(old, new, path)
    return [FieldChange(path, before, after)]


def _embedded(text: str, name: str) -> Any:
    """The JSON object or array ``text`` holds, or the YAML or JSON document of a ``*.yaml``,
    ``*.yml`` or ``*.json`` field; None when it holds neither."""
    if text.lstrip()[:1] in ("{", "["):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, (dict, list)):
            return value
    if name.endswith(EMBEDDED_SUFFIXES):
        try:
            value = yaml.load(text, Loader=_LOADER)
        except yaml.YAMLError:
            return None
        if isinstance(value, (dict, list)):
            return value
    return None


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _field(item: Any, dotted: str) -> Any:
    """The scalar at the dotted path ``dotted`` of ``item`` (not a boolean), else ``ABSENT``."""
    for part in dotted.split("."):
        if not isinstance(item, Mapping) or part not in item:
            return ABSENT
        item = item[part]
    return item if isinstance(item, (str, int, float)) and not isinstance(item, bool) else ABSENT


def _shown_key(value: Any) -> str:
    text = str(value)
    return text if re.fullmatch(r"[^\[\]\n]*", text) and text.strip() == text and text else json.dumps(value)


#: An item's identity: the field that identifies it and that field's value as shown.
Identity = Callable[[Any], tuple[str, str]]
#: Whether an old and a new item that do not share an identity are one item changed.
Related = Callable[[Any, Any], bool]


def _distinct(identity: Identity, *sides: Sequence[Any]) -> bool:
    return all(len({identity(item) for item in side}) == len(side) for side in sides)


def _identity(before: Sequence[Any], after: Sequence[Any]) -> Identity | None:
    """How the items of two versions of a list are identified, or None (matched by value).

    The first of :data:`KEY_FIELDS` that every item holds (as a scalar) with distinct values on
    each side; else each item's first key field, when every item has one and they are distinct
    (alerting and recording rules of one group).
    """
    items = [*before, *after]
    if not items or not all(isinstance(item, Mapping) for item in items):
        return None
    for field in KEY_FIELDS:
        if all(_field(item, field) is not ABSENT for item in items):

            def by_field(item: Any, field: str = field) -> tuple[str, str]:
                return field, _shown_key(_field(item, field))

            if _distinct(by_field, before, after):
                return by_field

    def first_field(item: Any) -> tuple[str, str]:
        field = next((field for field in KEY_FIELDS if _field(item, field) is not ABSENT), "")
        return field, _shown_key(_field(item, field)) if field else ""

    if all(first_field(item)[0] for item in items) and _distinct(first_field, before, after):
        return first_field
    return None


def _peer_field(before: Sequence[Any], after: Sequence[Any]) -> str | None:
    """``from`` or ``to`` when the items are NetworkPolicy rules (mappings, one with that field)."""
    items = [*before, *after]
    if not items or not all(isinstance(item, Mapping) for item in items):
        return None
    return next((field for field in PEER_FIELDS if any(field in item for item in items)), None)


def describe(value: Any) -> str:
    """A short readable identity of a value: ``port=5432,protocol=TCP``,
    ``podSelector{app=web}`` (a label selector shows its ``matchLabels`` only when it has
    nothing else), list items separated by ``, ``."""
    if value is ABSENT:
        return "(absent)"
    if isinstance(value, list):
        return ", ".join(describe(item) for item in value) if value else "[]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        if set(value) == {"matchLabels"} and isinstance(value["matchLabels"], Mapping):
            return describe(value["matchLabels"])
        parts: list[str] = []
        for key, item in value.items():
            if isinstance(item, Mapping):
                parts.append(f"{key}{{{describe(item) if item else ''}}}")
            elif isinstance(item, list):
                parts.append(f"{key}[{describe(item) if item else ''}]")
            else:
                parts.append(f"{key}={describe(item)}")
        nested = any(isinstance(item, (Mapping, list)) for item in value.values())
        return (" " if nested else ",").join(parts)
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _diff_lists(before: list[Any], after: list[Any], path: str) -> list[FieldChange]:
    identity = _identity(before, after)
    if identity is not None:
        return _diff_by_identity(before, after, path, identity)
    peers = _peer_field(before, after)
    if peers is not None:

        def by_peers(item: Any, field: str = peers) -> tuple[str, str]:
            return field, describe(item.get(field, ABSENT))

        def share_a_peer(old: Any, new: Any, field: str = peers) -> bool:
            old_peers, new_peers = old.get(field), new.get(field)
            return (
                isinstance(old_peers, list) and isinstance(new_peers, list) and any(p in new_peers for p in old_peers)
            )

        if _distinct(by_peers, before, after):
            return _diff_by_identity(before, after, path, by_peers, share_a_peer)
    return _diff_by_value(before, after, path)


def _diff_by_identity(
    before: list[Any], after: list[Any], path: str, identity: Identity, related: Related | None = None
) -> list[FieldChange]:
    """Items with the same identity compared; with ``related``, an item left over on each side
    that it relates (a NetworkPolicy rule that gained or lost a peer) compared too, under its
    old identity (whose field is then left out of the value shown of an added or removed item);
    the rest added or removed."""
    spelled = "" if related is None else identity(before[0] if before else after[0])[0]
    old_keys, new_keys = [identity(item) for item in before], [identity(item) for item in after]
    old_at = {key: index for index, key in enumerate(old_keys)}
    source = {new: old_at[key] for new, key in enumerate(new_keys) if key in old_at}  # new index -> old
    if related is not None:
        free = [old for old in range(len(before)) if old not in source.values()]
        for new, item in enumerate(after):
            old = None if new in source else next((old for old in free if related(before[old], item)), None)
            if old is not None:
                source[new] = old
                free.remove(old)
    labels = [f"{field}={value}" for field, value in old_keys]
    found: list[FieldChange] = []
    inside: list[tuple[str, str, FieldChange]] = []  # (item, field path in it, change)
    for new, item in enumerate(after):
        if new in source:
            label = labels[source[new]]
            here = f"{path}[{label}]"
            for change in diff_values(before[source[new]], item, here):
                inside.append((label, change.path[len(here) :], change))
                found.append(change)
        else:
            found.append(FieldChange(f"{path}[{new_keys[new][0]}={new_keys[new][1]}]", ABSENT, item, spelled=spelled))
    kept = sorted(source.values())
    found += [
        FieldChange(f"{path}[{labels[old]}]", before[old], ABSENT, spelled=spelled)
        for old in range(len(before))
        if old not in kept
    ]
    kept_old = [old_keys[old][1] for old in kept]
    kept_new = [old_keys[source[new]][1] for new in sorted(source)]
    if kept_old != kept_new:
        found.append(FieldChange(path, kept_old, kept_new, order=True))
    return _group_shifts(found, inside, path)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _group_shifts(found: list[FieldChange], inside: list[tuple[str, str, FieldChange]], path: str) -> list[FieldChange]:
    """``found`` with the changes of one number that moved by the same amount in several items
    (``id: 42 -> 38``, ``id: 43 -> 39``...) replaced, where the first was, by one change of
    ``path[*].field`` that lists them."""
    groups: dict[tuple[str, Any], list[tuple[str, FieldChange]]] = {}
    for item, field, change in inside:
        if _number(change.before) and _number(change.after) and not change.order:
            groups.setdefault((field, change.after - change.before), []).append((item, change))
    replaced: dict[int, FieldChange | None] = {}
    for (field, _shift), members in groups.items():
        if len(members) < 2:
            continue
        grouped = FieldChange(
            f"{path}[*]{field}",
            [change.before for _, change in members],
            [change.after for _, change in members],
            items=tuple(item for item, _ in members),
        )
        replaced.update({id(change): None for _, change in members})
        replaced[id(members[0][1])] = grouped
    if not replaced:
        return found
    kept = (replaced.get(id(change), change) for change in found)
    return [change for change in kept if change is not None]


def _pairable(old: Any, new: Any) -> bool:
    """Whether two unmatched items of a list matched by value read as one item changed: two
    scalars, or two mappings that agree on a field and differ only in scalar fields."""
    if _scalar(old) and _scalar(new):
        return True
    if not (isinstance(old, Mapping) and isinstance(new, Mapping)):
        return False
    fields = [*old, *(key for key in new if key not in old)]
    same = [key for key in fields if key in old and key in new and old[key] == new[key]]
    differing = [key for key in fields if key not in same]
    return bool(same) and all(_scalar(old.get(key)) and _scalar(new.get(key)) for key in differing)


def _item_path(path: str, item: Any, index: int) -> str:
    return f"{path}[{describe(item)}]" if isinstance(item, (Mapping, list)) else f"{path}[{index}]"


def _diff_by_value(before: list[Any], after: list[Any], path: str) -> list[FieldChange]:
    """Equal items matched first wherever they are; the rest paired in order when as many
    remain on each side and each pair is :func:`_pairable`, else removed and added."""
    matched: dict[int, int] = {}  # new index -> old index
    free = list(range(len(before)))
    for index, item in enumerate(after):
        old = next((i for i in free if before[i] == item and type(before[i]) is type(item)), None)
        if old is not None:
            matched[index] = old
            free.remove(old)
    left_new = [index for index in range(len(after)) if index not in matched]
    paired: dict[int, int] = {}
    if len(free) == len(left_new):
        paired = {new: old for old, new in zip(free, left_new, strict=True) if _pairable(before[old], after[new])}
    found: list[FieldChange] = []
    for index, item in enumerate(after):
        if index in paired:
            found += diff_values(before[paired[index]], item, f"{path}[{index}]")
        elif index not in matched:
            found.append(FieldChange(_item_path(path, item, index), ABSENT, item))
    gone = set(free) - set(paired.values())
    found += [FieldChange(_item_path(path, before[i], i), before[i], ABSENT) for i in sorted(gone)]
    kept = {**matched, **paired}
    order = [kept[index] for index in sorted(kept)]
    if order != sorted(order):
        labels = [describe(before[index]) for index in sorted(order)]
        found.append(FieldChange(path, labels, [describe(before[index]) for index in order], order=True))
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
    """Both texts cut to ``width``: from a little before their first difference when it is far
    in, else their start and their end around a ``...`` (an image reference keeps its tag)."""
    start = 0
    common = next((i for i, (a, b) in enumerate(zip(before, after)) if a != b), min(len(before), len(after)))
    if common > width // 2 and max(len(before), len(after)) > width:
        start = common - width // 3
    head = min(max((width - 3) // 2, common + 8), width - 15)

    def cut(text: str) -> str:
        if len(text) <= width:
            return text
        if start:
            shown = "..." + text[start:]
            return shown if len(shown) <= width else shown[: width - 3] + "..."
        return text[:head] + "..." + text[len(text) - (width - 3 - head) :]

    return cut(before), cut(after)


def show_change(change: FieldChange, width: int = VALUE_WIDTH) -> str:
    """``path: before -> after``, values as JSON, shortened to ``width``; ``path (order): ...``
    for a reordering, ``list[*].field (-4 in 10 items: first ... last): ...`` for a number
    moved by the same amount in several items."""
    shown = [_without(value, change.spelled) for value in (change.before, change.after)]
    before, after = _shorten(_text(shown[0]), _text(shown[1]), width)
    marker = " (order)" if change.order else ""
    if change.items:
        shift = change.after[0] - change.before[0]
        marker = f" ({shift:+} in {len(change.items)} items: {change.items[0]} ... {change.items[-1]})"
    return f"{change.path or '(whole object)'}{marker}: {before} -> {after}"


def _without(value: Any, field: str) -> Any:
    """``value`` less ``field`` when it is a mapping with that field (else ``value``)."""
    if field and isinstance(value, Mapping) and field in value:
        return {key: item for key, item in value.items() if key != field}
    return value


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
