"""Start-up waits: one init container per dependency, until its Service answers.

ArgoCD's sync waves order the *apply*; they do not stop a pod that restarts later (a node
drain, a rollout) from starting before its database. So each dependent pod also waits at
run time, with a bounded number of attempts: a dependency that never comes up fails the
pod visibly (``Init:Error``, then ``Init:CrashLoopBackOff``) instead of hanging it.

The check is a TCP connect to the dependency's client Service (``nc -z``), by its bare name in
the same namespace and by ``<service>.<namespace>.svc`` from another
(:meth:`~aipp_constructs.core.references.Endpoint.host_from`). A ClusterIP Service with no ready
endpoint refuses connections, so "answers" means "has a ready pod". Across namespaces (two
charts, two ArgoCD Applications) this wait is the only start order: sync waves order one
Application.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aipp_constructs.core import _spec
from aipp_constructs.core._validation import check_image
from aipp_constructs.core.references import Resources

__all__ = ["WaitPolicy", "wait_container"]

#: ``nobody``: the wait image needs no user of its own.
_UID = 65534


@dataclass(frozen=True, kw_only=True, slots=True)
class WaitPolicy:
    """How dependents wait for their dependencies.

    Attributes:
        image: Pinned image with a POSIX ``sh``, ``sleep`` and an ``nc`` that supports
            ``-z`` (BusyBox does). Required.
        attempts: Connection attempts before the init container fails. Defaults to ``60``.
        interval_seconds: Pause between attempts. Defaults to ``5`` (with ``attempts`` 60:
            about five minutes, then the kubelet restarts the pod with back-off).
        connect_timeout_seconds: Timeout of one attempt. Defaults to ``2``.
        resources: Requests and limits of each wait container. Defaults to 10m/16Mi
            requested, 100m/32Mi limit.
    """

    image: str
    attempts: int = 60
    interval_seconds: int = 5
    connect_timeout_seconds: int = 2
    resources: Resources = field(
        default_factory=lambda: Resources(
            cpu_request="10m", memory_request="16Mi", cpu_limit="100m", memory_limit="32Mi"
        )
    )

    def __post_init__(self) -> None:
        check_image("wait.image", self.image)
        for name in ("attempts", "interval_seconds", "connect_timeout_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3600:
                raise ValueError(f"wait.{name} must be an integer from 1 to 3600, got {value!r}")


def wait_container(dependency: str, host: str, port: int, policy: WaitPolicy) -> dict[str, Any]:
    """The init container ``wait-for-<dependency>``.

    Every attempt and the outcome are logged with the container name first, so
    ``kubectl logs <pod> -c wait-for-<dependency>`` says what is missing.
    """
    name = f"wait-for-{dependency}"
    target = f"{host}:{port}"
    script = "\n".join(
        [
            "n=0",
            f"until nc -z -w {policy.connect_timeout_seconds} {host} {port}; do",
            "  n=$((n+1))",
            f'  if [ "$n" -ge {policy.attempts} ]; then',
            f'    echo "{name}: {target} did not answer after {policy.attempts} attempts; giving up"',
            "    exit 1",
            "  fi",
            f'  echo "{name}: {target} not answering yet (attempt $n/{policy.attempts}), '
            f'retrying in {policy.interval_seconds}s"',
            f"  sleep {policy.interval_seconds}",
            "done",
            f'echo "{name}: {target} answers"',
            "",
        ]
    )
    return _spec.container(
        name=name,
        image=policy.image,
        uid=_UID,
        resources_=policy.resources,
        command=["sh", "-c", script],
    )
