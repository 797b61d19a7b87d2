"""A round with a known history, made through the real import and transition paths on a fixed clock.

Times are 09:30 in Shanghai (01:30 UTC), so each step lands on the calendar day it names.

    problem  kind       lead unit        deadline     what happens
    1        dated      区发改局         2024-03-31   started; 1.1 done 2024-01-20; 1.2 (due 03-31) still open
    2        immediate  区发改局         2023-12-31   closed 2023-12-25 (47 days after the import)
    8        dated      区教育局         2024-06-30   started, nothing else
    13       dated      区水务和湖泊局   2024-03-31   both measures done, closed 2024-04-02 (146 days)
    17       long_term  区公安分局       2024-06-30   measures done, verified, kept under long-term review 2024-03-28
    40       dated      区发改局         2024-05-31   closed 2024-02-10, reopened (a rebound) 2024-03-01
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from supervise.adapters.repository import NewEvidence
from supervise.domain.plan import parse_plan
from supervise.services.context import Context
from supervise.services.importing import import_plan
from supervise.services.progress import ReportProgress, report_progress
from supervise.services.transitions import Advance, advance
from tests.conftest import FixedClock

PLAN = """
round:
  name: 十二届省委第四轮巡视
  code: R4
  inspecting_body: 省委第十一巡视组
  inspected_unit: 江夏区
  inspection: {start: 2023-07-17, end: 2023-09-15}
  feedback_date: 2023-11-07
  timezone: Asia/Shanghai
units: [区委巡察办, 区发改局, 区教育局, 区水务和湖泊局, 区城管执法局, 区公安分局]
people:
  - {name: 张三, email: zhangsan@example.org, unit: 区委巡察办, roles: [office]}
  - {name: 李四, unit: 区水务和湖泊局, roles: [unit]}
  - {name: 孙七, unit: 区发改局, roles: [unit]}
  - {name: 周八, unit: 区教育局, roles: [unit]}
  - {name: 吴九, unit: 区公安分局, roles: [unit]}
  - {name: 王五, roles: [leader]}
  - {name: 郑十, roles: [leader]}
  - {name: 赵六, roles: [supervisor]}
problems:
  - number: 1
    title: 学用结合不紧密
    kind: dated
    leader: 王五
    lead_unit: 区发改局
    deadline: 2024-03-31
    measures:
      - {text: 明晰产业赛道，细化形成产业体系, deadline: 2024-01-31}
      - {text: 印发深化重点产业链链长制工作机制的通知, deadline: 2024-03-31}
  - number: 2
    title: “车光产业跨界融合示范区”实施方案印发不及时
    kind: immediate
    leader: 王五
    lead_unit: 区发改局
    deadline: 2023-12-31
    progress: 2023年9月印发实施方案，制定重点目标任务清单
  - number: 8
    title: 南部教育资源短缺
    kind: dated
    leader: 郑十
    lead_unit: 区教育局
    deadline: 2024-06-30
    measures:
      - {text: 启动山坡高中改扩建项目, deadline: 2024-06-30}
  - number: 13
    title: 防洪和排涝设施存在风险隐患,脱坡未及时治理
    kind: dated
    leader: 王五
    lead_unit: 区水务和湖泊局
    units: [区城管执法局]
    deadline: 2024-03-31
    measures:
      - {text: 完成新河、斧头湖南大堤、金水河港渠险情治理工程, unit: 区水务和湖泊局, deadline: 2024-01-31}
      - {text: 开展金水河流域脱坡隐患专项排查, unit: 区城管执法局, deadline: 2024-03-31}
  - number: 17
    title: 黄赌毒、电诈等案件居高不下
    kind: long_term
    leader: 郑十
    lead_unit: 区公安分局
    deadline: 2024-06-30
    measures:
      - {text: 开展打击黄赌违法犯罪, deadline: 2024-03-31}
      - {text: 开展打击治理毒品问题攻坚行动, deadline: 2024-03-31}
      - {text: 加强电诈防范工作, deadline: 2024-03-31}
  - number: 40
    title: 上轮巡视反馈问题整改不彻底、出现反弹
    kind: dated
    leader: 郑十
    lead_unit: 区发改局
    deadline: 2024-05-31
    measures:
      - {text: 对工程建设招投标项目进行全面清查, deadline: 2024-01-31}
