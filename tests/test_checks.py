"""Unit tests for ``aipp_constructs.checks``: each checker must be able to fail and to pass.

All fixtures are small inline dicts, so these tests do not depend on what ``main.py`` synthesizes.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from aipp_constructs.checks import (
    KUBERNETES_VERSIONS,
    check_pod_security,
    load_crd_schemas,
    load_manifests,
    pod_specs,
    validate_manifest,
)
from aipp_constructs.checks.__main__ import main

REPO_ROOT = Path(__file__).resolve().parents[1]

Doc = dict[str, Any]
CrdSchemas = dict[tuple[str, str, str], dict[str, Any]]


def _hardened_security_context() -> Doc:
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": True,
    }


def hardened_deployment() -> Doc:
    """A Deployment that satisfies PSS restricted and the strict 1.27+ schemas."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "aipp", "labels": {"app": "api"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "api"}},
            "template": {
                "metadata": {"labels": {"app": "api"}},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 999,
                        "runAsGroup": 999,
                        "fsGroup": 999,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "initContainers": [
                        {
                            "name": "wait",
                            "image": "busybox:1.36",
                            "command": ["sh", "-c", "until nc -z db 5432; do sleep 1; done"],
                            "securityContext": _hardened_security_context(),
                        }
                    ],
                    "containers": [
                        {
                            "name": "app",
                            "image": "registry.example.com/api:1.4.2",
                            "imagePullPolicy": "IfNotPresent",
                            "ports": [{"name": "http", "containerPort": 8080}],
                            "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
                            "lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}},
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "256Mi"},
                                "limits": {"memory": "256Mi"},
                            },
                            "securityContext": _hardened_security_context(),
                            "volumeMounts": [
                                {"name": "tmp", "mountPath": "/tmp"},
                                {"name": "config", "mountPath": "/etc/api"},
                                {"name": "credentials", "mountPath": "/etc/secrets"},
                                {"name": "data", "mountPath": "/var/lib/api"},
                            ],
                        }
                    ],
                    "volumes": [
                        {"name": "tmp", "emptyDir": {}},
                        {"name": "config", "configMap": {"name": "api"}},
                        {"name": "credentials", "secret": {"secretName": "api"}},
                        {"name": "data", "persistentVolumeClaim": {"claimName": "api-data"}},
                    ],
                },
            },
        },
    }


def _pod(doc: Doc) -> Doc:
    pod: Doc = doc["spec"]["template"]["spec"]
    return pod


def _app(doc: Doc) -> Doc:
    app: Doc = _pod(doc)["containers"][0]
    return app


def _wait(doc: Doc) -> Doc:
    wait: Doc = _pod(doc)["initContainers"][0]
    return wait


# --- Pod Security Standards ------------------------------------------------------------------


def test_passes_a_fully_hardened_deployment() -> None:
    assert check_pod_security(hardened_deployment()) == []


# Mutations edit a document in place; whatever they return is ignored.
Mutation = Callable[[Doc], object]

