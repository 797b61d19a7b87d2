"""The raw-SQL baselines: the same transition written with the bare driver (sqlite3, psycopg).

One transition per transaction:
    BEGIN (IMMEDIATE on SQLite)
    SELECT the problem by round and number            (its columns the rules read)
    check state and version in Python
    UPDATE problems SET state, version+1, updated_at WHERE id AND version   (rowcount must be 1)
    SELECT seq, hash FROM audit_head WHERE id = 1     (FOR UPDATE on PostgreSQL)
    compute the event's chain hash with supervise.domain.audit.event_hash
    INSERT the event RETURNING id
    UPDATE audit_head SET seq, hash
    COMMIT

Bulk: the same per transaction of N items, with one SELECT ... IN (FOR UPDATE, ordered
by id, on PostgreSQL), one ``executemany`` UPDATE, one ``executemany`` INSERT of the
chained events and one head update.

The baseline knows the round id and the actor (id, name, roles) in advance; it does not
look them up, nor the co-responsible units, nor does it run the workflow rules beyond
the state check. Those are part of what the service does and what the ratio shows.

A third path, for reference only (the targets compare with the baseline above): the same
transaction with the lookups the service cannot skip, written with the driver as the
service reads them: the round with the problem and its co-units, and the actor with
their roles, in one SELECT (two joined by UNION ALL) in place of the baseline's SELECT.
The gap between it and the service is what the framework costs (pool, SQLAlchemy Core,
the rules); the gap between it and the baseline is what the lookups cost.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from bench._transitions_setup import DEST_STATE, OFFICE, SOURCE_STATE, TRIGGER
from supervise.domain.audit import EventContent, canonical_json, event_hash

_ITEM = (
    "SELECT id, number, round_id, state, version, workflow, deadline, leader_id, lead_unit_id, "
    "submitted_by_id, rebound_count FROM problems WHERE round_id = ? AND number {match}"
)
# The round with the problem and its co-units, and the actor with their roles, in one
# statement as the service reads them: two SELECTs joined by UNION ALL, each padding the
# other's columns with NULLs (an actor row has no round id).
_LOOKUPS = (
    "SELECT r.id, p.id, p.number, p.round_id, p.state, p.version, p.workflow, p.deadline, p.leader_id, "
    "p.lead_unit_id, p.submitted_by_id, p.rebound_count, pu.unit_id, NULL, NULL, NULL FROM rounds r "
    "LEFT JOIN problems p ON p.round_id = r.id AND p.number = ? "
    "LEFT JOIN problem_units pu ON pu.problem_id = p.id WHERE r.name = ? OR r.code = ? "
    "UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "people.id, people.unit_id, person_roles.role FROM people "
    "LEFT JOIN person_roles ON person_roles.person_id = people.id WHERE people.name = ?"
)
_UPDATE = "UPDATE problems SET state = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?"
_HEAD = "SELECT seq, hash FROM audit_head WHERE id = 1{lock}"
_EVENT = (
    "INSERT INTO events (seq, round_id, subject_type, subject_id, subject_ref, trigger, from_state, to_state, "
    "actor_id, actor_name, at, note, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SET_HEAD = "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1"


class Raw:
    """Shared logic; subclasses supply the connection, the BEGIN and the SQL dialect."""

    lock = ""

    def __init__(self) -> None:
        self.round_id, self.actor_id = self._ids()

    # --- driver specifics -------------------------------------------------------------
    def _begin(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _sql(self, sql: str) -> str:
        return sql

    def _stamp(self, now: dt.datetime) -> Any:
        return now

    def _select_many(self, numbers: list[int]) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    # --- the work -------------------------------------------------------------------
    def _ids(self) -> tuple[int, int]:
        cur = self.cursor
        cur.execute(self._sql("SELECT id FROM rounds WHERE code = ?"), ("BENCH",))
        (round_id,) = cur.fetchone()
        cur.execute(self._sql("SELECT id FROM people WHERE name = ?"), (OFFICE,))
        (actor_id,) = cur.fetchone()
        return round_id, actor_id

    def advance_one(self, number: int, lookups: bool = False) -> int:
        """One transition in its own transaction; ``lookups``: also read the round and actor, as the service must."""
        cur, now = self.cursor, dt.datetime.now(dt.UTC)
        self._begin()
        try:
            item = self._lookups(number) if lookups else self._item(number)
            if item is None or item[3] != SOURCE_STATE:
                raise RuntimeError(f"problem {number} cannot {TRIGGER}")
            item_id, version = item[0], item[4]
            cur.execute(self._sql(_UPDATE), (DEST_STATE, self._stamp(now), item_id, version))
            if cur.rowcount != 1:
                raise RuntimeError(f"problem {number}: version {version} is stale")
            cur.execute(self._sql(_HEAD.format(lock=self.lock)))
            head_seq, head_hash = cur.fetchone()
            row = self._event_row(head_seq + 1, head_hash, item_id, number, version, now)
            cur.execute(self._sql(_EVENT + " RETURNING id"), row)
            cur.fetchone()
            cur.execute(self._sql(_SET_HEAD), (row[0], row[-1]))
            self._commit()
        except BaseException:
            self.conn.rollback()
            raise
        return 1

    def _item(self, number: int) -> tuple[Any, ...] | None:
        self.cursor.execute(self._sql(_ITEM.format(match="= ?")), (self.round_id, number))
        return self.cursor.fetchone()  # type: ignore[no-any-return]

    def _lookups(self, number: int) -> tuple[Any, ...] | None:
        """The round with the problem and its co-units, and the actor with their roles, in one statement."""
        self.cursor.execute(self._sql(_LOOKUPS), (number, "BENCH", "BENCH", OFFICE))
        rows = self.cursor.fetchall()
        if "office" not in {row[-1] for row in rows if row[0] is None}:
            raise RuntimeError(f"{OFFICE} may not {TRIGGER}")
        item = next((row for row in rows if row[0] is not None), None)
        return tuple(item[1:13]) if item and item[1] is not None else None

    def advance_bulk(self, numbers: list[int]) -> int:
        cur, now = self.cursor, dt.datetime.now(dt.UTC)
        self._begin()
        try:
            items = self._select_many(numbers)
            if len(items) != len(numbers) or any(i[3] != SOURCE_STATE for i in items):
                raise RuntimeError("some problems are missing or cannot start")
            stamp = self._stamp(now)
            cur.executemany(self._sql(_UPDATE), [(DEST_STATE, stamp, i[0], i[4]) for i in items])
            if cur.rowcount != len(items):
                raise RuntimeError(f"{len(items) - cur.rowcount} problem(s) changed meanwhile")
            cur.execute(self._sql(_HEAD.format(lock=self.lock)))
            head_seq, prev = cur.fetchone()
            rows = []
            for k, i in enumerate(items, start=1):
                row = self._event_row(head_seq + k, prev, i[0], i[1], i[4], now)
                rows.append(row)
                prev = row[-1]
            cur.executemany(self._sql(_EVENT), rows)
            cur.execute(self._sql(_SET_HEAD), (rows[-1][0], prev))
            self._commit()
        except BaseException:
            self.conn.rollback()
            raise
        return len(items)

    def _event_row(
        self, seq: int, prev: str, item_id: int, number: int, version: int, now: dt.datetime
    ) -> tuple[Any, ...]:
        data = canonical_json({"version": version + 1})
        subject = ("problem", item_id, str(number))
        content = EventContent(seq, *subject, TRIGGER, SOURCE_STATE, DEST_STATE, self.actor_id, OFFICE, now, None, data)
        h = event_hash(content, prev)
        return (
            seq,
            self.round_id,
            "problem",
            item_id,
            str(number),
            TRIGGER,
            SOURCE_STATE,
            DEST_STATE,
            self.actor_id,
            OFFICE,
            self._stamp(now),
            None,
            data,
            prev,
            h,
        )

    def close(self) -> None:
        self.conn.close()


class RawSqlite(Raw):
    """sqlite3 with the pragmas supervise's engine sets, its own transaction handling off."""

    def __init__(self, url: str) -> None:
        self.conn: Any = sqlite3.connect(make_url(url).database or "", isolation_level=None, timeout=30)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.cursor: Any = self.conn.cursor()
        super().__init__()

    def _begin(self) -> None:
        self.cursor.execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        self.cursor.execute("COMMIT")

    def _stamp(self, now: dt.datetime) -> Any:
        # The text form SQLAlchemy stores for a naive UTC datetime on SQLite.
        return now.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", timespec="microseconds")

    def _select_many(self, numbers: list[int]) -> list[tuple[Any, ...]]:
        match = f"IN ({', '.join('?' * len(numbers))}) ORDER BY id"
        self.cursor.execute(_ITEM.format(match=match), (self.round_id, *numbers))
        return list(self.cursor.fetchall())


class RawPostgres(Raw):
    """psycopg 3, one connection, its implicit BEGIN; row locks where the service takes them."""

    lock = " FOR UPDATE"

    def __init__(self, url: str) -> None:
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.conn = psycopg.connect(conninfo)
        self.cursor = self.conn.cursor()
        super().__init__()
        self.conn.commit()

    def _begin(self) -> None:
        pass  # psycopg opens the transaction with the first statement

    def _commit(self) -> None:
        self.conn.commit()

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s")

    def _select_many(self, numbers: list[int]) -> list[tuple[Any, ...]]:
        sql = self._sql(_ITEM.format(match="= ANY(?) ORDER BY id FOR UPDATE"))
        self.cursor.execute(sql, (self.round_id, numbers))
        return list(self.cursor.fetchall())
