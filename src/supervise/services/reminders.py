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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from supervise.adapters.bulk import insert_rows
from supervise.adapters.calendar import load_calendar
from supervise.adapters.tables import (
    outbox,
    prompt_items,
    reminder_runs,
    reminder_state,
    reminders,
    rounds,
    work_prompts,
)
from supervise.domain.calendar import CalendarYearUnknown, WorkCalendar
from supervise.domain.ladder import Review
from supervise.domain.text import Text
from supervise.services import due as d
from supervise.services.context import Context
from supervise.services.oversight_notices import due_notices
from supervise.services.recipients import Directory, co_units, load_directory, load_leaders, resolve

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


@dataclass
class PromptSummary:
    number: int
    person_id: int
    recipient: str
    email: str | None
    items: list[dict[str, str]] = field(default_factory=list)
    count: int = 0


@dataclass
class ScanResult:
    run_id: int | None
    now: dt.datetime
    full: bool
    dry_run: bool
    reminders: int = 0
    prompts: list[PromptSummary] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)


@dataclass
class _Run:
    """What a scan collects before it writes the prompts."""

    conn: Connection
    ctx: Context
    cal: WorkCalendar
    directory: Directory
    ladders: d.Ladders
    now: dt.datetime
    run_id: int
    round_codes: dict[int, str]
    seen: dict[str, set[int]] = field(default_factory=dict)  # subject type -> ids looked at
    links: dict[int, dict[int, str]] = field(default_factory=dict)  # person -> reminder -> audience
    lines: dict[int, dict[str, str]] = field(default_factory=dict)  # reminder -> display line (detail only)
    problems: dict[str, dict[str, str]] = field(default_factory=dict)
    recorded: int = 0
    last_reminder_id: int = 0
    oldest: dict[str, dt.date | None] = field(default_factory=dict)  # oldest open deadline per table
    detail: bool = True
    evaluators: dict[dt.date, d.Evaluator] = field(default_factory=dict)  # by scan day
    audiences: dict[tuple[Any, ...], tuple[tuple[int, str], ...]] = field(default_factory=dict)

    def problem(self, code: str, text: Text) -> None:
        self.problems.setdefault(code, {"code": code, "zh": text.zh, "en": text.en})

    def calendar_gap(self, exc: CalendarYearUnknown) -> None:
        self.problem(f"calendar:{exc.year}", exc.text)

    def seen_of(self, subject_type: str) -> set[int]:
        return self.seen.setdefault(subject_type, set())

    def evaluator(self, today: dt.date) -> d.Evaluator:
        if today not in self.evaluators:
            self.evaluators[today] = d.Evaluator(self.ladders, today, self.cal, self.calendar_gap)
        return self.evaluators[today]


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
    run = _Run(conn, ctx, load_calendar(conn), load_directory(conn), d.Ladders(ctx.workflows), now, run_id, codes)
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
    _write_prompts(run, last_number, result)
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
    run: _Run, subject: str, where: Any, evaluate: d.Evaluator, round_ids: frozenset[int] | None, once: bool = True
) -> Found:
    seen = run.seen_of(subject) if once else None
    for rows in d.due_rows(run.conn, subject, where, evaluate, seen, round_ids):
        yield subject, rows


def _full(run: _Run, evaluate: d.Evaluator, round_ids: frozenset[int]) -> Found:
    # The full pass is the scan's only pass over problems and measures, and its queries (one per
    # workflow and table, each row in the pass of its round's zone) never return a row twice: it
    # keeps no seen-set, which would hold every open item's id.
    for workflow in run.ladders.workflows():
        if run.ladders.of(workflow.name) is None:
            continue
        for subject in ("problem", "measure"):
            yield from _due(run, subject, d.open_clause(subject, workflow), evaluate, round_ids, once=False)


def _window(run: _Run, evaluate: d.Evaluator, round_ids: frozenset[int], after: dt.date, today: dt.date) -> Found:
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


