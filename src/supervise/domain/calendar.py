"""Working days: a national holiday calendar plus the office's own overrides, with rank arithmetic.

A deadline ladder speaks in working days ("5 working days before", "every 5 working
days after"). Every date gets a *rank*: the number of working days up to and including
it. Shifting a date by ``k`` working days is then "the working day whose rank is
rank(date) + k", which also fixes what a deadline on a holiday means: offset 0 is the
last working day on or before it, offset 1 the first working day after it.

The calendar knows only the years its source knows (the holiday notice for a year is
published late the year before). Asking about any other year raises
``CalendarYearUnknown`` — a deadline is never computed from a guess.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Iterable, Mapping

from supervise.domain.errors import SuperviseError
from supervise.domain.text import Text

WorkdayRule = Callable[[dt.date], bool]


class CalendarYearUnknown(SuperviseError):
    """A date falls in a year for which no holiday calendar is known."""

    code = "calendar_year_unknown"

    def __init__(self, year: int, known: tuple[int, int] | None = None) -> None:
        span = f"{known[0]}–{known[1]}" if known else "—"
        super().__init__(
            Text(
                f"{year} 年的节假日安排未知（已知：{span}）：请升级 chinesecalendar，"
                f"或用 supervise calendar set/declare 录入该年的放假和调休安排",
                f"the holidays of {year} are not known (known: {span}): upgrade chinesecalendar, "
                f"or enter that year's holidays and make-up days with supervise calendar set/declare",
            ),
            year=year,
        )
        self.year = year


class WorkCalendar:
    """Working days for a span of known years.

    ``rule(date)`` answers for the years in ``known_years`` (the national calendar);
    ``overrides`` (date -> is a working day) are the office's corrections and win;
    ``declared_years`` are further years the office has entered by hand, where every
    day not overridden follows the weekend rule.
    """

    def __init__(
        self,
        rule: WorkdayRule,
        known_years: Iterable[int],
        overrides: Mapping[dt.date, bool] | None = None,
        declared_years: Iterable[int] = (),
    ) -> None:
        self._rule = rule
        self._library_years = frozenset(known_years)
        self._declared = frozenset(declared_years)
        self._overrides = dict(overrides or {})
        self._years: dict[int, list[dt.date]] = {}  # year -> its working days, sorted
        self._offset: dict[int, int] = {}  # year -> rank of the last working day before it (relative)

    @property
    def known_years(self) -> frozenset[int]:
        return self._library_years | self._declared

    def span(self) -> tuple[int, int] | None:
        known = self.known_years
        return (min(known), max(known)) if known else None

    def is_workday(self, day: dt.date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        self._require(day.year)
        if day.year in self._library_years:
            return self._rule(day)
        return day.weekday() < 5

    def _require(self, year: int) -> None:
        if year not in self.known_years:
            raise CalendarYearUnknown(year, self.span())

    def _workdays_of(self, year: int) -> list[dt.date]:
        days = self._years.get(year)
        if days is None:
            self._require(year)
            first = dt.date(year, 1, 1)
            every = (first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days))
            days = self._years[year] = [d for d in every if self.is_workday(d)]
        return days

    def _base(self, year: int) -> int:
        """Relative rank of 31 December of ``year - 1``: only differences between ranks matter."""
        if year not in self._offset:
            anchor = min(self._offset, default=year)
            if year >= anchor:
                base = self._offset.get(anchor, 0)
                for y in range(anchor, year):
                    base += len(self._workdays_of(y))
            else:
                base = self._offset[anchor]
                for y in range(year, anchor):
                    base -= len(self._workdays_of(y))
            self._offset[year] = base
        return self._offset[year]

    def rank(self, day: dt.date) -> int:
        """The number of working days up to and including ``day`` (relative to an arbitrary origin)."""
        return self._base(day.year) + bisect.bisect_right(self._workdays_of(day.year), day)

    def workday_of_rank(self, rank: int, near: dt.date) -> dt.date:
        """The working day with this rank; ``near`` is any date in or close to its year, to start the search."""
        year = near.year
        while rank <= self._base(year):
            year -= 1
        while rank > self._base(year) + len(self._workdays_of(year)):
            year += 1
        return self._workdays_of(year)[rank - self._base(year) - 1]

    def shift(self, day: dt.date, workdays: int) -> dt.date:
        """The working day ``workdays`` working days from ``day``; 0 is ``day`` or the working day before it."""
        return self.workday_of_rank(self.rank(day) + workdays, day)

    def workdays_until(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
        return self.rank(end) - self.rank(start)


def weekends_only(day: dt.date) -> bool:
    """A rule for tests and for offices outside mainland China: Monday to Friday."""
    return day.weekday() < 5
