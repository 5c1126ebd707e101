"""Run a synthesized workload on this machine the way its container would run, for the
real-server tests (``tests/test_real_*.py``).

Everything a container gets is taken from the manifests, never retyped: the command and
arguments (with the image's entrypoint and command where the manifest leaves them out, as
Kubernetes does), the environment (literals, ``secretKeyRef`` from the test's secret values,
``fieldRef``, ``$(VAR)`` expanded and ``$$`` unescaped the Kubernetes way), every volume
(ConfigMap files with their keys, items and subPaths, secret files with their mode,
``emptyDir`` and claims), the uid and gid of the security context, the exec, tcpSocket and
httpGet probes and their timeouts. A sidecar is a container of the same pod (:meth:`Pod.container`).

How a pod is imitated, and where it differs from a cluster:

* **Network:** every pod of a test shares one network namespace with nothing but loopback
  (``ip netns``): servers listen on the manifest's own ports, on loopback only. Service names
  resolve to :data:`SERVICE_ADDRESS`, a second address of the namespace's loopback
  (``/etc/netns/<ns>/hosts``), so a client that names a Service connects from outside the
  server's ``127.0.0.1`` trust, like a pod over the pod network. A tcpSocket probe connects
  from outside the container, as the kubelet does, to the pod's IP (that same address); the
  test's own clients (an AMQP client of the venv, say) run as root in the namespace
  (:meth:`Sandbox.client`). What is left in the namespace when the sandbox closes (a daemon
  that left its process group, like Erlang's ``epmd``) is killed, as the end of the pod would.
* **Users:** the process runs with the manifest's uid and gid (``setpriv``), the pod's
  ``fsGroup`` as its only supplementary group (as Kubernetes adds it to every container of the
  pod), no capabilities, ``no_new_privs``; ``/etc/passwd`` and ``/etc/group`` in the
  namespace name the image's users, as the image's own files do.
* **File system:** the root file system is read-only (a read-only bind of ``/`` in a private
  mount namespace); each volume is a folder under one base folder and the only writable
  places. The volumes cannot appear at the manifest's paths (they are not on this machine), so
  the mount paths are translated to those folders wherever they appear: in the command, the
  environment and the ConfigMap files. Where a mount path exists here as a folder (``/tmp``,
  ``/var/lib/rabbitmq``...), the volume is mounted at it instead, in the container's mount
  namespace; so is a mount inside such a mount or inside an image folder, a file of a
  ``subPath`` included (``/etc/rabbitmq/conf.d/20-kubernetes.conf``): its mount point is made
  in the folder below, as the container runtime does, parents mounted before children.
* **Images:** an :class:`Image` says what the image provides here: the Debian or PyPI build of
  the same server on ``PATH``, the image's entrypoint and default command, its environment,
  and its own files where the server reads them (``Image.folders``: a copy mounted read-only
  over a folder of this machine, e.g. ``/etc/rabbitmq`` with the image's ``conf.d``).

The tests need root (network namespaces, uid switching, mounts) and the servers; without them
they skip with a message saying what to install, except when ``CI`` is set: then they fail.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
#: The Debian packages the real-server tests use; ``make test`` installs them (as root).
DEBIAN_PACKAGES = tuple((HERE / "real-server-packages.txt").read_text().split())
#: The address Service names resolve to, on the namespace's loopback interface: a client that
#: connects to it comes from it (not from 127.0.0.1), as from another pod, so a server's
#: loopback trust (PostgreSQL's initdb default) does not apply.
SERVICE_ADDRESS = "10.96.0.10"
_NAMESPACE = "aipp"
_counter = itertools.count()


def require(*programs: str, root: bool = True, modules: Iterable[str] = ()) -> None:
    """Skip (or fail under ``CI``) unless this machine can run the real-server tests."""
    missing = [p for p in (*programs, "ip", "setpriv", "unshare") if shutil.which(p) is None]
    for module in modules:
        # Found, not imported (pgserver's import has side effects).
        if importlib.util.find_spec(module) is None:
            missing.append(f"the Python package {module} (requirements.txt)")
    problems = []
    if missing:
        problems.append(
            f"missing {', '.join(missing)}; install the Debian packages {' '.join(DEBIAN_PACKAGES)} "
            "(`make test` does it as root) and run `make setup`"
        )
    if root and os.geteuid() != 0:
        problems.append("they need root (network namespaces, the manifests' uids, a read-only root)")
    if problems:
        message = "real-server tests: " + "; ".join(problems)
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


#: libyaml's safe loader where PyYAML was built with it (it is, from its wheels): the same
#: documents as ``yaml.safe_load_all``, parsed about ten times faster; the tests read the
#: manifests (about 200 kB) many times.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str) -> list[dict[str, Any]]:
    """The objects of a manifest file."""
    return [doc for doc in yaml.load_all(text, Loader=_SAFE_LOADER) if doc]


def find(objects: Iterable[Mapping[str, Any]], kind: str, name: str) -> dict[str, Any]:
    """The one object of that kind and name."""
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} objects"
    return dict(found[0])


def mutate(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` (which must occur) replaced: a mutated copy of the YAML."""
    assert old in text, f"the mutation's text is not in the manifest: {old!r}"
    return text.replace(old, new)


