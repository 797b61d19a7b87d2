"""The supervision visits of a round as the office reads them: group, members, scope and findings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, select

from supervise.adapters.tables import people, problems, units
from supervise.adapters.tables_oversight import (
    group_members,
    supervision_groups,
    visit_findings,
    visit_problems,
    visit_units,
    visits,
)
from supervise.services.context import Context
from supervise.services.lookup import resolve_round


def list_visits(ctx: Context, round_token: str | None = None) -> list[dict[str, Any]]:
    with ctx.reading() as conn:
        round_ = resolve_round(conn, round_token)
        rows = conn.execute(
            select(visits, supervision_groups.c.name.label("group_name"))
            .join(supervision_groups, supervision_groups.c.id == visits.c.group_id)
            .where(visits.c.round_id == round_.id)
            .order_by(visits.c.number)
        ).all()
        return [_visit_view(conn, r) for r in rows]


def _visit_view(conn: Connection, r: Any) -> dict[str, Any]:
    unit_names = _listed(conn, units.c.name, units.c.id, visit_units.c.unit_id, visit_units.c.visit_id == r.id)
    on_visit = visit_problems.c.visit_id == r.id
    numbers = _listed(conn, problems.c.number, problems.c.id, visit_problems.c.problem_id, on_visit, problems.c.number)
    members = _listed(
        conn, people.c.name, people.c.id, group_members.c.person_id, group_members.c.group_id == r.group_id
    )
    findings = conn.execute(
        select(problems.c.number, visit_findings.c.outcome, visit_findings.c.note, people.c.name)
        .join(problems, problems.c.id == visit_findings.c.problem_id)
        .join(people, people.c.id == visit_findings.c.recorded_by_id)
        .where(visit_findings.c.visit_id == r.id)
        .order_by(problems.c.number)
    ).all()
    return {
        "number": r.number,
        "group": r.group_name,
        "members": members,
        "on": r.planned_on.isoformat(),
        "place": r.place,
        "purpose": r.purpose,
        "state": r.state,
        "units": unit_names,
        "problems": numbers,
        "summary": r.summary,
        "findings": [{"problem": n, "outcome": o, "note": note, "by": by} for n, o, note, by in findings],
    }


def _listed(
    conn: Connection,
    column: ColumnElement[Any],
    key: ColumnElement[Any],
    link: ColumnElement[Any],
    of: ColumnElement[bool],
    order: ColumnElement[Any] | None = None,
) -> list[Any]:
    """``column`` of the rows a link table ties to the visit (or group) ``of`` names, by ``order`` (else ``key``)."""
    query = select(column).join(link.table, link == key).where(of).order_by(key if order is None else order)
    return list(conn.execute(query).scalars())
