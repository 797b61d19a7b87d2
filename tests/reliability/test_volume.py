"""A smaller cousin of bench/reliability_load.py: 5,000 open items on PostgreSQL, three working days of
beat ticks through a real worker — each day's scan records exactly what a full scan would find,
every work prompt goes out that day, once, with every item it lists, and nothing is left over.

(Timings belong to the benchmark; this test only checks that nothing falls behind or is lost.)
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from supervise.adapters.tables import outbox, prompt_items, work_prompts
from supervise.services.reminders import ScanOptions, scan
from tests.reliability.ledger_load import populate, working_days
from tests.reliability.office import at
from tests.reliability.stack import Stack

ITEMS = 5_000

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_the_scan_and_the_delivery_keep_up_with_thousands_of_open_items(stack: Stack) -> None:
    populate(stack.ctx, ITEMS, unit_count=60, leader_count=6)
    stack.worker("w1")
    server = stack.smtp.handler
    prompts = 0
    for day in working_days(stack.ctx, 3):
        # What a scan looking at every open item would record now (rolled back): the oracle for the day.
        oracle = scan(stack.ctx, ScanOptions(now=at(day), dry_run=True, full=True, detail=False))
        stack.scan(at(day))
        stack.scan(at(day, 10, 5))  # the beat's next tick: finds nothing new
        prompts += len(oracle.prompts)
        stack.wait_settled(prompts=prompts)
        stack.wait_quiet()
        run = next(r for r in stack.runs() if r.now == at(day))
        assert (run.reminders, run.prompts) == (oracle.reminders, len(oracle.prompts)) and oracle.reminders > 100

    assert stack.outbox_states() == {"sent": prompts}
    received = Counter(r.message_id for r in server.snapshot())
    assert len(received) == prompts and set(received.values()) == {1}
    with stack.ctx.reading() as conn:
        listed: dict[str, int] = dict(
            conn.execute(
                select(outbox.c.message_id, func.count())
                .join(work_prompts, work_prompts.c.id == outbox.c.prompt_id)
                .join(prompt_items, prompt_items.c.prompt_id == work_prompts.c.id)
                .group_by(outbox.c.message_id)
            ).all()
        )
    assert {r.message_id: len(r.items()) for r in server.snapshot()} == listed  # every item of every prompt
    stack.assert_audit_verifies()
