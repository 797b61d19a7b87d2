"""Databases and data for the transitions benchmark.

The ledger is built the way an office builds it: the round, units and people come in
through the import service; the many problems are then inserted directly in large
batches (the import service would work too, but only the transitions are measured and
direct inserts set up 100k problems in seconds). Every problem has a responsible
leader, a lead unit and one co-responsible unit, like the problems of the seed's report,
and starts in ``assigned``.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, insert, literal, select, text
from sqlalchemy.engine import make_url

from supervise.adapters import migrate
from supervise.adapters.db import make_engine
from supervise.adapters.tables import people, problem_units, problems, rounds, units
from supervise.adapters.workflow_files import load_registry
from supervise.domain.errors import Defect
from supervise.domain.plan import ParsedPlan, PersonSpec, Plan, RoundSpec
from supervise.domain.text import Text
from supervise.services.context import Context, utc_now
from supervise.services.importing import import_plan

PG_ADMIN_URL = os.environ.get("SUPERVISE_BENCH_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

OFFICE = "张三"  # the actor of every measured transition: the office may start any problem
TRIGGER = "start"  # assigned -> in_progress: no requirements, so the rules cost is the same for every item
SOURCE_STATE, DEST_STATE = "assigned", "in_progress"
_UNITS = ["区委巡察办", "区水务和湖泊局", "区城管执法局"]


@dataclass(frozen=True)
class Database:
    backend: str  # "sqlite" or "postgresql"
    url: str  # SQLAlchemy URL


class _NoLocator:
    """The plan is built in code and valid; the import service never asks where a defect is."""

    def defect(self, path: Iterable[str | int], problem: Text) -> Defect:
        return Defect("bench", "", ".".join(map(str, path)), problem)


def _plan() -> Plan:
    return Plan(
        round=RoundSpec(name="基准测试轮次", code="BENCH", timezone="Asia/Shanghai"),
        units=_UNITS,
        people=[
            PersonSpec(name=OFFICE, email="zhangsan@example.org", unit="区委巡察办", roles=["office"]),
            PersonSpec(name="王五", email="wangwu@example.org", roles=["leader"]),
        ],
    )


def postgres_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@contextmanager
def scratch_database(backend: str) -> Iterator[Database]:
    """A new, migrated, empty database: a SQLite file in a temporary directory, or a PostgreSQL database."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="supervise-bench-") as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            _migrate(url)
            yield Database(backend, url)
        return
    name = f"supervise_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        _migrate(url)
        yield Database(backend, url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()


def populate(db: Database, count: int, batch: int = 20_000) -> None:
    """Import the round and people, then insert problems 1..count in ``assigned``."""
    ctx = Context(make_engine(db.url), load_registry(), utc_now)
    try:
        import_plan(ctx, ParsedPlan(_plan(), _NoLocator()), "bench")
        with ctx.writing() as conn:
            round_id = conn.execute(select(rounds.c.id).where(rounds.c.code == "BENCH")).scalar_one()
            leader_id = conn.execute(select(people.c.id).where(people.c.name == "王五")).scalar_one()
            unit_ids = dict(conn.execute(select(units.c.name, units.c.id)).all())
        workflow = ctx.workflows.get("problem")
        now = ctx.clock()
        for start in range(1, count + 1, batch):
            numbers = range(start, min(start + batch, count + 1))
            with ctx.writing() as conn:
                conn.execute(
                    insert(problems),
                    [_problem(n, round_id, leader_id, unit_ids, workflow.version, now) for n in numbers],
                )
        with ctx.writing() as conn:  # every problem gets the same co-responsible unit
            co_unit = select(problems.c.id, literal(unit_ids[_UNITS[2]])).where(problems.c.round_id == round_id)
            conn.execute(insert(problem_units).from_select(["problem_id", "unit_id"], co_unit))
        if db.backend == "postgresql":
            with ctx.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
    finally:
        ctx.engine.dispose()


def _problem(
    number: int, round_id: int, leader_id: int, unit_ids: dict[str, int], version: int, now: dt.datetime
) -> dict[str, object]:
    return {
        "round_id": round_id,
        "number": number,
        "title": f"问题 {number}：排涝设施存在风险隐患",
        "category": "民生保障",
        "kind": "dated",
        "leader_id": leader_id,
        "lead_unit_id": unit_ids[_UNITS[1]],
        "deadline": dt.date(2024, 3, 31),
        "state": SOURCE_STATE,
        "workflow": "problem",
        "workflow_version": version,
        "rebound_count": 0,
        "progress": None,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


class Numbers:
    """Hands out fresh problem numbers: every measured transition moves a problem nobody moved before."""

    def __init__(self, total: int) -> None:
        self.next, self.total = 1, total

    def take(self, count: int) -> range:
        if self.next + count - 1 > self.total:
            raise RuntimeError(f"the benchmark needs more than the {self.total} problems it created")
        out = range(self.next, self.next + count)
        self.next += count
        return out
