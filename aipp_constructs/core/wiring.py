"""Connection wiring: which environment variables a dependent gets for each dependency.

A provider's :class:`~aipp_constructs.core.references.Endpoint` offers *facts* (``host``,
``port``, ``url``, ``jdbc_url``, ``database``, ``username``, ``password``...; credentials
are Secret references, never values). A *wiring* maps facts to the variable names an image
expects, per protocol of the provider. The names are data: a vendor image that reads
``DB_URL`` instead of ``SPRING_DATASOURCE_URL`` gets an override, not a code change.

A variable name may contain ``{NAME}``, replaced by the dependency's name in upper snake
case (``enai-backend`` -> ``ENAI_BACKEND``), so one rule serves every HTTP dependency.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from aipp_constructs.core.references import Endpoint, SecretKeyRef

__all__ = ["NAMED_WIRING", "SPRING_BOOT_WIRING", "Wiring", "check_env_name", "connection_env", "upper_snake"]

#: protocol -> fact -> variable name.
Wiring = Mapping[str, Mapping[str, str]]

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: Spring Boot's relaxed-binding names (``spring.datasource.url`` -> ``SPRING_DATASOURCE_URL``,
#: Spring Boot 3 ``spring.data.redis.*``, ``spring.rabbitmq.*``); HTTP dependencies as
#: ``<NAME>_URL``.
SPRING_BOOT_WIRING: Wiring = MappingProxyType(
    {
        "postgresql": MappingProxyType(
            {
                "jdbc_url": "SPRING_DATASOURCE_URL",
                "username": "SPRING_DATASOURCE_USERNAME",
                "password": "SPRING_DATASOURCE_PASSWORD",
            }
        ),
        "redis": MappingProxyType(
            {
                "host": "SPRING_DATA_REDIS_HOST",
                "port": "SPRING_DATA_REDIS_PORT",
                "password": "SPRING_DATA_REDIS_PASSWORD",
            }
        ),
        "amqp": MappingProxyType(
            {
                "host": "SPRING_RABBITMQ_HOST",
                "port": "SPRING_RABBITMQ_PORT",
                "username": "SPRING_RABBITMQ_USERNAME",
                "password": "SPRING_RABBITMQ_PASSWORD",
            }
        ),
        "http": MappingProxyType({"url": "{NAME}_URL"}),
    }
)

#: A neutral default for images without a framework convention: every fact under the
#: dependency's name (``PGVECTOR_HOST``, ``REDIS_PASSWORD``, ``ENAI_BACKEND_URL``...).
NAMED_WIRING: Wiring = MappingProxyType(
    {
        protocol: MappingProxyType({fact: f"{{NAME}}_{fact.upper()}" for fact in facts})
        for protocol, facts in {
            "postgresql": ("host", "port", "database", "url", "username", "password"),
            "redis": ("host", "port", "url", "password"),
            "amqp": ("host", "port", "url", "username", "password"),
            "http": ("url",),
        }.items()
    }
)


def upper_snake(name: str) -> str:
    """``enai-backend`` -> ``ENAI_BACKEND``."""
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def check_env_name(field: str, name: str) -> str:
    """An environment variable name Kubernetes accepts and shells can read."""
    if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
        raise ValueError(f"{field} must be a variable name ([A-Za-z_][A-Za-z0-9_]*), got {name!r}")
    return name


def check_wiring(field: str, wiring: Wiring) -> None:
    """Every variable name of a wiring (after ``{NAME}`` substitution) is valid."""
    for key, facts in wiring.items():
        for fact, var in facts.items():
            check_env_name(f"{field}.{key}.{fact}", var.replace("{NAME}", "X"))


def connection_env(
    dependencies: Sequence[tuple[str, Endpoint]],
    wiring: Wiring,
    overrides: Mapping[str, Mapping[str, str]] | None = None,
    *,
    seen_from: str | None = None,
) -> list[tuple[str, str | SecretKeyRef]]:
    """The wired variables of a dependent, in dependency order, facts in wiring order.

    Args:
        dependencies: (name, endpoint) of each dependency.
        wiring: Variable names by protocol (e.g. :data:`SPRING_BOOT_WIRING`). A protocol
            missing from it wires nothing.
        overrides: Dependency name -> fact -> variable name. Replaces the wiring of that
            one dependency entirely (an empty mapping wires nothing for it).
        seen_from: The dependent's namespace: a dependency in another namespace is wired
            with ``<host>.<namespace>.svc`` in every fact that carries its host
            (:meth:`~aipp_constructs.core.references.Endpoint.facts`). Defaults to ``None``
            (every dependency as seen from its own namespace).

    Raises:
        ValueError: an override names a component that is not a dependency, a fact the
            provider does not offer, or two dependencies would set the same variable.
    """
    overrides = overrides or {}
    names = [name for name, _ in dependencies]
    for name in overrides:
        if name not in names:
            raise ValueError(
                f"wiring names {name!r}, which is not a dependency; dependencies: {', '.join(names) or 'none'}"
            )
    out: list[tuple[str, str | SecretKeyRef]] = []
    owner: dict[str, str] = {}
    for name, endpoint in dependencies:
        facts = endpoint.facts(seen_from)
        mapping = overrides[name] if name in overrides else wiring.get(endpoint.protocol, {})
        for fact, template in mapping.items():
            if fact not in facts:
                raise ValueError(
                    f"wiring.{name}.{fact}: {name} offers no fact {fact!r}; known: {', '.join(sorted(facts))}"
                )
            var = check_env_name(f"wiring.{name}.{fact}", template.replace("{NAME}", upper_snake(name)))
            if var in owner:
                raise ValueError(
                    f"wiring sets {var} for both {owner[var]} and {name}; override the wiring of one of them"
                )
            owner[var] = name
            out.append((var, facts[fact]))
    return out
