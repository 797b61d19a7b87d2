"""The reminder ladder: which rung of which item falls due when, in working days.

A ladder is a list of rungs at working-day offsets from the deadline. A rung with
``every`` repeats until the next rung starts (the last one forever), so that the
audience widens as an item falls further behind. Every firing of a rung is a ``Due``
whose key — (rung, anchor, occurrence), anchor being the deadline — is recorded once:
a new deadline is a new anchor, so ``extend`` restarts the ladder by itself.

Items settled into a state that no longer tracks the deadline (long-term review) get a
periodic review prompt instead, on the Nth working day of each month or quarter; its
anchor is the first day of the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from supervise.domain.calendar import WorkCalendar
from supervise.domain.text import Text
from supervise.domain.workflow import RemindersSpec, ReviewSpec, RungSpec

REVIEW = "review"


@dataclass(frozen=True)
class Rung:
    name: str
    at: int
    every: int | None
    until: int | None  # the next rung's ``at``: a repeating rung stops there
    to: tuple[str, ...]
    expected: Text

    def offsets(self) -> Iterator[tuple[int, int]]:
        """(occurrence, offset) of every firing, in order; endless for the last repeating rung."""
        if self.every is None:
            yield 0, self.at
            return
        j = 0
        while self.until is None or self.at + j * self.every < self.until:
            yield j, self.at + j * self.every
            j += 1

    def occurrence_at(self, offset: int) -> tuple[int, int] | None:
        """The latest firing at or before ``offset`` (an offset from the deadline), or None."""
        if offset < self.at:
            return None
        if self.every is None:
            return 0, self.at
        j = (offset - self.at) // self.every
        if self.until is not None:
            j = min(j, (self.until - 1 - self.at) // self.every)
        return j, self.at + j * self.every


@dataclass(frozen=True)
class Due:
    """One firing of a rung for one item: recorded once under (rung, anchor, occurrence)."""

    rung: str
    anchor: dt.date
    occurrence: int
    on: dt.date
    to: tuple[str, ...]
    expected: Text


class Ladder:
    def __init__(self, rungs: list[RungSpec]) -> None:
        self.rungs = tuple(
            Rung(
                r.name,
                r.at,
                r.every,
                rungs[i + 1].at if i + 1 < len(rungs) else None,
                tuple(r.to),
                Text(r.zh, r.en),
            )
            for i, r in enumerate(rungs)
        )

    def latest_due(self, deadline: dt.date, today: dt.date, cal: WorkCalendar) -> Due | None:
        """The newest firing on or before ``today``: what the item should have heard last."""
        # cal.workdays_until(deadline, today) and cal.shift(deadline, k), the deadline's rank looked up
        # once; today's first, as workdays_until does, so that a gap reports the same year.
        end = cal.rank(today)
        start = cal.rank(deadline)
        offset = end - start
        for rung in reversed(self.rungs):
            hit = rung.occurrence_at(offset)
            if hit is not None:
                j, k = hit
                return Due(rung.name, deadline, j, cal.workday_of_rank(start + k, deadline), rung.to, rung.expected)
        return None

    def due_between(self, deadline: dt.date, after: dt.date, until: dt.date, cal: WorkCalendar) -> list[Due]:
        """Every firing with a date in (after, until], in order: what the ladder will send."""
        low, high = cal.workdays_until(deadline, after), cal.workdays_until(deadline, until)
        out = []
        for rung in self.rungs:
            for j, k in rung.offsets():
                if k > high:
                    break
                if k > low:
                    out.append(Due(rung.name, deadline, j, cal.shift(deadline, k), rung.to, rung.expected))
        return out

    def deadline_ranges(
        self, after: dt.date, today: dt.date, cal: WorkCalendar, oldest: dt.date
    ) -> list[tuple[dt.date, dt.date]]:
        """Half-open ranges [lo, hi) of deadlines that have a firing in (after, today].

        A firing at offset k falls in the window when rank(deadline) + k is in
        (rank(after), rank(today)]; the deadlines with such a rank form one range.
        Ranges wholly before ``oldest`` (the oldest open deadline) are not needed.
        """
        low, high = cal.rank(after), cal.rank(today)
        if high <= low:
            return []
        out = []
        for rung in self.rungs:
            for _, k in rung.offsets():
                hi = cal.workday_of_rank(high - k + 1, today)
                if hi <= oldest:
                    break
                out.append((cal.workday_of_rank(low - k + 1, after), hi))
        return out


class Review:
    def __init__(self, spec: ReviewSpec) -> None:
        self.months = 1 if spec.every == "month" else 3
        self.workday = spec.workday
        self.to = tuple(spec.to)
        self.expected = Text(spec.zh, spec.en)

    def _period_start(self, day: dt.date) -> dt.date:
        month = (day.month - 1) // self.months * self.months + 1
        return dt.date(day.year, month, 1)

    def _previous(self, start: dt.date) -> dt.date:
        month = start.month - self.months
        return dt.date(start.year - (month < 1), (month - 1) % 12 + 1, 1)

    def _next(self, start: dt.date) -> dt.date:
        month = start.month + self.months
        return dt.date(start.year + (month > 12), (month - 1) % 12 + 1, 1)

    def date_in(self, start: dt.date, cal: WorkCalendar) -> dt.date:
        return cal.shift(start - dt.timedelta(days=1), self.workday)

    def _due(self, start: dt.date, on: dt.date) -> Due:
        return Due(REVIEW, start, 0, on, self.to, self.expected)

    def latest_due(self, today: dt.date, cal: WorkCalendar) -> Due:
        start = self._period_start(today)
        on = self.date_in(start, cal)
        if on > today:
            start = self._previous(start)
            on = self.date_in(start, cal)
        return self._due(start, on)

    def due_between(self, after: dt.date, until: dt.date, cal: WorkCalendar) -> list[Due]:
        out, start = [], self._period_start(after)
        while start <= until:
            on = self.date_in(start, cal)
            if after < on <= until:
                out.append(self._due(start, on))
            start = self._next(start)
        return out


class Reminders:
    """A workflow's compiled ``reminders:`` section."""

    def __init__(self, spec: RemindersSpec) -> None:
        self.yellow_within = spec.yellow_within
        self.ladders: dict[str, Ladder] = {str(kind): Ladder(rungs) for kind, rungs in spec.ladders.items() if rungs}
        self.review = Review(spec.review) if spec.review else None

    def ladder(self, kind: str) -> Ladder | None:
        return self.ladders.get(kind)
