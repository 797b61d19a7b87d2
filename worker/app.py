"""The Celery app: ``celery -A worker.app`` (or ``supervise worker`` / ``supervise beat``).

The app object exists at import, but its configuration is read from the environment
only when Celery first needs it (lazy defaults), through the same ``load_settings``
as the CLI.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import worker_process_init

from supervise.settings import Settings
from worker.runtime import Runtime
from worker.tasks import DELIVER, SCAN, register

EMBEDDED_RESULTS = "cache+memory://"


def celery_config(settings: Settings) -> dict[str, Any]:
    w = settings.worker
    embedded = w.embedded
    return {
        "broker_url": w.broker_url,
        # In-process, results let a driver wait for a task; with Redis nothing reads them.
        "result_backend": EMBEDDED_RESULTS if embedded else None,
        "task_ignore_result": not embedded,
        "timezone": w.timezone,
        "enable_utc": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_default_queue": "supervise",
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # A broker that goes away does not stop a delivery in flight: it needs only the database
        # and the SMTP server, and finishes and records what it sends. (Celery 6 is to make
        # cancelling the default, which would leave its messages claimed until the lease ends.)
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        # In-process, a task waits for the worker's next poll of the memory queue (1 s by default): poll often.
        "broker_transport_options": {"visibility_timeout": w.visibility_timeout}
        | ({"polling_interval": 0.01} if embedded else {}),
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
        "beat_schedule": beat_schedule(settings),
    }


def beat_schedule(settings: Settings) -> dict[str, Any]:
    return {
        "scan-reminders": {"task": SCAN, "schedule": settings.worker.scan_every},
        "deliver-outbox": {"task": DELIVER, "schedule": settings.worker.deliver_every},
    }


def create_app(runtime: Runtime | None = None) -> Celery:
    runtime = runtime or Runtime()
    app = Celery("supervise")

    # A callable: evaluated when Celery first reads its configuration, not now.
    app.add_defaults(lambda: celery_config(runtime.settings))

    register(app, runtime)
    app.supervise_runtime = runtime
    return app


runtime = Runtime()
app = create_app(runtime)


@worker_process_init.connect  # type: ignore[untyped-decorator]
def _after_fork(**_: Any) -> None:
    runtime.after_fork()
