"""Running the demo: a fresh SQLite database, the reference round, and the simulated clock.

Every working day at the reminder hour the driver does what beat does — it sends the scan task
through the in-process broker to the embedded Celery worker and waits for the delivery task the
scan publishes (emails as .eml files, or over SMTP if ``SUPERVISE_SMTP_URL`` is set). Then the
day's scripted actions go through the same services the CLI uses, on the same clock.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from supervise.adapters import migrate
from supervise.adapters.calendar import load_calendar
from supervise.adapters.evidence_files import read_evidence
from supervise.adapters.report_render import render_html, render_notice
from supervise.adapters.report_xlsx import write_xlsx
from supervise.adapters.tables import events, measures, outbox, people, person_roles, problems, units, work_prompts
from supervise.adapters.tables_oversight import reviews as reviews_t
from supervise.adapters.tables_oversight import selfcheck_campaigns, visits
from supervise.adapters.workflow_files import shipped_dir
from supervise.bootstrap import build_context
from supervise.demo import scenario as sc
from supervise.domain.errors import SuperviseError
from supervise.domain.plan import parse_plan
from supervise.domain.report.notice_config import parse_notice_config
from supervise.domain.text import Text
from supervise.services import reviews, selfcheck, supervision
from supervise.services.context import Context
from supervise.services.importing import import_plan
from supervise.services.progress import ReportProgress, report_progress
from supervise.services.reports import ReportRequest, load_notice, load_report
from supervise.services.transitions import Advance, advance
from supervise.settings import Settings, load_settings
from worker.app import create_app
from worker.embedded import embedded
from worker.runtime import Runtime


def examples_dir() -> Path:
    """The reference round and its notice settings, as shipped (wheel or checkout)."""
    return shipped_dir("examples", "seed_round.yaml")


ZONE = ZoneInfo("Asia/Shanghai")


class SimulatedClock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, day: dt.date, minute: int) -> None:
        self.now = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), ZONE)


@dataclass
class DemoResult:
    directory: Path
    files: dict[str, Path]
    by_state: dict[str, int]
    prompts: int
    emails: dict[str, int]
    visits: int
    send_backs: int
    rebounds: int
    selfchecks: int
    reviews: int
    transitions: int
    problem_41: dict[str, Any]  # state, measures done of all, the progress note
    steps: dict[str, int] = field(default_factory=dict)  # actions replayed, by kind


def demo_settings(directory: Path) -> Settings:
    env = {
        **os.environ,
        "SUPERVISE_DATABASE_URL": f"sqlite:///{directory / 'supervise.db'}",
        "SUPERVISE_OUTBOX_DIR": str(directory / "outbox"),
        "SUPERVISE_BROKER_URL": "",
    }
    return load_settings(env)


def run_demo(
    directory: Path, examples: Path | None = None, on_day: Callable[[dt.date], None] | None = None
) -> DemoResult:
    """Replay the round in ``directory`` (emptied first); returns what happened and the files written."""
    examples = examples or examples_dir()
    _fresh(directory)
    (directory / "evidence").mkdir(parents=True)
    settings = demo_settings(directory)
    clock = SimulatedClock(dt.datetime.combine(sc.START, dt.time(10), ZONE))
    ctx = build_context(settings, clock)
    migrate.upgrade(ctx.engine)
    plan_path = examples / "seed_round.yaml"
    import_plan(ctx, parse_plan(plan_path.read_text(encoding="utf-8"), str(plan_path), ctx.workflows), str(plan_path))
    with ctx.reading() as conn:
        calendar = load_calendar(conn)
    steps = sc.build(_seats(ctx), calendar.is_workday)
    counts: Counter[str] = Counter()
    app = create_app(Runtime(settings=lambda: settings, context=ctx))
    with embedded(app, loglevel="ERROR") as worker:
        day, pending = sc.START, list(steps)
        while day <= sc.END:
            if calendar.is_workday(day):
                clock.set(day, settings.worker.remind_at.hour * 60 + settings.worker.remind_at.minute)
                worker.tick(clock.now)
            while pending and pending[0].day == day:
                step = pending.pop(0)
                clock.set(day, step.minute)
                _do(ctx, step.action, directory)
                counts[type(step.action).__name__] += 1
            if on_day:
                on_day(day)
            day += dt.timedelta(days=1)
    clock.set(sc.END, 18 * 60)
    files = _write_outputs(ctx, directory, examples)
    result = _tally(ctx, directory, files, counts)
    ctx.engine.dispose()
    return result


MARKER = ".supervise-demo"


class DirectoryInUse(SuperviseError):
    code = "directory_in_use"


def _fresh(directory: Path) -> None:
    """Empty the directory of an earlier demo; never a directory the demo did not make."""
    if directory.exists() and any(directory.iterdir()):
        if not (directory / MARKER).exists():
            raise DirectoryInUse(
                Text(
                    f"{directory} 不是空目录，也不是演示目录：请换一个目录",
                    f"{directory} is neither empty nor a demo directory: choose another",
                )
            )
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("made by supervise demo; emptied by the next run\n", encoding="utf-8")


def _seats(ctx: Context) -> list[sc.Seat]:
    with ctx.reading() as conn:
        contacts: dict[int, str] = {}
        for unit_id, name in conn.execute(
            select(people.c.unit_id, people.c.name)
            .join(person_roles, person_roles.c.person_id == people.c.id)
            .where(person_roles.c.role == "unit")
            .order_by(people.c.id)
        ):
            contacts.setdefault(unit_id, name)
        leaders = dict(conn.execute(select(people.c.id, people.c.name)).all())
        texts: dict[int, list[str]] = {}
        for pid, text in conn.execute(select(measures.c.problem_id, measures.c.text).order_by(measures.c.seq)):
            texts.setdefault(pid, []).append(text)
        rows = conn.execute(
            select(
                problems.c.id,
                problems.c.number,
                problems.c.kind,
                problems.c.deadline,
                problems.c.lead_unit_id,
                problems.c.leader_id,
                units.c.name,
            )
            .outerjoin(units, units.c.id == problems.c.lead_unit_id)
            .order_by(problems.c.number)
        ).all()
    return [
        sc.Seat(
            r.number,
            r.kind,
            r.deadline,
            tuple(texts.get(r.id, [])),
            contacts.get(r.lead_unit_id) or leaders.get(r.leader_id) or sc.OFFICE,
            r.name,
        )
        for r in rows
    ]


def _do(ctx: Context, action: sc.Action, directory: Path) -> None:
    match action:
        case sc.Fire(ref, trigger, actor, note, with_evidence, deadline):
            evidence = (_evidence(directory, ref),) if with_evidence else ()
            advance(ctx, Advance(ref, trigger, actor, note, evidence, deadline))
        case sc.Progress(ref, actor, text):
            report_progress(ctx, ReportProgress(ref, actor, text))
        case sc.FormGroup(name, members):
            supervision.create_group(ctx, supervision.CreateGroup(name, members, sc.OFFICE))
        case sc.PlanVisit(group, on, numbers, purpose):
            supervision.plan_visit(ctx, supervision.PlanVisit(group, on, sc.OFFICE, problems=numbers, purpose=purpose))
        case sc.RecordVisit(number, actor, findings, summary):
            found = tuple(supervision.Finding(p, outcome, note) for p, outcome, note in findings)
            supervision.record_visit(ctx, supervision.RecordVisit(number, actor, found, summary))
        case sc.StartSelfcheck(title, due):
            selfcheck.start_campaign(ctx, selfcheck.StartCampaign(title, due, sc.OFFICE))
        case sc.AnswerSelfcheck(ref, answer, actor, note):
            selfcheck.answer(ctx, selfcheck.Answer(ref, answer, actor, note))
        case sc.TakeReview():
            reviews.take_review(ctx, sc.OFFICE)


def _evidence(directory: Path, ref: str) -> Any:
    path = directory / "evidence" / f"{ref}-整改佐证.txt"
    path.write_text(f"问题 {ref} 整改佐证材料（演示）\nEvidence for {ref} (demo)\n", encoding="utf-8")
    return read_evidence(path)


def _write_outputs(ctx: Context, directory: Path, examples: Path) -> dict[str, Path]:
    request = ReportRequest(as_of=sc.END)
    files = {
        "notice": directory / "通报.txt",
        "ledger": directory / "整改台账.xlsx",
        "report": directory / "report.html",
    }
    config_path = examples / "seed_notice.yaml"
    config = parse_notice_config(config_path.read_text(encoding="utf-8"), str(config_path))
    files["notice"].write_text(render_notice(load_notice(ctx, request, config)), encoding="utf-8")
    report = load_report(ctx, request)
    write_xlsx(report, files["ledger"])
    files["report"].write_text(render_html(report), encoding="utf-8")
    return files


def _tally(ctx: Context, directory: Path, files: dict[str, Path], counts: Counter[str]) -> DemoResult:
    with ctx.reading() as conn:
        by_state: dict[str, int] = dict(
            conn.execute(select(problems.c.state, func.count()).group_by(problems.c.state)).all()
        )
        triggers: dict[str, int] = dict(
            conn.execute(select(events.c.trigger, func.count()).group_by(events.c.trigger)).all()
        )
        rebounds = int(conn.execute(select(func.sum(problems.c.rebound_count))).scalar() or 0)
        emails: dict[str, int] = dict(conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state)).all())
        prompts = conn.execute(select(func.count()).select_from(work_prompts)).scalar_one()
        done_visits = conn.execute(select(func.count()).where(visits.c.state == "done")).scalar_one()
        campaigns = conn.execute(select(func.count()).select_from(selfcheck_campaigns)).scalar_one()
        review_count = conn.execute(select(func.count()).select_from(reviews_t)).scalar_one()
        p41 = conn.execute(
            select(problems.c.id, problems.c.state, problems.c.progress).where(problems.c.number == 41)
        ).one()
        p41_measures = conn.execute(select(measures.c.state).where(measures.c.problem_id == p41.id)).scalars().all()
    transitions = sum(
        n
        for t, n in triggers.items()
        if t in {"start", "finish", "submit", "verify", "close", "send_back", "reopen", "keep_long_term", "extend"}
    )
    return DemoResult(
        directory,
        files,
        by_state,
        prompts,
        emails,
        done_visits,
        triggers.get("send_back", 0),
        rebounds,
        campaigns,
        review_count,
        transitions,
        {
            "state": p41.state,
            "measures_done": sum(1 for m in p41_measures if m == "done"),
            "measures": len(p41_measures),
            "progress": p41.progress,
        },
        dict(counts),
    )
