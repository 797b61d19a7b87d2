"""Exporting a round's ledger: the canonical plan read back from the database, written as YAML, CSV or Excel.

The YAML export is the plan format itself, states included, so that importing it into
an empty database gives the same ledger. CSV and Excel use the conventional layout
(one row per measure) for people to read, filter and hand on, with each problem's
warning light as of the export (a light is derived, so the reader ignores it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import aliased

from supervise.adapters import ledger_files as files
from supervise.adapters.tables import measures, people, person_roles, problem_units, problems, rounds, units
from supervise.domain.errors import Defect, InputRejected
from supervise.domain.ledger_export import Light, ledger_table, plan_yaml
from supervise.domain.lights import LIGHT_LABELS
from supervise.domain.plan import Period, Plan, ProblemSpec, RoundSpec
from supervise.domain.text import Text
from supervise.services.context import Context
from supervise.services.lights import attach_lights
from supervise.services.lookup import resolve_round
from supervise.services.queries import ProblemFilter, list_problems, today_in

EXPORT_FORMATS = ("xlsx", "csv", "yaml")


@dataclass(frozen=True)
class ExportSummary:
    round: str
    path: str
    format: str
    problems: int
    measures: int


def ledger_plan(ctx: Context, round_token: str | None) -> Plan:
    """A round as it stands in the database, in the canonical plan format (states and progress included)."""
    with ctx.reading() as conn:
        round_id = resolve_round(conn, round_token).id
        data = {
            "round": _round(conn, round_id),
            "units": list(conn.execute(select(units.c.name).order_by(units.c.id)).scalars()),
            "people": _people(conn),
            "problems": _problems(conn, round_id),
        }
    return Plan.model_validate(data)


def export_ledger(
    ctx: Context,
    round_token: str | None,
    fmt: str,
    path: Path,
    *,
    lang: str = "zh",
    lights: bool = True,
) -> ExportSummary:
    """Write the ledger to ``path``; CSV and Excel carry each problem's warning light as of today."""
    if fmt not in EXPORT_FORMATS:
        problem = Text(f"未知格式 {fmt}（可用：xlsx、csv、yaml）", f"unknown format {fmt} (known: xlsx, csv, yaml)")
        raise InputRejected("--format", [Defect("--format", "", "", problem)])
    plan = ledger_plan(ctx, round_token)
    today = today_in(plan.round.timezone, ctx.clock())
    try:
        if fmt == "yaml":
            path.write_text(plan_yaml(plan, _yaml_comment(plan, today)), encoding="utf-8")
        else:
            light = _lights(ctx, plan.round.name, lang) if lights else None
            table = ledger_table(plan, ctx.workflows, lang, today, light)
            (files.write_xlsx if fmt == "xlsx" else files.write_csv)(path, table)
    except OSError as exc:
        problem = Text(f"无法写入：{exc.strerror}", f"cannot write: {exc.strerror}")
        raise InputRejected(str(path), [Defect(str(path), "", "-o", problem)]) from None
    count = sum(len(p.measures) for p in plan.problems)
    return ExportSummary(plan.round.name, str(path), fmt, len(plan.problems), count)


def _lights(ctx: Context, round_name: str, lang: str) -> Light:
    """Each problem's light (红灯/黄灯/绿灯) as ``supervise problems`` shows it; none where none applies."""
    views = list_problems(ctx, ProblemFilter(round=round_name))
    attach_lights(ctx, views)
    codes = {v["number"]: v.get("light") for v in views}

    def light(problem: ProblemSpec) -> str | None:
        code = codes.get(problem.number)
        if code not in LIGHT_LABELS:
            return None
        label = LIGHT_LABELS[code]
        return label.zh if lang == "zh" else label.en

    return light


def _yaml_comment(plan: Plan, today: dt.date) -> str:
    return (
        f"{plan.round.name} 整改台账，导出于 {today.isoformat()}（supervise export）。\n"
        f"The ledger of {plan.round.name}, exported {today.isoformat()}; "
        "`supervise import` reads it back into an empty database as the same ledger."
    )


