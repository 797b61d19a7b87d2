"""What the office sees of the reminders: the work prompts sent, their delivery, and the scans' problems."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import desc, func, select

from supervise.adapters.tables import outbox, prompt_items, reminder_runs, reminders, work_prompts
from supervise.services.context import Context


def list_prompts(ctx: Context, *, failed: bool = False, limit: int = 100) -> list[dict[str, Any]]:
    """The newest work prompts first: number, recipient, items, delivery state."""
    query = (
        select(
            work_prompts.c.id,
            work_prompts.c.number,
            work_prompts.c.recipient,
            work_prompts.c.email,
            work_prompts.c["items"].label("item_count"),
            work_prompts.c.created_at,
            outbox.c.state,
            outbox.c.attempts,
            outbox.c.last_error,
            outbox.c.sent_at,
            outbox.c.next_attempt_at,
        )
        .outerjoin(outbox, outbox.c.prompt_id == work_prompts.c.id)
        .order_by(desc(work_prompts.c.number))
        .limit(limit)
    )
    if failed:
        query = query.where(outbox.c.state == "failed")
    with ctx.reading() as conn:
        rows = conn.execute(query).all()
        refs: dict[int, list[str]] = {}
        ids = [r.id for r in rows]
        for start in range(0, len(ids), 500):
            item_query = (
                select(prompt_items.c.prompt_id, reminders.c.ref, reminders.c.rung)
                .join(reminders, reminders.c.id == prompt_items.c.reminder_id)
                .where(prompt_items.c.prompt_id.in_(ids[start : start + 500]))
                .order_by(reminders.c.ref)
            )
            for pid, ref, rung in conn.execute(item_query):
                refs.setdefault(pid, []).append(f"{ref} ({rung})")
    return [
        {
            "number": r.number,
            "recipient": r.recipient,
            "email": r.email,
            "items": refs.get(r.id, []),
            "created_at": r.created_at,
            "state": r.state,
            "attempts": r.attempts,
            "last_error": r.last_error,
            "sent_at": r.sent_at,
            "next_attempt_at": r.next_attempt_at if r.state == "pending" else None,
        }
        for r in rows
    ]


def last_run(ctx: Context) -> dict[str, Any] | None:
    """The latest scan, with the problems it could not resolve (unknown calendar years, nobody to tell)."""
    with ctx.reading() as conn:
        row = conn.execute(select(reminder_runs).order_by(desc(reminder_runs.c.id)).limit(1)).first()
    if row is None:
        return None
    return {
        "run_id": row.id,
        "now": row.now,
        "full": bool(row.full),
        "reminders": row.reminders,
        "prompts": row.prompts,
        "problems": json.loads(row.problems),
    }


def outbox_counts(ctx: Context) -> dict[str, int]:
    with ctx.reading() as conn:
        rows = conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state)).all()
    return {str(state): int(count) for state, count in rows}
