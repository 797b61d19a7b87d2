"""The published progress report (通报) read as a plan: the seed itself and the variants offices publish."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supervise.adapters.workflow_files import load_registry
from supervise.domain.deadlines import PolicyOptions
from supervise.domain.errors import InputRejected
from supervise.domain.report_text import parse_report, read_round, split_items
from supervise.services.queries import ProblemFilter, list_problems
from tests.ledger.conftest import snapshot

TODAY = dt.date(2024, 8, 1)
REGISTRY = load_registry()
HEAD = (
    "中共某某县委关于十二届省委第四轮巡视整改进展情况的通报\n"
    "2023年7月17日至9月15日,省委第十一巡视组对某某县进行了巡视,并于11月7日反馈了巡视意见。\n"
)
TAIL = "\n中共某某县委\n\n2024年7月18日\n"


def _parse(body: str, **options):
    return parse_report(HEAD + body + TAIL, "report.txt", REGISTRY, PolicyOptions(**options), TODAY)


def _plan(body: str):
    return _parse(body)[0].plan


def _titles_in(text: str) -> list[str]:
    """The seed's titles as a reader finds them by eye: each numbered 关于“…”的问题 heading, outer quotes off."""
    return re.findall(r"^\d+[.:]关于“(.*)”的问题。$", text, flags=re.M)


def test_the_seed_gives_its_41_problems_with_titles_as_published(seed_text):
    parsed, read = parse_report(seed_text, "seed.txt", REGISTRY, PolicyOptions(), TODAY)
    plan = parsed.plan
    assert [p.number for p in plan.problems] == list(range(1, 42))
    assert [p.title for p in plan.problems] == _titles_in(seed_text)
    assert plan.problems[6].title == "南部街道“空心化”加剧,人口多流向北部中心城区"
    assert plan.problems[15].title == "群众“办证难”问题未有效解决"
    assert plan.problems[13].title == "法泗老闸闸背桥存隐患"  # numbered "14:" in the seed
    assert (read.renumbered, read.report_date) == (False, dt.date(2024, 7, 18))


def test_the_seed_names_its_round_and_says_which_fixes_were_immediate_or_long_term(seed_text):
    plan = parse_report(seed_text, "seed.txt", REGISTRY, PolicyOptions(), TODAY)[0].plan
    r = plan.round
    assert (r.name, r.inspecting_body, r.inspected_unit) == ("十二届省委第四轮巡视", "省委第十一巡视组", "江夏区")
    assert (r.inspection.start, r.inspection.end, r.feedback_date) == (  # type: ignore[union-attr]
        dt.date(2023, 7, 17),
        dt.date(2023, 9, 15),
        dt.date(2023, 11, 7),
    )
    kinds = {p.number: p.kind for p in plan.problems}
    assert [n for n, k in kinds.items() if k == "immediate"] == [2, 12, 23, 24, 38, 39, 40]
    assert [n for n, k in kinds.items() if k == "long_term"] == [28]
    immediate = next(p for p in plan.problems if p.number == 2)
    assert immediate.deadline == dt.date(2023, 12, 7)  # 30 days after the feedback
    assert next(p for p in plan.problems if p.number == 1).deadline == dt.date(2024, 7, 18)  # the report's date


def test_the_seeds_measures_are_its_enumerated_items(seed_text):
    plan = parse_report(seed_text, "seed.txt", REGISTRY, PolicyOptions(), TODAY)[0].plan
    by_number = {p.number: p for p in plan.problems}
    assert [len(by_number[n].measures) for n in (1, 4, 5, 26, 41)] == [1, 3, 4, 2, 3]
    assert by_number[4].measures[0].text.startswith("支持区内科教资源转化运用")
    assert by_number[26].measures[1].text.startswith("做好以案促改")  # 一方面…另一方面…
    assert "13个问题整改" in by_number[41].measures[0].text


def test_importing_the_seed_writes_exactly_its_41_problems(ctx, importer, seed_path):
    summary = importer(seed_path)
    assert (summary.round, summary.problems, summary.round_created) == ("十二届省委第四轮巡视", 41, True)
    assert [r["title"] for r in list_problems(ctx, ProblemFilter())] == _titles_in(seed_path.read_text("utf-8"))


