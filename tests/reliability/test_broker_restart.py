"""Redis restarted during a run — its queues are not persisted, so every queued or unacknowledged
task message is lost — and still every due reminder reaches its recipients exactly once.

Three working days of beat ticks (10:00 and 10:05) against a real worker process:

1. day 1: Redis restarts while a delivery is in flight and a scan and a sweep wait behind it
   in the queue: the delivery finishes on its own, the queued tasks are gone, the worker
   reconnects and takes the next tick;
2. day 2: Redis is down at the moment a scan has committed its work prompts and publishes
   their send task: the task is never sent; the beat's next sweep delivers the prompts;
3. day 3: nothing happens, as a check that the worker carries on.

What each recipient receives is compared, item by item, with a control run of the same
ticks without any fault.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from supervise.adapters.tables import outbox, reminder_runs
from tests.reliability.control import control_run
from tests.reliability.office import Office, at, check_deliveries
from tests.reliability.processes import wait_until
from tests.reliability.stack import TIMEOUT, OutboxLock, Stack

DAYS = [dt.date(2024, 6, 12), dt.date(2024, 6, 13), dt.date(2024, 6, 14)]  # Wednesday to Friday

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_a_redis_restart_loses_task_messages_but_no_reminder(stack: Stack, tmp_path: Path) -> None:
    office = Office(problems=36, leaders=3, deadline=lambda n: DAYS[n % 3])
    ticks = [at(day, 10, minute) for day in DAYS for minute in (0, 5)]
    expected = control_run(office, ticks, tmp_path)
    office.load(stack.ctx)
    server = stack.smtp.handler
    server.delay = 0.05
    worker = stack.worker("w1")

    # 1. A delivery in flight, a scan and a sweep queued behind it: Redis restarts.
    stack.scan(ticks[0])
    wait_until(lambda: server.count() >= 3, TIMEOUT, "the first delivery to be under way")
    stack.scan(ticks[1])
    stack.sweep(ticks[1])
    wait_until(lambda: stack.redis.client().llen("supervise") == 2, TIMEOUT, "the tick queued behind it")
    stack.redis.restart(down_for=1.0)
    stack.wait_quiet()
    assert stack.outbox_states()["pending"] == 0  # the delivery in flight finished by itself
    assert stack.count(reminder_runs) == 1  # the queued scan was lost with the queue

    # 2. Redis is down when the next scan has committed and publishes its send task.
    before = stack.count(outbox)
    lock = OutboxLock(stack)
    try:
        stack.scan(ticks[2])
        lock.waiting_scan()
        stack.redis.stop()
    finally:
        lock.release()  # the scan commits its prompts, then cannot publish the send task
    wait_until(lambda: stack.count(outbox) > before, TIMEOUT, "the scan to commit")
    wait_until(lambda: "raised unexpected" in worker.output(), TIMEOUT, "the publish to fail")
    stack.redis.start()
    stack.wait_quiet()
    assert stack.outbox_states()["pending"] == stack.count(outbox) - before  # written, not sent
    stack.scan(ticks[3])  # the beat's next tick: its sweep sends what is pending
    stack.sweep(ticks[3])
    stack.wait_quiet()

    # 3. The worker carries on.
    for tick in ticks[4:]:
        stack.scan(tick)
        stack.sweep(tick)
        stack.wait_quiet()

    assert worker.alive()
    stack.wait_settled(prompts=stack.count(outbox))
    report = check_deliveries(server, expected)
    assert report.messages == stack.count(outbox) and stack.outbox_states() == {"sent": report.messages}
    stack.assert_audit_verifies()