def _round(conn: Connection, round_id: int) -> dict[str, Any]:
    r = conn.execute(select(rounds).where(rounds.c.id == round_id)).one()
    inspection = (
        Period(start=r.inspection_start, end=r.inspection_end) if r.inspection_start and r.inspection_end else None
    )
    spec = RoundSpec(
        name=r.name,
        code=r.code,
        inspecting_body=r.inspecting_body,
        inspected_unit=r.inspected_unit,
        inspection=inspection,
        feedback_date=r.feedback_date,
        timezone=r.timezone,
    )
    return spec.model_dump(exclude_none=True)


def _people(conn: Connection) -> list[dict[str, Any]]:
    roles: dict[int, list[str]] = {}
    for pid, role in conn.execute(select(person_roles.c.person_id, person_roles.c.role).order_by(person_roles.c.role)):
        roles.setdefault(pid, []).append(role)
    query = (
        select(people.c.id, people.c.name, people.c.email, units.c.name.label("unit"))
        .outerjoin(units, units.c.id == people.c.unit_id)
        .order_by(people.c.id)
    )
    out = []
    for p in conn.execute(query):
        person: dict[str, Any] = {"name": p.name, "roles": roles.get(p.id, [])}
        if p.email:
            person["email"] = p.email
        if p.unit:
            person["unit"] = p.unit
        out.append(person)
    return out


def _problems(conn: Connection, round_id: int) -> list[dict[str, Any]]:
    leader, lead_unit = aliased(people), aliased(units)
    query = (
        select(problems, leader.c.name.label("leader_name"), lead_unit.c.name.label("lead_unit_name"))
        .outerjoin(leader, leader.c.id == problems.c.leader_id)
        .outerjoin(lead_unit, lead_unit.c.id == problems.c.lead_unit_id)
        .where(problems.c.round_id == round_id)
        .order_by(problems.c.number)
    )
    co_units = _co_units(conn, round_id)
    all_measures = _measures(conn, round_id)
    out = []
    for p in conn.execute(query):
        item: dict[str, Any] = {
            "number": p.number,
            "title": p.title,
            "category": p.category,
            "kind": p.kind,
            "leader": p.leader_name,
            "lead_unit": p.lead_unit_name,
            "units": co_units.get(p.id, []),
            "deadline": p.deadline,
            "progress": p.progress,
            "workflow": p.workflow,
            "state": p.state,
            "rebound_count": p.rebound_count,
            "measures": all_measures.get(p.id, []),
        }
        out.append({k: v for k, v in item.items() if v is not None})
    return out


def _co_units(conn: Connection, round_id: int) -> dict[int, list[str]]:
    query = (
        select(problem_units.c.problem_id, units.c.name)
        .join(units, units.c.id == problem_units.c.unit_id)
        .join(problems, problems.c.id == problem_units.c.problem_id)
        .where(problems.c.round_id == round_id)
        .order_by(problem_units.c.problem_id, units.c.id)
    )
    out: dict[int, list[str]] = {}
    for pid, name in conn.execute(query):
        out.setdefault(pid, []).append(name)
    return out


def _measures(conn: Connection, round_id: int) -> dict[int, list[dict[str, Any]]]:
    query = (
        select(measures.c.problem_id, measures.c.text, measures.c.deadline, measures.c.state, units.c.name)
        .join(problems, problems.c.id == measures.c.problem_id)
        .outerjoin(units, units.c.id == measures.c.unit_id)
        .where(problems.c.round_id == round_id)
        .order_by(measures.c.problem_id, measures.c.seq)
    )
    out: dict[int, list[dict[str, Any]]] = {}
    for pid, text, deadline, state, unit in conn.execute(query):
        m: dict[str, Any] = {"text": text, "state": state}
        if unit:
            m["unit"] = unit
        if deadline:
            m["deadline"] = deadline
        out.setdefault(pid, []).append(m)
    return out
