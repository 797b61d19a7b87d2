"""Importing: a plan, a ledger (CSV, Excel) or a published report, validated whole, written at once or not at all.

Every format is read into the same canonical plan (``ParsedPlan``) by the domain,
then checked against the database and written in one transaction by ``import_plan``.
A ledger names no round: it goes into an existing round (``--round``), or into a new
one described on the command line (``--new-round``) or by a plan file (``--plan``).
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from supervise.adapters import ledger_files as files
from supervise.adapters.tables import rounds
from supervise.domain.deadlines import PolicyOptions
from supervise.domain.errors import Ambiguous, Defect, InputRejected, NotFound
from supervise.domain.ledger import parse_ledger
from supervise.domain.ledger_locate import Directory, OptionPlaces
from supervise.domain.plan import ParsedPlan, Period, RoundSpec, parse_plan, validate_plan
from supervise.domain.report_text import parse_report
from supervise.domain.text import Text
from supervise.services.context import Context
from supervise.services.lookup import resolve_round
from supervise.services.plan_writer import SYSTEM_ACTOR, ImportSummary, Progress, write_plan
from supervise.services.queries import today_in

__all__ = ["SYSTEM_ACTOR", "ImportRequest", "ImportSummary", "Progress", "import_file", "import_plan"]
FORMATS = ("yaml", "csv", "xlsx", "report")


@dataclass(frozen=True)
class ImportRequest:
    """One ``supervise import``: the file, where its round comes from, and how open deadlines are filled."""

    path: Path
    format: str | None = None  # yaml, csv, xlsx or report; from the file's suffix when None
    round: str | None = None  # an existing round's code or name
    new_round: dict[str, Any] = field(default_factory=dict)  # name, code, feedback_date, timezone
    plan: Path | None = None  # a plan file giving the round, units and people for a ledger
    sheet: str | None = None
    options: PolicyOptions = field(default_factory=PolicyOptions)
    strict: bool = False
    dry_run: bool = False


def import_plan(
    ctx: Context,
    parsed: ParsedPlan,
    source: str,
    *,
    strict: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Write a validated plan: checked against the database first, then all of it in one transaction."""
    return write_plan(ctx, parsed, source, strict=strict, dry_run=dry_run, progress=progress)


def import_file(ctx: Context, req: ImportRequest, progress: Progress | None = None) -> ImportSummary:
    """Read the file in its format, validate it whole, write it in one transaction (or, dry, roll back)."""
    with paused_gc():
        return _import_file(ctx, req, progress)


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while a file is read and written.

    An import builds hundreds of thousands of small acyclic objects (cells, rows, specs);
    reference counting frees them, but each allocation burst also triggers the cyclic
    collector, which rescans everything alive: measured at more than half of the time of
    a 100,000-row import. Collection resumes (if it was on) when the import ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import_file(ctx: Context, req: ImportRequest, progress: Progress | None) -> ImportSummary:
    fmt = req.format or files.guess_format(req.path)
    if fmt not in FORMATS:
        raise InputRejected(str(req.path), [Defect(str(req.path), "", "--format", _UNKNOWN_FORMAT)])
    directory = _directory(ctx, req)
    reader = {"yaml": _read_plan, "report": _read_report}.get(fmt, _read_ledger)
    parsed, source, notes = reader(ctx, req, fmt, directory, progress)
    summary = write_plan(ctx, parsed, source, strict=req.strict, dry_run=req.dry_run, progress=progress)
    summary.format, summary.notes = fmt, notes
    return summary


def _read_plan(
    ctx: Context, req: ImportRequest, fmt: str, directory: Directory | None, progress: Progress | None
) -> tuple[ParsedPlan, str, list[str]]:
    source = str(req.path)
    parsed = parse_plan(files.read_text(req.path), source, ctx.workflows)
    return (_into(parsed, directory, source, ctx) if directory else parsed), source, []


def _read_report(
    ctx: Context, req: ImportRequest, fmt: str, directory: Directory | None, progress: Progress | None
) -> tuple[ParsedPlan, str, list[str]]:
    zone = directory.round.timezone if directory else RoundSpec.model_fields["timezone"].default
    text, source = files.read_text(req.path), str(req.path)
    parsed, read = parse_report(text, source, ctx.workflows, req.options, _today(ctx, zone), directory)
    notes = ["问题按出现顺序重新编号 / problems numbered 1..N in order (the text restarts its numbering)"]
    return parsed, source, notes if read.renumbered else []


