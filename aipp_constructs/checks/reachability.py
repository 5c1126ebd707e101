"""Who may open which port on whom, computed from NetworkPolicies alone (pure Python).

A connection from pod A to port P of pod B is allowed when both ends allow it:

* egress: A is selected by no policy with ``Egress`` in its types, or one such policy has an
  egress rule whose peers match B and whose ports match P;
* ingress: the same, for B, ``Ingress``, and A.

Peers are matched by ``podSelector`` (in the policy's namespace), ``namespaceSelector``
(on the ``kubernetes.io/metadata.name`` label every namespace carries) or both; ``ipBlock``
peers are treated as outside every namespace. Only ``matchLabels`` selectors are
understood; a policy using ``matchExpressions`` is refused rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Pod", "allowed", "reachability", "workload_pods"]


@dataclass(frozen=True)
class Pod:
    """A pod as policies see it.

    Attributes:
        name: A name for reports (the workload's name).
        namespace: Its namespace.
        labels: Its labels.
        ports: Its container ports, ``(number, protocol)``.
    """

    name: str
    namespace: str
    labels: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    ports: tuple[tuple[int, str], ...] = ()


def workload_pods(manifests: Iterable[Mapping[str, Any]]) -> list[Pod]:
    """One pod per workload (Deployment, StatefulSet, DaemonSet, Job, CronJob) of ``manifests``."""
    pods = []
    for m in manifests:
        if m.get("kind") not in {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}:
            continue
        spec = m["spec"]["jobTemplate"]["spec"] if m["kind"] == "CronJob" else m["spec"]
        template = spec["template"]
        ports = tuple(
            (p["containerPort"], p.get("protocol", "TCP"))
            for c in template["spec"]["containers"]
            for p in c.get("ports", [])
        )
        pods.append(
            Pod(m["metadata"]["name"], m["metadata"]["namespace"], template["metadata"].get("labels", {}), ports)
        )
    return pods


def _selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    if selector is None:
        return True
    if selector.get("matchExpressions"):
        raise ValueError(f"matchExpressions are not understood by this check: {selector!r}")
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


def _peer_matches(peer: Mapping[str, Any], policy_namespace: str, pod: Pod) -> bool:
    if "ipBlock" in peer:
        return False
    namespace_selector = peer.get("namespaceSelector")
    if namespace_selector is None:
        in_namespace = pod.namespace == policy_namespace
    else:
        in_namespace = _selects(namespace_selector, {"kubernetes.io/metadata.name": pod.namespace})
    return in_namespace and _selects(peer.get("podSelector"), pod.labels)


def _port_matches(rule_ports: list[Mapping[str, Any]] | None, port: int, protocol: str) -> bool:
    if not rule_ports:
        return True
    return any(p.get("port") in (None, port) and p.get("protocol", "TCP") == protocol for p in rule_ports)


def _side_allows(
    policies: Sequence[Mapping[str, Any]], subject: Pod, other: Pod, port: int, protocol: str, direction: str
) -> bool:
    """Whether ``subject``'s policies of ``direction`` let it talk to ``other`` on ``port``."""
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    isolating = [
        p
        for p in policies
        if p["metadata"]["namespace"] == subject.namespace
        and direction in p["spec"].get("policyTypes", ["Ingress"])
        and _selects(p["spec"].get("podSelector"), subject.labels)
    ]
    if not isolating:
        return True
    for policy in isolating:
        for rule in policy["spec"].get(key) or []:
            peers = rule.get(peers_key)
            peer_ok = not peers or any(_peer_matches(peer, policy["metadata"]["namespace"], other) for peer in peers)
            if peer_ok and _port_matches(rule.get("ports"), port, protocol):
                return True
    return False


def allowed(policies: Sequence[Mapping[str, Any]], source: Pod, target: Pod, port: int, protocol: str = "TCP") -> bool:
    """Whether ``source`` may open ``port`` on ``target``."""
    return _side_allows(policies, source, target, port, protocol, "Egress") and _side_allows(
        policies, target, source, port, protocol, "Ingress"
    )


def reachability(manifests: Iterable[Mapping[str, Any]], outsiders: Iterable[Pod] = ()) -> set[tuple[str, str, int]]:
    """Every ``(source, target, port)`` allowed between the workloads of ``manifests``, and
    from each of ``outsiders`` (pods of other namespaces) to them, on their container ports."""
    manifests = list(manifests)
    policies = [m for m in manifests if m.get("kind") == "NetworkPolicy"]
    pods = workload_pods(manifests)
    return {
        (source.name, target.name, port)
        for source in [*pods, *outsiders]
        for target in pods
        if source is not target
        for port, protocol in target.ports
        if allowed(policies, source, target, port, protocol)
    }
