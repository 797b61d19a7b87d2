"""The reminder scan over many open measures, beside the raw indexed SQL that finds and loads the same rows.

    python -m bench.reminders_scan            # 1,000,000 open measures, 1% due; SQLite, then PostgreSQL
    python -m bench.reminders_scan --quick    # 100,000
    python -m bench.reminders_scan --backend sqlite --no-write   # one backend, figures printed only
    python -m bench.reminders_scan --database postgresql+psycopg://…/scratch   # an EMPTY database

PostgreSQL is the server at 127.0.0.1:5432 (override with SUPERVISE_BENCH_PG_ADMIN): each run
creates a scratch database and drops it; if the server is unreachable its figures are skipped.

Setup: one round, 10,000 problems (deadlines far ahead), N measures in 500 units; 1% of
the measures have deadlines that put a ladder firing on the scan day (before_3, due,
overdue and its repeats), the rest are due months later. The previous scan was the day
before, so the scan takes the indexed window path, as every working morning.

Compared, each the median of 15 runs (``--runs``), each scan path alternating with its raw
baseline — so that whatever else the machine does weighs on both alike:
- raw: ``SELECT … FROM measures JOIN problems WHERE deadline IN (…) AND state IN (…)``
  through the DB-API cursor, ``fetchall()`` — the rows a scan must look at;
- scan (find): the scan's own candidate query, evaluated with the ladder (no writes);
- raw (whole): the same find, then the same inserts (reminders, prompts, items, outbox —
  as many rows of each as the scan writes) through the DB-API ``executemany``, rolled back;
- scan (whole): ``supervise``'s scan as the worker runs it — find, evaluate, record
  each reminder under its unique key, one work prompt per recipient, the outbox rows —
  in a transaction rolled back at the end (``--dry-run``), so each run starts equal.
Memory: the peak Python allocation (tracemalloc) of the scan's find and of a whole scan,
beside that of the raw ``fetchall`` of the same rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
import tracemalloc
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from bench._transitions_setup import postgres_available, scratch_database
from bench.report import write_section
from supervise.adapters import migrate
from supervise.adapters.calendar import load_calendar
from supervise.adapters.db import make_engine
from supervise.adapters.workflow_files import load_registry
from supervise.services import due as d
from supervise.services.context import Context
from supervise.services.reminders import ScanOptions, ScanResult, scan, scan_day

ZONE = "Asia/Shanghai"
NOW = dt.datetime(2024, 6, 12, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing, a Wednesday
UNITS = 500
PROBLEMS = 10_000
BACKENDS = ("sqlite", "postgresql")


def due_dates(ctx: Context) -> list[dt.date]:
    """The deadlines that put a firing of the measure ladder on the scan day."""
    today = scan_day(NOW, ZONE)
    with ctx.reading() as conn:
        cal = load_calendar(conn)
    ladder = d.Ladders(ctx.workflows).of("measure")
    assert ladder is not None
    ranges = ladder.ladders["dated"].deadline_ranges(today - dt.timedelta(days=1), today, cal, dt.date(2023, 6, 1))
    return d.expand(ranges)


def office_dates(ctx: Context, dates: list[dt.date]) -> set[dt.date]:
    """The deadlines among ``dates`` whose firing on the scan day goes to the office too: the raw
    baseline knows them beforehand, as it knows ``dates``, and writes the same prompt items."""
    today = scan_day(NOW, ZONE)
    with ctx.reading() as conn:
        cal = load_calendar(conn)
    ladder = d.Ladders(ctx.workflows).of("measure")
    assert ladder is not None
    firings = {x: ladder.ladders["dated"].latest_due(x, today, cal) for x in dates}
    return {x for x, due in firings.items() if due is not None and "office" in due.to}


def populate(engine: Engine, ctx: Context, measures: int) -> int:
    rng = random.Random(4)
    hot = due_dates(ctx)
    created = dt.datetime(2024, 1, 2, tzinfo=dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    if engine.dialect.name != "sqlite":
        created = "2024-01-02 00:00:00+00"
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO rounds (id, name, code, timezone, created_at) VALUES (1, 'R', 'R', :z, :c)"),
            {"z": ZONE, "c": created},
        )
        conn.execute(
            text("INSERT INTO units (id, name) VALUES (:i, :n)"),
            [{"i": i, "n": f"单位{i}"} for i in range(1, UNITS + 1)],
        )
        people = [
            {"i": i, "n": f"联系人{i}", "e": f"u{i}@example.org", "u": i, "c": created} for i in range(1, UNITS + 1)
        ]
        people += [{"i": UNITS + 1, "n": "整改办", "e": "office@example.org", "u": None, "c": created}]
        conn.execute(
            text("INSERT INTO people (id, name, email, unit_id, created_at) VALUES (:i, :n, :e, :u, :c)"), people
        )
        roles = [{"p": i, "r": "unit"} for i in range(1, UNITS + 1)] + [{"p": UNITS + 1, "r": "office"}]
        conn.execute(text("INSERT INTO person_roles (person_id, role) VALUES (:p, :r)"), roles)
        conn.execute(
            text(
                "INSERT INTO problems (id, round_id, number, title, kind, lead_unit_id, deadline, state, workflow,"
                " workflow_version, rebound_count, version, created_at, updated_at)"
                " VALUES (:i, 1, :i, :t, 'dated', :u, '2025-06-30', 'in_progress', 'problem', 1, 0, 1, :c, :c)"
            ),
            [{"i": i, "t": f"问题{i}", "u": i % UNITS + 1, "c": created} for i in range(1, PROBLEMS + 1)],
        )
        per_problem = measures // PROBLEMS
        batch = []
        for n in range(measures):
            pid, seq = n // per_problem + 1, n % per_problem + 1
            deadline = rng.choice(hot) if n % 100 == 0 else dt.date(2024, 9, 1) + dt.timedelta(days=n % 300)
            unit = (n // 100) % UNITS + 1  # the due measures spread over every unit
            batch.append({"p": pid, "s": seq, "t": f"举措{n}", "u": unit, "d": deadline, "c": created})
            if len(batch) == 20_000:
                _insert_measures(conn, batch)
                batch = []
        if batch:
            _insert_measures(conn, batch)
        conn.execute(
            text("UPDATE reminder_state SET scanned_until = :t, needs_full = :f"),
            {
                "t": (NOW - dt.timedelta(days=1)).replace(tzinfo=None)
                if engine.dialect.name == "sqlite"
                else NOW - dt.timedelta(days=1),
                "f": False,
            },
        )
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    return len(hot)


def _insert_measures(conn, batch) -> None:  # type: ignore[no-untyped-def]
    conn.execute(
        text(
            "INSERT INTO measures (problem_id, seq, text, unit_id, deadline, state, workflow, workflow_version,"
            " version, created_at, updated_at) VALUES (:p, :s, :t, :u, :d, 'todo', 'measure', 1, 1, :c, :c)"
        ),
        batch,
    )


def raw_find(engine: Engine, dates: list[dt.date]) -> int:
    """The baseline: the indexed query through the driver's cursor, every row fetched."""
    placeholders = ", ".join("?" if engine.dialect.name == "sqlite" else "%s" for _ in dates)
    sql = (
        "SELECT m.id, m.problem_id, p.round_id, p.number, m.seq, m.text, p.kind, m.deadline, m.state, m.workflow,"
        " p.leader_id, coalesce(m.unit_id, p.lead_unit_id) FROM measures m JOIN problems p ON p.id = m.problem_id"
        f" WHERE m.deadline IN ({placeholders}) AND m.state IN ('todo', 'doing') AND m.workflow = 'measure'"
    )
    args = [x.isoformat() for x in dates] if engine.dialect.name == "sqlite" else dates
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(sql, args)
        rows = cursor.fetchall()
        cursor.close()
        raw.rollback()
    finally:
        raw.close()
    return len(rows)


