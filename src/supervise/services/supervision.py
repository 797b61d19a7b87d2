"""Supervision groups (督办组) and their on-site visits (实地督办): plan, notify, record, list.

Recording a visit is one transaction: each finding either confirms a problem's progress (an
audit event on the problem) or sends it back (the workflow's ``send_back``, with all its checks);
if any finding cannot be recorded, none is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from supervise.adapters import chain
from supervise.adapters import repository as repo
from supervise.adapters.tables import person_roles, problems, units
from supervise.adapters.tables_oversight import (
    group_members,
    supervision_groups,
    visit_findings,
    visit_problems,
    visit_units,
    visits,
)
from supervise.domain.errors import ActionRefused, Missing, NotFound
from supervise.domain.oversight import OUTCOME_TRIGGERS, finding_defects, may_record_visit, office_only
from supervise.domain.rules import Actor
from supervise.domain.text import Text
from supervise.services.context import Context
from supervise.services.lookup import require_actor, resolve_round
from supervise.services.transitions import Advance, advance_in


@dataclass(frozen=True)
class CreateGroup:
    name: str
    members: tuple[str, ...]
    actor: str
    round: str | None = None


@dataclass(frozen=True)
class PlanVisit:
    group: str
    on: dt.date
    actor: str
    units: tuple[str, ...] = ()
    problems: tuple[int, ...] = ()
    place: str | None = None
    purpose: str | None = None
    round: str | None = None


@dataclass(frozen=True)
class Finding:
    problem: int
    outcome: str  # confirmed | sent_back | reopened
    note: str


@dataclass(frozen=True)
class RecordVisit:
    number: int
    actor: str
    findings: tuple[Finding, ...]
    summary: str | None = None
    round: str | None = None


def create_group(ctx: Context, cmd: CreateGroup) -> dict[str, Any]:
    """A group and its members; members become supervisors (督办组成员) if they were not."""
    with ctx.writing() as conn:
        round_ = resolve_round(conn, cmd.round)
        actor = require_actor(conn, cmd.actor)
        _refuse(cmd.name, office_only(actor, Text("组建督办组", "forming a supervision group")), "create_group")
        members = [require_actor(conn, name) for name in dict.fromkeys(cmd.members)]
        if not members:
            _refuse(
                cmd.name, [Missing("members", Text("督办组至少要有一名成员", "a group needs a member"))], "create_group"
            )
        now = ctx.clock()
        group_id = conn.execute(
            insert(supervision_groups).returning(supervision_groups.c.id),
            {"round_id": round_.id, "name": cmd.name, "created_at": now},
        ).scalar_one()
        conn.execute(insert(group_members), [{"group_id": group_id, "person_id": m.id} for m in members])
        granted = [m for m in members if "supervisor" not in m.roles]
        if granted:
            conn.execute(insert(person_roles), [{"person_id": m.id, "role": "supervisor"} for m in granted])
        _event(
            conn,
            round_.id,
            "group",
            group_id,
            cmd.name,
            "create_group",
            actor,
            now,
            None,
            {"members": [m.name for m in members], "granted_supervisor": [m.name for m in granted]},
        )
    return {"group": cmd.name, "members": [m.name for m in members], "granted_supervisor": [m.name for m in granted]}


def plan_visit(ctx: Context, cmd: PlanVisit) -> dict[str, Any]:
    with ctx.writing() as conn:
        round_ = resolve_round(conn, cmd.round)
        actor = require_actor(conn, cmd.actor)
        _refuse(cmd.group, office_only(actor, Text("安排督办", "planning a visit")), "plan_visit")
        group_id = _group_id(conn, round_.id, cmd.group)
        unit_ids = _named_ids(conn, units, cmd.units, Text("单位", "unit"))
        problem_rows = _problems(conn, round_.id, cmd.problems)
        if not unit_ids:  # visiting problems only: their lead units are the ones visited
            unit_ids = list(dict.fromkeys(u for _, u in problem_rows.values() if u is not None))
        if not unit_ids and not problem_rows:
            _refuse(
                cmd.group,
                [Missing("scope", Text("请指定督办的单位或问题", "name the units or problems to visit"))],
                "plan_visit",
            )
        number = (
            conn.execute(select(func.max(visits.c.number)).where(visits.c.round_id == round_.id)).scalar() or 0
        ) + 1
        now = ctx.clock()
        visit_id = conn.execute(
            insert(visits).returning(visits.c.id),
            {
                "round_id": round_.id,
                "number": number,
                "group_id": group_id,
                "planned_on": cmd.on,
                "place": cmd.place,
                "purpose": cmd.purpose,
                "state": "planned",
                "planned_by_id": actor.id,
                "created_at": now,
            },
        ).scalar_one()
        if unit_ids:
            conn.execute(insert(visit_units), [{"visit_id": visit_id, "unit_id": u} for u in unit_ids])
        if problem_rows:
            conn.execute(
                insert(visit_problems), [{"visit_id": visit_id, "problem_id": p} for p, _ in problem_rows.values()]
            )
        _event(
            conn,
            round_.id,
            "visit",
            visit_id,
            f"visit {number}",
            "plan_visit",
            actor,
            now,
            cmd.purpose,
            {"number": number, "group": cmd.group, "on": cmd.on, "problems": sorted(problem_rows)},
        )
    return {
        "number": number,
        "group": cmd.group,
        "on": cmd.on.isoformat(),
        "units": len(unit_ids),
        "problems": sorted(problem_rows),
    }


def record_visit(ctx: Context, cmd: RecordVisit) -> dict[str, Any]:
    with ctx.writing() as conn:
        round_ = resolve_round(conn, cmd.round)
        actor = require_actor(conn, cmd.actor)
        visit = _visit(conn, round_.id, cmd.number)
        label = f"visit {cmd.number}"
        if visit.state != "planned":
            _refuse(
                label,
                [
                    Missing(
                        "state",
                        Text(
                            f"督办 {cmd.number} 已{'记录' if visit.state == 'done' else '取消'}",
                            f"visit {cmd.number} is already {visit.state}",
                        ),
                    )
                ],
                "record_visit",
            )
        members = frozenset(
            conn.execute(select(group_members.c.person_id).where(group_members.c.group_id == visit.group_id)).scalars()
        )
        _refuse(label, may_record_visit(actor, members) + _findings_defects(conn, visit, cmd.findings), "record_visit")
        now = ctx.clock()
        for finding in cmd.findings:
            _record_finding(ctx, conn, round_.id, visit.id, actor, finding, now)
        conn.execute(
            update(visits).where(visits.c.id == visit.id).values(state="done", recorded_at=now, summary=cmd.summary)
        )
        _event(
            conn,
            round_.id,
            "visit",
            visit.id,
            label,
            "record_visit",
            actor,
            now,
            cmd.summary,
            {"number": cmd.number, "findings": [[f.problem, f.outcome] for f in cmd.findings]},
        )
    sent_back = [f.problem for f in cmd.findings if f.outcome == "sent_back"]
    reopened = [f.problem for f in cmd.findings if f.outcome == "reopened"]
    return {"number": cmd.number, "findings": len(cmd.findings), "sent_back": sent_back, "reopened": reopened}


def cancel_visit(ctx: Context, number: int, actor_name: str, reason: str, round_token: str | None = None) -> None:
    with ctx.writing() as conn:
        round_ = resolve_round(conn, round_token)
        actor = require_actor(conn, actor_name)
        visit = _visit(conn, round_.id, number)
        missing = office_only(actor, Text("取消督办", "cancelling a visit"))
        if visit.state != "planned":
            missing.append(Missing("state", Text(f"督办 {number} 不在计划中", f"visit {number} is {visit.state}")))
        if not reason.strip():
            missing.append(Missing("reason", Text("缺少取消理由", "a reason is required")))
        _refuse(f"visit {number}", missing, "cancel_visit")
        conn.execute(update(visits).where(visits.c.id == visit.id).values(state="cancelled", summary=reason))
        _event(conn, round_.id, "visit", visit.id, f"visit {number}", "cancel_visit", actor, ctx.clock(), reason, {})


def _record_finding(
    ctx: Context, conn: Connection, round_id: int, visit_id: int, actor: Actor, f: Finding, now: dt.datetime
) -> None:
    """A finding that moves the problem fires its trigger with all the workflow's checks; a confirmation is an event."""
    trigger = OUTCOME_TRIGGERS.get(f.outcome)
    if trigger is not None:
        event_id = advance_in(ctx, conn, Advance(str(f.problem), trigger, actor.name, f.note)).event_id
        problem_id, _ = _problems(conn, round_id, (f.problem,))[f.problem]
    else:
        item = repo.load_problems(conn, round_id, [f.problem], lock=False)[f.problem]
        problem_id = item.id
        event_id = _event(
            conn,
            round_id,
            "problem",
            item.id,
            item.ref,
            "visit_confirm",
            actor,
            now,
            f.note,
            {"visit_id": visit_id},
            state=item.state,
        )
    conn.execute(
        insert(visit_findings),
        {
            "visit_id": visit_id,
            "problem_id": problem_id,
            "outcome": f.outcome,
            "note": f.note,
            "recorded_by_id": actor.id,
            "event_id": event_id,
            "recorded_at": now,
        },
    )


