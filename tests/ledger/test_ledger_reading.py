"""Reading a ledger table into the canonical plan: headers, layouts, cells, and defects named by row and column."""

from __future__ import annotations

import datetime as dt

import pytest

from supervise.domain.errors import InputRejected
from supervise.domain.ledger_columns import field_of, read_number, split_measures, split_names
from tests.ledger.conftest import HEADERS, parse_rows

D = dt.date


def _rejected(rows, **kw) -> list[tuple[str, str, str]]:
    with pytest.raises(InputRejected) as caught:
        parse_rows(rows, **kw)
    return [(d.location, d.field, d.problem.en) for d in caught.value.defects]


def test_it_reads_the_conventional_chinese_ledger():
    title = "防洪和排涝设施存在风险隐患,脱坡未及时治理"
    row = [13, title, "1.完成险情治理工程；2.开展隐患排查", "王五", "区水务和湖泊局", "区城管执法局、区应急管理局"]
    plan = parse_rows([HEADERS, [*row, "2024年3月底前", "已完成治理"]]).plan
    [p] = plan.problems
    assert (p.number, p.title, p.kind, p.deadline) == (
        13,
        "防洪和排涝设施存在风险隐患,脱坡未及时治理",
        "dated",
        D(2024, 3, 31),
    )
    assert (p.leader, p.lead_unit, p.units) == ("王五", "区水务和湖泊局", ["区城管执法局", "区应急管理局"])
    assert [m.text for m in p.measures] == ["完成险情治理工程", "开展隐患排查"]
    assert p.progress == "已完成治理"


def test_english_headers_in_any_order_read_the_same():
    chinese = parse_rows([HEADERS, [1, "问题甲", "措施一；措施二", "王五", "甲局", "乙局", "2024-06-30", "进行中"]])
    english = parse_rows(
        [
            ["Deadline", "Lead unit", "Units", "Measures", "Leader", "Problem", "No.", "Progress"],
            ["2024-06-30", "甲局", "乙局", "措施一；措施二", "王五", "问题甲", 1, "进行中"],
        ]
    )
    assert english.plan == chinese.plan


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("序号", "number"),
        ("编号", "number"),
        ("问题", "title"),
        ("存在问题", "title"),
        ("整改措施", "measures"),
        ("整改举措", "measures"),
        ("责任领导", "leader"),
        ("牵头单位", "lead_unit"),
        ("责任单位", "units"),
        ("配合单位", "units"),
        ("整改时限", "deadline"),
        ("整改时限（完成时间）", "deadline"),
        ("完成时限*", "deadline"),
        ("完成情况", "progress"),
        ("进展情况", "progress"),
        ("Responsible leader", "leader"),
        ("DEADLINE", "deadline"),
        ("备注", None),
    ],
)
def test_it_knows_the_headers_offices_use(header, field):
    assert field_of(header) == field


def test_a_title_row_above_the_header_is_skipped_and_unknown_columns_are_listed():
    rows = [
        ["江夏区巡视整改台账（2024年3月）"] + [None] * 8,
        [None] * 9,
        [*HEADERS, "备注"],
        [1, "问题甲", "措施", "王五", "甲局", None, "2024-06-30", None, "无"],
    ]
    plan = parse_rows(rows).plan
    assert [p.title for p in plan.problems] == ["问题甲"]


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("甲局、乙局", ["甲局", "乙局"]),
        ("甲局；乙局;丙局", ["甲局", "乙局", "丙局"]),
        ("甲局，乙局,丙局", ["甲局", "乙局", "丙局"]),
        ("甲局\n乙局", ["甲局", "乙局"]),
        (" 甲局 ", ["甲局"]),
    ],
)
def test_several_units_in_one_cell_are_split_on_every_separator(cell, names):
    assert split_names(cell) == names


@pytest.mark.parametrize(
    ("cell", "measures"),
    [
        ("完成新河、斧头湖南大堤治理，开展排查", ["完成新河、斧头湖南大堤治理，开展排查"]),
        ("措施一；措施二;措施三", ["措施一", "措施二", "措施三"]),
        ("措施一\n措施二", ["措施一", "措施二"]),
        ("1.措施一 2.措施二", ["措施一", "措施二"]),
        ("1、措施一。2、措施二。", ["措施一", "措施二"]),
        ("一是措施一。二是措施二。", ["措施一", "措施二"]),
        ("（一）措施一；（二）措施二", ["措施一", "措施二"]),
        ("①措施一②措施二", ["措施一", "措施二"]),
        ("增幅7.9%，2.5亿元已到位", ["增幅7.9%，2.5亿元已到位"]),
    ],
)
def test_measures_split_on_lines_semicolons_and_numbering_but_not_inside_a_sentence(cell, measures):
    assert split_measures(cell) == measures


@pytest.mark.parametrize(("cell", "number"), [(13, 13), (13.0, 13), ("13", 13), ("13.", 13), ("（13）", 13)])
def test_problem_numbers_are_read_as_written(cell, number):
    assert read_number(cell) == number


def test_one_measure_per_row_with_the_problem_repeated_or_left_blank_is_one_problem():
    rows = [
        HEADERS,
        [15, "排涝设施排涝能力不足", "编制可研报告", "王五", "区水务和湖泊局", "区水务和湖泊局", "2024.3", None],
        [15, "排涝设施排涝能力不足", "推进排水工程", "王五", "区水务和湖泊局", "区城管执法局", "2024.12", None],
        [None, None, "建立应急联动机制", None, None, "区应急管理局", "2024年6月", None],
    ]
    [p] = parse_rows(rows).plan.problems
    assert p.deadline == D(2024, 12, 31)  # the last stage
    assert p.units == ["区城管执法局", "区应急管理局"]
    assert [(m.text, m.unit, m.deadline) for m in p.measures] == [
        ("编制可研报告", "区水务和湖泊局", D(2024, 3, 31)),
        ("推进排水工程", "区城管执法局", D(2024, 12, 31)),
        ("建立应急联动机制", "区应急管理局", D(2024, 6, 30)),
    ]


