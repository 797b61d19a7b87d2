"""What the ladder will send, day by day, if nothing changes: ``supervise remind plan --until DATE``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from supervise.adapters.calendar import load_calendar
from supervise.adapters.tables import rounds
from supervise.domain.calendar import CalendarYearUnknown
from supervise.domain.ladder import Due
from supervise.services import due as d
from supervise.services.context import Context
from supervise.services.recipients import co_units, load_directory, load_leaders, resolve
from supervise.services.reminders import DEFAULT_SEND_AT, scan_day


@dataclass
class PlanResult:
    entries: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)


def plan(
    ctx: Context, until: dt.date, now: dt.datetime | None = None, send_at: dt.time = DEFAULT_SEND_AT
) -> PlanResult:
    now = now or ctx.clock()
    result = PlanResult()
    unknown: set[int] = set()
    with ctx.reading() as conn:
        cal = load_calendar(conn)
        directory = load_directory(conn)
        ladders = d.Ladders(ctx.workflows)
        zones = {
            rid: (zone, code or name)
            for rid, zone, code, name in conn.execute(
                select(rounds.c.id, rounds.c.timezone, rounds.c.code, rounds.c.name)
            )
        }
        found: list[tuple[d.Candidate, Due]] = []
        for workflow in ladders.workflows():
            rem = ladders.of(workflow.name)
            if rem is None:
                continue
            for subject in ("problem", "measure"):
                for c in d.stream(conn, subject, d.open_clause(subject, workflow)):
                    today = scan_day(now, zones[c.round_id][0], send_at)
                    try:
                        found += [(c, due) for due in _firings(c, ladders, today, until, cal)]
                    except CalendarYearUnknown as exc:
                        if exc.year not in unknown:
                            unknown.add(exc.year)
                            result.problems.append(
                                {"code": f"calendar:{exc.year}", "zh": exc.text.zh, "en": exc.text.en}
                            )
        co = co_units(conn, [c.problem_id for c, _ in found])
        directory.people.update(load_leaders(conn, [c.leader_id for c, _ in found if c.leader_id is not None]))
    for c, due in sorted(found, key=lambda x: (x[1].on, x[0].round_id, x[0].number, x[0].seq or 0)):
        people = resolve(directory, due.to, c.unit_id, co.get(c.problem_id, ()), c.leader_id)
        names = list(dict.fromkeys(directory.people[p].name for p, _ in people if p in directory.people))
        ref = f"{zones[c.round_id][1]}:{c.number}" + (f".{c.seq}" if c.seq is not None else "")
        result.entries.append(
            {
                "date": due.on,
                "ref": ref,
                "title": c.title,
                "deadline": c.deadline,
                "rung": due.rung,
                "occurrence": due.occurrence,
                "to": names or ["(整改办 / the office)"],
                "expected_zh": due.expected.zh,
                "expected_en": due.expected.en,
            }
        )
    return result


def _firings(c: d.Candidate, ladders: d.Ladders, today: dt.date, until: dt.date, cal: Any) -> list[Due]:
    workflow = ladders.registry.get(c.workflow)
    rem = ladders.of(c.workflow)
    if rem is None or workflow.is_final(c.state) or c.state not in workflow.states:
        return []
    if workflow.tracks_deadline(c.state):
        ladder = rem.ladder(c.kind)
        return ladder.due_between(c.deadline, today, until, cal) if ladder and c.deadline else []
    return rem.review.due_between(today, until, cal) if rem.review else []
