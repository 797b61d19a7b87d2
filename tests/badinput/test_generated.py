"""Inputs too large to keep in the corpus, made at run time: each refused (or read) in bounded time, nothing written.

The timeouts are hang guards, not measurements: each of these inputs used to take
minutes or forever (quadratic regular expressions, alias expansion, a ledger made
16,384 columns wide), and now takes a fraction of a second.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from supervise.domain.errors import InputRejected
from supervise.services.importing import ImportRequest, import_file
from tests.badinput.build_corpus import GOOD, HEADERS, ROW_1
from tests.badinput.conftest import Populated

pytestmark = pytest.mark.timeout(60)


def _csv(rows: list[list[object]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def refused(db: Populated, path: Path, **request: object) -> list[tuple[str, str, str]]:
    """Import for real; the file must be refused whole and the database left exactly as it was."""
    before = db.checksum()
    with pytest.raises(InputRejected) as caught:
        import_file(db.ctx, ImportRequest(path=path, **request))  # type: ignore[arg-type]
    assert db.checksum() == before
    return [(d.location, d.field, d.problem.en) for d in caught.value.defects]


def test_a_cell_longer_than_any_ledger_keeps_is_refused_at_its_line(populated: Populated, tmp_path):
    path = tmp_path / "huge-cell.csv"
    path.write_text(_csv([HEADERS, [*ROW_1[:1], "标" * 200_000, *ROW_1[2:]]]), encoding="utf-8")
    ((location, _, problem),) = refused(populated, path, round="R4")
    assert location == "line 2" and "longer than 131072 characters" in problem


def test_ten_thousand_good_rows_and_one_bad_one_import_nothing_and_name_the_bad_row(populated: Populated, tmp_path):
    rows = [HEADERS] + [
        [n, f"问题{n}", "措施", "区领导甲", "区发改局", None, "2024-06-30", None] for n in range(1, 10_001)
    ]
    rows[-1][6] = "2024-13-01"
    path = tmp_path / "large.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    defects = refused(populated, path, round="R4")
    assert [(loc, field) for loc, field, _ in defects] == [("row 10001", "整改时限 (G)")]


def test_a_plan_nested_five_thousand_levels_deep_is_refused(populated: Populated, tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("round: {name: 深层嵌套}\nunits: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    ((_, _, problem),) = refused(populated, path)
    assert problem == "nested too deeply to read"


def test_a_megabyte_of_random_bytes_is_refused_in_every_format(populated: Populated, tmp_path):
    junk = bytes((i * 7919 + 13) % 251 for i in range(1 << 20))
    for name in ("junk.csv", "junk.xlsx", "junk.yaml", "junk.txt"):
        path = tmp_path / name
        path.write_bytes(junk)
        assert refused(populated, path, round="R4" if name.endswith((".csv", ".xlsx")) else None)


@pytest.mark.parametrize(
    "line",
    [
        "关于" * 300_000,  # the title search tried every 关于 to the end of the line
        "省委巡视组对" * 100_000,  # the opening paragraph's search, from every position
        "1.关于“" + "”" * 200_000,  # a title's closing quote, with a slice per quote
        "1.关于“标题”的问题。整改情况:一是" + " " * 300_000 + "二是完成",  # enumerators after a run of spaces
    ],
    ids=["title", "opening", "quotes", "spaces"],
)
def test_a_report_with_an_endless_line_is_read_or_refused_at_once(populated: Populated, tmp_path, line):
    path = tmp_path / "report.txt"
    path.write_text("中共某某区委关于某轮巡察整改进展情况的通报\n" + line + "\n2024年7月18日\n", encoding="utf-8")
    before = populated.checksum(counters=False)
    defects = []
    try:
        import_file(populated.ctx, ImportRequest(path=path, dry_run=True))
    except InputRejected as exc:
        defects = exc.defects
    assert all(d.problem.en for d in defects)
    assert populated.checksum(counters=False) == before


def test_a_ledger_twenty_thousand_columns_wide_is_read(populated: Populated, tmp_path):
    wide = [[*row, *([None] * 20_000)] for row in GOOD]
    wide[0][-1] = "备注"
    path = tmp_path / "wide.csv"
    path.write_text(_csv(wide), encoding="utf-8")
    summary = import_file(populated.ctx, ImportRequest(path=path, round="R4", dry_run=True))
    assert summary.problems == 2


@pytest.mark.parametrize(
    ("column", "cell"),
    [
        (2, "一" * 100_000),  # a measure split on 一是/二是: every 一 started a scan to the end of the run
        (1, "(" * 100_000),  # in the first rows every cell is tried as a header: brackets were matched lazily
        (1, "Flood" + " " * 100_000 + "\ncontrol"),  # a wrapped name: the spaces before its line break rescanned
    ],
    ids=["measure", "brackets", "wrapped"],
)
def test_a_ledger_cell_of_a_hundred_thousand_characters_is_read_at_once(populated: Populated, tmp_path, column, cell):
    row = list(ROW_1)
    row[column] = cell
    path = tmp_path / "cell.csv"
    path.write_text(_csv([HEADERS, row]), encoding="utf-8")
    summary = import_file(populated.ctx, ImportRequest(path=path, round="R4", dry_run=True))
    assert summary.problems == 1
