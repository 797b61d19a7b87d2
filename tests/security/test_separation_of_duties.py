"""Whoever submitted a fix can never verify or close it: not with a second role, not in bulk, not through a visit."""

from __future__ import annotations

import datetime as dt

import pytest

from supervise.adapters.repository import NewEvidence
from supervise.domain.errors import ActionRefused, BulkRefused, TransitionRefused
from supervise.domain.oversight import OUTCOME_TRIGGERS
from supervise.services.context import Context
from supervise.services.queries import show_problem
from supervise.services.supervision import CreateGroup, Finding, PlanVisit, RecordVisit, create_group, plan_visit
from supervise.services.supervision import record_visit as record
from supervise.services.transitions import Advance, BulkAdvance, advance, advance_many
from tests.security.conftest import PEOPLE, import_text

EVIDENCE = NewEvidence("佐证.pdf", "/srv/evidence/佐证.pdf", "cd" * 32)


def submit(ctx: Context, number: int, by: str) -> None:
    """Start problem ``number``, finish its measure (the office, with evidence) and submit it as ``by``."""
    advance(ctx, Advance(str(number), "start", "张三"))
    advance(ctx, Advance(f"{number}.1", "finish", "张三", evidence=(EVIDENCE,)))
    advance(ctx, Advance(str(number), "submit", by, "已完成整改"))


def refused_for(ctx: Context, ref: str, trigger: str, actor: str, note: str | None = None) -> set[str]:
    """The codes of the refusal; the item (state, version, history) is unchanged by it."""
    before = show_problem(ctx, ref)
    with pytest.raises(TransitionRefused) as caught:
        advance(ctx, Advance(ref, trigger, actor, note))
    assert show_problem(ctx, ref) == before
    return {m.code for m in caught.value.missing}


def state(ctx: Context, number: int) -> str:
    return str(show_problem(ctx, str(number))["state"])


def test_the_submitter_cannot_verify_or_close_though_they_are_office_and_supervisor(small_round):
    submit(small_round, 1, "郑十")  # office and supervisor: both roles that verify
    assert refused_for(small_round, "1", "verify", "郑十") == {"not_submitter"}
    advance(small_round, Advance("1", "verify", "赵六"))
    assert refused_for(small_round, "1", "close", "郑十", "同意销号") == {"not_submitter"}
    advance(small_round, Advance("1", "close", "张三", "同意销号"))
    assert state(small_round, 1) == "closed"


def test_a_contact_who_joins_the_office_later_still_cannot_check_their_own_fix(small_round):
    submit(small_round, 1, "李四")
    import_text(
        small_round,
        PEOPLE.replace(
            "{name: 李四, email: lisi@example.org, unit: 区水务和湖泊局, roles: [unit]}",
            "{name: 李四, email: lisi@example.org, unit: 区水务和湖泊局, roles: [unit, office]}",
        ),
    )
    assert refused_for(small_round, "1", "verify", "李四") == {"not_submitter"}
    advance(small_round, Advance("1", "verify", "赵六"))
    assert refused_for(small_round, "1", "close", "李四", "同意销号") == {"not_submitter"}


def test_the_submitter_cannot_close_an_item_kept_under_long_term_review(small_round):
    submit(small_round, 1, "郑十")
    advance(small_round, Advance("1", "verify", "赵六"))
    advance(small_round, Advance("1", "keep_long_term", "郑十"))  # no sign-off: allowed
    assert refused_for(small_round, "1", "close", "郑十", "长期坚持阶段完成") == {"not_submitter"}
    advance(small_round, Advance("1", "close", "张三", "长期坚持阶段完成"))


def test_a_bulk_verify_or_close_that_includes_ones_own_fix_moves_nothing(small_round):
    submit(small_round, 1, "陈一")
    submit(small_round, 2, "郑十")
    submit(small_round, 3, "陈一")
    with pytest.raises(BulkRefused) as caught:
        advance_many(small_round, BulkAdvance(("1", "2", "3"), "verify", "郑十"))
    assert [(r.details["ref"], [m["code"] for m in r.details["missing"]]) for r in caught.value.refusals] == [
        ("2", ["not_submitter"])
    ]
    assert [state(small_round, n) for n in (1, 2, 3)] == ["self_check"] * 3
    advance_many(small_round, BulkAdvance(("1", "2", "3"), "verify", "赵六"))
    with pytest.raises(BulkRefused) as caught:
        advance_many(small_round, BulkAdvance(("1", "2", "3"), "close", "郑十", "同意销号"))
    assert [r.details["ref"] for r in caught.value.refusals] == ["2"]
    assert [state(small_round, n) for n in (1, 2, 3)] == ["verified"] * 3


def test_no_visit_finding_is_a_verification_or_a_sign_off(small_round):
    assert set(OUTCOME_TRIGGERS.values()) <= {"send_back", "reopen"}  # the only triggers a visit fires
    submit(small_round, 2, "郑十")
    create_group(small_round, CreateGroup("第一督办组", ("郑十", "赵六"), "张三"))
    plan_visit(small_round, PlanVisit("第一督办组", dt.date(2024, 3, 20), "张三", problems=(2,)))
    before = show_problem(small_round, "2")
    for outcome in ("verified", "verify", "closed", "close"):
        with pytest.raises(ActionRefused) as caught:
            record(small_round, RecordVisit(1, "郑十", (Finding(2, outcome, "现场核实已整改"),)))
        assert "outcome" in {m.code for m in caught.value.missing}
    assert show_problem(small_round, "2") == before
    # What a visit may do is send the fix back (or reopen a rebound): neither signs anything off.
    record(small_round, RecordVisit(1, "郑十", (Finding(2, "sent_back", "现场发现整改不到位"),)))
    assert state(small_round, 2) == "in_progress"


def test_the_exclusion_follows_the_latest_submission(small_round):
    """Sent back and submitted again by somebody else: now that person may not check it, the first may."""
    submit(small_round, 1, "张三")
    advance(small_round, Advance("1", "send_back", "赵六", "佐证不足"))
    advance(small_round, Advance("1", "submit", "郑十", "补充佐证后再次提交"))
    assert refused_for(small_round, "1", "verify", "郑十") == {"not_submitter"}
    advance(small_round, Advance("1", "verify", "张三"))
    assert state(small_round, 1) == "verified"
