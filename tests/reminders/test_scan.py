"""The scan: each due firing recorded once, one numbered work prompt per recipient per run, an outbox row each."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import func, select, text

from supervise.adapters.calendar import library_years
from supervise.adapters.tables import outbox, prompt_items, reminder_state, reminders, work_prompts
from supervise.services import calendar as calendar_service
from supervise.services.due import measure_query, window_clauses
from supervise.services.prompts import last_run, list_prompts
from supervise.services.reminders import ScanOptions, scan
from supervise.services.transitions import Advance, advance
from tests.reminders.conftest import at, import_text

D = dt.date


def digest(result):
    return {p.recipient: sorted((i["ref"], i["rung"]) for i in p.items) for p in result.prompts}


def count(ctx, table):
    with ctx.reading() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_it_sends_one_digest_per_recipient(office):
    result = scan(office, ScanOptions(now=at("2024-03-22")))
    assert digest(result) == {
        "张三": [("R4:13.1", "overdue_long")],
        "李四": [("R4:13", "before_5"), ("R4:13.1", "overdue_long")],
        "王五": [("R4:13.1", "overdue_long")],
    }
    assert [p.number for p in result.prompts] == [1, 2, 3]
    assert result.reminders == 2
    assert count(office, outbox) == 3 and len(result.outbox_ids) == 3


def test_a_second_scan_sends_nothing_new(office):
    scan(office, ScanOptions(now=at("2024-03-22")))
    again = scan(office, ScanOptions(now=at("2024-03-22", 15)))
    assert (again.reminders, again.prompts) == (0, [])
    assert count(office, reminders) == 2


def test_prompts_are_numbered_across_runs_and_the_audience_widens(office):
    scan(office, ScanOptions(now=at("2024-03-22")))
    on_the_day = scan(office, ScanOptions(now=at("2024-03-29")))
    assert {("R4:13", "due"), ("R4:2", "due")} <= set(digest(on_the_day)["王五"])
    assert min(p.number for p in on_the_day.prompts) == 4
    overdue = scan(office, ScanOptions(now=at("2024-04-01")))
    people = digest(overdue)
    # the day after: the co-responsible unit (孙七) and the office (张三) hear of problem 13 too
    assert ("R4:13", "overdue") in people["孙七"] and ("R4:13", "overdue") in people["张三"]


def test_before_the_send_time_the_day_has_not_turned(office):
    early = scan(office, ScanOptions(now=at("2024-03-22", 7)))
    assert ("R4:13", "before_5") not in digest(early).get("李四", [])
    later = scan(office, ScanOptions(now=at("2024-03-22", 9)))
    assert ("R4:13", "before_5") in digest(later)["李四"]


def test_two_scans_at_once_record_each_reminder_once(office):
    results = []

    def run():
        results.append(scan(office, ScanOptions(now=at("2024-03-22"))))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.reminders for r in results) == [0, 2]
    assert count(office, reminders) == 2 and count(office, work_prompts) == 3
    with office.reading() as conn:
        per_person = conn.execute(
            select(work_prompts.c.person_id, prompt_items.c.reminder_id, func.count())
            .join(prompt_items, prompt_items.c.prompt_id == work_prompts.c.id)
            .group_by(work_prompts.c.person_id, prompt_items.c.reminder_id)
            .having(func.count() > 1)
        ).all()
    assert per_person == []


def test_extend_restarts_the_ladder(office):
    scan(office, ScanOptions(now=at("2024-03-29")))
    office.clock.now = at("2024-03-29", 11)
    advance(office, Advance("13", "extend", "张三", note="汛期施工", deadline=D(2024, 4, 30)))
    after_extend = scan(office, ScanOptions(now=at("2024-03-29", 12)))
    assert "R4:13" not in str(digest(after_extend))
    # five working days before 30 April 2024: 29, 28 (a make-up Sunday), 26, 25, 24
    restarted = scan(office, ScanOptions(now=at("2024-04-24")))
    assert ("R4:13", "before_5") in digest(restarted)["李四"]
    with office.reading() as conn:
        keys = conn.execute(
            select(reminders.c.rung, reminders.c.anchor).where(reminders.c.ref == "R4:13").order_by(reminders.c.id)
        ).all()
    assert [tuple(k) for k in keys] == [("due", D(2024, 3, 29)), ("before_5", D(2024, 4, 30))]


def test_an_item_imported_after_a_scan_is_looked_at_by_the_next_one(office):
    scan(office, ScanOptions(now=at("2024-03-26")))
    import_text(
        office,
        "round: {name: 第二轮, code: R5}\n"
        "problems:\n  - {number: 1, title: 新问题, lead_unit: 区发改局, deadline: 2024-03-27}\n",
    )
    office.clock.now = at("2024-03-26", 11)
    with office.writing() as conn:  # the import stamps its rows with the clock
        conn.execute(text("UPDATE problems SET updated_at = :t WHERE title = '新问题'"), {"t": at("2024-03-26", 11)})
    later = scan(office, ScanOptions(now=at("2024-03-26", 11)))
    assert ("R5:1", "before_5") in digest(later)["周八"]


def test_a_dry_run_records_nothing(office):
    dry = scan(office, ScanOptions(now=at("2024-03-22"), dry_run=True))
    assert len(dry.prompts) == 3 and dry.outbox_ids == []
    assert count(office, reminders) == 0 and count(office, work_prompts) == 0
    real = scan(office, ScanOptions(now=at("2024-03-22")))
    assert [p.number for p in real.prompts] == [1, 2, 3]


def test_a_deadline_in_an_unknown_year_is_reported_not_guessed(office):
    last = max(library_years())  # the library does not have the next year's holidays yet
    import_text(
        office,
        "round: {name: 第三轮, code: R6}\n"
        f"problems:\n  - {{number: 1, title: 跨年问题, lead_unit: 区发改局, deadline: {last + 1}-01-06}}\n",
    )
    result = scan(office, ScanOptions(now=at(f"{last}-12-30")))
    assert any(p["code"] == f"calendar:{last + 1}" and str(last + 1) in p["zh"] for p in result.problems)
    assert last_run(office)["problems"] == result.problems
    with office.reading() as conn:
        assert conn.execute(select(reminder_state.c.needs_full)).scalar_one()
    # The office enters the year by hand; the next scan looks at everything again and catches up.
    calendar_service.declare_year(office, last + 1, "国办发明电")
    caught_up = scan(office, ScanOptions(now=at(f"{last}-12-31")))
    assert caught_up.full and caught_up.problems == []
    assert any(ref == "R6:1" for ref, _ in digest(caught_up)["周八"])


def test_a_recipient_without_an_address_is_recorded_as_failed(office):
    with office.writing() as conn:
        conn.execute(text("UPDATE people SET email = NULL WHERE name = '李四'"))
    scan(office, ScanOptions(now=at("2024-03-22")))
    failed = list_prompts(office, failed=True)
    assert [(p["recipient"], p["state"]) for p in failed] == [("李四", "failed")]
    assert "no email address" in failed[0]["last_error"]


def test_when_nobody_can_be_reached_the_office_hears(office):
    with office.writing() as conn:
        conn.execute(text("DELETE FROM person_roles WHERE role = 'unit'"))
    result = scan(office, ScanOptions(now=at("2024-03-22")))
    assert ("R4:13", "before_5") in digest(result)["张三"]
    assert any(p["code"] == "nobody:R4:13" for p in result.problems)


def test_a_long_term_item_gets_monthly_review_prompts(office):
    with office.writing() as conn:
        conn.execute(text("UPDATE problems SET state = 'long_term' WHERE number = 2"))
    first = scan(office, ScanOptions(now=at("2024-05-06")))  # 1–5 May are holidays
    assert ("R4:2", "review") in digest(first)["周八"]
    assert ("R4:2", "review") not in digest(scan(office, ScanOptions(now=at("2024-05-20")))).get("周八", [])
    june = scan(office, ScanOptions(now=at("2024-06-03")))
    assert ("R4:2", "review") in digest(june)["周八"]


def test_a_closed_item_hears_nothing(office):
    with office.writing() as conn:
        conn.execute(text("UPDATE problems SET state = 'closed'"))
        conn.execute(text("UPDATE measures SET state = 'done'"))
    assert scan(office, ScanOptions(now=at("2024-04-10"))).prompts == []


def test_the_window_query_uses_the_deadline_index(office, workflows):
    (clause,) = window_clauses("measure", workflows.get("measure"), [D(2024, 1, 31)])
    query = measure_query().where(clause)
    with office.reading() as conn:
        compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
        if conn.dialect.name == "sqlite":
            plan = " ".join(str(r) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
        else:  # a tiny table is read whole; forbid that to see whether the index can serve the query
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = " ".join(str(r) for r in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
    assert "ix_measures_deadline_state" in plan
