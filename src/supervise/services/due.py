"""Finding the items a scan must look at, and what each is due, with indexed queries.

Three ways in, all reading the same candidate rows:

- the *window*: items whose deadline puts a ladder firing between the last scan and
  now — ``deadline IN (dates)`` on the (deadline, state) index, so a scan reads the
  due rows and not the ledger;
- the *changes*: items updated since the last scan (index on ``updated_at``), so an
  import, an ``extend`` or a reopening is looked at within one scan interval;
- the *full* pass: every open item, on the first scan and when asked.

Each candidate is then evaluated with the ladder: its latest due firing, if any.

A scan reads thousands of rows and keeps few of them, so the rows stay the driver's rows
(positions below) until one is found due: no object is built per candidate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, NamedTuple, cast

from sqlalchemy import ColumnElement, Connection, Integer, Select, String, and_, func, null, select, type_coerce

from supervise.adapters.tables import measures, problems
from supervise.domain.calendar import CalendarYearUnknown, WorkCalendar
from supervise.domain.ladder import Due, Reminders
from supervise.domain.lights import light
from supervise.domain.registry import WorkflowRegistry
from supervise.domain.workflow import Workflow

CHUNK = 2000
IN_LIMIT = 500  # dates per IN list

# The columns of a candidate row, in this order (``measure_query``, ``problem_query``). The ladder's
# answer depends only on the first ``KEY`` of them, so ``row[:KEY]`` is the row's memo key.
WORKFLOW, STATE, KIND, DEADLINE, ID, PROBLEM_ID, ROUND_ID, NUMBER, SEQ, TITLE, LEADER_ID, UNIT_ID = range(12)
KEY = 4
# kind: the problem's kind (a measure follows its problem's ladder); deadline: as stored (SQLite:
# text); seq: a measure's number within its problem, None for a problem; unit_id: the lead unit —
# for a measure its own unit, else its problem's lead unit.

Row = tuple[Any, ...]  # SQLAlchemy's rows act as tuples: indexing, and a slice is a plain tuple
Hit = tuple[Due, str | None, dt.date | None]
"""What a due row is due: the firing, the item's light, and its deadline as a date."""


class Candidate(NamedTuple):
    """One problem or measure with its deadline as a date, for readers of few rows (``remind plan``)."""

    subject_type: str  # "problem" or "measure"
    id: int
    problem_id: int
    round_id: int
    number: int
    seq: int | None
    title: str
    kind: str
    deadline: dt.date | None
    state: str
    workflow: str
    leader_id: int | None
    unit_id: int | None

    @property
    def key(self) -> tuple[str, int]:
        return self.subject_type, self.id


class Ladders:
    """The compiled ``reminders:`` of every workflow in use."""

    def __init__(self, registry: WorkflowRegistry) -> None:
        self.registry = registry
        self._compiled: dict[str, Reminders | None] = {}

    def of(self, workflow: str) -> Reminders | None:
        if workflow not in self._compiled:
            spec = self.registry.get(workflow).reminders
            self._compiled[workflow] = Reminders(spec) if spec else None
        return self._compiled[workflow]

    def workflows(self) -> list[Workflow]:
        return [self.registry.get(n) for n in self.registry.names()]


class Evaluator:
    """The latest firing each row should have had by ``today``.

    The answer depends only on (workflow, state, kind, deadline), which many items share: it is
    worked out once per combination (``memo``). A year the calendar does not know is handed to
    ``on_gap`` and the rows it hides are not due this time.
    """

    def __init__(
        self,
        ladders: Ladders,
        today: dt.date,
        cal: WorkCalendar,
        on_gap: Callable[[CalendarYearUnknown], None],
    ) -> None:
        self.ladders, self.today, self.cal, self.on_gap = ladders, today, cal, on_gap
        self.memo: dict[tuple[Any, ...], Hit | None] = {}

    def __call__(self, key: tuple[Any, ...]) -> Hit | None:
        if key not in self.memo:
            try:
                self.memo[key] = self._work_out(*key)
            except CalendarYearUnknown as exc:
                self.on_gap(exc)
                self.memo[key] = None
        return self.memo[key]

    def _work_out(self, name: str, state: str, kind: str, stored: object) -> Hit | None:
        workflow = self.ladders.registry.get(name)
        rem = self.ladders.of(name)
        if rem is None or workflow.is_final(state) or state not in workflow.states:
            return None
        deadline = _date(stored)
        if workflow.tracks_deadline(state):
            ladder = rem.ladder(kind)
            if ladder is None or deadline is None:
                return None
            due = ladder.latest_due(deadline, self.today, self.cal)
            return (due, light(deadline, self.today, self.cal, rem.yellow_within), deadline) if due else None
        if rem.review is None:
            return None
        return rem.review.latest_due(self.today, self.cal), None, deadline


