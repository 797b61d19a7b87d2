"""Supervision groups and visits, self-check campaigns, reviews."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from supervise.adapters.evidence_files import read_evidence
from supervise.cli.common import JSON, command
from supervise.cli.ledger import ACTOR, ROUND
from supervise.cli.output import out, print_json
from supervise.domain.errors import Defect, InputRejected
from supervise.domain.text import Text
from supervise.services import reviews, selfcheck, supervision, visit_views

group_app = typer.Typer(help="督办组 / supervision groups", no_args_is_help=True)
visit_app = typer.Typer(help="实地督办 / supervision visits", no_args_is_help=True)
selfcheck_app = typer.Typer(help="逐项对账自查 / self-check campaigns", no_args_is_help=True)
DATE = ["%Y-%m-%d"]


def register(app: typer.Typer) -> None:
    app.add_typer(group_app, name="group")
    app.add_typer(visit_app, name="visit")
    app.add_typer(selfcheck_app, name="selfcheck")
    app.command("review")(review_cmd)


@group_app.command("create")
def group_create(
    name: str = typer.Argument(..., help="督办组名称 / group name, e.g. 第一督办组"),
    members: list[str] = typer.Option(..., "--member", help="成员姓名（可多个）/ member (repeatable)"),
    actor: str = ACTOR,
    round_: str | None = ROUND,
    as_json: bool = JSON,
) -> None:
    """组建督办组 / Form a supervision group (members get the supervisor role)."""
    with command(as_json) as (_, ctx):
        done = supervision.create_group(ctx, supervision.CreateGroup(name, tuple(members), actor, round_))
    if as_json:
        print_json(done)
    else:
        out.print(f"{done['group']}: {'、'.join(done['members'])}")


@visit_app.command("plan")
def visit_plan(
    group: str = typer.Option(..., "--group", help="督办组 / the group"),
    on: dt.datetime = typer.Option(..., "--date", formats=DATE, help="督办日期 / the day (YYYY-MM-DD)"),
    units: list[str] = typer.Option([], "--unit", help="被督办单位（可多个）/ unit visited"),
    problems: list[int] = typer.Option([], "--problem", help="督办的问题编号（可多个）/ problem number"),
    place: str | None = typer.Option(None, "--place", help="地点 / place"),
    purpose: str | None = typer.Option(None, "--purpose", help="督办事项 / what the visit is for"),
    actor: str = ACTOR,
    round_: str | None = ROUND,
    as_json: bool = JSON,
) -> None:
    """安排实地督办 / Plan a visit; the units are notified before it."""
    with command(as_json) as (_, ctx):
        cmd = supervision.PlanVisit(group, on.date(), actor, tuple(units), tuple(problems), place, purpose, round_)
        done = supervision.plan_visit(ctx, cmd)
    if as_json:
        print_json(done)
    else:
        out.print(f"督办 No.{done['number']} / visit {done['number']}: {done['group']} {done['on']}")


@visit_app.command("record")
def visit_record(
    number: int = typer.Argument(..., help="督办编号 / visit number"),
    confirm: list[str] = typer.Option([], "--confirm", help="问题号=情况 / N=what was confirmed"),
    send_back: list[str] = typer.Option([], "--send-back", help="问题号=理由 / N=why it goes back"),
    reopen: list[str] = typer.Option([], "--reopen", help="问题号=反弹情况 / N=how a closed problem rebounded"),
    summary: str | None = typer.Option(None, "--summary", help="总体情况 / summary"),
    actor: str = ACTOR,
    round_: str | None = ROUND,
    as_json: bool = JSON,
) -> None:
    """记录督办情况 / Record what a visit found, problem by problem (all or nothing)."""
    with command(as_json) as (_, ctx):
        findings = [_finding(text, "confirmed") for text in confirm] + [_finding(t, "sent_back") for t in send_back]
        findings += [_finding(text, "reopened") for text in reopen]
        done = supervision.record_visit(ctx, supervision.RecordVisit(number, actor, tuple(findings), summary, round_))
    if as_json:
        print_json(done)
    else:
        back = "、".join(map(str, done["sent_back"])) or "—"
        again = "、".join(map(str, done["reopened"])) or "—"
        out.print(
            f"督办 No.{number}: {done['findings']} 项已记录 / findings recorded; 退回 / sent back: {back}; "
            f"反弹重启 / reopened: {again}"
        )


def _finding(text: str, outcome: str) -> supervision.Finding:
    number, sep, note = text.partition("=")
    if not sep or not number.strip().isdigit():
        raise InputRejected(
            "visit record",
            [
                Defect(
                    "visit record",
                    "",
                    f"--{outcome.replace('_', '-')}",
                    Text(f"应写成 问题号=说明，而不是 {text!r}", f"expected NUMBER=NOTE, not {text!r}"),
                )
            ],
        )
    return supervision.Finding(int(number), outcome, note.strip())


@visit_app.command("cancel")
def visit_cancel(
    number: int = typer.Argument(..., help="督办编号 / visit number"),
    note: str = typer.Option(..., "--note", help="取消理由 / reason"),
    actor: str = ACTOR,
    round_: str | None = ROUND,
) -> None:
    """取消督办 / Cancel a planned visit."""
    with command(False) as (_, ctx):
        supervision.cancel_visit(ctx, number, actor, note, round_)
    out.print(f"督办 No.{number} 已取消 / cancelled")


@visit_app.command("list")
def visit_list(round_: str | None = ROUND, as_json: bool = JSON) -> None:
    """督办记录 / Visits, planned and done, with their findings."""
    with command(as_json) as (_, ctx):
        rows = visit_views.list_visits(ctx, round_)
    if as_json:
        print_json(rows)
        return
    table = Table(
        "No.", "日期 / date", "督办组 / group", "单位 / units", "问题 / problems", "状态 / state", "结论 / findings"
    )
    for v in rows:
        findings = "；".join(f"{f['problem']} {f['outcome']}" for f in v["findings"]) or "—"
        table.add_row(
            str(v["number"]),
            v["on"],
            v["group"],
            "、".join(v["units"]) or "—",
            ", ".join(map(str, v["problems"])) or "—",
            v["state"],
            findings,
        )
    out.print(table)


@selfcheck_app.command("start")
def selfcheck_start(
    title: str = typer.Option(..., "--title", help="名称 / title, e.g. 2024年一季度逐项对账自查"),
    due: dt.datetime = typer.Option(..., "--due", formats=DATE, help="截止日期 / answers due by"),
    actor: str = ACTOR,
    round_: str | None = ROUND,
    as_json: bool = JSON,
) -> None:
    """发起逐项对账自查 / Ask every lead unit to confirm each of its open items by a date."""
    with command(as_json) as (_, ctx):
        done = selfcheck.start_campaign(ctx, selfcheck.StartCampaign(title, due.date(), actor, round_))
    if as_json:
        print_json(done)
    else:
        out.print(
            f"自查 No.{done['number']} / self-check {done['number']}: {done['items']} 项 items, due {done['due']}"
        )


@selfcheck_app.command("answer")
def selfcheck_answer(
    ref: str = typer.Argument(..., help="问题编号 / problem"),
    answer: str = typer.Argument(..., help="on_track | done | blocked"),
    note: str | None = typer.Option(None, "--note", help="说明或受阻原因 / note, or why it is blocked"),
    evidence: list[Path] = typer.Option([], "--evidence", help="佐证材料 / evidence file(s)"),
    campaign: int | None = typer.Option(None, "--campaign", help="自查编号；缺省为最近一次 / default: the latest"),
    actor: str = ACTOR,
    as_json: bool = JSON,
) -> None:
    """填报自查 / Answer a self-check for one problem."""
    with command(as_json) as (_, ctx):
        files = tuple(read_evidence(p) for p in evidence)
        done = selfcheck.answer(ctx, selfcheck.Answer(ref, answer, actor, note, files, campaign))
    if as_json:
        print_json(done)
    else:
        out.print(f"自查 No.{done['campaign']}: {done['ref']} → {done['answer']}")


@selfcheck_app.command("status")
def selfcheck_status(
    campaign: int | None = typer.Option(None, "--campaign", help="自查编号；缺省为最近一次 / default: the latest"),
    round_: str | None = ROUND,
    as_json: bool = JSON,
) -> None:
    """自查进度（按单位）/ Answers by unit, and who has not answered."""
    with command(as_json) as (_, ctx):
        result = selfcheck.status(ctx, round_, campaign)
    if as_json:
        print_json(result)
        return
    out.print(
        f"自查 No.{result['campaign']} {result['title']} — 截止 / due {result['due']}, "
        f"未填报 / unanswered {result['unanswered']} of {result['items']}"
    )
    table = Table(
        "单位 / unit", "事项 / items", "按计划 / on track", "已完成 / done", "受阻 / blocked", "未填报 / unanswered"
    )
    for r in result["by_unit"]:
        table.add_row(r["unit"], *(str(r[k]) for k in ("items", "on_track", "done", "blocked", "unanswered")))
    out.print(table)


def review_cmd(
    actor: str | None = typer.Option(None, "--actor", help="盘点人 / who takes the review (office)"),
    as_of: dt.datetime | None = typer.Option(None, "--as-of", formats=DATE, help="盘点日期 / as of (default today)"),
    list_: bool = typer.Option(False, "--list", help="列出历次盘点 / list the reviews taken"),
    round_: str | None = ROUND,
    as_json: bool = JSON,
) -> None:
    """盘点：保存一份台账快照 / Take a dated snapshot of the ledger (or --list them)."""
    with command(as_json) as (_, ctx):
        if list_:
            rows = reviews.list_reviews(ctx, round_)
        else:
            if actor is None:
                raise InputRejected(
                    "review", [Defect("review", "", "--actor", Text("请给出盘点人", "--actor is required"))]
                )
            rows = [reviews.take_review(ctx, actor, round_, as_of.date() if as_of else None)]
    if as_json:
        print_json(rows if list_ else rows[0])
        return
    table = Table(
        "#",
        "盘点日 / as of",
        "问题 / problems",
        "已销号 / closed",
        "未完成 / open",
        "长期 / long-term",
        "逾期 / overdue",
        "反弹 / rebounds",
    )
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["as_of"],
            *(str(r[k]) for k in ("problems", "closed", "open", "long_term", "overdue", "rebounds")),
        )
    out.print(table)