# (id, mutation, expected finding substrings in order). Every case changes one control; the
# substrings name the object/container and the field so a wrong attribution fails the test.
PSS_VIOLATIONS: list[tuple[str, Mutation, list[str]]] = [
    (
        "privileged",
        lambda d: _app(d)["securityContext"].update(privileged=True),
        ['Deployment/aipp/api: container "app" securityContext.privileged must be unset or false'],
    ),
    (
        "host-network",
        lambda d: _pod(d).update(hostNetwork=True),
        ["spec.template.spec.hostNetwork must be unset or false, got True"],
    ),
    (
        "host-pid",
        lambda d: _pod(d).update(hostPID=True),
        ["spec.template.spec.hostPID must be unset or false, got True"],
    ),
    (
        "host-ipc",
        lambda d: _pod(d).update(hostIPC=True),
        ["spec.template.spec.hostIPC must be unset or false, got True"],
    ),
    (
        "host-path-volume",
        lambda d: _pod(d)["volumes"].append({"name": "sock", "hostPath": {"path": "/etc"}}),
        ['volumes "sock" type hostPath is not allowed'],
    ),
    (
        "nfs-volume",
        lambda d: _pod(d)["volumes"].append({"name": "share", "nfs": {"server": "nas", "path": "/export"}}),
        ['volumes "share" type nfs is not allowed'],
    ),
    (
        "host-port",
        lambda d: _app(d)["ports"][0].update(hostPort=8080),
        ['container "app" ports[0].hostPort must be unset or 0, got 8080'],
    ),
    (
        "added-sys-admin",
        lambda d: _app(d)["securityContext"]["capabilities"].update(add=["SYS_ADMIN"]),
        ["capabilities.add may only contain NET_BIND_SERVICE, got ['SYS_ADMIN']"],
    ),
    (
        "added-baseline-capability",
        lambda d: _app(d)["securityContext"]["capabilities"].update(add=["CHOWN"]),
        ["capabilities.add may only contain NET_BIND_SERVICE, got ['CHOWN']"],
    ),
    (
        "missing-drop-all",
        lambda d: _app(d)["securityContext"]["capabilities"].update(drop=["NET_RAW"]),
        ["container \"app\" securityContext.capabilities.drop must contain ALL, got ['NET_RAW']"],
    ),
    (
        "privilege-escalation-unset-on-init-container",
        lambda d: _wait(d)["securityContext"].pop("allowPrivilegeEscalation"),
        ['initContainer "wait" securityContext.allowPrivilegeEscalation must be false, got None'],
    ),
    (
        "privilege-escalation-true",
        lambda d: _app(d)["securityContext"].update(allowPrivilegeEscalation=True),
        ['container "app" securityContext.allowPrivilegeEscalation must be false, got True'],
    ),
    (
        "run-as-non-root-unset-everywhere",
        lambda d: _pod(d)["securityContext"].pop("runAsNonRoot"),
        [
            'container "app" securityContext.runAsNonRoot must be true',
            'initContainer "wait" securityContext.runAsNonRoot must be true',
        ],
    ),
    (
        "run-as-non-root-false-on-container",
        lambda d: _app(d)["securityContext"].update(runAsNonRoot=False),
        ['container "app" securityContext.runAsNonRoot must not be false'],
    ),
    (
        "run-as-non-root-false-on-pod",
        lambda d: _pod(d)["securityContext"].update(runAsNonRoot=False),
        [
            "spec.template.spec.securityContext.runAsNonRoot must not be false",
            'container "app" securityContext.runAsNonRoot must be true',
            'initContainer "wait" securityContext.runAsNonRoot must be true',
        ],
    ),
    (
        "run-as-user-0-on-pod",
        lambda d: _pod(d)["securityContext"].update(runAsUser=0),
        ["spec.template.spec.securityContext.runAsUser must not be 0"],
    ),
    (
        "run-as-user-0-on-container",
        lambda d: _wait(d)["securityContext"].update(runAsUser=0),
        ['initContainer "wait" securityContext.runAsUser must not be 0'],
    ),
    (
        "seccomp-unconfined-on-pod",
        lambda d: _pod(d)["securityContext"].update(seccompProfile={"type": "Unconfined"}),
        [
            "spec.template.spec.securityContext.seccompProfile.type must be RuntimeDefault or "
            "Localhost, got 'Unconfined'"
        ],
    ),
    (
        "seccomp-unconfined-on-container",
        lambda d: _app(d)["securityContext"].update(seccompProfile={"type": "Unconfined"}),
        ["container \"app\" securityContext.seccompProfile.type must be RuntimeDefault or Localhost, got 'Unconfined'"],
    ),
    (
        "seccomp-unset-on-pod-and-containers",
        lambda d: _pod(d)["securityContext"].pop("seccompProfile"),
        [
            'container "app" securityContext.seccompProfile.type must be RuntimeDefault',
            'initContainer "wait" securityContext.seccompProfile.type must be RuntimeDefault',
        ],
    ),
    (
        "disallowed-sysctl",
        lambda d: _pod(d)["securityContext"].update(
            sysctls=[{"name": "net.ipv4.tcp_syncookies", "value": "1"}, {"name": "kernel.msgmax", "value": "65536"}]
        ),
        ['securityContext.sysctls "kernel.msgmax" is not allowed'],
    ),
    (
        "proc-mount-unmasked",
        lambda d: _app(d)["securityContext"].update(procMount="Unmasked"),
        ["procMount must be unset or Default, got 'Unmasked'"],
    ),
    (
        "selinux-user",
        lambda d: _app(d)["securityContext"].update(seLinuxOptions={"user": "system_u"}),
        ["seLinuxOptions.user must be unset, got 'system_u'"],
    ),
    (
        "selinux-role-on-pod",
        lambda d: _pod(d)["securityContext"].update(seLinuxOptions={"role": "sysadm_r"}),
        ["spec.template.spec.securityContext.seLinuxOptions.role must be unset"],
    ),
    (
        "selinux-type",
        lambda d: _app(d)["securityContext"].update(seLinuxOptions={"type": "spc_t"}),
        ["seLinuxOptions.type must be unset or one of container_init_t, container_kvm_t, container_t, got 'spc_t'"],
    ),
    (
        "apparmor-unconfined-annotation",
        lambda d: d["spec"]["template"]["metadata"].update(
            annotations={"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}
        ),
        [
            'spec.template.metadata.annotations "container.apparmor.security.beta.kubernetes.io/app"'
            " must be runtime/default or localhost/*, got 'unconfined'"
        ],
    ),
    (
        "apparmor-unconfined-field",
        lambda d: _app(d)["securityContext"].update(appArmorProfile={"type": "Unconfined"}),
        ["appArmorProfile.type must be RuntimeDefault or Localhost, got 'Unconfined'"],
    ),
    (
        "probe-http-get-host",
        lambda d: _app(d)["readinessProbe"]["httpGet"].update(host="10.0.0.1"),
        ["container \"app\" readinessProbe.httpGet.host must be unset or empty, got '10.0.0.1'"],
    ),
    (
        "lifecycle-tcp-socket-host",
        lambda d: _app(d)["lifecycle"].update(postStart={"tcpSocket": {"host": "metadata", "port": 80}}),
        ["lifecycle.postStart.tcpSocket.host must be unset or empty"],
    ),
    (
        "windows-host-process",
        lambda d: _pod(d)["securityContext"].update(windowsOptions={"hostProcess": True}),
        ["securityContext.windowsOptions.hostProcess must be unset or false, got True"],
    ),
    (
        "privileged-ephemeral-container",
        lambda d: _pod(d).update(
            ephemeralContainers=[
                {
                    "name": "debug",
                    "image": "busybox:1.36",
                    "securityContext": {**_hardened_security_context(), "privileged": True},
                }
            ]
        ),
        ['ephemeralContainer "debug" securityContext.privileged must be unset or false'],
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(mutate, expected, id=case) for case, mutate, expected in PSS_VIOLATIONS],
)
def test_fails_when_one_pss_control_is_broken(mutate: Mutation, expected: list[str]) -> None:
    doc = hardened_deployment()
    mutate(doc)

    findings = check_pod_security(doc)

    assert len(findings) == len(expected), findings
    for finding, substring in zip(findings, expected):
        assert finding.startswith("Deployment/aipp/api: ")
        assert substring in finding


PSS_LEGAL_EDGE_CASES: list[tuple[str, Mutation]] = [
    (
        "container-level-seccomp-only",
        lambda d: (
            _pod(d)["securityContext"].pop("seccompProfile"),
            _app(d)["securityContext"].update(seccompProfile={"type": "RuntimeDefault"}),
            _wait(d)["securityContext"].update(seccompProfile={"type": "Localhost", "localhostProfile": "wait.json"}),
        ),
    ),
    (
        "add-net-bind-service",
        lambda d: _app(d)["securityContext"]["capabilities"].update(add=["NET_BIND_SERVICE"]),
    ),
    ("run-as-user-1000", lambda d: _pod(d)["securityContext"].update(runAsUser=1000)),
    (
        "run-as-non-root-on-every-container-only",
        lambda d: (
            _pod(d)["securityContext"].pop("runAsNonRoot"),
            _app(d)["securityContext"].update(runAsNonRoot=True),
            _wait(d)["securityContext"].update(runAsNonRoot=True),
        ),
    ),
    (
        "allowed-sysctl",
        lambda d: _pod(d)["securityContext"].update(
            sysctls=[{"name": "net.ipv4.ip_unprivileged_port_start", "value": "80"}]
        ),
    ),
    (
        "apparmor-runtime-default",
        lambda d: (
            d["spec"]["template"]["metadata"].update(
                annotations={"container.apparmor.security.beta.kubernetes.io/app": "runtime/default"}
            ),
            _wait(d)["securityContext"].update(appArmorProfile={"type": "Localhost", "localhostProfile": "wait"}),
        ),
    ),
    (
        "selinux-container-type-and-level",
        lambda d: _app(d)["securityContext"].update(seLinuxOptions={"type": "container_t", "level": "s0:c123,c456"}),
    ),
    (
        "proc-mount-default-and-host-port-zero",
        lambda d: (
            _app(d)["securityContext"].update(procMount="Default"),
            _app(d)["ports"][0].update(hostPort=0),
        ),
    ),
]


@pytest.mark.parametrize("mutate", [pytest.param(mutate, id=case) for case, mutate in PSS_LEGAL_EDGE_CASES])
def test_passes_pss_legal_edge_cases(mutate: Mutation) -> None:
    doc = hardened_deployment()
    mutate(doc)

    assert check_pod_security(doc) == []


def test_finds_the_pod_spec_of_a_statefulset() -> None:
    deployment = hardened_deployment()
    statefulset = {**deployment, "kind": "StatefulSet", "metadata": {"name": "pgvector", "namespace": "aipp"}}
    statefulset["spec"] = {**deployment["spec"], "serviceName": "pgvector"}
    _wait(statefulset)["securityContext"].pop("allowPrivilegeEscalation")

    assert pod_specs(statefulset) == [("spec.template.spec", _pod(statefulset))]
    assert check_pod_security(statefulset) == [
        'StatefulSet/aipp/pgvector: initContainer "wait" '
        "securityContext.allowPrivilegeEscalation must be false, got None"
    ]


def test_finds_the_pod_spec_of_a_cronjob() -> None:
    template = copy.deepcopy(hardened_deployment()["spec"]["template"])
    template["spec"]["hostNetwork"] = True
    cronjob = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "backup", "namespace": "aipp"},
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}},
    }

    assert pod_specs(cronjob) == [("spec.jobTemplate.spec.template.spec", template["spec"])]
    assert check_pod_security(cronjob) == [
        "CronJob/aipp/backup: spec.jobTemplate.spec.template.spec.hostNetwork must be unset or false, got True"
    ]


