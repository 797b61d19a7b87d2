"""Persisted transitions per second through the service layer, beside raw SQL, on SQLite and PostgreSQL.

    python -m bench.transitions            # the full run (about two minutes), writes docs/benchmarks.md
    python -m bench.transitions --quick    # smaller sizes, for a quick look
    ./dev bench transitions [--quick]

Four figures per backend: one transition per transaction (``services.transitions.advance``)
against the raw driver doing the same statements, and bulk (``advance_many``, 1000 items per
transaction) against a raw ``executemany`` baseline; see ``bench/_transitions_raw.py`` for
exactly what the baselines do. Service and raw runs alternate on fresh problems of the same
database, the median of the runs is reported. Memory is measured in a child process so
that nothing the parent allocated hides or inflates it: its RSS before and after advancing
100k problems in bulk, and one per transaction for a sample.

PostgreSQL is the server at 127.0.0.1:5432 (override with SUPERVISE_BENCH_PG_ADMIN); each run
creates a scratch database and drops it. If the server is unreachable its rows are skipped.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench._transitions_raw import Raw, RawPostgres, RawSqlite
from bench._transitions_setup import OFFICE, TRIGGER, Database, Numbers, populate, postgres_available, scratch_database
from bench.report import write_section
from supervise.adapters.db import make_engine
from supervise.adapters.workflow_files import load_registry
from supervise.services.audit import verify
from supervise.services.context import Context, utc_now
from supervise.services.transitions import Advance, BulkAdvance, advance, advance_many

BULK_PER_TX = 1000
BACKENDS = ("sqlite", "postgresql")
LABELS = {"sqlite": "SQLite (file, WAL)", "postgresql": "PostgreSQL"}
# (mode, backend) -> (kind, bound): "ratio": service/raw time at most; "share": service/raw throughput at least.
TARGETS = {
    ("one", "sqlite"): ("ratio", 3.0),
    ("one", "postgresql"): ("ratio", 1.5),
    ("bulk", "sqlite"): ("share", 0.30),
    ("bulk", "postgresql"): ("share", 0.30),
}
MEMORY_LIMIT_MB = 50.0
MEMORY_MODES = {
    "bulk": f"bulk, {BULK_PER_TX} per transaction",
    "single": "bulk, all in one transaction",
    "one": "one per transaction",
}


@dataclass(frozen=True)
class Sizes:
    runs: int  # timed runs of each path per mode, service and raw alternating
    one: dict[str, int]  # transitions per run, one per transaction
    memory_bulk: dict[str, int]
    memory_one: dict[str, int]

    def problems(self, backend: str) -> int:
        timed = self.runs * (4 * self.one[backend] + 2 * BULK_PER_TX)  # a bulk run is one transaction
        warm = 2 * (4 * self.one[backend] + 2 * BULK_PER_TX)  # warm-up of every path
        memory = 2 * self.memory_bulk[backend] + self.memory_one[backend] + 3 * 2 * BULK_PER_TX
        return timed + warm + memory


# Many alternating runs rather than a few long ones: on a shared machine a burst of load
# then hits every path alike and the median discards it. A SQLite run is long enough to
# hold several WAL checkpoints (one per ~1000 pages written), so that no path is charged
# with more than its share of them.
DEFAULT = Sizes(
    runs=21,
    one={"sqlite": 300, "postgresql": 40},
    memory_bulk={"sqlite": 100_000, "postgresql": 100_000},
    memory_one={"sqlite": 10_000, "postgresql": 2_000},
)
QUICK = Sizes(
    runs=7,
    one={"sqlite": 150, "postgresql": 15},
    memory_bulk={"sqlite": 10_000, "postgresql": 10_000},
    memory_one={"sqlite": 2_000, "postgresql": 500},
)


@dataclass(frozen=True)
class Timing:
    backend: str
    mode: str  # "one" or "bulk"
    service_us: float  # median µs per transition
    raw_us: float
    service_runs: list[float]
    raw_runs: list[float]
    lookups_us: float | None = None  # raw plus the service's lookups (one per transaction only)
    pinged_us: float | None = None  # the service pinging the connection at every checkout (PostgreSQL only)

    @property
    def ratio(self) -> float:
        return self.service_us / self.raw_us

    def summary(self) -> str:
        def spread(runs: list[float]) -> str:
            q1, _, q3 = statistics.quantiles(runs, n=4)
            return f"{statistics.median(runs):7.1f} µs (quartiles {q1:.1f}–{q3:.1f})"

        text = f"service {spread(self.service_runs)}, raw {spread(self.raw_runs)}, ratio {self.ratio:.2f}"
        text += f", raw with lookups {self.lookups_us:.1f} µs" if self.lookups_us else ""
        return text + (f", service pinging at every checkout {self.pinged_us:.1f} µs" if self.pinged_us else "")

    def target(self) -> tuple[str, bool]:
        kind, bound = TARGETS[(self.mode, self.backend)]
        if kind == "ratio":
            return f"≤ {bound:g}× raw", self.ratio <= bound
        return f"≥ {bound:.0%} of raw throughput", 1 / self.ratio >= bound


@dataclass(frozen=True)
class Memory:
    backend: str
    mode: str
    items: int
    rss_before_mb: float
    rss_after_mb: float
    peak_mb: float  # VmHWM at the end: the highest RSS the child ever had
    checkpoints: list[tuple[int, float]]  # (items moved, RSS MB)
    seconds: float

    @property
    def rise_mb(self) -> float:
        return self.rss_after_mb - self.rss_before_mb

    @property
    def met(self) -> bool:
        """Judged on the peak too, not only on where RSS ended."""
        return max(self.rise_mb, self.peak_mb - self.rss_before_mb) < MEMORY_LIMIT_MB


# --- the measured paths --------------------------------------------------------------------


def _service_one(ctx: Context) -> Callable[[Sequence[int]], None]:
    def run(numbers: Sequence[int]) -> None:
        for n in numbers:
            advance(ctx, Advance(str(n), TRIGGER, OFFICE))

    return run


def _service_bulk(ctx: Context) -> Callable[[Sequence[int]], None]:
    def run(numbers: Sequence[int]) -> None:
        for chunk in _chunks(numbers, BULK_PER_TX):
            advance_many(ctx, BulkAdvance(tuple(str(n) for n in chunk), TRIGGER, OFFICE))

    return run


def _raw_one(raw: Raw) -> Callable[[Sequence[int]], None]:
    def run(numbers: Sequence[int]) -> None:
        for n in numbers:
            raw.advance_one(n)

    return run


def _raw_one_with_lookups(raw: Raw) -> Callable[[Sequence[int]], None]:
    def run(numbers: Sequence[int]) -> None:
        for n in numbers:
            raw.advance_one(n, lookups=True)

    return run


def _raw_bulk(raw: Raw) -> Callable[[Sequence[int]], None]:
    def run(numbers: Sequence[int]) -> None:
        for chunk in _chunks(numbers, BULK_PER_TX):
            raw.advance_bulk(list(chunk))

    return run


def _chunks(numbers: Sequence[int], size: int) -> list[Sequence[int]]:
    return [numbers[i : i + size] for i in range(0, len(numbers), size)]


def _timed(run: Callable[[Sequence[int]], None], numbers: Sequence[int]) -> float:
    """Seconds per transition."""
    start = time.perf_counter()
    run(numbers)
    return (time.perf_counter() - start) / len(numbers)


def measure(db: Database, sizes: Sizes, numbers: Numbers) -> list[Timing]:
    ctx = Context(make_engine(db.url), load_registry(), utc_now)
    # What the pool's idle-only ping saves: the same engine made to ping at every checkout.
    pinging = Context(make_engine(db.url, idle_before_ping=0.0), ctx.workflows, utc_now)
    raw: Raw = RawSqlite(db.url) if db.backend == "sqlite" else RawPostgres(db.url)
    try:
        one = [("service", _service_one(ctx)), ("raw", _raw_one(raw)), ("lookups", _raw_one_with_lookups(raw))]
        if db.backend == "postgresql":
            one.append(("pinged", _service_one(pinging)))
        paths = {
            "one": (one, sizes.one[db.backend]),
            "bulk": ([("service", _service_bulk(ctx)), ("raw", _raw_bulk(raw))], BULK_PER_TX),
        }
        out = []
        for mode, (order, size) in paths.items():
            for _, run in order:  # warm-up: compile caches, prepared statements, page cache
                run(numbers.take(2 * size))
            runs: dict[str, list[float]] = {name: [] for name, _ in order}
            for r in range(sizes.runs):
                for name, run in order[r % len(order) :] + order[: r % len(order)]:  # rotate who goes first
                    runs[name].append(_timed(run, numbers.take(size)) * 1e6)
            timing = Timing(
                db.backend,
                mode,
                statistics.median(runs["service"]),
                statistics.median(runs["raw"]),
                runs["service"],
                runs["raw"],
                statistics.median(runs["lookups"]) if "lookups" in runs else None,
                statistics.median(runs["pinged"]) if "pinged" in runs else None,
            )
            print(f"  {db.backend:10} {mode:4} {timing.summary()}", flush=True)
            out.append(timing)
        report = verify(ctx)  # raw and service events share one chain: it must still verify
        if not report.ok:
            raise RuntimeError(f"the audit chain broke during the benchmark: {report.finding}")
        return out
    finally:
        raw.close()
        ctx.engine.dispose()
        pinging.engine.dispose()


# --- memory, in a child process ------------------------------------------------------------


def _vm_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def memory_child(url: str, mode: str, first: int, count: int) -> dict[str, object]:
    """Advance problems first.. in this process; report RSS before and after (run with --memory-child)."""
    ctx = Context(make_engine(url), load_registry(), utc_now)
    run = _service_one(ctx) if mode == "one" else _service_bulk(ctx)
    warm = _memory_warm(mode)
    run(range(first, first + warm))  # caches filled before the baseline reading
    gc.collect()
    before = _vm_mb("VmRSS")
    start, checkpoints = time.perf_counter(), []
    numbers = range(first + warm, first + warm + count)
    if mode == "single":  # every problem in ONE advance_many call: one transaction
        advance_many(ctx, BulkAdvance(tuple(str(n) for n in numbers), TRIGGER, OFFICE))
    step = max(count // 10, BULK_PER_TX if mode == "bulk" else 1)
    for i in range(0, count, step) if mode != "single" else ():
        run(numbers[i : i + step])
        checkpoints.append((min(i + step, count), _vm_mb("VmRSS")))
    seconds = time.perf_counter() - start
    after = _vm_mb("VmRSS")
    ctx.engine.dispose()
    return {
        "before": before,
        "after": after,
        "peak": max(_vm_mb("VmHWM"), after),  # the kernel updates VmHWM lazily
        "checkpoints": checkpoints,
        "seconds": seconds,
        "warm": warm,
    }


def _memory_warm(mode: str) -> int:
    return 200 if mode == "one" else 2 * BULK_PER_TX


def measure_memory(db: Database, sizes: Sizes, numbers: Numbers) -> list[Memory]:
    out = []
    for mode, count in (
        ("bulk", sizes.memory_bulk[db.backend]),
        ("single", sizes.memory_bulk[db.backend]),
        ("one", sizes.memory_one[db.backend]),
    ):
        warm = _memory_warm(mode)
        first = numbers.take(warm + count).start
        argv = [sys.executable, "-m", "bench.transitions", "--memory-child", db.url, mode, str(first), str(count)]
        print(f"  {db.backend:10} memory: {count} problems, {mode} ...", flush=True)
        done = subprocess.run(argv, check=True, capture_output=True, text=True)
        got = json.loads(done.stdout.strip().splitlines()[-1])
        out.append(
            Memory(
                db.backend,
                mode,
                count,
                got["before"],
                got["after"],
                got["peak"],
                [tuple(c) for c in got["checkpoints"]],
                got["seconds"],
            )
        )
    return out


# --- the report ----------------------------------------------------------------------------


def markdown(
    timings: list[Timing], memory: list[Memory], skipped: list[str], sizes: Sizes, quick: bool, load: tuple[str, str]
) -> str:
    lines = [
        "## Transitions",
        "",
        "Persisted transitions through the service layer (`supervise.services.transitions`): `advance` for one",
        "transition per transaction, `advance_many` for bulk (1000 problems per transaction), each beside a raw",
        "driver baseline (sqlite3, psycopg 3) doing the same work in the same run, on the same database.",
        f"Median of {sizes.runs} alternating runs of each path (a run: {sizes.one['sqlite']} transactions on SQLite,",
        f"{sizes.one['postgresql']} on PostgreSQL, or one bulk transaction); every run moves fresh problems from",
        f"`assigned` to `in_progress` (`{TRIGGER}`, by the office).{' **Quick run: smaller sizes.**' if quick else ''}",
        "",
        "| backend | mode | service µs/transition | raw µs/transition | service transitions/s | raw transitions/s"
        " | service/raw | target | met |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for t in timings:
        goal, met = t.target()
        mode = "one per transaction" if t.mode == "one" else f"bulk, {BULK_PER_TX} per transaction"
        lines.append(
            f"| {LABELS[t.backend]} | {mode} | {t.service_us:.1f} | {t.raw_us:.1f} | {1e6 / t.service_us:,.0f}"
            f" | {1e6 / t.raw_us:,.0f} | {t.ratio:.2f}× | {goal} | {'met' if met else '**not met**'} |"
        )
    lines += ["", *[f"_{s}_" for s in skipped]] if skipped else []
    lines += ["", f"1-minute load average of the machine at the start and end of the run: {load[0]} and {load[1]}."]
    lines += [
        "",
        "What the raw baseline does, per transaction: `BEGIN` (`BEGIN IMMEDIATE` on SQLite); select the problem by",
        "round and number; check its state and version in Python; `UPDATE problems SET state, version = version + 1,",
        "updated_at WHERE id AND version` (rowcount checked); `SELECT seq, hash FROM audit_head` (`FOR UPDATE` on",
        "PostgreSQL); compute the event's chain hash with `supervise.domain.audit.event_hash`; `INSERT` the event",
        "(`RETURNING id`); update the head; `COMMIT`. Bulk: one `SELECT … IN` (`FOR UPDATE`, ordered by id, on",
        "PostgreSQL), one `executemany` UPDATE, one `executemany` INSERT of the chained events, one head update.",
        "The baseline knows the round and the actor beforehand; the service resolves the round and the actor, loads",
        "the co-responsible units and applies the workflow rules (role, scope, requirements) on every call.",
        "Raw and service events go into the same chain, and `audit verify` passes on it after the run.",
        "",
        "Where the time of one transition per transaction goes. _Raw with lookups_ is the baseline with the reads",
        "the service cannot skip in place of its `SELECT`, written with the driver as the service reads them: the",
        "round with the problem and its co-units, and the actor with their roles, in one statement (two `SELECT`s",
        "joined by `UNION ALL`). Lookups = raw with lookups ÷ raw; framework = service ÷ raw with lookups (the",
        "connection pool, SQLAlchemy Core per statement, the rules). Round trips per transaction on PostgreSQL:",
        "the baselines 7 (`BEGIN`, five statements, `COMMIT`); the service 5, as it sends its four writes as two",
        "statements (data-modifying CTEs). On SQLite the service's item `UPDATE` returns the chain's head",
        "(`RETURNING`): three write statements to the baselines' four. The pool pings a connection before use",
        "only when it sat idle for a second or more (`supervise.adapters.db`), so transitions in a row send no",
        "ping; _pinged_ is the service with a ping at every checkout (as SQLAlchemy's `pool_pre_ping` does).",
        "",
        "| backend | raw µs | raw with lookups µs | service µs | lookups | framework | service/raw"
        " | pinged µs | pinged/raw |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *[
            f"| {LABELS[t.backend]} | {t.raw_us:.1f} | {t.lookups_us:.1f} | {t.service_us:.1f}"
            f" | {t.lookups_us / t.raw_us:.2f}× | {t.service_us / t.lookups_us:.2f}× | {t.ratio:.2f}× |"
            + (f" {t.pinged_us:.1f} | {t.pinged_us / t.raw_us:.2f}× |" if t.pinged_us else " — | — |")
            for t in timings
            if t.lookups_us
        ],
        "",
        "### Memory",
        "",
        "Resident memory of a fresh process that advances the problems through the service (after a warm-up),",
        "read from `/proc/self/status` (VmRSS before and after; VmHWM is the highest it ever was). Target:",
        f"advancing 100k problems raises RSS by less than {MEMORY_LIMIT_MB:g} MB, judged here on the rise and on the",
        "peak above the starting RSS, whichever is larger. _All in one transaction_ is a single `advance_many`",
        "call with every reference, the harshest case (the 100k references themselves are part of it).",
        "",
        "| backend | mode | problems | RSS before MB | RSS after MB | rise MB | peak MB | RSS at each tenth, MB"
        " | seconds | target |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for m in memory:
        mode = MEMORY_MODES[m.mode]
        tenths = " ".join(f"{mb:.0f}" for _, mb in m.checkpoints) or "—"
        goal = "met" if m.met else "**not met**"
        if m.items < 100_000:
            goal += f" (sample of {m.items:,})"
        lines.append(
            f"| {LABELS[m.backend]} | {mode} | {m.items:,} | {m.rss_before_mb:.1f} | {m.rss_after_mb:.1f}"
            f" | {m.rise_mb:+.1f} | {m.peak_mb:.1f} | {tenths} | {m.seconds:.1f} | {goal} |"
        )
    return "\n".join(lines)


def _load_average() -> str:
    """Other work on the machine skews timings: the report says how busy it was."""
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            return f.read().split()[0]
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.transitions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about 30 seconds)")
    parser.add_argument("--backend", choices=BACKENDS, action="append", help="only this backend (repeatable)")
    parser.add_argument("--no-write", action="store_true", help="print the figures; leave docs/benchmarks.md alone")
    parser.add_argument("--memory-child", nargs=4, metavar=("URL", "MODE", "FIRST", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        url, mode, first, count = args.memory_child
        print(json.dumps(memory_child(url, mode, int(first), int(count))))
        return 0
    sizes = QUICK if args.quick else DEFAULT
    load_at_start = _load_average()
    timings: list[Timing] = []
    memory: list[Memory] = []
    skipped: list[str] = []
    for backend in args.backend or BACKENDS:
        if backend == "postgresql" and not postgres_available():
            skipped.append("PostgreSQL was not reachable: its rows were not measured.")
            continue
        with scratch_database(backend) as db:
            total = sizes.problems(backend)
            print(f"{backend}: creating {total:,} problems ...", flush=True)
            populate(db, total)
            numbers = Numbers(total)
            timings += measure(db, sizes, numbers)
            memory += measure_memory(db, sizes, numbers)
    text = markdown(timings, memory, skipped, sizes, args.quick, (load_at_start, _load_average()))
    print("\n" + text)
    if not args.no_write:
        write_section("transitions", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
