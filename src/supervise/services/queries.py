"""Read-only views of the ledger: lists of problems, one problem with its measures and history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Select, and_, or_, select
from sqlalchemy.orm import aliased

from supervise.adapters.tables import (
    events,
    evidence,
    measures,
    people,
    problem_units,
    problems,
    rounds,
    units,
)
from supervise.domain.refs import parse_ref
from supervise.services.context import Context
from supervise.services.lights import attach_lights
from supervise.services.lookup import not_found, resolve_round

leader_t = aliased(people)
lead_unit_t = aliased(units)


@dataclass(frozen=True)
class ProblemFilter:
    round: str | None = None
    state: str | None = None
    unit: str | None = None
    leader: str | None = None
    overdue: bool = False


def today_in(zone: str, now: dt.datetime) -> dt.date:
    """The calendar date at ``now`` where the round is run: deadlines are dates in that zone."""
    return now.astimezone(ZoneInfo(zone)).date()


def list_problems(ctx: Context, flt: ProblemFilter) -> list[dict[str, Any]]:
    with ctx.reading() as conn:
        query = _problem_query()
        if flt.round is not None:
            query = query.where(problems.c.round_id == resolve_round(conn, flt.round).id)
        if flt.state:
            query = query.where(problems.c.state == flt.state)
        if flt.leader:
            query = query.where(leader_t.c.name == flt.leader)
        if flt.unit:
            co = select(problem_units.c.problem_id).join(units, units.c.id == problem_units.c.unit_id)
            query = query.where(
                or_(lead_unit_t.c.name == flt.unit, problems.c.id.in_(co.where(units.c.name == flt.unit)))
            )
        rows = conn.execute(query.order_by(problems.c.round_id, problems.c.number)).all()
        co_units = _co_unit_names(conn, [r.id for r in rows])
    views = [_problem_view(ctx, r, co_units.get(r.id, []), ctx.clock()) for r in rows]
    attach_lights(ctx, views)
    return [v for v in views if v["overdue"]] if flt.overdue else views


def show_problem(ctx: Context, ref_text: str) -> dict[str, Any]:
    ref = parse_ref(ref_text).problem
    with ctx.reading() as conn:
        round_ = resolve_round(conn, ref.round)
        row = conn.execute(
            _problem_query().where(problems.c.round_id == round_.id, problems.c.number == ref.number)
        ).first()
        if row is None:
            raise not_found(ref)
        view = _problem_view(ctx, row, _co_unit_names(conn, [row.id]).get(row.id, []), ctx.clock())
        view["measures"] = _measures(ctx, conn, row.id, view["today"])
        view["evidence"] = _evidence(conn, row.id)
        view["events"] = _events(conn, row.id, [m["id"] for m in view["measures"]], ZoneInfo(row.timezone))
    attach_lights(ctx, [view], with_measures=True)
    return view


def _problem_query() -> Select[Any]:
    return (
        select(
            problems,
            rounds.c.name.label("round_name"),
            rounds.c.code.label("round_code"),
            rounds.c.timezone,
            leader_t.c.name.label("leader_name"),
            lead_unit_t.c.name.label("lead_unit_name"),
        )
        .join(rounds, rounds.c.id == problems.c.round_id)
        .outerjoin(leader_t, leader_t.c.id == problems.c.leader_id)
        .outerjoin(lead_unit_t, lead_unit_t.c.id == problems.c.lead_unit_id)
    )


def _co_unit_names(conn: Connection, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if not ids:
        return out
    query = (
        select(problem_units.c.problem_id, units.c.name)
        .join(units, units.c.id == problem_units.c.unit_id)
        .where(problem_units.c.problem_id.in_(ids))
        .order_by(units.c.id)
    )
    for pid, name in conn.execute(query):
        out.setdefault(pid, []).append(name)
    return out


def _problem_view(ctx: Context, r: Any, co_units: list[str], now: dt.datetime) -> dict[str, Any]:
    workflow = ctx.workflows.get(r.workflow)
    today = today_in(r.timezone, now)
    overdue = r.deadline is not None and r.deadline < today and workflow.tracks_deadline(r.state)
    label = workflow.state_label(r.state)
    return {
        "id": r.id,
        "round": r.round_code or r.round_name,
        "number": r.number,
        "title": r.title,
        "category": r.category,
        "kind": r.kind,
        "state": r.state,
        "state_zh": label.zh,
        "state_en": label.en,
        "deadline": r.deadline.isoformat() if r.deadline else None,
        "leader": r.leader_name,
        "lead_unit": r.lead_unit_name,
        "units": co_units,
        "rebound_count": r.rebound_count,
        "progress": r.progress,
        "version": r.version,
        "workflow": r.workflow,
        "overdue": overdue,
        "days_overdue": (today - r.deadline).days if overdue else 0,
        "today": today,
    }


def _measures(ctx: Context, conn: Connection, problem_id: int, today: dt.date) -> list[dict[str, Any]]:
    query = (
        select(measures, units.c.name.label("unit_name"))
        .outerjoin(units, units.c.id == measures.c.unit_id)
        .where(measures.c.problem_id == problem_id)
        .order_by(measures.c.seq)
    )
    out = []
    for m in conn.execute(query):
        workflow = ctx.workflows.get(m.workflow)
        out.append(
            {
                "id": m.id,
                "seq": m.seq,
                "text": m.text,
                "unit": m.unit_name,
                "deadline": m.deadline.isoformat() if m.deadline else None,
                "state": m.state,
                "state_zh": workflow.state_label(m.state).zh,
                "state_en": workflow.state_label(m.state).en,
                "overdue": m.deadline is not None and m.deadline < today and workflow.tracks_deadline(m.state),
                "workflow": m.workflow,
                "version": m.version,
            }
        )
    return out


def _evidence(conn: Connection, problem_id: int) -> list[dict[str, Any]]:
    query = (
        select(evidence, people.c.name.label("who"), measures.c.seq.label("measure_seq"))
        .outerjoin(people, people.c.id == evidence.c.person_id)
        .outerjoin(measures, measures.c.id == evidence.c.measure_id)
        .where(evidence.c.problem_id == problem_id)
        .order_by(evidence.c.id)
    )
    return [
        {
            "description": e.description,
            "location": e.location,
            "sha256": e.sha256,
            "who": e.who,
            "at": e.created_at.isoformat(),
            "measure": e.measure_seq,
        }
        for e in conn.execute(query)
    ]


def _events(conn: Connection, problem_id: int, measure_ids: list[int], zone: ZoneInfo) -> list[dict[str, Any]]:
    """The history of a problem and its measures; times in the round's zone (stored in UTC)."""
    subject = or_(
        and_(events.c.subject_type == "problem", events.c.subject_id == problem_id),
        and_(events.c.subject_type == "measure", events.c.subject_id.in_(measure_ids or [-1])),
    )
    query = select(events).where(subject).order_by(events.c.seq)
    return [
        {
            "seq": e.seq,
            "ref": e.subject_ref,
            "trigger": e.trigger,
            "from": e.from_state,
            "to": e.to_state,
            "actor": e.actor_name,
            "at": e.at.astimezone(zone).isoformat(),
            "note": e.note,
        }
        for e in conn.execute(query)
    ]
