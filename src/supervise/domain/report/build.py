"""Computing a report from the ledger: counts, lights, overdue items, days to close, burndown, league table.

Definitions (also in docs/reports.md):
- an item is *open* while its state tracks the deadline; *overdue* when open and its
  deadline is before the report's day; days overdue are calendar days;
- a problem is *settled* when closed (a final state) or kept under long-term review (a
  state that no longer tracks the deadline); a measure is *done* in a final state;
- *days to close*: from a problem's first ``create`` event to its last ``close`` on or
  before the report's day, for the problems closed then;
- the league table counts, for each unit, the problems it leads and the measures it owns
  (a measure without a unit belongs to its problem's lead unit); *on time* means settled
  on or before the deadline; the on-time rate is on-time items over items whose outcome
  is known (settled on a known day, or past their deadline).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from supervise.domain.registry import WorkflowRegistry
from supervise.domain.report import history as h
from supervise.domain.report.book import Book, is_overdue
from supervise.domain.report.facts import EventFact, Ledger, MeasureFact, ProblemFact
from supervise.domain.report.league import league_table
from supervise.domain.report.model import (
    SIGNALS,
    Burndown,
    BurnPoint,
    Closing,
    DaysToClose,
    LedgerMeasure,
    LedgerRow,
    LightRow,
    OverdueGroup,
    OverdueItem,
    Report,
    StateCount,
    Summary,
)
from supervise.domain.text import Text

# (deadline, today, yellow_within working days, behind) -> "red" | "yellow" | "green" | None
LightRule = Callable[[dt.date | None, dt.date, int, bool], str | None]


def calendar_day_light(deadline: dt.date | None, today: dt.date, yellow_within: int, behind: bool) -> str | None:
    """A light without a working-day calendar: yellow within ``yellow_within`` working days read as
    calendar days plus the weekends between (used only where no calendar is available)."""
    if deadline is not None and deadline < today:
        return "red"
    if behind:
        return "yellow"
    if deadline is None:
        return None
    return "yellow" if (deadline - today).days <= yellow_within * 7 // 5 else "green"


@dataclass(frozen=True)
class Options:
    step: str = "auto"  # burndown: day | week | auto


def build_report(
    ledger: Ledger,
    workflows: WorkflowRegistry,
    light_rule: LightRule = calendar_day_light,
    options: Options = Options(),
    notes: list[Text] | None = None,
) -> Report:
    ledger = h.restate(ledger)
    book = Book(workflows)
    today = ledger.as_of
    history = h.by_subject(ledger.events)
    overdue = _overdue(ledger.problems, book, today)
    late_measures = {i.ref for i in overdue if i.subject == "measure"}
    lights = [_light_row(p, book, today, light_rule, late_measures) for p in ledger.problems]
    return Report(
        round=ledger.round,
        as_of=today,
        summary=_summary(ledger.problems, lights, book, today, light_rule),
        lights=lights,
        ledger=[_ledger_row(p, row, book, today, light_rule) for p, row in zip(ledger.problems, lights, strict=True)],
        overdue=overdue,
        overdue_by_unit=_group(overdue, lambda i: i.unit),
        overdue_by_leader=_group(overdue, lambda i: i.leader),
        days_to_close=_days_to_close(ledger.problems, history, book, today),
        burndown=_burndown(ledger, history, book, options.step),
        league=league_table(ledger.problems, history, book, today),
        activity=ledger.activity,
        notes=list(notes or []),
    )


# --- signals ---------------------------------------------------------------------------------------


def _signal(
    workflow: str, state: str, deadline: dt.date | None, book: Book, today: dt.date, rule: LightRule, behind: bool
) -> str:
    if book.final(workflow, state):
        return "done"
    if not book.tracks(workflow, state):
        return "long_term"
    return rule(deadline, today, book.yellow_within(workflow), behind) or "none"


def _light_row(p: ProblemFact, book: Book, today: dt.date, rule: LightRule, late: set[str]) -> LightRow:
    late_here = sum(1 for m in p.measures if f"{p.number}.{m.seq}" in late)
    signal = _signal(p.workflow, p.state, p.deadline, book, today, rule, late_here > 0)
    tracking = book.tracks(p.workflow, p.state)
    days_left = (p.deadline - today).days if tracking and p.deadline and p.deadline >= today else None
    return LightRow(
        number=p.number,
        title=p.title,
        kind=p.kind,
        lead_unit=p.lead_unit,
        leader=p.leader,
        deadline=p.deadline,
        state=p.state,
        state_label=book.label(p.workflow, p.state),
        signal=signal,
        days_overdue=(today - p.deadline).days if signal == "red" and p.deadline else 0,
        days_left=days_left,
        measures=len(p.measures),
        measures_done=sum(1 for m in p.measures if book.final(m.workflow, m.state)),
        measures_overdue=late_here,
        rebound_count=p.rebound_count,
    )


def _ledger_row(p: ProblemFact, light: LightRow, book: Book, today: dt.date, rule: LightRule) -> LedgerRow:
    return LedgerRow(
        number=p.number,
        title=p.title,
        category=p.category,
        kind=p.kind,
        leader=p.leader,
        lead_unit=p.lead_unit,
        units=list(p.units),
        deadline=p.deadline,
        state=p.state,
        state_label=light.state_label,
        signal=light.signal,
        rebound_count=p.rebound_count,
        progress=p.progress,
        measures=[_ledger_measure(m, book, today, rule) for m in p.measures],
    )


def _ledger_measure(m: MeasureFact, book: Book, today: dt.date, rule: LightRule) -> LedgerMeasure:
    late = m.deadline is not None and is_overdue(m.workflow, m.state, m.deadline, book, today)
    return LedgerMeasure(
        seq=m.seq,
        text=m.text,
        unit=m.unit,
        deadline=m.deadline,
        state=m.state,
        state_label=book.label(m.workflow, m.state),
        signal=_signal(m.workflow, m.state, m.deadline, book, today, rule, False),
        days_overdue=(today - m.deadline).days if late and m.deadline else 0,
    )


# --- summary ---------------------------------------------------------------------------------------


def _by_state(items: list[tuple[str, str]], book: Book) -> list[StateCount]:
    """Counts in each workflow's own order of states, states with no item left out."""
    counts = Counter(items)
    out = []
    for workflow in dict.fromkeys(w for w, _ in items):
        for state in book.wf(workflow).states:
            if counts[(workflow, state)]:
                out.append(StateCount(state, book.label(workflow, state), counts[(workflow, state)]))
    return out