def test_a_heading_row_across_the_table_is_the_category_of_the_problems_below():
    rows = [
        HEADERS,
        ["一、落实党中央决策部署方面"] * 8,
        [1, "问题甲", "措施", None, None, None, "2024-06-30", None],
        ["（二）全面从严治党方面", None, None, None, None, None, None, None],
        [2, "问题乙", "措施", None, None, None, "2024-06-30", None],
        ["注：本表由区委巡察办汇总"] + [None] * 7,
    ]
    plan = parse_rows(rows).plan
    assert [(p.number, p.category) for p in plan.problems] == [(1, "落实党中央决策部署方面"), (2, "全面从严治党方面")]


def test_the_lead_unit_can_be_marked_inside_the_units_cell():
    rows = [["序号", "问题", "责任单位", "整改时限"], [1, "问题甲", "乙局、甲局（牵头）", "2024-06-30"]]
    [p] = parse_rows(rows).plan.problems
    assert (p.lead_unit, p.units) == ("甲局", ["乙局"])


def test_kinds_follow_the_deadline_cell_and_immediate_fixes_get_the_policy_date():
    rows = [
        ["序号", "问题", "整改时限"],
        [1, "甲", "立行立改"],
        [2, "乙", "长期坚持"],
        [3, "丙", "2024年6月底前并长期坚持"],
        [4, "丁", "2024-06-30"],
    ]
    plan = parse_rows(rows).plan
    assert [(p.kind, p.deadline) for p in plan.problems] == [
        ("immediate", D(2023, 12, 7)),
        ("long_term", None),
        ("long_term", D(2024, 6, 30)),
        ("dated", D(2024, 6, 30)),
    ]


def test_states_are_read_by_name_or_by_label():
    rows = [
        ["序号", "问题", "整改时限", "状态"],
        [1, "甲", "2024-06-30", "已销号"],
        [2, "乙", "2024-06-30", "in_progress"],
    ]
    assert [p.state for p in parse_rows(rows).plan.problems] == ["closed", "in_progress"]


def test_a_table_without_a_header_row_is_refused_with_what_was_expected():
    [(location, field, problem)] = _rejected([["a", "b"], [1, 2]])
    assert (location, field) == ("", "")
    assert "no header row" in problem and "序号" in problem


def test_every_bad_cell_is_named_by_row_and_column_at_once():
    rows = [
        ["序号", "问题", "整改措施", "责任领导", "整改时限", "状态"],
        ["x", "甲", "措施", "张三、李四", "下月", "完成了"],
        [2, "", "措施", "张三", "2024-02-30", None],
        [3, "丙", "措施", "张三", None, None],
        [3, "丁", "措施", "张三", "2024-06-30", None],
    ]
    defects = _rejected(rows)
    assert [(loc, field) for loc, field, _ in defects] == [
        ("row 2", "序号 (A)"),
        ("row 2", "责任领导 (D)"),
        ("row 2", "状态 (F)"),
        ("row 2", "整改时限 (E)"),
        ("row 3", "问题 (B)"),
        ("row 3", "整改时限 (E)"),
        ("row 4", "整改时限 (E)"),
        ("row 5", "序号 (A)"),
    ]
    text = " | ".join(p for _, _, p in defects)
    for words in ("expected a problem number", "one leader per problem", "unknown state 完成了", "expected a date"):
        assert words in text
    assert "3 appears more than once" in text


def test_a_missing_deadline_can_be_filled_by_a_default():
    rows = [["序号", "问题", "整改时限"], [1, "甲", None]]
    assert "--default-deadline" in _rejected(rows)[0][2]
    assert parse_rows(rows, default=D(2024, 6, 30)).plan.problems[0].deadline == D(2024, 6, 30)


def test_names_longer_than_the_ledger_keeps_are_refused_here_not_by_the_database():
    rows = [["序号", "问题", "责任领导", "整改时限"], [1, "甲", "王" * 101, "2024-06-30"]]
    [(location, field, problem)] = _rejected(rows)
    assert (location, field) == ("row 2", "责任领导 (C)")
    assert "at most 100" in problem


def test_two_columns_for_one_field_are_refused():
    rows = [["序号", "问题", "整改时限", "完成时限"], [1, "甲", "2024-06-30", "2024-06-30"]]
    [(location, field, problem)] = _rejected(rows)
    assert location == "row 1" and "整改时限 (C)、完成时限 (D)" in field
    assert "keep one" in problem


@pytest.mark.parametrize(
    ("header", "cell", "words"),
    [
        ("整改类型", "尽快", "expected 立行立改 (immediate), 限期整改 (dated) or 长期坚持 (long_term)"),
        ("反弹次数", "两次以上", "expected a count"),
        ("举措状态", "差不多", "unknown state 差不多"),
        ("问题状态", "差不多", "unknown state 差不多"),
    ],
)
def test_the_optional_columns_are_checked_too(header, cell, words):
    rows = [["序号", "问题", "整改措施", "整改时限", header], [1, "甲", "措施", "2024-06-30", cell]]
    [(location, field, problem)] = _rejected(rows)
    assert (location, field) == ("row 2", f"{header} (E)")
    assert words in problem
