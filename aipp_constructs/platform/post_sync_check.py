"""``PostSyncCheck``: an ArgoCD ``PostSync`` hook Job that verifies one thing after a sync.

Creates one ``batch/v1`` ``Job`` ``<name>`` annotated as an ArgoCD ``PostSync`` hook. ArgoCD
runs it once every wave of the sync is applied and healthy; when the check fails (the script
exits non-zero ``backoff_limit + 1`` times, or runs past ``active_deadline_seconds``), the
sync operation fails and the Application shows the failed hook. The Job's log says what was
checked (``checking: <description>`` first) and what was seen.

The check declares the component it verifies as its ``target``. That one edge gives it

* its sync wave, ``target wave + 1`` (among PostSync hooks, the wave orders the hooks
  only: every hook runs after the whole sync);
* its NetworkPolicy, when the check is passed to
  :class:`~aipp_constructs.platform.network_policies.GraphNetworkPolicies` with the other
  components: egress to exactly the target's main port, and ingress there from this Job.

The script runs as ``sh -c`` under the restricted security context, read-only root file
system, with a small writable ``/tmp``. The Job carries checkov's skip annotations
(:mod:`aipp_constructs.core.policy`): the image digest and pull policy checks while the image has no
digest. ``secret_env`` never makes a secret an environment variable of the pod spec: each key is
a read-only file (``/run/secrets/env/<VAR>/value``, mode 0440) that the Job's script reads into
the variable and exports before the check runs. Two builders produce the usual scripts:
:func:`http_check_script` (BusyBox ``wget``) and :func:`sql_check_script` (``psql``).

Kubernetes expands ``$(NAME)`` in a container's ``command`` (when ``NAME`` is one of its
variables) and turns ``$$`` into ``$``, before the shell sees the text. The construct escapes
exactly those two sequences, so ``sh`` receives the script byte for byte as written: read
variables the shell way (``"$PGHOST"``), and ``$(...)`` is a command substitution, never a
Kubernetes reference.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from constructs import Construct

from aipp_constructs.core import _spec
from aipp_constructs.core._manifest import Manifest
from aipp_constructs.core._validation import check_dns_label, check_image, image_tag
from aipp_constructs.core.component import Component, require_components
from aipp_constructs.core.policy import policy_annotations, policy_exceptions
from aipp_constructs.core.references import Resources, SecretKeyRef, check_label_value
from aipp_constructs.core.vault_agent import agent_variable_files, attach_agent
from aipp_constructs.core.wiring import check_env_name

__all__ = ["PostSyncCheck", "PostSyncCheckProps", "http_check_script", "sql_check_script"]

_HOOK = "argocd.argoproj.io/hook"
_HOOK_DELETE_POLICY = "argocd.argoproj.io/hook-delete-policy"

#: Where the scripts keep what they print: the Job's writable ``/tmp``.
_TMP_SIZE = "16Mi"
_DESCRIPTION_MAX = 200
#: checkov exceptions of the Job, each written only while the Job fails the check.
_POLICY_EXCEPTIONS = policy_exceptions("PostSyncCheck policy_exceptions", {})
#: ``printf '%s\n'`` prints its argument as is; dash's ``echo`` would interpret backslashes.
_SAY = "printf '%s\\n'"


@dataclass(frozen=True, kw_only=True, slots=True)
class PostSyncCheckProps:
    """Props of :class:`PostSyncCheck`.

    Attributes:
        name: Name of the Job and ``app.kubernetes.io/name`` of its pod, e.g.
            ``"verify-enai-backend"``. Required.
        image: Pinned image with a POSIX ``sh`` and whatever the script calls (BusyBox for
            :func:`http_check_script`, a PostgreSQL client image for :func:`sql_check_script`).
            Required.
        script: The POSIX ``sh`` script; the check passes when it exits 0. It reaches ``sh``
            exactly as written (see the module documentation). Required, not blank.
        description: One line saying what is checked; the Job prints
            ``checking: <description>`` before running the script. Required, at most 200
            characters.
        target: The component checked. Sets the wave (``target.wave + 1``) and, through the
            graph-derived NetworkPolicies, lets the Job reach the target's main port; it must
            serve an endpoint. Required.
        env: Literal variables of the script (never secrets: use ``secret_env``), e.g.
            ``{"PGHOST": "pgvector"}``. Defaults to none.
        secret_env: Variables read from Secret keys, e.g. ``{"PGPASSWORD": SecretKeyRef(...)}``:
            each key is mounted as a file that the script reads and exports before the check
            (never an environment variable of the pod spec). Names must differ from those of
            ``env``. Defaults to none.
        uid: uid and gid the check runs as (pod and container). Defaults to ``65534``
            (``nobody``).
        part_of: ``app.kubernetes.io/part-of`` label. Defaults to the port's, else no label.
        resources: Requests and limits of the check container. Defaults to 10m/32Mi
            requested, 200m/64Mi limit.
        active_deadline_seconds: Time the whole Job (every attempt) may take before it is
            failed. Defaults to ``300``.
        backoff_limit: Retries of a failed pod before the Job fails. Defaults to ``2``.

    See: https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/
    """

    name: str
    image: str
    script: str
    description: str
    target: Component
    env: Mapping[str, str] = field(default_factory=dict)
    secret_env: Mapping[str, SecretKeyRef] = field(default_factory=dict)
    uid: int = 65534
    part_of: str | None = None
    resources: Resources = field(
        default_factory=lambda: Resources(
            cpu_request="10m", memory_request="32Mi", cpu_limit="200m", memory_limit="64Mi"
        )
    )
    active_deadline_seconds: int = 300
    backoff_limit: int = 2

    def __post_init__(self) -> None:
        check_dns_label("name", self.name)
        check_image("image", self.image)
        if not isinstance(self.script, str) or not self.script.strip():
            raise ValueError(f"script must be a non-blank POSIX sh script, got {self.script!r}; write the check")
        _check_one_line("description", self.description, max_length=_DESCRIPTION_MAX)
        if isinstance(self.target, Construct):
            require_components("target", self.target)  # a kplus workload: name the adapter
        if not isinstance(self.target, Component):
            raise ValueError(
                f"target must be the Component checked, got {self.target!r}; pass the construct, not its name"
            )
        if self.target.endpoint is None:
            raise ValueError(
                f"target must serve an endpoint, got {self.target.name!r}, which serves none; "
                "a check can only reach a component through its Service"
            )
        for var, value in self.env.items():
            check_env_name(f"env.{var}", var)
            if not isinstance(value, str):
                raise ValueError(f"env.{var} must be a string, got {value!r}; quote numbers, e.g. '5432'")
        for var, ref in self.secret_env.items():
            check_env_name(f"secret_env.{var}", var)
            if not isinstance(ref, SecretKeyRef):
                raise ValueError(
                    f"secret_env.{var} must be a SecretKeyRef, got {ref!r}; "
                    "name the Secret and key, e.g. SecretKeyRef(name='db-credentials', key='password')"
                )
            if var in self.env:
                raise ValueError(f"secret_env.{var} is also set in env, got {var!r} in both; keep one of them")
        if isinstance(self.uid, bool) or not isinstance(self.uid, int) or not 1 <= self.uid <= 2**31 - 1:
            raise ValueError(
                f"uid must be a non-root uid (1 or more), got {self.uid!r}; Pod Security 'restricted' refuses root"
            )
        if self.part_of is not None:
            check_label_value("part_of", self.part_of)
        if not isinstance(self.resources, Resources):
            raise ValueError(f"resources must be a Resources, got {self.resources!r}")
        _check_int("active_deadline_seconds", self.active_deadline_seconds, 10, 3600)
        _check_int("backoff_limit", self.backoff_limit, 0, 10)
        # Frozen all the way down, as Endpoint.
        object.__setattr__(self, "env", MappingProxyType(dict(self.env)))
        object.__setattr__(self, "secret_env", MappingProxyType(dict(self.secret_env)))


class PostSyncCheck(Component):
    """A PostSync hook Job that fails the sync when its check fails; see the module documentation.

    Attributes:
        props: The props it was built with.
        job: The ``Job``.
    """

    def __init__(self, scope: Construct, id: str, props: PostSyncCheckProps) -> None:
        super().__init__(
            scope,
            id,
            name=props.name,
            component="verification",
            version=image_tag(props.image),
            part_of=props.part_of,
            # The one edge: wave target + 1, and the graph-derived NetworkPolicies open the
            # target's main port to this Job (and nothing else).
            depends_on=(props.target,),
        )
        self.props = props
        # Secrets provider vault-agent: the pod's agent renders a file per variable.
        agent_files, agent_script = (
            agent_variable_files(props.secret_env)
            if any(ref.from_vault_agent for ref in props.secret_env.values())
            else ((), "")
        )
        secrets = _spec.secret_variables({} if agent_files else props.secret_env)
        check = _spec.container(
            name="check",
            image=props.image,
            uid=props.uid,
            resources_=props.resources,
            command=["sh", "-c", _check_command(props.description, (agent_script or secrets.script) + props.script)],
            env=[_spec.env_value(var, value) for var, value in props.env.items()],
            volume_mounts=[_spec.volume_mount("tmp", "/tmp"), *secrets.mounts],
        )
        hook = {
            _HOOK: "PostSync",
            # BeforeHookCreation: the previous Job is deleted only when the next sync creates it
            # again, so a failed check (its Job, pod and log) stays there to be read until then.
            # Not HookSucceeded alone: it deletes a passing Job (and its "OK" log) at once, and
            # leaves a failed one in place, and ArgoCD creates a named hook only once, so the
            # check would never run again.
            _HOOK_DELETE_POLICY: "BeforeHookCreation",
        }
        pod = _spec.pod_spec(
            containers=[check],
            uid=props.uid,
            volumes=[_spec.empty_dir("tmp", size_limit=_TMP_SIZE), *secrets.volumes],
            # A failed attempt is a failed pod, not a restart in place: it counts against
            # backoffLimit and keeps its log.
            restart_policy="Never",
        )
        pod_metadata: dict[str, Any] = {"labels": dict(self.labels)}
        #: The Vault role of the pod's agent (secrets provider vault-agent), else ``None``.
        self.vault_role: str | None = None
        if agent_files:
            attach_agent(self, pod_metadata, pod, agent_files, gid=props.uid, pre_populate_only=True)
        #: checkov's skip annotations of the Job (see :mod:`aipp_constructs.core.policy`).
        self.policy_annotations = policy_annotations(props.name, pod, _POLICY_EXCEPTIONS)
        self.job = Manifest(
            self,
            "Resource",
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": self.meta(annotations={**hook, **self.policy_annotations}),
                "spec": {
                    "backoffLimit": props.backoff_limit,
                    "activeDeadlineSeconds": props.active_deadline_seconds,
                    # No ttlSecondsAfterFinished: the hook delete policy owns deletion; a TTL
                    # would remove a failed check's log before anyone reads it.
                    "template": {"metadata": pod_metadata, "spec": pod},
                },
            },
        )


def _check_command(description: str, script: str) -> str:
    """The ``sh -c`` text of a check: print ``checking: <description>``, then run ``script``.

    The result is escaped for Kubernetes (see :func:`_kubernetes_escape`), so the shell
    receives the script exactly as given.
    """
    return _kubernetes_escape(f"{_SAY} {shlex.quote(f'checking: {description}')}\n{script}")


def _kubernetes_escape(text: str) -> str:
    """``text`` with every ``$`` that Kubernetes would interpret doubled.

    In ``command``, ``args`` and ``env`` values, Kubernetes replaces ``$(NAME)`` by the value
    of the container variable ``NAME`` and ``$$`` by ``$``; any other ``$`` stays. Doubling
    each ``$`` followed by ``$`` or ``(`` makes Kubernetes hand the original text to the
    process: ``$(date)`` -> ``$$(date)`` -> ``$(date)``, ``$$`` -> ``$$$$`` -> ``$$``.
    """
    return re.sub(r"\$(?=[$(])", "$$", text)


def http_check_script(url: str, *, expect: str | None = None, attempts: int = 10, interval_seconds: int = 6) -> str:
    """A check script: ``url`` answers with a 2xx status (and a body containing ``expect``).

    Uses BusyBox ``wget -q -O - -T 5 <url>`` (redirects followed; a 4xx/5xx status is a
    failure), up to ``attempts`` times ``interval_seconds`` apart, so a service that is
    still warming up gets a chance. Each attempt prints the URL; each answer prints the
    first 500 characters of the body. It ends with ``OK: ...`` and exit 0, or
    ``FAILED: ...`` and exit 1. With the defaults the worst case takes about 10 x (5 + 6)
    seconds, inside the default ``active_deadline_seconds`` (300).

    Args:
        url: ``http://`` or ``https://`` URL, e.g. ``http://enai-backend:8080/actuator/health``.
        expect: Text the body must contain, e.g. ``'"status":"UP"'``. Defaults to any body.
        attempts: Requests before giving up, 1 to 100. Defaults to ``10``.
        interval_seconds: Pause between attempts, 1 to 300. Defaults to ``6``.

    Raises:
        ValueError: an argument is out of range.
    """
    if not isinstance(url, str) or not re.fullmatch(r"https?://[^\s'\"\\]+", url):
        raise ValueError(
            f"url must be an http:// or https:// URL without spaces or quotes, got {url!r}; "
            "e.g. 'http://enai-backend:8080/actuator/health'"
        )
    if expect is not None:
        _check_one_line("expect", expect, max_length=500)
    _check_int("attempts", attempts, 1, 100)
    _check_int("interval_seconds", interval_seconds, 1, 300)
    containing = " with a body containing $expect" if expect is not None else ""
    # No "$(" anywhere (a literal list instead of $((n+1)), files instead of $(wget ...)):
    # the script stays valid even where nothing escapes it for Kubernetes (an exec probe).
    lines = [
        f"url={shlex.quote(url)}",
        *([f"expect={shlex.quote(expect)}"] if expect is not None else []),
        'body="${TMPDIR:-/tmp}/post-sync-check.body"',
        f"for attempt in {' '.join(str(n) for n in range(1, attempts + 1))}; do",
        f'  {_SAY} "GET $url (attempt $attempt/{attempts})"',
        '  if wget -q -O - -T 5 "$url" > "$body"; then',
        f"    {_SAY} 'HTTP body (first 500 characters):'",
        '    head -c 500 "$body"',
        "    echo",
    ]
    if expect is None:
        lines += [
            f'    {_SAY} "OK: $url answered"',
            "    exit 0",
        ]
    else:
        lines += [
            '    if grep -qF -e "$expect" "$body"; then',
            f'      {_SAY} "OK: $url answered with a body containing $expect"',
            "      exit 0",
            "    fi",
            f'    {_SAY} "attempt $attempt/{attempts}: the body does not contain $expect"',
        ]
    lines += [
        "  else",
        f'    {_SAY} "attempt $attempt/{attempts}: $url did not answer with a 2xx status (wget exit status $?)"',
        "  fi",
        f'  if [ "$attempt" -lt {attempts} ]; then sleep {interval_seconds}; fi',
        "done",
        f'{_SAY} "FAILED: $url did not answer with a 2xx status{containing} in {attempts} attempts"',
        "exit 1",
        "",
    ]
    return "\n".join(lines)


def sql_check_script(query: str, *, expect_nonempty_message: str) -> str:
    """A check script: ``query`` runs and returns at least one non-empty line.

    Runs ``psql -v ON_ERROR_STOP=1 -tAc <query>`` (unaligned, tuples only); the connection
    comes from the standard libpq variables ``PGHOST``, ``PGPORT``, ``PGDATABASE``,
    ``PGUSER`` and ``PGPASSWORD`` (set them with ``env`` and ``secret_env``). Prints the
    query and the result; ends with ``OK`` and exit 0, or ``FAILED: ...`` and exit 1 when
    psql fails or the result is empty.

    Args:
        query: The SQL, e.g. ``"select 1 from pg_extension where extname = 'vector'"``.
        expect_nonempty_message: What an empty result means, printed after ``FAILED:``,
            e.g. ``"the vector extension is not installed"``.

    Raises:
        ValueError: the query is blank or the message is not one line.
    """
    if not isinstance(query, str) or not query.strip():
        raise ValueError(f"query must be a non-blank SQL statement, got {query!r}")
    _check_one_line("expect_nonempty_message", expect_nonempty_message, max_length=_DESCRIPTION_MAX)
    # No "$(" anywhere; the query is one single-quoted word, so a "$(" inside it is text
    # for the shell (and escaped for Kubernetes by the construct).
    return "\n".join(
        [
            f"{_SAY} {shlex.quote(f'SQL: {query}')}",
            'result="${TMPDIR:-/tmp}/post-sync-check.result"',
            f'if ! psql -v ON_ERROR_STOP=1 -tAc {shlex.quote(query)} > "$result"; then',
            (
                f'  {_SAY} "FAILED: psql could not run the query on '
                '${PGHOST:-unset}:${PGPORT:-5432}/${PGDATABASE:-unset} as ${PGUSER:-unset} (error above)"'
            ),
            "  exit 1",
            "fi",
            f"{_SAY} 'result:'",
            'cat "$result"',
            'if ! grep -q . "$result"; then',
            f"  {_SAY} {shlex.quote(f'FAILED: {expect_nonempty_message}')}",
            "  exit 1",
            "fi",
            f"{_SAY} OK",
            "",
        ]
    )


def _check_one_line(name: str, value: str, *, max_length: int) -> None:
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > max_length
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in value)
    ):
        raise ValueError(
            f"{name} must be one non-blank line of at most {max_length} characters (no control characters), "
            f"got {value!r}; shorten it or drop the line breaks"
        )


def _check_int(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}")
