"""Reading a round's ledger for a report: one read transaction, SQLAlchemy Core, plain facts out.

The figures are computed by ``supervise.domain.report``; this module only gathers what
they are computed from, and wires the warning-light rule to the working-day calendar.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, func, select

from supervise.adapters import tables as t
from supervise.adapters.calendar import load_calendar
from supervise.domain.calendar import CalendarYearUnknown, WorkCalendar
from supervise.domain.lights import light
from supervise.domain.report import (
    Activity,
    EventFact,
    Ledger,
    MeasureFact,
    Options,
    ProblemFact,
    Report,
    RoundFact,
    build_report,
    calendar_day_light,
)
from supervise.domain.report.history import restate
from supervise.domain.report.notice import Notice, build_notice
from supervise.domain.report.notice_config import NoticeConfig
from supervise.domain.text import Text
from supervise.services.context import Context
from supervise.services.lookup import resolve_round

_CHUNK = 500  # ids per IN (...) list: well under every backend's parameter limit


@dataclass(frozen=True)
class ReportRequest:
    round: str | None = None  # code, name or id; None when there is only one round
    as_of: dt.date | None = None  # default: today in the round's time zone
    step: str = "auto"  # burndown step: day | week | auto


def load_report(ctx: Context, request: ReportRequest = ReportRequest()) -> Report:
    """The report on one round as of one day (today where the round is run, unless asked otherwise)."""
    return _compute(ctx, request)[1]


def load_notice(ctx: Context, request: ReportRequest, config: NoticeConfig) -> Notice:
    """The public progress report (通报) on one round as of one day."""
    ledger, report = _compute(ctx, request)
    return build_notice(ledger, report, ctx.workflows, config)


def _compute(ctx: Context, request: ReportRequest) -> tuple[Ledger, Report]:
    """The ledger as of the day asked for, and the report computed from it."""
    with ctx.reading() as conn:
        ledger = restate(read_ledger(conn, request.round, request.as_of, ctx.clock()))
        cal = load_calendar(conn)
    rule = _CalendarLights(cal)
    report = build_report(ledger, ctx.workflows, rule, Options(step=request.step))
    if rule.unknown_years:
        years = "、".join(str(y) for y in sorted(rule.unknown_years))
        report.notes.append(
            Text(
                f"{years} 年的节假日未知：这些年份的黄灯按自然日估算（请用 supervise calendar 录入）",
                f"the holidays of {years} are not known: yellow lights there are estimated in calendar days "
                "(enter them with supervise calendar)",
            )
        )
    return ledger, report


class _CalendarLights:
    """The lights of ``supervise.domain.lights`` on the office's calendar; where the calendar does not
    know a year, a calendar-day estimate instead, and the year is remembered so the report can say so."""

    def __init__(self, cal: WorkCalendar) -> None:
        self.cal = cal
        self.unknown_years: set[int] = set()

    def __call__(self, deadline: dt.date | None, today: dt.date, yellow_within: int, behind: bool) -> str | None:
        try:
            return light(deadline, today, self.cal, yellow_within, behind=behind)
        except CalendarYearUnknown as exc:
            self.unknown_years.add(exc.year)
            return calendar_day_light(deadline, today, yellow_within, behind)


def read_ledger(conn: Connection, round_token: str | None, as_of: dt.date | None, now: dt.datetime) -> Ledger:
    round_ = _round(conn, resolve_round(conn, round_token).id)
    zone = ZoneInfo(round_.timezone)
    day = as_of or now.astimezone(zone).date()
    return Ledger(
        round=round_,
        problems=tuple(_problems(conn, round_.id)),
        events=tuple(_events(conn, round_.id, zone)),
        as_of=day,
        activity=_activity(conn, round_.id, zone, day),
    )


def _round(conn: Connection, round_id: int) -> RoundFact:
    r = conn.execute(select(t.rounds).where(t.rounds.c.id == round_id)).one()
    return RoundFact(
        r.id,
        r.name,
        r.code,
        r.inspecting_body,
        r.inspected_unit,
        r.inspection_start,
        r.inspection_end,
        r.feedback_date,
        r.timezone,
    )


def _problems(conn: Connection, round_id: int) -> list[ProblemFact]:
    leader, lead_unit = t.people.alias("leader"), t.units.alias("lead_unit")
    query = (
        select(t.problems, leader.c.name.label("leader_name"), lead_unit.c.name.label("lead_unit_name"))
        .outerjoin(leader, leader.c.id == t.problems.c.leader_id)
        .outerjoin(lead_unit, lead_unit.c.id == t.problems.c.lead_unit_id)
        .where(t.problems.c.round_id == round_id)
        .order_by(t.problems.c.number)
    )
    rows = conn.execute(query).all()
    ids = [r.id for r in rows]
    co_units = _co_units(conn, ids)
    measures = _measures(conn, ids)
    return [
        ProblemFact(
            id=r.id,
            number=r.number,
            title=r.title,
            category=r.category,
            kind=r.kind,
            leader=r.leader_name,
            lead_unit=r.lead_unit_name,
            units=tuple(co_units.get(r.id, ())),
            deadline=r.deadline,
            state=r.state,
            workflow=r.workflow,
            rebound_count=r.rebound_count,
            progress=r.progress,
            measures=tuple(measures.get(r.id, ())),
        )
        for r in rows
    ]


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _co_units(conn: Connection, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(ids):
        query = (
            select(t.problem_units.c.problem_id, t.units.c.name)
            .join(t.units, t.units.c.id == t.problem_units.c.unit_id)
            .where(t.problem_units.c.problem_id.in_(chunk))
            .order_by(t.problem_units.c.problem_id, t.units.c.id)
        )
        for pid, name in conn.execute(query):
            out[pid].append(name)
    return out


def _measures(conn: Connection, ids: list[int]) -> dict[int, list[MeasureFact]]:
    out: dict[int, list[MeasureFact]] = defaultdict(list)
    for chunk in _chunks(ids):
        query = (
            select(t.measures, t.units.c.name.label("unit_name"))
            .outerjoin(t.units, t.units.c.id == t.measures.c.unit_id)
            .where(t.measures.c.problem_id.in_(chunk))
            .order_by(t.measures.c.problem_id, t.measures.c.seq)
        )
        for m in conn.execute(query):
            out[m.problem_id].append(MeasureFact(m.id, m.seq, m.text, m.unit_name, m.deadline, m.state, m.workflow))
    return out


def _events(conn: Connection, round_id: int, zone: ZoneInfo) -> list[EventFact]:
    e = t.events.c
    query = (
        select(e.seq, e.subject_type, e.subject_id, e.trigger, e.from_state, e.to_state, e.at, e.note, e.data)
        .where(e.round_id == round_id, e.subject_type.in_(("problem", "measure")))
        .order_by(e.seq)
    )
    return [_event(row, zone) for row in conn.execute(query)]


def _event(row: Any, zone: ZoneInfo) -> EventFact:
    old_deadline, rebounds = None, None
    if row.data and row.data != "{}" and ('"deadline"' in row.data or '"rebound_count"' in row.data):
        data = json.loads(row.data)
        change = data.get("deadline")
        if isinstance(change, dict) and change.get("old"):
            old_deadline = dt.date.fromisoformat(str(change["old"]))
        if isinstance(data.get("rebound_count"), int):
            rebounds = data["rebound_count"]
    return EventFact(
        seq=row.seq,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        trigger=row.trigger,
        from_state=row.from_state,
        to_state=row.to_state,
        at=row.at,
        day=row.at.astimezone(zone).date(),
        note=row.note,
        old_deadline=old_deadline,
        rebound_count=rebounds,
    )


# --- what the office did: figures other parts of supervise record ---------------------------------


def _activity(conn: Connection, round_id: int, zone: ZoneInfo, as_of: dt.date) -> Activity:
    """Work prompts from the reminders' tables; send-backs from the history; supervision groups, visits
    made, self-checks and reviews from their tables where supervise has them (else None: the notice then
    leaves out the sentence that would need them). Only what happened by the end of the report's day."""
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), zone)
    prompts, recipients = _work_prompts(conn, round_id, end)
    send_backs = conn.execute(
        select(func.count())
        .select_from(t.events)
        .where(t.events.c.round_id == round_id, t.events.c.trigger == "send_back", t.events.c.at < end)
    ).scalar_one()
    recorded = {name: _recorded(conn, name, round_id, end) for name in _RECORDED}
    return Activity(
        work_prompts=prompts,
        prompt_recipients=recipients,
        supervision_groups=recorded["supervision_groups"],
        visits=recorded["visits"],
        selfcheck_campaigns=recorded["selfcheck_campaigns"],
        selfcheck_answers=_selfcheck_answers(conn, round_id, end),
        reviews=recorded["reviews"],
        send_backs=send_backs,
    )


