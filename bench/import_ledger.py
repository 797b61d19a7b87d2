"""Importing a generated 100,000-row ledger (CSV and Excel) beside a raw executemany of the same rows.

The import runs as ``supervise import`` does (``services.importing.import_file``): read
the file, group rows into problems, read every cell (deadlines in ten written forms,
several units per cell, numbered measures), validate the whole plan, resolve people
and units, write problems, co-responsible units, measures and one audit event per
problem in one transaction. The raw baseline inserts exactly the rows that import
wrote (taken back from its database) with the driver's ``executemany`` into a fresh
database and commits: no reading, no checking, no hashing. Target: CSV ≥ 30% of the
raw rate.

    python -m bench.import_ledger            # 100,000 rows; SQLite, and PostgreSQL if it is running
    python -m bench.import_ledger --quick    # 10,000 rows, printed only (docs/benchmarks.md keeps the full run)
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import Engine, create_engine, text

from bench.report import write_section
from supervise.adapters import migrate
from supervise.adapters.db import make_engine
from supervise.adapters.tables import Base
from supervise.adapters.workflow_files import load_registry
from supervise.services.context import Context
from supervise.services.importing import ImportRequest, import_file

HEADERS = ["序号", "问题", "整改措施", "责任领导", "牵头单位", "责任单位", "整改时限", "完成情况"]
DEADLINES = [
    "2024-06-30",
    "2024/6/30",
    "2024.6.30",
    "2024.12",
    "2024年6月30日",
    "2024年6月",
    "2024年6月底前",
    "2024年3月底前",
    "立行立改",
    "长期坚持",
]
RAW_TABLES = ("problems", "problem_units", "measures", "events")
DIRECTORY_TABLES = ("rounds", "units", "people", "person_roles")
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NEW_ROUND = {"name": "基准轮次", "code": "BENCH", "feedback_date": dt.date(2023, 11, 7)}


def ledger_rows(n: int, seed: int = 7) -> Iterator[list[Any]]:
    """A ledger as offices write one: mixed deadline forms, units in one cell, numbered measures."""
    rnd = random.Random(seed)
    units = [f"区第{i:02d}局" for i in range(60)]
    leaders = [f"领导{i:02d}" for i in range(40)]
    for i in range(1, n + 1):
        lead, *co = rnd.sample(units, 3)
        sep = rnd.choice(["、", "；", "，", "\n"])
        measures = (
            f"1.制定第{i}项整改方案，明确责任分工；2.推进整改落实并报送佐证材料"
            if i % 3
            else f"一是立即组织排查第{i}项。二是建立长效机制"
        )
        title = f"第{i}项问题：工作推进不到位"
        yield [i, title, measures, rnd.choice(leaders), lead, sep.join(co), rnd.choice(DEADLINES), "正在推进"]


def write_csv(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADERS)
        out.writerows(ledger_rows(n))


def write_xlsx(path: Path, n: int) -> None:
    """A title row above the header, and a fifth of the deadlines as real date cells.

    Written with shared strings, as Excel writes them (openpyxl's write-only mode writes
    inline strings, which read half as fast and which Excel itself does not produce).
    """
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "台账"
    sheet.append(["基准轮次整改台账"])
    sheet.append(HEADERS)
    for row in ledger_rows(n):
        if row[0] % 5 == 0:
            row[6] = dt.datetime(2024, 6, 30)
        sheet.append(row)
    book.save(path)


class Backend:
    """A fresh, migrated, empty database on demand, and a raw DB-API connection to it."""

    def __init__(self, name: str, url: str, make_fresh: Callable[[], None], raw: Callable[[], Any]) -> None:
        self.name, self.url, self.make_fresh, self.raw = name, url, make_fresh, raw


@contextmanager
def sqlite_backend(tmp: Path) -> Iterator[Backend]:
    template, path = tmp / "template.db", tmp / "bench.db"
    engine = make_engine(f"sqlite:///{template}")
    migrate.upgrade(engine)
    engine.dispose()

    def fresh() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copy(template, path)

    def raw() -> Any:
        conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
            conn.execute(f"PRAGMA {pragma}")
        return conn

    yield Backend("SQLite", f"sqlite:///{path}", fresh, raw)


@contextmanager
def postgres_backend() -> Iterator[Backend | None]:
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            name = f"supervise_bench_{uuid.uuid4().hex[:8]}"
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:  # no server here: the benchmark runs on SQLite alone
        yield None
        return
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    migrate.upgrade(engine)

    def fresh() -> None:
        names = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            conn.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64})

    def raw() -> Any:
        import psycopg

        return psycopg.connect("host=127.0.0.1 user=postgres dbname=" + name)

    try:
        yield Backend("PostgreSQL", url, fresh, raw)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def timed_import(backend: Backend, path: Path, registry: Any) -> tuple[float, float, Engine]:
    """(total seconds, seconds until every row was read and checked, the engine of the database written)."""
    backend.make_fresh()
    engine = make_engine(backend.url)
    ctx = Context(engine, registry)
    checked = [0.0]

    def heard(stage: str, done: int, total: int) -> None:
        if stage == "read" and done == total:
            checked[0] = time.perf_counter() - start

    start = time.perf_counter()
    summary = import_file(ctx, ImportRequest(path=path, new_round=dict(NEW_ROUND)), heard)
    elapsed = time.perf_counter() - start
    assert summary.problems > 0
    return elapsed, checked[0], engine


def written_rows(engine: Engine) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every row the import wrote, as the database holds it."""
    out = {}
    with engine.connect() as conn:
        for table in (*DIRECTORY_TABLES, *RAW_TABLES):
            result = conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1")
            out[table] = (list(result.keys()), [tuple(r) for r in result])
    return out