def _summary(
    problems: tuple[ProblemFact, ...], lights: list[LightRow], book: Book, today: dt.date, rule: LightRule
) -> Summary:
    measures = [(p, m) for p in problems for m in p.measures]
    m_signals = Counter(_signal(m.workflow, m.state, m.deadline, book, today, rule, False) for _, m in measures)
    p_signals = Counter(r.signal for r in lights)
    total = len(problems)
    closed = sum(1 for p in problems if book.final(p.workflow, p.state))
    return Summary(
        problems=total,
        problems_closed=closed,
        problems_open=sum(1 for p in problems if book.tracks(p.workflow, p.state)),
        problems_long_term=sum(1 for r in lights if r.signal == "long_term"),
        problems_overdue=p_signals["red"],
        problems_by_state=_by_state([(p.workflow, p.state) for p in problems], book),
        problems_by_signal={s: p_signals[s] for s in SIGNALS},
        measures=len(measures),
        measures_done=sum(1 for _, m in measures if book.final(m.workflow, m.state)),
        measures_overdue=sum(1 for _, m in measures if is_overdue(m.workflow, m.state, m.deadline, book, today)),
        measures_by_state=_by_state([(m.workflow, m.state) for _, m in measures], book),
        measures_by_signal={s: m_signals[s] for s in SIGNALS},
        rebounds=sum(p.rebound_count for p in problems),
        problems_rebounded=sum(1 for p in problems if p.rebound_count),
        kinds={k: sum(1 for p in problems if p.kind == k) for k in ("immediate", "dated", "long_term")},
        closed_share=closed / total if total else 0.0,
    )


