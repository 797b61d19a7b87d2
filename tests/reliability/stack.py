"""The production stack of one test: PostgreSQL, a private Redis, an SMTP server, real workers and beats.

The test plays the beat on a simulated clock (``scan(now)``, ``sweep(now)``): it publishes
the same task messages the beat would, through the same Redis, with an explicit time, so
that reminder days, backoffs and leases pass in an instant. Workers and beats are real
processes started from the same entrypoints an operator uses, configured only through
``SUPERVISE_*`` variables.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

from celery import Celery
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from supervise.adapters.db import make_engine
from supervise.adapters.tables import outbox, reminder_runs, reminders, work_prompts
from supervise.adapters.workflow_files import load_registry
from supervise.cli.main import app as cli_app
from supervise.services.context import Clock, Context
from supervise.settings import load_settings
from tests.reliability.processes import PrivateRedis, Process, celery_worker, start_worker, supervise_beat, wait_until
from tests.reliability.smtp import SmtpServer
from worker.app import create_app
from worker.runtime import Runtime
from worker.tasks import DELIVER, SCAN

TIMEOUT = 60.0  # seconds any one wait of a test may take


class Stack:
    def __init__(self, database_url: str, redis: PrivateRedis, smtp: SmtpServer, directory: Path, clock: Clock):
        self.database_url = database_url
        self.redis = redis
        self.smtp = smtp
        self.directory = directory
        self.env = {
            **os.environ,
            "SUPERVISE_DATABASE_URL": database_url,
            "SUPERVISE_BROKER_URL": redis.url,
            "SUPERVISE_SMTP_URL": smtp.url,
            "SUPERVISE_SMTP_TIMEOUT": "5",
            "SUPERVISE_MAIL_FROM": "office@example.org",
            "SUPERVISE_OUTBOX_DIR": str(directory / "outbox"),
            "SUPERVISE_LANG": "both",
            "SUPERVISE_TIMEZONE": "Asia/Shanghai",
        }
        self.ctx = Context(make_engine(database_url), load_registry(), clock)
        self.processes: list[Process] = []
        self._publisher: Celery | None = None
        self._forgotten: set[bytes | str] = set()

    # --- processes -------------------------------------------------------------------------

    def worker(self, name: str = "w1", concurrency: int = 1) -> Process:
        process = celery_worker(name, self.env, self.directory / f"{name}.log", concurrency)
        self.processes.append(process)
        return start_worker(process)

    def beat(self, name: str) -> Process:
        process = supervise_beat(name, self.env, self.directory)
        self.processes.append(process)
        process.start()
        return process

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.processes)

    def close(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        if self._publisher is not None:
            self._publisher.close()
        self.ctx.engine.dispose()

    # --- the beat, on a simulated clock ---------------------------------------------------

    @property
    def publisher(self) -> Celery:
        if self._publisher is None:
            env = dict(self.env)
            self._publisher = create_app(Runtime(lambda: load_settings(env)))
        return self._publisher

    def scan(self, now: dt.datetime) -> None:
        """What the beat's scan entry sends, at ``now``."""
        self.publisher.send_task(SCAN, kwargs={"now": now.isoformat()})

    def sweep(self, now: dt.datetime) -> None:
        """What the beat's outbox sweep sends, at ``now``."""
        self.publisher.send_task(DELIVER, kwargs={"now": now.isoformat()})

    # --- what the database says -------------------------------------------------------------

    def outbox_states(self) -> Counter[str]:
        with self.ctx.reading() as conn:
            return Counter(conn.execute(select(outbox.c.state)).scalars())

    def count(self, table: Any) -> int:
        with self.ctx.reading() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    def runs(self) -> list[Any]:
        with self.ctx.reading() as conn:
            return list(conn.execute(select(reminder_runs).order_by(reminder_runs.c.id)))

    def prompt_numbers(self) -> list[int]:
        with self.ctx.reading() as conn:
            return sorted(conn.execute(select(work_prompts.c.number)).scalars())

    def reminder_keys(self) -> Counter[tuple[Any, ...]]:
        columns = (reminders.c.subject_type, reminders.c.subject_id, reminders.c.rung, reminders.c.anchor)
        with self.ctx.reading() as conn:
            return Counter(tuple(r) for r in conn.execute(select(*columns, reminders.c.occurrence)))

    def wait_settled(self, prompts: int, timeout: float = TIMEOUT) -> None:
        """Until ``prompts`` work prompts exist and none is waiting to be sent or being sent."""

        def settled() -> bool:
            states = self.outbox_states()
            return sum(states.values()) == prompts and not states["pending"] and not states["sending"]

        try:
            wait_until(settled, timeout, f"{prompts} work prompts sent or failed", poll=0.1)
        except AssertionError as exc:
            raise AssertionError(f"{exc}: outbox {dict(self.outbox_states())}\n{self.logs()}") from None

    def busy_backends(self) -> int:
        """Other connections to the test database inside a transaction or running a statement."""
        query = text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')"
        )
        with self.ctx.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def forget_unacked(self) -> None:
        """The task messages a killed worker held: Redis gives them back only after the visibility
        timeout (an hour), so they do not count against ``wait_quiet``."""
        self._forgotten = set(self.redis.client().hkeys("unacked"))

    def wait_quiet(self, timeout: float = TIMEOUT, settle: float = 0.6) -> None:
        """Until no task is queued or running, no transaction is open and the server received
        nothing new for ``settle`` seconds: a stray duplicate would have arrived by then."""

        def idle() -> bool:
            client = self.redis.client()
            running = set(client.hkeys("unacked")) - self._forgotten
            return client.llen("supervise") == 0 and not running and self.busy_backends() == 0

        deadline = time.monotonic() + timeout
        while True:
            wait_until(idle, max(deadline - time.monotonic(), 0.1), "the workers to go idle", poll=0.1)
            before = self.smtp.handler.count()
            time.sleep(settle)
            if idle() and self.smtp.handler.count() == before:
                return
            assert time.monotonic() < deadline, f"never quiet\n{self.logs()}"

    # --- the office's commands ----------------------------------------------------------------

    def cli(self, *args: str) -> tuple[int, Any]:
        """``supervise ARGS --json`` on this database: (exit code, parsed output)."""
        result = CliRunner().invoke(cli_app, [*args, "--json"], env=self.env, catch_exceptions=False)
        return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else None

    def assert_audit_verifies(self) -> None:
        code, report = self.cli("audit", "verify")
        assert code == 0 and report["ok"], report


class OutboxLock:
    """A transaction of the test's own holding ``LOCK TABLE outbox IN EXCLUSIVE MODE``: a scan that
    reaches its outbox INSERT waits there, in the middle of its transaction, until ``release``."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.conn = stack.ctx.engine.connect()
        self.tx = self.conn.begin()
        self.conn.execute(text("LOCK TABLE outbox IN EXCLUSIVE MODE"))

    def waiting_scan(self, timeout: float = TIMEOUT) -> int:
        """The backend pid of the scan that waits for the lock (once it does)."""
        query = text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            " AND query ILIKE 'INSERT INTO outbox%'"
        )
        found: list[int] = []

        def blocked() -> bool:
            with self.stack.ctx.engine.connect() as conn:
                found[:] = list(conn.execute(query).scalars())
            return len(found) == 1

        wait_until(blocked, timeout, "a scan waiting at its outbox INSERT", poll=0.05)
        return found[0]

    def release(self) -> None:
        if self.tx.is_active:
            self.tx.rollback()
        self.conn.close()
