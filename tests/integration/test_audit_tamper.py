"""The audit history is append-only in the database, and the chain catches whoever gets past that."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from supervise.services import audit
from supervise.services.transitions import Advance, advance


@pytest.fixture
def history(walkthrough):
    """Five events: the import's create, three starts and an extension."""
    for ref in ("13", "13.1", "13.2"):
        advance(walkthrough, Advance(ref, "start", "李四"))
    advance(walkthrough, Advance("13.1", "extend", "张三", "延期", deadline=dt.date(2024, 2, 29)))
    assert audit.verify(walkthrough).checked == 5
    return walkthrough


def tamper(ctx, *statements: str) -> None:
    """Run SQL as someone with direct database access who first switches the append-only guard off."""
    with ctx.writing() as conn:
        _disable_guard(conn)
        for statement in statements:
            conn.execute(text(statement))


def _disable_guard(conn: Connection) -> None:
    for table in ("events", "evidence"):
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_update"))
        else:
            conn.execute(text(f"DROP TRIGGER {table}_no_update"))
            conn.execute(text(f"DROP TRIGGER {table}_no_delete"))


@pytest.mark.parametrize(
    "statement", ["UPDATE events SET note = 'x' WHERE seq = 2", "DELETE FROM events WHERE seq = 2"]
)
def test_the_database_refuses_to_change_or_delete_history(history, statement):
    with pytest.raises(DBAPIError, match="append-only"), history.writing() as conn:
        conn.execute(text(statement))
    assert audit.verify(history).ok


def test_it_names_an_event_edited_by_hand(history):
    tamper(history, "UPDATE events SET actor_name = '王五' WHERE seq = 3")
    report = audit.verify(history)
    assert (report.finding.kind, report.finding.seq, report.checked) == ("altered", 3, 2)


def test_it_names_an_event_deleted_by_hand(history):
    tamper(history, "DELETE FROM events WHERE seq = 3")
    finding = audit.verify(history).finding
    assert (finding.kind, finding.seq) == ("removed", 3)


def test_it_names_the_last_event_deleted_by_hand(history):
    tamper(history, "DELETE FROM events WHERE seq = 5")
    finding = audit.verify(history).finding
    assert (finding.kind, finding.seq) == ("removed", 5)


def test_it_names_an_event_inserted_by_hand(history):
    tamper(
        history,
        "INSERT INTO events (seq, round_id, subject_type, subject_id, subject_ref, trigger, from_state, to_state,"
        " actor_id, actor_name, at, note, data, prev_hash, hash)"
        " SELECT 6, round_id, subject_type, subject_id, subject_ref, 'close', 'in_progress', 'closed', actor_id,"
        " actor_name, at, note, data, hash, 'f' || substr(hash, 2) FROM events WHERE seq = 5",
    )
    finding = audit.verify(history).finding
    assert (finding.kind, finding.seq) in {("altered", 6), ("inserted", 6)}


def test_it_names_events_reordered_by_hand(history):
    tamper(
        history,
        "UPDATE events SET seq = 100 WHERE seq = 2",
        "UPDATE events SET seq = 2 WHERE seq = 3",
        "UPDATE events SET seq = 3 WHERE seq = 100",
    )
    finding = audit.verify(history).finding
    assert finding.kind == "reordered"
    assert finding.seq == 2
