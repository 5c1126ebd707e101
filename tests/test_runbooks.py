"""Every alert the project renders links a runbook page that exists (docs/runbooks/index.md)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from aipp_constructs.observability.prometheus_rule import runbook_page

PROJECT = Path(__file__).resolve().parent.parent
RUNBOOKS = PROJECT / "docs" / "runbooks"
#: Every synthesized output: the environments' and the examples'.
OUTPUTS = sorted(PROJECT.glob("dist/*/*.yaml")) + sorted(PROJECT.glob("examples/*/dist/*.yaml"))
#: MkDocs' directory URL of a page (<base>/runbooks/<page>/), or the page's file in the repository
#: (<repository>/-/blob/<revision>/docs/runbooks/<page>.md, the default).
RUNBOOK_URL = re.compile(
    r"(?P<base>https?://\S+)/runbooks/(?P<page>[a-z0-9-]+)/|https?://\S+/-/blob/\S+/docs/runbooks/(?P<file>[a-z0-9-]+)\.md"
)


def _alerts() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in OUTPUTS:
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") == "PrometheusRule":
                for group in doc["spec"]["groups"]:
                    found += [(str(path.relative_to(PROJECT)), rule) for rule in group["rules"] if "alert" in rule]
    return found


def test_there_are_alerts_to_check() -> None:
    assert len(_alerts()) >= 16


def test_every_alert_links_its_runbook_page_and_the_page_exists() -> None:
    problems = []
    for where, rule in _alerts():
        url = rule.get("annotations", {}).get("runbook_url")
        match = RUNBOOK_URL.fullmatch(url or "")
        if not match:
            problems.append(f"{where}: {rule['alert']} has no runbook_url of a runbook page (got {url!r})")
            continue
        page = match["page"] or match["file"]
        if page != runbook_page(rule["alert"]):
            problems.append(f"{where}: {rule['alert']} links {page}, not {runbook_page(rule['alert'])}")
        if not (RUNBOOKS / f"{page}.md").is_file():
            problems.append(f"{where}: {rule['alert']} links {url}, but docs/runbooks/{page}.md does not exist")
    assert not problems, "\n".join(problems)


def test_every_runbook_page_is_an_alert_and_is_listed_in_the_index() -> None:
    pages = sorted(p.stem for p in RUNBOOKS.glob("*.md") if p.name != "index.md")
    alerts = sorted({runbook_page(rule["alert"]) for _, rule in _alerts()})
    assert pages == alerts
    index = (RUNBOOKS / "index.md").read_text()
    assert sorted(set(re.findall(r"\]\(([a-z0-9-]+)\.md\)", index))) == pages
    for page in pages:
        title = (RUNBOOKS / f"{page}.md").read_text().splitlines()[0]
        assert title.startswith("# ") and runbook_page(title[2:]) == page, page
