"""Value checks shared by construct props and the environment-file parser.

Every check raises ``ValueError`` with a message in one shape:
``<field> <problem>, got <value!r>; <what to do>``. Callers that know more context (a
construct path, an environment file) prefix it.
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = [
    "check_cpu",
    "check_dns_label",
    "check_dns_subdomain",
    "check_digest",
    "check_image",
    "check_image_tag",
    "check_port",
    "check_quantity_binary",
    "image_tag",
    "quantity_cpu_millis",
    "quantity_to_bytes",
]

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_CPU = re.compile(r"^(?:[0-9]+m|[0-9]+(?:\.[0-9]{1,3})?)$")
# Storage and memory are written in binary units (Ki, Mi, Gi, Ti): a decimal "10G" is a
# valid Kubernetes quantity but is 7% smaller than the "10Gi" people nearly always mean,
# and "10GB" is not a quantity at all.
_BINARY_QUANTITY = re.compile(r"^([0-9]+)(Ki|Mi|Gi|Ti|Pi)$")
_BINARY_FACTOR = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50}
# A tag that names a moving target rather than a build: "latest", "main-latest", "dev_latest".
_MOVING_TAG = re.compile(r"(^|[-_.])latest\Z")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_REPOSITORY_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_REGISTRY_HOST = re.compile(r"^[A-Za-z0-9.-]+(?::[0-9]+)?$")
_PIN_ADVICE = (
    "pin a released tag: mirror the image under a version tag first "
    "(`python -m aipp_constructs images <environment>` prints the mirror commands) "
    "and use that tag, optionally with @sha256:<digest>"
)


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
    if not isinstance(value, str) or len(value) > 253 or not all(
        _DNS_LABEL.fullmatch(part) for part in value.split(".")
    ):
        raise ValueError(
            f"{field} must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.'), got {value!r}"
        )
    return value


def image_tag(image: str) -> str:
    """The tag of an image reference accepted by :func:`check_image` (digest ignored)."""
    return image.split("@", 1)[0].rsplit(":", 1)[-1]


def check_port(field: str, value: int) -> int:
    """A TCP port number."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ValueError(f"{field} must be a port number between 1 and 65535, got {value!r}")
    return value


def check_cpu(field: str, value: str) -> str:
    """A CPU quantity: millicores ('250m') or cores ('1', '0.5')."""
    if not isinstance(value, str) or not _CPU.fullmatch(value) or quantity_cpu_millis(value) == 0:
        raise ValueError(
            f"{field} must be a CPU quantity such as '250m' or '2' (a quoted string), got {value!r}"
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
    """A pinned image reference: ``registry/repository:tag`` with an optional ``@sha256:`` digest.

    A missing tag or a moving one (``latest``, ``main-latest``) is refused: the cluster
    would run whatever was pushed last, and ArgoCD could not tell that anything changed.
    """
    problem = _image_problem(value) if isinstance(value, str) else "is not a string"
    if problem:
        raise ValueError(
            f"{field} {problem}, got {value!r}; {_PIN_ADVICE}"
        )
    return value


def check_image_tag(field: str, value: str) -> str:
    """An image tag that names one build: not empty, not ``latest`` or ``main-latest``."""
    if not isinstance(value, str) or not _TAG.fullmatch(value):
        raise ValueError(f"{field} must be an image tag ([A-Za-z0-9_.-], at most 128), got {value!r}")
    if _MOVING_TAG.search(value):
        raise ValueError(f"{field} is the moving tag {value!r}, which is refused; {_PIN_ADVICE}")
    return value


def check_digest(field: str, value: str) -> str:
    """An image digest ``sha256:<64 hex digits>``."""
    if not isinstance(value, str) or not _DIGEST.fullmatch(value):
        raise ValueError(f"{field} must be 'sha256:' followed by 64 lowercase hex digits, got {value!r}")
    return value


def _image_problem(value: str) -> str | None:
    name, at, digest = value.partition("@")
    if at and not _DIGEST.fullmatch(digest):
        return "has a malformed digest (expected sha256: and 64 hex digits)"
    last_slash = name.rfind("/")
    repository, colon, tag = name.rpartition(":") if name.rfind(":") > last_slash else (name, "", "")
    if not colon:
        return "has no tag"
    if not _TAG.fullmatch(tag):
        return f"has an invalid tag {tag!r}"
    if _MOVING_TAG.search(tag):
        return f"uses the moving tag {tag!r}"
    parts = repository.split("/")
    if len(parts) < 2 or "." not in parts[0] and ":" not in parts[0] and parts[0] != "localhost":
        return "does not name its registry host (write the full registry/repository path)"
    if not _REGISTRY_HOST.fullmatch(parts[0]):
        return f"has an invalid registry host {parts[0]!r}"
    bad = [p for p in parts[1:] if not _REPOSITORY_COMPONENT.fullmatch(p)]
    if bad:
        return f"has an invalid repository path component {bad[0]!r}"
    return None


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