def _review_in_window(run: _Run, review: Review, after: dt.date, today: dt.date) -> bool:
    try:
        return bool(review.due_between(after, today, run.cal))
    except CalendarYearUnknown as exc:
        run.problem(f"calendar:{exc.year}", exc.text)
        return False


def _changed(run: _Run, evaluate: d.Evaluator, round_ids: frozenset[int], since: dt.datetime) -> Found:
    for subject in ("problem", "measure"):
        yield from _due(run, subject, d.changed_clause(subject, since), evaluate, round_ids)


def _visit(run: _Run, found: Found) -> None:
    """Record what the candidate queries found due, chunk by chunk, as they read."""
    for subject, rows in found:
        _record(run, subject, rows)


def _record(run: _Run, subject: str, found: list[tuple[d.Row, d.Hit]]) -> None:
    """Record the due rows not recorded before; address each new reminder to its audience."""
    values = [_reminder_values(run, subject, row, hit) for row, hit in found]
    inserted = _insert_new(run, values)
    new = [
        (reminder_id, row, hit[0], v)
        for (row, hit), v in zip(found, values, strict=True)
        if (reminder_id := inserted.get((subject, row[d.ID]))) is not None
    ]
    if not new:
        return
    run.recorded += len(new)
    co = co_units(run.conn, [row[d.PROBLEM_ID] for _, row, due, _ in new if "units" in due.to])
    unknown = [row[d.LEADER_ID] for _, row, _, _ in new if row[d.LEADER_ID] not in run.directory.people]
    run.directory.people.update(load_leaders(run.conn, [p for p in unknown if p is not None]))
    for reminder_id, row, due, v in new:
        _address(run, reminder_id, row, due.to, co)
        if run.detail:
            run.lines[reminder_id] = {"ref": v[REF], "rung": due.rung, "light": v[LIGHT] or ""}


def _notify(run: _Run, today: dt.date, round_ids: set[int]) -> None:
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
    inserted = _insert_new(run, [[r[c] for c in REMINDER_COLUMNS] for r in rows])
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


def _insert_new(run: _Run, rows: Sequence[Sequence[Any]]) -> dict[tuple[str, int], int]:
    """Insert the rows (values in ``REMINDER_COLUMNS`` order) whose key (item, rung, deadline,
    occurrence) is new; return their ids by item.

    ``ON CONFLICT DO NOTHING`` on the unique key skips what an earlier run recorded, so
    the key itself decides what is sent; the ids come back by this run's id in one query
    (each item appears at most once per run). ``INSERT … RETURNING`` in parameter order
    would make SQLAlchemy send SQLite one statement per row: ten times slower.
    """
    insert_rows(run.conn, reminders, REMINDER_COLUMNS, rows, skip_conflicts=True)
    query = select(reminders.c.id, reminders.c.subject_type, reminders.c.subject_id).where(
        reminders.c.run_id == run.run_id, reminders.c.id > run.last_reminder_id
    )
    found = {(t, i): rid for rid, t, i in run.conn.execute(query)}
    run.last_reminder_id = max(found.values(), default=run.last_reminder_id)
    return found


REMINDER_COLUMNS = (
    "run_id",
    "subject_type",
    "subject_id",
    "round_id",
    "rung",
    "anchor",
    "occurrence",
    "due_on",
    "ref",
    "title",
    "deadline",
    "light",
    "expected_zh",
    "expected_en",
    "recorded_at",
)
REF, LIGHT = REMINDER_COLUMNS.index("ref"), REMINDER_COLUMNS.index("light")


def _ref(run: _Run, row: d.Row) -> str:
    base = f"{run.round_codes.get(row[d.ROUND_ID], row[d.ROUND_ID])}:{row[d.NUMBER]}"
    return base if row[d.SEQ] is None else f"{base}.{row[d.SEQ]}"


def _reminder_values(run: _Run, subject: str, row: d.Row, hit: d.Hit) -> tuple[Any, ...]:
    """A due row's reminder, its values in ``REMINDER_COLUMNS`` order."""
    due, item_light, deadline = hit
    return (
        run.run_id,
        subject,
        row[d.ID],
        row[d.ROUND_ID],
        due.rung,
        due.anchor,
        due.occurrence,
        due.on,
        _ref(run, row),
        row[d.TITLE],
        deadline,
        item_light,
        due.expected.zh,
        due.expected.en,
        run.now,
    )