@pytest.mark.parametrize("sep", [".", "、", ":", "：", "．"])
def test_numbering_may_use_any_separator(sep):
    plan = _plan(f"1{sep}关于“甲问题”的问题。\n整改情况:已整改。\n2{sep}关于“乙问题”的问题。\n整改情况:已整改。\n")
    assert [(p.number, p.title) for p in plan.problems] == [(1, "甲问题"), (2, "乙问题")]


@pytest.mark.parametrize(
    ("heading", "title"),
    [
        ("1.关于“学用结合不紧密”的问题。", "学用结合不紧密"),
        ("1.关于“学用结合不紧密”问题的整改情况", "学用结合不紧密"),
        ("1.关于“学用结合不紧密”问题的整改", "学用结合不紧密"),
        ('1.关于"学用结合不紧密"的问题', "学用结合不紧密"),
        ("1.关于「学用结合不紧密」的问题", "学用结合不紧密"),
        ("1.关于“群众“办证难”问题未有效解决”的问题。", "群众“办证难”问题未有效解决"),
        ("1.关于“‘车光产业跨界融合示范区’实施方案印发不及时”的问题。", "‘车光产业跨界融合示范区’实施方案印发不及时"),
        ('1.关于"群众"办证难"问题未有效解决"的问题。', '群众"办证难"问题未有效解决'),
        ("1．关于“学用结合不紧密”的问题．", "学用结合不紧密"),
        ("1.关于学用结合不紧密的问题", "学用结合不紧密"),
    ],
)
def test_titles_are_kept_exactly_with_quotes_inside(heading, title):
    [problem] = _plan(f"{heading}\n整改情况:已整改。\n").problems
    assert problem.title == title


def test_category_headings_and_sub_items_become_categories_and_problems():
    plan = _plan(
        "二、集中整改进展情况\n"
        "(一)在“落实党中央决策部署”方面\n"
        "1.关于“理论学习不深入”的问题\n"
        "(1)关于“学用结合不紧密”\n整改情况:一是细化产业体系。二是推动转型。\n"
        "(2)关于“调研不够”\n整改情况:开展专题调研。\n"
        "(二)在“全面从严治党”方面\n"
        "1.关于“案件查办不力”的问题。\n整改情况:加大查办力度。\n"
    )
    assert [(p.number, p.category, p.title, len(p.measures)) for p in plan.problems] == [
        (1, "落实党中央决策部署 / 理论学习不深入", "学用结合不紧密", 2),
        (2, "落实党中央决策部署 / 理论学习不深入", "调研不够", 1),
        (3, "全面从严治党", "案件查办不力", 1),
    ]


def test_numbering_that_restarts_under_each_category_is_numbered_in_order():
    body = (
        "(一)在“甲”方面\n1.关于“一”的问题。\n整改情况:甲。\n2.关于“二”的问题。\n整改情况:乙。\n"
        "(二)在“乙”方面\n1.关于“三”的问题。\n整改情况:丙。\n"
    )
    plan, read = _parse(body)
    assert [(p.number, p.title) for p in plan.plan.problems] == [(1, "一"), (2, "二"), (3, "三")]
    assert read.renumbered


def test_a_heading_can_carry_its_progress_on_the_same_line():
    [p] = _plan("1.关于“甲问题”的问题。整改情况:一是立行立改，已完成。二是建立机制。\n").problems
    assert (p.kind, [m.text for m in p.measures]) == ("immediate", ["立行立改，已完成", "建立机制"])


def test_the_closing_paragraphs_are_not_part_of_the_last_problem():
    [p] = _plan("1.关于“甲问题”的问题。\n整改情况:已整改。\n欢迎广大干部群众监督。联系方式:电话。\n").problems
    assert p.progress == "已整改。"


def test_long_term_work_is_marked_where_the_text_says_so():
    [p] = _plan("1.关于“甲问题”的问题。\n整改情况:建立机制，立行立改并长期坚持。\n").problems
    assert (p.kind, p.deadline) == ("long_term", None)


