"""Fixtures for bad input: one populated database per backend for the whole run, and its checksum.

A refused file must leave the database exactly as it was. The checksum covers every
table's rows (all tables the database has, ordered by every column), and the counters
a failed insert would move (PostgreSQL's sequences, SQLite's ``sqlite_sequence``): a
refusal that wrote and rolled back would show there. Since refusals write nothing, the
cases share one database per backend, which makes each case cheap and means any write
would be caught by the next checksum too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, select, text

from supervise.adapters import migrate
from supervise.adapters.db import make_engine
from supervise.adapters.evidence_files import read_evidence
from supervise.adapters.workflow_files import load_registry
from supervise.domain.plan import parse_plan
from supervise.services.context import Context
from supervise.services.importing import import_plan
from supervise.services.transitions import Advance, advance
from tests.conftest import WALKTHROUGH, FixedClock
from tests.e2e.conftest import Supervise
from tests.services import scratch_postgres_database

CORPUS = Path(__file__).resolve().parent / "corpus"


def checksum(engine: Engine, counters: bool = True, meta: MetaData | None = None) -> str:
    """SHA-256 over every row of every table, in a fixed order, and (unless told not to) the id counters.

    A dry run writes and rolls back: its rows vanish, but PostgreSQL's sequences keep the
    numbers they handed out (they are not transactional). A refusal writes nothing at all.
    """
    digest = hashlib.sha256()
    if meta is None:
        meta = MetaData()
        meta.reflect(engine)
    with engine.connect() as conn:
        for table in sorted(meta.tables.values(), key=lambda t: t.name):
            keys = list(table.primary_key.columns)
            order = [*keys, *(c for c in table.columns if not any(c is k for k in keys))]
            digest.update(f"\n{table.name}:".encode())
            for row in conn.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
        for name, value in _counters(conn) if counters else []:
            digest.update(f"\n{name}={value}".encode())
    return digest.hexdigest()


def _counters(conn: Any) -> list[tuple[str, Any]]:
    if conn.dialect.name == "postgresql":
        return list(conn.execute(text("SELECT sequencename, last_value FROM pg_sequences ORDER BY sequencename")))
    has = conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first()
    return list(conn.execute(text("SELECT name, seq FROM sqlite_sequence ORDER BY name"))) if has else []


@dataclass
class Populated:
    """A migrated database holding the walkthrough round, some history and evidence."""

    backend: str
    url: str
    ctx: Context
    tables: MetaData  # reflected once: the schema does not change during the run

    def checksum(self, counters: bool = True) -> str:
        return checksum(self.ctx.engine, counters, self.tables)

    def cli(self) -> Supervise:
        return Supervise({"SUPERVISE_DATABASE_URL": self.url, "SUPERVISE_LANG": "both"})


def _populate(url: str, backend: str, evidence: Path) -> Populated:
    engine = make_engine(url)
    ctx = Context(engine, load_registry(), FixedClock(dt.datetime(2023, 11, 8, 1, 30, tzinfo=dt.UTC)))
    import_plan(ctx, parse_plan(WALKTHROUGH.read_text(encoding="utf-8"), str(WALKTHROUGH), ctx.workflows), "plan")
    for ref in ("13", "13.1"):
        advance(ctx, Advance(ref, "start", "李四"))
    advance(ctx, Advance("13.1", "finish", "李四", "完成", evidence=(read_evidence(evidence),)))
    tables = MetaData()
    tables.reflect(engine)
    return Populated(backend, url, ctx, tables)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def populated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[Populated]:
    """The populated database of each backend, shared by every bad-input test of the run."""
    evidence = tmp_path_factory.mktemp("evidence") / "验收报告.txt"
    evidence.write_text("险情治理工程验收报告", encoding="utf-8")
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("badinput") / "supervise.db"
        shutil.copy(sqlite_template, path)
        db = _populate(f"sqlite:///{path}", "sqlite", evidence)
        yield db
        db.ctx.engine.dispose()
        return
    with scratch_postgres_database() as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        db = _populate(url, "postgresql", evidence)
        yield db
        db.ctx.engine.dispose()
