"""The embedded mode: broker, worker and (optionally) beat in one process, for a laptop and for the demo.

With ``SUPERVISE_BROKER_URL`` unset the app uses kombu's in-memory transport and an
in-memory result store; a worker runs in a thread of this process and executes the same
tasks a production worker would. A driver (the demo, a test) can instead leave the beat
off and call ``tick(now)``: it sends the scan task for that moment through the broker,
waits for it, then waits for the delivery it published — deterministic, on any clock.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from celery import Celery
from celery.beat import EmbeddedService
from celery.contrib.testing.worker import start_worker

from worker.tasks import DELIVER, SCAN

WAIT = 120.0  # seconds a driver waits for one task
POLL = 0.005  # seconds between looks at the in-memory result store (Celery polls every 0.5 s by default)


class Embedded:
    def __init__(self, app: Celery, worker: Any) -> None:
        self.app = app
        self.worker = worker

    def tick(self, now: dt.datetime, full: bool = False) -> dict[str, Any]:
        """What beat would do at ``now``: scan through the broker, then wait for the delivery it started."""
        summary: dict[str, Any] = (
            self.app.tasks[SCAN]
            .apply_async(kwargs={"now": now.isoformat(), "full": full})
            .get(timeout=WAIT, interval=POLL)
        )
        deliver_id = summary.get("deliver_task")
        delivered = self.app.AsyncResult(deliver_id).get(timeout=WAIT, interval=POLL) if deliver_id else None
        summary["delivery"] = delivered
        return summary

    def deliver(self, now: dt.datetime | None = None) -> dict[str, Any]:
        """Sweep the outbox as the beat's delivery entry does (retries that fell due by ``now``)."""
        kwargs = {"now": now.isoformat()} if now else {}
        sent = self.app.tasks[DELIVER].apply_async(kwargs=kwargs)
        result: dict[str, Any] = sent.get(timeout=WAIT, interval=POLL)
        return result


@contextmanager
def embedded(
    app: Celery, *, beat: bool = False, schedule: Path | None = None, loglevel: str = "WARNING"
) -> Iterator[Embedded]:
    """Run a worker thread (and the beat, if asked) on ``app``'s in-process broker until the block ends."""
    if not app.conf.broker_url.startswith("memory://"):
        raise ValueError("the embedded mode needs the in-process broker (leave SUPERVISE_BROKER_URL unset)")
    with ExitStack() as stack:
        worker = stack.enter_context(
            start_worker(
                app, pool="solo", concurrency=1, loglevel=loglevel, perform_ping_check=False, shutdown_timeout=30
            )
        )
        if beat:
            service = EmbeddedService(app, thread=True, schedule_filename=str(schedule) if schedule else None)
            service.start()
            stack.callback(_stop, service)
        yield Embedded(app, worker)


def _stop(service: threading.Thread) -> None:
    service.stop()  # type: ignore[attr-defined]
    service.join(10)
