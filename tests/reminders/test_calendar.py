"""Working days across the Spring Festival and National Day make-up days of 2024 and 2025."""

from __future__ import annotations

import datetime as dt

import pytest

from supervise.adapters.calendar import library_years, load_calendar, national_workday
from supervise.domain.calendar import CalendarYearUnknown, WorkCalendar, weekends_only
from supervise.services import calendar as calendar_service

D = dt.date


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar(national_workday, library_years())


def test_it_knows_the_2024_spring_festival_and_its_make_up_sundays(cal):
    assert cal.is_workday(D(2024, 2, 4))  # Sunday, worked
    assert cal.is_workday(D(2024, 2, 18))  # Sunday, worked
    assert not any(cal.is_workday(D(2024, 2, day)) for day in range(10, 18))
    assert cal.shift(D(2024, 2, 9), 1) == D(2024, 2, 18)


def test_it_knows_the_2025_spring_festival_and_its_make_up_days(cal):
    assert cal.is_workday(D(2025, 1, 26))  # Sunday, worked
    assert cal.is_workday(D(2025, 2, 8))  # Saturday, worked
    assert not any(cal.is_workday(D(2025, 1, 28) + dt.timedelta(days=i)) for i in range(8))
    assert cal.shift(D(2025, 1, 27), 1) == D(2025, 2, 5)


def test_it_counts_working_days_across_national_day_2024(cal):
    assert cal.is_workday(D(2024, 9, 29)) and cal.is_workday(D(2024, 10, 12))
    # after Friday 27 September: Sunday 29, Monday 30, then Tuesday 8 October
    assert cal.workdays_until(D(2024, 9, 27), D(2024, 10, 8)) == 3


def test_it_counts_working_days_across_national_day_2025(cal):
    assert cal.is_workday(D(2025, 9, 28)) and cal.is_workday(D(2025, 10, 11))
    assert not cal.is_workday(D(2025, 10, 8))
    assert cal.shift(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert cal.shift(D(2025, 10, 9), -3) == D(2025, 9, 28)


def test_a_deadline_on_a_holiday_falls_back_to_the_last_working_day(cal):
    assert cal.shift(D(2024, 10, 3), 0) == D(2024, 9, 30)
    assert cal.shift(D(2024, 10, 3), 1) == D(2024, 10, 8)


def test_it_refuses_a_year_it_does_not_know_and_names_it(cal):
    last = max(library_years())  # the holiday notice for the next year is not in the library yet
    with pytest.raises(CalendarYearUnknown) as caught:
        cal.shift(D(last, 12, 28), 10)
    assert caught.value.year == last + 1
    assert str(last + 1) in caught.value.text.zh and str(last + 1) in caught.value.text.en


def test_the_office_overrides_win_over_the_national_calendar():
    cal = WorkCalendar(national_workday, library_years(), {D(2024, 2, 9): False, D(2024, 2, 17): True})
    assert not cal.is_workday(D(2024, 2, 9))
    assert cal.shift(D(2024, 2, 8), 1) == D(2024, 2, 17)


def test_a_declared_year_follows_weekends_and_the_entered_holidays():
    cal = WorkCalendar(weekends_only, range(2024, 2027), {D(2027, 1, 1): False}, declared_years=[2027])
    assert not cal.is_workday(D(2027, 1, 1))  # Friday, entered as a holiday
    assert cal.shift(D(2026, 12, 31), 1) == D(2027, 1, 4)
    with pytest.raises(CalendarYearUnknown):
        cal.is_workday(D(2028, 1, 3))


def test_ranks_are_consistent_over_many_years(cal):
    day, rank = D(2023, 12, 29), cal.rank(D(2023, 12, 29))
    for _ in range(800):
        day += dt.timedelta(days=1)
        rank += cal.is_workday(day)
        assert cal.rank(day) == rank
    assert cal.workday_of_rank(cal.rank(D(2025, 6, 3)), D(2024, 1, 1)) == D(2025, 6, 3)


def test_the_office_enters_overrides_in_the_database(ctx):
    calendar_service.set_day(ctx, D(2024, 2, 9), False, "调休")
    calendar_service.declare_year(ctx, 2027, "国办发明电")
    with ctx.reading() as conn:
        cal = load_calendar(conn)
    assert not cal.is_workday(D(2024, 2, 9))
    assert cal.is_workday(D(2027, 3, 1))
    assert calendar_service.unset_day(ctx, D(2024, 2, 9))
    shown = calendar_service.show_year(ctx, 2024)
    assert D(2024, 2, 12) in shown["holidays"] and D(2024, 2, 18) in shown["makeup_workdays"]
    with pytest.raises(CalendarYearUnknown):
        calendar_service.show_year(ctx, 2029)
