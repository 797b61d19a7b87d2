"""The office's recorded work in the report and the notice: work prompts from a real scan, supervision rows
where supervise has their tables, and nothing claimed that is not recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, insert, select

from supervise.adapters import tables as t
from supervise.adapters.report_render import render_notice
from supervise.domain.report.notice_config import NoticeConfig
from supervise.services.reminders import ScanOptions, scan
from supervise.services.reports import ReportRequest, load_notice, load_report
from tests.reports.conftest import AS_OF, at


def test_work_prompts_sent_are_counted_and_told_in_the_notice(history, clock):
    scan(history, ScanOptions())
    with history.reading() as conn:
        sent = conn.execute(select(func.count()).select_from(t.work_prompts)).scalar_one()
    assert sent > 0  # problem 1 and measure 1.2 are overdue on 2024-04-15
    assert load_report(history).activity.work_prompts == sent
    assert load_report(history, ReportRequest(as_of=AS_OF - dt.timedelta(days=1))).activity.work_prompts == 0
    notice = render_notice(load_notice(history, ReportRequest(), NoticeConfig()))
    assert f"向责任领导、各牵头单位发送工作提示{sent}份" in notice


def _supervision_tables() -> None:
    names = ("supervision_groups", "visits", "selfcheck_campaigns", "reviews")
    if any(name not in t.Base.metadata.tables for name in names):
        pytest.skip("supervision tables not in this build")


def test_groups_visits_self_checks_and_reviews_are_counted_where_recorded(history, clock):
    _supervision_tables()
    tables = t.Base.metadata.tables
    with history.writing() as conn:
        round_id = conn.execute(select(t.rounds.c.id)).scalar_one()
        office = conn.execute(select(t.people.c.id).where(t.people.c.name == "张三")).scalar_one()
        groups = [
            conn.execute(
                insert(tables["supervision_groups"]).returning(tables["supervision_groups"].c.id),
                {"round_id": round_id, "name": f"第{n}督办组", "created_at": at("2023-11-20")},
            ).scalar_one()
            for n in (1, 2, 3)
        ]
        visit = {"round_id": round_id, "planned_by_id": office, "created_at": at("2023-12-01")}
        conn.execute(
            insert(tables["visits"]),
            [
                visit
                | {
                    "number": 1,
                    "group_id": groups[0],
                    "planned_on": dt.date(2024, 1, 10),
                    "state": "done",
                    "recorded_at": at("2024-01-10"),
                },
                visit
                | {
                    "number": 2,
                    "group_id": groups[1],
                    "planned_on": dt.date(2024, 3, 5),
                    "state": "done",
                    "recorded_at": at("2024-03-05"),
                },
                visit
                | {
                    "number": 3,
                    "group_id": groups[2],
                    "planned_on": dt.date(2024, 5, 5),
                    "state": "planned",
                    "recorded_at": None,
                },
            ],
        )
        conn.execute(
            insert(tables["selfcheck_campaigns"]),
            {
                "round_id": round_id,
                "number": 1,
                "title": "逐项对账",
                "due_on": dt.date(2024, 3, 1),
                "started_by_id": office,
                "started_at": at("2024-02-20"),
            },
        )
        conn.execute(
            insert(tables["reviews"]),
            {
                "round_id": round_id,
                "as_of": dt.date(2024, 3, 31),
                "taken_at": at("2024-03-31"),
                "taken_by": "张三",
                "data": "{}",
            },
        )
    a = load_report(history).activity
    assert (a.supervision_groups, a.visits, a.selfcheck_campaigns, a.reviews) == (3, 2, 1, 1)
    assert load_report(history, ReportRequest(as_of=dt.date(2024, 2, 1))).activity.visits == 1
    notice = render_notice(load_notice(history, ReportRequest(), NoticeConfig()))
    assert "成立三个督办组,实地专项督办2次,组织开展逐项对账自查1轮,定期分析盘点整改进度1次" in notice
