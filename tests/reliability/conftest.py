"""Fixtures for the reliability tests: a scratch PostgreSQL database, a private Redis, a scriptable
SMTP server, and the stack that runs real workers (and beats) against them.

Each test gets its own database and its own redis-server (on a free port, never the shared
one on 6379, which other test sessions use at the same time), so that a test can restart
its broker and no task message of one session can reach another's worker. With CI=true a
missing PostgreSQL or redis-server fails the test instead of skipping it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from supervise.adapters import migrate
from supervise.adapters.db import make_engine
from supervise.services.context import utc_now
from tests.reliability.processes import PrivateRedis
from tests.reliability.smtp import SmtpServer, smtp_server
from tests.reliability.stack import Stack
from tests.services import scratch_postgres_database


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, migrated PostgreSQL database, dropped afterwards (with any connection a killed worker left)."""
    with scratch_postgres_database() as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def stack(pg_url: str, private_redis: PrivateRedis, smtp: SmtpServer, tmp_path: Path) -> Iterator[Stack]:
    running = Stack(pg_url, private_redis, smtp, tmp_path, utc_now)
    try:
        yield running
    finally:
        running.close()
