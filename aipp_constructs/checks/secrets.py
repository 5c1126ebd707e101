"""No credential value in manifests: only references to where credentials live.

A manifest in git may name a Secret, a key, a Vault path or an environment variable, never
hold a credential. Three places could hold one, and each is checked:

* a ``Secret`` object with ``data`` or ``stringData``;
* a container variable whose name says it is a credential (``*PASSWORD*``, ``*TOKEN*``,
  ``*SECRET*``...) with a literal ``value`` (``valueFrom`` is fine, and so are names that say
  they hold an address or a switch: ``*_URL``, ``*_HOST``, ``*_FILE``, ``*_ENABLED``...), or
  any variable holding a URL with a literal password (``postgresql://app:PASSWORD@db``);
* an External Secrets template (``spec.target.template.data`` of an ``ExternalSecret``):
  every ``{{ ... }}`` action may only read keys of the synchronised secret (``.password``),
  call template functions and use format strings (``"%s:%s"``); outside the actions, a
  credential-named field (``"auth"``, ``password=``...) must get its whole value from an
  action. So ``{"auths":{"h":{"auth":"{{ printf "%s:%s" .username .password | b64enc }}"}}}``
  passes and ``{"auths":{"h":{"auth":"dXNlcjpodW50ZXIy"}}}`` is a finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from aipp_constructs.checks.pod_security import object_ref, pod_specs

__all__ = ["SENSITIVE_NAME", "check_no_credential_values", "check_template"]

#: Names that say "this holds a credential".
SENSITIVE_NAME = re.compile(r"PASS|SECRET|TOKEN|COOKIE|AUTH|CREDENTIAL|PRIVATE|API_?KEY", re.IGNORECASE)
#: ...unless the name says it is an address or a switch (``NEXTAUTH_URL``, ``AUTH_ENABLED``,
#: ``POSTGRES_PASSWORD_FILE``): those values are checked for credentials inside URLs instead.
NOT_A_CREDENTIAL = re.compile(r"_(URL|URI|HOST|PORT|ENDPOINT|FILE|PATH|DIR|ENABLED)$", re.IGNORECASE)
#: A URL with a literal password: ``scheme://USER:PASSWORD@host`` (a ``$(VAR)`` reference is fine).
_URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]*:(?!\$\()[^/\s@]+@", re.IGNORECASE)

_ACTION = re.compile(r"\{\{-?(.*?)-?\}\}", re.DOTALL)
# Inside an action: .keys, pipes, parentheses, function names and format-only string literals.
_TOKEN = re.compile(r'\s+|\||\(|\)|\.[A-Za-z_][A-Za-z0-9_]*|[A-Za-z_][A-Za-z0-9_]*|"(?:[^"\\]|\\.)*"')
_FORMAT_ONLY = re.compile(r'"(?:%[-+ #0-9.]*[svdqxXtbfeEgG]|[\s:;,/@=._-])*"')
# Template functions ESO offers that transform data without bringing in a value of their own.
_FUNCTIONS = frozenset(
    [
        "printf",
        "b64enc",
        "b64dec",
        "toString",
        "toJson",
        "fromJson",
        "upper",
        "lower",
        "trim",
        "trimPrefix",
        "trimSuffix",
        "quote",
        "squote",
        "replace",
        "join",
        "list",
        "dict",
        "get",
        "index",
        "pkcs12key",
        "pkcs12cert",
        "filterPEM",
        "jwkPublicKeyPem",
        "jwkPrivateKeyPem",
        "toYaml",
        "fromYaml",
        "urlquery",
    ]
)
# A credential-named field in the literal text around the actions: "auth": "...", password=...
_FIELD = re.compile(r'"?([A-Za-z_][A-Za-z0-9_.-]*)"?\s*[:=]\s*("(?:[^"\\]|\\.)*"|[^\s,;{}\[\]&"]+)')


def check_template(value: str) -> list[str]:
    """Problems of one External Secrets template value; empty when it only references keys."""
    problems = []
    for action in _ACTION.findall(value):
        position = 0
        while position < len(action):
            match = _TOKEN.match(action, position)
            if match is None:
                problems.append(f"template action {{{{{action}}}}} has {action[position:]!r}, not a key or function")
                break
            token = match.group()
            if token.startswith('"') and not _FORMAT_ONLY.fullmatch(token):
                problems.append(f"template action {{{{{action}}}}} holds the literal {token}; read it from a key")
            elif token[0].isalpha() and token not in _FUNCTIONS:
                problems.append(f"template action {{{{{action}}}}} calls unknown function {token!r}")
            position = match.end()
    literal = _ACTION.sub("\0", value)
    for name, field_value in _FIELD.findall(literal):
        if SENSITIVE_NAME.search(name) and field_value.strip('"') != "\0":
            problems.append(f"template field {name!r} has a literal value; take it from a key with {{{{ .key }}}}")
    return problems


def _env_literals(doc: Mapping[str, Any]) -> Iterator[str]:
    for _, spec in pod_specs(doc):
        for container in [*spec.get("containers", []), *spec.get("initContainers", [])]:
            for env in container.get("env", []):
                name = env.get("name", "")
                if "value" not in env:
                    continue
                if _URL_WITH_PASSWORD.search(str(env["value"])):
                    yield f"{container.get('name')}: variable {name} holds a URL with a literal password; use EnvTemplate"
                elif SENSITIVE_NAME.search(name) and not NOT_A_CREDENTIAL.search(name):
                    yield f"{container.get('name')}: variable {name} has a literal value; use valueFrom.secretKeyRef"


def check_no_credential_values(doc: Mapping[str, Any]) -> list[str]:
    """Findings ``<kind>/<namespace>/<name>: <problem>`` for credential values in ``doc``."""
    ref = object_ref(doc)
    findings = []
    if doc.get("kind") == "Secret" and (doc.get("data") or doc.get("stringData")):
        findings.append(f"{ref}: a Secret with data is in the manifests; sync it from a secret store instead")
    findings += [f"{ref}/{problem}" for problem in _env_literals(doc)]
    if doc.get("kind") == "ExternalSecret":
        template = doc.get("spec", {}).get("target", {}).get("template", {}) or {}
        for key, value in (template.get("data") or {}).items():
            findings += [f"{ref}: template data {key}: {problem}" for problem in check_template(str(value))]
    return findings
