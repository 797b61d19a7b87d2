"""The database connection dropped in the middle of a scan: the scan's transaction rolls back, the
task retries, and the retry records every firing once — as if the first attempt never happened.

The scan is caught in the middle on purpose: a transaction of the test's own holds a lock on
the outbox table, so the worker's scan stops at its outbox INSERT, with its reminders, work
prompts and prompt items already written (uncommitted). The test then terminates the scan's
backend with ``pg_terminate_backend`` — what a database restart, a failover or a dropped
network connection does to a session — and lets the lock go.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from supervise.adapters.tables import outbox, reminder_runs, reminders
from tests.reliability.office import Office, at, check_deliveries
from tests.reliability.processes import wait_until
from tests.reliability.stack import TIMEOUT, OutboxLock, Stack

DAY = dt.date(2024, 6, 12)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_a_scan_whose_connection_drops_rolls_back_and_its_retry_records_everything_once(stack: Stack) -> None:
    office = Office(problems=30, leaders=3, deadline=lambda n: DAY)
    office.load(stack.ctx)
    expected = office.due_on(stack.ctx.workflows, "due", list(range(1, 31)))
    worker = stack.worker("w1")

    lock = OutboxLock(stack)
    try:
        stack.scan(at(DAY))
        pid = lock.waiting_scan()
        with stack.ctx.engine.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    finally:
        lock.release()

    # The task fails with OperationalError and Celery retries it (autoretry, backoff of a few seconds).
    wait_until(lambda: "Retry in" in worker.output(), TIMEOUT, "the scan task to be retried")
    stack.wait_settled(prompts=len(expected))
    stack.wait_quiet()

    runs = stack.runs()
    assert len(runs) == 1 and runs[0].id == 2  # run 1 was rolled back with its connection
    assert runs[0].reminders == 30 and stack.count(reminders) == 30
    assert stack.prompt_numbers() == list(range(1, len(expected) + 1))  # numbered as if run 1 never was
    assert max(stack.reminder_keys().values()) == 1
    check_deliveries(stack.smtp.handler, expected)
    assert stack.outbox_states() == {"sent": stack.count(outbox)} and stack.count(reminder_runs) == 1
    stack.assert_audit_verifies()
