"""The report's figures, computed from a history made through the real services (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest

from supervise.domain.errors import NotFound
from supervise.services.reports import ReportRequest, load_report
from supervise.services.transitions import Advance, advance
from tests.reports.conftest import AS_OF, EVIDENCE, at

pytestmark = pytest.mark.usefixtures("history")


def report(ctx, **kw):
    return load_report(ctx, ReportRequest(**kw))


def test_it_counts_problems_and_measures_by_state_and_light(history):
    s = report(history).summary
    assert (s.problems, s.problems_closed, s.problems_open, s.problems_long_term) == (6, 2, 3, 1)
    assert {c.state: c.count for c in s.problems_by_state} == {"in_progress": 3, "long_term": 1, "closed": 2}
    assert s.problems_by_signal == {"red": 1, "yellow": 0, "green": 2, "none": 0, "long_term": 1, "done": 2}
    assert (s.measures, s.measures_done, s.measures_overdue) == (9, 7, 1)
    assert {c.state: c.count for c in s.measures_by_state} == {"todo": 2, "done": 7}
    assert (s.rebounds, s.problems_rebounded) == (1, 1)
    assert s.kinds == {"immediate": 1, "dated": 4, "long_term": 1}


def test_the_light_table_gives_each_problem_its_light_and_days_overdue(history):
    rows = {r.number: r for r in report(history).lights}
    assert {n: r.signal for n, r in rows.items()} == {
        1: "red",
        2: "done",
        8: "green",
        13: "done",
        17: "long_term",
        40: "green",
    }
    assert rows[1].days_overdue == 15 and rows[1].measures_overdue == 1
    assert rows[8].days_left == (dt.date(2024, 6, 30) - AS_OF).days
    assert (rows[13].measures_done, rows[13].measures) == (2, 2)


def test_a_problem_close_to_its_deadline_is_yellow(history):
    """8 is due 2024-06-30 (a Sunday): five working days before is 06-24."""
    rows = {r.number: r for r in report(history, as_of=dt.date(2024, 6, 25)).lights}
    assert rows[8].signal == "yellow"
    assert rows[40].signal == "red"


def test_it_groups_overdue_items_by_unit_and_by_leader_with_days_overdue(history):
    r = report(history)
    assert [(i.ref, i.days_overdue) for i in r.overdue] == [("1", 15), ("1.2", 15)]
    [unit] = r.overdue_by_unit
    assert (unit.name, unit.count, unit.max_days) == ("区发改局", 2, 15)
    [leader] = r.overdue_by_leader
    assert (leader.name, [i.ref for i in leader.items]) == ("王五", ["1", "1.2"])


def test_days_to_close_run_from_the_first_create_to_the_close(history):
    d = report(history).days_to_close
    assert [(c.number, c.days) for c in d.items] == [(13, 146), (2, 47)]
    assert (d.count, d.median, d.max) == (2, 96.5, 146)


def test_the_burndown_follows_the_history_day_by_day(history):
    b = report(history, step="day").burndown
    assert (b.step, b.start, b.end) == ("day", dt.date(2023, 11, 7), AS_OF)
    assert len(b.points) == (AS_OF - dt.date(2023, 11, 7)).days + 1
    by_day = {p.day: (p.open, p.long_term, p.closed) for p in b.points}
    assert by_day[dt.date(2023, 11, 7)] == (6, 0, 0)  # the feedback named all six before the import
    assert by_day[dt.date(2023, 12, 24)] == (6, 0, 0)
    assert by_day[dt.date(2023, 12, 25)] == (5, 0, 1)  # 2 closed
    assert by_day[dt.date(2024, 2, 10)] == (4, 0, 2)  # 40 closed
    assert by_day[dt.date(2024, 3, 1)] == (5, 0, 1)  # 40 rebounded
    assert by_day[dt.date(2024, 3, 28)] == (4, 1, 1)  # 17 under long-term review
    assert by_day[dt.date(2024, 4, 2)] == (3, 1, 2)  # 13 closed
    assert b.target == dt.date(2024, 6, 30)  # the latest deadline of a dated or immediate problem (8)


def test_a_long_burndown_is_weekly_and_ends_on_the_report_day(history):
    b = report(history).burndown
    assert b.step == "week"
    days = [p.day for p in b.points]
    assert days[0] == dt.date(2023, 11, 7) and days[-1] == AS_OF
    assert all(d.weekday() == 6 for d in days[1:-1])  # every Sunday between


def test_a_report_as_of_an_earlier_day_replays_the_history(history):
    r = report(history, as_of=dt.date(2024, 2, 15))
    states = {row.number: row.state for row in r.lights}
    assert states == {
        1: "in_progress",
        2: "closed",
        8: "in_progress",
        13: "in_progress",
        17: "in_progress",
        40: "closed",
    }
    assert r.summary.rebounds == 0  # the rebound of 40 came on 2024-03-01
    assert r.summary.measures_done == 3  # 13.1, 1.1, 40.1
    assert r.overdue == []
    assert r.days_to_close.max == 94  # 40: 2023-11-08 to 2024-02-10
    assert r.burndown.end == dt.date(2024, 2, 15)


def test_a_report_before_the_import_shows_the_plan_as_the_feedback_named_it(history):
    r = report(history, as_of=dt.date(2023, 11, 7))
    assert r.summary.problems == 6
    assert {row.state for row in r.lights} == {"assigned"}


def test_the_league_table_ranks_units_by_on_time_rate_then_overdue(history):
    rows = report(history).league
    assert [(r.rank, r.unit) for r in rows] == [
        (1, "区公安分局"),  # 17 and its three measures: all on time
        (2, "区城管执法局"),  # 13.2 on time
        (3, "区水务和湖泊局"),  # 13.1 on time, 13 closed two days late
        (4, "区发改局"),
        (5, "区教育局"),  # nothing due yet: last
    ]
    dev = rows[3]
    # 1, 2, 40 and their measures 1.1, 1.2, 40.1: 2 and 1.1 done on time, 40.1 a day late (02-01 for
    # 01-31); 1 and 1.2 overdue; 40 reopened, open and not yet due
    assert (dev.items, dev.done, dev.overdue, dev.due, dev.on_time) == (6, 3, 2, 5, 2)
    assert dev.on_time_rate == pytest.approx(0.4)
    assert rows[4].on_time_rate is None


def test_send_backs_come_from_the_history(history, clock):
    clock.now = at("2024-04-12")
    advance(history, Advance("8.1", "finish", "周八", evidence=EVIDENCE))
    advance(history, Advance("8", "submit", "周八", note="完成"))
    advance(history, Advance("8", "send_back", "赵六", note="佐证不足"))
    clock.now = at(AS_OF.isoformat())
    assert report(history).activity.send_backs == 1
    assert report(history, as_of=dt.date(2024, 4, 11)).activity.send_backs == 0


def test_it_refuses_a_round_that_does_not_exist(history):
    with pytest.raises(NotFound):
        report(history, round="R9")
