"""The dependency graph of a port, declared by component name (as in a Compose file).

Pure Python, no cdk8s: :func:`resolve_order` checks the declared edges and returns the
enabled components in an order in which each comes after everything it needs. The chart
then creates the components in that order, handing each its dependencies as objects; from
there :class:`~aipp_constructs.core.component.Component` derives waves, start-up waits and
connection wiring.

Two kinds of edge:

* ``depends_on``: the dependent connects to the dependency. It waits for it at start-up,
  receives its connection settings, and (later) is allowed through its NetworkPolicy. A
  dependency on a disabled or unknown component is an error.
* ``after``: ordering only, like Compose's ``depends_on`` with ``required: false``. The
  component is applied in a later wave than the named ones, but neither waits for nor
  connects to them. A disabled component named here is skipped (that is what the edge is
  for: "after the GPU worker, if there is one"); an unknown one is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["GraphError", "GraphNode", "resolve_order"]


@dataclass(frozen=True, kw_only=True, slots=True)
class GraphNode:
    """One component as the graph sees it.

    Attributes:
        depends_on: Names of the components it connects to. Defaults to none.
        after: Names of components it is applied after, without connecting. Defaults to none.
        enabled: Whether the component is deployed. Defaults to ``True``.
    """

    depends_on: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    enabled: bool = True

    def __post_init__(self) -> None:
        for field in ("depends_on", "after"):
            for target in getattr(self, field):
                if not isinstance(target, str):
                    raise ValueError(
                        f"GraphNode.{field} names components by name, got {type(target).__name__} {target!r}; "
                        "give its name (a cdk8s workload joins as AdoptedWorkload(chart, 'x', workload=...))"
                    )


class GraphError(ValueError):
    """A declared edge that cannot be honoured; names both ends.

    Attributes:
        node: The component whose declaration is wrong.
        field: ``"depends_on"`` or ``"after"``.
    """

    def __init__(self, node: str, field: str, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.field = field


def resolve_order(nodes: Mapping[str, GraphNode]) -> tuple[str, ...]:
    """The enabled components, each after all of its ``depends_on`` and ``after`` targets.

    Ties keep the declaration order of ``nodes``, so the output is stable.

    Raises:
        GraphError: an edge names an unknown component, an enabled component depends on a
            disabled one, or the edges form a cycle (the message lists the cycle).
    """
    for name, node in nodes.items():
        for field in ("depends_on", "after"):
            for target in getattr(node, field):
                if target not in nodes:
                    raise GraphError(
                        name,
                        field,
                        f"{name} names {target!r} in {field}, which is not a component; "
                        f"known: {', '.join(sorted(nodes))}",
                    )
                if target == name:
                    raise GraphError(name, field, f"{name} names itself in {field}; remove it")
    edges: dict[str, tuple[str, ...]] = {}
    for name, node in nodes.items():
        if not node.enabled:
            continue
        for target in node.depends_on:
            if not nodes[target].enabled:
                raise GraphError(
                    name,
                    "depends_on",
                    f"{name} depends on {target}, which is disabled; enable {target} "
                    f"or remove it from the depends_on of {name}",
                )
        edges[name] = node.depends_on + tuple(t for t in node.after if nodes[t].enabled and t not in node.depends_on)
    return _topological(edges)


def _topological(edges: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    order: list[str] = []
    state: dict[str, str] = {}  # "visiting" while on the stack, "done" after

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = path[path.index(name) :] + (name,)
            raise GraphError(
                cycle[0],
                "depends_on",
                f"dependency cycle {' -> '.join(cycle)}; remove one of these edges (from depends_on or after)",
            )
        state[name] = "visiting"
        for target in edges[name]:
            visit(target, path + (name,))
        state[name] = "done"
        order.append(name)

    for name in edges:
        visit(name, ())
    return tuple(order)
