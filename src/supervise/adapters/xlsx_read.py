"""Reading an Excel ledger (.xlsx): the right sheet, merged cells filled, damaged files refused.

- The sheet is the first *visible* one that looks like a ledger: offices keep old versions
  and lookup lists on hidden sheets. A hidden sheet is read only when named (``--sheet``).
- A cell merged over several rows holds its value only in its first cell; the value is
  copied into every cell of the range (clamped to the table's width: a range merged to
  the sheet's last column must not make every row 16,384 cells wide).
- Formulas are read by the result Excel saved with them. A formula without a saved
  result (a file written by a program) becomes an ``Uncalculated`` cell, which the ledger
  reader refuses at its row and column.
- A file that is not an .xlsx workbook, or whose parts are damaged (cut short, corrupt
  compression, broken XML), is refused whole with what was found.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import column_index_from_string

from supervise.adapters.file_text import binary_kind, rejected
from supervise.domain.errors import InputRejected
from supervise.domain.ledger import Sheet
from supervise.domain.ledger_cells import Uncalculated
from supervise.domain.ledger_columns import HeaderProblem, find_header
from supervise.domain.text import Text

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')
# A formula cell whose cached value is missing or empty: <c r="G7"><f>DATE(2024,6,30)</f><v/></c>.
_NS = rb"(?:\w+:)?"
_NO_RESULT = re.compile(
    rb"<"
    + _NS
    + rb'c\b[^>]*?\br="([A-Z]+)([0-9]+)"[^>]*>\s*<'
    + _NS
    + rb"f\b[^>]*?(?:/>|>([^<]*)</"
    + _NS
    + rb"f>)\s*(?:<"
    + _NS
    + rb"v\s*/>|<"
    + _NS
    + rb"v>\s*</"
    + _NS
    + rb"v>)?\s*</"
    + _NS
    + rb"c>"
)
Progress = Callable[[int, int], None]
_NO_WORKSHEET = Text("工作簿中没有工作表（只有图表）", "the workbook has no worksheet (charts only)")


def read_xlsx(path: Path, sheet_name: str | None = None, progress: Progress | None = None) -> Sheet:
    _check_signature(path)
    book = _open(path)
    try:
        sheet = _pick_sheet(book, path, sheet_name)
        rows, xml = _read_rows(path, book, sheet, progress)
    finally:
        book.close()
    _fill_merged(rows, _merged_ranges(xml))
    _mark_uncalculated(rows, xml)
    name = f"{path}[{sheet.title}]" if len(book.sheetnames) > 1 else str(path)
    return Sheet(name, list(enumerate(rows, start=1)))


def _check_signature(path: Path) -> None:
    if path.suffix.lower() == ".xls":
        raise rejected(path, Text("旧版 .xls 格式：请另存为 .xlsx", "the old .xls format: save it as .xlsx"))
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except FileNotFoundError:
        raise rejected(path, Text("文件不存在", "no such file")) from None
    except OSError as exc:
        raise rejected(path, Text(f"无法读取：{exc.strerror}", f"cannot read: {exc.strerror}")) from None
    if head.startswith(b"PK\x03\x04"):
        return
    if head.startswith(_OLE2):
        problem = Text(
            "这是旧版 .xls 工作簿（扩展名被改成了 .xlsx）：请在 Excel 中另存为 .xlsx",
            "an old .xls workbook (renamed to .xlsx): save it as .xlsx in Excel",
        )
    elif not head:
        problem = Text("文件为空", "the file is empty")
    else:
        kind = binary_kind(head)
        problem = (
            Text(f"不是有效的 .xlsx 工作簿，而是{kind.zh}", f"not a valid .xlsx workbook but {kind.en}")
            if kind
            else Text(
                "不是有效的 .xlsx 工作簿（像是文本文件：若是 CSV，请用 --format csv 或改扩展名）",
                "not a valid .xlsx workbook (it looks like text: if it is CSV, give --format csv or rename it)",
            )
        )
    raise rejected(path, problem)


def _damaged(path: Path, exc: BaseException) -> InputRejected:
    detail = f"{type(exc).__name__}: {exc}"[:300]
    return rejected(
        path,
        Text(
            f"工作簿已损坏或无法读取（{detail}）：请在 Excel 中打开并另存一份",
            f"the workbook is damaged or cannot be read ({detail}): open it in Excel and save a copy",
        ),
    )


def _open(path: Path) -> Any:
    # openpyxl parses an untrusted file: a damaged one raises whatever its zip, zlib or XML layer
    # raised (BadZipFile, zlib.error, ParseError, KeyError, AttributeError…). Each is a refusal of
    # the file, never a crash; a MemoryError stays what it is.
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except MemoryError:
        raise
    except Exception as exc:
        if _charts_only(path):  # openpyxl cannot open a workbook of chart sheets alone
            raise rejected(path, _NO_WORKSHEET) from None
        raise _damaged(path, exc) from None


def _charts_only(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
    except MemoryError:
        raise
    except Exception:  # what stopped openpyxl may stop zipfile too: a bad header, an unknown zip version…
        return False
    has = {n.split("/")[1] for n in names if n.startswith("xl/") and n.count("/") > 1}
    return "chartsheets" in has and "worksheets" not in has


def _read_rows(path: Path, book: Any, sheet: Any, progress: Progress | None) -> tuple[list[list[Any]], bytes]:
    """The sheet's rows as values, and its XML (for merged ranges and formulas, which the streaming reader skips)."""
    try:
        declared = sheet.max_row or 0  # what the file says, for the progress bar only
        sheet.reset_dimensions()  # some writers record wrong dimensions; read what is there
        rows = []
        for row in sheet.iter_rows(min_row=1, values_only=True):
            rows.append(list(row))
            if progress is not None and len(rows) % 5000 == 0:
                progress(len(rows), max(declared, len(rows)))
        member = getattr(sheet, "_worksheet_path", None)
        xml = b""
        if member is not None:
            with book._archive.open(member) as f:
                xml = f.read()
    except MemoryError:
        raise
    except Exception as exc:
        raise _damaged(path, exc) from None
    return rows, xml


