"""SQL for the ledger's hot paths, in SQLAlchemy Core over one connection.

The transition path reads and writes a handful of rows per call; ORM sessions cost
about 18x the raw statements there, so this module speaks Core and returns plain
tuples and dataclasses. The caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Connection, Select, Update, bindparam, func, insert, literal, select, update

from supervise.adapters import chain
from supervise.adapters.tables import (
    audit_head,
    evidence,
    measures,
    people,
    person_roles,
    problem_units,
    problems,
    rounds,
)
from supervise.domain.rules import Actor


@dataclass(frozen=True)
class RoundRow:
    id: int
    name: str
    code: str | None
    timezone: str


@dataclass(frozen=True)
class ItemRow:
    """One problem or measure as the transition path needs it."""

    id: int
    kind: str  # "problem" or "measure"
    ref: str
    round_id: int
    problem_id: int
    state: str
    version: int
    workflow: str
    deadline: dt.date | None
    leader_id: int | None
    unit_ids: frozenset[int]
    submitted_by_id: int | None
    rebound_count: int = 0


@dataclass(frozen=True)
class NewEvidence:
    description: str
    location: str
    sha256: str


# The hot-path statements are built once, here, with bound parameters. Building a Core
# statement per call and computing its cache key cost about 45 µs per statement, three
# times what executing it costs; a statement object built once keeps its cache key.
_ROUNDS = select(rounds.c.id, rounds.c.name, rounds.c.code, rounds.c.timezone).order_by(rounds.c.id).limit(50)
_ROUNDS_BY_TOKEN = _ROUNDS.where((rounds.c.name == bindparam("token")) | (rounds.c.code == bindparam("token")))
_ROUNDS_BY_TOKEN_OR_ID = _ROUNDS.where(
    (rounds.c.name == bindparam("token")) | (rounds.c.code == bindparam("token")) | (rounds.c.id == bindparam("id"))
)
_ACTOR = (
    select(people.c.id, people.c.unit_id, person_roles.c.role)
    .select_from(people.outerjoin(person_roles, person_roles.c.person_id == people.c.id))
    .where(people.c.name == bindparam("name"))
)


def find_rounds(conn: Connection, token: str | None) -> list[RoundRow]:
    if token is None:
        result = conn.execute(_ROUNDS)
    elif token.isdigit():
        result = conn.execute(_ROUNDS_BY_TOKEN_OR_ID, {"token": token, "id": int(token)})
    else:
        result = conn.execute(_ROUNDS_BY_TOKEN, {"token": token})
    return [RoundRow(*row) for row in result]


def load_actor(conn: Connection, name: str) -> Actor | None:
    rows = conn.execute(_ACTOR, {"name": name}).all()
    if not rows:
        return None
    return Actor(rows[0][0], name, frozenset(r[2] for r in rows if r[2]), rows[0][1])


PROBLEM_COLUMNS = (
    problems.c.id,
    problems.c.number,
    problems.c.round_id,
    problems.c.state,
    problems.c.version,
    problems.c.workflow,
    problems.c.deadline,
    problems.c.leader_id,
    problems.c.lead_unit_id,
    problems.c.submitted_by_id,
    problems.c.rebound_count,
)


@cache
def _problems_stmt(one: bool, lock: bool) -> Select[Any]:
    """By one number (``=``, the common case) or by many (an expanding ``IN``); locked or not.

    The co-responsible units come in the same statement (one row per co-unit, or one row
    with NULL), which saves a round trip per transition. Only the problems are locked:
    PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    """
    number = problems.c.number == bindparam("number") if one else problems.c.number.in_(bindparam("numbers"))
    query = (
        select(*PROBLEM_COLUMNS, problem_units.c.unit_id.label("co_unit_id"))
        .select_from(problems.outerjoin(problem_units, problem_units.c.problem_id == problems.c.id))
        .where(problems.c.round_id == bindparam("round_id"), number)
    )
    return query.order_by(problems.c.id).with_for_update(of=problems) if lock else query


def load_problems(conn: Connection, round_id: int, numbers: Sequence[int], lock: bool) -> dict[int, ItemRow]:
    """Problems by number, with their units; ``lock`` takes row locks where the backend has them."""
    if len(numbers) == 1:
        params: dict[str, Any] = {"round_id": round_id, "number": numbers[0]}
    else:
        params = {"round_id": round_id, "numbers": list(numbers)}
    return problem_items(conn.execute(_problems_stmt(len(numbers) == 1, lock), params))


def problem_items(rows: Iterable[Any]) -> dict[int, ItemRow]:
    """Problems from rows of ``PROBLEM_COLUMNS`` plus ``co_unit_id`` (one row per co-unit)."""
    first: dict[int, Any] = {}  # number -> its first row
    co_units: dict[int, list[int]] = {}
    for r in rows:
        first.setdefault(r.number, r)
        if r.co_unit_id is not None:
            co_units.setdefault(r.number, []).append(r.co_unit_id)
    return {
        number: ItemRow(
            r.id,
            "problem",
            str(r.number),
            r.round_id,
            r.id,
            r.state,
            r.version,
            r.workflow,
            r.deadline,
            r.leader_id,
            frozenset(u for u in (r.lead_unit_id, *co_units.get(number, ())) if u is not None),
            r.submitted_by_id,
            r.rebound_count,
        )
        for number, r in first.items()
    }


def load_measures(
    conn: Connection, round_id: int, keys: Sequence[tuple[int, int]], lock: bool
) -> dict[tuple[int, int], ItemRow]:
    """Measures by (problem number, seq). A measure's units: its own and its problem's lead unit."""
    numbers = sorted({n for n, _ in keys})
    wanted = set(keys)
    out = {}
    for r in conn.execute(_measures_stmt(lock), {"round_id": round_id, "numbers": numbers}):
        if (r.number, r.seq) in wanted:
            units = frozenset(u for u in (r.unit_id, r.lead_unit_id) if u is not None)
            out[(r.number, r.seq)] = ItemRow(
                r.id,
                "measure",
                f"{r.number}.{r.seq}",
                round_id,
                r.problem_id,
                r.state,
                r.version,
                r.workflow,
                r.deadline,
                r.leader_id,
                units,
                r.submitted_by_id,
            )
    return out


@cache
def _measures_stmt(lock: bool) -> Select[Any]:
    query = (
        select(
            measures.c.id,
            measures.c.seq,
            measures.c.state,
            measures.c.version,
            measures.c.workflow,
            measures.c.deadline,
            measures.c.unit_id,
            measures.c.submitted_by_id,
            problems.c.id.label("problem_id"),
            problems.c.number,
            problems.c.leader_id,
            problems.c.lead_unit_id,
        )
        .join(problems, problems.c.id == measures.c.problem_id)
        .where(problems.c.round_id == bindparam("round_id"), problems.c.number.in_(bindparam("numbers")))
    )
    return query.order_by(measures.c.id).with_for_update(of=measures) if lock else query


_MEASURE_STATES = (
    select(measures.c.seq, measures.c.state, measures.c.workflow)
    .where(measures.c.problem_id == bindparam("problem_id"))
    .order_by(measures.c.seq)
)
_HAS_EVIDENCE = {
    kind: select(func.count()).where(column == bindparam("item_id"))
    for kind, column in (("problem", evidence.c.problem_id), ("measure", evidence.c.measure_id))
}


def measure_states(conn: Connection, problem_id: int) -> list[tuple[int, str, str]]:
    """(seq, state, workflow) of every measure of a problem."""
    return [(r.seq, r.state, r.workflow) for r in conn.execute(_MEASURE_STATES, {"problem_id": problem_id})]


def has_evidence(conn: Connection, item: ItemRow) -> bool:
    return conn.execute(_HAS_EVIDENCE[item.kind], {"item_id": item.id}).scalar_one() > 0


_TABLES = {"problem": problems, "measure": measures}


@lru_cache(maxsize=64)
def _update_stmt(kind: str, columns: tuple[str, ...]) -> Update:
    table = _TABLES[kind]
    return (
        update(table)
        .where(table.c.id == bindparam("item_id"), table.c.version == bindparam("expected"))
        .values(
            version=table.c.version + 1,
            updated_at=bindparam("now"),
            **{c: bindparam(f"v_{c}") for c in columns},
        )
    )


def _changed_columns(change: dict[str, Any]) -> tuple[str, ...]:
    return tuple(sorted(k for k in change if k not in ("item_id", "expected", "now")))


def _update_params(change: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    return {
        "item_id": change["item_id"],
        "expected": change["expected"],
        "now": change["now"],
        **{f"v_{k}": change[k] for k in columns},
    }


def write_items(conn: Connection, kind: str, changes: Sequence[dict[str, Any]]) -> int:
    """Apply state changes guarded by version; returns how many rows moved.

    Each change has ``item_id``, ``expected`` (the version read), ``now`` and the new
    column values (same keys in every change of one call).
    """
    if not changes:
        return 0
    columns = _changed_columns(changes[0])
    table = _TABLES[kind]
    stmt = _update_stmt(kind, columns)
    params = [_update_params(c, columns) for c in changes]
    if len(params) == 1:
        return conn.execute(stmt, params[0]).rowcount
    if conn.dialect.supports_sane_multi_rowcount:
        return conn.execute(stmt, params).rowcount
    # Without a reliable executemany rowcount, the rows were locked when read: recount them.
    conn.execute(stmt, params)
    ids = [c["item_id"] for c in changes]
    return sum(1 for _ in conn.execute(select(table.c.id).where(table.c.id.in_(ids))))


def move_one(
    conn: Connection, kind: str, change: dict[str, Any], event: tuple[int | None, dict[str, Any]]
) -> int | None:
    """One item's guarded state change and its audit event; the event's id, or None if the version guard failed.

    The same writes as ``write_items`` then ``append_events``, in the same order (item
    row, then head), in fewer statements: the item's UPDATE also reads the chain's head —
    on PostgreSQL the UPDATE rides in a CTE of the head's SELECT ... FOR UPDATE, on SQLite
    (no data-modifying CTEs, but writers are serialised by BEGIN IMMEDIATE) the UPDATE
    returns the head — and ``chain.append_after`` writes the event and the new head.
    """
    columns = _changed_columns(change)
    stmt = (
        _update_then_head(kind, columns) if conn.dialect.name == "postgresql" else _update_returning_head(kind, columns)
    )
    head = conn.execute(stmt, _update_params(change, columns)).first()
    if head is None or head.moved != 1:
        return None  # the transaction is rolled back by the caller's Conflict; a head lock goes with it
    return chain.append_after(conn, head.seq, head.hash, event)


@cache
def _update_then_head(kind: str, columns: tuple[str, ...]) -> Select[Any]:
    table = _TABLES[kind]
    moved = _update_stmt(kind, columns).returning(table.c.id).cte("moved")
    return (
        select(
            audit_head.c.seq,
            audit_head.c.hash,
            select(func.count()).select_from(moved).scalar_subquery().label("moved"),
        )
        .where(audit_head.c.id == 1)
        .with_for_update(of=audit_head)
    )


@cache
def _update_returning_head(kind: str, columns: tuple[str, ...]) -> Update:
    """No row when the version guard fails; else the head as it stands."""
    head = audit_head.c.id == 1
    return _update_stmt(kind, columns).returning(
        select(audit_head.c.seq).where(head).scalar_subquery().label("seq"),
        select(audit_head.c.hash).where(head).scalar_subquery().label("hash"),
        literal(1).label("moved"),
    )


def add_evidence(
    conn: Connection,
    item: ItemRow,
    event_id: int,
    person_id: int,
    files: Sequence[NewEvidence],
    now: dt.datetime,
) -> None:
    conn.execute(
        insert(evidence),
        [
            {
                "problem_id": item.problem_id,
                "measure_id": item.id if item.kind == "measure" else None,
                "event_id": event_id,
                "description": f.description,
                "location": f.location,
                "sha256": f.sha256,
                "person_id": person_id,
                "created_at": now,
            }
            for f in files
        ],
    )
