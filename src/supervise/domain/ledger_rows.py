"""A ledger's data rows grouped into problems.

A row starts a problem when it has a new number (or, without a number column, a new
title). A row with the same number and title, or with both empty, continues the
problem above: that is how a ledger with one measure per row looks once its merged
cells are filled, and how the same ledger looks saved as CSV. A row holding one text
across the table (``一、落实党中央决策部署方面``) is a category heading; notes at the
foot (``注：``, ``填表人：``, ``合计``) are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from supervise.domain.errors import Defect
from supervise.domain.ledger_columns import Header, read_number
from supervise.domain.ledger_locate import cell_text, one_line
from supervise.domain.text import Text

Row = tuple[int, Sequence[object]]

_HEADING = re.compile(
    r"^\s*(?:[(（]?[一二三四五六七八九十]+[)）、.．]|第[一二三四五六七八九十]+[部分类项]|[A-Z][、.．])\s*"
)
_FOOTER = ("注", "备注", "说明", "填表", "制表", "审核", "联系人", "填报", "合计", "总计", "小计", "单位（盖章）")
# A number no ledger uses, for a problem whose number is missing or unreadable (its defect is reported).
STAND_IN = 1_000_000_000


@dataclass
class Group:
    number: int
    title: str
    rows: list[Row] = field(default_factory=list)
    category: str | None = None


def group_rows(rows: Sequence[Row], header: Header, source: str) -> tuple[list[Group], list[Defect]]:
    number_cols = header.columns.get("number", [])
    title_cols = header.columns.get("title", [])
    lead_cols = {*number_cols, *title_cols, *header.columns.get("category", [])}
    groups: list[Group] = []
    defects: list[Defect] = []
    current: Group | None = None
    category: str | None = None

    def bad(row: int, column: str, text: Text) -> None:
        defects.append(Defect(source, f"row {row}", header.label(column), text))

    for row, cells in rows:
        number_text = _first(cells, number_cols)
        number = read_number(number_text) if number_text else None
        # A numbered row is a problem's; any other may be empty, a heading or a note at the foot.
        if number is None:
            filled = [(c, cell_text(v)) for c, v in enumerate(cells) if v is not None and cell_text(v)]
            if not filled:
                continue
            texts = {t for _, t in filled}
            if len(texts) == 1:
                text = next(iter(texts))
                if text.startswith(_FOOTER):
                    continue
                if _is_heading(text, [c for c, _ in filled], lead_cols, number_cols):
                    category, current = _HEADING.sub("", text).strip() or text, None
                    continue
        title = one_line(_first(cells, title_cols))
        if current is not None and _continues(current, number, number_text, title, bool(number_cols)):
            current.rows.append((row, cells))
            continue
        if not title and current is None:
            bad(row, "title", Text("这一行之上没有问题：缺少问题名称", "no problem above this row: the title is empty"))
            continue
        current = Group(_number(number, number_text, bool(number_cols), len(groups), row, bad), title, [(row, cells)])
        current.category = category
        groups.append(current)
    return groups, defects


def _first(cells: Sequence[object], cols: list[int]) -> str:
    for c in cols:
        if c < len(cells) and cells[c] is not None:
            text = cell_text(cells[c])
            if text:
                return text
    return ""


def _is_heading(text: str, where: list[int], lead_cols: set[int], number_cols: list[int]) -> bool:
    if read_number(text) is not None:
        return False
    # Merged across the table: the same text in three cells, or in the number column and beyond.
    if len(where) >= 3 or (len(where) == 2 and any(c in number_cols for c in where)):
        return True
    return len(where) == 1 and where[0] in lead_cols and bool(_HEADING.match(text) or text.endswith("方面"))


def _continues(current: Group, number: int | None, number_text: str, title: str, numbered: bool) -> bool:
    if title and title != current.title:
        return False
    if not numbered or not number_text:
        return True
    return number == current.number


def _number(
    number: int | None, text: str, numbered: bool, count: int, row: int, bad: Callable[[int, str, Text], None]
) -> int:
    if not numbered:
        return count + 1  # no number column: problems are numbered in order
    if number is not None and number >= 1:
        return number
    expected = (
        Text("序号为空：每个问题需要编号（如 13）", "empty: every problem needs a number such as 13")
        if not text
        else Text(f"应为问题编号（如 13），此处为 {text}", f"expected a problem number such as 13, found {text}")
    )
    bad(row, "number", expected)
    return STAND_IN + row
