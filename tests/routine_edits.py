"""The platform team's routine edits of an environment file, applied as a person would: text
edits that keep the file's comments and layout.

tests/test_dist.py applies each to the LIVE ``environments/`` and runs every check of dist/ on
the result; ``tools/routine-edits/run`` applies each to a fresh clone and runs ``make synth &&
make test`` (``python tests/routine_edits.py EDIT FOLDER`` edits ``FOLDER/dev-meta.yaml``).

Edits: ``bump`` (every vendor image's tag, v1.2.3 -> v1.2.4), ``linker-off``
(``components.enai-linker.enabled: false``), ``option-b`` (``registry.vendor_images: vendor``
with each vendor row's digest pinned, as ``aipp images --pin`` writes it), ``new-env``
(``staging.yaml``: a copy with its own namespace, host and Vault path), ``new-env-b`` (that
copy with option B and the linker off). The digests are made up from the image name: no
registry is reached.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable
from pathlib import Path


def vendor_rows(text: str) -> list[re.Match[str]]:
    """Each ``images:`` row with ``source: vendor``: group 1 its name, the match its lines."""
    images = text.index("\nimages:\n")
    end = text.index("\ncomponents:\n", images)
    rows = re.finditer(r"^  ([a-z0-9-]+):\n((?:    .*\n|\s*#.*\n)+)", text[: end + 1], re.MULTILINE)
    return [row for row in rows if row.start() > images and "    source: vendor\n" in row.group(2)]


def bump(text: str) -> str:
    for row in reversed(vendor_rows(text)):
        block = re.sub(
            r"^(    tag: v?\d+\.\d+\.)(\d+)$",
            lambda m: f"{m.group(1)}{int(m.group(2)) + 1}",
            row.group(0),
            flags=re.MULTILINE,
        )
        text = text[: row.start()] + block + text[row.end() :]
    return text


def linker_off(text: str) -> str:
    new, count = re.subn(r"(^  enai-linker:\n(?:    #.*\n)*    enabled: )\w+$", r"\1false", text, flags=re.MULTILINE)
    if count == 0:
        new, count = re.subn(r"^(  enai-linker:\n)", r"\1    enabled: false\n", text, count=1, flags=re.MULTILINE)
    assert count == 1, "no components.enai-linker"
    return new


def option_b(text: str) -> str:
    text, count = re.subn(r"^(  vendor_images: )\w+$", r"\1vendor", text, flags=re.MULTILINE)
    assert count == 1, "no 'vendor_images:' under registry"
    for row in reversed(vendor_rows(text)):
        digest = "sha256:" + hashlib.sha256(row.group(1).encode()).hexdigest()
        block = re.sub(r"^    digest: .*\n", "", row.group(0), flags=re.MULTILINE)
        block = re.sub(r"^(    tag: .*\n)", rf"\1    digest: {digest}\n", block, count=1, flags=re.MULTILINE)
        text = text[: row.start()] + block + text[row.end() :]
    return text


def new_env(text: str) -> str:
    for pattern, new in (
        (r"^namespace: (\S+)$", r"namespace: \1-staging"),
        (r"^(ingress:\n(?:.*\n)*?  host: )([a-z0-9-]+)\.", r"\1\2-staging."),
        (r"^(  vault_path: \S+)$", r"\1-staging"),
    ):
        text, count = re.subn(pattern, new, text, count=1, flags=re.MULTILINE)
        assert count == 1, f"{pattern} not found"
    return text


#: Edit name -> (the file it writes, relative to the environments folder; the text edit).
EDITS: dict[str, tuple[str | None, Callable[[str], str]]] = {
    "bump": (None, bump),
    "linker-off": (None, linker_off),
    "option-b": (None, option_b),
    "new-env": ("staging.yaml", new_env),
    "new-env-b": ("staging.yaml", lambda text: option_b(linker_off(new_env(text)))),
}


def apply(edit: str, folder: Path, base: str = "dev-meta.yaml") -> Path:
    """Applies ``edit`` to ``folder/base`` (in place, or into the new file the edit names)."""
    writes, change = EDITS[edit]
    target = folder / (writes or base)
    target.write_text(change((folder / base).read_text()))
    return target


def main(edit: str, folder: str) -> None:
    if edit not in EDITS:
        sys.exit(f"unknown edit {edit!r}: {', '.join(EDITS)}")
    apply(edit, Path(folder))


if __name__ == "__main__":
    main(*sys.argv[1:])
