"""What a scan records: reminders under their unique key, their audiences, the work prompts and outbox rows.

``reminders.scan`` finds what is due and hands it here, chunk by chunk, on a ``ScanRun``
that collects who is to hear of which reminder; at the end ``write_prompts`` writes one
numbered work prompt per person with its outbox row, in the scan's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select

from supervise.adapters.bulk import insert_rows
from supervise.adapters.tables import outbox, prompt_items, reminders, work_prompts
from supervise.domain.calendar import CalendarYearUnknown, WorkCalendar
from supervise.domain.text import Text
from supervise.services import due as d
from supervise.services.context import Context
from supervise.services.recipients import Directory, co_units, load_leaders, resolve


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
class ScanRun:
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


def record(run: ScanRun, subject: str, found: list[tuple[d.Row, d.Hit]]) -> None:
    """Record the due rows not recorded before; address each new reminder to its audience."""
    values = [reminder_values(run, subject, row, hit) for row, hit in found]
    inserted = insert_new(run, values)
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
        address(run, reminder_id, row, due.to, co)
        if run.detail:
            run.lines[reminder_id] = {"ref": v[REF], "rung": due.rung, "light": v[LIGHT] or ""}


def insert_new(run: ScanRun, rows: Sequence[Sequence[Any]]) -> dict[tuple[str, int], int]:
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


def ref_of(run: ScanRun, row: d.Row) -> str:
    base = f"{run.round_codes.get(row[d.ROUND_ID], row[d.ROUND_ID])}:{row[d.NUMBER]}"
    return base if row[d.SEQ] is None else f"{base}.{row[d.SEQ]}"


def reminder_values(run: ScanRun, subject: str, row: d.Row, hit: d.Hit) -> tuple[Any, ...]:
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
        ref_of(run, row),
        row[d.TITLE],
        deadline,
        item_light,
        due.expected.zh,
        due.expected.en,
        run.now,
    )


def address(run: ScanRun, reminder_id: int, row: d.Row, to: tuple[str, ...], co: dict[int, tuple[int, ...]]) -> None:
    """Link the reminder to each person of its audience, once per person (the first reason wins)."""
    key = (to, row[d.UNIT_ID], co.get(row[d.PROBLEM_ID], ()), row[d.LEADER_ID])
    found = run.audiences.get(key)
    if found is None:  # thousands of reminders share a few hundred audiences: resolved once each
        found = run.audiences[key] = tuple(resolve(run.directory, *key))
    if not found:
        # Nobody to tell (a unit without a contact, no leader named): the office hears instead.
        found = tuple((p, "office") for p in run.directory.office)
        ref = ref_of(run, row)
        run.problem(
            f"nobody:{ref}",
            Text(
                f"{ref} 没有可接收提醒的人员（{'、'.join(to)}），已改发整改办",
                f"{ref} has nobody to remind ({', '.join(to)}); the office was told instead",
            ),
        )
    for person, audience in found:
        run.links.setdefault(person, {}).setdefault(reminder_id, audience)


def write_prompts(run: ScanRun, last_number: int, result: ScanResult) -> None:
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


def _outbox_row(run: ScanRun, prompt_id: int, prompt: dict[str, Any]) -> dict[str, Any]:
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
