"""Writing a validated plan: checked whole against the database, then written in one transaction or not at all.

The round, the new units and people (with their roles) are written here; the problems, a
few thousand at a time so that a long import can show progress, by ``plan_problems``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select

from supervise.adapters.tables import people, person_roles, problems, rounds, units
from supervise.domain.errors import Defect, InputRejected
from supervise.domain.plan import ParsedPlan, Plan
from supervise.domain.text import Text
from supervise.services.context import Context
from supervise.services.plan_problems import SYSTEM_ACTOR, Progress, create_problems

__all__ = ["SYSTEM_ACTOR", "ImportSummary", "Progress", "write_plan"]


@dataclass
class ImportSummary:
    source: str
    round: str
    round_created: bool
    problems: int = 0
    measures: int = 0
    units_created: list[str] = field(default_factory=list)
    people_created: list[str] = field(default_factory=list)
    dry_run: bool = False
    format: str = "yaml"
    notes: list[str] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)  # a dry run's first problems, as they would be


PREVIEW = 20


class _DryRun(Exception):
    """Raised inside the transaction to roll back a dry run after everything was checked and written."""


def write_plan(
    ctx: Context,
    parsed: ParsedPlan,
    source: str,
    *,
    strict: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    plan = parsed.plan
    summary = ImportSummary(source, plan.round.name, round_created=False, dry_run=dry_run)
    if dry_run:
        summary.preview = [
            {
                "number": p.number,
                "title": p.title,
                "kind": p.kind,
                "deadline": p.deadline.isoformat() if p.deadline else None,
                "leader": p.leader,
                "lead_unit": p.lead_unit,
                "measures": len(p.measures),
            }
            for p in plan.problems[:PREVIEW]
        ]
    try:
        with ctx.writing() as conn:
            _write(ctx, conn, parsed, source, strict, summary, progress)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return summary


def _write(
    ctx: Context,
    conn: Connection,
    parsed: ParsedPlan,
    source: str,
    strict: bool,
    summary: ImportSummary,
    progress: Progress | None,
) -> None:
    plan, now = parsed.plan, ctx.clock()
    round_id = _round_id(conn, plan)
    defects = _conflicts(conn, parsed, round_id, source)
    unit_names, person_names = _unit_names(plan), _person_names(plan)
    unit_ids = _existing(conn, units, unit_names)
    person_ids = _existing(conn, people, person_names)
    listed_units, listed_people = set(plan.units), {x.name for x in plan.people}
    missing_units = [u for u in unit_names if u not in unit_ids and u not in listed_units]
    missing_people = [p for p in person_names if p not in person_ids and p not in listed_people]
    if strict:
        defects += _unknown_defects(parsed, missing_units, missing_people)
    if defects:
        raise InputRejected(source, defects)
    if round_id is None:
        round_id = _insert_round(conn, plan, now)
        summary.round_created = True
    summary.units_created = _create_units(conn, unit_names, unit_ids)
    summary.people_created = _create_people(conn, plan, unit_ids, person_ids, now)
    summary.problems, summary.measures = create_problems(
        ctx, conn, plan, round_id, (unit_ids, person_ids), source, now, progress
    )


def _round_id(conn: Connection, plan: Plan) -> int | None:
    return conn.execute(select(rounds.c.id).where(rounds.c.name == plan.round.name)).scalar()


def _conflicts(conn: Connection, parsed: ParsedPlan, round_id: int | None, source: str) -> list[Defect]:
    plan, defects = parsed.plan, []
    if plan.round.code:
        owner = conn.execute(select(rounds.c.name).where(rounds.c.code == plan.round.code)).scalar()
        if owner is not None and owner != plan.round.name:
            defects.append(
                parsed.locate.defect(
                    ("round", "code"),
                    Text(
                        f"代码 {plan.round.code} 已被轮次 {owner} 使用",
                        f"code {plan.round.code} is used by round {owner}",
                    ),
                )
            )
    if round_id is not None:
        # All of the round's numbers rather than an IN list: a large ledger has more numbers than SQLite allows
        # parameters in one statement.
        taken = set(conn.execute(select(problems.c.number).where(problems.c.round_id == round_id)).scalars())
        for i, p in enumerate(plan.problems):
            if p.number in taken:
                defects.append(
                    parsed.locate.defect(
                        ("problems", i, "number"),
                        Text(
                            f"问题 {p.number} 已在该轮次中存在",
                            f"problem {p.number} already exists in this round",
                        ),
                    )
                )
    return defects


def _unknown_defects(parsed: ParsedPlan, missing_units: list[str], missing_people: list[str]) -> list[Defect]:
    plan, out = parsed.plan, []
    for i, p in enumerate(plan.problems):
        refs: list[tuple[tuple[str | int, ...], str | None, list[str]]] = [
            ((("problems", i, "leader")), p.leader, missing_people),
            ((("problems", i, "lead_unit")), p.lead_unit, missing_units),
        ]
        refs += [((("problems", i, "units", j)), u, missing_units) for j, u in enumerate(p.units)]
        refs += [((("problems", i, "measures", j, "unit")), m.unit, missing_units) for j, m in enumerate(p.measures)]
        for path, name, missing in refs:
            if name is not None and name in missing:
                out.append(parsed.locate.defect(path, Text(f"未知的 {name}（--strict）", f"unknown {name} (--strict)")))
    for i, person in enumerate(plan.people):
        if person.unit is not None and person.unit in missing_units:
            out.append(
                parsed.locate.defect(
                    ("people", i, "unit"),
                    Text(f"未知单位 {person.unit}（--strict）", f"unknown unit {person.unit} (--strict)"),
                )
            )
    return out


def _unit_names(plan: Plan) -> list[str]:
    names = list(plan.units) + [p.unit for p in plan.people if p.unit]
    for p in plan.problems:
        names += [u for u in (p.lead_unit, *p.units, *(m.unit for m in p.measures)) if u]
    return list(dict.fromkeys(names))


def _person_names(plan: Plan) -> list[str]:
    names = [p.name for p in plan.people] + [p.leader for p in plan.problems if p.leader]
    return list(dict.fromkeys(names))


def _existing(conn: Connection, table: Any, names: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(names):
        query = select(table.c.name, table.c.id).where(table.c.name.in_(chunk))
        found.update(dict(conn.execute(query).all()))
    return found


def _chunks(items: list[Any], size: int = 5000) -> Iterable[list[Any]]:
    """IN lists in pieces: SQLite allows at most 32,766 parameters in a statement."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_round(conn: Connection, plan: Plan, now: dt.datetime) -> int:
    r = plan.round
    return int(
        conn.execute(
            insert(rounds).returning(rounds.c.id),
            {
                "name": r.name,
                "code": r.code,
                "inspecting_body": r.inspecting_body,
                "inspected_unit": r.inspected_unit,
                "inspection_start": r.inspection.start if r.inspection else None,
                "inspection_end": r.inspection.end if r.inspection else None,
                "feedback_date": r.feedback_date,
                "timezone": r.timezone,
                "created_at": now,
            },
        ).scalar_one()
    )


