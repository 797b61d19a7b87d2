"""``supervise report``: the round's progress as text, Markdown, HTML, JSON, Excel, or the public notice."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from supervise.adapters.report_render import render_html, render_json, render_markdown, render_notice
from supervise.adapters.report_terminal import print_report
from supervise.adapters.report_xlsx import write_xlsx
from supervise.cli.common import command
from supervise.cli.output import USAGE, err, out
from supervise.domain.errors import Defect, InputRejected
from supervise.domain.report.labels import words
from supervise.domain.report.notice_config import NoticeConfig, parse_notice_config
from supervise.domain.text import Lang, Text
from supervise.services.reports import ReportRequest, load_notice, load_report


class Format(StrEnum):
    text = "text"
    md = "md"
    html = "html"
    json = "json"
    xlsx = "xlsx"
    notice = "notice"


class Step(StrEnum):
    auto = "auto"
    day = "day"
    week = "week"


def register(app: typer.Typer) -> None:
    app.command("report")(report_cmd)


def report_cmd(
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="text | md | html | json | xlsx | notice (通报)"),
    output: Path | None = typer.Option(None, "--output", "-o", help="写入文件 / write to FILE (xlsx needs one)"),
    round_: str | None = typer.Option(None, "--round", help="轮次代码或名称 / round code or name"),
    as_of: dt.datetime | None = typer.Option(
        None, "--as-of", formats=["%Y-%m-%d"], help="截至日期 / as of DATE (default: today in the round's zone)"
    ),
    step: Step = typer.Option(Step.auto, "--step", help="走势图间隔 / burndown step: auto | day | week"),
    lang: str | None = typer.Option(None, "--lang", help="zh | en | both (default: SUPERVISE_LANG)"),
    notice_config: Path | None = typer.Option(
        None,
        "--notice-config",
        help="通报的发布单位、反馈渠道等 / the office's notice file (YAML), for --format notice",
    ),
) -> None:
    """整改进展报告与通报 / Progress report on a round, or its public notice (通报)."""
    if fmt is Format.xlsx and output is None:
        _usage(Text("xlsx 格式需要 -o 文件名", "--format xlsx needs -o FILE"))
    if lang is not None and lang not in ("zh", "en", "both"):
        _usage(Text(f"--lang 应为 zh、en 或 both，而不是 {lang}", f"--lang must be zh, en or both, not {lang}"))
    request = ReportRequest(round_, as_of.date() if as_of else None, step.value)
    with command(fmt is Format.json) as (settings, ctx):
        language: Lang = lang or settings.lang  # type: ignore[assignment]
        if fmt is Format.notice:
            config = _notice_config(notice_config)
            notice = load_notice(ctx, request, config)
            _emit(render_notice(notice), output, language)
            _warn([words(n, language) for n in notice.notes])
            return
        report = load_report(ctx, request)
    _warn([words(n, language) for n in report.notes] if fmt is not Format.text else [])
    if fmt is Format.xlsx:
        assert output is not None
        write_xlsx(report, output, language)
        _wrote(output, language)
    elif fmt is Format.text:
        if output is None:
            print_report(report, out, language)
        else:
            with output.open("w", encoding="utf-8") as f:
                print_report(report, Console(file=f, width=160, no_color=True, soft_wrap=True), language)
            _wrote(output, language)
    else:
        renderers = {Format.md: render_markdown, Format.html: render_html}
        body = render_json(report) if fmt is Format.json else renderers[fmt](report, language)
        _emit(body, output, language)


def _notice_config(path: Path | None) -> NoticeConfig:
    if path is None:
        return NoticeConfig()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problem = Text(f"无法读取：{exc}", f"cannot read it: {exc}")
        raise InputRejected(str(path), [Defect(str(path), "", "", problem)]) from None
    return parse_notice_config(text, str(path))


def _emit(body: str, output: Path | None, lang: Lang) -> None:
    if output is None:
        typer.echo(body, nl=False)
        return
    output.write_text(body, encoding="utf-8")
    _wrote(output, lang)


def _wrote(path: Path, lang: Lang) -> None:
    err.print(words(Text(f"已写入 {path}", f"wrote {path}"), lang), markup=False, highlight=False)


def _warn(lines: list[str]) -> None:
    for line in lines:
        err.print(line, style="yellow", markup=False, highlight=False)


def _usage(text: Text) -> None:
    err.print(text.render(), markup=False, highlight=False)
    raise typer.Exit(USAGE)
