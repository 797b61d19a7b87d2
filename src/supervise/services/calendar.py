"""The office's corrections to the working-day calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

from supervise.adapters import calendar as cal
from supervise.domain.calendar import CalendarYearUnknown
from supervise.services.context import Context


def set_day(ctx: Context, day: dt.date, workday: bool, note: str | None) -> None:
    with ctx.writing() as conn:
        cal.set_day(conn, day, workday, note, ctx.clock())


def unset_day(ctx: Context, day: dt.date) -> bool:
    with ctx.writing() as conn:
        return cal.unset_day(conn, day)


def declare_year(ctx: Context, year: int, note: str | None) -> None:
    with ctx.writing() as conn:
        cal.declare_year(conn, year, note, ctx.clock())


def show_year(ctx: Context, year: int) -> dict[str, Any]:
    """A year's non-working weekdays and working weekend days, and the office's overrides.

    Raises ``CalendarYearUnknown`` when neither the library nor the office knows the year.
    """
    with ctx.reading() as conn:
        calendar = cal.load_calendar(conn)
        overrides = cal.overrides(conn, year)
        declared = cal.declared_years(conn)
    if year not in calendar.known_years:
        raise CalendarYearUnknown(year, calendar.span())
    day, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    holidays, makeup = [], []
    while day <= end:
        workday = calendar.is_workday(day)
        if day.weekday() < 5 and not workday:
            holidays.append(day)
        elif day.weekday() >= 5 and workday:
            makeup.append(day)
        day += dt.timedelta(days=1)
    return {
        "year": year,
        "source": "office" if year in declared and year not in cal.library_years() else "chinesecalendar",
        "holidays": holidays,
        "makeup_workdays": makeup,
        "overrides": [{"day": d, "workday": w, "note": n} for d, w, n in overrides],
        "known": [min(calendar.known_years), max(calendar.known_years)],
    }
