"""An SMTP server that is busy for a while (421, a dropped connection, 451), then takes mail —
except for one mailbox that does not exist (550) and one that is never available (451).

Each due work prompt reaches its recipient exactly once; the 550 is recorded as failed at
once, the endless 451 when the attempts are used up, both are shown by ``supervise prompts
--failed``, and neither is tried again afterwards. A real worker process sends; the test
plays the beat's outbox sweep on a simulated clock, a little more than the longest backoff
(10 minutes) apart.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from supervise.adapters.tables import outbox
from tests.reliability.office import Office, at, check_deliveries, contact
from tests.reliability.processes import wait_until
from tests.reliability.stack import TIMEOUT, Stack

DAY = dt.date(2024, 6, 12)
STEP = dt.timedelta(minutes=11)  # past the longest backoff: every pending message is due again
MAX_ATTEMPTS = 6
MISSING = contact(3)  # 550: no such mailbox
UNAVAILABLE = contact(7)  # 451 on every attempt

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def attempts(stack: Stack) -> dict[str, tuple[str, int, str]]:
    with stack.ctx.reading() as conn:
        rows = conn.execute(select(outbox.c.to_addr, outbox.c.state, outbox.c.attempts, outbox.c.last_error))
        return {r.to_addr: (r.state, r.attempts, r.last_error or "") for r in rows}


def wait_for_attempt(stack: Stack, n: int) -> None:
    """Until every message has been tried ``n`` times or is settled (sent or failed)."""

    def done() -> bool:
        rows = attempts(stack).values()
        settled = [state in ("sent", "failed") or (state == "pending" and k >= n) for state, k, _ in rows]
        return bool(settled) and all(settled)

    wait_until(done, TIMEOUT, f"attempt {n} of every message", poll=0.1)


def test_a_busy_then_refusing_server_gets_each_prompt_once_and_the_refusals_are_shown(stack: Stack) -> None:
    office = Office(problems=12, leaders=2, deadline=lambda n: DAY)
    office.load(stack.ctx)
    expected = office.due_on(stack.ctx.workflows, "due", list(range(1, 13)))
    server = stack.smtp.handler
    stack.env["SUPERVISE_SMTP_MAX_ATTEMPTS"] = str(MAX_ATTEMPTS)
    stack.worker("w1")
    now = at(DAY)

    server.mail_reply = "421 4.3.2 service not available, closing channel"
    stack.scan(now)  # the scan publishes the first delivery
    wait_for_attempt(stack, 1)
    server.mail_reply, server.drop = None, True  # then it drops every connection mid-message
    now += STEP
    stack.sweep(now)
    wait_for_attempt(stack, 2)
    server.drop, server.data_reply = False, "451 4.3.0 temporary failure, try again later"
    now += STEP
    stack.sweep(now)
    wait_for_attempt(stack, 3)
    assert server.count() == 0 and {s for s, _, _ in attempts(stack).values()} == {"pending"}

    server.data_reply = None  # the server takes mail again, but not for two addresses
    server.refuse = {MISSING: "550 5.1.1 no such mailbox", UNAVAILABLE: "451 4.2.1 mailbox busy"}
    for _ in range(MAX_ATTEMPTS - 3):
        now += STEP
        stack.sweep(now)
        stack.wait_quiet()
    stack.wait_settled(prompts=len(expected))

    final = attempts(stack)
    assert final[MISSING][:2] == ("failed", 4) and final[MISSING][2].startswith("550 5.1.1")
    assert final[UNAVAILABLE][:2] == ("failed", MAX_ATTEMPTS) and final[UNAVAILABLE][2].startswith("451 4.2.1")
    assert {a for a, (state, _, _) in final.items() if state == "sent"} == set(expected) - {MISSING, UNAVAILABLE}
    check_deliveries(server, expected, failed=frozenset({MISSING, UNAVAILABLE}))

    # The office sees both failures, with the server's reply.
    code, shown = stack.cli("prompts", "--failed")
    assert code == 0
    assert sorted((p["email"], p["state"], p["last_error"][:3]) for p in shown["prompts"]) == [
        (MISSING, "failed", "550"),
        (UNAVAILABLE, "failed", "451"),
    ]

    # Not retried forever: later sweeps leave them alone.
    tried = dict(server.rcpt_attempts)
    for later in (now + dt.timedelta(hours=1), now + dt.timedelta(days=2)):
        stack.sweep(later)
        stack.wait_quiet()
    assert dict(server.rcpt_attempts) == tried
    assert tried[MISSING] == 2 and tried[UNAVAILABLE] == 4  # RCPT is reached from the drop phase on
    stack.assert_audit_verifies()
