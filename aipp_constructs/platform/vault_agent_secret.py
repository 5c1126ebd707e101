"""``VaultAgentSecret``: a Vault KV secret read by the pods' Vault Agents (secret provider
``vault-agent``): no object is written, its :meth:`VaultAgentSecret.key` references carry the
KV path and property that an :class:`~aipp_constructs.core.vault_agent.AgentFile` renders."""

from __future__ import annotations

from collections.abc import Mapping

from constructs import Construct

from aipp_constructs.core._validation import check_dns_label
from aipp_constructs.core.references import SecretKeyRef

__all__ = ["VaultAgentSecret"]


class VaultAgentSecret(Construct):
    """The Vault Agent counterpart of :class:`~aipp_constructs.platform.external_secret.VaultSecret`.

    Attributes:
        name: The secret's name (as the Kubernetes Secret would be named).
        vault_path: Its KV path, e.g. ``secret/aipp/pgvector``.
    """

    def __init__(
        self, scope: Construct, id: str, *, name: str, vault_path: str, keys: Mapping[str, str], kv_version: int = 2
    ) -> None:
        super().__init__(scope, id)
        check_dns_label("name", name)
        if not keys:
            raise ValueError(f"vault_secret {name!r}: keys must map at least one key to a Vault property, got {{}}")
        self.name = name
        self.vault_path = vault_path
        self._refs = {
            key: SecretKeyRef(name=name, key=key, vault_path=vault_path, vault_property=prop, kv_version=kv_version)
            for key, prop in keys.items()
        }

    def key(self, key: str) -> SecretKeyRef:
        """A reference to one property; raises if the key was not declared."""
        if key not in self._refs:
            raise KeyError(f"secret {self.name!r} has no key {key!r}; known: {sorted(self._refs)}")
        return self._refs[key]