def _read_ledger(
    ctx: Context, req: ImportRequest, fmt: str, directory: Directory | None, progress: Progress | None
) -> tuple[ParsedPlan, str, list[str]]:
    sheet = files.read_sheet(req.path, fmt, req.sheet, _stage(progress, "load"))
    directory = directory or _only_round(ctx)
    policy = req.options.for_round(directory.round.feedback_date, _today(ctx, directory.round.timezone))
    parsed, ledger = parse_ledger(sheet, directory, policy, ctx.workflows, _stage(progress, "read"))
    unused = ledger.unused_columns
    return parsed, sheet.source, [f"未使用的列 / columns not used: {'、'.join(unused)}"] if unused else []


def _stage(progress: Progress | None, stage: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(stage, done, total)


def _today(ctx: Context, zone: str) -> dt.date:
    """Today where the round is run: the base of immediate deadlines when the round has no feedback date."""
    return today_in(zone, ctx.clock())


def _directory(ctx: Context, req: ImportRequest) -> Directory | None:
    """The round (and units and people) the file goes into, from the command line; None: the file decides."""
    given = [name for name, on in (("--round", req.round), ("--new-round", req.new_round), ("--plan", req.plan)) if on]
    if len(given) > 1:
        problem = Text(f"{' 与 '.join(given)} 只能选一个", f"give one of {', '.join(given)}, not several")
        raise InputRejected(given[0], [Defect(given[0], "", "", problem)])
    if req.round:
        return Directory.empty(_existing_round(ctx, req.round), "--round")
    if req.new_round:
        return Directory.empty(_new_round(ctx, req.new_round), "--new-round")
    if req.plan:
        parsed = parse_plan(files.read_text(req.plan), str(req.plan), ctx.workflows)
        if parsed.plan.problems:
            raise InputRejected(
                str(req.plan),
                [parsed.locate.defect(("problems",), _PLAN_HAS_PROBLEMS)],
            )
        return Directory.from_plan(parsed)
    return None


def _existing_round(ctx: Context, token: str) -> RoundSpec:
    with ctx.reading() as conn:
        found = resolve_round(conn, token)
        row = conn.execute(select(rounds).where(rounds.c.id == found.id)).one()
    inspection = Period(start=row.inspection_start, end=row.inspection_end) if row.inspection_start else None
    return RoundSpec(
        name=row.name,
        code=row.code,
        inspecting_body=row.inspecting_body,
        inspected_unit=row.inspected_unit,
        inspection=inspection if row.inspection_end else None,
        feedback_date=row.feedback_date,
        timezone=row.timezone,
    )


def _new_round(ctx: Context, given: dict[str, Any]) -> RoundSpec:
    places = OptionPlaces("--new-round")
    try:
        spec = RoundSpec.model_validate({k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        defects = [places.defect(("round", *err["loc"]), Text(err["msg"], err["msg"])) for err in exc.errors()]
        raise InputRejected("--new-round", defects) from None
    with ctx.reading() as conn:
        if conn.execute(select(rounds.c.id).where(rounds.c.name == spec.name)).first() is not None:
            problem = Text(f"轮次 {spec.name} 已存在：请用 --round", f"round {spec.name} exists: use --round")
            raise InputRejected("--new-round", [Defect("--new-round", "", "name", problem)])
    return spec


def _only_round(ctx: Context) -> Directory:
    """A ledger without --round goes into the only round there is; with none or several, the office must say."""
    with ctx.reading() as conn:
        try:
            only = resolve_round(conn, None)
        except (NotFound, Ambiguous) as exc:
            raise type(exc)(
                Text(
                    f"{exc.text.zh}。台账不含轮次：请用 --round 指定已有轮次，或用 --new-round / --plan 新建",
                    f"{exc.text.en}. A ledger names no round: give --round (an existing one) "
                    "or --new-round / --plan (a new one)",
                )
            ) from None
    return Directory.empty(_existing_round(ctx, str(only.id)), "--round")


def _into(parsed: ParsedPlan, directory: Directory, source: str, ctx: Context) -> ParsedPlan:
    """A plan file's problems into the round given on the command line."""
    data = parsed.plan.model_dump(exclude_none=True)
    data["round"] = directory.round.model_dump(exclude_none=True)
    data["units"] = list(dict.fromkeys([*directory.units, *data.get("units", [])]))
    return validate_plan(data, parsed.locate, source, ctx.workflows)


_UNKNOWN_FORMAT = Text(
    "无法识别文件格式：请用 --format yaml|csv|xlsx|report（整改方案、台账或通报文本）",
    "unknown file format: give --format yaml|csv|xlsx|report (a plan, a ledger, or the report text)",
)
_PLAN_HAS_PROBLEMS = Text(
    "--plan 文件只给出轮次、单位和人员；问题应在台账中",
    "a --plan file gives the round, units and people only; the problems belong in the ledger",
)
