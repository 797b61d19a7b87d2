"""How supervise stores things: UTC at rest, write transactions that take SQLite's write lock up front."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import select, text

from supervise.adapters.tables import events
from supervise.services.transitions import Advance, advance


def test_times_are_stored_in_utc_and_read_back_aware(walkthrough, clock):
    clock.now = dt.datetime(2024, 3, 1, 9, 15, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # 01:15 UTC
    advance(walkthrough, Advance("13", "start", "李四"))
    with walkthrough.reading() as conn:
        stored = conn.execute(select(events.c.at).where(events.c.trigger == "start")).scalar_one()
        if conn.dialect.name == "sqlite":
            raw = conn.execute(text("SELECT at FROM events WHERE trigger = 'start'")).scalar_one()
            assert raw.startswith("2024-03-01 01:15:00")
    assert stored == dt.datetime(2024, 3, 1, 1, 15, tzinfo=dt.UTC)
    assert stored.tzinfo is not None


def test_naive_times_are_refused_rather_than_guessed(walkthrough, clock):
    clock.now = dt.datetime(2024, 3, 1, 9, 15)
    with pytest.raises(Exception, match="naive datetime"):
        advance(walkthrough, Advance("13", "start", "李四"))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sqlite_write_transaction_holds_the_write_lock_from_its_first_statement(walkthrough):
    path = walkthrough.engine.url.database
    with walkthrough.writing():
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    with walkthrough.reading():  # a read transaction does not block writers
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        other.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bulk_inserts_store_times_and_dates_as_the_orm_does(ctx):
    from sqlalchemy import insert

    from supervise.adapters.bulk import insert_rows
    from supervise.adapters.tables import rounds

    whole_second = dt.datetime(2024, 6, 12, 2, 0, tzinfo=dt.UTC)  # no microseconds: the format must not change
    with ctx.writing() as conn:
        insert_rows(
            conn,
            rounds,
            ["name", "timezone", "created_at", "feedback_date"],
            [["bulk", "Asia/Shanghai", whole_second, dt.date(2024, 1, 2)]],
        )
        conn.execute(
            insert(rounds),
            {
                "name": "core",
                "timezone": "Asia/Shanghai",
                "created_at": whole_second,
                "feedback_date": dt.date(2024, 1, 2),
            },
        )
        stored = conn.execute(text("SELECT name, created_at, feedback_date FROM rounds ORDER BY name")).all()
    assert stored[0][1:] == stored[1][1:] == ("2024-06-12 02:00:00.000000", "2024-01-02")
