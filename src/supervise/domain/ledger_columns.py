"""The columns of a rectification ledger (整改台账): what headers mean, and how cells are split.

Offices name their columns in many ways (序号/编号, 整改时限/完成时限, 责任单位/配合单位…),
in Chinese or English, in any order, sometimes above a title row or under a group
header. Every header is normalised (width, case, spaces, bracketed notes, required-field
stars) and looked up in one alias table.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from supervise.domain.text import Text

# Field name -> (Chinese header written on export, English header written on export, other aliases).
FIELDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "number": ("序号", "No.", ("编号", "问题序号", "问题编号", "no", "number", "#", "item")),
    "category": ("问题类别", "Category", ("类别", "分类", "问题类型", "方面", "所属方面", "category", "aspect")),
    "title": (
        "问题",
        "Problem",
        (
            "问题名称",
            "存在问题",
            "反馈问题",
            "巡视反馈问题",
            "巡察反馈问题",
            "问题清单",
            "问题表现",
            "具体问题",
            "problem",
            "title",
            "finding",
        ),
    ),
    "kind": ("整改类型", "Kind", ("整改方式", "整改类别", "kind", "type")),
    "leader": ("责任领导", "Leader", ("责任区领导", "分管领导", "领导", "leader", "responsible leader")),
    "lead_unit": ("牵头单位", "Lead unit", ("牵头部门", "主责单位", "lead unit")),
    "units": (
        "责任单位",
        "Units",
        ("责任部门", "配合单位", "协同单位", "units", "responsible units", "co-responsible units", "unit"),
    ),
    "deadline": ("整改时限", "Deadline", ("完成时限", "时限", "整改期限", "完成时间", "deadline", "due", "due date")),
    "state": ("问题状态", "State", ("状态", "销号情况", "state", "status")),
    "rebound_count": ("反弹次数", "Rebounds", ("反弹", "rebounds", "rebound count")),
    # Derived from the deadline and the state when the ledger is exported; read, never imported.
    "light": ("预警", "Light", ("预警灯", "红黄绿灯", "灯", "warning light")),
    "progress": (
        "完成情况",
        "Progress",
        ("进展情况", "整改进展", "整改情况", "整改进展情况", "整改完成情况", "推进情况", "progress", "completion"),
    ),
    "measures": ("整改措施", "Measures", ("整改举措", "措施", "举措", "整改任务", "measures", "measure", "actions")),
    "measure_unit": ("举措责任单位", "Measure unit", ("措施责任单位", "measure unit")),
    "measure_deadline": ("举措时限", "Measure deadline", ("措施时限", "举措完成时限", "measure deadline")),
    "measure_state": ("举措状态", "Measure state", ("措施状态", "measure state")),
}
SCALAR = frozenset(FIELDS) - {"units", "measures", "light"}
# Where no header row holds at least this many known headers, the file is not a ledger.
MIN_HEADERS = 2
HEADER_SCAN_ROWS = 20

_BRACKETS = re.compile(r"[(\[【<《].*?[)\]】>》]")
_NOISE = re.compile(r"[\s*:：_/\\]+")


def _norm(header: str) -> str:
    text = unicodedata.normalize("NFKC", header).lower()
    stripped = _NOISE.sub("", _BRACKETS.sub("", text))
    # "(完成时间)" notes go, but a header that is only a bracketed word keeps it.
    return stripped or _NOISE.sub("", text)


_LONGEST_HEADER = 100
_ALIASES: dict[str, str] = {}
for _field, (_zh, _en, _others) in FIELDS.items():
    for _alias in (_zh, _en, *_others):
        _ALIASES[_norm(_alias)] = _field


def field_of(header: object) -> str | None:
    if header is None:
        return None
    text = str(header)
    # No header is this long; a long cell in the first rows (a title, or junk) is not normalised at all
    # (the bracket pattern is quadratic on a cell full of opening brackets).
    return None if len(text) > _LONGEST_HEADER else _ALIASES.get(_norm(text))


def export_headers(lang: str) -> dict[str, str]:
    return {f: (zh if lang == "zh" else en) for f, (zh, en, _) in FIELDS.items()}


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how a spreadsheet names a column."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class Header:
    """The header row: where it is, which column holds which field, and what was left unused."""

    row: int  # the spreadsheet row number (1-based)
    index: int  # its position among the rows given
    columns: dict[str, list[int]]  # field -> column indexes (several only for multi-value fields)
    names: dict[int, str]  # column index -> header as written
    unused: list[str]

    def label(self, field: str) -> str:
        """The header as written, with its column letter, for messages: ``责任领导 (D)``."""
        cols = self.columns.get(field)
        if not cols:
            return FIELDS[field][0] if field in FIELDS else field
        return "、".join(f"{self.names[c]} ({column_letter(c)})" for c in cols)


class HeaderProblem(ValueError):
    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


def find_header(rows: Sequence[tuple[int, Sequence[object]]]) -> Header:
    """The row among the first few with the most known headers (a title row above it is skipped)."""
    best: tuple[int, int] | None = None
    for i, (_, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        fields = {field_of(c) for c in cells} - {None}
        if "title" in fields and len(fields) >= MIN_HEADERS and (best is None or len(fields) > best[1]):
            best = (i, len(fields))
    if best is None:
        raise HeaderProblem(
            Text(
                "找不到表头行：前 20 行中应有一行包含 问题 以及 序号、整改措施、责任领导、"
                "牵头单位、责任单位、整改时限 等列名",
                "no header row: one of the first 20 rows should name 问题 (problem) and columns such as 序号, "
                "整改措施, 责任领导, 牵头单位, 责任单位, 整改时限 (or their English names)",
            )
        )
    row_number, cells = rows[best[0]]
    return _header(row_number, best[0], cells)


def _header(row_number: int, index: int, cells: Sequence[object]) -> Header:
    columns: dict[str, list[int]] = {}
    names: dict[int, str] = {}
    unused: list[str] = []
    previous: str | None = None
    for c, cell in enumerate(cells):
        if cell is None or not str(cell).strip():
            previous = None
            continue
        name = " ".join(str(cell).split())
        # A group header merged across columns repeats itself in each: keep its first column only.
        repeated, previous = name == previous, name
        if repeated:
            continue
        field = field_of(cell)
        if field is None:
            unused.append(f"{name} ({column_letter(c)})")
            continue
        names[c] = name
        columns.setdefault(field, []).append(c)
    return Header(row_number, index, columns, names, unused)


def duplicate_columns(header: Header) -> list[tuple[str, Text]]:
    """A single-valued field named by two columns: which one to believe is not ours to guess."""
    return [
        (
            header.label(field),
            Text(f"{header.label(field)} 表示同一项，只能保留一列", f"{header.label(field)} mean the same; keep one"),
        )
        for field, cols in header.columns.items()
        if field in SCALAR and len(cols) > 1
    ]


# Units are names: every separator people use between names splits them.
_UNIT_SPLIT = re.compile(r"[；;、，,\n\r/]+|\s{2,}")
# Measures are sentences that contain 、 and ，: they split on lines, semicolons and enumerations only.
_MEASURE_SPLIT = re.compile(r"[\n\r]+|[；;]+")
# 一 … 九十九, bounded: an unbounded run would be rescanned from each of its characters (quadratic).
_CN = "[一二三四五六七八九十]{1,3}"
_ENUMERATION = re.compile(rf"[(（]?\d{{1,2}}[)）.、．](?!\d)|[①-⑳]|[(（]{_CN}[)）]|{_CN}是")
# An enumerator counts at the start of the text or after a sentence or clause ends.
_ENUMERATION_AFTER = frozenset("。；;\n\r \t")


def split_names(value: str) -> list[str]:
    return [p.strip() for p in _UNIT_SPLIT.split(value) if p.strip()]


def split_measures(value: str) -> list[str]:
    """One cell, several measures: on line breaks, semicolons, and numbered items (1. 2. ①② 一是 二是)."""
    parts: list[str] = []
    for chunk in _MEASURE_SPLIT.split(value):
        # (where the enumerator starts, where the measure's text starts)
        cuts = [(m.start(), m.end()) for m in _ENUMERATION.finditer(chunk) if _enumerates(chunk, m.start())]
        if not cuts or cuts[0][0] != 0:
            cuts.insert(0, (0, 0))
        ends = [start for start, _ in cuts[1:]] + [len(chunk)]
        for (_, begin), end in zip(cuts, ends, strict=True):
            piece = chunk[begin:end].strip(_TRIM)
            if piece:
                parts.append(piece)
    return parts


def _enumerates(text: str, at: int) -> bool:
    """An enumerator counts at the start, after a sentence or clause ends, or (①②) anywhere."""
    return at == 0 or text[at - 1] in _ENUMERATION_AFTER or "①" <= text[at] <= "⑳"


_TRIM = " \t\u3000.、．:：。;；"


_CN_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))


def chinese_number(text: str) -> int | None:
    """一 … 九十九, as used in headings and ledgers; None if it is not one."""
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


_NUMBER = re.compile(r"^(?:第|问题|no\.?|#|[(（])?\s*(\d{1,6})(?:\.0+)?\s*[)）.、．号]?$", re.I)


def read_number(value: object) -> int | None:
    """A problem number as written: 13, 13.0 (Excel), "13", "13.", "（13）", "问题13", "十三"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _NUMBER.match(text)
    if match:
        return int(match[1])
    match = re.fullmatch(r"第?([一二两三四五六七八九十]+)[、.．]?", text)
    return chinese_number(match[1]) if match else None
