"""The status rules of docs/status_rules.md on hand-made cases at their boundaries (pure functions)."""

from datetime import date
from decimal import Decimal

import pytest

from progress import periods
from progress.statuses import status_rules
from progress.statuses.shown import absent_status
from progress.statuses.status_rules import IndicatorInput, MilestoneInput, Target

YEAR = 2023
JOBS = [
    Target(date(YEAR, 3, 31), Decimal(4600)),
    Target(date(YEAR, 6, 30), Decimal(11000)),
    Target(date(YEAR, 9, 30), Decimal(16000)),
    Target(date(YEAR, 12, 31), Decimal(23000)),
]


def jobs(actual):
    return IndicatorInput("新增就业", "人", JOBS, None if actual is None else Decimal(actual))


def judge(actual, at):
    return status_rules.indicator_status(jobs(actual), at, lagging_below=0.95, ahead_above=1.05)


def test_expected_value_is_the_target_on_its_date():
    assert status_rules.expected_value(JOBS, date(YEAR, 6, 30)) == 11000


def test_expected_value_is_time_proportional_between_targets():
    # 31 July: 31 of the 92 days from 30 June to 30 September
    expected = status_rules.expected_value(JOBS, date(YEAR, 7, 31))
    assert expected == Decimal(11000) + Decimal(5000) * Decimal(31) / Decimal(92)


def test_expected_value_starts_from_zero_on_the_first_of_january():
    # a period with no target yet: January, the first target is in March
    expected = status_rules.expected_value(JOBS, date(YEAR, 1, 31))
    assert expected == Decimal(4600) * Decimal(30) / Decimal(89)


def test_expected_value_after_the_last_target_is_the_last_target():
    assert status_rules.expected_value(JOBS[:2], date(YEAR, 9, 30)) == 11000


def test_no_targets_no_expected_value():
    assert status_rules.expected_value([], date(YEAR, 6, 30)) is None


@pytest.mark.parametrize(
    ("actual", "want"),
    [
        (10450, "on_track"),  # exactly 95 %: not lagging
        (10449, "lagging"),  # just below 95 %
        (11550, "on_track"),  # exactly 105 %: not ahead
        (11551, "ahead"),
    ],
)
def test_thresholds_at_exactly_95_and_105_percent(actual, want):
    assert judge(actual, date(YEAR, 6, 30)).status == want


def test_reaching_the_next_target_early_is_ahead():
    # 15 April, expected about 5,660: 16,000 already reached (the Q3 target)
    assert judge(11000, date(YEAR, 4, 30)).status == "ahead"
    assert judge(16000, date(YEAR, 7, 31)).status == "ahead"


def test_the_reason_says_actual_expected_and_ratio():
    reason = judge(9800, date(YEAR, 6, 30))
    assert reason.status == "lagging"
    assert (reason.actual, reason.expected) == (Decimal(9800), Decimal("11000.00"))
    assert reason.ratio == Decimal("0.8909")


def test_nothing_reported_nothing_judged():
    assert judge(None, date(YEAR, 6, 30)) is None


def test_thresholds_are_parameters():
    reason = status_rules.indicator_status(
        jobs(10000), date(YEAR, 6, 30), lagging_below=0.9, ahead_above=1.2
    )
    assert reason.status == "on_track"


# --- milestones ---------------------------------------------------------------------------


def ms(due, achieved_in=None):
    return MilestoneInput(due, "竣工验收", achieved_in)


def test_a_milestone_due_today_is_not_overdue():
    # June report: the Q2 milestone is due on 30 June, the last day of the period
    assert (
        status_rules.milestone_status(ms(date(YEAR, 6, 30)), date(YEAR, 6, 1), date(YEAR, 6, 30))
        is None
    )


def test_a_milestone_whose_date_passed_unachieved_is_overdue():
    reason = status_rules.milestone_status(
        ms(date(YEAR, 6, 30)), date(YEAR, 7, 1), date(YEAR, 7, 31)
    )
    assert (reason.kind, reason.status) == ("overdue", "lagging")


def test_a_milestone_achieved_on_time_is_on_track():
    reason = status_rules.milestone_status(
        ms(date(YEAR, 6, 30), achieved_in=date(YEAR, 5, 1)), date(YEAR, 7, 1), date(YEAR, 7, 31)
    )
    assert (reason.kind, reason.status) == ("on_time", "on_track")