def test_finds_the_pod_spec_of_a_bare_pod() -> None:
    pod_spec = copy.deepcopy(_pod(hardened_deployment()))
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": pod_spec}

    assert pod_specs(pod) == [("spec", pod_spec)]
    assert check_pod_security(pod) == []


def test_passes_kinds_without_a_pod_spec() -> None:
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api"}, "spec": {"ports": [{"port": 80}]}}

    assert pod_specs(service) == []
    assert check_pod_security(service) == []


def test_fails_an_unhardened_container_on_every_restricted_control() -> None:
    doc = hardened_deployment()
    _pod(doc).pop("securityContext")
    _app(doc).pop("securityContext")

    findings = [f for f in check_pod_security(doc) if 'container "app"' in f]

    assert [re.sub(r".*securityContext\.(\w+).*", r"\1", f) for f in findings] == [
        "capabilities",
        "seccompProfile",
        "allowPrivilegeEscalation",
        "runAsNonRoot",
    ]


# --- schema validation -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def crd_schemas() -> CrdSchemas:
    return load_crd_schemas()


def external_secret() -> Doc:
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": "db", "namespace": "aipp", "labels": {"app": "api"}},
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": "vault"},
            "target": {"name": "db", "creationPolicy": "Owner"},
            "data": [{"secretKey": "password", "remoteRef": {"key": "aipp/db", "property": "password"}}],
        },
    }