def raw_whole(engine: Engine, dates: list[dt.date], office: set[dt.date]) -> tuple[int, int]:
    """Raw SQL doing the scan's writes too: find and load, then one reminder per row, one prompt per
    unit and one for the office, the prompt items (the unit's contact for every row, the office for
    rows whose firing goes to it) and the outbox rows with DB-API ``executemany``; rolled back like
    the dry run. Returns the rows found and the prompt items written."""
    sqlite = engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    placeholders = ", ".join(mark for _ in dates)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if sqlite:
            cur.execute("BEGIN IMMEDIATE")
        cur.execute(
            "SELECT m.id, p.round_id, m.text, m.deadline, coalesce(m.unit_id, p.lead_unit_id) FROM measures m"
            f" JOIN problems p ON p.id = m.problem_id WHERE m.deadline IN ({placeholders})"
            " AND m.state IN ('todo', 'doing') AND m.workflow = 'measure'",
            [x.isoformat() for x in dates] if sqlite else dates,
        )
        rows = cur.fetchall()
        now = NOW.replace(tzinfo=None).isoformat(sep=" ") if sqlite else NOW
        cur.execute(  # "full" quoted: a keyword in PostgreSQL
            'INSERT INTO reminder_runs (now, started_at, "full", reminders, prompts, problems)'
            f" VALUES ({mark}, {mark}, {mark}, 0, 0, '[]')",
            (now, now, False),
        )
        cur.execute("SELECT max(id) FROM reminder_runs")
        run = cur.fetchone()[0]
        cols = "run_id, subject_type, subject_id, round_id, rung, anchor, occurrence, due_on, ref, title, deadline,"
        cols += " light, expected_zh, expected_en, recorded_at"
        cur.executemany(
            f"INSERT INTO reminders ({cols}) VALUES ({', '.join([mark] * 15)})",
            [
                (
                    run,
                    "measure",
                    r[0],
                    r[1],
                    "due",
                    r[3],
                    0,
                    r[3],
                    f"R:{r[0]}",
                    r[2],
                    r[3],
                    "red",
                    "要求",
                    "expected",
                    now,
                )
                for r in rows
            ],
        )
        cur.execute(f"SELECT id, subject_id FROM reminders WHERE run_id = {mark}", (run,))
        ids = {sid: rid for rid, sid in cur.fetchall()}
        units = sorted({r[4] for r in rows})  # each unit's contact is person number ``unit``
        cur.executemany(
            "INSERT INTO work_prompts (number, run_id, person_id, recipient, email, items, created_at)"
            f" VALUES ({', '.join([mark] * 7)})",
            [(1_000_000 + u, run, u, f"联系人{u}", f"u{u}@example.org", 20, now) for u in [*units, UNITS + 1]],
        )
        cur.execute(f"SELECT person_id, id FROM work_prompts WHERE run_id = {mark}", (run,))
        prompt_of = dict(cur.fetchall())
        stored = {(x.isoformat() if sqlite else x) for x in office}
        items = [(prompt_of[r[4]], ids[r[0]], "lead_unit") for r in rows]
        items += [(prompt_of[UNITS + 1], ids[r[0]], "office") for r in rows if r[3] in stored]
        cur.executemany(
            f"INSERT INTO prompt_items (prompt_id, reminder_id, audience) VALUES ({mark}, {mark}, {mark})", items
        )
        cur.executemany(
            "INSERT INTO outbox (prompt_id, to_name, to_addr, state, attempts, next_attempt_at, message_id, created_at)"
            f" VALUES ({mark}, {mark}, {mark}, 'pending', 0, {mark}, {mark}, {mark})",
            [(p, "x", "x@example.org", now, f"<{p}@x>", now) for p in prompt_of.values()],
        )
        cur.close()
        raw.rollback()
    finally:
        raw.close()
    return len(rows), len(items)