"""

IMPORTED = dt.datetime(2023, 11, 8, 1, 30, tzinfo=dt.UTC)
EVIDENCE = (NewEvidence("验收报告", "evidence/report.pdf", hashlib.sha256(b"report").hexdigest()),)

# (day, ref, trigger, actor, note); evidence is attached to every measure's finish.
STEPS: list[tuple[str, str, str, str, str | None]] = [
    ("2023-11-10", "1", "start", "孙七", None),
    ("2023-11-10", "2", "start", "孙七", None),
    ("2023-11-10", "8", "start", "周八", None),
    ("2023-11-10", "13", "start", "李四", None),
    ("2023-11-10", "17", "start", "吴九", None),
    ("2023-11-10", "40", "start", "孙七", None),
    ("2023-12-20", "2", "submit", "孙七", "已印发实施方案"),
    ("2023-12-22", "2", "verify", "赵六", None),
    ("2023-12-25", "2", "close", "张三", "同意销号"),
    ("2024-01-15", "13.1", "finish", "李四", None),
    ("2024-01-20", "1.1", "finish", "孙七", None),
    ("2024-02-01", "40.1", "finish", "孙七", None),
    ("2024-02-05", "40", "submit", "孙七", "已全面清查"),
    ("2024-02-08", "40", "verify", "赵六", None),
    ("2024-02-10", "40", "close", "张三", "同意销号"),
    ("2024-03-01", "40", "reopen", "赵六", "部分项目再次出现违规分包"),
    ("2024-03-10", "17.1", "finish", "吴九", None),
    ("2024-03-12", "17.2", "finish", "吴九", None),
    ("2024-03-15", "17.3", "finish", "吴九", None),
    ("2024-03-18", "13.2", "finish", "李四", None),
    ("2024-03-20", "17", "submit", "吴九", "三项举措均已完成"),
    ("2024-03-25", "13", "submit", "李四", "险情治理工程完工"),
    ("2024-03-26", "17", "verify", "赵六", None),
    ("2024-03-28", "13", "verify", "赵六", None),
    ("2024-03-28", "17", "keep_long_term", "张三", None),
    ("2024-04-02", "13", "close", "张三", "同意销号"),
]
PROGRESS: list[tuple[str, str, str, str]] = [
    ("2024-01-25", "1", "孙七", "印发《关于进一步深化全区重点产业链链长制工作机制的通知》"),
    ("2024-03-30", "13", "李四", "完成新河、斧头湖南大堤险情治理工程，1051米的脱坡已完成治理"),
    ("2024-04-10", "8", "周八", "启动山坡高中改扩建项目"),
]
AS_OF = dt.date(2024, 4, 15)


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(1, 30), dt.UTC)


def make_history(ctx: Context, clock: FixedClock, until: str = "9999-12-31") -> None:
    """Import the plan on 2023-11-08 and replay the steps and progress notes up to ``until``."""
    clock.now = IMPORTED
    import_plan(ctx, parse_plan(PLAN, "plan.yaml", ctx.workflows), "plan.yaml")
    work = [(d, 0, ref, trig, actor, note) for d, ref, trig, actor, note in STEPS]
    work += [(d, 1, ref, "progress", actor, note) for d, ref, actor, note in PROGRESS]
    for day, _, ref, trigger, actor, note in sorted(work, key=lambda w: (w[0], w[1])):
        if day > until:
            break
        clock.now = at(day)
        if trigger == "progress":
            report_progress(ctx, ReportProgress(ref, actor, note or ""))
            continue
        evidence = EVIDENCE if trigger == "finish" else ()
        advance(ctx, Advance(ref, trigger, actor, note=note, evidence=evidence))
    clock.now = at(AS_OF.isoformat())


@pytest.fixture
def history(ctx: Context, clock: FixedClock) -> Context:
    """The round above, replayed in full; the clock stands on 2024-04-15."""
    make_history(ctx, clock)
    return ctx
