"""The audit chain's end: appending events under the head lock, in the caller's transaction.

Appending reads the single ``audit_head`` row FOR UPDATE and rewrites it, so that appends
from concurrent transactions queue up instead of forking the chain. Callers take the head
last in their transaction (after the item rows), which keeps the lock order fixed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from supervise.adapters.tables import audit_head, events
from supervise.domain.audit import EventContent, canonical_json, link
from supervise.domain.rules import Actor

HEAD = select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
INSERT_EVENT = insert(events)
INSERT_EVENT_RETURNING = insert(events).returning(events.c.id)
EVENT_IDS_AFTER = select(events.c.id).where(events.c.seq > bindparam("seq")).order_by(events.c.seq)
SET_HEAD = update(audit_head).where(audit_head.c.id == 1).values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
NEW_EVENT = (
    insert(events)
    .values({c.name: bindparam(f"e_{c.name}") for c in events.columns if c.name != "id"})
    .returning(events.c.id)
    .cte("new_event")
)
INSERT_EVENT_SET_HEAD = SET_HEAD.returning(select(NEW_EVENT.c.id).scalar_subquery())


def append_events(conn: Connection, contents_for: Iterable[tuple[int | None, dict[str, Any]]]) -> list[int]:
    """Append events to the chain under the head lock; returns their ids in order.

    ``contents_for`` yields (round_id, fields) where fields are ``EventContent``'s
    minus ``seq``. The head row is read FOR UPDATE and rewritten, so that appends from
    concurrent transactions queue up instead of forking the chain.
    """
    head_seq, head_hash = conn.execute(HEAD).one()
    items = list(contents_for)
    if len(items) == 1:
        return [append_after(conn, head_seq, head_hash, items[0])]
    contents = [EventContent(seq=head_seq + i + 1, **fields) for i, (_, fields) in enumerate(items)]
    links = link(contents, head_hash)
    rows = [event_row(round_id, c, prev, h) for (round_id, _), c, (prev, h) in zip(items, contents, links, strict=True)]
    conn.execute(INSERT_EVENT, rows)
    ids = list(conn.execute(EVENT_IDS_AFTER, {"seq": head_seq}).scalars())
    conn.execute(SET_HEAD, {"new_seq": contents[-1].seq, "new_hash": links[-1][1]})
    return ids


def append_after(conn: Connection, head_seq: int, head_hash: str, event: tuple[int | None, dict[str, Any]]) -> int:
    """Append one event after the head the caller has just read under lock; returns its id.

    On PostgreSQL the INSERT rides in a CTE of the head's UPDATE: one round trip, not two.
    """
    round_id, fields = event
    content = EventContent(seq=head_seq + 1, **fields)
    ((prev, h),) = link([content], head_hash)
    row = event_row(round_id, content, prev, h)
    if conn.dialect.name == "postgresql":
        params = {**{f"e_{k}": v for k, v in row.items()}, "new_seq": content.seq, "new_hash": h}
        return int(conn.execute(INSERT_EVENT_SET_HEAD, params).scalar_one())
    event_id = int(conn.execute(INSERT_EVENT_RETURNING, row).scalar_one())
    conn.execute(SET_HEAD, {"new_seq": content.seq, "new_hash": h})
    return event_id


def event_row(round_id: int | None, c: EventContent, prev_hash: str, hash_: str) -> dict[str, Any]:
    return {
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
        "prev_hash": prev_hash,
        "hash": hash_,
    }


def record_event(
    conn: Connection,
    round_id: int | None,
    *,
    subject: tuple[str, int, str],
    trigger: str,
    actor: Actor | None,
    at: dt.datetime,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    states: tuple[str | None, str | None] = (None, None),
) -> int:
    """Append one event that is not a workflow transition (a progress note, a visit, a self-check answer).

    ``subject`` is (type, id, ref); ``states`` is (from, to), equal when the item's state does not change.
    """
    subject_type, subject_id, ref = subject
    (event_id,) = append_events(
        conn,
        [
            (
                round_id,
                {
                    "subject_type": subject_type,
                    "subject_id": subject_id,
                    "subject_ref": ref,
                    "trigger": trigger,
                    "from_state": states[0],
                    "to_state": states[1],
                    "actor_id": actor.id if actor else None,
                    "actor_name": actor.name if actor else "supervise",
                    "at": at,
                    "note": note,
                    "data": canonical_json(data or {}),
                },
            )
        ],
    )
    return event_id