def test_a_milestone_achieved_before_its_quarter_began_is_ahead():
    # Q3 milestone (30 Sept) marked achieved in the June report: before 1 July
    reason = status_rules.milestone_status(
        ms(date(YEAR, 9, 30), achieved_in=date(YEAR, 6, 1)), date(YEAR, 6, 1), date(YEAR, 6, 30)
    )
    assert (reason.kind, reason.status) == ("early", "ahead")


def test_a_month_end_milestone_is_early_only_before_its_month():
    # 7月底前: achieved in the July report is on time, in June's it is early
    on_time = status_rules.milestone_status(
        ms(date(YEAR, 7, 31), date(YEAR, 7, 1)), date(YEAR, 7, 1), date(YEAR, 7, 31)
    )
    early = status_rules.milestone_status(
        ms(date(YEAR, 7, 31), date(YEAR, 6, 1)), date(YEAR, 6, 1), date(YEAR, 6, 30)
    )
    assert (on_time.status, early.status) == ("on_track", "ahead")


def test_an_achievement_reported_later_does_not_count_yet():
    reason = status_rules.milestone_status(
        ms(date(YEAR, 3, 31), achieved_in=date(YEAR, 8, 1)), date(YEAR, 5, 1), date(YEAR, 5, 31)
    )
    assert reason.status == "lagging"


# --- the combined status ----------------------------------------------------------------------


def test_lagging_wins_over_ahead():
    computed = status_rules.compute(
        indicators=[jobs(20000)],
        milestones=[ms(date(YEAR, 3, 31))],
        period_start=date(YEAR, 6, 1),
        period_end=date(YEAR, 6, 30),
    )
    assert computed.status == "lagging"
    assert {r.kind for r in computed.reasons} == {"indicator", "overdue"}


def test_a_completed_item_is_completed():
    computed = status_rules.compute(
        indicators=[],
        milestones=[ms(date(YEAR, 3, 31))],
        period_start=date(YEAR, 6, 1),
        period_end=date(YEAR, 6, 30),
        reported_completed=True,
    )
    assert computed.status == "completed"


def test_nothing_to_judge_gives_no_status():
    computed = status_rules.compute(
        indicators=[jobs(None)],
        milestones=[ms(date(YEAR, 12, 31))],
        period_start=date(YEAR, 6, 1),
        period_end=date(YEAR, 6, 30),
    )
    assert computed.status is None


@pytest.mark.parametrize(
    ("today", "missing"),
    [
        (date(2024, 11, 5), False),  # the deadline day itself
        (date(2024, 11, 6), True),  # the day after
        (date(2024, 10, 31), False),  # before the deadline
    ],
)
def test_a_missing_report_before_and_after_the_deadline(settings, today, missing):
    """No report is 未报送 (missing) once the deadline (the 5th of the next month) has passed,
    not yet due (pending) before."""
    settings.REPORT_DEADLINE_DAY = 5
    october = date(2024, 10, 1)
    assert periods.deadline(october) == date(2024, 11, 5)
    assert periods.deadline_passed(october, today) is missing
    assert absent_status(october, today) == ("missing" if missing else "pending")


@pytest.mark.parametrize(
    ("reports", "period", "expected"),
    [
        ([(date(2024, 10, 1), "completed")], date(2024, 11, 1), date(2024, 10, 1)),
        ([(date(2024, 10, 1), "completed")], date(2024, 10, 1), None),  # its own period
        ([(date(2024, 10, 1), "on_track")], date(2024, 11, 1), None),
        (
            [(date(2024, 8, 1), "completed"), (date(2024, 10, 1), "completed")],
            date(2024, 12, 1),
            date(2024, 8, 1),  # the first time it was said
        ),
        ([], date(2024, 11, 1), None),
    ],
)
def test_completed_in_an_earlier_period(reports, period, expected):
    assert status_rules.completed_in(reports, period) == expected


@pytest.mark.parametrize(
    ("reported", "computed", "mismatch"),
    [
        ("on_track", "lagging", True),
        ("lagging", "lagging", False),
        ("completed", "completed", False),
        ("not_started", "on_track", False),
        ("not_started", "lagging", True),
        ("", "lagging", False),
        ("on_track", None, False),
    ],
)
def test_mismatch(reported, computed, mismatch):
    assert status_rules.is_mismatch(reported, computed) is mismatch
