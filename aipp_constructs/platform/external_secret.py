"""``VaultSecret``: one Kubernetes Secret filled by External Secrets Operator from Vault.

Creates one ``ExternalSecret`` (``external-secrets.io/v1``, wave 0) that reads properties of
one Vault KV path through a named ``ClusterSecretStore`` (or namespaced ``SecretStore``) and
writes them into a Secret of the same name. No secret value is ever part of the manifests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from constructs import Construct

from aipp_constructs.core._manifest import Manifest
from aipp_constructs.core._validation import check_dns_label
from aipp_constructs.core.component import CONFIG_WAVE, SKIP_DRY_RUN_ON_MISSING_RESOURCE, SYNC_WAVE_ANNOTATION
from aipp_constructs.core.references import SecretKeyRef

__all__ = ["VaultSecret", "VaultSecretProps"]

_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_DURATION = re.compile(r"^([0-9]+h)?([0-9]+m)?([0-9]+s)?$")
_STORE_KINDS = ("ClusterSecretStore", "SecretStore")


@dataclass(frozen=True, kw_only=True, slots=True)
class VaultSecretProps:
    """Props of :class:`VaultSecret`.

    Attributes:
        name: Name of the ExternalSecret and of the Secret it writes. Required.
        store_name: Name of the (Cluster)SecretStore that reads Vault. Required.
        remote_key: Vault KV path, e.g. ``secret/aipp/pgvector``. Required.
        keys: Secret key -> Vault property, e.g. the key ``password`` from the property
            ``password``. Required, at least one.
        store_kind: ``ClusterSecretStore`` or ``SecretStore``. Defaults to ``"ClusterSecretStore"``.
        refresh_interval: How often ESO re-reads Vault (Go duration). Defaults to ``"1h"``.
        secret_type: Type of the written Secret. Defaults to ``"Opaque"``.
        template_data: Secret key -> Go template over the fetched ``keys`` (ESO template
            engine v2, e.g. a ``.dockerconfigjson`` built from ``username`` and ``password``).
            With templates the Secret holds only the templated keys. Defaults to none.
        labels: Labels of the ExternalSecret. Defaults to none.

    See: https://external-secrets.io/latest/api/externalsecret/
    """

    name: str
    store_name: str
    remote_key: str
    keys: Mapping[str, str]
    store_kind: str = "ClusterSecretStore"
    refresh_interval: str = "1h"
    secret_type: str = "Opaque"
    template_data: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_dns_label("name", self.name)
        check_dns_label("store_name", self.store_name)
        if not self.remote_key or self.remote_key.startswith("/") or " " in self.remote_key:
            raise ValueError(f"remote_key must be a Vault path like 'secret/app/db', got {self.remote_key!r}")
        if not self.keys:
            raise ValueError("keys must map at least one Secret key to a Vault property, got {}")
        for key, prop in self.keys.items():
            if not _SECRET_KEY.fullmatch(key) or key.startswith("..") or key == "." or len(key) > 253 or not prop:
                raise ValueError(
                    f"keys must map Secret keys ([-._a-zA-Z0-9]+) to Vault property names, got {key!r}: {prop!r}"
                )
        if self.store_kind not in _STORE_KINDS:
            raise ValueError(f"store_kind must be one of {sorted(_STORE_KINDS)}, got {self.store_kind!r}")
        for key in self.template_data:
            if not _SECRET_KEY.fullmatch(key):
                raise ValueError(f"template_data keys must be Secret keys ([-._a-zA-Z0-9]+), got {key!r}")
        if not self.refresh_interval or not _DURATION.fullmatch(self.refresh_interval):
            raise ValueError(f"refresh_interval must be a duration like '1h' or '30m', got {self.refresh_interval!r}")


class VaultSecret(Construct):
    """A Secret synchronised from Vault by External Secrets Operator.

    Attributes:
        name: Name of the Secret (and of the ExternalSecret).
        resource: The ``ExternalSecret`` object.
    """

    def __init__(self, scope: Construct, id: str, props: VaultSecretProps) -> None:
        super().__init__(scope, id)
        self.name = props.name
        self._keys = frozenset(props.keys)
        template = (
            None
            if props.secret_type == "Opaque" and not props.template_data  # pragma: allowlist secret
            else {"type": props.secret_type, "engineVersion": "v2", "data": dict(props.template_data) or None}
        )
        self.resource = Manifest(
            self,
            "Resource",
            {
                "apiVersion": "external-secrets.io/v1",
                "kind": "ExternalSecret",
                "metadata": {
                    "name": props.name,
                    "labels": dict(props.labels) or None,
                    "annotations": {SYNC_WAVE_ANNOTATION: str(CONFIG_WAVE), **SKIP_DRY_RUN_ON_MISSING_RESOURCE},
                },
                "spec": {
                    "refreshInterval": props.refresh_interval,
                    "secretStoreRef": {"kind": props.store_kind, "name": props.store_name},
                    "target": {
                        "name": props.name,
                        # The Secret belongs to the ExternalSecret; if a Vault key disappears,
                        # keep the last value rather than pulling credentials from running pods.
                        "creationPolicy": "Owner",
                        "deletionPolicy": "Retain",
                        # Without a template ESO writes the fetched keys as they are, as an
                        # Opaque Secret; a template is only needed to change the type or shape.
                        "template": template,
                    },
                    "data": [
                        {"secretKey": key, "remoteRef": {"key": props.remote_key, "property": prop}}
                        for key, prop in sorted(props.keys.items())
                    ],
                },
            },
        )

    def key(self, key: str) -> SecretKeyRef:
        """A reference to one key of the written Secret; raises if the key is not synchronised."""
        if key not in self._keys:
            raise KeyError(f"secret {self.name!r} has no key {key!r}; known: {sorted(self._keys)}")
        return SecretKeyRef(name=self.name, key=key)
