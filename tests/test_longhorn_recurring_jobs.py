"""Tests of ``LonghornRecurringJobs``: defaults, every prop reaching the YAML, PVC labels, validation."""

from __future__ import annotations

import dataclasses
import inspect
import re
from typing import Any

import cdk8s
import pytest
from cdk8s import Chart
from conftest import new_chart, one, synth

from aipp_constructs.platform.longhorn_recurring_jobs import (
    LonghornRecurringJobs,
    LonghornRecurringJobsProps,
    RecurringJobSpec,
)

WAVE_0_AND_SKIP_DRY_RUN = {
    "argocd.argoproj.io/sync-wave": "0",
    "argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true",
}


def job(**overrides: Any) -> RecurringJobSpec:
    return RecurringJobSpec(**{"name": "daily-backup", "task": "backup", "cron": "0 2 * * *", "retain": 7, **overrides})


def props(**overrides: Any) -> LonghornRecurringJobsProps:
    return LonghornRecurringJobsProps(**{"jobs": (job(),), **overrides})


def fields_all_differ_from_defaults(cls: type, values: dict[str, Any]) -> None:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    assert set(values) == set(fields), f"a {cls.__name__} field is not covered by this test"
    for name, f in fields.items():
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        assert values[name] != default, f"{name} is set to its default"


# --- defaults, field by field -------------------------------------------------------------


def test_recurring_job_defaults_field_by_field(chart: Chart) -> None:
    LonghornRecurringJobs(chart, "Jobs", props())
    rj = one(synth(chart), "RecurringJob", "daily-backup")
    assert rj["apiVersion"] == "longhorn.io/v1beta2"
    assert rj["metadata"] == {
        "name": "daily-backup",
        "namespace": "longhorn-system",
        "annotations": WAVE_0_AND_SKIP_DRY_RUN,
    }
    assert rj["spec"] == {
        "name": "daily-backup",
        "task": "backup",
        "cron": "0 2 * * *",
        "retain": 7,
        "concurrency": 1,
        "groups": [],
        "labels": {},
    }


def test_recurring_job_spec_defaults() -> None:
    spec = job()
    assert (spec.concurrency, spec.groups, dict(spec.labels)) == (1, (), {})
    assert props().namespace == "longhorn-system"
    assert dict(props().labels) == {}


def test_recurring_jobs_ignore_the_chart_namespace() -> None:
    for chart in (new_chart(), Chart(cdk8s.Testing.app(), "plain", disable_resource_name_hashes=True)):
        LonghornRecurringJobs(chart, "Jobs", props())
        assert one(synth(chart), "RecurringJob")["metadata"]["namespace"] == "longhorn-system"


# --- every prop reaches the YAML ----------------------------------------------------------


def test_recurring_jobs_every_prop_reaches_the_yaml(chart: Chart) -> None:
    spec_values: dict[str, Any] = {
        "name": "hourly-snap",
        "task": "snapshot",
        "cron": "15 */4 * * MON-FRI",
        "retain": 24,
        "concurrency": 3,
        "groups": ("aipp", "databases"),
        "labels": {"aipp.example.com/schedule": "hourly"},
    }
    props_values: dict[str, Any] = {
        "jobs": (RecurringJobSpec(**spec_values), job(name="weekly-trim", task="filesystem-trim", retain=0)),
        "namespace": "storage",
        "labels": {"app.kubernetes.io/part-of": "aipp"},
    }
    fields_all_differ_from_defaults(RecurringJobSpec, spec_values)
    fields_all_differ_from_defaults(LonghornRecurringJobsProps, props_values)

    LonghornRecurringJobs(chart, "Jobs", LonghornRecurringJobsProps(**props_values))
    manifests = synth(chart)
    snap = one(manifests, "RecurringJob", "hourly-snap")
    assert snap["metadata"] == {
        "name": "hourly-snap",
        "namespace": "storage",
        "labels": {"app.kubernetes.io/part-of": "aipp"},
        "annotations": WAVE_0_AND_SKIP_DRY_RUN,
    }
    assert snap["spec"] == {
        "name": "hourly-snap",
        "task": "snapshot",
        "cron": "15 */4 * * MON-FRI",
        "retain": 24,
        "concurrency": 3,
        "groups": ["aipp", "databases"],
        "labels": {"aipp.example.com/schedule": "hourly"},
    }
    trim = one(manifests, "RecurringJob", "weekly-trim")
    assert trim["metadata"]["labels"] == {"app.kubernetes.io/part-of": "aipp"}
    assert (trim["spec"]["task"], trim["spec"]["retain"]) == ("filesystem-trim", 0)


