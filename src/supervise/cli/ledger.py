"""The ledger: list and show problems, fire triggers one at a time or in bulk."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from supervise.adapters.evidence_files import read_evidence
from supervise.cli.common import JSON, command
from supervise.cli.lights import calendar_warnings, light_cell
from supervise.cli.output import err, out, print_json
from supervise.domain.errors import Defect, InputRejected
from supervise.domain.text import Text
from supervise.services.progress import ReportProgress, report_progress
from supervise.services.queries import ProblemFilter, list_problems, show_problem
from supervise.services.transitions import Advance, BulkAdvance, advance, advance_many

ACTOR = typer.Option(..., "--actor", help="执行人姓名 / who acts (a person's name)")
NOTE = typer.Option(None, "--note", help="说明、理由或销号说明 / note, reason or statement")
DEADLINE = typer.Option(
    None, "--deadline", help="新的整改时限 / new deadline (YYYY-MM-DD), for extend", formats=["%Y-%m-%d"]
)
ROUND = typer.Option(None, "--round", help="轮次代码或名称 / round code or name")


def register(app: typer.Typer) -> None:
    app.command("problems")(problems_cmd)
    app.command("show")(show_cmd)
    app.command("advance")(advance_cmd)
    app.command("bulk")(bulk_cmd)
    app.command("progress")(progress_cmd)


def problems_cmd(
    state: str | None = typer.Option(None, "--state", help="状态 / state, e.g. in_progress"),
    unit: str | None = typer.Option(None, "--unit", help="牵头或责任单位 / lead or co-responsible unit"),
    leader: str | None = typer.Option(None, "--leader", help="责任领导 / responsible leader"),
    overdue: bool = typer.Option(False, "--overdue", help="只看逾期 / overdue only"),
    round_: str | None = ROUND,
    as_json: bool = JSON,
) -> None:
    """问题清单 / List problems."""
    with command(as_json) as (_, ctx):
        rows = list_problems(ctx, ProblemFilter(round_, state, unit, leader, overdue))
    if as_json:
        print_json([_public(r) for r in rows])
        return
    table = Table(
        "#",
        "灯 / light",
        "问题 / title",
        "状态 / state",
        "时限 / deadline",
        "责任领导 / leader",
        "牵头单位 / lead unit",
    )
    for r in rows:
        deadline = r["deadline"] or "—"
        if r["overdue"]:
            deadline = f"[red]{deadline} (+{r['days_overdue']}d)[/red]"
        table.add_row(
            str(r["number"]),
            light_cell(r),
            r["title"],
            r["state_zh"],
            deadline,
            r["leader"] or "—",
            r["lead_unit"] or "—",
        )
    out.print(table)
    out.print(f"共 {len(rows)} 个问题 / {len(rows)} problem(s)")
    for warning in calendar_warnings(rows):
        err.print(f"警告 / warning: {warning}", markup=False)


def _public(view: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if k not in ("id", "today")}


def show_cmd(
    ref: str = typer.Argument(..., help="问题编号 / problem reference: 13 or ROUND:13"), as_json: bool = JSON
) -> None:
    """问题详情、举措与历史 / Show a problem, its measures and its history."""
    with command(as_json) as (_, ctx):
        view = show_problem(ctx, ref)
    if as_json:
        data = _public(view)
        data["measures"] = [{k: v for k, v in m.items() if k != "id"} for m in view["measures"]]
        print_json(data)
        return
    _print_problem(view)


def _print_problem(v: dict[str, Any]) -> None:
    out.print(f"[bold]{v['number']}. {v['title']}[/bold]  ({v['round']})")
    out.print(
        f"状态 / state: {v['state_zh']} ({v['state']})   类型 / kind: {v['kind']}   版本 / version: {v['version']}"
    )
    out.print(
        f"责任领导 / leader: {v['leader'] or '—'}   牵头单位 / lead unit: {v['lead_unit'] or '—'}   "
        f"责任单位 / units: {'、'.join(v['units']) or '—'}"
    )
    overdue = f" [red](逾期 {v['days_overdue']} 天 / overdue)[/red]" if v["overdue"] else ""
    out.print(f"整改时限 / deadline: {v['deadline'] or '—'}{overdue}   反弹 / rebounds: {v['rebound_count']}")
    out.print(f"预警 / light: {light_cell(v)}")
    for warning in calendar_warnings([v, *v["measures"]]):
        err.print(f"警告 / warning: {warning}", markup=False)
    measures = Table(
        "K", "灯 / light", "举措 / measure", "单位 / unit", "时限 / deadline", "状态 / state", title="举措 / measures"
    )
    for m in v["measures"]:
        measures.add_row(
            f"{v['number']}.{m['seq']}", light_cell(m), m["text"], m["unit"] or "—", m["deadline"] or "—", m["state_zh"]
        )
    out.print(measures)
    history = Table(
        "#",
        "时间 / at",
        "事项 / item",
        "操作 / trigger",
        "状态 / state",
        "执行人 / actor",
        "说明 / note",
        title="历史 / history",
    )
    for e in v["events"]:
        move = f"{e['from'] or '∅'} → {e['to']}"
        history.add_row(
            str(e["seq"]), e["at"][:16].replace("T", " "), e["ref"], e["trigger"], move, e["actor"], e["note"] or ""
        )
    out.print(history)


def advance_cmd(
    ref: str = typer.Argument(..., help="问题 13、举措 13.2 或 ROUND:13 / item reference"),
    trigger: str = typer.Argument(..., help="操作 / trigger, e.g. start, submit, verify, close"),
    actor: str = ACTOR,
    note: str | None = NOTE,
    evidence: list[Path] = typer.Option([], "--evidence", help="佐证材料文件（可多个）/ evidence file(s)"),
    deadline: dt.datetime | None = DEADLINE,
    expect_version: int | None = typer.Option(
        None,
        "--expect-version",
        help="仅当版本仍为此值时执行 / act only if the item is still at this version",
    ),
    as_json: bool = JSON,
) -> None:
    """执行一次流转 / Fire one trigger on one problem or measure."""
    with command(as_json) as (_, ctx):
        files = tuple(read_evidence(p) for p in evidence)
        cmd = Advance(ref, trigger, actor, note, files, deadline.date() if deadline else None, expect_version)
        moved = advance(ctx, cmd)
    if as_json:
        print_json(vars(moved))
    else:
        out.print(f"{moved.ref}: {moved.from_state} → {moved.to_state} ({moved.trigger}, v{moved.version})")


def bulk_cmd(
    trigger: str = typer.Argument(..., help="操作 / trigger"),
    refs: list[str] = typer.Argument(None, help="问题编号；缺省按筛选条件 / references; default: by the filters"),
    actor: str = ACTOR,
    note: str | None = NOTE,
    deadline: dt.datetime | None = DEADLINE,
    state: str | None = typer.Option(None, "--state", help="按状态选择 / select by state"),
    unit: str | None = typer.Option(None, "--unit", help="按单位选择 / select by unit"),
    round_: str | None = ROUND,
    as_json: bool = JSON,
) -> None:
    """批量流转（同一事务，全部成功或全部不变）/ Fire one trigger on many problems in one transaction."""
    with command(as_json) as (_, ctx):
        if not refs:
            if not (state or unit or round_):
                raise InputRejected(
                    "bulk",
                    [
                        Defect(
                            "bulk",
                            "",
                            "REFS",
                            Text(
                                "请给出编号或筛选条件（--state/--unit/--round）",
                                "give references or a filter (--state/--unit/--round)",
                            ),
                        )
                    ],
                )
            rows = list_problems(ctx, ProblemFilter(round_, state, unit))
            refs = [f"{r['round']}:{r['number']}" for r in rows]
        elif round_:
            refs = [r if ":" in r else f"{round_}:{r}" for r in refs]
        result = advance_many(
            ctx, BulkAdvance(tuple(refs), trigger, actor, note, deadline.date() if deadline else None)
        )
    if as_json:
        print_json(vars(result))
    else:
        out.print(f"{result.trigger}: {result.moved} 项已流转 / item(s) moved")


def progress_cmd(
    ref: str = typer.Argument(..., help="问题编号 / problem reference"),
    actor: str = ACTOR,
    note: str = typer.Option(..., "--note", help="进展情况 / the progress so far (整改情况)"),
    as_json: bool = JSON,
) -> None:
    """报告整改进展 / Record a problem's progress (kept on the problem and in its history)."""
    with command(as_json) as (_, ctx):
        done = report_progress(ctx, ReportProgress(ref, actor, note))
    if as_json:
        print_json(vars(done))
    else:
        out.print(f"{done.ref}: 进展已记录 / progress recorded (v{done.version})")
