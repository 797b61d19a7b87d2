"""Engines for SQLite (the embedded default) and PostgreSQL (production).

SQLite: WAL, foreign keys on, a busy timeout, and pysqlite's own transaction
handling switched off so that supervise emits BEGIN itself: ``BEGIN IMMEDIATE`` for
write transactions (a deferred read-then-write transaction gets SQLITE_BUSY whatever
the busy timeout), plain ``BEGIN`` for reads.

PostgreSQL: a pooled connection that sat idle may have been cut meanwhile (a server
restart, a failover, a firewall's idle timeout). It is pinged before use, but only
after it sat idle for ``IDLE_BEFORE_PING`` seconds: a connection handed back moments
ago is used at once. SQLAlchemy's ``pool_pre_ping`` would ping on every checkout, a
round trip as dear as one of the transition's own statements.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

WRITE = "supervise_write"
IDLE_BEFORE_PING = 1.0  # seconds; a worker pausing between tasks, or a long SMTP batch, pings again
_RETURNED_AT = "supervise_returned_at"


def make_engine(url: str, idle_before_ping: float = IDLE_BEFORE_PING, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine, idle_before_ping)
    return engine


def _ping_when_idle(engine: Engine, idle_before_ping: float) -> None:
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at < idle_before_ping:
            return  # just opened, or in use moments ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool drops this connection and every one older (they most likely went with the
            # same server) and checks out a new one, as pool_pre_ping does.
            raise exc.InvalidatePoolError(f"the connection was cut while idle: {error}") from error


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def safe_url(url: str) -> str:
    """The URL as it may be shown: the password masked."""
    return make_url(url).render_as_string(hide_password=True)
