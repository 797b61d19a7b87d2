"""What the reminder scan adds for the office's oversight work: visit notices and self-check reminders.

They travel in the same digest as the ladder's reminders — one work prompt per person per
scan — and are recorded under the same unique key (subject, rung, anchor, occurrence), so a
second scan sends nothing twice:

- a planned visit: a notice to the visited units' contacts and the leaders of the problems
  listed, ``VISIT_NOTICE_DAYS`` working days before the visit (anchor: the visit's day);
- a self-check item not yet answered: a reminder to the lead unit's contacts
  ``SELFCHECK_BEFORE`` working days before it is due, and once overdue, every
  ``SELFCHECK_EVERY`` working days to the contacts and the leader (anchor: the due date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from supervise.adapters.tables import problems, units
from supervise.adapters.tables_oversight import (
    selfcheck_campaigns,
    selfcheck_items,
    supervision_groups,
    visit_problems,
    visit_units,
    visits,
)
from supervise.domain.calendar import WorkCalendar
from supervise.domain.text import Text
from supervise.services.recipients import Directory

VISIT_NOTICE_DAYS = 3
SELFCHECK_BEFORE = 2
SELFCHECK_EVERY = 3


@dataclass(frozen=True)
class Notice:
    """One firing to record: the reminder's columns (without run and time) and who hears of it."""

    row: dict[str, Any]
    to: list[tuple[int, str]]  # (person, audience)

    @property
    def key(self) -> tuple[str, int]:
        return self.row["subject_type"], self.row["subject_id"]


def due_notices(
    conn: Connection, today: dt.date, cal: WorkCalendar, people: Directory, codes: dict[int, str]
) -> Iterator[Notice]:
    yield from _visit_notices(conn, today, cal, people, codes)
    yield from _selfcheck_notices(conn, today, cal, people, codes)


def _visit_notices(
    conn: Connection, today: dt.date, cal: WorkCalendar, people: Directory, codes: dict[int, str]
) -> Iterator[Notice]:
    planned = conn.execute(
        select(
            visits.c.id,
            visits.c.round_id,
            visits.c.number,
            visits.c.planned_on,
            visits.c.purpose,
            supervision_groups.c.name,
        )
        .join(supervision_groups, supervision_groups.c.id == visits.c.group_id)
        .where(visits.c.state == "planned", visits.c.planned_on >= today)
    ).all()
    for v in planned:
        if cal.workdays_until(today, v.planned_on) > VISIT_NOTICE_DAYS:
            continue
        unit_ids = conn.execute(select(visit_units.c.unit_id).where(visit_units.c.visit_id == v.id)).scalars().all()
        listed = conn.execute(
            select(problems.c.number, problems.c.leader_id)
            .join(visit_problems, visit_problems.c.problem_id == problems.c.id)
            .where(visit_problems.c.visit_id == v.id)
            .order_by(problems.c.number)
        ).all()
        to = [(p, "lead_unit") for p in people.unit_contacts(unit_ids)]
        to += [(leader, "leader") for _, leader in listed if leader is not None]
        numbers = "、".join(str(n) for n, _ in listed)
        scope = Text(
            f"（问题 {numbers}）" if numbers else "", f" (problems {numbers.replace('、', ', ')})" if numbers else ""
        )
        expected = Text(
            f"{v.name}将于{v.planned_on:%Y年%-m月%-d日}实地督办{scope.zh}，请做好汇报准备并备齐佐证材料",
            f"{v.name} visits on {v.planned_on.isoformat()}{scope.en}: prepare to report and have the evidence ready",
        )
        yield Notice(
            _row(
                "visit",
                v.id,
                v.round_id,
                "visit_notice",
                v.planned_on,
                0,
                today,
                f"{codes.get(v.round_id, v.round_id)}:督办{v.number}",
                v.purpose or "实地督办",
                v.planned_on,
                expected,
            ),
            to,
        )


def _selfcheck_notices(
    conn: Connection, today: dt.date, cal: WorkCalendar, people: Directory, codes: dict[int, str]
) -> Iterator[Notice]:
    waiting = conn.execute(
        select(
            selfcheck_items.c.id,
            selfcheck_items.c.unit_id,
            selfcheck_campaigns.c.round_id,
            selfcheck_campaigns.c.number.label("campaign"),
            selfcheck_campaigns.c.title,
            selfcheck_campaigns.c.due_on,
            problems.c.number,
            problems.c.title.label("problem_title"),
            problems.c.leader_id,
            units.c.name.label("unit"),
        )
        .join(selfcheck_campaigns, selfcheck_campaigns.c.id == selfcheck_items.c.campaign_id)
        .join(problems, problems.c.id == selfcheck_items.c.problem_id)
        .outerjoin(units, units.c.id == selfcheck_items.c.unit_id)
        .where(selfcheck_items.c.answer.is_(None))
    ).all()
    for item in waiting:
        firing = _selfcheck_firing(today, item.due_on, cal)
        if firing is None:
            continue
        rung, occurrence = firing
        to = [(p, "lead_unit") for p in people.unit_contacts([item.unit_id])]
        if rung == "selfcheck_overdue" and item.leader_id is not None:
            to.append((item.leader_id, "leader"))
        expected = _selfcheck_text(rung, item.title, item.due_on)
        yield Notice(
            _row(
                "selfcheck",
                item.id,
                item.round_id,
                rung,
                item.due_on,
                occurrence,
                today,
                f"{codes.get(item.round_id, item.round_id)}:{item.number}",
                item.problem_title,
                item.due_on,
                expected,
            ),
            to,
        )


def _selfcheck_firing(today: dt.date, due: dt.date, cal: WorkCalendar) -> tuple[str, int] | None:
    if today <= due:
        return ("selfcheck_due", 0) if cal.workdays_until(today, due) <= SELFCHECK_BEFORE else None
    late = cal.workdays_until(due, today)  # working days past the due date, 1 on the first
    return ("selfcheck_overdue", (late - 1) // SELFCHECK_EVERY) if late >= 1 else None


def _selfcheck_text(rung: str, title: str, due: dt.date) -> Text:
    if rung == "selfcheck_due":
        return Text(
            f"请于{due:%Y年%-m月%-d日}前完成「{title}」填报：按计划推进、已完成（附佐证）或受阻（说明原因）",
            f"answer the self-check '{title}' by {due.isoformat()}: on track, done (with evidence) or blocked",
        )
    return Text(f"「{title}」已过截止日期仍未填报，请立即填报", f"the self-check '{title}' is past due and unanswered")


def _row(
    subject_type: str,
    subject_id: int,
    round_id: int,
    rung: str,
    anchor: dt.date,
    occurrence: int,
    today: dt.date,
    ref: str,
    title: str,
    deadline: dt.date,
    expected: Text,
) -> dict[str, Any]:
    return {
        "subject_type": subject_type,
        "subject_id": subject_id,
        "round_id": round_id,
        "rung": rung,
        "anchor": anchor,
        "occurrence": occurrence,
        "due_on": today,
        "ref": ref,
        "title": title,
        "deadline": deadline,
        "light": None,
        "expected_zh": expected.zh,
        "expected_en": expected.en,
    }
