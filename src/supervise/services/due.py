"""Finding the items a scan must look at, and what each is due, with indexed queries.

Three ways in, all returning the same ``Candidate`` rows:

- the *window*: items whose deadline puts a ladder firing between the last scan and
  now — ``deadline IN (dates)`` on the (deadline, state) index, so a scan reads the
  due rows and not the ledger;
- the *changes*: items updated since the last scan (index on ``updated_at``), so an
  import, an ``extend`` or a reopening is looked at within one scan interval;
- the *full* pass: every open item, on the first scan and when asked.

Each candidate is then evaluated with the ladder: its latest due firing, if any.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, Select, String, and_, func, select, type_coerce

from supervise.adapters.tables import measures, problems
from supervise.domain.calendar import WorkCalendar
from supervise.domain.ladder import Due, Reminders
from supervise.domain.lights import light
from supervise.domain.registry import WorkflowRegistry
from supervise.domain.workflow import Workflow

CHUNK = 2000
IN_LIMIT = 500  # dates per IN list


class Candidate(NamedTuple):
    """One problem or measure as the scan sees it (a tuple: a scan builds thousands of them)."""

    subject_type: str  # "problem" or "measure"
    id: int
    problem_id: int
    round_id: int
    number: int
    seq: int | None
    title: str
    kind: str  # the problem's kind: a measure follows its problem's ladder
    deadline: dt.date | None
    state: str
    workflow: str
    leader_id: int | None
    unit_id: int | None  # the lead unit; for a measure its own unit, else its problem's lead unit

    @property
    def key(self) -> tuple[str, int]:
        return self.subject_type, self.id


@dataclass(frozen=True)
class Finding:
    candidate: Candidate
    due: Due
    light: str | None


class Ladders:
    """The compiled ``reminders:`` of every workflow in use."""

    def __init__(self, registry: WorkflowRegistry) -> None:
        self.registry = registry
        self._compiled: dict[str, Reminders | None] = {}
        self.memo: dict[tuple[object, ...], tuple[Due | None, str | None]] = {}

    def of(self, workflow: str) -> Reminders | None:
        if workflow not in self._compiled:
            spec = self.registry.get(workflow).reminders
            self._compiled[workflow] = Reminders(spec) if spec else None
        return self._compiled[workflow]

    def workflows(self) -> list[Workflow]:
        return [self.registry.get(n) for n in self.registry.names()]


def evaluate(c: Candidate, ladders: Ladders, today: dt.date, cal: WorkCalendar) -> Finding | None:
    """The latest firing the item should have had by ``today``; raises ``CalendarYearUnknown``.

    The answer depends only on (workflow, state, kind, deadline, today), which many items
    share: it is worked out once per combination and scan.
    """
    key = (c.workflow, c.state, c.kind, c.deadline, today)
    hit = ladders.memo.get(key)
    if hit is None:
        hit = ladders.memo[key] = _due_for(c, ladders, today, cal)
    return Finding(c, hit[0], hit[1]) if hit[0] is not None else None


def _due_for(c: Candidate, ladders: Ladders, today: dt.date, cal: WorkCalendar) -> tuple[Due | None, str | None]:
    workflow = ladders.registry.get(c.workflow)
    rem = ladders.of(c.workflow)
    if rem is None or workflow.is_final(c.state) or c.state not in workflow.states:
        return None, None
    if workflow.tracks_deadline(c.state):
        ladder = rem.ladder(c.kind)
        if ladder is None or c.deadline is None:
            return None, None
        due = ladder.latest_due(c.deadline, today, cal)
        return (due, light(c.deadline, today, cal, rem.yellow_within)) if due else (None, None)
    if rem.review is None:
        return None, None
    return rem.review.latest_due(today, cal), None


def tracking_states(workflow: Workflow) -> list[str]:
    return [s for s in workflow.states if workflow.tracks_deadline(s)]


def review_states(workflow: Workflow) -> list[str]:
    return [s for s in workflow.states if not workflow.tracks_deadline(s) and not workflow.is_final(s)]


def measure_query() -> Select[Any]:
    return select(
        measures.c.id,
        measures.c.problem_id,
        problems.c.round_id,
        problems.c.number,
        measures.c.seq,
        measures.c.text.label("title"),
        problems.c.kind,
        type_coerce(measures.c.deadline, String).label("deadline"),
        measures.c.state,
        measures.c.workflow,
        problems.c.leader_id,
        func.coalesce(measures.c.unit_id, problems.c.lead_unit_id).label("unit_id"),
    ).join(problems, problems.c.id == measures.c.problem_id)


def problem_query() -> Select[Any]:
    return select(
        problems.c.id,
        problems.c.id.label("problem_id"),
        problems.c.round_id,
        problems.c.number,
        problems.c.number.label("seq"),  # replaced by None below
        problems.c.title,
        problems.c.kind,
        type_coerce(problems.c.deadline, String).label("deadline"),
        problems.c.state,
        problems.c.workflow,
        problems.c.leader_id,
        problems.c.lead_unit_id.label("unit_id"),
    )


TABLES = {"problem": problems, "measure": measures}


def stream(conn: Connection, subject_type: str, where: ColumnElement[bool]) -> Iterator[Candidate]:
    """Candidates matching ``where`` (over the subject's own table), read in chunks so memory stays flat."""
    query = (problem_query() if subject_type == "problem" else measure_query()).where(where)
    # Per statement: Connection.execution_options() would change the connection for what follows.
    result = conn.execute(query.execution_options(yield_per=CHUNK))
    is_problem = subject_type == "problem"
    for id_, problem_id, round_id, number, seq, title, kind, deadline, state, workflow, leader, unit in result:
        yield Candidate(
            subject_type,
            id_,
            problem_id,
            round_id,
            number,
            None if is_problem else seq,
            title,
            kind,
            _date(deadline),
            state,
            workflow,
            leader,
            unit,
        )


@lru_cache(maxsize=4096)
def _parse_date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _date(value: object) -> dt.date | None:
    """Deadlines are read as they are stored (SQLite: text) and parsed once per distinct value:
    thousands of due items share a few dozen deadlines."""
    if value is None or isinstance(value, dt.date):
        return value
    return _parse_date(str(value))


def window_clauses(subject_type: str, workflow: Workflow, dates: list[dt.date]) -> Iterator[ColumnElement[bool]]:
    """``deadline IN (…)`` clauses (chunked) for the open items of one workflow.

    No condition on the round here: given one, SQLite drives the join from the round's
    problems and reads every measure of the round. The caller filters rounds in Python.
    """
    table = TABLES[subject_type]
    states = tracking_states(workflow)
    for start in range(0, len(dates), IN_LIMIT):
        yield and_(
            table.c.deadline.in_(dates[start : start + IN_LIMIT]),
            table.c.state.in_(states),
            table.c.workflow == workflow.name,
        )


def review_clause(subject_type: str, workflow: Workflow, round_ids: list[int]) -> ColumnElement[bool] | None:
    states = review_states(workflow)
    if not states:
        return None
    table = TABLES[subject_type]
    return and_(table.c.state.in_(states), table.c.workflow == workflow.name, problems.c.round_id.in_(round_ids))


def changed_clause(subject_type: str, since: dt.datetime) -> ColumnElement[bool]:
    return TABLES[subject_type].c.updated_at > since


def open_clause(subject_type: str, workflow: Workflow) -> ColumnElement[bool]:
    table = TABLES[subject_type]
    return and_(table.c.workflow == workflow.name, table.c.state.in_(workflow.open_states))


def oldest_deadline(conn: Connection, subject_type: str, workflows: Iterable[Workflow]) -> dt.date | None:
    """The oldest deadline of an open item of any of ``workflows``: the (deadline, state) index read in
    order up to the first open row. (``MIN`` with a condition on the state, or a state list that no row
    of this table is in, would read the whole index on SQLite.)"""
    table = TABLES[subject_type]
    states = sorted({s for w in workflows for s in tracking_states(w)})
    query = (
        select(type_coerce(table.c.deadline, String))
        .where(table.c.deadline.is_not(None), table.c.state.in_(states))
        .order_by(table.c.deadline)
        .limit(1)
    )
    return _date(conn.execute(query).scalar())


def expand(ranges: Iterable[tuple[dt.date, dt.date]]) -> list[dt.date]:
    """Every date of the half-open ranges, sorted, without repeats."""
    days: set[dt.date] = set()
    for lo, hi in ranges:
        day = lo
        while day < hi:
            days.add(day)
            day += dt.timedelta(days=1)
    return sorted(days)