# --- overdue ---------------------------------------------------------------------------------------


def _overdue(problems: tuple[ProblemFact, ...], book: Book, today: dt.date) -> list[OverdueItem]:
    out = []
    for p in problems:
        if p.deadline is not None and is_overdue(p.workflow, p.state, p.deadline, book, today):
            out.append(
                _item(str(p.number), "problem", p, p.title, p.lead_unit, p.deadline, p.workflow, p.state, book, today)
            )
        for m in p.measures:
            if m.deadline is not None and is_overdue(m.workflow, m.state, m.deadline, book, today):
                ref = f"{p.number}.{m.seq}"
                unit = m.unit or p.lead_unit
                out.append(_item(ref, "measure", p, m.text, unit, m.deadline, m.workflow, m.state, book, today))
    return sorted(out, key=lambda i: (-i.days_overdue, i.number, i.ref))


def _item(
    ref: str,
    subject: str,
    p: ProblemFact,
    text: str,
    unit: str | None,
    deadline: dt.date,
    workflow: str,
    state: str,
    book: Book,
    today: dt.date,
) -> OverdueItem:
    return OverdueItem(
        ref,
        subject,
        p.number,
        text,
        unit,
        p.leader,
        deadline,
        (today - deadline).days,
        state,
        book.label(workflow, state),
    )


def _group(items: list[OverdueItem], key: Callable[[OverdueItem], str | None]) -> list[OverdueGroup]:
    """Groups with the most overdue first (then the longest overdue); an unnamed owner last."""
    groups: dict[str | None, list[OverdueItem]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    out = [OverdueGroup(name, members) for name, members in groups.items()]
    return sorted(out, key=lambda g: (g.name is None, -g.count, -g.max_days, g.name or ""))


# --- days to close ---------------------------------------------------------------------------------


def _days_to_close(
    problems: tuple[ProblemFact, ...], history: dict[h.Key, list[EventFact]], book: Book, today: dt.date
) -> DaysToClose:
    items = []
    for p in problems:
        if not book.final(p.workflow, p.state):
            continue
        own = history.get(("problem", p.id), [])
        created = h.first_created(own)
        closed = h.last_with_trigger(own, "close", today)
        if created is None or closed is None:
            continue  # imported already closed: when it closed is not known
        items.append(Closing(p.number, p.title, created.day, closed.day, (closed.day - created.day).days))
    days = [c.days for c in items]
    return DaysToClose(
        count=len(items),
        median=float(statistics.median(days)) if days else None,
        max=max(days) if days else None,
        mean=statistics.fmean(days) if days else None,
        items=sorted(items, key=lambda c: (-c.days, c.number)),
    )


# --- burndown --------------------------------------------------------------------------------------


def _burndown(ledger: Ledger, history: dict[h.Key, list[EventFact]], book: Book, step: str) -> Burndown:
    end = ledger.as_of
    created = [e.day for e in ledger.events if e.trigger == "create"]
    start = ledger.round.feedback_date or min(created, default=end)
    start = min(start, end)
    step = h.pick_step(start, end, step)
    floor = ledger.round.feedback_date
    lines = [(p, h.timeline(p.state, history.get(("problem", p.id), []), floor)) for p in ledger.problems]
    points = []
    for day in h.series_days(start, end, step):
        open_, long_term, closed = 0, 0, 0
        for p, line in lines:
            state = line.state_on(day)
            if state is None:
                continue
            if book.final(p.workflow, state):
                closed += 1
            elif book.tracks(p.workflow, state):
                open_ += 1
            else:
                long_term += 1
        points.append(BurnPoint(day, open_, long_term, closed))
    deadlines = [p.deadline for p in ledger.problems if p.deadline and p.kind != "long_term"]
    return Burndown(step, start, end, points, max(deadlines) if deadlines else None)