def test_load_crd_schemas_finds_all_seven_crd_kinds(
    crd_schemas: CrdSchemas,
) -> None:
    assert set(crd_schemas) == {
        ("argoproj.io", "v1alpha1", "Application"),
        ("external-secrets.io", "v1", "ExternalSecret"),
        ("external-secrets.io", "v1", "ClusterSecretStore"),
        ("monitoring.coreos.com", "v1", "ServiceMonitor"),
        ("monitoring.coreos.com", "v1", "PrometheusRule"),
        ("longhorn.io", "v1beta2", "RecurringJob"),
        ("cert-manager.io", "v1", "Certificate"),
    }
    assert all(schema.get("type") == "object" for schema in crd_schemas.values())


def test_load_crd_schemas_skips_unserved_versions_and_non_crd_documents(tmp_path: Path) -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [
                {"name": v, "served": served, "storage": served, "schema": {"openAPIV3Schema": {"type": "object"}}}
                for v, served in (("v2", True), ("v1", False))
            ],
        },
    }
    other = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
    text = "# header comment\n---\n" + yaml.safe_dump_all([other, crd])
    (tmp_path / "widgets.yaml").write_text(text)

    assert list(load_crd_schemas(tmp_path)) == [("example.com", "v2", "Widget")]


def test_kubernetes_versions_span_1_27_to_the_newest_bundled_schemas() -> None:
    folders = resources.files("kubernetes_validate").joinpath("kubernetes-json-schema").iterdir()
    bundled = {
        tuple(int(part) for part in match.groups())
        for folder in folders
        if (match := re.match(r"^v(\d+)\.(\d+)\.\d+-local-strict$", folder.name))
    }

    assert KUBERNETES_VERSIONS[0] == "1.27"
    assert KUBERNETES_VERSIONS[1] == "{}.{}".format(*max(bundled))


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_passes_a_valid_deployment(version: str, crd_schemas: CrdSchemas) -> None:
    assert validate_manifest(hardened_deployment(), version, crd_schemas) == []


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_fails_when_a_deployment_field_is_misspelled(version: str, crd_schemas: CrdSchemas) -> None:
    doc = hardened_deployment()
    _app(doc)["imagePullPolcy"] = _app(doc).pop("imagePullPolicy")

    errors = validate_manifest(doc, version, crd_schemas)

    assert len(errors) == 1
    assert errors[0].startswith("Deployment/aipp/api: $.spec.template.spec.containers[0]: ")
    assert "'imagePullPolcy' was unexpected" in errors[0]


