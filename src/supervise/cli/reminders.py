"""Reminders from the command line: scan, deliver, plan, the prompts sent, the calendar, worker and beat."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from supervise.adapters.mail import make_mailer
from supervise.cli.common import JSON, command, settings_or_exit
from supervise.cli.output import err, out, print_json
from supervise.domain.errors import Defect, InputRejected
from supervise.domain.text import Text
from supervise.services import calendar as calendar_service
from supervise.services.delivery import deliver, options_from
from supervise.services.plan import plan
from supervise.services.prompts import last_run, list_prompts
from supervise.services.reminders import ScanOptions, scan
from supervise.settings import Settings

remind_app = typer.Typer(help="催办提醒 / reminders and work prompts", no_args_is_help=True)
calendar_app = typer.Typer(help="工作日历 / the working-day calendar", no_args_is_help=True)

NOW = typer.Option(
    None, "--now", help="按此时间运行（ISO 8601；无时区则按 SUPERVISE_TIMEZONE）/ act as if it were this time"
)


def register(app: typer.Typer) -> None:
    app.add_typer(remind_app, name="remind")
    app.add_typer(calendar_app, name="calendar")
    app.command("prompts")(prompts_cmd)
    app.command("worker")(worker_cmd)
    app.command("beat")(beat_cmd)


def _when(text: str | None, settings: Settings) -> dt.datetime | None:
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        problem = Text(f"无法识别的时间 {text!r}（如 2024-03-25T09:00+08:00）", f"cannot read time {text!r}")
        raise InputRejected("--now", [Defect("--now", "", "--now", problem)]) from None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(settings.worker.timezone))


@remind_app.command("scan")
def scan_cmd(
    now: str | None = NOW,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="只显示将发给谁，不记录 / show what goes to whom, record nothing"
    ),
    full: bool = typer.Option(False, "--full", help="检查全部未办结事项 / look at every open item"),
    as_json: bool = JSON,
) -> None:
    """扫描到期事项并生成工作提示 / Record due reminders and write one work prompt per recipient."""
    with command(as_json) as (settings, ctx):
        options = ScanOptions(_when(now, settings), dry_run, full, True, settings.worker.remind_at)
        result = scan(ctx, options)
    if as_json:
        print_json(
            {
                "run_id": None if dry_run else result.run_id,
                "now": result.now,
                "full": result.full,
                "dry_run": dry_run,
                "reminders": result.reminders,
                "prompts": [vars(p) for p in result.prompts],
                "problems": result.problems,
            }
        )
        return
    verb = "将生成 / would write" if dry_run else "已生成 / wrote"
    out.print(f"{verb} {len(result.prompts)} 份工作提示 work prompt(s), {result.reminders} 条提醒 reminder(s)")
    for p in result.prompts:
        out.print(f"[bold]No. {p.number}[/bold] → {p.recipient} <{p.email or '无邮箱 / no address'}>", highlight=False)
        for item in p.items:
            out.print(
                f"    {item['ref']}  {item['rung']}  ({item['audience']}, {item['light'] or '—'})", highlight=False
            )
    _problems(result.problems)


def _problems(problems: list[dict[str, Any]]) -> None:
    for p in problems:
        err.print(f"警告 / warning: {p['zh']} / {p['en']}", markup=False, highlight=False)


@remind_app.command("deliver")
def deliver_cmd(now: str | None = NOW, as_json: bool = JSON) -> None:
    """在本进程发送待发邮件（发送任务所做之事）/ Deliver pending outbox messages in this process."""
    with command(as_json) as (settings, ctx):
        mailer = make_mailer(settings.mail)
        result = deliver(ctx, mailer, options_from(settings), now=_when(now, settings))
        where = settings.mail.safe_smtp_url or str(settings.mail.outbox_dir)
    summary = {
        "to": where,
        "sent": len(result.sent),
        "retrying": len(result.retrying),
        "failed": len(result.failed),
        "next_attempt_at": result.next_attempt_at,
    }
    if as_json:
        print_json(summary)
        return
    out.print(
        f"已发送 / sent {summary['sent']}, 待重试 / to retry {summary['retrying']}, 失败 / failed {summary['failed']}"
        f" → {where}",
        highlight=False,
    )
    if result.failed:
        err.print("失败的邮件见 / see the failures with: supervise prompts --failed")


@remind_app.command("plan")
def plan_cmd(
    until: dt.datetime = typer.Option(..., "--until", formats=["%Y-%m-%d"], help="截止日期 / up to this date"),
    now: str | None = NOW,
    as_json: bool = JSON,
) -> None:
    """按日期列出阶梯将发送的提醒 / The reminders the ladder will send, by date, if nothing changes."""
    with command(as_json) as (settings, ctx):
        result = plan(ctx, until.date(), _when(now, settings), settings.worker.remind_at)
    if as_json:
        print_json({"entries": result.entries, "problems": result.problems})
        return
    table = Table("日期 / date", "事项 / item", "梯级 / rung", "时限 / deadline", "发给 / to", "要求 / expected")
    for e in result.entries:
        table.add_row(
            e["date"].isoformat(),
            e["ref"],
            e["rung"] + (f" #{e['occurrence'] + 1}" if e["occurrence"] else ""),
            e["deadline"].isoformat() if e["deadline"] else "—",
            "、".join(e["to"]),
            e["expected_zh"],
        )
    out.print(table)
    out.print(f"共 {len(result.entries)} 条 / {len(result.entries)} reminder(s) until {until.date().isoformat()}")
    _problems(result.problems)


def prompts_cmd(
    failed: bool = typer.Option(False, "--failed", help="只看发送失败的 / failed deliveries only"),
    limit: int = typer.Option(100, "--limit", min=1, help="最多显示 / at most this many"),
    as_json: bool = JSON,
) -> None:
    """已发出的工作提示 / Work prompts: number, recipient, items, delivery state."""
    with command(as_json) as (_, ctx):
        rows = list_prompts(ctx, failed=failed, limit=limit)
        run = last_run(ctx)
    if as_json:
        print_json({"prompts": rows, "last_scan": run})
        return
    table = Table("No.", "收件人 / to", "事项 / items", "生成 / written", "状态 / delivery", "说明 / detail")
    styles = {"sent": "green", "failed": "bold red", "pending": "yellow", "sending": "cyan"}
    for r in rows:
        state = r["state"] or "—"
        detail = r["last_error"] or ""
        if r["next_attempt_at"]:
            detail = f"{detail} (下次 / next {r['next_attempt_at']:%Y-%m-%d %H:%M} UTC)".strip()
        table.add_row(
            str(r["number"]),
            f"{r['recipient']} <{r['email'] or '—'}>",
            "\n".join(r["items"]),
            f"{r['created_at']:%Y-%m-%d %H:%M}",
            f"[{styles.get(state, 'white')}]{state}[/] ×{r['attempts'] or 0}",
            detail,
        )
    out.print(table)
    if run is not None:
        out.print(
            f"最近一次扫描 / last scan: {run['now']:%Y-%m-%d %H:%M} UTC — "
            f"{run['reminders']} reminder(s), {run['prompts']} prompt(s)"
        )
        _problems(run["problems"])


@calendar_app.command("set")
def calendar_set(
    day: dt.datetime = typer.Argument(..., formats=["%Y-%m-%d"], help="日期 / date"),
    workday: bool = typer.Option(..., "--workday/--holiday", help="上班（调休）或放假 / a working day or a holiday"),
    note: str | None = typer.Option(None, "--note", help="说明（如 国办发明电〔2026〕X号）/ why"),
    as_json: bool = JSON,
) -> None:
    """录入一天的放假或调休上班 / Mark one date as a working day or a holiday (overrides the national calendar)."""
    with command(as_json) as (_, ctx):
        calendar_service.set_day(ctx, day.date(), workday, note)
    if as_json:
        print_json({"day": day.date(), "workday": workday, "note": note})
    else:
        out.print(f"{day.date().isoformat()}: {'上班 / working day' if workday else '放假 / holiday'}")


@calendar_app.command("unset")
def calendar_unset(day: dt.datetime = typer.Argument(..., formats=["%Y-%m-%d"]), as_json: bool = JSON) -> None:
    """删除一天的录入 / Remove the office's entry for a date."""
    with command(as_json) as (_, ctx):
        removed = calendar_service.unset_day(ctx, day.date())
    if as_json:
        print_json({"day": day.date(), "removed": removed})
    else:
        out.print(f"{day.date().isoformat()}: {'已删除 / removed' if removed else '无录入 / nothing to remove'}")


