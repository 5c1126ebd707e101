"""TlsIngress: routes, TLS per host through cert-manager, the external-dns annotation, the wave."""

from __future__ import annotations

import re
from typing import Any

import pytest
from cdk8s import Chart
from conftest import names_and_selectors, new_chart, one, synth

from aipp_constructs import (
    IngressRoute,
    RabbitMq,
    RabbitMqProps,
    SecretKeyRef,
    TlsIngress,
    TlsIngressProps,
    WebFrontend,
    WebFrontendProps,
)


def _targets(chart: Chart) -> tuple[WebFrontend, RabbitMq]:
    mq = RabbitMq(
        chart,
        "Mq",
        RabbitMqProps(
            image="registry.example.com/library/rabbitmq:3.13.7-management",
            username=SecretKeyRef(name="mq", key="username"),
            password=SecretKeyRef(name="mq", key="password"),
            erlang_cookie=SecretKeyRef(name="mq", key="cookie"),
        ),
    )
    web = WebFrontend(
        chart, "Web", WebFrontendProps(name="web", image="registry.example.com/app/web:v1.0.0", depends_on=(mq,))
    )
    return web, mq


def _ingress(chart: Chart, **overrides: Any) -> dict[str, Any]:
    web, mq = _targets(chart)
    props: dict[str, Any] = {
        "name": "app",
        "routes": (IngressRoute(host="app.example.com", target=web),),
        **overrides,
    }
    if callable(props["routes"]):
        props["routes"] = props["routes"](web, mq)
    TlsIngress(chart, "Ingress", TlsIngressProps(**props))
    return one(synth(chart), "Ingress")


def test_defaults_route_to_the_service_port_by_name_without_tls_or_controller_annotations(chart: Chart) -> None:
    ingress = _ingress(chart)
    assert ingress["metadata"]["name"] == "app"
    # Wave of the latest target (web depends on mq: wave 2); external-dns GA prefix by default.
    assert ingress["metadata"]["annotations"] == {
        "argocd.argoproj.io/sync-wave": "2",
        "external-dns.kubernetes.io/hostname": "app.example.com",
    }
    assert ingress["spec"] == {
        "rules": [
            {
                "host": "app.example.com",
                "http": {
                    "paths": [
                        {
                            "backend": {"service": {"name": "web", "port": {"name": "http"}}},
                            "path": "/",
                            "pathType": "Prefix",
                        }
                    ]
                },
            }
        ]
    }


def test_every_prop_reaches_the_yaml(chart: Chart) -> None:
    ingress = _ingress(
        chart,
        routes=lambda web, mq: (
            IngressRoute(host="app.example.com", target=web),
            IngressRoute(host="app.example.com", target=web, path="/static", path_type="Exact"),
            IngressRoute(host="mq.example.com", target=mq, port="management"),
        ),
        ingress_class_name="traefik",
        cluster_issuer="letsencrypt-dns01",
        external_dns_prefix="external-dns.alpha.kubernetes.io/",
        annotations={"traefik.ingress.kubernetes.io/router.entrypoints": "websecure"},
        labels={"app.kubernetes.io/part-of": "app"},
    )
    meta, spec = ingress["metadata"], ingress["spec"]
    assert meta["labels"] == {"app.kubernetes.io/part-of": "app"}
    assert meta["annotations"] == {
        "argocd.argoproj.io/sync-wave": "2",
        "cert-manager.io/cluster-issuer": "letsencrypt-dns01",
        "external-dns.alpha.kubernetes.io/hostname": "app.example.com,mq.example.com",
        "traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
    }
    assert spec["ingressClassName"] == "traefik"
    assert spec["tls"] == [
        {"hosts": ["app.example.com"], "secretName": "app-example-com-tls"},
        {"hosts": ["mq.example.com"], "secretName": "mq-example-com-tls"},
    ]
    assert [
        (r["host"], [(p["path"], p["pathType"], p["backend"]["service"]) for p in r["http"]["paths"]])
        for r in spec["rules"]
    ] == [
        (
            "app.example.com",
            [
                ("/", "Prefix", {"name": "web", "port": {"name": "http"}}),
                ("/static", "Exact", {"name": "web", "port": {"name": "http"}}),
            ],
        ),
        ("mq.example.com", [("/", "Prefix", {"name": "rabbitmq", "port": {"name": "management"}})]),
    ]


def test_no_external_dns_annotation_when_the_prefix_is_none(chart: Chart) -> None:
    assert (
        "external-dns.kubernetes.io/hostname"
        not in _ingress(chart, external_dns_prefix=None)["metadata"]["annotations"]
    )


def test_route_port_number_comes_from_the_target() -> None:
    web, mq = _targets(new_chart())
    assert IngressRoute(host="a.example.com", target=mq, port="management").port_number == 15672
    assert IngressRoute(host="a.example.com", target=web).port_number == 3000


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ({"host": "Bad_Host"}, "host must be a DNS-1123 subdomain"),
        ({"path": "api"}, "path must be an absolute URL path like '/' or '/api', got 'api'"),
        ({"port": "metrics"}, "port must be a named port of web (http), got 'metrics'"),
        ({"path_type": "Glob"}, "path_type must be Prefix, Exact or ImplementationSpecific, got 'Glob'"),
    ],
)
def test_route_validation(route: dict[str, Any], message: str) -> None:
    web, _ = _targets(new_chart())
    with pytest.raises(ValueError, match=re.escape(message)):
        IngressRoute(**{"host": "a.example.com", "target": web, **route})


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"name": "App"}, "name must be a DNS-1123 label"),
        ({"routes": ()}, "routes must list at least one route, got ()"),
        ({"routes": "twice"}, "routes must not repeat a host and path, got a.example.com/ twice"),
        ({"ingress_class_name": "Nginx!"}, "ingress_class_name must be a DNS-1123 subdomain"),
        ({"cluster_issuer": "Le_Prod"}, "cluster_issuer must be a DNS-1123 subdomain"),
        (
            {"external_dns_prefix": "external-dns.kubernetes.io"},
            "external_dns_prefix must be an annotation prefix ending in '/'",
        ),
        ({"annotations": {"cert-manager.io/issuer": "x"}}, "annotations must not set 'cert-manager.io/issuer'"),
        (
            {"annotations": {"external-dns.kubernetes.io/ttl": "60"}},
            "annotations must not set 'external-dns.kubernetes.io/ttl'",
        ),
    ],
)
def test_props_validation(props: dict[str, Any], message: str) -> None:
    web, _ = _targets(new_chart())
    route = IngressRoute(host="a.example.com", target=web)
    if props.get("routes") == "twice":
        props = {"routes": (route, route)}
    with pytest.raises(ValueError, match=re.escape(message)):
        TlsIngressProps(**{"name": "app", "routes": (route,), **props})


def test_names_survive_construct_id_changes() -> None:
    def build(ingress_id: str) -> list[Any]:
        chart = new_chart()
        web, _ = _targets(chart)
        TlsIngress(
            chart, ingress_id, TlsIngressProps(name="app", routes=(IngressRoute(host="a.example.com", target=web),))
        )
        return names_and_selectors(synth(chart))

    assert build("Ingress") == build("Renamed")