def quantity(text: str) -> int:
    """A Kubernetes memory quantity in bytes (``512Mi``, ``1Gi``, ``1000``)."""
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6, "G": 10**9}
    for unit, factor in units.items():
        if text.endswith(unit) and text[: -len(unit)].isdigit():
            return int(text[: -len(unit)]) * factor
    return int(text)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Image:
    """What a container image provides on this machine.

    Attributes:
        path: Folders of its programs, first on ``PATH`` (then ``/usr/sbin:/usr/bin:/sbin:/bin``).
        entrypoint: The image's ``ENTRYPOINT``.
        cmd: The image's ``CMD``.
        env: The image's ``ENV`` (the manifest's env overrides it).
        folders: The image's own files: by container path (a folder that exists on this
            machine, e.g. ``/etc/rabbitmq``), a folder here whose copy is mounted over it,
            read-only, in each container of the image (mounts below it go into the copy).
    """

    path: tuple[Path, ...] = ()
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    folders: Mapping[str, Path] = field(default_factory=dict)


class Sandbox:
    """The pod network and the base folder of one test: see the module documentation.

    Args:
        users: The image users by name and uid (each with a group of the same id), written to
            the namespace's ``/etc/passwd`` and ``/etc/group``.
        hosts: Service names that resolve to :data:`SERVICE_ADDRESS`.
    """

    def __init__(self, *, users: Mapping[str, int], hosts: Iterable[str]) -> None:
        self.netns = f"aippit{os.getpid()}x{next(_counter)}"
        # Not under /tmp: a container's /tmp volume is mounted over /tmp.
        self.base = Path(tempfile.mkdtemp(prefix="aipp-real-", dir="/var/tmp"))
        self.base.chmod(0o755)
        subprocess.run(["ip", "netns", "add", self.netns], check=True)
        self._etc = Path("/etc/netns") / self.netns
        self._etc.mkdir(parents=True, exist_ok=True)
        subprocess.run(["ip", "netns", "exec", self.netns, "ip", "link", "set", "lo", "up"], check=True)
        subprocess.run(
            ["ip", "netns", "exec", self.netns, "ip", "addr", "add", f"{SERVICE_ADDRESS}/32", "dev", "lo"], check=True
        )
        names = sorted({n for host in hosts for n in (host, f"{host}.{_NAMESPACE}", f"{host}.{_NAMESPACE}.svc")})
        (self._etc / "hosts").write_text(f"127.0.0.1 localhost\n{SERVICE_ADDRESS} {' '.join(names)}\n")
        accounts = {"root": 0, **users, "nobody": 65534}
        (self._etc / "passwd").write_text(
            "".join(f"{user}:x:{uid}:{uid}:{user}:/nonexistent:/usr/sbin/nologin\n" for user, uid in accounts.items())
        )
        (self._etc / "group").write_text("".join(f"{user}:x:{uid}:\n" for user, uid in accounts.items()))
        self.processes: list[subprocess.Popen[str]] = []

    def client(self, argv: list[str], *, timeout: float = 60, env: Mapping[str, str] | None = None) -> Result:
        """Run ``argv`` on this machine, as root, in the pod network: a client of the test's own
        (a program of the venv, say), or the kubelet's side of a probe; not a container."""
        try:
            done = subprocess.run(
                ["ip", "netns", "exec", self.netns, *argv],
                check=False,
                capture_output=True,
                text=True,
                timeout=timeout,
                env={**os.environ, **(env or {})},
            )
        except subprocess.TimeoutExpired as e:
            return _timed_out(timeout, e)
        return Result(done.returncode, done.stdout + done.stderr)

    def connect(self, host: str, port: int, *, timeout: float) -> Result:
        """A TCP connection to ``host:port`` in the pod network, closed at once (a tcpSocket probe)."""
        return self.client([sys.executable, "-c", _CONNECT, host, str(port), str(timeout)], timeout=timeout + 10)

    def get(self, url: str, *, timeout: float = 10) -> Result:
        """``GET url`` in the pod network, as the kubelet's httpGet probe or Prometheus does: ok
        on a status from 200 to 399; the output is the body (or the error)."""
        return self.client([sys.executable, "-c", _GET, url, str(timeout)], timeout=timeout + 10)

    def folder(self, name: str, *, uid: int = 0, gid: int = 0, mode: int = 0o755) -> Path:
        path = self.base / name
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, uid, gid)
        path.chmod(mode)
        return path

    def close(self) -> None:
        for process in self.processes:
            _stop(process, 5)
        # What is left in the pod network (a daemon that left its process group, like Erlang's
        # epmd) ends with the pod.
        left = subprocess.run(["ip", "netns", "pids", self.netns], capture_output=True, text=True, check=False)
        for pid in left.stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        subprocess.run(["ip", "netns", "del", self.netns], check=False)
        shutil.rmtree(self._etc, ignore_errors=True)
        shutil.rmtree(self.base, ignore_errors=True)


