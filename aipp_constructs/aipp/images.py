"""The image table turned into references, a mirror plan and digest pins, from one source.

The chart pulls what :func:`image_ref` returns; ``aipp images <env>`` prints what
:func:`mirror_script` returns for the plan of :func:`plan_mirror`, and ``--pin`` writes what
:func:`pin_digests` returns. All read the same rows of the environment file, so the manifests
and the mirroring cannot drift apart.

Mirroring never destroys a release: the plan copies only images whose Harbor tag is missing,
the script checks each target again right before its copy (``--force`` aside), and each copy
is of the vendor's manifest by digest, the one resolved when the plan was made.
"""

from __future__ import annotations

import hashlib
import re
import shlex
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from .config import APP_COMPONENTS, EnvironmentConfig

__all__ = [
    "DigestQuery",
    "MirrorStep",
    "MirrorTool",
    "RegistryUnavailable",
    "image_ref",
    "login_commands",
    "mirror_script",
    "mirror_source",
    "mirror_target",
    "pin_digests",
    "plan_mirror",
    "tool_query",
    "vendor_components",
    "write_pins",
]

MirrorTool = Literal["skopeo", "crane", "docker"]

#: ref -> its manifest digest (``sha256:...``), or ``None`` when the registry has no such tag.
#: Raises :class:`RegistryUnavailable` when the registry cannot answer.
DigestQuery = Callable[[str], "str | None"]

#: What a registry (or the tool reading it) says for a tag it does not have.
_MISSING = re.compile(r"manifest[ _]unknown|name[ _]unknown|not[ _]found|no such manifest", re.IGNORECASE)
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_LOGGED = re.compile(r'level=\w+ msg="((?:[^"\\]|\\.)*)"')
#: Seconds one registry query may take.
QUERY_TIMEOUT = 60


class RegistryUnavailable(Exception):
    """A registry that cannot answer: unreachable, unauthorised, or an answer that is not a digest."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{host}: {reason}")
        self.host = host
        self.reason = reason


@dataclass(frozen=True)
class MirrorStep:
    """One vendor image of the plan.

    Attributes:
        component: The component whose image it is.
        source: The vendor's tag (``<vendor host>/<repository>:<vendor tag>``).
        target: The Harbor tag (``<harbor>/<mirror project>/<name>:<tag>``).
        source_digest: The vendor tag's digest when the plan was made (``None``: not resolved,
            the target is present and is not copied).
        target_digest: The Harbor tag's digest, ``None`` when the tag is missing.
        pinned: The digest the environment file pins for the row, if any.
    """

    component: str
    source: str
    target: str
    source_digest: str | None
    target_digest: str | None
    pinned: str | None

    @property
    def copies(self) -> bool:
        """Whether the script copies this image (the target is missing, or ``--force``)."""
        return self.source_digest is not None

    @property
    def source_by_digest(self) -> str:
        """The source's repository at the resolved digest: what is copied."""
        return f"{_repository_of(self.source)}@{self.source_digest}"


def _repository_of(ref: str) -> str:
    """``host[:port]/path:tag`` without its tag."""
    head, _, last = ref.rpartition("/")
    return f"{head}/{last.partition(':')[0]}"


def _host_of(ref: str) -> str:
    return ref.partition("/")[0]


def image_ref(env: EnvironmentConfig, component: str) -> str:
    """The full reference the cluster pulls for ``component`` (or the ``wait-for`` row).

    * Docker Hub images: ``<harbor>/<dockerhub proxy project>/<repository>:<tag>``;
    * vendor images, ``vendor_images: mirror`` (option A): ``<harbor>/<mirror project>/<name>:<tag>``;
    * vendor images, ``vendor_images: vendor`` (option B): ``<vendor host>/<repository>:<vendor tag>``,
      the tag the vendor publishes (the loader refuses a row whose release ``tag`` differs from
      it without a ``digest``: the vendor does not serve the release tag);

    each with ``@<digest>`` when the row pins one, so option A and option B pull the same bytes.
    """
    row = env.images[component]
    registry = env.registry
    if row.source == "dockerhub":
        ref = f"{registry.host}/{registry.dockerhub_proxy_project}/{row.repository}:{row.tag}"
    elif registry.vendor_images == "mirror":
        ref = mirror_target(env, component)
    else:
        ref = mirror_source(env, component)
    return f"{ref}@{row.digest}" if row.digest else ref


def mirror_source(env: EnvironmentConfig, component: str) -> str:
    """Where the vendor publishes ``component``: ``<vendor host>/<repository>:<vendor tag>``."""
    row = env.images[component]
    return f"{env.registry.vendor_host}/{row.repository}:{row.vendor_tag or row.tag}"


def mirror_target(env: EnvironmentConfig, component: str) -> str:
    """Where option A pulls ``component`` from: ``<harbor>/<mirror project>/<name>:<tag>``."""
    row = env.images[component]
    return f"{env.registry.host}/{env.registry.mirror_project}/{row.mirror_name}:{row.tag}"


