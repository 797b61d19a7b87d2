"""Fixtures for ledgers in and out: files written the way offices write them, the seed, database snapshots."""

from __future__ import annotations

import csv
import datetime as dt
import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from supervise.adapters.tables import Base
from supervise.adapters.workflow_files import load_registry
from supervise.domain.deadlines import DeadlinePolicy
from supervise.domain.ledger import Sheet, parse_ledger
from supervise.domain.ledger_locate import Directory
from supervise.domain.plan import ParsedPlan, RoundSpec
from supervise.domain.registry import WorkflowRegistry
from supervise.services.context import Context
from supervise.services.importing import ImportRequest, ImportSummary, import_file
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
SEED_ROUND = EXAMPLES / "seed_round.yaml"
FEEDBACK = dt.date(2023, 11, 7)
ROUND = RoundSpec(name="十二届省委第四轮巡视", code="R4", feedback_date=FEEDBACK)
HEADERS = ["序号", "问题", "整改措施", "责任领导", "牵头单位", "责任单位", "整改时限", "完成情况"]
NEW_ROUND: dict[str, Any] = {"name": "十二届省委第四轮巡视", "code": "R4", "feedback_date": FEEDBACK}


def parse_rows(rows: Sequence[Sequence[object]], *, default: dt.date | None = None) -> ParsedPlan:
    """A sheet given as rows (row 1 first) read for the test round: the domain alone, no database."""
    sheet = Sheet("ledger.csv", [(i, list(r)) for i, r in enumerate(rows, start=1)])
    policy = DeadlinePolicy(FEEDBACK, default=default)
    parsed, _ = parse_ledger(sheet, Directory.empty(ROUND), policy, _registry())
    return parsed


@functools.cache
def _registry() -> WorkflowRegistry:
    return load_registry()


def write_csv(path: Path, rows: Sequence[Sequence[object]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], merges: Sequence[str] = (), sheet: str = "台账") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    for ref in merges:
        ws.merge_cells(ref)
    book.save(path)
    return path


@pytest.fixture
def importer(ctx: Context) -> Callable[..., ImportSummary]:
    """``supervise import`` as the service runs it: ``importer(path, **request fields)``."""

    def run(path: Path, **fields: Any) -> ImportSummary:
        return import_file(ctx, ImportRequest(path=path, **fields))

    return run


def snapshot(ctx: Context) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in key order: equal snapshots mean nothing was written."""
    out = {}
    with ctx.reading() as conn:
        for table in Base.metadata.sorted_tables:
            keys = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*keys))]
    return out


def counts(ctx: Context) -> dict[str, int]:
    return {name: len(rows) for name, rows in snapshot(ctx).items()}


@pytest.fixture
def cli(database_url: str) -> Any:
    """The real ``supervise`` command, in-process, on a fresh database of either backend."""
    from tests.e2e.conftest import Supervise

    return Supervise({"SUPERVISE_DATABASE_URL": database_url, "SUPERVISE_LANG": "both"})
