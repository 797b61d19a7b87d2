"""A server so slow that a batch takes longer than the claim's lease: a second sender (the beat's
next sweep) must not take over messages the first one is still sending.

Run in-process on PostgreSQL with a 2-second lease instead of 10 minutes, so that the
overrun takes seconds: 24 messages at 0.2 s each is a 5-second batch.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from supervise.adapters.db import make_engine
from supervise.adapters.mail import SmtpMailer
from supervise.adapters.workflow_files import load_registry
from supervise.services import audit
from supervise.services.context import Context, utc_now
from supervise.services.delivery import DeliveryOptions, DeliveryResult, deliver
from supervise.services.reminders import ScanOptions, scan
from supervise.settings import MailSettings
from tests.reliability.office import Office, at, check_deliveries
from tests.reliability.smtp import SmtpServer

DAY = dt.date(2024, 6, 12)
LEASE = dt.timedelta(seconds=2)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def ctx(pg_url: str) -> Iterator[Context]:
    context = Context(make_engine(pg_url), load_registry(), utc_now)
    yield context
    context.engine.dispose()


def test_a_batch_slower_than_the_lease_is_never_sent_by_two_senders(
    ctx: Context, smtp: SmtpServer, tmp_path: Path
) -> None:
    office = Office(problems=21, leaders=3, deadline=lambda n: DAY)
    office.load(ctx)
    expected = office.due_on(ctx.workflows, "due", list(range(1, 22)))
    scan(ctx, ScanOptions(now=at(DAY)))
    smtp.handler.delay = 0.2
    options = DeliveryOptions(lease=LEASE)
    results: list[DeliveryResult] = []

    def sender() -> None:
        mailer = SmtpMailer(MailSettings(smtp.url, "office@example.org", tmp_path, timeout=5))
        results.append(deliver(ctx, mailer, options))  # the real clock: the lease runs out for real

    first = threading.Thread(target=sender, daemon=True)
    first.start()
    time.sleep(LEASE.total_seconds() * 1.25)  # the first sender's claim is older than the lease now
    second = threading.Thread(target=sender, daemon=True)
    second.start()
    for t in (first, second):
        t.join(60)
        assert not t.is_alive()

    check_deliveries(smtp.handler, expected)
    assert sum(len(r.sent) for r in results) == len(expected)
    assert audit.verify(ctx).ok
