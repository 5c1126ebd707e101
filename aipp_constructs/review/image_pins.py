"""Stale image pins: a release tag that changed while its digest stayed.

An image pinned as ``name:tag@sha256:...`` is pulled by its digest alone: the tag is a label. So
an edit that bumps the tag of a pinned row and keeps the old digest deploys the OLD bytes under
the new release's name. :func:`stale_pins` compares two versions of a folder of manifests
(the committed output and a fresh synthesis) and names every container whose image kept its
repository and digest while its tag changed; ``main.py`` refuses such a synthesis.

Generic: it reads any Kubernetes objects with pod templates (``spec.template``,
``spec.jobTemplate.spec.template``) or bare pod specs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["StalePin", "split_image", "stale_pins"]

_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: ``repository[:tag][@digest]``; the repository may hold a registry host with a port.
_IMAGE = re.compile(r"(?P<repository>[^@]+?)(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>[\w+.-]+:[0-9a-fA-F]+))?")


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """``(repository, tag, digest)`` of an image reference (tag and digest ``None`` when absent)."""
    match = _IMAGE.fullmatch(image)
    if not match:
        return image, None, None
    return match["repository"], match["tag"], match["digest"]


@dataclass(frozen=True)
class StalePin:
    """One container whose image's tag changed while its digest did not."""

    object: str
    container: str
    before: str
    after: str

    def line(self) -> str:
        """One line: what changed, why it is wrong, and the fix."""
        return (
            f"{self.object}: container {self.container!r}: the image's tag changed "
            f"({self.before} -> {self.after}) but its digest did not, so the cluster would still pull "
            "the old release; pin the new tag's digest (aipp images ENV COMPONENT --pin) or remove the "
            "row's digest"
        )


def _containers(doc: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    spec = doc.get("spec") or {}
    for pod in (
        spec,
        (spec.get("template") or {}).get("spec") or {},
        (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec") or {},
    ):
        for key in ("initContainers", "containers"):
            for container in pod.get(key) or []:
                if isinstance(container, Mapping) and isinstance(container.get("image"), str):
                    yield str(container.get("name")), container["image"]


def _key(doc: Mapping[str, Any]) -> str:
    metadata = doc.get("metadata") or {}
    parts = (doc.get("kind"), metadata.get("namespace"), metadata.get("name"))
    return "/".join(str(part) for part in parts if part)


def _images(texts: list[str]) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for text in texts:
        doc = yaml.load(text, Loader=_LOADER)
        if isinstance(doc, Mapping):
            for name, image in _containers(doc):
                found[(_key(doc), name)] = image
    return found


def _documents(path: Path) -> list[str]:
    return [doc for doc in path.read_text(encoding="utf-8").split("\n---\n") if doc.strip()] if path.is_file() else []


def stale_pins(before: Path, after: Path) -> list[StalePin]:
    """The containers of the ``*.yaml`` files under ``after`` whose image, compared with the same
    object and container under ``before``, kept its repository and digest but changed its tag.

    Cheap on every synthesis: only the documents whose text differs are parsed.
    """
    stale = []
    for new_file in sorted(after.rglob("*.yaml")):
        old_file = before / new_file.relative_to(after)
        old_docs, new_docs = _documents(old_file), _documents(new_file)
        same = set(old_docs) & set(new_docs)
        old = _images([doc for doc in old_docs if doc not in same])
        new = _images([doc for doc in new_docs if doc not in same])
        for where, image in new.items():
            previous = old.get(where)
            if previous is None or previous == image:
                continue
            (repo, tag, digest), (old_repo, old_tag, old_digest) = split_image(image), split_image(previous)
            if digest and digest == old_digest and repo == old_repo and tag != old_tag:
                stale.append(StalePin(where[0], where[1], previous, image))
    return stale