def scan_find(ctx: Context, dates: list[dt.date]) -> int:
    """The scan's own candidate query and ladder evaluation, without the writes: the same
    ``due_rows`` the scan reads, with its round filter and its once-per-item check."""
    today = scan_day(NOW, ZONE)
    ladders = d.Ladders(ctx.workflows)
    workflow = ctx.workflows.get("measure")
    found, seen = 0, set[int]()
    with ctx.reading() as conn:
        cal = load_calendar(conn)
        evaluate = d.Evaluator(ladders, today, cal, on_gap=lambda exc: None)
        rounds = frozenset(conn.execute(text("SELECT id FROM rounds")).scalars())
        for clause in d.window_clauses("measure", workflow, dates):
            for rows in d.due_rows(conn, "measure", clause, evaluate, seen, rounds):
                found += len(rows)
    return found


def interleaved(paths, runs: int) -> list[tuple[float, object]]:  # type: ignore[no-untyped-def]
    """The median time and the last value of each path, the paths run in turn ``runs`` times.

    Interleaved, so that whatever else the machine does weighs on every path alike; many short
    runs, so that the median leaves a burst of load out."""
    times: list[list[float]] = [[] for _ in paths]
    values: list[object] = [None] * len(paths)
    for _ in range(runs):
        for i, path in enumerate(paths):
            start = time.perf_counter()
            values[i] = path()
            times[i].append(time.perf_counter() - start)
    return [(statistics.median(t), v) for t, v in zip(times, values, strict=True)]


