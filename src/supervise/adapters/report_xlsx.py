"""The report as an Excel workbook: a summary, the ledger (整改台账) with its lights, the league table,
the overdue items, days to close and the burndown (with a line chart).

The ledger sheet uses the headers offices use (序号, 问题, 整改措施, 责任领导, 牵头单位, 责任单位,
整改时限, 完成情况, 状态, 灯), one row per problem, its measures listed in one cell.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from supervise.domain.report.labels import KIND_LABELS, LABELS, words
from supervise.domain.report.model import SIGNAL_LABELS, SIGNALS, LedgerRow, Report, activity_rows
from supervise.domain.text import Lang

FILLS = {
    "red": "F4C7C3",
    "yellow": "FCE8B2",
    "green": "B7E1CD",
    "none": "E8EAED",
    "long_term": "C6DAFC",
    "done": "A8DAB5",
}
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
LEDGER_COLUMNS = (
    "col_number",
    "col_title",
    "col_measure_text",
    "col_leader",
    "col_lead_unit",
    "col_units",
    "col_deadline",
    "col_progress",
    "col_state",
    "col_light",
)
LEDGER_WIDTHS = (6, 36, 56, 10, 16, 22, 12, 48, 12, 8)


def write_xlsx(report: Report, path: Path, lang: Lang = "both") -> None:
    zh = lang != "en"
    book = openpyxl.Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "概况" if zh else "Summary"
    _summary(summary, report, lang)
    _ledger(book.create_sheet("整改台账" if zh else "Ledger"), report, zh)
    _league(book.create_sheet("单位排名" if zh else "Units"), report, lang)
    _overdue(book.create_sheet("逾期事项" if zh else "Overdue"), report, lang)
    _closing(book.create_sheet("销号用时" if zh else "Days to close"), report, lang)
    _burndown(book.create_sheet("走势" if zh else "Burndown"), report, lang)
    book.save(path)


def _one(key: str, lang: Lang) -> str:
    """Headers in one language (Chinese unless only English was asked for): a sheet is a table to sort."""
    return words(LABELS[key], "en" if lang == "en" else "zh")


def _title(sheet: Worksheet, text: str, width: int) -> None:
    sheet.append([text])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(1, width))
    sheet.cell(1, 1).font = Font(bold=True, size=14)


def _table(sheet: Worksheet, headers: list[str], rows: list[list[Any]], widths: list[int] | None = None) -> int:
    """Headers and rows under whatever the sheet holds; returns the header's row number."""
    head = sheet.max_row + 1 if sheet.max_row > 1 or sheet.cell(1, 1).value else 1
    for c, name in enumerate(headers, start=1):
        cell = sheet.cell(head, c, name)
        cell.font, cell.fill, cell.border, cell.alignment = Font(bold=True), _HEAD_FILL, _BORDER, _WRAP
    for r, row in enumerate(rows, start=head + 1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(r, c, value)
            cell.border, cell.alignment = _BORDER, _WRAP
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, float):
                cell.number_format = "0%"
    for c, w in enumerate(widths or [], start=1):
        sheet.column_dimensions[get_column_letter(c)].width = w
    return head


def _summary(sheet: Worksheet, r: Report, lang: Lang) -> None:
    s = r.summary
    _title(sheet, f"{r.round.name} {words(LABELS['report'], lang)}", 3)
    sheet.append([words(LABELS["as_of"], lang), r.as_of])
    sheet.cell(2, 2).number_format = "yyyy-mm-dd"
    figures: list[list[Any]] = [
        [words(LABELS["problems"], lang), s.problems],
        [words(LABELS["closed"], lang), s.problems_closed],
        [words(LABELS["closed_share"], lang), s.closed_share],
        [words(LABELS["open"], lang), s.problems_open],
        [words(LABELS["overdue"], lang), s.problems_overdue],
        [words(LABELS["long_term"], lang), s.problems_long_term],
        [words(LABELS["rebounds"], lang), s.rebounds],
        [words(LABELS["measures"], lang), s.measures],
        [f"{words(LABELS['measures'], lang)} · {words(LABELS['done'], lang)}", s.measures_done],
        [f"{words(LABELS['measures'], lang)} · {words(LABELS['overdue'], lang)}", s.measures_overdue],
        [words(LABELS["median_days"], lang), r.days_to_close.median],
        [words(LABELS["max_days"], lang), r.days_to_close.max],
    ]
    figures += [[words(LABELS[k], lang), v] for k, v in activity_rows(r)]
    head = _table(sheet, ["", words(LABELS["total"], lang)], figures, [34, 14])
    sheet.cell(head + 3, 2).number_format = "0%"
    sheet.cell(head + 11, 2).number_format = "0.0"
    sheet.append([])
    rows = [[words(SIGNAL_LABELS[k], lang), s.problems_by_signal[k], s.measures_by_signal[k]] for k in SIGNALS]
    head = _table(
        sheet, [words(LABELS["by_light"], lang), words(LABELS["problems"], lang), words(LABELS["measures"], lang)], rows
    )
    for i, key in enumerate(SIGNALS, start=head + 1):
        sheet.cell(i, 1).fill = PatternFill("solid", fgColor=FILLS[key])
    sheet.append([])
    states = [[words(c.label, lang), c.count] for c in s.problems_by_state]
    states += [[f"{words(LABELS['measures'], lang)} · {words(c.label, lang)}", c.count] for c in s.measures_by_state]
    _table(sheet, [words(LABELS["by_state"], lang), words(LABELS["total"], lang)], states)
    if r.notes:
        sheet.append([])
        for note in r.notes:
            sheet.append([words(note, lang)])


