"""The read a transition on a problem starts with: round, problem, units and actor in one statement.

The rounds and the actor come back through one ``UNION ALL``; these tests hold it to what
the separate lookups answer — on SQLite and PostgreSQL — and the service to the order in
which it reports what is wrong: a bad round before an unknown person.
"""

from __future__ import annotations

import pytest

from supervise.adapters.repository import find_rounds, load_actor, load_problems
from supervise.adapters.transition_reads import load_problem_and_actor
from supervise.domain.errors import Ambiguous, NotFound
from supervise.domain.plan import parse_plan
from supervise.services.importing import import_plan
from supervise.services.transitions import Advance, advance

SECOND_ROUND = """
round: {name: 十二届省委第五轮巡视, code: R5, timezone: Asia/Shanghai}
units: [区委巡察办, 区水务和湖泊局, 区城管执法局, 区财政局]
people:
  - {name: 孙八, email: sunba@example.org, unit: 区财政局, roles: [unit, supervisor]}
problems:
  - number: 13
    title: 财政资金监管不到位
    kind: dated
    leader: 王五
    lead_unit: 区财政局
    units: [区城管执法局, 区委巡察办]
    deadline: 2024-06-30
    measures:
      - {text: 清理存量资金, unit: 区财政局}
"""


@pytest.fixture
def two_rounds(walkthrough):
    parsed = parse_plan(SECOND_ROUND, "second.yaml", walkthrough.workflows)
    import_plan(walkthrough, parsed, "second.yaml")
    return walkthrough


def test_it_reads_what_the_separate_lookups_read(two_rounds):
    with two_rounds.reading() as conn:
        r5 = find_rounds(conn, "R5")[0]
        read = load_problem_and_actor(conn, "R5", 13, "孙八")
        assert read.rounds == [r5]
        assert read.item == load_problems(conn, r5.id, [13], lock=False)[13]
        assert read.actor == load_actor(conn, "孙八")
    assert read.item is not None and len(read.item.unit_ids) == 3  # the lead unit and two co-units
    assert read.actor is not None and read.actor.roles == {"unit", "supervisor"}


def test_a_round_named_by_its_id_or_name_reads_the_same(two_rounds):
    with two_rounds.reading() as conn:
        r5 = find_rounds(conn, "R5")[0]
        by_code = load_problem_and_actor(conn, "R5", 13, "张三")
        by_id = load_problem_and_actor(conn, str(r5.id), 13, "张三")
        by_name = load_problem_and_actor(conn, "十二届省委第五轮巡视", 13, "张三")
    assert by_code == by_id == by_name
    assert by_code.actor is not None and by_code.actor.roles == {"office"}


def test_without_a_round_it_finds_every_round_and_no_item(two_rounds):
    with two_rounds.reading() as conn:
        read = load_problem_and_actor(conn, None, 13, "张三")
    assert [r.code for r in read.rounds] == ["R4", "R5"]
    assert read.item is None  # which round's problem 13 is meant is for the caller to ask


def test_an_unknown_person_or_problem_reads_as_none(walkthrough):
    with walkthrough.reading() as conn:
        read = load_problem_and_actor(conn, "R4", 99, "钱七")
    assert [r.code for r in read.rounds] == ["R4"]
    assert read.item is None and read.actor is None


def test_a_bad_round_is_reported_before_an_unknown_person(two_rounds):
    with pytest.raises(NotFound, match="no round R9"):
        advance(two_rounds, Advance("R9:13", "start", "钱七"))
    with pytest.raises(Ambiguous, match="several rounds"):
        advance(two_rounds, Advance("13", "start", "钱七"))
    with pytest.raises(NotFound, match="no person named 钱七"):
        advance(two_rounds, Advance("R5:13", "start", "钱七"))


def test_the_office_moves_the_problem_of_the_round_it_names(two_rounds):
    moved = advance(two_rounds, Advance("R5:13", "start", "张三"))
    assert (moved.from_state, moved.to_state) == ("assigned", "in_progress")
    with two_rounds.reading() as conn:
        r4, r5 = find_rounds(conn, "R4")[0], find_rounds(conn, "R5")[0]
        assert load_problems(conn, r5.id, [13], lock=False)[13].state == "in_progress"
        assert load_problems(conn, r4.id, [13], lock=False)[13].state == "assigned"
