"""A plan's problems written a batch at a time: the rows, their co-units and measures, one creation event each.

The rows go in as multi-row inserts; the new ids come back by number in one query per
batch (``RETURNING`` in parameter order would cost SQLite a statement per row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Connection, select

from supervise.adapters import chain
from supervise.adapters.bulk import insert_rows
from supervise.adapters.tables import measures, problem_units, problems
from supervise.domain.audit import canonical_json
from supervise.domain.plan import Plan, ProblemSpec
from supervise.services.context import Context

SYSTEM_ACTOR = "import"
BATCH = 2000
# (stage, done, total): "load" while an Excel file is read, "read" while its rows are checked,
# "write" while they are written.
Progress = Callable[[str, int, int], None]


def create_problems(
    ctx: Context,
    conn: Connection,
    plan: Plan,
    round_id: int,
    ids: tuple[dict[str, int], dict[str, int]],
    source: str,
    now: dt.datetime,
    progress: Progress | None,
) -> tuple[int, int]:
    """Problems, their co-units and measures, and one creation event each, BATCH problems at a time."""
    total, measure_count = len(plan.problems), 0
    for start in range(0, total, BATCH):
        batch = plan.problems[start : start + BATCH]
        measure_count += _create_batch(ctx, conn, batch, round_id, ids, source, now)
        if progress is not None:
            progress("write", min(start + BATCH, total), total)
    return total, measure_count


def _create_batch(
    ctx: Context,
    conn: Connection,
    batch: list[ProblemSpec],
    round_id: int,
    ids: tuple[dict[str, int], dict[str, int]],
    source: str,
    now: dt.datetime,
) -> int:
    unit_ids, person_ids = ids
    rows = [_problem_row(ctx, p, round_id, unit_ids, person_ids, now) for p in batch]
    insert_rows(conn, problems, _PROBLEM_COLUMNS, rows)
    # The new ids by number ((round, number) is unique): one query, where RETURNING would cost
    # SQLite a statement per row.
    numbers = [p.number for p in batch]
    query = select(problems.c.number, problems.c.id).where(
        problems.c.round_id == round_id, problems.c.number.in_(numbers)
    )
    by_number: dict[int, int] = dict(conn.execute(query).all())
    new_ids = [by_number[n] for n in numbers]
    co = [
        [pid, unit_ids[u]]
        for pid, p in zip(new_ids, batch, strict=True)
        for u in dict.fromkeys(p.units)
        if u != p.lead_unit
    ]
    insert_rows(conn, problem_units, ("problem_id", "unit_id"), co)
    wf = ctx.workflows.get("measure")
    fixed = (wf.name, wf.version, 1, now, now)
    measure_rows = [
        [pid, k, m.text, unit_ids.get(m.unit) if m.unit else None, m.deadline, m.state or wf.initial, *fixed]
        for pid, p in zip(new_ids, batch, strict=True)
        for k, m in enumerate(p.measures, start=1)
    ]
    insert_rows(conn, measures, _MEASURE_COLUMNS, measure_rows)
    chain.append_events(conn, _creation_events(batch, new_ids, rows, round_id, source, now))
    return len(measure_rows)


_PROBLEM_COLUMNS = (
    "round_id",
    "number",
    "title",
    "category",
    "kind",
    "leader_id",
    "lead_unit_id",
    "deadline",
    "state",
    "workflow",
    "workflow_version",
    "rebound_count",
    "progress",
    "version",
    "created_at",
    "updated_at",
)
_MEASURE_COLUMNS = (
    "problem_id",
    "seq",
    "text",
    "unit_id",
    "deadline",
    "state",
    "workflow",
    "workflow_version",
    "version",
    "created_at",
    "updated_at",
)
_STATE = _PROBLEM_COLUMNS.index("state")


def _problem_row(
    ctx: Context,
    p: ProblemSpec,
    round_id: int,
    unit_ids: dict[str, int],
    person_ids: dict[str, int],
    now: dt.datetime,
) -> list[Any]:
    workflow = ctx.workflows.get(p.workflow)
    return [
        round_id,
        p.number,
        p.title,
        p.category,
        p.kind,
        person_ids.get(p.leader) if p.leader else None,
        unit_ids.get(p.lead_unit) if p.lead_unit else None,
        p.deadline,
        p.state or workflow.initial,
        workflow.name,
        workflow.version,
        p.rebound_count,
        p.progress,
        1,
        now,
        now,
    ]


def _creation_events(
    specs: list[ProblemSpec],
    ids: list[int],
    rows: list[list[Any]],
    round_id: int,
    source: str,
    now: dt.datetime,
) -> Iterable[tuple[int, dict[str, Any]]]:
    for pid, spec, row in zip(ids, specs, rows, strict=True):
        data = {
            "title": spec.title,
            "kind": spec.kind,
            "deadline": spec.deadline,
            "measures": len(spec.measures),
            "source": source,
        }
        yield (
            round_id,
            {
                "subject_type": "problem",
                "subject_id": pid,
                "subject_ref": str(spec.number),
                "trigger": "create",
                "from_state": None,
                "to_state": row[_STATE],
                "actor_id": None,
                "actor_name": SYSTEM_ACTOR,
                "at": now,
                "note": None,
                "data": canonical_json(data),
            },
        )
