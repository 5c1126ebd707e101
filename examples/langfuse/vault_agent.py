"""The Langfuse port of langfuse.py with its secrets through the Vault Agent Injector
(docs/vault-agent.md): no ExternalSecret, no Secret, no ``secretKeyRef``.

PostgreSQL and Redis read the files their presets render. ClickHouse, MinIO and Langfuse read
their credentials from variables only: ``agent_env="shell-env"`` renders them into a shell file
that each container's command sources before it ``exec``s the image's own entrypoint and
command, which Kubernetes then needs written out; they are taken from the images' Dockerfiles
(ClickHouse's ``docker/server/Dockerfile``, Langfuse's ``web/Dockerfile`` and
``worker/Dockerfile``: the web image's shell-form CMD without its Langfuse Cloud branch). MinIO's
command is already the port's own ``sh -c``. The images need ``sh``.

``python examples/langfuse/vault_agent.py`` prints the manifests.
"""

import importlib.util
from pathlib import Path
from typing import cast

from cdk8s import App

import aipp_constructs as ac

STORE = ac.SecretStore(
    vault_path="secret/langfuse",
    provider="vault-agent",
    vault_agent=ac.VaultAgent(
        namespace="vault",
        pod_labels={"app.kubernetes.io/name": "vault"},
        agent_env="shell-env",
        entrypoints={
            "clickhouse/clickhouse-server": (("/entrypoint.sh",), None),
            "langfuse/langfuse": (
                ("dumb-init", "--", "./web/entrypoint.sh"),
                ("node", "./web/server.js", "--keepAliveTimeout", "110000"),
            ),
            "langfuse/langfuse-worker": (
                ("dumb-init", "--", "./worker/entrypoint.sh"),
                ("node", "worker/dist/index.js"),
            ),
        },
    ),
)


def build(app: App) -> ac.PortChart:
    """langfuse.py's port (loaded from beside this file) with :data:`STORE`."""
    spec = importlib.util.spec_from_file_location("langfuse_port", Path(__file__).resolve().parent / "langfuse.py")
    assert spec is not None and spec.loader is not None
    port = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(port)
    return cast("ac.PortChart", port.build(app, secret_store=STORE))


if __name__ == "__main__":
    app = App()
    build(app)
    print(app.synth_yaml())