def test_fails_when_a_deployment_field_has_the_wrong_type(crd_schemas: CrdSchemas) -> None:
    doc = hardened_deployment()
    doc["spec"]["replicas"] = "2"

    errors = validate_manifest(doc, KUBERNETES_VERSIONS[0], crd_schemas)

    assert len(errors) == 1
    assert "$.spec.replicas" in errors[0]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize(
    ("api_version", "kind"),
    [("extensions/v1beta1", "Ingress"), ("policy/v1beta1", "PodSecurityPolicy")],
)
def test_fails_when_the_api_was_removed(api_version: str, kind: str, version: str, crd_schemas: CrdSchemas) -> None:
    doc = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "old"}, "spec": {}}

    errors = validate_manifest(doc, version, crd_schemas)

    assert errors == [
        f"{kind}//old: no schema for {api_version} {kind} in kubernetes {version} "
        "(removed or unknown api) and no crd for the group"
    ]


def test_fails_when_the_custom_resource_group_is_unknown(crd_schemas: CrdSchemas) -> None:
    doc = {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "IngressRoute",
        "metadata": {"name": "web", "namespace": "aipp"},
        "spec": {},
    }

    errors = validate_manifest(doc, KUBERNETES_VERSIONS[-1], crd_schemas)

    assert len(errors) == 1
    assert "IngressRoute/aipp/web: no schema for traefik.io/v1alpha1 IngressRoute" in errors[0]


