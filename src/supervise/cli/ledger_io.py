"""Ledgers in and out: ``supervise import`` (plan, CSV, Excel, report text) and ``supervise export``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import TracebackType

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from supervise.cli.common import JSON, command
from supervise.cli.output import err, out, print_json
from supervise.domain.deadlines import PolicyOptions
from supervise.services.exporting import export_ledger
from supervise.services.importing import ImportRequest, ImportSummary, import_file

DATE = ["%Y-%m-%d"]
# Below this many rows an import is over before a bar would be read.
PROGRESS_FROM = 300
STAGES = {"load": "读取 / reading", "read": "检查 / checking", "write": "写入 / writing"}


def register(app: typer.Typer) -> None:
    app.command("import")(import_cmd)
    app.command("export")(export_cmd)


def import_cmd(
    path: Path = typer.Argument(..., help="整改方案 YAML、台账 CSV/XLSX 或通报文本 / plan, ledger or report text"),
    fmt: str | None = typer.Option(
        None, "--format", help="yaml|csv|xlsx|report；缺省按扩展名 / default: from the file's suffix"
    ),
    round_: str | None = typer.Option(None, "--round", help="导入已有轮次（代码或名称）/ into an existing round"),
    new_round: str | None = typer.Option(None, "--new-round", help="新建轮次的名称 / a new round's name"),
    code: str | None = typer.Option(None, "--code", help="新轮次代码 / the new round's code, e.g. R4"),
    feedback_date: dt.datetime | None = typer.Option(
        None, "--feedback-date", formats=DATE, help="新轮次反馈日期 / the new round's feedback date"
    ),
    timezone: str | None = typer.Option(None, "--timezone", help="新轮次时区 / time zone (Asia/Shanghai)"),
    plan: Path | None = typer.Option(
        None, "--plan", help="给出轮次、单位、人员的方案文件 / a plan file with the round, units and people"
    ),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel 工作表名 / the Excel sheet to read"),
    immediate_days: int = typer.Option(
        30, "--immediate-days", min=0, help="立行立改：反馈后几天内完成 / immediate fixes are due N days after feedback"
    ),
    default_deadline: dt.datetime | None = typer.Option(
        None, "--default-deadline", formats=DATE, help="未写时限的限期问题 / deadline where none is written"
    ),
    strict: bool = typer.Option(False, "--strict", help="未知的人员或单位视为错误 / reject unknown people and units"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只检查，不写入 / check and show, write nothing"),
    as_json: bool = JSON,
) -> None:
    """导入整改方案、台账或通报 / Import a plan, a ledger or a published report: validated whole, all or nothing."""
    given = {"name": new_round, "code": code, "feedback_date": feedback_date, "timezone": timezone}
    if new_round is None and any(v is not None for v in given.values()):
        raise typer.BadParameter("--code/--feedback-date/--timezone describe a --new-round", param_hint="--new-round")
    request = ImportRequest(
        path=path,
        format=fmt,
        round=round_,
        new_round={k: (v.date() if isinstance(v, dt.datetime) else v) for k, v in given.items()} if new_round else {},
        plan=plan,
        sheet=sheet,
        options=PolicyOptions(immediate_days, default_deadline.date() if default_deadline else None),
        strict=strict,
        dry_run=dry_run,
    )
    with command(as_json) as (_, ctx), _Bars(enabled=not as_json) as bars:
        summary = import_file(ctx, request, bars)
    if as_json:
        print_json(vars(summary))
    else:
        _print_summary(summary)


def _print_summary(s: ImportSummary) -> None:
    verb = "将导入（未写入）/ would import (nothing written)" if s.dry_run else "已导入 / imported"
    out.print(f"{verb}: {s.round} — {s.problems} 个问题 problems, {s.measures} 项举措 measures")
    if s.round_created:
        out.print(f"新建轮次 / new round: {s.round}")
    for label, names in (("新建单位 / new units", s.units_created), ("新建人员 / new people", s.people_created)):
        if names:
            out.print(f"{label} ({len(names)}): {'、'.join(names)}", markup=False)
    for note in s.notes:
        out.print(f"注 / note: {note}", markup=False)
    if s.dry_run and s.preview:
        table = Table("#", "问题 / title", "类型 / kind", "时限 / deadline", "责任领导 / leader", "举措 / measures")
        for p in s.preview:
            table.add_row(
                str(p["number"]), p["title"], p["kind"], p["deadline"] or "—", p["leader"] or "—", str(p["measures"])
            )
        out.print(table)
        if s.problems > len(s.preview):
            out.print(f"… 另有 {s.problems - len(s.preview)} 个 / {s.problems - len(s.preview)} more")


class _Bars:
    """A progress bar per stage, on stderr, once an import is large enough to need one."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.progress: Progress | None = None
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _Bars:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self.progress is not None:
            self.progress.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total <= PROGRESS_FROM:
            return
        if self.progress is None:
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            )
            self.progress.start()
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(STAGES.get(stage, stage), total=total)
        self.progress.update(self.tasks[stage], completed=done)


def export_cmd(
    output: Path = typer.Option(..., "-o", "--output", help="输出文件 / the file to write"),
    fmt: str | None = typer.Option(None, "--format", help="xlsx|csv|yaml；缺省按扩展名 / default: from -o's suffix"),
    round_: str | None = typer.Option(None, "--round", help="轮次代码或名称 / round code or name"),
    headers: str = typer.Option("zh", "--headers", help="表头语言 zh|en / header language for xlsx and csv"),
    as_json: bool = JSON,
) -> None:
    """导出整改台账 / Export the ledger (YAML re-imports as the same ledger; CSV and Excel for people)."""
    chosen = fmt or {".xlsx": "xlsx", ".csv": "csv", ".yaml": "yaml", ".yml": "yaml"}.get(output.suffix.lower())
    if chosen is None:
        raise typer.BadParameter("give --format xlsx|csv|yaml or an -o file ending in one", param_hint="--format")
    if headers not in ("zh", "en"):
        raise typer.BadParameter("zh or en", param_hint="--headers")
    with command(as_json) as (_, ctx):
        summary = export_ledger(ctx, round_, chosen, output, lang=headers)
    if as_json:
        print_json(vars(summary))
        return
    out.print(
        f"已导出 / exported: {summary.round} — {summary.problems} 个问题 problems, "
        f"{summary.measures} 项举措 measures → {summary.path}"
    )
