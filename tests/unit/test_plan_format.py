"""The canonical plan format: the issue's example as it is, and precise errors for bad plans."""

from __future__ import annotations

import datetime as dt

import pytest

from supervise.domain.errors import InputRejected
from supervise.domain.plan import parse_plan
from supervise.domain.refs import BadReference, Ref, parse_ref

ISSUE_EXAMPLE = """\
round:
  name: 十二届省委第四轮巡视
  inspecting_body: 省委第十一巡视组
  inspected_unit: 江夏区
  inspection: {start: 2023-07-17, end: 2023-09-15}
  feedback_date: 2023-11-07
  timezone: Asia/Shanghai
units: [区委巡察办, 区水务和湖泊局, 区城管执法局]
people:
  - {name: 张三, email: zhangsan@example.org, unit: 区委巡察办, roles: [office]}
  - {name: 李四, email: lisi@example.org, unit: 区水务和湖泊局, roles: [unit]}
  - {name: 王五, email: wangwu@example.org, roles: [leader]}
  - {name: 赵六, email: zhaoliu@example.org, roles: [supervisor]}
problems:
  - number: 13
    title: 防洪和排涝设施存在风险隐患,脱坡未及时治理
    category: 民生保障
    kind: dated
    leader: 王五
    lead_unit: 区水务和湖泊局
    units: [区城管执法局]
    deadline: 2024-03-31
    measures:
      - {text: 完成新河、斧头湖南大堤、金水河港渠险情治理工程, unit: 区水务和湖泊局, deadline: 2024-01-31}
      - {text: 开展金水河流域脱坡隐患专项排查, deadline: 2024-03-31}
"""


def rejected(text: str, workflows) -> list:
    with pytest.raises(InputRejected) as caught:
        parse_plan(text, "plan.yaml", workflows)
    return caught.value.defects


def test_it_accepts_the_example_from_the_issue_as_it_is(workflows):
    plan = parse_plan(ISSUE_EXAMPLE, "plan.yaml", workflows).plan
    assert plan.round.inspection.start == dt.date(2023, 7, 17)
    [problem] = plan.problems
    assert (problem.number, problem.leader, problem.units) == (13, "王五", ["区城管执法局"])
    assert [m.deadline for m in problem.measures] == [dt.date(2024, 1, 31), dt.date(2024, 3, 31)]


def test_it_names_the_line_and_key_of_each_defect(workflows):
    bad = ISSUE_EXAMPLE.replace("kind: dated", "kind: someday").replace("deadline: 2024-01-31", "deadline: 2024-02-30")
    defects = {d.field: d for d in rejected(bad, workflows)}
    assert set(defects) == {"problems[0].kind", "problems[0].measures[0].deadline"}
    assert defects["problems[0].kind"].location == "line 18"
    assert defects["problems[0].measures[0].deadline"].location == "line 24"


def test_a_dated_problem_needs_a_deadline(workflows):
    [defect] = rejected(ISSUE_EXAMPLE.replace("    deadline: 2024-03-31\n", ""), workflows)
    assert defect.field == "problems[0].deadline" and "needs a deadline" in defect.problem.en


def test_it_rejects_duplicate_numbers_and_people(workflows):
    twice = ISSUE_EXAMPLE + ISSUE_EXAMPLE.split("problems:\n")[1]
    twice = twice.replace("  - {name: 赵六,", "  - {name: 张三, roles: [office]}\n  - {name: 赵六,")
    fields = {d.field for d in rejected(twice, workflows)}
    assert fields == {"problems[1].number", "people[3].name"}


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("timezone: Asia/Shanghai", "timezone: Asia/Wuhan", "round.timezone"),
        ("email: lisi@example.org", "email: 李四@example.org", "people[1].email"),
        ("roles: [supervisor]", "roles: [inspector]", "people[3].roles[0]"),
        ("number: 13", "number: 0", "problems[0].number"),
        ("kind: dated", "kind: dated\n    state: finished", "problems[0].state"),
        ("inspected_unit: 江夏区", "inspected_unit: 江夏区\n  inspecter: x", "round.inspecter"),
        ("end: 2023-09-15", "end: 2023-07-01", "round.inspection.end"),
    ],
)
def test_it_rejects_bad_values_with_their_key(workflows, old, new, field):
    assert old in ISSUE_EXAMPLE
    assert field in {d.field for d in rejected(ISSUE_EXAMPLE.replace(old, new), workflows)}


def test_it_rejects_a_file_that_is_not_a_plan(workflows):
    [defect] = rejected("- just\n- a list\n", workflows)
    assert "expected a mapping" in defect.problem.en


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("13", Ref(None, 13)),
        ("13.2", Ref(None, 13, 2)),
        ("R4:13", Ref("R4", 13)),
        ("十二届省委第四轮巡视:41.3", Ref("十二届省委第四轮巡视", 41, 3)),
        ("R4：7", Ref("R4", 7)),
    ],
)
def test_it_reads_references_as_users_type_them(text, ref):
    assert parse_ref(text) == ref
    assert parse_ref(str(ref)) == ref


@pytest.mark.parametrize("text", ["", "abc", "13.", "13.x", ":13"])
def test_it_refuses_references_it_cannot_read(text):
    with pytest.raises(BadReference):
        parse_ref(text)