# Tables of supervision (groups, visits, self-checks, reviews): the column that dates a row, and the
# condition a row must meet to count (a visit counts once it was made). Looked up by name, so that a
# deployment without them still reports, leaving those figures out.
_RECORDED: dict[str, tuple[str, tuple[str, str] | None]] = {
    "supervision_groups": ("created_at", None),
    "visits": ("recorded_at", ("state", "done")),
    "selfcheck_campaigns": ("started_at", None),
    "reviews": ("taken_at", None),
}


def _work_prompts(conn: Connection, round_id: int, end: dt.datetime) -> tuple[int | None, int | None]:
    """Work prompts that listed an item of this round, made before the end of the report's day."""
    wp, items, reminders = t.work_prompts, t.prompt_items, t.reminders
    listed = (
        select(wp.c.id, wp.c.person_id)
        .join(items, items.c.prompt_id == wp.c.id)
        .join(reminders, reminders.c.id == items.c.reminder_id)
        .where(reminders.c.round_id == round_id, wp.c.created_at < end)
        .distinct()
        .subquery()
    )
    count, people = conn.execute(select(func.count(listed.c.id), func.count(func.distinct(listed.c.person_id)))).one()
    return int(count), int(people)


def _table(name: str, *columns: str) -> Table | None:
    table = t.Base.metadata.tables.get(name)
    return table if table is not None and all(c in table.c for c in columns) else None


def _recorded(conn: Connection, name: str, round_id: int, end: dt.datetime) -> int | None:
    """Rows of ``name`` for this round dated before ``end``; None if supervise has no such table."""
    dated_by, condition = _RECORDED[name]
    table = _table(name, "round_id", dated_by, *(condition[:1] if condition else ()))
    if table is None:
        return None
    query = select(func.count()).select_from(table).where(table.c.round_id == round_id, table.c[dated_by] < end)
    if condition:
        query = query.where(table.c[condition[0]] == condition[1])
    return int(conn.execute(query).scalar_one())


def _selfcheck_answers(conn: Connection, round_id: int, end: dt.datetime) -> int | None:
    campaigns = _table("selfcheck_campaigns", "id", "round_id")
    items = _table("selfcheck_items", "campaign_id", "answered_at")
    if campaigns is None or items is None:
        return None
    query = (
        select(func.count())
        .select_from(items.join(campaigns, campaigns.c.id == items.c.campaign_id))
        .where(campaigns.c.round_id == round_id, items.c.answered_at < end)
    )
    return int(conn.execute(query).scalar_one())
