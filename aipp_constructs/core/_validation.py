"""Value checks shared by construct props and the environment-file parser.

Every check raises ``ValueError`` with a message in one shape:
``<field> <problem>, got <value!r>; <what to do>``. Callers that know more context (a
construct path, an environment file) prefix it.

Image references: one policy for every construct (:func:`check_image`).

* The name is ``[host/]path``, as Docker reads it: the first ``/``-separated segment is a
  registry host when there is more than one segment and it contains a ``.`` or a ``:`` or is
  ``localhost`` (``harbor.example/team/app``, ``registry:5000/app``, ``localhost/app``).
  Otherwise there is no host and the image is on Docker Hub (``docker.io``): ``redis`` means
  ``docker.io/library/redis`` and ``pgvector/pgvector`` means ``docker.io/pgvector/pgvector``.
  :func:`normalize_image` spells that out; the constructs write the reference as given.
* A tag is required, and it must name one release: a moving tag (:func:`is_moving_tag`:
  ``latest``, ``main-latest``, a release line such as ``7``, ``7.2``, ``6-alpine`` or
  ``pg16``) is refused unless a digest pins it (``redis:7@sha256:<64 hex digits>``). Projects
  whose releases have two numbers (PostgreSQL's ``17.6``) are listed in the process's
  :class:`ImagePolicy`, which a port extends with :func:`set_image_policy`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "MAX_ID",
    "TWO_NUMBER_RELEASES",
    "ImagePolicy",
    "check_cpu",
    "check_cron",
    "check_digest",
    "check_dns_label",
    "check_dns_subdomain",
    "check_ids",
    "check_image",
    "check_image_tag",
    "check_port",
    "check_quantity_binary",
    "check_repository_path",
    "cron_problem",
    "image_policy",
    "image_tag",
    "is_moving_tag",
    "normalize_image",
    "quantity_cpu_millis",
    "quantity_to_bytes",
    "set_image_policy",
]

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_CPU = re.compile(r"^(?:[0-9]+m|[0-9]+(?:\.[0-9]{1,3})?)$")
# Storage and memory are written in binary units (Ki, Mi, Gi, Ti): a decimal "10G" is a
# valid Kubernetes quantity but is 7% smaller than the "10Gi" people nearly always mean,
# and "10GB" is not a quantity at all.
_BINARY_QUANTITY = re.compile(r"^([0-9]+)(Ki|Mi|Gi|Ti|Pi)$")
_BINARY_FACTOR = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50}
# A tag that names a moving target rather than a build: "latest", "main-latest", "dev_latest".
_LATEST_TAG = re.compile(r"(^|[-_.])latest\Z")
# The leading version of a tag: digits and dots at the start, or after one letter prefix and
# at most one separator ("7.2.7", "v1.0.0", "pg17", "RELEASE.2025", "jdk-17.0.2").
_LEADING_VERSION = re.compile(r"(?:[A-Za-z]+[-_.]?)?(\d+(?:\.\d+)*)")
# A calendar date anywhere in the tag, not inside a longer run of digits: 20250907, 2025-09-07, 2025.09.07.
_DATE_STAMP = re.compile(r"(?<!\d)(?:19|20)\d\d([-.]?)(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01])(?!\d)")
# A commit id: a whole part of the tag (between '-', '_' or '.') of 7 to 40 lowercase hex
# characters with at least one digit and one letter: "sha-1a2b3c4", "main.9f8e7d6".
_COMMIT_STAMP = re.compile(r"(?:^|[-_.])(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}(?:[-_.]|\Z)")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_REPOSITORY_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_REGISTRY_HOST = re.compile(r"^[A-Za-z0-9.-]+(?::[0-9]+)?$")
_PIN_ADVICE = (
    "pin a released tag, like 'redis:7.2.7' or 'registry.example/team/app:1.2.3', optionally with @sha256:<digest>"
)
_DOCKER_HUB = "docker.io"


def check_dns_label(field: str, value: str) -> str:
    """A Kubernetes object name usable as a DNS label (RFC 1123), at most 63 characters."""
    if not isinstance(value, str) or len(value) > 63 or not _DNS_LABEL.fullmatch(value):
        raise ValueError(
            f"{field} must be a DNS-1123 label (lowercase letters, digits and '-', starting and "
            f"ending with a letter or digit, at most 63 characters), got {value!r}"
        )
    return value


def check_dns_subdomain(field: str, value: str) -> str:
    """A Kubernetes object name that may contain dots (RFC 1123 subdomain), at most 253 characters."""
    if (
        not isinstance(value, str)
        or len(value) > 253
        or not all(_DNS_LABEL.fullmatch(part) for part in value.split("."))
    ):
        raise ValueError(
            f"{field} must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.'), got {value!r}"
        )
    return value


def image_tag(image: str) -> str:
    """The tag of an image reference accepted by :func:`check_image` (digest ignored)."""
    return image.split("@", 1)[0].rsplit(":", 1)[-1]


_KUBERNETES_VERSION = re.compile(r"v1\.(\d{1,3})")
#: The Kubernetes version assumed when neither a workload nor its port names one.
DEFAULT_KUBERNETES_VERSION = "v1.27"
#: The oldest Kubernetes minor whose preStop ``sleep`` action is on by default (beta in 1.30).
PRE_STOP_SLEEP_SINCE = (1, 30)


def kubernetes_minor(field: str, value: str) -> tuple[int, int]:
    """``(1, minor)`` of a Kubernetes version like ``v1.30``; the error names ``field``."""
    match = _KUBERNETES_VERSION.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{field} must be a Kubernetes version like 'v1.30' (v1.<minor>), got {value!r}")
    return (1, int(match.group(1)))


def check_kubernetes_version(field: str, value: str) -> str:
    """A Kubernetes version like ``v1.30``."""
    kubernetes_minor(field, value)
    return value


def check_port(field: str, value: int) -> int:
    """A TCP port number."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ValueError(f"{field} must be a port number between 1 and 65535, got {value!r}")
    return value


