"""A registry query held in a dict, for the tests of ``aipp images`` that need no registry.

tests/test_real_registry.py runs the same command against real registries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import pytest

from aipp_constructs.aipp import cli
from aipp_constructs.aipp.config import APP_COMPONENTS
from aipp_constructs.aipp.images import RegistryUnavailable


def digest_of(text: str) -> str:
    """A well-formed digest, different for each ``text``."""
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


class FakeRegistry:
    """ref -> digest (a ref it does not hold is a missing tag); hosts in ``down`` refuse every query.

    Attributes:
        asked: The refs queried, in order.
    """

    def __init__(self, digests: dict[str, str] | None = None, down: Iterable[str] = ()) -> None:
        self.digests = dict(digests or {})
        self.down = set(down)
        self.asked: list[str] = []

    def __call__(self, ref: str) -> str | None:
        host = ref.partition("/")[0]
        if host in self.down:
            raise RegistryUnavailable(host, "unauthorized: authentication required")
        self.asked.append(ref)
        return self.digests.get(ref)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeRegistry:
        """Make ``aipp images`` ask this registry whatever its ``--tool``."""
        monkeypatch.setattr(cli, "tool_query", lambda tool: self)
        return self


#: Changes (for ``write_environment``) that pin a digest in every vendor row: what
#: ``aipp images ENV --pin`` writes, and what option B needs.
PINNED_VENDOR_ROWS: dict[str, Any] = {f"images.{c}.digest": digest_of(f"{c} v1.0.0") for c in APP_COMPONENTS}
