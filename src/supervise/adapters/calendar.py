"""The working-day calendar: chinesecalendar's holidays and make-up days, plus the office's overrides.

``chinesecalendar`` carries the State Council's holiday notices and raises for a year it
does not have; that refusal is turned into ``CalendarYearUnknown`` by ``WorkCalendar``,
which only asks it about the years it knows.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import chinese_calendar
from sqlalchemy import Connection, delete, insert, select

from supervise.adapters.tables import calendar_days, calendar_years
from supervise.domain.calendar import WorkCalendar


@cache
def library_years() -> range:
    """The years chinesecalendar knows, found by asking it (its own constants are not public API)."""
    years = []
    for year in range(2000, 2100):
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
        except NotImplementedError:
            continue
        years.append(year)
    return range(min(years), max(years) + 1) if years else range(0)


@cache
def _national_year(year: int) -> frozenset[dt.date]:
    """The working days of one year, asked once per process: chinesecalendar's own lookup
    validates its whole table on every call (~45 µs), far too slow for a scan."""
    first = dt.date(year, 1, 1)
    days = (first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days))
    return frozenset(d for d in days if chinese_calendar.is_workday(d))


def national_workday(day: dt.date) -> bool:
    if day.year not in library_years():
        chinese_calendar.is_workday(day)  # raises NotImplementedError, as the library does
    return day in _national_year(day.year)


def load_calendar(conn: Connection) -> WorkCalendar:
    """The national calendar with the office's overrides and declared years, read in ``conn``'s transaction."""
    overrides = {
        row.day: bool(row.workday) for row in conn.execute(select(calendar_days.c.day, calendar_days.c.workday))
    }
    declared = list(conn.execute(select(calendar_years.c.year)).scalars())
    return WorkCalendar(national_workday, library_years(), overrides, declared)


def set_day(conn: Connection, day: dt.date, workday: bool, note: str | None, now: dt.datetime) -> None:
    conn.execute(delete(calendar_days).where(calendar_days.c.day == day))
    conn.execute(insert(calendar_days).values(day=day, workday=workday, note=note, created_at=now))


def unset_day(conn: Connection, day: dt.date) -> bool:
    return conn.execute(delete(calendar_days).where(calendar_days.c.day == day)).rowcount > 0


def declare_year(conn: Connection, year: int, note: str | None, now: dt.datetime) -> None:
    conn.execute(delete(calendar_years).where(calendar_years.c.year == year))
    conn.execute(insert(calendar_years).values(year=year, note=note, created_at=now))


def overrides(conn: Connection, year: int | None = None) -> list[tuple[dt.date, bool, str | None]]:
    query = select(calendar_days.c.day, calendar_days.c.workday, calendar_days.c.note).order_by(calendar_days.c.day)
    if year is not None:
        query = query.where(calendar_days.c.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    return [(r.day, bool(r.workday), r.note) for r in conn.execute(query)]


def declared_years(conn: Connection) -> list[int]:
    return list(conn.execute(select(calendar_years.c.year).order_by(calendar_years.c.year)).scalars())
