"""Visit notices and self-check reminders travel through the reminder scan, once each."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from supervise.adapters.tables import prompt_items, reminders, work_prompts
from supervise.services import selfcheck, supervision
from supervise.services.reminders import ScanOptions, scan

SHANGHAI = ZoneInfo("Asia/Shanghai")


def morning(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), SHANGHAI)


def told(ctx, rung_prefix: str) -> list[tuple[str, str, str, int]]:
    """(recipient, ref, rung, occurrence) of every recorded notice whose rung starts with the prefix."""
    with ctx.reading() as conn:
        rows = conn.execute(
            select(work_prompts.c.recipient, reminders.c.ref, reminders.c.rung, reminders.c.occurrence)
            .join(prompt_items, prompt_items.c.prompt_id == work_prompts.c.id)
            .join(reminders, reminders.c.id == prompt_items.c.reminder_id)
            .where(reminders.c.rung.startswith(rung_prefix))
            .order_by(reminders.c.id, work_prompts.c.recipient)
        ).all()
    return [tuple(r) for r in rows]


@pytest.fixture
def visit_planned(walkthrough):
    supervision.create_group(walkthrough, supervision.CreateGroup("第一督办组", ("赵六",), "张三"))
    supervision.plan_visit(
        walkthrough,
        supervision.PlanVisit("第一督办组", dt.date(2024, 3, 12), "张三", problems=(13,), purpose="防洪设施"),
    )
    return walkthrough


def test_the_units_hear_of_a_visit_three_working_days_before_it_once(visit_planned):
    scan(visit_planned, ScanOptions(now=morning(dt.date(2024, 3, 6))))
    assert told(visit_planned, "visit") == []
    result = scan(visit_planned, ScanOptions(now=morning(dt.date(2024, 3, 7))))
    assert told(visit_planned, "visit") == [
        ("李四", "R4:督办1", "visit_notice", 0),
        ("王五", "R4:督办1", "visit_notice", 0),
    ]
    assert {p.recipient for p in result.prompts} >= {"李四", "王五"}
    scan(visit_planned, ScanOptions(now=morning(dt.date(2024, 3, 8))))
    assert len(told(visit_planned, "visit")) == 2


def test_the_notice_says_who_comes_when_and_what_to_prepare(visit_planned):
    scan(visit_planned, ScanOptions(now=morning(dt.date(2024, 3, 7))))
    with visit_planned.reading() as conn:
        zh, en = conn.execute(
            select(reminders.c.expected_zh, reminders.c.expected_en).where(reminders.c.rung == "visit_notice")
        ).one()
    assert zh == "第一督办组将于2024年3月12日实地督办（问题 13），请做好汇报准备并备齐佐证材料"
    assert en.startswith("第一督办组 visits on 2024-03-12 (problems 13)")


def test_a_cancelled_or_recorded_visit_sends_no_notice(visit_planned):
    supervision.cancel_visit(visit_planned, 1, "张三", "改期")
    scan(visit_planned, ScanOptions(now=morning(dt.date(2024, 3, 7))))
    assert told(visit_planned, "visit") == []


def test_a_self_check_reminds_those_who_have_not_answered_and_then_their_leader(walkthrough):
    selfcheck.start_campaign(walkthrough, selfcheck.StartCampaign("一季度自查", dt.date(2024, 3, 29), "张三"))
    for day in (dt.date(2024, 3, 26), dt.date(2024, 3, 27), dt.date(2024, 3, 28)):
        scan(walkthrough, ScanOptions(now=morning(day)))
    assert told(walkthrough, "selfcheck") == [("李四", "R4:13", "selfcheck_due", 0)]
    for day in (dt.date(2024, 4, 1), dt.date(2024, 4, 2), dt.date(2024, 4, 3), dt.date(2024, 4, 8)):
        scan(walkthrough, ScanOptions(now=morning(day)))  # 4/4-4/6 is the Qingming holiday
    assert told(walkthrough, "selfcheck")[1:] == [
        ("李四", "R4:13", "selfcheck_overdue", 0),
        ("王五", "R4:13", "selfcheck_overdue", 0),
        ("李四", "R4:13", "selfcheck_overdue", 1),
        ("王五", "R4:13", "selfcheck_overdue", 1),
    ]


def test_an_answered_self_check_is_not_chased(walkthrough):
    selfcheck.start_campaign(walkthrough, selfcheck.StartCampaign("一季度自查", dt.date(2024, 3, 29), "张三"))
    selfcheck.answer(walkthrough, selfcheck.Answer("13", "on_track", "李四"))
    for day in (dt.date(2024, 3, 28), dt.date(2024, 4, 1), dt.date(2024, 4, 8)):
        scan(walkthrough, ScanOptions(now=morning(day)))
    assert told(walkthrough, "selfcheck") == []


def test_the_reminders_table_still_refuses_unknown_subjects(walkthrough):
    row = {
        "run_id": None,
        "subject_type": "bogus",
        "subject_id": 1,
        "round_id": 1,
        "rung": "x",
        "anchor": dt.date(2024, 1, 1),
        "occurrence": 0,
        "due_on": dt.date(2024, 1, 1),
        "ref": "x",
        "title": "x",
        "expected_zh": "x",
        "expected_en": "x",
        "recorded_at": dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    }
    scan(walkthrough, ScanOptions(now=morning(dt.date(2024, 1, 2))))
    with walkthrough.reading() as conn:
        row["run_id"] = conn.execute(select(reminders.c.run_id).limit(1)).scalar() or 1
    with pytest.raises(IntegrityError), walkthrough.writing() as conn:
        conn.execute(insert(reminders), row)
