"""Ledger files on disk: CSV and Excel (.xlsx) read into sheets, and tables written back out.

Reading keeps what people meant: CSV saved by Excel on a Chinese system is often
GB18030 rather than UTF-8; an Excel cell merged over several rows holds its value
only in its first cell, so the value is copied into every cell of the range (the
reader then sees the problem's number and title on each of its measure rows).
Writing produces what an office opens without fuss: UTF-8 CSV with a byte-order
mark (Excel needs it to show Chinese), and a styled .xlsx with real date cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, range_boundaries

from supervise.domain.errors import Defect, InputRejected
from supervise.domain.ledger import Sheet
from supervise.domain.ledger_columns import HeaderProblem, find_header
from supervise.domain.ledger_export import Table
from supervise.domain.text import Text

FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "report", ".md": "report", ".yaml": "yaml", ".yml": "yaml"}
FORMATS.update({".xlsx": "xlsx", ".xlsm": "xlsx"})
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')


def guess_format(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def _rejected(path: Path, text: Text) -> InputRejected:
    return InputRejected(str(path), [Defect(str(path), "", "", text)])


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise _rejected(path, Text("文件不存在", "no such file")) from None
    except OSError as exc:
        raise _rejected(path, Text(f"无法读取：{exc.strerror}", f"cannot read: {exc.strerror}")) from None


def decode_text(path: Path, data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else GB18030 as Excel writes CSV on Chinese Windows."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_error = exc.start
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise _rejected(
            path,
            Text(
                f"既不是 UTF-8 也不是 GB18030 文本（字节 {first_error}）",
                f"neither UTF-8 nor GB18030 text (byte {first_error})",
            ),
        ) from None


def read_text(path: Path) -> str:
    return decode_text(path, read_bytes(path))


def read_csv(path: Path) -> Sheet:
    text = decode_text(path, read_bytes(path))
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        rows = [(i, [c if c.strip() else None for c in record]) for i, record in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise _rejected(
            path, Text(f"CSV 格式错误（第 {reader.line_num} 行）：{exc}", f"bad CSV at line {reader.line_num}: {exc}")
        ) from None
    return Sheet(str(path), rows)


def read_xlsx(path: Path, sheet_name: str | None = None, progress: Callable[[int, int], None] | None = None) -> Sheet:
    if path.suffix.lower() == ".xls":
        raise _rejected(path, Text("旧版 .xls 格式：请另存为 .xlsx", "the old .xls format: save it as .xlsx"))
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise _rejected(path, Text("文件不存在", "no such file")) from None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _rejected(path, Text(f"不是有效的 .xlsx 文件：{exc}", f"not a valid .xlsx file: {exc}")) from None
    try:
        sheet = _pick_sheet(book, path, sheet_name)
        declared = sheet.max_row or 0  # what the file says, for the progress bar only
        sheet.reset_dimensions()  # some writers record wrong dimensions; read what is there
        rows = []
        for row in sheet.iter_rows(min_row=1, values_only=True):
            rows.append(list(row))
            if progress is not None and len(rows) % 5000 == 0:
                progress(len(rows), max(declared, len(rows)))
        _fill_merged(rows, _merged_ranges(book, sheet))
    finally:
        book.close()
    return Sheet(f"{path}[{sheet.title}]" if len(book.sheetnames) > 1 else str(path), list(enumerate(rows, start=1)))


def _pick_sheet(book: Any, path: Path, name: str | None) -> Any:
    if name is not None:
        if name not in book.sheetnames:
            listing = ", ".join(book.sheetnames)
            raise _rejected(
                path, Text(f"没有工作表 {name}（有：{listing}）", f"no sheet {name} (there are: {listing})")
            )
        return book[name]
    # The first sheet that looks like a ledger: offices keep notes and charts on other sheets.
    for sheet in book.worksheets:
        head = [(i, list(r)) for i, r in enumerate(sheet.iter_rows(min_row=1, max_row=20, values_only=True), 1)]
        try:
            find_header(head)
        except HeaderProblem:
            continue
        return sheet
    return book.worksheets[0]


def _merged_ranges(book: Any, sheet: Any) -> list[tuple[int, int, int, int]]:
    """Merged ranges as (min_col, min_row, max_col, max_row), read from the sheet's XML.

    openpyxl's streaming reader (needed for large ledgers) does not report merged cells;
    they are listed at the end of the sheet's XML, so one pass over it finds them.
    """
    member = getattr(sheet, "_worksheet_path", None)
    if member is None:
        return []
    with book._archive.open(member) as xml:
        data = xml.read()
    ranges = []
    for match in _MERGE.finditer(data):
        ref = match[1].decode("ascii")
        if ":" in ref:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            ranges.append((int(min_col or 1), int(min_row or 1), int(max_col or 1), int(max_row or 1)))
    return ranges


def _fill_merged(rows: list[list[Any]], ranges: Sequence[tuple[int, int, int, int]]) -> None:
    for min_col, min_row, max_col, max_row in ranges:
        if min_row > len(rows):
            continue
        top = rows[min_row - 1]
        value = top[min_col - 1] if min_col - 1 < len(top) else None
        for r in range(min_row, min(max_row, len(rows)) + 1):
            row = rows[r - 1]
            if len(row) < max_col:
                row.extend([None] * (max_col - len(row)))
            for c in range(min_col, max_col + 1):
                row[c - 1] = value


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
