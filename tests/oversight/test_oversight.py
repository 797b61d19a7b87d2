"""Supervision groups and visits, self-check campaigns and reviews, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from supervise.adapters.repository import NewEvidence
from supervise.adapters.tables import people, person_roles
from supervise.domain.errors import ActionRefused, NotFound, TransitionRefused
from supervise.services import audit, reviews, selfcheck, supervision, visit_views
from supervise.services.queries import show_problem
from supervise.services.transitions import Advance, advance

PROOF = (NewEvidence("台账.xlsx", "/archive/ledger.xlsx", "ef" * 32),)


@pytest.fixture
def submitted(walkthrough):
    """Problem 13 submitted for verification by 李四, and a supervision group of 赵六 and 王五."""
    for ref, trigger, kw in [
        ("13", "start", {}),
        ("13.1", "finish", {"evidence": PROOF}),
        ("13.2", "finish", {"evidence": PROOF}),
        ("13", "submit", {"note": "已完成"}),
    ]:
        advance(walkthrough, Advance(ref, trigger, "李四", **kw))
    supervision.create_group(walkthrough, supervision.CreateGroup("第一督办组", ("赵六", "王五"), "张三"))
    return walkthrough


def roles_of(ctx, name):
    with ctx.reading() as conn:
        return set(
            conn.execute(
                select(person_roles.c.role)
                .join(people, people.c.id == person_roles.c.person_id)
                .where(people.c.name == name)
            ).scalars()
        )


def test_forming_a_group_makes_its_members_supervisors(submitted):
    assert roles_of(submitted, "王五") == {"leader", "supervisor"}


def test_only_the_office_forms_groups_and_plans_visits(submitted):
    with pytest.raises(ActionRefused, match="rectification office"):
        supervision.create_group(submitted, supervision.CreateGroup("第二督办组", ("赵六",), "李四"))
    with pytest.raises(ActionRefused):
        supervision.plan_visit(
            submitted, supervision.PlanVisit("第一督办组", dt.date(2024, 3, 5), "赵六", problems=(13,))
        )


def test_a_visit_is_planned_then_recorded_and_can_send_a_problem_back(submitted):
    planned = supervision.plan_visit(
        submitted,
        supervision.PlanVisit("第一督办组", dt.date(2024, 3, 5), "张三", problems=(13,), purpose="检查脱坡治理"),
    )
    assert (planned["number"], planned["units"], planned["problems"]) == (1, 1, [13])
    done = supervision.record_visit(
        submitted,
        supervision.RecordVisit(1, "赵六", (supervision.Finding(13, "sent_back", "现场发现仍有隐患"),), "现场督办"),
    )
    assert done["sent_back"] == [13]
    view = show_problem(submitted, "13")
    assert view["state"] == "in_progress"
    assert (view["events"][-1]["trigger"], view["events"][-1]["actor"]) == ("send_back", "赵六")
    [visit] = visit_views.list_visits(submitted)
    assert (visit["state"], visit["units"], visit["members"]) == ("done", ["区水务和湖泊局"], ["王五", "赵六"])
    assert visit["findings"] == [{"problem": 13, "outcome": "sent_back", "note": "现场发现仍有隐患", "by": "赵六"}]
    assert audit.verify(submitted).ok


def test_recording_is_all_or_nothing(submitted):
    supervision.plan_visit(submitted, supervision.PlanVisit("第一督办组", dt.date(2024, 3, 5), "张三", problems=(13,)))
    advance(submitted, Advance("13", "verify", "赵六"))  # verified: send_back is still allowed...
    advance(submitted, Advance("13", "close", "张三", "同意销号"))  # ...but not once closed
    with pytest.raises(TransitionRefused):
        supervision.record_visit(
            submitted, supervision.RecordVisit(1, "王五", (supervision.Finding(13, "sent_back", "复查不合格"),))
        )
    assert visit_views.list_visits(submitted)[0]["state"] == "planned"
    assert show_problem(submitted, "13")["state"] == "closed"


def test_only_the_visits_group_records_it_and_only_within_its_scope(submitted):
    supervision.plan_visit(
        submitted, supervision.PlanVisit("第一督办组", dt.date(2024, 3, 5), "张三", units=("区城管执法局",))
    )
    with pytest.raises(ActionRefused) as caught:
        supervision.record_visit(
            submitted, supervision.RecordVisit(1, "李四", (supervision.Finding(13, "confirmed", ""),))
        )
    codes = [m["code"] for m in caught.value.details["missing"]]
    assert codes == ["not_in_group", "note", "scope"]


def test_confirming_progress_leaves_the_state_and_records_an_event(submitted):
    supervision.plan_visit(submitted, supervision.PlanVisit("第一督办组", dt.date(2024, 3, 5), "张三", problems=(13,)))
    supervision.record_visit(
        submitted, supervision.RecordVisit(1, "赵六", (supervision.Finding(13, "confirmed", "进展属实"),))
    )
    view = show_problem(submitted, "13")
    assert view["state"] == "self_check"
    assert (view["events"][-1]["trigger"], view["events"][-1]["note"]) == ("visit_confirm", "进展属实")
    with pytest.raises(ActionRefused, match="already done"):
        supervision.record_visit(
            submitted, supervision.RecordVisit(1, "赵六", (supervision.Finding(13, "confirmed", "x"),))
        )


def test_a_self_check_asks_for_every_open_item_and_tallies_by_unit(submitted):
    started = selfcheck.start_campaign(
        submitted, selfcheck.StartCampaign("一季度对账自查", dt.date(2024, 3, 31), "张三")
    )
    assert (started["number"], started["items"]) == (1, 1)
    before = selfcheck.status(submitted)
    assert before["waiting"] == [
        {"number": 13, "title": "防洪和排涝设施存在风险隐患,脱坡未及时治理", "unit": "区水务和湖泊局"}
    ]
    with pytest.raises(ActionRefused) as caught:
        selfcheck.answer(submitted, selfcheck.Answer("13", "blocked", "李四"))
    assert [m["code"] for m in caught.value.details["missing"]] == ["reason"]
    selfcheck.answer(submitted, selfcheck.Answer("13", "blocked", "李四", note="汛期无法施工"))
    after = selfcheck.status(submitted)
    assert after["by_unit"] == [
        {"unit": "区水务和湖泊局", "items": 1, "on_track": 0, "done": 0, "blocked": 1, "unanswered": 0}
    ]
    assert after["blocked"] == [{"number": 13, "reason": "汛期无法施工"}]
    assert show_problem(submitted, "13")["events"][-1]["trigger"] == "selfcheck"


def test_only_those_responsible_answer_a_self_check(submitted):
    selfcheck.start_campaign(submitted, selfcheck.StartCampaign("自查", dt.date(2024, 3, 31), "张三"))
    with pytest.raises(ActionRefused) as caught:
        selfcheck.answer(submitted, selfcheck.Answer("13", "on_track", "赵六"))
    assert [m["code"] for m in caught.value.details["missing"]] == ["role"]
    with pytest.raises(NotFound):
        selfcheck.answer(submitted, selfcheck.Answer("13", "on_track", "李四", campaign=9))


def test_a_review_keeps_a_dated_snapshot(submitted, clock):
    clock.now = dt.datetime(2024, 4, 2, 2, 0, tzinfo=dt.UTC)
    first = reviews.take_review(submitted, "张三")
    assert (first["as_of"], first["problems"], first["closed"], first["by_state"]) == (
        "2024-04-02",
        1,
        0,
        {"self_check": 1},
    )
    advance(submitted, Advance("13", "verify", "赵六"))
    advance(submitted, Advance("13", "close", "张三", "同意销号"))
    reviews.take_review(submitted, "张三")
    assert [(r["as_of"], r["closed"]) for r in reviews.list_reviews(submitted)] == [
        ("2024-04-02", 0),
        ("2024-04-02", 1),
    ]
    with pytest.raises(ActionRefused):
        reviews.take_review(submitted, "李四")


def test_a_visit_that_finds_a_rebound_reopens_the_closed_problem(submitted):
    advance(submitted, Advance("13", "verify", "赵六"))
    advance(submitted, Advance("13", "close", "张三", "同意销号"))
    supervision.plan_visit(submitted, supervision.PlanVisit("第一督办组", dt.date(2024, 5, 5), "张三", problems=(13,)))
    done = supervision.record_visit(
        submitted, supervision.RecordVisit(1, "王五", (supervision.Finding(13, "reopened", "回头看发现脱坡反弹"),))
    )
    assert done["reopened"] == [13]
    view = show_problem(submitted, "13")
    assert (view["state"], view["rebound_count"]) == ("in_progress", 1)