def timed_raw(backend: Backend, rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> float:
    """The same rows, inserted with executemany in one transaction (the directory tables first, untimed)."""
    backend.make_fresh()
    conn = backend.raw()
    mark = "?" if backend.name == "SQLite" else "%s"

    def insert(cur: Any, table: str) -> None:
        columns, values = rows[table]
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(mark for _ in columns)})"
        cur.executemany(sql, values)

    try:
        cur = conn.cursor()
        if backend.name == "SQLite":
            cur.execute("BEGIN IMMEDIATE")
        for table in DIRECTORY_TABLES:
            insert(cur, table)
        start = time.perf_counter()
        for table in RAW_TABLES:
            insert(cur, table)
        conn.commit() if backend.name != "SQLite" else cur.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 rows")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args(argv)
    n = 10_000 if args.quick else args.rows
    registry = load_registry()
    lines = [
        f"Ledger of {n:,} rows (one problem per row, 2 measures and 3 units each; 10 deadline forms). "
        "Import = `supervise import` end to end (read, check every cell, validate, write with audit events, "
        "commit); raw = driver `executemany` of the same rows (problems, co-units, measures, events) and commit. "
        "Read = the file read and every row checked; write = the plan validated, names resolved, rows and audit "
        "events (one per problem, hash-chained) written, committed.",
        "",
        "| database | input | time | read + write | ledger rows/s | vs raw |",
        "|---|---|---:|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        csv_path, xlsx_path = tmp / "ledger.csv", tmp / "ledger.xlsx"
        write_csv(csv_path, n)
        write_xlsx(xlsx_path, n)
        with sqlite_backend(tmp) as lite, postgres_backend() as pg:
            backends = [lite] if args.sqlite_only or pg is None else [lite, pg]
            for backend in backends:
                lines += run_backend(backend, csv_path, xlsx_path if backend is lite else None, registry, n)
    lines += ["", "Target: CSV import ≥ 30% of the raw rate."]
    print("\n".join(lines))
    if n == 100_000 and not args.sqlite_only:  # the documented figures are the full run's
        write_section("import_ledger", "## Importing a ledger\n\n" + "\n".join(lines))


def run_backend(backend: Backend, csv_path: Path, xlsx_path: Path | None, registry: Any, n: int) -> list[str]:
    csv_time, csv_read, engine = timed_import(backend, csv_path, registry)
    rows = written_rows(engine)
    engine.dispose()
    raw_time = timed_raw(backend, rows)
    out = [_line(backend.name, "raw executemany", raw_time, None, n, raw_time)]
    out.append(_line(backend.name, "CSV", csv_time, csv_read, n, raw_time))
    if xlsx_path is not None:
        xlsx_time, xlsx_read, engine = timed_import(backend, xlsx_path, registry)
        engine.dispose()
        out.append(_line(backend.name, "Excel (.xlsx)", xlsx_time, xlsx_read, n, raw_time))
    return out


def _line(db: str, what: str, seconds: float, read: float | None, n: int, raw: float) -> str:
    split = f"{read:.2f} s + {seconds - read:.2f} s" if read else "—"
    line = f"| {db} | {what} | {seconds:.2f} s | {split} | {n / seconds:,.0f} | {100 * raw / seconds:.0f}% |"
    print(line, flush=True)
    return line


if __name__ == "__main__":
    main()
