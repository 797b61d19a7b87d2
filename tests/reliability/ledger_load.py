"""A big open ledger for the load test and bench/reliability_load.py: many problems and measures,
all open, with deadlines spread over a year so that every working day some reach a rung.

The round, units and people come in through the import service; the problems, their
co-responsible units and their measures are inserted in large batches (the import
service would work too, but only the scan and the delivery are under test). Each problem
has 4 measures, so ``items`` open items are ``items / 5`` problems and the rest measures.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert, select, text

from supervise.adapters.calendar import load_calendar
from supervise.adapters.tables import measures, people, problem_units, problems, rounds, units
from supervise.domain.plan import ParsedPlan, PersonSpec, Plan, RoundSpec
from supervise.domain.yamlsource import parse_yaml
from supervise.services.context import Context
from supervise.services.importing import import_plan

ZONE = "Asia/Shanghai"
START = dt.date(2024, 6, 3)  # a Monday
WRITTEN = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)  # when the ledger changed last: before the simulated days


def populate(ctx: Context, items: int, unit_count: int = 500, leader_count: int = 50) -> None:
    names = [f"责任单位{i:03d}" for i in range(1, unit_count + 1)]
    staff = [PersonSpec(name="整改办", email="office@example.org", roles=["office"])]
    staff += [PersonSpec(name="督办组", email="supervisor@example.org", roles=["supervisor"])]
    staff += [PersonSpec(name=f"领导{k:02d}", email=f"l{k}@example.org", roles=["leader"]) for k in range(leader_count)]
    staff += [
        PersonSpec(name=f"联系人{i:03d}", email=f"u{i}@example.org", unit=n, roles=["unit"])
        for i, n in enumerate(names, 1)
    ]
    plan = Plan(round=RoundSpec(name="压力测试轮次", code="R", timezone=ZONE), units=names, people=staff)
    import_plan(ctx, ParsedPlan(plan, parse_yaml("{}", "load")), "load")
    rng = random.Random(7)
    with ctx.writing() as conn:
        round_id = conn.execute(select(rounds.c.id)).scalar_one()
        unit_ids = list(conn.execute(select(units.c.id).order_by(units.c.id)).scalars())
        leaders = list(conn.execute(select(people.c.id).where(people.c.name.like("领导%")).order_by(people.c.id)))
        rows = [_problem(n, round_id, rng, leaders[n % leader_count][0], unit_ids) for n in range(1, items // 5 + 1)]
        conn.execute(insert(problems), rows)
        ids = dict(conn.execute(select(problems.c.number, problems.c.id)).all())
        conn.execute(
            insert(problem_units),
            [{"problem_id": ids[n], "unit_id": unit_ids[(n + 1) % unit_count]} for n in range(1, len(rows) + 1)],
        )
        conn.execute(
            insert(measures),
            [_measure(ids[r["number"]], r, k, unit_ids[rng.randrange(unit_count)]) for r in rows for k in range(1, 5)],
        )
    if ctx.engine.dialect.name == "postgresql":
        with ctx.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def _problem(n: int, round_id: int, rng: random.Random, leader_id: int, unit_ids: list[int]) -> dict[str, object]:
    return {
        "round_id": round_id,
        "number": n,
        "title": f"问题{n}：排涝设施存在风险隐患",
        "kind": rng.choices(["dated", "immediate", "long_term"], [8, 1, 1])[0],
        "leader_id": leader_id,
        "lead_unit_id": unit_ids[n % len(unit_ids)],
        "deadline": START - dt.timedelta(days=30) + dt.timedelta(days=rng.randrange(365)),
        "state": "in_progress",
        "workflow": "problem",
        "workflow_version": 1,
        "rebound_count": 0,
        "version": 1,
        "created_at": WRITTEN,
        "updated_at": WRITTEN,
    }


def _measure(problem_id: int, problem: dict[str, object], seq: int, unit_id: int) -> dict[str, object]:
    deadline = problem["deadline"]
    assert isinstance(deadline, dt.date)
    return {
        "problem_id": problem_id,
        "seq": seq,
        "text": f"举措{problem['number']}.{seq}：完成险情治理工程",
        "unit_id": unit_id,
        "deadline": deadline - dt.timedelta(days=21 * (4 - seq)),  # the last measure is due with its problem
        "state": "doing",
        "workflow": "measure",
        "workflow_version": 1,
        "version": 1,
        "created_at": WRITTEN,
        "updated_at": WRITTEN,
    }


def working_days(ctx: Context, count: int, start: dt.date = START) -> list[dt.date]:
    with ctx.reading() as conn:
        cal = load_calendar(conn)
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        if cal.is_workday(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days
