"""Fixtures: a fresh, migrated database per test on SQLite and on PostgreSQL, the workflows, a fixed clock."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from supervise.adapters import migrate
from supervise.adapters.db import make_engine
from supervise.adapters.tables import Base
from supervise.adapters.workflow_files import load_registry
from supervise.domain.plan import parse_plan
from supervise.domain.registry import WorkflowRegistry
from supervise.services.context import Context
from supervise.services.importing import import_plan
from tests.services import scratch_postgres_database

ROOT = Path(__file__).resolve().parent.parent
WALKTHROUGH = ROOT / "examples" / "walkthrough.yaml"
SEED = ROOT.parent / "shared" / "seeds" / "000_c36b9863edcf1b27.txt"


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture(scope="session")
def workflows() -> WorkflowRegistry:
    return load_registry()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating each time would be slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with scratch_postgres_database() as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url


def _truncate_postgres(engine: Engine) -> None:
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        # A tamper test switches the append-only guard off to edit history by hand: every test starts with it on.
        conn.execute(text("ALTER TABLE events ENABLE TRIGGER events_no_update"))
        conn.execute(text("ALTER TABLE evidence ENABLE TRIGGER evidence_no_update"))
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        conn.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64})


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "supervise.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    _truncate_postgres(engine)
    engine.dispose()
    yield url


@pytest.fixture
def seed_text() -> str:
    """The published report the reference case comes from (in ../shared/seeds/ beside the repository)."""
    if not SEED.is_file():
        pytest.skip(f"the seed report is not here ({SEED}); CI provides it")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2023, 11, 8, 1, 30, tzinfo=dt.UTC))


@pytest.fixture
def ctx(database_url: str, workflows: WorkflowRegistry, clock: FixedClock) -> Iterator[Context]:
    engine = make_engine(database_url)
    yield Context(engine, workflows, clock)
    engine.dispose()


@pytest.fixture
def walkthrough(ctx: Context) -> Context:
    """The context with the walkthrough plan imported: round R4, problem 13 with measures 13.1 and 13.2."""
    parsed = parse_plan(WALKTHROUGH.read_text(encoding="utf-8"), str(WALKTHROUGH), ctx.workflows)
    import_plan(ctx, parsed, str(WALKTHROUGH))
    return ctx