def _findings_defects(conn: Connection, visit: Any, findings: tuple[Finding, ...]) -> list[Missing]:
    if not findings:
        return [Missing("findings", Text("请至少记录一个问题的督办情况", "record at least one finding"))]
    in_scope = _visit_scope(conn, visit.id)
    missing: list[Missing] = []
    for f in findings:
        for m in finding_defects(f.outcome, f.note):
            missing.append(Missing(m.code, Text(f"问题 {f.problem}：{m.text.zh}", f"problem {f.problem}: {m.text.en}")))
        if f.problem not in in_scope:
            missing.append(
                Missing(
                    "scope",
                    Text(f"问题 {f.problem} 不在本次督办范围内", f"problem {f.problem} is not within this visit"),
                )
            )
    return missing


def _visit_scope(conn: Connection, visit_id: int) -> set[int]:
    """Problems a visit may report on: those planned, and those led by a visited unit."""
    listed = (
        select(problems.c.number)
        .join(visit_problems, visit_problems.c.problem_id == problems.c.id)
        .where(visit_problems.c.visit_id == visit_id)
    )
    led = (
        select(problems.c.number)
        .join(visit_units, visit_units.c.unit_id == problems.c.lead_unit_id)
        .join(visits, visits.c.id == visit_units.c.visit_id)
        .where(visit_units.c.visit_id == visit_id, problems.c.round_id == visits.c.round_id)
    )
    return set(conn.execute(listed).scalars()) | set(conn.execute(led).scalars())


