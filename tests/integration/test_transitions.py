"""Transitions through the service layer on SQLite and PostgreSQL: one transaction each, one event each."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from supervise.adapters.repository import NewEvidence
from supervise.adapters.tables import events, evidence, measures, problems
from supervise.domain.errors import BulkRefused, Conflict, NotFound, TransitionRefused
from supervise.services import audit
from supervise.services.queries import show_problem
from supervise.services.transitions import Advance, BulkAdvance, advance, advance_many

PROOF = NewEvidence("现场照片.jpg", "/archive/13/photo.jpg", "ab" * 32)


def fire(ctx, ref, trigger, actor, **kw):
    return advance(ctx, Advance(ref, trigger, actor, **kw))


def snapshot(ctx):
    """Everything a refused transition must leave untouched."""
    with ctx.reading() as conn:
        return (
            conn.execute(
                select(problems.c.state, problems.c.version, problems.c.deadline, problems.c.rebound_count)
            ).all(),
            conn.execute(select(measures.c.state, measures.c.version).order_by(measures.c.id)).all(),
            conn.execute(select(func.count()).select_from(events)).scalar_one(),
            conn.execute(select(func.count()).select_from(evidence)).scalar_one(),
        )


def finish_measures(ctx):
    fire(ctx, "13.1", "finish", "李四", evidence=(PROOF,))
    fire(ctx, "13.2", "finish", "李四", evidence=(PROOF,))


def test_a_problem_goes_from_assigned_to_closed_with_one_event_per_step(walkthrough):
    ctx = walkthrough
    assert fire(ctx, "13", "start", "李四").to_state == "in_progress"
    finish_measures(ctx)
    fire(ctx, "13", "submit", "李四", note="整改完成")
    fire(ctx, "13", "verify", "赵六")
    moved = fire(ctx, "R4:13", "close", "张三", note="同意销号")
    assert (moved.from_state, moved.to_state, moved.version) == ("verified", "closed", 5)
    view = show_problem(ctx, "13")
    assert view["state"] == "closed"
    assert [(e["ref"], e["trigger"], e["from"], e["to"], e["actor"]) for e in view["events"]] == [
        ("13", "create", None, "assigned", "import"),
        ("13", "start", "assigned", "in_progress", "李四"),
        ("13.1", "finish", "todo", "done", "李四"),
        ("13.2", "finish", "todo", "done", "李四"),
        ("13", "submit", "in_progress", "self_check", "李四"),
        ("13", "verify", "self_check", "verified", "赵六"),
        ("13", "close", "verified", "closed", "张三"),
    ]
    assert view["events"][-1]["note"] == "同意销号"
    assert view["events"][-1]["at"].endswith("+08:00")  # shown in the round's zone
    assert audit.verify(ctx).ok


def test_a_refused_transition_changes_nothing(walkthrough):
    ctx = walkthrough
    fire(ctx, "13", "start", "李四")
    before = snapshot(ctx)
    with pytest.raises(TransitionRefused) as caught:
        fire(ctx, "13", "submit", "李四", note="整改完成")
    assert caught.value.details["missing"][0]["open_measures"] == ["13.1", "13.2"]
    with pytest.raises(TransitionRefused):
        fire(ctx, "13.1", "finish", "李四")  # no evidence
    assert snapshot(ctx) == before


def test_it_rejects_verify_by_the_submitter_in_the_database(walkthrough):
    ctx = walkthrough
    fire(ctx, "13", "start", "李四")
    finish_measures(ctx)
    fire(ctx, "13", "submit", "张三", note="由整改办代为提交")  # the office submits...
    with pytest.raises(TransitionRefused) as caught:
        fire(ctx, "13", "verify", "张三")  # ...so it may not verify
    assert [m["code"] for m in caught.value.details["missing"]] == ["not_submitter"]
    fire(ctx, "13", "verify", "赵六")
    with pytest.raises(TransitionRefused):
        fire(ctx, "13", "close", "张三", note="销号")  # nor close


def test_send_back_and_reopen_need_a_reason_and_reopen_counts_the_rebound(walkthrough):
    ctx = walkthrough
    fire(ctx, "13", "start", "李四")
    finish_measures(ctx)
    fire(ctx, "13", "submit", "李四", note="完成")
    with pytest.raises(TransitionRefused):
        fire(ctx, "13", "send_back", "赵六")
    fire(ctx, "13", "send_back", "赵六", note="佐证材料不足")
    fire(ctx, "13", "submit", "李四", note="补充材料")
    fire(ctx, "13", "verify", "赵六")
    fire(ctx, "13", "close", "张三", note="同意销号")
    fire(ctx, "13", "reopen", "赵六", note="回头看发现反弹")
    view = show_problem(ctx, "13")
    assert (view["state"], view["rebound_count"]) == ("in_progress", 1)
    with ctx.reading() as conn:
        data = conn.execute(select(events.c.data).where(events.c.trigger == "reopen")).scalar_one()
    assert json.loads(data)["rebound_count"] == 1


def test_extend_records_the_old_and_new_deadline_and_keeps_the_state(walkthrough):
    ctx = walkthrough
    fire(ctx, "13", "extend", "张三", note="汛期施工受限", deadline=dt.date(2024, 6, 30))
    view = show_problem(ctx, "13")
    assert (view["state"], view["deadline"]) == ("assigned", "2024-06-30")
    with ctx.reading() as conn:
        data = json.loads(conn.execute(select(events.c.data).where(events.c.trigger == "extend")).scalar_one())
    assert data["deadline"] == {"old": "2024-03-31", "new": "2024-06-30"}


def test_evidence_is_recorded_with_its_hash_and_vouched_for_by_the_chain(walkthrough):
    ctx = walkthrough
    fire(ctx, "13.1", "finish", "李四", evidence=(PROOF,))
    [item] = show_problem(ctx, "13")["evidence"]
    assert (item["description"], item["sha256"], item["who"], item["measure"]) == (
        PROOF.description,
        PROOF.sha256,
        "李四",
        1,
    )
    with ctx.reading() as conn:
        data = json.loads(conn.execute(select(events.c.data).where(events.c.trigger == "finish")).scalar_one())
    assert data["evidence"] == [{"description": PROOF.description, "sha256": PROOF.sha256}]


def test_a_stale_version_is_a_conflict_and_changes_nothing(walkthrough):
    ctx = walkthrough
    fire(ctx, "13", "start", "李四")
    before = snapshot(ctx)
    with pytest.raises(Conflict) as caught:
        fire(ctx, "13", "extend", "张三", note="x", deadline=dt.date(2024, 5, 1), expected_version=1)
    assert "changed concurrently" in caught.value.text.en
    assert snapshot(ctx) == before


def test_unknown_people_and_items_are_named(walkthrough):
    with pytest.raises(NotFound, match="no person named 钱七"):
        fire(walkthrough, "13", "start", "钱七")
    with pytest.raises(NotFound, match="no problem 14"):
        fire(walkthrough, "14", "start", "李四")
    with pytest.raises(NotFound, match=r"no measure 13\.9"):
        fire(walkthrough, "13.9", "start", "李四")
    with pytest.raises(NotFound, match="no round R9"):
        fire(walkthrough, "R9:13", "start", "李四")


def test_bulk_moves_every_item_in_one_transaction_with_one_event_each(walkthrough):
    ctx = walkthrough
    result = advance_many(ctx, BulkAdvance(("13.1", "13.2"), "start", "张三"))
    assert (result.moved, result.refs) == (2, ["13.1", "13.2"])
    assert [m["state"] for m in show_problem(ctx, "13")["measures"]] == ["doing", "doing"]
    with ctx.reading() as conn:
        assert conn.execute(select(func.count()).where(events.c.trigger == "start")).scalar_one() == 2
    assert audit.verify(ctx).ok


def test_bulk_is_all_or_nothing_and_lists_every_refusal(walkthrough):
    ctx = walkthrough
    fire(ctx, "13.1", "start", "李四")
    before = snapshot(ctx)
    with pytest.raises(BulkRefused) as caught:
        advance_many(ctx, BulkAdvance(("13.1", "13.2", "13.7"), "start", "张三"))
    refused = caught.value.details["refused"]
    assert [r.get("ref") for r in refused] == ["13.1", "13.7"]
    assert refused[0]["state"] == "doing" and refused[1]["error"] == "not_found"
    assert snapshot(ctx) == before
