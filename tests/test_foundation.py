"""Tests of the building blocks: value types, validation, components and waves, namespace, VaultSecret."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import cdk8s
import pytest
from cdk8s import Chart
from conftest import one, synth

from aipp_constructs import (
    CONFIG_WAVE,
    Component,
    Endpoint,
    Resources,
    RestrictedNamespace,
    RestrictedNamespaceProps,
    SecretKeyRef,
    VaultSecret,
    VaultSecretProps,
    sync_wave_of,
)
from aipp_constructs.core._validation import (
    check_cpu,
    check_digest,
    check_dns_label,
    check_dns_subdomain,
    check_image,
    check_image_tag,
    check_port,
    check_quantity_binary,
    is_moving_tag,
    normalize_image,
    quantity_cpu_millis,
    quantity_to_bytes,
)

DIGEST = "sha256:" + "0123456789abcdef" * 4


def component(scope: Chart, name: str, *depends_on: Component) -> Component:
    return Component(scope, name.capitalize(), name=name, component="test", version="1.0.0", depends_on=depends_on)


# --- references: Resources ----------------------------------------------------------------


def test_resources_defaults_are_explicit_and_valid() -> None:
    assert Resources() == Resources(cpu_request="100m", memory_request="128Mi", cpu_limit="500m", memory_limit="256Mi")


def test_resources_compares_cores_and_millicores_alike() -> None:
    # A limit equal to the request, written in the other unit, is accepted and kept as written...
    equal = Resources(cpu_request="1", cpu_limit="1000m", memory_request="1Gi", memory_limit="1024Mi")
    assert (equal.cpu_request, equal.cpu_limit, equal.memory_request, equal.memory_limit) == (
        "1",
        "1000m",
        "1Gi",
        "1024Mi",
    )
    assert Resources(cpu_request="0.5", cpu_limit="500m").cpu_limit == "500m"
    # ...and one millicore or one mebibyte below it is refused: the units are compared, not the text.
    with pytest.raises(ValueError, match="^cpu_limit must be at least cpu_request, got limit '999m' < request '1'"):
        Resources(cpu_request="1", cpu_limit="999m")
    with pytest.raises(ValueError, match="^cpu_limit must be at least cpu_request, got limit '499m' < request '0.5'"):
        Resources(cpu_request="0.5", cpu_limit="499m")
    with pytest.raises(
        ValueError, match="^memory_limit must be at least memory_request, got limit '1023Mi' < request '1Gi'"
    ):
        Resources(memory_request="1Gi", memory_limit="1023Mi")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"cpu_request": "1 core"}, "cpu_request must be a CPU quantity .*, got '1 core'", id="cpu-request"
        ),
        pytest.param({"cpu_limit": "1 core"}, "cpu_limit must be a CPU quantity .*, got '1 core'", id="cpu-limit"),
        pytest.param(
            {"memory_request": "1GB"},
            "memory_request must be a quantity in binary units .*, got '1GB'",
            id="mem-request",
        ),
        pytest.param(
            {"memory_limit": "1GB"}, "memory_limit must be a quantity in binary units .*, got '1GB'", id="mem-limit"
        ),
        pytest.param(
            {"cpu_request": "2", "cpu_limit": "500m"},
            "cpu_limit must be at least cpu_request, got limit '500m' < request '2'",
            id="cpu-limit-below-request",
        ),
        pytest.param(
            {"memory_request": "1Gi", "memory_limit": "512Mi"},
            "memory_limit must be at least memory_request, got limit '512Mi' < request '1Gi'",
            id="mem-limit-below-request",
        ),
    ],
)
def test_fails_when_resources_are_invalid(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        Resources(**overrides)


# --- references: SecretKeyRef and Endpoint ------------------------------------------------


def test_secret_key_refs_compare_by_value() -> None:
    assert SecretKeyRef(name="db", key="password") == SecretKeyRef(name="db", key="password")
    assert SecretKeyRef(name="db", key="password") != SecretKeyRef(name="db", key="username")


def test_fails_when_secret_key_ref_names_no_secret_or_no_key() -> None:
    with pytest.raises(ValueError, match="^SecretKeyRef.name must be a DNS-1123 label .*, got 'DB'"):
        SecretKeyRef(name="DB", key="password")
    with pytest.raises(ValueError, match="^SecretKeyRef.key must not be empty, got ''"):
        SecretKeyRef(name="db", key="")


def endpoint() -> Endpoint:
    return Endpoint(
        host="pgvector",
        ports={"postgresql": 5432},
        credentials={"password": SecretKeyRef(name="db", key="password")},
        properties={"database": "app"},
    )


@pytest.mark.parametrize("mapping", ["ports", "credentials", "properties"])
def test_endpoint_mappings_are_read_only(mapping: str) -> None:
    value = getattr(endpoint(), mapping)
    with pytest.raises(TypeError):
        value["extra"] = value[next(iter(value))]
    with pytest.raises(TypeError):
        del value[next(iter(value))]


def test_endpoint_fields_cannot_be_reassigned() -> None:
    ep = endpoint()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ep.host = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ep.ports = {}  # type: ignore[misc]


def test_endpoint_does_not_share_the_callers_dicts() -> None:
    ports = {"postgresql": 5432}
    ep = Endpoint(host="pgvector", ports=ports)
    ports["postgresql"] = 1
    ports["other"] = 2
    assert dict(ep.ports) == {"postgresql": 5432}


def test_endpoint_defaults_to_no_credentials_and_no_properties() -> None:
    ep = Endpoint(host="redis", ports={"redis": 6379})
    assert (dict(ep.credentials), dict(ep.properties)) == ({}, {})


def test_endpoint_port_returns_the_named_port() -> None:
    assert endpoint().port("postgresql") == 5432


def test_endpoint_port_names_the_known_ports_when_missing() -> None:
    with pytest.raises(KeyError, match=re.escape("pgvector has no port 'http'; known: ['postgresql']")):
        endpoint().port("http")


def test_fails_when_endpoint_host_or_port_is_invalid() -> None:
    with pytest.raises(ValueError, match="^Endpoint.host must be a DNS-1123 label .*, got 'db.local'"):
        Endpoint(host="db.local", ports={})
    with pytest.raises(
        ValueError, match=re.escape("Endpoint.ports['pg'] must be a port number between 1 and 65535, got 0")
    ):
        Endpoint(host="db", ports={"pg": 0})


# --- _validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [
        "h.example/a/b:1.2.3",
        "h.example:5000/a:1.0.0",
        f"h.example/a/b:1.2.3@{DIGEST}",
        "localhost/a:1.0.0",
        # A bare name means Docker Hub (normalize_image: docker.io/library/redis:7.2.7).
        "redis:7.2.7",
        "library/redis:7.2.7",
        # A digest pins a moving tag.
        f"redis:7@{DIGEST}",
        "harbor.example/dockerhub-proxy/pgvector/pgvector:0.8.1-pg17-bookworm",
        "h.example/a/b:1.2.3-latest-fix",
    ],
)
def test_check_image_accepts_pinned_references(image: str) -> None:
    assert check_image("image", image) == image


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        pytest.param("h.example/a/b:latest", "uses the moving tag 'latest'", id="latest"),
        pytest.param("h.example/a/b:main-latest", "uses the moving tag 'main-latest'", id="main-latest"),
        pytest.param("h.example/a/b:dev_latest", "uses the moving tag 'dev_latest'", id="dev_latest"),
        pytest.param("h.example/a/b", "has no tag", id="tagless"),
        pytest.param("h.example:5000/a", "has no tag", id="tagless-with-port"),
        pytest.param(f"h.example/a/b@{DIGEST}", "has no tag", id="digest-only"),
        pytest.param("h.example/a/b:1@sha256:abc", "has a malformed digest", id="short-digest"),
        pytest.param("h.example/a/b:1@md5:" + "0" * 64, "has a malformed digest", id="wrong-algorithm"),
        pytest.param("h_example.com/a:1", "has an invalid registry host 'h_example.com'", id="bad-host"),
        pytest.param("library/redis:7", "uses the moving tag '7'", id="release-line"),
        pytest.param("redis:7.2", "uses the moving tag '7.2'", id="minor-line"),
        pytest.param("h.example/a/b:6-alpine", "uses the moving tag '6-alpine'", id="variant-line"),
        pytest.param(
            "h.example/Library/redis:7", "has an invalid repository path component 'Library'", id="upper-repo"
        ),
        pytest.param("h.example/a:-1", "has an invalid tag '-1'", id="bad-tag"),
        # A first segment with a port is a registry host even without a dot: the tag decides.
        pytest.param("registry:5000/a:1", "uses the moving tag '1'", id="host-with-port-no-dot"),
        pytest.param("localhost/a:1", "uses the moving tag '1'", id="localhost"),
        # A ':' before the last '/' is not a tag separator.
        pytest.param("h.example/a:1/b", "has an invalid repository path component 'a:1'", id="colon-in-path"),
        # Two numbers name a release of PostgreSQL only.
        pytest.param("h.example/proxy/redis:7.2", "uses the moving tag '7.2'", id="two-numbers"),
    ],
)
def test_check_image_refuses_unpinned_or_malformed_references(image: str, problem: str) -> None:
    with pytest.raises(
        ValueError, match=f"^image {re.escape(problem)}.*, got {re.escape(repr(image))}; pin a released tag"
    ):
        check_image("image", image)


def test_check_image_refuses_a_non_string() -> None:
    with pytest.raises(ValueError, match="^image is not a string, got None"):
        check_image("image", None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="^image reference is not a string, got 7; pin a released tag, like"):
        normalize_image(7)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "image", ["postgres:17.6", "library/postgres:17.6-bookworm", "h.example/proxy/library/postgres:17.6"]
)
def test_check_image_accepts_two_numbers_for_postgres_whatever_the_path(image: str) -> None:
    assert check_image("image", image) == image


@pytest.mark.parametrize(
    "repository", ["postgres", "library/postgres", "h.example/proxy/library/postgres", "library/postgres/"]
)
def test_is_moving_tag_reads_the_last_segment_of_the_repository(repository: str) -> None:
    assert not is_moving_tag("17.6", repository=repository)
    assert check_image_tag("tag", "17.6", repository=repository) == "17.6"
    assert is_moving_tag("17", repository=repository)
    assert is_moving_tag("17.6", repository=repository.replace("postgres", "postgres-proxy"))
    with pytest.raises(ValueError, match="^tag is the moving tag '17.6', which is refused"):
        check_image_tag("tag", "17.6")


def test_check_image_tag_accepts_a_build_and_refuses_moving_or_malformed_tags() -> None:
    assert check_image_tag("tag", "1.2.3") == "1.2.3"
    with pytest.raises(ValueError, match="^tag is the moving tag 'main-latest', which is refused"):
        check_image_tag("tag", "main-latest")
    with pytest.raises(ValueError, match="^tag must be an image tag .*, got ''"):
        check_image_tag("tag", "")
    with pytest.raises(ValueError, match="^tag must be an image tag .*, got 'a/b'"):
        check_image_tag("tag", "a/b")


def test_check_digest_accepts_sha256_and_refuses_anything_else() -> None:
    assert check_digest("digest", DIGEST) == DIGEST
    for bad in ("sha256:abc", DIGEST.upper(), DIGEST[len("sha256:") :]):
        with pytest.raises(ValueError, match=f"^digest must be 'sha256:' .*, got {re.escape(repr(bad))}"):
            check_digest("digest", bad)


@pytest.mark.parametrize("value", ["a", "a-1", "0abc", "a" * 63])
def test_check_dns_label_accepts_rfc1123_labels(value: str) -> None:
    assert check_dns_label("name", value) == value


@pytest.mark.parametrize("value", ["", "A", "-a", "a-", "a.b", "a_b", "a" * 64, 5])
def test_check_dns_label_refuses_anything_else(value: Any) -> None:
    with pytest.raises(ValueError, match=f"^name must be a DNS-1123 label .*, got {re.escape(repr(value))}$"):
        check_dns_label("name", value)


#: A DNS subdomain of exactly 253 characters: three 63-character labels and one of 61.
SUBDOMAIN_253 = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])


@pytest.mark.parametrize("value", ["a", "a.b", "longhorn-ssd", "storage.k8s.io", "a-1.b-2.c", SUBDOMAIN_253])
def test_check_dns_subdomain_accepts_dotted_rfc1123_names_up_to_253_characters(value: str) -> None:
    assert len(SUBDOMAIN_253) == 253
    assert check_dns_subdomain("name", value) == value


@pytest.mark.parametrize(
    "value",
    [SUBDOMAIN_253 + "d", "", ".", "a.", ".a", "a..b", "A.b", "a_b.c", "-a.b", "a.b-", 5, None],
)
def test_check_dns_subdomain_refuses_anything_else(value: Any) -> None:
    with pytest.raises(ValueError, match=f"^name must be a DNS-1123 subdomain .*, got {re.escape(repr(value))}$"):
        check_dns_subdomain("name", value)


@pytest.mark.parametrize("value", ["1Ki", "512Mi", "10Gi", "1Ti", "1Pi"])
def test_check_quantity_binary_accepts_binary_units(value: str) -> None:
    assert check_quantity_binary("size", value) == value


@pytest.mark.parametrize("value", ["10G", "10GB", "0Gi", "10", "Gi", "1.5Gi", "10gi", " 10Gi", 10])
def test_check_quantity_binary_refuses_decimal_zero_and_malformed(value: Any) -> None:
    with pytest.raises(ValueError, match=f"^size must be a quantity in binary units .*, got {re.escape(repr(value))};"):
        check_quantity_binary("size", value)


@pytest.mark.parametrize("value", ["250m", "1m", "2", "0.5", "1.125"])
def test_check_cpu_accepts_millicores_and_cores(value: str) -> None:
    assert check_cpu("cpu", value) == value


@pytest.mark.parametrize("value", ["1 core", "0", "0m", "0.0", "1.2345", "", "-1", "1.5m", 2])
def test_check_cpu_refuses_zero_and_malformed(value: Any) -> None:
    with pytest.raises(ValueError, match=f"^cpu must be a CPU quantity .*, got {re.escape(repr(value))}$"):
        check_cpu("cpu", value)


@pytest.mark.parametrize("value", [1, 5432, 65535])
def test_check_port_accepts_tcp_ports(value: int) -> None:
    assert check_port("port", value) == value


@pytest.mark.parametrize("value", [0, 65536, -1, True, "5432", 5432.0])
def test_check_port_refuses_anything_else(value: Any) -> None:
    with pytest.raises(
        ValueError, match=f"^port must be a port number between 1 and 65535, got {re.escape(repr(value))}$"
    ):
        check_port("port", value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1Ki", 1024), ("512Mi", 512 * 2**20), ("10Gi", 10 * 2**30), ("2Ti", 2 * 2**40), ("1Pi", 2**50)],
)
def test_quantity_to_bytes(value: str, expected: int) -> None:
    assert quantity_to_bytes(value) == expected


def test_quantity_to_bytes_refuses_decimal_units() -> None:
    with pytest.raises(ValueError, match="^not a binary quantity: '10G'$"):
        quantity_to_bytes("10G")


@pytest.mark.parametrize(("value", "expected"), [("250m", 250), ("2", 2000), ("0.5", 500), ("1.125", 1125)])
def test_quantity_cpu_millis(value: str, expected: int) -> None:
    assert quantity_cpu_millis(value) == expected


@pytest.mark.parametrize(
    ("check", "value"),
    [
        pytest.param(check_dns_label, "pgvector\n", id="dns-label"),
        pytest.param(check_quantity_binary, "10Gi\n", id="quantity"),
        pytest.param(check_cpu, "250m\n", id="cpu-millis"),
        pytest.param(check_cpu, "2\n", id="cpu-cores"),
        pytest.param(check_image, "h.example/a/b:1.2.3\n", id="image"),
        pytest.param(check_image_tag, "1.2.3\n", id="tag"),
        pytest.param(check_digest, DIGEST + "\n", id="digest"),
    ],
)
def test_checks_refuse_a_trailing_newline(check: Any, value: str) -> None:
    with pytest.raises(ValueError):
        check("field", value)


def test_check_image_refuses_an_at_sign_without_digest() -> None:
    with pytest.raises(ValueError, match="malformed digest"):
        check_image("image", "h.example/a/b:1.2.3@")


# --- component: waves, names, labels ------------------------------------------------------


def test_sync_wave_without_dependencies_is_1() -> None:
    assert sync_wave_of([]) == 1


def test_sync_wave_of_a_chain_counts_up(chart: Chart) -> None:
    a = component(chart, "a")
    b = component(chart, "b", a)
    c = component(chart, "c", b)
    assert (a.wave, b.wave, c.wave) == (1, 2, 3)
    assert sync_wave_of([c]) == 4


def test_sync_wave_of_a_diamond_is_one_after_the_deepest(chart: Chart) -> None:
    a = component(chart, "a")
    b = component(chart, "b", a)
    c = component(chart, "c", a)
    d = component(chart, "d", b, c)
    assert (a.wave, b.wave, c.wave, d.wave) == (1, 2, 2, 3)


def test_sync_wave_of_uneven_dependencies_follows_the_deepest(chart: Chart) -> None:
    a = component(chart, "a")
    b = component(chart, "b", a)
    c = component(chart, "c", b)
    d = component(chart, "d", a, c)
    assert d.wave == 4
    assert sync_wave_of([a, c]) == sync_wave_of([c, a]) == 4


def test_component_records_its_dependencies_but_hands_none_to_cdk8s(chart: Chart) -> None:
    """cdk8s expands a construct dependency to every pair of objects below the two constructs
    and walks every path (exponential in the depth of the graph): none is ever handed to it."""
    a = component(chart, "a")
    b = component(chart, "b", a)
    assert b.depends_on == (a,) and b.reaches == (a,)
    assert [c.node.path for c in chart.node.find_all() if c.node.dependencies] == []


def test_component_refuses_a_non_dns_name_naming_the_construct_path(chart: Chart) -> None:
    with pytest.raises(ValueError, match="^test/Bad: name must be a DNS-1123 label .*, got 'Bad_Name'$"):
        Component(chart, "Bad", name="Bad_Name", component="test", version="1")
    # Nothing was attached to the tree: the same id can be used for a corrected retry.
    assert Component(chart, "Bad", name="good-name", component="test", version="1").name == "good-name"


def test_component_selector_labels_depend_only_on_name_and_part_of(chart: Chart) -> None:
    plain = Component(chart, "Plain", name="plain", component="test", version="1.0.0")
    grouped = Component(chart, "Grouped", name="grouped", component="test", version="1.0.0", part_of="aipp")
    assert dict(plain.selector_labels) == {"app.kubernetes.io/name": "plain"}
    assert dict(grouped.selector_labels) == {"app.kubernetes.io/name": "grouped", "app.kubernetes.io/part-of": "aipp"}
    assert dict(grouped.labels) == {
        "app.kubernetes.io/name": "grouped",
        "app.kubernetes.io/part-of": "aipp",
        "app.kubernetes.io/component": "test",
        "app.kubernetes.io/version": "1.0.0",
        "app.kubernetes.io/managed-by": "cdk8s",
    }


def test_component_version_label_is_sanitised_to_a_label_value(chart: Chart) -> None:
    c = Component(chart, "C", name="c", component="test", version="+1.0+build/7" + "x" * 80)
    version = c.labels["app.kubernetes.io/version"]
    assert len(version) <= 63
    assert re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?", version)
    assert version.startswith("1.0_build_7")


@pytest.mark.parametrize(
    ("version", "label"),
    [
        pytest.param("1.2.3", "1.2.3", id="kept"),
        pytest.param("v" + "1" * 62, "v" + "1" * 62, id="63-kept"),
        pytest.param("v" + "1" * 62 + "2", "v" + "1" * 62, id="64-cut-to-63"),
        # Cut first, then trimmed: the 63rd character is a '-', so 62 remain.
        pytest.param("a" * 62 + "-b", "a" * 62, id="cut-then-trimmed"),
        pytest.param("_.-1.0-._", "1.0", id="trimmed-both-ends"),
        pytest.param("X.1.0.X", "X.1.0.X", id="letters-at-both-ends-kept"),
        pytest.param("", "unknown", id="empty"),
        pytest.param("+/+", "unknown", id="nothing-left"),
    ],
)
def test_component_version_label_is_cut_to_63_characters_or_unknown(chart: Chart, version: str, label: str) -> None:
    c = Component(chart, "C", name="c", component="test", version=version)
    assert c.labels["app.kubernetes.io/version"] == label


def test_component_without_an_endpoint_has_none(chart: Chart) -> None:
    assert component(chart, "a").endpoint is None


def test_after_and_waits_for_order_connects_to_does_not(chart: Chart) -> None:
    a = component(chart, "a")
    after = Component(chart, "After", name="after", component="test", version="1", after=(a,))
    waits = Component(chart, "Waits", name="waits", component="test", version="1", waits_for=(after,))
    connects = Component(chart, "Connects", name="connects", component="test", version="1", connects_to=(waits, a))
    assert (a.wave, after.wave, waits.wave, connects.wave) == (1, 2, 3, 1)
    assert (after.after, after.reaches) == ((a,), ())
    assert (waits.waits_for, waits.reaches) == ((after,), (after,))
    assert (connects.connects_to, connects.reaches) == ((waits, a), (waits, a))


def test_component_reaches_each_component_once_in_declaration_order(chart: Chart) -> None:
    a, b = component(chart, "a"), component(chart, "b")
    c = Component(
        chart, "C", name="c", component="test", version="1", depends_on=(a,), waits_for=(b, a), connects_to=(b,)
    )
    assert c.reaches == (a, b)


def test_component_meta_stamps_name_labels_and_wave(chart: Chart) -> None:
    a = component(chart, "a")
    b = Component(chart, "B", name="b", component="cache", version="2.0.0", part_of="aipp", depends_on=(a,))
    labels = {
        "app.kubernetes.io/name": "b",
        "app.kubernetes.io/part-of": "aipp",
        "app.kubernetes.io/component": "cache",
        "app.kubernetes.io/version": "2.0.0",
        "app.kubernetes.io/managed-by": "cdk8s",
    }
    assert b.meta() == {"name": "b", "labels": labels, "annotations": {"argocd.argoproj.io/sync-wave": "2"}}
    assert b.meta("b-config", wave=CONFIG_WAVE, annotations={"note": "x"}, labels={"extra": "y"}) == {
        "name": "b-config",
        "labels": {**labels, "extra": "y"},
        "annotations": {"argocd.argoproj.io/sync-wave": "0", "note": "x"},
    }
    assert b.meta(wave=7)["annotations"] == {"argocd.argoproj.io/sync-wave": "7"}
    assert b.selector() == {"matchLabels": {"app.kubernetes.io/name": "b", "app.kubernetes.io/part-of": "aipp"}}


def test_component_services_select_its_pods_on_named_ports(chart: Chart) -> None:
    c = Component(chart, "Dns", name="dns", component="resolver", version="1.0.0", part_of="aipp")
    client = c.add_client_service({"dns": 53, "metrics": 9153}, protocols={"dns": "UDP"})
    headless = c.add_headless_service({"dns-tcp": 53})
    assert (client.node.id, headless.node.id) == ("Service", "HeadlessService")
    services = {m["metadata"]["name"]: m for m in synth(chart) if m["kind"] == "Service"}
    metadata = {
        "name": "dns",
        "namespace": "test",
        "labels": dict(c.labels),
        "annotations": {"argocd.argoproj.io/sync-wave": "1"},
    }
    selector = {"app.kubernetes.io/name": "dns", "app.kubernetes.io/part-of": "aipp"}
    assert services["dns"] == {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": {
            "type": "ClusterIP",
            "selector": selector,
            "ports": [
                {"name": "dns", "port": 53, "targetPort": "dns", "protocol": "UDP"},
                {"name": "metrics", "port": 9153, "targetPort": "metrics", "protocol": "TCP"},
            ],
        },
    }
    assert services["dns-headless"] == {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {**metadata, "name": "dns-headless"},
        "spec": {
            "clusterIP": "None",
            "publishNotReadyAddresses": True,
            "selector": selector,
            "ports": [{"name": "dns-tcp", "port": 53, "targetPort": "dns-tcp", "protocol": "TCP"}],
        },
    }


def test_component_services_take_protocols_and_ids(chart: Chart) -> None:
    c = Component(chart, "Dns", name="dns", component="resolver", version="1.0.0")
    c.add_client_service({"dns": 53}, id="Client", protocols={"dns": "UDP"})
    c.add_headless_service({"dns": 53}, id="Peers", protocols={"dns": "UDP"})
    assert [child.node.id for child in c.node.children] == ["Client", "Peers"]
    services = [m for m in synth(chart) if m["kind"] == "Service"]
    assert [s["spec"]["ports"][0]["protocol"] for s in services] == ["UDP", "UDP"]
    # A service without ports writes no empty list.
    bare = Component(chart, "Bare", name="bare", component="test", version="1")
    assert "ports" not in bare.add_client_service({}).to_json()["spec"]


def test_component_part_of_defaults_to_the_port_chart_and_is_absent_outside_one() -> None:
    from aipp_constructs import PortChart, PortDefaults

    port = PortChart(cdk8s.Testing.app(), "acme", PortDefaults(namespace="acme", part_of="acme"))
    inside = Component(port, "In", name="in", component="test", version="1")
    given = Component(port, "Given", name="given", component="test", version="1", part_of="other")
    assert inside.selector_labels == {"app.kubernetes.io/name": "in", "app.kubernetes.io/part-of": "acme"}
    assert given.selector_labels["app.kubernetes.io/part-of"] == "other"
    plain = Chart(cdk8s.Testing.app(), "plain")
    outside = Component(plain, "Out", name="out", component="test", version="1")
    assert dict(outside.selector_labels) == {"app.kubernetes.io/name": "out"}


# --- namespace ----------------------------------------------------------------------------


def test_restricted_namespace_enforces_audits_and_warns_restricted(chart: Chart) -> None:
    RestrictedNamespace(chart, "Namespace", RestrictedNamespaceProps(name="aipp"))
    ns = one(synth(chart), "Namespace", "aipp")
    assert ns["apiVersion"] == "v1"
    assert ns["metadata"]["labels"] == {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "v1.27",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": "v1.27",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": "v1.27",
    }


def test_restricted_namespace_has_no_namespace_even_in_a_namespaced_chart(chart: Chart) -> None:
    assert chart.namespace == "test"
    RestrictedNamespace(chart, "Namespace", RestrictedNamespaceProps(name="aipp"))
    assert "namespace" not in one(synth(chart), "Namespace")["metadata"]


def test_restricted_namespace_works_in_a_chart_without_namespace() -> None:
    chart = Chart(cdk8s.Testing.app(), "plain", disable_resource_name_hashes=True)
    RestrictedNamespace(chart, "Namespace", RestrictedNamespaceProps(name="aipp"))
    assert "namespace" not in one(synth(chart), "Namespace")["metadata"]


def test_restricted_namespace_is_wave_0(chart: Chart) -> None:
    RestrictedNamespace(chart, "Namespace", RestrictedNamespaceProps(name="aipp"))
    assert one(synth(chart), "Namespace")["metadata"]["annotations"] == {
        "argocd.argoproj.io/sync-wave": "0",
        # Deleting the namespace would delete its volumes: ArgoCD must never prune or delete it.
        "argocd.argoproj.io/sync-options": "Prune=false,Delete=false",
    }


def test_restricted_namespace_pins_the_given_version_and_keeps_extra_labels_below_pss(chart: Chart) -> None:
    RestrictedNamespace(
        chart,
        "Namespace",
        RestrictedNamespaceProps(
            name="aipp",
            pod_security_version="latest",
            labels={"team": "platform", "pod-security.kubernetes.io/enforce": "privileged"},
        ),
    )
    labels = one(synth(chart), "Namespace")["metadata"]["labels"]
    assert labels["team"] == "platform"
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert {labels[f"pod-security.kubernetes.io/{m}-version"] for m in ("enforce", "audit", "warn")} == {"latest"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"name": "AIPP"}, "name must be a DNS-1123 label .*, got 'AIPP'", id="name"),
        pytest.param(
            {"pod_security_version": "1.27"},
            "pod_security_version must be 'latest' or a version like 'v1.27', got '1.27'",
            id="version-no-v",
        ),
        pytest.param(
            {"pod_security_version": "v1.27.3"},
            r"pod_security_version must be 'latest' or a version like 'v1\.27', got 'v1\.27\.3'",
            id="version-patch",
        ),
    ],
)
def test_fails_when_restricted_namespace_props_are_invalid(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        RestrictedNamespaceProps(**{"name": "aipp", **overrides})


# --- external_secret ----------------------------------------------------------------------


def vault_props(**overrides: Any) -> VaultSecretProps:
    return VaultSecretProps(
        **{
            "name": "pgvector-credentials",
            "store_name": "vault",
            "remote_key": "secret/aipp/pgvector",
            "keys": {"username": "user", "password": "pass"},  # pragma: allowlist secret
            **overrides,
        }
    )


def test_vault_secret_defaults_field_by_field(chart: Chart) -> None:
    VaultSecret(chart, "Secret", vault_props())
    es = one(synth(chart), "ExternalSecret", "pgvector-credentials")
    assert es["apiVersion"] == "external-secrets.io/v1"
    assert es["metadata"] == {
        "name": "pgvector-credentials",
        "namespace": "test",
        "annotations": {
            "argocd.argoproj.io/sync-wave": "0",
            "argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true",
        },
    }
    assert es["spec"] == {
        "refreshInterval": "1h",
        "secretStoreRef": {"kind": "ClusterSecretStore", "name": "vault"},
        "target": {"name": "pgvector-credentials", "creationPolicy": "Owner", "deletionPolicy": "Retain"},
        "data": [
            {"secretKey": "password", "remoteRef": {"key": "secret/aipp/pgvector", "property": "pass"}},
            {"secretKey": "username", "remoteRef": {"key": "secret/aipp/pgvector", "property": "user"}},
        ],
    }


def test_vault_secret_data_is_sorted_by_key_whatever_the_dict_order(chart: Chart) -> None:
    VaultSecret(chart, "Secret", vault_props(keys={"z": "1", "a": "2", "m": "3"}))
    data = one(synth(chart), "ExternalSecret")["spec"]["data"]
    assert [d["secretKey"] for d in data] == ["a", "m", "z"]


def test_vault_secret_every_prop_reaches_the_yaml(chart: Chart) -> None:
    values: dict[str, Any] = {
        "name": "tls",
        "store_name": "vault-aipp",
        "remote_key": "kv/aipp/tls",
        "keys": {"tls.crt": "certificate", "tls.key": "private_key"},
        "store_kind": "SecretStore",
        "refresh_interval": "1h30m",
        "secret_type": "kubernetes.io/tls",
        "template_data": {"tls.crt": "{{ .certificate }}", "tls.key": "{{ .private_key }}"},
        "labels": {"app.kubernetes.io/part-of": "aipp"},
    }
    fields = {f.name: f for f in dataclasses.fields(VaultSecretProps)}
    assert set(values) == set(fields), "a VaultSecretProps field is not covered by this test"
    for name, f in fields.items():
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        assert values[name] != default, f"{name} is set to its default"

    VaultSecret(chart, "Secret", VaultSecretProps(**values))
    es = one(synth(chart), "ExternalSecret", "tls")
    assert es["metadata"]["labels"] == {"app.kubernetes.io/part-of": "aipp"}
    assert es["spec"] == {
        "refreshInterval": "1h30m",
        "secretStoreRef": {"kind": "SecretStore", "name": "vault-aipp"},
        "target": {
            "name": "tls",
            "creationPolicy": "Owner",
            "deletionPolicy": "Retain",
            "template": {
                "type": "kubernetes.io/tls",
                "engineVersion": "v2",
                "data": {"tls.crt": "{{ .certificate }}", "tls.key": "{{ .private_key }}"},
            },
        },
        "data": [
            {"secretKey": "tls.crt", "remoteRef": {"key": "kv/aipp/tls", "property": "certificate"}},
            {"secretKey": "tls.key", "remoteRef": {"key": "kv/aipp/tls", "property": "private_key"}},
        ],
    }


def test_vault_secret_key_returns_a_secret_key_ref(chart: Chart) -> None:
    secret = VaultSecret(chart, "Secret", vault_props())
    assert secret.key("password") == SecretKeyRef(name="pgvector-credentials", key="password")


def test_vault_secret_key_names_the_known_keys_when_missing(chart: Chart) -> None:
    secret = VaultSecret(chart, "Secret", vault_props())
    with pytest.raises(
        KeyError, match=re.escape("secret 'pgvector-credentials' has no key 'pass'; known: ['password', 'username']")
    ):
        secret.key("pass")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"name": "Pg_Creds"}, "name must be a DNS-1123 label .*, got 'Pg_Creds'", id="name"),
        pytest.param({"store_name": "Vault"}, "store_name must be a DNS-1123 label .*, got 'Vault'", id="store-name"),
        pytest.param(
            {"remote_key": ""}, "remote_key must be a Vault path like 'secret/app/db', got ''", id="remote-empty"
        ),
        pytest.param(
            {"remote_key": "/secret/aipp"},
            "remote_key must be a Vault path like 'secret/app/db', got '/secret/aipp'",
            id="remote-absolute",
        ),
        pytest.param(
            {"remote_key": "secret/a b"},
            "remote_key must be a Vault path like 'secret/app/db', got 'secret/a b'",
            id="remote-space",
        ),
        pytest.param(
            {"keys": {}},
            re.escape("keys must map at least one Secret key to a Vault property, got {}"),
            id="keys-empty",
        ),
        pytest.param(
            {"keys": {"pass word": "password"}},
            "keys must map Secret keys .* to Vault property names, got 'pass word': 'password'",
            id="key-invalid",
        ),
        pytest.param(
            {"keys": {"password": ""}},
            "keys must map Secret keys .* to Vault property names, got 'password': ''",
            id="property-empty",
        ),
        pytest.param(
            {"store_kind": "Vault"},
            re.escape("store_kind must be one of ['ClusterSecretStore', 'SecretStore'], got 'Vault'"),
            id="store-kind",
        ),
        pytest.param(
            {"refresh_interval": "1 hour"},
            "refresh_interval must be a duration like '1h' or '30m', got '1 hour'",
            id="refresh-words",
        ),
        pytest.param(
            {"refresh_interval": "1d"},
            "refresh_interval must be a duration like '1h' or '30m', got '1d'",
            id="refresh-days",
        ),
        pytest.param(
            {"refresh_interval": ""},
            "refresh_interval must be a duration like '1h' or '30m', got ''",
            id="refresh-empty",
        ),
    ],
)
def test_fails_when_vault_secret_props_are_invalid(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        vault_props(**overrides)


@pytest.mark.parametrize("key", [".", "..", "..data"])
def test_fails_when_vault_secret_key_is_a_dot_path(key: str) -> None:
    with pytest.raises(ValueError, match="keys must map Secret keys"):
        vault_props(keys={key: "password"})
