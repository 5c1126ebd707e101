"""``PortChart``: a chart for one vendor port, holding the port's defaults once.

What every component of a port shares is said once, in :class:`PortDefaults`, instead of
being passed to each construct by hand:

* the namespace (created as a :class:`~aipp_constructs.platform.namespace.RestrictedNamespace` at the
  port's Pod Security level) and the ``app.kubernetes.io/part-of`` label;
* the image policy: :meth:`PortChart.image` turns a Docker Hub reference (``redis:7.2.7``)
  into the reference the cluster pulls (``<registry>/<proxy project>/library/redis:7.2.7``),
  after checking it is pinned, and pull secrets go on every workload;
* telemetry and the start-up wait policy of every :class:`~aipp_constructs.workloads.workload.Workload`;
* the storage class of claims;
* the secret store: :meth:`PortChart.vault_secret` writes an ``ExternalSecret`` reading
  ``<vault_path>/<key>``.

A :class:`~aipp_constructs.workloads.workload.Workload` created anywhere under a ``PortChart`` takes
these defaults for every prop it was not given (``part_of``, ``wait``, ``telemetry``,
``image_pull_secrets``, claim templates' storage class). :meth:`PortChart.add_network_policies`
then derives the NetworkPolicies from the components the chart contains: there is no list of
components to keep in sync. The chart also refuses a workload whose security exception needs
a Pod Security level the namespace does not enforce.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdk8s import Chart
from constructs import Construct, IConstruct

from aipp_constructs.core._validation import (
    check_image,
    normalize_image,
)
from aipp_constructs.core.component import Component
from aipp_constructs.core.port_defaults import ImageMirror, PortDefaults, SecretStore, register_port
from aipp_constructs.core.security import PodSecurityLevel, admits
from aipp_constructs.platform.external_secret import VaultSecret, VaultSecretProps
from aipp_constructs.platform.namespace import RestrictedNamespace, RestrictedNamespaceProps
from aipp_constructs.platform.network_policies import ExternalPeer, GraphNetworkPolicies, GraphNetworkPoliciesProps
from aipp_constructs.platform.vault_agent_secret import VaultAgentSecret

__all__ = ["ImageMirror", "PortChart", "PortDefaults", "SecretStore"]


class PortChart(Chart):
    """A chart holding a port's defaults; see the module documentation.

    Attributes:
        defaults: The :class:`PortDefaults`.
        namespace_: The ``RestrictedNamespace``, or ``None`` with ``create_namespace=False``.
        network_policies: The ``GraphNetworkPolicies`` once :meth:`add_network_policies` ran.

    Example::

        chart = PortChart(app, "langfuse", PortDefaults(
            namespace="langfuse", part_of="langfuse", wait=WaitPolicy(image=...),
            image_mirror=ImageMirror(host="harbor.example.com"),
            secret_store=SecretStore(name="vault-backend", vault_path="secret/langfuse")))
        redis = RedisCache(chart, "Redis", RedisCacheProps(image=chart.image("redis:7.4.11"), ...))
        ...
        chart.add_network_policies()
    """

    def __init__(self, scope: Construct, id: str, defaults: PortDefaults) -> None:
        super().__init__(scope, id, namespace=defaults.namespace, disable_resource_name_hashes=True)
        self.defaults = defaults
        register_port(self)
        self.namespace_ = (
            RestrictedNamespace(
                self,
                "Namespace",
                RestrictedNamespaceProps(
                    name=defaults.namespace,
                    pod_security_version=defaults.pod_security_version,
                    level=defaults.pod_security_level,
                ),
            )
            if defaults.create_namespace
            else None
        )
        self.network_policies: GraphNetworkPolicies | None = None

    # Public API that shadows cdk8s's Chart.of on purpose: None when there is no port chart
    # (Chart.of returns the nearest Chart, or raises), so the narrower signature cannot match.
    @staticmethod
    def of(construct: IConstruct) -> PortChart | None:  # type: ignore[override]
        """The port chart ``construct`` is in, or ``None``."""
        for scope in reversed(construct.node.scopes):
            if isinstance(scope, PortChart):
                return scope
        return None

    def image(self, reference: str) -> str:
        """The reference the cluster pulls for a pinned Docker Hub (or other registry) image.

        A Docker Hub image (no registry host, ``docker.io``) is pulled through
        ``image_mirror`` when the port has one; an image of another registry as given.

        Raises:
            ValueError: the reference is not pinned (see :func:`~aipp_constructs.core._validation.check_image`).
        """
        check_image("image", reference)
        mirror = self.defaults.image_mirror
        full = normalize_image(reference)
        if mirror is None or not full.startswith("docker.io/"):
            return reference
        return f"{mirror.host}/{mirror.dockerhub_project}/{full.removeprefix('docker.io/')}"

    def vault_secret(
        self,
        name: str,
        key: str,
        keys: Mapping[str, str],
        *,
        labels: Mapping[str, str] | None = None,
        **props: Any,
    ) -> VaultSecret | VaultAgentSecret:
        """An ``ExternalSecret`` ``<name>`` reading ``<vault_path>/<key>``; ``keys`` maps the
        Secret's keys to the Vault properties; further ``props`` of
        :class:`~aipp_constructs.platform.external_secret.VaultSecretProps` (``secret_type``,
        ``template_data``) pass through.

        With the secret provider ``vault-agent`` no object is written: a
        :class:`~aipp_constructs.platform.vault_agent_secret.VaultAgentSecret` whose keys the
        workloads' Vault Agents render into files; ``props`` (a Secret's type, templates) are
        refused there, in one line naming the secret."""
        store = self.defaults.secret_store
        if store is None:
            raise ValueError(f"vault_secret {name!r}: the port has no secret_store; set PortDefaults.secret_store")
        if store.provider == "vault-agent":
            if props:
                raise ValueError(
                    f"vault_secret {name!r}: {', '.join(sorted(props))} (a Kubernetes Secret's shape) is not "
                    "supported with the secrets provider vault-agent"
                )
            assert store.vault_agent is not None  # SecretStore requires it with vault-agent
            return VaultAgentSecret(
                self,
                f"Secret-{name}",
                name=name,
                vault_path=f"{store.vault_path}/{key}",
                keys=keys,
                kv_version=store.vault_agent.kv_version,
            )
        return VaultSecret(
            self,
            f"Secret-{name}",
            VaultSecretProps(
                name=name,
                store_name=store.name,
                store_kind=store.kind,
                remote_key=f"{store.vault_path}/{key}",
                keys=dict(keys),
                refresh_interval=store.refresh_interval,
                labels={"app.kubernetes.io/part-of": self.defaults.part_of, **(labels or {})},
                **props,
            ),
        )

    def contained_components(self) -> tuple[Component, ...]:
        """Every component in the chart, in the order they were created (a graph order)."""
        return tuple(c for c in self.node.find_all() if isinstance(c, Component))

    def add_network_policies(
        self,
        *,
        dns: ExternalPeer | None = None,
        ingress: Mapping[str, tuple[ExternalPeer, ...]] | None = None,
        egress: Mapping[str, tuple[ExternalPeer, ...]] | None = None,
    ) -> GraphNetworkPolicies:
        """Default deny, DNS and every edge of the graph of the components in the chart, plus
        the further ``ingress`` and ``egress`` peers by component name; call it after the
        chart's last component. The rules read the edges when the app is synthesized, so an
        edge added later (a late ``connect_to``, a component of another chart that depends on
        one of this chart's) reaches them too; across namespaces with a ``namespaceSelector``."""
        if self.network_policies is not None:
            raise ValueError("add_network_policies was called twice; call it once, after the last component")
        extra = {} if dns is None else {"dns": dns}
        egress = {name: tuple(peers) for name, peers in (egress or {}).items()}
        store = self.defaults.secret_store
        vault = store.vault_agent if store is not None and store.provider == "vault-agent" else None
        if vault is not None:
            # Each pod with a Vault Agent reaches Vault (its agent logs in and reads there).
            peer = ExternalPeer(
                ports=(vault.port,), namespace=vault.namespace, pod_labels=dict(vault.pod_labels), cidr=vault.cidr
            )
            for component in self.contained_components():
                if getattr(component, "vault_role", None) is not None:
                    egress[component.name] = (*egress.get(component.name, ()), peer)
        self.network_policies = GraphNetworkPolicies(
            self,
            "NetworkPolicies",
            GraphNetworkPoliciesProps(
                components=self.contained_components(),
                ingress=dict(ingress or {}),
                egress=egress,
                labels={"app.kubernetes.io/part-of": self.defaults.part_of},
                **extra,
            ),
        )
        return self.network_policies

    def check_security(self, name: str, level: PodSecurityLevel, what: str) -> None:
        """Refuse a workload whose security exception needs more than the namespace admits."""
        enforced = self.defaults.pod_security_level
        if not admits(enforced, level):
            raise ValueError(
                f"{name}: security_exception ({what}) needs Pod Security '{level}', but namespace "
                f"{self.defaults.namespace} enforces '{enforced}'; declare the port at "
                f"pod_security_level='{level}' if the exception is justified, or drop it"
            )
