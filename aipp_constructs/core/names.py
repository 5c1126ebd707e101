"""Kubernetes names for Docker Compose service names: one documented rule, no guessing.

A Compose service name becomes the name of a Kubernetes Service, and a Service name is a DNS
label (RFC 1035: lowercase letters, digits and ``-``, starting with a letter, ending with a
letter or digit, at most 63 characters). Compose accepts more (``db_postgres``,
``worker.beat``, ``Redis``), so a port maps every name by this rule:

* lowercase it;
* ``_`` and ``.`` become ``-``;
* any other character outside ``[a-z0-9-]`` (non-ASCII letters included) is an error;
* a leading or trailing ``-`` (after the mapping) is an error;
* the result must be a DNS-1035 label (starts with a letter, at most 63 characters), else an
  error.

Errors are ``ValueError`` naming the Compose name, what is wrong and the fix; nothing is
silently dropped or truncated, since two names that differ only there would then collide.
:func:`kubernetes_names` maps a whole stack and refuses two Compose names that map to the
same Kubernetes name (``db_postgres`` and ``db-postgres``).

Renaming a service changes its address: a vendor default such as
``DATABASE_URL=postgres://db_postgres:5432/app`` must then point at ``db-postgres:5432``. The
port does that through the wiring (:mod:`aipp_constructs.core.wiring`) or an explicit ``env``
entry, never by relying on the Compose name resolving in the cluster.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["kubernetes_name", "kubernetes_names"]

_MAX = 63
# Checked on the Compose name itself, ASCII only: str.lower() maps some non-ASCII letters to
# ASCII ones (the Kelvin sign to 'k'), which would hide a character the rule does not map.
_MAPPED = re.compile(r"[A-Za-z0-9_.-]")


def kubernetes_name(compose_name: str) -> str:
    """The Kubernetes name of a Compose service, by the rule of the module documentation.

    ``db_postgres`` -> ``db-postgres``, ``Worker.Beat`` -> ``worker-beat``.

    Raises:
        ValueError: the name has a character the rule does not map, starts or ends with
            ``-`` (or ``_``/``.``), does not start with a letter, or is longer than 63
            characters.
    """
    if not isinstance(compose_name, str) or not compose_name:
        raise ValueError(f"Compose service name must be a non-empty string, got {compose_name!r}")
    bad = sorted({ch for ch in compose_name if not _MAPPED.fullmatch(ch)})
    if bad:
        raise ValueError(
            f"Compose service name {compose_name!r} has characters with no Kubernetes mapping "
            f"({', '.join(repr(ch) for ch in bad)}); only ASCII letters, digits, '-', '_' and '.' are mapped: "
            "rename the service in the port"
        )
    mapped = compose_name.lower().replace("_", "-").replace(".", "-")
    if mapped.startswith("-") or mapped.endswith("-"):
        raise ValueError(
            f"Compose service name {compose_name!r} maps to {mapped!r}, which starts or ends with '-'; "
            "rename the service in the port so that it starts and ends with a letter or digit"
        )
    if not mapped[0].isalpha():
        raise ValueError(
            f"Compose service name {compose_name!r} maps to {mapped!r}, which does not start with a letter "
            "(a Service name is a DNS-1035 label); rename the service in the port, e.g. with a letter prefix"
        )
    if len(mapped) > _MAX:
        raise ValueError(
            f"Compose service name {compose_name!r} maps to {mapped!r}, which has {len(mapped)} characters, "
            f"more than the {_MAX} of a DNS-1035 label; rename the service in the port to a shorter name"
        )
    return mapped


def kubernetes_names(compose_names: Iterable[str]) -> dict[str, str]:
    """Compose service name -> Kubernetes name for every name, by :func:`kubernetes_name`.

    Raises:
        ValueError: a name cannot be mapped, or two Compose names map to the same Kubernetes
            name (the message names both).
    """
    result: dict[str, str] = {}
    owners: dict[str, str] = {}
    for compose_name in compose_names:
        if compose_name in result:
            continue
        mapped = kubernetes_name(compose_name)
        other = owners.get(mapped)
        if other is not None:
            raise ValueError(
                f"Compose service names {other!r} and {compose_name!r} both map to the Kubernetes name {mapped!r}; "
                "rename one of them in the port"
            )
        owners[mapped] = compose_name
        result[compose_name] = mapped
    return result
