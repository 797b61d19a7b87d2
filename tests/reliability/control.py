"""The oracle for a run with faults: the same office and the same beat ticks, run without any fault.

The control run scans and delivers in-process, on a database of its own, to an SMTP server
that accepts everything. What each recipient received there — item by item — is what the
run with faults must deliver too, each message once. A fault may change when a prompt
goes out or how items are grouped into prompts; it must not change what reaches whom.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from supervise.adapters import migrate
from supervise.adapters.db import make_engine
from supervise.adapters.mail import SmtpMailer
from supervise.adapters.workflow_files import load_registry
from supervise.services.context import Context, utc_now
from supervise.services.delivery import DeliveryOptions, deliver
from supervise.services.reminders import ScanOptions, scan
from supervise.settings import MailSettings
from tests.reliability.office import Office
from tests.reliability.smtp import smtp_server


def control_run(office: Office, ticks: list[dt.datetime], directory: Path) -> dict[str, Counter[tuple[str, str]]]:
    """What each address receives, item by item, when every tick's scan and delivery simply run."""
    engine = make_engine(f"sqlite:///{directory / 'control.db'}")
    try:
        migrate.upgrade(engine)
        ctx = Context(engine, load_registry(), utc_now)
        office.load(ctx)
        with smtp_server() as server:
            mailer = SmtpMailer(MailSettings(server.url, "office@example.org", directory, timeout=5))
            for tick in ticks:
                scan(ctx, ScanOptions(now=tick, detail=False))
                result = deliver(ctx, mailer, DeliveryOptions(), now=tick)
                assert not result.retrying and not result.failed
            return server.handler.items_by_recipient()
    finally:
        engine.dispose()
