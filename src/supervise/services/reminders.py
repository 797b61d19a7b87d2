"""The reminder scan: record each due firing once and write one work prompt per recipient per run.

One scan is one write transaction. It first locks the single ``reminder_state`` row, so
concurrent scans (a second beat, a retried task, an office member running ``remind
scan``) run one after another and the later one finds nothing left to do. Each firing
is recorded under its unique key (item, rung, deadline, occurrence) — a duplicate would
roll the whole scan back rather than be sent twice. The work prompts and their outbox
rows are written in the same transaction; the send task delivers them after commit.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from supervise.adapters.calendar import load_calendar
from supervise.adapters.tables import reminder_runs, reminder_state, rounds
from supervise.domain.calendar import CalendarYearUnknown
from supervise.domain.ladder import Review
from supervise.services import due as d
from supervise.services.context import Context
from supervise.services.oversight_notices import due_notices
from supervise.services.recipients import load_directory, load_leaders
from supervise.services.reminder_records import (
    REMINDER_COLUMNS,
    ScanResult,
    ScanRun,
    insert_new,
    record,
    write_prompts,
)

# Items changed this long before the last scan are looked at again: a transaction that
# stamped its change just before the last scan may have committed just after it.
CHANGE_OVERLAP = dt.timedelta(hours=1)
DEFAULT_SEND_AT = dt.time(8, 30)


class _DryRun(Exception):
    pass


@dataclass(frozen=True)
class ScanOptions:
    now: dt.datetime | None = None
    dry_run: bool = False
    full: bool = False
    detail: bool = True  # keep per-prompt item lists in the result (for people; off for big runs)
    send_at: dt.time = DEFAULT_SEND_AT  # a day's reminders fall due at this local time


# What the candidate queries found due: (subject type, due rows with what each is due).
Found = Iterator[tuple[str, list[tuple[d.Row, d.Hit]]]]


def scan_day(now: dt.datetime, zone: str, send_at: dt.time = DEFAULT_SEND_AT) -> dt.date:
    """The reminder day at ``now`` in ``zone``: it turns at ``send_at`` local time, not at midnight."""
    local = now.astimezone(ZoneInfo(zone))
    shift = dt.timedelta(hours=send_at.hour, minutes=send_at.minute)
    return (local - shift).date()


def scan(ctx: Context, options: ScanOptions = ScanOptions()) -> ScanResult:
    now = options.now or ctx.clock()
    result = ScanResult(None, now, options.full, options.dry_run)
    collecting = gc.isenabled()
    # A big scan allocates ~10 objects per due item and frees them all at the end; the cycle
    # collector's passes over them cost a fifth of the scan, and there are no cycles to find.
    gc.disable()
    try:
        with ctx.writing() as conn:
            _scan(ctx, conn, now, options, result)
            if options.dry_run:
                raise _DryRun
    except _DryRun:
        result.outbox_ids = []
    finally:
        if collecting:
            gc.enable()
    return result


def _lock_state(conn: Connection) -> tuple[int, dt.datetime | None, bool]:
    row = conn.execute(select(reminder_state).where(reminder_state.c.id == 1).with_for_update()).first()
    if row is None:  # a database emptied by hand: start afresh, as after the migration
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(
            dialect_insert(reminder_state)
            .values(id=1, last_prompt_number=0, needs_full=True)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        return _lock_state(conn)
    return row.last_prompt_number, row.scanned_until, bool(row.needs_full)


def _scan(ctx: Context, conn: Connection, now: dt.datetime, options: ScanOptions, result: ScanResult) -> None:
    last_number, since, needs_full = _lock_state(conn)
    full = options.full or needs_full or since is None
    result.full = full
    run_id = conn.execute(
        insert(reminder_runs).returning(reminder_runs.c.id),
        {"now": now, "started_at": ctx.clock(), "scanned_from": since, "full": full, "reminders": 0, "prompts": 0},
    ).scalar_one()
    zones: dict[str, list[int]] = {}
    codes: dict[int, str] = {}
    for rid, code, name, zone in conn.execute(select(rounds.c.id, rounds.c.code, rounds.c.name, rounds.c.timezone)):
        zones.setdefault(zone, []).append(rid)
        codes[rid] = code or name
    run = ScanRun(conn, ctx, load_calendar(conn), load_directory(conn), d.Ladders(ctx.workflows), now, run_id, codes)
    run.detail = options.detail
    for zone, round_ids in zones.items():
        today = scan_day(now, zone, options.send_at)
        evaluate, in_zone = run.evaluator(today), frozenset(round_ids)
        if full:
            _visit(run, _full(run, evaluate, in_zone))
            continue
        assert since is not None
        after = scan_day(since, zone, options.send_at)  # later than today if the clock went back: no window
        _visit(run, _window(run, evaluate, in_zone, after, today))
        _visit(run, _changed(run, evaluate, in_zone, since - CHANGE_OVERLAP))
    for zone, round_ids in zones.items():
        _notify(run, scan_day(now, zone, options.send_at), set(round_ids))
    result.run_id = run_id
    result.reminders = run.recorded
    result.problems = list(run.problems.values())
    write_prompts(run, last_number, result)
    conn.execute(
        update(reminder_state)
        .where(reminder_state.c.id == 1)
        .values(
            last_prompt_number=last_number + len(result.prompts),
            scanned_until=max(now, since) if since else now,
            # a calendar gap hides firings from the windows: look at everything again next time
            needs_full=any(code.startswith("calendar:") for code in run.problems),
        )
    )
    conn.execute(
        update(reminder_runs)
        .where(reminder_runs.c.id == run_id)
        .values(
            reminders=run.recorded,
            prompts=len(result.prompts),
            problems=json.dumps(result.problems, ensure_ascii=False),
        )
    )


def _due(
    run: ScanRun, subject: str, where: Any, evaluate: d.Evaluator, round_ids: frozenset[int] | None, once: bool = True
) -> Found:
    seen = run.seen_of(subject) if once else None
    for rows in d.due_rows(run.conn, subject, where, evaluate, seen, round_ids):
        yield subject, rows


def _full(run: ScanRun, evaluate: d.Evaluator, round_ids: frozenset[int]) -> Found:
    # The full pass is the scan's only pass over problems and measures, and its queries (one per
    # workflow and table, each row in the pass of its round's zone) never return a row twice: it
    # keeps no seen-set, which would hold every open item's id.
    for workflow in run.ladders.workflows():
        if run.ladders.of(workflow.name) is None:
            continue
        for subject in ("problem", "measure"):
            yield from _due(run, subject, d.open_clause(subject, workflow), evaluate, round_ids, once=False)


def _window(run: ScanRun, evaluate: d.Evaluator, round_ids: frozenset[int], after: dt.date, today: dt.date) -> Found:
    if today <= after:
        return
    workflows = [w for w in run.ladders.workflows() if run.ladders.of(w.name) is not None]
    oldest = {s: run.oldest.get(s) or d.oldest_deadline(run.conn, s, workflows) for s in ("problem", "measure")}
    run.oldest.update(oldest)
    for workflow in workflows:
        rem = run.ladders.of(workflow.name)
        assert rem is not None
        for subject in ("problem", "measure"):
            bound = oldest[subject]
            if bound is not None and rem.ladders:
                try:
                    ranges = [
                        r
                        for ladder in rem.ladders.values()
                        for r in ladder.deadline_ranges(after, today, run.cal, bound)
                    ]
                except CalendarYearUnknown as exc:
                    run.problem(f"calendar:{exc.year}", exc.text)
                    ranges = []
                for clause in d.window_clauses(subject, workflow, d.expand(ranges)):
                    yield from _due(run, subject, clause, evaluate, round_ids)
            review = d.review_clause(subject, workflow, sorted(round_ids))
            if review is not None and rem.review is not None and _review_in_window(run, rem.review, after, today):
                yield from _due(run, subject, review, evaluate, None)  # the clause names the rounds


def _review_in_window(run: ScanRun, review: Review, after: dt.date, today: dt.date) -> bool:
    try:
        return bool(review.due_between(after, today, run.cal))
    except CalendarYearUnknown as exc:
        run.problem(f"calendar:{exc.year}", exc.text)
        return False


def _changed(run: ScanRun, evaluate: d.Evaluator, round_ids: frozenset[int], since: dt.datetime) -> Found:
    for subject in ("problem", "measure"):
        yield from _due(run, subject, d.changed_clause(subject, since), evaluate, round_ids)


def _visit(run: ScanRun, found: Found) -> None:
    """Record what the candidate queries found due, chunk by chunk, as they read."""
    for subject, rows in found:
        record(run, subject, rows)


def _notify(run: ScanRun, today: dt.date, round_ids: set[int]) -> None:
    """Visit notices and self-check reminders due today, recorded and addressed like the ladder's firings."""
    try:
        notices = [
            n
            for n in due_notices(run.conn, today, run.cal, run.directory, run.round_codes)
            if n.row["round_id"] in round_ids and n.key[1] not in run.seen_of(n.key[0])
        ]
    except CalendarYearUnknown as exc:
        run.problem(f"calendar:{exc.year}", exc.text)
        return
    if not notices:
        return
    for n in notices:
        run.seen_of(n.key[0]).add(n.key[1])
    rows = [{**n.row, "run_id": run.run_id, "recorded_at": run.now} for n in notices]
    inserted = insert_new(run, [[r[c] for c in REMINDER_COLUMNS] for r in rows])
    leaders = [p for n in notices for p, audience in n.to if audience == "leader" and p not in run.directory.people]
    run.directory.people.update(load_leaders(run.conn, leaders))
    for notice, row in zip(notices, rows, strict=True):
        reminder_id = inserted.get(notice.key)
        if reminder_id is None:
            continue  # recorded by an earlier scan
        run.recorded += 1
        for person, audience in notice.to or [(p, "office") for p in run.directory.office]:
            run.links.setdefault(person, {}).setdefault(reminder_id, audience)
        if run.detail:
            run.lines[reminder_id] = {"ref": row["ref"], "rung": row["rung"], "light": ""}
