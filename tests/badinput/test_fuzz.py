"""Property-based fuzzing of the plan, ledger (CSV and Excel) and report-text importers, through the import service.

Whatever the file holds, the import either reads it or refuses it with defects that each
name the file, a place (a line, a row, or the file itself) and what was expected in both
languages; it never raises anything else, and the database is unchanged (the imports are
dry runs, so that what is read is written and rolled back, exercising the writer too).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from supervise.domain.errors import InputRejected
from supervise.services.importing import ImportRequest, import_file
from tests.badinput.build_corpus import HEADERS, REPORT, ROW_1, ROW_2
from tests.badinput.conftest import Populated

# 40 examples per backend in the suite; SUPERVISE_FUZZ_EXAMPLES=2000 for a long hunt.
EXAMPLES = int(os.environ.get("SUPERVISE_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PLACE = re.compile(r"^(?:(?:line|row) \d+)?$")


@pytest.fixture(scope="module")
def baseline(populated: Populated) -> str:
    return populated.checksum(counters=False)


def attempt(db: Populated, baseline: str, path: Path, **request: Any) -> str:
    """Import ``path`` as a dry run: "read" or "refused" (with well-formed defects); nothing else may happen."""
    defects = []
    try:
        import_file(db.ctx, ImportRequest(path=path, dry_run=True, **request))
    except InputRejected as exc:
        defects = exc.defects or [None]
    for d in defects:
        assert d is not None and path.name in d.source and PLACE.match(d.location), d
        assert d.problem.zh and d.problem.en, d
    outcome = "refused" if defects else "read"
    assert db.checksum(counters=False) == baseline
    event(outcome)  # hypothesis --hypothesis-show-statistics shows how many were read and refused
    return outcome


# Text a file may hold: ordinary Chinese and ASCII, and what offices' files really carry now and then.
text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["学用结合不紧密", "区发改局", "区领导甲", "立行立改", "长期坚持", "已销号"]),
    st.sampled_from(["#REF!", "#N/A", "=A1", "2024-06-30", "13"]),
    st.sampled_from(["\x00", "\x0b", "\x1b[31m", "\r\n", "“", '"', "，", "、", "\ufeff", "\u2028", "局" * 201]),
)
date_like = st.one_of(
    st.dates(min_value=dt.date(1899, 12, 30), max_value=dt.date(2300, 1, 1)),
    st.integers(min_value=-10, max_value=99_999_999),
    st.sampled_from(["2024-02-30", "2024年6月底前", "尽快", "20240630", "2024.1", "", None]),
)
number_like = st.one_of(st.integers(min_value=-3, max_value=2**40), st.booleans(), text, st.none())


cell = st.one_of(text, date_like, st.floats(allow_nan=True), st.none())


def encodings() -> st.SearchStrategy[str]:
    return st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"])


@st.composite
def damaged(draw: Any, data: bytes) -> bytes:
    """The bytes as written, or cut short, or with a few bytes overwritten.

    Positions are drawn as fractions of the length: a workbook's size varies by a byte or two
    from one save to the next (it records the time), and hypothesis needs the same draws each run.
    """
    how = draw(st.sampled_from(["as is", "as is", "cut", "overwrite"]))
    at = st.floats(min_value=0, max_value=1, exclude_max=True).map(lambda f: int(f * len(data)))
    if how == "cut" and data:
        return data[: draw(at)]
    if how == "overwrite" and data:
        out = bytearray(data)
        for _ in range(draw(st.integers(min_value=1, max_value=4))):
            out[draw(at)] = draw(st.integers(0, 255))
        return bytes(out)
    return data


@st.composite
def plans(draw: Any) -> bytes:
    problem = st.fixed_dictionaries(
        {"number": number_like, "title": text},
        optional={
            "deadline": date_like,
            "kind": st.sampled_from(["dated", "immediate", "long_term", "urgent", 3]),
            "leader": text,
            "lead_unit": text,
            "units": st.lists(text, max_size=3),
            "state": st.sampled_from(["assigned", "closed", "finished"]),
            "rebound_count": number_like,
            "measures": st.lists(st.fixed_dictionaries({"text": text}, optional={"deadline": date_like}), max_size=2),
            "deadlne": text,
        },
    )
    round_ = st.fixed_dictionaries(
        {"name": st.one_of(text, st.just("十二届省委第四轮巡视"))},
        optional={"code": st.sampled_from(["R4", "FZ", "bad code!"]), "feedback_date": date_like},
    )
    plan = draw(
        st.fixed_dictionaries(
            {"round": round_},
            optional={
                "problems": st.lists(problem, max_size=4),
                "people": st.lists(st.fixed_dictionaries({"name": text, "email": text}), max_size=2),
            },
        )
    )
    written = yaml.safe_dump(plan, allow_unicode=True)
    return draw(damaged(written.encode(draw(encodings()))))


@FUZZ
@given(data=plans())
def test_any_plan_is_read_or_refused_precisely(populated: Populated, baseline, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "plan.yaml"
    path.write_bytes(data)
    attempt(populated, baseline, path)


GOOD_CELLS = [dict(zip(HEADERS, row, strict=True)) for row in (ROW_1, ROW_2)]


@st.composite
def ledger_rows(draw: Any) -> list[list[Any]]:
    """A header in any order (sometimes with a column renamed), and rows that are good but for a few cells."""
    header = draw(st.permutations(HEADERS).map(list))
    if draw(st.booleans()):
        header[draw(st.integers(0, len(header) - 1))] = draw(st.sampled_from(["完成时限", "问题", "备注", None]))
    rows = []
    for n in range(draw(st.integers(0, 5))):
        good = {**GOOD_CELLS[n % 2], "序号": n + 1}
        row = [good.get(h) if draw(st.sampled_from([True] * 6 + [False])) else draw(cell) for h in header]
        rows.append(row[: draw(st.integers(0, len(row) + 1))] if draw(st.booleans()) else row)
    return [header, *rows]


@FUZZ
@given(rows=ledger_rows(), encoding=encodings(), data=st.data())
def test_any_csv_ledger_is_read_or_refused_precisely(
    populated: Populated, baseline, tmp_path_factory, rows, encoding, data
):
    out = io.StringIO()
    csv.writer(out).writerows([["" if c is None else c for c in r] for r in rows])
    path = tmp_path_factory.mktemp("fuzz") / "台账.csv"
    path.write_bytes(data.draw(damaged(out.getvalue().encode(encoding))))
    attempt(populated, baseline, path, round="R4")


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)  # what an .xlsx file can hold at all
    return value


@FUZZ
@given(
    rows=ledger_rows(),
    merges=st.lists(st.tuples(st.integers(1, 8), st.integers(1, 8), st.integers(1, 3), st.integers(1, 3)), max_size=3),
    hidden=st.booleans(),
    data=st.data(),
)
def test_any_excel_ledger_is_read_or_refused_precisely(
    populated: Populated, baseline, tmp_path_factory, rows, merges, hidden, data
):
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append([_xlsx_cell(c) for c in row])
    for col, row, width, height in merges:
        sheet.merge_cells(start_row=row, start_column=col, end_row=row + height - 1, end_column=col + width - 1)
    if hidden:
        book.create_sheet("说明", 0)
        sheet.sheet_state = "hidden"
    path = tmp_path_factory.mktemp("fuzz") / "台账.xlsx"
    book.save(path)
    path.write_bytes(data.draw(damaged(path.read_bytes())))
    attempt(populated, baseline, path, round="R4")


@st.composite
def reports(draw: Any) -> bytes:
    lines = REPORT.splitlines()
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["drop", "twice", "insert", "poke"]))
        if how == "drop":
            del lines[at]
        elif how == "twice":
            lines.insert(at, lines[at])
        elif how == "insert":
            pieces = st.sampled_from(["3.关于“新问题”的问题。", "整改情况:一是", "”", "(一)"])
            lines.insert(at, draw(st.one_of(text, pieces)))
        elif lines[at]:
            pos = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:pos] + draw(text) + lines[at][pos:]
        if not lines:
            break
    return draw(damaged("\n".join(lines).encode(draw(encodings()))))


@FUZZ
@given(data=reports())
def test_any_report_text_is_read_or_refused_precisely(populated: Populated, baseline, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "通报.txt"
    path.write_bytes(data)
    attempt(populated, baseline, path, new_round={"name": "模糊测试轮次"})
