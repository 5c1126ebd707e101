"""How the suite is spread over pytest-xdist workers (``make test``: ``pytest -n 3 --dist loadgroup``).

A hook of tests/conftest.py, kept in this light module (no cdk8s import) so that
tests/test_xdist_groups.py can load it into a small suite of its own.
"""

from __future__ import annotations

import pytest

#: Modules whose tests mostly wait (real servers booting, promtool) or run a long external tool
#: (detect-secrets, checkov, the fuzzer): started first, so that under `pytest -n N --dist
#: loadgroup` they overlap with the quick unit tests instead of ending the run alone. A module of
#: a new real server (tests/test_real_<server>.py) is covered by the prefix.
START_FIRST = ("test_real_", "test_secret_scan", "test_config_fuzz", "test_policy_gate", "test_alert_rules")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Move the tests of :data:`START_FIRST` to the front, keeping every other order (a stable
    sort, so every xdist worker collects the same order); and under ``--dist loadgroup``, make
    the ``xdist_group`` marks hold (:func:`_join_group`)."""
    items.sort(key=lambda item: not item.path.name.startswith(START_FIRST))
    if getattr(config.option, "loadgroup", False):
        for item in items:
            _join_group(item)


def _join_group(item: pytest.Item) -> None:
    """Suffix the test's id with ``@<group>`` for its ``xdist_group`` marks, as pytest-xdist's
    worker does to send a group to one worker. pytest-xdist 3.8 sets ``item._nodeid``, which
    pytest 9.2 no longer reads (the id is ``item._id``, a ``NodeId``): without this, every test
    would be scheduled alone and a module-scoped server would boot on each worker that runs one
    of its tests. A no-op where pytest-xdist's own suffix took effect."""
    groups = sorted(
        {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
    )
    if not groups or "@" in item.nodeid:
        return
    from _pytest.nodeid import NodeId

    item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")
