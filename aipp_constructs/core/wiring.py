"""Connection wiring: which environment variables a dependent gets for each dependency.

A provider's :class:`~aipp_constructs.core.references.Endpoint` offers *facts* (``host``,
``port``, ``url``, ``jdbc_url``, ``database``, ``username``, ``password``...; credentials
are Secret references, never values). A *wiring* maps facts to the variable names an image
expects, per protocol of the provider. The names are data: a vendor image that reads
``DB_URL`` instead of ``SPRING_DATASOURCE_URL`` gets an override, not a code change.

A variable name may contain ``{NAME}``, replaced by the dependency's name in upper snake
case (``enai-backend`` -> ``ENAI_BACKEND``), so one rule serves every HTTP dependency.

One fact may feed several variables: a tuple of names sets each from the fact
(``{"url": ("SSRF_PROXY_HTTP_URL", "SSRF_PROXY_HTTPS_URL")}``). Each variable is set once per
dependent: two facts, or two dependencies, naming the same variable are refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from aipp_constructs.core.references import Endpoint, SecretKeyRef

__all__ = [
    "NAMED_WIRING",
    "SPRING_BOOT_WIRING",
    "FactVariables",
    "Wiring",
    "check_env_name",
    "check_fact_wiring",
    "check_wiring_tables",
    "connection_env",
    "fact_variables",
    "upper_snake",
]

#: The variable(s) one fact sets: a name, or a tuple of names each set from the fact.
FactVariables = str | tuple[str, ...]

#: protocol -> fact -> variable name(s).
Wiring = Mapping[str, Mapping[str, FactVariables]]

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


def fact_variables(field: str, variables: object) -> tuple[str, ...]:
    """The variable names one fact sets: ``"A"`` -> ``("A",)``, ``("A", "B")`` as is; each a
    valid name (after ``{NAME}`` substitution), at least one, none twice."""
    names = (variables,) if isinstance(variables, str) else variables
    if not isinstance(names, tuple) or not names or not all(isinstance(n, str) for n in names):
        raise ValueError(
            f"{field} must be a variable name or a non-empty tuple of them, got {variables!r}; "
            "e.g. 'DB_URL' or ('HTTP_URL', 'HTTPS_URL')"
        )
    for name in names:
        check_env_name(field, name.replace("{NAME}", "X"))
    if len(set(names)) != len(names):
        raise ValueError(f"{field} names a variable twice, got {variables!r}; name each once")
    return names


def check_fact_wiring(field: str, facts: object, *, allow_none: bool = False) -> None:
    """One dependency's wiring (fact -> variable name(s)), e.g. one entry of
    ``wiring_overrides``; with ``allow_none``, ``None`` (drop the fact) is accepted too."""
    if not isinstance(facts, Mapping):
        raise ValueError(f"{field} must be a mapping of fact -> variable name(s), got {facts!r}")
    for fact, variables in facts.items():
        if variables is None and allow_none:
            continue
        fact_variables(f"{field}.{fact}", variables)


def check_wiring(field: str, wiring: Wiring) -> None:
    """Every variable name of a wiring (after ``{NAME}`` substitution) is valid."""
    for key, facts in wiring.items():
        check_fact_wiring(f"{field}.{key}", facts)


def check_wiring_tables(
    overrides: Mapping[str, Mapping[str, FactVariables]],
    updates: Mapping[str, Mapping[str, FactVariables | None]],
) -> None:
    """A dependent's ``wiring_overrides`` and ``wiring_updates`` props: valid variable names,
    and no dependency in both (an override replaces what an update would merge into)."""
    for table, entries in (("wiring_overrides", overrides), ("wiring_updates", updates)):
        if not isinstance(entries, Mapping):
            raise ValueError(f"{table} must be a mapping of dependency -> fact -> variable name(s), got {entries!r}")
        for dep, facts in entries.items():
            check_fact_wiring(f"{table}.{dep}", facts, allow_none=table == "wiring_updates")
    if both := sorted(set(overrides) & set(updates)):
        raise ValueError(
            f"wiring_overrides and wiring_updates both name {', '.join(both)}; "
            "override the whole wiring or update some facts, not both"
        )


def connection_env(
    dependencies: Sequence[tuple[str, Endpoint]],
    wiring: Wiring,
    overrides: Mapping[str, Mapping[str, FactVariables]] | None = None,
    updates: Mapping[str, Mapping[str, FactVariables | None]] | None = None,
    *,
    seen_from: str | None = None,
) -> list[tuple[str, str | SecretKeyRef]]:
    """The wired variables of a dependent, in dependency order, facts in wiring order (a
    fact with several variables gives them in their order).

    Args:
        dependencies: (name, endpoint) of each dependency.
        wiring: Variable names by protocol (e.g. :data:`SPRING_BOOT_WIRING`). A protocol
            missing from it wires nothing.
        overrides: Dependency name -> fact -> variable name(s). Replaces the wiring of that
            one dependency entirely (an empty mapping wires nothing for it).
        updates: Dependency name -> fact -> variable name(s) or ``None``, merged over the
            wiring of that dependency's protocol: a fact named here is renamed (added after
            the protocol's facts if it had none), ``None`` drops it, the others keep their
            variables. A dependency may not be named in both ``overrides`` and ``updates``.
        seen_from: The dependent's namespace: a dependency in another namespace is wired
            with ``<host>.<namespace>.svc`` in every fact that carries its host
            (:meth:`~aipp_constructs.core.references.Endpoint.facts`). Defaults to ``None``
            (every dependency as seen from its own namespace).

    Raises:
        ValueError: an override or update names a component that is not a dependency, or
            a fact the provider does not offer; a dependency is in both tables; or one
            variable would be set twice.
    """
    overrides = overrides or {}
    updates = updates or {}
    names = [name for name, _ in dependencies]
    for name in (*overrides, *updates):
        if name not in names:
            raise ValueError(
                f"wiring names {name!r}, which is not a dependency; dependencies: {', '.join(names) or 'none'}"
            )
    if both := sorted(set(overrides) & set(updates)):
        raise ValueError(
            f"wiring_overrides and wiring_updates both name {', '.join(both)}; "
            "override the whole wiring or update some facts, not both"
        )
    out: list[tuple[str, str | SecretKeyRef]] = []
    owner: dict[str, tuple[str, str]] = {}
    for name, endpoint in dependencies:
        facts = endpoint.facts(seen_from)
        mapping: dict[str, FactVariables | None]
        if name in overrides:
            mapping = dict(overrides[name])
        else:
            mapping = {**wiring.get(endpoint.protocol, {}), **updates.get(name, {})}
            for fact in updates.get(name, {}):
                if fact not in facts:
                    raise ValueError(
                        f"wiring_updates.{name}.{fact}: {name} offers no fact {fact!r}; "
                        f"known: {', '.join(sorted(facts))}"
                    )
        for fact, templates in mapping.items():
            if templates is None:
                continue
            if fact not in facts:
                raise ValueError(
                    f"wiring.{name}.{fact}: {name} offers no fact {fact!r}; known: {', '.join(sorted(facts))}"
                )
            for template in fact_variables(f"wiring.{name}.{fact}", templates):
                var = check_env_name(f"wiring.{name}.{fact}", template.replace("{NAME}", upper_snake(name)))
                if var in owner and owner[var][0] == name:
                    raise ValueError(
                        f"wiring.{name}: sets {var} from both {owner[var][1]} and {fact}; "
                        "give each fact variables of its own"
                    )
                if var in owner:
                    raise ValueError(
                        f"wiring sets {var} for both {owner[var][0]} and {name}; override the wiring of one of them"
                    )
                owner[var] = (name, fact)
                out.append((var, facts[fact]))
    return out
