"""The dependency graph by name: order, and every refused declaration naming both ends."""

from __future__ import annotations

import pytest

from aipp_constructs.core.graph import GraphError, GraphNode, resolve_order

N = GraphNode


def test_dependencies_come_first_and_ties_keep_declaration_order() -> None:
    nodes = {
        "front": N(depends_on=("backend",)),
        "backend": N(depends_on=("db", "cache")),
        "db": N(),
        "cache": N(),
        "worker": N(depends_on=("backend",)),
    }
    assert resolve_order(nodes) == ("db", "cache", "backend", "front", "worker")


def test_after_orders_without_being_a_dependency() -> None:
    nodes = {"front": N(after=("worker",)), "worker": N()}
    assert resolve_order(nodes) == ("worker", "front")


def test_disabled_components_are_left_out_and_after_edges_to_them_are_skipped() -> None:
    nodes = {"db": N(), "gpu": N(depends_on=("db",), enabled=False), "front": N(after=("gpu",))}
    assert resolve_order(nodes) == ("db", "front")


def test_a_disabled_component_may_depend_on_anything_known() -> None:
    nodes = {"gpu": N(depends_on=("off",), enabled=False), "off": N(enabled=False)}
    assert resolve_order(nodes) == ()


@pytest.mark.parametrize(
    ("nodes", "node", "field", "message"),
    [
        (
            {"backend": N(depends_on=("pgvectr",)), "pgvector": N()},
            "backend",
            "depends_on",
            "backend names 'pgvectr' in depends_on, which is not a component; known: backend, pgvector",
        ),
        (
            {"front": N(after=("wrker",)), "worker": N()},
            "front",
            "after",
            "front names 'wrker' in after, which is not a component; known: front, worker",
        ),
        (
            {"worker": N(depends_on=("gpu",)), "gpu": N(enabled=False)},
            "worker",
            "depends_on",
            "worker depends on gpu, which is disabled; enable gpu or remove it from the depends_on of worker",
        ),
        ({"a": N(depends_on=("a",))}, "a", "depends_on", "a names itself in depends_on; remove it"),
        (
            {"a": N(depends_on=("b",)), "b": N(depends_on=("c",)), "c": N(depends_on=("a",))},
            "a",
            "depends_on",
            "dependency cycle a -> b -> c -> a; remove one of these edges (from depends_on or after)",
        ),
        (
            {"a": N(after=("b",)), "b": N(depends_on=("a",))},
            "a",
            "depends_on",
            "dependency cycle a -> b -> a; remove one of these edges (from depends_on or after)",
        ),
    ],
    ids=["unknown-dependency", "unknown-after", "disabled-dependency", "self", "cycle", "cycle-through-after"],
)
def test_bad_declarations_are_refused_naming_both_ends(
    nodes: dict[str, GraphNode], node: str, field: str, message: str
) -> None:
    with pytest.raises(GraphError) as info:
        resolve_order(nodes)
    assert (info.value.node, info.value.field, str(info.value)) == (node, field, message)


def test_graph_error_is_a_value_error() -> None:
    assert issubclass(GraphError, ValueError)
