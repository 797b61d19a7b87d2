"""Cells that hold no value a ledger can use: Excel's error values and formulas never calculated.

An office's ledger is often full of formulas. A file saved by Excel or WPS keeps each
formula's last result, and that result is what the reader takes. Two cases have no
usable result and are refused at their cell, rather than read as empty (which would
then be reported as a missing number or deadline, sending the office to the wrong
place): an error value (``#REF!``, ``#N/A``…), and a formula whose result was never
saved (a file written by a program, not by a spreadsheet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from supervise.domain.text import Text

EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!"}
)


@dataclass(frozen=True)
class Uncalculated:
    """A formula cell without a saved result, as a reader found it (``=DATE(2024,6,30)``)."""

    formula: str

    def __str__(self) -> str:
        return self.formula


def cell_problem(value: object) -> Text | None:
    """Why a cell's value cannot be used, or None if it can."""
    if type(value) is str:
        if value[:1] == "#" and value.strip().upper() in EXCEL_ERRORS:
            shown = value.strip()
            return Text(
                f"Excel 错误值 {shown}：请先修正该单元格的公式",
                f"an Excel error value {shown}: fix the cell's formula first",
            )
        return None
    if isinstance(value, Uncalculated):
        return Text(
            f"公式 {value.formula} 没有保存的计算结果：请在 Excel 或 WPS 中打开并保存文件，或将其粘贴为数值",
            f"the formula {value.formula} has no saved result: open and save the file in Excel or WPS, "
            "or paste the cells as values",
        )
    return None


def bad_cells(rows: Sequence[tuple[int, Sequence[object]]], columns: Sequence[int]) -> list[tuple[int, int, Text]]:
    """(row, column, why) of every unusable cell in ``columns`` of ``rows``."""
    found = []
    for row, cells in rows:
        width = len(cells)
        for c in columns:
            if c < width:
                value = cells[c]
                if value is not None and type(value) is not int and type(value) is not float:
                    problem = cell_problem(value)
                    if problem is not None:
                        found.append((row, c, problem))
    return found