_UNSEEN: Any = object()  # not in the memo yet (None there means: not due)


def due_rows(
    conn: Connection,
    subject_type: str,
    where: ColumnElement[bool],
    evaluate: Evaluator,
    seen: set[int] | None,
    round_ids: Container[int] | None = None,
) -> Iterator[list[tuple[Row, Hit]]]:
    """The rows matching ``where`` that are due, with what each is due, in batches: a batch goes out
    once it holds ``CHUNK`` rows, and at the end.

    Rows of rounds outside ``round_ids`` (None: every round) are left for another time zone's
    pass; every other row is looked at once per ``seen`` (ids of this subject type; None when
    no other query of the scan can return the same row).
    """
    memo = evaluate.memo
    out: list[tuple[Row, Hit]] = []
    for rows in _partitions(conn, subject_type, where):
        for row in rows:  # the hot loop of a scan: plain indexing and dict lookups only
            if round_ids is not None and row[ROUND_ID] not in round_ids:
                continue
            if seen is not None:
                if row[ID] in seen:
                    continue
                seen.add(row[ID])
            key = row[:KEY]
            hit = memo.get(key, _UNSEEN)
            if hit is _UNSEEN:
                hit = evaluate(key)
            if hit is not None:
                out.append((row, hit))
        if len(out) >= CHUNK:
            yield out
            out = []
    if out:
        yield out


def tracking_states(workflow: Workflow) -> list[str]:
    return [s for s in workflow.states if workflow.tracks_deadline(s)]


def review_states(workflow: Workflow) -> list[str]:
    return [s for s in workflow.states if not workflow.tracks_deadline(s) and not workflow.is_final(s)]


def measure_query() -> Select[Any]:
    return select(
        measures.c.workflow,
        measures.c.state,
        problems.c.kind,
        type_coerce(measures.c.deadline, String).label("deadline"),
        measures.c.id,
        measures.c.problem_id,
        problems.c.round_id,
        problems.c.number,
        measures.c.seq,
        measures.c.text.label("title"),
        problems.c.leader_id,
        func.coalesce(measures.c.unit_id, problems.c.lead_unit_id).label("unit_id"),
    ).join(problems, problems.c.id == measures.c.problem_id)


def problem_query() -> Select[Any]:
    return select(
        problems.c.workflow,
        problems.c.state,
        problems.c.kind,
        type_coerce(problems.c.deadline, String).label("deadline"),
        problems.c.id,
        problems.c.id.label("problem_id"),
        problems.c.round_id,
        problems.c.number,
        type_coerce(null(), Integer).label("seq"),
        problems.c.title,
        problems.c.leader_id,
        problems.c.lead_unit_id.label("unit_id"),
    )


TABLES = {"problem": problems, "measure": measures}


def _partitions(conn: Connection, subject_type: str, where: ColumnElement[bool]) -> Iterator[Sequence[Row]]:
    """Candidate rows matching ``where`` (over the subject's own table), read in chunks so memory stays flat."""
    query = (problem_query() if subject_type == "problem" else measure_query()).where(where)
    if conn.dialect.name == "postgresql":
        # yield_per reads through a server-side cursor, which PostgreSQL plans for its first 10% of
        # rows (cursor_tuple_fraction): for the window over 1M measures, a plan 3-5x slower than the
        # plain query's. The scan reads every row. LOCAL: until the end of this transaction.
        conn.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
    # Per statement: Connection.execution_options() would change the connection for what follows.
    result = conn.execute(query.execution_options(yield_per=CHUNK))
    yield from cast(Iterator[Sequence[Row]], result.partitions())


def stream(conn: Connection, subject_type: str, where: ColumnElement[bool]) -> Iterator[Candidate]:
    """Candidates matching ``where``, each as a ``Candidate`` with its deadline as a date."""
    for rows in _partitions(conn, subject_type, where):
        for row in rows:
            yield Candidate(
                subject_type,
                row[ID],
                row[PROBLEM_ID],
                row[ROUND_ID],
                row[NUMBER],
                row[SEQ],
                row[TITLE],
                row[KIND],
                _date(row[DEADLINE]),
                row[STATE],
                row[WORKFLOW],
                row[LEADER_ID],
                row[UNIT_ID],
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
