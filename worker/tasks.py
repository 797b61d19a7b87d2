"""The tasks: thin, taking ids and times, re-reading everything from the database.

Both tasks are idempotent — the scan records each firing under a unique key and runs
one at a time; delivery claims rows before sending — so they are acknowledged late and
redelivered if a worker dies mid-task.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import Celery
from sqlalchemy.exc import OperationalError

from supervise.services import delivery, reminders
from worker.runtime import Runtime

log = logging.getLogger("supervise.worker")

SCAN = "supervise.scan"
DELIVER = "supervise.deliver"
# Celery's own retries (a database that is briefly unreachable) stay far below the visibility timeout.
RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": 5, "retry_backoff_max": 300, "max_retries": 8}


def _when(now: str | None) -> dt.datetime | None:
    """Tasks carry times as ISO strings (JSON); an explicit time drives a simulated clock."""
    if now is None:
        return None
    value = dt.datetime.fromisoformat(now)
    if value.tzinfo is None:
        raise ValueError(f"a task time must carry its offset: {now!r}")
    return value


def register(app: Celery, runtime: Runtime) -> dict[str, Any]:
    """Define the tasks on ``app``, bound to ``runtime``; returns them by name."""

    @app.task(name=SCAN, shared=False, acks_late=True, **RETRY)  # type: ignore[untyped-decorator]
    def scan(now: str | None = None, full: bool = False) -> dict[str, Any]:
        ctx = runtime.context()
        options = reminders.ScanOptions(
            now=_when(now), full=full, detail=False, send_at=runtime.settings.worker.remind_at
        )
        result = reminders.scan(ctx, options)
        for problem in result.problems:
            log.error("reminder scan %s: %s / %s", result.run_id, problem["zh"], problem["en"])
        summary: dict[str, Any] = {
            "run_id": result.run_id,
            "reminders": result.reminders,
            "prompts": len(result.prompts),
            "problems": result.problems,
            "deliver_task": None,
        }
        if result.outbox_ids:
            # Published only now that the scan's transaction has committed: the rows are there to read.
            sent = deliver.apply_async(kwargs={"ids": result.outbox_ids, "now": now})
            summary["deliver_task"] = sent.id
        return summary

    @app.task(name=DELIVER, shared=False, acks_late=True, **RETRY)  # type: ignore[untyped-decorator]
    def deliver(ids: list[int] | None = None, now: str | None = None) -> dict[str, Any]:
        options = runtime.delivery_options()
        result = delivery.deliver(runtime.context(), runtime.mailer(), options, now=_when(now), ids=ids)
        for failed in result.failed:
            log.warning("outbox message %s failed permanently; see supervise prompts --failed", failed)
        if result.retrying and now is None and result.next_attempt_at is not None:
            # A short countdown (capped by backoff_max, far below the visibility timeout); the beat's
            # periodic sweep picks the rows up anyway if this message is lost.
            wait = max((result.next_attempt_at - runtime.context().clock()).total_seconds(), 1.0)
            deliver.apply_async(kwargs={"ids": result.retrying}, countdown=min(wait, options.backoff_max))
        return {"sent": len(result.sent), "retrying": len(result.retrying), "failed": len(result.failed)}

    return {SCAN: scan, DELIVER: deliver}
