"""End-to-end delivery of work prompts through Celery to a local SMTP server, beside raw smtplib.

    python -m bench.reminders_delivery            # 10,000 due items, 500 recipients
    python -m bench.reminders_delivery --quick    # 2,000 items, 100 recipients
    python -m bench.reminders_delivery --broker memory   # the embedded in-process broker instead of Redis

Setup: SQLite, one round, N due measures (each due today) spread over U units with one
contact each, so a scan writes U work prompts of N/U items. A local aiosmtpd server
accepts everything.

- supervise: from sending the scan task to the worker (Celery, solo pool, Redis broker
  unless told otherwise) until the SMTP server has accepted the last message — the scan,
  the publish after commit, the send task claiming, rendering (Jinja2, text + HTML, both
  languages), sending over one connection per batch of 200, and recording each message.
- raw: smtplib sending the same U messages (already built) over one reused connection.
"""

from __future__ import annotations

import argparse
import datetime as dt
import smtplib
import tempfile
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import text

from bench.report import write_section
from supervise.adapters import migrate
from supervise.adapters.db import make_engine
from supervise.adapters.mail import build_message
from supervise.adapters.workflow_files import load_registry
from supervise.services.context import Context
from supervise.services.delivery import DeliveryOptions, _outgoing
from supervise.settings import EMBEDDED_BROKER, MailSettings, Settings, WorkerSettings
from tests.services import REDIS_URL, free_port, redis_available