def vendor_components(env: EnvironmentConfig, names: Sequence[str] = ()) -> list[str]:
    """The enabled components with a vendor image, in the table's order: all, or ``names``.

    Raises:
        ValueError: a name that is not an enabled vendor component (one line, with the known ones).
    """
    known = [c for c in APP_COMPONENTS if env.enabled(c) and env.images[c].source == "vendor"]
    for name in names:
        if name not in known:
            why = "is disabled" if name in APP_COMPONENTS else "is not a component with a vendor image"
            raise ValueError(
                f"COMPONENT {name!r} {why} in {env.name}; name one of the enabled vendor components: {', '.join(known)}"
            )
    return [c for c in known if not names or c in names]


def plan_mirror(
    env: EnvironmentConfig, components: Iterable[str], query: DigestQuery, *, force: bool = False
) -> list[MirrorStep]:
    """Each component's step: its target's digest, and the source's digest when it is copied.

    A present target is not copied (its source is not even read) unless ``force``.

    Raises:
        RegistryUnavailable: from ``query``.
        ValueError: the vendor has no image under the source tag (one line naming it).
    """
    steps = []
    for component in components:
        source, target = mirror_source(env, component), mirror_target(env, component)
        target_digest = query(target)
        source_digest = None
        if target_digest is None or force:
            source_digest = query(source)
            if source_digest is None:
                raise ValueError(
                    f"images.{component}: the vendor has no image {source}; check the row's repository and "
                    f"vendor_tag against the vendor's registry"
                )
        steps.append(MirrorStep(component, source, target, source_digest, target_digest, env.images[component].digest))
    return steps


# -- the tools ---------------------------------------------------------------------------------------

_LOGIN = {"skopeo": "skopeo login {host}", "crane": "crane auth login {host}", "docker": "docker login {host}"}
#: Reads a tag's manifest; fails with the registry's answer when it cannot (the script's check).
_PROBE = {
    "skopeo": 'skopeo inspect --raw "docker://$1"',
    "crane": 'crane manifest "$1"',
    "docker": 'docker manifest inspect "$1"',
}


def login_commands(env: EnvironmentConfig, tool: MirrorTool) -> list[str]:
    """How to log in to the vendor's registry and to Harbor with ``tool``."""
    return [_LOGIN[tool].format(host=host) for host in (env.registry.vendor_host, env.registry.host)]


def _copy_command(step: MirrorStep, tool: MirrorTool) -> str:
    source, target = shlex.quote(step.source_by_digest), shlex.quote(step.target)
    if tool == "skopeo":
        # --all: every platform of a multi-arch image; --preserve-digests: the same manifest bytes.
        return f"skopeo copy --all --preserve-digests docker://{source} docker://{target}"
    if tool == "crane":
        return f"crane copy {source} {target}"  # every platform, manifests unchanged
    return f"docker pull {source} && docker tag {source} {target} && docker push {target}"


def mirror_script(
    env: EnvironmentConfig,
    steps: Sequence[MirrorStep],
    tool: MirrorTool,
    *,
    command: str,
    force: bool = False,
    script: bool = True,
) -> list[str]:
    """The mirror commands of ``steps`` as lines of a POSIX ``sh -eu`` script.

    Before each copy the script reads the target tag again: present, it says so and copies
    nothing; missing (the registry answers "manifest unknown", "name unknown" or "not found"), it copies the source
    by the digest of the plan; any other answer (unreachable, unauthorised) stops the script.
    With ``force`` the check is left out and the copies overwrite the tags. ``command`` is the
    ``aipp images`` command line that made it (a comment); ``script`` adds ``#!/bin/sh`` and
    ``set -eu`` (without them the lines are the same, to paste into a shell).
    """
    lines = ["#!/bin/sh", "set -eu"] if script else []
    lines.append(f"# Mirror the vendor images of {env.name} into Harbor (generated by: {command}).")
    lines.append("# Log in to each registry first (once per machine):")
    lines += [f"#   {login}" for login in login_commands(env, tool)]
    for step in steps:
        if not step.copies:
            lines.append(f"# present, not copied: {step.target} ({step.target_digest})")
    copies = [step for step in steps if step.copies]
    if not steps:
        lines.append("# nothing to copy: no enabled component uses a vendor image")
        return lines
    if not copies:
        lines.append("# nothing to copy: every target tag is present in Harbor")
        return lines
    if force:
        lines.append("# --force: the copies overwrite the target tags that exist")
    else:
        lines += [
            "# missing TAG: true when Harbor has no TAG; any other failure to read it stops the script.",
            "missing() {",
            f"  if answer=$({_PROBE[tool]} 2>&1 >/dev/null); then return 1; fi",
            "  case $answer in",
            "    *'manifest unknown'*|*MANIFEST_UNKNOWN*|*'name unknown'*|*NAME_UNKNOWN*|*'not found'*|*NOT_FOUND*|*'no such manifest'*) return 0 ;;",
            '    *) printf \'error: cannot read %s: %s\\n\' "$1" "$answer" >&2; exit 1 ;;',
            "  esac",
            "}",
        ]
    for step in copies:
        lines.append(f"# {step.component}: {step.source} was {step.source_digest} when this was generated")
        copy = _copy_command(step, tool)
        copied = f"echo {shlex.quote('copied: ' + step.source_by_digest + ' -> ' + step.target)}"
        if force:
            lines += [copy, copied]
        else:
            target = shlex.quote(step.target)
            lines += [
                f"if missing {target}; then",
                f"  {copy}",
                f"  {copied}",
                "else",
                f"  echo {shlex.quote('present, not copied: ' + step.target)}",
                "fi",
            ]
    return lines