@calendar_app.command("declare")
def calendar_declare(
    year: int = typer.Argument(..., min=2000, max=2100),
    note: str | None = typer.Option(None, "--note", help="依据 / the notice it follows"),
    as_json: bool = JSON,
) -> None:
    """声明某年的放假安排已录入完毕 / Declare a year known: weekends plus the dates entered with `calendar set`."""
    with command(as_json) as (_, ctx):
        calendar_service.declare_year(ctx, year, note)
    if as_json:
        print_json({"year": year, "declared": True})
    else:
        out.print(f"{year}: 已声明 / declared — 其放假与调休以 calendar set 录入为准 / its holidays are those entered")


@calendar_app.command("show")
def calendar_show(year: int = typer.Argument(..., min=2000, max=2100), as_json: bool = JSON) -> None:
    """显示某年的节假日与调休 / Show a year's holidays, make-up working days and the office's entries."""
    with command(as_json) as (_, ctx):
        info = calendar_service.show_year(ctx, year)
    if as_json:
        print_json(info)
        return
    out.print(f"{year} ({info['source']}; known {info['known'][0]}–{info['known'][1]})")
    out.print("放假（工作日）/ holidays on weekdays: " + ", ".join(d.strftime("%m-%d") for d in info["holidays"]))
    out.print(
        "调休上班（周末）/ make-up working days: " + ", ".join(d.strftime("%m-%d") for d in info["makeup_workdays"])
    )
    for o in info["overrides"]:
        kind = "上班 / working" if o["workday"] else "放假 / holiday"
        out.print(f"  录入 / entry {o['day'].isoformat()}: {kind} {o['note'] or ''}")


