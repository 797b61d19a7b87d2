"""Ledger files on disk: CSV and Excel (.xlsx) read into sheets, and tables written back out.

Reading keeps what people meant: CSV saved by Excel on a Chinese system is often
GB18030 rather than UTF-8 (see ``file_text``); an Excel cell merged over several rows
holds its value only in its first cell, so the value is copied into every cell of the
range (see ``xlsx_read``; the reader then sees the problem's number and title on each
of its measure rows).
Writing produces what an office opens without fuss: UTF-8 CSV with a byte-order
mark (Excel needs it to show Chinese), and a styled .xlsx with real date cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from supervise.adapters.file_text import decode_text, read_bytes, read_text, rejected
from supervise.adapters.xlsx_read import read_xlsx
from supervise.domain.ledger import Sheet
from supervise.domain.ledger_export import Table
from supervise.domain.text import Text

__all__ = ["decode_text", "guess_format", "read_bytes", "read_csv", "read_sheet", "read_text", "read_xlsx"]

FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "report", ".md": "report", ".yaml": "yaml", ".yml": "yaml"}
FORMATS.update({".xlsx": "xlsx", ".xlsm": "xlsx"})


def guess_format(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def read_csv(path: Path) -> Sheet:
    """A CSV ledger: comma, tab or semicolon separated, quoted as Excel quotes (strictly: see below)."""
    text = decode_text(path, read_bytes(path))
    try:
        delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    # Strict quoting, as Excel writes it: a stray quote that opens a cell and is never closed would
    # otherwise swallow the rest of the file into that cell, and the rows after it would vanish.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, doublequote=True, strict=True)
    rows: list[tuple[int, list[str | None]]] = []
    start = 1
    try:
        for i, record in enumerate(reader, start=1):
            rows.append((i, [c if c.strip() else None for c in record]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise rejected(path, _csv_problem(str(exc), start, reader.line_num), f"line {start}") from None
    return Sheet(str(path), rows)


def _csv_problem(error: str, start: int, line: int) -> Text:
    if "unexpected end of data" in error:
        return Text(
            f'第 {start} 行的引号（"）一直没有闭合：其后的内容都被读成了一个单元格',
            f'the quote (") opened at line {start} is never closed: everything after it would be one cell',
        )
    if "expected after" in error:
        return Text(
            f'第 {line} 行的引号在单元格中间结束：单元格内的引号应写成两个（""）',
            f'a quote ends a cell in the middle of it at line {line}: a quote inside a quoted cell is written ""',
        )
    if "field larger than field limit" in error:
        return Text(
            f"第 {start} 行起的单元格超过 {csv.field_size_limit()} 个字符（引号未闭合？）",
            f"a cell from line {start} is longer than {csv.field_size_limit()} characters (an unclosed quote?)",
        )
    return Text(f"CSV 格式错误（第 {line} 行）：{error}", f"bad CSV at line {line}: {error}")


def read_sheet(
    path: Path, fmt: str, sheet_name: str | None = None, progress: Callable[[int, int], None] | None = None
) -> Sheet:
    """A CSV or Excel ledger as rows; ``progress`` hears about an Excel file's rows as they are read."""
    return read_xlsx(path, sheet_name, progress) if fmt == "xlsx" else read_csv(path)


# Writing ---------------------------------------------------------------------------------------------


def write_csv(path: Path, table: Table) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(table.headers)
        writer.writerows([_csv_cell(v) for v in row] for row in table.rows)


def _csv_cell(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else ("" if value is None else value)


_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="center")


def write_xlsx(path: Path, table: Table) -> None:
    """A title row, a header row, frozen panes, filters, real dates, and problem cells merged over measure rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table.sheet_name[:31]
    width = len(table.headers)
    sheet.append([table.title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center")
    sheet.append(table.headers)
    for c in range(1, width + 1):
        cell = sheet.cell(2, c)
        cell.font, cell.fill, cell.border, cell.alignment = Font(bold=True), _HEAD_FILL, _BORDER, _WRAP
    for row in table.rows:
        sheet.append(row)
    for row_cells in sheet.iter_rows(min_row=3, max_row=len(table.rows) + 2):
        for cell in row_cells:
            cell.border, cell.alignment = _BORDER, _WRAP
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    for first, last, col in table.merges:
        sheet.merge_cells(start_row=first + 3, start_column=col + 1, end_row=last + 3, end_column=col + 1)
    for c, w in enumerate(table.widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = w
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(width)}{len(table.rows) + 2}"
    book.save(path)
