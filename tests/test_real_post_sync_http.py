"""The HTTP PostSync checks of dist/dev-meta (``verify-enai-*``), run for real (tests/realserver.py).

Each Job's own script runs in BusyBox (``sh``, ``wget``...) with the Job's uid and read-only
root against a stand-in for the checked Service: a small HTTP server on the Service's address
and port, answering on the script's URL path. The application images are the vendor's and are
not available here: the stand-in answers what a healthy (or unhealthy) application answers,
and the test shows that the script accepts exactly the healthy answer.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import realserver as rs

DIST = rs.PROJECT / "dist" / "dev-meta" / "aipp.k8s.yaml"
OBJECTS = rs.load(DIST.read_text())
CHECKS = sorted(
    o["metadata"]["name"]
    for o in OBJECTS
    if o["kind"] == "Job" and o["metadata"]["name"].startswith("verify-") and "wget" in str(o["spec"])
)
#: BusyBox applets the scripts use: the whole image is BusyBox.
APPLETS = ("sh", "wget", "head", "grep", "sleep", "cat", "printf", "echo", "nc")

_SERVER = textwrap.dedent(
    """
    import http.server, sys
    host, port, path, status, body = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            code = status if self.path == path else 404
            data = (body if code == status else "no such path").encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        def log_message(self, *args):
            pass
    http.server.HTTPServer((host, port), Handler).serve_forever()
    """
)


@pytest.fixture(scope="module")
def busybox() -> rs.Image:
    rs.require("busybox")
    return rs.Image(path=(rs.busybox(*APPLETS),))


@pytest.fixture
def sandbox() -> Iterator[rs.Sandbox]:
    box = rs.Sandbox(users={}, hosts=[c.removeprefix("verify-") for c in CHECKS])
    yield box
    box.close()


def script_of(text: str, check: str) -> tuple[str, str | None]:
    """The URL and the expected body text (``None``: any 2xx answer), as the Job's script states them."""
    script = rs.find(rs.load(text), "Job", check)["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    url = re.search(r"^url=(\S+)$", script, re.MULTILINE)
    expect = re.search(r"^expect=(.+)$", script, re.MULTILINE)
    assert url, script
    return url.group(1), shlex.split(expect.group(1))[0] if expect else None


def serve(sandbox: rs.Sandbox, url: str, status: int, body: str) -> subprocess.Popen[str]:
    """The stand-in application: answers ``status`` and ``body`` on the URL's path."""
    parts = urlsplit(url)
    port = parts.port or 80
    process = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            sandbox.netns,
            sys.executable,
            "-c",
            _SERVER,
            rs.SERVICE_ADDRESS,
            str(port),
            parts.path,
            str(status),
            body,
        ],
        start_new_session=True,
        text=True,
    )
    sandbox.processes.append(process)
    deadline = time.monotonic() + 10
    while not sandbox.connect(rs.SERVICE_ADDRESS, port, timeout=1).ok:
        assert time.monotonic() < deadline and process.poll() is None, "the stand-in did not start"
        time.sleep(0.1)
    return process


def run_check(sandbox: rs.Sandbox, busybox: rs.Image, check: str, text: str) -> rs.Result:
    objects = rs.load(text)
    pod = rs.Pod(sandbox, objects, rs.find(objects, "Job", check), images={"busybox": busybox}, secrets={})
    return pod.main.run(timeout=90)


def one_attempt(text: str) -> str:
    """A mutated copy with one attempt, so that a failing check fails at once."""
    text = rs.mutate(text, "for attempt in 1 2 3 4 5 6 7 8 9 10; do", "for attempt in 1; do")
    return rs.mutate(text, 'if [ "$attempt" -lt 10 ]; then sleep 6; fi', 'if [ "$attempt" -lt 1 ]; then sleep 6; fi')


def test_there_are_http_checks() -> None:
    assert CHECKS == ["verify-enai-backend", "verify-enai-data-processor", "verify-enai-front", "verify-enai-scheduler"]


@pytest.mark.parametrize("check", CHECKS)
def test_the_check_passes_on_a_healthy_answer(sandbox: rs.Sandbox, busybox: rs.Image, check: str) -> None:
    text = DIST.read_text()
    url, expect = script_of(text, check)
    serve(sandbox, url, 200, f'{{"groups":["liveness"],{expect}}}' if expect else "<html>AI Hub</html>")
    result = run_check(sandbox, busybox, check, text)
    assert result.ok, result.output
    assert f"OK: {url} answered" + (f" with a body containing {expect}" if expect else "") in result.output


@pytest.mark.parametrize("check", CHECKS)
def test_the_check_fails_on_an_error_status_a_wrong_body_or_no_answer(
    sandbox: rs.Sandbox, busybox: rs.Image, check: str
) -> None:
    text = one_attempt(DIST.read_text())
    url, expect = script_of(text, check)
    server = serve(sandbox, url, 503, expect or "")
    failed = run_check(sandbox, busybox, check, text)
    assert not failed.ok and f"attempt 1/10: {url} did not answer with a 2xx status" in failed.output, failed.output
    server.kill()
    server.wait()
    if expect:
        server = serve(sandbox, url, 200, '{"status":"DOWN"}')
        wrong = run_check(sandbox, busybox, check, text)
        assert not wrong.ok and f"the body does not contain {expect}" in wrong.output, wrong.output
        server.kill()
        server.wait()
    down = run_check(sandbox, busybox, check, text)
    assert not down.ok and "FAILED:" in down.output, down.output