def worker_cmd(
    loglevel: str = typer.Option("INFO", "--loglevel", help="日志级别 / log level"),
    concurrency: int = typer.Option(2, "--concurrency", min=1, help="进程数 / worker processes (Redis mode)"),
) -> None:
    """启动 Celery 工作进程 / Start a Celery worker (embedded mode: broker, worker and beat in this one process)."""
    with _database_ready() as settings:
        from worker.app import app

        if settings.worker.embedded:
            _run_embedded(app, settings, loglevel)
            return
        out.print(f"worker → {settings.worker!r}", highlight=False)
        app.worker_main(["worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}", "--queues=supervise"])


@contextmanager
def _database_ready() -> Iterator[Settings]:
    """The settings, once the database is reachable and at the current schema; failures reported as by any command.

    Without this check a worker started on a database that is down, or not yet initialised,
    would look healthy while every scan it takes fails, one log line at a time.
    """
    with command(False) as (settings, ctx):
        ctx.engine.dispose()  # only the check needed it: the tasks open their own engine
        yield settings


def _run_embedded(app: Any, settings: Settings, loglevel: str) -> None:
    import threading

    from supervise.settings import data_dir
    from worker.embedded import embedded

    schedule = data_dir() / "beat-schedule"
    schedule.parent.mkdir(parents=True, exist_ok=True)
    out.print(
        "嵌入模式 / embedded mode: in-process broker, one worker thread and the beat "
        f"(scan every {settings.worker.scan_every:g}s). Ctrl-C to stop.",
        highlight=False,
    )
    with embedded(app, beat=True, schedule=schedule, loglevel=loglevel):
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            out.print("stopping…")


def beat_cmd(
    loglevel: str = typer.Option("INFO", "--loglevel"),
    schedule: str = typer.Option("celerybeat-schedule", "--schedule", help="beat 状态文件 / the beat's state file"),
) -> None:
    """启动唯一的 beat（定时扫描）/ Start the one beat: it triggers the scan and the outbox sweep."""
    if settings_or_exit(False).worker.embedded:
        err.print(
            "嵌入模式下 supervise worker 已包含 beat / in the embedded mode `supervise worker` runs the beat "
            "itself; set SUPERVISE_BROKER_URL to run a separate beat"
        )
        raise typer.Exit(2)
    with _database_ready() as settings:
        from worker.app import app

        out.print(f"beat → {settings.worker!r}", highlight=False)
        app.start(["beat", f"--loglevel={loglevel}", f"--schedule={schedule}"])