def _address(run: _Run, reminder_id: int, row: d.Row, to: tuple[str, ...], co: dict[int, tuple[int, ...]]) -> None:
    """Link the reminder to each person of its audience, once per person (the first reason wins)."""
    key = (to, row[d.UNIT_ID], co.get(row[d.PROBLEM_ID], ()), row[d.LEADER_ID])
    found = run.audiences.get(key)
    if found is None:  # thousands of reminders share a few hundred audiences: resolved once each
        found = run.audiences[key] = tuple(resolve(run.directory, *key))
    if not found:
        # Nobody to tell (a unit without a contact, no leader named): the office hears instead.
        found = tuple((p, "office") for p in run.directory.office)
        ref = _ref(run, row)
        run.problem(
            f"nobody:{ref}",
            Text(
                f"{ref} 没有可接收提醒的人员（{'、'.join(to)}），已改发整改办",
                f"{ref} has nobody to remind ({', '.join(to)}); the office was told instead",
            ),
        )
    for person, audience in found:
        run.links.setdefault(person, {}).setdefault(reminder_id, audience)


def _write_prompts(run: _Run, last_number: int, result: ScanResult) -> None:
    """One work prompt per person, numbered in person order, each with its outbox row."""
    people = sorted(
        run.links, key=lambda p: (run.directory.people[p].name, p) if p in run.directory.people else ("", p)
    )
    if not people:
        return
    rows: list[dict[str, Any]] = []
    for i, pid in enumerate(people, start=1):
        person = run.directory.people[pid]
        rows.append(
            {
                "number": last_number + i,
                "run_id": run.run_id,
                "person_id": pid,
                "recipient": person.name,
                "email": person.email,
                "items": len(run.links[pid]),
                "created_at": run.now,
            }
        )
    run.conn.execute(insert(work_prompts), rows)
    by_number = dict(
        run.conn.execute(
            select(work_prompts.c.number, work_prompts.c.id).where(work_prompts.c.run_id == run.run_id)
        ).all()
    )
    ids = [by_number[row["number"]] for row in rows]
    insert_rows(
        run.conn,
        prompt_items,
        ("prompt_id", "reminder_id", "audience"),
        [
            (prompt_id, rid, audience)
            for prompt_id, pid in zip(ids, people, strict=True)
            for rid, audience in run.links[pid].items()
        ],
    )
    run.conn.execute(
        insert(outbox), [_outbox_row(run, prompt_id, row) for prompt_id, row in zip(ids, rows, strict=True)]
    )
    result.outbox_ids = list(
        run.conn.execute(
            select(outbox.c.id)
            .join(work_prompts, work_prompts.c.id == outbox.c.prompt_id)
            .where(work_prompts.c.run_id == run.run_id, outbox.c.state == "pending")
            .order_by(outbox.c.id)
        ).scalars()
    )
    for row, pid in zip(rows, people, strict=True):
        summary = PromptSummary(row["number"], pid, row["recipient"], row["email"], count=len(run.links[pid]))
        if run.detail:
            summary.items = [dict(run.lines[rid], audience=a) for rid, a in run.links[pid].items()]
        result.prompts.append(summary)


def _outbox_row(run: _Run, prompt_id: int, prompt: dict[str, Any]) -> dict[str, Any]:
    email = prompt["email"]
    return {
        "prompt_id": prompt_id,
        "to_name": prompt["recipient"],
        "to_addr": email,
        # Without an address the prompt cannot leave: recorded as failed, for the office to see.
        "state": "pending" if email else "failed",
        "attempts": 0,
        "next_attempt_at": run.now,
        "last_error": None if email else "no email address / 没有邮箱地址",
        "message_id": f"<work-prompt-{prompt['number']}.{prompt_id}@supervise>",
        "created_at": run.now,
    }
