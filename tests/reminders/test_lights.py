"""Warning lights, on a fixed clock, and as `problems` and `show` report them."""

from __future__ import annotations

import datetime as dt

import pytest

from supervise.adapters.calendar import library_years, national_workday
from supervise.domain.calendar import CalendarYearUnknown, WorkCalendar
from supervise.domain.lights import light
from supervise.services.queries import ProblemFilter, list_problems, show_problem
from tests.reminders.conftest import at

D = dt.date
CAL = WorkCalendar(national_workday, library_years())


def test_an_overdue_item_is_red():
    assert light(D(2024, 3, 1), D(2024, 3, 2), CAL, 5) == "red"


def test_an_item_within_the_window_is_yellow_counting_working_days():
    # 21 February 2024 is 5 working days after 8 February: 9, 18 (a make-up Sunday), 19, 20, 21
    assert light(D(2024, 2, 21), D(2024, 2, 8), CAL, 5) == "yellow"
    assert light(D(2024, 2, 22), D(2024, 2, 8), CAL, 5) == "green"


def test_an_item_with_measures_behind_is_yellow_even_far_from_its_deadline():
    assert light(D(2024, 12, 31), D(2024, 3, 1), CAL, 5, behind=True) == "yellow"
    assert light(None, D(2024, 3, 1), CAL, 5) is None


def test_a_far_deadline_in_an_unknown_year_is_green_but_a_near_one_is_an_error():
    last = max(library_years())
    assert light(D(last + 1, 6, 30), D(last, 11, 2), CAL, 5) == "green"
    with pytest.raises(CalendarYearUnknown):
        light(D(last + 1, 1, 4), D(last, 12, 29), CAL, 5)


def test_problems_and_show_report_the_lights(office):
    office.clock.now = at("2024-03-25")  # problem 13 due 29 March: yellow; its measure 13.1 is overdue
    rows = {r["number"]: r for r in list_problems(office, ProblemFilter())}
    assert rows[13]["light"] == "yellow" and rows[2]["light"] == "yellow"
    office.clock.now = at("2024-01-10")
    rows = {r["number"]: r for r in list_problems(office, ProblemFilter())}
    assert rows[13]["light"] == "green"
    office.clock.now = at("2024-02-05")
    view = show_problem(office, "13")
    assert view["light"] == "yellow"  # behind: its measure is overdue
    assert [m["light"] for m in view["measures"]] == ["red"]


def test_a_settled_problem_has_no_light(office):
    from supervise.services.transitions import Advance, advance

    office.clock.now = at("2024-04-10")
    advance(office, Advance("2", "start", "张三"))
    assert show_problem(office, "2")["light"] == "red"
    with office.writing() as conn:
        conn.exec_driver_sql("UPDATE problems SET state = 'long_term' WHERE number = 2")
    assert show_problem(office, "2")["light"] is None
