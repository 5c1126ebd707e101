"""The image table turned into references and mirror commands, from one source.

The chart pulls what :func:`image_ref` returns; ``aipp images <env>``
prints what :func:`mirror_commands` returns. Both read the same rows of the environment
file, so the manifests and the mirroring cannot drift apart.
"""

from __future__ import annotations

import shlex
from typing import Literal

from .config import APP_COMPONENTS, EnvironmentConfig

__all__ = ["MirrorTool", "image_ref", "mirror_commands", "mirror_source", "mirror_target"]

MirrorTool = Literal["skopeo", "docker"]


def image_ref(env: EnvironmentConfig, component: str) -> str:
    """The full reference the cluster pulls for ``component`` (or the ``wait-for`` row).

    * Docker Hub images: ``<harbor>/<dockerhub proxy project>/<repository>:<tag>``;
    * vendor images, ``vendor_images: mirror`` (option A): ``<harbor>/<mirror project>/<name>:<tag>``;
    * vendor images, ``vendor_images: vendor`` (option B): ``<vendor host>/<repository>:<tag>``;

    each with ``@<digest>`` when the row pins one.
    """
    row = env.images[component]
    registry = env.registry
    if row.source == "dockerhub":
        base = f"{registry.host}/{registry.dockerhub_proxy_project}/{row.repository}"
    elif registry.vendor_images == "mirror":
        base = mirror_target(env, component).rpartition(":")[0]
    else:
        base = f"{registry.vendor_host}/{row.repository}"
    ref = f"{base}:{row.tag}"
    return f"{ref}@{row.digest}" if row.digest else ref


def mirror_source(env: EnvironmentConfig, component: str) -> str:
    """Where the vendor publishes ``component``: ``<vendor host>/<repository>:<vendor tag>``."""
    row = env.images[component]
    return f"{env.registry.vendor_host}/{row.repository}:{row.vendor_tag or row.tag}"


def mirror_target(env: EnvironmentConfig, component: str) -> str:
    """Where option A pulls ``component`` from: ``<harbor>/<mirror project>/<name>:<tag>``."""
    row = env.images[component]
    return f"{env.registry.host}/{env.registry.mirror_project}/{row.mirror_name}:{row.tag}"


def mirror_commands(env: EnvironmentConfig, tool: MirrorTool = "skopeo") -> list[str]:
    """One shell command per enabled vendor image, copying it from the vendor to Harbor.

    ``skopeo copy --all`` keeps every platform of a multi-arch image; the ``docker`` form
    (pull, tag, push) copies the platform of the machine it runs on.
    """
    commands = []
    for component in APP_COMPONENTS:
        if not env.enabled(component) or env.images[component].source != "vendor":
            continue
        source = shlex.quote(mirror_source(env, component))
        target = shlex.quote(mirror_target(env, component))
        if tool == "skopeo":
            commands.append(f"skopeo copy --all docker://{source} docker://{target}")
        else:
            commands.append(f"docker pull {source} && docker tag {source} {target} && docker push {target}")
    return commands
