"""Hardened pod and container specs as plain data, for objects written with
:class:`~aipp_constructs.core._manifest.Manifest`.

cdk8s-plus-27 leaves out seccomp, ``capabilities.drop`` and ``runAsUser``, and adds defaults
we do not want (1 CPU requests, ``imagePullPolicy: Always``, a 30 s TCP startup probe,
path-hashed selector labels). Every construct builds its pods with these helpers instead, so
that every field of the Pod Security "restricted" profile is set on purpose, in one place,
as plain data (no jsii round trip per struct). Keys are the Kubernetes API's
(camelCase); ``None`` values are left out when the manifest is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aipp_constructs.core.references import Resources, SecretKeyRef
from aipp_constructs.core.security import SecurityException

__all__ = [
    "claim_spec",
    "config_checksum",
    "container",
    "empty_dir",
    "env_from_field",
    "env_from_secret",
    "env_value",
    "exec_probe",
    "http_probe",
    "pod_spec",
    "resources",
    "secret_key_volume",
    "tcp_probe",
    "volume_mount",
]

Spec = dict[str, Any]

_RUNTIME_DEFAULT = {"type": "RuntimeDefault"}


def resources(res: Resources, extended: Mapping[str, int] | None = None) -> Spec:
    """Requests and limits exactly as configured; ``extended`` (GPUs) in both, equal."""
    extra = dict(extended or {})
    return {
        "requests": {"cpu": res.cpu_request, "memory": res.memory_request, **extra},
        "limits": {"cpu": res.cpu_limit, "memory": res.memory_limit, **extra},
    }


def container(
    *,
    name: str,
    image: str,
    uid: int,
    resources_: Resources,
    gid: int | None = None,
    command: Sequence[str] | None = None,
    args: Sequence[str] | None = None,
    env: Sequence[Spec] = (),
    env_from: Sequence[Spec] = (),
    ports: Mapping[str, int] | None = None,
    protocols: Mapping[str, str] | None = None,
    extended_resources: Mapping[str, int] | None = None,
    volume_mounts: Sequence[Spec] = (),
    startup_probe: Spec | None = None,
    readiness_probe: Spec | None = None,
    liveness_probe: Spec | None = None,
    lifecycle: Spec | None = None,
    exception: SecurityException | None = None,
) -> Spec:
    """A container with the restricted security context, pinned pull policy and explicit resources;
    ``exception`` relaxes exactly what it declares (see :mod:`aipp_constructs.core.security`)."""
    add = sorted(exception.add_capabilities) if exception else []
    root = bool(exception and exception.run_as_root)
    return {
        "name": name,
        "image": image,
        # Tags are pinned (validated), so the node cache is as good as the registry.
        "imagePullPolicy": "IfNotPresent",
        "command": list(command) if command is not None else None,
        "args": list(args) if args is not None else None,
        "env": list(env) or None,
        "envFrom": list(env_from) or None,
        "ports": [
            {"name": port, "containerPort": number, "protocol": (protocols or {}).get(port, "TCP")}
            for port, number in (ports or {}).items()
        ]
        or None,
        "resources": resources(resources_, extended_resources),
        "securityContext": {
            "allowPrivilegeEscalation": bool(exception and exception.allow_privilege_escalation),
            "privileged": False,
            "readOnlyRootFilesystem": not (exception and exception.writable_root_filesystem),
            "runAsNonRoot": not root,
            "runAsUser": 0 if root else uid,
            "runAsGroup": 0 if root else (uid if gid is None else gid),
            "capabilities": {"drop": ["ALL"], "add": add or None},
            "seccompProfile": dict(_RUNTIME_DEFAULT),
        },
        "volumeMounts": list(volume_mounts) or None,
        "startupProbe": startup_probe,
        "readinessProbe": readiness_probe,
        "livenessProbe": liveness_probe,
        "lifecycle": lifecycle,
        "terminationMessagePolicy": "FallbackToLogsOnError",
    }


def pod_spec(
    *,
    containers: Sequence[Spec],
    uid: int,
    gid: int | None = None,
    init_containers: Sequence[Spec] = (),
    volumes: Sequence[Spec] = (),
    termination_grace_period_seconds: int = 30,
    image_pull_secrets: Sequence[str] = (),
    node_selector: Mapping[str, str] | None = None,
    tolerations: Sequence[Spec] = (),
    runtime_class_name: str | None = None,
    topology_spread_constraints: Sequence[Spec] = (),
    restart_policy: str | None = None,
) -> Spec:
    """A pod spec with no service-account token, no service links and a restricted pod context."""
    group = uid if gid is None else gid
    return {
        "containers": list(containers),
        "initContainers": list(init_containers) or None,
        "volumes": list(volumes) or None,
        "imagePullSecrets": [{"name": name} for name in image_pull_secrets] or None,
        "nodeSelector": dict(node_selector) if node_selector else None,
        "tolerations": list(tolerations) or None,
        "runtimeClassName": runtime_class_name,
        "topologySpreadConstraints": list(topology_spread_constraints) or None,
        "restartPolicy": restart_policy,
        # No workload here talks to the Kubernetes API.
        "automountServiceAccountToken": False,
        # Service links would inject REDIS_PORT=tcp://..., RABBITMQ_PORT=... into every pod,
        # which collides with variables that images and Spring read.
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": termination_grace_period_seconds,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": uid,
            "runAsGroup": group,
            # fsGroup makes a fresh volume writable: the official images skip their chown
            # when they do not start as root.
            "fsGroup": group,
            "fsGroupChangePolicy": "OnRootMismatch",
            "seccompProfile": dict(_RUNTIME_DEFAULT),
        },
    }


def empty_dir(name: str, *, size_limit: str, memory: bool = False) -> Spec:
    """A writable scratch volume with a size limit (memory-backed when ``memory``)."""
    return {"name": name, "emptyDir": {"medium": "Memory" if memory else None, "sizeLimit": size_limit}}


def volume_mount(name: str, path: str, *, read_only: bool = False, sub_path: str | None = None) -> Spec:
    """A volume mount; ``readOnly`` written only when true."""
    return {"name": name, "mountPath": path, "readOnly": True if read_only else None, "subPath": sub_path}


def secret_key_volume(name: str, ref: SecretKeyRef, file_name: str, mode: int) -> Spec:
    """A ``secret`` volume holding one key of a Secret as ``file_name`` (mode ``mode``)."""
    _refuse_vault_agent(ref, f"the secret volume {name}")
    items = [{"key": ref.key, "path": file_name}]
    return {"name": name, "secret": {"secretName": ref.name, "items": items, "defaultMode": mode}}


def env_value(name: str, value: str) -> Spec:
    """A literal (non-secret) environment variable."""
    return {"name": name, "value": value}


def env_from_secret(name: str, ref: SecretKeyRef) -> Spec:
    """A variable read from a Secret key; the value never appears in the YAML."""
    _refuse_vault_agent(ref, f"the variable {name}")
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": ref.name, "key": ref.key}}}


#: Where :func:`secret_variables` mounts each Secret key: ``<dir>/<variable>``.
SECRET_VARIABLES_DIR = "/run/secrets/env"


@dataclass(frozen=True, slots=True)
class SecretVariables:
    """Secret keys mounted as files and read into shell variables by the script itself, so no
    secret is an environment variable of the pod spec (checkov ``CKV_K8S_35``): volumes and
    mounts for the pod and container, and the ``sh`` lines that read and export them."""

    volumes: tuple[Spec, ...]
    mounts: tuple[Spec, ...]
    script: str


def secret_variables(variables: Mapping[str, SecretKeyRef]) -> SecretVariables:
    """Each ``variables`` entry as a read-only file ``<SECRET_VARIABLES_DIR>/<VAR>/value`` (mode
    0440, readable by the pod's fsGroup) and the lines ``VAR=$(cat <file>) || exit 1`` and
    ``export VAR`` (a missing file ends the script at once, with ``cat``'s message)."""
    volumes, mounts, lines = [], [], []
    for var, ref in variables.items():
        _refuse_vault_agent(ref, f"the variable {var} (read from a secret file)")
        volume = f"secret-env-{var.lower().replace('_', '-')}"[:63].rstrip("-")
        folder = f"{SECRET_VARIABLES_DIR}/{var}"
        volumes.append(
            {
                "name": volume,
                "secret": {"secretName": ref.name, "items": [{"key": ref.key, "path": "value"}], "defaultMode": 0o440},
            }
        )
        mounts.append(volume_mount(volume, folder, read_only=True))
        lines += [f"{var}=$(cat {folder}/value) || exit 1", f"export {var}"]
    return SecretVariables(tuple(volumes), tuple(mounts), "".join(f"{line}\n" for line in lines))


def env_from_field(name: str, field_path: str) -> Spec:
    """A variable from the downward API (``metadata.name``, ``metadata.namespace``)."""
    return {"name": name, "valueFrom": {"fieldRef": {"fieldPath": field_path}}}


def _probe(action: Spec, *, period: int, timeout: int, failures: int, initial_delay: int) -> Spec:
    return {
        **action,
        "initialDelaySeconds": initial_delay,
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "failureThreshold": failures,
        "successThreshold": 1,
    }


def exec_probe(command: Sequence[str], *, period: int, timeout: int, failures: int, initial_delay: int = 0) -> Spec:
    """An exec probe with every timing field explicit."""
    return _probe({"exec": {"command": list(command)}}, period=period, timeout=timeout, failures=failures,
                  initial_delay=initial_delay)  # fmt: skip


def http_probe(path: str, port: str, *, period: int, timeout: int, failures: int, initial_delay: int = 0) -> Spec:
    """An HTTP GET probe on a named container port, every timing field explicit."""
    return _probe({"httpGet": {"path": path, "port": port, "scheme": "HTTP"}}, period=period, timeout=timeout,
                  failures=failures, initial_delay=initial_delay)  # fmt: skip


def tcp_probe(port: str, *, period: int, timeout: int, failures: int, initial_delay: int = 0) -> Spec:
    """A TCP probe on a named container port, every timing field explicit."""
    return _probe({"tcpSocket": {"port": port}}, period=period, timeout=timeout, failures=failures,
                  initial_delay=initial_delay)  # fmt: skip


def claim_spec(storage_class_name: str | None, size: str, access_modes: Sequence[str] = ("ReadWriteOnce",)) -> Spec:
    """A claim of ``size`` on ``storage_class_name`` (the default class when None)."""
    return {
        "accessModes": list(access_modes),
        "storageClassName": storage_class_name,
        "resources": {"requests": {"storage": size}},
    }


def config_checksum(*documents: Mapping[str, str]) -> str:
    """A stable digest of configuration data, for a pod-template annotation.

    A change of a mounted ConfigMap then rolls the pods, as Helm charts do with
    ``checksum/config``. Keys are sorted so the digest does not depend on dict order.
    """
    import hashlib
    import json

    payload = json.dumps(list(documents), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _refuse_vault_agent(ref: SecretKeyRef, where: str) -> None:
    """A Vault Agent secret has no Kubernetes Secret to refer to: refuse it in one line."""
    if ref.from_vault_agent:
        raise ValueError(
            f"{where} reads {ref.vault_path} {ref.property_name} from the Vault Agent (secrets provider "
            "vault-agent), which renders files, not Kubernetes Secrets: this object does not support vault-agent yet"
        )