def test_fails_without_apiversion_or_kind_instead_of_raising(crd_schemas: CrdSchemas) -> None:
    errors = validate_manifest({"metadata": {"name": "x"}}, KUBERNETES_VERSIONS[0], crd_schemas)

    assert errors == ["//x: apiVersion and kind must be non-empty strings, got None, None"]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_passes_a_valid_external_secret(version: str, crd_schemas: CrdSchemas) -> None:
    assert validate_manifest(external_secret(), version, crd_schemas) == []


def test_fails_when_an_external_secret_spec_field_is_misspelled(crd_schemas: CrdSchemas) -> None:
    doc = external_secret()
    doc["spec"]["refreshIntervall"] = doc["spec"].pop("refreshInterval")
    doc["spec"]["data"][0]["remoteRef"]["proprety"] = "password"

    errors = validate_manifest(doc, KUBERNETES_VERSIONS[0], crd_schemas)

    # Every error is reported (not only the first), sorted by JSON path.
    assert len(errors) == 2
    assert errors[0].startswith("ExternalSecret/aipp/db: $.spec: ")
    assert "'refreshIntervall' was unexpected" in errors[0]
    assert errors[1].startswith("ExternalSecret/aipp/db: $.spec.data[0].remoteRef: ")
    assert "'proprety' was unexpected" in errors[1]


def test_fails_when_an_external_secret_field_has_the_wrong_type(crd_schemas: CrdSchemas) -> None:
    doc = external_secret()
    doc["spec"]["secretStoreRef"]["kind"] = "Vault"

    errors = validate_manifest(doc, KUBERNETES_VERSIONS[0], crd_schemas)

    assert len(errors) == 1
    assert "$.spec.secretStoreRef.kind: 'Vault' is not one of" in errors[0]


def test_fails_when_an_external_secret_uses_the_unserved_v1beta1(crd_schemas: CrdSchemas) -> None:
    doc = external_secret()
    doc["apiVersion"] = "external-secrets.io/v1beta1"

    errors = validate_manifest(doc, KUBERNETES_VERSIONS[0], crd_schemas)

    assert len(errors) == 1
    assert "no served version v1beta1 of kind ExternalSecret in the crd group external-secrets.io" in errors[0]


def test_fails_when_a_custom_resource_has_no_name(crd_schemas: CrdSchemas) -> None:
    doc = external_secret()
    del doc["metadata"]["name"]

    assert validate_manifest(doc, KUBERNETES_VERSIONS[0], crd_schemas) == [
        "ExternalSecret/aipp/: $.metadata.name: a non-empty name is required"
    ]


def test_passes_crd_schema_quirks_nullable_int_or_string_and_preserved_fields(
    crd_schemas: CrdSchemas,
) -> None:
    status_with_null = external_secret()
    status_with_null["status"] = {"refreshTime": None}  # `nullable: true` in the CRD
    store = {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ClusterSecretStore",
        "metadata": {"name": "vault"},
        "spec": {
            "refreshInterval": 300,  # x-kubernetes-int-or-string
            "provider": {"fake": {"data": [{"key": "aipp/db", "value": "x"}]}},
        },
    }
    application = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "aipp", "namespace": "argocd"},
        "spec": {
            "project": "default",
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "aipp"},
            "source": {
                "repoURL": "https://git.example.com/aipp.git",
                "path": "dist/prod",
                "targetRevision": "main",
                # x-kubernetes-preserve-unknown-fields: anything goes below here
                "helm": {"valuesObject": {"anything": {"nested": [1, 2]}}},
            },
        },
    }

    for doc in (status_with_null, store, application):
        assert validate_manifest(doc, KUBERNETES_VERSIONS[0], crd_schemas) == []


def test_load_manifests_reads_every_document_and_skips_kustomization(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.yaml").write_text("kind: B\n---\n---\nkind: C\n")
    (tmp_path / "a.yaml").write_text("kind: A\n")
    (tmp_path / "kustomization.yaml").write_text("resources: [a.yaml]\n")
    (tmp_path / "notes.txt").write_text("kind: Ignored\n")

    assert load_manifests(tmp_path) == [{"kind": "A"}, {"kind": "B"}, {"kind": "C"}]


# --- command line ----------------------------------------------------------------------------


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aipp_constructs.checks", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
        timeout=60,
    )


