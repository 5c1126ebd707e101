"""A three-service port written against the installed aipp-constructs wheel only.

``shop``: a web front (the library's ``Workload``), a PostgreSQL database (the ``PgvectorDb``
preset) and an API written with cdk8s-plus-27 (``kplus.Deployment``) adopted into the graph
with ``AdoptedWorkload``. Edges both ways across the adapter: the adopted API depends on the
database (its wait, its wiring, its policy), the library's web depends on the adopted API, and
the API connects back to the web front (a mutual pair, added once both exist).
tools/wheel-port/run synthesizes, diffs, draws and checks it, and runs ``mypy --strict`` on it.
"""

from __future__ import annotations

import cdk8s
import cdk8s_plus_27 as kplus

import aipp_constructs as ac

BUSYBOX = "registry.example.com/library/busybox:1.37.0"


def build(app: cdk8s.App) -> ac.PortChart:
    """The ``shop`` chart: db <- api (adopted kplus) <-> web, and the NetworkPolicies of the graph."""
    chart = ac.PortChart(
        app,
        "shop",
        ac.PortDefaults(
            namespace="shop",
            part_of="shop",
            telemetry=ac.Telemetry(mode="off"),
            wait=ac.WaitPolicy(image=BUSYBOX),
        ),
    )
    db = ac.PgvectorDb(
        chart,
        "Db",
        ac.PgvectorDbProps(
            name="db",
            image="registry.example.com/library/postgres:17.6",
            username=ac.SecretKeyRef(name="db-credentials", key="username"),
            password=ac.SecretKeyRef(name="db-credentials", key="password"),
            database="shop",
            extensions=(),
            storage_size="5Gi",
        ),
    )
    api = kplus.Deployment(
        chart,
        "Api",
        containers=[
            kplus.ContainerProps(
                name="api",
                image="registry.example.com/shop/api:1.4.2",
                port_number=8080,
                security_context=kplus.ContainerSecurityContextProps(user=10001, group=10001),
                readiness=kplus.Probe.from_http_get("/healthz"),
                liveness=kplus.Probe.from_http_get("/healthz"),
            )
        ],
    )
    # The API's image is pinned by a tag without a digest; checkov's CKV_K8S_43 wants one. (The
    # adapter itself notes CKV_K8S_15 for the wait container it adds, IfNotPresent.)
    api.metadata.add_annotation(
        "checkov.io/skip1",
        "CKV_K8S_43=the image is pinned by a released tag without a digest; give it a sha256 digest to pin its bytes",
    )
    # Pod Security "restricted" wants every capability dropped and a seccomp profile, which
    # kplus 2.9 has no props for: set on the kplus object before it is adopted (the adapter
    # reads its manifest once).
    pod = cdk8s.ApiObject.of(api)
    pod.add_json_patch(
        cdk8s.JsonPatch.add("/spec/template/spec/containers/0/securityContext/capabilities", {"drop": ["ALL"]})
    )
    pod.add_json_patch(
        cdk8s.JsonPatch.add("/spec/template/spec/securityContext/seccompProfile", {"type": "RuntimeDefault"})
    )
    api_service = api.expose_via_service(name="api", ports=[kplus.ServicePort(name="http", port=80, target_port=8080)])
    adopted = ac.AdoptedWorkload(
        chart,
        "ApiInGraph",
        workload=api,
        service=api_service,
        protocol="http",
        depends_on=(db,),
        wiring={"postgresql": {"host": "DB_HOST", "port": "DB_PORT"}},
    )
    web = ac.Workload(
        chart,
        "Web",
        ac.WorkloadProps(
            name="web",
            image="registry.example.com/shop/web:2.0.1",
            ports=(ac.Port(name="http", number=3000),),
            probes=ac.Probes.of(ac.HttpCheck(path="/healthz")),
            depends_on=(adopted,),
        ),
    )
    # Both ways: the API calls the web front back (its webhook), an edge added once both exist.
    adopted.connect_to(web, wiring={"url": "WEB_CALLBACK_URL"})
    chart.add_network_policies()
    return chart


def main() -> None:
    app = cdk8s.App()
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
