"""The value checks of ``aipp_constructs.core._validation`` that constructs and the environment-file
parser share, called directly: each accepts its boundary values and refuses the next one out,
with the one-line message ``<field> <problem>, got <value!r>; <what to do>``.

(Image references, quantities, ports and DNS names are in tests/test_foundation.py and
tests/test_image_policy.py.)
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from aipp_constructs.core._validation import (
    MAX_ID,
    check_cron,
    check_directory,
    check_ids,
    check_kubernetes_version,
    check_quantity_binary,
    check_repository_path,
    cron_problem,
    image_tag,
    kubernetes_minor,
)

DIGEST = "sha256:" + "0123456789abcdef" * 4

# --- run_as_user / run_as_group -----------------------------------------------------------


@pytest.mark.parametrize(("user", "group"), [(1, None), (MAX_ID, MAX_ID), (999, 0), (70, 70)])
def test_check_ids_accepts_a_non_root_user_and_any_group(user: int, group: int | None) -> None:
    check_ids(user, group, "999 Debian")  # does not raise


@pytest.mark.parametrize("user", [0, MAX_ID + 1, -1, True, "999", 999.0, None])
def test_check_ids_refuses_root_and_anything_but_an_integer_user(user: Any) -> None:
    message = (
        f"run_as_user must be an integer from 1 to {MAX_ID}, got {user!r}; "
        "Pod Security 'restricted' refuses root (uid 0): use the image's user (999 Debian, 70 Alpine)"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_ids(user, None, "999 Debian, 70 Alpine")


@pytest.mark.parametrize("group", [-1, MAX_ID + 1, False, "0", 0.0])
def test_check_ids_refuses_a_group_out_of_range_or_not_an_integer(group: Any) -> None:
    message = f"run_as_group must be an integer from 0 to {MAX_ID} or None, got {group!r}; None uses run_as_user"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_ids(999, group, "999 Debian")


# --- directories ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["/config", "/var/cache/app-1", "/a/b.c/d_e", "/tmpfoo", "/srv/tmp"])
def test_check_directory_accepts_normalised_absolute_directories(value: str) -> None:
    assert check_directory("path", value, reserved=("/tmp",)) == value


@pytest.mark.parametrize(
    "value", ["", "/", "config", "./config", "/config/", "/a/../b", "/a/./b", "//a", "/a//b", "/a b", "/a:b", 5, None]
)
def test_check_directory_refuses_relative_unnormalised_or_odd_paths(value: Any) -> None:
    message = (
        f"path must be a normalised absolute directory like '/config' (no trailing '/', '.' or '..'), got {value!r}"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_directory("path", value)


@pytest.mark.parametrize("value", ["/tmp", "/tmp/cache", "/home/pm2/logs"])
def test_check_directory_refuses_a_reserved_directory_and_what_is_inside_it(value: str) -> None:
    taken = "/home/pm2" if value.startswith("/home") else "/tmp"
    message = f"cache_dirs must not be or be inside {taken}, which the construct mounts, got {value!r}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_directory("cache_dirs", value, reserved=("/tmp", "/home/pm2"))


# --- Kubernetes versions ----------------------------------------------------------------------


@pytest.mark.parametrize(("value", "minor"), [("v1.27", (1, 27)), ("v1.0", (1, 0)), ("v1.100", (1, 100))])
def test_kubernetes_minor_reads_the_minor_version(value: str, minor: tuple[int, int]) -> None:
    assert kubernetes_minor("kubernetes_version", value) == minor
    assert check_kubernetes_version("kubernetes_version", value) == value


@pytest.mark.parametrize("value", ["1.27", "v1.27.3", "v2.1", "v1.", "v1.1000", "v1.27\n", "", 1.27, None])
def test_kubernetes_version_refuses_anything_but_v1_minor(value: Any) -> None:
    message = f"defaults.kubernetes_version must be a Kubernetes version like 'v1.30' (v1.<minor>), got {value!r}"
    for check in (kubernetes_minor, check_kubernetes_version):
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            check("defaults.kubernetes_version", value)


# --- image tags and repository paths ----------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "tag"),
    [
        ("redis:7.2.7", "7.2.7"),
        ("h.example:5000/team/app:1.2.3", "1.2.3"),
        (f"h.example:5000/team/app:1.2.3@{DIGEST}", "1.2.3"),
        (f"redis:7@{DIGEST}", "7"),
    ],
)
def test_image_tag_is_the_tag_whatever_the_host_port_and_digest(image: str, tag: str) -> None:
    assert image_tag(image) == tag


@pytest.mark.parametrize("value", ["redis", "library/redis", "enai/prod/backend", "a.b/c__d/e-f/g--h"])
def test_check_repository_path_accepts_docker_repository_paths(value: str) -> None:
    assert check_repository_path("images.redis.repository", value) == value


@pytest.mark.parametrize(
    ("value", "bad"),
    [
        ("Library/redis", "Library"),
        ("library//redis", ""),
        ("/library/redis", ""),
        ("library/redis:7", "redis:7"),
        ("library/-redis", "-redis"),
        ("", ""),
        (None, ""),
        (7, ""),
    ],
)
def test_check_repository_path_names_the_first_bad_component(value: Any, bad: str) -> None:
    message = (
        f"images.redis.repository has an invalid repository path component {bad!r} (lowercase letters and "
        f"digits, joined by '.', '_' or '-'), got {value!r}"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_repository_path("images.redis.repository", value)


# --- quantities ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "example"),
    [("10GB", "10Gi"), ("512M", "512Mi"), ("1 T", "1Ti"), ("5KiB", "5Ki"), ("2PB", "2Pi"), ("0Gi", "10Gi")],
)
def test_check_quantity_binary_suggests_the_binary_unit_meant(value: str, example: str) -> None:
    message = (
        f"size must be a quantity in binary units (Ki, Mi, Gi, Ti), got {value!r}; "
        f"write e.g. '{example}' (not '10GB' or '10G')"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_quantity_binary("size", value)


def test_check_quantity_binary_suggests_10gi_for_what_is_not_near_a_quantity() -> None:
    for value in ("lots", "10gb", 10):
        with pytest.raises(ValueError, match=re.escape("; write e.g. '10Gi' (not '10GB' or '10G')")):
            check_quantity_binary("size", value)  # type: ignore[arg-type]


# --- cron schedules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cron",
    [
        "0 3 * * *",
        "59 23 31 12 6",
        "0 0 1 1 0",
        "*/1 * * * *",
        "*/15 9-17 * * MON-FRI",
        "5/10 * ? * ?",
        "0,30 1,2-4 1-31 JAN-DEC SUN,SAT",
        "0 0 * jan mon",
        "0 0 1-1 * *",
    ],
)
def test_cron_problem_accepts_standard_five_field_schedules(cron: str) -> None:
    assert cron_problem(cron) is None
    assert check_cron("backups.cron", cron) == cron


@pytest.mark.parametrize(
    ("cron", "problem"),
    [
        (5, "is not a string"),
        (None, "is not a string"),
        ("* * * *", "must have 5 fields separated by single spaces"),
        ("* * * * * *", "must have 5 fields separated by single spaces"),
        ("0  3 * * *", "must have 5 fields separated by single spaces"),
        (" 0 3 * * *", "must have 5 fields separated by single spaces"),
        ("@daily", "must have 5 fields separated by single spaces"),
        ("60 * * * *", "has an invalid minute field '60' (values 0-59)"),
        ("0 24 * * *", "has an invalid hour field '24' (values 0-23)"),
        ("0 0 0 * *", "has an invalid day-of-month field '0' (values 1-31)"),
        ("0 0 1-40 * *", "has an invalid day-of-month field '1-40' (values 1-31)"),
        ("0 0 * 13 *", "has an invalid month field '13' (values 1-12)"),
        ("0 0 * * 7", "has an invalid day-of-week field '7' (values 0-6)"),
        ("0 5-1 * * *", "has an invalid hour field '5-1' (values 0-23)"),
        ("0 1-X * * *", "has an invalid hour field '1-X' (values 0-23)"),
        ("*/0 * * * *", "has an invalid minute field '*/0' (values 0-59)"),
        ("*/x * * * *", "has an invalid minute field '*/x' (values 0-59)"),
        ("*/ * * * *", "has an invalid minute field '*/' (values 0-59)"),
        ("0 0 * * MONDAY", "has an invalid day-of-week field 'MONDAY' (values 0-6)"),
        ("0 0 * MON *", "has an invalid month field 'MON' (values 1-12)"),
        ("0 0 * * ,", "has an invalid day-of-week field ',' (values 0-6)"),
        ("0 \u0663 * * *", "has an invalid hour field '\u0663' (values 0-23)"),
    ],
)
def test_cron_problem_says_what_is_wrong(cron: Any, problem: str) -> None:
    assert cron_problem(cron) == problem
    message = (
        f"backups.cron {problem}, got {cron!r}; write five fields 'minute hour day-of-month month day-of-week' "
        "separated by single spaces and quoted, e.g. '0 3 * * *' for 03:00 every day"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_cron("backups.cron", cron)