def _ledger(sheet: Worksheet, r: Report, zh: bool) -> None:
    lang: Lang = "zh" if zh else "en"
    _title(sheet, f"{r.round.name} {'整改台账' if zh else 'ledger'}（{r.as_of.isoformat()}）", len(LEDGER_COLUMNS))
    rows = [_ledger_cells(row, lang) for row in r.ledger]
    head = _table(sheet, [_one(k, lang) for k in LEDGER_COLUMNS], rows, list(LEDGER_WIDTHS))
    light_col = LEDGER_COLUMNS.index("col_light") + 1
    for i, row in enumerate(r.ledger, start=head + 1):
        sheet.cell(i, light_col).fill = PatternFill("solid", fgColor=FILLS[row.signal])
    sheet.freeze_panes = f"C{head + 1}"
    sheet.auto_filter.ref = f"A{head}:{get_column_letter(len(LEDGER_COLUMNS))}{head + len(rows)}"


def _ledger_cells(row: LedgerRow, lang: Lang) -> list[Any]:
    measures = "\n".join(
        f"{m.seq}. {m.text}（{words(m.state_label, lang)}"
        + (f"，{m.deadline.isoformat()}" if m.deadline else "")
        + (f"，{'逾期' if lang == 'zh' else 'overdue'} {m.days_overdue}" if m.days_overdue else "")
        + "）"
        for m in row.measures
    )
    deadline: Any = row.deadline or (words(KIND_LABELS["long_term"], lang) if row.kind == "long_term" else None)
    return [
        row.number,
        row.title,
        measures or None,
        row.leader,
        row.lead_unit,
        "、".join(row.units) or None,
        deadline,
        row.progress,
        words(row.state_label, lang),
        words(SIGNAL_LABELS[row.signal], lang),
    ]


def _league(sheet: Worksheet, r: Report, lang: Lang) -> None:
    keys = ["col_rank", "col_unit", "col_items", "col_done", "col_overdue", "col_on_time", "col_done_rate"]
    rows = [
        [x.rank, x.unit or _one("no_unit", lang), x.items, x.done, x.overdue, x.on_time_rate, x.done_rate]
        for x in r.league
    ]
    _table(sheet, [_one(k, lang) for k in keys], rows, [6, 24, 8, 8, 8, 12, 10])
    sheet.freeze_panes = "A2"


def _overdue(sheet: Worksheet, r: Report, lang: Lang) -> None:
    keys = ["col_unit", "col_leader", "col_ref", "col_item", "col_deadline", "col_days_overdue", "col_state"]
    rows = [
        [
            i.unit or _one("no_unit", lang),
            i.leader,
            i.ref,
            i.text,
            i.deadline,
            i.days_overdue,
            words(i.state_label, lang),
        ]
        for g in r.overdue_by_unit
        for i in g.items
    ]
    _table(sheet, [_one(k, lang) for k in keys], rows, [20, 10, 8, 50, 12, 10, 12])
    sheet.freeze_panes = "A2"


def _closing(sheet: Worksheet, r: Report, lang: Lang) -> None:
    keys = ["col_number", "col_title", "col_created", "col_closed", "col_days"]
    rows = [[c.number, c.title, c.created, c.closed, c.days] for c in r.days_to_close.items]
    _table(sheet, [_one(k, lang) for k in keys], rows, [6, 40, 12, 12, 10])


def _burndown(sheet: Worksheet, r: Report, lang: Lang) -> None:
    keys = ["col_date", "open", "long_term", "closed"]
    rows = [[p.day, p.open, p.long_term, p.closed] for p in r.burndown.points]
    head = _table(sheet, [_one(k, lang) for k in keys], rows, [12, 10, 10, 10])
    if len(rows) < 2:
        return
    chart = LineChart()
    chart.title = _one("burndown", lang)
    chart.height, chart.width = 9, 18
    chart.add_data(
        Reference(sheet, min_col=2, max_col=4, min_row=head, max_row=head + len(rows)), titles_from_data=True
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=head + 1, max_row=head + len(rows)))
    chart.x_axis.number_format = "yyyy-mm-dd"
    sheet.add_chart(chart, "F2")
