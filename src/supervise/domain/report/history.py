"""The ledger at a past day, replayed from the audit history.

Every transition is an event with its ``from_state`` and ``to_state``, and a deadline
change records the deadline it replaced; so the state, deadline and rebound count of an
item on any day can be read back from the chain. When nothing happened after the day
asked for, the current rows already are that day's ledger and are used as they are.

A problem counts as existing from the earlier of its ``create`` event and the round's
feedback date: the feedback named it even if the plan was imported weeks later, in the
state the import gave it.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from supervise.domain.report.facts import EventFact, Ledger, MeasureFact

Key = tuple[str, int]  # (subject_type, subject_id)


@dataclass(frozen=True)
class Timeline:
    """The states an item went through: ``states[i]`` holds from ``days[i]`` (inclusive) on."""

    born: dt.date | None  # the day it starts to count (None: always)
    initial: str
    days: tuple[dt.date, ...]
    states: tuple[str, ...]

    def state_on(self, day: dt.date) -> str | None:
        """The state at the end of ``day``; None if the item did not exist yet."""
        if self.born is not None and day < self.born:
            return None
        i = bisect.bisect_right(self.days, day)
        return self.states[i - 1] if i else self.initial


def by_subject(events: Iterable[EventFact]) -> dict[Key, list[EventFact]]:
    out: dict[Key, list[EventFact]] = defaultdict(list)
    for e in sorted(events, key=lambda e: e.seq):
        out[(e.subject_type, e.subject_id)].append(e)
    return out


def timeline(current: str, history: list[EventFact], floor: dt.date | None) -> Timeline:
    """The timeline of an item whose state is ``current`` now; ``floor`` is the round's feedback date."""
    moves = [e for e in history if e.to_state is not None and e.trigger != "create"]
    created = next((e for e in history if e.trigger == "create"), None)
    if created is not None and created.to_state:
        initial = created.to_state
    elif moves:
        initial = moves[0].from_state or moves[0].to_state or current
    else:
        initial = current
    born = None if created is None else (min(created.day, floor) if floor else created.day)
    return Timeline(born, initial, tuple(e.day for e in moves), tuple(e.to_state or current for e in moves))


def restate(ledger: Ledger) -> Ledger:
    """The ledger as it stood at the end of ``ledger.as_of``; the same object when nothing happened since."""
    as_of = ledger.as_of
    if all(e.day <= as_of for e in ledger.events):
        return ledger
    history = by_subject(ledger.events)
    floor = ledger.round.feedback_date
    problems = []
    for p in ledger.problems:
        own = history.get(("problem", p.id), [])
        line = timeline(p.state, own, floor)
        state = line.state_on(as_of)
        if state is None:
            continue  # not yet in the ledger on that day
        later = [e for e in own if e.day > as_of]
        measures = tuple(_measure_then(m, history.get(("measure", m.id), []), as_of) for m in p.measures)
        problems.append(
            replace(
                p,
                state=state,
                deadline=_deadline_then(p.deadline, later),
                rebound_count=max(0, p.rebound_count - sum(1 for e in later if e.rebound_count is not None)),
                progress=_progress_then(p.progress, own, as_of),
                measures=measures,
            )
        )
    events = tuple(e for e in ledger.events if e.day <= as_of)
    return replace(ledger, problems=tuple(problems), events=events)


def _measure_then(m: MeasureFact, own: list[EventFact], as_of: dt.date) -> MeasureFact:
    later = [e for e in own if e.day > as_of]
    if not later:
        return m
    state = timeline(m.state, own, None).state_on(as_of) or m.state
    return replace(m, state=state, deadline=_deadline_then(m.deadline, later))


def _deadline_then(current: dt.date | None, later: list[EventFact]) -> dt.date | None:
    """The deadline before the first later change of it (each change records the one it replaced)."""
    for e in later:
        if e.trigger == "extend" or e.old_deadline is not None:
            return e.old_deadline
    return current


def _progress_then(current: str | None, own: list[EventFact], as_of: dt.date) -> str | None:
    notes = [e for e in own if e.trigger == "progress"]
    if not any(e.day > as_of for e in notes):
        return current
    earlier = [e.note for e in notes if e.day <= as_of and e.note]
    return earlier[-1] if earlier else None


def settled_on(history: list[EventFact], settled: set[str], as_of: dt.date) -> dt.date | None:
    """The day an item last entered a settled state (closed, long-term, done) on or before ``as_of``."""
    day = None
    for e in history:
        if e.day > as_of:
            break
        if e.trigger != "create" and e.to_state in settled and e.from_state not in settled:
            day = e.day
    return day


def first_created(history: list[EventFact]) -> EventFact | None:
    return next((e for e in history if e.trigger == "create"), None)


def last_with_trigger(history: list[EventFact], trigger: str, as_of: dt.date) -> EventFact | None:
    found = None
    for e in history:
        if e.day <= as_of and e.trigger == trigger:
            found = e
    return found


def series_days(start: dt.date, end: dt.date, step: str) -> list[dt.date]:
    """The days of a burndown: every day, or every week's end (Sunday), always ending on ``end``."""
    if end < start:
        return [end]
    if step == "day":
        return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    days = [start]
    first_sunday = start + dt.timedelta(days=(6 - start.weekday()) or 7)
    day = first_sunday
    while day < end:
        days.append(day)
        day += dt.timedelta(days=7)
    days.append(end)
    return days


def pick_step(start: dt.date, end: dt.date, requested: str = "auto") -> str:
    """``auto``: daily up to about three months, weekly beyond (a chart of 250 daily points reads no better)."""
    if requested in ("day", "week"):
        return requested
    return "day" if (end - start).days <= 92 else "week"
