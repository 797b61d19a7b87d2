"""Verifying the audit chain stored in the database."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, select

from supervise.adapters.tables import audit_head, events
from supervise.domain.audit import ChainReport, EventContent, StoredEvent, verify_chain
from supervise.services.context import Context


def verify(ctx: Context) -> ChainReport:
    """Walk the whole chain in one read transaction, streaming rows so that memory stays flat."""
    with ctx.reading() as conn:
        head_seq, head_hash = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
        return verify_chain(_stream(conn), head_seq, head_hash)


def _stream(conn: Connection) -> Iterator[StoredEvent]:
    # yield_per on the statement, not the connection: it must not leak into later statements.
    result = conn.execute(select(events).order_by(events.c.seq).execution_options(yield_per=2000))
    for r in result:
        content = EventContent(
            r.seq,
            r.subject_type,
            r.subject_id,
            r.subject_ref,
            r.trigger,
            r.from_state,
            r.to_state,
            r.actor_id,
            r.actor_name,
            r.at,
            r.note,
            r.data,
        )
        yield StoredEvent(r.id, content, r.prev_hash, r.hash)