def _group_id(conn: Connection, round_id: int, name: str) -> int:
    found = conn.execute(
        select(supervision_groups.c.id).where(
            supervision_groups.c.round_id == round_id, supervision_groups.c.name == name
        )
    ).scalar()
    if found is None:
        raise NotFound(Text(f"没有督办组 {name}", f"no supervision group {name}"), group=name)
    return int(found)


def _visit(conn: Connection, round_id: int, number: int) -> Any:
    row = conn.execute(select(visits).where(visits.c.round_id == round_id, visits.c.number == number)).first()
    if row is None:
        raise NotFound(Text(f"没有督办 {number}", f"no visit {number}"), visit=number)
    return row


def _named_ids(conn: Connection, table: Any, names: tuple[str, ...], kind: Text) -> list[int]:
    if not names:
        return []
    found: dict[str, int] = dict(conn.execute(select(table.c.name, table.c.id).where(table.c.name.in_(names))).all())
    missing = [n for n in names if n not in found]
    if missing:
        raise NotFound(
            Text(f"没有{kind.zh}：{'、'.join(missing)}", f"no {kind.en}: {', '.join(missing)}"), missing=missing
        )
    return [found[n] for n in dict.fromkeys(names)]


def _problems(conn: Connection, round_id: int, numbers: tuple[int, ...]) -> dict[int, tuple[int, int | None]]:
    if not numbers:
        return {}
    rows = conn.execute(
        select(problems.c.number, problems.c.id, problems.c.lead_unit_id).where(
            problems.c.round_id == round_id, problems.c.number.in_(numbers)
        )
    ).all()
    found = {n: (pid, unit) for n, pid, unit in rows}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise NotFound(
            Text(f"没有问题：{'、'.join(map(str, missing))}", f"no problem(s): {', '.join(map(str, missing))}"),
            missing=missing,
        )
    return found


def _refuse(subject: str, missing: list[Missing], action: str) -> None:
    if missing:
        raise ActionRefused(subject, action, missing)


def _event(
    conn: Connection,
    round_id: int,
    subject_type: str,
    subject_id: int,
    ref: str,
    trigger: str,
    actor: Actor,
    now: dt.datetime,
    note: str | None,
    data: dict[str, Any],
    state: str | None = None,
) -> int:
    return chain.record_event(
        conn,
        round_id,
        subject=(subject_type, subject_id, ref),
        trigger=trigger,
        actor=actor,
        at=now,
        note=note,
        data=data,
        states=(state, state),
    )
