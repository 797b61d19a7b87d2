"""The real worker path: Celery's embedded test worker on a real Redis, sending to a real SMTP server;
and the in-process embedded mode a laptop (and the demo) runs."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from supervise.adapters.tables import outbox, reminders
from supervise.services.context import Context
from supervise.settings import EMBEDDED_BROKER, MailSettings, Settings, WorkerSettings
from tests.reminders.conftest import at
from tests.services import REDIS_URL, redis_available, require
from worker.app import celery_config as supervise_celery_config
from worker.app import create_app
from worker.embedded import embedded
from worker.runtime import Runtime
from worker.tasks import DELIVER, SCAN, register

QUEUE = f"supervise-test-{uuid.uuid4().hex[:8]}"  # this session's own queue on the shared Redis


@pytest.fixture(scope="session")
def celery_config():
    require(redis_available(), f"Redis at {REDIS_URL}")
    return {
        "broker_url": REDIS_URL,
        "result_backend": REDIS_URL,
        "task_default_queue": QUEUE,
        "task_acks_late": True,
        "worker_prefetch_multiplier": 1,
        "broker_transport_options": {"visibility_timeout": 3600},
    }


@pytest.fixture(scope="session")
def celery_worker_parameters():
    return {"queues": (QUEUE,), "perform_ping_check": False}


def settings_for(tmp_path: Path, smtp_url: str | None, broker: str = EMBEDDED_BROKER) -> Settings:
    mail = MailSettings(smtp_url, "office@example.org", tmp_path / "outbox", timeout=5, backoff_base=0.5, backoff_max=2)
    return Settings("sqlite://", None, "both", mail, WorkerSettings(broker, "Asia/Shanghai"))


@pytest.fixture
def tasks(celery_app, office, smtp_server, tmp_path):
    """Supervise's tasks on Celery's test app, bound to the test database and SMTP server; then the worker."""
    settings = settings_for(tmp_path, f"smtp://127.0.0.1:{smtp_server.port}")
    return register(celery_app, Runtime(lambda: settings, context=office))


def count(ctx, table):
    with ctx.reading() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_worker_scans_and_delivers_each_prompt_once(tasks, celery_worker, office, smtp_server):
    summary = tasks[SCAN].delay(now=at("2024-03-22").isoformat()).get(timeout=30)
    assert (summary["reminders"], summary["prompts"]) == (2, 3)
    assert celery_worker.app.AsyncResult(summary["deliver_task"]).get(timeout=30) == {
        "sent": 3,
        "retrying": 0,
        "failed": 0,
    }
    assert sorted(r[0] for _, r in smtp_server.inbox.envelopes) == [
        "lisi@example.org",
        "wangwu@example.org",
        "zhangsan@example.org",
    ]


def test_duplicated_scan_and_send_tasks_send_nothing_twice(tasks, celery_worker, office, smtp_server):
    now = at("2024-03-22").isoformat()
    scans = [tasks[SCAN].delay(now=now) for _ in range(3)]  # a second beat, a redelivery, a retry
    summaries = [s.get(timeout=30) for s in scans]
    assert sorted(s["reminders"] for s in summaries) == [0, 0, 2]
    with office.reading() as conn:
        ids = list(conn.execute(select(outbox.c.id)).scalars())
    duplicates = [tasks[DELIVER].delay(ids=ids, now=now) for _ in range(3)]
    for d in duplicates:
        d.get(timeout=30)
    for s in summaries:
        if s["deliver_task"]:
            celery_worker.app.AsyncResult(s["deliver_task"]).get(timeout=30)
    assert len(smtp_server.inbox.messages) == 3
    assert count(office, reminders) == 2


def test_a_worker_retries_a_refusing_server_with_backoff_until_each_message_is_in(
    celery_app, office, smtp_server, tmp_path, request
):
    # A clock that runs in real time from a fixed moment: the retries are real countdowns
    # (backoff 0.5 s, capped at 2 s), and the dates stay in years the calendar knows.
    origin, started = at("2024-03-22"), time.monotonic()
    live = Context(office.engine, office.workflows, lambda: origin + dt.timedelta(seconds=time.monotonic() - started))
    settings = settings_for(tmp_path, f"smtp://127.0.0.1:{smtp_server.port}")
    defined = register(celery_app, Runtime(lambda: settings, context=live))
    request.getfixturevalue("celery_worker")
    smtp_server.inbox.refuse_next = 4
    summary = defined[SCAN].delay().get(timeout=30)
    assert summary["prompts"] == 3
    wait_for(lambda: len(smtp_server.inbox.messages) == summary["prompts"])
    time.sleep(3)  # a stray duplicate would have arrived by now
    recipients = [r[0] for _, r in smtp_server.inbox.envelopes]
    assert len(recipients) == len(set(recipients)) == summary["prompts"]
    with office.reading() as conn:
        assert set(conn.execute(select(outbox.c.state)).scalars()) == {"sent"}


def test_the_embedded_mode_runs_broker_worker_and_delivery_in_one_process(office, tmp_path):
    settings = settings_for(tmp_path, None)
    app = create_app(Runtime(lambda: settings, context=office))
    assert app.conf.broker_url.startswith("memory://")
    with embedded(app) as driver:
        first = driver.tick(at("2024-03-22"))
        again = driver.tick(at("2024-03-22", 15))
        swept = driver.deliver(at("2024-03-22", 16))
    assert (first["prompts"], first["delivery"]) == (3, {"sent": 3, "retrying": 0, "failed": 0})
    assert (again["prompts"], again["delivery"]) == (0, None)
    assert swept == {"sent": 0, "retrying": 0, "failed": 0}
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 3


def test_the_app_is_configured_from_the_settings_for_reliability():
    conf = supervise_celery_config(settings_for(Path("/tmp"), None, broker="redis://:secret@redis:6379/0"))
    assert conf["task_acks_late"] and conf["worker_prefetch_multiplier"] == 1
    assert (
        conf["broker_transport_options"]["visibility_timeout"] > 10 * settings_for(Path("/tmp"), None).mail.backoff_max
    )
    assert conf["timezone"] == "Asia/Shanghai"
    assert {e["task"] for e in conf["beat_schedule"].values()} == {SCAN, DELIVER}
    assert conf["result_backend"] is None


def test_settings_never_show_a_password():
    from supervise.settings import load_settings

    settings = load_settings(
        {
            "SUPERVISE_SMTP_URL": "smtp://office:s3cret@mail.example.org:587",
            "SUPERVISE_BROKER_URL": "redis://:r3dis@redis:6379/0",
            "SUPERVISE_DATABASE_URL": "postgresql+psycopg://supervise:pg5ecret@db/supervise",
        }
    )
    shown = repr(settings)
    assert "s3cret" not in shown and "r3dis" not in shown and "pg5ecret" not in shown
    assert "mail.example.org" in shown


def test_a_forked_worker_process_drops_the_inherited_connections(office):
    runtime = Runtime(context=office)
    with office.reading():
        pass
    assert office.engine.pool.checkedin() >= 1 or office.engine.dialect.name == "sqlite"
    runtime.after_fork()
    assert office.engine.pool.checkedin() == 0


def test_task_times_must_carry_an_offset():
    from worker.tasks import _when

    assert _when("2024-03-22T10:00:00+08:00") == dt.datetime(2024, 3, 22, 2, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="offset"):
        _when("2024-03-22T10:00:00")