@pytest.mark.parametrize(
    ("task", "retain"),
    [
        ("snapshot", 1),
        ("snapshot-force-create", 1),
        ("snapshot-delete", 1),
        ("snapshot-cleanup", 0),
        ("backup", 100),
        ("backup-force-create", 1),
        ("filesystem-trim", 0),
    ],
)
def test_every_task_reaches_the_yaml_as_longhorn_spells_it(chart: Chart, task: str, retain: int) -> None:
    LonghornRecurringJobs(chart, "Jobs", props(jobs=(job(task=task, retain=retain),)))
    assert one(synth(chart), "RecurringJob")["spec"]["task"] == task


def test_one_recurring_job_per_spec_in_the_given_order(chart: Chart) -> None:
    jobs = LonghornRecurringJobs(
        chart,
        "Jobs",
        props(jobs=(job(name="b-snap", task="snapshot"), job(name="a-backup"), job(name="c-backup"))),
    )
    assert [m["metadata"]["name"] for m in synth(chart)] == ["b-snap", "a-backup", "c-backup"]
    assert jobs.names == ("b-snap", "a-backup", "c-backup")
    assert sorted(jobs.resources) == ["a-backup", "b-snap", "c-backup"]
    assert jobs.namespace == "longhorn-system"


def test_names_do_not_depend_on_construct_ids() -> None:
    def objects(chart_id: str, construct_id: str) -> list[tuple[str, str, str]]:
        chart = new_chart(chart_id)
        LonghornRecurringJobs(chart, construct_id, props(jobs=(job(), job(name="snap", task="snapshot"))))
        return [(m["kind"], m["metadata"]["name"], m["metadata"]["namespace"]) for m in synth(chart)]

    assert (
        objects("one", "Jobs")
        == objects("other", "Backups")
        == [
            ("RecurringJob", "daily-backup", "longhorn-system"),
            ("RecurringJob", "snap", "longhorn-system"),
        ]
    )


def test_props_do_not_share_the_callers_collections() -> None:
    labels = {"tier": "gold"}
    groups = ["aipp"]
    jobs = [job(labels=labels, groups=groups)]
    p = props(jobs=jobs)
    labels["tier"] = "lead"
    groups.append("more")
    jobs.append(job(name="other"))
    assert (len(p.jobs), p.jobs[0].groups, dict(p.jobs[0].labels)) == (1, ("aipp",), {"tier": "gold"})
    with pytest.raises(TypeError):
        p.jobs[0].labels["tier"] = "lead"  # type: ignore[index]


# --- PVC labels ---------------------------------------------------------------------------


def test_volume_labels_make_the_pvc_the_source_and_enable_every_job(chart: Chart) -> None:
    jobs = LonghornRecurringJobs(chart, "Jobs", props(jobs=(job(), job(name="hourly-snap", task="snapshot"))))
    assert jobs.volume_labels() == {
        "recurring-job.longhorn.io/source": "enable",
        "recurring-job.longhorn.io/daily-backup": "enabled",
        "recurring-job.longhorn.io/hourly-snap": "enabled",
    }


def test_volume_labels_are_a_fresh_dict_every_call(chart: Chart) -> None:
    jobs = LonghornRecurringJobs(chart, "Jobs", props())
    jobs.volume_labels()["recurring-job.longhorn.io/source"] = "disabled"
    assert jobs.volume_labels()["recurring-job.longhorn.io/source"] == "enable"


