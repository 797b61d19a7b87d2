"""`audit verify` against tampering beyond tests/integration/test_audit_tamper.py: evidence rows, the head row,
events of another round, and a rewrite that goes all the way (which the chain cannot catch, as documented)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from supervise.adapters.repository import NewEvidence
from supervise.adapters.tables import audit_head, events
from supervise.domain.audit import event_hash
from supervise.services import audit
from supervise.services.context import Context
from supervise.services.transitions import Advance, advance
from tests.e2e.conftest import Supervise
from tests.integration.test_audit_tamper import _disable_guard, tamper
from tests.security.conftest import import_text, plan_text, problem_yaml

EVIDENCE = NewEvidence("验收报告.pdf", "/srv/evidence/验收报告.pdf", "ab" * 32)


@pytest.fixture
def history(small_round: Context) -> Iterator[Context]:
    """Two rounds' events interleaved in one chain, and evidence attached by two events.

    PostgreSQL's database is shared by the run: the append-only triggers the tampering switched
    off are switched on again afterwards, so that later tests meet the guard they rely on.
    """
    ctx = small_round
    import_text(ctx, plan_text(problem_yaml(7, measures=1)).replace("安全测试轮次, code: SEC", "第二轮次, code: TWO"))
    advance(ctx, Advance("SEC:1", "start", "李四"))
    advance(ctx, Advance("SEC:1.1", "finish", "周八", evidence=(EVIDENCE,)))  # its evidence: seq 7
    advance(ctx, Advance("TWO:7", "start", "李四"))
    advance(ctx, Advance("TWO:7.1", "finish", "周八", evidence=(EVIDENCE, replace(EVIDENCE, sha256="ef" * 32))))
    advance(ctx, Advance("SEC:1", "submit", "李四", "已完成"))
    report = audit.verify(ctx)
    assert report.ok and report.checked == 9
    yield ctx
    if ctx.engine.dialect.name == "postgresql":
        with ctx.writing() as conn:
            conn.execute(text("ALTER TABLE events ENABLE TRIGGER events_no_update"))
            conn.execute(text("ALTER TABLE evidence ENABLE TRIGGER evidence_no_update"))


def finding(ctx: Context) -> tuple[str, int | None]:
    report = audit.verify(ctx)
    assert report.finding is not None, "the tampering went unnoticed"
    return report.finding.kind, report.finding.seq


def seq_of(ctx: Context, ref: str, trigger: str) -> int:
    with ctx.reading() as conn:
        return int(
            conn.execute(
                text("SELECT seq FROM events WHERE subject_ref = :r AND trigger = :t"), {"r": ref, "t": trigger}
            ).scalar_one()
        )


@pytest.mark.parametrize(
    "statement", [f"UPDATE evidence SET sha256 = '{'00' * 32}' WHERE id = 1", "DELETE FROM evidence WHERE id = 2"]
)
def test_the_database_refuses_to_change_or_delete_evidence(history, statement):
    with pytest.raises(DBAPIError, match="evidence is append-only"), history.writing() as conn:
        conn.execute(text(statement))
    assert audit.verify(history).ok


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE evidence SET sha256 = '{'00' * 32}' WHERE id = 1",  # another file's hash
        "UPDATE evidence SET description = '另一份材料.pdf' WHERE id = 1",
        "UPDATE evidence SET person_id = (SELECT id FROM people WHERE name = '张三') WHERE id = 1",
    ],
    ids=["hash", "description", "who"],
)
def test_it_names_the_event_whose_evidence_was_edited(history, statement):
    tamper(history, statement)
    assert finding(history) == ("altered", seq_of(history, "1.1", "finish"))


def test_it_names_the_event_whose_evidence_was_deleted(history):
    tamper(history, "DELETE FROM evidence WHERE id = 2")
    assert finding(history) == ("removed", seq_of(history, "7.1", "finish"))


def test_it_catches_evidence_slipped_under_an_event_that_had_none(history):
    tamper(
        history,
        "INSERT INTO evidence (problem_id, measure_id, event_id, description, location, sha256, person_id, created_at)"
        " SELECT problem_id, measure_id, (SELECT id FROM events WHERE trigger = 'submit'), '补充.pdf', '/tmp/x.pdf',"
        " sha256, person_id, created_at FROM evidence WHERE id = 1",
    )
    assert finding(history) == ("inserted", seq_of(history, "1", "submit"))


def test_it_catches_evidence_moved_to_another_item(history):
    tamper(history, "UPDATE evidence SET problem_id = (SELECT id FROM problems WHERE number = 2) WHERE id = 1")
    assert finding(history) == ("altered", seq_of(history, "1.1", "finish"))


@pytest.mark.parametrize(
    ("statement", "kind"),
    [
        (f"UPDATE audit_head SET hash = '{'f' * 64}'", "altered"),
        ("UPDATE audit_head SET seq = seq - 1", "inserted"),
        ("UPDATE audit_head SET seq = seq + 1", "removed"),
    ],
    ids=["hash", "seq-lowered", "seq-raised"],
)
def test_it_catches_an_edited_head(history, statement, kind):
    tamper(history, statement)
    assert finding(history)[0] == kind


def test_it_names_an_edited_event_of_the_second_round(history):
    seq = seq_of(history, "7", "start")
    tamper(history, f"UPDATE events SET note = '另有说明' WHERE seq = {seq}")
    assert finding(history) == ("altered", seq)


def test_it_catches_an_event_moved_to_another_round(history):
    """The round an event is filed under is not in its hash; the public report counts send-backs by it."""
    seq = seq_of(history, "7", "start")
    tamper(history, f"UPDATE events SET round_id = (SELECT id FROM rounds WHERE code = 'SEC') WHERE seq = {seq}")
    assert finding(history) == ("altered", seq)


def test_it_catches_the_second_rounds_history_deleted(history):
    two = "(SELECT id FROM events WHERE round_id = (SELECT id FROM rounds WHERE code = 'TWO'))"
    tamper(history, f"DELETE FROM evidence WHERE event_id IN {two}", f"DELETE FROM events WHERE id IN {two}")
    assert finding(history)[0] == "removed"


def test_a_broken_chain_exits_6_and_says_where_in_json(history, database_url):
    tamper(history, f"UPDATE evidence SET sha256 = '{'00' * 32}' WHERE id = 1")
    outcome = Supervise({"SUPERVISE_DATABASE_URL": database_url})("audit", "verify", "--json")
    assert outcome.code == 6
    report = json.loads(outcome.stdout)
    assert (report["ok"], report["finding"]["kind"], report["finding"]["seq"]) == (
        False,
        "altered",
        seq_of(history, "1.1", "finish"),
    )


def test_a_rewrite_of_every_later_event_and_the_head_is_not_caught(history):
    """Tamper-evident, not tamper-proof (docs/architecture.md): whoever rewrites an event, recomputes every hash
    after it and the head, leaves a consistent chain. A copy of the head kept elsewhere is what catches that."""
    seq = seq_of(history, "1", "start")
    with history.writing() as conn:
        _disable_guard(conn)
        conn.execute(update(events).where(events.c.seq == seq).values(actor_name="王五"))
        later = conn.execute(select(events).where(events.c.seq >= seq).order_by(events.c.seq)).mappings().all()
        prev = conn.execute(select(events.c.hash).where(events.c.seq == seq - 1)).scalar_one()
        for row in later:
            new = event_hash(audit.content_of(row), prev)
            conn.execute(update(events).where(events.c.id == row["id"]).values(prev_hash=prev, hash=new))
            prev = new
        conn.execute(update(audit_head).values(hash=prev))
    assert audit.verify(history).ok
