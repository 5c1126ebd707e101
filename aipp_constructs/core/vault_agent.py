"""The Vault Agent Injector's side of a pod (secret provider ``vault-agent``, see docs/vault-agent.md).

Under ``vault-agent`` a credential is never a Kubernetes Secret: the injector (a mutating
webhook of the cluster) adds a Vault Agent to every pod whose template carries
``vault.hashicorp.com/agent-inject: "true"``; the agent logs in with the pod's projected
service-account token (audience ``vault``) under the component's role and renders each
:class:`AgentFile` into the memory volume ``/vault/secrets``, from the consul-template
expression of each :class:`~aipp_constructs.core.references.SecretKeyRef` the file names.

This module is plain data (core layer): the annotations, the token volume and the
ServiceAccount of a pod, and the reading back of those annotations (:func:`agent_files_of`)
that ``vault-setup`` and the real-server tests use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aipp_constructs.core.port_defaults import PortDefaults, VaultAgent
from aipp_constructs.core.references import SecretKeyRef

__all__ = [
    "AGENT_ANNOTATION_PREFIX",
    "ENV_FILE",
    "ENV_FILE_MOUNT",
    "ENV_FILE_VOLUME",
    "TOKEN_VOLUME",
    "VAULT_SECRETS_DIR",
    "AgentFile",
    "RenderedFile",
    "VaultRoleSetup",
    "agent_files_of",
    "agent_pod_annotations",
    "agent_variable_files",
    "attach_agent",
    "env_file_expression",
    "env_file_variable",
    "env_file_volume",
    "kv_path",
    "token_volume",
    "vault_setup",
    "vault_setup_commands",
]

#: Where the injector mounts its memory volume in every container.
VAULT_SECRETS_DIR = "/vault/secrets"
#: The projected service-account token the agent logs in with.
TOKEN_VOLUME = "vault-token"
AGENT_ANNOTATION_PREFIX = "vault.hashicorp.com/"
#: The pod's own memory volume the agent writes the env file into (``agent_env="env-file"``):
#: the kubelet reads ``fileKeyRef`` variables from a volume of the pod spec, which the
#: injector's own volume is not before the pod is mutated.
ENV_FILE_VOLUME = "agent-env"
#: Where the agent containers mount it (a JSON patch of each agent container), inside the
#: injector's volume so that ``agent-inject-file`` can name it.
ENV_FILE_MOUNT = f"{VAULT_SECRETS_DIR}/env"
#: The env file in that volume (``KEY='value'`` per variable).
ENV_FILE = "agent-env"
_A = AGENT_ANNOTATION_PREFIX
_FILE = re.compile(r"[a-z0-9]([-a-z0-9_.]{0,40}[a-z0-9])?")
_SUBPATH = re.compile(r"[a-z0-9][-a-z0-9_.]*(/[a-z0-9][-a-z0-9_.]*)*")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:json|:sh|:env)?\}")
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TEMPLATE_SECRET = re.compile(
    r'secret "([^"]+)" \}\}\{\{ (?:\.Data(?:\.data)?\.([A-Za-z_][A-Za-z0-9_]*)|if not \(index \.Data(?:\.data)? "([^"]+)"\))'
)


@dataclass(frozen=True, kw_only=True, slots=True)
class AgentFile:
    """A file the Vault Agent renders into ``/vault/secrets/<name>`` for the program to read.

    Attributes:
        name: File name (lower case, ``[-a-z0-9_.]``), also the injector's secret name. Required.
        template: The file's text; ``${value}`` is replaced by ``values["value"]``'s Vault
            property, ``${value:json}`` by it as a JSON string, ``${value:sh}`` by it as one
            single-quoted shell word, ``${value:env}`` by it for the inside of a single-quoted
            env-file value (:func:`env_file_expression`: a value holding ``'`` fails the agent).
            Required.
        values: Placeholder -> Vault Agent secret (``SecretKeyRef`` with ``vault_path``). Required.
        mode: The file's mode; the agent runs with the pod's gid, so ``0o440`` lets every
            container of the pod read it and nobody else. Defaults to ``0o440``.
        file: Where the agent writes it, relative to ``/vault/secrets`` (the injector's
            ``agent-inject-file``), e.g. ``env/agent-env`` for a volume the agent containers
            mount there. Defaults to ``None``: ``name``.
    """

    name: str
    template: str
    values: Mapping[str, SecretKeyRef]
    mode: int = 0o440
    file: str | None = None

    def __post_init__(self) -> None:
        if not _FILE.fullmatch(self.name):
            raise ValueError(f"agent file name must be lower case [-a-z0-9_.] (at most 42), got {self.name!r}")
        literal = _PLACEHOLDER.sub(" ", self.template)
        if "{{" in literal or "}}" in literal:
            raise ValueError(
                f"agent file {self.name}: the template may not contain '{{{{' or '}}}}', got {self.template!r}"
            )
        used = {m.group(1) for m in _PLACEHOLDER.finditer(self.template)}
        if not used:
            raise ValueError(f"agent file {self.name}: the template names no ${{value}}, got {self.template!r}")
        for placeholder in sorted(used):
            ref = self.values.get(placeholder)
            if ref is None:
                raise ValueError(f"agent file {self.name}: ${{{placeholder}}} is not in values {sorted(self.values)}")
            if not ref.from_vault_agent:
                raise ValueError(
                    f"agent file {self.name}: ${{{placeholder}}} is the Kubernetes Secret {ref.name}/{ref.key}, "
                    "not a Vault Agent secret (a SecretKeyRef with vault_path)"
                )
        if isinstance(self.mode, bool) or not isinstance(self.mode, int) or not 0 <= self.mode <= 0o777:
            raise ValueError(f"agent file {self.name}: mode must be an octal mode like 0o440, got {self.mode!r}")
        if self.file is not None and (not _SUBPATH.fullmatch(self.file) or ".." in self.file.split("/")):
            raise ValueError(
                f"agent file {self.name}: file must be a relative path like 'env/agent-env' ([-a-z0-9_.] parts), "
                f"got {self.file!r}"
            )

    @property
    def path(self) -> str:
        """Where the agent writes it (and the program reads it when the injector's volume holds it)."""
        return f"{VAULT_SECRETS_DIR}/{self.file or self.name}"

    def render(self) -> str:
        """The agent's template (consul-template syntax)."""

        def fill(match: re.Match[str]) -> str:
            ref = self.values[match.group(1)]
            if match.group(2) == ":sh":
                return f"'{ref.agent_expression(shell=True)}'"
            if match.group(2) == ":env":
                return env_file_expression(ref)
            return ref.agent_expression(json=match.group(2) == ":json")

        return _PLACEHOLDER.sub(fill, self.template)

    def reads(self) -> tuple[tuple[str, str], ...]:
        """``(vault_path, property)`` of each value the template reads, sorted."""
        used = {m.group(1) for m in _PLACEHOLDER.finditer(self.template)}
        refs = [self.values[name] for name in used]
        return tuple(sorted({(str(ref.vault_path), ref.property_name) for ref in refs}))


def agent_pod_annotations(
    defaults: PortDefaults,
    agent: VaultAgent,
    component: str,
    files: tuple[AgentFile, ...],
    *,
    gid: int,
    pre_populate_only: bool,
    init_first: bool = False,
    agent_mounts: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The injector's annotations of a pod template: inject, role, token volume, each file's
    secret path, template, mode and missing-key check, the agent's resources and security context;
    ``agent_mounts`` (volume of the pod -> mount path) are added to the agent containers by
    JSON patches (``agent-init-json-patch``, and ``agent-json-patch`` for the sidecar)."""
    annotations = {
        f"{_A}agent-inject": "true",
        f"{_A}role": agent.role(defaults.namespace, component),
        f"{_A}auth-path": agent.auth_path,
        **({f"{_A}service": agent.address} if agent.address else {}),
        f"{_A}agent-service-account-token-volume-name": TOKEN_VOLUME,
        **({f"{_A}agent-pre-populate-only": "true"} if pre_populate_only else {}),
        # The workload's own init containers read the files: the agent's init container runs first.
        **({f"{_A}agent-init-first": "true"} if init_first else {}),
        f"{_A}agent-requests-cpu": agent.cpu_request,
        f"{_A}agent-requests-mem": agent.memory_request,
        f"{_A}agent-limits-cpu": agent.cpu_limit,
        f"{_A}agent-limits-mem": agent.memory_limit,
        # The injector's hardened context (non-root, read-only root, no privilege escalation,
        # ALL capabilities dropped; the pod's seccomp profile applies): Pod Security "restricted".
        f"{_A}agent-set-security-context": "true",
        f"{_A}agent-run-as-user": str(agent.run_as_user),
        # The pod's gid: the rendered files (mode 0440) are readable by every container of the pod.
        f"{_A}agent-run-as-group": str(gid),
        # A template that cannot render (a missing path, property or permission) ends the agent
        # after its retries: the init container fails and the pod does not start on a half file.
        f"{_A}template-config-exit-on-retry-failure": "true",
    }
    if agent_mounts:
        patch = json.dumps(
            [
                {"op": "add", "path": "/volumeMounts/-", "value": {"name": name, "mountPath": path}}
                for name, path in agent_mounts.items()
            ],
            separators=(",", ":"),
        )
        annotations[f"{_A}agent-init-json-patch"] = patch
        if not pre_populate_only:  # the sidecar re-renders: a restarted container reads renewed values
            annotations[f"{_A}agent-json-patch"] = patch
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        raise ValueError(f"{component}: agent files must have distinct names, got {names}")
    for agent_file in files:
        first_path = agent_file.reads()[0][0]
        first = next(r for r in agent_file.values.values() if r.vault_path == first_path)
        annotations |= {
            f"{_A}agent-inject-secret-{agent_file.name}": first.api_path,
            f"{_A}agent-inject-template-{agent_file.name}": agent_file.render(),
            f"{_A}agent-inject-perms-{agent_file.name}": f"{agent_file.mode:04o}",
            f"{_A}error-on-missing-key-{agent_file.name}": "true",
            **({f"{_A}agent-inject-file-{agent_file.name}": agent_file.file} if agent_file.file else {}),
        }
    return annotations


def env_file_expression(ref: SecretKeyRef) -> str:
    """The agent expression of ``ref`` for the inside of a single-quoted env-file value
    (``KEY='value'``, the kubelet's ``fileKeyRef`` format: the content is literal, so a value
    holding ``'`` cannot be written): the value, and a guard that reads the field
    ``<property>_holds_a_single_quote_an_env_file_cannot_hold`` when the value holds ``'``, so
    that the agent fails naming the property (``error-on-missing-key``) instead of writing a
    file the kubelet cannot parse."""
    expression = ref.agent_expression()
    field = ".Data.data" if ref.kv_version == 2 else ".Data"
    prop = ref.property_name
    value = f"{field}.{prop}" if _FIELD.fullmatch(prop) else f'(index {field} "{prop}")'
    marker = re.sub(r"[^A-Za-z0-9_]", "_", prop) + "_holds_a_single_quote_an_env_file_cannot_hold"
    guard = f'{{{{ if {value} | regexMatch "\'" }}}}{{{{ {field}.{marker} }}}}{{{{ end }}}}'
    return f"{expression.removesuffix('{{ end }}')}{guard}{{{{ end }}}}"


def env_file_volume() -> dict[str, Any]:
    """The pod's memory volume the agent writes the env file into (no container of the
    workload mounts it: the kubelet reads it for ``fileKeyRef``)."""
    return {"name": ENV_FILE_VOLUME, "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}}


def env_file_variable(name: str) -> dict[str, Any]:
    """The container variable ``name`` read by the kubelet from the agent's env file when the
    container starts; no ``optional``: a missing key stops the container."""
    return {"name": name, "valueFrom": {"fileKeyRef": {"volumeName": ENV_FILE_VOLUME, "path": ENV_FILE, "key": name}}}


def token_volume(agent: VaultAgent) -> dict[str, Any]:
    """The projected service-account token (audience ``agent.audience``) the agent logs in with;
    no container of the workload mounts it."""
    return {
        "name": TOKEN_VOLUME,
        "projected": {
            "sources": [
                {"serviceAccountToken": {"audience": agent.audience, "expirationSeconds": 3600, "path": "token"}}
            ],
            "defaultMode": 0o440,
        },
    }


@dataclass(frozen=True, kw_only=True, slots=True)
class RenderedFile:
    """One file a pod's agent renders, read back from its annotations.

    Attributes:
        name: The injector's secret name (the file name in ``/vault/secrets`` without ``file``).
        template: The agent template.
        mode: The file mode (octal text, e.g. ``"0440"``).
        reads: ``(api path, property)`` of each value, e.g. ``("secret/data/aipp/redis", "password")``.
        file: Its path relative to ``/vault/secrets`` (``agent-inject-file``). Defaults to ``None``: ``name``.
    """

    name: str
    template: str
    mode: str
    reads: tuple[tuple[str, str], ...]
    file: str | None = None


def agent_files_of(annotations: Mapping[str, str]) -> tuple[RenderedFile, ...]:
    """The files a pod template's injector annotations ask for (none without ``agent-inject``)."""
    if annotations.get(f"{_A}agent-inject") != "true":
        return ()
    prefix = f"{_A}agent-inject-template-"
    files = []
    for key, template in sorted(annotations.items()):
        if key.startswith(prefix):
            name = key.removeprefix(prefix)
            reads = tuple(
                sorted({(path, field or indexed) for path, field, indexed in _TEMPLATE_SECRET.findall(template)})
            )
            files.append(
                RenderedFile(
                    name=name,
                    template=template,
                    mode=annotations.get(f"{_A}agent-inject-perms-{name}", "0644"),
                    reads=reads,
                    file=annotations.get(f"{_A}agent-inject-file-{name}"),
                )
            )
    return tuple(files)


@dataclass(frozen=True, kw_only=True, slots=True)
class VaultRoleSetup:
    """What Vault needs for one component's agent, read from a synthesized pod template.

    Attributes:
        role: The Kubernetes auth role, also the name of its policy.
        namespace: The pod's namespace (the role's ``bound_service_account_namespaces``).
        service_account: The pod's ServiceAccount (``bound_service_account_names``).
        auth_path: Mount path of the Kubernetes auth method.
        audience: Audience of the pod's projected token, which the role requires.
        files: The files its agent renders.
    """

    role: str
    namespace: str
    service_account: str
    auth_path: str
    audience: str
    files: tuple[RenderedFile, ...]

    @property
    def paths(self) -> tuple[str, ...]:
        """The API paths its templates read (the policy grants ``read`` on exactly these)."""
        return tuple(sorted({path for f in self.files for path, _ in f.reads}))

    def properties(self) -> dict[str, tuple[str, ...]]:
        """API path -> the property names its templates read there."""
        found: dict[str, set[str]] = {}
        for f in self.files:
            for path, prop in f.reads:
                found.setdefault(path, set()).add(prop)
        return {path: tuple(sorted(props)) for path, props in sorted(found.items())}


def vault_setup(manifests: Iterable[Mapping[str, Any]]) -> tuple[VaultRoleSetup, ...]:
    """Each component with a Vault Agent in ``manifests`` (synthesized objects), by role.

    Raises:
        ValueError: two pods claim one role with different files or identities.
    """
    roles: dict[str, VaultRoleSetup] = {}
    for manifest in manifests:
        template = _pod_template(manifest)
        if template is None:
            continue
        annotations = (template.get("metadata") or {}).get("annotations") or {}
        files = agent_files_of(annotations)
        if not files:
            continue
        spec = template.get("spec") or {}
        audience = next(
            (
                source["serviceAccountToken"].get("audience", "")
                for volume in spec.get("volumes") or []
                if volume.get("name") == annotations.get(f"{_A}agent-service-account-token-volume-name")
                for source in (volume.get("projected") or {}).get("sources") or []
                if "serviceAccountToken" in source
            ),
            "",
        )
        setup = VaultRoleSetup(
            role=annotations[f"{_A}role"],
            namespace=(manifest.get("metadata") or {}).get("namespace", "default"),
            service_account=spec.get("serviceAccountName", "default"),
            auth_path=annotations.get(f"{_A}auth-path", "auth/kubernetes"),
            audience=audience,
            files=files,
        )
        known = roles.setdefault(setup.role, setup)
        if known != setup:
            raise ValueError(f"role {setup.role}: two pods claim it with different identities or files")
    return tuple(roles[role] for role in sorted(roles))


def vault_setup_commands(setups: Iterable[VaultRoleSetup], *, cli: str = "vault", ttl: str = "1h") -> list[str]:
    """The shell commands that create each role's policy and Kubernetes auth role, and the KV
    paths with the properties its templates read (comments: the values are yours to write)."""
    lines: list[str] = []
    for setup in setups:
        lines += [
            f"# {setup.role}: ServiceAccount {setup.namespace}/{setup.service_account}, files {', '.join(f.name for f in setup.files)}"
        ]
        policy = "".join(f'path "{path}" {{\n  capabilities = ["read"]\n}}\n' for path in setup.paths)
        lines += [f"{cli} policy write {setup.role} - <<'EOF'", *policy.splitlines(), "EOF"]
        lines += [
            f"{cli} write {setup.auth_path}/role/{setup.role} bound_service_account_names={setup.service_account} "
            f"bound_service_account_namespaces={setup.namespace} audience={setup.audience} "
            f"token_policies={setup.role} ttl={ttl}"
        ]
        for path, props in setup.properties().items():
            lines += [f"#   KV {kv_path(path)}: {' '.join(props)}"]
    return lines


def kv_path(api_path: str) -> str:
    """The path the ``kv`` commands take for an API path: ``secret/data/a/b`` -> ``secret/a/b``
    (KV v2); a KV v1 path as it is."""
    mount, _, rest = api_path.partition("/")
    return f"{mount}/{rest.removeprefix('data/')}" if rest.startswith("data/") else api_path


def _pod_template(manifest: Mapping[str, Any]) -> Mapping[str, Any] | None:
    kind = manifest.get("kind")
    spec = manifest.get("spec") or {}
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        return spec.get("template")
    if kind == "CronJob":
        return ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template")
    return None


def agent_variable_files(variables: Mapping[str, SecretKeyRef]) -> tuple[tuple[AgentFile, ...], str]:
    """Vault Agent secrets read into shell variables by a script (the agent's counterpart of
    :func:`~aipp_constructs.core._spec.secret_variables`): a file ``env-<var>`` per variable and
    the lines ``VAR=$(cat /vault/secrets/env-<var>) || exit 1`` and ``export VAR``."""
    files, lines = [], []
    for var, ref in variables.items():
        name = f"env-{var.lower().replace('_', '-')}"
        files.append(AgentFile(name=name, template="${value}", values={"value": ref}))
        lines += [f"{var}=$(cat {VAULT_SECRETS_DIR}/{name}) || exit 1", f"export {var}"]
    return tuple(files), "".join(f"{line}\n" for line in lines)


def attach_agent(
    component: Any,
    pod_metadata: dict[str, Any],
    pod_spec: dict[str, Any],
    files: tuple[AgentFile, ...],
    *,
    gid: int,
    pre_populate_only: bool,
) -> None:
    """Give the pod of ``component`` (a :class:`~aipp_constructs.core.component.Component`) a
    Vault Agent rendering ``files``: the injector's annotations on ``pod_metadata``, the token
    volume and ``serviceAccountName`` on ``pod_spec``, the ServiceAccount ``<name>``, and
    ``component.vault_role`` (the port's NetworkPolicies open the egress to Vault from it).

    Raises:
        ValueError: the component is not in a port whose secrets provider is ``vault-agent``.
    """
    from aipp_constructs.core._manifest import Manifest
    from aipp_constructs.core.component import CONFIG_WAVE
    from aipp_constructs.core.port_defaults import vault_agent_of

    found = vault_agent_of(component)
    if found is None:
        raise ValueError(
            f"{component.name}: Vault Agent files need a port whose secret_store has provider 'vault-agent'"
        )
    defaults, agent = found
    pod_metadata["annotations"] = {
        **(pod_metadata.get("annotations") or {}),
        **agent_pod_annotations(defaults, agent, component.name, files, gid=gid, pre_populate_only=pre_populate_only),
    }
    pod_spec["volumes"] = [*(pod_spec.get("volumes") or []), token_volume(agent)]
    pod_spec["serviceAccountName"] = component.name
    Manifest(
        component,
        "ServiceAccount",
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": component.meta(wave=CONFIG_WAVE),
            "automountServiceAccountToken": False,
        },
    )
    component.vault_role = agent.role(defaults.namespace, component.name)