def test_cli_exits_0_on_good_manifests_and_1_on_bad_ones(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(yaml.safe_dump_all([hardened_deployment(), external_secret()]))
    (tmp_path / "kustomization.yaml").write_text("resources: [good.yaml]\n")

    good = _run_cli(str(tmp_path))

    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.splitlines() == ["2 objects checked, 0 findings"]

    bad_doc = hardened_deployment()
    bad_doc["metadata"]["name"] = "bad"
    _app(bad_doc)["securityContext"]["privileged"] = True
    _app(bad_doc)["imagePullPolcy"] = "Always"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad_doc))

    bad = _run_cli(str(tmp_path))

    assert bad.returncode == 1, bad.stdout + bad.stderr
    lines = bad.stdout.splitlines()
    assert lines[-1] == "3 objects checked, 3 findings"  # 1 PSS + 1 schema error per version
    assert any('container "app" securityContext.privileged' in line for line in lines)
    assert sum("'imagePullPolcy' was unexpected" in line for line in lines) == 2


def test_cli_exits_2_on_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main([str(tmp_path / "missing")]) == 2
    assert main([str(tmp_path)]) == 2  # exists but holds no manifests
    assert "is not a directory" in capsys.readouterr().err


def test_cli_validates_against_the_given_oldest_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = hardened_deployment()
    _app(doc)["lifecycle"] = {"preStop": {"sleep": {"seconds": 5}}}  # a field Kubernetes 1.27 does not have
    (tmp_path / "sleep.yaml").write_text(yaml.safe_dump(doc))
    assert main([str(tmp_path)]) == 1
    assert "'sleep' was unexpected" in capsys.readouterr().out
    assert main([str(tmp_path), "--kubernetes-version", "v1.30"]) == 0
    assert main([str(tmp_path), "--kubernetes-version", "1.30"]) == 2
    assert "--kubernetes-version must be a Kubernetes version like 'v1.30'" in capsys.readouterr().err


@pytest.mark.parametrize("missing", ["jsonschema", "kubernetes_validate"])
def test_cli_without_the_checks_extra_ends_in_a_one_line_hint(tmp_path: Path, missing: str) -> None:
    """``python -m aipp_constructs.checks`` with a dependency of the ``[checks]`` extra missing
    (``sys.modules[name] = None`` makes its import fail as if it were not installed) prints one
    line naming the module and the extra, exit code 2, no traceback."""
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(hardened_deployment()))
    program = (
        f"import runpy, sys; sys.modules[{missing!r}] = None; sys.argv = ['checks', {str(tmp_path)!r}]; "
        "runpy.run_module('aipp_constructs.checks', run_name='__main__', alter_sys=True)"
    )
    run = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=REPO_ROOT, check=False, timeout=60
    )
    assert run.returncode == 2, run.stderr
    assert run.stdout == ""
    assert run.stderr.splitlines() == [f"error: the checks need {missing}: pip install 'aipp-constructs[checks]'"]


@pytest.mark.parametrize("args", [["check"], ["check", "--exceptions"]])
def test_aipp_check_without_the_checks_extra_ends_in_a_one_line_hint(tmp_path: Path, args: list[str]) -> None:
    """``aipp check`` (and ``--exceptions``, which reads manifests with the extra's loader) says
    the same one line, as a usage error (exit 2), without a traceback."""
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(hardened_deployment()))
    argv = ["aipp", *args, str(tmp_path)]
    program = (
        f"import runpy, sys; sys.modules['jsonschema'] = None; sys.argv = {argv!r}; "
        "runpy.run_module('aipp_constructs', run_name='__main__', alter_sys=True)"
    )
    run = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=REPO_ROOT, check=False, timeout=60
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr.splitlines()[-1] == "Error: the checks need jsonschema: pip install 'aipp-constructs[checks]'"
    assert "Traceback" not in run.stderr
