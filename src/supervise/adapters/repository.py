"""SQL for the ledger's hot paths, in SQLAlchemy Core over one connection.

The transition path reads and writes a handful of rows per call; ORM sessions cost
about 18x the raw statements there, so this module speaks Core and returns plain
tuples and dataclasses. The caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Update, bindparam, func, insert, select, update

from supervise.adapters.tables import (
    audit_head,
    events,
    evidence,
    measures,
    people,
    person_roles,
    problem_units,
    problems,
    rounds,
)
from supervise.domain.audit import EventContent, link
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


def find_rounds(conn: Connection, token: str | None) -> list[RoundRow]:
    query = select(rounds.c.id, rounds.c.name, rounds.c.code, rounds.c.timezone).order_by(rounds.c.id)
    if token is not None:
        match = (rounds.c.name == token) | (rounds.c.code == token)
        if token.isdigit():
            match = match | (rounds.c.id == int(token))
        query = query.where(match)
    return [RoundRow(*row) for row in conn.execute(query.limit(50))]


def load_actor(conn: Connection, name: str) -> Actor | None:
    rows = conn.execute(
        select(people.c.id, people.c.unit_id, person_roles.c.role)
        .select_from(people.outerjoin(person_roles, person_roles.c.person_id == people.c.id))
        .where(people.c.name == name)
    ).all()
    if not rows:
        return None
    return Actor(rows[0][0], name, frozenset(r[2] for r in rows if r[2]), rows[0][1])


_PROBLEM_COLUMNS = (
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


def load_problems(conn: Connection, round_id: int, numbers: Sequence[int], lock: bool) -> dict[int, ItemRow]:
    """Problems by number, with their units; ``lock`` takes row locks where the backend has them."""
    query = select(*_PROBLEM_COLUMNS).where(problems.c.round_id == round_id, problems.c.number.in_(numbers))
    if lock:
        query = query.order_by(problems.c.id).with_for_update()
    rows = conn.execute(query).all()
    co_units = _co_units(conn, [r.id for r in rows])
    return {
        r.number: ItemRow(
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
            frozenset(u for u in (r.lead_unit_id, *co_units.get(r.id, ())) if u is not None),
            r.submitted_by_id,
            r.rebound_count,
        )
        for r in rows
    }


def load_measures(
    conn: Connection, round_id: int, keys: Sequence[tuple[int, int]], lock: bool
) -> dict[tuple[int, int], ItemRow]:
    """Measures by (problem number, seq). A measure's units: its own and its problem's lead unit."""
    numbers = sorted({n for n, _ in keys})
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
        .where(problems.c.round_id == round_id, problems.c.number.in_(numbers))
    )
    if lock:
        query = query.order_by(measures.c.id).with_for_update(of=measures)
    wanted = set(keys)
    out = {}
    for r in conn.execute(query):
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


def _co_units(conn: Connection, problem_ids: list[int]) -> dict[int, list[int]]:
    if not problem_ids:
        return {}
    out: dict[int, list[int]] = {}
    query = select(problem_units.c.problem_id, problem_units.c.unit_id).where(
        problem_units.c.problem_id.in_(problem_ids)
    )
    for problem_id, unit_id in conn.execute(query):
        out.setdefault(problem_id, []).append(unit_id)
    return out


def measure_states(conn: Connection, problem_id: int) -> list[tuple[int, str, str]]:
    """(seq, state, workflow) of every measure of a problem."""
    query = select(measures.c.seq, measures.c.state, measures.c.workflow).where(measures.c.problem_id == problem_id)
    return [(r.seq, r.state, r.workflow) for r in conn.execute(query.order_by(measures.c.seq))]


def has_evidence(conn: Connection, item: ItemRow) -> bool:
    column = evidence.c.measure_id if item.kind == "measure" else evidence.c.problem_id
    return conn.execute(select(func.count()).where(column == item.id)).scalar_one() > 0


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


def write_items(conn: Connection, kind: str, changes: Sequence[dict[str, Any]]) -> int:
    """Apply state changes guarded by version; returns how many rows moved.

    Each change has ``item_id``, ``expected`` (the version read), ``now`` and the new
    column values (same keys in every change of one call).
    """
    if not changes:
        return 0
    columns = tuple(sorted(k for k in changes[0] if k not in ("item_id", "expected", "now")))
    table = _TABLES[kind]
    stmt = _update_stmt(kind, columns)
    params = [
        {
            "item_id": c["item_id"],
            "expected": c["expected"],
            "now": c["now"],
            **{f"v_{k}": c[k] for k in columns},
        }
        for c in changes
    ]
    if len(params) == 1:
        return conn.execute(stmt, params[0]).rowcount
    if conn.dialect.supports_sane_multi_rowcount:
        return conn.execute(stmt, params).rowcount
    # Without a reliable executemany rowcount, the rows were locked when read: recount them.
    conn.execute(stmt, params)
    ids = [c["item_id"] for c in changes]
    return sum(1 for _ in conn.execute(select(table.c.id).where(table.c.id.in_(ids))))


def append_events(conn: Connection, contents_for: Iterable[tuple[int | None, dict[str, Any]]]) -> list[int]:
    """Append events to the chain under the head lock; returns their ids in order.

    ``contents_for`` yields (round_id, fields) where fields are ``EventContent``'s
    minus ``seq``. The head row is read FOR UPDATE and rewritten, so that appends from
    concurrent transactions queue up instead of forking the chain.
    """
    head_seq, head_hash = conn.execute(
        select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
    ).one()
    items = list(contents_for)
    contents = [EventContent(seq=head_seq + i + 1, **fields) for i, (_, fields) in enumerate(items)]
    links = link(contents, head_hash)
    rows = [
        {
            "seq": c.seq,
            "round_id": round_id,
            "subject_type": c.subject_type,
            "subject_id": c.subject_id,
            "subject_ref": c.subject_ref,
            "trigger": c.trigger,
            "from_state": c.from_state,
            "to_state": c.to_state,
            "actor_id": c.actor_id,
            "actor_name": c.actor_name,
            "at": c.at,
            "note": c.note,
            "data": c.data,
            "prev_hash": prev,
            "hash": h,
        }
        for (round_id, _), c, (prev, h) in zip(items, contents, links, strict=True)
    ]
    if len(rows) == 1:
        ids = [conn.execute(insert(events).returning(events.c.id), rows[0]).scalar_one()]
    else:
        conn.execute(insert(events), rows)
        ids = list(conn.execute(select(events.c.id).where(events.c.seq > head_seq).order_by(events.c.seq)).scalars())
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=contents[-1].seq, hash=links[-1][1]))
    return ids


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