def tool_query(
    tool: MirrorTool, run: Callable[..., subprocess.CompletedProcess[bytes]] = subprocess.run
) -> DigestQuery:
    """A :data:`DigestQuery` that asks the registry with ``tool`` (``skopeo inspect --raw``,
    ``crane digest``, ``docker buildx imagetools inspect``), each bounded by :data:`QUERY_TIMEOUT`."""

    def argv(ref: str) -> list[str]:
        if tool == "skopeo":
            return ["skopeo", "inspect", "--raw", f"docker://{ref}"]
        if tool == "crane":
            return ["crane", "digest", ref]
        return ["docker", "buildx", "imagetools", "inspect", "--format", "{{.Manifest.Digest}}", ref]

    def query(ref: str) -> str | None:
        host = _host_of(ref)
        try:
            done = run(argv(ref), capture_output=True, timeout=QUERY_TIMEOUT, check=False)
        except FileNotFoundError:
            raise RegistryUnavailable(host, f"{tool} is not installed") from None
        except subprocess.TimeoutExpired:
            raise RegistryUnavailable(host, f"no answer within {QUERY_TIMEOUT} s") from None
        if done.returncode != 0:
            answer = " ".join(done.stderr.decode(errors="replace").split())
            logged = _LOGGED.search(answer)  # skopeo's `time=... level=fatal msg="..."`
            answer = logged.group(1).replace('\\"', '"') if logged else answer
            if _MISSING.search(answer):
                return None
            raise RegistryUnavailable(host, answer or f"{tool} exited with status {done.returncode}")
        if tool == "skopeo":
            return "sha256:" + hashlib.sha256(done.stdout).hexdigest()
        digest = done.stdout.decode(errors="replace").strip()
        if not _DIGEST.fullmatch(digest):
            raise RegistryUnavailable(host, f"{tool} answered {digest[:80]!r}, not a sha256 digest")
        return digest

    return query


# -- pinning -------------------------------------------------------------------------------------------


def _mapping_value(node: yaml.Node, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _pin_one(text: str, component: str, digest: str) -> str:
    root = yaml.compose(text)
    images = _mapping_value(root, "images") if root is not None else None
    row = _mapping_value(images[1], component) if images else None
    if row is None or not isinstance(row[1], yaml.MappingNode):
        raise ValueError(f"images.{component}: no row to pin in the file; add the row with its repository and tag")
    existing = _mapping_value(row[1], "digest")
    if existing is not None:
        start, end = existing[1].start_mark.index, existing[1].end_mark.index
        return text[:start] + (digest if end > start else f" {digest}") + text[end:]  # `digest:` empty
    tag = _mapping_value(row[1], "tag")
    if tag is None:
        raise ValueError(f"images.{component}.tag: missing, so there is no tag to pin; add 'tag: <release>'")
    key_node, value_node = tag
    end = value_node.end_mark.index
    if row[1].flow_style:
        return f"{text[:end]}, digest: {digest}{text[end:]}"
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    indent = " " * key_node.start_mark.column
    return f"{text[:line_end]}\n{indent}digest: {digest}{text[line_end:]}"


def pin_digests(text: str, digests: dict[str, str]) -> str:
    """The environment file's ``text`` with ``digest: <digest>`` in the image row of each component.

    A text edit: comments, order and layout stay. A ``digest`` already in the row is replaced;
    otherwise the key is added after the row's ``tag`` (at its indentation, or inside a
    ``{...}`` row).

    Raises:
        ValueError: a component without a row (or a row without ``tag``) in ``text``.
    """
    for component, digest in digests.items():
        if not _DIGEST.fullmatch(digest):
            raise ValueError(f"images.{component}.digest: {digest!r} is not a sha256 digest")
        text = _pin_one(text, component, digest)
    return text


def write_pins(path: Path, digests: dict[str, str]) -> str:
    """:func:`pin_digests` applied to the file at ``path``; returns the previous text."""
    before = path.read_text()
    path.write_text(pin_digests(before, digests))
    return before
