"""Two beats at once — the mistake operations warns about — with two workers racing their scans and
sweeps: every due reminder is still recorded once and reaches each recipient once.

Everything runs on the real clock here, as in production: two ``supervise beat`` processes
fire the scan and the outbox sweep every half second each, and two worker processes of
two pool processes each take the tasks as they come. Half-way, the office extends eight
deadlines in one bulk transition (a new deadline restarts the ladder), so the racing scans
have new firings to record while they race.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest

from supervise.adapters.calendar import library_years
from supervise.adapters.tables import outbox
from supervise.services.calendar import declare_year
from supervise.services.reminders import scan_day
from supervise.services.transitions import BulkAdvance, advance_many
from tests.reliability.office import ZONE, Office, check_deliveries, merge
from tests.reliability.processes import wait_until
from tests.reliability.smtp import FaultySmtp
from tests.reliability.stack import TIMEOUT, Stack

EVERY = "0.5"  # seconds between a beat's scans, and between its sweeps
EXTENDED = list(range(1, 9))

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _clear_of_the_day_turn() -> dt.date:
    """Today's reminder day, after waiting out the minute before it turns (08:30 in Beijing):
    a run across the turn could legitimately record the next day's firings too."""
    now = dt.datetime.now(dt.UTC)
    turn = dt.datetime.combine(now.date(), dt.time(0, 30), tzinfo=dt.UTC)  # 08:30 in Beijing
    if dt.timedelta(0) <= turn - now < dt.timedelta(seconds=60):
        time.sleep((turn - now).total_seconds() + 1)
    return scan_day(dt.datetime.now(dt.UTC), ZONE)


def _arrived(server: FaultySmtp, expected: dict[str, Counter[tuple[str, str]]]) -> bool:
    got = server.items_by_recipient()
    return all(not (items - got.get(address, Counter())) for address, items in expected.items())


def test_two_beats_and_two_workers_send_each_reminder_once(stack: Stack) -> None:
    today = _clear_of_the_day_turn()
    office = Office(problems=24, leaders=3, deadline=lambda n: today - dt.timedelta(days=30))
    office.load(stack.ctx)
    for year in {today.year, (today - dt.timedelta(days=30)).year} - set(library_years()):
        declare_year(stack.ctx, year, "a year chinesecalendar does not know yet: weekends only")
    first_wave = office.due_on(stack.ctx.workflows, "overdue", list(range(1, 25)))
    server = stack.smtp.handler
    stack.env |= {"SUPERVISE_SCAN_EVERY": EVERY, "SUPERVISE_DELIVER_EVERY": EVERY}
    stack.worker("w1", concurrency=2)
    stack.worker("w2", concurrency=2)
    beats = [stack.beat("beat1"), stack.beat("beat2")]

    wait_until(lambda: _arrived(server, first_wave), TIMEOUT, "the first wave of reminders", poll=0.2)
    refs = tuple(f"RL:{n}" for n in EXTENDED)
    new_deadline = today - dt.timedelta(days=10)  # already past: overdue again, under a new key
    advance_many(stack.ctx, BulkAdvance(refs, "extend", "整改办", note="延期：汛期施工受阻", deadline=new_deadline))
    both = merge(first_wave, office.due_on(stack.ctx.workflows, "overdue", EXTENDED))
    wait_until(lambda: _arrived(server, both), TIMEOUT, "the second wave of reminders", poll=0.2)
    time.sleep(2)  # a few more racing scans and sweeps, which must find nothing to do

    for beat in beats:
        beat.stop()
    stack.wait_quiet()
    scans = stack.runs()
    assert len(scans) >= 8, "the beats did not race"  # each scan is a recorded run, idle or not
    assert [r.full for r in scans].count(True) == 1  # only the very first scan looked at everything
    assert sum(r.reminders for r in scans) == 24 + len(EXTENDED)
    assert max(stack.reminder_keys().values()) == 1
    check_deliveries(server, both)
    assert stack.outbox_states() == {"sent": stack.count(outbox)}
    stack.assert_audit_verifies()
