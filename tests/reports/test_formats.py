"""Every format renders the same report: JSON (stable keys), Markdown, the terminal, HTML (inline SVG), Excel."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser

import openpyxl
import pytest
from rich.console import Console

from supervise.adapters.report_render import render_html, render_json, render_markdown
from supervise.adapters.report_terminal import print_report
from supervise.adapters.report_xlsx import write_xlsx
from supervise.domain.report import SCHEMA
from supervise.services.reports import ReportRequest, load_report

pytestmark = pytest.mark.usefixtures("history")

TOP_KEYS = {
    "schema",
    "round",
    "as_of",
    "summary",
    "lights",
    "ledger",
    "overdue",
    "overdue_by_unit",
    "overdue_by_leader",
    "days_to_close",
    "burndown",
    "league",
    "activity",
    "notes",
}


@pytest.fixture
def report(history):
    return load_report(history, ReportRequest())


def test_the_json_report_has_its_documented_keys(report):
    data = json.loads(render_json(report))
    assert set(data) == TOP_KEYS
    assert data["schema"] == SCHEMA
    assert data["as_of"] == "2024-04-15"
    assert data["summary"]["problems_by_signal"]["red"] == 1
    assert data["lights"][0] == {
        "number": 1,
        "title": "学用结合不紧密",
        "kind": "dated",
        "lead_unit": "区发改局",
        "leader": "王五",
        "deadline": "2024-03-31",
        "state": "in_progress",
        "state_label": {"zh": "整改中", "en": "In progress"},
        "signal": "red",
        "days_overdue": 15,
        "days_left": None,
        "measures": 2,
        "measures_done": 1,
        "measures_overdue": 1,
        "rebound_count": 0,
    }
    assert data["overdue_by_unit"][0] | {"items": []} == {
        "name": "区发改局",
        "items": [],
        "count": 2,
        "max_days": 15,
        "total_days": 30,
    }
    assert data["days_to_close"]["median"] == 96.5
    assert data["burndown"]["points"][-1] == {"day": "2024-04-15", "open": 3, "long_term": 1, "closed": 2, "total": 6}
    assert data["league"][0]["on_time_rate"] == 1.0
    assert data["ledger"][3]["measures"][1]["unit"] == "区城管执法局"


def test_the_markdown_report_has_every_section_and_problem(report):
    md = render_markdown(report, "both")
    for heading in ("## 概况", "## 红黄绿灯", "## 未销号问题走势", "## 逾期事项·按单位", "## 销号用时", "## 单位排名"):
        assert heading in md
    rows = [line for line in md.splitlines() if "🔴" in line or "✅" in line]
    assert len(rows) == 3  # 1 red; 2 and 13 done
    assert "| 1.2 | 印发深化重点产业链链长制工作机制的通知 | 2024-03-31 | 15 |" in md


def test_markdown_cells_escape_pipes(report):
    report.lights[0] = type(report.lights[0])(**{**report.lights[0].__dict__, "title": "a|b\nc"})
    assert "| a\\|b<br>c |" in render_markdown(report, "zh")


def test_the_terminal_report_reads_in_one_language(report):
    buffer = io.StringIO()
    print_report(report, Console(file=buffer, width=160, no_color=True), "zh")
    text = buffer.getvalue()
    assert "红黄绿灯" in text and "单位排名" in text and "区发改局 (2)" in text
    assert "Warning lights" not in text


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.svg_titles: list[str] = []
        self._in_svg_title = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.links += [v or "" for k, v in attrs if k in ("src", "href")]
        self._in_svg_title = tag == "title" and "svg" in self.tags

    def handle_data(self, data):
        if self._in_svg_title:
            self.svg_titles.append(data)
            self._in_svg_title = False


def test_the_html_report_is_one_file_with_its_charts_and_no_script(report):
    html = render_html(report, "both")
    page = _Page()
    page.feed(html)
    assert page.tags.count("svg") == 3
    assert page.svg_titles == [
        "未销号问题走势 / Open problems over time",
        "红黄绿灯 / Warning lights",
        "单位排名 / League table of units",
    ]
    assert "script" not in page.tags
    assert page.links == []  # no external stylesheet, image or font
    assert page.tags.count("polyline") >= 2  # the burndown's lines
    assert "学用结合不紧密" in html and "Rectification progress report" in html


def test_the_html_report_escapes_user_text(report):
    report.lights[0] = type(report.lights[0])(**{**report.lights[0].__dict__, "title": "<b>x</b>"})
    html = render_html(report, "zh")
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_the_html_report_in_english_only(report):
    html = render_html(report, "en")
    assert "League table of units" in html and "单位排名" not in html


def test_the_workbook_has_a_summary_the_ledger_and_the_league_table(report, tmp_path):
    path = tmp_path / "report.xlsx"
    write_xlsx(report, path, "both")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["概况", "整改台账", "单位排名", "逾期事项", "销号用时", "走势"]
    ledger = book["整改台账"]
    headers = [c.value for c in ledger[2]]
    assert headers == [
        "序号",
        "问题",
        "整改措施",
        "责任领导",
        "牵头单位",
        "责任单位",
        "整改时限",
        "完成情况",
        "状态",
        "灯",
    ]
    rows = {r[0]: r for r in ledger.iter_rows(min_row=3, values_only=True)}
    assert set(rows) == {1, 2, 8, 13, 17, 40}
    assert rows[1][9] == "红灯" and rows[13][9] == "已完成"
    assert rows[13][5] == "区城管执法局"
    assert rows[13][2].splitlines()[0] == "1. 完成新河、斧头湖南大堤、金水河港渠险情治理工程（已完成，2024-01-31）"
    assert rows[8][7] == "启动山坡高中改扩建项目"
    assert ledger.cell(3, 10).fill.fgColor.rgb.endswith("F4C7C3")  # problem 1's red light
    league = list(book["单位排名"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in league] == ["区公安分局", "区城管执法局", "区水务和湖泊局", "区发改局", "区教育局"]
    assert book["走势"]._charts  # the burndown chart
    summary = {r[0]: r[1] for r in book["概况"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert summary["问题 / Problems"] == 6
