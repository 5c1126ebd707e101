"""Security exceptions: declared with a reason, written on the object, refused by a port whose
namespace does not admit them, and listed by the offline checks."""

from __future__ import annotations

from typing import Any

import cdk8s
import pytest
from conftest import container, one, pod_spec, synth

from aipp_constructs import PortChart, PortDefaults, SecurityException, Telemetry, Workload, WorkloadProps
from aipp_constructs.checks import check_pod_security, declared_exceptions
from aipp_constructs.security import PodSecurityLevel

IMAGE = "registry.example.com/acme/sandbox:0.2.0"
SANDBOX = SecurityException(
    reason="the sandbox switches to a per-run user with setuid and chroots into the run folder",
    add_capabilities=("SETUID", "SETGID", "SYS_CHROOT"),
)


def _sandbox(level: PodSecurityLevel = "baseline", exception: SecurityException = SANDBOX) -> list[dict[str, Any]]:
    chart = PortChart(
        cdk8s.Testing.app(), "port", PortDefaults(namespace="acme", part_of="acme", pod_security_level=level)
    )
    Workload(
        chart,
        "Sandbox",
        WorkloadProps(name="sandbox", image=IMAGE, security_exception=exception, telemetry=Telemetry(mode="off")),
    )
    return synth(chart)


def test_the_exception_relaxes_exactly_what_it_declares_and_says_why() -> None:
    manifests = _sandbox()
    deployment = one(manifests, "Deployment", "sandbox")
    context = container(deployment, "sandbox")["securityContext"]
    assert context["capabilities"] == {"add": ["SETGID", "SETUID", "SYS_CHROOT"], "drop": ["ALL"]}
    assert context["allowPrivilegeEscalation"] is False and context["readOnlyRootFilesystem"] is True
    assert context["runAsNonRoot"] is True
    expected = {
        "security.aipp-constructs.io/exception": "capabilities.add=SETGID,SETUID,SYS_CHROOT",
        "security.aipp-constructs.io/reason": SANDBOX.reason,
        "security.aipp-constructs.io/pod-security-level": "baseline",
    }
    assert expected.items() <= deployment["metadata"]["annotations"].items()
    assert expected.items() <= deployment["spec"]["template"]["metadata"]["annotations"].items()
    namespace = one(manifests, "Namespace", "acme")["metadata"]["labels"]
    assert namespace["pod-security.kubernetes.io/enforce"] == "baseline"
    assert namespace["pod-security.kubernetes.io/warn"] == "restricted"
    assert namespace["pod-security.kubernetes.io/audit"] == "restricted"


def test_a_restricted_port_refuses_an_exception_that_needs_baseline() -> None:
    with pytest.raises(
        ValueError,
        match="sandbox: security_exception \\(capabilities.add=SETGID,SETUID,SYS_CHROOT\\) needs "
        "Pod Security 'baseline', but namespace acme enforces 'restricted'",
    ):
        _sandbox(level="restricted")


def test_a_writable_root_filesystem_needs_no_level_but_is_written_down() -> None:
    writable = SecurityException(
        reason="the vendor image unpacks plugins into /opt at start", writable_root_filesystem=True
    )
    manifests = _sandbox(level="restricted", exception=writable)
    deployment = one(manifests, "Deployment")
    assert container(deployment, "sandbox")["securityContext"]["readOnlyRootFilesystem"] is False
    assert check_pod_security(deployment) == []
    assert declared_exceptions(deployment) == [
        "Deployment/acme/sandbox: readOnlyRootFilesystem=false (needs Pod Security restricted): "
        "the vendor image unpacks plugins into /opt at start"
    ]


def test_the_offline_checks_list_the_exception_and_still_catch_anything_more() -> None:
    deployment = one(_sandbox(), "Deployment")
    assert check_pod_security(deployment) == []
    assert declared_exceptions(deployment) == [
        f"Deployment/acme/sandbox: capabilities.add=SETGID,SETUID,SYS_CHROOT (needs Pod Security baseline): {SANDBOX.reason}"
    ]
    # A capability added by hand beyond the declaration is a finding.
    container(deployment, "sandbox")["securityContext"]["capabilities"]["add"].append("NET_RAW")
    assert check_pod_security(deployment) == [
        'Deployment/acme/sandbox: container "sandbox" securityContext.capabilities.add may only contain '
        "NET_BIND_SERVICE, got ['NET_RAW']"
    ]
    # Without its reason the declaration covers nothing.
    del deployment["spec"]["template"]["metadata"]["annotations"]["security.aipp-constructs.io/reason"]
    assert len(check_pod_security(deployment)) == 1
    assert "NO REASON GIVEN" in declared_exceptions(deployment)[0]


def test_root_and_privilege_escalation() -> None:
    root = SecurityException(
        reason="the legacy image chowns its data folder at every start",
        run_as_root=True,
        allow_privilege_escalation=True,
    )
    deployment = one(_sandbox(exception=root), "Deployment")
    context = container(deployment, "sandbox")["securityContext"]
    assert context["runAsUser"] == 0 and context["runAsGroup"] == 0 and context["runAsNonRoot"] is False
    assert context["allowPrivilegeEscalation"] is True
    assert pod_spec(deployment)["securityContext"]["runAsNonRoot"] is True  # other containers stay non-root
    assert check_pod_security(deployment) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reason": "because"}, "reason must say in one line"),
        ({"reason": "a good long reason", "add_capabilities": ("SYS_ADMIN",)}, "need a privileged namespace"),
        ({"reason": "a good long reason", "add_capabilities": ("CHOWN", "CHOWN")}, "repeats a capability"),
        ({"reason": "a good long reason"}, "relaxes nothing"),
    ],
)
def test_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SecurityException(**kwargs)


def test_net_bind_service_stays_restricted() -> None:
    low_port = SecurityException(
        reason="the image binds port 80 inside the container", add_capabilities=("NET_BIND_SERVICE",)
    )
    assert low_port.level == "restricted"
    assert one(_sandbox(level="restricted", exception=low_port), "Deployment")