def check_cpu(field: str, value: str) -> str:
    """A CPU quantity: millicores ('250m') or cores ('1', '0.5')."""
    if not isinstance(value, str) or not _CPU.fullmatch(value) or quantity_cpu_millis(value) == 0:
        raise ValueError(f"{field} must be a CPU quantity such as '250m' or '2' (a quoted string), got {value!r}")
    return value


_MONTHS = {
    m: i for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)
}
_WEEKDAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}
#: (name, lowest, highest, names) of the five standard cron fields, as robfig/cron parses them
#: (Kubernetes CronJobs and Longhorn RecurringJobs alike).
_CRON_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 0, 6, _WEEKDAYS),
)


def cron_problem(cron: object) -> str | None:
    """What is wrong with a 5-field cron expression as robfig/cron parses it, if anything:
    five fields separated by single spaces, each a comma list of ``*``, ``?``, ``N`` or ``N-M``
    (numbers or ``JAN``/``MON`` names in range), optionally followed by ``/step``. Macros
    (``@daily``) and ``CRON_TZ=`` prefixes are refused."""
    if not isinstance(cron, str):
        return "is not a string"
    fields = cron.split(" ")
    if len(fields) != len(_CRON_FIELDS) or not all(fields):
        return "must have 5 fields separated by single spaces"
    for text, (name, low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        if not all(_cron_item_ok(item, low, high, names) for item in text.split(",")):
            return f"has an invalid {name} field {text!r} (values {low}-{high})"
    return None


def _cron_item_ok(item: str, low: int, high: int, names: dict[str, int]) -> bool:
    base, slash, step = item.partition("/")
    if slash and not (step.isascii() and step.isdigit() and int(step) >= 1):
        return False
    if base in ("*", "?"):
        return True
    start, dash, end = base.partition("-")
    first = _cron_value(start, names)
    last = _cron_value(end, names) if dash else first
    return first is not None and last is not None and low <= first <= last <= high


def _cron_value(text: str, names: dict[str, int]) -> int | None:
    if text.isascii() and text.isdigit():
        return int(text)
    return names.get(text.upper())


def check_cron(field: str, value: str) -> str:
    """A standard 5-field cron schedule (:func:`cron_problem`)."""
    problem = cron_problem(value)
    if problem:
        raise ValueError(
            f"{field} {problem}, got {value!r}; write five fields 'minute hour day-of-month month day-of-week' "
            "separated by single spaces and quoted, e.g. '0 3 * * *' for 03:00 every day"
        )
    return value


def check_quantity_binary(field: str, value: str) -> str:
    """A memory or storage quantity in binary units ('512Mi', '10Gi')."""
    if not isinstance(value, str) or not _BINARY_QUANTITY.fullmatch(value) or value.startswith("0"):
        near = re.fullmatch(r"([1-9][0-9]*)\s*([KMGTP])(?:i?B|)", value) if isinstance(value, str) else None
        example = f"{near.group(1)}{near.group(2)}i" if near else "10Gi"
        raise ValueError(
            f"{field} must be a quantity in binary units (Ki, Mi, Gi, Ti), got {value!r}; "
            f"write e.g. '{example}' (not '10GB' or '10G')"
        )
    return value


def quantity_to_bytes(value: str) -> int:
    """Bytes in a quantity accepted by :func:`check_quantity_binary`."""
    match = _BINARY_QUANTITY.fullmatch(value)
    if not match:
        raise ValueError(f"not a binary quantity: {value!r}")
    return int(match.group(1)) * _BINARY_FACTOR[match.group(2)]


def quantity_cpu_millis(value: str) -> int:
    """Millicores in a CPU quantity accepted by :func:`check_cpu`."""
    if value.endswith("m"):
        return int(value[:-1])
    return int(Decimal(value) * 1000)


def check_image(field: str, value: str) -> str:
    """A pinned image reference: ``[registry/]repository:tag`` with an optional ``@sha256:`` digest.

    A reference without a registry host is on Docker Hub (see the module docstring and
    :func:`normalize_image`). A missing tag is refused, and so is a moving one
    (:func:`is_moving_tag`: ``latest``, ``7``, ``6-alpine``...) unless a digest pins it: the
    cluster would run whatever was pushed last, and ArgoCD could not tell that anything changed.
    """
    if not isinstance(value, str):
        raise ValueError(f"{field} is not a string, got {value!r}; {_PIN_ADVICE}")
    parsed = _parse_image(value)
    if isinstance(parsed, str):
        raise ValueError(f"{field} {parsed}, got {value!r}; {_PIN_ADVICE}")
    _host, _path, tag, digest = parsed
    if not tag:
        raise ValueError(f"{field} has no tag, got {value!r}; {_PIN_ADVICE}")
    if not digest and is_moving_tag(tag, repository=_path):
        advice = _moving_advice(tag, "@sha256:<digest>", _path)
        raise ValueError(f"{field} uses the moving tag {tag!r}, got {value!r}; {advice}")
    return value


def check_image_tag(field: str, value: str, *, pinned: bool = False, repository: str | None = None) -> str:
    """An image tag that names one build: not empty, and not a moving tag (:func:`is_moving_tag`).

    ``pinned``: a digest is given beside the tag, so a moving tag is accepted (its syntax is
    still checked), as :func:`check_image` accepts ``name:tag@sha256:...``.
    """
    if not isinstance(value, str) or not _TAG.fullmatch(value):
        raise ValueError(f"{field} must be an image tag ([A-Za-z0-9_.-], at most 128), got {value!r}")
    if not pinned and is_moving_tag(value, repository=repository):
        advice = _moving_advice(value, "a digest", repository)
        raise ValueError(f"{field} is the moving tag {value!r}, which is refused; {advice}")
    return value


#: Images whose releases are numbered with two components, so that ``major.minor`` names one
#: release: PostgreSQL from version 10 on (``17.6`` is a release; ``17`` is the line). The
#: default of :attr:`ImagePolicy.two_number_releases`.
TWO_NUMBER_RELEASES = frozenset({"postgres"})


@dataclass(frozen=True, kw_only=True, slots=True)
class ImagePolicy:
    """Which projects number their releases with two components, for the tag policy of every
    image reference (:func:`is_moving_tag`, so :func:`check_image`, every construct's props
    and the environment files).

    The policy is the process's: props check their image when they are built, before they
    meet a chart, so it is set once at the start of the program that builds the port
    (:func:`set_image_policy`), before any props. An entry states how an upstream project
    versions its releases, a fact that does not change from one port to another.

    Example::

        set_image_policy(ImagePolicy(two_number_releases=TWO_NUMBER_RELEASES | {"ubuntu/squid"}))
        # ubuntu/squid:6.10-24.10_beta and <mirror>/ubuntu/squid:6.10 are releases; 6 is the line

    Attributes:
        two_number_releases: Repositories whose ``major.minor`` tags name one release (a
            repository path without host, tag or digest: ``postgres``, ``ubuntu/squid``). An
            entry matches a repository equal to it or ending in ``/<entry>``, so mirrors count
            (``<harbor>/<proxy>/library/postgres``) and ``postgres`` does not admit
            ``postgres-proxy``. A release line (``17``) stays refused. Defaults to
            :data:`TWO_NUMBER_RELEASES` (``postgres``); keep it in the set to extend it.
    """

    two_number_releases: frozenset[str] = field(default=TWO_NUMBER_RELEASES)

    def __post_init__(self) -> None:
        entries: object = self.two_number_releases
        if isinstance(entries, str) or not isinstance(entries, Iterable):
            raise ValueError(
                f"two_number_releases must be a set of repository paths, got {entries!r}; "
                "write e.g. TWO_NUMBER_RELEASES | {'ubuntu/squid'}"
            )
        values = frozenset(entries)
        for entry in sorted(values, key=str):
            if not isinstance(entry, str):
                raise ValueError(f"two_number_releases[] must be a repository path, got {entry!r}")
            check_repository_path("two_number_releases[]", entry)
        object.__setattr__(self, "two_number_releases", values)

    def admits_two_numbers(self, repository: str | None) -> bool:
        """Whether ``repository`` (a path, optionally with a host) is listed in :attr:`two_number_releases`."""
        if not repository:
            return False
        path = repository.rstrip("/")
        return any(path == entry or path.endswith(f"/{entry}") for entry in self.two_number_releases)


# The process's policy; set at the end of the module (its check needs check_repository_path).
_image_policy: ImagePolicy


def image_policy() -> ImagePolicy:
    """The process's :class:`ImagePolicy` (``ImagePolicy()`` until :func:`set_image_policy`)."""
    return _image_policy


def set_image_policy(policy: ImagePolicy) -> ImagePolicy:
    """Makes ``policy`` the process's :class:`ImagePolicy` and returns the previous one (to
    restore it, e.g. in a test). Call it before building any props: a reference already
    checked is not checked again."""
    global _image_policy
    if not isinstance(policy, ImagePolicy):
        raise ValueError(
            f"set_image_policy takes an ImagePolicy, got {policy!r}; write ImagePolicy(two_number_releases=...)"
        )
    previous, _image_policy = _image_policy, policy
    return previous


def is_moving_tag(tag: str, repository: str | None = None, *, policy: ImagePolicy | None = None) -> bool:
    """Whether ``tag`` names a moving target (a channel or a release line) rather than one release.

    The rule, applied in this order:

    1. ``latest``, or a tag ending in ``-latest``, ``_latest`` or ``.latest``, is moving.
    2. A tag with a *stamp* is pinned: a calendar date (``20250907``, ``2025-09-07``,
       ``2025.09.07``, years 1900-2099, not inside a longer run of digits; MinIO's
       ``RELEASE.2025-09-07T16-13-09Z``) or a commit id (a whole ``-``/``_``/``.``-separated
       part of 7 to 40 lowercase hex characters with at least one digit and one letter:
       ``sha-1a2b3c4``).
    3. Otherwise the tag's *leading version* decides: the run of ``\\d+(\\.\\d+)*`` at the
       start of the tag, or after one letter prefix and at most one ``-``, ``_`` or ``.``
       (``v1.0.0`` -> ``1.0.0``, ``pg17`` -> ``17``, ``jdk-17.0.2`` -> ``17.0.2``). The tag is
       moving when that version has fewer than three numeric components, or when there is
       none: ``7``, ``7.2``, ``v2``, ``pg16``, ``6-alpine``, ``3-management``,
       ``17-bookworm``, ``alpine``, ``stable``. What follows the leading version does not
       count: ``0.8.1-pg17-bookworm`` (version ``0.8.1``), ``3.13.7-management`` and
       ``3.0.0-alpha`` are pinned, and so are ``1.37.0``, ``2025.01.15`` and ``24.8.14.39``.

    The rule reads the shape of the tag, not the project's versioning, with one table of
    exceptions: for a ``repository`` the :class:`ImagePolicy` lists (``policy``, else the
    process's, :func:`image_policy`; by default PostgreSQL), two components name a release
    (``17.6``, ``17.6-bookworm``). Any other project whose releases have two numbers is
    refused until the policy lists it; or pin such a tag with a digest.
    """
    if _LATEST_TAG.search(tag):
        return True
    if _DATE_STAMP.search(tag) or _COMMIT_STAMP.search(tag):
        return False
    version = _LEADING_VERSION.match(tag)
    needed = 1 if (policy or _image_policy).admits_two_numbers(repository) else 2
    return version is None or version.group(1).count(".") < needed


def normalize_image(ref: str) -> str:
    """The fully qualified form of an image reference: its registry host always named.

    ``redis:7.2.7`` -> ``docker.io/library/redis:7.2.7``, ``pgvector/pgvector:0.8.1-pg17`` ->
    ``docker.io/pgvector/pgvector:0.8.1-pg17``; ``index.docker.io`` is written ``docker.io``,
    and a reference that names another host is returned as given. Tag and digest are kept
    (none is added). Only the syntax is checked, not the tag policy of :func:`check_image`.

    Raises:
        ValueError: ``ref`` is not a well-formed reference.
    """
    if not isinstance(ref, str):
        raise ValueError(f"image reference is not a string, got {ref!r}; {_PIN_ADVICE}")
    parsed = _parse_image(ref)
    if isinstance(parsed, str):
        raise ValueError(f"image reference {parsed}, got {ref!r}; {_PIN_ADVICE}")
    host, path, tag, digest = parsed
    if host in ("", _DOCKER_HUB, "index.docker.io"):
        host = _DOCKER_HUB
        if "/" not in path:
            path = f"library/{path}"
    return f"{host}/{path}" + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


def check_repository_path(field: str, value: str) -> str:
    """A repository path without registry host, tag or digest (``library/redis``,
    ``enai/prod/backend``): ``/``-separated components of lowercase letters and digits, joined
    by ``.``, ``_``, ``__`` or dashes, as Docker reads them."""
    parts = value.split("/") if isinstance(value, str) else [""]
    bad = next((part for part in parts if not _REPOSITORY_COMPONENT.fullmatch(part)), None)
    if bad is not None:
        raise ValueError(
            f"{field} has an invalid repository path component {bad!r} (lowercase letters and digits, "
            f"joined by '.', '_' or '-'), got {value!r}"
        )
    return value


def check_digest(field: str, value: str) -> str:
    """An image digest ``sha256:<64 hex digits>``."""
    if not isinstance(value, str) or not _DIGEST.fullmatch(value):
        raise ValueError(f"{field} must be 'sha256:' followed by 64 lowercase hex digits, got {value!r}")
    return value


def _moving_advice(tag: str, digest: str, repository: str | None = None) -> str:
    what = "whatever was pushed last" if _LATEST_TAG.search(tag) else "a release line"
    advice = (
        f"pin a released tag: {tag!r} names {what}, not a release, so use a full version like '7.2.7' or add {digest}"
    )
    version = None if _LATEST_TAG.search(tag) else _LEADING_VERSION.match(tag)
    if repository and version is not None and version.group(1).count(".") == 1:
        advice += f", or list {repository!r} in ImagePolicy.two_number_releases if its releases have two numbers"
    return advice


def _parse_image(value: str) -> tuple[str, str, str, str] | str:
    """``(host, path, tag, digest)`` of a reference (``''`` for each part it omits), or its problem."""
    name, at, digest = value.partition("@")
    if at and not _DIGEST.fullmatch(digest):
        return "has a malformed digest (expected sha256: and 64 hex digits)"
    last_slash = name.rfind("/")
    repository, colon, tag = name.rpartition(":") if name.rfind(":") > last_slash else (name, "", "")
    if colon and not _TAG.fullmatch(tag):
        return f"has an invalid tag {tag!r}"
    parts = repository.split("/")
    host = ""
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        host = parts.pop(0)
        if not _REGISTRY_HOST.fullmatch(host):
            return f"has an invalid registry host {host!r}"
    bad = [p for p in parts if not _REPOSITORY_COMPONENT.fullmatch(p)]
    if bad:
        return f"has an invalid repository path component {bad[0]!r}"
    return host, "/".join(parts), tag, digest


def check_directory(field: str, value: str, *, reserved: tuple[str, ...] = ()) -> str:
    """An absolute, normalised directory other than ``/`` and ``reserved`` (nor inside them).

    Mount paths are compared as strings by the API server, so ``/tmp/`` or ``/a/../tmp``
    would slip past a duplicate check and hide another mount.
    """
    import posixpath

    if (
        not isinstance(value, str)
        or not value.startswith("/")
        or posixpath.normpath(value) != value
        or "//" in value
        or value == "/"
        or not all(ch.isalnum() or ch in "-._/" for ch in value)
    ):
        raise ValueError(
            f"{field} must be a normalised absolute directory like '/config' (no trailing '/', '.' or '..'), "
            f"got {value!r}"
        )
    for taken in reserved:
        if value == taken or value.startswith(taken + "/"):
            raise ValueError(f"{field} must not be or be inside {taken}, which the construct mounts, got {value!r}")
    return value


#: A Kubernetes label key: an optional DNS-subdomain prefix and ``/``, then a name of at most
#: 63 characters (``app.kubernetes.io/name``, ``nvidia.com/gpu.present``). Also the shape of
#: an extended resource name (``nvidia.com/gpu``). The one definition every module uses.
LABEL_KEY = re.compile(r"([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
#: A Kubernetes label value: empty, or at most 63 characters, alphanumeric at both ends.
LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?")


#: The largest uid or gid Kubernetes accepts.
MAX_ID = 2**31 - 1


def check_ids(run_as_user: object, run_as_group: object, users: str) -> None:
    """A non-root uid and an optional gid (``None``: the same as the uid); ``users`` names the
    images' own users for the message, e.g. ``"999 Debian, 70 Alpine"``."""
    if isinstance(run_as_user, bool) or not isinstance(run_as_user, int) or not 1 <= run_as_user <= MAX_ID:
        raise ValueError(
            f"run_as_user must be an integer from 1 to {MAX_ID}, got {run_as_user!r}; "
            f"Pod Security 'restricted' refuses root (uid 0): use the image's user ({users})"
        )
    if run_as_group is not None and (
        isinstance(run_as_group, bool) or not isinstance(run_as_group, int) or not 0 <= run_as_group <= MAX_ID
    ):
        raise ValueError(
            f"run_as_group must be an integer from 0 to {MAX_ID} or None, got {run_as_group!r}; None uses run_as_user"
        )


_image_policy = ImagePolicy()
