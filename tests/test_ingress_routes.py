"""Per-route Ingress settings: a route with annotations (Dify's ``/e/`` hook header) is
rendered into an Ingress object of its own; the routes without keep the ``<name>`` object."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest
from conftest import new_chart, synth

from aipp_constructs import (
    IngressRoute,
    Port,
    Telemetry,
    TlsIngress,
    TlsIngressProps,
    Workload,
    WorkloadProps,
)

SNIPPET = {
    "nginx.ingress.kubernetes.io/configuration-snippet": "proxy_set_header Dify-Hook-Url $scheme://$host$request_uri;"
}
SUFFIX = "r" + hashlib.sha256(json.dumps(SNIPPET, separators=(",", ":")).encode()).hexdigest()[:8]


def _service(chart: Any, name: str, port: int) -> Workload:
    return Workload(
        chart,
        name,
        WorkloadProps(
            name=name,
            image=f"registry.example.com/dify/{name}:1.13.0",
            ports=(Port(name="http", number=port),),
            telemetry=Telemetry(mode="off"),
        ),
    )


def _dify(**props: Any) -> tuple[TlsIngress, dict[str, dict[str, Any]]]:
    chart = new_chart()
    web, api, daemon = _service(chart, "web", 3000), _service(chart, "api", 5001), _service(chart, "plugin", 5002)
    make = props.pop("routes", None)
    routes = (
        make(web, api)
        if make
        else (
            IngressRoute(host="dify.example.com", target=web),
            IngressRoute(host="dify.example.com", target=api, path="/api"),
            IngressRoute(host="dify.example.com", target=daemon, path="/e/", annotations=SNIPPET),
            IngressRoute(host="hooks.example.com", target=daemon, path="/e/", annotations=SNIPPET),
        )
    )
    ingress = TlsIngress(
        chart,
        "Ingress",
        TlsIngressProps(
            name="dify",
            routes=routes,
            ingress_class_name="nginx",
            cluster_issuer="letsencrypt",
            annotations={"nginx.ingress.kubernetes.io/proxy-body-size": "15m"},
            labels={"app.kubernetes.io/part-of": "dify"},
            **props,
        ),
    )
    return ingress, {m["metadata"]["name"]: m for m in synth(chart) if m["kind"] == "Ingress"}


def _paths(ingress: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (rule["host"], path["path"], path["backend"]["service"]["name"])
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]


def test_annotated_routes_get_an_ingress_of_their_own_with_the_same_settings() -> None:
    construct, ingresses = _dify()
    assert list(ingresses) == ["dify", f"dify-{SUFFIX}"]
    main, hook = ingresses["dify"], ingresses[f"dify-{SUFFIX}"]
    assert construct.resource is construct.resources[0]
    assert [r.name for r in construct.resources] == ["dify", f"dify-{SUFFIX}"]
    assert _paths(main) == [("dify.example.com", "/", "web"), ("dify.example.com", "/api", "api")]
    assert _paths(hook) == [("dify.example.com", "/e/", "plugin"), ("hooks.example.com", "/e/", "plugin")]
    # The first object owns the certificates and records of every host.
    assert main["metadata"]["annotations"] == {
        "argocd.argoproj.io/sync-wave": "1",
        "cert-manager.io/cluster-issuer": "letsencrypt",
        "external-dns.kubernetes.io/hostname": "dify.example.com,hooks.example.com",
        "nginx.ingress.kubernetes.io/proxy-body-size": "15m",
    }
    assert [t["hosts"] for t in main["spec"]["tls"]] == [["dify.example.com"], ["hooks.example.com"]]
    # The group shares the secrets, class, labels, wave and the construct's annotations.
    assert hook["metadata"]["annotations"] == {
        "argocd.argoproj.io/sync-wave": "1",
        "nginx.ingress.kubernetes.io/proxy-body-size": "15m",
        **SNIPPET,
    }
    assert hook["spec"]["tls"] == [
        {"hosts": ["dify.example.com"], "secretName": "dify-example-com-tls"},
        {"hosts": ["hooks.example.com"], "secretName": "hooks-example-com-tls"},
    ]
    assert hook["spec"]["ingressClassName"] == "nginx"
    assert hook["metadata"]["labels"] == {"app.kubernetes.io/part-of": "dify"}


def test_a_route_annotation_overrides_the_construct_one_and_a_group_names_the_object() -> None:
    big = {"nginx.ingress.kubernetes.io/proxy-body-size": "1g"}
    _, ingresses = _dify(
        routes=lambda web, api: (
            IngressRoute(host="dify.example.com", target=web),
            IngressRoute(host="dify.example.com", target=api, path="/upload", annotations=big, group="upload"),
            IngressRoute(host="dify.example.com", target=api, path="/files", annotations=big, group="upload"),
        )
    )
    assert list(ingresses) == ["dify", "dify-upload"]
    upload = ingresses["dify-upload"]
    assert upload["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] == "1g"
    assert _paths(upload) == [("dify.example.com", "/upload", "api"), ("dify.example.com", "/files", "api")]


def test_when_every_route_has_a_group_the_first_group_owns_the_certificates() -> None:
    construct, ingresses = _dify(
        routes=lambda web, _: (
            IngressRoute(host="a.example.com", target=web, annotations=SNIPPET),
            IngressRoute(host="b.example.com", target=web, group="b"),
        )
    )
    assert list(ingresses) == [f"dify-{SUFFIX}", "dify-b"]
    assert construct.resource.name == f"dify-{SUFFIX}"
    first, second = ingresses[f"dify-{SUFFIX}"], ingresses["dify-b"]
    assert first["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt"
    assert [t["hosts"] for t in first["spec"]["tls"]] == [["a.example.com"], ["b.example.com"]]
    assert _paths(first) == [("a.example.com", "/", "web")]
    assert "cert-manager.io/cluster-issuer" not in second["metadata"]["annotations"]
    assert second["spec"]["tls"] == [{"hosts": ["b.example.com"], "secretName": "b-example-com-tls"}]


def test_the_derived_suffix_is_stable_when_routes_are_reordered() -> None:
    chart = new_chart()
    web = _service(chart, "web", 3000)
    one = IngressRoute(host="a.example.com", target=web, path="/x", annotations={"b": "2", "a": "1"})
    two = IngressRoute(host="a.example.com", target=web, path="/y", annotations={"a": "1", "b": "2"})
    assert one.group_suffix == two.group_suffix
    assert re.fullmatch(r"r[0-9a-f]{8}", one.group_suffix or "")
    assert IngressRoute(host="a.example.com", target=web).group_suffix is None


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        (
            lambda web: (IngressRoute(host="a.example.com", target=web, annotations={"cert-manager.io/issuer": "x"}),),
            "routes[a.example.com/].annotations must not set 'cert-manager.io/issuer', which the construct owns; "
            "use the matching TlsIngressProps prop",
        ),
        (
            lambda web: (
                IngressRoute(host="a.example.com", target=web, annotations={"argocd.argoproj.io/sync-wave": "9"}),
            ),
            "routes[a.example.com/].annotations must not set 'argocd.argoproj.io/sync-wave'",
        ),
        (
            lambda web: (
                IngressRoute(host="a.example.com", target=web, annotations={"x": "1"}, group="g"),
                IngressRoute(host="a.example.com", target=web, path="/b", annotations={"x": "2"}, group="g"),
            ),
            "routes[a.example.com/b].group 'g' is also the group of a.example.com/ with other annotations; "
            "give equal annotations or another group",
        ),
        (
            lambda web: (IngressRoute(host="a.example.com", target=web, group="g" * 60),),
            "routes[a.example.com/]: Ingress name must be a DNS-1123 label",
        ),
    ],
    ids=["cert-manager", "argocd", "group-with-two-annotation-sets", "name-too-long"],
)
def test_bad_route_settings_are_refused_in_one_line(routes: Any, message: str) -> None:
    chart = new_chart()
    web = _service(chart, "web", 3000)
    with pytest.raises(ValueError, match=f"^{re.escape(message)}") as raised:
        TlsIngressProps(name="dify", routes=routes(web))
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ({"group": "Bad_Group"}, "group must be a DNS-1123 label"),
        ({"annotations": {"a": 1}}, "annotations must map annotation keys to strings, got {'a': 1}"),
    ],
)
def test_route_group_and_annotations_are_checked(route: dict[str, Any], message: str) -> None:
    chart = new_chart()
    web = _service(chart, "web", 3000)
    with pytest.raises(ValueError, match=re.escape(message)):
        IngressRoute(host="a.example.com", target=web, **route)
