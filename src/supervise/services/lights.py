"""Warning lights on the ledger's views: each problem (and, in detail, each measure) gets ``light``.

A problem is red when overdue, yellow within its workflow's yellow window or when one
of its measures is overdue, green otherwise; an item whose state no longer tracks its
deadline (long-term, closed) has no light. If the calendar does not know a year the
window needs, the light is left empty and ``light_error`` says why — never a guess.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from supervise.adapters.calendar import load_calendar
from supervise.adapters.tables import measures
from supervise.domain.calendar import CalendarYearUnknown, WorkCalendar
from supervise.domain.lights import light
from supervise.domain.registry import WorkflowRegistry
from supervise.services.context import Context

DEFAULT_YELLOW = 5


def attach_lights(ctx: Context, views: list[dict[str, Any]], *, with_measures: bool = False) -> None:
    """Add ``light`` (and ``light_error`` when it cannot be told) to problem views built by ``queries``."""
    if not views:
        return
    with ctx.reading() as conn:
        cal = load_calendar(conn)
        ids = [v["id"] for v in views]
        late: set[int] = set()
        for start in range(0, len(ids), 500):
            query = select(measures.c.problem_id, measures.c.deadline, measures.c.state, measures.c.workflow).where(
                measures.c.problem_id.in_(ids[start : start + 500]), measures.c.deadline.is_not(None)
            )
            today_of = {v["id"]: v["today"] for v in views}
            for pid, deadline, state, workflow in conn.execute(query):
                if deadline < today_of[pid] and ctx.workflows.get(workflow).tracks_deadline(state):
                    late.add(pid)
    for v in views:
        _set(v, ctx.workflows, cal, v["today"], behind=v["id"] in late)
        if with_measures:
            for m in v.get("measures", []):
                _set(m, ctx.workflows, cal, v["today"], behind=False)


def _set(view: dict[str, Any], registry: WorkflowRegistry, cal: WorkCalendar, today: dt.date, behind: bool) -> None:
    workflow = registry.get(view["workflow"])
    view["light"] = None
    if not workflow.tracks_deadline(view["state"]):
        return
    reminders = workflow.reminders
    yellow = reminders.yellow_within if reminders else DEFAULT_YELLOW
    deadline = dt.date.fromisoformat(view["deadline"]) if view.get("deadline") else None
    try:
        view["light"] = light(deadline, today, cal, yellow, behind=behind)
    except CalendarYearUnknown as exc:
        view["light_error"] = exc.text.render()
