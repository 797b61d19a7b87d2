"""The ladder as data: which rung fires when, repeats, restarts on a new deadline; validated with lines."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supervise.adapters.calendar import library_years, national_workday
from supervise.adapters.workflow_files import default_workflows_dir
from supervise.domain.calendar import WorkCalendar, weekends_only
from supervise.domain.errors import WorkflowInvalid
from supervise.domain.ladder import Ladder, Review
from supervise.domain.workflow import ReviewSpec, RungSpec, load_workflow

D = dt.date
WEEKDAYS = WorkCalendar(weekends_only, range(2020, 2030))
NATIONAL = WorkCalendar(national_workday, library_years())


def rung(name: str, at: int, every: int | None = None, to: tuple[str, ...] = ("lead_unit",)) -> RungSpec:
    return RungSpec(name=name, at=at, every=every, to=list(to), zh=name, en=name)


LADDER = Ladder(
    [
        rung("before_5", -5),
        rung("due", 0, to=("lead_unit", "leader")),
        rung("overdue", 1, every=5, to=("lead_unit", "leader", "office")),
        rung("late", 16, every=5, to=("lead_unit", "leader", "office", "supervisor")),
    ]
)
DEADLINE = D(2024, 5, 31)  # a Friday


def test_nothing_is_due_long_before_the_deadline():
    assert LADDER.latest_due(DEADLINE, D(2024, 5, 23), WEEKDAYS) is None


def test_the_first_rung_fires_five_working_days_before():
    due = LADDER.latest_due(DEADLINE, D(2024, 5, 24), WEEKDAYS)
    assert (due.rung, due.on, due.to) == ("before_5", D(2024, 5, 24), ("lead_unit",))


def test_on_the_day_the_leader_hears_too():
    due = LADDER.latest_due(DEADLINE, DEADLINE, WEEKDAYS)
    assert (due.rung, due.to) == ("due", ("lead_unit", "leader"))


def test_overdue_repeats_every_five_working_days_and_widens_later():
    on_monday = LADDER.latest_due(DEADLINE, D(2024, 6, 3), WEEKDAYS)
    assert (on_monday.rung, on_monday.occurrence, on_monday.on) == ("overdue", 0, D(2024, 6, 3))
    a_week_later = LADDER.latest_due(DEADLINE, D(2024, 6, 11), WEEKDAYS)
    assert (a_week_later.rung, a_week_later.occurrence, a_week_later.on) == ("overdue", 1, D(2024, 6, 10))
    # offsets 1, 6, 11 belong to "overdue"; 16 starts "late", which adds the supervisors
    late = LADDER.latest_due(DEADLINE, D(2024, 6, 24), WEEKDAYS)
    assert (late.rung, late.occurrence, "supervisor" in late.to) == ("late", 0, True)
    assert LADDER.latest_due(DEADLINE, D(2024, 6, 20), WEEKDAYS).occurrence == 2


def test_a_new_deadline_restarts_the_ladder():
    overdue = LADDER.latest_due(DEADLINE, D(2024, 6, 11), WEEKDAYS)
    extended = LADDER.latest_due(D(2024, 6, 28), D(2024, 6, 11), WEEKDAYS)
    assert overdue.anchor == DEADLINE and extended is None
    again = LADDER.latest_due(D(2024, 6, 28), D(2024, 6, 21), WEEKDAYS)
    assert (again.rung, again.anchor) == ("before_5", D(2024, 6, 28))


def test_the_ladder_counts_working_days_across_the_spring_festival():
    # deadline Monday 19 February 2024; five working days before skips the holiday week
    due = LADDER.latest_due(D(2024, 2, 19), D(2024, 2, 8), NATIONAL)
    assert (due.rung, due.on) == ("before_5", D(2024, 2, 6))  # 18, 9, 8, 7, 6 February
    assert LADDER.latest_due(D(2024, 2, 19), D(2024, 2, 5), NATIONAL) is None
    assert LADDER.latest_due(D(2024, 2, 9), D(2024, 2, 18), NATIONAL).on == D(2024, 2, 18)  # a make-up Sunday


def test_it_lists_what_will_be_sent():
    planned = LADDER.due_between(DEADLINE, D(2024, 5, 20), D(2024, 6, 12), WEEKDAYS)
    assert [(d.rung, d.on) for d in planned] == [
        ("before_5", D(2024, 5, 24)),
        ("due", D(2024, 5, 31)),
        ("overdue", D(2024, 6, 3)),
        ("overdue", D(2024, 6, 10)),
    ]


@settings(max_examples=300, deadline=None)
@given(
    deadline=st.dates(D(2024, 1, 1), D(2025, 12, 1)),
    after=st.dates(D(2024, 1, 1), D(2025, 12, 1)),
    span=st.integers(0, 12),
)
def test_the_deadline_ranges_hold_exactly_the_items_with_a_firing_in_the_window(deadline, after, span):
    today = after + dt.timedelta(days=span)
    ranges = LADDER.deadline_ranges(after, today, NATIONAL, oldest=D(2023, 6, 1))
    in_ranges = any(lo <= deadline < hi for lo, hi in ranges)
    fires = bool(LADDER.due_between(deadline, after, today, NATIONAL))
    assert in_ranges == fires


def test_review_prompts_fall_on_the_first_working_day_of_each_month():
    review = Review(ReviewSpec(every="month", workday=1, to=["lead_unit"], zh="回头看", en="review"))
    dates = [d.on for d in review.due_between(D(2024, 1, 15), D(2024, 5, 31), NATIONAL)]
    assert dates == [D(2024, 2, 1), D(2024, 3, 1), D(2024, 4, 1), D(2024, 5, 6)]  # 1–5 May is Labour Day
    latest = review.latest_due(D(2024, 5, 3), NATIONAL)
    assert (latest.anchor, latest.on) == (D(2024, 4, 1), D(2024, 4, 1))


def _spec_with(reminders: str) -> str:
    text = (default_workflows_dir() / "measure.yaml").read_text(encoding="utf-8")
    start = text.index("reminders:")
    end = text.index("states:")
    return text[:start] + reminders + text[end:]


def test_the_shipped_workflows_have_ladders_for_every_kind():
    for name in ("problem.yaml", "measure.yaml"):
        workflow = load_workflow((default_workflows_dir() / name).read_text(encoding="utf-8"), name)
        assert workflow.reminders is not None
        assert set(workflow.reminders.ladders) == {"dated", "immediate", "long_term"}


def test_it_rejects_rungs_out_of_order_naming_the_line_and_key():
    bad = _spec_with(
        "reminders:\n  ladders:\n    dated:\n"
        "      - {name: a, at: 0, to: [lead_unit], zh: 甲, en: a}\n"
        "      - {name: b, at: -1, to: [leader], zh: 乙, en: b}\n"
    )
    with pytest.raises(WorkflowInvalid) as caught:
        load_workflow(bad, "measure.yaml")
    (defect,) = caught.value.defects
    assert defect.field == "reminders.ladders.dated[1].at"
    assert defect.location.startswith("line ")
    assert "greater than" in defect.problem.en


def test_it_rejects_an_unknown_audience():
    bad = _spec_with("reminders:\n  ladders:\n    dated:\n      - {name: a, at: 0, to: [mayor], zh: 甲, en: a}\n")
    with pytest.raises(WorkflowInvalid) as caught:
        load_workflow(bad, "measure.yaml")
    assert any(d.field.startswith("reminders.ladders.dated[0].to") for d in caught.value.defects)


def test_it_rejects_an_unknown_kind_of_ladder():
    bad = _spec_with("reminders:\n  ladders:\n    someday:\n      - {name: a, at: 0, to: [office], zh: 甲, en: a}\n")
    with pytest.raises(WorkflowInvalid) as caught:
        load_workflow(bad, "measure.yaml")
    assert any("someday" in d.field for d in caught.value.defects)
