"""Security exceptions: declared with a reason, written on the object, refused by a port whose
namespace does not admit them, and listed by the offline checks."""

from __future__ import annotations

from typing import Any

import cdk8s
import pytest
from conftest import container, one, pod_spec, synth

from aipp_constructs import PortChart, PortDefaults, SecurityException, Telemetry, Workload, WorkloadProps
from aipp_constructs.checks import check_pod_security, declared_exceptions
from aipp_constructs.core.security import PodSecurityLevel

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


def _skips(deployment: dict[str, Any]) -> dict[str, str]:
    """checkov's skip annotations of the object, check id -> reason."""
    annotations = deployment["metadata"]["annotations"]
    return dict(v.split("=", 1) for k, v in annotations.items() if k.startswith("checkov.io/skip"))


@pytest.mark.parametrize(
    ("relaxation", "checks"),
    [
        ({"add_capabilities": ("SETUID", "SETGID", "SYS_CHROOT")}, ["CKV_K8S_25"]),
        ({"add_capabilities": ("NET_BIND_SERVICE",)}, ["CKV_K8S_25"]),
        ({"run_as_root": True}, ["CKV_K8S_23", "CKV_K8S_40"]),
        ({"allow_privilege_escalation": True}, ["CKV_K8S_20"]),
        ({"writable_root_filesystem": True}, ["CKV_K8S_22"]),
        (
            {"add_capabilities": ("CHOWN",), "run_as_root": True, "allow_privilege_escalation": True,
             "writable_root_filesystem": True},
            ["CKV_K8S_20", "CKV_K8S_22", "CKV_K8S_23", "CKV_K8S_25", "CKV_K8S_40"],
        ),
    ],
)  # fmt: skip
def test_the_exception_derives_the_checkov_skips_its_relaxations_need(
    relaxation: dict[str, Any], checks: list[str]
) -> None:
    """Each relaxation skips exactly the checkov checks it fails (read from checkov's checks:
    CKV_K8S_28/37 pass while ALL stays dropped), with the exception's reason; the image
    exceptions (no digest: CKV_K8S_15, CKV_K8S_43) are the construct's as before."""
    reason = "the vendor image needs this to start, see its documentation"
    exception = SecurityException(reason=reason, **relaxation)
    assert [e.check for e in exception.policy_exceptions()] == checks
    deployment = one(_sandbox(exception=exception), "Deployment")
    skips = _skips(deployment)
    assert sorted(skips) == sorted([*checks, "CKV_K8S_15", "CKV_K8S_43"])
    assert {skips[check] for check in checks} == {reason}
    template = deployment["spec"]["template"]["metadata"].get("annotations", {})
    assert not any(key.startswith("checkov.io/skip") for key in template)  # a new reason rolls no pod


def test_a_check_the_exception_derives_is_not_declared_again() -> None:
    root = SecurityException(reason="the legacy image chowns its data folder at every start", run_as_root=True)
    with pytest.raises(
        ValueError,
        match="^policy_exceptions declares CKV_K8S_23, CKV_K8S_40, which security_exception derives "
        r"\(with its reason\); remove CKV_K8S_23, CKV_K8S_40 from policy_exceptions$",
    ):
        WorkloadProps(
            name="sandbox",
            image=IMAGE,
            security_exception=root,
            policy_exceptions={"CKV_K8S_23": "runs as root, see above", "CKV_K8S_40": "runs as root, see above"},
        )


def test_the_reason_must_fit_checkov_annotations() -> None:
    with pytest.raises(ValueError, match="^security_exception.reason must not contain '='"):
        SecurityException(reason="needs runAsUser=0 for its entrypoint", run_as_root=True)
    with pytest.raises(ValueError, match="10 to 300 characters"):
        SecurityException(reason="x" * 301, run_as_root=True)
