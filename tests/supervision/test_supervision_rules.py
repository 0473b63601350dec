"""The light and flag rules at every threshold (docs/supervision.md)."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from progress.supervision import flag_rules, light_rules
from progress.supervision.light_rules import GREEN, NONE, RED, YELLOW

D = Decimal


def light(**kw):
    kw.setdefault("computed", "on_track")
    kw.setdefault("completed", False)
    kw.setdefault("lagging_run", 0)
    return light_rules.light(**kw)


@pytest.mark.parametrize(
    ("computed", "expected"),
    [("on_track", GREEN), ("ahead", GREEN), ("not_started", GREEN), (None, NONE)],
)
def test_green_or_none_without_reasons(computed, expected):
    assert light(computed=computed).light == expected


def test_completed_is_green_whatever_else():
    result = light(computed="completed", completed=True, lagging_run=3, missing_run=4)
    assert result.light == GREEN
    assert [r.kind for r in result.reasons] == ["completed"]


@pytest.mark.parametrize(("run", "expected"), [(1, YELLOW), (2, RED), (5, RED)])
def test_lagging_runs(run, expected):
    result = light(computed="lagging", lagging_run=run)
    assert result.light == expected
    assert result.reasons[0].run == run


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        ("0.95", GREEN),  # at the status rules' lagging threshold: not lagging
        ("0.9499", YELLOW),
        ("0.85", YELLOW),  # red is *under* 0.85
        ("0.8499", RED),
        ("0.5", RED),
    ],
)
def test_indicator_thresholds(ratio, expected):
    assert light(indicator_ratios=[("户数", D(ratio))]).light == expected


def test_thresholds_are_configurable():
    t = light_rules.Thresholds(yellow_below=0.9, red_below=0.7, red_overdue_days=10, red_run=3)
    assert light(indicator_ratios=[("x", D("0.92"))], thresholds=t).light == GREEN
    assert light(indicator_ratios=[("x", D("0.75"))], thresholds=t).light == YELLOW
    assert light(lagging_run=2, computed="lagging", thresholds=t).light == YELLOW
    assert light(overdue_milestones=[("开工", 10)], thresholds=t).light == RED


@pytest.mark.parametrize(("days", "expected"), [(1, YELLOW), (29, YELLOW), (30, RED), (90, RED)])
def test_milestone_overdue(days, expected):
    result = light(computed="lagging", overdue_milestones=[("开工", days)])
    assert result.light == expected
    assert result.reasons[0].days == days


@pytest.mark.parametrize(("run", "expected"), [(0, NONE), (1, NONE), (2, RED), (3, RED)])
def test_missing_runs(run, expected):
    assert light(computed=None, missing_run=run).light == expected


def test_worst_reason_first():
    result = light(
        computed="lagging",
        lagging_run=1,
        indicator_ratios=[("a", D("0.9")), ("b", D("0.5"))],
    )
    assert result.light == RED
    assert result.reasons[0].light == RED and result.reasons[0].name == "b"


def test_run_length():
    assert light_rules.run_length([]) == 0
    assert light_rules.run_length([True, False, True, True]) == 2
    assert light_rules.run_length([True, True, False]) == 0


# --- flags ----------------------------------------------------------------------------------


def test_copied_same_and_nearly_same():
    assert flag_rules.copied("完成主体施工。", "完成主体施工。").kind == "copied"
    assert flag_rules.copied("完成 主体施工。", "完成主体施工。") is not None  # spaces ignored
    assert flag_rules.copied("x", None) is None
    assert flag_rules.copied("", "") is None


def test_similarity_edge():
    a = "一二三四五六七八九十"
    b = "一二三四五六七八九X"  # 9 of 10 the same: ratio 0.9
    assert flag_rules.similarity(a, b) == pytest.approx(0.9)
    assert flag_rules.copied(a, b, similar_at=0.9) is not None
    assert flag_rules.copied(a, b, similar_at=0.91) is None
    assert flag_rules.copied("完成主体施工", "启动招标工作", similar_at=0.9) is None


def test_decreasing_values():
    flags = flag_rules.decreased(
        {"户数": D("99"), "公里": D("5")}, {"户数": D("100"), "公里": D("5")}
    )
    assert [(f.kind, f.subject) for f in flags] == [("decreased", "户数")]
    assert dict(flags[0].params) == {"value": "99", "previous": "100"}
    assert flag_rules.decreased({"户数": D("100")}, {"户数": D("100")}) == []
    assert flag_rules.decreased({"户数": D("1")}, {}) == []


def test_completed_with_later_milestones():
    ms = [("验收", date(2024, 12, 31), False), ("开工", date(2024, 3, 31), False)]
    flags = flag_rules.completed_early("completed", date(2024, 6, 30), ms)
    assert [f.subject for f in flags] == ["验收"]
    assert (
        flag_rules.completed_early(
            "completed", date(2024, 6, 30), [("验收", date(2024, 12, 31), True)]
        )
        == []
    )
    assert flag_rules.completed_early("on_track", date(2024, 6, 30), ms) == []


def test_on_track_while_lagging_two_running():
    assert flag_rules.on_track_lagging("on_track", ["lagging", "lagging"]) is not None
    assert flag_rules.on_track_lagging("on_track", ["on_track", "lagging"]) is None
    assert flag_rules.on_track_lagging("on_track", ["lagging"]) is None
    assert flag_rules.on_track_lagging("ahead", ["lagging", "lagging"]) is None


def test_late_by_one_day():
    deadline = date(2024, 4, 5)
    assert flag_rules.late(date(2024, 4, 5), deadline) is None
    flag = flag_rules.late(date(2024, 4, 6), deadline)
    assert flag is not None and dict(flag.params)["days"] == "1"
    assert flag_rules.late(datetime(2024, 4, 5, 23, 59), deadline) is None
    assert flag_rules.late(None, deadline) is None
