"""Fixtures for security: a round with a person in every position, a real SMTP server, secret-bearing settings.

The people, by what they may do to the problems of ``PLAN`` (all led by 区水务和湖泊局, with
区城管执法局 co-responsible, and 王五 their responsible leader):

| person | roles | unit | standing |
|---|---|---|---|
| 张三 | office | 区委巡察办 | the rectification office |
| 郑十 | office, supervisor | 区委巡察办 | both at once |
| 赵六 | supervisor | — | a supervision group member |
| 王五 | leader | — | the problems' responsible leader |
| 钱七 | leader | — | another problem's leader, not these |
| 李四 | unit | 区水务和湖泊局 | contact of the lead unit |
| 孙七 | unit | 区城管执法局 | contact of a co-responsible unit |
| 周八 | unit | 区发改局 | contact of an unrelated unit (but the own unit of the measures) |
| 吴九 | — | 区发改局 | in the directory, with no role |
| 陈一 | unit | 区水务和湖泊局 | the lead unit's other contact, who submits the fixes others check |
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from supervise.domain.plan import parse_plan
from supervise.services.context import Context
from supervise.services.importing import import_plan
from tests.reminders.conftest import smtp_server  # noqa: F401 - the same real SMTP server fixture

ACTORS = ["张三", "郑十", "赵六", "王五", "钱七", "李四", "孙七", "周八", "吴九"]
SUBMITTER = "陈一"

PEOPLE = """
round: {name: 安全测试轮次, code: SEC, timezone: Asia/Shanghai, feedback_date: 2023-11-07}
units: [区委巡察办, 区水务和湖泊局, 区城管执法局, 区发改局]
people:
  - {name: 张三, email: zhangsan@example.org, unit: 区委巡察办, roles: [office]}
  - {name: 郑十, email: zhengshi@example.org, unit: 区委巡察办, roles: [office, supervisor]}
  - {name: 赵六, email: zhaoliu@example.org, roles: [supervisor]}
  - {name: 王五, email: wangwu@example.org, roles: [leader]}
  - {name: 钱七, email: qianqi@example.org, roles: [leader]}
  - {name: 李四, email: lisi@example.org, unit: 区水务和湖泊局, roles: [unit]}
  - {name: 孙七, email: sunqi@example.org, unit: 区城管执法局, roles: [unit]}
  - {name: 周八, email: zhouba@example.org, unit: 区发改局, roles: [unit]}
  - {name: 吴九, email: wujiu@example.org, unit: 区发改局, roles: []}
  - {name: 陈一, email: chenyi@example.org, unit: 区水务和湖泊局, roles: [unit]}
"""


def problem_yaml(number: int, measures: int = 0, leader: str = "王五", deadline: str = "2024-03-29") -> str:
    """One problem of the security round, led by 区水务和湖泊局 with 区城管执法局, its measures owned by 区发改局."""
    items = "".join(
        f"      - {{text: 举措{number}-{k}, unit: 区发改局, deadline: {deadline}}}\n" for k in range(1, measures + 1)
    )
    listed = "\n" + items if items else " []\n"
    return (
        f"  - number: {number}\n    title: 问题{number}\n    leader: {leader}\n    lead_unit: 区水务和湖泊局\n"
        f"    units: [区城管执法局]\n    deadline: {deadline}\n    measures:{listed}"
    )


def plan_text(problems: str) -> str:
    return PEOPLE + "problems:\n" + problems


def import_text(ctx: Context, text: str) -> None:
    import_plan(ctx, parse_plan(text, "security.yaml", ctx.workflows), "security.yaml")


@pytest.fixture
def small_round(ctx: Context) -> Context:
    """Problems 1–3 (assigned, one measure each) in the security round, everyone in place."""
    import_text(ctx, plan_text("".join(problem_yaml(n, measures=1) for n in (1, 2, 3))))
    return ctx


def beijing(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").astimezone(dt.UTC)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_ctx(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[Context]:
    """A fresh migrated database of each backend for one test module (its tests use disjoint items)."""
    from supervise.adapters import migrate
    from supervise.adapters.db import make_engine
    from supervise.adapters.workflow_files import load_registry
    from tests.conftest import FixedClock
    from tests.services import scratch_postgres_database

    clock = FixedClock(dt.datetime(2024, 3, 1, 2, 0, tzinfo=dt.UTC))
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("security") / "supervise.db"
        shutil.copy(sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        yield Context(engine, load_registry(), clock)
        engine.dispose()
        return
    with scratch_postgres_database() as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        yield Context(engine, load_registry(), clock)
        engine.dispose()