NOW = dt.datetime(2024, 6, 12, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing
TODAY = "2024-06-12"


class Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.count += 1
        return "250 OK"


def populate(engine, items: int, units: int) -> None:  # type: ignore[no-untyped-def]
    created = "2024-01-02 00:00:00"
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO rounds (id, name, code, timezone, created_at) VALUES (1, 'R', 'R', 'Asia/Shanghai', :c)"),
            {"c": created},
        )
        conn.execute(
            text("INSERT INTO units (id, name) VALUES (:i, :n)"),
            [{"i": i, "n": f"单位{i}"} for i in range(1, units + 1)],
        )
        conn.execute(
            text("INSERT INTO people (id, name, email, unit_id, created_at) VALUES (:i, :n, :e, :i, :c)"),
            [{"i": i, "n": f"联系人{i:04d}", "e": f"u{i}@example.org", "c": created} for i in range(1, units + 1)],
        )
        conn.execute(
            text("INSERT INTO person_roles (person_id, role) VALUES (:i, 'unit')"),
            [{"i": i} for i in range(1, units + 1)],
        )
        conn.execute(
            text(
                "INSERT INTO problems (id, round_id, number, title, kind, lead_unit_id, deadline, state, workflow,"
                " workflow_version, rebound_count, version, created_at, updated_at)"
                " VALUES (:i, 1, :i, :t, 'dated', :i, '2025-06-30', 'in_progress', 'problem', 1, 0, 1, :c, :c)"
            ),
            [{"i": i, "t": f"问题{i}：防洪和排涝设施存在风险隐患", "c": created} for i in range(1, units + 1)],
        )
        conn.execute(
            text(
                "INSERT INTO measures (problem_id, seq, text, unit_id, deadline, state, workflow, workflow_version,"
                " version, created_at, updated_at) VALUES (:p, :s, :t, :p, :d, 'doing', 'measure', 1, 1, :c, :c)"
            ),
            [
                {"p": n % units + 1, "s": n // units + 1, "t": f"举措{n}：完成险情治理工程", "d": TODAY, "c": created}
                for n in range(items)
            ],
        )
        conn.execute(text("UPDATE reminder_state SET scanned_until = '2024-06-11 02:00:00', needs_full = 0"))


def settings(port: int, broker: str, outbox: Path) -> Settings:
    mail = MailSettings(f"smtp://127.0.0.1:{port}", "office@example.org", outbox, timeout=30)
    return Settings("sqlite://", None, "both", mail, WorkerSettings(broker, "Asia/Shanghai"))


def through_celery(ctx: Context, config: Settings, broker: str, expected: int, counter: Counter) -> tuple[float, float]:
    """Seconds from sending the scan task until the server has the last message; and the scan's share."""
    from celery.contrib.testing.worker import start_worker

    from worker.app import celery_config, create_app
    from worker.runtime import Runtime
    from worker.tasks import SCAN

    app = create_app(Runtime(lambda: config, context=ctx))
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    app.conf.update(task_default_queue=queue)
    if broker != EMBEDDED_BROKER:
        app.conf.update(result_backend=broker, task_ignore_result=False)
    assert celery_config(config)["task_acks_late"]
    with start_worker(app, pool="solo", loglevel="WARNING", perform_ping_check=False, queues=[queue]):
        start = time.perf_counter()
        summary = app.tasks[SCAN].apply_async(kwargs={"now": NOW.isoformat()}).get(timeout=300)
        scanned = time.perf_counter() - start
        while counter.count < expected:
            time.sleep(0.01)
            if time.perf_counter() - start > 600:
                raise TimeoutError(f"{counter.count} of {expected} messages arrived")
        total = time.perf_counter() - start
    assert summary["prompts"] == expected, summary
    return total, scanned


def raw_smtplib(ctx: Context, port: int, counter: Counter) -> tuple[float, int]:
    """The same messages, already built, over one reused connection."""
    from sqlalchemy import select

    from supervise.adapters.tables import outbox, work_prompts

    options = DeliveryOptions()
    with ctx.reading() as conn:
        rows = conn.execute(
            select(outbox, work_prompts.c.number, work_prompts.c.created_at.label("prompt_created_at")).join(
                work_prompts, work_prompts.c.id == outbox.c.prompt_id
            )
        ).all()
        messages = [build_message(_outgoing(conn, row, options), "office@example.org") for row in rows]
    before = counter.count
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, local_hostname="bench.localdomain", timeout=30) as smtp:
        for message in messages:
            smtp.send_message(message)
    elapsed = time.perf_counter() - start
    assert counter.count - before == len(messages)
    return elapsed, len(messages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--broker", choices=["redis", "memory"], default=None)
    args = parser.parse_args()
    items, units = (2_000, 100) if args.quick else (10_000, 500)
    use_redis = args.broker == "redis" or (args.broker is None and redis_available())
    broker = REDIS_URL if use_redis else EMBEDDED_BROKER
    counter = Counter()
    port = free_port()
    server = Controller(counter, hostname="127.0.0.1", port=port)
    server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
            migrate.upgrade(engine)
            ctx = Context(engine, load_registry(), lambda: NOW)
            populate(engine, items, units)
            total, scanned = through_celery(ctx, settings(port, broker, Path(tmp)), broker, units, counter)
            raw_t, sent = raw_smtplib(ctx, port, counter)
            engine.dispose()
    finally:
        server.stop()
    ours, raw = units / total, sent / raw_t
    where = "Redis" if use_redis else "the in-process memory broker"
    lines = [
        "## Reminder delivery, end to end",
        "",
        f"{items:,} due items for {units} recipients: one scan task and its send task through Celery ({where},"
        f" solo worker) to a local aiosmtpd server; SQLite. Raw: smtplib sending the same {units} messages"
        " (already built) over one reused connection.",
        "",
        "| path | messages | time | messages/s | vs raw |",
        "|---|---:|---:|---:|---:|",
        f"| raw smtplib, one connection | {sent} | {raw_t:.2f} s | {raw:.0f} | 100% |",
        f"| supervise through Celery: scan {scanned:.2f} s + render, send, record | {units} | {total:.2f} s "
        f"| {ours:.0f} | {ours / raw:.0%} |",
        "",
        "Target: ≥ 50% of the raw rate.",
    ]
    print("\n".join(lines))
    write_section("reminders_delivery", "\n".join(lines))


if __name__ == "__main__":
    main()