def test_a_default_deadline_replaces_the_reports_date_for_dated_problems():
    [p] = _parse("1.关于“甲”的问题。\n整改情况:已整改。\n", default=dt.date(2024, 3, 31))[0].plan.problems
    assert p.deadline == dt.date(2024, 3, 31)


def test_items_count_only_in_sequence():
    assert split_items([(5, "统一是基础。一是甲。二是乙，(2)不算。")]) == [(5, "甲"), (5, "乙，(2)不算")]
    assert split_items([(5, "一是甲"), (6, "继续甲。二是乙")]) == [(5, "甲继续甲"), (6, "乙")]
    assert split_items([(7, "只有一项。")]) == [(7, "只有一项")]


def test_a_text_without_problems_is_refused_with_the_expected_form():
    with pytest.raises(InputRejected) as caught:
        _parse("这里没有问题。\n")
    assert "1.关于“…”的问题。" in caught.value.defects[0].problem.en


def test_an_unreadable_heading_is_named_by_its_line():
    with pytest.raises(InputRejected) as caught:
        _parse("1.关于“甲问题”的问题。\n整改情况:已整改。\n2.关于“乙问题的问题。\n")
    [defect] = caught.value.defects
    assert (defect.location, defect.field) == ("line 5", "问题")
    assert "matching quotes" in defect.problem.en


def test_duplicate_numbers_are_refused_at_their_line():
    with pytest.raises(InputRejected) as caught:
        _parse("7.关于“甲”的问题。\n整改情况:甲。\n7.关于“乙”的问题。\n整改情况:乙。\n")
    assert [(d.location, d.field) for d in caught.value.defects] == [("line 5", "序号")]


def test_a_title_without_a_round_name_needs_the_round_from_the_command_line():
    assert read_round("关于某事的说明\n正文")[0] is None
    with pytest.raises(InputRejected) as caught:
        parse_report("关于某事的说明\n1.关于“甲”的问题。\n", "x.txt", REGISTRY, PolicyOptions(), TODAY)
    assert "--round" in caught.value.defects[0].problem.en


def test_a_report_imported_twice_is_refused_and_changes_nothing(ctx, importer, seed_path):
    importer(seed_path)
    before = snapshot(ctx)
    with pytest.raises(InputRejected) as caught:
        importer(seed_path)
    assert len(caught.value.defects) == 41
    assert caught.value.defects[0].location == f"line {_line_of(seed_path, '1.关于')}"
    assert snapshot(ctx) == before


def _line_of(path, start: str) -> int:
    return next(i for i, line in enumerate(path.read_text("utf-8").splitlines(), 1) if line.startswith(start))


@pytest.fixture
def seed_path(seed_text, tmp_path):
    path = tmp_path / "通报.txt"
    path.write_text(seed_text, encoding="utf-8")
    return path


_pieces = st.sampled_from(
    [
        "1.关于“",
        "2、关于",
        "14:关于“甲”",
        "”的问题。",
        "问题的整改",
        "(一)在“",
        "”方面",
        "(1)关于“",
        "整改情况:",
        "一是",
        "二是",
        "另一方面",
        "立行立改",
        "长期坚持",
        "\n",
        "。",
        "“",
        "”",
        '"',
        "2024年7月18日",
        "中共某某县委",
        "欢迎监督",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_pieces, st.text(max_size=6)), max_size=40))
def test_any_text_is_read_or_refused_never_crashes(parts):
    text = HEAD + "".join(parts)
    try:
        parsed, _ = parse_report(text, "r.txt", REGISTRY, PolicyOptions(), TODAY)
    except InputRejected as exc:
        assert exc.defects, "a refusal says why"  # noqa: PT017 - both outcomes are allowed
    else:
        assert all(p.title and p.number >= 1 for p in parsed.plan.problems)


def test_points_numbered_in_brackets_inside_a_problem_stay_in_it():
    [p] = _plan(
        "1.关于“甲问题”的问题。\n整改情况:\n（一）建立台账。\n（二）完善制度。\n三、下一步工作打算\n一是加强领导。\n"
    ).problems
    assert [m.text for m in p.measures] == ["建立台账", "完善制度"]
