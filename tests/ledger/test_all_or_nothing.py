"""All or nothing, by property: malformed rows are refused whole, every defect is placed, nothing is written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supervise.domain.errors import InputRejected
from tests.ledger.conftest import HEADERS, parse_rows, snapshot, write_csv

UNITS = ["区水务和湖泊局", "区城管执法局", "区委巡察办", "区财政局"]
GOOD_DEADLINES = ["2024-06-30", "2024/6/30", "2024.6.30", "2024.12", "2024年6月底前", "立行立改", "长期坚持"]
# Cells that no reader may accept, by column; each is a defect the office must be told about.
BAD_CELLS: dict[int, list[Any]] = {
    0: ["x", "甲", "-3", "0", "1.5"],  # 序号
    1: [""],  # 问题
    3: ["王五、赵六", "王" * 101],  # 责任领导: one leader, at most 100 characters
    6: ["下月", "2024-02-30", "2204-01-01", "尽快完成", "Q3"],  # 整改时限
}


def good_row(number: int, draw: Any) -> list[Any]:
    units = draw(st.lists(st.sampled_from(UNITS), max_size=3, unique=True))
    return [
        number,
        f"问题{number}",
        draw(st.sampled_from(["措施一", "1.措施一；2.措施二", "一是措施一。二是措施二"])),
        draw(st.sampled_from(["王五", "李四", None])),
        draw(st.sampled_from([*UNITS, None])),
        draw(st.sampled_from(["、", "；", "\n", ","])).join(units) or None,
        draw(st.sampled_from(GOOD_DEADLINES)),
        draw(st.sampled_from(["已完成", None])),
    ]


@st.composite
def malformed_ledgers(draw: Any) -> tuple[list[list[Any]], set[int]]:
    """A ledger of good rows with at least one bad cell; returns the rows and the row numbers made bad."""
    count = draw(st.integers(min_value=1, max_value=8))
    rows = [good_row(100 + i, draw) for i in range(count)]
    bad_rows: set[int] = set()
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        index = draw(st.integers(min_value=0, max_value=count - 1))
        column = draw(st.sampled_from(sorted(BAD_CELLS)))
        rows[index][column] = draw(st.sampled_from(BAD_CELLS[column]))
        bad_rows.add(index + 2)  # the header is row 1
    return [HEADERS, *rows], bad_rows


@settings(max_examples=150, deadline=None)
@given(malformed_ledgers())
def test_every_malformed_row_is_reported_by_its_row_and_column(ledger):
    rows, bad_rows = ledger
    with pytest.raises(InputRejected) as caught:
        parse_rows(rows)
    defects = caught.value.defects
    located = {int(d.location.removeprefix("row ")) for d in defects if d.location.startswith("row ")}
    assert bad_rows <= located
    assert all(d.field and d.problem.zh and d.problem.en for d in defects)


garbage = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.integers(min_value=-5, max_value=60000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["立行立改", "长期坚持", "2024-06-30", "已销号", "（牵头）", "一、方面", "注：", "13"]),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(garbage, min_size=0, max_size=10), min_size=1, max_size=8))
def test_any_cells_whatsoever_are_read_or_refused_never_crash(body):
    defects = []
    try:
        parsed = parse_rows([[*HEADERS, "问题状态"], *body])
    except InputRejected as exc:
        defects = exc.defects
        assert defects, "a refusal says why"
    else:
        assert all(p.number >= 1 and p.title for p in parsed.plan.problems)
    assert all(d.location == "" or d.location.startswith("row ") for d in defects)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ledger=malformed_ledgers(), mixed_in=st.lists(st.lists(garbage, max_size=8), max_size=3))
def test_a_rejected_file_leaves_the_database_exactly_as_it_was(walkthrough, importer, tmp_path, ledger, mixed_in):
    rows, _ = ledger
    before = snapshot(walkthrough)
    path = write_csv(tmp_path / "台账.csv", [*rows, *mixed_in])
    with pytest.raises(InputRejected):
        importer(path, round="R4")
    assert snapshot(walkthrough) == before


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ledger=malformed_ledgers())
def test_a_dry_run_of_a_good_file_and_a_refused_file_both_write_nothing(walkthrough, importer, tmp_path, ledger):
    rows, bad_rows = ledger
    good = [rows[0]] + [r for i, r in enumerate(rows[1:], start=2) if i not in bad_rows]
    before = snapshot(walkthrough)
    if len(good) > 1:
        summary = importer(write_csv(tmp_path / "good.csv", good), round="R4", dry_run=True)
        assert summary.problems == len(good) - 1
    with pytest.raises(InputRejected):
        importer(write_csv(tmp_path / "bad.csv", rows), round="R4", dry_run=True)
    assert snapshot(walkthrough) == before
