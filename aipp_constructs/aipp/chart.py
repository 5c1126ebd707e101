"""``AippChart``: the AIPP deployment for one environment, composed from the library.

Composition order is fixed and is the order of objects in ``dist/<env>/aipp.k8s.yaml``:
namespace, credential ExternalSecrets, then components in dependency order. Waves are not
typed here: each component derives its own from what it depends on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cdk8s import Chart
from constructs import Construct

from .._config_loader import ConfigError
from ..external_secret import VaultSecret, VaultSecretProps
from ..namespace import RestrictedNamespace, RestrictedNamespaceProps
from ..pgvector_db import PgvectorDb, PgvectorDbProps
from ..rabbit_mq import RabbitMq, RabbitMqProps
from ..redis_cache import RedisCache, RedisCacheProps
from .config import EnvironmentConfig

__all__ = ["PART_OF", "AippChart", "CREDENTIAL_SETS"]

PART_OF = "aipp"

#: Credential sets: Secret name -> (Vault key under ``secrets.vault_path``, Secret key -> Vault property).
CREDENTIAL_SETS: dict[str, tuple[str, dict[str, str]]] = {
    "pgvector-credentials": ("pgvector", {"username": "username", "password": "password"}),
    "redis-credentials": ("redis", {"password": "password"}),
    "rabbitmq-credentials": (
        "rabbitmq",
        {"username": "username", "password": "password", "erlang-cookie": "erlang_cookie"},
    ),
}


class AippChart(Chart):
    """Every object of the AIPP port for one environment.

    Attributes:
        env: The environment this chart was built from.
        namespace_: The ``RestrictedNamespace``.
        secrets: The ``VaultSecret`` of each credential set, by Secret name.
        pgvector, redis, rabbitmq: The data tier.
    """

    def __init__(self, scope: Construct, id: str, env: EnvironmentConfig, *, source: str = "") -> None:
        super().__init__(scope, id, namespace=env.namespace, disable_resource_name_hashes=True)
        self.env = env
        self._source = source or f"environments/{env.name}.yaml"
        self.namespace_ = RestrictedNamespace(
            self,
            "Namespace",
            RestrictedNamespaceProps(name=env.namespace, pod_security_version=env.pod_security_version),
        )
        self.secrets = {
            secret_name: VaultSecret(
                self,
                f"Secret-{secret_name}",
                VaultSecretProps(
                    name=secret_name,
                    store_name=env.secrets.store,
                    store_kind=env.secrets.store_kind,
                    remote_key=f"{env.secrets.vault_path}/{vault_key}",
                    keys=keys,
                    refresh_interval=env.secrets.refresh_interval,
                    labels={"app.kubernetes.io/part-of": PART_OF},
                ),
            )
            for secret_name, (vault_key, keys) in CREDENTIAL_SETS.items()
        }
        components = env.components
        pg_secret = self.secrets["pgvector-credentials"]
        with self._config_path("components.pgvector"):
            self.pgvector = PgvectorDb(
                self,
                "Pgvector",
                PgvectorDbProps(
                    image=self.image("pgvector"),
                    username=pg_secret.key("username"),
                    password=pg_secret.key("password"),
                    database=components.pgvector.database,
                    part_of=PART_OF,
                    storage_size=components.pgvector.storage_size,
                    storage_class_name=env.storage_class,
                    shm_size=components.pgvector.shm_size,
                    resources=components.pgvector.resources,
                ),
            )
        with self._config_path("components.redis"):
            self.redis = RedisCache(
                self,
                "Redis",
                RedisCacheProps(
                    image=self.image("redis"),
                    password=self.secrets["redis-credentials"].key("password"),
                    part_of=PART_OF,
                    storage_size=components.redis.storage_size,
                    storage_class_name=env.storage_class,
                    resources=components.redis.resources,
                ),
            )
        mq_secret = self.secrets["rabbitmq-credentials"]
        with self._config_path("components.rabbitmq"):
            self.rabbitmq = RabbitMq(
                self,
                "RabbitMq",
                RabbitMqProps(
                    image=self.image("rabbitmq"),
                    username=mq_secret.key("username"),
                    password=mq_secret.key("password"),
                    erlang_cookie=mq_secret.key("erlang-cookie"),
                    part_of=PART_OF,
                    storage_size=components.rabbitmq.storage_size,
                    storage_class_name=env.storage_class,
                    resources=components.rabbitmq.resources,
                ),
            )

    def image(self, component: str) -> str:
        """The full image reference of ``component`` from the image table.

        Docker Hub images are pulled through the Harbor proxy-cache project.
        """
        row = self.env.images[component]
        registry = self.env.registry
        ref = f"{registry.host}/{registry.dockerhub_proxy_project}/{row.repository}:{row.tag}"
        return f"{ref}@{row.digest}" if row.digest else ref

    @contextmanager
    def _config_path(self, path: str) -> Iterator[None]:
        """Report a props validation error against the environment field it came from."""
        try:
            yield
        except ConfigError:
            raise
        except ValueError as err:
            raise ConfigError(self._source, path, str(err)) from err
