"""Pooled PostgreSQL connections: one cut while idle in the pool is replaced, unseen by the caller.

A connection is pinged before use only after it sat idle for a while; one handed back
moments ago goes straight to work. The backend is cut with ``pg_terminate_backend``: what
a server restart, a failover or a firewall's idle timeout does to a pooled session.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine, exc, text

from supervise.adapters.db import make_engine

pytestmark = pytest.mark.postgres

IDLE = 0.2  # seconds: the engines under test ping a connection idle for longer than this


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _cut(url: str, pid: int) -> None:
    other = make_engine(url)
    with other.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    other.dispose()


def test_a_connection_cut_while_idle_is_replaced_before_use(postgres_url: str) -> None:
    engine = make_engine(postgres_url, idle_before_ping=IDLE)
    try:
        first = _backend_pid(engine)
        _cut(postgres_url, first)
        time.sleep(2 * IDLE)
        second = _backend_pid(engine)  # no error: the ping found the cut and the pool connected anew
        assert second != first
    finally:
        engine.dispose()


def test_a_connection_handed_back_moments_ago_is_used_without_a_ping(postgres_url: str) -> None:
    engine = make_engine(postgres_url, idle_before_ping=60)
    try:
        first = _backend_pid(engine)
        _cut(postgres_url, first)
        # Not idle long enough to be pinged: the statement meets the cut, the caller sees it ...
        with pytest.raises(exc.OperationalError) as raised:
            _backend_pid(engine)
        assert raised.value.connection_invalidated
        # ... and the pool has let the dead connection go: the next use connects anew.
        assert _backend_pid(engine) != first
    finally:
        engine.dispose()


def test_a_busy_pool_keeps_its_connection(postgres_url: str) -> None:
    engine = make_engine(postgres_url, idle_before_ping=60)
    try:
        pids = {_backend_pid(engine) for _ in range(5)}
        assert len(pids) == 1
    finally:
        engine.dispose()