def _create_units(conn: Connection, names: list[str], ids: dict[str, int]) -> list[str]:
    new = [n for n in names if n not in ids]
    if new:
        rows = conn.execute(
            insert(units).returning(units.c.id, sort_by_parameter_order=True), [{"name": n} for n in new]
        )
        ids.update(zip(new, rows.scalars(), strict=True))
    return new


def _create_people(
    conn: Connection, plan: Plan, unit_ids: dict[str, int], ids: dict[str, int], now: dt.datetime
) -> list[str]:
    """New people are created; people already known keep their record and gain any new roles."""
    specs = {p.name: p for p in plan.people}
    wanted_roles: dict[str, set[str]] = {p.name: set(p.roles) for p in plan.people}
    for p in plan.problems:
        if p.leader:
            wanted_roles.setdefault(p.leader, set()).add("leader")
    new = [n for n in wanted_roles if n not in ids]
    if new:
        rows = conn.execute(
            insert(people).returning(people.c.id, sort_by_parameter_order=True),
            [
                {
                    "name": n,
                    "email": specs[n].email if n in specs else None,
                    "unit_id": unit_ids.get(specs[n].unit or "") if n in specs else None,
                    "created_at": now,
                }
                for n in new
            ],
        )
        ids.update(zip(new, rows.scalars(), strict=True))
    have = {
        (pid, role)
        for chunk in _chunks([ids[n] for n in wanted_roles])
        for pid, role in conn.execute(
            select(person_roles.c.person_id, person_roles.c.role).where(person_roles.c.person_id.in_(chunk))
        )
    }
    grants = [
        {"person_id": ids[n], "role": r}
        for n, roles in wanted_roles.items()
        for r in sorted(roles)
        if (ids[n], r) not in have
    ]
    if grants:
        conn.execute(insert(person_roles), grants)
    return new