def _pick_sheet(book: Any, path: Path, name: str | None) -> Any:
    if name is not None:
        if name not in book.sheetnames:
            listing = ", ".join(book.sheetnames)
            raise rejected(path, Text(f"没有工作表 {name}（有：{listing}）", f"no sheet {name} (there are: {listing})"))
        if name not in [s.title for s in book.worksheets]:
            raise rejected(path, Text(f"工作表 {name} 是图表，不是表格", f"the sheet {name} is a chart, not a table"))
        return book[name]  # named: read even if hidden
    if not book.worksheets:
        raise rejected(path, _NO_WORKSHEET)
    visible = [s for s in book.worksheets if s.sheet_state == "visible"]
    for sheet in visible:
        if _looks_like_ledger(path, sheet):
            return sheet
    hidden = [s.title for s in book.worksheets if s.sheet_state != "visible" and _looks_like_ledger(path, s)]
    if hidden:
        names = "、".join(hidden)
        raise rejected(
            path,
            Text(
                f"像台账的工作表 {names} 被隐藏了：如确要读取，请用 --sheet 指定",
                f"the sheet that looks like a ledger ({', '.join(hidden)}) is hidden: name it with --sheet to read it",
            ),
        )
    return (visible or book.worksheets)[0]


def _looks_like_ledger(path: Path, sheet: Any) -> bool:
    try:
        head = [(i, list(r)) for i, r in enumerate(sheet.iter_rows(min_row=1, max_row=20, values_only=True), 1)]
    except MemoryError:
        raise
    except Exception as exc:
        raise _damaged(path, exc) from None
    try:
        find_header(head)
    except HeaderProblem:
        return False
    return True


def _merged_ranges(xml: bytes) -> list[tuple[int, int, int, int]]:
    """Merged ranges as (min_col, min_row, max_col, max_row), listed at the end of the sheet's XML.

    openpyxl has parsed them already (it refuses a range written backwards as a damaged sheet).
    """
    ranges = []
    for m in _MERGE.finditer(xml):
        if m[3]:  # a single-cell "range" has nothing to copy
            first, last = column_index_from_string(m[1].decode()), column_index_from_string(m[3].decode())
            ranges.append((first, int(m[2]), last, int(m[4])))
    return ranges


def _fill_merged(rows: list[list[Any]], ranges: Sequence[tuple[int, int, int, int]]) -> None:
    width = max((len(r) for r in rows), default=0)  # the table's width, before any merge widens it
    for min_col, min_row, max_col, max_row in ranges:
        max_col = min(max_col, width)
        if min_row > len(rows) or min_col > max_col:
            continue
        top = rows[min_row - 1]
        value = top[min_col - 1] if min_col - 1 < len(top) else None
        for r in range(min_row, min(max_row, len(rows)) + 1):
            row = rows[r - 1]
            if len(row) < max_col:
                row.extend([None] * (max_col - len(row)))
            for c in range(min_col, max_col + 1):
                row[c - 1] = value


def _mark_uncalculated(rows: list[list[Any]], xml: bytes) -> None:
    """Formula cells read as empty because no result was saved become ``Uncalculated`` (the ledger reader says so)."""
    if b"<f" not in xml and b":f" not in xml:
        return  # no formulas at all: the common case costs one scan
    for m in _NO_RESULT.finditer(xml):
        r, c = int(m[2]) - 1, column_index_from_string(m[1].decode()) - 1
        if r < len(rows) and c < len(rows[r]) and rows[r][c] is None:
            text = html.unescape((m[3] or b"").decode("utf-8", errors="replace")).strip()
            rows[r][c] = Uncalculated(f"={text}" if text else "=（共享公式 / a shared formula）")
