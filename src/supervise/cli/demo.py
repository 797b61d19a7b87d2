"""``supervise demo``: the reference round replayed from feedback to public report."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from supervise.cli.common import settings_or_exit
from supervise.cli.output import err, out, print_json, reporting
from supervise.demo import scenario
from supervise.demo.runner import DemoResult, run_demo

STATE_LABELS = {
    "closed": "已销号 closed",
    "long_term": "长期坚持 long-term",
    "in_progress": "整改中 in progress",
    "self_check": "自查待核验 self-check",
    "verified": "已核验 verified",
    "assigned": "已交办 assigned",
}


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_cmd)


def demo_cmd(
    directory: Path = typer.Option(Path("supervise-demo"), "--dir", help="演示目录（会被清空）/ where the demo works"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON / print the summary as JSON"),
) -> None:
    """演示：重放江夏区巡视整改全过程 / Replay the reference round, 2023-11-07 to 2024-07-18, through the worker."""
    settings = settings_or_exit(as_json)
    with reporting(as_json, settings.lang, f"sqlite:///{directory}/supervise.db"):
        days = (scenario.END - scenario.START).days + 1
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[day]}"),
            TimeElapsedColumn(),
            console=err,
            disable=as_json,
            transient=True,
        ) as bar:
            task = bar.add_task("重放 / replaying", total=days, day="")

            def on_day(day: dt.date) -> None:
                bar.update(task, advance=1, day=day.isoformat())

            result = run_demo(directory.resolve(), on_day=on_day)
    if as_json:
        data = asdict(result)
        data["directory"] = str(result.directory)
        data["files"] = {k: str(v) for k, v in result.files.items()}
        print_json(data)
        return
    _summary(result)


def _summary(r: DemoResult) -> None:
    out.print(f"[bold]十二届省委第四轮巡视 · 江夏区 — {scenario.START} → {scenario.END}[/bold]")
    table = Table("状态 / state", "问题 / problems", title="问题 / problems")
    for state, count in sorted(r.by_state.items(), key=lambda kv: -kv[1]):
        table.add_row(STATE_LABELS.get(state, state), str(count))
    out.print(table)
    emails = ", ".join(f"{state} {n}" for state, n in sorted(r.emails.items()))
    out.print(f"工作提示 / work prompts sent: {r.prompts} (emails: {emails or '—'})")
    out.print(
        f"实地督办 / supervision visits: {r.visits}   退回 / send-backs: {r.send_backs}   反弹 / rebounds: {r.rebounds}"
    )
    out.print(
        f"逐项对账自查 / self-checks: {r.selfchecks}   盘点 / reviews: {r.reviews}   "
        f"流转 / transitions: {r.transitions}"
    )
    p41 = r.problem_41
    out.print(f"问题41 / problem 41: {p41['state']}, 举措 {p41['measures_done']}/{p41['measures']} — {p41['progress']}")
    out.print("文件 / files:")
    for label, path in (
        ("通报 / public notice", r.files["notice"]),
        ("整改台账 / Excel ledger", r.files["ledger"]),
        ("进展报告 / HTML report", r.files["report"]),
        ("邮件 / emails (.eml)", r.directory / "outbox"),
        ("数据库 / database", r.directory / "supervise.db"),
    ):
        out.print(f"  {label}: {path}")