def _stop(process: subprocess.Popen[str], grace: float) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _timed_out(timeout: float, error: subprocess.TimeoutExpired) -> Result:
    """What a command printed before it timed out. On POSIX, subprocess.run leaves the output
    of a timed-out command as bytes even with ``text=True``: decoded here."""
    output = "".join(
        part.decode(errors="replace") if isinstance(part, bytes) else part
        for part in (error.stdout, error.stderr)
        if part is not None
    )
    return Result(-1, f"timed out after {timeout}s: {output}")


@dataclass
class Result:
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class Pod:
    """One pod of a workload (Deployment, StatefulSet, Job, CronJob) run in a :class:`Sandbox`.

    Args:
        sandbox: Where it runs.
        objects: The manifests (the ConfigMaps it mounts are found there).
        workload: The workload object.
        images: By image repository name (the part after the last ``/``, before ``:``).
        secrets: Secret values by Secret name and key.
        claims: Folders to use for claims and claim templates by name (to keep data across a
            restart); others are made empty.
    """

    def __init__(
        self,
        sandbox: Sandbox,
        objects: list[dict[str, Any]],
        workload: Mapping[str, Any],
        *,
        images: Mapping[str, Image],
        secrets: Mapping[str, Mapping[str, str]],
        claims: Mapping[str, Path] | None = None,
    ) -> None:
        self.sandbox = sandbox
        #: ConfigMap files as written, translated anew for each container's mount table.
        self.config_files: dict[Path, str] = {}
        self.kind = workload["kind"]
        self.name = workload["metadata"]["name"]
        spec = workload["spec"]
        if self.kind == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        self.template = spec["template"]
        self.spec = self.template["spec"]
        pod_security = self.spec.get("securityContext", {})
        self.fs_group = int(pod_security.get("fsGroup", 0))
        self.pod_name = f"{self.name}-0" if self.kind == "StatefulSet" else f"{self.name}-7d9f8b-x2x4q"
        self.images = images
        self.secrets = secrets
        self.dir = sandbox.folder(f"{self.name}-{next(_counter)}")
        self.volumes: dict[str, Path] = {}
        claim_folders = dict(claims or {})
        for volume in self.spec.get("volumes", []):
            self.volumes[volume["name"]] = self._volume(volume, objects, claim_folders)
        for template in spec.get("volumeClaimTemplates", []):
            name = template["metadata"]["name"]
            self.volumes[name] = claim_folders.get(name) or self._claim(name)
        self.claims = {
            name: path for name, path in self.volumes.items() if name in claim_folders or self._is_claim(name, spec)
        }

    @staticmethod
    def _is_claim(name: str, spec: Mapping[str, Any]) -> bool:
        return any(t["metadata"]["name"] == name for t in spec.get("volumeClaimTemplates", []))

    def _claim(self, name: str) -> Path:
        return self.sandbox.folder(f"{self.dir.name}/{name}", gid=self.fs_group, mode=0o2775)

    def _volume(self, volume: Mapping[str, Any], objects: list[dict[str, Any]], claims: dict[str, Path]) -> Path:
        name = volume["name"]
        if "emptyDir" in volume:
            return self.sandbox.folder(f"{self.dir.name}/{name}", gid=self.fs_group, mode=0o2777)
        if "persistentVolumeClaim" in volume:
            claim = volume["persistentVolumeClaim"]["claimName"]
            return claims.setdefault(name, claims.get(claim) or self._claim(name))
        folder = self.sandbox.folder(f"{self.dir.name}/{name}", mode=0o755)
        if "configMap" in volume:
            source = volume["configMap"]
            data = find(objects, "ConfigMap", source["name"])["data"]
            self._files(folder, data, source, owner=(0, self.fs_group), translate=True)
        elif "secret" in volume:
            source = volume["secret"]
            data = self.secrets[source["secretName"]]
            self._files(folder, data, source, owner=(0, self.fs_group), translate=False)
        else:
            raise NotImplementedError(f"volume {name}: {sorted(volume)}")
        return folder

    def _files(
        self,
        folder: Path,
        data: Mapping[str, str],
        source: Mapping[str, Any],
        *,
        owner: tuple[int, int],
        translate: bool,
    ) -> None:
        items = source.get("items") or [{"key": key, "path": key} for key in data]
        for item in items:
            target = folder / item["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            # Translated when the container starts (the mount table is per container).
            target.write_text(data[item["key"]])
            os.chown(target, *owner)
            target.chmod(int(item.get("mode", source.get("defaultMode", 0o644))))
            if translate:
                self.config_files[target] = data[item["key"]]

    def container(self, name: str) -> Container:
        for spec in (*self.spec.get("initContainers", []), *self.spec["containers"]):
            if spec["name"] == name:
                return Container(self, spec)
        raise KeyError(f"{self.kind}/{self.name} has no container {name!r}")

    @property
    def main(self) -> Container:
        return Container(self, self.spec["containers"][0])


class Container:
    """One container of a :class:`Pod`: its process, exec commands and probes."""

    def __init__(self, pod: Pod, spec: Mapping[str, Any]) -> None:
        self.pod = pod
        self.spec = spec
        self.name = spec["name"]
        repository = spec["image"].rsplit("/", 1)[-1].split("@")[0].split(":")[0]
        self.image = pod.images[repository]
        context = {**pod.spec.get("securityContext", {}), **spec.get("securityContext", {})}
        self.uid = int(context.get("runAsUser", 0))
        self.gid = int(context.get("runAsGroup", self.uid))
        # Mount table: container path -> folder on this machine.
        self.mounts: dict[str, Path] = {}
        for mount in spec.get("volumeMounts", []):
            source = pod.volumes[mount["name"]]
            self.mounts[mount["mountPath"]] = source / mount["subPath"] if mount.get("subPath") else source
        read_only = {m["mountPath"] for m in spec.get("volumeMounts", []) if m.get("readOnly")}
        # The image's folders: a copy for this container of the pod (made once), mounted read-only.
        self.image_folders: dict[str, Path] = {}
        for index, (path, source) in enumerate(self.image.folders.items()):
            assert os.path.isdir(path), f"{path}: the image's folder is mounted over a folder of this machine"
            copy = pod.dir / f"{self.name}.image{index}"
            if not copy.exists():
                shutil.copytree(source, copy, symlinks=True)
            self.image_folders[path] = copy
        # Folders that exist here (/tmp, /dev/shm, /var/run/postgresql...) are mounted at their
        # own path in the container's mount namespace, and so is a mount inside such a mount or
        # an image folder (a file of a subPath too): its mount point is made in the folder
        # below, as the container runtime does. The others are translated.
        self.exact: dict[str, tuple[Path, bool]] = {}
        for path, source in sorted(self.mounts.items(), key=lambda item: item[0].rstrip("/").count("/")):
            if path == "/":
                continue
            below = _parent_mount(path, {**{p: s for p, (s, _) in self.exact.items()}, **self.image_folders})
            here = os.path.isdir(path) or below is not None
            if source.is_dir() and here or source.is_file() and below is not None:
                self.exact[path] = (source, path in read_only)
                if below is not None:
                    point = below[1] / os.path.relpath(path, below[0])
                    if source.is_dir():
                        point.mkdir(parents=True, exist_ok=True)
                    else:
                        point.parent.mkdir(parents=True, exist_ok=True)
                        point.touch()
        self.writable = [
            source for path, source in self.mounts.items() if path not in read_only and path not in self.exact
        ]
        prefixes = sorted((p for p in self.mounts if p not in self.exact), key=len, reverse=True)
        self._paths = (
            re.compile(r"(?<![\w./-])(" + "|".join(map(re.escape, prefixes)) + r")(?![\w.-])") if prefixes else None
        )
        for file, text in pod.config_files.items():
            file.write_text(self.translate(text))
        self.env = self._environment()

    def translate(self, text: str) -> str:
        """``text`` with every container path of a mount replaced by its folder here."""
        if self._paths is None:
            return text
        return self._paths.sub(lambda m: str(self.mounts[m.group(1)]), text)

    def _environment(self) -> dict[str, str]:
        env = dict(self.image.env)
        for var in self.spec.get("env", []):
            if "value" in var:
                env[var["name"]] = _expand(var["value"], env)
                continue
            source = var["valueFrom"]
            if "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                env[var["name"]] = self.pod.secrets[ref["name"]][ref["key"]]
            elif "fieldRef" in source:
                env[var["name"]] = {
                    "metadata.name": self.pod.pod_name,
                    "metadata.namespace": _NAMESPACE,
                    "status.podIP": SERVICE_ADDRESS,
                }[source["fieldRef"]["fieldPath"]]
            else:
                raise NotImplementedError(f"env {var['name']}: {sorted(source)}")
        return {key: self.translate(value) for key, value in env.items()}

    def argv(self) -> list[str]:
        """The process Kubernetes would start: command/args against the image's entrypoint/cmd."""
        command, args = self.spec.get("command"), self.spec.get("args")
        if command is not None:
            argv = [*command, *(args or [])]
        else:
            argv = [*self.image.entrypoint, *(args if args is not None else self.image.cmd)]
        return [self.translate(_expand(part, self.env)) for part in argv]

    def _wrap(self, argv: list[str], env: Mapping[str, str] | None = None) -> list[str]:
        variables = {**self.env, **(env or {})}
        path = ":".join([*map(str, self.image.path), "/usr/sbin:/usr/bin:/sbin:/bin"])
        # A private mount namespace: the volumes stay writable, the rest of / is read-only.
        binds = "".join(f"mount --bind {shlex.quote(str(p))} {shlex.quote(str(p))} && " for p in self.writable)
        # Every mount is made before the read-only bind of / (a bind of a read-only mount is
        # read-only): the volumes are submounts of it and stay writable.
        # Parents before children: the image's folders, then the mounts (in depth order).
        mounts = sorted(
            [
                *((path, src, True) for path, src in self.image_folders.items()),
                *((path, src, ro) for path, (src, ro) in self.exact.items()),
            ],
            key=lambda mount: mount[0].rstrip("/").count("/"),
        )
        exact = "".join(f"mount --bind {shlex.quote(str(src))} {shlex.quote(path)} && " for path, src, _ in mounts)
        read_only = "".join(f"mount -o remount,bind,ro {shlex.quote(path)} && " for path, _, ro in mounts if ro)
        setup = f'{binds}{exact}mount --rbind / / && mount -o remount,bind,ro / && {read_only}cd / && exec "$@"'
        return [
            "ip", "netns", "exec", self.pod.sandbox.netns,
            "unshare", "--mount", "--propagation", "private", "--",
            "sh", "-c", setup, "container",
            "setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", *self._groups(),
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
            "env", "-i", f"PATH={path}", *(f"{k}={v}" for k, v in variables.items()),
            *argv,
        ]  # fmt: skip

    def _groups(self) -> list[str]:
        """The supplementary groups: the pod's ``fsGroup``, as Kubernetes gives every container
        of the pod (a sidecar of another uid reads the pod's 0440 secret files through it)."""
        return [f"--groups={self.pod.fs_group}"] if self.pod.fs_group else ["--clear-groups"]

    def start(self) -> subprocess.Popen[str]:
        """Start the container's process in the background (stopped when the sandbox closes)."""
        # The child keeps its own descriptor of the log.
        with open(self.pod.dir / f"{self.name}.log", "w") as log:
            process = subprocess.Popen(
                self._wrap(self.argv()),
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.pod.dir,
                start_new_session=True,
                text=True,
            )
        self.pod.sandbox.processes.append(process)
        self.process = process
        return process

    def log(self) -> str:
        path = self.pod.dir / f"{self.name}.log"
        return path.read_text() if path.exists() else ""

    def wait_for_log(self, text: str, *, timeout: float = 30) -> str:
        """The log once it contains ``text`` (or after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while text not in (log := self.log()) and time.monotonic() < deadline:
            time.sleep(0.2)
        return log

    def stop(self, grace: float = 30) -> int:
        """SIGTERM, then SIGKILL after ``grace`` seconds, as the kubelet does; the exit status."""
        _stop(self.process, grace)
        return self.process.returncode

    def run(
        self, argv: list[str] | None = None, *, timeout: float = 120, env: Mapping[str, str] | None = None
    ) -> Result:
        """Run ``argv`` (default: the container's own process) to completion."""
        command = argv if argv is not None else self.argv()
        try:
            done = subprocess.run(
                self._wrap(command, env), check=False, capture_output=True, text=True, timeout=timeout, cwd=self.pod.dir
            )
        except subprocess.TimeoutExpired as e:
            return _timed_out(timeout, e)
        return Result(done.returncode, done.stdout + done.stderr)

    def probe(self, kind: str, *, env: Mapping[str, str] | None = None) -> Result:
        """Run the container's ``kind`` probe (``readinessProbe``...) once, with its timeout."""
        probe = self.spec[kind]
        if "exec" in probe:
            # exec probes are not expanded by Kubernetes: the command runs as written.
            command = [self.translate(part) for part in probe["exec"]["command"]]
            return self.run(command, timeout=probe.get("timeoutSeconds", 1), env=env)
        if "httpGet" in probe:
            get = probe["httpGet"]
            port = get["port"]
            if isinstance(port, str):
                port = next(p["containerPort"] for p in self.spec["ports"] if p["name"] == port)
            # The kubelet asks the pod's IP, from outside the container.
            url = f"{get.get('scheme', 'HTTP').lower()}://{get.get('host', SERVICE_ADDRESS)}:{port}{get['path']}"
            return self.pod.sandbox.get(url, timeout=probe.get("timeoutSeconds", 1))
        if "tcpSocket" in probe:
            port = probe["tcpSocket"]["port"]
            if isinstance(port, str):
                port = next(p["containerPort"] for p in self.spec["ports"] if p["name"] == port)
            # The kubelet connects from outside the container, to the pod's IP.
            host = probe["tcpSocket"].get("host", SERVICE_ADDRESS)
            return self.pod.sandbox.connect(host, int(port), timeout=probe.get("timeoutSeconds", 1))
        raise NotImplementedError(f"{kind}: {sorted(probe)}")

    def wait_until(self, kind: str, *, timeout: float = 60, env: Mapping[str, str] | None = None) -> Result:
        """Run the probe every half second until it passes; the last result."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.probe(kind, env=env)
            if result.ok or time.monotonic() > deadline:
                return result
            if getattr(self, "process", None) is not None and self.process.poll() is not None:
                return Result(result.returncode, f"{result.output}\n(the container exited {self.process.returncode})")
            time.sleep(0.5)


def _parent_mount(path: str, mounts: Mapping[str, Path]) -> tuple[str, Path] | None:
    """The deepest of ``mounts`` (container path -> folder) that ``path`` lies strictly inside."""
    parents = [p for p in mounts if path.startswith(p.rstrip("/") + "/")]
    if not parents:
        return None
    parent = max(parents, key=len)
    return parent, mounts[parent]


_CONNECT = """
import socket, sys
host, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
try:
    socket.create_connection((host, port), timeout=timeout).close()
except OSError as error:
    sys.exit(f"tcp {host}:{port}: {error}")
print(f"tcp {host}:{port}: connected")
"""


_GET = """
import sys, urllib.error, urllib.request
url, timeout = sys.argv[1], float(sys.argv[2])
try:
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        body = answer.read().decode(errors="replace")
except urllib.error.HTTPError as error:
    sys.exit(f"GET {url}: {error.code} {error.reason}")
except OSError as error:
    sys.exit(f"GET {url}: {error}")
sys.stdout.write(body)
"""


def _expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes' expansion of command, args and env values: ``$(VAR)`` when defined, ``$$`` -> ``$``."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return env[name] if name in env else match.group(0)

    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)", one, text)


_STAGE = Path("/var/tmp/aipp-real-images")


def staged(name: str, root: Path, *parts: str) -> Path:
    """A copy of ``root`` (or of its sub-paths ``parts``, keeping their layout) that the
    containers' uids can read: a fresh clone may sit in a folder only root can enter. Hard
    links where the file system allows; made once."""
    stat = root.stat()
    target = _STAGE / f"{name}-{stat.st_ino}-{int(stat.st_mtime)}"
    if target.exists():
        return target
    _STAGE.mkdir(parents=True, exist_ok=True)
    _STAGE.chmod(0o755)
    partial = _STAGE / f".{target.name}.{os.getpid()}"

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    for part in parts or (".",):
        shutil.copytree(root / part, partial / part, symlinks=True, copy_function=link_or_copy)
    for folder, _, _ in os.walk(partial):
        os.chmod(folder, 0o755)
    try:
        partial.rename(target)
    except OSError:  # another worker staged it first
        shutil.rmtree(partial, ignore_errors=True)
    return target


def package_root(module: str) -> Path:
    """The folder an installed Python package lies in (site-packages), found without importing it."""
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.submodule_search_locations, f"{module} is not installed"
    return Path(next(iter(spec.submodule_search_locations))).parent


#: Applets taken from another Debian package, with the options the scripts use: Debian's
#: BusyBox 1.35 is built without ``nc -z`` (``NC_110_COMPAT``, on in the official busybox
#: image), and its ``wget -T`` dies of a segmentation fault. GNU wget runs with ``--tries=1``:
#: BusyBox's wget tries once.
_NOT_BUSYBOX = {"nc": "nc.openbsd", "wget": "wget"}
_EXTRA_OPTIONS = {"wget": "--tries=1"}


def busybox(*applets: str) -> Path:
    """A folder of BusyBox applets (``sh``, ``nc``, ``wget``...), as the BusyBox image has them."""
    which = {applet: shutil.which(_NOT_BUSYBOX.get(applet, "busybox")) for applet in applets}
    found = {applet: binary for applet, binary in which.items() if binary is not None}
    assert found == which, f"not installed: {which} (tests/real-server-packages.txt)"
    folder = _STAGE / f"busybox-v3-{'-'.join(applets)}"
    if not folder.exists():
        partial = _STAGE / f".{folder.name}.{os.getpid()}"
        partial.mkdir(parents=True)
        for applet, binary in found.items():
            if applet in _EXTRA_OPTIONS:
                (partial / applet).write_text(f'#!/bin/sh\nexec {binary} {_EXTRA_OPTIONS[applet]} "$@"\n')
                (partial / applet).chmod(0o755)
            else:
                (partial / applet).symlink_to(binary)
        partial.chmod(0o755)
        try:
            partial.rename(folder)
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)
    return folder
