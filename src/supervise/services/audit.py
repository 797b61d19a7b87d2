"""Verifying the audit chain stored in the database, and what it vouches for.

First the chain itself (every event's hash, every link, the head). Then what the chain
vouches for outside its own rows: the evidence rows each event recorded (same files,
person, time and item), and the round each event is filed under (its subject's round).
The first inconsistency is reported, by the event's place in the chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Table, and_, or_, select

from supervise.adapters.tables import audit_head, events, evidence, measures, problems
from supervise.adapters.tables_oversight import reviews, selfcheck_campaigns, supervision_groups, visits
from supervise.domain.audit import ChainReport, EventContent, Finding, StoredEvent, verify_chain
from supervise.domain.audit_links import EvidenceRow, evidence_finding, round_finding
from supervise.services.context import Context

# The tables whose rows events are about, by subject type, each with its round (measures: their problem's).
_SUBJECTS: dict[str, Table] = {
    "problem": problems,
    "group": supervision_groups,
    "visit": visits,
    "selfcheck": selfcheck_campaigns,
    "review": reviews,
}


def verify(ctx: Context) -> ChainReport:
    """Walk the whole chain in one read transaction, streaming rows so that memory stays flat; then the links."""
    with ctx.reading() as conn:
        head_seq, head_hash = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
        report = verify_chain(_stream(conn), head_seq, head_hash)
        if not report.ok:
            return report
        found = [f for f in (_evidence_finding(conn), _round_finding(conn)) if f is not None]
        return ChainReport(report.checked, min(found, key=lambda f: f.seq) if found else None)


def content_of(r: Any) -> EventContent:
    """An event row's hashed content (``r`` maps column names to values)."""
    return EventContent(
        r["seq"],
        r["subject_type"],
        r["subject_id"],
        r["subject_ref"],
        r["trigger"],
        r["from_state"],
        r["to_state"],
        r["actor_id"],
        r["actor_name"],
        r["at"],
        r["note"],
        r["data"],
    )


def _stream(conn: Connection, query: Any = None) -> Iterator[StoredEvent]:
    # yield_per on the statement, not the connection: it must not leak into later statements.
    query = select(events).order_by(events.c.seq) if query is None else query
    for r in conn.execute(query.execution_options(yield_per=2000)).mappings():
        yield StoredEvent(r["id"], content_of(r), r["prev_hash"], r["hash"])


def _evidence_finding(conn: Connection) -> Finding | None:
    """Evidence rows against the events that recorded them: only those events and rows are read."""
    rows: dict[int | None, list[EvidenceRow]] = {}
    query = select(evidence, measures.c.problem_id.label("measure_problem_id")).outerjoin(
        measures, measures.c.id == evidence.c.measure_id
    )
    for r in conn.execute(query.order_by(evidence.c.id)).mappings():
        row = EvidenceRow(
            r["id"],
            r["event_id"],
            r["problem_id"],
            r["measure_id"],
            r["measure_problem_id"],
            r["description"],
            r["sha256"],
            r["person_id"],
            r["created_at"],
        )
        rows.setdefault(row.event_id, []).append(row)
    if None in rows:
        return Finding("inserted", None, 0, f"evidence row {rows[None][0].id} belongs to no event")
    recorded = events.c.data.like('%"evidence":[{%')
    filed = select(evidence.c.event_id).where(evidence.c.event_id.is_not(None))
    query = select(events).where(or_(recorded, events.c.id.in_(filed))).order_by(events.c.seq)
    seen: set[int] = set()
    for event in _stream(conn, query):
        seen.add(event.id)
        finding = evidence_finding(event, rows.get(event.id, []))
        if finding is not None:
            return finding
    orphans = sorted(e for e in rows if e is not None and e not in seen)
    if orphans:
        return Finding("inserted", None, 0, f"evidence filed under event {orphans[0]}, which does not exist")
    return None


def _round_finding(conn: Connection) -> Finding | None:
    """The first event filed under a round other than its subject's (by seq)."""
    found = []
    for subject_type, table in _SUBJECTS.items():
        owner = table.c.round_id
        query = select(events.c.id, events.c.seq, events.c.round_id, owner).join(
            table, and_(events.c.subject_type == subject_type, table.c.id == events.c.subject_id)
        )
        found.append(query.where(or_(events.c.round_id.is_(None), events.c.round_id != owner)))
    owner = problems.c.round_id
    found.append(
        select(events.c.id, events.c.seq, events.c.round_id, owner)
        .join(measures, and_(events.c.subject_type == "measure", measures.c.id == events.c.subject_id))
        .join(problems, problems.c.id == measures.c.problem_id)
        .where(or_(events.c.round_id.is_(None), events.c.round_id != owner))
    )
    first = [r for q in found if (r := conn.execute(q.order_by(events.c.seq).limit(1)).first()) is not None]
    if not first:
        return None
    event_id, seq, filed, actual = min(first, key=lambda r: r[1])
    return round_finding(event_id, seq, filed, actual)
