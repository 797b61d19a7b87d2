"""The league table of units (单位排名): items, done, overdue, and the on-time rate, best first.

A unit's items are the problems it leads and the measures it owns (a measure without a unit
belongs to its problem's lead unit). An item is *on time* when it was settled on or before its
deadline (the day it entered a settled state, from the history); the on-time rate is over the
items whose outcome is known: settled on a known day, or past their deadline unsettled.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from supervise.domain.report import history as h
from supervise.domain.report.book import Book, is_overdue
from supervise.domain.report.facts import EventFact, ProblemFact
from supervise.domain.report.model import LeagueRow

# --- league table ----------------------------------------------------------------------------------


@dataclass
class _Tally:
    items: int = 0
    done: int = 0
    overdue: int = 0
    due: int = 0
    on_time: int = 0

    def add(self, settled: bool, settled_day: dt.date | None, deadline: dt.date | None, overdue: bool) -> None:
        self.items += 1
        if settled:
            self.done += 1
            if settled_day is not None:
                self.due += 1
                self.on_time += deadline is None or settled_day <= deadline
        elif overdue:
            self.overdue += 1
            self.due += 1


def league_table(
    problems: tuple[ProblemFact, ...], history: dict[h.Key, list[EventFact]], book: Book, today: dt.date
) -> list[LeagueRow]:
    tallies: dict[str | None, _Tally] = defaultdict(_Tally)
    for p in problems:
        _tally(tallies[p.lead_unit], "problem", p.id, p.workflow, p.state, p.deadline, history, book, today)
        for m in p.measures:
            _tally(
                tallies[m.unit or p.lead_unit], "measure", m.id, m.workflow, m.state, m.deadline, history, book, today
            )
    rows = [
        LeagueRow(unit, t.items, t.done, t.items - t.done, t.overdue, t.due, t.on_time) for unit, t in tallies.items()
    ]
    rows.sort(key=_league_order)
    return [_ranked(row, i + 1) for i, row in enumerate(rows)]


def _tally(
    tally: _Tally,
    subject: str,
    item_id: int,
    workflow: str,
    state: str,
    deadline: dt.date | None,
    history: dict[h.Key, list[EventFact]],
    book: Book,
    today: dt.date,
) -> None:
    settled_states = book.settled_states(workflow)
    settled = state in settled_states
    day = h.settled_on(history.get((subject, item_id), []), settled_states, today) if settled else None
    tally.add(settled, day, deadline, is_overdue(workflow, state, deadline, book, today))


def _league_order(row: LeagueRow) -> tuple[bool, bool, float, int, float, str]:
    """Best first: on-time rate, then fewest overdue, then most done; units with nothing due yet, and
    items with no unit, at the bottom."""
    rate = row.on_time_rate
    return (row.unit is None, rate is None, -(rate or 0.0), row.overdue, -row.done_rate, row.unit or "")


def _ranked(row: LeagueRow, rank: int) -> LeagueRow:
    return LeagueRow(row.unit, row.items, row.done, row.open, row.overdue, row.due, row.on_time, rank)