def peak(fn) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    fn()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def load_average() -> str:
    """Other work on the machine skews timings: the report says how busy it was."""
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            return f.read().split()[0]
    except OSError:
        return "unknown"


@dataclass
class Figures:
    count: int
    backend: str
    setup: float
    runs: int
    times: dict[str, float] = field(default_factory=dict)  # path -> median seconds
    rows: dict[str, int] = field(default_factory=dict)  # path -> rows found
    items: dict[str, int] = field(default_factory=dict)  # path -> prompt items written
    memory: dict[str, int] = field(default_factory=dict)  # path -> peak bytes
    result: ScanResult | None = None


def measure(url: str, count: int, runs: int) -> Figures:
    """Populate the empty, migrated database at ``url`` and time every path on it."""
    engine = make_engine(url)
    try:
        ctx = Context(engine, load_registry(), lambda: NOW)
        print(f"{engine.dialect.name}: {count:,} measures ...", flush=True)
        start = time.perf_counter()
        populate(engine, ctx, count)
        figures = Figures(count, engine.dialect.name, time.perf_counter() - start, runs)
        dates = due_dates(ctx)
        office = office_dates(ctx, dates)
        options = ScanOptions(now=NOW, dry_run=True, detail=False)
        paths = {
            "raw": lambda: raw_find(engine, dates),
            "find": lambda: scan_find(ctx, dates),
            "raw_whole": lambda: raw_whole(engine, dates, office),
            "whole": lambda: scan(ctx, options),
        }
        # Each path alternates with its own baseline: a run that writes leaves the server work
        # (WAL, hint bits) that would otherwise weigh on whichever read came next.
        for pair in (("raw", "find"), ("raw_whole", "whole")):
            for name, (median, value) in zip(pair, interleaved([paths[n] for n in pair], runs), strict=True):
                figures.times[name] = median
                if isinstance(value, ScanResult):
                    figures.result = value
                    figures.rows[name] = value.reminders
                    figures.items[name] = sum(p.count for p in value.prompts)
                elif isinstance(value, tuple):
                    figures.rows[name], figures.items[name] = value
                else:
                    figures.rows[name] = int(value)  # type: ignore[call-overload]
        for name in ("raw", "find", "whole"):
            figures.memory[name] = peak(paths[name])
        return figures
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 measures instead of 1,000,000")
    parser.add_argument("--measures", type=int, default=None)
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each path (default 15)")
    parser.add_argument("--backend", choices=BACKENDS, action="append", help="only this backend (repeatable)")
    parser.add_argument("--database", default=None, help="an empty database URL instead of scratch databases")
    parser.add_argument("--no-write", action="store_true", help="print the figures; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    count = args.measures or (100_000 if args.quick else 1_000_000)
    load_at_start = load_average()
    measured: list[Figures] = []
    skipped: list[str] = []
    if args.database:
        engine = make_engine(args.database)
        migrate.upgrade(engine)
        engine.dispose()
        measured.append(measure(args.database, count, args.runs))
    for backend in [] if args.database else args.backend or BACKENDS:
        if backend == "postgresql" and not postgres_available():
            skipped.append("PostgreSQL was not reachable: its figures were not measured.")
            continue
        with scratch_database(backend) as db:
            measured.append(measure(db.url, count, args.runs))
    text = markdown(measured, skipped, (load_at_start, load_average()))
    print("\n" + text)
    if not args.no_write:
        write_section("reminders_scan", text)


def markdown(measured: list[Figures], skipped: list[str], load: tuple[str, str]) -> str:
    lines = ["## Reminder scan", ""]
    for f in measured:
        lines += _backend_lines(f)
    lines += skipped + ([""] if skipped else [])
    lines += [
        f"1-minute load average of the machine at the start and end of the run: {load[0]} and {load[1]}.",
        "",
        "Target: the scan ≤ 1.5× the raw find-and-load time, memory flat.",
    ]
    return "\n".join(lines)


def _backend_lines(f: Figures) -> list[str]:
    t, rows, result = f.times, f.rows, f.result
    assert result is not None
    raw = t["raw"]
    mb = {name: f"{value / 1e6:.1f} MB" for name, value in f.memory.items()}
    return [
        f"### {'PostgreSQL' if f.backend == 'postgresql' else 'SQLite'}",
        "",
        f"{f.count:,} open measures ({PROBLEMS:,} problems, {UNITS} units), {rows['raw']:,} of them "
        f"({rows['raw'] / f.count:.1%}) due on the scan day; setup {f.setup:.0f} s. Median of {f.runs} runs, each "
        "scan path alternating with its raw baseline (the find with the raw find, the whole scan with the raw "
        "writes).",
        "",
        "| path | rows | time | vs raw find |",
        "|---|---:|---:|---:|",
        f"| raw indexed SQL: find and load (DB-API `fetchall`) | {rows['raw']:,} | {raw * 1000:.0f} ms | 1.00× |",
        f"| scan, find: candidate query + ladder evaluation | {rows['find']:,} | {t['find'] * 1000:.0f} ms "
        f"| **{t['find'] / raw:.2f}×** |",
        f"| raw SQL doing the same writes: find + `executemany` of {rows['raw_whole']:,} reminders, "
        f"{len(result.prompts)} prompts, {f.items['raw_whole']:,} prompt items, outbox "
        f"| {rows['raw_whole']:,} | {t['raw_whole'] * 1000:.0f} ms | {t['raw_whole'] / raw:.2f}× |",
        f"| scan, whole: find + record {result.reminders:,} reminders + {len(result.prompts)} work prompts "
        f"({f.items['whole']:,} items) + outbox | {rows['whole']:,} | {t['whole'] * 1000:.0f} ms "
        f"| {t['whole'] / raw:.2f}× |",
        "",
        f"Scan, whole vs raw SQL doing the same writes: **{t['whole'] / t['raw_whole']:.2f}×**.",
        "",
        f"Peak Python memory: scan, find {mb['find']}; scan, whole {mb['whole']}; raw `fetchall` of the same rows "
        f"{mb['raw']} (the scan reads candidates in chunks of 2,000; it keeps only who gets which reminder).",
        "",
    ]


if __name__ == "__main__":
    main()
