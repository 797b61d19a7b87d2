"""The reference round shipped as data (examples/seed_round.yaml): the seed's 41 problems, one command away."""

from __future__ import annotations

import datetime as dt

from supervise.adapters.workflow_files import load_registry
from supervise.domain.deadlines import PolicyOptions
from supervise.domain.plan import parse_plan
from supervise.domain.report_text import parse_report
from supervise.services.queries import ProblemFilter, list_problems
from tests.ledger.conftest import SEED_ROUND

SHIPPED = SEED_ROUND.read_text(encoding="utf-8")


def _shipped():
    return parse_plan(SHIPPED, str(SEED_ROUND), load_registry()).plan


def test_the_shipped_round_is_the_seeds_round():
    r = _shipped().round
    assert (r.name, r.code, r.inspecting_body, r.inspected_unit) == (
        "十二届省委第四轮巡视",
        "R4",
        "省委第十一巡视组",
        "江夏区",
    )
    assert (r.inspection.start, r.inspection.end, r.feedback_date) == (  # type: ignore[union-attr]
        dt.date(2023, 7, 17),
        dt.date(2023, 9, 15),
        dt.date(2023, 11, 7),
    )
    assert r.timezone == "Asia/Shanghai"


def test_it_has_the_seeds_41_problems_with_the_seeds_numbers_titles_and_measures(seed_text):
    seed = parse_report(seed_text, "seed.txt", load_registry(), PolicyOptions(), dt.date(2024, 8, 1))[0].plan
    shipped = _shipped()
    assert [(p.number, p.title) for p in shipped.problems] == [(p.number, p.title) for p in seed.problems]
    # One measure per 一是/二是 item of the report (its own words restated briefly), or one where it lists none.
    assert [len(p.measures) for p in shipped.problems] == [len(p.measures) for p in seed.problems]
    for ours, theirs in zip(shipped.problems, seed.problems, strict=True):
        assert all(m.text not in theirs.progress for m in ours.measures), "measures are restated, not copied"  # type: ignore[operator]


def test_kinds_follow_the_seeds_words():
    kinds = {p.number: p.kind for p in _shipped().problems}
    assert [n for n, k in kinds.items() if k == "immediate"] == [2, 12, 23, 24, 38, 39, 40]
    assert 28 in [n for n, k in kinds.items() if k == "long_term"]
    assert kinds[1] == "dated"


def test_every_problem_has_a_leader_units_and_a_deadline_marked_illustrative():
    shipped = _shipped()
    assert all(p.leader and p.lead_unit and p.deadline for p in shipped.problems)
    assert SHIPPED.count("# illustrative:") == 41
    assert "ILLUSTRATIVE" in SHIPPED.split("\nround:")[0]
    immediate = {p.deadline for p in shipped.problems if p.kind == "immediate"}
    assert immediate == {dt.date(2023, 12, 7)}  # the import's default policy: 30 days after the feedback


def test_the_shipped_round_imports_with_its_people_and_units(ctx, importer):
    summary = importer(SEED_ROUND)
    assert (summary.problems, summary.measures, summary.round_created) == (41, 88, True)
    assert len(summary.people_created) == 29 and len(summary.units_created) == 32
    rows = list_problems(ctx, ProblemFilter(round="R4"))
    assert [r["number"] for r in rows] == list(range(1, 42))
    assert {r["state"] for r in rows} == {"assigned"}
