"""Exporting the ledger: YAML that re-imports as the same ledger; CSV and Excel in the conventional layout."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from supervise.adapters import migrate
from supervise.adapters.db import make_engine
from supervise.domain.errors import InputRejected
from supervise.services.context import Context
from supervise.services.exporting import export_ledger, ledger_plan
from supervise.services.importing import ImportRequest, import_file
from supervise.services.transitions import Advance, advance
from tests.ledger.conftest import NEW_ROUND, SEED_ROUND


@pytest.fixture
def seeded(ctx: Context) -> Context:
    import_file(ctx, ImportRequest(path=SEED_ROUND))
    return ctx


@pytest.fixture
def other(tmp_path: Path, ctx: Context) -> Context:
    """A second, empty database (SQLite) to import exports into."""
    engine = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    migrate.upgrade(engine)
    yield Context(engine, ctx.workflows, ctx.clock)
    engine.dispose()


def _work_on(ctx: Context) -> None:
    """Some history: problem 13 in progress, its measure 13.1 done with evidence."""
    advance(ctx, Advance("R4:13", "start", "区水务和湖泊局联络员"))
    advance(ctx, Advance("R4:13.1", "finish", "区水务和湖泊局联络员", evidence=(_proof(),)))


def _proof():
    from supervise.adapters.repository import NewEvidence

    return NewEvidence("现场照片", "/evidence/13-1.jpg", "0" * 64)


def test_a_yaml_export_reimports_as_the_same_ledger(seeded, other, tmp_path):
    _work_on(seeded)
    first = tmp_path / "ledger.yaml"
    summary = export_ledger(seeded, "R4", "yaml", first)
    assert (summary.problems, summary.measures) == (41, 88)
    import_file(other, ImportRequest(path=first))
    assert ledger_plan(other, "R4") == ledger_plan(seeded, "R4")
    second = tmp_path / "again.yaml"
    export_ledger(other, "R4", "yaml", second)
    assert _body(second) == _body(first)


def _body(path: Path) -> str:
    return "\n".join(line for line in path.read_text("utf-8").splitlines() if not line.startswith("#"))


def test_the_yaml_export_keeps_states_progress_and_rebounds(seeded, tmp_path):
    _work_on(seeded)
    plan = ledger_plan(seeded, "R4")
    p13 = next(p for p in plan.problems if p.number == 13)
    assert (p13.state, [m.state for m in p13.measures]) == ("in_progress", ["done"])
    assert p13.rebound_count == 0 and p13.leader == "区领导己"
    people = {p.name: p for p in plan.people}
    assert (people["巡察办甲"].email, people["巡察办甲"].roles) == ("xcb-a@example.org", ["office"])


def test_the_excel_export_is_the_conventional_ledger(seeded, tmp_path):
    _work_on(seeded)
    path = tmp_path / "台账.xlsx"
    export_ledger(seeded, "R4", "xlsx", path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert str(sheet["A1"].value).startswith("十二届省委第四轮巡视 整改台账")
    headers = [c.value for c in sheet[2]]
    assert headers[:3] == ["序号", "问题类别", "问题"]
    assert {"整改措施", "责任领导", "牵头单位", "责任单位", "整改时限", "完成情况", "问题状态", "举措状态"} <= set(
        headers
    )
    col = {h: i + 1 for i, h in enumerate(headers)}
    assert sheet.cell(3, col["问题"]).value == "学用结合不紧密"
    assert sheet.cell(3, col["整改时限"]).value == dt.datetime(2024, 6, 30)  # a real date cell
    row13 = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value == 13)
    assert sheet.cell(row13, col["问题状态"]).value == "整改中"
    assert sheet.cell(row13, col["举措状态"]).value == "已完成"
    assert headers.index("预警") == headers.index("问题状态") + 1
    assert sheet.cell(3, col["预警"]).value == "绿灯"  # due 2024-06-30, seen from November 2023
    merged = {str(m) for m in sheet.merged_cells.ranges}
    assert "A1:" + openpyxl.utils.get_column_letter(len(headers)) + "1" in merged
    row4 = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value == 4)
    assert f"C{row4}:C{row4 + 2}" in merged  # problem 4's title over its three measure rows


def test_csv_and_excel_exports_read_back_as_the_same_problems(seeded, other, tmp_path):
    _work_on(seeded)
    original = ledger_plan(seeded, "R4")
    for fmt in ("csv", "xlsx"):
        path = tmp_path / f"台账.{fmt}"
        export_ledger(seeded, "R4", fmt, path)
        name = f"重新导入{fmt}"
        summary = import_file(
            other, ImportRequest(path=path, new_round={**NEW_ROUND, "name": name, "code": fmt.upper()})
        )
        assert summary.notes == []  # every column is understood (the light is read and left alone)
        again = ledger_plan(other, name)
        assert [_essentials(p) for p in again.problems] == [_essentials(p) for p in original.problems]


def _essentials(p):
    return (
        p.number,
        p.title,
        p.category,
        p.kind,
        p.leader,
        p.lead_unit,
        p.units,
        p.deadline,
        p.state,
        [(m.text, m.state) for m in p.measures],
    )


def test_english_headers_on_request(seeded, tmp_path):
    path = tmp_path / "ledger.csv"
    export_ledger(seeded, "R4", "csv", path, lang="en")
    with path.open(encoding="utf-8-sig", newline="") as f:
        header, first = next(csv.reader(f)), None
    assert header[:4] == ["No.", "Category", "Problem", "Kind"]
    assert first is None


def test_the_csv_export_opens_in_excel_with_chinese_intact(seeded, tmp_path):
    path = tmp_path / "台账.csv"
    export_ledger(seeded, "R4", "csv", path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs for UTF-8


def test_an_unknown_format_or_an_unwritable_file_is_refused(seeded, tmp_path):
    with pytest.raises(InputRejected):
        export_ledger(seeded, "R4", "pdf", tmp_path / "x.pdf")
    with pytest.raises(InputRejected) as caught:
        export_ledger(seeded, "R4", "yaml", tmp_path / "missing" / "dir" / "x.yaml")
    assert "cannot write" in caught.value.defects[0].problem.en
