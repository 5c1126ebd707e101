"""Hardened pod and container building blocks shared by every workload construct.

cdk8s-plus-27 leaves out seccomp, ``capabilities.drop`` and ``runAsUser``, and adds defaults
we do not want (1 CPU requests, ``imagePullPolicy: Always``, a 30 s TCP startup probe,
path-hashed selector labels). The constructs therefore build pod templates from the L1
``k8s`` structs with these helpers, so that every field of the Pod Security "restricted"
profile is set on purpose, in one place.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from cdk8s_plus_27 import k8s

from .references import Resources, SecretKeyRef
from .security import SecurityException

__all__ = [
    "RUNTIME_DEFAULT_SECCOMP",
    "int_or_string",
    "quantity",
    "StatefulSetWithTypedClaims",
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
    "service_port",
    "tcp_probe",
]

RUNTIME_DEFAULT_SECCOMP = k8s.SeccompProfile(type="RuntimeDefault")


@functools.cache
def quantity(value: str | int) -> k8s.Quantity:
    """A ``Quantity``; one per distinct value for the whole run. Each ``k8s.Quantity.from_*``
    is a round trip to the jsii kernel (Node), and the values repeat (``100m``, ``16Mi``):
    the objects are immutable values, so one may serve every manifest."""
    return k8s.Quantity.from_number(value) if isinstance(value, int) else k8s.Quantity.from_string(value)


@functools.cache
def int_or_string(value: str | int) -> k8s.IntOrString:
    """An ``IntOrString`` (a port name or number, a surge count), cached like :func:`quantity`."""
    return k8s.IntOrString.from_number(value) if isinstance(value, int) else k8s.IntOrString.from_string(value)


class _Hardened:
    """No exception: every relaxation off."""

    add_capabilities: tuple[str, ...] = ()
    run_as_root = False
    allow_privilege_escalation = False
    writable_root_filesystem = False


_NO_EXCEPTION = _Hardened()


def resources(res: Resources, extended: Mapping[str, int] | None = None) -> k8s.ResourceRequirements:
    """Requests and limits exactly as configured.

    ``extended`` resources (``nvidia.com/gpu``) go into limits and, with the same count, into
    requests: the scheduler requires them equal.
    """
    extra = {name: quantity(count) for name, count in (extended or {}).items()}
    return k8s.ResourceRequirements(
        requests={
            "cpu": quantity(res.cpu_request),
            "memory": quantity(res.memory_request),
            **extra,
        },
        limits={
            "cpu": quantity(res.cpu_limit),
            "memory": quantity(res.memory_limit),
            **extra,
        },
    )


def container(
    *,
    name: str,
    image: str,
    uid: int,
    resources_: Resources,
    gid: int | None = None,
    command: Sequence[str] | None = None,
    args: Sequence[str] | None = None,
    env: Sequence[k8s.EnvVar] = (),
    env_from: Sequence[k8s.EnvFromSource] = (),
    ports: Mapping[str, int] | None = None,
    protocols: Mapping[str, str] | None = None,
    extended_resources: Mapping[str, int] | None = None,
    volume_mounts: Sequence[k8s.VolumeMount] = (),
    startup_probe: k8s.Probe | None = None,
    readiness_probe: k8s.Probe | None = None,
    liveness_probe: k8s.Probe | None = None,
    lifecycle: k8s.Lifecycle | None = None,
    exception: SecurityException | None = None,
) -> k8s.Container:
    """A container with the restricted security context, pinned pull policy and explicit resources.

    ``gid`` defaults to ``uid``; ``protocols`` maps port names to ``UDP`` (default ``TCP``);
    ``exception`` relaxes exactly what it declares (see :mod:`aipp_constructs.security`).
    """
    exception = exception or _NO_EXCEPTION
    return k8s.Container(
        name=name,
        image=image,
        # Tags are pinned (validated), so the node cache is as good as the registry.
        image_pull_policy="IfNotPresent",
        command=list(command) if command is not None else None,
        args=list(args) if args is not None else None,
        env=list(env) or None,
        env_from=list(env_from) or None,
        ports=[
            k8s.ContainerPort(name=port_name, container_port=number, protocol=(protocols or {}).get(port_name, "TCP"))
            for port_name, number in (ports or {}).items()
        ]
        or None,
        resources=resources(resources_, extended_resources),
        security_context=k8s.SecurityContext(
            allow_privilege_escalation=exception.allow_privilege_escalation,
            privileged=False,
            read_only_root_filesystem=not exception.writable_root_filesystem,
            run_as_non_root=not exception.run_as_root,
            run_as_user=0 if exception.run_as_root else uid,
            run_as_group=0 if exception.run_as_root else (uid if gid is None else gid),
            capabilities=k8s.Capabilities(drop=["ALL"], add=sorted(exception.add_capabilities) or None),
            seccomp_profile=RUNTIME_DEFAULT_SECCOMP,
        ),
        volume_mounts=list(volume_mounts) or None,
        startup_probe=startup_probe,
        readiness_probe=readiness_probe,
        liveness_probe=liveness_probe,
        lifecycle=lifecycle,
        termination_message_policy="FallbackToLogsOnError",
    )


def pod_spec(
    *,
    containers: Sequence[k8s.Container],
    uid: int,
    gid: int | None = None,
    init_containers: Sequence[k8s.Container] = (),
    volumes: Sequence[k8s.Volume] = (),
    termination_grace_period_seconds: int = 30,
    image_pull_secrets: Sequence[str] = (),
    node_selector: Mapping[str, str] | None = None,
    tolerations: Sequence[k8s.Toleration] = (),
    runtime_class_name: str | None = None,
    topology_spread_constraints: Sequence[k8s.TopologySpreadConstraint] = (),
    restart_policy: str | None = None,
) -> k8s.PodSpec:
    """A pod spec with no service-account token, no service links and a restricted pod context.

    ``gid`` (group and fsGroup) defaults to ``uid``.
    """
    return k8s.PodSpec(
        containers=list(containers),
        init_containers=list(init_containers) or None,
        volumes=list(volumes) or None,
        image_pull_secrets=[k8s.LocalObjectReference(name=name) for name in image_pull_secrets] or None,
        node_selector=dict(node_selector) if node_selector else None,
        tolerations=list(tolerations) or None,
        runtime_class_name=runtime_class_name,
        topology_spread_constraints=list(topology_spread_constraints) or None,
        restart_policy=restart_policy,
        # No workload here talks to the Kubernetes API.
        automount_service_account_token=False,
        # Service links would inject REDIS_PORT=tcp://..., RABBITMQ_PORT=... into every pod,
        # which collides with variables that images and Spring read.
        enable_service_links=False,
        termination_grace_period_seconds=termination_grace_period_seconds,
        security_context=k8s.PodSecurityContext(
            run_as_non_root=True,
            run_as_user=uid,
            run_as_group=uid if gid is None else gid,
            # fsGroup makes a fresh volume writable: the official images skip their chown
            # when they do not start as root.
            fs_group=uid if gid is None else gid,
            fs_group_change_policy="OnRootMismatch",
            seccomp_profile=RUNTIME_DEFAULT_SECCOMP,
        ),
    )


def empty_dir(name: str, *, size_limit: str, memory: bool = False) -> k8s.Volume:
    """A writable scratch volume with a size limit (memory-backed when ``memory``)."""
    return k8s.Volume(
        name=name,
        empty_dir=k8s.EmptyDirVolumeSource(
            medium="Memory" if memory else None,
            size_limit=quantity(size_limit),
        ),
    )


def env_value(name: str, value: str) -> k8s.EnvVar:
    """A literal (non-secret) environment variable."""
    return k8s.EnvVar(name=name, value=value)


def env_from_secret(name: str, ref: SecretKeyRef) -> k8s.EnvVar:
    """An environment variable read from a Secret key; the value never appears in the YAML."""
    return k8s.EnvVar(
        name=name,
        value_from=k8s.EnvVarSource(secret_key_ref=k8s.SecretKeySelector(name=ref.name, key=ref.key)),
    )


def env_from_field(name: str, field_path: str) -> k8s.EnvVar:
    """An environment variable from the downward API (``metadata.name``, ``metadata.namespace``)."""
    return k8s.EnvVar(
        name=name,
        value_from=k8s.EnvVarSource(field_ref=k8s.ObjectFieldSelector(field_path=field_path)),
    )


def exec_probe(
    command: Sequence[str], *, period: int, timeout: int, failures: int, initial_delay: int = 0
) -> k8s.Probe:
    """An exec probe with every timing field explicit."""
    return k8s.Probe(
        exec=k8s.ExecAction(command=list(command)),
        initial_delay_seconds=initial_delay,
        period_seconds=period,
        timeout_seconds=timeout,
        failure_threshold=failures,
        success_threshold=1,
    )


def http_probe(path: str, port: str, *, period: int, timeout: int, failures: int, initial_delay: int = 0) -> k8s.Probe:
    """An HTTP GET probe on a named container port, every timing field explicit."""
    return k8s.Probe(
        http_get=k8s.HttpGetAction(path=path, port=int_or_string(port), scheme="HTTP"),
        initial_delay_seconds=initial_delay,
        period_seconds=period,
        timeout_seconds=timeout,
        failure_threshold=failures,
        success_threshold=1,
    )


def tcp_probe(port: str, *, period: int, timeout: int, failures: int, initial_delay: int = 0) -> k8s.Probe:
    """A TCP probe on a named container port, every timing field explicit."""
    return k8s.Probe(
        tcp_socket=k8s.TcpSocketAction(port=int_or_string(port)),
        initial_delay_seconds=initial_delay,
        period_seconds=period,
        timeout_seconds=timeout,
        failure_threshold=failures,
        success_threshold=1,
    )


def config_checksum(*documents: Mapping[str, str]) -> str:
    """A stable digest of configuration data, for a pod-template annotation.

    A change of a mounted ConfigMap then rolls the pods, as Helm charts do with
    ``checksum/config``. Keys are sorted so the digest does not depend on dict order.
    """
    import hashlib
    import json

    payload = json.dumps(list(documents), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


class StatefulSetWithTypedClaims(k8s.KubeStatefulSet):
    """A ``KubeStatefulSet`` whose volumeClaimTemplates carry ``apiVersion: v1`` and
    ``kind: PersistentVolumeClaim``.

    The L1 claim-template type has neither field, and its serializer drops them even when a
    JSON patch adds them; without them ArgoCD (server-side apply) shows the StatefulSet out
    of sync forever (argo-cd#11143). So they are added to the synthesized object here.
    """

    def to_json(self) -> Any:
        manifest = super().to_json()
        templates = manifest.get("spec", {}).get("volumeClaimTemplates", [])
        # Keys in cdk8s's sorted order: apiVersion, kind, metadata, spec.
        manifest["spec"]["volumeClaimTemplates"] = [
            {"apiVersion": "v1", "kind": "PersistentVolumeClaim", **template} for template in templates
        ]
        return manifest


def service_port(name: str, port: int, protocol: str = "TCP") -> k8s.ServicePort:
    """A Service port that targets the container port of the same name."""
    return k8s.ServicePort(name=name, port=port, target_port=int_or_string(name), protocol=protocol)


def claim_spec(
    storage_class_name: str | None, size: str, access_modes: Sequence[str] = ("ReadWriteOnce",)
) -> k8s.PersistentVolumeClaimSpec:
    """A claim of ``size`` on ``storage_class_name`` (the default class when None)."""
    return k8s.PersistentVolumeClaimSpec(
        access_modes=list(access_modes),
        storage_class_name=storage_class_name,
        resources=k8s.ResourceRequirements(requests={"storage": quantity(size)}),
    )