def test_volume_labels_are_valid_label_keys_for_the_longest_name(chart: Chart) -> None:
    name = "a" * 40
    jobs = LonghornRecurringJobs(chart, "Jobs", props(jobs=(job(name=name),)))
    for key in jobs.volume_labels():
        prefix, _, label_name = key.partition("/")
        assert prefix == "recurring-job.longhorn.io"
        assert len(label_name) <= 63


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cron",
    [
        "0 2 * * *",
        "*/15 * * * *",
        "0 0-23/2 * * *",
        "30 3 1,15 * *",
        "0 4 * JAN-MAR,dec SUN",
        "0 4 ? * 0-6",
        "59 23 31 12 6",
        "5/10 * * * *",
    ],
)
def test_recurring_job_accepts_standard_cron_expressions(cron: str) -> None:
    assert job(cron=cron).cron == cron


@pytest.mark.parametrize(
    ("cron", "problem"),
    [
        pytest.param("@daily", "must have 5 fields separated by single spaces", id="descriptor"),
        pytest.param("0 2 * *", "must have 5 fields separated by single spaces", id="four-fields"),
        pytest.param("0 0 2 * * *", "must have 5 fields separated by single spaces", id="six-fields-seconds"),
        pytest.param("0  2 * * *", "must have 5 fields separated by single spaces", id="double-space"),
        pytest.param("0 2 * * *\n", "has an invalid day-of-week field '*\\n' (values 0-6)", id="newline"),
        pytest.param("60 2 * * *", "has an invalid minute field '60' (values 0-59)", id="minute-range"),
        pytest.param("0 24 * * *", "has an invalid hour field '24' (values 0-23)", id="hour-range"),
        pytest.param("0 2 0 * *", "has an invalid day-of-month field '0' (values 1-31)", id="dom-zero"),
        pytest.param("0 2 * 13 *", "has an invalid month field '13' (values 1-12)", id="month-range"),
        pytest.param("0 2 * * 7", "has an invalid day-of-week field '7' (values 0-6)", id="dow-seven"),
        pytest.param("0 2 * * FRI-MON", "has an invalid day-of-week field 'FRI-MON' (values 0-6)", id="dow-reversed"),
        pytest.param("0 2 * * MONDAY", "has an invalid day-of-week field 'MONDAY' (values 0-6)", id="dow-name"),
        pytest.param("*/0 2 * * *", "has an invalid minute field '*/0' (values 0-59)", id="step-zero"),
        pytest.param("0 2,,3 * * *", "has an invalid hour field '2,,3' (values 0-23)", id="empty-item"),
        pytest.param("0 -1 * * *", "has an invalid hour field '-1' (values 0-23)", id="negative"),
        pytest.param(7, "is not a string", id="not-a-string"),
    ],
)
def test_fails_when_cron_is_invalid(cron: Any, problem: str) -> None:
    with pytest.raises(
        ValueError,
        match=f"^RecurringJobSpec.cron {re.escape(problem)}, got {re.escape(repr(cron))}; write five fields",
    ):
        job(cron=cron)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"name": "Daily_Backup"},
            "RecurringJobSpec.name must be a DNS-1123 label .*, got 'Daily_Backup'",
            id="name-dns",
        ),
        pytest.param(
            {"name": "a" * 41},
            f"RecurringJobSpec.name must be at most 40 characters, got '{'a' * 41}' \\(41\\); Longhorn would rename",
            id="name-too-long",
        ),
        pytest.param(
            {"task": "system-backup"},
            re.escape(
                "RecurringJobSpec.task must be one of ['backup', 'backup-force-create', 'filesystem-trim', "
                "'snapshot', 'snapshot-cleanup', 'snapshot-delete', 'snapshot-force-create'], got 'system-backup'"
            ),
            id="task",
        ),
        pytest.param(
            {"retain": 0},
            "RecurringJobSpec.retain must be from 1 to 100 for task 'backup', got 0; Longhorn refuses more",
            id="retain-zero",
        ),
        pytest.param(
            {"retain": 101},
            "RecurringJobSpec.retain must be from 1 to 100 for task 'backup', got 101;",
            id="retain-above-max",
        ),
        pytest.param(
            {"task": "snapshot", "retain": -1},
            "RecurringJobSpec.retain must be from 1 to 100 for task 'snapshot', got -1;",
            id="retain-negative",
        ),
        pytest.param({"retain": True}, "RecurringJobSpec.retain must be an integer, got True", id="retain-bool"),
        pytest.param({"retain": 7.0}, "RecurringJobSpec.retain must be an integer, got 7.0", id="retain-float"),
        pytest.param(
            {"task": "filesystem-trim", "retain": 1},
            "RecurringJobSpec.retain must be 0 for task 'filesystem-trim', got 1; the task keeps nothing",
            id="retain-trim",
        ),
        pytest.param(
            {"task": "snapshot-cleanup", "retain": 5},
            "RecurringJobSpec.retain must be 0 for task 'snapshot-cleanup', got 5;",
            id="retain-cleanup",
        ),
        pytest.param(
            {"concurrency": 0},
            "RecurringJobSpec.concurrency must be an integer of at least 1, got 0",
            id="concurrency-zero",
        ),
        pytest.param(
            {"concurrency": "2"},
            "RecurringJobSpec.concurrency must be an integer of at least 1, got '2'",
            id="concurrency-string",
        ),
        pytest.param(
            {"groups": ("Default",)},
            "RecurringJobSpec.groups\\[\\] must be a DNS-1123 label .*, got 'Default'",
            id="group-dns",
        ),
        pytest.param(
            {"groups": ("aipp", "aipp")},
            re.escape("RecurringJobSpec.groups must not repeat a group, got ('aipp', 'aipp')"),
            id="group-repeated",
        ),
        pytest.param(
            {"labels": {"bad key": "x"}},
            "RecurringJobSpec.labels keys must be label keys like 'example.com/tier' or 'tier', got 'bad key'",
            id="label-key",
        ),
        pytest.param(
            {"labels": {"tier": "not valid"}},
            re.escape("RecurringJobSpec.labels['tier'] must be a label value") + ".*, got 'not valid'",
            id="label-value",
        ),
    ],
)
def test_fails_when_recurring_job_spec_is_invalid(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        job(**overrides)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"jobs": ()},
            re.escape("jobs must hold at least one RecurringJobSpec, got (); remove the construct instead"),
            id="no-jobs",
        ),
        pytest.param(
            {"jobs": ({"name": "daily-backup"},)},
            re.escape("jobs must hold RecurringJobSpec values, got {'name': 'daily-backup'}"),
            id="not-a-spec",
        ),
        pytest.param(
            {"jobs": (job(), job(task="snapshot"), job(name="x"))},
            re.escape("jobs must have unique names, got ['daily-backup'] more than once; rename one of them"),
            id="duplicate-names",
        ),
        pytest.param(
            {"namespace": "Longhorn"}, "namespace must be a DNS-1123 label .*, got 'Longhorn'", id="namespace"
        ),
        pytest.param(
            {"labels": {"-x": "y"}},
            "labels keys must be label keys like 'example.com/tier' or 'tier', got '-x'",
            id="label-key",
        ),
        pytest.param(
            {"labels": {"tier": "-gold"}},
            re.escape("labels['tier'] must be a label value") + ".*, got '-gold'",
            id="label-value",
        ),
    ],
)
def test_fails_when_recurring_jobs_props_are_invalid(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        props(**overrides)


@pytest.mark.parametrize("cls", [RecurringJobSpec, LonghornRecurringJobsProps], ids=lambda c: c.__name__)
def test_props_are_frozen_keyword_only_and_every_field_is_documented(cls: type) -> None:
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in inspect.signature(cls).parameters.values())
    attributes = (inspect.getdoc(cls) or "").split("Attributes:", 1)[1]
    for f in dataclasses.fields(cls):
        entry = re.search(rf"^\s+{f.name}:(.*?)(?=^\s+\w+:|\Z)", attributes, re.MULTILINE | re.DOTALL)
        assert entry, f"{cls.__name__}.{f.name} is not documented"
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
            assert "Defaults to" in entry.group(1), f"{cls.__name__}.{f.name} does not document its default"
